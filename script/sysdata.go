package script

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/dop251/goja"

	"runway/app"
	"runway/apperr"
	"runway/applog"
	"runway/data"
	"runway/jobs"
	"runway/query"
	"runway/record"
	"runway/store"
)

// caller is who sys.data calls act as: the execution's current user,
// through a script (group permissions bypassed, SCRIPT-category events).
func (rt *runtime) caller() *data.Caller {
	return data.ScriptCaller(rt.x.caller, rt.x.source)
}

// obj builds a plain object of functions.
func (rt *runtime) obj(fns map[string]func(goja.FunctionCall) goja.Value) *goja.Object {
	o := rt.vm.NewObject()
	for name, fn := range fns {
		_ = o.Set(name, rt.fnValue(fn))
	}
	return o
}

// sysData is sys.data (app-model.md §7).
func (rt *runtime) sysData() *goja.Object {
	d := rt.e.data
	fns := map[string]func(goja.FunctionCall) goja.Value{
		"findById": func(c goja.FunctionCall) goja.Value {
			e := rt.entityArg(arg(c, 0))
			id := str(c, 1)
			if !record.IsID(id) {
				rt.throwf(apperr.BadRequest, "%q is not a record id", id)
			}
			return rt.findByIDAs(rt.callerFor(rt.options("sys.data.findById", arg(c, 2))), e, id)
		},
		"findOne": rt.findOne,
		"find": func(c goja.FunctionCall) goja.Value {
			e, sel, out, i := rt.queryArgs(c, 0)
			return rt.object(rt.newResultSet(rt.callerFor(rt.options("sys.data.find", arg(c, i))), e, sel, out))
		},
		"count": func(c goja.FunctionCall) goja.Value {
			e, sel, _, i := rt.queryArgs(c, 0)
			return rt.vm.ToValue(rt.count(rt.callerFor(rt.options("sys.data.count", arg(c, i))), e, sel.Where))
		},
		"aggregate":            rt.aggregate,
		"createAggregateQuery": rt.createAggregateQuery,
		"createRecord": func(c goja.FunctionCall) goja.Value {
			e := rt.entityArg(arg(c, 0))
			return rt.object(rt.newRecord(e, "", 0, "", nil, nil))
		},
		"createQuery": func(c goja.FunctionCall) goja.Value {
			return rt.newQuery(rt.entityArg(arg(c, 0)), nil).obj
		},
		"save": func(c goja.FunctionCall) goja.Value {
			r, ok := hostOf[*recordHost](arg(c, 0))
			if !ok || r.e == nil {
				rt.throwf(apperr.BadRequest, "sys.data.save needs a Record")
			}
			if r.readOnly {
				rt.throwf(apperr.BadRequest, "This record is read-only here and cannot be saved")
			}
			o := rt.options("sys.data.save", arg(c, 1), saveOptionNames...)
			caller, wo := rt.callerFor(o), rt.writeOptions(o)
			var doc []byte
			var err error
			if r.id == "" {
				doc, err = d.Create(rt.x.ctx, caller, r.e, r.input(), wo)
			} else {
				doc, err = d.Update(rt.x.ctx, caller, r.e, r.id, r.input(), wo)
			}
			if err != nil {
				rt.throw(err)
			}
			if err := r.reset(doc); err != nil {
				rt.throw(err)
			}
			if wo.Lite {
				return goja.Null() // lite mode answers nothing; the Record still has its id and version
			}
			return c.Arguments[0]
		},
		"remove": func(c goja.FunctionCall) goja.Value {
			r, ok := hostOf[*recordHost](arg(c, 0))
			if !ok || r.e == nil || r.id == "" {
				rt.throwf(apperr.BadRequest, "sys.data.remove needs a stored Record")
			}
			o := rt.options("sys.data.remove", arg(c, 1), "triggerEvents", "cascadeOperations", "lockRecord")
			doc, err := d.Delete(rt.x.ctx, rt.callerFor(o), r.e, r.id, rt.writeOptions(o))
			if err != nil {
				rt.throw(err)
			}
			if err := r.reset(doc); err != nil {
				rt.throw(err)
			}
			return c.Arguments[0]
		},
		"refresh": func(c goja.FunctionCall) goja.Value {
			r, ok := hostOf[*recordHost](arg(c, 0))
			if !ok || r.e == nil || r.id == "" {
				rt.throwf(apperr.BadRequest, "sys.data.refresh needs a stored Record")
			}
			return rt.findByIDAs(rt.callerFor(rt.options("sys.data.refresh", arg(c, 1))), r.e, r.id)
		},
		"delete": func(c goja.FunctionCall) goja.Value {
			e, sel, _, i := rt.queryArgs(c, 0)
			o := rt.options("sys.data.delete", arg(c, i), "triggerEvents", "cascadeOperations", "lowPriority")
			caller := rt.callerFor(o)
			if rt.e.jobs == nil {
				rt.throwf(apperr.BadRequest, "sys.data.delete runs as a background job, which this process does not run")
			}
			ref, err := rt.e.jobs.Delete(rt.x.ctx, caller, &jobs.DeleteRequest{Entity: e, IDs: rt.jobIDs(caller, e, sel),
				TriggerEvents: rt.flag(o, "triggerEvents", true), CascadeOperations: rt.flag(o, "cascadeOperations", true),
				LowPriority: rt.flag(o, "lowPriority", false)})
			if err != nil {
				rt.throw(err)
			}
			return rt.vm.ToValue(ref.JobID)
		},
		"importRecords": func(c goja.FunctionCall) goja.Value {
			e := rt.entityArg(arg(c, 0))
			o := rt.options("sys.data.importRecords", arg(c, 2), jobs.ImportOptionNames...)
			caller := rt.callerFor(o)
			if rt.e.jobs == nil {
				rt.throwf(apperr.BadRequest, "sys.data.importRecords runs as a background job, which this process does not run")
			}
			var opts jobs.ImportOptions
			for _, name := range jobs.ImportOptionNames {
				if _, ok := o.vals[name]; ok {
					opts.Set(name, rt.flag(o, name, true), true)
				}
			}
			ref, err := rt.e.jobs.Import(rt.x.ctx, caller, &jobs.ImportRequest{Entity: e, FileID: str(c, 1), Options: opts})
			if err != nil {
				rt.throw(err)
			}
			return rt.vm.ToValue(ref.JobID)
		},
		"executeAction": func(c goja.FunctionCall) goja.Value {
			e, sel, _, i := rt.queryArgs(c, 0)
			return rt.executeAction(e, str(c, i), sel, arg(c, i+1), arg(c, i+2), "executeInBackground")
		},
		"executeGlobalAction": func(c goja.FunctionCall) goja.Value {
			e := rt.entityArg(arg(c, 0))
			return rt.executeAction(e, str(c, 1), nil, arg(c, 2), arg(c, 3), "async")
		},
	}
	for name, fn := range rt.lockFunctions() {
		fns[name] = fn
	}
	return rt.obj(fns)
}

// findOne is sys.data.findOne(entity, queryMap, options?) / findOne(query,
// options?): the first record, or null.
func (rt *runtime) findOne(c goja.FunctionCall) goja.Value {
	e, sel, out, i := rt.queryArgs(c, 0)
	sel.Limit = 1
	p, err := rt.e.data.List(rt.x.ctx, rt.callerFor(rt.options("sys.data.findOne", arg(c, i))), e, &query.List{Select: *sel, Output: out})
	if err != nil {
		rt.throw(err)
	}
	if len(p.Items) == 0 {
		return goja.Null()
	}
	rec, err := rt.recordFromDoc(e, p.Items[0])
	if err != nil {
		rt.throw(err)
	}
	return rt.object(rec)
}

// findByIDAs reads a record as c: null when it does not exist (or c cannot
// see it).
func (rt *runtime) findByIDAs(c *data.Caller, e *app.Entity, id string) goja.Value {
	doc, err := rt.e.data.Get(rt.x.ctx, c, e, id, nil)
	if apperr.Is(err, apperr.NotFound) {
		return goja.Null()
	}
	if err != nil {
		rt.throw(err)
	}
	rec, err := rt.recordFromDoc(e, doc)
	if err != nil {
		rt.throw(err)
	}
	return rt.object(rec)
}

// executeAction runs an action from a script (sys.data.executeAction over
// sel, executeGlobalAction with a nil sel) as the script's caller: in the
// background by default, answering the job id (an EXECUTE_ACTION job over
// the records sel selects now); with {<bgKey>: false} synchronously,
// answering what the REST call would.
func (rt *runtime) executeAction(e *app.Entity, name string, sel *query.Select, params, opts goja.Value, bgKey string) goja.Value {
	o := rt.options("sys.data.executeAction", opts, bgKey)
	background := rt.flag(o, bgKey, true)
	caller := rt.callerFor(o)
	in := map[string]any{}
	if m, ok := exportJSON(params).(map[string]any); ok {
		in = m
	}
	if !background {
		t := data.ActionTarget{Query: sel}
		if sel == nil {
			t.Query = &query.Select{}
		}
		resp, err := rt.e.data.ExecuteAction(rt.x.ctx, caller, e, name, t, in)
		if err != nil {
			rt.throw(err)
		}
		return rt.parseJSON(resp)
	}
	if rt.e.jobs == nil {
		rt.throwf(apperr.BadRequest, "Actions in the background need background jobs, which this process does not run; pass {%s: false}", bgKey)
	}
	req := &jobs.ActionRequest{Entity: e, Action: name, Params: in}
	if sel == nil {
		req.Query = url.Values{}
	} else {
		req.IDs = rt.jobIDs(caller, e, sel)
		if len(req.IDs) == 0 {
			req.IDs = []string{}
		}
	}
	ref, err := rt.e.jobs.ExecuteAction(rt.x.ctx, caller, req)
	if err != nil {
		rt.throw(err)
	}
	return rt.vm.ToValue(ref.JobID)
}

// recordAction is record.action(name, params?, options?): the action on
// this record, synchronously; the record is refreshed when the answer is
// the record, else the custom response is returned.
func (rt *runtime) recordAction(r *recordHost, c goja.FunctionCall) goja.Value {
	if r.e == nil || r.id == "" {
		rt.throwf(apperr.BadRequest, "record.action needs a stored record")
	}
	name := str(c, 0)
	a := r.e.Action(name)
	if a == nil {
		rt.throwf(apperr.NotFound, "Action %q does not exist in entity %q", name, r.e.FullName)
	}
	in := map[string]any{}
	if m, ok := exportJSON(arg(c, 1)).(map[string]any); ok {
		in = m
	}
	o := rt.options("record.action", arg(c, 2))
	resp, err := rt.e.data.ExecuteAction(rt.x.ctx, rt.callerFor(o), r.e, name, data.ActionTarget{IDs: []string{r.id}}, in)
	if err != nil {
		rt.throw(err)
	}
	if a.ResultAsResponse {
		return rt.parseJSON(resp)
	}
	if err := r.reset(resp); err != nil {
		rt.throw(err)
	}
	return c.This
}

// parseJSON turns a JSON answer into a JS value.
func (rt *runtime) parseJSON(b json.RawMessage) goja.Value {
	if len(b) == 0 {
		return goja.Null()
	}
	var v any
	if err := jsonUnmarshal(b, &v); err != nil {
		rt.throw(err)
	}
	return rt.plainJS(v)
}

// appTree is the global app: the libraries by dotted name, each loaded on
// first access in this runtime (app-model.md §7).
func (rt *runtime) appTree() *goja.Object {
	o := rt.nodeObject(rt.e.tree)
	_ = o.DefineAccessorProperty("endpoints", rt.fnValue(func(goja.FunctionCall) goja.Value {
		rt.throwUnsupported("app.endpoints", reasonEndpoint)
		return nil
	}), nil, goja.FLAG_FALSE, goja.FLAG_FALSE)
	return o
}

// nodeObject is a namespace object whose members load lazily.
func (rt *runtime) nodeObject(n *libNode) *goja.Object {
	o := rt.vm.NewObject()
	rt.attachChildren(o, n)
	return o
}

func (rt *runtime) attachChildren(o *goja.Object, n *libNode) {
	for name, child := range n.children {
		_ = o.DefineAccessorProperty(name, rt.fnValue(func(goja.FunctionCall) goja.Value {
			return rt.libValue(child)
		}), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
	}
}

// libValue is the value of a node of the app tree: a library's exports
// (run once per runtime) or a namespace.
func (rt *runtime) libValue(n *libNode) goja.Value {
	if v, ok := rt.libs[n.name]; ok {
		return v
	}
	if n.file == "" {
		o := rt.nodeObject(n)
		rt.libs[n.name] = o
		return o
	}
	exports := rt.vm.NewObject()
	module := rt.vm.NewObject()
	_ = module.Set("exports", exports)
	rt.libs[n.name] = exports // a library that reaches itself while loading sees its exports
	fnv, err := rt.vm.RunProgram(rt.e.libs[n.file])
	if err != nil {
		delete(rt.libs, n.name)
		panic(err)
	}
	fn, _ := goja.AssertFunction(fnv)
	v, err := fn(goja.Undefined(), exports, module)
	if err != nil {
		delete(rt.libs, n.name)
		panic(err)
	}
	if isNothing(v) {
		v = exports
	}
	if o, ok := v.(*goja.Object); ok {
		rt.attachChildren(o, n)
	}
	rt.libs[n.name] = v
	return v
}

// logAt writes a script log line (sys.logs, log(), console) to the server
// log and the app log, with the script's location and user. Debug lines
// are kept in the dev environment only (app-model.md §7).
func (rt *runtime) logAt(level store.LogLevel, args []goja.Value) {
	var msg strings.Builder
	var stack string
	for i, a := range args {
		if ex, ok := a.(*goja.Object); ok && i > 0 {
			if s := ex.Get("stack"); !isNothing(s) {
				stack = s.String()
				continue
			}
		}
		if i > 0 {
			msg.WriteByte(' ')
		}
		msg.WriteString(a.String())
	}
	if level == store.LogDebug && rt.e.opts.Env != "dev" {
		return
	}
	var source string
	var caller *data.Caller
	ctx := context.Background()
	if x := rt.x; x != nil {
		source, caller, ctx = x.source, x.caller, x.ctx
	}
	user := ""
	if caller != nil {
		user = caller.Email
	}
	attrs := []any{"script", source, "user", user}
	info := map[string]any{"script": source}
	if stack != "" {
		attrs = append(attrs, "stack", stack)
		info["stack"] = stack
	}
	l := rt.e.log
	switch level {
	case store.LogDebug:
		l.Debug(msg.String(), attrs...)
	case store.LogWarn:
		l.Warn(msg.String(), attrs...)
	case store.LogError:
		l.Error(msg.String(), attrs...)
	default:
		l.Info(msg.String(), attrs...)
	}
	if al := rt.e.opts.AppLog; al != nil {
		al.Write(context.WithoutCancel(ctx), caller, applog.Entry{SubType: store.AppLogScript, Level: level,
			Message: msg.String(), AdditionalInfo: info})
	}
}
