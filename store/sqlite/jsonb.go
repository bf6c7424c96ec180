package sqlite

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Records are stored as JSONB (SQLite's binary JSON, https://sqlite.org/jsonb.html):
// conditions and sort keys read their fields without parsing text. A read
// takes the document as stored and writes its JSON text here: SQLite's
// json() does the same work several times slower (the C of the pure-Go
// driver), and a read of every record of a table spent half its time in it.

// The JSONB element types (the low four bits of an element's first byte).
const (
	jbNull    = 0
	jbTrue    = 1
	jbFalse   = 2
	jbInt     = 3
	jbInt5    = 4
	jbFloat   = 5
	jbFloat5  = 6
	jbText    = 7
	jbTextJ   = 8
	jbText5   = 9
	jbTextRaw = 10
	jbArray   = 11
	jbObject  = 12
)

// errJSONB is a document jsonbText cannot read: not JSONB, or holding
// JSON5 elements (hexadecimal numbers, JSON5 escapes), which SQLite's
// jsonb() makes of JSON5 text only — Runway writes RFC 8259 JSON.
var errJSONB = errors.New("sqlite: not a JSONB document of RFC 8259 JSON")

// jsonbText appends to dst the JSON text of the JSONB document doc,
// byte for byte as SQLite's json() writes it.
func jsonbText(dst, doc []byte) ([]byte, error) {
	dst, n, err := appendElement(dst, doc, 0)
	if err == nil && n != len(doc) {
		err = errJSONB
	}
	if err != nil {
		return nil, fmt.Errorf("%w (%d bytes)", err, len(doc))
	}
	return dst, nil
}

// maxDepth is SQLite's limit of nested arrays and objects.
const maxDepth = 1000

// appendElement appends the JSON text of the element at the start of b
// and answers the element's size.
func appendElement(dst, b []byte, depth int) ([]byte, int, error) {
	typ, h, size, ok := elementHeader(b)
	if !ok {
		return dst, 0, errJSONB
	}
	payload := b[h : h+size]
	switch typ {
	case jbNull:
		dst = append(dst, "null"...)
	case jbTrue:
		dst = append(dst, "true"...)
	case jbFalse:
		dst = append(dst, "false"...)
	case jbInt, jbFloat:
		dst = append(dst, payload...)
	case jbText, jbTextJ:
		dst = append(append(append(dst, '"'), payload...), '"')
	case jbTextRaw:
		dst = appendEscaped(dst, payload)
	case jbArray, jbObject:
		if depth >= maxDepth {
			return dst, 0, errJSONB
		}
		var err error
		if dst, err = appendContainer(dst, payload, typ == jbObject, depth+1); err != nil {
			return dst, 0, err
		}
	default: // JSON5 forms, reserved types
		return dst, 0, errJSONB
	}
	return dst, h + size, nil
}

// appendContainer appends an array's elements, or an object's members,
// whose elements are payload.
func appendContainer(dst, payload []byte, object bool, depth int) ([]byte, error) {
	open, closing := byte('['), byte(']')
	if object {
		open, closing = '{', '}'
	}
	dst = append(dst, open)
	for i, p := 0, 0; p < len(payload); i++ {
		if i > 0 {
			sep := byte(',')
			if object && i%2 == 1 {
				sep = ':'
			}
			dst = append(dst, sep)
		}
		if object && i%2 == 0 && !isText(payload[p]) {
			return dst, errJSONB // a key that is not a string
		}
		var n int
		var err error
		if dst, n, err = appendElement(dst, payload[p:], depth); err != nil {
			return dst, err
		}
		p += n
		if object && p == len(payload) && i%2 == 0 {
			return dst, errJSONB // a key without a value
		}
	}
	return append(dst, closing), nil
}

func isText(b byte) bool {
	t := b & 0x0f
	return t >= jbText && t <= jbTextRaw
}

// elementHeader reads the header of the element at the start of b: its
// type, the header's size and the payload's, ok false when b is shorter.
func elementHeader(b []byte) (typ byte, h, size int, ok bool) {
	if len(b) == 0 {
		return 0, 0, 0, false
	}
	typ = b[0] & 0x0f
	var n uint64
	switch s := b[0] >> 4; {
	case s <= 11:
		h, n = 1, uint64(s)
	case s == 12 && len(b) >= 2:
		h, n = 2, uint64(b[1])
	case s == 13 && len(b) >= 3:
		h, n = 3, uint64(binary.BigEndian.Uint16(b[1:]))
	case s == 14 && len(b) >= 5:
		h, n = 5, uint64(binary.BigEndian.Uint32(b[1:]))
	case s == 15 && len(b) >= 9:
		h, n = 9, binary.BigEndian.Uint64(b[1:])
	default:
		return 0, 0, 0, false
	}
	if n > uint64(len(b)-h) {
		return 0, 0, 0, false
	}
	return typ, h, int(n), true
}

// appendEscaped appends text as a JSON string, escaped as SQLite's json()
// escapes it.
func appendEscaped(dst, text []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range text {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c >= 0x20:
			dst = append(dst, c)
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return append(dst, '"')
}
