package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"runway/app"
	"runway/query"
	"runway/store/storetest"
)

// A like on the label or an indexable text field is SQL over the trigram
// index and the partial index of the records to recheck (a bitmap OR of
// the two); a regular expression without a literal run is decided in Go.
func TestLikePlan(t *testing.T) {
	s, a, e := placesWith(t, func(e *app.Entity) { e.Field("name").Indexable = true }, 20000, "json_build_object('name', 'Name ' || g)")
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
		p := explain(t, s, pl)
		if c.index == "" && strings.Contains(p, "LIKE") || c.index != "" && !strings.Contains(p, c.index) {
			t.Errorf("%v: plan:\n%s", c.where, p)
		}
	}
}

// placesWith opens an empty store synced with the places app (edit changes
// its entity first), inserts n records whose document is the SQL JSON
// expression doc of g (1…n), and analyzes the table.
func placesWith(t testing.TB, edit func(e *app.Entity), n int, doc string) (*Store, *app.App, *app.Entity) {
	t.Helper()
	s, ctx := openEmpty(t).(*Store), context.Background()
	a := storetest.PlacesApp()
	e := a.Entity("places")
	edit(e)
	if err := s.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO e_places (id, version, label, doc) SELECT lpad(g::text, 24, '0'), 1, 'Place ' || g,
		(`+doc+`)::text FROM generate_series(1, $1::int) g`, n); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, "ANALYZE e_places"); err != nil {
		t.Fatal(err)
	}
	return s, a, e
}

// explain is the plan of pl.
func explain(t *testing.T, s *Store, pl *plan) string {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), "EXPLAIN "+pl.sql, pl.args...)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
