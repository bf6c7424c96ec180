package postgres

import (
	"strings"
	"testing"

	"runway/query"
)

// No value ever appears in the SQL text.
func TestValuesAreBound(t *testing.T) {
	_, a := openTest(t)
	e := a.Entity("companies")
	marker := "zz'\"marker"
	for _, op := range []query.Op{query.Equals, query.NotEquals, query.Like, query.Greater, query.Less} {
		for _, path := range []string{"name", "email", "phone", "tags", "addresses.codes", "owner", "id", "big"} {
			pl, err := compileSelect("e_companies", nil, &query.Select{Where: cond(t, e, path, op, marker), After: marker})
			if err != nil {
				t.Fatalf("%s %s: %v", path, op, err)
			}
			q, args := pl.sql, pl.args
			if strings.Contains(q, "marker") {
				t.Errorf("%s %s: value in SQL: %s", path, op, q)
			}
			if strings.Count(q, "$") != len(args) {
				t.Errorf("%s %s: %d placeholders, %d args", path, op, strings.Count(q, "$"), len(args))
			}
		}
	}
}
