package postgres

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"runway/app"
	"runway/query"
	"runway/store/sqlstore"
	"runway/types"
)

// compiler turns a query AST into a PostgreSQL condition with bound
// parameters. A condition whose exact SQLite/Match semantics it cannot
// express (like, regular expressions, near, text indexes, html visible text,
// masks, many-valued paths, bigNumber text bounds…) compiles to TRUE and
// marks the whole expression inexact: the store then evaluates query.Match
// on every candidate row in Go (a second pass), so results are exactly
// Match's. The AST has no negation node, so TRUE in place of a condition
// always yields a superset.
type compiler struct {
	args []any
	// doc is the jsonb the conditions and sort keys read the record from:
	// docAlias, or the table's j for conditions an index decides.
	doc string
	// indexed holds the expressions of the table's indexes (indexExpr):
	// an equality on one of them reads j, so the planner can use the index.
	indexed map[string]bool
	// usesDoc: something reads docAlias, so the statement needs docJoin.
	usesDoc bool
	// sortNames is the path of the field a page is sorted by (nil: none):
	// a range on it stays a row comparison (keyed).
	sortNames []string
}

// docAlias is the record's jsonb detoasted once per row (docJoin). Each
// reference to the stored column j detoasts it again: a condition reads j
// two to four times, so a query of ten conditions over records holding a
// megabyte of text unpacked ten megabytes per row. "j || '{}'" returns the
// detoasted value itself; OFFSET 0 keeps the subquery from being folded
// back into a reference per use.
const docAlias = "d"

// docJoin is the FROM clause that provides docAlias for the rows of table.
func docJoin(table string) string {
	return " CROSS JOIN LATERAL (SELECT " + sqlstore.QuoteIdent(table) + ".j || '{}'::jsonb AS " + docAlias + " OFFSET 0) AS x"
}

func newCompiler(indexed map[string]bool) *compiler {
	return &compiler{doc: docAlias, indexed: indexed}
}

// at is the jsonb (J) and text (T) of the value at names in the record.
func (c *compiler) at(names []string) (J, T string, err error) {
	if c.doc == docAlias {
		c.usesDoc = true
	}
	if J, err = jsonAt(c.doc, names); err != nil {
		return "", "", err
	}
	T, _ = textAt(c.doc, names)
	return J, T, nil
}

func (c *compiler) bind(v any) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(len(c.args))
}

// expr compiles x; exact reports whether the SQL alone decides.
func (c *compiler) expr(x query.Expr) (sql string, exact bool) {
	switch x := x.(type) {
	case nil:
		return "TRUE", true
	case query.And:
		return conjunction(x, c.expr)
	case query.Or:
		if len(x) == 0 {
			return "FALSE", true
		}
		mark := len(c.args)
		parts := make([]string, 0, len(x))
		exact := true
		for _, y := range x {
			p, ex := c.expr(y)
			if p == "TRUE" && !ex {
				c.args = c.args[:mark]
				return "TRUE", false
			}
			// an inexact part is a superset (like): so is the OR
			exact = exact && ex
			parts = append(parts, p)
		}
		return "(" + strings.Join(parts, " OR ") + ")", exact
	case *query.Cond:
		for _, v := range x.Values {
			if s, ok := v.(string); ok && (strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)) {
				// PostgreSQL text cannot hold NUL (nor jsonb \u0000) nor
				// invalid UTF-8
				return "TRUE", false
			}
		}
		mark := len(c.args)
		if x.Op == query.Like {
			s, ok := c.like(x)
			if !ok {
				c.args = c.args[:mark]
				return "TRUE", false
			}
			return s, false
		}
		s, ok := c.cond(x)
		if !ok {
			c.args = c.args[:mark]
			return "TRUE", false
		}
		return s, true
	}
	return "TRUE", false // text searches and anything else: Match decides
}

// sure compiles the part of x its SQL decides exactly: a condition that
// implies x and that x's superset (expr) holds on too, "FALSE" when no
// part of it is. A count of an inexact condition counts the rows sure
// holds on in SQL and gives Match only the rest of the candidates.
func (c *compiler) sure(x query.Expr) string {
	switch x := x.(type) {
	case nil:
		return "TRUE"
	case query.And:
		mark := len(c.args) // what the parts bind goes with them
		parts := make([]string, 0, len(x))
		for _, y := range x {
			p := c.sure(y)
			if p == "FALSE" {
				c.args = c.args[:mark]
				return "FALSE"
			}
			parts = append(parts, p)
		}
		if len(parts) == 0 {
			return "TRUE"
		}
		return "(" + strings.Join(parts, " AND ") + ")"
	case query.Or:
		var parts []string
		for _, y := range x {
			mark := len(c.args)
			if p := c.sure(y); p != "FALSE" {
				parts = append(parts, p)
			} else {
				c.args = c.args[:mark]
			}
		}
		if len(parts) == 0 {
			return "FALSE"
		}
		return "(" + strings.Join(parts, " OR ") + ")"
	case *query.Cond:
		for _, v := range x.Values {
			if s, ok := v.(string); ok && (strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)) {
				return "FALSE"
			}
		}
		mark := len(c.args)
		s, ok := "", false
		if x.Op == query.Like {
			s, ok = c.likeSure(x)
		} else {
			s, ok = c.cond(x)
		}
		if !ok {
			c.args = c.args[:mark]
			return "FALSE"
		}
		return s
	}
	return "FALSE"
}

// cond compiles one condition exactly, or reports that it cannot.
func (c *compiler) cond(k *query.Cond) (string, bool) {
	if len(k.User) > 0 || k.Op == query.Like || k.Op == query.Near {
		return "", false
	}
	if k.System != "" {
		col := "id"
		if k.System == query.SysLabel {
			col = "label"
		} else if k.System != query.SysID {
			return "", false
		}
		return c.column(k, col)
	}
	if len(k.Path) == 0 || k.Field == nil || sqlstore.HasMany(k.Path) {
		return "", false
	}
	kind := sqlstore.LeafKind(&k.Target)
	if query.ComparedAs(kind, k.Op) != query.AsIs {
		return "", false
	}
	if kind == types.Relationship || kind == types.Group {
		// compared by label unless a sub-field is named: leafSub did it
		kind = types.Text
	}
	J, T, err := c.at(sqlstore.LeafNames(&k.Target))
	if err != nil {
		return "", false
	}
	if c.doc == "j" && keyRange(k) {
		return c.keyed(J, k)
	}
	// The text expression of relationship ids uses the index's own text.
	switch k.Op {
	case query.Equals, query.NotEquals:
		eq, ok := c.equals(J, T, kind, k.Values)
		if !ok {
			return "", false
		}
		if k.Op == query.Equals {
			return eq, true
		}
		return "NOT coalesce(" + eq + ", FALSE)", true
	case query.Empty:
		return "(" + J + " IS NULL OR " + J + " = 'null'::jsonb OR " + J + ` = '""'::jsonb)`, true
	case query.NotEmpty:
		return "(" + J + " IS NOT NULL AND " + J + " <> 'null'::jsonb AND " + J + ` <> '""'::jsonb)`, true
	case query.Greater, query.GreaterOrEquals, query.Less, query.LessOrEquals:
		if len(k.Values) != 1 {
			return "", false
		}
		return c.compare(J, T, kind, k.Op, k.Values[0])
	case query.Between:
		if len(k.Values) != 2 {
			return "", false
		}
		lo, ok1 := c.compare(J, T, kind, query.GreaterOrEquals, k.Values[0])
		hi, ok2 := c.compare(J, T, kind, query.LessOrEquals, k.Values[1])
		if !ok1 || !ok2 {
			return "", false
		}
		return "(" + lo + " AND " + hi + ")", true
	}
	return "", false
}

// column compiles a condition on the id or label column (text, never NULL).
func (c *compiler) column(k *query.Cond, col string) (string, bool) {
	strs := func() ([]string, bool) {
		var ps []string
		for _, v := range k.Values {
			s, ok := v.(string)
			if !ok {
				return nil, false
			}
			ps = append(ps, c.bind(s))
		}
		return ps, len(ps) > 0
	}
	sqlOp := map[query.Op]string{query.Greater: " > ", query.GreaterOrEquals: " >= ", query.Less: " < ", query.LessOrEquals: " <= "}
	switch k.Op {
	case query.Equals, query.NotEquals:
		list, ok := textList(k.Values, false)
		if !ok {
			return "", false
		}
		if k.Op == query.Equals {
			return col + " = ANY(" + c.bind(list) + ")", true
		}
		return col + " <> ALL(" + c.bind(list) + ")", true
	case query.Empty:
		return col + " = ''", len(k.Values) == 0
	case query.NotEmpty:
		return col + " <> ''", len(k.Values) == 0
	case query.Greater, query.GreaterOrEquals, query.Less, query.LessOrEquals:
		ps, ok := strs()
		if !ok || len(ps) != 1 {
			return "", false
		}
		return col + sqlOp[k.Op] + ps[0], true
	case query.Between:
		ps, ok := strs()
		if !ok || len(ps) != 2 {
			return "", false
		}
		return "(" + col + " BETWEEN " + ps[0] + " AND " + ps[1] + ")", true
	}
	return "", false
}

// equals: the value at J equals one of values (strings only; SQLite
// compares a stored number, boolean or object with a text value as
// different, and so does jsonb_typeof). The values are one array parameter,
// whatever their number (PostgreSQL takes at most 65,535 parameters).
func (c *compiler) equals(J, T, kind string, values []any) (string, bool) {
	if len(values) == 0 || kind == types.Phone {
		return "", false
	}
	list, ok := textList(values, kind == types.Email)
	if !ok {
		return "", false
	}
	var p string
	if len(list) == 1 {
		// "= value", not "= ANY(array)": the planner can then read an
		// index on the expression in order (a sort on the index's next
		// column, or on id)
		p = c.bind(list[0])
		if kind == types.Email {
			return "(jsonb_typeof(" + J + ") IN ('string', 'number') AND " + emailLower(T) + " = " + p + ")", true
		}
		return "(jsonb_typeof(" + J + ") = 'string' AND " + T + " = " + p + ")", true
	}
	p = c.bind(list)
	if kind == types.Email {
		// SQLite's lower() of a number is its text too; objects differ, so
		// only strings and numbers are decided here.
		return "(jsonb_typeof(" + J + ") IN ('string', 'number') AND " + emailLower(T) + " = ANY(" + p + "))", true
	}
	return "(jsonb_typeof(" + J + ") = 'string' AND " + T + " = ANY(" + p + "))", true
}

// textList returns values as a text array, ASCII-lowercased when lower is
// set (the lower() of SQLite and of emailLower); ok is false when one is not
// a string.
func textList(values []any, lower bool) ([]string, bool) {
	out := make([]string, len(values))
	for i, v := range values {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		if lower {
			s = asciiLower(s)
		}
		out[i] = s
	}
	return out, len(out) > 0
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// compare: the value at J against one bound value, with SQLite's rules:
// numbers (and booleans as 1/0) before text, text bytewise.
func (c *compiler) compare(J, T, kind string, op query.Op, v any) (string, bool) {
	b, err := query.BindValue(v)
	if err != nil || b == nil {
		return "", false
	}
	sqlOp := map[query.Op]string{query.Greater: " > ", query.GreaterOrEquals: " >= ", query.Less: " < ", query.LessOrEquals: " <= "}[op]
	textAbove := op == query.Greater || op == query.GreaterOrEquals // text vs a number
	tb := "FALSE"
	if textAbove {
		tb = "TRUE"
	}
	switch x := b.(type) {
	case string:
		if kind == types.BigNumber {
			return "", false // decimal collation: Match decides
		}
		p := c.bind(x)
		// numbers sort before text: a number is below any text
		nb := "TRUE"
		if textAbove {
			nb = "FALSE"
		}
		return "(CASE jsonb_typeof(" + J + ") WHEN 'string' THEN " + T + ` COLLATE "C"` + sqlOp + p +
			" WHEN 'number' THEN " + nb + " WHEN 'boolean' THEN " + nb + " END)", true
	case int64:
		p := c.bind(x)
		return "(CASE jsonb_typeof(" + J + ") WHEN 'number' THEN (" + J + ")::numeric" + sqlOp + p + "::numeric" +
			" WHEN 'boolean' THEN (CASE WHEN " + J + " = 'true'::jsonb THEN 1 ELSE 0 END)" + sqlOp + p + "::bigint" +
			" WHEN 'string' THEN " + tb + " WHEN 'object' THEN " + tb + " WHEN 'array' THEN " + tb + " END)", true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", false
		}
		p := c.bind(x)
		return "(CASE jsonb_typeof(" + J + ") WHEN 'number' THEN (" + J + ")::float8" + sqlOp + p + "::float8" +
			" WHEN 'boolean' THEN (CASE WHEN " + J + " = 'true'::jsonb THEN 1 ELSE 0 END)::float8" + sqlOp + p + "::float8" +
			" WHEN 'string' THEN " + tb + " WHEN 'object' THEN " + tb + " WHEN 'array' THEN " + tb + " END)", true
	}
	return "", false
}

// decimalRe is the text of a plain decimal number (what ::numeric reads the
// way big.Rat does).
const decimalRe = `'^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$'`

// orderKeys are the ORDER BY keys of the value at J in SQLite's order:
// NULL/missing first, then numbers (booleans as 1/0), then text bytewise
// (big numbers: decimals exactly, then other text).
func orderKeys(J, T, kind, dir string) string {
	keys := orderKeyList(J, T, kind)
	for i := range keys {
		keys[i] += dir
	}
	return strings.Join(keys, ", ")
}

// orderKeyList are the keys of orderKeys without a direction; over j, the
// columns after the filter column of a c_ index (sortColumns).
func orderKeyList(J, T, kind string) []string {
	rank := "(CASE jsonb_typeof(" + J + ") WHEN 'number' THEN 1 WHEN 'boolean' THEN 1 WHEN 'string' THEN 2 WHEN 'object' THEN 2 WHEN 'array' THEN 2 ELSE 0 END)"
	num := "(CASE jsonb_typeof(" + J + ") WHEN 'number' THEN (" + J + ")::numeric WHEN 'boolean' THEN (CASE WHEN " + J + " = 'true'::jsonb THEN 1 ELSE 0 END) END)"
	txt := "(CASE jsonb_typeof(" + J + ") WHEN 'string' THEN " + T + " WHEN 'object' THEN (" + J + ")::text WHEN 'array' THEN (" + J + ")::text END)" + ` COLLATE "C"`
	keys := []string{rank, num}
	if kind == types.BigNumber {
		isDec := "(jsonb_typeof(" + J + ") = 'string' AND " + T + " ~ " + decimalRe + ")"
		keys = append(keys, "(CASE WHEN "+isDec+" THEN 0 ELSE 1 END)", "(CASE WHEN "+isDec+" THEN ("+T+")::numeric END)")
	}
	return append(keys, txt)
}

// sortedByIndex reports whether a sort on field f may follow an index: its
// keys (orderKeyList over j) are the columns of the c_ indexes it is the
// second field of (sortColumns). Not relationships and groups (sorted by
// label), emails, files, dynamic choices, groups, geo points, nor big
// numbers (as SQLite's sortedByIndex).
func sortedByIndex(f *app.Field) bool {
	switch f.Type {
	case types.Relationship, types.Group, types.Email, types.BigNumber, types.File, types.DynamicChoice, types.Nested, types.GeoPoint:
		return false
	}
	return true
}

// sortColumns are the index columns of the sort keys of field f at path
// (sqlstore.Indexes.SortColumns): the very expressions orderBy writes.
func sortColumns(f *app.Field, path []string) ([]string, error) {
	J, err := jsonAt("j", path)
	if err != nil {
		return nil, err
	}
	T, err := textAt("j", path)
	if err != nil {
		return nil, err
	}
	keys := orderKeyList(J, T, f.Type)
	for i := range keys {
		keys[i] = "(" + keys[i] + ")"
	}
	return keys, nil
}

// orderBy compiles the sort. The keys of a field with c_ indexes
// (sortedByIndex, indexable) read the stored column j, as the indexes do,
// so that a filter on the index's first column returns its records in
// order; other keys read docAlias.
func (c *compiler) orderBy(s query.Sort) (string, error) {
	return sqlstore.OrderBy(s, func(t *query.Target, dir string) (string, error) {
		if t.Sub == "" && t.Field != nil && (t.Field.Indexable || t.Field.Unique) && sortedByIndex(t.Field) {
			c.doc = "j"
			defer func() { c.doc = docAlias }()
		}
		J, T, err := c.at(sqlstore.LeafNames(t))
		if err != nil {
			return "", err
		}
		return orderKeys(J, T, sqlstore.LeafKind(t), dir), nil
	})
}

// distance is the haversine distance (query.Distance) in SQL from the geo
// point at base + names; NULL unless latitude and longitude are numbers.
func (c *compiler) distance(base string, names []string, lat, lng float64) (string, error) {
	num := func(n string) (string, error) {
		J, err := jsonAt(base, append(append([]string(nil), names...), n))
		if err != nil {
			return "", err
		}
		return "(CASE jsonb_typeof(" + J + ") WHEN 'number' THEN (" + J + ")::float8 WHEN 'boolean' THEN (CASE WHEN " + J + " = 'true'::jsonb THEN 1 ELSE 0 END)::float8 END)", nil
	}
	la, err := num("latitude")
	if err != nil {
		return "", err
	}
	lo, err := num("longitude")
	if err != nil {
		return "", err
	}
	p1 := c.bind(lat) + "::float8"
	p2 := c.bind(lng) + "::float8"
	const rad = "(pi() / 180)"
	h := "power(sin((" + p1 + " - " + la + ") * " + rad + " / 2), 2) + cos(" + la + " * " + rad + ") * cos(" + p1 + " * " + rad + ") * power(sin((" + p2 + " - " + lo + ") * " + rad + " / 2), 2)"
	// greatest/least skip NULLs: a missing coordinate must stay NULL
	return "(CASE WHEN " + la + " IS NULL OR " + lo + " IS NULL THEN NULL ELSE 2 * " + strconv.FormatFloat(query.EarthRadius, 'g', -1, 64) +
		" * asin(sqrt(least(1, greatest(0, " + h + ")))) END)", nil
}

// nearOrder is the ORDER BY key of Select.Near (the smallest distance over
// the elements of a many-valued path).
func (c *compiler) nearOrder(k *query.Cond) (string, error) {
	c.usesDoc = c.usesDoc || c.doc == docAlias
	return sqlstore.NearOrder(k, c.doc, func(base string, names []string, alias int) (string, string, error) {
		J, err := jsonAt(base, names)
		if err != nil {
			return "", "", err
		}
		a := "e" + strconv.Itoa(alias)
		return "jsonb_array_elements(CASE WHEN jsonb_typeof(" + J + ") = 'array' THEN " + J + " ELSE '[]'::jsonb END) AS " + a + "(v)", a + ".v", nil
	}, c.distance)
}

// plan is a compiled Find or Count: SQL, its arguments, and whether rows
// must still pass query.Match (then paging happens in Go).
type plan struct {
	sql    string
	args   []any
	exact  bool
	offset int
	limit  int
	// sure: an inexact count's statement counting the rows its SQL
	// decides (compiler.sure), sql then selecting only the others for
	// Match; both read args, in one snapshot.
	sure string
}

// compileSelect compiles a page of records of table; indexed holds the
// expressions of the table's indexes.
func compileSelect(table string, indexed map[string]bool, sel *query.Select) (*plan, error) {
	if sel == nil {
		sel = &query.Select{}
	}
	if sel.Offset < 0 || sel.Limit < 0 {
		return nil, fmt.Errorf("negative offset or limit")
	}
	if _, err := query.Match(sel.Where, nil, "", ""); err != nil {
		return nil, err
	}
	c := newCompiler(indexed)
	if t := &sel.Sort.Target; t.System == "" && t.Field != nil {
		c.sortNames = sqlstore.LeafNames(t)
	}
	var conds []string
	w, exact := c.where(sel.Where)
	if w != "TRUE" {
		conds = append(conds, w)
	}
	srt := sqlstore.NormSort(sel.Sort)
	if sel.After != "" {
		if srt.System != query.SysID {
			return nil, errors.New("an id offset (after) needs a sort on id")
		}
		if sel.Near != nil {
			return nil, errors.New("an id offset (after) cannot be used with a near order")
		}
		p := c.bind(sel.After)
		if srt.Desc {
			conds = append(conds, "id < "+p)
		} else {
			conds = append(conds, "id > "+p)
		}
	}
	ob, err := c.orderBy(srt)
	if err != nil {
		return nil, err
	}
	if sel.Near != nil {
		d, err := c.nearOrder(sel.Near)
		if err != nil {
			return nil, err
		}
		ob = d + " ASC NULLS LAST, " + ob
	}
	var b strings.Builder
	b.WriteString("SELECT " + sqlstore.RowColumns + " FROM " + c.from(table))
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	b.WriteString(" ORDER BY " + ob)
	pl := &plan{exact: exact, offset: sel.Offset, limit: sel.Limit}
	if exact {
		if sel.Limit > 0 {
			b.WriteString(" LIMIT " + c.bind(int64(sel.Limit)))
		}
		if sel.Offset > 0 {
			b.WriteString(" OFFSET " + c.bind(int64(sel.Offset)))
		}
	}
	pl.sql, pl.args = b.String(), c.args
	return pl, nil
}

// compileCount compiles the count of the records of table matching where.
func compileCount(table string, indexed map[string]bool, where query.Expr) (*plan, error) {
	if _, err := query.Match(where, nil, "", ""); err != nil {
		return nil, err
	}
	c := newCompiler(indexed)
	w, exact := c.where(where)
	if exact {
		return &plan{sql: "SELECT count(*) FROM " + c.from(table) + " WHERE " + w, args: c.args, exact: true}, nil
	}
	sure := c.sure(where)
	if sure == "FALSE" {
		return &plan{sql: "SELECT " + sqlstore.RowColumns + " FROM " + c.from(table) + " WHERE " + w, args: c.args}, nil
	}
	from := c.from(table) // after sure: it may read the document too
	return &plan{
		sure: "SELECT count(*) FROM " + from + " WHERE " + w + " AND (" + sure + ") IS TRUE",
		sql:  "SELECT " + sqlstore.RowColumns + " FROM " + from + " WHERE " + w + " AND (" + sure + ") IS NOT TRUE",
		args: c.args,
	}, nil
}

// from is the FROM clause: the table, joined with docAlias when the
// statement reads it.
func (c *compiler) from(table string) string {
	if c.usesDoc {
		return sqlstore.QuoteIdent(table) + docJoin(table)
	}
	return sqlstore.QuoteIdent(table)
}

// where compiles the condition of a statement. A conjunct an index can
// decide (onIndex) reads the stored column, so the planner can use the
// index; the rest reads docAlias.
func (c *compiler) where(x query.Expr) (string, bool) {
	if and, ok := x.(query.And); ok {
		return conjunction(and, c.where)
	}
	return c.conjunct(x)
}

// conjunction compiles the AND of xs, each with compile (TRUE ones drop
// out); exact when every part is.
func conjunction(xs []query.Expr, compile func(query.Expr) (string, bool)) (string, bool) {
	parts := make([]string, 0, len(xs))
	exact := true
	for _, y := range xs {
		p, ex := compile(y)
		exact = exact && ex
		if p != "TRUE" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "TRUE", exact
	}
	return "(" + strings.Join(parts, " AND ") + ")", exact
}

func (c *compiler) conjunct(x query.Expr) (string, bool) {
	if k, ok := x.(*query.Cond); ok && (c.onIndex(k) || keyRange(k)) {
		c.doc = "j"
		defer func() { c.doc = docAlias }()
	}
	return c.expr(x)
}

// keyRange reports whether k is an ordered comparison (or between) of a
// field whose sort keys its c_ indexes hold (sortedByIndex, indexable) with
// integers: keyed compiles it on those keys, which an index reads as a
// range after its filter column.
func keyRange(k *query.Cond) bool {
	switch k.Op {
	case query.Greater, query.GreaterOrEquals, query.Less, query.LessOrEquals:
		if len(k.Values) != 1 {
			return false
		}
	case query.Between:
		if len(k.Values) != 2 {
			return false
		}
	default:
		return false
	}
	if len(k.User) > 0 || k.System != "" || k.Field == nil || k.Sub != "" || len(k.Path) == 0 || sqlstore.HasMany(k.Path) ||
		!k.Field.Indexable && !k.Field.Unique || !sortedByIndex(k.Field) || query.ComparedAs(k.Field.Type, k.Op) != query.AsIs {
		return false
	}
	for _, v := range k.Values {
		if b, err := query.BindValue(v); err != nil {
			return false
		} else if _, isInt := b.(int64); !isInt {
			return false
		}
	}
	return true
}

// keyed compiles a keyRange condition on the value at J (over j) as a row
// comparison of its first two sort keys (orderKeyList: rank of the JSON
// type, number) with (1, bound): the records compare's CASE selects —
// numbers and booleans (1/0) by value, text, objects and arrays above
// every number, null and missing never.
func (c *compiler) keyed(J string, k *query.Cond) (string, bool) {
	keys := orderKeyList(J, "", k.Field.Type)
	if !slices.Equal(sqlstore.LeafNames(&k.Target), c.sortNames) {
		return c.rankedRange(keys[0], keys[1], k), true
	}
	row := "ROW(" + keys[0] + ", " + keys[1] + ")"
	bound := func(op query.Op, v any) string {
		b, _ := query.BindValue(v)
		p := "ROW(1, " + c.bind(b) + "::numeric)"
		switch op {
		case query.Greater:
			return row + " > " + p
		case query.GreaterOrEquals:
			return row + " >= " + p
		case query.Less:
			return "(" + keys[0] + " >= 1 AND " + row + " < " + p + ")"
		}
		return "(" + keys[0] + " >= 1 AND " + row + " <= " + p + ")"
	}
	if k.Op == query.Between {
		return "(" + bound(query.GreaterOrEquals, k.Values[0]) + " AND " + bound(query.LessOrEquals, k.Values[1]) + ")", true
	}
	return "(" + bound(k.Op, k.Values[0]) + ")", true
}

// rankedRange is keyed spelled out per rank — numbers and booleans (rank
// 1) by value, text, objects and arrays (rank 2) above every number —
// where the records are not sorted by the field: the same records,
// written as conditions the planner estimates from the index's
// statistics. PostgreSQL estimates a row comparison by its first column
// alone ("rank > 1": next to none), so a range beside another filter
// made it read every record of the range in search of a page that
// walking the id order finds in a few hundred rows. A page sorted by the
// field keeps the row comparison: one range of the index, in its order.
func (c *compiler) rankedRange(rank, num string, k *query.Cond) string {
	cmp := func(op string, v any) string {
		b, _ := query.BindValue(v)
		return num + " " + op + " " + c.bind(b) + "::numeric"
	}
	switch k.Op {
	case query.Greater:
		return "((" + rank + " = 1 AND " + cmp(">", k.Values[0]) + ") OR " + rank + " = 2)"
	case query.GreaterOrEquals:
		return "((" + rank + " = 1 AND " + cmp(">=", k.Values[0]) + ") OR " + rank + " = 2)"
	case query.Less:
		return "(" + rank + " = 1 AND " + cmp("<", k.Values[0]) + ")"
	case query.LessOrEquals:
		return "(" + rank + " = 1 AND " + cmp("<=", k.Values[0]) + ")"
	}
	return "(" + rank + " = 1 AND " + cmp(">=", k.Values[0]) + " AND " + cmp("<=", k.Values[1]) + ")" // between
}

// onIndex reports whether k is an equality on the expression of one of the
// table's indexes (indexExpr), or a like on one of its trigram indexes
// (likeIndex).
func (c *compiler) onIndex(k *query.Cond) bool {
	if k.Op != query.Equals && k.Op != query.Like || k.System != "" || k.Field == nil || len(k.Path) == 0 || sqlstore.HasMany(k.Path) {
		return false
	}
	T, err := textAt("j", sqlstore.LeafNames(&k.Target))
	if err != nil {
		return false
	}
	if k.Op == query.Like {
		return c.indexed[likeLower(T)]
	}
	if sqlstore.LeafKind(&k.Target) == types.Email {
		T = emailLower(T)
	}
	return c.indexed[T]
}

// like compiles a like condition to a superset of its matches (Match
// rechecks them): the ASCII-lowercased text LIKE the lowercased pattern,
// which is exact for values of ASCII text, or a value that is not (any
// other text, a number…: the recheck predicate of likeIndex). A regular
// expression reads its literal run (query.LikeNeedle), and one without
// cannot be compiled.
func (c *compiler) like(k *query.Cond) (string, bool) {
	arms, recheck, _, ok := c.likeParts(k)
	if !ok {
		return "", false
	}
	return "(" + strings.Join(arms, " OR ") + " OR " + recheck + ")", true
}

// likeSure is the part of a like its SQL decides exactly: an arm holds
// on a value the recheck does not claim (text in ASCII), when every
// pattern is plain ASCII text (no regular expression, nothing Go's case
// folding could match otherwise).
func (c *compiler) likeSure(k *query.Cond) (string, bool) {
	arms, recheck, plain, ok := c.likeParts(k)
	if !ok || !plain {
		return "", false
	}
	return "((" + strings.Join(arms, " OR ") + ") AND NOT " + recheck + ")", true
}

// likeParts compiles like's arms (a LIKE per pattern) and the predicate
// of the values they cannot decide; plain: every pattern is ASCII text
// without a regular expression, so an arm decides the values the
// predicate does not claim.
func (c *compiler) likeParts(k *query.Cond) (arms []string, recheck string, plain, ok bool) {
	if len(k.User) > 0 || len(k.Values) == 0 {
		return nil, "", false, false
	}
	var T string
	switch {
	case k.System == query.SysLabel || k.System == query.SysID:
		T = "label"
		if k.System == query.SysID {
			T = "id"
		}
		recheck = likeRecheckColumn(T)
	case k.System != "" || len(k.Path) == 0 || k.Field == nil || sqlstore.HasMany(k.Path):
		return nil, "", false, false
	default:
		if query.ComparedAs(sqlstore.LeafKind(&k.Target), query.Like) != query.AsIs {
			return nil, "", false, false
		}
		J, t, err := c.at(sqlstore.LeafNames(&k.Target))
		if err != nil {
			return nil, "", false, false
		}
		T, recheck = t, likeRecheck(J, t)
	}
	plain = true
	arms = make([]string, 0, len(k.Values))
	for _, v := range k.Values {
		s, ok := v.(string)
		if !ok {
			return nil, "", false, false
		}
		var pat string
		switch {
		case len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/':
			n := query.LikeNeedle(s)
			if n == "" {
				return nil, "", false, false
			}
			pat, plain = "%"+likeEscape(n)+"%", false
		case strings.HasPrefix(s, "/"):
			pat = likeEscape(strings.ToLower(s[1:])) + "%"
		case strings.HasSuffix(s, "/"):
			pat = "%" + likeEscape(strings.ToLower(s[:len(s)-1]))
		default:
			pat = "%" + likeEscape(strings.ToLower(s)) + "%"
		}
		plain = plain && isASCII(s)
		arms = append(arms, likeLower(T)+" LIKE "+c.bind(pat))
	}
	return arms, recheck, plain, true
}

// isASCII reports whether s is ASCII only.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// likeEscape escapes the wildcards of LIKE (and its escape character).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}
