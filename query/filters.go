package query

import (
	"runway/app"
	"runway/types"
)

// Ops are the filter operators in the order of query-language.md §2.3.
var Ops = []Op{Equals, NotEquals, Like, Between, Greater, GreaterOrEquals, Less, LessOrEquals, Empty, NotEmpty, Near}

// FilterPath is one simple-filter key of an entity (query-language.md
// §2.1) and the operators ParseFilter accepts on it.
type FilterPath struct {
	Path  string
	Field *app.Field // the field the path ends at; nil for id
	Ops   []Op
}

// FilterPaths lists every key a query string may filter e on, in
// definition order: id, each field, the inner fields of nested groups, and
// the sub-paths of relationships (id, label, copied fields), groups (id,
// label) and files (id). The operators are decided by the same rules as
// ParseFilter's, so a document built from this list (the OpenAPI one)
// cannot promise what the parser refuses.
func FilterPaths(e *app.Entity) []FilterPath {
	out := []FilterPath{{Path: SysID, Ops: withoutNear()}}
	var walk func(prefix string, fields []*app.Field)
	walk = func(prefix string, fields []*app.Field) {
		for _, f := range fields {
			p := prefix + f.Name
			for _, sub := range filterPaths(f, p) {
				t, err := resolveTarget(e, sub, false)
				if err != nil {
					continue // not a filter key (cannot happen: FilterPaths' test)
				}
				var ops []Op
				for _, op := range Ops {
					if supported(t, op) {
						ops = append(ops, op)
					}
				}
				out = append(out, FilterPath{Path: sub, Field: f, Ops: ops})
			}
			if f.Type == types.Nested {
				walk(p+".", f.Nested)
			}
		}
	}
	walk("", e.Fields)
	return out
}

// filterPaths are the keys of one field at path p: the field itself and
// the sub-paths its type has.
func filterPaths(f *app.Field, p string) []string {
	out := []string{p}
	switch f.Type {
	case types.Relationship:
		out = append(out, p+"."+SysID, p+"."+SysLabel)
		for _, cf := range f.Rules.CopiedFields {
			out = append(out, p+"."+cf)
		}
	case types.Group:
		out = append(out, p+"."+SysID, p+"."+SysLabel)
	case types.File:
		out = append(out, p+"."+SysID)
	}
	return out
}

// withoutNear are the operators of the id filter: every one but near
// (parseFilterWith refuses near on a system field only).
func withoutNear() []Op {
	var out []Op
	for _, op := range Ops {
		if op != Near {
			out = append(out, op)
		}
	}
	return out
}
