package script

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"runway/apperr"
)

// sysUtils is sys.utils: each namespace is built in the file named for it
// (utils_*.go).
func (rt *runtime) sysUtils() *goja.Object {
	u := rt.vm.NewObject()
	_ = u.Set("text", rt.sysText())
	_ = u.Set("xml", rt.sysXML())
	_ = u.Set("base64", rt.sysBase64())
	_ = u.Set("numbers", rt.sysNumbers())
	_ = u.Set("crypto", rt.sysCrypto())
	_ = u.Set("time", rt.sysTime())
	_ = u.Set("concurrency", rt.sysConcurrency())
	_ = u.Set("script", rt.sysScript())
	return u
}

func (rt *runtime) sysBase64() *goja.Object {
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"encode": func(c goja.FunctionCall) goja.Value {
			return rt.vm.ToValue(base64.StdEncoding.EncodeToString([]byte(str(c, 0))))
		},
		"decode": func(c goja.FunctionCall) goja.Value {
			s := strings.Join(strings.Fields(str(c, 0)), "")
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
					rt.throwf(apperr.BadRequest, "base64.decode: %v", err)
				}
			}
			return rt.vm.ToValue(string(b))
		},
	})
}

// sysScript is sys.utils.script: wait and eval.
func (rt *runtime) sysScript() *goja.Object {
	v, err := rt.vm.RunProgram(evalProgram())
	if err != nil {
		panic(fmt.Sprintf("script: eval helper: %v", err)) // compiled once; cannot fail
	}
	evalIn, _ := goja.AssertFunction(v)
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"wait": func(c goja.FunctionCall) goja.Value {
			ms := arg(c, 0).ToInteger()
			if ms <= 0 {
				return goja.Undefined()
			}
			t := time.NewTimer(time.Duration(ms) * time.Millisecond)
			defer t.Stop()
			// The time limit (or a canceled request) ends the wait: the
			// interrupt then stops the script as soon as it resumes.
			select {
			case <-t.C:
			case <-rt.x.done:
			}
			return goja.Undefined()
		},
		"eval": func(c goja.FunctionCall) goja.Value {
			code := str(c, 0)
			// The context is also `this` of the code.
			r, err := evalIn(arg(c, 1), rt.vm.ToValue(code), arg(c, 1))
			if err != nil {
				// The code is logged with the error: it is in no file.
				rt.e.log.Error("script: sys.utils.script.eval failed", "script", rt.x.source, "err", err.Error(), "code", code)
				rt.throw(err)
			}
			return r
		},
	})
}

// evalProgram makes the function behind sys.utils.script.eval: a direct
// eval in a sloppy-mode function, so the code's declarations stay local to
// the call (a pooled runtime's globals never change) and, with a context
// object, its properties are in scope.
var evalProgram = sync.OnceValue(func() *goja.Program {
	return goja.MustCompile("<eval>", `(function(code, context) {
  if (context !== undefined && context !== null) { with (context) { return eval(code); } }
  return eval(code);
})`, false)
})
