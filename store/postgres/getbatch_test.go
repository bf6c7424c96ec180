package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"runway/app"
	"runway/store"
	"runway/store/storetest"
)

// TestGetBatched: Gets that find the entity's statements busy wait and go
// as one statement; each gets its own record (or not found), a record
// written before it asked included, and a reader whose context ends stops
// waiting without failing the others.
func TestGetBatched(t *testing.T) {
	const n = 40
	s, e := companies(t, n)
	ctx := context.Background()
	table, err := dialect.TableName(e)
	if err != nil {
		t.Fatal(err)
	}
	// take every running place: the readers below must wait and batch
	for range getsInFlight {
		if b, _ := s.gets.join(table, e, "x"); b != nil {
			t.Fatal("a running place was not free")
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	gone := make(chan error, 1)
	go func() {
		_, err := s.Get(canceled, e, storetest.ID(1))
		gone <- err
	}()
	type answer struct {
		row *store.Row
		err error
	}
	answers := make([]answer, maxGetBatch+20) // two batches
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() {
			row, err := s.Get(ctx, e, storetest.ID(i+1)) // ids n+1… do not exist
			answers[i] = answer{row, err}
		})
	}
	waitWaiting(t, s, table, len(answers)+1)
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Fatalf("a canceled reader: %v, want context.Canceled", err)
	}
	for range getsInFlight {
		s.gets.finished(table)
	}
	wg.Wait()
	for i, a := range answers {
		id := storetest.ID(i + 1)
		switch {
		case i < n && (a.err != nil || a.row == nil || a.row.ID != id):
			t.Errorf("get %s: %+v, %v", id, a.row, a.err)
		case i >= n && !errors.Is(a.err, store.ErrNotFound):
			t.Errorf("get %s (none): %+v, %v, want not found", id, a.row, a.err)
		}
	}
	s.gets.mu.Lock()
	left := len(s.gets.tables)
	s.gets.mu.Unlock()
	if left != 0 {
		t.Errorf("%d tables still counted as busy after every reader answered", left)
	}
}

// waitWaiting waits until the batches of table hold want ids.
func waitWaiting(t *testing.T, s *Store, table string, want int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		s.gets.mu.Lock()
		got := 0
		for _, b := range s.gets.tables[table].waiting {
			got += len(b.ids)
		}
		s.gets.mu.Unlock()
		if got == want {
			return
		}
	}
	t.Fatalf("the readers did not all wait for a batch")
}

// BenchmarkGet: concurrent reads by id, gathered and each a statement of
// its own, in the same run.
func BenchmarkGet(b *testing.B) {
	const n = 1000
	s, e := companies(b, n)
	ctx := context.Background()
	for _, alone := range []bool{false, true} {
		name := "gathered"
		if alone {
			name = "alone"
		}
		b.Run(name, func(b *testing.B) {
			s.alone = alone
			var next atomic.Int64
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := storetest.ID(int(next.Add(1))%n + 1)
					if _, err := s.Get(ctx, e, id); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// companies opens an empty store synced with the test app and writes n
// companies (ids storetest.ID(1…n)).
func companies(t testing.TB, n int) (*Store, *app.Entity) {
	t.Helper()
	st, a := storetest.Open(t, openEmpty)
	s, e, ctx := st.(*Store), a.Entity("companies"), context.Background()
	if err := s.Write(ctx, func(tx store.Tx) error {
		for i := 1; i <= n; i++ {
			if err := tx.Insert(ctx, e, storetest.Row(i, map[string]any{"name": fmt.Sprint("c", i)})); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return s, e
}
