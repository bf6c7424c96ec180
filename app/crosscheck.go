package app

import (
	"encoding/json"
	"strings"

	"runway/types"
)

// Cross checks: what one file cannot check alone (references between
// entities, groups and fields), once every file is loaded.

// entity returns a usable (non-abstract) entity by full name.
func (l *loader) entity(name string) *rawEntity {
	re := l.byName[name]
	if re == nil || re.abstract {
		return nil
	}
	return re
}

// relTarget is the typeRules.entity of a relationship field.
func (l *loader) relTarget(f *Field) string {
	if m := l.meta[f]; m != nil {
		s, _ := rawString(m.rules["entity"])
		return s
	}
	return f.Rules.Entity
}

func last(fs []*Field) *Field { return fs[len(fs)-1] }

func (l *loader) crossCheck() {
	// field references to other entities and groups
	for _, f := range l.metaOrder {
		m := l.meta[f]
		rulesAt := join(m.path, "typeRules")
		switch f.Type {
		case types.Relationship:
			target, ok := rawString(m.rules["entity"])
			if !ok || target == "" {
				continue // reported while parsing
			}
			t := l.entity(target)
			if t == nil {
				l.errf(m.file, join(rulesAt, "entity"), "unknown entity %q", target)
				continue
			}
			var copied []string
			if r := m.rules["copiedFields"]; !isNull(r) && json.Unmarshal(r, &copied) != nil {
				l.errf(m.file, join(rulesAt, "copiedFields"), "must be an array of field paths")
			}
			for k, c := range copied {
				if t.e.Resolve(c) == nil {
					l.errf(m.file, join(rulesAt, idx("copiedFields", k)), "unknown field %q in %q", c, target)
				}
			}
		case types.Group:
			var groups []string
			if r := m.rules["groups"]; !isNull(r) && json.Unmarshal(r, &groups) != nil {
				l.errf(m.file, join(rulesAt, "groups"), "must be an array of group names")
			}
			for k, g := range groups {
				if l.app.Groups[g] == nil {
					l.errf(m.file, join(rulesAt, idx("groups", k)), "unknown group %q", g)
				}
			}
		}
		if f.Calculated() {
			l.checkAggregate(f, m)
		}
	}

	// entity-level field references, on the flattened entities
	for _, re := range l.ents {
		e := re.e
		if rest, ok := strings.CutPrefix(e.RecordLabel, "fields/"); ok {
			if fs := e.Resolve(rest); fs == nil {
				if re.has["recordLabel"] {
					l.errf(re.file, "recordLabel", "unknown field %q", rest)
				}
			} else {
				e.LabelPath = strings.Split(rest, ".")
			}
		} else if e.RecordLabel == "" {
			e.LabelPath = defaultLabelPath(e)
		}
		if re.has["lookupFields"] {
			for k, name := range e.LookupFields {
				fs := e.Resolve(name)
				switch {
				case fs == nil:
					l.errf(re.file, idx("lookupFields", k), "unknown field %q", name)
				case !last(fs).Unique:
					l.errf(re.file, idx("lookupFields", k), "lookup field %q is not unique", name)
				}
			}
		}
		for i, ix := range re.ownIndexes {
			for k, p := range ix.Fields {
				if e.Resolve(p) == nil {
					l.errf(re.file, idx(idx("indexes", i)+".fields", k), "unknown field %q", p)
				}
			}
		}
	}

	// listeners
	for _, li := range l.app.Listeners {
		if li.Type != "data" || li.Entity == "" {
			continue
		}
		t := l.entity(li.Entity)
		if t == nil {
			l.errf(li.File, "entity", "unknown entity %q", li.Entity)
			continue
		}
		var events []struct {
			Actions []string `json:"actions"`
		}
		_ = json.Unmarshal(li.Events, &events)
		for i, ev := range events {
			for k, a := range ev.Actions {
				if t.e.Action(a) == nil {
					l.errf(li.File, idx(idx("events", i)+".actions", k), "unknown action %q of %q", a, li.Entity)
				}
			}
		}
	}

	// groups: references are warnings (a group may list what the app dropped)
	for _, name := range l.app.GroupNames {
		g := l.app.Groups[name]
		for i, ep := range g.EntityPermissions {
			at := idx("entityPermissions", i)
			t := l.entity(ep.Entity)
			if t == nil {
				l.warn(g.File, join(at, "entity"), "unknown entity %q", ep.Entity)
				continue
			}
			var fields []struct {
				Field string `json:"field"`
			}
			_ = json.Unmarshal(ep.Fields, &fields)
			for k, f := range fields {
				if t.e.Resolve(f.Field) == nil {
					l.warn(g.File, join(at, idx("fields", k)+".field"), "unknown field %q of %q", f.Field, ep.Entity)
				}
			}
			var actions []struct {
				Action string `json:"action"`
			}
			_ = json.Unmarshal(ep.Actions, &actions)
			for k, a := range actions {
				if t.e.Action(a.Action) == nil {
					l.warn(g.File, join(at, idx("actions", k)+".action"), "unknown action %q of %q", a.Action, ep.Entity)
				}
			}
		}
	}
}

// defaultLabelPath is §8 Q14: the first single-valued, stored top-level text
// field, or nil (the id).
func defaultLabelPath(e *Entity) []string {
	for _, f := range e.Fields {
		if f.Type == types.Text && !f.Many && !f.Transient {
			return []string{f.Name}
		}
	}
	return nil
}

var numericTypes = set(types.Integer, types.Decimal, types.Money, types.Percentage, types.BigNumber)

// checkAggregate checks an aggregate valueCalculation: the entity exists,
// field is a relationship of it pointing at this entity, the operation is
// known and sum/avg name a numeric aggregateField.
func (l *loader) checkAggregate(f *Field, m *fieldMeta) {
	var vc struct {
		Aggregate *struct {
			Entity         string `json:"entity"`
			Field          string `json:"field"`
			Operation      string `json:"operation"`
			AggregateField string `json:"aggregateField"`
		} `json:"aggregate"`
	}
	if json.Unmarshal(f.ValueCalculation, &vc) != nil || vc.Aggregate == nil {
		return
	}
	a := vc.Aggregate
	at := join(m.path, "valueCalculation.aggregate")
	t := l.entity(a.Entity)
	if t == nil {
		l.errf(m.file, join(at, "entity"), "unknown entity %q", a.Entity)
		return
	}
	rel := t.e.Resolve(a.Field)
	if rel == nil || last(rel).Type != types.Relationship || l.relTarget(last(rel)) != m.entity.e.FullName {
		l.errf(m.file, join(at, "field"), "%q is not a relationship of %q to %q", a.Field, a.Entity, m.entity.e.FullName)
	}
	switch a.Operation {
	case "count":
	case "sum", "avg":
		af := t.e.Resolve(a.AggregateField)
		if af == nil || !numericTypes[last(af).Type] {
			l.errf(m.file, join(at, "aggregateField"), "%q is not a number field of %q", a.AggregateField, a.Entity)
		}
	default:
		l.errf(m.file, join(at, "operation"), "operation %q must be count, sum or avg", a.Operation)
	}
}
