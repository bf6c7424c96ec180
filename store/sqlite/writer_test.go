package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"runway/query"
	"runway/store"
	"runway/store/sqlstore"
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
	results := concurrentWrites(s, n, func(i int, tx store.Tx) error {
		name := "c" + id(i)
		if i%5 == 0 {
			name = "duplicate" // only the first of these may commit
		}
		if err := tx.Insert(ctx, e, row(i, map[string]any{"name": name})); err != nil {
			return err
		}
		if i%3 == 0 {
			return errFail
		}
		return nil
	})
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

// TestGroupCommitTextSearch: the like index follows a batch's writes at its
// end; a like search inside a write sees the batch's records so far, and
// when that write then fails, the earlier writes' like rows it flushed
// inside its savepoint are written again at the end of the batch.
func TestGroupCommitTextSearch(t *testing.T) {
	s, a := openTest(t)
	e := a.Entity("companies")
	ctx := context.Background()
	errFail := errors.New("fail on purpose")
	label := func(p string) query.Expr {
		return &query.Cond{Target: query.Target{System: query.SysLabel}, Op: query.Like, Values: []any{p}}
	}
	const n = 120
	results := concurrentWrites(s, n, func(i int, tx store.Tx) error {
		r := row(i, nil)
		r.Label = fmt.Sprintf("labelled %04d", i)
		if err := tx.Insert(ctx, e, r); err != nil {
			return err
		}
		if i%3 == 2 {
			return nil // no search: its text waits for the end of the batch
		}
		rows, err := tx.Find(ctx, e, &query.Select{Where: label(fmt.Sprintf("led %04d", i)), Limit: 5})
		if err != nil {
			return err
		}
		if len(rows) != 1 || rows[0].ID != id(i) {
			return fmt.Errorf("write %d: its own record not found by like: %d rows", i, len(rows))
		}
		if i%3 == 0 {
			return errFail
		}
		return nil
	})
	for i := 0; i < n; i++ {
		if i%3 == 0 != errors.Is(results[i], errFail) || (i%3 != 0 && results[i] != nil) {
			t.Fatalf("write %d: %v", i, results[i])
		}
		rows, err := s.Find(ctx, e, &query.Select{Where: label(fmt.Sprintf("led %04d", i)), Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if want := i%3 != 0; (len(rows) == 1) != want || len(rows) > 1 {
			t.Errorf("record %d: like finds %d rows, committed %v", i, len(rows), want)
		}
	}
	rows, err := s.Find(ctx, e, &query.Select{Where: label("labelled"), Limit: n})
	if err != nil || len(rows) != n-n/3 {
		t.Fatalf("like over the batch: %d rows, %v; want %d", len(rows), err, n-n/3)
	}
}

// concurrentWrites runs n writes fn(i, tx) at once (so they share
// batches) and returns their results.
func concurrentWrites(s *Store, n int, fn func(i int, tx store.Tx) error) []error {
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = s.Write(context.Background(), func(tx store.Tx) error { return fn(i, tx) })
		}(i)
	}
	wg.Wait()
	return results
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

// TestCheckpointsOffTheWriter: a committed write reaches the database file
// (read with the WAL ignored) through the checkpointer, well before the
// writer's own checkpoint would run.
func TestCheckpointsOffTheWriter(t *testing.T) {
	s, a := openTest(t)
	e := a.Entity("companies")
	insert(t, s, e, row(1, map[string]any{"name": "in the file"}))
	table, err := dialect.TableName(e)
	if err != nil {
		t.Fatal(err)
	}
	file, err := sql.Open("sqlite", "file://"+s.path+"?mode=ro&immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		err := file.QueryRow("SELECT count(*) FROM "+sqlstore.QuoteIdent(table)+" WHERE id = ?", id(1)).Scan(&n)
		if err == nil && n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the record is not in the database file after 5 s (%d, %v)", n, err)
		}
		time.Sleep(20 * time.Millisecond)
		file.SetMaxIdleConns(0) // immutable: a new connection reads the file again
		file.SetMaxIdleConns(2)
	}
}
