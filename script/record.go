package script

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"runway/app"
	"runway/apperr"
	"runway/query"
	"runway/record"
	"runway/types"
)

// recordHost is a sys.data.Record (app-model.md §7): a record of an entity
// (or, for an action, its parameters) whose values the script reads and
// changes in place; sys.data.save stores them.
type recordHost struct {
	base
	rt       *runtime
	e        *app.Entity // nil for action parameters
	fields   []*app.Field
	id       string // "" while new
	version  int64
	label    string
	v        record.Values
	readOnly bool        // field logic and oldRecord: val(x) is refused
	doc      []byte      // the stored JSON while the values are unchanged
	parent   *recordHost // a nested item's record (parentField.parent())
	// stored holds, for the record an action runs on, the JSON of each
	// field value as stored when the script got it or last saved it (nil
	// for other records): its saves carry no version, only the fields
	// changed since (data.ActionCall.Stored).
	stored map[string]string
}

func (rt *runtime) newRecord(e *app.Entity, id string, version int64, label string, v record.Values, doc []byte) *recordHost {
	if v == nil {
		v = record.Values{}
	}
	return &recordHost{base: base{rt.m["record"]}, rt: rt, e: e, fields: e.Fields, id: id, version: version,
		label: label, v: v, doc: doc}
}

// object wraps a host as a JavaScript object.
func (rt *runtime) object(h goja.DynamicObject) *goja.Object { return rt.vm.NewDynamicObject(h) }

// recordFromDoc builds a Record from a stored document.
func (rt *runtime) recordFromDoc(e *app.Entity, doc []byte) (*recordHost, error) {
	id, version, label, v, err := record.Decode(doc)
	if err != nil {
		return nil, fmt.Errorf("decode %s record: %w", e.FullName, err)
	}
	return rt.newRecord(e, id, version, label, v, doc), nil
}

// reset replaces the record's state with a stored document (after a save).
func (r *recordHost) reset(doc []byte) error {
	id, version, label, v, err := record.Decode(doc)
	if err != nil {
		return err
	}
	r.id, r.version, r.label, r.v, r.doc = id, version, label, v, doc
	if r.stored != nil {
		r.stored = fieldsJSON(v)
	}
	return nil
}

// unversioned makes r the record of an action, stored as in stored: its
// saves write what changed, without a version check (input).
func (r *recordHost) unversioned(stored record.Values) { r.stored = fieldsJSON(stored) }

// fieldsJSON is the JSON of each field value of v.
func fieldsJSON(v record.Values) map[string]string {
	out := make(map[string]string, len(v))
	for k, x := range v {
		b, _ := jsonMarshal(x)
		out[k] = string(b)
	}
	return out
}

// json is the record's native JSON.
func (r *recordHost) json() []byte {
	if r.doc != nil {
		return r.doc
	}
	if r.e == nil {
		b, _ := jsonMarshal(r.v)
		return b
	}
	return record.Encode(r.e, r.id, r.version, r.label, r.v, nil)
}

func (r *recordHost) changed() { r.doc = nil }

// input is the record as REST input for a save: its values, with the
// version it was read at; for an action's record, the fields changed since
// it was stored (a removed one as null), without a version, so that
// data.Update merges them onto the record as stored now, again after a
// concurrent write, as it does for a versionless REST update.
func (r *recordHost) input() map[string]any {
	if r.stored != nil {
		in := map[string]any{}
		for k, x := range r.v {
			if b, _ := jsonMarshal(x); string(b) != r.stored[k] {
				in[k] = x
			}
		}
		for k := range r.stored {
			if _, ok := r.v[k]; !ok {
				in[k] = nil
			}
		}
		return in
	}
	in := make(map[string]any, len(r.v)+1)
	for k, x := range r.v {
		in[k] = x
	}
	if r.id != "" {
		in["version"] = json.Number(strconv.FormatInt(r.version, 10))
	}
	return in
}

// step is one element of a field path: a name and, for an element of a
// many-valued field, its index (-1: none).
type step struct {
	name string
	idx  int
}

// parsePath reads "a.b", "list[1].b" against fields: the steps and the
// fields along them. Unknown names, an index on a single field and a path
// through a many nested field without an index are badRequest.
func parsePath(fields []*app.Field, path string) ([]step, []*app.Field, error) {
	if path == "" {
		return nil, nil, fmt.Errorf("empty field path")
	}
	var steps []step
	var fs []*app.Field
	cur := fields
	parts := strings.Split(path, ".")
	for i, part := range parts {
		name, idx := part, -1
		if open := strings.IndexByte(part, '['); open >= 0 && strings.HasSuffix(part, "]") {
			n, err := strconv.Atoi(part[open+1 : len(part)-1])
			if err != nil || n < 0 {
				return nil, nil, fmt.Errorf("invalid index in %q", path)
			}
			name, idx = part[:open], n
		}
		var f *app.Field
		for _, c := range cur {
			if c.Name == name {
				f = c
				break
			}
		}
		if f == nil {
			return nil, nil, fmt.Errorf("unknown field %q in path %q", name, path)
		}
		if idx >= 0 && !f.Many {
			return nil, nil, fmt.Errorf("field %q is not multi-valued: no index allowed in %q", name, path)
		}
		last := i == len(parts)-1
		if !last {
			if f.Type != types.Nested {
				return nil, nil, fmt.Errorf("field %q has no inner fields (path %q)", name, path)
			}
			if f.Many && idx < 0 {
				return nil, nil, fmt.Errorf("field %q is multi-valued: give an index, e.g. %s[0] (path %q)", name, name, path)
			}
		}
		steps = append(steps, step{name, idx})
		fs = append(fs, f)
		cur = f.Nested
	}
	return steps, fs, nil
}

// wrapperHost is a sys.data.Wrapper (one value) or, when many is set, a
// ManyWrapper (all values of a multi-valued field) at a path of a record.
type wrapperHost struct {
	base
	rec   *recordHost
	steps []step
	f     *app.Field // the field at the path's end
	many  bool
}

func (rt *runtime) newWrapper(rec *recordHost, steps []step, f *app.Field) *wrapperHost {
	many := f.Many && steps[len(steps)-1].idx < 0
	kind := "wrapper"
	if many {
		kind = "many"
	}
	return &wrapperHost{base: base{rt.m[kind]}, rec: rec, steps: steps, f: f, many: many}
}

// raw reads the native value at the path (nil when absent or out of range).
func (w *wrapperHost) raw() any {
	var cur any = map[string]any(w.rec.v)
	for _, s := range w.steps {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[s.name]
		if s.idx >= 0 {
			list, ok := cur.([]any)
			if !ok || s.idx >= len(list) {
				return nil
			}
			cur = list[s.idx]
		}
	}
	return cur
}

// set writes a native value at the path, creating the nested items on the
// way (an index past the end appends).
func (w *wrapperHost) set(val any) {
	cur := map[string]any(w.rec.v)
	for i, s := range w.steps {
		last := i == len(w.steps)-1
		if last && s.idx < 0 {
			if val == nil {
				delete(cur, s.name)
			} else {
				cur[s.name] = val
			}
			break
		}
		if s.idx >= 0 {
			list, _ := cur[s.name].([]any)
			if s.idx >= len(list) {
				var el any
				if !last {
					el = record.Values{}
				}
				list = append(list, el)
				w.steps[i].idx = len(list) - 1
				s.idx = len(list) - 1
			}
			if last {
				list[s.idx] = val
				cur[s.name] = list
				break
			}
			cur[s.name] = list
			m, ok := list[s.idx].(map[string]any)
			if !ok {
				m = record.Values{}
				list[s.idx] = m
			}
			cur = m
			continue
		}
		m, ok := cur[s.name].(map[string]any)
		if !ok {
			m = record.Values{}
			cur[s.name] = m
		}
		cur = m
	}
	w.rec.changed()
}

// writable refuses writes to a read-only record.
func (w *wrapperHost) writable(rt *runtime) {
	if w.rec.readOnly {
		rt.throwf(apperr.BadRequest, "The record is read-only here: %s cannot be changed", pathString(w.steps))
	}
}

func pathString(steps []step) string {
	var b strings.Builder
	for i, s := range steps {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.name)
		if s.idx >= 0 {
			fmt.Fprintf(&b, "[%d]", s.idx)
		}
	}
	return b.String()
}

// element is the Wrapper of element i of a ManyWrapper.
func (rt *runtime) element(w *wrapperHost, i int) *wrapperHost {
	steps := append(append([]step(nil), w.steps[:len(w.steps)-1]...), step{w.steps[len(w.steps)-1].name, i})
	return rt.newWrapper(w.rec, steps, w.f)
}

// sub is the Wrapper of a path below a nested value, or of a copied field
// of a relationship value (read-only: the value belongs to the target).
func (rt *runtime) sub(w *wrapperHost, path string) *wrapperHost {
	if w.f.Type == types.Relationship {
		target := rt.e.app.Entity(w.f.Rules.Entity)
		m, _ := w.raw().(map[string]any)
		if target == nil {
			rt.throwf(apperr.BadRequest, "Field %s has no target entity", pathString(w.steps))
		}
		steps, fs, err := parsePath(target.Fields, path)
		if err != nil {
			rt.throwf(apperr.BadRequest, "%v", err)
		}
		copied := rt.newRecord(target, "", 0, "", m, nil)
		copied.readOnly = true
		return rt.newWrapper(copied, steps, fs[len(fs)-1])
	}
	if w.f.Type != types.Nested {
		rt.throwf(apperr.BadRequest, "Field %s has no inner fields", pathString(w.steps))
	}
	steps, fs, err := parsePath(w.f.Nested, path)
	if err != nil {
		rt.throwf(apperr.BadRequest, "%v", err)
	}
	all := append(append([]step(nil), w.steps...), steps...)
	return rt.newWrapper(w.rec, all, fs[len(fs)-1])
}

func (rt *runtime) recordMethods() {
	rec := func(c goja.FunctionCall) *recordHost { return this[*recordHost](rt, c, "Record") }
	rt.define("record", map[string]func(goja.FunctionCall) goja.Value{
		"id": func(c goja.FunctionCall) goja.Value {
			if r := rec(c); r.id != "" {
				return rt.vm.ToValue(r.id)
			}
			return goja.Null()
		},
		"label": func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(rec(c).label) },
		"entityId": func(c goja.FunctionCall) goja.Value {
			if r := rec(c); r.e != nil {
				return rt.vm.ToValue(r.e.ID)
			}
			return goja.Null()
		},
		"entityName": func(c goja.FunctionCall) goja.Value {
			if r := rec(c); r.e != nil {
				return rt.vm.ToValue(r.e.FullName)
			}
			return goja.Null()
		},
		"isNew":   func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(rec(c).id == "") },
		"version": func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(rec(c).version) },
		"field": func(c goja.FunctionCall) goja.Value {
			r := rec(c)
			steps, fs, err := parsePath(r.fields, str(c, 0))
			if err != nil {
				rt.throwf(apperr.BadRequest, "%v", err)
			}
			return rt.object(rt.newWrapper(r, steps, fs[len(fs)-1]))
		},
		"parent": func(c goja.FunctionCall) goja.Value {
			if p := rec(c).parent; p != nil {
				return rt.object(p)
			}
			return goja.Null()
		},
		"copy": func(c goja.FunctionCall) goja.Value {
			r := rec(c)
			cp := rt.newRecord(r.e, "", 0, "", copyValues(r.v, true), nil)
			cp.fields = r.fields
			return rt.object(cp)
		},
		"toJson":   func(c goja.FunctionCall) goja.Value { return rt.recordJSON(rec(c), arg(c, 0)) },
		"toJSON":   func(c goja.FunctionCall) goja.Value { return rt.recordJSON(rec(c), goja.Undefined()) },
		"toString": func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(string(rec(c).json())) },
		"fromJson": func(c goja.FunctionCall) goja.Value {
			r := rec(c)
			if r.readOnly {
				rt.throwf(apperr.BadRequest, "The record is read-only here")
			}
			o, ok := arg(c, 0).(*goja.Object)
			if !ok {
				rt.throwf(apperr.BadRequest, "fromJson needs an object")
			}
			for _, k := range o.Keys() {
				f := fieldNamed(r.fields, k)
				if f == nil {
					continue // id, version, label and unknown keys
				}
				w := rt.newWrapper(r, []step{{k, -1}}, f)
				w.set(rt.fromJS(f, o.Get(k)))
			}
			return c.This
		},
		"action":    func(c goja.FunctionCall) goja.Value { return rt.recordAction(rec(c), c) },
		"auditLogs": func(c goja.FunctionCall) goja.Value { return rt.recordAuditLogs(rec(c)) },
		"lock":      func(c goja.FunctionCall) goja.Value { return rt.recordLock(rec(c), c) },
		"unlock": func(c goja.FunctionCall) goja.Value {
			r := rec(c)
			if r.e == nil || r.id == "" {
				rt.throwf(apperr.BadRequest, "record.unlock needs a stored record")
			}
			rt.unlockByID(r.e, r.id)
			return goja.Undefined()
		},
	})
}

func fieldNamed(fields []*app.Field, name string) *app.Field {
	for _, f := range fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// copyValues deep-copies record values; noIDs drops nested items' ids
// (record.copy(): a copy is a new record).
func copyValues(v record.Values, noIDs bool) record.Values {
	out := make(record.Values, len(v))
	for k, x := range v {
		if noIDs && k == "id" {
			continue
		}
		out[k] = copyAny(x, noIDs)
	}
	return out
}

func copyAny(v any, noIDs bool) any {
	switch x := v.(type) {
	case map[string]any:
		return copyValues(x, noIDs && !isRef(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyAny(e, noIDs)
		}
		return out
	}
	return v
}

// isRef: a relationship/group/file value (its id names another thing).
func isRef(m map[string]any) bool {
	_, hasLabel := m["label"]
	_, hasName := m["name"]
	return (hasLabel || hasName) && len(m) <= 2
}

// recordJSON is record.toJson(opts): the native JSON as an object.
// Options: fields (an array or a comma list: the fields kept, system
// fields always), and, rendered by the data service as a read would,
// relationshipsToFetch (comma list; relatedFields in the documentation's
// sample), format ('native' or 'plainText': values as the field's display
// options show them) and user (whose time zone plainText uses; the
// current user by default).
func (rt *runtime) recordJSON(r *recordHost, opts goja.Value) goja.Value {
	o, ok := opts.(*goja.Object)
	if !ok || r.e == nil {
		return rt.parseJSON(r.json())
	}
	text := func(k string) string {
		v := o.Get(k)
		if isNothing(v) {
			return ""
		}
		if a, ok := v.(*goja.Object); ok && a.ClassName() == "Array" {
			var parts []string
			for _, i := range a.Keys() {
				parts = append(parts, a.Get(i).String())
			}
			return strings.Join(parts, ",")
		}
		return v.String()
	}
	var out query.Output
	var err error
	if out.Fields, err = query.ParseFields(r.e, text("fields")); err != nil {
		rt.throw(err)
	}
	fetch := text("relationshipsToFetch")
	if fetch == "" {
		fetch = text("relatedFields")
	}
	if out.Fetch, err = query.ParseFetch(r.e, fetch); err != nil {
		rt.throw(err)
	}
	switch f := text("format"); f {
	case "", query.FormatNative:
	case query.FormatPlainText:
		out.PlainText = true
	default:
		rt.throwf(apperr.BadRequest, "toJson: unknown format %q (native or plainText)", f)
	}
	out.ForUser = text("user")
	if out.Fields == nil && out.Fetch == nil && !out.PlainText {
		return rt.parseJSON(r.json())
	}
	doc, err := rt.e.data.Render(rt.x.ctx, rt.caller(), r.e, r.id, r.version, r.label, r.v, &out)
	if err != nil {
		rt.throw(err)
	}
	return rt.parseJSON(doc)
}

// display is the display options a Wrapper formats with: the field's own
// and the app's defaults for its type (as plainText shows it), with opts
// over them: a date pattern (a string) or the number options of
// numberDisplay.
func (rt *runtime) display(w *wrapperHost, opts goja.Value) types.Display {
	pt := record.PlainText{Defaults: rt.e.app.DisplayOptions}
	d := pt.Display(w.f)
	if isNothing(opts) {
		return d
	}
	if _, isObj := opts.(*goja.Object); isObj {
		return numberDisplay(d, opts)
	}
	out := types.Display{}
	for k, v := range d {
		out[k] = v
	}
	if p := opts.String(); p != "" {
		out["format"] = p
	}
	return out
}

func (rt *runtime) wrapperMethods() {
	wr := func(c goja.FunctionCall) *wrapperHost { return this[*wrapperHost](rt, c, "Wrapper") }
	common := map[string]func(goja.FunctionCall) goja.Value{
		"val": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			if len(c.Arguments) == 0 {
				return rt.wrapperJS(w)
			}
			w.writable(rt)
			if w.many {
				w.set(rt.fromJS(w.f, c.Arguments[0]))
			} else {
				w.set(rt.scalarFromJS(w.f, c.Arguments[0]))
			}
			return c.This
		},
		"isEmpty":    func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(isEmptyNative(wr(c).raw())) },
		"isNotEmpty": func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(!isEmptyNative(wr(c).raw())) },
		"name":       func(c goja.FunctionCall) goja.Value { return rt.wrapperName(wr(c), c) },
		"path":       func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(pathString(wr(c).steps)) },
		"toJSON":     func(c goja.FunctionCall) goja.Value { w := wr(c); return rt.wrapperJS(w) },
		"toString": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			return rt.vm.ToValue(types.Format(w.f.Type, w.f.Rules, nil, w.raw(), rt.e.data.Location()))
		},
	}
	single := map[string]func(goja.FunctionCall) goja.Value{
		"equals": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			other := rt.scalarFromJS(w.f, arg(c, 0))
			return rt.vm.ToValue(sameValue(w.raw(), other))
		},
		"label": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			raw := w.raw()
			if w.f.Type == types.Choice {
				if s, ok := raw.(string); ok {
					for _, pv := range w.f.Rules.PossibleValues {
						if pv.Name == s {
							return rt.vm.ToValue(pv.Label)
						}
					}
				}
			}
			return rt.refKey(w, "label")
		},
		"id": func(c goja.FunctionCall) goja.Value { return rt.refKey(wr(c), "id") },
		"field": func(c goja.FunctionCall) goja.Value {
			return rt.object(rt.sub(wr(c), str(c, 0)))
		},
		"fetch": func(c goja.FunctionCall) goja.Value { return rt.fetch(wr(c)) },
		"toMillis": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			if t, ok := dateOf(rt.wrapperJS(w)); ok {
				return rt.vm.ToValue(t.UnixMilli())
			}
			return goja.Null()
		},
		// format(pattern, timeZone) for dates, format(options) for numbers;
		// without arguments, the field's display options.
		"format": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			return rt.vm.ToValue(types.Format(w.f.Type, w.f.Rules, rt.display(w, arg(c, 0)), w.raw(), rt.zoneArg(arg(c, 1))))
		},
		"toHex": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			return rt.vm.ToValue(numberHex(w.raw()))
		},
		"selectedValue": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			if len(c.Arguments) == 0 {
				return rt.refKey(w, "selectedValue")
			}
			w.writable(rt)
			m, _ := w.raw().(map[string]any)
			out := map[string]any{"options": []any{}}
			for k, x := range m {
				out[k] = x
			}
			out["selectedValue"] = exportJSON(c.Arguments[0])
			w.set(parsed(w.f, out))
			return c.This
		},
		"selectedLabel": func(c goja.FunctionCall) goja.Value {
			m, _ := wr(c).raw().(map[string]any)
			if m == nil {
				return goja.Null()
			}
			for _, o := range list(m["options"]) {
				if om, ok := o.(map[string]any); ok && om["name"] == m["selectedValue"] {
					return rt.plainJS(om["label"])
				}
			}
			return goja.Null()
		},
		"options": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			m, _ := w.raw().(map[string]any)
			if len(c.Arguments) == 0 {
				if m == nil {
					return rt.vm.NewArray()
				}
				return rt.plainJS(m["options"])
			}
			w.writable(rt)
			out := map[string]any{}
			for k, x := range m {
				out[k] = x
			}
			out["options"] = exportJSON(c.Arguments[0])
			w.set(parsed(w.f, out))
			return c.This
		},
		"addDays": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			w.writable(rt)
			t, ok := dateOf(rt.wrapperJS(w))
			if !ok {
				return c.This
			}
			w.set(rt.scalarFromJS(w.f, rt.date(t.AddDate(0, 0, int(arg(c, 0).ToInteger())))))
			return c.This
		},
	}
	many := map[string]func(goja.FunctionCall) goja.Value{
		"size": func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(len(list(wr(c).raw()))) },
		"get": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			i := int(arg(c, 0).ToInteger())
			if i < 0 || i >= len(list(w.raw())) {
				return goja.Null()
			}
			return rt.object(rt.element(w, i))
		},
		"first": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			if len(list(w.raw())) == 0 {
				return goja.Null()
			}
			return rt.object(rt.element(w, 0))
		},
		"last": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			n := len(list(w.raw()))
			if n == 0 {
				return goja.Null()
			}
			return rt.object(rt.element(w, n-1))
		},
		"add": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			w.writable(rt)
			l := append([]any(nil), list(w.raw())...)
			at, v := len(l), arg(c, 0)
			if len(c.Arguments) > 1 {
				at, v = int(arg(c, 0).ToInteger()), arg(c, 1)
				if at < 0 || at > len(l) {
					at = len(l)
				}
			}
			x := rt.scalarFromJS(w.f, v)
			if x == nil {
				return c.This
			}
			l = append(l, nil)
			copy(l[at+1:], l[at:])
			l[at] = x
			w.set(l)
			return c.This
		},
		"remove": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			w.writable(rt)
			l := list(w.raw())
			var keep []any
			pred, isFn := goja.AssertFunction(arg(c, 0))
			target := rt.scalarFromJS(w.f, arg(c, 0))
			for i, el := range l {
				drop := false
				if isFn {
					r, err := pred(goja.Undefined(), rt.object(rt.element(w, i)), rt.vm.ToValue(i))
					if err != nil {
						panic(err)
					}
					drop = r.ToBoolean()
				} else {
					drop = sameValue(el, target)
				}
				if !drop {
					keep = append(keep, el)
				}
			}
			if keep == nil {
				keep = []any{}
			}
			w.set(keep)
			return c.This
		},
		"removeAt": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			w.writable(rt)
			l := list(w.raw())
			i := int(arg(c, 0).ToInteger())
			if i >= 0 && i < len(l) {
				out := append(append([]any{}, l[:i]...), l[i+1:]...)
				w.set(out)
			}
			return c.This
		},
		"removeAll": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			w.writable(rt)
			w.set([]any{})
			return c.This
		},
		"each": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			fn, ok := goja.AssertFunction(arg(c, 0))
			if !ok {
				panic(rt.vm.NewTypeError("each needs a function"))
			}
			n := len(list(w.raw()))
			for i := 0; i < n; i++ {
				r, err := fn(goja.Undefined(), rt.object(rt.element(w, i)), rt.vm.ToValue(i))
				if err != nil {
					panic(err)
				}
				if b, ok := r.Export().(bool); ok && !b {
					break
				}
			}
			return goja.Undefined()
		},
		"contains": func(c goja.FunctionCall) goja.Value {
			w := wr(c)
			target := rt.scalarFromJS(w.f, arg(c, 0))
			for _, el := range list(w.raw()) {
				if sameValue(el, target) {
					return rt.vm.ToValue(true)
				}
			}
			return rt.vm.ToValue(false)
		},
	}
	for k, v := range rt.fileMethods(wr) {
		single[k] = v
	}
	for k, v := range common {
		single[k] = v
		many[k] = v
	}
	rt.define("wrapper", single)
	rt.define("many", many)
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func isEmptyNative(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// sameValue compares two native values (relationships by id).
func sameValue(a, b any) bool {
	if ma, ok := a.(map[string]any); ok {
		if mb, ok := b.(map[string]any); ok {
			if ia, ok := ma["id"]; ok {
				return ia == mb["id"]
			}
		}
		return false
	}
	return fmt.Sprint(normalizeNumber(a)) == fmt.Sprint(normalizeNumber(b)) && (a == nil) == (b == nil)
}

func normalizeNumber(v any) any {
	if n, ok := int64Of(v); ok {
		return n
	}
	return v
}

// refKey reads a key of an object value (relationship id/label, file
// name …), null when absent.
func (rt *runtime) refKey(w *wrapperHost, key string) goja.Value {
	m, ok := w.raw().(map[string]any)
	if !ok {
		return goja.Null()
	}
	return rt.plainJS(m[key])
}

// fetch reads the record a relationship value points to.
func (rt *runtime) fetch(w *wrapperHost) goja.Value {
	if w.f.Type != types.Relationship {
		rt.throwf(apperr.BadRequest, "fetch() needs a relationship field")
	}
	m, ok := w.raw().(map[string]any)
	if !ok {
		return goja.Null()
	}
	id, _ := m["id"].(string)
	target := rt.e.app.Entity(w.f.Rules.Entity)
	if id == "" || target == nil {
		return goja.Null()
	}
	return rt.findByIDAs(rt.caller(), target, id)
}

// ---- Action ----

// actionHost is a sys.data.Action: its name and parameters.
type actionHost struct {
	base
	a      *app.Action
	params *recordHost
}

func (rt *runtime) actionMethods() {
	act := func(c goja.FunctionCall) *actionHost { return this[*actionHost](rt, c, "Action") }
	rt.define("action", map[string]func(goja.FunctionCall) goja.Value{
		"name":  func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(act(c).a.Name) },
		"label": func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(act(c).a.Label) },
		"field": func(c goja.FunctionCall) goja.Value {
			a := act(c)
			steps, fs, err := parsePath(a.params.fields, str(c, 0))
			if err != nil {
				rt.throwf(apperr.BadRequest, "%v", err)
			}
			return rt.object(rt.newWrapper(a.params, steps, fs[len(fs)-1]))
		},
		"toJSON": func(c goja.FunctionCall) goja.Value {
			a := act(c)
			o := rt.vm.NewObject()
			_ = o.Set("name", a.a.Name)
			return o
		},
	})
}

func (rt *runtime) newAction(e *app.Entity, a *app.Action, params record.Values) *goja.Object {
	p := rt.newRecord(e, "", 0, "", params, nil)
	p.fields = a.Parameters
	p.e = nil
	return rt.object(&actionHost{base: base{rt.m["action"]}, a: a, params: p})
}

// wrapperJS is a Wrapper's value in JS-API form: all values for a
// ManyWrapper, one for a Wrapper (an element of a many field too).
func (rt *runtime) wrapperJS(w *wrapperHost) goja.Value {
	if w.many {
		return rt.toJS(w.f, w.raw())
	}
	return rt.scalarJS(w.f, w.raw())
}

// numberHex is toHex(): the value in hexadecimal as JavaScript's
// toString(16) writes it ("ff", "-1a", "3.8"), "" when empty.
func numberHex(v any) string {
	d, ok := parseDec(fmt.Sprint(normalizeNumber(v)))
	if v == nil || !ok {
		return ""
	}
	if d.scale < 0 {
		d = dec{new(big.Int).Mul(d.coef, pow10(-d.scale)), 0}
	}
	neg := d.coef.Sign() < 0
	abs := new(big.Int).Abs(d.coef)
	q, rem := new(big.Int).QuoRem(abs, pow10(d.scale), new(big.Int))
	out := q.Text(16)
	if rem.Sign() != 0 {
		// Fraction digits: multiply the remainder by 16 repeatedly (at most
		// 20 digits, as a double would give).
		den := pow10(d.scale)
		var b strings.Builder
		for i := 0; i < 20 && rem.Sign() != 0; i++ {
			rem.Mul(rem, big.NewInt(16))
			digit, r := new(big.Int).QuoRem(rem, den, new(big.Int))
			b.WriteString(digit.Text(16))
			rem = r
		}
		out += "." + b.String()
	}
	if neg {
		out = "-" + out
	}
	return out
}
