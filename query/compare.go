package query

import (
	"math/big"
	"strings"

	"runway/types"
)

// Transform is how the store and Match read a stored value before an
// operator compares it (query-language.md §7.1).
type Transform int

const (
	AsIs        Transform = iota
	VisibleText           // html: tags and attributes ignored
	Digits                // phone like: digits only
	MaskRaw               // maskedText like: the value without its mask literals
)

// ComparedAs says how a value of this kind is read for op: html by its
// visible text except for empty/notEmpty; phone by its digits and
// maskedText without its literals for like (equality on both already
// accepts either written form).
func ComparedAs(kind string, op Op) Transform {
	switch {
	case kind == types.HTML && op != Empty && op != NotEmpty:
		return VisibleText
	case kind == types.Phone && op == Like:
		return Digits
	case kind == types.MaskedText && op == Like:
		return MaskRaw
	}
	return AsIs
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

// CompareDecimals orders two decimal strings exactly (bigNumber values keep
// up to 34 significant digits, more than a float holds); text that is not a
// decimal orders after every decimal, among itself by bytes.
func CompareDecimals(a, b string) int {
	x, okA := new(big.Rat).SetString(a)
	y, okB := new(big.Rat).SetString(b)
	switch {
	case okA && okB:
		return x.Cmp(y)
	case okA:
		return -1
	case okB:
		return 1
	}
	return strings.Compare(a, b)
}
