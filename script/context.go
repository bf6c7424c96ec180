package script

import (
	"strings"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/data"
	"runway/record"
)

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
		"root": func(goja.FunctionCall) goja.Value { return rt.contextCheck(&contextQuery{root: true}) },
		"any":  func(goja.FunctionCall) goja.Value { return rt.contextCheck(&contextQuery{}) },
	})
}

// contextQuery is a sys.context.root()/any() chain being built: which
// operation to look for on the call stack (data.Operations).
type contextQuery struct {
	root     bool // only the first operation of the stack
	kind     string
	entity   string
	action   string
	listener string
	with     map[string]string
}

// contextCheck is one step of the chain: entity(name), users(),
// listener(name), then create(), update(), delete(), import() or
// action(name), then with({...}) and check().
func (rt *runtime) contextCheck(q *contextQuery) *goja.Object {
	step := func(set func(*contextQuery, goja.FunctionCall)) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			next := *q
			set(&next, c)
			return rt.contextCheck(&next)
		}
	}
	kind := func(k string) func(goja.FunctionCall) goja.Value {
		return step(func(n *contextQuery, _ goja.FunctionCall) { n.kind = k })
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"entity": step(func(n *contextQuery, c goja.FunctionCall) { n.entity = str(c, 0) }),
		"users":  step(func(n *contextQuery, _ goja.FunctionCall) { n.entity = usersEntity }),
		"listener": step(func(n *contextQuery, c goja.FunctionCall) {
			n.kind, n.listener = data.OpListener, str(c, 0)
		}),
		"create": kind(data.OpCreate),
		"update": kind(data.OpUpdate),
		"delete": kind(data.OpDelete),
		"import": kind(data.OpImport),
		"action": step(func(n *contextQuery, c goja.FunctionCall) { n.kind, n.action = data.OpAction, str(c, 0) }),
		"with": step(func(n *contextQuery, c goja.FunctionCall) {
			n.with = map[string]string{}
			if o, ok := arg(c, 0).(*goja.Object); ok {
				for _, k := range o.Keys() {
					n.with[k] = o.Get(k).String()
				}
			}
		}),
		"check": func(goja.FunctionCall) goja.Value {
			if q.kind == "" {
				rt.throwf(apperr.BadRequest, "sys.context: name the operation before check(), e.g. root().entity('companies').create().check()")
			}
			ops := data.Operations(rt.x.ctx)
			if q.root && len(ops) > 1 {
				ops = ops[:1]
			}
			for _, op := range ops {
				if rt.contextMatches(q, op) {
					return rt.vm.ToValue(true)
				}
			}
			return rt.vm.ToValue(false)
		},
	})
}

func (rt *runtime) contextMatches(q *contextQuery, op data.Operation) bool {
	if op.Kind != q.kind {
		return false
	}
	if q.kind == data.OpListener {
		return op.Listener == q.listener
	}
	if op.Entity != q.entity || q.kind == data.OpAction && op.Action != q.action {
		return false
	}
	for k, want := range q.with {
		switch k {
		case "recordId", "id":
			if op.RecordID != want {
				return false
			}
		case "fileName":
			if op.FileName != want {
				return false
			}
		case "email":
			if !strings.EqualFold(rt.operationEmail(op), want) {
				return false
			}
		default:
			rt.throwf(apperr.BadRequest, "sys.context: with() does not know %q (recordId, id, email, fileName)", k)
		}
	}
	return true
}

// operationEmail is the email of the user a sys.users operation is about.
func (rt *runtime) operationEmail(op data.Operation) string {
	if op.Email != "" || op.RecordID == "" {
		return op.Email
	}
	u, err := rt.e.data.UserByID(rt.x.ctx, op.RecordID)
	if err != nil || u == nil {
		return ""
	}
	return u.Email
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
