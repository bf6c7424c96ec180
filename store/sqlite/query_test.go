package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"runway/query"
	"runway/store"
	"runway/store/sqlstore"
	"runway/store/storetest"
)

func TestCountCache(t *testing.T) {
	s, e := seed(t)
	ctx := context.Background()
	users := testApp().Entity("sys.users")
	count := func(where query.Expr) int64 {
		t.Helper()
		n, err := s.Count(ctx, e, where)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(nil); n != 5 {
		t.Fatalf("count %d", n)
	}
	if n := count(cond(t, e, "budget", query.Greater, 100)); n != 2 {
		t.Fatalf("count %d", n)
	}
	// change the table behind the store's back: cached results stay
	if _, err := s.wdb.Exec(`INSERT INTO e_companies (id, version, doc) VALUES (?, 1, ?)`, id(99), `{"budget":500}`); err != nil {
		t.Fatal(err)
	}
	if n := count(nil); n != 5 {
		t.Fatalf("count not cached: %d", n)
	}
	if n := count(cond(t, e, "budget", query.Greater, 100)); n != 2 {
		t.Fatalf("filtered count not cached: %d", n)
	}
	// different arguments are a different entry
	if n := count(cond(t, e, "budget", query.Greater, 250)); n != 2 {
		t.Fatalf("count %d", n)
	}
	// a write to another entity keeps companies' entries
	insert(t, s, users, row(1, map[string]any{"email": "a@b.c"}))
	if n := count(nil); n != 5 {
		t.Fatalf("other entity's write invalidated: %d", n)
	}
	// a rolled-back write keeps them too
	s.Write(ctx, func(tx store.Tx) error {
		tx.Delete(ctx, e, id(1))
		return errors.New("no")
	})
	if n := count(nil); n != 5 {
		t.Fatalf("rolled back write invalidated: %d", n)
	}
	// a committed write invalidates
	err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.Delete(ctx, e, id(1)); err != nil {
			return err
		}
		return tx.Delete(ctx, e, id(2))
	})
	if err != nil {
		t.Fatal(err)
	}
	// (the count without a condition is _counts', which only the store's
	// writes move: the sneaked-in row is not in it)
	if n := count(nil); n != 3 { // 5 − 2
		t.Fatalf("count after write: %d", n)
	}
	// a kept count follows the store's writes (keptcounts.go): the
	// sneaked-in row is not in it either
	if n := count(cond(t, e, "budget", query.Greater, 100)); n != 1 { // 3 (2 deleted)
		t.Fatalf("filtered count after write: %d", n)
	}
	// a count first made now sees it
	if n := count(cond(t, e, "budget", query.Greater, 101)); n != 2 { // 3 and 99
		t.Fatalf("new filtered count after write: %d", n)
	}
	// bounded
	for i := range sqlstore.CountCacheSize + 10 {
		count(cond(t, e, "budget", query.Equals, i))
	}
	if l := s.counts.Len(); l > sqlstore.CountCacheSize {
		t.Fatalf("cache grew to %d", l)
	}
}

// TestKeptCounts: counts of filtered lists kept across writes (inserts,
// updates, deletes, failed writes, bulk deletes, concurrent batches) equal
// a fresh count after each round, and are served from the cache.
func TestKeptCounts(t *testing.T) {
	s, e := seed(t)
	ctx := context.Background()
	wheres := []query.Expr{
		cond(t, e, "budget", query.Greater, 100),
		cond(t, e, "active", query.Equals, true),
		cond(t, e, "name", query.Like, "a"),
		query.Or{cond(t, e, "label", query.Like, "rec 1"), cond(t, e, "budget", query.Less, 60)},
		query.And{cond(t, e, "active", query.Equals, false), cond(t, e, "tags", query.Equals, "red")},
	}
	fresh := func(where query.Expr) int64 {
		q, args, err := compileCount("e_companies", s.textIndexes("e_companies"), where)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := s.read(ctx, func(ctx context.Context, db sqlstore.DB) error { return db.QueryRow(ctx, q, args...).Scan(&n) }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	check := func(round int) {
		t.Helper()
		for i, w := range wheres {
			n, err := s.Count(ctx, e, w)
			if err != nil {
				t.Fatal(err)
			}
			if want := fresh(w); n != want {
				t.Fatalf("round %d, condition %d: kept count %d, fresh count %d", round, i, n, want)
			}
		}
	}
	check(-1)
	next := 10
	rec := func(i, r int) *store.Row {
		return row(i, map[string]any{"name": fmt.Sprint("n", (i*7+r)%5, "a"[:r%2]), "budget": (i*37 + r*11) % 300,
			"active": (i+r)%3 == 0, "tags": []any{[]string{"red", "blue"}[(i+r)%2]}})
	}
	for round := range 12 {
		hits, _ := s.counts.Stats()
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			i := next + w
			go func() {
				defer wg.Done()
				_ = s.Write(ctx, func(tx store.Tx) error {
					switch (round + w) % 4 {
					case 0, 1:
						if err := tx.Insert(ctx, e, rec(i, round)); err != nil {
							return err
						}
					case 2:
						if err := tx.Update(ctx, e, rec(i-8, round+1), 1); err != nil {
							return err
						}
					case 3:
						if err := tx.Delete(ctx, e, id(i-16)); err != nil {
							return err
						}
					}
					if w == 5 {
						return errors.New("rolled back")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		next += 8
		if round == 9 {
			if err := s.Write(ctx, func(tx store.Tx) error {
				_, err := tx.DeleteIDs(ctx, e, []string{id(next - 1), id(next - 2)})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		check(round)
		if after, _ := s.counts.Stats(); round > 0 && round != 9 && after-hits < uint64(len(wheres)) {
			t.Errorf("round %d: %d of %d counts from the cache", round, after-hits, len(wheres))
		}
	}
}

// plan returns EXPLAIN QUERY PLAN details of a statement on the read pool.
func plan(t *testing.T, s *Store, q string, args []any) string {
	t.Helper()
	rows, err := s.rdb.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	return strings.Join(out, "\n")
}

func TestQueryPlans(t *testing.T) {
	s, e := seed(t)
	sel := func(where query.Expr, srt query.Sort, after string) string {
		q, args, err := compileSelect("e_companies", nil, &query.Select{Where: where, Sort: srt, After: after, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return plan(t, s, q, args)
	}
	for _, c := range []struct {
		path  string
		value any
		index string
	}{
		{"name", "Acme Corp", "u_e_companies_name"},
		{"email", "INFO@acme.com", "u_e_companies_email"},
		{"contactInformation.email", "x@y.z", "u_e_companies_contactInformation_email"},
		{"budget", 100, "i_e_companies_budget"},
		{"owner@id", id(100), "i_e_companies_owner"},
	} {
		p := sel(cond(t, e, c.path, query.Equals, c.value), query.ByID, "")
		if !strings.Contains(p, "USING INDEX "+c.index+" (<expr>=?)") {
			t.Errorf("equality on %s does not use %s:\n%s", c.path, c.index, p)
		}
		p = sel(cond(t, e, c.path, query.Equals, c.value, c.value), query.ByID, "")
		if !strings.Contains(p, "USING INDEX "+c.index) {
			t.Errorf("IN on %s does not use %s:\n%s", c.path, c.index, p)
		}
	}
	// range on an indexable field
	if p := sel(cond(t, e, "budget", query.Between, 1, 2), query.ByID, ""); !strings.Contains(p, "i_e_companies_budget") {
		t.Errorf("between does not use the index:\n%s", p)
	}
	// id order is the primary key, with no sort step
	for _, srt := range []query.Sort{query.ByID, {Target: query.Target{System: query.SysID}}} {
		p := sel(nil, srt, "")
		if !strings.Contains(p, "sqlite_autoindex_e_companies_1") || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("id order desc=%v:\n%s", srt.Desc, p)
		}
		p = sel(nil, srt, id(3))
		if !strings.Contains(p, "SEARCH e_companies USING INDEX sqlite_autoindex_e_companies_1 (id") || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("id offset desc=%v:\n%s", srt.Desc, p)
		}
	}
	// sort on an indexed field uses its index
	for _, desc := range []bool{false, true} {
		p := sel(nil, query.Sort{Target: target(t, e, "budget"), Desc: desc}, "")
		if !strings.Contains(p, "i_e_companies_budget") || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("sort by budget desc=%v:\n%s", desc, p)
		}
	}
	if p := plan(t, s, dialect.GetSQL("e_companies"), []any{id(1)}); !strings.Contains(p, "sqlite_autoindex_e_companies_1 (id=?)") {
		t.Errorf("get by id:\n%s", p)
	}
	// many-valued paths go through json_each inside EXISTS
	q, _, _ := compileSelect("e_companies", nil, &query.Select{Where: cond(t, e, "addresses.codes", query.Equals, "x")})
	if !strings.Contains(q, "EXISTS (SELECT 1 FROM json_each(doc, '$.addresses') AS j0 WHERE EXISTS (SELECT 1 FROM json_each(j0.value, '$.codes') AS j1 WHERE j1.value IN (?1)))") {
		t.Errorf("nested many SQL: %s", q)
	}
}

// No value ever appears in the SQL text.
func TestValuesAreBound(t *testing.T) {
	storetest.ValuesAreBound(t, func(sel *query.Select) (string, []any, error) {
		return compileSelect("e_companies", nil, sel)
	}, "?")
}

// A filter on a field with few values (here a relationship) sorted by, or
// ranged on, another indexable field reads the composite c_ index in order:
// no sort step, and the count needs no record.
func TestCompositePlan(t *testing.T) {
	s, a := openTest(t)
	e := a.Entity("companies")
	owner := fmt.Sprintf("owner.id=%024x", 7)
	sel := listOf(t, a, e, owner+"&_sortField=budget&_sortType=desc")
	sel.Limit = 20
	q, args, err := compileSelect("e_companies", nil, sel)
	if err != nil {
		t.Fatal(err)
	}
	if p := plan(t, s, q, args); !strings.Contains(p, "c_e_companies_owner_budget") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("filter + sort plan:\n%s", p)
	}
	q, args, err = compileCount("e_companies", nil, whereOf(t, a, e, owner+"&budget=greater(10)"))
	if err != nil {
		t.Fatal(err)
	}
	if p := plan(t, s, q, args); !strings.Contains(p, "COVERING INDEX c_e_companies_owner_budget") {
		t.Errorf("two filters count plan:\n%s", p)
	}
}
