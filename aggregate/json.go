package aggregate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// object is a JSON object with its members in document order (stages of
// the single-object form, sort keys and group outputs are ordered).
// Duplicate names are kept; the readers that care refuse them.
type object struct {
	keys []string
	vals []any
}

// get returns the value of the first member named k.
func (o *object) get(k string) (any, bool) {
	for i, x := range o.keys {
		if x == k {
			return o.vals[i], true
		}
	}
	return nil, false
}

// duplicate returns the first name that appears twice, or "".
func (o *object) duplicate() string {
	seen := make(map[string]bool, len(o.keys))
	for _, k := range o.keys {
		if seen[k] {
			return k
		}
		seen[k] = true
	}
	return ""
}

// maxJSONDepth bounds the nesting of a pipeline body.
const maxJSONDepth = 64

// decodeOrdered reads one JSON value, objects as *object, numbers as
// json.Number; nothing but white space may follow it.
func decodeOrdered(b []byte) (any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("the body is empty")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	v, err := decodeValue(d, 0)
	if errors.Is(err, io.EOF) {
		return nil, io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the pipeline")
	}
	return v, nil
}

func decodeValue(d *json.Decoder, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxJSONDepth)
	}
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		o := &object{}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeValue(d, depth+1)
			if err != nil {
				return nil, err
			}
			o.keys = append(o.keys, k.(string))
			o.vals = append(o.vals, v)
		}
		_, err := d.Token() // '}'
		return o, err
	case json.Delim('['):
		list := []any{}
		for d.More() {
			v, err := decodeValue(d, depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, err := d.Token() // ']'
		return list, err
	}
	return t, nil
}

// plainJSON turns ordered objects back into map[string]any (match maps,
// whose entries are AND-ed in any order); the last of duplicate names wins
// as in encoding/json.
func plainJSON(v any) any {
	switch x := v.(type) {
	case *object:
		m := make(map[string]any, len(x.keys))
		for i, k := range x.keys {
			m[k] = plainJSON(x.vals[i])
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainJSON(e)
		}
		return out
	}
	return v
}

// kindOf names a decoded JSON value's kind for messages.
func kindOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case *object:
		if len(x.keys) == 0 {
			return "an empty object"
		}
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}
