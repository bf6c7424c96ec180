package query

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"runway/app"
	"runway/types"
)

// decodeObject reads the URL form of nested-group equality, a JSON object
// of inner field values (query-language.md §7.1).
func decodeObject(raw string) (map[string]any, error) {
	d := json.NewDecoder(strings.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("%q is not a JSON object of inner field values", raw)
	}
	if rest := raw[d.InputOffset():]; strings.TrimSpace(rest) != "" {
		return nil, fmt.Errorf("%q: unexpected text after the JSON object", raw)
	}
	return m, nil
}

// objectCond builds the equality of nested group t with any of the objects:
// one item (the group itself when single) must hold every listed inner
// value.
func objectCond(a *app.App, t Target, objects []map[string]any, o *filterOpts) (*Cond, error) {
	c := &Cond{Target: t, Op: Equals}
	for _, m := range objects {
		v, err := objectValue(a, t, m, o)
		if err != nil {
			return nil, err
		}
		c.Values = append(c.Values, v)
	}
	return c, nil
}

// objectValue converts the inner values of one object with each inner
// field's query literal rules; null stands for "no value".
func objectValue(a *app.App, t Target, m map[string]any, o *filterOpts) (map[string]any, error) {
	if len(m) == 0 {
		return nil, fmt.Errorf("an empty object matches nothing: name at least one inner field of %s", t.Field.Name)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]any, len(m))
	for _, k := range keys {
		f := fieldNamed(t.Field.Nested, k, o.fold)
		if f == nil {
			return nil, fmt.Errorf("%q is not an inner field of %s", k, t.Field.Name)
		}
		if f.Type == types.Nested || !types.Supports(f.Type, string(Equals)) {
			return nil, fmt.Errorf("inner field %q of type %s cannot be compared for equality", k, f.Type)
		}
		if _, dup := out[f.Name]; dup {
			return nil, fmt.Errorf("inner field %q is given twice", f.Name)
		}
		if m[k] == nil {
			out[f.Name] = nil
			continue
		}
		s, ok := literal(m[k])
		if !ok {
			return nil, fmt.Errorf("inner field %q: a value must be a string, number, boolean or null, got %s", k, jsonKind(m[k]))
		}
		inner := Target{Path: append(append([]Step(nil), t.Path...), Step{Name: f.Name, Many: f.Many}), Field: f}
		v, err := queryValue(a, inner, Equals, s, o.fold)
		if err != nil {
			return nil, fmt.Errorf("inner field %q: %v", k, err)
		}
		out[f.Name] = v
	}
	return out, nil
}

// ObjectMember is the member of an inner field's value that nested-group
// equality compares: relationships their label, groups their id (values are
// resolved to group ids), files their name, dynamic choices their selected
// value; "" for plain values.
func ObjectMember(f *app.Field) string {
	if f.Type == types.Group {
		return SysID
	}
	return naturalMember(f)
}

// literal renders a JSON scalar as the text of a single (quoted) query
// literal.
func literal(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	}
	return "", false
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
