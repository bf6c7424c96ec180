package jobs

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"runway/app"
	"runway/apperr"
	"runway/types"
)

// csvFile reads the rows of a CSV file as an import does: UTF-8 with or
// without a byte order mark, ',' or ';' separated (sniffed from the header
// line), quoted fields with newlines. Offsets are bytes from the start of
// the file, so a run can continue where a checkpoint says.
type csvFile struct {
	cr   *csv.Reader
	base int64 // offset of the csv reader's input in the file
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// sniffCSV reads the start of a file: the length of its byte order mark
// (0 or 3) and its separator.
func sniffCSV(r io.Reader) (int64, rune, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(64 << 10)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, 0, err
	}
	var skip int64
	if bytes.HasPrefix(head, bom) {
		head, skip = head[len(bom):], int64(len(bom))
	}
	return skip, sniffSeparator(head), nil
}

// sniffSeparator is ';' when the first line has more semicolons than
// commas outside quotes, else ','.
func sniffSeparator(head []byte) rune {
	commas, semis, quoted := 0, 0, false
	for _, b := range head {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == '\n':
			if semis > commas {
				return ';'
			}
			return ','
		case b == ',':
			commas++
		case b == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

// newCSVFile reads r, positioned at offset base of the file.
func newCSVFile(r io.Reader, base int64, sep rune) *csvFile {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.Comma, cr.FieldsPerRecord = sep, -1
	return &csvFile{cr: cr, base: base}
}

// next reads one row: its cells and the offset just after it.
func (f *csvFile) next() ([]string, int64, error) {
	rec, err := f.cr.Read()
	return rec, f.base + f.cr.InputOffset(), err
}

// csvParseError is a row the CSV reader could not read (a bad quote): the
// row is an error, the next ones are read.
type csvParseError = csv.ParseError

func isCSVError(err error) bool {
	var pe *csvParseError
	return errors.As(err, &pe)
}

// pathSeg is one element of a header's path: a field, and an index into
// its values (-1: none).
type pathSeg struct {
	f     *app.Field
	index int
}

// importCol is what one CSV column writes: a path in the record, or, with
// rel set, a path in the record a relationship of the record links to.
type importCol struct {
	idx  int
	path []pathSeg
	rel  *app.Field // a relationship of the entity; path is in its target
}

func (c *importCol) leaf() *app.Field { return c.path[len(c.path)-1].f }

// relGroup is the columns of the fields of one relationship's target.
type relGroup struct {
	f      *app.Field
	target *app.Entity
	cols   []*importCol
	key    *importCol // the first unique field of the target, or nil
}

// importLayout is the columns of an import.
type importLayout struct {
	cols    []*importCol // the record's own
	key     *importCol   // first unique column: rows matching it update
	rels    []*relGroup
	ignored []string // headers that name no field
}

// fieldByHeader finds a field by name, else by label (exactly, then
// ignoring case).
func fieldByHeader(fields []*app.Field, s string) *app.Field {
	if f := findField(fields, s); f != nil {
		return f
	}
	for _, f := range fields {
		if f.Label == s {
			return f
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.Label, s) || strings.EqualFold(f.Name, s) {
			return f
		}
	}
	return nil
}

// parseSegment splits "name[3]" into name and 3 (-1 without an index).
func parseSegment(s string) (string, int, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasSuffix(s, "]") {
		return s, -1, true
	}
	i := strings.LastIndexByte(s, '[')
	if i < 0 {
		return s, -1, false
	}
	n, err := strconv.Atoi(s[i+1 : len(s)-1])
	if err != nil || n < 0 || n >= maxImportIndex {
		return s, -1, false
	}
	return strings.TrimSpace(s[:i]), n, true
}

// maxImportIndex bounds the index of a multi-valued column.
const maxImportIndex = 1000

// resolvePath resolves a header (or its part after a relationship) in
// fields.
func resolvePath(fields []*app.Field, parts []string) ([]pathSeg, bool) {
	var out []pathSeg
	for i, p := range parts {
		name, index, ok := parseSegment(p)
		if !ok {
			return nil, false
		}
		f := fieldByHeader(fields, name)
		if f == nil || f.System || index >= 0 && !f.Many {
			return nil, false
		}
		out = append(out, pathSeg{f: f, index: index})
		if i < len(parts)-1 {
			if f.Type != types.Nested {
				return nil, false
			}
			fields = f.Nested
		}
	}
	return out, len(out) > 0
}

// layoutImport reads the header of an import of e.
func layoutImport(a *app.App, e *app.Entity, header []string) (*importLayout, error) {
	l := &importLayout{}
	groups := map[*app.Field]*relGroup{}
	for i, h := range header {
		parts := strings.Split(h, ".")
		if path, ok := resolvePath(e.Fields, parts); ok {
			c := &importCol{idx: i, path: path}
			l.cols = append(l.cols, c)
			if l.key == nil && len(path) == 1 && path[0].index < 0 && path[0].f.Unique && path[0].f.Type != types.Relationship {
				l.key = c
			}
			continue
		}
		// A field of a related record: relationship.field…
		name, index, ok := parseSegment(parts[0])
		rf := fieldByHeader(e.Fields, name)
		if !ok || rf == nil || rf.Type != types.Relationship || len(parts) < 2 {
			l.ignored = append(l.ignored, h)
			continue
		}
		if index >= 0 || rf.Many {
			return nil, apperr.New(apperr.BadRequest, "Column %q: fields of related records can be imported through single relationships only", h)
		}
		target := a.Entity(rf.Rules.Entity)
		if target == nil {
			l.ignored = append(l.ignored, h)
			continue
		}
		path, ok := resolvePath(target.Fields, parts[1:])
		if !ok {
			l.ignored = append(l.ignored, h)
			continue
		}
		g := groups[rf]
		if g == nil {
			g = &relGroup{f: rf, target: target}
			groups[rf] = g
			l.rels = append(l.rels, g)
		}
		c := &importCol{idx: i, path: path, rel: rf}
		g.cols = append(g.cols, c)
		if g.key == nil && len(path) == 1 && path[0].index < 0 && path[0].f.Unique && path[0].f.Type != types.Relationship {
			g.key = c
		}
	}
	if len(l.cols) == 0 && len(l.rels) == 0 {
		return nil, apperr.New(apperr.BadRequest, "No column of the file names a field of %s", e.FullName)
	}
	return l, nil
}

// cellOf is a row's cell of column c ("" when the row is short).
func cellOf(row []string, c *importCol) string {
	if c.idx < len(row) {
		return row[c.idx]
	}
	return ""
}

// input builds the write input of cols from a row: empty cells are left
// out (a new record gets its defaults, a matched one keeps its values).
func input(row []string, cols []*importCol) map[string]any {
	in := make(map[string]any, len(cols))
	for _, c := range cols {
		v := cellOf(row, c)
		if v == "" {
			continue
		}
		setPath(in, c.path, v)
	}
	compact(in)
	return in
}

// setPath puts v at path in m, creating nested objects and lists.
func setPath(m map[string]any, path []pathSeg, v any) {
	for i, s := range path {
		last := i == len(path)-1
		name := s.f.Name
		if s.index < 0 {
			if last {
				m[name] = v
				return
			}
			sub, _ := m[name].(map[string]any)
			if sub == nil {
				sub = map[string]any{}
				m[name] = sub
			}
			m = sub
			continue
		}
		list, _ := m[name].([]any)
		for len(list) <= s.index {
			list = append(list, nil)
		}
		m[name] = list
		if last {
			list[s.index] = v
			return
		}
		sub, _ := list[s.index].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			list[s.index] = sub
		}
		m = sub
	}
}

// compact drops the holes of lists (indexes without a value).
func compact(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case []any:
			out := x[:0]
			for _, item := range x {
				if item == nil {
					continue
				}
				if sub, ok := item.(map[string]any); ok {
					compact(sub)
				}
				out = append(out, item)
			}
			m[k] = out
		case map[string]any:
			compact(x)
		}
	}
}

// rowError is the message of a row that could not be imported.
func rowError(num int64, err error) string {
	e := apperr.As(err)
	if e == nil {
		return fmt.Sprintf("Row %d: %v", num, err)
	}
	if len(e.Errors) == 0 {
		return fmt.Sprintf("Row %d: %s", num, e.Message)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Row %d: %s", num, e.Message)
	for i, fe := range e.Errors {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", fe.Field, fe.Message)
	}
	b.WriteString(")")
	return b.String()
}
