package data

import (
	"context"
	"encoding/json"
	"fmt"

	"runway/app"
	"runway/apperr"
	"runway/query"
	"runway/record"
	"runway/store"
	"runway/types"
)

// AuthorizeExport is the check of an export (CSV): the group's export flag
// (which needs read), 403 otherwise.
func (s *Service) AuthorizeExport(c *Caller, e *app.Entity) error {
	if !s.entityAccess(c, e).Export {
		return apperr.New(apperr.Forbidden, "Not allowed to export records of %s", e.FullName)
	}
	return nil
}

// AuthorizeImport is the check of an import (CSV): the group's import flag
// (which needs create; rows matching a stored record need update too,
// checked row by row), 403 otherwise.
func (s *Service) AuthorizeImport(c *Caller, e *app.Entity) error {
	if !s.entityAccess(c, e).Import {
		return apperr.New(apperr.Forbidden, "Not allowed to import records of %s", e.FullName)
	}
	return nil
}

// ExportRecord is one record an export writes: a JSON document of what the
// caller may read of it — the stored document as it is (system fields
// included) when that is all of it, otherwise its readable values (no
// system fields) with the relationships asked for fetched as the target's
// values (with "id" and "label"), the others as stored ({id, label}).
type ExportRecord struct {
	ID, Label string
	Doc       []byte
}

// CountExport counts the records an export of where would write: those the
// caller may read.
func (s *Service) CountExport(ctx context.Context, c *Caller, e *app.Entity, where query.Expr) (int64, error) {
	g := s.perms(c, e)
	if err := g.allow(opRead); err != nil {
		return 0, err
	}
	w, err := g.restrict(ctx, where, nil)
	if err != nil {
		return 0, err
	}
	return g.count(ctx, w)
}

// Export calls fn with the records sel selects that c may read, in sel's
// order, page records at a time (memory: one page), each with the fields c
// may not read on it removed. fetch names the top-level relationships whose
// targets are read along (one read per page and relationship; targets c may
// not read stay {id, label}). A caller who may read every field of every
// record it reads, fetching nothing, gets the stored documents as they
// are: most exports read no record into values.
func (s *Service) Export(ctx context.Context, c *Caller, e *app.Entity, sel *query.Select, fetch []string, page int,
	fn func([]ExportRecord) error) error {
	g := s.perms(c, e)
	if err := g.allow(opRead); err != nil {
		return err
	}
	q := *sel
	w, err := g.restrict(ctx, q.Where, &q.Sort)
	if err != nil {
		return err
	}
	q.Where = w
	readable := g.ea.ReadFields()
	whole := readable == nil && !g.masked() && len(fetch) == 0
	buf := make([]store.Row, 0, page)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		out := make([]ExportRecord, len(buf))
		var err error
		if whole {
			for i := range buf {
				out[i] = ExportRecord{ID: buf[i].ID, Label: buf[i].Label, Doc: buf[i].Doc}
			}
		} else if err = s.exportRead(ctx, c, g, e, buf, fetch, readable, out); err != nil {
			return err
		}
		buf = buf[:0]
		return fn(out)
	}
	err = g.scanAhead(ctx, &q, func(row *store.Row) error {
		buf = append(buf, *row)
		if len(buf) == page {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// exportRead fills out with the documents of rows as the caller may read
// them: decoded, masked and projected, relationships of fetch read along,
// written again.
func (s *Service) exportRead(ctx context.Context, c *Caller, g *perms, e *app.Entity, rows []store.Row, fetch []string,
	readable record.FieldSet, out []ExportRecord) error {
	recs := make([]decoded, len(rows))
	for i := range rows {
		r := &recs[i]
		var err error
		if r.id, _, r.label, r.v, err = record.Decode(rows[i].Doc); err != nil {
			return fmt.Errorf("data: decode %s %s: %w", e.FullName, rows[i].ID, err)
		}
		if err := g.mask(ctx, r.v, r.id, r.label); err != nil {
			return err
		}
		if readable != nil {
			project(r.v, readable)
		}
	}
	for _, name := range fetch {
		if err := s.fetch(ctx, c, e, []string{name}, recs, nil); err != nil {
			return err
		}
	}
	for i := range recs {
		r := &recs[i]
		for _, name := range fetch {
			if err := fetchedValues(r.v, name); err != nil {
				return err
			}
		}
		doc, err := json.Marshal(r.v)
		if err != nil {
			return fmt.Errorf("data: encode %s %s: %w", e.FullName, r.id, err)
		}
		out[i] = ExportRecord{ID: r.id, Label: r.label, Doc: doc}
	}
	return nil
}

// project keeps in v only the fields of only (nil: all), in nested items too.
func project(v record.Values, only record.FieldSet) {
	for k, val := range v {
		sub, ok := only[k]
		switch {
		case !ok:
			delete(v, k)
		case sub != nil:
			for _, item := range items(val) {
				project(item, sub)
			}
		}
	}
}

// fetchedValues turns the fetched documents of relationship name in v back
// into values (with the target's id and label).
func fetchedValues(v record.Values, name string) error {
	one := func(x any) (any, error) {
		doc, ok := x.(json.RawMessage)
		if !ok {
			return x, nil
		}
		id, _, label, tv, err := record.Decode(doc)
		if err != nil {
			return nil, err
		}
		tv["id"], tv["label"] = id, label
		return tv, nil
	}
	var err error
	switch x := v[name].(type) {
	case []any:
		for i := range x {
			if x[i], err = one(x[i]); err != nil {
				return err
			}
		}
	case nil:
	default:
		v[name], err = one(x)
	}
	return err
}

// ReadableFields is the projection of the fields c may read of e (nil:
// all; fields readable on some records only are in it).
func (s *Service) ReadableFields(c *Caller, e *app.Entity) record.FieldSet {
	return s.entityAccess(c, e).ReadFields()
}

// FindUnique is the id of the record of e whose unique field f holds the
// value text reads as (f's query literal form; "" when none), whoever may
// read it: an import matches rows to records with it, and the write then
// checks the caller's permissions on the record.
func (s *Service) FindUnique(ctx context.Context, e *app.Entity, f *app.Field, text string) (string, error) {
	v, p := types.ParseQuery(f.Type, f.Rules, text)
	if p != nil {
		return "", nil // no stored value reads like this: the write reports the value
	}
	t := query.Target{Path: []query.Step{{Name: f.Name}}, Field: f}
	rows, err := s.store.Find(ctx, e, &query.Select{Where: &query.Cond{Target: t, Op: query.Equals, Values: []any{v}}, Limit: 1, Sort: query.ByID})
	if err != nil || len(rows) == 0 {
		return "", err
	}
	return rows[0].ID, nil
}

// FindUniques is FindUnique for many texts in one query: the id of the
// record whose unique field f holds the value each text reads as (texts
// matching none are absent). A batch of an import matches its rows with
// it. The query's equality decides (it may fold case): a text whose value
// no record found holds exactly, when the query found records that match
// none exactly, is looked up alone.
func (s *Service) FindUniques(ctx context.Context, e *app.Entity, f *app.Field, texts []string) (map[string]string, error) {
	out := make(map[string]string, len(texts))
	vals := make([]any, 0, len(texts))
	byValue := map[string][]string{} // the value's string form → the texts reading as it
	var alone []string
	for _, t := range texts {
		v, p := types.ParseQuery(f.Type, f.Rules, t)
		if p != nil {
			continue // no stored value reads like this
		}
		k, ok := v.(string)
		if !ok {
			alone = append(alone, t)
			continue
		}
		if _, seen := byValue[k]; !seen {
			vals = append(vals, v)
		}
		byValue[k] = append(byValue[k], t)
	}
	if len(vals) > 0 {
		t := query.Target{Path: []query.Step{{Name: f.Name}}, Field: f}
		rows, err := s.store.Find(ctx, e, &query.Select{Where: &query.Cond{Target: t, Op: query.Equals, Values: vals}, Sort: query.ByID})
		if err != nil {
			return nil, err
		}
		exact := 0
		for i := range rows {
			var doc map[string]json.RawMessage
			if err := json.Unmarshal(rows[i].Doc, &doc); err != nil {
				return nil, fmt.Errorf("data: decode %s %s: %w", e.FullName, rows[i].ID, err)
			}
			var v string
			if json.Unmarshal(doc[f.Name], &v) != nil {
				continue
			}
			ts, ok := byValue[v]
			if !ok {
				continue
			}
			exact++
			for _, t := range ts {
				if _, done := out[t]; !done {
					out[t] = rows[i].ID
				}
			}
		}
		if exact < len(rows) {
			for _, ts := range byValue {
				for _, t := range ts {
					if _, ok := out[t]; !ok {
						alone = append(alone, t)
					}
				}
			}
		}
	}
	for _, t := range alone {
		id, err := s.FindUnique(ctx, e, f, t)
		if err != nil {
			return nil, err
		}
		if id != "" {
			out[t] = id
		}
	}
	return out, nil
}
