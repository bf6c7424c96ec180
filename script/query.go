package script

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"runway/app"
	"runway/apperr"
	"runway/data"
	"runway/query"
	"runway/record"
	"runway/types"
)

// queryHost is a sys.data.Query (app-model.md §7): a selection of records
// of an entity built by the script.
type queryHost struct {
	base
	rt       *runtime
	obj      *goja.Object
	e        *app.Entity
	preset   query.Expr     // the records an action runs over (always AND-ed)
	branches [][]query.Expr // OR of ANDs; .or() starts a new branch
	sys      url.Values     // _sortField, _sortType, _offset, _size
	fields   record.FieldSet

	presetSort   *query.Sort // the preset selection's order and start
	presetOffset int
	presetAfter  string
}

func (rt *runtime) newQuery(e *app.Entity, preset *query.Select) *queryHost {
	q := &queryHost{base: base{rt.m["query"]}, rt: rt, e: e, branches: [][]query.Expr{nil}, sys: url.Values{}}
	if preset != nil {
		q.preset = preset.Where
		if preset.Limit > 0 {
			q.sys.Set("_size", strconv.Itoa(preset.Limit))
		}
		sort := preset.Sort
		q.presetSort = &sort
		q.presetOffset, q.presetAfter = preset.Offset, preset.After
	}
	q.obj = rt.object(q)
	return q
}

func (q *queryHost) add(x query.Expr) {
	b := &q.branches[len(q.branches)-1]
	*b = append(*b, x)
}

// where is the query's condition (nil: every record).
func (q *queryHost) where() query.Expr {
	var ors query.Or
	for _, b := range q.branches {
		switch len(b) {
		case 0:
		case 1:
			ors = append(ors, b[0])
		default:
			ors = append(ors, query.And(b))
		}
	}
	var x query.Expr
	switch len(ors) {
	case 0:
	case 1:
		x = ors[0]
	default:
		x = ors
	}
	switch {
	case q.preset == nil:
		return x
	case x == nil:
		return q.preset
	}
	return query.And{q.preset, x}
}

// selection is the query as a select, its output and its size cap.
func (q *queryHost) selection() (*query.Select, query.Output, error) {
	sel, err := query.ParseBulk(q.rt.e.app, q.e, q.sys)
	if err != nil {
		return nil, query.Output{}, err
	}
	if q.sys.Get("_sortField") == "" && q.presetSort != nil {
		sel.Sort = *q.presetSort
	}
	if q.sys.Get("_offset") == "" {
		sel.Offset, sel.After = q.presetOffset, q.presetAfter
	}
	sel.Where = q.where()
	if err := query.CheckConditions(sel.Where); err != nil {
		return nil, query.Output{}, err
	}
	if sel.Near == nil && q.sys.Get("_sortField") == "" {
		sel.Near = query.NearOf(sel.Where)
	}
	return sel, query.Output{Fields: q.fields}, nil
}

// qfieldHost is a sys.data.QueryField: the operators of one path. In a
// query(fn) callback (expr set) an operator returns a condition instead of
// adding it to the query.
type qfieldHost struct {
	base
	q    *queryHost
	path string
	f    *app.Field
	expr bool
}

// exprHost is a condition built inside query(fn).
type exprHost struct {
	base
	x query.Expr
}

func (rt *runtime) queryMethods() {
	qh := func(c goja.FunctionCall) *queryHost { return this[*queryHost](rt, c, "Query") }
	field := func(q *queryHost, path string, expr bool) goja.Value {
		var f *app.Field
		if path != query.SysID && path != query.SysLabel {
			base := strings.SplitN(path, ".", 2)[0]
			fs := q.e.Resolve(app.StripIndexes(path))
			if fs == nil {
				if top := q.e.Resolve(base); top == nil || top[0].Type != types.Relationship {
					rt.throwf(apperr.BadRequest, "Unknown field %q in entity %s", path, q.e.FullName)
				}
			} else {
				f = fs[len(fs)-1]
			}
		}
		return rt.object(&qfieldHost{base: base{rt.m["qfield"]}, q: q, path: path, f: f, expr: expr})
	}
	rt.define("query", map[string]func(goja.FunctionCall) goja.Value{
		"field": func(c goja.FunctionCall) goja.Value { return field(qh(c), str(c, 0), false) },
		"size": func(c goja.FunctionCall) goja.Value {
			q := qh(c)
			q.sys.Set("_size", strconv.FormatInt(arg(c, 0).ToInteger(), 10))
			return c.This
		},
		"offset": func(c goja.FunctionCall) goja.Value {
			q := qh(c)
			q.sys.Set("_offset", str(c, 0))
			return c.This
		},
		"sortBy": func(c goja.FunctionCall) goja.Value {
			q := qh(c)
			q.sys.Set("_sortField", str(c, 0))
			if d := str(c, 1); d != "" {
				q.sys.Set("_sortType", d)
			}
			return c.This
		},
		"includeFields": func(c goja.FunctionCall) goja.Value {
			q := qh(c)
			var paths []string
			for _, a := range c.Arguments {
				if o, ok := a.(*goja.Object); ok && o.ClassName() == "Array" {
					for _, k := range o.Keys() {
						paths = append(paths, o.Get(k).String())
					}
				} else if !isNothing(a) {
					paths = append(paths, a.String())
				}
			}
			fs, err := query.ParseFields(q.e, strings.Join(paths, ","))
			if err != nil {
				rt.throw(err)
			}
			q.fields = fs
			return c.This
		},
		"indexedFilter": func(c goja.FunctionCall) goja.Value {
			q := qh(c)
			x, err := query.ParseWhere(rt.e.app, q.e, url.Values{"_indexedFilter": {str(c, 0)}, "_indexedFilterQuery": {str(c, 1)}})
			if err != nil {
				rt.throw(err)
			}
			if x != nil {
				q.add(x)
			}
			return c.This
		},
		"globalSearch": func(c goja.FunctionCall) goja.Value {
			q := qh(c)
			v := arg(c, 0)
			if _, ok := v.Export().(string); !ok {
				rt.throwf(apperr.BadRequest, "globalSearch needs a string")
			}
			x, err := rt.e.data.GlobalSearch(rt.caller(), q.e, v.String())
			if err != nil {
				rt.throw(err)
			}
			q.add(x)
			return c.This
		},
		"or": func(c goja.FunctionCall) goja.Value {
			q := qh(c)
			q.branches = append(q.branches, nil)
			return c.This
		},
		"query": func(c goja.FunctionCall) goja.Value {
			q := qh(c)
			fn, ok := goja.AssertFunction(arg(c, 0))
			if !ok {
				panic(rt.vm.NewTypeError("query() needs a function"))
			}
			builder := rt.object(&builderHost{base: base{rt.m["qbuilder"]}, q: q})
			r, err := fn(goja.Undefined(), builder)
			if err != nil {
				panic(err)
			}
			x, ok := hostOf[*exprHost](r)
			if !ok {
				rt.throwf(apperr.BadRequest, "the query() function must return a condition (q.field(…).equals(…), q.and(…), q.or(…))")
			}
			q.add(x.x)
			return c.This
		},
		"entityName": func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(qh(c).e.FullName) },
	})
	qf := func(c goja.FunctionCall) *qfieldHost { return this[*qfieldHost](rt, c, "QueryField") }
	ops := map[string]func(goja.FunctionCall) goja.Value{}
	for _, op := range []string{"equals", "notEquals", "like", "greater", "greaterOrEquals", "less", "lessOrEquals",
		"between", "empty", "notEmpty", "near"} {
		ops[op] = func(c goja.FunctionCall) goja.Value { return rt.queryOp(qf(c), op, c.Arguments) }
	}
	rt.define("qfield", ops)
	bh := func(c goja.FunctionCall) *builderHost { return this[*builderHost](rt, c, "query builder") }
	combine := func(c goja.FunctionCall, or bool) goja.Value {
		var parts []query.Expr
		for _, a := range c.Arguments {
			x, ok := hostOf[*exprHost](a)
			if !ok {
				rt.throwf(apperr.BadRequest, "and()/or() take conditions")
			}
			parts = append(parts, x.x)
		}
		var x query.Expr
		if or {
			x = query.Or(parts)
		} else {
			x = query.And(parts)
		}
		return rt.object(&exprHost{base: base{rt.m["qexpr"]}, x: x})
	}
	rt.define("qbuilder", map[string]func(goja.FunctionCall) goja.Value{
		"field": func(c goja.FunctionCall) goja.Value { return field(bh(c).q, str(c, 0), true) },
		"and":   func(c goja.FunctionCall) goja.Value { return combine(c, false) },
		"or":    func(c goja.FunctionCall) goja.Value { return combine(c, true) },
	})
	rt.define("qexpr", map[string]func(goja.FunctionCall) goja.Value{})
}

type builderHost struct {
	base
	q *queryHost
}

// queryOp applies an operator of a QueryField.
func (rt *runtime) queryOp(qf *qfieldHost, op string, args []goja.Value) goja.Value {
	path := qf.path
	var raw string
	lit := func(v goja.Value) string {
		s, err := rt.queryLiteral(qf.f, v)
		if err != nil {
			rt.throwf(apperr.BadRequest, "%s.%s: %v", path, op, err)
		}
		return s
	}
	need := func(n int) {
		if len(args) < n {
			rt.throwf(apperr.BadRequest, "%s.%s needs %d argument(s)", path, op, n)
		}
	}
	switch op {
	case "empty", "notEmpty":
		raw = op + "()"
	case "near":
		need(2)
		nums := make([]string, 0, len(args))
		for _, a := range args {
			if isNothing(a) {
				continue
			}
			nums = append(nums, strconv.FormatFloat(a.ToFloat(), 'f', -1, 64))
		}
		raw = "near(" + strings.Join(nums, ",") + ")"
	case "like":
		need(1)
		s := args[0].String()
		if len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/' {
			raw = "like(" + s + ")"
		} else {
			raw = "like(" + quote(s) + ")"
		}
	case "between":
		need(2)
		raw = "between(" + lit(args[0]) + "," + lit(args[1]) + ")"
	case "equals", "notEquals":
		need(1)
		var vals []goja.Value
		if o, ok := args[0].(*goja.Object); ok && o.ClassName() == "Array" {
			for _, k := range o.Keys() {
				vals = append(vals, o.Get(k))
			}
		} else {
			vals = args[:1]
		}
		lits := make([]string, len(vals))
		allIDs := len(vals) > 0
		for i, v := range vals {
			lits[i] = lit(v)
			if _, isRec := hostOf[*recordHost](v); !isRec && !record.IsID(strings.Trim(lits[i], `"`)) {
				allIDs = false
			}
		}
		// A relationship compared with record ids (or Records) compares ids
		// (app-model.md §3: the builder treats a 24-hex value as an id).
		if qf.f != nil && qf.f.Type == types.Relationship && !strings.Contains(path, ".") && allIDs {
			path += ".id"
		}
		raw = op + "(" + strings.Join(lits, ",") + ")"
	default:
		need(1)
		raw = op + "(" + lit(args[0]) + ")"
	}
	c, err := query.ParseFilter(rt.e.app, qf.q.e, path, raw)
	if err != nil {
		rt.throw(err)
	}
	if qf.expr {
		return rt.object(&exprHost{base: base{rt.m["qexpr"]}, x: c})
	}
	qf.q.add(c)
	return qf.q.obj
}

// ---- ResultSet ----

// pageSize is how many records a ResultSet reads at a time.
const pageSize = 200

// maxToArray is the most records ResultSet.toArray returns (app-model.md §7).
var maxToArray = 1000

// resultSetHost is a sys.data.ResultSet: a lazy cursor over a query's
// records, read a page at a time through the data service.
type resultSetHost struct {
	base
	rt      *runtime
	c       *data.Caller // who reads (the app's authority, or the user with checkPermissions)
	e       *app.Entity
	sel     query.Select
	out     query.Output
	limit   int // the query's size cap (0: none)
	fetched int
	buf     [][]byte
	pos     int
	done    bool
}

func (rt *runtime) newResultSet(c *data.Caller, e *app.Entity, sel *query.Select, out query.Output) *resultSetHost {
	rs := &resultSetHost{base: base{rt.m["resultSet"]}, rt: rt, c: c, e: e, sel: *sel, out: out, limit: sel.Limit}
	return rs
}

// fill reads the next page when the buffer is used up.
func (r *resultSetHost) fill() {
	if r.pos < len(r.buf) || r.done {
		return
	}
	n := pageSize
	if r.limit > 0 {
		n = min(n, r.limit-r.fetched)
	}
	if n <= 0 {
		r.done, r.buf, r.pos = true, nil, 0
		return
	}
	sel := r.sel
	sel.Limit = n
	x := r.rt.x
	p, err := r.rt.e.data.List(x.ctx, r.c, r.e, &query.List{Select: sel, Output: r.out})
	if err != nil {
		r.rt.throw(err)
	}
	r.buf, r.pos = p.Items, 0
	r.fetched += len(p.Items)
	switch o := p.Offset.(type) {
	case string:
		r.sel.After, r.sel.Offset = o, 0
	case int:
		r.sel.Offset, r.sel.After = o, ""
	default:
		r.done = true
	}
	if len(p.Items) < n {
		r.done = true
	}
}

func (rt *runtime) resultSetMethods() {
	rsh := func(c goja.FunctionCall) *resultSetHost { return this[*resultSetHost](rt, c, "ResultSet") }
	next := func(r *resultSetHost) goja.Value {
		r.fill()
		if r.pos >= len(r.buf) {
			rt.throwf(apperr.BadRequest, "No more records in the result set")
		}
		doc := r.buf[r.pos]
		r.pos++
		rec, err := rt.recordFromDoc(r.e, doc)
		if err != nil {
			rt.throw(err)
		}
		return rt.object(rec)
	}
	rt.define("resultSet", map[string]func(goja.FunctionCall) goja.Value{
		"hasNext": func(c goja.FunctionCall) goja.Value {
			r := rsh(c)
			r.fill()
			return rt.vm.ToValue(r.pos < len(r.buf))
		},
		"next": func(c goja.FunctionCall) goja.Value { return next(rsh(c)) },
		"nextAndLock": func(c goja.FunctionCall) goja.Value {
			r := rsh(c)
			rec, _ := hostOf[*recordHost](next(r))
			return rt.lockByID(r.e, rec.id, defaultLockWait, false)
		},
		"count": func(c goja.FunctionCall) goja.Value {
			r := rsh(c)
			return rt.vm.ToValue(rt.count(r.c, r.e, r.sel.Where))
		},
		"toArray": func(c goja.FunctionCall) goja.Value {
			r := rsh(c)
			var out []any
			for {
				r.fill()
				if r.pos >= len(r.buf) {
					break
				}
				if len(out) >= maxToArray {
					rt.throwf("systemException", "toArray() returns at most %d records; iterate with hasNext()/next()", maxToArray)
				}
				out = append(out, next(r))
			}
			return rt.vm.NewArray(out...)
		},
		"close": func(c goja.FunctionCall) goja.Value {
			r := rsh(c)
			r.buf, r.done = nil, true
			return goja.Undefined()
		},
	})
}

// count counts the records of e matching where (sizes ignored) as c.
func (rt *runtime) count(c *data.Caller, e *app.Entity, where query.Expr) int64 {
	p, err := rt.e.data.List(rt.x.ctx, c, e, &query.List{Select: query.Select{Where: where, Sort: query.ByID, Limit: 1}})
	if err != nil {
		rt.throw(err)
	}
	return p.Total
}

// queryArgs reads (entity, queryMap) or (query) at argument i and returns
// the entity, the select, its output and the index of the next argument.
func (rt *runtime) queryArgs(c goja.FunctionCall, i int) (*app.Entity, *query.Select, query.Output, int) {
	if q, ok := hostOf[*queryHost](arg(c, i)); ok {
		sel, out, err := q.selection()
		if err != nil {
			rt.throw(err)
		}
		return q.e, sel, out, i + 1
	}
	e := rt.entityArg(arg(c, i))
	m := arg(c, i+1)
	sel, out, err := rt.queryMap(e, m)
	if err != nil {
		rt.throw(err)
	}
	return e, sel, out, i + 2
}

// queryMap reads a query map (query-language.md §6.5) with every system key
// of the query language: _size, _offset, _sortField, _sortType, _fields,
// _indexedFilter/_indexedFilterQuery and _query are honoured; _format,
// _formatForUser and _relationshipsToFetch are accepted and have no effect
// in scripts (the platform documents them as REST-only); _or/_and are the
// map's own operators. Any other key starting with "_" is badRequest, so a
// map never silently selects more records than it names.
func (rt *runtime) queryMap(e *app.Entity, v goja.Value) (*query.Select, query.Output, error) {
	sys := url.Values{}
	m := map[string]any{}
	if o, ok := v.(*goja.Object); ok {
		for _, k := range o.Keys() {
			x := o.Get(k)
			if strings.HasPrefix(k, "_") && k != "_or" && k != "_and" {
				if !scriptSystemKeys[k] {
					return nil, query.Output{}, apperr.New(apperr.BadRequest,
						"Unknown system parameter %q in the query map of %s", k, e.FullName)
				}
				sys.Set(k, x.String())
				continue
			}
			if r, ok := hostOf[*recordHost](x); ok {
				m[k+".id"] = r.id
				continue
			}
			m[k] = exportJSON(x)
		}
	} else if !isNothing(v) {
		return nil, query.Output{}, apperr.New(apperr.BadRequest, "A query map must be an object, got %s", v.String())
	}
	sel, err := query.ParseBulk(rt.e.app, e, sys)
	if err != nil {
		return nil, query.Output{}, err
	}
	var out query.Output
	if f := sys.Get("_fields"); f != "" {
		if out.Fields, err = query.ParseFields(e, f); err != nil {
			return nil, query.Output{}, err
		}
	}
	if len(m) > 0 {
		x, err := query.ParseMap(rt.e.app, e, m, query.MapOptions{Param: "query"})
		if err != nil {
			return nil, query.Output{}, err
		}
		sel.Where = andExpr(sel.Where, x)
		if sys.Get("_sortField") == "" {
			sel.Near = query.NearOf(sel.Where)
		}
	}
	return sel, out, nil
}

// scriptSystemKeys are the system keys a script's query map may hold (the
// REST-only ones are accepted and ignored).
var scriptSystemKeys = map[string]bool{
	"_size": true, "_offset": true, "_sortField": true, "_sortType": true, "_fields": true,
	"_indexedFilter": true, "_indexedFilterQuery": true, "_query": true,
	"_format": true, "_formatForUser": true, "_relationshipsToFetch": true,
}

// andExpr is a AND b, either of which may be nil.
func andExpr(a, b query.Expr) query.Expr {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	if and, ok := a.(query.And); ok {
		return append(and[:len(and):len(and)], b)
	}
	return query.And{a, b}
}

// entityArg reads an entity name argument (unknown: badRequest).
func (rt *runtime) entityArg(v goja.Value) *app.Entity {
	if isNothing(v) {
		rt.throwf(apperr.BadRequest, "An entity name is required")
	}
	name := v.String()
	e := rt.e.app.Entity(name)
	if e == nil {
		rt.throwf(apperr.BadRequest, "Entity %q does not exist", name)
	}
	return e
}

func (q *queryHost) String() string { return fmt.Sprintf("Query(%s)", q.e.FullName) }
