package jobs

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"time"

	"runway/app"
	"runway/record"
	"runway/types"
)

// cellReader reads the cells of the records an export writes from their
// stored documents (JSON), in place: no record is decoded into values.
// A record's cells are encoded in buf — per cell the number of its column
// key and its text — as the spool keeps them, and counts notes the most
// values each multi-valued field has had (the columns it needs).
type cellReader struct {
	specs  []*spec
	counts map[string]int // count key (countKey) → most values seen
	ids    map[string]int // column key → its number
	keys   []string       // column keys by number
	buf    []byte         // the last record's cells
	n      int            // cells in buf
	key    []byte         // scratch: a column key
	count  []byte         // scratch: a count key
	text   []byte         // scratch: a formatted value
}

func newCellReader(specs []*spec) *cellReader {
	return &cellReader{specs: specs, counts: map[string]int{}, ids: map[string]int{},
		key: make([]byte, 0, 256), count: make([]byte, 0, 256)}
}

// seed continues the key numbers and the counts of a spool written
// before (the part a halted export kept).
func (c *cellReader) seed(keys []string, counts map[string]int) {
	for _, k := range keys {
		c.ids[k] = len(c.keys)
		c.keys = append(c.keys, k)
	}
	for k, n := range counts {
		c.counts[k] = n
	}
}

// read encodes the cells of one record's document in c.buf.
func (c *cellReader) read(doc []byte) error {
	c.buf, c.n = c.buf[:0], 0
	return c.object(c.specs, doc, c.key[:0], c.count[:0])
}

// object reads the cells of the fields of specs in the JSON object obj;
// key and count are the column and count keys of obj's path (each ending
// in "." below the top).
func (c *cellReader) object(specs []*spec, obj, key, count []byte) error {
	next := 0
	return record.Members(obj, func(name, val []byte) error {
		s, at := specNamed(specs, name, next)
		if s == nil || val[0] == 'n' { // not a column, or null
			return nil
		}
		next = at + 1
		k, ck := append(key, name...), append(count, name...)
		if !s.f.Many {
			return c.value(s, val, k, ck)
		}
		if val[0] != '[' {
			return nil
		}
		ck = append(ck, "[]"...)
		i := 0
		err := record.Elements(val, func(item []byte) error {
			ki := append(strconv.AppendInt(append(k, '['), int64(i), 10), ']')
			i++
			return c.value(s, item, ki, ck)
		})
		if i > c.counts[string(ck)] {
			c.counts[string(ck)] = i
		}
		return err
	})
}

// value reads the cell of one value of s (a label, a leaf) and, for a
// nested or fetched record, the cells of its fields.
func (c *cellReader) value(s *spec, val, key, count []byte) error {
	if len(s.sub) == 0 || s.label {
		text, err := c.cellText(s.f, val)
		if err != nil {
			return err
		}
		if len(text) > 0 {
			c.put(key, text)
		}
	}
	if len(s.sub) > 0 && val[0] == '{' {
		return c.object(s.sub, val, append(key, '.'), append(count, '.'))
	}
	return nil
}

// specNamed is the spec of field name and its index in specs, looked for
// from next on first: documents hold their fields in definition order, as
// specs do.
func specNamed(specs []*spec, name []byte, next int) (*spec, int) {
	for k := range specs {
		i := (next + k) % len(specs)
		if specs[i].f.Name == string(name) {
			return specs[i], i
		}
	}
	return nil, 0
}

// put adds a cell to the record's.
func (c *cellReader) put(key, text []byte) {
	id, ok := c.ids[string(key)]
	if !ok {
		id = len(c.keys)
		c.ids[string(key)] = id
		c.keys = append(c.keys, string(key))
	}
	c.buf = binary.AppendUvarint(c.buf, uint64(id))
	c.buf = binary.AppendUvarint(c.buf, uint64(len(text)))
	c.buf = append(c.buf, text...)
	c.n++
}

// dateTimeCSV is the dateTime format of CSV files (D7).
const dateTimeCSV = "2006-01-02T15:04:05.000Z"

// appendDateTime appends the instant ms (Unix milliseconds) in
// dateTimeCSV's format; digit by digit rather than by AppendFormat, which
// reads its layout again for each of a million cells.
func appendDateTime(dst []byte, ms int64) []byte {
	t := time.UnixMilli(ms).UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(dst, dateTimeCSV)
	}
	h, mi, s := t.Clock()
	digits := func(dst []byte, v, n int) []byte {
		for p := n - 1; p >= 0; p-- {
			dst = append(dst, 0)
		}
		for p := len(dst) - 1; n > 0; p, n = p-1, n-1 {
			dst[p] = byte('0' + v%10)
			v /= 10
		}
		return dst
	}
	dst = append(digits(dst, y, 4), '-')
	dst = append(digits(dst, int(mo), 2), '-')
	dst = append(digits(dst, d, 2), 'T')
	dst = append(digits(dst, h, 2), ':')
	dst = append(digits(dst, mi, 2), ':')
	dst = append(digits(dst, s, 2), '.')
	return append(digits(dst, t.Nanosecond()/1e6, 3), 'Z')
}

// cellText is the text of one value of field f, its JSON val (D7); valid
// until the next call.
func (c *cellReader) cellText(f *app.Field, val []byte) ([]byte, error) {
	switch val[0] {
	case 'n':
		return nil, nil
	case '"':
		text, _ := record.StringText(val)
		return text, nil
	case 't', 'f':
		return val, nil
	case '{':
		switch f.Type {
		case types.File:
			return memberText(val, "id")
		case types.Relationship, types.Group:
			if l, err := memberText(val, "label"); l != nil || err != nil {
				return l, err
			}
			return memberText(val, "id")
		}
	case '[':
	default: // a number
		switch f.Type {
		case types.DateTime, types.RecordCreated, types.RecordModified:
			if ms, err := strconv.ParseInt(string(val), 10, 64); err == nil {
				c.text = appendDateTime(c.text[:0], ms)
				return c.text, nil
			}
		}
		return val, nil
	}
	// any other value: its JSON, compact, as encoding/json writes it
	var v any
	d := json.NewDecoder(bytes.NewReader(val))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// memberText is the text of the string member name of the JSON object
// obj (nil when it has none).
func memberText(obj []byte, name string) ([]byte, error) {
	var text []byte
	err := record.Members(obj, func(k, v []byte) error {
		if string(k) == name {
			text, _ = record.StringText(v)
		}
		return nil
	})
	return text, err
}

// fill sets row's cells from a record's, encoded as cellReader.buf (n
// cells in buf, whose text row's strings share): index maps a column key's
// number to its column (-1: none).
func fill(row []string, index []int, n int, buf []byte) {
	clear(row)
	text := string(buf) // one string per record; the cells are slices of it
	p := 0
	for range n {
		id, w := binary.Uvarint(buf[p:])
		p += w
		l, w := binary.Uvarint(buf[p:])
		p += w
		if c := index[id]; c >= 0 {
			row[c] = text[p : p+int(l)]
		}
		p += int(l)
	}
}

// columnIndex extends index (a column key's number → its column, -1:
// none) to the keys c has seen, cols laid out for them.
func (c *cellReader) columnIndex(index []int, at map[string]int) []int {
	for _, k := range c.keys[len(index):] {
		col, ok := at[k]
		if !ok {
			col = -1
		}
		index = append(index, col)
	}
	return index
}

// columnsAt is the column of each key of cols.
func columnsAt(cols []column) map[string]int {
	at := make(map[string]int, len(cols))
	for i := range cols {
		at[cols[i].key] = i
	}
	return at
}
