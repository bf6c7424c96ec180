package record

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// Reading a stored document in place: a reader that needs a few values of
// every record — an export's cells — walks the document's JSON and takes
// the values it wants as slices of it, instead of decoding every record
// into Values (maps, one string per value) first.

// errNotJSON is what Members and Elements answer for input they cannot
// read: not an object (an array), or not JSON.
var errNotJSON = errors.New("record: not a JSON object or array")

// Members calls fn with the key and the value of each member of the JSON
// object doc, in the document's order (a repeated key: each time), until
// fn answers an error (then answered). The value is doc's slice of it, as
// written (read for its extent: a string's escapes are checked when
// StringText reads it); key is valid during the call only.
func Members(doc []byte, fn func(key, val []byte) error) error {
	d := jsonDec{b: doc}
	if empty, err := d.open('{', '}'); empty || err != nil {
		return err
	}
	for {
		d.space()
		k, plain, ok := d.rawStr()
		if !ok {
			return errNotJSON
		}
		if !plain && (bytes.IndexByte(k, '\\') >= 0 || !utf8.Valid(k)) { // as encoding/json reads it
			var s string
			if json.Unmarshal(d.b[d.i-len(k)-2:d.i], &s) != nil {
				return errNotJSON
			}
			k = []byte(s)
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return errNotJSON
		}
		d.i++
		val, ok := d.span()
		if !ok {
			return errNotJSON
		}
		if err := fn(k, val); err != nil {
			return err
		}
		if end, ok := d.separator('}'); !ok {
			return errNotJSON
		} else if end {
			return d.end()
		}
	}
}

// Elements calls fn with each element of the JSON array arr, as Members
// does with an object's values (errNotJSON when arr is not an array).
func Elements(arr []byte, fn func(val []byte) error) error {
	d := jsonDec{b: arr}
	if empty, err := d.open('[', ']'); empty || err != nil {
		return err
	}
	for {
		val, ok := d.span()
		if !ok {
			return errNotJSON
		}
		if err := fn(val); err != nil {
			return err
		}
		if end, ok := d.separator(']'); !ok {
			return errNotJSON
		} else if end {
			return d.end()
		}
	}
}

// StringText is the text of the JSON string val (escapes read); ok is
// false when val is not a string. Without escapes the text is val's slice
// (bytes that are not UTF-8 are replaced, as encoding/json does).
func StringText(val []byte) (text []byte, ok bool) {
	d := jsonDec{b: val}
	s, plain, ok := d.rawStr()
	if !ok || d.i != len(val) {
		return nil, false
	}
	if plain || bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return s, true
	}
	var t string
	if json.Unmarshal(val, &t) != nil {
		return nil, false
	}
	return []byte(t), true
}

// open reads the opening byte of the object or array d holds, and its
// closing byte too when it is empty (then nothing else may follow).
func (d *jsonDec) open(opening, closing byte) (empty bool, err error) {
	d.space()
	if d.i >= len(d.b) || d.b[d.i] != opening {
		return false, errNotJSON
	}
	d.i++
	d.space()
	if d.i < len(d.b) && d.b[d.i] == closing {
		d.i++
		return true, d.end()
	}
	return false, nil
}

// end is nil when only spaces follow d.i.
func (d *jsonDec) end() error {
	d.space()
	if d.i != len(d.b) {
		return errNotJSON
	}
	return nil
}

// span reads a value (spaces before it skipped) and answers its slice.
func (d *jsonDec) span() ([]byte, bool) {
	d.space()
	start := d.i
	if !d.skip() {
		return nil, false
	}
	return d.b[start:d.i], true
}

// skip reads past one value without building it.
func (d *jsonDec) skip() bool {
	if d.i >= len(d.b) {
		return false
	}
	switch c := d.b[d.i]; {
	case c == '{', c == '[':
		return d.skipContainer()
	case c == '"':
		_, _, ok := d.rawStr()
		return ok
	case c == 't':
		return d.lit("true")
	case c == 'f':
		return d.lit("false")
	case c == 'n':
		return d.lit("null")
	case c == '-' || c >= '0' && c <= '9':
		return d.skipNumber()
	}
	return false
}

// skipContainer reads past an object or an array.
func (d *jsonDec) skipContainer() bool {
	closing := byte(']')
	object := d.b[d.i] == '{'
	if object {
		closing = '}'
	}
	d.i++
	d.space()
	if d.i < len(d.b) && d.b[d.i] == closing {
		d.i++
		return true
	}
	for {
		d.space()
		if object {
			if _, _, ok := d.rawStr(); !ok {
				return false
			}
			d.space()
			if d.i >= len(d.b) || d.b[d.i] != ':' {
				return false
			}
			d.i++
			d.space()
		}
		if !d.skip() {
			return false
		}
		if end, ok := d.separator(closing); !ok || end {
			return ok
		}
	}
}

// rawStr reads a string at d.i and answers its bytes between the quotes,
// as written, and whether they are plain: ASCII without escapes (read as
// they are).
func (d *jsonDec) rawStr() (s []byte, plain, ok bool) {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return nil, false, false
	}
	start := d.i + 1
	special := false // an escape or a byte beyond ASCII
	j := start
	// eight plain bytes at a time: most of a document is strings (an
	// export reads every one of a million)
	for j+8 <= len(d.b) && plainWord(binary.LittleEndian.Uint64(d.b[j:])) {
		j += 8
	}
	for ; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			d.i = j + 1
			return d.b[start:j], !special, true
		case c == '\\':
			special = true
			j++
		case c < 0x20:
			return nil, false, false
		case c >= 0x80:
			special = true
		}
	}
	return nil, false, false
}

const (
	ones = 0x0101010101010101 // 0x01 in every byte
	high = 0x8080808080808080 // the high bit of every byte
)

// plainWord reports whether none of the eight bytes of w ends a plain
// string run: a quote, a backslash, a control byte or one beyond ASCII.
// With every high bit clear, (x - ones) &^ x has a high bit set exactly
// when x has a zero byte, and (w - 0x20*ones) &^ w when w has a byte
// below 0x20.
func plainWord(w uint64) bool {
	if w&high != 0 {
		return false
	}
	q := w ^ ('"' * ones)
	b := w ^ ('\\' * ones)
	return ((q-ones)&^q|(b-ones)&^b|(w-0x20*ones)&^w)&high == 0
}
