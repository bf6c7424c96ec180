package script

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"runway/app"
	"runway/record"
	"runway/types"
)

// Values cross between Go and JavaScript in three forms:
//
//   - native: a record's stored values (record.Values, json.Number …);
//   - JS-API: what Wrapper.val() returns (app-model.md §7): Dates for the
//     date family (00:00 UTC for dates, §8 Q15), BigNumbers for bigNumber,
//     objects for relationships (with "link"), nested groups, files,
//     groups, geo points and dynamic choices, numbers and strings else;
//   - JSON: what a script returns as a response (Records become their
//     native JSON, Dates epoch milliseconds, BigNumbers strings).

// toJS converts a native value of field f to its JS-API form.
func (rt *runtime) toJS(f *app.Field, v any) goja.Value {
	if f == nil {
		return rt.plainJS(v)
	}
	if f.Many {
		list, _ := v.([]any)
		out := make([]any, len(list))
		for i, el := range list {
			out[i] = rt.scalarJS(f, el)
		}
		return rt.vm.NewArray(out...)
	}
	return rt.scalarJS(f, v)
}

// scalarJS converts one value (an element of a many field too).
func (rt *runtime) scalarJS(f *app.Field, v any) goja.Value {
	if v == nil {
		return goja.Null()
	}
	switch f.Type {
	case types.Date:
		if t, err := time.Parse("2006-01-02", fmt.Sprint(v)); err == nil {
			return rt.date(t)
		}
	case types.DateTime, types.RecordCreated, types.RecordModified:
		if ms, ok := int64Of(v); ok {
			return rt.date(time.UnixMilli(ms))
		}
	case types.DateTimeNoTimezone:
		if t, err := time.Parse("2006-01-02 15:04", fmt.Sprint(v)); err == nil {
			return rt.date(t)
		}
	case types.MonthDay:
		if t, err := time.Parse("2006-01-02", "2000-"+fmt.Sprint(v)); err == nil {
			return rt.date(t)
		}
	case types.YearMonth:
		if t, err := time.Parse("2006-01", fmt.Sprint(v)); err == nil {
			return rt.date(t)
		}
	case types.BigNumber:
		if d, ok := parseDec(fmt.Sprint(v)); ok {
			return rt.newBig(d)
		}
	case types.Relationship:
		if m, ok := v.(map[string]any); ok {
			o := rt.vm.NewObject()
			for k, x := range m {
				_ = o.Set(k, rt.plainJS(x))
			}
			if id, ok := m["id"].(string); ok {
				_ = o.Set("link", "/data/"+f.Rules.Entity+"/"+id)
			}
			return o
		}
	case types.Nested:
		if m, ok := v.(map[string]any); ok {
			o := rt.vm.NewObject()
			for _, k := range []string{"id", "label"} {
				if x, ok := m[k]; ok {
					_ = o.Set(k, rt.plainJS(x))
				}
			}
			for _, inner := range f.Nested {
				if x, ok := m[inner.Name]; ok {
					_ = o.Set(inner.Name, rt.toJS(inner, x))
				}
			}
			return o
		}
	}
	return rt.plainJS(v)
}

// plainJS converts a JSON-like Go value (numbers as json.Number).
func (rt *runtime) plainJS(v any) goja.Value {
	switch x := v.(type) {
	case nil:
		return goja.Null()
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return rt.vm.ToValue(n)
		}
		f, _ := x.Float64()
		return rt.vm.ToValue(f)
	case map[string]any:
		o := rt.vm.NewObject()
		for k, e := range x {
			_ = o.Set(k, rt.plainJS(e))
		}
		return o
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = rt.plainJS(e)
		}
		return rt.vm.NewArray(out...)
	case goja.Value:
		return x
	}
	return rt.vm.ToValue(v)
}

func (rt *runtime) date(t time.Time) goja.Value {
	o, err := rt.vm.New(rt.vm.Get("Date"), rt.vm.ToValue(t.UnixMilli()))
	if err != nil {
		return goja.Null()
	}
	return o
}

// dateOf returns the time of a JS Date.
func dateOf(v goja.Value) (time.Time, bool) {
	o, ok := v.(*goja.Object)
	if !ok || o.ClassName() != "Date" {
		return time.Time{}, false
	}
	t, ok := o.Export().(time.Time)
	return t.UTC(), ok
}

func int64Of(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<62 {
			return int64(x), true
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, true
		}
		if f, err := x.Float64(); err == nil && f == math.Trunc(f) {
			return int64(f), true
		}
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return n, true
		}
	}
	return 0, false
}

// fromJS converts a JS value written to field f (Wrapper.val(x)) to its
// native form. An unparsable value becomes null, silently (app-model.md
// §2 type notes); relationships keep what identifies the target ({id} or
// the label / lookup text), resolved when the record is saved.
func (rt *runtime) fromJS(f *app.Field, v goja.Value) any {
	if isNothing(v) {
		if f.Many {
			return []any{}
		}
		return nil
	}
	if f.Many {
		var list []any
		if o, ok := v.(*goja.Object); ok && o.ClassName() == "Array" {
			n := int(o.Get("length").ToInteger())
			for i := 0; i < n; i++ {
				if x := rt.scalarFromJS(f, o.Get(strconv.Itoa(i))); x != nil {
					list = append(list, x)
				}
			}
		} else if x := rt.scalarFromJS(f, v); x != nil {
			list = append(list, x)
		}
		if list == nil {
			list = []any{}
		}
		return list
	}
	return rt.scalarFromJS(f, v)
}

// scalarFromJS converts one value (an element of a many field too).
func (rt *runtime) scalarFromJS(f *app.Field, v goja.Value) any {
	if isNothing(v) {
		return nil
	}
	if t, ok := dateOf(v); ok {
		switch f.Type {
		case types.Date:
			return t.Format("2006-01-02")
		case types.DateTimeNoTimezone:
			return t.Format("2006-01-02 15:04")
		case types.Time:
			return t.Format("15:04")
		case types.MonthDay:
			return t.Format("01-02")
		case types.YearMonth:
			return t.Format("2006-01")
		}
		return parsed(f, t.UnixMilli())
	}
	if b, ok := hostOf[*bigHost](v); ok {
		return parsed(f, b.d.String())
	}
	if w, ok := hostOf[*wrapperHost](v); ok {
		v = rt.wrapperJS(w)
	}
	switch f.Type {
	case types.Relationship:
		if r, ok := hostOf[*recordHost](v); ok {
			if r.id == "" {
				return nil
			}
			return map[string]any{"id": r.id, "label": r.label}
		}
		x := exportJSON(v)
		switch t := x.(type) {
		case string:
			if record.IsID(t) {
				return map[string]any{"id": t}
			}
			return t
		case map[string]any:
			out := map[string]any{}
			for _, k := range []string{"id", "label"} {
				if s, ok := t[k].(string); ok && s != "" {
					out[k] = s
				}
			}
			if len(out) == 0 {
				return t // a lookup-field object
			}
			return out
		}
		return nil
	case types.Nested:
		o, ok := v.(*goja.Object)
		if !ok {
			return nil
		}
		item := record.Values{}
		if id := o.Get("id"); !isNothing(id) {
			item["id"] = id.String()
		}
		for _, inner := range f.Nested {
			x := o.Get(inner.Name)
			if x == nil || goja.IsUndefined(x) {
				continue
			}
			if val := rt.fromJS(inner, x); val != nil {
				item[inner.Name] = val
			}
		}
		return item
	case types.Group, types.File, types.GeoPoint, types.DynamicChoice:
		return parsed(f, exportJSON(v))
	}
	return parsed(f, exportJSON(v))
}

// parsed reads a value with the type's REST rules; invalid → nil.
func parsed(f *app.Field, x any) any {
	switch f.Type {
	case types.Relationship, types.Group, types.File, types.Nested:
		return x
	}
	v, p := types.Parse(f.Type, f.Rules, x)
	if p != nil {
		return nil
	}
	return v
}

// exportJSON exports a JS value to a JSON-like Go value (numbers as
// json.Number so they parse like REST input).
func exportJSON(v goja.Value) any {
	if isNothing(v) {
		return nil
	}
	switch x := v.Export().(type) {
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return json.Number(strconv.FormatFloat(x, 'f', -1, 64))
	case map[string]any:
		return jsonify(x)
	case []any:
		return jsonify(x)
	default:
		return x
	}
}

func jsonify(v any) any {
	switch x := v.(type) {
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return json.Number(strconv.FormatFloat(x, 'f', -1, 64))
	case map[string]any:
		for k, e := range x {
			x[k] = jsonify(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = jsonify(e)
		}
		return x
	case time.Time:
		return json.Number(strconv.FormatInt(x.UnixMilli(), 10))
	}
	return v
}

// maxJSONDepth bounds the response conversion (cycles).
const maxJSONDepth = 64

// toJSON converts a script's return value to JSON: Records become their
// native JSON, Dates epoch milliseconds, BigNumbers strings, functions and
// undefined members are left out. A value that cannot be converted (a
// cycle, a function at the top) is an error.
func (rt *runtime) toJSON(v goja.Value) (json.RawMessage, error) {
	x, err := rt.jsonValue(v, 0)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(x)
	if err != nil {
		return nil, fmt.Errorf("the returned value cannot be converted to JSON: %v", err)
	}
	return b, nil
}

func (rt *runtime) jsonValue(v goja.Value, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("the returned value is nested deeper than %d levels (a cycle?)", maxJSONDepth)
	}
	if isNothing(v) {
		return nil, nil
	}
	if t, ok := dateOf(v); ok {
		return t.UnixMilli(), nil
	}
	o, isObj := v.(*goja.Object)
	if !isObj {
		switch x := v.Export().(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, nil
			}
		}
		return v.Export(), nil
	}
	switch h := o.Export().(type) {
	case *recordHost:
		return json.RawMessage(h.json()), nil
	case *wrapperHost:
		return rt.jsonValue(rt.wrapperJS(h), depth+1)
	case *bigHost:
		return h.d.String(), nil
	case goja.DynamicObject:
		return nil, fmt.Errorf("a %T cannot be converted to JSON", h)
	}
	if _, isFn := goja.AssertFunction(o); isFn {
		return nil, fmt.Errorf("a function cannot be converted to JSON")
	}
	if o.ClassName() == "Array" {
		n := int(o.Get("length").ToInteger())
		out := make([]any, n)
		for i := 0; i < n; i++ {
			x, err := rt.jsonValue(o.Get(strconv.Itoa(i)), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	if tj, ok := goja.AssertFunction(o.Get("toJSON")); ok {
		r, err := tj(o)
		if err != nil {
			return nil, err
		}
		return rt.jsonValue(r, depth+1)
	}
	out := map[string]any{}
	for _, k := range o.Keys() {
		e := o.Get(k)
		if omitted(e) {
			continue
		}
		x, err := rt.jsonValue(e, depth+1)
		if err != nil {
			return nil, err
		}
		out[k] = x
	}
	return out, nil
}

// queryLiteral renders a JS value as one quoted literal of the filter
// syntax (query-language.md): dates in the field's query format, records
// and relationship values as their id.
func (rt *runtime) queryLiteral(f *app.Field, v goja.Value) (string, error) {
	if isNothing(v) {
		return "", fmt.Errorf("a null value: use empty()")
	}
	if t, ok := dateOf(v); ok {
		kind := ""
		if f != nil {
			kind = f.Type
		}
		switch kind {
		case types.Date:
			return quote(t.Format("2006-01-02")), nil
		case types.DateTimeNoTimezone:
			return quote(t.Format("2006-01-02 15:04")), nil
		case types.Time:
			return quote(t.Format("15:04")), nil
		case types.MonthDay:
			return quote(t.Format("01-02")), nil
		case types.YearMonth:
			return quote(t.Format("2006-01")), nil
		}
		return quote(strconv.FormatInt(t.UnixMilli(), 10)), nil
	}
	if r, ok := hostOf[*recordHost](v); ok {
		return quote(r.id), nil
	}
	if b, ok := hostOf[*bigHost](v); ok {
		return quote(b.d.String()), nil
	}
	if w, ok := hostOf[*wrapperHost](v); ok {
		raw := w.raw()
		if m, ok := raw.(map[string]any); ok {
			if id, ok := m["id"].(string); ok {
				return quote(id), nil
			}
		}
		return quote(fmt.Sprint(raw)), nil
	}
	switch x := exportJSON(v).(type) {
	case string:
		return quote(x), nil
	case json.Number:
		return quote(x.String()), nil
	case bool:
		return quote(strconv.FormatBool(x)), nil
	case map[string]any:
		if id, ok := x["id"].(string); ok {
			return quote(id), nil
		}
		b, _ := json.Marshal(x)
		return string(b), nil
	}
	return "", fmt.Errorf("unsupported value %s", v.String())
}

// quote makes s one literal of the filter syntax.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
