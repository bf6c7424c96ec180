package sqlstore

import (
	"fmt"
	"strings"

	"runway/query"
	"runway/types"
)

// RowColumns are the columns of an entity table a store.Row is read from
// (ScanRow). Label and dates may be NULL in the schema: read as "" and 0,
// they scan without allocating.
const RowColumns = "id, version, coalesce(label, ''), doc, coalesce(created, 0), coalesce(modified, 0)"

// LeafKind is the type a target's value is compared as: the field's type,
// or text for a system column or a relationship/group/file sub-field.
func LeafKind(t *query.Target) string {
	if t.System != "" || t.Field == nil || t.Sub != "" {
		return types.Text
	}
	return t.Field.Type
}

// LeafSub is the member of a structured value a target addresses: the Sub
// when set, else the natural one (relationships and groups by label, files
// by name, dynamic choices by their selected value).
func LeafSub(t *query.Target) string {
	if t.Sub == query.SubWhole {
		return ""
	}
	if t.Sub != "" || t.Field == nil {
		return t.Sub
	}
	switch t.Field.Type {
	case types.Relationship, types.Group:
		return "label"
	case types.File:
		return "name"
	case types.DynamicChoice:
		return "selectedValue"
	}
	return ""
}

// LeafNames is the JSON path of a field target's value: its steps, then
// the member LeafSub names.
func LeafNames(t *query.Target) []string {
	names := make([]string, 0, len(t.Path)+1)
	for _, st := range t.Path {
		names = append(names, st.Name)
	}
	if sub := LeafSub(t); sub != "" {
		names = append(names, strings.Split(sub, ".")...)
	}
	return names
}

// SystemColumn is the column of a system target.
func SystemColumn(name string) (string, error) {
	switch name {
	case query.SysID:
		return "id", nil
	case query.SysLabel:
		return "label", nil
	}
	return "", fmt.Errorf("unknown system field %q", name)
}

// HasMany reports whether a path crosses a multi-valued field.
func HasMany(steps []query.Step) bool {
	for _, s := range steps {
		if s.Many {
			return true
		}
	}
	return false
}

// NormSort spells out the zero Sort: id descending (query.Sort).
func NormSort(s query.Sort) query.Sort {
	if s.System == "" && len(s.Path) == 0 && s.Field == nil {
		return query.ByID
	}
	return s
}

// StepPath is the dotted path of steps.
func StepPath(steps []query.Step) string { return strings.Join(stepNames(steps), ".") }

// OrderBy compiles a sort plus the id tie-breaker: system columns
// directly, a field by the dialect's key (its SQL with the direction dir
// applied). Multi-valued paths and groups as a whole cannot be sorted by.
func OrderBy(s query.Sort, key func(t *query.Target, dir string) (string, error)) (string, error) {
	dir := " ASC"
	if s.Desc {
		dir = " DESC"
	}
	if s.System != "" {
		col, err := SystemColumn(s.System)
		if err != nil {
			return "", err
		}
		if col == "id" {
			return "id" + dir, nil
		}
		return col + dir + ", id" + dir, nil
	}
	if len(s.Path) == 0 || s.Field == nil {
		return "", fmt.Errorf("sort without a field path")
	}
	if HasMany(s.Path) {
		return "", fmt.Errorf("cannot sort by multi-valued path %s", StepPath(s.Path))
	}
	if s.Field.Type == types.Nested && s.Sub == "" {
		return "", fmt.Errorf("cannot sort by group %s", StepPath(s.Path))
	}
	k, err := key(&s.Target, dir)
	if err != nil {
		return "", err
	}
	return k + ", id" + dir, nil
}

// Balanced joins parts with sep as a balanced tree of parentheses: a
// database parses "a OR b OR c …" into a tree as deep as the list is long
// (SQLite refuses trees deeper than 1,000); nested the same operator, the
// planner still sees one flat list of terms.
func Balanced(parts []string, sep string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	mid := len(parts) / 2
	return "(" + Balanced(parts[:mid], sep) + sep + Balanced(parts[mid:], sep) + ")"
}

// NearOrder is the ORDER BY key of query.Select.Near: the distance from the
// condition's point to the geo point at its path under base, the smallest
// over the elements of each many-valued step. elements names the elements
// of the array at names under base (a FROM item and the SQL of one
// element, alias numbering its aliases); distance is the dialect's SQL
// distance to the point (lat, lng).
func NearOrder(k *query.Cond, base string,
	elements func(base string, names []string, alias int) (from, elem string, err error),
	distance func(base string, names []string, lat, lng float64) (string, error)) (string, error) {
	if k.System != "" || len(k.Path) == 0 || k.Field == nil || k.Field.Type != types.GeoPoint || k.Sub != "" {
		return "", fmt.Errorf("near order needs a geo point field")
	}
	args, err := query.NearArgs(k)
	if err != nil {
		return "", err
	}
	var from []string
	steps := k.Path
	for {
		i := 0
		for i < len(steps) && !steps[i].Many {
			i++
		}
		if i == len(steps) {
			break
		}
		f, elem, err := elements(base, stepNames(steps[:i+1]), len(from))
		if err != nil {
			return "", err
		}
		from = append(from, f)
		base = elem
		steps = steps[i+1:]
	}
	d, err := distance(base, stepNames(steps), args[0], args[1])
	if err != nil {
		return "", err
	}
	if len(from) == 0 {
		return d, nil
	}
	return "(SELECT min(" + d + ") FROM " + strings.Join(from, ", ") + ")", nil
}

func stepNames(steps []query.Step) []string {
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.Name
	}
	return names
}
