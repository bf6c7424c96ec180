package record

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// decodeObject reads a stored document (a JSON object) into Values:
// objects map[string]any, arrays []any, numbers json.Number, strings,
// booleans, nil. Every read of a record decodes its document, so the common
// case is read without encoding/json's reflection (several times faster);
// anything the fast reader does not expect — escapes it cannot take as
// they are, bytes that are not UTF-8, trailing data, not an object — goes
// through encoding/json, which decides.
func decodeObject(doc []byte) (Values, error) {
	d := jsonDec{b: doc}
	d.space()
	m, ok := d.object()
	d.space()
	if ok && d.i == len(d.b) {
		return m, nil
	}
	return decodeJSON(doc)
}

// decodeJSON is decodeObject by encoding/json.
func decodeJSON(doc []byte) (Values, error) {
	var v Values
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// jsonDec reads JSON from b at i; each method reports false on input it
// does not handle (the caller then falls back).
type jsonDec struct {
	b []byte
	i int
}

func (d *jsonDec) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonDec) value() (any, bool) {
	d.space()
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		m, ok := d.object()
		if !ok {
			return nil, false
		}
		return m, true
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.lit("true")
	case c == 'f':
		return false, d.lit("false")
	case c == 'n':
		return nil, d.lit("null")
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	return nil, false
}

func (d *jsonDec) lit(s string) bool {
	if len(d.b)-d.i < len(s) || string(d.b[d.i:d.i+len(s)]) != s {
		return false
	}
	d.i += len(s)
	return true
}

func (d *jsonDec) object() (map[string]any, bool) {
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		return nil, false
	}
	d.i++
	m := make(map[string]any, 8)
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return m, true
	}
	for {
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, false
		}
		d.i++
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		m[k] = v // a repeated key: the last one wins, as with encoding/json
		if end, ok := d.separator('}'); !ok || end {
			return m, ok
		}
	}
}

func (d *jsonDec) array() (any, bool) {
	d.i++ // '['
	out := []any{}
	d.space()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return out, true
	}
	for {
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if end, ok := d.separator(']'); !ok || end {
			return out, ok
		}
	}
}

// separator reads what follows a member of an object or an array: a comma
// (another member follows) or the closing byte (end); anything else is
// not JSON (ok false).
func (d *jsonDec) separator(closing byte) (end, ok bool) {
	d.space()
	if d.i >= len(d.b) {
		return false, false
	}
	switch d.b[d.i] {
	case ',':
		d.i++
		return false, true
	case closing:
		d.i++
		return true, true
	}
	return false, false
}

// str reads a string; one with escapes or bytes that are not valid UTF-8
// goes through strconv (escapes) or is refused (the fallback then
// replaces invalid bytes like encoding/json).
func (d *jsonDec) str() (string, bool) {
	start := d.i + 1
	for j := start; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			d.i = j + 1
			s := d.b[start:j]
			if !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c == '\\':
			return d.escaped(start)
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

// escaped reads a string with escapes starting at start (after its quote)
// with encoding/json.
func (d *jsonDec) escaped(start int) (string, bool) {
	j := start
	for j < len(d.b) {
		switch d.b[j] {
		case '\\':
			j += 2
			continue
		case '"':
			var s string
			if err := json.Unmarshal(d.b[start-1:j+1], &s); err != nil {
				return "", false
			}
			d.i = j + 1
			return s, true
		}
		j++
	}
	return "", false
}

func (d *jsonDec) number() (any, bool) {
	start := d.i
	if !d.skipNumber() {
		return nil, false
	}
	return json.Number(d.b[start:d.i]), true
}

// skipNumber reads past a number in JSON's grammar.
func (d *jsonDec) skipNumber() bool {
	j := d.i
	if d.b[j] == '-' {
		j++
	}
	digits := j
	j = d.digits(j)
	if j == digits || d.b[digits] == '0' && j-digits > 1 {
		return false
	}
	if j < len(d.b) && d.b[j] == '.' {
		j++
		f := j
		j = d.digits(j)
		if j == f {
			return false
		}
	}
	if j < len(d.b) && (d.b[j] == 'e' || d.b[j] == 'E') {
		j++
		if j < len(d.b) && (d.b[j] == '+' || d.b[j] == '-') {
			j++
		}
		f := j
		j = d.digits(j)
		if j == f {
			return false
		}
	}
	d.i = j
	return true
}

// digits is the end of the run of decimal digits that starts at j.
func (d *jsonDec) digits(j int) int {
	for j < len(d.b) && d.b[j] >= '0' && d.b[j] <= '9' {
		j++
	}
	return j
}
