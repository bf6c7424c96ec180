package data

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"runway/app"
	"runway/store"
	"runway/store/postgres"
	"runway/store/sqlite"
)

// BenchmarkUpdateRecordLock measures what the record lock costs an update
// (an update of an existing record takes its lock: in memory on SQLite,
// a row of _locks on PostgreSQL): the same update with the lock and with
// lockRecord: false, on each store, in one run. The PostgreSQL half runs
// with RUNWAY_TEST_POSTGRES.
func BenchmarkUpdateRecordLock(b *testing.B) {
	a, _, err := app.Load(fstest.MapFS{
		"app.json": {Data: []byte(`{"name": "bench"}`)},
		"model/entities/items.json": {Data: []byte(`{"name": "items", "fields": [
			{"name": "title", "type": "text"}, {"name": "n", "type": "integer"}]}`)},
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	stores := map[string]func(b *testing.B) store.Store{
		"sqlite": func(b *testing.B) store.Store {
			st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "runway.db"))
			if err != nil {
				b.Fatal(err)
			}
			return st
		},
	}
	if base := os.Getenv("RUNWAY_TEST_POSTGRES"); base != "" {
		stores["postgres"] = func(b *testing.B) store.Store {
			url, drop, err := postgres.CreateTestDatabase(ctx, base)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = drop() })
			st, err := postgres.Open(ctx, url, postgres.Options{})
			if err != nil {
				b.Fatal(err)
			}
			return st
		}
	}
	for _, name := range []string{"sqlite", "postgres"} {
		open := stores[name]
		if open == nil {
			continue
		}
		b.Run(name, func(b *testing.B) {
			st := open(b)
			defer st.Close()
			if err := st.Sync(ctx, a); err != nil {
				b.Fatal(err)
			}
			s := New(a, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
			e := a.Entity("items")
			doc, err := s.Create(ctx, SystemCaller, e, map[string]any{"title": "t"})
			if err != nil {
				b.Fatal(err)
			}
			var head struct{ ID string }
			_ = json.Unmarshal(doc, &head)
			// Alternate locked and unlocked updates in one loop, so both
			// see the same machine, each first every other time.
			var took [2]time.Duration
			n := 0
			opts := []WriteOptions{{}, {NoLock: true}}
			for b.Loop() {
				for j := range opts {
					k := (j + n/2) % 2
					o := opts[k]
					t0 := time.Now()
					if _, err := s.Update(ctx, SystemCaller, e, head.ID, map[string]any{"n": n}, o); err != nil {
						b.Fatal(err)
					}
					took[k] += time.Since(t0)
					n++
				}
			}
			per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n/2) }
			b.ReportMetric(per(took[0]), "locked-ns/update")
			b.ReportMetric(per(took[1]), "unlocked-ns/update")
			b.ReportMetric(per(took[0])/per(took[1]), "ratio")
		})
	}
}
