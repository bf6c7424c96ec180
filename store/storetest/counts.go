package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"runway/query"
	"runway/store"
)

// Counts: the count without a condition (kept in the write transactions)
// stays the number of records through inserts, deletes, batch deletes,
// failed writes and concurrent writers, and agrees with a count that reads
// the table.
func Counts(t *testing.T, open Opener) {
	ctx := context.Background()
	s, a := Open(t, open)
	e := a.Entity("companies")
	check := func(want int64) {
		t.Helper()
		n, err := s.Count(ctx, e, nil)
		if err != nil || n != want {
			t.Fatalf("count %d %v, want %d", n, err, want)
		}
		// a condition every record meets reads the table
		all := &query.Cond{Target: query.Target{System: query.SysID}, Op: query.NotEmpty}
		if n, err := s.Count(ctx, e, all); err != nil || n != want {
			t.Fatalf("count of the table %d %v, want %d", n, err, want)
		}
	}
	check(0)
	Insert(t, s, e, Row(1, nil), Row(2, nil), Row(3, nil))
	check(3)
	// a failed write counts nothing
	_ = s.Write(ctx, func(tx store.Tx) error {
		if err := tx.Insert(ctx, e, Row(4, nil)); err != nil {
			return err
		}
		if err := tx.Delete(ctx, e, ID(1)); err != nil {
			return err
		}
		return errors.New("no")
	})
	check(3)
	// a failed insert in a write that goes on: not counted (PostgreSQL
	// then fails the commit)
	_ = s.Write(ctx, func(tx store.Tx) error {
		if err := tx.Insert(ctx, e, Row(1, nil)); err == nil {
			return errors.New("duplicate id inserted")
		}
		return nil
	})
	check(3)
	// inside a write, the count sees the write's own records
	if err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.Insert(ctx, e, Row(5, nil)); err != nil {
			return err
		}
		n, err := tx.Count(ctx, e, nil)
		if err == nil && n != 4 {
			err = errors.New("count in the write misses its insert")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	check(4)
	var n int64
	if err := s.Write(ctx, func(tx store.Tx) (err error) {
		n, err = tx.DeleteIDs(ctx, e, []string{ID(1), ID(2), ID(99)})
		return err
	}); err != nil || n != 2 {
		t.Fatalf("delete ids: %d %v", n, err)
	}
	check(2)
	// concurrent writers
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				id := 1000 + w*100 + i
				if err := s.Write(ctx, func(tx store.Tx) error { return tx.Insert(ctx, e, Row(id, nil)) }); err != nil {
					t.Error(err)
				}
				if i%3 == 0 {
					if err := s.Write(ctx, func(tx store.Tx) error { return tx.Delete(ctx, e, ID(id)) }); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	check(2 + 8*10 - 8*4)
}
