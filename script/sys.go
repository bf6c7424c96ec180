package script

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/dop251/goja"

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
	_ = sys.Set("ui", rt.sysUI())
	_ = sys.Set("storage", rt.sysStorage())
	_ = sys.Set("cache", rt.sysCache())
	_ = sys.Set("files", rt.sysFiles())
	_ = sys.Set("events", rt.sysEvents())
	_ = sys.Set("i18n", rt.sysI18n())
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
