package types

import (
	"strings"
)

// phoneAllowed are the characters of rest-api.md §12 D14 besides digits.
const phoneAllowed = " +-.()"

// parsePhone keeps the number as given (D14): trimmed, runs of spaces
// collapsed, only digits, spaces and + - . ( ), and at least one digit.
func parsePhone(_ *Rules, v any) (any, *Problem) {
	s, p := textInput(v)
	if p != nil {
		return nil, p
	}
	s = collapseSpaces(strings.TrimSpace(s))
	if !validPhone(s) {
		return nil, invalid(v, "expected a phone number: digits, spaces and + - . ( )")
	}
	return s, nil
}

func validPhone(s string) bool {
	digits := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case !strings.ContainsRune(phoneAllowed, c):
			return false
		}
	}
	return digits > 0
}

func collapseSpaces(s string) string {
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	return s
}

// PhoneDigits returns only the digits of a phone number: phone equality
// compares digits only (D14), for stored values and query literals alike.
func PhoneDigits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// checkInternational applies the phone rules: an international number must
// start with +; a missing prefix is taken from defaultInternationalPrefix.
func checkInternational(r *Rules, s string) (string, *Problem) {
	if !r.International || strings.HasPrefix(s, "+") {
		return s, nil
	}
	if r.DefaultInternationalPrefix == "" {
		return "", invalid(s, "expected an international number starting with +")
	}
	return "+" + strings.TrimPrefix(r.DefaultInternationalPrefix, "+") + " " + s, nil
}
