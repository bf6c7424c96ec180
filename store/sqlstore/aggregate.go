package sqlstore

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
	"runway/types"
)

// AggDialect is what differs between the databases in the statement of an
// aggregate pipeline (store.Aggregator). Its expressions read the record
// of the entity table's row; names are JSON member names from the record
// root (checked identifiers).
//
// The planner (Plan) runs in one statement the leading match stages —
// compiled with the store's own query compiler, ANDed with Pipeline.Where,
// so indexes are used — then a sort, skip and limit (a window of the
// records), at most one unwind or one lookup joined by the unwind after
// it, and one group or count stage (a sort or a project before it left
// out when they change nothing it answers, a lookup nothing unwinds left
// out; see stagePlan):
//
//	SELECT <by keys>, <accumulators> FROM <table> WHERE <match> GROUP BY <by keys>
//
// then after a group the matches, sorts, skips, limits, projects and count
// of its documents that Compare matches and GroupOrder orders exactly
// (groupTail), in outer selects of the groups (a match or sort after a
// window: one more select over that window):
//
//	SELECT … FROM (SELECT grp.* FROM (SELECT grp.* FROM (<group>) AS grp WHERE <matches>) AS grp
//	ORDER BY <sorts>, <by keys> LIMIT ? OFFSET ?) AS grp ORDER BY …
//
// Everything after that runs in Go (aggregate.Eval) over the documents it
// gives; the groups come out in Eval's order (aggregate.Group.Docs, or
// OrderedDocs after the statement's sort).
type AggDialect struct {
	// Key is the value at a path as grouped by: equal values — numbers by
	// value, text bytewise — group together.
	Key func(at AggPath) (string, error)
	// KeyOut is the column that reads a Key's value (DecodeKey decodes it).
	KeyOut func(key string) string
	// JSON is the value at a path as JSON text, NULL when missing.
	JSON func(at AggPath) (string, error)
	// First and Last are aggregates of a JSON column: its value (as JSON
	// text) in the group's first / last row in id order, then element
	// order ord after an unwind. Without an unwind the statement takes
	// min(id) / max(id) instead and reads the value of that one record
	// (JSONText) after grouping: a native aggregate per row, no value
	// carried through the grouping.
	First, Last func(id, ord, json string) string
	// JSONText is a JSON expression as the JSON text DecodeJSON reads.
	JSONText func(json string) string
	// Sum is an aggregate of the exact sum of the numbers at a path (a
	// number-like kind), read as decimal text or an integer (NULL for
	// none), and one of how many numbers there are.
	Sum func(at AggPath, kind string) (sum, count AggExpr, err error)
	// MinMax is the aggregate op ("min", "max") of the values at a path,
	// ordered as query.Compare orders kind; ok false when the database
	// cannot say it exactly (then the stage runs in Go).
	MinMax func(op string, at AggPath, kind string) (agg AggExpr, ok bool, err error)
	// Unwind is the join, after "FROM (records) AS r", that makes a row
	// per element of the array at names (a value that is no array: one
	// element; null, missing or empty: none, or one row of NULLs when
	// includeEmpty) as the element AggPath.Elem reads; ElemOrder is the
	// element's position in its array.
	Unwind    func(names []string, includeEmpty bool) (string, error)
	ElemOrder string
	// Fence ends the select of the rows' values so that the database
	// computes them once per row, before grouping (SQLite would otherwise
	// sort whole records and parse each again per aggregate).
	Fence string
	// Param is the placeholder of the n-th argument (from 1).
	Param func(n int) string
	// SortKey orders by the value at a path as query.Compare orders kind
	// (nulls first ascending, last descending); Seq is the position of a
	// row in the order orderBy (a window function), as an expression First
	// and Last order by.
	SortKey func(at AggPath, kind string, desc bool) (string, error)
	Seq     func(orderBy string) string
	// GroupOrder is the ORDER BY term(s) that order a group's documents
	// by a member held in cols (of form) as Eval's sort orders kind:
	// query.Compare over the values as the sort reads them (a number as
	// an int64 when it is an integer that fits, else the nearest float64;
	// big numbers as exact decimals), nulls first ascending, last
	// descending. ok false when the database cannot order it exactly
	// (then the sort runs in Go).
	GroupOrder func(form OrderForm, cols []string, kind string, desc bool) (term string, ok bool)
	// Compare is the condition of a match after a group on a member held
	// in cols (of form): the member, as query.Match reads it from the
	// group's document (a number as an int64 when it is an integer that
	// fits, else the nearest float64; booleans as 1 / 0), stands in the
	// relation op ("=", "<", "<=", ">", ">=") to v, a bound condition value
	// (query.BindValue: int64, float64 or string), by Match's rules
	// (numbers before text, text bytewise, big numbers ordered as
	// decimals); op "null": the member is null. param binds a value and
	// returns its placeholder. ok false when the database cannot decide it
	// exactly (then the match runs in Go).
	Compare func(form OrderForm, cols []string, kind, op string, v any, param func(any) string) (cond string, ok bool)
	// DecodeKey and DecodeMinMax read a scanned KeyOut or MinMax column as
	// decoded JSON of kind.
	DecodeKey, DecodeMinMax func(kind string, v any) (any, error)
	// Doc is the name of the record column of the rows (beside id); after
	// a join the foreign record is the column "f" + Doc (AggPath.Joined).
	Doc string
	// JoinValue is the text of the value at names in the record of the
	// row base ("r" or "f"), as a join compares it.
	JoinValue func(base string, names []string) (string, error)
}

// AggExpr is an aggregate over values computed per row: Agg writes it
// over the columns that hold Values.
type AggExpr struct {
	Values []string
	Agg    func(cols []string) string
}

// Over is an AggExpr of one value.
func Over(value string, agg func(col string) string) AggExpr {
	return AggExpr{Values: []string{value}, Agg: func(c []string) string { return agg(c[0]) }}
}

// AggPath is where a statement reads a value: Names from the record root
// (the column of the row "r"), with Elem from the element of the unwound
// array the row stands for, with Joined from the joined foreign record.
type AggPath struct {
	Elem bool
	// Joined: in the foreign record a lookup joined (the column "f" +
	// Doc of the row "r"; NULL when none matched)
	Joined bool
	Names  []string
}

// objectKinds are the types whose value is a JSON object: min and max
// compare them as JSON text, which no database does.
func objectKind(kind string) bool {
	switch kind {
	case types.Relationship, types.Group, types.File, types.GeoPoint, types.DynamicChoice, types.Nested:
		return true
	}
	return false
}

// Plan returns how many leading stages of p one statement runs (see
// stagePlan, then after a group the matches, sorts, skips, limits and
// count of its documents it can match and order exactly: groupTail); 0
// when they do not end in a group or count or it cannot be expressed.
func (d *AggDialect) Plan(p *aggregate.Pipeline) int {
	sp, n := planStages(p)
	if n == 0 {
		return 0
	}
	if g, ok := sp.last.(*aggregate.Group); ok {
		cols, _, err := d.groupColumns(g, sp.un, sp.joinAs(), sp.seq || sp.joinSeq, &rowValues{})
		if err != nil {
			return 0
		}
		n += d.planTail(g, cols, tailStages(p.Stages[n:])).stages
	}
	records, err := d.records(&sp, AggSource{})
	if err != nil {
		return 0
	}
	if sp.join != nil {
		src := AggSource{Lookup: func(*aggregate.Lookup, []any) (string, []any, error) { return "", nil, nil }}
		if _, _, err := d.joined(&sp, records, src, nil); err != nil {
			return 0
		}
	}
	return n
}

// stagePlan is what one statement runs after the leading matches: the
// records in id order (or a sort's), a window of them (skip and limit
// stages, folded), at most one unwind or one joined lookup, and a group or
// count (then, after a group, the stages over its documents: groupTail).
// A sort before the group is left out when nothing after it depends on
// the order (no skip or limit after it, a count or a group without first,
// last or a {id, label} key, which come from a group's first document), a
// project when every path read after it is inside a member it keeps, and
// a lookup nothing unwinds when nothing after it reads its array.
type stagePlan struct {
	offset, limit int64 // limit < 0: none
	windowed      bool
	// order is the sort before the window and the unwind, the records'
	// order (nil: id order); seq: the group's first and last follow it
	// (the records carry their position in it, "seq")
	order *aggregate.Sort
	seq   bool
	un    *aggregate.Unwind
	// join is a lookup whose array the next stage unwinds (joinEmpty: it
	// keeps the documents with none): one join of the records and the
	// foreign entity's (see joinable), the foreign record at join.As;
	// joinSeq: the group's first and last follow the joined rows' order
	// (the records', then the foreign id), as the column seq
	join      *aggregate.Lookup
	joinEmpty bool
	joinSeq   bool
	last      aggregate.Stage // *aggregate.Group or *aggregate.Count
}

// planStages returns the plan of p's stages from its source and how many
// leading stages it covers (0: none).
func planStages(p *aggregate.Pipeline) (sp stagePlan, n int) {
	_, start := p.Source()
	sp.limit = -1
	var sorts, projects, unread []int
	lastWindow := -1
	for i := start; i < len(p.Stages); i++ {
		switch st := p.Stages[i].(type) {
		case *aggregate.Skip:
			if sp.un != nil || sp.join != nil {
				return sp, 0
			}
			sp.offset += st.N
			if sp.limit >= 0 {
				sp.limit = max(sp.limit-st.N, 0)
			}
			sp.windowed, lastWindow = true, i
		case *aggregate.Limit:
			if sp.un != nil || sp.join != nil {
				return sp, 0
			}
			if sp.limit < 0 || st.N < sp.limit {
				sp.limit = st.N
			}
			sp.windowed, lastWindow = true, i
		case *aggregate.Sort:
			if sp.order == nil && !sp.windowed && sp.un == nil && sp.join == nil && sortable(st) {
				sp.order = st
			} else {
				sorts = append(sorts, i)
			}
		case *aggregate.Project:
			projects = append(projects, i)
		case *aggregate.Unwind:
			if sp.un != nil || sp.join != nil {
				return sp, 0
			}
			sp.un = st
		case *aggregate.Lookup:
			if i+1 < len(p.Stages) {
				if u, ok := p.Stages[i+1].(*aggregate.Unwind); ok && slices.Equal(u.Path.Names(), []string{st.As}) {
					if sp.un != nil || sp.join != nil || !joinable(st) {
						return sp, 0
					}
					sp.join, sp.joinEmpty = st, u.IncludeEmpty
					i++ // the unwind is the join's
					break
				}
			}
			// not unwound: left out when nothing after it reads its
			// array (checked below) — a group cannot (by paths and
			// accumulators cross no array), nor a count
			unread = append(unread, i)
		case *aggregate.Group, *aggregate.Count:
			sp.last = st
			n = i + 1
		default:
			return sp, 0
		}
		if n > 0 {
			break
		}
	}
	if n == 0 || sp.offset < 0 || sp.offset > 1<<62 {
		return sp, 0
	}
	for _, i := range sorts {
		if i < lastWindow || !orderFree(sp.last) {
			return sp, 0
		}
	}
	for _, i := range projects {
		if !keepsReads(p.Stages[i].(*aggregate.Project), p.Stages[i+1:n]) {
			return sp, 0
		}
	}
	for _, i := range unread {
		as := p.Stages[i].(*aggregate.Lookup).As
		for _, st := range p.Stages[i+1 : n] {
			if readsMember(st, as) {
				return sp, 0
			}
		}
	}
	if sp.order != nil {
		sp.seq = !orderFree(sp.last)
		if !sp.seq && !sp.windowed {
			sp.order = nil // nothing depends on it
		}
	}
	sp.joinSeq = sp.join != nil && !orderFree(sp.last)
	return sp, n
}

// readsMember reports whether st reads a path inside the member name
// (sorts, unwinds, lookups, groups read paths; a project only keeps).
func readsMember(st aggregate.Stage, name string) bool {
	in := func(p *aggregate.Path) bool {
		n := p.Names()
		return len(n) > 0 && n[0] == name
	}
	switch st := st.(type) {
	case *aggregate.Sort:
		for _, k := range st.Keys {
			if in(&k.Path) {
				return true
			}
		}
	case *aggregate.Unwind:
		return in(&st.Path)
	case *aggregate.Lookup:
		return in(&st.Local)
	case *aggregate.Group:
		for _, by := range st.By {
			if in(&by.Path) || in(&by.Key) {
				return true
			}
		}
		for _, a := range st.Acc {
			if a.Arg != nil && in(a.Arg) {
				return true
			}
		}
	}
	return false
}

// joinAs is the member the joined foreign record stands at ("": none).
func (sp *stagePlan) joinAs() string {
	if sp.join == nil {
		return ""
	}
	return sp.join.As
}

// joinable reports whether a lookup is a join the statement runs: the
// local id with a single relationship's id in the foreign records, or a
// single relationship's id with the foreign id (text equal to text, each
// document with at most one value, as Eval matches them).
func joinable(st *aggregate.Lookup) bool {
	if st.Local.Many() || st.ForeignPath.Many() || !query.ValidIdent(st.As) {
		return false
	}
	isID := func(p *aggregate.Path) bool {
		n := p.Names()
		return len(n) == 1 && n[0] == "id"
	}
	relID := func(p *aggregate.Path) bool {
		return p.Field != nil && p.Field.Type == types.Relationship && len(p.Steps) > 0 && slices.Equal(p.Sub, []string{"id"})
	}
	return isID(&st.Local) && relID(&st.ForeignPath) || relID(&st.Local) && isID(&st.ForeignPath)
}

// Joins returns n, the stages of p a statement runs, when compile (a
// store's AggSource.Lookup) compiles the condition of each lookup among
// them; else 0.
func Joins(p *aggregate.Pipeline, n int, compile func(*aggregate.Lookup, []any) (string, []any, error)) int {
	for _, st := range p.Stages[:n] {
		if l, ok := st.(*aggregate.Lookup); ok {
			if _, _, err := compile(l, nil); err != nil {
				return 0
			}
		}
	}
	return n
}

// joinValue is the text the join compares in the row base: its id column,
// or the value at names in its record.
func (d *AggDialect) joinValue(base string, p *aggregate.Path) (string, error) {
	if n := p.Names(); len(n) == 1 && n[0] == "id" {
		return base + ".id", nil
	}
	return d.JoinValue(base, p.Names())
}

// joined is the select of the rows of records (their order: seq when
// sp.seq, else id) joined with the foreign records of sp.join, which
// src.Lookup compiles with its arguments after args: id, the record, the
// foreign record (AggPath.Joined; NULL with none when sp.joinEmpty) and
// with sp.joinSeq the row's position as seq.
func (d *AggDialect) joined(sp *stagePlan, records string, src AggSource, args []any) (string, []any, error) {
	l := sp.join
	lk, err := d.joinValue("r", &l.Local)
	if err != nil {
		return "", nil, err
	}
	fk, err := d.joinValue("f", &l.ForeignPath)
	if err != nil {
		return "", nil, err
	}
	if src.Lookup == nil {
		return "", nil, fmt.Errorf("the store compiles no lookup")
	}
	foreign, args, err := src.Lookup(l, args)
	if err != nil {
		return "", nil, err
	}
	cols := "r.id AS id, r." + d.Doc + " AS " + d.Doc + ", f." + d.Doc + " AS f" + d.Doc
	if sp.joinSeq {
		prev := "r.id"
		if sp.seq {
			prev = "r.seq"
		}
		cols += ", " + d.Seq(prev+", f.id") + " AS seq"
	}
	join := " JOIN "
	if sp.joinEmpty {
		join = " LEFT JOIN "
	}
	return "SELECT " + cols + " FROM (" + records + ") AS r" + join + "(" + foreign + ") AS f ON " + lk + " = " + fk, args, nil
}

// sortable reports whether the statement orders the records as st does:
// by scalar values (a sub-path of an object value is one), not by arrays.
func sortable(st *aggregate.Sort) bool {
	for _, k := range st.Keys {
		if k.Path.Many() || objectKind(k.Path.Kind) {
			return false
		}
	}
	return true
}

// planRecordStages returns the plan of the stages from p's source that
// pick a bounded window of its records — an optional sort, then skip and
// limit stages with at least one limit — and how many leading stages
// they are (0: none).
func planRecordStages(p *aggregate.Pipeline) (sp stagePlan, n int) {
	_, i := p.Source()
	sp.limit = -1
	if i < len(p.Stages) {
		if st, ok := p.Stages[i].(*aggregate.Sort); ok {
			if !sortable(st) {
				return sp, 0
			}
			sp.order = st
			i++
		}
	}
	for ; i < len(p.Stages); i++ {
		switch st := p.Stages[i].(type) {
		case *aggregate.Skip:
			sp.offset += st.N
			if sp.limit >= 0 {
				sp.limit = max(sp.limit-st.N, 0)
			}
		case *aggregate.Limit:
			if sp.limit < 0 || st.N < sp.limit {
				sp.limit = st.N
			}
		default:
			return recordPlan(sp, i)
		}
		sp.windowed = true
	}
	return recordPlan(sp, i)
}

func recordPlan(sp stagePlan, n int) (stagePlan, int) {
	if !sp.windowed || sp.limit < 0 || sp.offset > 1<<62 {
		return sp, 0 // unbounded: the records stream a page at a time
	}
	sp.seq = true // the ids come out in the window's order
	return sp, n
}

// PlanRecords returns how many leading stages of p RecordIDs runs (see
// planRecordStages); 0 when they do not pick a bounded window.
func (d *AggDialect) PlanRecords(p *aggregate.Pipeline) int {
	sp, n := planRecordStages(p)
	if n == 0 {
		return 0
	}
	if _, err := d.records(&sp, AggSource{}); err != nil {
		return 0
	}
	return n
}

// RecordIDs returns the ids of the records stages [0, n) of p (n from
// PlanRecords) emit over src, in order: one statement, at most maxItems
// ids (a larger window wraps store.ErrAggregateInGo).
func (d *AggDialect) RecordIDs(ctx context.Context, db DB, p *aggregate.Pipeline, n int, src AggSource, maxItems int) ([]string, error) {
	sp, planned := planRecordStages(p)
	if planned != n || n == 0 {
		return nil, fmt.Errorf("aggregate: %d stages do not pick records in SQL", n)
	}
	if maxItems <= 0 {
		maxItems = aggregate.DefaultMaxItems
	}
	if sp.limit > int64(maxItems) {
		return nil, fmt.Errorf("aggregate: a window of %d records: %w", sp.limit, store.ErrAggregateInGo)
	}
	records, err := d.records(&sp, src)
	if err != nil {
		return nil, err
	}
	args := append(slices.Clone(src.Args), sp.limit, sp.offset)
	rows, err := db.Query(ctx, "SELECT w.id FROM ("+records+") AS w ORDER BY w.seq", args...)
	if err != nil {
		return nil, err
	}
	return ScanStrings(rows)
}

// ScanStrings reads the rows of a one text column query and closes them.
func ScanStrings(rows Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// orderFree reports whether a group or count answers the same whatever
// the order of its documents.
func orderFree(st aggregate.Stage) bool {
	g, ok := st.(*aggregate.Group)
	if !ok {
		return true
	}
	for _, by := range g.By {
		if by.Identity != nil {
			return false
		}
	}
	for _, a := range g.Acc {
		if a.Op == aggregate.AccFirst || a.Op == aggregate.AccLast {
			return false
		}
	}
	return true
}

// keepsReads reports whether every path the stages after pr read (sorts,
// unwinds, groups) lies inside a member pr keeps, so that leaving pr out
// changes nothing they see.
func keepsReads(pr *aggregate.Project, after []aggregate.Stage) bool {
	made := map[string]bool{} // members lookups after pr set
	kept := func(names []string) bool {
		if len(names) == 1 && names[0] == "id" && pr.KeepID || len(names) > 0 && made[names[0]] {
			return true
		}
		for _, k := range pr.Paths {
			kn := k.Names()
			if len(kn) <= len(names) && slices.Equal(kn, names[:len(kn)]) {
				return true
			}
		}
		return false
	}
	for _, st := range after {
		switch st := st.(type) {
		case *aggregate.Sort:
			for _, k := range st.Keys {
				if !kept(k.Path.Names()) {
					return false
				}
			}
		case *aggregate.Unwind:
			if !kept(st.Path.Names()) {
				return false
			}
		case *aggregate.Lookup:
			if !kept(st.Local.Names()) {
				return false
			}
			made[st.As] = true
		case *aggregate.Group:
			for _, by := range st.By {
				if !kept(by.Key.Names()) || !kept(by.Path.Names()) {
					return false
				}
			}
			for _, a := range st.Acc {
				if a.Arg != nil && !kept(a.Arg.Names()) {
					return false
				}
			}
		}
	}
	return true
}

// locate is where the statement reads the value at names, after un (nil:
// no unwind): inside the unwound element, or in the record; false for a
// parent of the unwound field (its value changed with the unwind).
func locate(un *aggregate.Unwind, names []string) (AggPath, bool) {
	if un == nil {
		return AggPath{Names: names}, true
	}
	u := un.Path.Names()
	n := min(len(u), len(names))
	for i := range n {
		if u[i] != names[i] {
			return AggPath{Names: names}, true
		}
	}
	if len(names) < len(u) {
		return AggPath{}, false
	}
	return AggPath{Elem: true, Names: names[len(u):]}, true
}

// aggColumn is one column of the statement and how its value is read back.
type aggColumn struct {
	sql  string
	kind string
	// fetch: sql is the id of one record, the column is the JSON value
	// fetch (an expression of the record "r") of that record
	fetch string
	// member is the JSON expression (of the record "r") of a member of
	// the value fetch reads (the label or name of an {id, label} key);
	// nil when there is none
	member func(name string) (string, error)
	read   func(c *aggColumn, v any, row *aggregate.GroupRow) error
	// acc is the index of the accumulator whose value the column holds
	// (-1: a by key's)
	acc int
}

// rowValues are the values the statement computes per row (the inner
// select), each once, as columns v0, v1, …
type rowValues struct {
	// inline: no inner select, each value is its expression
	inline bool
	exprs  []string
	cols   map[string]string
}

// col returns the column holding expr.
func (r *rowValues) col(expr string) string {
	if r.inline {
		return expr
	}
	if c, ok := r.cols[expr]; ok {
		return c
	}
	if r.cols == nil {
		r.cols = map[string]string{}
	}
	c := "v" + strconv.Itoa(len(r.exprs))
	r.exprs = append(r.exprs, expr)
	r.cols[expr] = c
	return c
}

// agg writes x over the columns of its values.
func (r *rowValues) agg(x AggExpr) string {
	cols := make([]string, len(x.Values))
	for i, v := range x.Values {
		cols[i] = r.col(v)
	}
	return x.Agg(cols)
}

// groupColumns lists the columns of a group stage — one per by key (the
// first document's whole value for relationships, groups and files), then
// one or two per accumulator — and the group's keys, over the values rv
// computes per row.
func (d *AggDialect) groupColumns(st *aggregate.Group, un *aggregate.Unwind, joinAs string, seq bool, rv *rowValues) (cols []aggColumn, keys []string, err error) {
	at := func(names []string) (AggPath, error) {
		if joinAs != "" && len(names) > 0 && names[0] == joinAs {
			// the whole stored record would hold what the caller may
			// not read (Eval's records are rendered for the caller)
			if len(names) == 1 {
				return AggPath{}, fmt.Errorf("%s: the whole looked-up record", joinAs)
			}
			return AggPath{Joined: true, Names: names[1:]}, nil
		}
		a, ok := locate(un, names)
		if !ok {
			return a, fmt.Errorf("%s reads a parent of the unwound field", strings.Join(names, "."))
		}
		return a, nil
	}
	// the order of first and last: id (or the position after a sort),
	// then the element's position
	order := func() (id, ord string) {
		if un != nil {
			ord = rv.col(d.ElemOrder)
		}
		if seq {
			return rv.col("r.seq"), ord
		}
		return rv.col("r.id"), ord
	}
	// first / last: without an unwind, the smallest / largest id (the
	// value is read from that record after grouping); after one, the
	// dialect's aggregate by id, then the element's position
	firstLast := func(last bool, j string) aggColumn {
		if un == nil && !seq {
			agg := "min("
			if last {
				agg = "max("
			}
			return aggColumn{sql: agg + rv.col("r.id") + ")", fetch: j}
		}
		id, ord := order()
		if last {
			return aggColumn{sql: d.Last(id, ord, rv.col(j))}
		}
		return aggColumn{sql: d.First(id, ord, rv.col(j))}
	}
	for i, by := range st.By {
		a, err := at(by.Key.Names())
		if err != nil {
			return nil, nil, err
		}
		k, err := d.Key(a)
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, rv.col(k))
		if by.Identity != nil {
			a, err := at(by.Path.Names())
			if err != nil {
				return nil, nil, err
			}
			j, err := d.JSON(a)
			if err != nil {
				return nil, nil, err
			}
			c := firstLast(false, j)
			c.read = func(_ *aggColumn, v any, r *aggregate.GroupRow) (err error) {
				r.Keys[i], err = DecodeJSON(v)
				return err
			}
			if c.fetch != "" {
				c.member = func(name string) (string, error) {
					a, err := at(append(by.Path.Names(), name))
					if err != nil {
						return "", err
					}
					return d.JSON(a)
				}
			}
			cols = append(cols, c)
			continue
		}
		cols = append(cols, aggColumn{sql: d.KeyOut(rv.col(k)), kind: by.Key.Kind, read: func(c *aggColumn, v any, r *aggregate.GroupRow) (err error) {
			r.Keys[i], err = d.DecodeKey(c.kind, v)
			return err
		}})
	}
	for j := range cols {
		cols[j].acc = -1
	}
	for i, a := range st.Acc {
		first := len(cols)
		var arg AggPath
		if a.Arg != nil {
			if arg, err = at(a.Arg.Names()); err != nil {
				return nil, nil, err
			}
		}
		switch a.Op {
		case aggregate.AccCount:
			cols = append(cols, aggColumn{sql: "count(*)", read: func(_ *aggColumn, v any, r *aggregate.GroupRow) (err error) {
				r.Acc[i].N, err = intValue(v)
				return err
			}})
		case aggregate.AccSum, aggregate.AccAvg:
			if !aggregate.NumberLike(a.Arg.Kind) {
				return nil, nil, fmt.Errorf("sum of %s", a.Arg.Kind)
			}
			sum, count, err := d.Sum(arg, a.Arg.Kind)
			if err != nil {
				return nil, nil, err
			}
			cols = append(cols, aggColumn{sql: rv.agg(sum), read: func(_ *aggColumn, v any, r *aggregate.GroupRow) (err error) {
				r.Acc[i].Sum, err = decimalText(v)
				return err
			}})
			if a.Op == aggregate.AccAvg {
				cols = append(cols, aggColumn{sql: rv.agg(count), read: func(_ *aggColumn, v any, r *aggregate.GroupRow) (err error) {
					r.Acc[i].N, err = intValue(v)
					return err
				}})
			}
		case aggregate.AccFirst, aggregate.AccLast:
			j, err := d.JSON(arg)
			if err != nil {
				return nil, nil, err
			}
			c := firstLast(a.Op == aggregate.AccLast, j)
			c.read = func(_ *aggColumn, v any, r *aggregate.GroupRow) (err error) {
				r.Acc[i].Val, err = DecodeJSON(v)
				return err
			}
			cols = append(cols, c)
		case aggregate.AccMin, aggregate.AccMax:
			if objectKind(a.Arg.Kind) {
				return nil, nil, fmt.Errorf("%s of %s", a.Op, a.Arg.Kind)
			}
			m, ok, err := d.MinMax(string(a.Op), arg, a.Arg.Kind)
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				return nil, nil, fmt.Errorf("%s of %s", a.Op, a.Arg.Kind)
			}
			cols = append(cols, aggColumn{sql: rv.agg(m), kind: a.Arg.Kind, read: func(c *aggColumn, v any, r *aggregate.GroupRow) (err error) {
				r.Acc[i].Val, err = d.DecodeMinMax(c.kind, v)
				return err
			}})
		default:
			return nil, nil, fmt.Errorf("accumulator %s", a.Op)
		}
		for j := first; j < len(cols); j++ {
			cols[j].acc = i
		}
	}
	return cols, keys, nil
}

// AggSource is the statement of the records entering the pipeline,
// written by the store's query compiler: "SELECT id, <its record column>
// FROM … WHERE …" with its arguments.
type AggSource struct {
	Records string
	Args    []any
	// Table is the entity table (quoted), whose id and record columns
	// are those of Records.
	Table string
	// Filtered: Records has a condition (not the whole table).
	Filtered bool
	// Lookup compiles the select of the foreign records a lookup joins
	// ("SELECT id, <record column> FROM … WHERE <l.Where>"), its
	// arguments following before's; nil: the store joins none.
	Lookup func(l *aggregate.Lookup, before []any) (string, []any, error)
}

// Aggregate runs stages [0, n) of p (n from Plan) over src as one
// statement on db and returns the documents they emit, in Eval's order.
func (d *AggDialect) Aggregate(ctx context.Context, db DB, p *aggregate.Pipeline, n int, src AggSource, maxItems int) ([]aggregate.Doc, error) {
	if n <= 0 || n > len(p.Stages) {
		return nil, fmt.Errorf("aggregate: no stage to run in SQL")
	}
	if maxItems <= 0 {
		maxItems = aggregate.DefaultMaxItems
	}
	sp, planned := planStages(p)
	if planned == 0 || planned > n {
		return nil, fmt.Errorf("aggregate: %d stages do not run in SQL", n)
	}
	records, err := d.records(&sp, src)
	if err != nil {
		return nil, err
	}
	args := src.Args
	if sp.windowed {
		limit := sp.limit
		if limit < 0 {
			limit = math.MaxInt64
		}
		args = append(slices.Clone(args), limit, sp.offset)
	}
	if sp.windowed || sp.seq {
		src.Filtered = true
	}
	if sp.join != nil {
		if records, args, err = d.joined(&sp, records, src, args); err != nil {
			return nil, err
		}
		src.Filtered = true
	}
	from := "(" + records + ") AS r"
	un := sp.un
	if un != nil {
		join, err := d.Unwind(un.Path.Names(), un.IncludeEmpty)
		if err != nil {
			return nil, err
		}
		from += join
	}
	switch st := sp.last.(type) {
	case *aggregate.Count:
		if planned != n {
			return nil, fmt.Errorf("aggregate: %d stages do not run in SQL", n)
		}
		var c int64
		if err := db.QueryRow(ctx, "SELECT count(*) FROM "+from, args...).Scan(&c); err != nil {
			return nil, err
		}
		return []aggregate.Doc{st.CountDoc(c)}, nil
	case *aggregate.Group:
		// Over selected records the values are computed in a fenced inner
		// select and only they are grouped; over a whole table the
		// grouping may follow an index on its key instead (no sort, so no
		// memory for one).
		rv := rowValues{inline: !src.Filtered && un == nil}
		cols, keys, err := d.groupColumns(st, un, sp.joinAs(), sp.seq || sp.joinSeq, &rv)
		if err != nil {
			return nil, err
		}
		t := d.planTail(st, cols, tailStages(p.Stages[planned:n]))
		if t.stages != n-planned {
			return nil, fmt.Errorf("aggregate: %d stages do not run in SQL", n)
		}
		sel := make([]string, len(cols))
		for i := range cols {
			sel[i] = cols[i].sql + " AS c" + strconv.Itoa(i)
		}
		if t.stages > 0 {
			// the keys themselves, which the tail orders by
			for i, k := range keys {
				sel = append(sel, k+" AS k"+strconv.Itoa(i))
			}
		}
		inner := []string{"1 AS one"} // count() alone reads no value
		for i, e := range rv.exprs {
			inner = append(inner, e+" AS v"+strconv.Itoa(i))
		}
		q := "SELECT " + strings.Join(sel, ", ") + " FROM (SELECT " + strings.Join(inner, ", ") + " FROM " + from + d.Fence + ") AS g"
		if rv.inline {
			q = "SELECT " + strings.Join(sel, ", ") + " FROM " + from
		}
		if len(keys) > 0 {
			q += " GROUP BY " + strings.Join(keys, ", ")
		}
		if len(t.fetch) > 0 {
			// the values the tail reads from each group's record
			fetched, err := fetchColumns(cols, t.fetch, src.Table, d.JSONText)
			if err != nil {
				return nil, err
			}
			q = "SELECT grp.*" + fetched + " FROM (" + q + ") AS grp"
		}
		// the levels before the last: each a window of the one before
		for _, lv := range t.inner {
			if q, args, err = d.matchGroups(q, args, &lv, st, cols); err != nil {
				return nil, err
			}
			limit := lv.limit
			if limit < 0 {
				limit = math.MaxInt64
			}
			args = append(slices.Clone(args), limit, lv.offset)
			q = "SELECT grp.* FROM (" + q + ") AS grp" + orderBy(strings.Join(lv.order, ", ")) +
				" LIMIT " + d.Param(len(args)-1) + " OFFSET " + d.Param(len(args))
		}
		if q, args, err = d.matchGroups(q, args, &t.tailLevel, st, cols); err != nil {
			return nil, err
		}
		if t.count != nil {
			return d.countGroups(ctx, db, q, args, t)
		}
		order := strings.Join(t.order, ", ")
		switch {
		case t.stages > 0:
			// the groups in the order of the sorts after them, their
			// window; at most one more than the stage after may hold
			limit := int64(maxItems + 1)
			if t.limit >= 0 && t.limit < limit {
				limit = t.limit
			}
			args = append(slices.Clone(args), limit, t.offset)
			q = "SELECT grp.* FROM (" + q + ") AS grp" + orderBy(order) +
				" LIMIT " + d.Param(len(args)-1) + " OFFSET " + d.Param(len(args))
		case len(keys) > 0:
			// at most one group more than the stage may hold: that one
			// is the 400
			q += " LIMIT " + strconv.Itoa(maxItems+1)
		}
		q = fetchFirstLast(q, cols, t.fetch, src.Table, d.JSONText, t.stages > 0, order)
		rows, err := db.Query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var groups []aggregate.GroupRow
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if len(groups) == maxItems {
				return nil, aggregate.TooMany(st, maxItems)
			}
			if err := rows.Scan(ptrs...); err != nil {
				return nil, err
			}
			g := aggregate.GroupRow{Keys: make([]any, len(st.By)), Acc: make([]aggregate.AccValue, len(st.Acc))}
			for i := range cols {
				if err := cols[i].read(&cols[i], vals[i], &g); err != nil {
					return nil, fmt.Errorf("aggregate: %s: column %d: %w", st.Info(), i+1, err)
				}
			}
			groups = append(groups, g)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if t.stages == 0 {
			return st.Docs(groups)
		}
		docs, err := st.OrderedDocs(groups)
		if err != nil || len(t.projects) == 0 {
			return docs, err
		}
		// projects change no order: Eval's, over the ordered window
		src := func(yield func(aggregate.Doc) bool) error {
			for _, d := range docs {
				if !yield(d) {
					break
				}
			}
			return nil
		}
		return aggregate.Collect(aggregate.Eval(ctx, t.projects, src, aggregate.Env{MaxItems: maxItems}), maxItems)
	}
	return nil, fmt.Errorf("aggregate: %s does not run in SQL", p.Stages[n-1].Info())
}

// records is the select of the records entering the statement's stages:
// src's, or in the order of sp (by its sort keys, then id) with their
// position in it as the column seq when first and last follow it, and
// the window of sp's skip and limit (two more arguments: the limit and
// the offset).
func (d *AggDialect) records(sp *stagePlan, src AggSource) (string, error) {
	if !sp.windowed && !sp.seq {
		return src.Records, nil
	}
	ob := "r.id"
	if sp.order != nil {
		var keys []string
		for _, k := range sp.order.Keys {
			e, err := d.SortKey(AggPath{Names: k.Path.Names()}, k.Path.Kind, k.Desc)
			if err != nil {
				return "", err
			}
			keys = append(keys, e)
		}
		// ties in the order the records came in: id
		ob = strings.Join(keys, ", ") + ", r.id"
	}
	q := "SELECT r.*"
	if sp.seq {
		q += ", " + d.Seq(ob) + " AS seq"
	}
	q += " FROM (" + src.Records + ") AS r"
	if sp.windowed {
		n := len(src.Args)
		q += " ORDER BY " + ob + " LIMIT " + d.Param(n+1) + " OFFSET " + d.Param(n+2)
	}
	return q, nil
}

// fetchFirstLast wraps the grouping statement q (its columns c0, c1, …)
// when a column of cols is the id of a first / last record: the outer
// select reads the value from that record of table (one lookup by primary
// key per group), or takes it from the column "f" + its index for those
// in fetched (fetchColumns read them). With always, it wraps q in any
// case, to select only the columns of cols, in the order of the terms
// order (over q's columns, as "grp") — q is the window of an ordered
// select, which a select from it need not keep.
func fetchFirstLast(q string, cols []aggColumn, fetched []fetchRef, table string, text func(string) string, always bool, order string) string {
	fetch := always
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = "grp.c" + strconv.Itoa(i)
		if f := (fetchRef{col: i}); slices.Contains(fetched, f) {
			out[i] = "grp." + f.name()
		} else if c.fetch != "" {
			fetch = true
			out[i] = "(SELECT " + text(c.fetch) + " FROM " + table + " AS r WHERE r.id = " + out[i] + ")"
		}
	}
	if !fetch {
		return q
	}
	return "SELECT " + strings.Join(out, ", ") + " FROM (" + q + ") AS grp" + orderBy(order)
}

// fetchColumns are the columns ", (SELECT …) AS <fetchRef.name>" of a
// select of groups ("grp") that read the values fetched from the records
// of table whose ids its columns hold.
func fetchColumns(cols []aggColumn, fetched []fetchRef, table string, text func(string) string) (string, error) {
	var b strings.Builder
	for _, f := range fetched {
		v := cols[f.col].fetch
		if f.member != "" {
			var err error
			if v, err = cols[f.col].member(f.member); err != nil {
				return "", err
			}
		}
		b.WriteString(", (SELECT " + text(v) + " FROM " + table + " AS r WHERE r.id = grp.c" + strconv.Itoa(f.col) + ") AS " + f.name())
	}
	return b.String(), nil
}

// orderBy is the ORDER BY clause of terms ("" for none).
func orderBy(terms string) string {
	if terms == "" {
		return ""
	}
	return " ORDER BY " + terms
}

// matchGroups is q, a select of groups, with the matches of lv (the
// groups Eval's matches keep), and its arguments.
func (d *AggDialect) matchGroups(q string, args []any, lv *tailLevel, st *aggregate.Group, cols []aggColumn) (string, []any, error) {
	if len(lv.matches) == 0 {
		return q, args, nil
	}
	where, args, ok := lv.where(d, st, cols, args)
	if !ok {
		return "", nil, fmt.Errorf("aggregate: %s does not run in SQL", lv.matches[0].Info())
	}
	return "SELECT grp.* FROM (" + q + ") AS grp WHERE " + where, args, nil
}

// countGroups runs a count of the groups of the grouping statement q
// (or of the window t takes of them: its size does not depend on their
// order).
func (d *AggDialect) countGroups(ctx context.Context, db DB, q string, args []any, t groupTail) ([]aggregate.Doc, error) {
	if t.windowed {
		limit := t.limit
		if limit < 0 {
			limit = math.MaxInt64
		}
		args = append(slices.Clone(args), limit, t.offset)
		q = "SELECT 1 AS one FROM (" + q + ") AS grp LIMIT " + d.Param(len(args)-1) + " OFFSET " + d.Param(len(args))
	}
	var c int64
	if err := db.QueryRow(ctx, "SELECT count(*) FROM ("+q+") AS w", args...).Scan(&c); err != nil {
		return nil, err
	}
	return []aggregate.Doc{t.count.CountDoc(c)}, nil
}

// AggCursor streams the documents run returns: a store collects the
// statement's documents (at most the stage's bound) before the stages
// after it run, so those hold no connection.
func AggCursor(run func() ([]aggregate.Doc, error)) aggregate.Cursor {
	return func(yield func(aggregate.Doc) bool) error {
		docs, err := run()
		if err != nil {
			return err
		}
		for _, d := range docs {
			if !yield(d) {
				break
			}
		}
		return nil
	}
}

// DecodeJSON reads a JSON text column (string or bytes; NULL is null) with
// numbers as json.Number.
func DecodeJSON(v any) (any, error) {
	var b []byte
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return nil, fmt.Errorf("JSON column of type %T", v)
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var out any
	err := d.Decode(&out)
	return out, err
}

// DecodeScalar reads a typed column as the JSON value of kind: integers
// as numbers (booleans as true / false), floats as the record encoder
// writes them, text as strings.
func DecodeScalar(kind string, v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		if kind == types.Boolean {
			return x != 0, nil
		}
		return json.Number(strconv.FormatInt(x, 10)), nil
	case float64:
		b, err := json.Marshal(x)
		if err != nil {
			return nil, err
		}
		return json.Number(b), nil
	case bool:
		return x, nil
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	}
	return nil, fmt.Errorf("value of type %T", v)
}

// intValue reads a count column.
func intValue(v any) (int64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case int:
		return int64(x), nil
	}
	return 0, fmt.Errorf("count of type %T", v)
}

// decimalText reads a sum column: "" for NULL (no numbers).
func decimalText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	}
	return "", fmt.Errorf("sum of type %T", v)
}
