package postgres

import (
	"context"
	"strings"
	"testing"

	"runway/query"
	"runway/store/storetest"
)

// A like on the label or an indexable text field is SQL over the trigram
// index and the partial index of the records to recheck (a bitmap OR of
// the two); a regular expression without a literal run is decided in Go.
func TestLikePlan(t *testing.T) {
	s, ctx := openEmpty(t).(*Store), context.Background()
	a := storetest.PlacesApp()
	e := a.Entity("places")
	e.Field("name").Indexable = true
	if err := s.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO e_places (id, version, label, doc) SELECT lpad(g::text, 24, '0'), 1, 'Place ' || g,
		json_build_object('name', 'Name ' || g)::text FROM generate_series(1, 20000) g`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, "ANALYZE e_places"); err != nil {
		t.Fatal(err)
	}
	label := func(p string) query.Expr {
		return &query.Cond{Target: query.Target{System: query.SysLabel}, Op: query.Like, Values: []any{p}}
	}
	for _, c := range []struct {
		where query.Expr
		index string // "": no SQL condition
	}{
		{label("olar"), "t_e_places_label"}, {label("/^sol.r p/"), "t_e_places_label"}, {label("/so|la/"), ""},
		{storetest.WhereOf(t, a, e, "name=like(olar)"), "t_e_places_name"},
		{storetest.WhereOf(t, a, e, "name=like(/olar)"), "r_e_places_name"},
	} {
		pl, err := compileSelect("e_places", s.indexedExprs("e_places"), &query.Select{Where: c.where, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if pl.exact {
			t.Errorf("%v: a like plan is rechecked", c.where)
		}
		tx, err := s.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+pl.sql, pl.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		_ = tx.Rollback(ctx)
		p := strings.Join(plan, "\n")
		if c.index == "" && strings.Contains(p, "LIKE") || c.index != "" && !strings.Contains(p, c.index) {
			t.Errorf("%v: plan:\n%s", c.where, p)
		}
	}
}
