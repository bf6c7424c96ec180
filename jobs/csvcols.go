package jobs

import (
	"fmt"
	"strings"

	"runway/app"
	"runway/apperr"
	"runway/record"
	"runway/types"
)

// The columns of a CSV file (rest-api.md §6.10, §6.11, D7): a header is a
// field path — nested fields joined with ".", the values of a multi-valued
// field one column each with its index ("phones[0]", "addresses[1].city"),
// fields of a related record after the relationship ("customer.code") —
// written with field names or labels; the import reads either.

// spec is a field an export writes, with the fields under it that it
// writes (a nested field's, or a relationship's target fields; none: a
// nested field's all, a relationship's label).
type spec struct {
	f   *app.Field
	sub []*spec
	// label: a relationship with target fields asked for also has its
	// label column (asked for bare too).
	label bool
}

// specsOf is the columns of the entity's fields (system fields never),
// those readable (nil: all) only.
func specsOf(fields []*app.Field, readable record.FieldSet) []*spec {
	var out []*spec
	for _, f := range fields {
		if f.System {
			continue
		}
		var rsub record.FieldSet
		if readable != nil {
			sub, ok := readable[f.Name]
			if !ok {
				continue
			}
			rsub = sub
		}
		s := &spec{f: f}
		if f.Type == types.Nested {
			if s.sub = specsOf(f.Nested, rsub); len(s.sub) == 0 {
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

// parseExportFields reads _fields: comma-separated paths, a relationship
// followed by fields of its target; id, label and version are left out.
// readable gives the fields the caller may read of an entity (nil: all).
func parseExportFields(a *app.App, e *app.Entity, list string, readable func(*app.Entity) record.FieldSet) ([]*spec, error) {
	var out []*spec
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if p == "" || p == "id" || p == "label" || p == "version" {
			continue
		}
		fields, ent, level := e.Fields, e, &out
		rd := readable(e)
		names := strings.Split(p, ".")
		for i, name := range names {
			f := findField(fields, name)
			if f == nil || f.System {
				return nil, apperr.New(apperr.BadRequest, "_fields: %q is not a field of %s", p, ent.FullName)
			}
			if rd != nil {
				sub, ok := rd[f.Name]
				if !ok {
					return nil, apperr.New(apperr.Forbidden, "_fields: not allowed to read %q", p)
				}
				rd = sub
			}
			var s *spec
			for _, x := range *level {
				if x.f == f {
					s = x
				}
			}
			if s == nil {
				s = &spec{f: f}
				*level = append(*level, s)
			}
			if i == len(names)-1 {
				switch f.Type {
				case types.Nested:
					if len(s.sub) == 0 {
						s.sub = specsOf(f.Nested, rd)
					}
				case types.Relationship:
					s.label = true
				}
				break
			}
			switch f.Type {
			case types.Nested:
				fields = f.Nested
			case types.Relationship:
				if i > 0 {
					return nil, apperr.New(apperr.BadRequest, "_fields: %q: only fields of the entity's own relationships can be exported", p)
				}
				if ent = a.Entity(f.Rules.Entity); ent == nil {
					return nil, apperr.New(apperr.BadRequest, "_fields: %q: no entity %q", p, f.Rules.Entity)
				}
				fields, rd = ent.Fields, readable(ent)
			default:
				return nil, apperr.New(apperr.BadRequest, "_fields: %q: %s has no fields", p, f.Name)
			}
			level = &s.sub
		}
	}
	return out, nil
}

func findField(fields []*app.Field, name string) *app.Field {
	for _, f := range fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// column is one CSV column.
type column struct {
	header string
	// key is the path by field names with the indexes
	// ("addresses[1].city"): what cellReader names the column's cells with.
	key string
}

// countKey is the key of a multi-valued field's column count: its path of
// names, "[]" after each multi-valued step.
func countKey(prefix string, f *app.Field) string {
	k := prefix + f.Name
	if f.Many {
		k += "[]"
	}
	return k
}

// hasMany reports whether any column of specs is multi-valued (its count
// must be measured before the header can be written).
func hasMany(specs []*spec) bool {
	for _, s := range specs {
		if s.f.Many || hasMany(s.sub) {
			return true
		}
	}
	return false
}

// layout is the columns of specs, with counts columns for each
// multi-valued field (at least one).
func layout(specs []*spec, counts map[string]int, names bool) []column {
	var out []column
	var walk func(specs []*spec, header, prefix, keyPrefix string)
	walk = func(specs []*spec, header, prefix, keyPrefix string) {
		for _, s := range specs {
			title := s.f.Label
			if names || title == "" {
				title = s.f.Name
			}
			key := countKey(prefix, s.f)
			n := 1
			if s.f.Many {
				n = max(1, counts[key])
			}
			for i := 0; i < n; i++ {
				h, k := header+title, keyPrefix+s.f.Name
				if s.f.Many {
					h, k = fmt.Sprintf("%s[%d]", h, i), fmt.Sprintf("%s[%d]", k, i)
				}
				if s.label && len(s.sub) > 0 {
					out = append(out, column{header: h, key: k})
				}
				if len(s.sub) == 0 {
					out = append(out, column{header: h, key: k})
				} else {
					walk(s.sub, h+".", key+".", k+".")
				}
			}
		}
	}
	walk(specs, "", "", "")
	return out
}
