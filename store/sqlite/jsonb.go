package sqlite

import (
	"bytes"
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

// Records are written as JSONB made here from their JSON text, byte for
// byte what SQLite's jsonb() makes of it (minimal size headers): jsonb()
// was a quarter of the store writer's time per insert.

// errJSONText is a document jsonbOf refuses: not RFC 8259 JSON (SQLite
// would read some of it as JSON5, which Runway never writes).
var errJSONText = errors.New("doc is not valid JSON")

// jsonbOf appends to dst the JSONB of the JSON text doc.
func jsonbOf(dst, doc []byte) ([]byte, error) {
	if dst == nil {
		dst = make([]byte, 0, len(doc)+8) // JSONB is about as long as its text
	}
	p := jsonbParser{in: doc, out: dst}
	p.space()
	if err := p.value(0); err != nil {
		return dst, fmt.Errorf("%w (at byte %d of %d)", err, p.pos, len(doc))
	}
	if p.space(); p.pos != len(doc) {
		return dst, fmt.Errorf("%w (at byte %d of %d)", errJSONText, p.pos, len(doc))
	}
	return p.out, nil
}

type jsonbParser struct {
	in  []byte
	pos int
	out []byte
}

func (p *jsonbParser) space() {
	for p.pos < len(p.in) {
		switch p.in[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// value appends the element of the value at pos.
func (p *jsonbParser) value(depth int) error {
	if p.pos >= len(p.in) {
		return errJSONText
	}
	switch c := p.in[p.pos]; {
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return errJSONText
		}
		return p.container(c == '{', depth+1)
	case c == '"':
		return p.text()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case p.literal("null"):
		p.out = append(p.out, jbNull)
	case p.literal("true"):
		p.out = append(p.out, jbTrue)
	case p.literal("false"):
		p.out = append(p.out, jbFalse)
	default:
		return errJSONText
	}
	return nil
}

func (p *jsonbParser) literal(word string) bool {
	if !bytes.HasPrefix(p.in[p.pos:], []byte(word)) {
		return false
	}
	p.pos += len(word)
	return true
}

// container appends an array or an object: a header wide enough for any
// payload first, narrowed to the payload's size once it is written.
func (p *jsonbParser) container(object bool, depth int) error {
	typ, closing := byte(jbArray), byte(']')
	if object {
		typ, closing = jbObject, '}'
	}
	start := len(p.out)
	p.out = append(p.out, 0, 0, 0, 0, 0)
	p.pos++ // [ or {
	p.space()
	for i := 0; ; i++ {
		if p.pos < len(p.in) && p.in[p.pos] == closing && i == 0 {
			break
		}
		if object {
			if p.pos >= len(p.in) || p.in[p.pos] != '"' {
				return errJSONText
			}
			if err := p.text(); err != nil {
				return err
			}
			if p.space(); p.pos >= len(p.in) || p.in[p.pos] != ':' {
				return errJSONText
			}
			p.pos++
			p.space()
		}
		if err := p.value(depth); err != nil {
			return err
		}
		if p.space(); p.pos < len(p.in) && p.in[p.pos] == ',' {
			p.pos++
			p.space()
			continue
		}
		if p.pos >= len(p.in) || p.in[p.pos] != closing {
			return errJSONText
		}
		break
	}
	p.pos++
	size := len(p.out) - start - 5
	h := putHeader(p.out[start:], typ, size)
	if h < 5 {
		copy(p.out[start+h:], p.out[start+5:])
		p.out = p.out[:start+h+size]
	}
	return nil
}

// putHeader writes at b the smallest header of an element of typ with a
// payload of size bytes (b has room for 5) and answers its size.
func putHeader(b []byte, typ byte, size int) int {
	switch {
	case size <= 11:
		b[0] = byte(size)<<4 | typ
		return 1
	case size <= 0xff:
		b[0], b[1] = 12<<4|typ, byte(size)
		return 2
	case size <= 0xffff:
		b[0] = 13<<4 | typ
		binary.BigEndian.PutUint16(b[1:], uint16(size))
		return 3
	}
	b[0] = 14<<4 | typ
	binary.BigEndian.PutUint32(b[1:], uint32(size))
	return 5
}

// appendNode appends an element of typ whose payload is payload.
func (p *jsonbParser) appendNode(typ byte, payload []byte) {
	var h [5]byte
	n := putHeader(h[:], typ, len(payload))
	p.out = append(append(p.out, h[:n]...), payload...)
}

// text appends the string at pos: TEXT as it is, TEXTJ when it holds
// escapes (kept escaped, as SQLite keeps them).
func (p *jsonbParser) text() error {
	start := p.pos + 1
	typ := byte(jbText)
	i := start
	for {
		for i < len(p.in) && p.in[i] >= 0x20 && p.in[i] != '"' && p.in[i] != '\\' {
			i++ // the common case first: plain characters
		}
		if i >= len(p.in) {
			return errJSONText
		}
		c := p.in[i]
		switch {
		case c == '"':
			p.appendNode(typ, p.in[start:i])
			p.pos = i + 1
			return nil
		case c < 0x20:
			return errJSONText
		case c == '\\':
			if i+1 >= len(p.in) {
				return errJSONText
			}
			switch p.in[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(p.in) || !isHex4(p.in[i+2:i+6]) {
					return errJSONText
				}
				i += 6
			default:
				return errJSONText
			}
			typ = jbTextJ
		default:
			i++
		}
	}
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// number appends the number at pos as its text: INT without a fraction or
// an exponent, FLOAT with.
func (p *jsonbParser) number() error {
	start, i := p.pos, p.pos
	if p.in[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(p.in) && p.in[i] >= '0' && p.in[i] <= '9' {
			i++
			n++
		}
		return n
	}
	lead := i
	if n := digits(); n == 0 || n > 1 && p.in[lead] == '0' {
		return errJSONText
	}
	typ := byte(jbInt)
	if i < len(p.in) && p.in[i] == '.' {
		i++
		if digits() == 0 {
			return errJSONText
		}
		typ = jbFloat
	}
	if i < len(p.in) && (p.in[i] == 'e' || p.in[i] == 'E') {
		i++
		if i < len(p.in) && (p.in[i] == '+' || p.in[i] == '-') {
			i++
		}
		if digits() == 0 {
			return errJSONText
		}
		typ = jbFloat
	}
	p.appendNode(typ, p.in[start:i])
	p.pos = i
	return nil
}
