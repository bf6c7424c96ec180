package script

import (
	"github.com/dop251/goja"
)

// sysExceptions is sys.exceptions.
func (rt *runtime) sysExceptions() *goja.Object {
	o := rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"throwException": func(c goja.FunctionCall) goja.Value {
			e, err := rt.vm.New(rt.exception, arg(c, 0), arg(c, 1), arg(c, 2))
			if err != nil {
				panic(err)
			}
			panic(e)
		},
		// The code of a ScriptException; null for anything else.
		"getCode": func(c goja.FunctionCall) goja.Value {
			if code, _, _, ok := scriptException(arg(c, 0)); ok {
				return rt.vm.ToValue(code)
			}
			return goja.Null()
		},
		// A ScriptException's or an Error's message, a string as is, an
		// object's JSON, anything else as a string.
		"getMessage": func(c goja.FunctionCall) goja.Value {
			v := arg(c, 0)
			if _, msg, _, ok := scriptException(v); ok {
				return rt.vm.ToValue(msg)
			}
			o, isObj := v.(*goja.Object)
			if !isObj || isNothing(v) {
				if isNothing(v) {
					return goja.Null()
				}
				return rt.vm.ToValue(v.String())
			}
			if isError(o) {
				if m := o.Get("message"); !isNothing(m) {
					return m
				}
			}
			if b, err := rt.toJSON(o); err == nil {
				return rt.vm.ToValue(string(b))
			}
			return rt.vm.ToValue(o.String())
		},
		// The additional information of a ScriptException, else {}.
		"getAdditionalInfo": func(c goja.FunctionCall) goja.Value {
			if _, _, info, ok := scriptException(arg(c, 0)); ok && info != nil {
				return info
			}
			return rt.vm.NewObject()
		},
	})
	_ = o.Set("ScriptException", rt.exception)
	return o
}

// scriptException reads the code, message and additional info of a
// ScriptException (ok false for other values).
func scriptException(v goja.Value) (code, msg string, info goja.Value, ok bool) {
	o, isObj := v.(*goja.Object)
	if !isObj {
		return "", "", nil, false
	}
	c := o.Get("__code")
	if isNothing(c) {
		return "", "", nil, false
	}
	code = c.String()
	if m := o.Get("__message"); !isNothing(m) {
		msg = m.String()
	}
	if i := o.Get("__info"); !isNothing(i) {
		info = i
	}
	return code, msg, info, true
}

// isError reports whether o is a JavaScript Error (its prototype chain
// reaches Error.prototype).
func isError(o *goja.Object) bool {
	for p := o; p != nil; p = p.Prototype() {
		if p.ClassName() == "Error" {
			return true
		}
	}
	return false
}
