package script

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/dop251/goja"

	"runway/app"
	"runway/apperr"
	"runway/data"
	"runway/record"
	"runway/types"
)

var _ data.Scripts = (*Engine)(nil)

// Record implements data.Scripts: the script calls of one save.
func (e *Engine) Record(ctx context.Context, c *data.Caller, ent *app.Entity, id string, v record.Values) data.RecordScripts {
	return &recordScripts{e: e, ctx: ctx, c: c, ent: ent, id: id, v: v}
}

// recordScripts runs the field logic of one save on one runtime, taken on
// the first call (the fast path of a save whose scripts do not run takes
// none).
type recordScripts struct {
	e   *Engine
	ctx context.Context
	c   *data.Caller
	ent *app.Entity
	id  string
	v   record.Values

	l   *lease
	rec goja.Value // the record, read-only
}

func (s *recordScripts) lease() *lease {
	if s.l == nil {
		s.l = s.e.acquire(s.ctx, s.c, data.InBackground(s.ctx))
		r := s.l.rt.newRecord(s.ent, s.id, 0, "", s.v, nil)
		r.readOnly = true
		s.rec = s.l.rt.object(r)
	}
	return s.l
}

func (s *recordScripts) End() {
	if s.l != nil {
		s.l.release()
		s.l = nil
	}
}

// item is the parentField Record of a nested item (null at the top).
func (s *recordScripts) item(f *app.Field, item record.Values) goja.Value {
	if item == nil || f.Parent == nil {
		return goja.Null()
	}
	rt := s.l.rt
	r := rt.newRecord(s.ent, "", 0, "", item, nil)
	r.fields = f.Parent.Nested
	r.readOnly = true
	r.parent, _ = hostOf[*recordHost](s.rec)
	if id, ok := item["id"].(string); ok {
		r.id = id
	}
	return rt.object(r)
}

// run calls a referenced function of the entity's script.
func (s *recordScripts) run(ref string, args []string, vals ...goja.Value) (goja.Value, error) {
	fi, err := s.e.function(s.ent.Script, ref, args)
	if err != nil {
		return nil, fmt.Errorf("script: %s: %w", s.ent.FullName, err)
	}
	return s.lease().call(fi, vals...)
}

func (s *recordScripts) Value(ref string, f *app.Field, item record.Values) (any, error) {
	l := s.lease()
	v, err := s.run(ref, app.ArgsValue, s.rec, s.item(f, item), goja.Null())
	if err != nil {
		return nil, err
	}
	return l.rt.inputOf(f, v), nil
}

func (s *recordScripts) Required(ref string, f *app.Field, item record.Values) (bool, error) {
	s.lease()
	v, err := s.run(ref, app.ArgsValue, s.rec, s.item(f, item), goja.Null())
	if err != nil {
		return false, err
	}
	return v.ToBoolean(), nil
}

func (s *recordScripts) Validate(ref string, f *app.Field, item record.Values, value any) (*data.ScriptProblem, error) {
	l := s.lease()
	rt := l.rt
	// field: a Wrapper of this one value.
	holder := rt.newRecord(s.ent, "", 0, "", record.Values{f.Name: []any{value}}, nil)
	holder.fields = []*app.Field{f}
	holder.readOnly = true
	var w *wrapperHost
	if f.Many {
		w = rt.newWrapper(holder, []step{{f.Name, 0}}, f)
	} else {
		holder.v[f.Name] = value
		w = rt.newWrapper(holder, []step{{f.Name, -1}}, f)
	}
	v, err := s.run(ref, app.ArgsFieldValidation, s.rec, s.item(f, item), rt.object(w), goja.Null())
	if err != nil {
		return nil, err
	}
	return problemOf(v), nil
}

// problemOf reads a validation script's answer: nothing (or true) is
// valid; {code, message}, a message string or false a problem.
func problemOf(v goja.Value) *data.ScriptProblem {
	if isNothing(v) {
		return nil
	}
	if o, ok := v.(*goja.Object); ok {
		p := &data.ScriptProblem{}
		if c := o.Get("code"); !isNothing(c) {
			p.Code = c.String()
		}
		if m := o.Get("message"); !isNothing(m) {
			p.Message = m.String()
		}
		for _, k := range []string{"path", "field"} {
			if x := o.Get(k); !isNothing(x) {
				p.Path = x.String()
				break
			}
		}
		if p.Code == "" && p.Message == "" {
			return nil
		}
		return p
	}
	switch x := v.Export().(type) {
	case bool:
		if x {
			return nil
		}
		return &data.ScriptProblem{}
	case string:
		if x == "" {
			return nil
		}
		return &data.ScriptProblem{Message: x}
	}
	return nil
}

func (s *recordScripts) RecordValidations(ref string) ([]data.ScriptProblem, error) {
	s.lease()
	v, err := s.run(ref, app.ArgsRecordValidation, s.rec)
	if err != nil {
		return nil, err
	}
	if isNothing(v) {
		return nil, nil
	}
	o, ok := v.(*goja.Object)
	if !ok || o.ClassName() != "Array" {
		if p := problemOf(v); p != nil {
			return []data.ScriptProblem{*p}, nil
		}
		return nil, nil
	}
	var out []data.ScriptProblem
	for _, k := range o.Keys() {
		if p := problemOf(o.Get(k)); p != nil {
			out = append(out, *p)
		}
	}
	return out, nil
}

func (s *recordScripts) NestedLabel(ref string, f *app.Field, item record.Values) (string, error) {
	// A template function is evaluated without a runtime (labeltemplate.go).
	if fi, err := s.e.function(s.ent.Script, ref, app.ArgsNestedLabel); err == nil {
		if t := s.e.labelTemplate(fi, f); t != nil {
			if label, ok := t.label(item); ok {
				return label, nil
			}
		}
	}
	return s.nestedLabelJS(ref, f, item)
}

// nestedLabelJS runs a nestedLabel function in JavaScript.
func (s *recordScripts) nestedLabelJS(ref string, f *app.Field, item record.Values) (string, error) {
	l := s.lease()
	rt := l.rt
	r := rt.newRecord(s.ent, "", 0, "", item, nil)
	r.fields = f.Nested
	r.readOnly = true
	if id, ok := item["id"].(string); ok {
		r.id = id
	}
	v, err := s.run(ref, app.ArgsNestedLabel, s.rec, rt.object(r))
	if err != nil {
		return "", err
	}
	if isNothing(v) {
		return "", nil
	}
	return v.String(), nil
}

func (s *recordScripts) Label(ref string) (string, error) {
	s.lease()
	v, err := s.run(ref, app.ArgsLabel, s.rec)
	if err != nil || isNothing(v) {
		return "", err
	}
	return v.String(), nil
}

func (s *recordScripts) Precondition(ref string) (bool, error) {
	s.lease()
	v, err := s.run(ref, app.ArgsPrecondition, s.rec)
	if err != nil {
		return false, err
	}
	return v.ToBoolean(), nil
}

// Condition runs a permission or access condition of file (record,
// parentField, action: the record, null, null). The execution is read-only
// while it runs (data.ReadOnly): its writes are refused.
func (s *recordScripts) Condition(file *app.Script, ref string) (bool, error) {
	l := s.lease()
	fi, err := s.e.function(file, ref, app.ArgsValue)
	if err != nil {
		return false, fmt.Errorf("script: %s: %w", s.ent.FullName, err)
	}
	x := l.x
	prev := x.ctx
	x.ctx = data.ReadOnly(prev)
	defer func() { x.ctx = prev }()
	v, err := l.call(fi, s.rec, goja.Null(), goja.Null())
	if err != nil {
		return false, err
	}
	return v.ToBoolean(), nil
}

// inputOf converts what a default or calculation script returned to REST
// input for field f (the data service then parses it like a client's
// value: a wrong type is a field error, not a silent null). Dates become
// the field type's text or epoch ms, BigNumbers strings, Records {id}.
func (rt *runtime) inputOf(f *app.Field, v goja.Value) any {
	if isNothing(v) {
		return nil
	}
	if f.Many {
		if o, ok := v.(*goja.Object); ok && o.ClassName() == "Array" {
			n := int(o.Get("length").ToInteger())
			out := make([]any, 0, n)
			for i := 0; i < n; i++ {
				out = append(out, rt.scalarInput(f, o.Get(fmt.Sprint(i))))
			}
			return out
		}
		if w, ok := hostOf[*wrapperHost](v); ok && w.many {
			return w.raw()
		}
	}
	return rt.scalarInput(f, v)
}

func (rt *runtime) scalarInput(f *app.Field, v goja.Value) any {
	if isNothing(v) {
		return nil
	}
	if _, ok := dateOf(v); ok {
		return rt.scalarFromJS(f, v)
	}
	if h, ok := v.(*goja.Object); ok {
		switch x := h.Export().(type) {
		case *bigHost:
			return x.d.String()
		case *recordHost:
			if x.id == "" {
				return nil
			}
			return map[string]any{"id": x.id}
		case *wrapperHost:
			return x.raw()
		}
	}
	if f.Type == types.Nested {
		if o, ok := v.(*goja.Object); ok {
			item := map[string]any{}
			for _, inner := range f.Nested {
				x := o.Get(inner.Name)
				if x == nil || goja.IsUndefined(x) {
					continue
				}
				item[inner.Name] = rt.inputOf(inner, x)
			}
			if id := o.Get("id"); !isNothing(id) {
				item["id"] = id.String()
			}
			return item
		}
	}
	return exportJSON(v)
}

// Action implements data.Scripts: one run of an action's script.
func (e *Engine) Action(ctx context.Context, c *data.Caller, call *data.ActionCall) (json.RawMessage, error) {
	ent, a := call.Entity, call.Action
	var args []string
	switch a.Type {
	case "manyRecords":
		args = app.ArgsManyRecords
	case "global":
		args = app.ArgsGlobal
	default:
		args = app.ArgsOneRecord
	}
	fi, err := e.function(ent.Script, a.Script, args)
	if err != nil {
		return nil, fmt.Errorf("script: action %s of %s: %w", a.Name, ent.FullName, err)
	}
	l := e.acquire(ctx, c, data.InBackground(ctx))
	defer l.release()
	rt := l.rt
	act := rt.newAction(ent, a, call.Params)
	var v goja.Value
	switch a.Type {
	case "manyRecords":
		v, err = l.call(fi, rt.newQuery(ent, call.Query).obj, act)
	case "global":
		v, err = l.call(fi, act)
	default:
		rec := rt.newRecord(ent, call.ID, call.Version, call.Label, call.Record, nil)
		rec.unversioned(call.Stored)
		old := rt.newRecord(ent, call.ID, call.Version, call.Label, call.Old, nil)
		old.readOnly = true
		v, err = l.call(fi, rt.object(rec), rt.object(old), act)
	}
	if err != nil {
		return nil, err
	}
	if v == nil || goja.IsUndefined(v) {
		return nil, nil
	}
	b, err := rt.toJSON(v)
	if err != nil {
		return nil, apperr.New(apperr.InternalError, "Action %q of %s returned a value that is not JSON: %v", a.Name, ent.FullName, err)
	}
	return b, nil
}
