package script

import (
	"encoding/json"
	"strconv"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/data"
	"runway/record"
)

const usersEntity = "sys.users"

// sysUsers is sys.users (app-model.md §7) or, with internal, the
// sys.internal.users the built-in user actions call (§8 Q35): the same
// operations, answering the user Record after them (the REST answer of the
// user actions).
func (rt *runtime) sysUsers(internal bool) *goja.Object {
	d := rt.e.data
	action := func(name string) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			id := rt.userArg(arg(c, 0))
			doc, err := d.UserAction(rt.x.ctx, rt.caller(), id, name)
			if err != nil {
				rt.throw(err)
			}
			rec, err := rt.recordFromDoc(rt.e.app.Entity(usersEntity), doc)
			if err != nil {
				rt.throw(err)
			}
			if name == "resetPassword" && !internal {
				o := rt.vm.NewObject()
				_ = o.Set("userId", rec.id)
				email, _ := rec.v["email"].(string)
				_ = o.Set("userEmail", email)
				// The temporary password goes to the user ("mail"), never
				// to the script.
				_ = o.Set("resetCode", goja.Null())
				_ = o.Set("link", goja.Null())
				return o
			}
			return rt.object(rec)
		}
	}
	fns := map[string]func(goja.FunctionCall) goja.Value{
		"activate":      action("activate"),
		"deactivate":    action("deactivate"),
		"unblock":       action("unblock"),
		"resetPassword": action("resetPassword"),
	}
	if internal {
		fns["onUserCreated"] = func(goja.FunctionCall) goja.Value { return goja.Undefined() }
		return rt.obj(fns)
	}
	fns["updatePassword"] = func(c goja.FunctionCall) goja.Value {
		id := rt.userArg(arg(c, 0))
		var pw string
		if o, ok := arg(c, 1).(*goja.Object); ok {
			if v := o.Get("newPassword"); !isNothing(v) {
				pw = v.String()
			}
		}
		if pw == "" {
			rt.throwf(apperr.BadRequest, "updatePassword needs {newPassword}")
		}
		_, err := d.Update(rt.x.ctx, rt.caller(), rt.e.app.Entity(usersEntity), id, map[string]any{
			"authentication": map[string]any{"newPassword": pw, "passwordConfirmation": pw}})
		if err != nil {
			rt.throw(err)
		}
		return goja.Undefined()
	}
	fns["containsGroup"] = func(c goja.FunctionCall) goja.Value {
		u := rt.user(arg(c, 0))
		g := rt.groupName(str(c, 1))
		for _, name := range u.Groups {
			if name == g {
				return rt.vm.ToValue(true)
			}
		}
		return rt.vm.ToValue(false)
	}
	fns["isPrimaryGroup"] = func(c goja.FunctionCall) goja.Value {
		u := rt.user(arg(c, 0))
		return rt.vm.ToValue(u.PrimaryGroup != "" && u.PrimaryGroup == rt.groupName(str(c, 1)))
	}
	fns["getPrimaryGroup"] = func(c goja.FunctionCall) goja.Value {
		u := rt.user(arg(c, 0))
		g := rt.e.app.Groups[u.PrimaryGroup]
		if g == nil {
			return goja.Null()
		}
		return rt.plainJS(map[string]any{"id": g.ID, "name": g.Name, "label": g.Label})
	}
	fns["addGroup"] = func(c goja.FunctionCall) goja.Value {
		return rt.changeGroups(arg(c, 0), str(c, 1), true, !isNothing(arg(c, 2)) && arg(c, 2).ToBoolean())
	}
	fns["removeGroup"] = func(c goja.FunctionCall) goja.Value {
		return rt.changeGroups(arg(c, 0), str(c, 1), false, false)
	}
	return rt.obj(fns)
}

// userArg reads a user argument: a sys.users Record, an id or an email.
func (rt *runtime) userArg(v goja.Value) string {
	if r, ok := hostOf[*recordHost](v); ok {
		if r.e == nil || r.e.FullName != usersEntity || r.id == "" {
			rt.throwf(apperr.BadRequest, "a stored sys.users Record is required")
		}
		return r.id
	}
	s := ""
	if !isNothing(v) {
		s = v.String()
	}
	if record.IsID(s) {
		return s
	}
	u, err := rt.e.data.UserByEmail(rt.x.ctx, s)
	if err != nil {
		rt.throw(err)
	}
	if u == nil {
		rt.throwf(apperr.NotFound, "User %q not found", s)
	}
	return u.ID
}

func (rt *runtime) user(v goja.Value) *data.User {
	u, err := rt.e.data.UserByID(rt.x.ctx, rt.userArg(v))
	if err != nil {
		rt.throw(err)
	}
	if u == nil {
		rt.throwf(apperr.NotFound, "User not found")
	}
	return u
}

// changeGroups adds (primary or not) or removes a group of a user.
func (rt *runtime) changeGroups(uv goja.Value, g string, add, primary bool) goja.Value {
	id := rt.userArg(uv)
	users := rt.e.app.Entity(usersEntity)
	name := rt.groupName(g)
	grp := rt.e.app.Groups[name]
	if grp == nil {
		rt.throwf(apperr.BadRequest, "Group %q does not exist", g)
	}
	doc, err := rt.e.data.Get(rt.x.ctx, rt.caller(), users, id, nil)
	if err != nil {
		rt.throw(err)
	}
	_, version, _, v, err := record.Decode(doc)
	if err != nil {
		rt.throw(err)
	}
	var groups []any
	for _, it := range list(v["groups"]) {
		item, ok := it.(map[string]any)
		if !ok {
			continue
		}
		gv, _ := item["group"].(map[string]any)
		same := gv != nil && gv["id"] == grp.ID
		if same {
			continue // re-added below (add) or dropped (remove)
		}
		if add && primary {
			item["primary"] = false
		}
		groups = append(groups, item)
	}
	if add {
		groups = append(groups, map[string]any{"group": grp.ID, "primary": primary})
	}
	if groups == nil {
		groups = []any{}
	}
	out, err := rt.e.data.Update(rt.x.ctx, rt.caller(), users, id, map[string]any{"groups": groups, "version": json.Number(strconv.FormatInt(version, 10))})
	if err != nil {
		rt.throw(err)
	}
	rec, err := rt.recordFromDoc(users, out)
	if err != nil {
		rt.throw(err)
	}
	return rt.object(rec)
}
