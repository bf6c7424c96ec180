package sqlite

import (
	"fmt"
	"strings"

	"runway/app"
)

// validIdent reports whether s is a safe identifier: ASCII letters, digits
// and underscores only. Only such names (all from metadata) ever reach SQL
// text; values are always bound parameters.
func validIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// quoteIdent quotes an identifier already checked by validIdent.
func quoteIdent(s string) string { return `"` + s + `"` }

// tableName is the table of an entity: "e_" + full name with "." as "__".
func tableName(e *app.Entity) (string, error) {
	if e == nil {
		return "", fmt.Errorf("nil entity")
	}
	parts := strings.Split(e.FullName, ".")
	for _, p := range parts {
		if !validIdent(p) {
			return "", fmt.Errorf("invalid entity name %q", e.FullName)
		}
	}
	return "e_" + strings.Join(parts, "__"), nil
}

// jsonPath builds the SQLite JSON path literal ('$.a.b') of names. Names are
// checked identifiers, so the literal needs no escaping; one starting with a
// digit is double-quoted inside the path.
func jsonPath(names []string) (string, error) {
	var b strings.Builder
	b.WriteString("'$")
	for _, n := range names {
		if !validIdent(n) {
			return "", fmt.Errorf("invalid field name %q", n)
		}
		b.WriteByte('.')
		if n[0] >= '0' && n[0] <= '9' {
			b.WriteString(`"` + n + `"`)
		} else {
			b.WriteString(n)
		}
	}
	b.WriteByte('\'')
	return b.String(), nil
}

// jsonExtract is json_extract(base, '$.names'), or base itself when names is
// empty (an array element taken from json_each).
func jsonExtract(base string, names []string) (string, error) {
	if len(names) == 0 {
		return base, nil
	}
	p, err := jsonPath(names)
	if err != nil {
		return "", err
	}
	return "json_extract(" + base + ", " + p + ")", nil
}
