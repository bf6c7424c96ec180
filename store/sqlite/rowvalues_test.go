package sqlite

import (
	"context"
	"fmt"
	"testing"

	"runway/query"
	"runway/record"
	"runway/store"
)

// TestRowValues: records written with their values (store.Row.Values) are
// found by like conditions as those written with their document alone,
// after inserts and updates in one batch; a document that is not JSON is
// refused with values too.
func TestRowValues(t *testing.T) {
	s, a := openTest(t)
	e := a.Entity("companies")
	ctx := context.Background()
	withValues := func(r *store.Row) *store.Row {
		_, _, _, v, err := record.Decode(r.Doc)
		if err != nil {
			t.Fatal(err)
		}
		r.Values = v
		return r
	}
	const n = 10
	err := s.Write(ctx, func(tx store.Tx) error {
		for i := range n {
			r := row(i, map[string]any{"name": fmt.Sprintf("Acme %02d", i)})
			if i%2 == 0 {
				r = withValues(r)
			}
			if err := tx.Insert(ctx, e, r); err != nil {
				return err
			}
		}
		for i := range n / 2 { // renamed: the like index follows the last write
			r := row(i, map[string]any{"name": fmt.Sprintf("Zenith %02d", i)})
			r.Version = 2
			if i%3 == 0 {
				r = withValues(r)
			}
			if err := tx.Update(ctx, e, r, 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	like := func(p string) query.Expr { return cond(t, e, "name", query.Like, p) }
	for i := range n {
		name, stale := fmt.Sprintf("acme %02d", i), fmt.Sprintf("zenith %02d", i)
		if i < n/2 {
			name, stale = stale, name
		}
		if got := find(t, s, e, &query.Select{Where: like(name), Limit: 5}); len(got) != 1 || got[0] != i {
			t.Errorf("record %d: like(%s) finds %d rows", i, name, len(got))
		}
		if got := find(t, s, e, &query.Select{Where: like(stale), Limit: 5}); len(got) != 0 {
			t.Errorf("record %d: like(%s) finds %d rows", i, stale, len(got))
		}
	}
	bad := withValues(row(n, nil))
	bad.Doc = []byte(`{"id":` + id(n))
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.Insert(ctx, e, bad) }); err == nil {
		t.Fatal("a document that is not JSON was stored")
	}
}
