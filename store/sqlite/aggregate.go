package sqlite

import (
	"cmp"
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"

	sqlite "modernc.org/sqlite"

	"runway/aggregate"
	"runway/store"
	"runway/store/sqlstore"
	"runway/types"
)

// Aggregate functions implemented in Go (funcs.go registers the scalar
// ones): the first / last value by id, and the exact sum of decimals.
const (
	fnFirst = "runway_first" // (id, json) → json of the row with the smallest id
	fnLast  = "runway_last"  // (id, json) → json of the row with the largest id
	// (id, element index, json) → the same by id, then index (unwind)
	fnFirstElem = "runway_first_element"
	fnLastElem  = "runway_last_element"
	// (number text) → the exact decimal sum of the texts that are numbers
	// (aggregate.Sum), "0" for none
	fnSum = "runway_sum"
	// (number text or integer) → the value a sort compares it by
	// (aggregate.OrderNumber): an integer, a float, NULL for no number
	fnOrderNumber = "runway_order_number"
	// (sum, count, big) → the average avg answers (aggregate.Mean), a
	// float, with big a decimal text; NULL for no numbers
	fnMean = "runway_mean"
)

func init() {
	sqlite.MustRegisterFunction(fnFirst, &sqlite.FunctionImpl{NArgs: 2, Deterministic: true, VolatileArgs: true,
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) { return &byID{last: false}, nil }})
	sqlite.MustRegisterFunction(fnLast, &sqlite.FunctionImpl{NArgs: 2, Deterministic: true, VolatileArgs: true,
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) { return &byID{last: true}, nil }})
	sqlite.MustRegisterFunction(fnFirstElem, &sqlite.FunctionImpl{NArgs: 3, Deterministic: true, VolatileArgs: true,
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) { return &byID{last: false}, nil }})
	sqlite.MustRegisterFunction(fnLastElem, &sqlite.FunctionImpl{NArgs: 3, Deterministic: true, VolatileArgs: true,
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) { return &byID{last: true}, nil }})
	sqlite.MustRegisterFunction(fnSum, &sqlite.FunctionImpl{NArgs: 1, Deterministic: true, VolatileArgs: true,
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) { return &exactSum{}, nil }})
	sqlite.MustRegisterDeterministicScalarFunction(fnOrderNumber, 1, sqlOrderNumber)
	sqlite.MustRegisterDeterministicScalarFunction(fnMean, 3, sqlMean)
}

// numberText is a sum column's value as decimal text ("" for NULL).
func numberText(v driver.Value) (string, bool) {
	if v == nil {
		return "", true
	}
	return text(v)
}

func sqlOrderNumber(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	if i, ok := args[0].(int64); ok {
		return i, nil
	}
	t, ok := numberText(args[0])
	if !ok || t == "" {
		return nil, nil
	}
	v, _ := aggregate.OrderNumber(t)
	return v, nil
}

func sqlMean(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	sum, ok := numberText(args[0])
	n, ok2 := args[1].(int64)
	if !ok || !ok2 {
		return nil, fmt.Errorf("%s: a sum and a count", fnMean)
	}
	kind := types.Decimal
	if b, _ := args[2].(int64); b != 0 {
		kind = types.BigNumber
	}
	m, err := aggregate.Mean(sum, n, kind)
	switch x := m.(type) {
	case json.Number:
		return x.Float64()
	case string:
		return x, err
	}
	return nil, err
}

// byID keeps the value of the row with the smallest (largest when last)
// id — ids compare bytewise, as the id column orders — and then element
// index when given (an element of an unwound array; a value that was no
// array has none, and comes once).
type byID struct {
	last  bool
	set   bool
	id    string
	ord   int64
	value driver.Value
}

func (a *byID) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	id, _ := text(args[0])
	var ord int64
	if len(args) == 3 {
		ord, _ = args[1].(int64)
	}
	if a.set {
		c := strings.Compare(id, a.id)
		if c == 0 {
			c = cmp.Compare(ord, a.ord)
		}
		if a.last && c <= 0 || !a.last && c >= 0 {
			return nil
		}
	}
	a.set, a.id, a.ord = true, strings.Clone(id), ord
	switch x := args[len(args)-1].(type) {
	case string:
		a.value = strings.Clone(x)
	case []byte:
		a.value = string(x)
	default:
		a.value = x
	}
	return nil
}

func (a *byID) WindowInverse(*sqlite.FunctionContext, []driver.Value) error {
	return fmt.Errorf("%s is not a window function", fnFirst)
}
func (a *byID) WindowValue(*sqlite.FunctionContext) (driver.Value, error) { return a.value, nil }
func (a *byID) Final(*sqlite.FunctionContext)                             {}

// exactSum is runway_sum.
type exactSum struct{ s aggregate.Sum }

func (a *exactSum) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	if t, ok := args[0].(string); ok {
		a.s.Add(t) // a text that is no number is skipped, as aggregate.Eval does
	}
	return nil
}

func (a *exactSum) WindowInverse(*sqlite.FunctionContext, []driver.Value) error {
	return fmt.Errorf("%s is not a window function", fnSum)
}
func (a *exactSum) WindowValue(*sqlite.FunctionContext) (driver.Value, error) { return a.s.Text(), nil }
func (a *exactSum) Final(*sqlite.FunctionContext)                             {}

// aggPath is the JSON path of a value in the record r.doc: a literal, or
// after an unwind the element's own path (json_each's fullkey) and the
// members in it.
func aggPath(at sqlstore.AggPath) (string, error) {
	if !at.Elem {
		return jsonPath(at.Names)
	}
	if len(at.Names) == 0 {
		return "u.fullkey", nil
	}
	p, err := jsonPath(at.Names)
	if err != nil {
		return "", err
	}
	return "(u.fullkey || '" + p[2:] + ")", nil // p is '$.a.b'
}

// aggDoc is the record a path reads: the row's, or the joined one.
func aggDoc(at sqlstore.AggPath) string {
	if at.Joined {
		return "r.fdoc"
	}
	return "r.doc"
}

// aggValue is the typed value at a path (json_extract).
func aggValue(at sqlstore.AggPath) (string, error) {
	p, err := aggPath(at)
	if err != nil {
		return "", err
	}
	return "json_extract(" + aggDoc(at) + ", " + p + ")", nil
}

// aggJSON is the JSON text at a path (->: numbers as written).
func aggJSON(at sqlstore.AggPath) (string, error) {
	p, err := aggPath(at)
	if err != nil {
		return "", err
	}
	return "(" + aggDoc(at) + " -> " + p + ")", nil
}

// aggDialect writes SQLite's aggregate statements: values by json_extract
// (typed: numbers compare by value, text bytewise — query.Compare's own
// order), JSON text by ->, arrays unwound by json_each. The values are
// computed once per row and only they are grouped (sorted).
var aggDialect = &sqlstore.AggDialect{
	Key:    aggValue,
	KeyOut: func(key string) string { return key },
	JSON:   aggJSON,
	First: func(id, ord, j string) string {
		if ord != "" {
			return fnFirstElem + "(" + id + ", " + ord + ", " + j + ")"
		}
		return fnFirst + "(" + id + ", " + j + ")"
	},
	Last: func(id, ord, j string) string {
		if ord != "" {
			return fnLastElem + "(" + id + ", " + ord + ", " + j + ")"
		}
		return fnLast + "(" + id + ", " + j + ")"
	},
	JSONText: func(j string) string { return j },
	Param:    func(int) string { return "?" },
	// as a list is sorted (SQLite: NULLs first ascending, last
	// descending); the position as zero-padded text, which the first and
	// last aggregates compare as they compare ids
	SortKey: func(at sqlstore.AggPath, kind string, desc bool) (string, error) {
		v, err := aggValue(at)
		if err != nil {
			return "", err
		}
		if desc {
			return orderExpr(v, kind) + " DESC", nil
		}
		return orderExpr(v, kind) + " ASC", nil
	},
	Seq: func(ob string) string { return "printf('%020d', row_number() OVER (ORDER BY " + ob + "))" },
	// every value as Eval's sort reads it: stored values as json_extract
	// types them, sums and averages by the functions computing them as
	// aggregate.OrderNumber and aggregate.Mean do
	GroupOrder: func(form sqlstore.OrderForm, cols []string, kind string, desc bool) (string, bool) {
		dir := " ASC"
		if desc {
			dir = " DESC"
		}
		c := cols[0]
		switch form {
		case sqlstore.OrderKey, sqlstore.OrderMinMax:
			return orderExpr(c, kind) + dir, true
		case sqlstore.OrderJSON:
			return orderExpr("json_extract("+c+", '$')", kind) + dir, true
		case sqlstore.OrderCount:
			return c + dir, true
		case sqlstore.OrderSum:
			if kind == types.BigNumber {
				return "coalesce(" + c + ", '0') COLLATE " + collDecimal + dir, true
			}
			return fnOrderNumber + "(coalesce(" + c + ", 0))" + dir, true
		case sqlstore.OrderAvg:
			if kind == types.BigNumber {
				return fnMean + "(" + c + ", " + cols[1] + ", 1) COLLATE " + collDecimal + dir, true
			}
			return fnMean + "(" + c + ", " + cols[1] + ", 0)" + dir, true
		}
		return "", false
	},
	Compare: groupCompare,
	Sum: func(at sqlstore.AggPath, kind string) (sum, count sqlstore.AggExpr, err error) {
		v, err := aggValue(at)
		if err != nil {
			return sum, count, err
		}
		count = sqlstore.Over(v, func(c string) string { return "count(" + c + ")" })
		switch kind {
		case types.Integer, types.AutoIncrement, types.Duration:
			// integers add exactly in SQLite's sum (an overflow is an
			// error: the data service then runs the pipeline in Go)
			return sqlstore.Over(v, func(c string) string { return "sum(" + c + ")" }), count, nil
		case types.BigNumber:
			return sqlstore.Over(v, func(c string) string { return fnSum + "(" + c + ")" }), count, nil
		}
		// decimals as written in the record (their JSON text), not as
		// the floats json_extract makes of them
		j, _ := aggJSON(at)
		return sqlstore.Over(j, func(c string) string { return fnSum + "(" + c + ")" }), count, nil
	},
	MinMax: func(op string, at sqlstore.AggPath, kind string) (sqlstore.AggExpr, bool, error) {
		v, err := aggValue(at)
		if err != nil {
			return sqlstore.AggExpr{}, false, err
		}
		return sqlstore.Over(v, func(c string) string { return op + "(" + orderExpr(c, kind) + ")" }), true, nil
	},
	Unwind: func(names []string, includeEmpty bool) (string, error) {
		p, err := jsonPath(names)
		if err != nil {
			return "", err
		}
		join := " JOIN "
		if includeEmpty {
			join = " LEFT JOIN "
		}
		// json_each of a JSON null gives one row: a null field has no
		// element
		return join + "json_each(r.doc, " + p + ") AS u ON json_type(r.doc, " + p + ") <> 'null'", nil
	},
	ElemOrder: "u.key",
	// a LIMIT keeps SQLite from folding the row values into the grouping
	// query (it would sort whole records, then parse each per aggregate)
	Fence:        " LIMIT -1",
	DecodeKey:    sqlstore.DecodeScalar,
	DecodeMinMax: sqlstore.DecodeScalar,
	Doc:          "doc",
	JoinValue: func(base string, names []string) (string, error) {
		return jsonExtract(base+".doc", names)
	},
}

// groupCompare implements AggDialect.Compare: the member as the group's
// document holds it (stored values as json_extract types them — the
// values query.Match models —, sums and averages by the functions that
// read them as Eval does), compared by SQLite's own rules, which Match
// follows; big numbers order under the decimal collation and are equal
// bytewise.
func groupCompare(form sqlstore.OrderForm, cols []string, kind, op string, v any, param func(any) string) (string, bool) {
	x := cols[0]
	big := kind == types.BigNumber
	switch form {
	case sqlstore.OrderJSON:
		x = "json_extract(" + x + ", '$')"
	case sqlstore.OrderSum:
		if big {
			x = "coalesce(" + x + ", '0')"
		} else {
			x = fnOrderNumber + "(coalesce(" + x + ", 0))"
		}
	case sqlstore.OrderAvg:
		flag := "0"
		if big {
			flag = "1"
		}
		x = fnMean + "(" + x + ", " + cols[1] + ", " + flag + ")"
	}
	switch {
	case op == "null":
		return x + " IS NULL", true
	case big && op == "=":
		return x + " COLLATE BINARY = " + param(v), true
	case big:
		return x + " COLLATE " + collDecimal + " " + op + " " + param(v), true
	}
	return x + " " + op + " " + param(v), true
}

var _ store.Aggregator = (*Store)(nil)

// PlanAggregate implements store.Aggregator: the planner's prefix when
// the condition of each lookup it joins compiles.
func (s *Store) PlanAggregate(p *aggregate.Pipeline) int {
	return sqlstore.Joins(p, aggDialect.Plan(p), s.lookupSource)
}

// lookupSource compiles the select of the records a lookup joins: the
// foreign entity's, under the lookup's condition (the caller's read
// condition), its arguments after before's.
func (s *Store) lookupSource(l *aggregate.Lookup, before []any) (string, []any, error) {
	table, err := dialect.TableName(l.Foreign)
	if err != nil {
		return "", nil, err
	}
	w, args, err := compileWhereAfter(table, s.textIndexes(table), l.Where, before)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", l.Foreign.FullName, err)
	}
	return "SELECT id, doc FROM " + sqlstore.QuoteIdent(table) + w, args, nil
}

// PlanRecords implements store.Aggregator.
func (s *Store) PlanRecords(p *aggregate.Pipeline) int { return aggDialect.PlanRecords(p) }

// aggSource compiles the condition on the records entering the statement.
func (s *Store) aggSource(p *aggregate.Pipeline) (sqlstore.AggSource, error) {
	table, err := dialect.TableName(p.Entity)
	if err != nil {
		return sqlstore.AggSource{}, err
	}
	where, _ := p.Source()
	w, args, err := compileWhere(table, s.textIndexes(table), where)
	if err != nil {
		return sqlstore.AggSource{}, fmt.Errorf("%s: %w", p.Entity.FullName, err)
	}
	return sqlstore.AggSource{Records: "SELECT id, doc FROM " + sqlstore.QuoteIdent(table) + w, Args: args,
		Table: sqlstore.QuoteIdent(table), Filtered: w != "", Lookup: s.lookupSource}, nil
}

// RecordIDs implements store.Aggregator (one statement on the read pool).
func (s *Store) RecordIDs(ctx context.Context, p *aggregate.Pipeline, n, maxItems int) ([]string, error) {
	src, err := s.aggSource(p)
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate: %w", err)
	}
	var ids []string
	err = s.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		ids, err = aggDialect.RecordIDs(ctx, db, p, n, src, maxItems)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate %s: %w", p.Entity.FullName, err)
	}
	return ids, nil
}

// Aggregate implements store.Aggregator: one statement on the read pool,
// its (at most maxItems) documents collected before they are streamed, so
// the stages after it hold no connection.
func (s *Store) Aggregate(ctx context.Context, p *aggregate.Pipeline, n, maxItems int) aggregate.Cursor {
	return sqlstore.AggCursor(func() ([]aggregate.Doc, error) {
		src, err := s.aggSource(p)
		if err != nil {
			return nil, fmt.Errorf("sqlite: aggregate: %w", err)
		}
		var docs []aggregate.Doc
		err = s.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
			docs, err = aggDialect.Aggregate(ctx, db, p, n, src, maxItems)
			return err
		})
		if err != nil && strings.Contains(err.Error(), "integer overflow") {
			return nil, fmt.Errorf("sqlite: aggregate %s: %w: %w", p.Entity.FullName, store.ErrAggregateInGo, err)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: aggregate %s: %w", p.Entity.FullName, err)
		}
		return docs, nil
	})
}
