package script

import (
	"sort"
	"strings"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/data"
)

// Options of sys.data calls (the last argument of a call; app-model.md §7).
//
// Every call takes checkPermissions: by default a script acts with the
// app's authority (group permissions do not apply, fields'
// readAccess/writeAccess do); checkPermissions: true makes that one call
// act with the current user's own permissions, as over REST.

// optCheckPermissions is the option every sys.data call takes.
const optCheckPermissions = "checkPermissions"

// callOptions is a sys.data call's options object, read and checked.
type callOptions struct {
	call string
	vals map[string]goja.Value
}

// options reads the options object v of call: nothing (undefined, null)
// is no option; an object may hold checkPermissions and the keys in
// allowed; anything else is badRequest (a misspelt option would otherwise
// be ignored in silence).
func (rt *runtime) options(call string, v goja.Value, allowed ...string) *callOptions {
	o := &callOptions{call: call, vals: map[string]goja.Value{}}
	if isNothing(v) {
		return o
	}
	obj, ok := v.(*goja.Object)
	if !ok || obj.ClassName() == "Array" {
		rt.throwf(apperr.BadRequest, "The options of %s must be an object", call)
	}
	for _, k := range obj.Keys() {
		if k != optCheckPermissions && !contains(allowed, k) {
			names := append([]string{optCheckPermissions}, allowed...)
			sort.Strings(names)
			rt.throwf(apperr.BadRequest, "Unknown option %q of %s (options: %s)", k, call, strings.Join(names, ", "))
		}
		o.vals[k] = obj.Get(k)
	}
	return o
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// flag is a boolean option (def when absent); a value that is not a
// boolean is badRequest.
func (rt *runtime) flag(o *callOptions, name string, def bool) bool {
	v, ok := o.vals[name]
	if !ok || isNothing(v) {
		return def
	}
	b, isBool := v.Export().(bool)
	if !isBool {
		rt.throwf(apperr.BadRequest, "Option %s of %s must be true or false", name, o.call)
	}
	return b
}

// callerFor is who a call with options o acts as: the script's caller with
// the app's authority, or, with checkPermissions: true, with the user's
// own permissions.
func (rt *runtime) callerFor(o *callOptions) *data.Caller {
	c := rt.caller()
	if rt.flag(o, optCheckPermissions, false) {
		return c.WithUserPermissions()
	}
	return c
}

// saveOptionNames are the options of sys.data.save.
var saveOptionNames = []string{"calculateFields", "performValidations", "filterByReadWriteAccess", "triggerEvents",
	"defaultValues", "cascadeOperations", "lockRecord", "mode"}

// writeOptions reads the options of sys.data.save (remove: the subset it
// takes) into the data service's WriteOptions; every flag defaults to
// true, mode to "standard".
func (rt *runtime) writeOptions(o *callOptions) data.WriteOptions {
	w := data.WriteOptions{
		NoCalculations: !rt.flag(o, "calculateFields", true),
		NoValidations:  !rt.flag(o, "performValidations", true),
		NoFieldAccess:  !rt.flag(o, "filterByReadWriteAccess", true),
		NoEvents:       !rt.flag(o, "triggerEvents", true),
		NoDefaults:     !rt.flag(o, "defaultValues", true),
		NoCascades:     !rt.flag(o, "cascadeOperations", true),
		NoLock:         !rt.flag(o, "lockRecord", true),
	}
	if v, ok := o.vals["mode"]; ok && !isNothing(v) {
		switch v.String() {
		case "standard":
		case "lite":
			w.Lite = true
		default:
			rt.throwf(apperr.BadRequest, "Option mode of %s must be \"standard\" or \"lite\", not %q", o.call, v.String())
		}
	}
	return w
}
