package script

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/data"
)

// sys.ui (issue 18): Runway serves no platform UI, so a UI message has no
// view to go to. sys.ui.sendMessage checks the message as the platform does
// (a badRequest for one it would refuse), logs it at debug and hands it to
// Options.UIMessages — the runtime's package ui delivers it to the target
// users' open console sessions; without one it goes nowhere. Callbacks in
// the message (functions) are left out: they cannot travel.

// UIMessage is one sys.ui.sendMessage.
type UIMessage struct {
	From    *data.Caller    // who sent it (target "caller" means them)
	Scope   string          // global, view, action, uiService:<name>, plugin:<name>
	Name    string          // the message within its scope ("" for action)
	Target  string          // caller, users or allUsers
	Users   []string        // targetUsers (ids or emails) when Target is users
	Message json.RawMessage // the whole message, without its functions
}

// UIMessages receives the messages of sys.ui.sendMessage.
type UIMessages func(ctx context.Context, m UIMessage)

// uiNames are the documented message names of the scopes that have a
// fixed list.
var uiNames = map[string][]string{
	"global": {"reload", "navigate", "goToLogin", "openExternalLink", "historyBack", "showMessage", "downloadFile",
		"addBackgroundJob", "startTask", "updateTask"},
	"view": {"recordChanged", "recordCreated", "recordDeleted", "refresh"},
}

func (rt *runtime) sysUI() *goja.Object {
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"sendMessage": func(c goja.FunctionCall) goja.Value {
			m := rt.uiMessage(arg(c, 0))
			rt.e.log.Debug("sys.ui message (Runway serves no UI)", "scope", m.Scope, "name", m.Name, "target", m.Target,
				"user", m.From.Email, "script", rt.x.source)
			if deliver := rt.e.opts.UIMessages; deliver != nil {
				deliver(rt.x.ctx, m)
			}
			return goja.Undefined()
		},
	})
}

// uiMessage checks a message: a scope, a name the scope knows (action
// messages name an entity instead), a known target with its users.
func (rt *runtime) uiMessage(v goja.Value) UIMessage {
	o := objectOf(v)
	if o == nil || o.ClassName() == "Array" {
		rt.throwf(apperr.BadRequest, "sys.ui.sendMessage needs a message object with its scope and name")
	}
	m := UIMessage{From: rt.x.caller, Scope: str1(o.Get("scope")), Name: str1(o.Get("name")), Target: str1(o.Get("target"))}
	if m.From == nil {
		m.From = &data.Caller{}
	}
	base, _, _ := strings.Cut(m.Scope, ":")
	switch base {
	case "global", "view":
		if !slices.Contains(uiNames[base], m.Name) {
			rt.throwf(apperr.BadRequest, "sys.ui.sendMessage: %q is not a message of scope %s (%s)", m.Name, base, strings.Join(uiNames[base], ", "))
		}
		if base == "view" && isNothing(o.Get("views")) {
			rt.throwf(apperr.BadRequest, "sys.ui.sendMessage: a view message names its views")
		}
	case "action":
		if str1(o.Get("entity")) == "" {
			rt.throwf(apperr.BadRequest, "sys.ui.sendMessage: an action message names its entity")
		}
	case "uiService", "plugin":
		if m.Name == "" || !strings.Contains(m.Scope, ":") {
			rt.throwf(apperr.BadRequest, "sys.ui.sendMessage: a %s message has the scope %s:<name> and a name", base, base)
		}
	default:
		rt.throwf(apperr.BadRequest, "sys.ui.sendMessage: unknown scope %q (global, view, action, uiService:<name>, plugin:<name>)", m.Scope)
	}
	switch m.Target {
	case "":
		m.Target = "caller"
	case "caller", "allUsers":
	case "users":
		list := objectOf(o.Get("targetUsers"))
		if list == nil || list.ClassName() != "Array" {
			rt.throwf(apperr.BadRequest, "sys.ui.sendMessage: target users needs targetUsers, an array of user ids or emails")
		}
		for _, k := range list.Keys() {
			m.Users = append(m.Users, str1(list.Get(k)))
		}
	default:
		rt.throwf(apperr.BadRequest, "sys.ui.sendMessage: unknown target %q (caller, users, allUsers)", m.Target)
	}
	b, err := rt.toJSON(rt.withoutFunctions(o))
	if err != nil {
		rt.throwf(apperr.BadRequest, "sys.ui.sendMessage: the message is not JSON: %v", err)
	}
	m.Message = b
	return m
}

// withoutFunctions copies an object without its function members (deep).
func (rt *runtime) withoutFunctions(o *goja.Object) goja.Value {
	if o.ClassName() == "Array" {
		out := make([]any, 0)
		for _, k := range o.Keys() {
			if v := o.Get(k); !isFunction(v) {
				out = append(out, rt.plainMember(v))
			}
		}
		return rt.vm.NewArray(out...)
	}
	c := rt.vm.NewObject()
	for _, k := range o.Keys() {
		if v := o.Get(k); !isFunction(v) {
			_ = c.Set(k, rt.plainMember(v))
		}
	}
	return c
}

func (rt *runtime) plainMember(v goja.Value) goja.Value {
	sub, ok := v.(*goja.Object)
	if !ok {
		return v
	}
	if _, host := sub.Export().(goja.DynamicObject); host {
		return v // a Record: toJSON knows it
	}
	if c := sub.ClassName(); c == "Object" || c == "Array" {
		return rt.withoutFunctions(sub)
	}
	return v
}

func isFunction(v goja.Value) bool {
	_, ok := goja.AssertFunction(v)
	return ok
}
