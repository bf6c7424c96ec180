package script

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/data"
	"runway/record"
	"runway/secret"
	"runway/store"
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
		return rt.updatePassword(rt.userArg(arg(c, 0)), arg(c, 1))
	}
	fns["containsGroup"] = func(c goja.FunctionCall) goja.Value {
		groups, _ := rt.userGroups(arg(c, 0))
		g := rt.groupName(str(c, 1))
		for _, name := range groups {
			if name == g {
				return rt.vm.ToValue(true)
			}
		}
		return rt.vm.ToValue(false)
	}
	fns["isPrimaryGroup"] = func(c goja.FunctionCall) goja.Value {
		_, primary := rt.userGroups(arg(c, 0))
		return rt.vm.ToValue(primary != "" && primary == rt.groupName(str(c, 1)))
	}
	fns["getPrimaryGroup"] = func(c goja.FunctionCall) goja.Value {
		_, primary := rt.userGroups(arg(c, 0))
		g := rt.e.app.Groups[primary]
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
	fns["addIdentityProvider"] = func(c goja.FunctionCall) goja.Value {
		return rt.changeIdentityProvider(arg(c, 0), str(c, 1), arg(c, 2), true)
	}
	fns["removeIdentityProvider"] = func(c goja.FunctionCall) goja.Value {
		return rt.changeIdentityProvider(arg(c, 0), str(c, 1), goja.Undefined(), false)
	}
	fns["getEndpointConfiguration"] = func(c goja.FunctionCall) goja.Value {
		return rt.endpointConfiguration(arg(c, 0), str(c, 1))
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

// usersRecord returns the sys.users Record behind v (nil for an id or an
// email).
func usersRecord(v goja.Value) *recordHost {
	r, ok := hostOf[*recordHost](v)
	if !ok || r.e == nil || r.e.FullName != usersEntity {
		return nil
	}
	return r
}

// userGroups are the group names of a user and the primary one: of the
// Record as it is in the script (changed by addGroup and not saved yet
// too), or of the stored user for an id or email.
func (rt *runtime) userGroups(v goja.Value) (groups []string, primary string) {
	r := usersRecord(v)
	if r == nil {
		u := rt.user(v)
		return u.Groups, u.PrimaryGroup
	}
	for _, it := range list(r.v["groups"]) {
		item, _ := it.(map[string]any)
		g := rt.e.app.Groups[rt.groupName(groupID(item))]
		if g == nil {
			continue
		}
		groups = append(groups, g.Name)
		if p, _ := item["primary"].(bool); p && primary == "" {
			primary = g.Name
		}
	}
	if primary == "" && len(groups) > 0 {
		primary = groups[0]
	}
	return groups, primary
}

// groupID is the group id of a groups[] item.
func groupID(item map[string]any) string {
	switch g := item["group"].(type) {
	case map[string]any:
		id, _ := g["id"].(string)
		return id
	case string:
		return g
	}
	return ""
}

// changeGroups adds (primary or not) or removes a group of a user: on a
// Record in the script (sys.data.save stores it, as the documentation's
// addGroup-then-save pattern does), or, for an id or email, on the stored
// user at once.
func (rt *runtime) changeGroups(uv goja.Value, g string, add, primary bool) goja.Value {
	grp := rt.e.app.Groups[rt.groupName(g)]
	if grp == nil {
		rt.throwf(apperr.BadRequest, "Group %q does not exist", g)
	}
	if r := usersRecord(uv); r != nil {
		if r.readOnly {
			rt.throwf(apperr.BadRequest, "The record is read-only here")
		}
		r.v["groups"] = withGroup(list(r.v["groups"]), grp.ID, grp.Label, add, primary)
		r.changed()
		return goja.Undefined()
	}
	return rt.updateUser(uv, func(v record.Values) map[string]any {
		return map[string]any{"groups": withGroup(list(v["groups"]), grp.ID, grp.Label, add, primary)}
	})
}

// updateUser changes a stored user (a Record, an id or an email): change
// reads its values and returns what to write; the write is guarded by the
// version read. It answers the updated user Record.
func (rt *runtime) updateUser(uv goja.Value, change func(v record.Values) map[string]any) goja.Value {
	id := rt.userArg(uv)
	users := rt.e.app.Entity(usersEntity)
	doc, err := rt.e.data.Get(rt.x.ctx, rt.caller(), users, id, nil)
	if err != nil {
		rt.throw(err)
	}
	_, version, _, v, err := record.Decode(doc)
	if err != nil {
		rt.throw(err)
	}
	in := change(v)
	in["version"] = json.Number(strconv.FormatInt(version, 10))
	out, err := rt.e.data.Update(rt.x.ctx, rt.caller(), users, id, in)
	if err != nil {
		rt.throw(err)
	}
	rec, err := rt.recordFromDoc(users, out)
	if err != nil {
		rt.throw(err)
	}
	return rt.object(rec)
}

// withGroup is a groups list with the group added (first removed if there,
// the others no longer primary when it is) or removed.
func withGroup(items []any, id, label string, add, primary bool) []any {
	groups := []any{}
	for _, it := range items {
		item, ok := it.(map[string]any)
		if !ok || groupID(item) == id {
			continue // re-added below (add) or dropped (remove)
		}
		if add && primary {
			cp := record.Values{}
			for k, x := range item {
				cp[k] = x
			}
			cp["primary"] = false
			item = cp
		}
		groups = append(groups, item)
	}
	if add {
		groups = append(groups, record.Values{"group": record.Values{"id": id, "label": label}, "primary": primary})
	}
	return groups
}

// updatePassword is sys.users.updatePassword(user, {newPassword,
// currentPassword, notifyUser}): currentPassword, when given, must be the
// user's; it answers {userId, userEmail}.
func (rt *runtime) updatePassword(id string, opts goja.Value) goja.Value {
	var pw, current string
	if o, ok := opts.(*goja.Object); ok {
		if v := o.Get("newPassword"); !isNothing(v) {
			pw = v.String()
		}
		if v := o.Get("currentPassword"); !isNothing(v) {
			current = v.String()
		}
	}
	if pw == "" {
		rt.throwf(apperr.BadRequest, "updatePassword needs {newPassword}")
	}
	if current != "" {
		hash, err := rt.e.data.Store().PasswordHash(rt.x.ctx, id)
		ok := false
		if err == nil {
			ok, err = secret.CheckPassword(hash, current)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			rt.throw(err)
		}
		if !ok {
			rt.throwf(apperr.BadRequest, "The current password is not the user's password")
		}
	}
	out, err := rt.e.data.Update(rt.x.ctx, rt.caller(), rt.e.app.Entity(usersEntity), id, map[string]any{
		"authentication": map[string]any{"newPassword": pw, "passwordConfirmation": pw}})
	if err != nil {
		rt.throw(err)
	}
	_, _, _, v, err := record.Decode(out)
	if err != nil {
		rt.throw(err)
	}
	return rt.plainJS(map[string]any{"userId": id, "userEmail": v["email"]})
}

// identityProviderName is what a provider name may be (the providers of
// the app are not loaded: security/identityProviders is not read).
var identityProviderName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)

// changeIdentityProvider enables (with the user's external id there) or
// disables an identity provider of a stored user, and answers the user.
func (rt *runtime) changeIdentityProvider(uv goja.Value, name string, externalID goja.Value, add bool) goja.Value {
	if !identityProviderName.MatchString(name) {
		rt.throwf(apperr.BadRequest, "%q is not an identity provider name", name)
	}
	return rt.updateUser(uv, func(v record.Values) map[string]any {
		items := []any{}
		var existing map[string]any
		for _, it := range list(v["identityProviders"]) {
			item, ok := it.(map[string]any)
			if !ok {
				continue
			}
			if item["name"] == name {
				existing = item
				continue
			}
			items = append(items, item)
		}
		if add {
			item := map[string]any{"name": name}
			if existing != nil {
				item = existing
			}
			if !isNothing(externalID) {
				item["externalId"] = externalID.String()
			}
			items = append(items, item)
		}
		return map[string]any{"identityProviders": items}
	})
}

// endpointConfiguration is the configuration a user has for an endpoint
// (their integrations[] item of that endpoint, its JSON parsed), or null.
func (rt *runtime) endpointConfiguration(uv goja.Value, endpoint string) goja.Value {
	r := usersRecord(uv)
	var v record.Values
	if r != nil {
		v = r.v
	} else {
		doc, err := rt.e.data.Get(rt.x.ctx, rt.caller(), rt.e.app.Entity(usersEntity), rt.userArg(uv), nil)
		if err != nil {
			rt.throw(err)
		}
		if _, _, _, v, err = record.Decode(doc); err != nil {
			rt.throw(err)
		}
	}
	for _, it := range list(v["integrations"]) {
		item, _ := it.(map[string]any)
		if item == nil || item["endpoint"] != endpoint {
			continue
		}
		conf, _ := item["configuration"].(string)
		if conf == "" {
			return rt.vm.NewObject()
		}
		var parsed any
		if err := jsonUnmarshal([]byte(conf), &parsed); err != nil {
			return rt.vm.ToValue(conf)
		}
		return rt.plainJS(parsed)
	}
	return goja.Null()
}
