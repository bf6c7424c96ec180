package query

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"runway/apperr"
)

// ParseQueryString reads the raw query string of a request (the part after
// '?') into its parameters, refusing what it cannot read exactly rather than
// dropping it (issue 10): url.ParseQuery skips a pair holding a raw ';' or a
// '%' not followed by two hex digits and reports that only as an error
// beside the values it kept, so a filter could vanish and a request run
// over every record. Here any such pair, a name or value that is not UTF-8
// or that holds a NUL (no store can compare it), and a system parameter
// (name starting with '_') given more than once (only one would be used)
// are a badRequest naming the parameter. Pairs are separated by '&' only;
// '+' is a space, as in every form encoding.
func ParseQueryString(raw string) (url.Values, error) {
	v := url.Values{}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return nil, queryStringError(rawName, `"%" must start an escape of two hex digits (send a "%" itself as %25)`)
		}
		if strings.Contains(pair, ";") {
			return nil, queryStringError(name, `a raw ";" is not allowed in a query string (send it as %3B)`)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, queryStringError(name, `"%" must start an escape of two hex digits (send a "%" itself as %25)`)
		}
		switch {
		case !utf8.ValidString(name) || !utf8.ValidString(value):
			return nil, queryStringError(name, "the name or value is not valid UTF-8")
		case strings.ContainsRune(name, 0) || strings.ContainsRune(value, 0):
			return nil, queryStringError(name, "the name or value holds a NUL character")
		case strings.HasPrefix(name, "_") && v.Has(name):
			return nil, queryStringError(name, "a system parameter may be given only once")
		}
		v[name] = append(v[name], value)
	}
	return v, nil
}

// Single reads a parameter that takes one value from parameters q: given
// more than once is a badRequest (which one was meant?), absent is "".
func Single(q url.Values, name string) (string, error) {
	switch vs := q[name]; len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", apperr.New(apperr.BadRequest, "Invalid parameter %s: given %d times; it takes one value", name, len(q[name]))
}

func queryStringError(name, msg string) error {
	if name == "" {
		return apperr.New(apperr.BadRequest, "Invalid query string: %s", msg)
	}
	return apperr.New(apperr.BadRequest, "Invalid parameter %s: %s", name, msg)
}
