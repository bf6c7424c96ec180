package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // user time zones must load on hosts without a zoneinfo database

	"runway/app"
	"runway/apperr"
	"runway/query"
	"runway/record"
	"runway/store"
)

// decoded is a stored record read back into values.
type decoded struct {
	id      string
	version int64
	label   string
	v       record.Values
}

// render turns stored rows the caller may read into the answer's
// documents: the stored native JSON as is when nothing else is asked and
// nothing is hidden from the caller; otherwise decoded, fields the caller
// may not read on that record removed, with the relationships of out.Fetch
// expanded (one GetMany per path for all rows), projected to out.Fields
// (and the caller's readable fields) and encoded native or plainText.
func (s *Service) render(ctx context.Context, g *perms, rows []store.Row, out *query.Output) ([][]byte, error) {
	return s.renderDecoded(ctx, g, rows, nil, out)
}

// renderDecoded is render where pre, when not nil, holds rows already
// decoded (unmasked) at the same index, nil entries still to decode.
func (s *Service) renderDecoded(ctx context.Context, g *perms, rows []store.Row, pre []*decoded, out *query.Output) ([][]byte, error) {
	var o query.Output
	if out != nil {
		o = *out
	}
	e := g.e
	fields := g.fields(o.Fields)
	docs := make([][]byte, len(rows))
	if fields == nil && !g.masked() && !o.PlainText && len(o.Fetch) == 0 {
		for i := range rows {
			docs[i] = rows[i].Doc
		}
		return docs, nil
	}
	var pt *record.PlainText
	if o.PlainText {
		loc, err := s.location(ctx, g.c, o.ForUser)
		if err != nil {
			return nil, err
		}
		pt = &record.PlainText{Defaults: s.app.DisplayOptions, Loc: loc}
	}
	recs := make([]decoded, len(rows))
	for i := range rows {
		r := &recs[i]
		if pre != nil && pre[i] != nil {
			*r = *pre[i]
		} else {
			var err error
			if r.id, r.version, r.label, r.v, err = record.Decode(rows[i].Doc); err != nil {
				return nil, fmt.Errorf("data: decode %s %s: %w", e.FullName, rows[i].ID, err)
			}
		}
		if err := g.mask(ctx, r.v, r.id, r.label); err != nil {
			return nil, err
		}
	}
	for _, path := range o.Fetch {
		if !selected(fields, path) {
			continue
		}
		if err := s.fetch(ctx, g.c, e, path, recs, pt); err != nil {
			return nil, err
		}
	}
	for i := range recs {
		r := &recs[i]
		if pt != nil {
			docs[i] = pt.Encode(e, r.id, r.version, r.label, r.v, fields)
		} else {
			docs[i] = record.Encode(e, r.id, r.version, r.label, r.v, fields)
		}
	}
	return docs, nil
}

// selected reports whether a projection keeps a field path.
func selected(only record.FieldSet, path []string) bool {
	for _, name := range path {
		if only == nil {
			return true
		}
		sub, ok := only[name]
		if !ok {
			return false
		}
		only = sub
	}
	return true
}

// fetch expands the relationship values at path in every record to the
// target records' documents (rest-api.md §6.1, app-model.md §3): the ids of
// all records are collected first and read with one GetMany. Targets the
// caller may not read (entity or record), and missing targets, stay as
// stored; fetched targets show only the fields the caller may read. With pt
// the targets are rendered in plainText too.
func (s *Service) fetch(ctx context.Context, c *Caller, e *app.Entity, path []string, recs []decoded, pt *record.PlainText) error {
	f := fieldAt(e.Fields, path)
	if f == nil {
		return nil
	}
	target := s.app.Entity(f.Rules.Entity)
	if target == nil {
		return nil
	}
	tg := s.perms(c, target)
	if tg.allow(opRead) != nil {
		return nil
	}
	var ids []string
	seen := map[string]bool{}
	for i := range recs {
		eachRef(recs[i].v, path, func(ref map[string]any) any {
			if id, _ := ref["id"].(string); record.IsID(id) && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
			return ref
		})
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.store.GetMany(ctx, target, ids)
	if err != nil {
		return err
	}
	docs := make(map[string]json.RawMessage, len(rows))
	open := tg.ea.Read.All() && tg.ea.AllReadable()
	for i := range rows {
		doc := rows[i].Doc
		if pt != nil || !open {
			id, version, label, v, err := record.Decode(doc)
			if err != nil {
				return fmt.Errorf("data: decode %s %s: %w", target.FullName, rows[i].ID, err)
			}
			if ok, err := tg.match(ctx, tg.ea.Read, v, id, label); err != nil {
				return err
			} else if !ok {
				continue // a record the caller may not read keeps its {id, label}
			}
			if err := tg.mask(ctx, v, id, label); err != nil {
				return err
			}
			if pt != nil {
				doc = pt.Encode(target, id, version, label, v, tg.fields(nil))
			} else {
				doc = record.Encode(target, id, version, label, v, tg.fields(nil))
			}
		}
		docs[rows[i].ID] = doc
	}
	for i := range recs {
		eachRef(recs[i].v, path, func(ref map[string]any) any {
			id, _ := ref["id"].(string)
			if doc, ok := docs[id]; ok {
				return doc
			}
			return ref
		})
	}
	return nil
}

// fieldAt finds the field at a path of names through nested fields.
func fieldAt(fields []*app.Field, path []string) *app.Field {
	var f *app.Field
	for _, name := range path {
		if f = findField(fields, name); f == nil {
			return nil
		}
		fields = f.Nested
	}
	return f
}

// eachRef calls fn on every relationship value (an object) at path in v,
// through single and multi-valued nested fields, and puts what fn returns
// in its place.
func eachRef(v record.Values, path []string, fn func(map[string]any) any) {
	val, ok := v[path[0]]
	if !ok || val == nil {
		return
	}
	if len(path) == 1 {
		switch x := val.(type) {
		case map[string]any:
			v[path[0]] = fn(x)
		case []any:
			for i, item := range x {
				if m, ok := item.(map[string]any); ok {
					x[i] = fn(m)
				}
			}
		}
		return
	}
	switch x := val.(type) {
	case map[string]any:
		eachRef(x, path[1:], fn)
	case []any:
		for _, item := range x {
			if m, ok := item.(map[string]any); ok {
				eachRef(m, path[1:], fn)
			}
		}
	}
}

// location is the time zone plainText shows dateTime values in: that of the
// user named by forUser (id or email), or of the caller when forUser is
// empty — the user's localization.timezone when its timezoneMode is MANUAL,
// else the app's default time zone. An unknown forUser is a badRequest;
// naming another user needs read access to sys.users.
func (s *Service) location(ctx context.Context, c *Caller, forUser string) (*time.Location, error) {
	users := s.app.Entity(usersEntity)
	if users == nil {
		return s.tz, nil
	}
	if forUser == "" {
		if !record.IsID(c.UserID) {
			return s.tz, nil // the system, or a caller with no user record
		}
		row, err := s.store.Get(ctx, users, c.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return s.tz, nil
		}
		if err != nil {
			return nil, err
		}
		return s.userLocation(row), nil
	}
	self := forUser == c.UserID || c.Email != "" && strings.EqualFold(forUser, c.Email)
	ug := s.perms(c, users)
	if !self && ug.allow(opRead) != nil {
		return nil, apperr.New(apperr.Forbidden, "Not allowed to use _formatForUser with another user: it needs read access to %s", usersEntity)
	}
	row, err := s.userRow(ctx, users, forUser)
	if err != nil {
		return nil, err
	}
	if row != nil && !self {
		// A user the caller may not read is one they cannot name.
		if ok, err := ug.matchDoc(ctx, ug.ea.Read, row.Doc); err != nil {
			return nil, err
		} else if !ok {
			row = nil
		}
	}
	if row == nil {
		return nil, apperr.New(apperr.BadRequest, "Invalid parameter _formatForUser: no user with id or email %q", forUser)
	}
	return s.userLocation(row), nil
}

// userRow reads a user by id or (case-insensitive) email; nil when none.
func (s *Service) userRow(ctx context.Context, users *app.Entity, key string) (*store.Row, error) {
	if record.IsID(key) {
		row, err := s.store.Get(ctx, users, key)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		return row, err
	}
	f := users.Field("emailStandardized")
	if f == nil {
		return nil, nil
	}
	rows, err := s.store.Find(ctx, users, &query.Select{
		Where: &query.Cond{Target: query.Target{Path: []query.Step{{Name: f.Name}}, Field: f}, Op: query.Equals,
			Values: []any{strings.ToLower(key)}},
		Sort:  query.ByID,
		Limit: 1,
	})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// userLocation is the time zone of a sys.users record (app-model.md §6.1).
func (s *Service) userLocation(row *store.Row) *time.Location {
	_, _, _, v, err := record.Decode(row.Doc)
	if err != nil {
		return s.tz
	}
	l, _ := v["localization"].(record.Values)
	mode, _ := l["timezoneMode"].(string)
	name, _ := l["timezone"].(string)
	if !strings.EqualFold(mode, "MANUAL") || strings.TrimSpace(name) == "" {
		return s.tz
	}
	if loc, ok := loadLocation(strings.TrimSpace(name)); ok {
		return loc
	}
	return s.tz
}

// zones caches loaded time zones by name (a failed name maps to nil).
var zones sync.Map

func loadLocation(name string) (*time.Location, bool) {
	if l, ok := zones.Load(name); ok {
		loc := l.(*time.Location)
		return loc, loc != nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	zones.Store(name, loc)
	return loc, loc != nil
}

// Render renders a record a script holds — its values, saved or not — as
// out says, the way a read renders stored records: the caller's field
// permissions, fetched relationships, projection and plainText.
func (s *Service) Render(ctx context.Context, c *Caller, e *app.Entity, id string, version int64, label string, v record.Values, out *query.Output) ([]byte, error) {
	g := s.perms(c, e)
	if err := g.allow(opRead); err != nil {
		return nil, err
	}
	// Rendering masks and fetches in place: it works on a copy, decoded
	// from the record's JSON.
	pre := &decoded{}
	doc := record.Encode(e, id, version, label, v, nil)
	var err error
	if pre.id, pre.version, pre.label, pre.v, err = record.Decode(doc); err != nil {
		return nil, fmt.Errorf("data: render %s: %w", e.FullName, err)
	}
	docs, err := s.renderDecoded(ctx, g, []store.Row{{ID: id, Version: version, Label: label, Doc: doc}}, []*decoded{pre}, out)
	if err != nil {
		return nil, err
	}
	return docs[0], nil
}
