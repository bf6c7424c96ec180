package query

import "runway/app"

// Compare orders two values of a field of type kind the way the stores
// sort records (rest-api.md D6, store/sqlite doc.go): null (or missing)
// first, then numbers (booleans as 0/1, integers and reals compared
// exactly), then text bytewise (objects and arrays by their JSON text); big
// numbers, stored as decimal strings, by value. Values are native or decoded
// JSON (json.Number). It is -1, 0 or +1 like strings.Compare; a descending
// sort reverses it, which puts nulls last (D6).
func Compare(kind string, a, b any) int {
	x, y := sqlValue(a), sqlValue(b)
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return -1
	case y == nil:
		return 1
	}
	c, _ := compareAs(kind, x, y)
	return c
}

// ResolvePath resolves a dotted field path of e exactly as a filter's key
// is resolved: nested fields, and the sub-paths of relationships (id,
// label, copied fields), files (id) and groups (id, label). A bare
// relationship gets Sub "label", a bare file Sub "name". The aggregate
// pipeline resolves its paths with it against the shape of the documents
// between its stages.
func ResolvePath(e *app.Entity, path string) (Target, error) {
	return resolveTarget(e, path, false)
}
