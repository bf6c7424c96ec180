package jobs

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

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

// step is one element of a column's path: a field, and an index into its
// values when it is multi-valued (-1 otherwise).
type step struct {
	f     *app.Field
	index int
}

// column is one CSV column.
type column struct {
	header string
	path   []step
	// key is the path by field names with the indexes
	// ("addresses[1].city"): what emitCells names the column's cells with.
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

// measure notes in counts the most values each multi-valued field of
// specs has in v.
func measure(specs []*spec, v map[string]any, prefix string, counts map[string]int) {
	for _, s := range specs {
		val, ok := v[s.f.Name]
		if !ok || val == nil {
			continue
		}
		key := countKey(prefix, s.f)
		list := []any{val}
		if s.f.Many {
			l, _ := val.([]any)
			counts[key] = max(counts[key], len(l))
			list = l
		}
		if len(s.sub) > 0 {
			for _, item := range list {
				if m, ok := item.(map[string]any); ok {
					measure(s.sub, m, key+".", counts)
				}
			}
		}
	}
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
	var walk func(specs []*spec, path []step, header, prefix, keyPrefix string)
	walk = func(specs []*spec, path []step, header, prefix, keyPrefix string) {
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
				h, st, k := header+title, step{f: s.f, index: -1}, keyPrefix+s.f.Name
				if s.f.Many {
					h, st.index, k = fmt.Sprintf("%s[%d]", h, i), i, fmt.Sprintf("%s[%d]", k, i)
				}
				p := append(append([]step(nil), path...), st)
				if s.label && len(s.sub) > 0 {
					out = append(out, column{header: h, path: p, key: k})
				}
				if len(s.sub) == 0 {
					out = append(out, column{header: h, path: p, key: k})
				} else {
					walk(s.sub, p, h+".", key+".", k+".")
				}
			}
		}
	}
	walk(specs, nil, "", "", "")
	return out
}

// emitCells calls fn with the key (column.key) and text of each cell of v
// that is not empty, as layout would lay them out with enough columns for
// every value, and notes in counts the most values each multi-valued
// field has (as measure does): one walk of a record gives its cells
// before the columns are known. key is a scratch buffer (fn must copy it
// to keep it).
func emitCells(specs []*spec, v map[string]any, prefix string, key []byte, counts map[string]int, fn func(key []byte, text string)) {
	for _, s := range specs {
		val, ok := v[s.f.Name]
		if !ok || val == nil {
			continue
		}
		ck := countKey(prefix, s.f)
		list := []any{val}
		if s.f.Many {
			l, _ := val.([]any)
			counts[ck] = max(counts[ck], len(l))
			list = l
		}
		for i, item := range list {
			k := append(key, s.f.Name...)
			if s.f.Many {
				k = append(k, '[')
				k = strconv.AppendInt(k, int64(i), 10)
				k = append(k, ']')
			}
			if len(s.sub) == 0 || s.label {
				if text := cellText(s.f, item); text != "" {
					fn(k, text)
				}
			}
			if len(s.sub) > 0 {
				if m, ok := item.(map[string]any); ok {
					emitCells(s.sub, m, ck+".", append(k, '.'), counts, fn)
				}
			}
		}
	}
}

// cell is the text of a column in a record's values (D7).
func cell(c *column, v map[string]any) string {
	var val any = v
	for _, st := range c.path {
		m, ok := val.(map[string]any)
		if !ok {
			return ""
		}
		val = m[st.f.Name]
		if st.index >= 0 {
			l, _ := val.([]any)
			if st.index >= len(l) {
				return ""
			}
			val = l[st.index]
		}
	}
	return cellText(c.path[len(c.path)-1].f, val)
}

// dateTimeCSV is the dateTime format of CSV files (D7).
const dateTimeCSV = "2006-01-02T15:04:05.000Z"

// cellText formats one value of field f (D7).
func cellText(f *app.Field, val any) string {
	switch x := val.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		switch f.Type {
		case types.DateTime, types.RecordCreated, types.RecordModified:
			if ms, err := x.Int64(); err == nil {
				return time.UnixMilli(ms).UTC().Format(dateTimeCSV)
			}
		}
		return x.String()
	case map[string]any:
		switch f.Type {
		case types.File:
			id, _ := x["id"].(string)
			return id
		case types.Relationship, types.Group:
			if l, ok := x["label"].(string); ok {
				return l
			}
			id, _ := x["id"].(string)
			return id
		}
	}
	b, _ := json.Marshal(val)
	return string(b)
}
