package script

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/dop251/goja"

	"runway/apperr"
)

// bootJS is the engine's own JavaScript, run once per runtime:
// ScriptException (app-model.md §7, sys.exceptions) is an Error, so it
// carries the stack of where it was made.
const bootJS = `(function(){
function ScriptException(code, message, additionalInfo) {
  var c = (code === undefined || code === null) ? 'unknownError' : String(code);
  var m = (message === undefined || message === null) ? c : String(message);
  var e = new Error(m);
  Object.setPrototypeOf(e, ScriptException.prototype);
  delete e.message;
  Object.defineProperty(e, '__code', {value: c});
  Object.defineProperty(e, '__message', {value: m});
  if (additionalInfo !== undefined && additionalInfo !== null) {
    Object.defineProperty(e, '__info', {value: additionalInfo});
  }
  return e;
}
ScriptException.prototype = Object.create(Error.prototype, {constructor: {value: ScriptException, writable: true, configurable: true}});
ScriptException.prototype.name = 'ScriptException';
ScriptException.prototype.code = function() { return this.__code; };
ScriptException.prototype.message = function() { return this.__message; };
ScriptException.prototype.additionalInfo = function() { return this.__info === undefined ? null : this.__info; };
ScriptException.prototype['throw'] = function() { throw this; };
ScriptException.prototype.toString = function() { return 'ScriptException [' + this.__code + ']: ' + this.__message; };
return {ScriptException: ScriptException};
})()`

// failure is how a script error leaves a call: inside a nested call the
// goja error as is (the script that called sys.data gets it back as
// itself, an interrupt stays uncatchable); at the top of an execution the
// operation's error.
func (l *lease) failure(err error, fi *fnInfo) error {
	if !l.top {
		return err
	}
	return l.e.convert(err, fi, l.x)
}

// convert turns a script failure into the operation's error (app-model.md
// §7): a sys.exceptions business error is that API error; anything else a
// 500 naming the script location, with the stack in the server log.
func (e *Engine) convert(err error, fi *fnInfo, x *execution) error {
	user := ""
	if x != nil && x.caller != nil {
		user = x.caller.Email
	}
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		switch v := ie.Value().(type) {
		case errTimeout:
			loc := location(ie.Stack(), fi)
			e.log.Error("script: time limit reached", "script", loc, "user", user, "limit", v.limit.String(), "stack", stackText(ie.Stack()))
			return apperr.New(apperr.InternalError, "Script %s did not finish within %s and was stopped", loc, v.limit)
		case error:
			if errors.Is(v, context.Canceled) || errors.Is(v, context.DeadlineExceeded) {
				return v
			}
			return fmt.Errorf("script %s interrupted: %w", fi, v)
		}
		return fmt.Errorf("script %s interrupted: %v", fi, ie.Value())
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		loc := location(so.Stack(), fi)
		e.log.Error("script: stack overflow", "script", loc, "user", user)
		return apperr.New(apperr.InternalError, "Script error in %s: too much recursion", loc)
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		if ae := exceptionError(ex.Value()); ae != nil {
			if ae.Status() >= 500 {
				e.log.Error("script: exception", "script", location(ex.Stack(), fi), "user", user,
					"code", ae.Code, "message", ae.Message, "stack", stackText(ex.Stack()))
			}
			return ae
		}
		loc := location(ex.Stack(), fi)
		e.log.Error("script: uncaught exception", "script", loc, "user", user, "error", ex.Value().String(), "stack", stackText(ex.Stack()))
		return apperr.New(apperr.InternalError, "Script error in %s: %s", loc, exceptionMessage(ex.Value()))
	}
	if apperr.As(err) == nil && !errors.Is(err, context.Canceled) {
		e.log.Error("script: failure", "script", fi.String(), "user", user, "err", err)
	}
	return err
}

// exceptionError is the API error a thrown ScriptException stands for (nil
// for other values): the original API error when the engine threw it,
// else its code and message (app-model.md §7 codes; systemException,
// unknownError, timeout, serviceException and notSupported are 500s,
// unknown codes 400).
func exceptionError(v goja.Value) *apperr.Error {
	o, ok := v.(*goja.Object)
	if !ok {
		return nil
	}
	if h := o.Get("__apperr"); !isNothing(h) {
		if ae, ok := h.Export().(*apperr.Error); ok {
			return ae
		}
	}
	c := o.Get("__code")
	if isNothing(c) {
		return nil
	}
	code, msg, info, _ := scriptException(v)
	switch code {
	case apperr.BadRequest, apperr.Forbidden, apperr.NotFound, apperr.OptimisticLocking, apperr.Unauthorized:
		return apperr.New(code, "%s", msg)
	case apperr.ValidationErrors:
		return &apperr.Error{Code: code, Message: msg, Errors: fieldErrors(info)}
	case "systemException", "unknownError", "timeout", svcCode, notSupportedCode, apperr.InternalError:
		return apperr.New(apperr.InternalError, "%s", msg)
	}
	return apperr.New(apperr.BadRequest, "%s", msg)
}

// fieldErrors reads a validationErrors exception's additional info:
// [{field|path, code, message}].
func fieldErrors(info goja.Value) []apperr.FieldError {
	out := []apperr.FieldError{}
	if isNothing(info) {
		return out
	}
	list, _ := info.Export().([]any)
	for _, it := range list {
		m, _ := it.(map[string]any)
		if m == nil {
			continue
		}
		fe := apperr.FieldError{Code: apperr.FieldInvalid}
		if s, ok := m["field"].(string); ok {
			fe.Field = s
		} else if s, ok := m["path"].(string); ok {
			fe.Field = s
		}
		if s, ok := m["code"].(string); ok && s != "" {
			fe.Code = s
		}
		if s, ok := m["message"].(string); ok {
			fe.Message = s
		}
		out = append(out, fe)
	}
	return out
}

// exceptionMessage is "<Name>: <message>" of a thrown value.
func exceptionMessage(v goja.Value) string {
	if isNothing(v) {
		return "undefined was thrown"
	}
	o, ok := v.(*goja.Object)
	if !ok {
		return v.String()
	}
	name, msg := "", ""
	if n := o.Get("name"); !isNothing(n) {
		name = n.String()
	}
	if m := o.Get("message"); !isNothing(m) {
		if _, isFn := goja.AssertFunction(m); !isFn {
			msg = m.String()
		}
	}
	switch {
	case name != "" && msg != "":
		return name + ": " + msg
	case msg != "":
		return msg
	}
	return o.String()
}

// location names where a script failed: file, function and line of the
// innermost frame in app code; the called function when the stack has
// none.
func location(stack []goja.StackFrame, fi *fnInfo) string {
	for i := range stack {
		f := &stack[i]
		src := f.SrcName()
		if src == "" || src == bootFile || src == "<native>" {
			continue
		}
		p := f.Position()
		fn := f.FuncName()
		if fn == "" {
			fn = "<anonymous>"
		}
		return fmt.Sprintf("%s (function %s, line %d)", src, fn, p.Line)
	}
	if fi == nil {
		return "a script"
	}
	return fmt.Sprintf("%s (function %s)", fi.file, fi.name)
}

func stackText(stack []goja.StackFrame) string {
	var b strings.Builder
	for i := range stack {
		f := &stack[i]
		if f.SrcName() == bootFile {
			continue
		}
		p := f.Position()
		fmt.Fprintf(&b, "at %s (%s:%d:%d) ", f.FuncName(), f.SrcName(), p.Line, p.Column)
	}
	return strings.TrimSpace(b.String())
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// jsonUnmarshal decodes with numbers as json.Number.
func jsonUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	return d.Decode(v)
}
