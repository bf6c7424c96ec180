package sqlite

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"runway/app"
	"runway/query"
	"runway/store/sqlstore"
	"runway/types"
)

// compiler turns a query AST into SQL text plus bound arguments. Only
// identifiers checked by validIdent and constant SQL reach the text; every
// value is a "?" parameter.
type compiler struct {
	args  []any
	alias int // json_each aliases j0, j1, … (unique per statement)
	table string
	texts map[string]textIndex // the entity's text indexes by index name
}

func (c *compiler) bind(v any) (string, error) {
	b, err := query.BindValue(v)
	if err != nil {
		return "", err
	}
	c.args = append(c.args, b)
	// Numbered, so an expression may repeat a parameter (near's distance)
	// and text order never has to follow bind order.
	return "?" + strconv.Itoa(len(c.args)), nil
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
	case *query.Text:
		if x == nil {
			return "", errors.New("nil text search")
		}
		return c.text(x)
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
	return sqlstore.Balanced(parts, sep), nil
}

func (c *compiler) cond(k *query.Cond) (string, error) {
	if len(k.User) > 0 {
		return "", query.ErrUnbound
	}
	if k.System != "" {
		if k.Op == query.Near {
			return "", errors.New("near needs a geo point field")
		}
		col, err := sqlstore.SystemColumn(k.System)
		if err != nil {
			return "", err
		}
		return c.leaf(k, col)
	}
	if len(k.Path) == 0 || k.Field == nil {
		return "", errors.New("condition without a field path")
	}
	if sqlstore.HasMany(k.Path) {
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
		if k.Op == query.Near {
			return c.near(k, base, names)
		}
		if sub := sqlstore.LeafSub(&k.Target); sub != "" {
			names = append(names, strings.Split(sub, ".")...)
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
	kind := sqlstore.LeafKind(&k.Target)
	switch query.ComparedAs(kind, k.Op) {
	case query.VisibleText:
		e, kind = fnHTMLText+"("+e+")", types.Text
	case query.Digits:
		e = fnDigits + "(" + e + ")"
		k = &query.Cond{Target: k.Target, Op: k.Op, Values: query.PhoneLikePatterns(k.Values)}
	case query.MaskRaw:
		mask, err := c.bind(k.Target.Field.Rules.Mask)
		if err != nil {
			return "", err
		}
		e = fnMaskRaw + "(" + e + ", " + mask + ")"
	}
	need := func(n int) error {
		if len(k.Values) != n {
			return fmt.Errorf("operator %s takes %d value(s), got %d", k.Op, n, len(k.Values))
		}
		return nil
	}
	switch k.Op {
	case query.Equals:
		return c.equals(e, &k.Target, kind, k.Values)
	case query.NotEquals:
		eq, err := c.equals(e, &k.Target, kind, k.Values)
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
			return orderExpr(e, kind) + op + p, nil
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
			return "(" + orderExpr(e, kind) + " BETWEEN " + lo + " AND " + hi + ")", nil
		}
		return "(" + e + " BETWEEN " + lo + " AND " + hi + ")", nil
	case query.Like:
		return c.like(e, &k.Target, k.Values)
	default:
		return "", fmt.Errorf("unsupported operator %q", k.Op)
	}
}

// orderExpr is the expression a value is ordered and compared by: big
// numbers are decimal strings ordered exactly by the decimal collation.
func orderExpr(e, kind string) string {
	if kind == types.BigNumber {
		return e + " COLLATE " + collDecimal
	}
	return e
}

// equals compiles "e equals any of values". Scalars form one IN list; an
// object value (nested group equality, t a nested group) holds when every
// listed inner field equals its value. Text compares binary; email
// case-insensitively with the unique index's own expression
// (lower(json_extract(…))); phone by digits.
func (c *compiler) equals(e string, t *query.Target, kind string, values []any) (string, error) {
	if len(values) == 0 {
		return "", errors.New("equals needs at least one value")
	}
	var ors []string
	var list []any
	for _, v := range values {
		if m, ok := v.(map[string]any); ok {
			o, err := c.objectEquals(e, t, m)
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
		b, err := query.BindValue(v)
		if err != nil {
			return "", err
		}
		if canEqual(b) {
			list = append(list, b)
		}
	}
	if len(list) > 0 {
		in, err := c.inList(list, kind == types.Email)
		if err != nil {
			return "", err
		}
		lhs := e
		switch kind {
		case types.Email:
			lhs = "lower(" + e + ")"
		case types.Phone:
			lhs = fnDigits + "(" + e + ")"
		}
		ors = append([]string{lhs + " IN " + in}, ors...)
	}
	switch len(ors) {
	case 0:
		return "0", nil // no value can equal a stored one
	case 1:
		return ors[0], nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", nil
}

// canEqual reports whether a bound value can equal a value of a stored
// document: documents are JSON, so their text is valid UTF-8 and their
// numbers finite.
func canEqual(v any) bool {
	switch x := v.(type) {
	case string:
		return utf8.ValidString(x)
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	}
	return true
}

// inList is the right side of an IN over bound values: "(?n)" for one, else
// one parameter holding the values as a JSON array, read back with
// json_each. A list of any length is then one parameter (SQLite refuses more
// than 32,766) and one statement text (the statement cache holds one plan
// for every length). Values decode from JSON exactly as json_extract reads
// the stored documents. lower lowercases each value (ASCII, SQLite's lower).
func (c *compiler) inList(values []any, lower bool) (string, error) {
	if len(values) == 1 {
		p, err := c.bind(values[0])
		if err != nil {
			return "", err
		}
		if lower {
			p = "lower(" + p + ")"
		}
		return "(" + p + ")", nil
	}
	b, err := json.Marshal(values)
	if err != nil {
		return "", err
	}
	p, err := c.bind(string(b))
	if err != nil {
		return "", err
	}
	v := "value"
	if lower {
		v = "lower(value)"
	}
	return "(SELECT " + v + " FROM json_each(" + p + "))", nil
}

// objectEquals compiles the equality of the item e of nested group t with
// the inner values of m: each inner field equals its value with its own
// type's equality (nil: the inner field is missing), compared on the member
// query.ObjectMember names; a many-valued inner field holds when any element
// equals. One item must hold every key: callers over a many-valued group
// put this inside the EXISTS of one element.
func (c *compiler) objectEquals(e string, t *query.Target, m map[string]any) (string, error) {
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
		f := innerField(t, k)
		if f == nil {
			return "", fmt.Errorf("equals: %q is not an inner field of %s", k, t.PathString())
		}
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
		kind, member := f.Type, query.ObjectMember(f)
		if member != "" {
			kind = types.Text
		}
		if !f.Many {
			if member != "" {
				if x, err = jsonExtract(e, []string{k, member}); err != nil {
					return "", err
				}
			}
			q, err := c.equals(x, nil, kind, []any{m[k]})
			if err != nil {
				return "", err
			}
			parts = append(parts, q)
			continue
		}
		p, err := jsonPath([]string{k})
		if err != nil {
			return "", err
		}
		alias := "j" + strconv.Itoa(c.alias)
		c.alias++
		el := alias + ".value"
		if member != "" {
			if el, err = jsonExtract(el, []string{member}); err != nil {
				return "", err
			}
		}
		q, err := c.equals(el, nil, kind, []any{m[k]})
		if err != nil {
			return "", err
		}
		parts = append(parts, "EXISTS (SELECT 1 FROM json_each("+e+", "+p+") AS "+alias+" WHERE "+q+")")
	}
	return "(" + strings.Join(parts, " AND ") + ")", nil
}

// innerField is the inner field name of the nested group t, or nil.
func innerField(t *query.Target, name string) *app.Field {
	if t == nil || t.System != "" || t.Field == nil || t.Field.Type != types.Nested || t.Sub != "" {
		return nil
	}
	for _, f := range t.Field.Nested {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// near compiles a near condition at the geo point base + names: its
// distance from the condition's point (query.Distance, in Go) within the
// optional bounds; a missing or non-numeric location never matches.
func (c *compiler) near(k *query.Cond, base string, names []string) (string, error) {
	if k.Field.Type != types.GeoPoint || k.Sub != "" {
		return "", errors.New("near needs a geo point field")
	}
	args, err := query.NearArgs(k)
	if err != nil {
		return "", err
	}
	d, err := c.distance(base, names, args[0], args[1])
	if err != nil {
		return "", err
	}
	var conds []string
	if !math.IsNaN(args[2]) {
		p, _ := c.bind(args[2])
		conds = append(conds, d+" >= "+p)
	}
	if !math.IsNaN(args[3]) {
		p, _ := c.bind(args[3])
		conds = append(conds, d+" <= "+p)
	}
	if len(conds) == 0 {
		return d + " IS NOT NULL", nil
	}
	cond := "coalesce(" + strings.Join(conds, " AND ") + ", 0)"
	if math.IsNaN(args[3]) {
		return cond, nil
	}
	// A point within max metres lies in a latitude band (query.NearBand):
	// a range of the g_ latitude index.
	lat, err := geoLatitude(base, names)
	if err != nil {
		return "", err
	}
	bLo, bHi := query.NearBand(args[0], args[3])
	lo, _ := c.bind(bLo)
	hi, _ := c.bind(bHi)
	return "(" + lat + " BETWEEN " + lo + " AND " + hi + " AND " + cond + ")", nil
}

// distance is the SQL distance in metres from (lat, lng) to the geo point at
// base + names (parameters are numbered, so the text may be repeated).
func (c *compiler) distance(base string, names []string, lat, lng float64) (string, error) {
	latE, err := jsonExtract(base, append(append([]string(nil), names...), "latitude"))
	if err != nil {
		return "", err
	}
	lngE, err := jsonExtract(base, append(append([]string(nil), names...), "longitude"))
	if err != nil {
		return "", err
	}
	pLat, _ := c.bind(lat)
	pLng, _ := c.bind(lng)
	return fnDistance + "(" + latE + ", " + lngE + ", " + pLat + ", " + pLng + ")", nil
}

// nearOrder is the ORDER BY key of Select.Near: the distance to the
// location (the smallest over the elements of a many-valued path).
func (c *compiler) nearOrder(k *query.Cond) (string, error) {
	return sqlstore.NearOrder(k, "doc", func(base string, names []string, _ int) (string, string, error) {
		p, err := jsonPath(names)
		if err != nil {
			return "", "", err
		}
		alias := "j" + strconv.Itoa(c.alias)
		c.alias++
		return "json_each(" + base + ", " + p + ") AS " + alias, alias + ".value", nil
	}, c.distance)
}

// text compiles a text index search: the ids of the index's FTS5 table
// (trigram) whose content matches every term of 3 characters or more (a
// fast, possibly loose, filter), decided by query.TextContains in Go over
// the same content.
func (c *compiler) text(x *query.Text) (string, error) {
	if len(x.Terms) == 0 {
		return "", errors.New("text search without terms")
	}
	ix, ok := c.texts[x.Index]
	if !ok {
		return "", fmt.Errorf("no text index %q (is the store synced with the app?)", x.Index)
	}
	terms := query.LowerTerms(x.Terms)
	var match []string
	for _, t := range terms {
		if utf8.RuneCountInString(t) >= 3 {
			match = append(match, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
		}
	}
	var where []string
	if len(match) > 0 {
		p, _ := c.bind(strings.Join(match, " AND "))
		where = append(where, sqlstore.QuoteIdent(ix.fts)+" MATCH "+p)
	}
	args := make([]string, 0, 1+len(terms)+ix.columns)
	p, _ := c.bind(int64(len(terms)))
	args = append(args, p)
	for _, t := range terms {
		p, _ := c.bind(t)
		args = append(args, p)
	}
	for i := 0; i < ix.columns; i++ {
		args = append(args, "c"+strconv.Itoa(i))
	}
	where = append(where, fnText+"("+strings.Join(args, ", ")+")")
	lhs := "id"
	if c.table != "" {
		lhs = sqlstore.QuoteIdent(c.table) + ".id"
	}
	return lhs + " IN (SELECT id FROM " + sqlstore.QuoteIdent(ix.fts) + " WHERE " + strings.Join(where, " AND ") + ")", nil
}

// like compiles like patterns (OR-ed), all case-insensitive: "/re/" is an
// RE2 regular expression, "/x" starts with x, "x/" ends with x, else
// contains x. A pattern on a column of the like index (the label, an
// indexable text field) with a needle (query.LikeNeedle) first narrows the
// records to those whose indexed text contains it.
func (c *compiler) like(e string, t *query.Target, values []any) (string, error) {
	if len(values) == 0 {
		return "", errors.New("like needs at least one pattern")
	}
	ors := make([]string, 0, len(values))
	for _, v := range values {
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("like pattern must be a string, got %T", v)
		}
		if strings.IndexByte(s, 0) >= 0 {
			return "", errors.New("like pattern contains a NUL character")
		}
		pre := c.likePrefilter(t, s)
		if len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/' {
			pat := "(?i)" + s[1:len(s)-1]
			if _, err := compileRegexp(pat); err != nil {
				return "", fmt.Errorf("invalid regular expression %q: %w", s, err)
			}
			p, _ := c.bind(pat)
			ors = append(ors, pre+"coalesce("+fnRegexp+"("+p+", "+e+"), 0)")
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
		ors = append(ors, pre+"coalesce("+fnLike+"("+e+", "+p+", "+strconv.Itoa(mode)+"), 0)")
	}
	if len(ors) == 1 {
		return ors[0], nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", nil
}

// likePrefilter is "id IN (the records whose row in the like index has a
// column of t containing the needle of pattern s) AND ", or "" when t has
// no column or s no needle. The like index is contentless: its row ids
// reach the record ids through the map table.
func (c *compiler) likePrefilter(t *query.Target, s string) string {
	if t == nil {
		return ""
	}
	ix, ok := c.texts[likeIndexName]
	if !ok {
		return ""
	}
	col, ok := ix.likeColumn(t)
	if !ok {
		return ""
	}
	needle := query.LikeNeedle(s)
	if needle == "" {
		return ""
	}
	p, _ := c.bind(ix.likeFilter(col) + ` : "` + strings.ReplaceAll(needle, `"`, `""`) + `"`)
	lhs := "id"
	if c.table != "" {
		lhs = sqlstore.QuoteIdent(c.table) + ".id"
	}
	return lhs + " IN (SELECT id FROM " + sqlstore.QuoteIdent(ix.mapTable) + " WHERE rid IN (SELECT rowid FROM " + sqlstore.QuoteIdent(ix.fts) +
		" WHERE " + sqlstore.QuoteIdent(ix.fts) + " MATCH " + p + ")) AND "
}

// isIDSort reports whether s sorts by id (the zero Sort counts as id desc,
// see query.Sort).
func isIDSort(s query.Sort) bool {
	return sqlstore.NormSort(s).System == query.SysID
}

// orderBy compiles the sort key plus the id tie-breaker. SQLite sorts NULLs
// first ascending and last descending, which is rest-api.md D6.
func orderBy(s query.Sort) (string, error) {
	return sqlstore.OrderBy(s, func(t *query.Target, dir string) (string, error) {
		e, err := jsonExtract("doc", sqlstore.LeafNames(t))
		if err != nil {
			return "", err
		}
		return orderExpr(e, sqlstore.LeafKind(t)) + dir, nil
	})
}

// compileWhere returns the WHERE clause (with the keyword, or "") and args.
func compileWhere(table string, texts map[string]textIndex, where query.Expr) (string, []any, error) {
	return compileWhereAfter(table, texts, where, nil)
}

// compileWhereAfter is compileWhere in a statement whose first arguments
// are before: its parameters are numbered after them, and the args it
// returns begin with them.
func compileWhereAfter(table string, texts map[string]textIndex, where query.Expr, before []any) (string, []any, error) {
	if where == nil {
		return "", before, nil
	}
	c := compiler{table: table, texts: texts, args: slices.Clone(before)}
	w, err := c.expr(where)
	if err != nil {
		return "", nil, err
	}
	return " WHERE " + w, c.args, nil
}

// compileSelect builds the SELECT of a page of records; texts are the
// entity's text indexes (for query.Text).
func compileSelect(table string, texts map[string]textIndex, sel *query.Select) (string, []any, error) {
	if sel == nil {
		sel = &query.Select{}
	}
	if sel.Offset < 0 || sel.Limit < 0 {
		return "", nil, fmt.Errorf("negative offset or limit")
	}
	c := compiler{table: table, texts: texts}
	var conds []string
	if sel.Where != nil {
		w, err := c.expr(sel.Where)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, w)
	}
	srt := sqlstore.NormSort(sel.Sort)
	if sel.After != "" {
		if !isIDSort(srt) {
			return "", nil, errors.New("an id offset (after) needs a sort on id")
		}
		if sel.Near != nil {
			return "", nil, errors.New("an id offset (after) cannot be used with a near order")
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
	if sel.Near != nil {
		d, err := c.nearOrder(sel.Near)
		if err != nil {
			return "", nil, err
		}
		ob = d + " ASC NULLS LAST, " + ob
	}
	var b strings.Builder
	b.WriteString("SELECT " + sqlstore.RowColumns + " FROM " + sqlstore.QuoteIdent(table))
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
func compileCount(table string, texts map[string]textIndex, where query.Expr) (string, []any, error) {
	w, args, err := compileWhere(table, texts, where)
	if err != nil {
		return "", nil, err
	}
	return "SELECT count(*) FROM " + sqlstore.QuoteIdent(table) + w, args, nil
}
