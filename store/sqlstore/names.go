package sqlstore

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"

	"runway/app"
	"runway/query"
)

// QuoteIdent quotes an identifier already checked by query.ValidIdent.
func QuoteIdent(s string) string { return `"` + s + `"` }

// Ident keeps a name within the database's identifier length: a longer one
// is cut and ends with a hash of the whole.
func (d *Dialect) Ident(s string) string {
	if d.MaxIdent == 0 || len(s) <= d.MaxIdent {
		return s
	}
	sum := sha1.Sum([]byte(s))
	return s[:d.MaxIdent-9] + "_" + hex.EncodeToString(sum[:4])
}

// TableName is the table of an entity: "e_" + full name with "." as "__".
func (d *Dialect) TableName(e *app.Entity) (string, error) {
	if e == nil {
		return "", fmt.Errorf("nil entity")
	}
	parts := strings.Split(e.FullName, ".")
	for _, p := range parts {
		if !query.ValidIdent(p) {
			return "", fmt.Errorf("invalid entity name %q", e.FullName)
		}
	}
	return d.Ident("e_" + strings.Join(parts, "__")), nil
}
