package data

import (
	"bytes"
	"encoding/json"
	"fmt"

	"runway/app"
	"runway/apperr"
	"runway/query"
	"runway/record"
	"runway/store"
)

// relationships resolves the written values of a relationship field
// (app-model.md §3): {"id"} | "<id>" | {"label"} | "<label>" |
// {"<lookupField>": v} | "<lookup value>", in that priority. All values of
// the field are resolved together: one query for ids, one for labels, one
// per lookup field — never one per value.
//
// A target newly set (not in old) must meet the field's filteringRules
// (app-model.md §3, §8 Q22: only when the value is set or changed, so a
// company made inactive does not break every save of its contacts).
func (w *writer) relationships(f *app.Field, list []any, old any, path string, many bool) []any {
	target := w.s.app.Entity(f.Rules.Entity)
	if target == nil {
		w.fail(path, f, apperr.FieldInvalid, fmt.Sprintf("Entity %q of the relationship does not exist", f.Rules.Entity), nil)
		return nil
	}
	refs := make([]ref, 0, len(list))
	for i, raw := range list {
		p := path
		if many {
			p = indexed(path, i)
		}
		if raw == nil {
			continue
		}
		r, ok := parseRef(raw, target)
		if !ok {
			w.fail(p, f, apperr.FieldInvalid, "Expected a record id, label or lookup value", rejected(raw))
			continue
		}
		r.path = p
		refs = append(refs, r)
	}
	if err := w.resolve(target, refs); err != nil {
		w.fail(path, f, apperr.FieldInvalid, err.Error(), nil)
		return nil
	}
	kept := refIDs(old)
	out := make([]any, 0, len(refs))
	for _, r := range refs {
		switch {
		case r.ambiguous:
			w.fail(r.path, f, apperr.FieldInvalid, fmt.Sprintf("More than one %s record matches %q", target.FullName, r.text), rejected(r.raw))
		case r.row == nil:
			w.fail(r.path, f, apperr.FieldInvalid, fmt.Sprintf("No %s record matches %v", target.FullName, r.raw), rejected(r.raw))
		case !kept[r.row.ID] && !w.meetsFilteringRules(f, target, r.row, r.path):
		default:
			out = append(out, relationshipValue(f, r.row))
		}
	}
	return out
}

// refIDs are the target ids of a stored relationship value (one or many).
func refIDs(old any) map[string]bool {
	ids := map[string]bool{}
	var list []any
	switch x := old.(type) {
	case []any:
		list = x
	case nil:
	default:
		list = []any{x}
	}
	for _, v := range list {
		if m, ok := v.(map[string]any); ok {
			if id, ok := m["id"].(string); ok {
				ids[id] = true
			}
		}
	}
	return ids
}

// meetsFilteringRules checks a newly set target against the field's
// filteringRules, reporting a field error when it does not.
func (w *writer) meetsFilteringRules(f *app.Field, target *app.Entity, row *store.Row, path string) bool {
	if len(f.Rules.FilteringRules) == 0 {
		return true
	}
	x, err := w.s.filteringRules(f, target)
	if err == nil {
		var v record.Values
		if _, _, _, v, err = record.Decode(row.Doc); err == nil {
			var ok bool
			if ok, err = query.Match(x, v, row.ID, row.Label); err == nil && ok {
				return true
			}
			if err == nil {
				w.fail(path, f, apperr.FieldInvalid, fmt.Sprintf("%q does not meet the filtering rules of %s", row.Label, f.Name), rejected(row.ID))
				return false
			}
		}
	}
	w.fail(path, f, apperr.FieldInvalid, fmt.Sprintf("The filtering rules of %s cannot be applied: %v", f.Name, err), nil)
	return false
}

// filteringRules compiles a relationship field's filteringRules once.
func (s *Service) filteringRules(f *app.Field, target *app.Entity) (query.Expr, error) {
	if x, ok := s.filterRules.Load(f); ok {
		return x.(query.Expr), nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(f.Rules.FilteringRules))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("filteringRules must be an object: %w", err)
	}
	x, err := query.ParseMap(s.app, target, m, query.MapOptions{Param: "filteringRules", Metadata: true})
	if err != nil {
		return nil, err
	}
	s.filterRules.Store(f, x)
	return x, nil
}

// ref is one relationship value being resolved.
type ref struct {
	raw       any
	path      string
	id        string            // try as id
	text      string            // try as label, then lookup fields
	lookup    map[string]string // explicit {"<lookupField>": v}
	byLabel   bool              // explicit {"label": …}: no lookup fallback
	row       *store.Row
	ambiguous bool
}

func parseRef(raw any, target *app.Entity) (ref, bool) {
	r := ref{raw: raw}
	switch x := raw.(type) {
	case string:
		if record.IsID(x) {
			r.id = x
		}
		r.text = x
		return r, x != ""
	case map[string]any:
		if id, ok := x["id"].(string); ok {
			r.id = id
			return r, record.IsID(id)
		}
		if l, ok := x["label"].(string); ok {
			r.text, r.byLabel = l, true
			return r, true
		}
		for _, lf := range target.LookupFields {
			if v, ok := x[lf]; ok && v != nil {
				r.lookup = map[string]string{lf: fmt.Sprint(v)}
				return r, true
			}
		}
	}
	return r, false
}

// resolve fills ref.row for every ref, with one store query per kind of key.
func (w *writer) resolve(target *app.Entity, refs []ref) error {
	var ids []string
	for _, r := range refs {
		if r.id != "" {
			ids = append(ids, r.id)
		}
	}
	if len(ids) > 0 {
		rows, err := w.r.GetMany(w.ctx, target, ids)
		if err != nil {
			return err
		}
		byID := make(map[string]*store.Row, len(rows))
		for i := range rows {
			byID[rows[i].ID] = &rows[i]
		}
		for i := range refs {
			if refs[i].id != "" {
				refs[i].row = byID[refs[i].id]
			}
		}
	}
	if err := w.resolveBy(target, refs, query.Target{System: query.SysLabel}, func(r *ref) string {
		if r.lookup == nil {
			return r.text
		}
		return ""
	}); err != nil {
		return err
	}
	for _, lf := range target.LookupFields {
		f := target.Field(lf)
		if f == nil {
			continue
		}
		t := query.Target{Path: []query.Step{{Name: f.Name}}, Field: f}
		err := w.resolveBy(target, refs, t, func(r *ref) string {
			if r.lookup != nil {
				return r.lookup[lf]
			}
			if r.byLabel {
				return ""
			}
			return r.text
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// resolveBy resolves the still unresolved refs by one column or field.
func (w *writer) resolveBy(target *app.Entity, refs []ref, t query.Target, key func(*ref) string) error {
	var values []any
	for i := range refs {
		if refs[i].row == nil && !refs[i].ambiguous {
			if k := key(&refs[i]); k != "" {
				values = append(values, k)
			}
		}
	}
	if len(values) == 0 {
		return nil
	}
	rows, err := w.r.Find(w.ctx, target, &query.Select{
		Where: &query.Cond{Target: t, Op: query.Equals, Values: values},
		Sort:  query.ByID,
		Limit: 2*len(values) + 1,
	})
	if err != nil {
		return err
	}
	matches := map[string][]*store.Row{}
	for i := range rows {
		k := rowKey(&rows[i], t)
		matches[k] = append(matches[k], &rows[i])
	}
	for i := range refs {
		r := &refs[i]
		if r.row != nil || r.ambiguous {
			continue
		}
		switch m := matches[key(r)]; len(m) {
		case 0:
		case 1:
			r.row = m[0]
		default:
			r.ambiguous = true
		}
	}
	return nil
}

// rowKey reads the value a row was matched on.
func rowKey(row *store.Row, t query.Target) string {
	if t.System == query.SysLabel {
		return row.Label
	}
	_, _, _, v, err := record.Decode(row.Doc)
	if err != nil {
		return ""
	}
	return fmt.Sprint(v[t.Field.Name])
}

// relationshipValue is the stored form of a reference: id, the target's
// current label, and its copied fields.
func relationshipValue(f *app.Field, row *store.Row) record.Values {
	v := record.Values{"id": row.ID, "label": row.Label}
	if len(f.Rules.CopiedFields) == 0 {
		return v
	}
	_, _, _, doc, err := record.Decode(row.Doc)
	if err != nil {
		return v
	}
	for _, p := range f.Rules.CopiedFields {
		if cv := valueAt(doc, p); cv != nil {
			v[p] = cv
		}
	}
	return v
}

// group resolves a group value by id, name or label (app-model.md §2).
func (w *writer) group(f *app.Field, raw any, path string) any {
	if raw == nil {
		return nil
	}
	key := ""
	switch x := raw.(type) {
	case string:
		key = x
	case map[string]any:
		key, _ = x["id"].(string)
		if key == "" {
			key, _ = x["name"].(string)
		}
		if key == "" {
			key, _ = x["label"].(string)
		}
	}
	g := w.s.findGroup(key)
	if g == nil {
		w.fail(path, f, apperr.FieldInvalid, fmt.Sprintf("No group %v", raw), rejected(raw))
		return nil
	}
	if len(f.Rules.Groups) > 0 && !contains(f.Rules.Groups, g.Name) {
		w.fail(path, f, apperr.FieldInvalid, fmt.Sprintf("Group %q is not allowed here", g.Name), rejected(raw))
		return nil
	}
	return record.Values{"id": g.ID, "label": g.Label}
}

func (s *Service) findGroup(key string) *app.Group {
	if key == "" {
		return nil
	}
	for _, pass := range []func(*app.Group) string{
		func(g *app.Group) string { return g.ID },
		func(g *app.Group) string { return g.Name },
		func(g *app.Group) string { return g.Label },
	} {
		for _, g := range s.app.Groups {
			if pass(g) == key {
				return g
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
