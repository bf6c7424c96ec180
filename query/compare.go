package query

import (
	"strings"

	"runway/types"
)

// ComparedAs says how the store and Match read a value of this kind before
// applying op (query-language.md §7.1): html by its visible text (tags and
// attributes ignored) except for empty/notEmpty, and phone by its digits
// for like (equality on phones already compares digits).
func ComparedAs(kind string, op Op) (htmlText, phoneDigits bool) {
	switch {
	case kind == types.HTML && op != Empty && op != NotEmpty:
		return true, false
	case kind == types.Phone && op == Like:
		return false, true
	}
	return false, false
}

// PhoneLikePatterns rewrites like patterns for a phone field: the markers of
// the starts-with ("/x") and ends-with ("x/") forms are kept, everything but
// digits is dropped from the text; a pattern without digits and regular
// expressions are kept as written.
func PhoneLikePatterns(values []any) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
		s, ok := v.(string)
		if !ok || (len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/') {
			continue
		}
		prefix, suffix := strings.HasPrefix(s, "/"), strings.HasSuffix(s, "/")
		d := digitsOf(s)
		if d == "" {
			continue
		}
		if prefix {
			d = "/" + d
		} else if suffix {
			d += "/"
		}
		out[i] = d
	}
	return out
}
