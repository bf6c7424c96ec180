package postgres

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"runway/app"
	"runway/query"
	"runway/store"
)

// A page of a rechecked (inexact) condition is read through a cursor a
// chunk at a time: the page is the one Match decides, whatever chunk it
// ends in — on the pool and in a write's transaction, where the cursor is
// closed so the transaction can read again.
func TestCursorPages(t *testing.T) {
	// one place in fifty keeps a label the pattern matches; the others'
	// are not ASCII, so SQL passes them for Match to decide: a page takes
	// several chunks
	s, _, e := placesWith(t, func(*app.Entity) {}, 3000, "json_build_object('name', 'Name ' || g)")
	if _, err := s.pool.Exec(context.Background(), "UPDATE e_places SET label = 'Ötro ' || id WHERE id::int % 50 <> 7"); err != nil {
		t.Fatal(err)
	}
	like := &query.Cond{Target: query.Target{System: query.SysLabel}, Op: query.Like, Values: []any{"place"}}
	want := func(offset, limit int) []string {
		var ids []string
		for g := 1; g <= 3000 && len(ids) < offset+limit; g++ {
			if g%50 == 7 {
				ids = append(ids, fmt.Sprintf("%024d", g))
			}
		}
		return ids[min(offset, len(ids)):]
	}
	ids := func(rows []store.Row) []string {
		var out []string
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return out
	}
	ctx := context.Background()
	for _, pg := range []struct{ offset, limit int }{{0, 10}, {30, 5}, {55, 20}, {0, 100}} {
		sel := &query.Select{Where: like, Sort: query.Sort{Target: query.Target{System: query.SysID}}, Offset: pg.offset, Limit: pg.limit}
		if pl, err := compileSelect("e_places", s.indexedExprs("e_places"), sel); err != nil || pl.exact {
			t.Fatalf("the like is not rechecked (%v)", err)
		}
		rows, err := s.Find(ctx, e, sel)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(rows); !slices.Equal(got, want(pg.offset, pg.limit)) {
			t.Errorf("pool, offset %d limit %d: %d ids %v…, want %d", pg.offset, pg.limit, len(got), got[:min(len(got), 3)], len(want(pg.offset, pg.limit)))
		}
		err = s.Write(ctx, func(tx store.Tx) error {
			for range 2 { // a second cursor after the first was closed
				rows, err := tx.Find(ctx, e, sel)
				if err != nil {
					return err
				}
				if got := ids(rows); !slices.Equal(got, want(pg.offset, pg.limit)) {
					t.Errorf("transaction, offset %d limit %d: %d ids, want %d", pg.offset, pg.limit, len(got), len(want(pg.offset, pg.limit)))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.Count(ctx, e, like); err != nil || n != 60 {
		t.Errorf("count: %d, %v; want 60", n, err)
	}
}

// The count of a rechecked condition is cached like any other, under its
// condition: two that compile to the same SQL (regular expressions without
// a literal run) keep counts of their own, and a write recounts.
func TestRecheckedCountCached(t *testing.T) {
	s, _, e := placesWith(t, func(*app.Entity) {}, 300, "json_build_object('name', 'Name ' || g)")
	waitLive(s)
	ctx := context.Background()
	label := func(p string) query.Expr {
		return &query.Cond{Target: query.Target{System: query.SysLabel}, Op: query.Like, Values: []any{p}}
	}
	// "Place g" ends in 1 for 1, 11, 21…, 291 (30), in 1 or 2 for 60
	ones, twos := label("/^.+1$/"), label("/^.+[12]$/")
	p1, _ := compileCount("e_places", nil, ones)
	p2, _ := compileCount("e_places", nil, twos)
	if p1.sql != p2.sql || len(p1.args)+len(p2.args) != 0 {
		t.Fatalf("the two conditions should compile alike: %q %v, %q %v", p1.sql, p1.args, p2.sql, p2.args)
	}
	for range 2 {
		for _, c := range []struct {
			x    query.Expr
			want int64
		}{{ones, 30}, {twos, 60}, {label("ace 1"), 111}} {
			if n, err := s.Count(ctx, e, c.x); err != nil || n != c.want {
				t.Errorf("count %v: %d, %v; want %d", query.Key(c.x), n, err, c.want)
			}
		}
	}
	if s.counts.Len() != 3 {
		t.Errorf("%d counts cached, want 3", s.counts.Len())
	}
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.Insert(ctx, e, &store.Row{ID: fmt.Sprintf("%024d", 1001), Version: 1, Label: "Place 1001", Doc: []byte(`{"id":"000000000000000000001001","version":1,"label":"Place 1001","name":"Name 1001"}`)})
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Count(ctx, e, ones); err != nil || n != 31 {
		t.Errorf("count after a write: %d, %v; want 31", n, err)
	}
}

// BenchmarkCursorPage: the first page of a rechecked condition most of
// the records pass (a contains-search of one letter), through the cursor
// and as one statement read to its end, in the same run.
func BenchmarkCursorPage(b *testing.B) {
	s, _, e := placesWith(b, func(*app.Entity) {}, 20000, "json_build_object('name', 'Name ' || g)")
	like := &query.Cond{Target: query.Target{System: query.SysLabel}, Op: query.Like, Values: []any{"place"}}
	sel := &query.Select{Where: like, Limit: 20}
	ctx := context.Background()
	b.Run("cursor", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Find(ctx, e, sel); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("statement", func(b *testing.B) {
		pl, err := compileSelect("e_places", s.indexedExprs("e_places"), sel)
		if err != nil {
			b.Fatal(err)
		}
		r := &reader{s: s, pool: true}
		for b.Loop() {
			err := r.read(ctx, func(ctx context.Context, db dbtx) error {
				rows, err := db.Query(ctx, pl.sql, pl.args...)
				if err != nil {
					return err
				}
				defer rows.Close()
				m := matcher{pl: pl, where: like, fn: func(*store.Row) bool { return true }}
				_, err = m.take(ctx, rows)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
