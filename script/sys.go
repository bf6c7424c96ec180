package script

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/data"
	"runway/record"
	"runway/store"
)

// sys builds the global sys object (app-model.md §7).
func (rt *runtime) sys(boot *goja.Object) *goja.Object {
	sys := rt.vm.NewObject()
	_ = sys.Set("data", rt.sysData())
	_ = sys.Set("logs", rt.sysLogs())
	_ = sys.Set("context", rt.sysContext())
	_ = sys.Set("exceptions", rt.sysExceptions())
	_ = sys.Set("utils", rt.sysUtils())
	_ = sys.Set("app", rt.sysApp())
	_ = sys.Set("users", rt.sysUsers(false))
	_ = sys.Set("jobs", rt.sysJobs())
	_ = sys.Set("events", rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"triggerEvent": func(c goja.FunctionCall) goja.Value {
			var payload json.RawMessage
			if d := arg(c, 1); !isNothing(d) {
				b, err := rt.toJSON(d)
				if err != nil {
					rt.throwf(apperr.BadRequest, "sys.events.triggerEvent: the data is not JSON: %v", err)
				}
				payload = b
			}
			rt.triggerEvent(str(c, 0), payload)
			return goja.Undefined()
		},
	}))
	internal := rt.vm.NewObject()
	_ = internal.Set("users", rt.sysUsers(true))
	_ = internal.Set("oauth", rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"generateClientId": func(goja.FunctionCall) goja.Value {
			var b [16]byte
			_, _ = rand.Read(b[:])
			return rt.vm.ToValue(hex.EncodeToString(b[:]))
		},
		"getOAuthScopes": func(goja.FunctionCall) goja.Value {
			return rt.plainJS(map[string]any{"options": []any{}, "selectedValue": nil})
		},
		"onAuthorizationDeleted": func(goja.FunctionCall) goja.Value { return goja.Undefined() },
	}))
	_ = sys.Set("internal", internal)
	return sys
}

func (rt *runtime) sysLogs() *goja.Object {
	level := func(l store.LogLevel) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			rt.logAt(l, c.Arguments)
			return goja.Undefined()
		}
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"debug": level(store.LogDebug), "info": level(store.LogInfo), "warn": level(store.LogWarn), "error": level(store.LogError),
	})
}

func (rt *runtime) sysApp() *goja.Object {
	a, o := rt.e.app, rt.e.opts
	val := func(s string) func(goja.FunctionCall) goja.Value {
		return func(goja.FunctionCall) goja.Value { return rt.vm.ToValue(s) }
	}
	tz := a.DefaultTimezone
	if tz == "" {
		tz = "UTC"
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"getName": val(a.Name), "getLabel": val(a.Label), "getEnv": val(o.Env), "getVersion": val(a.Version),
		"getDefaultLanguage": val(a.DefaultLanguage), "getDefaultTimezone": val(tz), "getUrl": val(o.URL),
	})
}

// sysContext is sys.context: the current user of the execution.
func (rt *runtime) sysContext() *goja.Object {
	users := func() bool { return rt.e.app.Entity("sys.users") != nil }
	switchTo := func(u *data.User, err error) goja.Value {
		if err != nil {
			rt.throw(err)
		}
		if u == nil {
			rt.throwf(apperr.NotFound, "User not found")
		}
		ip := ""
		if rt.x.caller != nil {
			ip = rt.x.caller.IP
		}
		rt.x.caller = u.Caller(ip, "")
		return goja.Undefined()
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"getCurrentUserRecord": func(goja.FunctionCall) goja.Value {
			c := rt.x.caller
			if c == nil || !record.IsID(c.UserID) || !users() {
				return goja.Null()
			}
			// The current user's own record, whatever their groups allow
			// on sys.users (it is who they are, not data they read).
			return rt.findByIDAs(data.ScriptCaller(nil, rt.x.source), rt.e.app.Entity("sys.users"), c.UserID)
		},
		"getCurrentUserId": func(goja.FunctionCall) goja.Value {
			if c := rt.x.caller; c != nil && c.UserID != "" {
				return rt.vm.ToValue(c.UserID)
			}
			return goja.Null()
		},
		"getCurrentIp": func(goja.FunctionCall) goja.Value {
			if c := rt.x.caller; c != nil && c.IP != "" {
				return rt.vm.ToValue(c.IP)
			}
			return goja.Null()
		},
		"getCurrentUser": func(goja.FunctionCall) goja.Value {
			c := rt.x.caller
			if c == nil {
				return goja.Null()
			}
			return rt.legacyUser(c)
		},
		"setCurrentUserRecord": func(c goja.FunctionCall) goja.Value {
			r, ok := hostOf[*recordHost](arg(c, 0))
			if !ok || r.id == "" {
				rt.throwf(apperr.BadRequest, "setCurrentUserRecord needs a sys.users Record")
			}
			return switchTo(rt.e.data.UserByID(rt.x.ctx, r.id))
		},
		"setCurrentUserRecordById": func(c goja.FunctionCall) goja.Value {
			return switchTo(rt.e.data.UserByID(rt.x.ctx, str(c, 0)))
		},
		"setCurrentUserRecordByEmail": func(c goja.FunctionCall) goja.Value {
			return switchTo(rt.e.data.UserByEmail(rt.x.ctx, str(c, 0)))
		},
	})
}

// legacyUser is sys.context.getCurrentUser(): id(), email(), fullName(),
// containsGroup(g), isPrimaryGroup(g).
func (rt *runtime) legacyUser(c *data.Caller) goja.Value {
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"id":       func(goja.FunctionCall) goja.Value { return rt.vm.ToValue(c.UserID) },
		"email":    func(goja.FunctionCall) goja.Value { return rt.vm.ToValue(c.Email) },
		"fullName": func(goja.FunctionCall) goja.Value { return rt.vm.ToValue(c.Name) },
		"containsGroup": func(fc goja.FunctionCall) goja.Value {
			g := rt.groupName(str(fc, 0))
			for _, name := range c.Groups {
				if name == g {
					return rt.vm.ToValue(true)
				}
			}
			return rt.vm.ToValue(false)
		},
		"isPrimaryGroup": func(fc goja.FunctionCall) goja.Value {
			return rt.vm.ToValue(c.PrimaryGroup != "" && c.PrimaryGroup == rt.groupName(str(fc, 0)))
		},
	})
}

// groupName resolves a group id, name or label to its name.
func (rt *runtime) groupName(g string) string {
	a := rt.e.app
	if grp := a.Groups[g]; grp != nil {
		return grp.Name
	}
	if grp := a.GroupByID(g); grp != nil {
		return grp.Name
	}
	for _, grp := range a.Groups {
		if strings.EqualFold(grp.Label, g) {
			return grp.Name
		}
	}
	return g
}

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
		"getCode": func(c goja.FunctionCall) goja.Value {
			code, _, _ := exceptionParts(arg(c, 0))
			return rt.vm.ToValue(code)
		},
		"getMessage": func(c goja.FunctionCall) goja.Value {
			_, msg, _ := exceptionParts(arg(c, 0))
			return rt.vm.ToValue(msg)
		},
		"getAdditionalInfo": func(c goja.FunctionCall) goja.Value {
			_, _, info := exceptionParts(arg(c, 0))
			if info == nil {
				return goja.Null()
			}
			return info
		},
	})
	_ = o.Set("ScriptException", rt.exception)
	return o
}

// exceptionParts reads the code, message and additional info of a thrown
// value: a ScriptException's, an Error's (code systemException), or a
// thrown string's.
func exceptionParts(v goja.Value) (code, msg string, info goja.Value) {
	o, ok := v.(*goja.Object)
	if !ok {
		if isNothing(v) {
			return "unknownError", "", nil
		}
		return "unknownError", v.String(), nil
	}
	if c := o.Get("__code"); !isNothing(c) {
		code = c.String()
		if m := o.Get("__message"); !isNothing(m) {
			msg = m.String()
		}
		if i := o.Get("__info"); !isNothing(i) {
			info = i
		}
		return code, msg, info
	}
	if m := o.Get("message"); !isNothing(m) {
		msg = m.String()
	} else {
		msg = o.String()
	}
	return "systemException", msg, nil
}
