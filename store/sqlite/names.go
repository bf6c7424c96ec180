package sqlite

import (
	"fmt"
	"strings"

	"runway/query"
)

// jsonPath builds the SQLite JSON path literal ('$.a.b') of names. Names are
// checked identifiers, so the literal needs no escaping; one starting with a
// digit is double-quoted inside the path.
func jsonPath(names []string) (string, error) {
	var b strings.Builder
	b.WriteString("'$")
	for _, n := range names {
		if !query.ValidIdent(n) {
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
