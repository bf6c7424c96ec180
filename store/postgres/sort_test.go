package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"runway/app"
	"runway/query"
	"runway/store"
	"runway/store/storetest"
	"runway/types"
)

// A filter on an indexable choice with a sort on an indexable number reads
// the c_ index (choice, the number's sort keys, id) in order: no sort step
// (the statistics of the choice's JSON type tell the planner how many
// records the filter keeps).
func TestSortPlan(t *testing.T) {
	s, a, e := placesWith(t, func(e *app.Entity) {
		e.Fields = append(e.Fields, storetest.Fld("kind", types.Choice, storetest.Indexable), storetest.Fld("rating", types.Integer, storetest.Indexable))
	}, 20000, "json_build_object('kind', (ARRAY['a', 'b', 'c'])[g % 3 + 1], 'rating', g % 1000)")
	for _, c := range []struct {
		sort  query.Sort
		index string
	}{
		{query.Sort{Target: storetest.Target(t, e, "rating"), Desc: true}, "c_e_places_kind_rating"},
		{query.Sort{Target: storetest.Target(t, e, "rating")}, "c_e_places_kind_rating"},
	} {
		pl, err := compileSelect("e_places", s.indexedExprs("e_places"), &query.Select{Where: storetest.WhereOf(t, a, e, "kind=a"), Sort: c.sort, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		p := explain(t, s, pl)
		if !strings.Contains(p, c.index) || strings.Contains(p, "Sort") {
			t.Errorf("%+v: plan:\n%s", c.sort, p)
		}
	}
	// a page of a filter and a range of another field in id order: the
	// planner knows how many records the range keeps, so it walks the id
	// order when most do and reads the range when few do
	for _, c := range []struct {
		query, index string
	}{{"kind=a&rating=greater(100)", "Backward"}, {"kind=a&rating=less(9)", "c_e_places_kind_rating"}} {
		pl, err := compileSelect("e_places", s.indexedExprs("e_places"), &query.Select{Where: storetest.WhereOf(t, a, e, c.query),
			Sort: query.Sort{Target: query.Target{System: query.SysID}, Desc: true}, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if p := explain(t, s, pl); !strings.Contains(p, c.index) {
			t.Errorf("%s in id order: plan:\n%s", c.query, p)
		}
	}
	// sorted by the field of the range: one range of the c_ index, in order
	pl, err := compileSelect("e_places", s.indexedExprs("e_places"), &query.Select{Where: storetest.WhereOf(t, a, e, "kind=a&rating=greater(900)"),
		Sort: query.Sort{Target: storetest.Target(t, e, "rating")}, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	if p := explain(t, s, pl); !strings.Contains(p, "Index Cond") || !strings.Contains(p, "c_e_places_kind_rating") || strings.Contains(p, "Sort") {
		t.Errorf("a range sorted by its field: plan:\n%s", p)
	}
	// a range of the number under the filter is a range of that index
	// (the count of a filter and a range reads it)
	pl, err = compileCount("e_places", s.indexedExprs("e_places"), storetest.WhereOf(t, a, e, "kind=a&rating=greater(900)"))
	if err != nil {
		t.Fatal(err)
	}
	if p := explain(t, s, pl); !strings.Contains(p, "Index Cond") || !strings.Contains(p, "c_e_places_kind_rating") {
		t.Errorf("count of a filter and a range: plan:\n%s", p)
	}
}

// The total of one value of an indexable choice is read from _counts, kept
// by the trigger through inserts, updates and deletes.
func TestValueCounts(t *testing.T) {
	s, a, e := placesWith(t, func(e *app.Entity) {
		e.Fields = append(e.Fields, storetest.Fld("kind", types.Choice, storetest.Indexable))
	}, 300, "json_build_object('kind', (ARRAY['a', 'b', 'c'])[g % 3 + 1])")
	ctx := context.Background()
	if _, err := s.pool.Exec(ctx, `UPDATE e_places SET doc = '{"kind": "b"}' WHERE id <= lpad('30', 24, '0')`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM e_places WHERE id > lpad('290', 24, '0')`); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"a", "b", "c", "d"} {
		where := storetest.WhereOf(t, a, e, "kind="+v)
		q, args, ok := valueCountQuery(e, "e_places", where)
		if !ok {
			t.Fatalf("kind=%s: no value count", v)
		}
		var counted, kept, want int64
		if err := s.pool.QueryRow(ctx, q, args...).Scan(&counted, &kept); err != nil || counted != 1 {
			t.Fatalf("kind=%s: %v, counted %d", v, err, counted)
		}
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM e_places WHERE j->>'kind' = $1`, v).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Count(ctx, e, where); err != nil || n != want || kept != want {
			t.Errorf("kind=%s: Count %d %v, kept %d, want %d", v, n, err, kept, want)
		}
	}
}

// Without autovacuum, the store analyzes a table once enough rows were
// written (the planner then knows the table's size and its values).
func TestAnalyzeAfterWrites(t *testing.T) {
	s, ctx := openEmpty(t).(*Store), context.Background()
	s.analyze.on = true
	a := storetest.PlacesApp()
	e := a.Entity("places")
	if err := s.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	rows := make([]*store.Row, 0, analyzeRows+10)
	for i := 1; i <= analyzeRows+10; i++ {
		rows = append(rows, storetest.Row(i, map[string]any{"name": "n"}))
	}
	storetest.Insert(t, s, e, rows...)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var n float64
		if err := s.pool.QueryRow(ctx, "SELECT reltuples FROM pg_class WHERE relname = 'e_places'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n >= float64(analyzeRows) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not analyzed: reltuples %v", n)
		}
	}
}
