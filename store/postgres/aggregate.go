package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"runway/aggregate"
	"runway/query"
	"runway/store"
	"runway/store/sqlstore"
	"runway/types"
)

// aggAt is the jsonb (J) and text (T) of the value at a path: in the
// record r.j, in the unwound element u.e, or in the joined record r.fj.
func aggAt(at sqlstore.AggPath) (J, T string, err error) {
	base := "r.j"
	if at.Elem {
		base = "u.e"
	} else if at.Joined {
		base = "r.fj"
	}
	if J, err = jsonAt(base, at.Names); err != nil {
		return "", "", err
	}
	T, err = textAt(base, at.Names)
	return J, T, err
}

// aggDialect writes PostgreSQL's aggregate statements over the stored
// jsonb j: group keys are jsonb values (numbers equal by value, strings by
// their bytes), sums numeric (exact), text orders under COLLATE "C"
// (bytewise, as query.Compare), arrays unwound by jsonb_array_elements.
var aggDialect = &sqlstore.AggDialect{
	Key: func(at sqlstore.AggPath) (string, error) {
		J, _, err := aggAt(at)
		return J, err
	},
	KeyOut: func(key string) string { return key + "::text" },
	JSON: func(at sqlstore.AggPath) (string, error) {
		J, _, err := aggAt(at)
		return J, err
	},
	First: func(id, ord, j string) string {
		return "((array_agg(" + j + " ORDER BY " + aggOrder(id, ord, "") + "))[1])::text"
	},
	Last: func(id, ord, j string) string {
		return "((array_agg(" + j + " ORDER BY " + aggOrder(id, ord, " DESC") + "))[1])::text"
	},
	JSONText: func(j string) string { return j + "::text" },
	Param:    func(n int) string { return "$" + strconv.Itoa(n) },
	// as a list is sorted (orderKeys)
	SortKey: func(at sqlstore.AggPath, kind string, desc bool) (string, error) {
		J, T, err := aggAt(at)
		if err != nil {
			return "", err
		}
		dir := " ASC"
		if desc {
			dir = " DESC"
		}
		return orderKeys(J, T, kind, dir), nil
	},
	Seq:        func(ob string) string { return "row_number() OVER (ORDER BY " + ob + ")" },
	GroupOrder: groupOrder,
	Compare:    groupCompare,
	Sum: func(at sqlstore.AggPath, kind string) (sum, count sqlstore.AggExpr, err error) {
		J, T, err := aggAt(at)
		if err != nil {
			return sum, count, err
		}
		is := "number"
		if kind == types.BigNumber {
			is = "string" // a decimal string
		}
		v := "CASE WHEN jsonb_typeof(" + J + ") = '" + is + "' THEN " + T + "::numeric END"
		return sqlstore.Over(v, func(c string) string { return "(sum(" + c + "))::text" }),
			sqlstore.Over(v, func(c string) string { return "count(" + c + ")" }), nil
	},
	MinMax: func(op string, at sqlstore.AggPath, kind string) (sqlstore.AggExpr, bool, error) {
		J, T, err := aggAt(at)
		if err != nil {
			return sqlstore.AggExpr{}, false, err
		}
		switch {
		case kind == types.BigNumber:
			return sqlstore.AggExpr{}, false, nil // the answer is the string as written: min by value would lose it
		case types.NativeIsNumber(kind):
			v := "CASE WHEN jsonb_typeof(" + J + ") = 'number' THEN " + T + "::numeric END"
			return sqlstore.Over(v, func(c string) string { return "(" + op + "(" + c + "))::text" }), true, nil
		case kind == types.Boolean:
			agg := map[string]string{"min": "bool_and", "max": "bool_or"}[op]
			v := "CASE WHEN jsonb_typeof(" + J + ") = 'boolean' THEN " + T + "::boolean END"
			return sqlstore.Over(v, func(c string) string { return "(" + agg + "(" + c + "))::text" }), true, nil
		}
		v := "(CASE WHEN jsonb_typeof(" + J + ") = 'string' THEN " + T + " END) COLLATE \"C\""
		return sqlstore.Over(v, func(c string) string { return op + "(" + c + ")" }), true, nil
	},
	Unwind: func(names []string, includeEmpty bool) (string, error) {
		v, err := jsonAt("r.j", names)
		if err != nil {
			return "", err
		}
		join := " JOIN LATERAL "
		if includeEmpty {
			join = " LEFT JOIN LATERAL "
		}
		// a value that is no array is one element; null or missing none
		elems := "CASE WHEN jsonb_typeof(" + v + ") = 'array' THEN " + v +
			" WHEN " + v + " IS NULL OR jsonb_typeof(" + v + ") = 'null' THEN '[]'::jsonb ELSE jsonb_build_array(" + v + ") END"
		return join + "jsonb_array_elements(" + elems + ") WITH ORDINALITY AS u(e, o) ON TRUE", nil
	},
	ElemOrder: "u.o",
	DecodeKey: func(_ string, v any) (any, error) { return sqlstore.DecodeJSON(v) },
	DecodeMinMax: func(kind string, v any) (any, error) {
		s, ok := v.(string)
		switch {
		case v == nil:
			return nil, nil
		case !ok:
			return nil, fmt.Errorf("min/max of type %T", v)
		case types.NativeIsNumber(kind):
			return json.Number(s), nil
		case kind == types.Boolean:
			return s == "true", nil
		}
		return s, nil
	},
	Doc: "j",
	JoinValue: func(base string, names []string) (string, error) {
		return textAt(base+".j", names)
	},
}

// groupOrder implements AggDialect.GroupOrder: stored values (keys, first,
// last, min, max) as a sort orders them (orderKeys; numbers compare by
// value, stored numbers being float64s or integers), counts as integers,
// sums as Eval reads them (numberOrder); not averages, whose float the
// database would round twice.
func groupOrder(form sqlstore.OrderForm, cols []string, kind string, desc bool) (string, bool) {
	dir, nulls := " ASC", " NULLS FIRST"
	if desc {
		dir, nulls = " DESC", " NULLS LAST"
	}
	c := cols[0]
	switch form {
	case sqlstore.OrderKey:
		return orderKeys(c, "("+c+" #>> '{}')", kind, dir), true
	case sqlstore.OrderJSON:
		J := "(" + c + ")::jsonb"
		return orderKeys(J, "("+J+" #>> '{}')", kind, dir), true
	case sqlstore.OrderMinMax:
		// the aggregate's text of a number, boolean or string (MinMax)
		switch {
		case types.NativeIsNumber(kind):
			return "(" + c + ")::numeric" + dir + nulls, true
		case kind == types.Boolean:
			return "(" + c + ")::boolean" + dir + nulls, true
		}
		return c + ` COLLATE "C"` + dir + nulls, true
	case sqlstore.OrderCount:
		return c + dir, true
	case sqlstore.OrderSum:
		x := "coalesce((" + c + ")::numeric, 0)"
		if kind == types.BigNumber {
			return x + dir, true // decimal strings, compared exactly
		}
		return numberOrder(x, dir), true
	}
	return "", false
}

// numberOrder orders the exact numbers x (numeric) as Eval's sort reads
// their text (numberKeys).
func numberOrder(x, dir string) string {
	f, exact := numberKeys(x)
	return f + dir + ", " + exact + dir
}

// numberKeys are two keys that order the exact numbers x (numeric) as Go
// reads their text (a sort, Match): an integer that fits int64 as itself,
// any other as the nearest float64 f. By f first (numeric to float8
// rounds correctly), then within one f: the integers by value and every
// other number as f itself — exactly, where f is an integer when it has
// integers in its class (|f| >= 2^52): as bigint, or beyond int64 as
// ±2^63 (numberKeysOf gives a Go value's).
func numberKeys(x string) (f, exact string) {
	f = "(" + x + ")::float8"
	exact = "(CASE WHEN " + x + " = trunc(" + x + ") AND " + x + " BETWEEN -9223372036854775808 AND 9223372036854775807 THEN " + x +
		" WHEN abs(" + f + ") < 9223372036854775808::float8 THEN (" + f + ")::bigint::numeric" +
		" ELSE sign(" + f + ")::numeric * 9223372036854775808 END)"
	return f, exact
}

// numberKeysOf are the numberKeys of a number as Go holds it (int64 or
// float64): float8 rounds to bigint half to even (rint).
func numberKeysOf(v any) (float64, string, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), strconv.FormatInt(x, 10), true
	case float64:
		switch {
		case math.IsNaN(x) || math.IsInf(x, 0):
			return 0, "", false
		case math.Abs(x) < 1<<63:
			return x, strconv.FormatInt(int64(math.RoundToEven(x)), 10), true
		case x < 0:
			return x, "-9223372036854775808", true
		}
		return x, "9223372036854775808", true
	}
	return 0, "", false
}

// groupCompare implements AggDialect.Compare. The member is read as two
// expressions, each NULL unless the value is of its class: num, the exact
// numeric of a number (a boolean as 1 / 0, as Match reads it), and str,
// a text's; numbers order before text (Match's rule), a number compares
// with a number by their numberKeys (a row comparison), a text with a
// text under COLLATE "C" (bytewise). Not compiled (left to Go): averages
// (their float would be rounded twice), sums of big numbers (their text is
// not Eval's), and big numbers ordered as decimals.
func groupCompare(form sqlstore.OrderForm, cols []string, kind, op string, v any, param func(any) string) (string, bool) {
	big := kind == types.BigNumber
	if big && op != "=" && op != "null" {
		return "", false
	}
	num, str := "NULL::numeric", "NULL::text"
	c := cols[0]
	switch form {
	case sqlstore.OrderCount:
		num = "(" + c + ")::numeric"
	case sqlstore.OrderSum:
		if big {
			return "", false
		}
		num = "coalesce((" + c + ")::numeric, 0)"
	case sqlstore.OrderMinMax:
		switch {
		case types.NativeIsNumber(kind):
			num = "(" + c + ")::numeric"
		case kind == types.Boolean:
			num = "(CASE " + c + " WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)::numeric"
		default:
			str = "(" + c + ")"
		}
	case sqlstore.OrderKey, sqlstore.OrderJSON:
		J := c
		if form == sqlstore.OrderJSON {
			J = "(" + c + ")::jsonb"
		}
		num = "(CASE jsonb_typeof(" + J + ") WHEN 'number' THEN (" + J + " #>> '{}')::numeric" +
			" WHEN 'boolean' THEN (CASE WHEN " + J + " = 'true'::jsonb THEN 1 ELSE 0 END)::numeric END)"
		str = "(CASE WHEN jsonb_typeof(" + J + ") = 'string' THEN " + J + " #>> '{}' END)"
	default:
		return "", false
	}
	if op == "null" {
		return "(" + num + " IS NULL AND " + str + " IS NULL)", true
	}
	// the other class: numbers order before text
	before, after := "FALSE", "FALSE"
	if op == "<" || op == "<=" {
		before = "TRUE"
	} else if op == ">" || op == ">=" {
		after = "TRUE"
	}
	if t, text := v.(string); text {
		if strings.IndexByte(t, 0) >= 0 {
			return "", false // no PostgreSQL text holds it
		}
		return "(CASE WHEN " + str + " IS NOT NULL THEN " + str + ` COLLATE "C" ` + op + " " + param(t) +
			" WHEN " + num + " IS NOT NULL THEN " + before + " END)", true
	}
	pf, pe, ok := numberKeysOf(v)
	if !ok {
		return "", false
	}
	f, exact := numberKeys(num)
	return "(CASE WHEN " + num + " IS NOT NULL THEN ROW(" + f + ", " + exact + ") " + op + " ROW(" + param(pf) + "::float8, " + param(pe) + "::numeric)" +
		" WHEN " + str + " IS NOT NULL THEN " + after + " END)", true
}

// aggOrder is the order of a group's rows for first and last: id, then
// the element's position after an unwind.
func aggOrder(id, ord, dir string) string {
	if ord != "" {
		return id + dir + ", " + ord + dir
	}
	return id + dir
}

var _ store.Aggregator = (*Store)(nil)

// PlanAggregate implements store.Aggregator: the planner's prefix when the
// records' condition compiles exactly (else the data service reads the
// records, and Match decides what the SQL could not).
func (s *Store) PlanAggregate(p *aggregate.Pipeline) int {
	return sqlstore.Joins(p, s.exactly(p, aggDialect.Plan(p)), s.lookupSource)
}

// lookupSource compiles the select of the records a lookup joins: the
// foreign entity's under the lookup's condition (the caller's read
// condition), its arguments after before's; an error when it does not
// compile exactly.
func (s *Store) lookupSource(l *aggregate.Lookup, before []any) (string, []any, error) {
	table, err := dialect.TableName(l.Foreign)
	if err != nil {
		return "", nil, err
	}
	w, c, err := s.compileExactly(table, l.Where, before)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", l.Foreign.FullName, err)
	}
	return "SELECT " + sqlstore.QuoteIdent(table) + ".id, " + sqlstore.QuoteIdent(table) + ".j FROM " + c.from(table) + w, c.args, nil
}

// compileExactly compiles where on table (" WHERE …" or ""), its
// arguments after before's; an error when it does not compile exactly.
func (s *Store) compileExactly(table string, where query.Expr, before []any) (string, *compiler, error) {
	if _, err := query.Match(where, nil, "", ""); err != nil {
		return "", nil, err
	}
	if err := s.checkTexts(table, where); err != nil {
		return "", nil, err
	}
	c := newCompiler(s.indexedExprs(table))
	c.args = slices.Clone(before)
	w, exact := c.where(where)
	if !exact {
		return "", nil, fmt.Errorf("the condition does not compile exactly")
	}
	if w == "TRUE" {
		return "", c, nil
	}
	return " WHERE " + w, c, nil
}

// exactly is n, the stages the planner runs, when the records' condition
// compiles exactly; else 0.
func (s *Store) exactly(p *aggregate.Pipeline, n int) int {
	if n == 0 {
		return 0
	}
	if _, err := s.aggSource(p); err != nil {
		return 0
	}
	return n
}

// PlanRecords implements store.Aggregator (when the records' condition
// compiles exactly, as PlanAggregate).
func (s *Store) PlanRecords(p *aggregate.Pipeline) int {
	return s.exactly(p, aggDialect.PlanRecords(p))
}

// RecordIDs implements store.Aggregator.
func (s *Store) RecordIDs(ctx context.Context, p *aggregate.Pipeline, n, maxItems int) ([]string, error) {
	src, err := s.aggSource(p)
	if err != nil {
		return nil, fmt.Errorf("postgres: aggregate %s: %w", p.Entity.FullName, err)
	}
	var ids []string
	err = s.read(ctx, func(ctx context.Context, db dbtx) error {
		ids, err = aggDialect.RecordIDs(ctx, pgDB{db}, p, n, src, maxItems)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: aggregate %s: %w", p.Entity.FullName, err)
	}
	return ids, nil
}

// aggSource compiles the condition on the records entering the statement;
// an error when it does not compile exactly.
func (s *Store) aggSource(p *aggregate.Pipeline) (sqlstore.AggSource, error) {
	table, err := dialect.TableName(p.Entity)
	if err != nil {
		return sqlstore.AggSource{}, err
	}
	where, _ := p.Source()
	w, c, err := s.compileExactly(table, where, nil)
	if err != nil {
		return sqlstore.AggSource{}, err
	}
	return sqlstore.AggSource{Records: "SELECT " + sqlstore.QuoteIdent(table) + ".id, " + sqlstore.QuoteIdent(table) + ".j FROM " + c.from(table) + w, Args: c.args,
		Table: sqlstore.QuoteIdent(table), Filtered: w != "", Lookup: s.lookupSource}, nil
}

// Aggregate implements store.Aggregator (its documents collected before
// they are streamed, so the stages after it hold no connection).
func (s *Store) Aggregate(ctx context.Context, p *aggregate.Pipeline, n, maxItems int) aggregate.Cursor {
	return sqlstore.AggCursor(func() ([]aggregate.Doc, error) {
		src, err := s.aggSource(p)
		if err != nil {
			return nil, fmt.Errorf("postgres: aggregate %s: %w", p.Entity.FullName, err)
		}
		var docs []aggregate.Doc
		err = s.read(ctx, func(ctx context.Context, db dbtx) error {
			docs, err = aggDialect.Aggregate(ctx, pgDB{db}, p, n, src, maxItems)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("postgres: aggregate %s: %w", p.Entity.FullName, err)
		}
		return docs, nil
	})
}
