package script

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"runway/app"
	"runway/apperr"
)

// sys.data.createAggregateQuery(entity) (issue 18): the builder of an
// aggregate pipeline. Each stage method (group, match, sort, project,
// count, skip, limit, unwind, lookup, geoNear) appends a stage and answers
// its object; sys.data.aggregate(query) then runs the pipeline the builder
// wrote, exactly as sys.data.aggregate(entity, pipeline) would run it —
// the same checks, the same 400s naming the stage.

// aggQueryHost is a sys.data.AggregateQuery.
type aggQueryHost struct {
	base
	e      *app.Entity
	stages []*aggStage
}

// aggStage is one stage: its operation and its settings, in the order the
// script gave them (a group's outputs, a sort's keys).
type aggStage struct {
	op     string
	pairs  []aggPair // an object's members; for match, the conditions
	scalar any       // skip, limit, count, project: its one value
}

type aggPair struct {
	key string
	val any // string, number, bool, or a nested object (geoNear's coordinates)
}

func (s *aggStage) set(key string, val any) {
	for i := range s.pairs {
		if s.pairs[i].key == key {
			s.pairs[i].val = val
			return
		}
	}
	s.pairs = append(s.pairs, aggPair{key, val})
}

// aggStageHost is the object of one stage; aggAccHost is an accumulator
// waiting for its operation; aggMatchField a path of a match stage
// waiting for its operator.
type aggStageHost struct {
	base
	q *aggQueryHost
	s *aggStage
}

type aggAccHost struct {
	base
	group *goja.Object
	s     *aggStage
	name  string
}

type aggMatchField struct {
	base
	match *goja.Object
	q     *aggQueryHost
	s     *aggStage
	path  string
}

// pipeline writes the stages as the JSON array of query-language.md §6.
func (q *aggQueryHost) pipeline() []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, s := range q.stages {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{` + jsonString(s.op) + `:`)
		switch {
		case s.op == "match":
			writeConditions(&b, conditions(s.pairs))
		case s.scalar != nil:
			writeJSON(&b, s.scalar)
		default:
			writePairs(&b, s.pairs)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.Bytes()
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func writeJSON(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case []aggPair:
		writePairs(b, x)
	case conditions:
		writeConditions(b, x)
	default:
		j, _ := json.Marshal(v)
		b.Write(j)
	}
}

func writePairs(b *bytes.Buffer, pairs []aggPair) {
	b.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonString(p.key) + ":")
		writeJSON(b, p.val)
	}
	b.WriteByte('}')
}

// conditions are a match's conditions, in the order given.
type conditions []aggPair

// writeConditions writes conditions as a filter map; a path given a second
// condition goes into a nested _and, since a JSON object holds a key once.
func writeConditions(b *bytes.Buffer, conds conditions) {
	var here []aggPair
	var rest conditions
	seen := map[string]bool{}
	for _, c := range conds {
		if seen[c.key] {
			rest = append(rest, c)
			continue
		}
		seen[c.key] = true
		here = append(here, c)
	}
	if len(rest) > 0 {
		here = append(here, aggPair{"_and", rest})
	}
	writePairs(b, here)
}

// createAggregateQuery is sys.data.createAggregateQuery(entity).
func (rt *runtime) createAggregateQuery(c goja.FunctionCall) goja.Value {
	return rt.object(&aggQueryHost{base: base{rt.m["aggQuery"]}, e: rt.entityArg(arg(c, 0))})
}

func (rt *runtime) aggQueryMethods() {
	qh := func(c goja.FunctionCall) *aggQueryHost { return this[*aggQueryHost](rt, c, "AggregateQuery") }
	stage := func(op, kind string) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			q := qh(c)
			s := &aggStage{op: op}
			if op == "count" {
				s.scalar = "count" // counterName's default
			}
			q.stages = append(q.stages, s)
			return rt.object(&aggStageHost{base: base{rt.m[kind]}, q: q, s: s})
		}
	}
	rt.define("aggQuery", map[string]func(goja.FunctionCall) goja.Value{
		"group": stage("group", "aggGroup"), "match": stage("match", "aggMatch"), "sort": stage("sort", "aggSort"),
		"project": stage("project", "aggProject"), "count": stage("count", "aggCount"), "skip": stage("skip", "aggStep"),
		"limit": stage("limit", "aggStep"), "unwind": stage("unwind", "aggUnwind"), "lookup": stage("lookup", "aggLookup"),
		"geoNear":    stage("geoNear", "aggGeoNear"),
		"entityName": func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(qh(c).e.FullName) },
		"toJSON": func(c goja.FunctionCall) goja.Value {
			return rt.parseJSON(qh(c).pipeline())
		},
	})
	sh := func(c goja.FunctionCall) *aggStageHost { return this[*aggStageHost](rt, c, "aggregate stage") }
	// text sets a member from a non-empty text argument.
	text := func(key, what string) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			s := sh(c)
			v := str(c, 0)
			if v == "" {
				rt.throwf(apperr.BadRequest, "%s.%s needs a text", s.s.op, what)
			}
			s.s.set(key, v)
			return c.This
		}
	}
	rt.define("aggGroup", map[string]func(goja.FunctionCall) goja.Value{
		"by": func(c goja.FunctionCall) goja.Value {
			sh(c).s.set("by", rt.pathList(c, "group.by", ""))
			return c.This
		},
		"accumulate": func(c goja.FunctionCall) goja.Value {
			name := str(c, 0)
			if name == "" {
				rt.throwf(apperr.BadRequest, "group.accumulate needs the name of the output")
			}
			return rt.object(&aggAccHost{base: base{rt.m["aggAcc"]}, group: c.This.ToObject(rt.vm), s: sh(c).s, name: name})
		},
	})
	acc := map[string]func(goja.FunctionCall) goja.Value{}
	for _, op := range []string{"sum", "avg", "first", "last", "min", "max", "count"} {
		acc[op] = func(c goja.FunctionCall) goja.Value {
			a := this[*aggAccHost](rt, c, "AggregateAccumulator")
			path := str(c, 0)
			if op != "count" && path == "" {
				rt.throwf(apperr.BadRequest, "accumulate(%q).%s needs the path of a field", a.name, op)
			}
			a.s.set(a.name, op+"("+path+")")
			return a.group
		}
	}
	rt.define("aggAcc", acc)
	rt.define("aggSort", map[string]func(goja.FunctionCall) goja.Value{
		"by": func(c goja.FunctionCall) goja.Value {
			s := sh(c)
			dir := strings.ToLower(str(c, 1))
			if dir == "" {
				dir = "asc"
			}
			if str(c, 0) == "" || (dir != "asc" && dir != "desc") {
				rt.throwf(apperr.BadRequest, "sort.by needs a path and asc or desc")
			}
			s.s.set(str(c, 0), dir)
			return c.This
		},
	})
	rt.define("aggProject", map[string]func(goja.FunctionCall) goja.Value{
		"field": func(c goja.FunctionCall) goja.Value {
			s := sh(c)
			prev, _ := s.s.scalar.(string)
			s.s.scalar = rt.pathList(c, "project.field", prev)
			return c.This
		},
	})
	rt.define("aggCount", map[string]func(goja.FunctionCall) goja.Value{
		"counterName": func(c goja.FunctionCall) goja.Value {
			s := sh(c)
			s.s.scalar = str(c, 0)
			return c.This
		},
	})
	rt.define("aggStep", map[string]func(goja.FunctionCall) goja.Value{
		"step": func(c goja.FunctionCall) goja.Value {
			s := sh(c)
			n, err := strconv.ParseInt(strings.TrimSpace(str(c, 0)), 10, 64)
			if err != nil || n < 1 {
				rt.throwf(apperr.BadRequest, "%s.step needs a positive integer", s.s.op)
			}
			s.s.scalar = n
			return c.This
		},
	})
	rt.define("aggUnwind", map[string]func(goja.FunctionCall) goja.Value{
		"path": text("fieldPath", "path"),
		"includeEmpty": func(c goja.FunctionCall) goja.Value {
			s := sh(c)
			s.s.set("includeEmpty", isNothing(arg(c, 0)) || arg(c, 0).ToBoolean())
			return c.This
		},
	})
	rt.define("aggLookup", map[string]func(goja.FunctionCall) goja.Value{
		"localField": text("localFieldPath", "localField"), "foreignField": text("foreignFieldPath", "foreignField"),
		"foreignEntity": text("foreignEntityName", "foreignEntity"), "as": text("as", "as"),
	})
	number := func(key string) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			s := sh(c)
			s.s.set(key, arg(c, 0).ToFloat())
			return c.This
		}
	}
	rt.define("aggGeoNear", map[string]func(goja.FunctionCall) goja.Value{
		"coordinates": func(c goja.FunctionCall) goja.Value {
			s := sh(c)
			lat, lng := arg(c, 0), arg(c, 1)
			if o := objectOf(lat); o != nil {
				lat, lng = o.Get("latitude"), o.Get("longitude")
			}
			if isNothing(lat) || isNothing(lng) {
				rt.throwf(apperr.BadRequest, "geoNear.coordinates needs {latitude, longitude}")
			}
			s.s.set("coordinates", []aggPair{{"latitude", lat.ToFloat()}, {"longitude", lng.ToFloat()}})
			return c.This
		},
		"distanceField": text("distanceField", "distanceField"), "includeLocs": text("includeLocs", "includeLocs"),
		"key": text("key", "key"), "minDistance": number("minDistance"), "maxDistance": number("maxDistance"),
		"distanceMultiplier": number("distanceMultiplier"),
	})
	rt.define("aggMatch", map[string]func(goja.FunctionCall) goja.Value{
		"field": func(c goja.FunctionCall) goja.Value {
			s := sh(c)
			if str(c, 0) == "" {
				rt.throwf(apperr.BadRequest, "match.field needs a path")
			}
			return rt.object(&aggMatchField{base: base{rt.m["aggMatchField"]}, match: c.This.ToObject(rt.vm), q: s.q, s: s.s, path: str(c, 0)})
		},
	})
	ops := map[string]func(goja.FunctionCall) goja.Value{}
	for _, op := range []string{"equals", "notEquals", "like", "greater", "greaterOrEquals", "less", "lessOrEquals", "between", "empty", "notEmpty"} {
		ops[op] = func(c goja.FunctionCall) goja.Value {
			mf := this[*aggMatchField](rt, c, "QueryField")
			mf.s.pairs = append(mf.s.pairs, aggPair{mf.path, rt.matchCondition(mf, op, c.Arguments)})
			return mf.match
		}
	}
	rt.define("aggMatchField", ops)
}

// matchCondition is one condition of a match stage in the filter syntax
// (query-language.md §6.5), its values written as a query's are.
func (rt *runtime) matchCondition(mf *aggMatchField, op string, args []goja.Value) string {
	var f *app.Field
	if fs := mf.q.e.Resolve(app.StripIndexes(mf.path)); fs != nil {
		f = fs[len(fs)-1]
	}
	lit := func(i int) string {
		if i >= len(args) {
			rt.throwf(apperr.BadRequest, "match.field(%q).%s needs %d argument(s)", mf.path, op, i+1)
		}
		s, err := rt.queryLiteral(f, args[i])
		if err != nil {
			rt.throwf(apperr.BadRequest, "match.field(%q).%s: %v", mf.path, op, err)
		}
		return s
	}
	switch op {
	case "empty", "notEmpty":
		return op + "()"
	case "between":
		return "between(" + lit(0) + "," + lit(1) + ")"
	case "like":
		if len(args) > 0 {
			if s := args[0].String(); len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/' {
				return "like(" + s + ")"
			}
		}
	case "equals", "notEquals":
		if len(args) > 0 {
			if o, ok := args[0].(*goja.Object); ok && o.ClassName() == "Array" {
				var lits []string
				for _, k := range o.Keys() {
					s, err := rt.queryLiteral(f, o.Get(k))
					if err != nil {
						rt.throwf(apperr.BadRequest, "match.field(%q).%s: %v", mf.path, op, err)
					}
					lits = append(lits, s)
				}
				return op + "(" + strings.Join(lits, ",") + ")"
			}
		}
	}
	return op + "(" + lit(0) + ")"
}

// pathList is the comma list of the paths of a call, after those of
// before; a call without one is a badRequest.
func (rt *runtime) pathList(c goja.FunctionCall, what, before string) string {
	paths := pathArgs(c)
	if len(paths) == 0 {
		rt.throwf(apperr.BadRequest, "%s needs paths", what)
	}
	if before != "" {
		paths = append([]string{before}, paths...)
	}
	return strings.Join(paths, ",")
}

// pathArgs reads paths given as arguments, arrays or comma lists.
func pathArgs(c goja.FunctionCall) []string {
	var out []string
	for _, a := range c.Arguments {
		if o, ok := a.(*goja.Object); ok && o.ClassName() == "Array" {
			for _, k := range o.Keys() {
				out = append(out, o.Get(k).String())
			}
			continue
		}
		if !isNothing(a) {
			for _, p := range strings.Split(a.String(), ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
	}
	return out
}
