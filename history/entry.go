package history

import (
	"bytes"
	"strings"

	"runway/app"
	"runway/record"
	"runway/store"
	"runway/types"
)

// Kind is what happened to a record.
type Kind int

// Kinds of changes.
const (
	Created Kind = iota
	Changed
	Deleted
	ActionPerformed
)

// events is the event type of each kind, for users and for scripts.
var events = [2][4]store.HistoryEvent{
	{store.UserRecordCreated, store.UserRecordChanged, store.UserRecordDeleted, store.UserActionPerformed},
	{store.ScriptRecordCreated, store.ScriptRecordChanged, store.ScriptRecordDeleted, store.ScriptActionPerformed},
}

// Change is one event of a record, as the data service describes it.
type Change struct {
	Entity *app.Entity
	Kind   Kind
	// Script: made through a script (SCRIPT category); else by a user or
	// the system on its own (USER category, user "system").
	Script bool
	// User is the email of the acting user (the impersonated one when
	// impersonating); IP theirs; ContextPath where the change came from.
	User, IP, ContextPath string
	Time                  int64 // ms
	RecordID, Label       string
	Version               int64
	// Old and New are the values before and after: New for a creation and
	// a change, Old for a change and a deletion (nil otherwise).
	Old, New record.Values
	// Doc is the stored document of a created or deleted record: the
	// entry's record as is when the entity hides nothing from history.
	Doc []byte
}

const masked = "****"

// plan is what history does with one entity's records.
type plan struct {
	e       *app.Entity
	audit   *app.Audit
	id      string
	version int64
	// cuts are, per context (user, script), the fields whose values history
	// leaves out (ignoreFields) or masks (sensitiveData), by top-level field.
	cuts [2]map[string][]cut
}

// cut hides one path under a top-level field: path is relative to it
// (empty: the whole field).
type cut struct {
	path []string
	mask bool
}

func newPlan(e *app.Entity, version int64) *plan {
	p := &plan{e: e, audit: e.Audit, id: e.ID, version: version}
	for i, c := range []app.AuditContext{e.Audit.User, e.Audit.Script} {
		m := map[string][]cut{}
		for _, path := range c.IgnoreFields {
			parts := strings.Split(app.StripIndexes(path), ".")
			m[parts[0]] = append(m[parts[0]], cut{path: parts[1:]})
		}
		addMasks(m, e.Fields, nil)
		p.cuts[i] = m
	}
	return p
}

// addMasks adds a masking cut for every sensitive field (app-model.md §8
// Q31: masked in history).
func addMasks(m map[string][]cut, fields []*app.Field, parent []string) {
	for _, f := range fields {
		path := append(append([]string(nil), parent...), f.Name)
		if f.SensitiveData {
			m[path[0]] = append(m[path[0]], cut{path: path[1:], mask: true})
			continue
		}
		if f.Type == types.Nested {
			addMasks(m, f.Nested, path)
		}
	}
}

// records reports whether a context records a kind of event.
func records(c *app.AuditContext, k Kind) bool {
	switch k {
	case Created:
		return c.RecordCreated
	case Changed:
		return c.RecordChanged
	case Deleted:
		return c.RecordDeleted
	}
	return c.ActionExecuted
}

// Entry is the history entry of c, or nil when the entity's settings do
// not record it (no history, the context's flag off, or a change of
// ignored fields only).
func (s *Service) Entry(c *Change) *store.HistoryEntry {
	p := s.plans[c.Entity]
	if p == nil {
		return nil
	}
	ctx := 0
	settings := &p.audit.User
	if c.Script {
		ctx, settings = 1, &p.audit.Script
	}
	if !records(settings, c.Kind) {
		return nil
	}
	en := &store.HistoryEntry{ID: record.NewID(), Entity: c.Entity.FullName, EntityVersion: p.version,
		RecordID: c.RecordID, RecordLabel: c.Label, Event: events[ctx][c.Kind], Time: c.Time, User: c.User,
		IP: c.IP, ContextPath: c.ContextPath, Old: emptyObject, New: emptyObject}
	cuts := p.cuts[ctx]
	switch c.Kind {
	case Created:
		en.New = p.whole(c, c.New, cuts)
	case Deleted:
		en.Old = p.whole(c, c.Old, cuts)
	case Changed:
		var changed bool
		if en.Old, en.New, changed = diff(c.Entity, c.Old, c.New, cuts); !changed {
			return nil
		}
	}
	return en
}

var emptyObject = []byte("{}")

// whole is the record of a creation or a deletion: its stored document,
// re-encoded without what history hides (v: its values, decoded from the
// document when nil).
func (p *plan) whole(c *Change, v record.Values, cuts map[string][]cut) []byte {
	if len(cuts) == 0 && c.Doc != nil {
		return c.Doc
	}
	if v == nil && c.Doc != nil {
		var err error
		if _, _, _, v, err = record.Decode(c.Doc); err != nil {
			return c.Doc // a stored document always decodes
		}
	}
	shown := make(record.Values, len(v))
	for k, x := range v {
		shown[k] = x
	}
	for name, cs := range cuts {
		if x, ok := shown[name]; ok {
			shown[name] = applyCuts(x, cs, true)
		}
	}
	return record.Encode(c.Entity, c.RecordID, c.Version, c.Label, shown, nil)
}

// diff returns the old and the new values of the top-level fields that
// differ between old and v, as two JSON objects in definition order
// (null for no value); changed is false when none does. Ignored paths are
// compared away; sensitive values are compared, then masked.
func diff(e *app.Entity, old, v record.Values, cuts map[string][]cut) (before, after []byte, changed bool) {
	var ob, nb, a, b bytes.Buffer
	ob.WriteByte('{')
	nb.WriteByte('{')
	for _, f := range e.Fields {
		if f.Transient {
			continue
		}
		x, y := old[f.Name], v[f.Name]
		cs := cuts[f.Name]
		if len(cs) > 0 {
			x, y = applyCuts(x, cs, false), applyCuts(y, cs, false)
		}
		a.Reset()
		b.Reset()
		record.AppendValue(&a, f, x, nil)
		record.AppendValue(&b, f, y, nil)
		if bytes.Equal(a.Bytes(), b.Bytes()) || isNothing(a.Bytes()) && isNothing(b.Bytes()) {
			continue
		}
		if hasMask(cs) {
			a.Reset()
			b.Reset()
			record.AppendValue(&a, f, applyCuts(x, cs, true), nil)
			record.AppendValue(&b, f, applyCuts(y, cs, true), nil)
		}
		if changed {
			ob.WriteByte(',')
			nb.WriteByte(',')
		}
		changed = true
		for _, w := range []struct {
			out *bytes.Buffer
			val []byte
		}{{&ob, a.Bytes()}, {&nb, b.Bytes()}} {
			record.AppendString(w.out, f.Name)
			w.out.WriteByte(':')
			w.out.Write(w.val)
		}
	}
	ob.WriteByte('}')
	nb.WriteByte('}')
	return ob.Bytes(), nb.Bytes(), changed
}

// isNothing: no value, whichever way it is written (a many-valued field
// is [] when empty, absent on records written before it existed).
func isNothing(b []byte) bool { s := string(b); return s == "null" || s == "[]" }

func hasMask(cs []cut) bool {
	for _, c := range cs {
		if c.mask {
			return true
		}
	}
	return false
}

// applyCuts returns val without the ignored paths of cs and, with masks,
// with its sensitive values masked; val itself is not changed.
func applyCuts(val any, cs []cut, masks bool) any {
	for _, c := range cs {
		if c.mask && !masks {
			continue
		}
		val = cutPath(val, c.path, c.mask)
	}
	return val
}

// cutPath removes (or masks) the value at path in a copy of val.
func cutPath(val any, path []string, mask bool) any {
	if val == nil {
		return nil
	}
	if len(path) == 0 {
		if mask {
			return masked
		}
		return nil
	}
	switch x := val.(type) {
	case record.Values:
		out := make(record.Values, len(x))
		for k, y := range x {
			out[k] = y
		}
		if len(path) == 1 {
			if !mask {
				delete(out, path[0])
			} else if out[path[0]] != nil {
				out[path[0]] = masked
			}
			return out
		}
		if y, ok := out[path[0]]; ok {
			out[path[0]] = cutPath(y, path[1:], mask)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = cutPath(y, path, mask)
		}
		return out
	}
	return val
}
