package script

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/dop251/goja"

	"runway/app"
	"runway/apperr"
)

// aggregate is sys.data.aggregate(entity, pipeline) or
// sys.data.aggregate(aggregateQuery) (app-model.md §7): the
// pipeline — an array of stages, or one object of stages, as over REST
// (query-language.md §6) — runs through the data service as the script's
// user, with the same answers as PUT /data/{entity}/aggregate. The result
// is a ResultSet of plain objects. Members keep the order they have in the
// script (a sort's keys, a group's outputs); Dates become epoch
// milliseconds, BigNumbers strings, Records their native JSON.
func (rt *runtime) aggregate(c goja.FunctionCall) goja.Value {
	var e *app.Entity
	var body bytes.Buffer
	if q, ok := hostOf[*aggQueryHost](arg(c, 0)); ok {
		e = q.e // a builder (aggquery.go)
		body.Write(q.pipeline())
	} else {
		e = rt.entityArg(arg(c, 0))
		if err := rt.orderedJSON(&body, arg(c, 1), 0); err != nil {
			rt.throwf(apperr.BadRequest, "sys.data.aggregate: the pipeline cannot be read: %v", err)
		}
	}
	res, err := rt.e.data.Aggregate(rt.x.ctx, rt.caller(), e, body.Bytes())
	if err != nil {
		rt.throw(err)
	}
	return rt.itemsResultSet(res.Items)
}

// orderedJSON writes a JS value as JSON keeping the order of object
// members; values other than plain objects and arrays convert as a
// script's answer does (jsonValue).
func (rt *runtime) orderedJSON(b *bytes.Buffer, v goja.Value, depth int) error {
	if depth > maxJSONDepth {
		return fmt.Errorf("nested deeper than %d levels (a cycle?)", maxJSONDepth)
	}
	o, ok := v.(*goja.Object)
	if !ok || isNothing(v) || o.Export() == nil || !plainObject(o) {
		x, err := rt.jsonValue(v, depth)
		if err != nil {
			return err
		}
		j, err := json.Marshal(x)
		if err != nil {
			return err
		}
		b.Write(j)
		return nil
	}
	if o.ClassName() == "Array" {
		b.WriteByte('[')
		n := int(o.Get("length").ToInteger())
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := rt.orderedJSON(b, o.Get(strconv.Itoa(i)), depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	}
	b.WriteByte('{')
	n := 0
	for _, k := range o.Keys() {
		e := o.Get(k)
		if omitted(e) {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		kj, _ := json.Marshal(k)
		b.Write(kj)
		b.WriteByte(':')
		if err := rt.orderedJSON(b, e, depth+1); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// omitted reports whether an object member is left out of JSON:
// undefined, or a function.
func omitted(e goja.Value) bool {
	if e == nil || goja.IsUndefined(e) {
		return true
	}
	eo, ok := e.(*goja.Object)
	if !ok {
		return false
	}
	_, isFn := goja.AssertFunction(eo)
	return isFn
}

// plainObject reports whether o is an ordinary object or array (not a
// Date, a function or one of the engine's hosts).
func plainObject(o *goja.Object) bool {
	if _, isFn := goja.AssertFunction(o); isFn {
		return false
	}
	switch o.Export().(type) {
	case map[string]any, []any:
		return o.ClassName() == "Object" || o.ClassName() == "Array"
	}
	return false
}

// itemsResultSet is a ResultSet over plain objects held in memory (the
// items of an aggregate): hasNext, next, toArray, count, close.
func (rt *runtime) itemsResultSet(items [][]byte) goja.Value {
	pos := 0
	next := func() goja.Value {
		if pos >= len(items) {
			rt.throwf(apperr.BadRequest, "No more records in the result set")
		}
		pos++
		return rt.parseJSON(items[pos-1])
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"hasNext": func(goja.FunctionCall) goja.Value { return rt.vm.ToValue(pos < len(items)) },
		"next":    func(goja.FunctionCall) goja.Value { return next() },
		"count":   func(goja.FunctionCall) goja.Value { return rt.vm.ToValue(len(items)) },
		"toArray": func(goja.FunctionCall) goja.Value {
			if len(items)-pos > maxToArray {
				rt.throwf("systemException", "toArray() returns at most %d records; iterate with hasNext()/next()", maxToArray)
			}
			var out []any
			for pos < len(items) {
				out = append(out, next())
			}
			return rt.vm.NewArray(out...)
		},
		"close": func(goja.FunctionCall) goja.Value {
			pos = len(items)
			return goja.Undefined()
		},
	})
}
