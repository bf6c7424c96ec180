package record

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"unicode/utf8"

	"runway/app"
	"runway/types"
)

// Values are a record's field values by field name, in native form. Nested
// items are Values too (with "id" and "label"); many-valued fields are []any.
type Values = map[string]any

// FieldSet selects fields for projection (_fields): a name maps to the set of
// its inner fields, nil meaning all of them. A nil FieldSet selects everything.
type FieldSet map[string]FieldSet

// Encode writes a record's native JSON: id, version and label first, then
// the fields in definition order (so the stored document is what a read
// returns). Nil values are left out; transient fields are never written.
func Encode(e *app.Entity, id string, version int64, label string, v Values, only FieldSet) []byte {
	b := encodeBuffers.Get().(*bytes.Buffer)
	b.Reset()
	b.WriteString(`{"id":`)
	writeString(b, id)
	b.WriteString(`,"version":`)
	b.WriteString(strconv.FormatInt(version, 10))
	b.WriteString(`,"label":`)
	writeString(b, label)
	writeFields(b, e.Fields, v, only)
	b.WriteByte('}')
	out := bytes.Clone(b.Bytes())
	if b.Cap() <= maxPooledBuffer {
		encodeBuffers.Put(b)
	}
	return out
}

// encodeBuffers are Encode's scratch buffers: a document is written there
// and copied out at its size, one allocation instead of a buffer grown
// (and copied) a few times.
var encodeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer bounds the buffers kept for the next Encode (a huge
// record's is left to the collector).
const maxPooledBuffer = 64 << 10

func writeFields(b *bytes.Buffer, fields []*app.Field, v Values, only FieldSet) {
	for _, f := range fields {
		if f.Transient {
			continue
		}
		sub, selected := only[f.Name]
		if only != nil && !selected {
			continue
		}
		val, ok := v[f.Name]
		if !ok || val == nil {
			continue
		}
		b.WriteString(`,`)
		writeString(b, f.Name)
		b.WriteByte(':')
		writeValue(b, f, val, sub)
	}
}

func writeValue(b *bytes.Buffer, f *app.Field, val any, only FieldSet) {
	if f.Type == types.Nested {
		if list, ok := val.([]any); ok {
			b.WriteByte('[')
			for i, item := range list {
				if i > 0 {
					b.WriteByte(',')
				}
				writeNestedItem(b, f, item, only)
			}
			b.WriteByte(']')
			return
		}
		writeNestedItem(b, f, val, only)
		return
	}
	writeJSON(b, val)
}

// AppendValue appends the native JSON of one value of f (null for nil),
// as Encode writes it (projected to only: nil is all), so two values of a
// field compare by their bytes.
func AppendValue(b *bytes.Buffer, f *app.Field, val any, only FieldSet) {
	if val == nil {
		b.WriteString("null")
		return
	}
	writeValue(b, f, val, only)
}

// AppendString appends s as a JSON string.
func AppendString(b *bytes.Buffer, s string) { writeString(b, s) }

func writeNestedItem(b *bytes.Buffer, f *app.Field, item any, only FieldSet) {
	m, ok := item.(Values)
	if !ok {
		writeJSON(b, item)
		return
	}
	b.WriteString(`{"id":`)
	writeJSON(b, m["id"])
	b.WriteString(`,"label":`)
	writeJSON(b, m["label"])
	writeFields(b, f.Nested, m, only)
	b.WriteByte('}')
}

func writeJSON(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		writeString(b, x)
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			b.WriteString("null")
			return
		}
		b.Write(strconv.AppendFloat(nil, x, 'f', -1, 64))
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		b.WriteString(string(x))
	case json.RawMessage: // already encoded (a fetched relationship)
		b.Write(x)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	default:
		out, err := json.Marshal(x)
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(out)
	}
}

// writeString writes s as a JSON string (the same escaping as encoding/json,
// without its HTML escaping, which the API does not need).
func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&0xf])
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// ReadsBack reports whether Decode gives back v's own strings and
// structure (its numbers as json.Number) from doc, the document Encode
// wrote of v: no field of e is transient (Encode leaves them out) and doc
// is UTF-8 (Decode replaces invalid bytes). A store may then read v
// instead of decoding doc again (store.Row.Values).
func ReadsBack(e *app.Entity, doc []byte) bool {
	return !hasTransient(e.Fields) && utf8.Valid(doc)
}

func hasTransient(fields []*app.Field) bool {
	for _, f := range fields {
		if f.Transient || hasTransient(f.Nested) {
			return true
		}
	}
	return false
}

// Decode reads a stored document back into Values (numbers as json.Number),
// returning the system fields separately.
func Decode(doc []byte) (id string, version int64, label string, v Values, err error) {
	if v, err = decodeObject(doc); err != nil {
		return "", 0, "", nil, err
	}
	id, _ = v["id"].(string)
	label, _ = v["label"].(string)
	if n, ok := v["version"].(json.Number); ok {
		version, _ = n.Int64()
	}
	delete(v, "id")
	delete(v, "version")
	delete(v, "label")
	return id, version, label, v, nil
}
