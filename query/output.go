package query

import (
	"fmt"
	"net/url"
	"strings"

	"runway/app"
	"runway/record"
	"runway/types"
)

// Formats of _format (query-language.md §5).
const (
	FormatNative    = "native"
	FormatPlainText = "plainText"
)

// Output is how a read renders records, shared by read-one and list
// (rest-api.md §6.1, §6.2): which fields, in which format, and which
// relationships are fetched along.
type Output struct {
	Fields    record.FieldSet // nil = all fields
	PlainText bool            // _format=plainText
	// ForUser is _formatForUser as given (a user id or email), "" for the
	// caller; it only matters with PlainText.
	ForUser string
	// Fetch lists the relationship paths of _relationshipsToFetch, each a
	// path of field names from the record root through nested fields to a
	// relationship field, without repeats.
	Fetch [][]string
}

// ParseOutput reads _fields, _format, _formatForUser and
// _relationshipsToFetch. Errors are badRequest naming the parameter.
func ParseOutput(e *app.Entity, v url.Values) (Output, error) {
	var o Output
	var err error
	if o.Fields, err = ParseFields(e, v.Get("_fields")); err != nil {
		return o, err
	}
	switch f := v.Get("_format"); f {
	case "", FormatNative:
	case FormatPlainText:
		o.PlainText = true
	default:
		return o, badParam("_format", fmt.Sprintf("unknown format %q (native or plainText)", f))
	}
	o.ForUser = strings.TrimSpace(v.Get("_formatForUser"))
	if o.Fetch, err = ParseFetch(e, v.Get("_relationshipsToFetch")); err != nil {
		return o, err
	}
	return o, nil
}

// ParseFetch reads _relationshipsToFetch: a comma list of relationship
// field paths, top-level or inside nested fields ("company,notes.user").
// A path that does not end at a relationship field, or crosses anything
// but nested fields, is a badRequest.
func ParseFetch(e *app.Entity, s string) ([][]string, error) {
	var out [][]string
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		path, err := fetchPath(e, p)
		if err != nil {
			return nil, badParam("_relationshipsToFetch", err.Error())
		}
		out = append(out, path)
	}
	return out, nil
}

func fetchPath(e *app.Entity, p string) ([]string, error) {
	names := strings.Split(p, ".")
	fields := e.Fields
	for i, name := range names {
		f := findField(fields, name)
		if f == nil {
			return nil, fmt.Errorf("unknown field %q", p)
		}
		last := i == len(names)-1
		switch {
		case last && f.Type == types.Relationship:
			return names, nil
		case !last && f.Type == types.Nested:
			fields = f.Nested
		default:
			return nil, fmt.Errorf("%q is not a relationship field", p)
		}
	}
	return nil, fmt.Errorf("unknown field %q", p) // unreachable: the loop returns
}
