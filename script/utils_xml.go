package script

import (
	"strconv"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/markup"
)

// sysXML is sys.utils.xml: XML to a JSON object and back (package markup
// has the conventions).
func (rt *runtime) sysXML() *goja.Object {
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"xmlToJson": func(c goja.FunctionCall) goja.Value {
			o, err := markup.XMLToJSON(str(c, 0))
			if err != nil {
				rt.throwf(apperr.BadRequest, "xmlToJson: %v", err)
			}
			return rt.orderedJS(o)
		},
		"jsonToXml": func(c goja.FunctionCall) goja.Value {
			v := arg(c, 0)
			var in any
			if s, isString := v.Export().(string); isString {
				// A JSON text is read first.
				x, err := orderedJSON([]byte(s))
				if err != nil {
					rt.throwf(apperr.BadRequest, "jsonToXml: the text is not JSON: %v", err)
				}
				in = hashToObject(x)
			} else {
				in = rt.markupValue(v, 0)
			}
			out, err := markup.JSONToXML(in)
			if err != nil {
				rt.throwf(apperr.BadRequest, "jsonToXml: %v", err)
			}
			return rt.vm.ToValue(out)
		},
	})
}

// markupValue converts a JS value for markup.JSONToXML: objects in key
// order, Records as their native JSON.
func (rt *runtime) markupValue(v goja.Value, depth int) any {
	if depth > maxJSONDepth {
		rt.throwf(apperr.BadRequest, "the value is nested too deeply (a cycle?)")
	}
	o, isObj := v.(*goja.Object)
	if !isObj || isNothing(v) {
		return exportJSON(v)
	}
	if _, isDate := dateOf(v); isDate {
		return exportJSON(v)
	}
	switch h := o.Export().(type) {
	case *recordHost:
		x, err := orderedJSON(h.json())
		if err != nil {
			rt.throw(err)
		}
		return hashToObject(x)
	case *wrapperHost:
		return rt.markupValue(rt.wrapperJS(h), depth+1)
	case *bigHost:
		return h.d.String()
	}
	if o.ClassName() == "Array" {
		n := int(o.Get("length").ToInteger())
		out := make([]any, n)
		for i := range out {
			out[i] = rt.markupValue(o.Get(strconv.Itoa(i)), depth+1)
		}
		return out
	}
	obj := &markup.Object{Values: map[string]any{}}
	for _, k := range o.Keys() {
		e := o.Get(k)
		if _, isFn := goja.AssertFunction(e); isFn || goja.IsUndefined(e) {
			continue
		}
		obj.Keys = append(obj.Keys, k)
		obj.Values[k] = rt.markupValue(e, depth+1)
	}
	return obj
}
