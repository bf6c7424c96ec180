package sqlstore

import (
	"strings"

	"runway/aggregate"
	"runway/query"
	"runway/types"
)

// having compiles the condition of a match after a group over the columns
// of the grouping select ("grp"): each condition reads the member of the
// group's document it names as Match reads it there (AggDialect.Compare),
// so the groups it keeps are those Eval's match keeps. Arguments are bound
// through param (which numbers them).
type having struct {
	d     *AggDialect
	st    *aggregate.Group
	cols  []aggColumn
	param func(any) string
	// fetch is told of a column read from a record (groupMember)
	fetch func(fetchRef)
}

// where is the condition of x; false when a part of it cannot be decided
// exactly in SQL (a text search, like, a condition on an {id, label}
// key's label or on a first / last read after grouping, a type compared
// other than as stored: email, phone, html…).
func (h *having) where(x query.Expr) (string, bool) {
	switch x := x.(type) {
	case nil:
		return "(1 = 1)", true
	case query.And:
		return h.join(x, " AND ")
	case query.Or:
		return h.join(x, " OR ")
	case *query.Cond:
		return h.cond(x)
	}
	return "", false
}

func (h *having) join(xs []query.Expr, op string) (string, bool) {
	if len(xs) == 0 {
		return h.where(nil)
	}
	parts := make([]string, len(xs))
	for i, x := range xs {
		c, ok := h.where(x)
		if !ok {
			return "", false
		}
		parts[i] = c
	}
	return "(" + strings.Join(parts, op) + ")", true
}

// never is a condition no group meets.
const never = "(1 = 0)"

// cond compiles one condition with Match's rules (query/match.go leaf): a
// NULL value fails every comparison, notEquals holds for it, empty is
// NULL or "".
func (h *having) cond(k *query.Cond) (string, bool) {
	if k.System != "" || len(k.User) > 0 || k.Field == nil {
		return "", false
	}
	for _, s := range k.Path {
		if s.Many {
			return "", false
		}
	}
	names, kind := k.Leaf()
	switch {
	case objectKind(kind), kind == types.Email, kind == types.Phone, query.ComparedAs(kind, k.Op) != query.AsIs:
		return "", false
	}
	form, cols, ok := groupMember(h.st, h.cols, names, h.fetch)
	if !ok {
		return "", false
	}
	cmp := func(op string, v any) (string, bool) {
		b, err := query.BindValue(v)
		if err != nil {
			return "", false
		}
		if b == nil && op != "null" {
			return never, true // nothing equals or orders against null
		}
		return h.d.Compare(form, cols, kind, op, b, h.param)
	}
	isNull := func() (string, bool) { return cmp("null", nil) }
	switch k.Op {
	case query.Equals, query.NotEquals:
		var eqs []string
		for _, v := range k.Values {
			if _, obj := v.(map[string]any); obj {
				return "", false
			}
			c, ok := cmp("=", v)
			if !ok {
				return "", false
			}
			if c != never {
				eqs = append(eqs, c)
			}
		}
		eq := never
		if len(eqs) > 0 {
			eq = "(" + strings.Join(eqs, " OR ") + ")"
		}
		if k.Op == query.Equals {
			return eq, true
		}
		null, ok := isNull()
		// the comparisons are not NULL where the value is not
		return "(" + null + " OR NOT " + eq + ")", ok
	case query.Empty, query.NotEmpty:
		null, ok := isNull()
		blank, ok2 := cmp("=", "")
		if !ok || !ok2 {
			return "", false
		}
		empty := "(" + null + " OR " + blank + ")" // never NULL
		if k.Op == query.NotEmpty {
			return "(NOT " + empty + ")", true
		}
		return empty, true
	case query.Greater, query.GreaterOrEquals, query.Less, query.LessOrEquals:
		if len(k.Values) != 1 {
			return "", false
		}
		op := map[query.Op]string{query.Greater: ">", query.GreaterOrEquals: ">=", query.Less: "<", query.LessOrEquals: "<="}[k.Op]
		return cmp(op, k.Values[0])
	case query.Between:
		if len(k.Values) != 2 {
			return "", false
		}
		lo, ok := cmp(">=", k.Values[0])
		hi, ok2 := cmp("<=", k.Values[1])
		return "(" + lo + " AND " + hi + ")", ok && ok2
	}
	return "", false
}
