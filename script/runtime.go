package script

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/store"
)

// maxCallStack bounds JavaScript recursion (a runaway recursion is a
// script error, not a crashed server).
const maxCallStack = 2000

// runtime is one goja runtime with the sys API installed. It serves one
// goroutine at a time (the pool hands it out; nested calls of the same
// execution reuse it).
type runtime struct {
	e      *Engine
	vm     *goja.Runtime
	x      *execution // the execution running on it, nil when idle
	broken bool       // a Go panic went through it: never reuse

	ns   map[string]*goja.Object          // file → its functions
	fn   map[*fnInfo]goja.Callable        // resolved functions
	libs map[string]goja.Value            // library name → exports (or namespace object)
	m    map[string]map[string]goja.Value // host kind → methods

	exception *goja.Object // the ScriptException constructor
}

func (e *Engine) newRuntime() *runtime {
	vm := goja.New()
	vm.SetMaxCallStackSize(maxCallStack)
	rt := &runtime{e: e, vm: vm, ns: map[string]*goja.Object{}, fn: map[*fnInfo]goja.Callable{},
		libs: map[string]goja.Value{}, m: map[string]map[string]goja.Value{}}
	boot, err := vm.RunProgram(e.boot)
	if err != nil {
		panic(fmt.Sprintf("script: bootstrap: %v", err)) // compiled at start; cannot fail
	}
	b := boot.ToObject(vm)
	rt.exception = b.Get("ScriptException").ToObject(vm)
	rt.installMethods()
	sys := rt.sys(b)
	_ = vm.Set("sys", sys)
	_ = vm.Set("app", rt.appTree())
	_ = vm.Set("svc", rt.svcRoot())
	_ = vm.Set("pkg", rt.pkgRoot())
	logFn := rt.fnValue(func(c goja.FunctionCall) goja.Value {
		rt.logAt(store.LogInfo, c.Arguments)
		return goja.Undefined()
	})
	_ = vm.Set("log", logFn)
	console := vm.NewObject()
	_ = console.Set("log", logFn)
	_ = console.Set("info", logFn)
	_ = console.Set("warn", rt.fnValue(func(c goja.FunctionCall) goja.Value { rt.logAt(store.LogWarn, c.Arguments); return goja.Undefined() }))
	_ = console.Set("error", rt.fnValue(func(c goja.FunctionCall) goja.Value { rt.logAt(store.LogError, c.Arguments); return goja.Undefined() }))
	_ = vm.Set("console", console)
	rt.installUnsupported(vm.GlobalObject())
	return rt
}

// invoke calls a JavaScript function; a Go panic in the engine's own
// natives becomes an error (and the runtime is not reused).
func (rt *runtime) invoke(fn goja.Callable, this goja.Value, args []goja.Value) (v goja.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			rt.broken = true
			err = fmt.Errorf("script: panic in the engine: %v\n%s", r, debug.Stack())
		}
	}()
	return fn(this, args...)
}

// function returns the function fi names, loading its file's functions
// into this runtime on first use.
func (rt *runtime) function(fi *fnInfo) (goja.Callable, error) {
	if fn := rt.fn[fi]; fn != nil {
		return fn, nil
	}
	ns, err := rt.namespace(fi.file)
	if err != nil {
		return nil, err
	}
	fn, ok := goja.AssertFunction(ns.Get(fi.name))
	if !ok {
		return nil, fmt.Errorf("script: %s has no function %s", fi.file, fi.name)
	}
	rt.fn[fi] = fn
	return fn, nil
}

// namespace runs a file's top-level code once in this runtime and keeps
// the object of its functions.
func (rt *runtime) namespace(file string) (*goja.Object, error) {
	if o := rt.ns[file]; o != nil {
		return o, nil
	}
	p := rt.e.files[file]
	if p == nil {
		return nil, fmt.Errorf("script: no compiled script %s", file)
	}
	v, err := rt.vm.RunProgram(p)
	if err != nil {
		return nil, err
	}
	o := v.ToObject(rt.vm)
	rt.ns[file] = o
	return o, nil
}

// fnValue wraps a Go function as a JavaScript function value.
func (rt *runtime) fnValue(fn func(goja.FunctionCall) goja.Value) goja.Value {
	return rt.vm.ToValue(fn)
}

// throw raises err in JavaScript: script errors coming back from a nested
// call keep their identity (an interrupt stays uncatchable), API errors
// become ScriptExceptions carrying the error, anything else a
// systemException with a safe message (the cause is logged).
func (rt *runtime) throw(err error) {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		panic(ie)
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		panic(so)
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		panic(ex)
	}
	if ae := apperr.As(err); ae != nil {
		panic(rt.newException(ae.Code, ae.Message, ae))
	}
	source := ""
	if rt.x != nil {
		source = rt.x.source
	}
	rt.e.log.Error("script: internal error in a sys call", "script", source, "err", err)
	panic(rt.newException("systemException", "Internal error", nil))
}

// throwf raises a ScriptException with a code of apperr.
func (rt *runtime) throwf(code, format string, args ...any) {
	panic(rt.newException(code, fmt.Sprintf(format, args...), nil))
}

// newException builds a ScriptException; ae, when given, is the API error
// it stands for (kept whole: validation errors keep their fields).
func (rt *runtime) newException(code, message string, ae *apperr.Error) *goja.Object {
	o, err := rt.vm.New(rt.exception, rt.vm.ToValue(code), rt.vm.ToValue(message))
	if err != nil {
		panic(err)
	}
	if ae != nil {
		_ = o.DefineDataProperty("__apperr", rt.vm.ToValue(ae), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
		if len(ae.Errors) > 0 {
			list := make([]any, len(ae.Errors))
			for i, fe := range ae.Errors {
				list[i] = map[string]any{"field": fe.Field, "code": fe.Code, "message": fe.Message}
			}
			_ = o.DefineDataProperty("__info", rt.vm.ToValue(list), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
		}
	}
	return o
}

// arg returns argument i or undefined.
func arg(c goja.FunctionCall, i int) goja.Value {
	if i < len(c.Arguments) {
		return c.Arguments[i]
	}
	return goja.Undefined()
}

// isNothing reports whether v is undefined or null (or missing).
func isNothing(v goja.Value) bool {
	return v == nil || goja.IsUndefined(v) || goja.IsNull(v)
}

// str returns argument i as a string ("" for nothing).
func str(c goja.FunctionCall, i int) string {
	v := arg(c, i)
	if isNothing(v) {
		return ""
	}
	return v.String()
}

// hostOf returns the Go host behind a JavaScript object made by the
// engine, or the zero T.
func hostOf[T any](v goja.Value) (T, bool) {
	var zero T
	o, ok := v.(*goja.Object)
	if !ok || o == nil {
		return zero, false
	}
	h, ok := o.Export().(T)
	return h, ok
}

// this returns the host a method was called on; calling it on anything
// else is a TypeError.
func this[T any](rt *runtime, c goja.FunctionCall, what string) T {
	h, ok := hostOf[T](c.This)
	if !ok {
		panic(rt.vm.NewTypeError(what + " method called on something else"))
	}
	return h
}

// methods is a host kind's method table.
type methods = map[string]goja.Value

// base is the goja.DynamicObject of a host whose properties are its
// methods only.
type base struct{ m methods }

func (b *base) Get(k string) goja.Value     { return b.m[k] }
func (b *base) Set(string, goja.Value) bool { return false }
func (b *base) Has(k string) bool           { _, ok := b.m[k]; return ok }
func (b *base) Delete(string) bool          { return false }
func (b *base) Keys() []string              { return nil }

// define adds a host kind's methods.
func (rt *runtime) define(kind string, fns map[string]func(goja.FunctionCall) goja.Value) methods {
	m := make(methods, len(fns))
	for name, fn := range fns {
		m[name] = rt.fnValue(fn)
	}
	rt.m[kind] = m
	return m
}

// installMethods builds the method tables of the hosts (once per runtime).
func (rt *runtime) installMethods() {
	rt.recordMethods()
	rt.wrapperMethods()
	rt.queryMethods()
	rt.resultSetMethods()
	rt.actionMethods()
	rt.bigNumberMethods()
	rt.aggQueryMethods()
}
