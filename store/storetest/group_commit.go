package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"runway/store"
)

// GroupCommit: concurrent writes, which a store may commit together, each
// hold or fail alone. Every acknowledged write is there with its history
// entry; a write that failed (a unique violation, its function's error,
// a second insert of it that violates) left nothing, and did not fail the
// others; writes that read on the way mix with writes that do not.
func GroupCommit(t *testing.T, open Opener) {
	s, a := Open(t, open)
	ctx := context.Background()
	e := a.Entity("companies")
	const n = 96
	errFn := errors.New("the write's own error")
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			email := fmt.Sprintf("c%d@example.com", i)
			if i%8 == 0 {
				email = "dup@example.com" // one of these holds
			}
			errs[i] = s.Write(ctx, func(tx store.Tx) error {
				if i%5 == 0 { // a read first
					if _, err := tx.Get(ctx, e, ID(1000+i)); !errors.Is(err, store.ErrNotFound) {
						return fmt.Errorf("get: %v", err)
					}
				}
				if err := tx.Insert(ctx, e, Row(1000+i, map[string]any{"name": fmt.Sprint("g", i), "email": email})); err != nil {
					return err
				}
				if err := tx.AddHistory(ctx, store.HistoryEntry{ID: ID(5000 + i), Entity: e.FullName, RecordID: ID(1000 + i),
					Event: store.UserRecordCreated, Time: 1}); err != nil {
					return err
				}
				switch i % 8 {
				case 3:
					return errFn
				case 5: // a second insert that violates the first's email
					return tx.Insert(ctx, e, Row(2000+i, map[string]any{"name": fmt.Sprint("h", i), "email": email}))
				}
				return nil
			})
		}()
	}
	close(start)
	wg.Wait()
	dups, held := 0, 0
	for i, err := range errs {
		var ue *store.UniqueError
		want := "ok"
		switch {
		case i%8 == 0:
			want = "dup"
		case i%8 == 3:
			want = "own"
		case i%8 == 5:
			want = "unique"
		}
		switch {
		case err == nil && want != "unique" && want != "own":
			held++
			if want == "dup" {
				dups++
			}
		case errors.Is(err, errFn) && want == "own":
		case errors.As(err, &ue) && ue.Field == "email" && (want == "dup" || want == "unique"):
		default:
			t.Errorf("write %d (%s): %v", i, want, err)
		}
		_, gerr := s.Get(ctx, e, ID(1000+i))
		hist, _, herr := s.HistoryEntries(ctx, &store.HistoryFilter{Entity: e.FullName, RecordIDs: []string{ID(1000 + i)}})
		if herr != nil {
			t.Fatal(herr)
		}
		switch {
		case err == nil && (gerr != nil || len(hist) != 1):
			t.Errorf("write %d was acknowledged but its record (%v) or history (%d entries) is missing", i, gerr, len(hist))
		case err != nil && (!errors.Is(gerr, store.ErrNotFound) || len(hist) != 0):
			t.Errorf("write %d failed (%v) but left its record (%v) or history (%d entries)", i, err, gerr, len(hist))
		}
		if _, err := s.Get(ctx, e, ID(2000+i)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("write %d: its second insert is there: %v", i, err)
		}
	}
	if dups != 1 {
		t.Errorf("%d writes of the same unique email held, want 1", dups)
	}
	if c, err := s.Count(ctx, e, nil); err != nil || c != int64(held) {
		t.Errorf("count = %d, %v; want %d", c, err, held)
	}
}
