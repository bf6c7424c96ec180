package aggregate

import (
	"bytes"
	"encoding/json"
	"sort"

	"runway/app"
	"runway/query"
	"runway/types"
)

// Encode writes a document as JSON with its members in the shape's order
// (a nested item's id and label first, as records have them); members the
// shape does not list, if any, follow in name order. Values are written as
// decoded (numbers as their json.Number text).
func (s *Shape) Encode(d Doc) []byte {
	var b bytes.Buffer
	writeObject(&b, s.Fields, d, false)
	return b.Bytes()
}

func writeObject(b *bytes.Buffer, fields []*app.Field, m map[string]any, item bool) {
	b.WriteByte('{')
	n := 0
	member := func(k string, v any, f *app.Field) {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		writeValue(b, k)
		b.WriteByte(':')
		if f != nil && f.Type == types.Nested {
			writeNested(b, f, v)
			return
		}
		writeValue(b, v)
	}
	done := map[string]bool{}
	if item {
		for _, k := range []string{query.SysID, query.SysLabel} {
			if v, ok := m[k]; ok {
				member(k, v, nil)
				done[k] = true
			}
		}
	}
	for _, f := range fields {
		if v, ok := m[f.Name]; ok && !done[f.Name] {
			member(f.Name, v, f)
			done[f.Name] = true
		}
	}
	if len(done) < len(m) {
		rest := make([]string, 0, len(m)-len(done))
		for k := range m {
			if !done[k] {
				rest = append(rest, k)
			}
		}
		sort.Strings(rest)
		for _, k := range rest {
			member(k, m[k], nil)
		}
	}
	b.WriteByte('}')
}

// writeNested writes the value of a nested member: an object of its inner
// members, or an array of them.
func writeNested(b *bytes.Buffer, f *app.Field, v any) {
	switch x := v.(type) {
	case map[string]any:
		// Items of nested fields carry id and label first; lookup records
		// list their system members themselves.
		writeObject(b, f.Nested, x, len(f.Nested) == 0 || f.Nested[0] != sysID)
	case []any:
		b.WriteByte('[')
		for i, el := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeNested(b, f, el)
		}
		b.WriteByte(']')
	default:
		writeValue(b, v)
	}
}

// writeValue writes any other value as encoding/json does, without HTML
// escaping (as records are written).
func writeValue(b *bytes.Buffer, v any) {
	e := json.NewEncoder(b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		b.WriteString("null")
		return
	}
	b.Truncate(b.Len() - 1) // Encode's newline
}
