package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"runway/store"
	"runway/store/storetest"
)

// TestGroupCommitIsolatesFailures: concurrent writes share transactions, yet
// a failing write (an error after its insert, or a unique violation) undoes
// only itself.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	s, a := openTest(t)
	e := a.Entity("companies")
	ctx := context.Background()
	errFail := errors.New("fail on purpose")
	const n = 200
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := "c" + id(i)
			if i%5 == 0 {
				name = "duplicate" // only the first of these may commit
			}
			results[i] = s.Write(ctx, func(tx store.Tx) error {
				if err := tx.Insert(ctx, e, row(i, map[string]any{"name": name})); err != nil {
					return err
				}
				if i%3 == 0 {
					return errFail
				}
				return nil
			})
		}(i)
	}
	wg.Wait()
	dupWins := 0
	for i := 0; i < n; i++ {
		_, getErr := s.Get(ctx, e, id(i))
		stored := getErr == nil
		switch {
		case i%3 == 0:
			if !errors.Is(results[i], errFail) && !isUnique(results[i]) {
				t.Errorf("write %d: got %v, want its own error", i, results[i])
			}
			if stored {
				t.Errorf("write %d failed but its insert was committed", i)
			}
		case results[i] == nil:
			if !stored {
				t.Errorf("write %d succeeded but its record is missing", i)
			}
			if i%5 == 0 {
				dupWins++
			}
		default:
			if !isUnique(results[i]) || i%5 != 0 {
				t.Errorf("write %d: unexpected error %v", i, results[i])
			}
			if stored {
				t.Errorf("write %d failed but its record is stored", i)
			}
		}
	}
	if dupWins != 1 {
		t.Errorf("%d writes of the same unique name committed, want 1", dupWins)
	}
	if c, err := s.Count(ctx, e, nil); err != nil || c == 0 {
		t.Fatalf("count after the batch: %d %v", c, err)
	}
}

func isUnique(err error) bool {
	var ue *store.UniqueError
	return errors.As(err, &ue)
}

func TestWriteAfterCloseFails(t *testing.T) {
	s, a := openTest(t)
	e := a.Entity("companies")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	err := s.Write(context.Background(), func(tx store.Tx) error { return tx.Insert(context.Background(), e, row(1, nil)) })
	if !errors.Is(err, errClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

// BenchmarkSync: one record per write, alone (each write waits for its
// commit) and from 32 concurrent writers (group commit), with the commit
// synced to disk (SyncFull) and not (SyncNormal). Compare the two settings
// within one run: -bench Sync -count 5.
func BenchmarkSync(b *testing.B) {
	for _, mode := range []string{SyncNormal, SyncFull} {
		open := func(t testing.TB) store.Store {
			s, err := Open(context.Background(), filepath.Join(t.TempDir(), "runway.db"), Options{Sync: mode})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		b.Run(mode+"/serial", func(b *testing.B) { storetest.BenchmarkInsert(b, open) })
		b.Run(mode+"/parallel", func(b *testing.B) { storetest.BenchmarkInsertParallel(b, open) })
	}
}
