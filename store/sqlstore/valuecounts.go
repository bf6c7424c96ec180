package sqlstore

import (
	"strings"
	"unicode/utf8"

	"runway/app"
	"runway/query"
	"runway/types"
)

// Value counts: both stores keep, for an indexable choice field, how many
// records hold each text value (rows of _counts kept by triggers), so the
// total of a list filtered by one value is read, not counted.

// ValueCounted lists the paths of e's fields with value counts.
func ValueCounted(e *app.Entity) [][]string {
	var out [][]string
	_ = WalkIndexable(e.Fields, nil, func(f *app.Field, path []string) error {
		if f.Indexable && !f.Unique && f.Type == types.Choice {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// ValueCountSep separates the parts of a value count's key in _counts:
// "<table>\x1f<path>" marks a counted field, "<table>\x1f<path>\x1f<value>"
// counts a value.
const ValueCountSep = "\x1f"

// ValueCountKeys are the _counts keys of the field of table and of the
// text value where is an equality on (alone, or the only term of an AND),
// when the field is value-counted.
func ValueCountKeys(e *app.Entity, table string, where query.Expr) (field, value string, ok bool) {
	if and, isAnd := where.(query.And); isAnd && len(and) == 1 {
		where = and[0]
	}
	k, isCond := where.(*query.Cond)
	if !isCond || k == nil || k.Op != query.Equals || len(k.User) > 0 || k.System != "" || k.Field == nil ||
		k.Field.Type != types.Choice || k.Sub != "" || len(k.Values) != 1 || HasMany(k.Path) {
		return "", "", false
	}
	v, isStr := k.Values[0].(string)
	if !isStr || !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
		return "", "", false
	}
	names := strings.Join(LeafNames(&k.Target), ".")
	for _, p := range ValueCounted(e) {
		if strings.Join(p, ".") == names {
			field = table + ValueCountSep + names
			return field, field + ValueCountSep + v, true
		}
	}
	return "", "", false
}
