package sqlite

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"runway/query"
	"runway/types"
)

// ErrNearUnsupported is returned for the near operator.
var ErrNearUnsupported = errors.New("near is not supported yet")

const rowColumns = "id, version, label, doc, created, modified"

// compiler turns a query AST into SQL text plus bound arguments. Only
// identifiers checked by validIdent and constant SQL reach the text; every
// value is a "?" parameter.
type compiler struct {
	args  []any
	alias int // json_each aliases j0, j1, … (unique per statement)
}

func (c *compiler) bind(v any) (string, error) {
	b, err := bindValue(v)
	if err != nil {
		return "", err
	}
	c.args = append(c.args, b)
	return "?", nil
}

// bindValue converts a native value to what the driver binds: booleans as
// 1/0 (json_extract yields 1/0 for true/false), all integers as int64.
func bindValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, int64, float64:
		return x, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return nil, fmt.Errorf("value %d out of range", x)
		}
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Errorf("value %d out of range", x)
		}
		return int64(x), nil
	case float32:
		return float64(x), nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		if f, err := x.Float64(); err == nil {
			return f, nil
		}
		return string(x), nil
	default:
		return nil, fmt.Errorf("unsupported query value of type %T", v)
	}
}

func (c *compiler) expr(x query.Expr) (string, error) {
	switch x := x.(type) {
	case nil:
		return "1", nil
	case query.And:
		return c.join(x, " AND ", "1")
	case query.Or:
		return c.join(x, " OR ", "0")
	case *query.Cond:
		if x == nil {
			return "", errors.New("nil condition")
		}
		return c.cond(x)
	default:
		return "", fmt.Errorf("unsupported expression %T", x)
	}
}

func (c *compiler) join(xs []query.Expr, sep, empty string) (string, error) {
	if len(xs) == 0 {
		return empty, nil
	}
	parts := make([]string, len(xs))
	for i, x := range xs {
		p, err := c.expr(x)
		if err != nil {
			return "", err
		}
		parts[i] = p
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return "(" + strings.Join(parts, sep) + ")", nil
}

// leafKind is the type a target's value is compared as: the field's type,
// or text for a system column or a relationship/group/file sub-field.
func leafKind(t *query.Target) string {
	if t.System != "" || t.Field == nil || t.Sub != "" {
		return types.Text
	}
	return t.Field.Type
}

// leafSub is the member of a structured value a target addresses: the Sub
// when set, else the natural one (relationships and groups by label, files by
// name, dynamic choices by their selected value).
func leafSub(t *query.Target) string {
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

func systemColumn(name string) (string, error) {
	switch name {
	case query.SysID:
		return "id", nil
	case query.SysLabel:
		return "label", nil
	}
	return "", fmt.Errorf("unknown system field %q", name)
}

func hasMany(steps []query.Step) bool {
	for _, s := range steps {
		if s.Many {
			return true
		}
	}
	return false
}

func (c *compiler) cond(k *query.Cond) (string, error) {
	if k.Op == query.Near {
		return "", ErrNearUnsupported
	}
	if k.System != "" {
		col, err := systemColumn(k.System)
		if err != nil {
			return "", err
		}
		return c.leaf(k, col)
	}
	if len(k.Path) == 0 || k.Field == nil {
		return "", errors.New("condition without a field path")
	}
	if hasMany(k.Path) {
		// Negative operators over arrays: "no element matches".
		switch k.Op {
		case query.NotEquals:
			pos := *k
			pos.Op = query.Equals
			e, err := c.at(&pos, "doc", k.Path)
			if err != nil {
				return "", err
			}
			return "NOT " + e, nil
		case query.Empty:
			pos := *k
			pos.Op = query.NotEmpty
			e, err := c.at(&pos, "doc", k.Path)
			if err != nil {
				return "", err
			}
			return "NOT " + e, nil
		}
	}
	return c.at(k, "doc", k.Path)
}

// at compiles k at the JSON location base + steps: json_extract while the
// steps are single-valued, an EXISTS over json_each at each many step (any
// element matches). The target's sub-field applies at the innermost level.
func (c *compiler) at(k *query.Cond, base string, steps []query.Step) (string, error) {
	i := 0
	for i < len(steps) && !steps[i].Many {
		i++
	}
	names := make([]string, 0, len(steps)+1)
	for _, s := range steps[:min(i+1, len(steps))] {
		names = append(names, s.Name)
	}
	if i == len(steps) { // no further many step
		if sub := leafSub(&k.Target); sub != "" {
			names = append(names, sub)
		}
		e, err := jsonExtract(base, names)
		if err != nil {
			return "", err
		}
		return c.leaf(k, e)
	}
	p, err := jsonPath(names)
	if err != nil {
		return "", err
	}
	alias := "j" + strconv.Itoa(c.alias)
	c.alias++
	inner, err := c.at(k, alias+".value", steps[i+1:])
	if err != nil {
		return "", err
	}
	return "EXISTS (SELECT 1 FROM json_each(" + base + ", " + p + ") AS " + alias + " WHERE " + inner + ")", nil
}

// leaf compiles the operator of k against the SQL expression e of one value.
// Negative operators over arrays never get here (see cond).
func (c *compiler) leaf(k *query.Cond, e string) (string, error) {
	kind := leafKind(&k.Target)
	need := func(n int) error {
		if len(k.Values) != n {
			return fmt.Errorf("operator %s takes %d value(s), got %d", k.Op, n, len(k.Values))
		}
		return nil
	}
	switch k.Op {
	case query.Equals:
		return c.equals(e, kind, k.Values)
	case query.NotEquals:
		eq, err := c.equals(e, kind, k.Values)
		if err != nil {
			return "", err
		}
		// A missing value is "not equal" too.
		return "(" + e + " IS NULL OR NOT coalesce(" + eq + ", 0))", nil
	case query.Empty:
		if err := need(0); err != nil {
			return "", err
		}
		return "(" + e + " IS NULL OR " + e + " = '')", nil
	case query.NotEmpty:
		if err := need(0); err != nil {
			return "", err
		}
		return "(" + e + " IS NOT NULL AND " + e + " <> '')", nil
	case query.Greater, query.GreaterOrEquals, query.Less, query.LessOrEquals:
		if err := need(1); err != nil {
			return "", err
		}
		op := map[query.Op]string{query.Greater: " > ", query.GreaterOrEquals: " >= ", query.Less: " < ", query.LessOrEquals: " <= "}[k.Op]
		p, err := c.bind(k.Values[0])
		if err != nil {
			return "", err
		}
		if kind == types.BigNumber {
			return orderExpr(e, kind) + op + "CAST(" + p + " AS REAL)", nil
		}
		return e + op + p, nil
	case query.Between:
		if err := need(2); err != nil {
			return "", err
		}
		lo, err := c.bind(k.Values[0])
		if err != nil {
			return "", err
		}
		hi, err := c.bind(k.Values[1])
		if err != nil {
			return "", err
		}
		if kind == types.BigNumber {
			return "(" + orderExpr(e, kind) + " BETWEEN CAST(" + lo + " AS REAL) AND CAST(" + hi + " AS REAL))", nil
		}
		return "(" + e + " BETWEEN " + lo + " AND " + hi + ")", nil
	case query.Like:
		return c.like(e, k.Values)
	default:
		return "", fmt.Errorf("unsupported operator %q", k.Op)
	}
}

// orderExpr is the expression a value is ordered by: big numbers are JSON
// strings and order numerically.
func orderExpr(e, kind string) string {
	if kind == types.BigNumber {
		return "CAST(" + e + " AS REAL)"
	}
	return e
}

// equals compiles "e equals any of values". Scalars form one IN list; an
// object value (nested group equality) holds when every listed inner field
// equals its value. Text compares binary; email case-insensitively with the
// unique index's own expression (lower(json_extract(…))); phone by digits.
func (c *compiler) equals(e, kind string, values []any) (string, error) {
	if len(values) == 0 {
		return "", errors.New("equals needs at least one value")
	}
	var ors []string
	var list []string
	for _, v := range values {
		if m, ok := v.(map[string]any); ok {
			o, err := c.objectEquals(e, m)
			if err != nil {
				return "", err
			}
			ors = append(ors, o)
			continue
		}
		if kind == types.Phone {
			if s, ok := v.(string); ok {
				v = digits(s)
			}
		}
		p, err := c.bind(v)
		if err != nil {
			return "", err
		}
		if kind == types.Email {
			p = "lower(" + p + ")"
		}
		list = append(list, p)
	}
	if len(list) > 0 {
		lhs := e
		switch kind {
		case types.Email:
			lhs = "lower(" + e + ")"
		case types.Phone:
			lhs = fnDigits + "(" + e + ")"
		}
		ors = append([]string{lhs + " IN (" + strings.Join(list, ", ") + ")"}, ors...)
	}
	if len(ors) == 1 {
		return ors[0], nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", nil
}

func (c *compiler) objectEquals(e string, m map[string]any) (string, error) {
	if len(m) == 0 {
		return "", errors.New("equals with an empty object")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		x, err := jsonExtract(e, []string{k})
		if err != nil {
			return "", err
		}
		if m[k] == nil {
			parts = append(parts, x+" IS NULL")
			continue
		}
		if _, nested := m[k].(map[string]any); nested {
			return "", fmt.Errorf("equals: nested object for %q", k)
		}
		p, err := c.bind(m[k])
		if err != nil {
			return "", err
		}
		parts = append(parts, x+" = "+p)
	}
	return "(" + strings.Join(parts, " AND ") + ")", nil
}

// like compiles like patterns (OR-ed), all case-insensitive: "/re/" is an
// RE2 regular expression, "/x" starts with x, "x/" ends with x, else
// contains x.
func (c *compiler) like(e string, values []any) (string, error) {
	if len(values) == 0 {
		return "", errors.New("like needs at least one pattern")
	}
	ors := make([]string, 0, len(values))
	for _, v := range values {
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("like pattern must be a string, got %T", v)
		}
		if len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/' {
			pat := "(?i)" + s[1:len(s)-1]
			if _, err := compileRegexp(pat); err != nil {
				return "", fmt.Errorf("invalid regular expression %q: %w", s, err)
			}
			p, _ := c.bind(pat)
			ors = append(ors, "coalesce("+fnRegexp+"("+p+", "+e+"), 0)")
			continue
		}
		mode := likeContains
		switch {
		case strings.HasPrefix(s, "/"):
			mode, s = likePrefix, s[1:]
		case strings.HasSuffix(s, "/"):
			mode, s = likeSuffix, s[:len(s)-1]
		}
		p, _ := c.bind(strings.ToLower(s))
		ors = append(ors, "coalesce("+fnLike+"("+e+", "+p+", "+strconv.Itoa(mode)+"), 0)")
	}
	if len(ors) == 1 {
		return ors[0], nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", nil
}

// isIDSort reports whether s sorts by id (the zero Sort counts as id desc,
// see query.Sort).
func isIDSort(s query.Sort) bool {
	return normSort(s).System == query.SysID
}

func normSort(s query.Sort) query.Sort {
	if s.System == "" && len(s.Path) == 0 && s.Field == nil {
		return query.ByID
	}
	return s
}

// orderBy compiles the sort key plus the id tie-breaker. SQLite sorts NULLs
// first ascending and last descending, which is rest-api.md D6.
func orderBy(s query.Sort) (string, error) {
	dir := " ASC"
	if s.Desc {
		dir = " DESC"
	}
	if s.System != "" {
		col, err := systemColumn(s.System)
		if err != nil {
			return "", err
		}
		if col == "id" {
			return "id" + dir, nil
		}
		return col + dir + ", id" + dir, nil
	}
	if len(s.Path) == 0 || s.Field == nil {
		return "", errors.New("sort without a field path")
	}
	if hasMany(s.Path) {
		return "", fmt.Errorf("cannot sort by multi-valued path %s", stepPath(s.Path))
	}
	if s.Field.Type == types.Nested && s.Sub == "" {
		return "", fmt.Errorf("cannot sort by group %s", stepPath(s.Path))
	}
	names := make([]string, 0, len(s.Path)+1)
	for _, st := range s.Path {
		names = append(names, st.Name)
	}
	if sub := leafSub(&s.Target); sub != "" {
		names = append(names, sub)
	}
	e, err := jsonExtract("doc", names)
	if err != nil {
		return "", err
	}
	return orderExpr(e, leafKind(&s.Target)) + dir + ", id" + dir, nil
}

func stepPath(steps []query.Step) string {
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.Name
	}
	return strings.Join(names, ".")
}

// compileWhere returns the WHERE clause (with the keyword, or "") and args.
func compileWhere(where query.Expr) (string, []any, error) {
	if where == nil {
		return "", nil, nil
	}
	var c compiler
	w, err := c.expr(where)
	if err != nil {
		return "", nil, err
	}
	return " WHERE " + w, c.args, nil
}

// compileSelect builds the SELECT of a page of records.
func compileSelect(table string, sel *query.Select) (string, []any, error) {
	if sel == nil {
		sel = &query.Select{}
	}
	if sel.Offset < 0 || sel.Limit < 0 {
		return "", nil, fmt.Errorf("negative offset or limit")
	}
	var c compiler
	var conds []string
	if sel.Where != nil {
		w, err := c.expr(sel.Where)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, w)
	}
	srt := normSort(sel.Sort)
	if sel.After != "" {
		if !isIDSort(srt) {
			return "", nil, errors.New("an id offset (after) needs a sort on id")
		}
		p, _ := c.bind(sel.After)
		if srt.Desc {
			conds = append(conds, "id < "+p)
		} else {
			conds = append(conds, "id > "+p)
		}
	}
	ob, err := orderBy(srt)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	b.WriteString("SELECT " + rowColumns + " FROM " + quoteIdent(table))
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	b.WriteString(" ORDER BY " + ob)
	switch {
	case sel.Limit > 0:
		p, _ := c.bind(int64(sel.Limit))
		b.WriteString(" LIMIT " + p)
		if sel.Offset > 0 {
			p, _ := c.bind(int64(sel.Offset))
			b.WriteString(" OFFSET " + p)
		}
	case sel.Offset > 0:
		p, _ := c.bind(int64(sel.Offset))
		b.WriteString(" LIMIT -1 OFFSET " + p)
	}
	return b.String(), c.args, nil
}

// compileCount builds the count(*) of the records matching where.
func compileCount(table string, where query.Expr) (string, []any, error) {
	w, args, err := compileWhere(where)
	if err != nil {
		return "", nil, err
	}
	return "SELECT count(*) FROM " + quoteIdent(table) + w, args, nil
}
