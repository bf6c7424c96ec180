package postgres

import (
	"testing"

	"runway/query"
	"runway/store/storetest"
)

// No value ever appears in the SQL text.
func TestValuesAreBound(t *testing.T) {
	storetest.ValuesAreBound(t, func(sel *query.Select) (string, []any, error) {
		pl, err := compileSelect("e_companies", nil, sel)
		if err != nil {
			return "", nil, err
		}
		return pl.sql, pl.args, nil
	}, "$")
}
