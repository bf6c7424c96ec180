package types

import (
	"strings"
	"unicode"
)

// Mask placeholders (app-model.md §2 maskedText): 9 a digit, a a letter,
// w a letter or digit; every other character is a literal.
func isMaskPlaceholder(m rune) bool { return m == '9' || m == 'a' || m == 'w' }

func fitsPlaceholder(m, c rune) bool {
	switch m {
	case '9':
		return c >= '0' && c <= '9'
	case 'a':
		return unicode.IsLetter(c)
	case 'w':
		return unicode.IsLetter(c) || c >= '0' && c <= '9'
	}
	return false
}

func maskPlaceholders(mask string) int {
	n := 0
	for _, m := range mask {
		if isMaskPlaceholder(m) {
			n++
		}
	}
	return n
}

// applyMask accepts the value either fully formatted ("350-KWM") or raw,
// without any literal ("350KWM"), and returns the formatted form. Mixed forms
// are rejected: with literals that are also valid placeholder characters a
// partial form would be ambiguous.
func applyMask(mask, s string) (string, bool) {
	if formattedByMask(mask, s) {
		return s, true
	}
	return formatRaw(mask, s)
}

func formattedByMask(mask, s string) bool {
	m, v := []rune(mask), []rune(s)
	if len(m) != len(v) {
		return false
	}
	for i := range m {
		if isMaskPlaceholder(m[i]) && !fitsPlaceholder(m[i], v[i]) ||
			!isMaskPlaceholder(m[i]) && m[i] != v[i] {
			return false
		}
	}
	return true
}

func formatRaw(mask, s string) (string, bool) {
	raw := []rune(s)
	if len(raw) != maskPlaceholders(mask) {
		return "", false
	}
	var b strings.Builder
	i := 0
	for _, m := range mask {
		if !isMaskPlaceholder(m) {
			b.WriteRune(m)
			continue
		}
		if !fitsPlaceholder(m, raw[i]) {
			return "", false
		}
		b.WriteRune(raw[i])
		i++
	}
	return b.String(), true
}

// MaskRaw returns the characters of a masked value that fill placeholders,
// without the mask literals ("350-KWM" → "350KWM" for mask "999-aaa"): the
// form maskedText `like` matches on (query-language.md §7.1). A value that
// does not fit the mask is returned unchanged.
func MaskRaw(mask, s string) string {
	if mask == "" || !formattedByMask(mask, s) {
		return s
	}
	var b strings.Builder
	v := []rune(s)
	for i, m := range []rune(mask) {
		if isMaskPlaceholder(m) {
			b.WriteRune(v[i])
		}
	}
	return b.String()
}
