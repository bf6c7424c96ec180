package metrics

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"runway/store"
	"runway/store/postgres"
	"runway/store/sqlite"
	"runway/store/storetest"
)

// count is the number of observations of the store histogram for op.
func count(t *testing.T, m *Metrics, op string) uint64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "runway_store_query_duration_seconds" {
			continue
		}
		for _, s := range f.Metric {
			if s.Label[0].GetValue() == op {
				return s.Histogram.GetSampleCount()
			}
		}
	}
	return 0
}

// TestStore: the wrapper times operations, inside a write too, and is
// undone by Unwrap.
func TestStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := storetest.App()
	if err := st.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	m := New()
	w := m.Store(st)
	if Unwrap(w) != st || Unwrap(st) != st {
		t.Fatal("Unwrap does not give the store back")
	}
	if _, ok := w.(store.SessionWatcher); ok {
		t.Error("a SQLite store became a session watcher")
	}
	e := a.Entity("companies")
	err = w.Write(ctx, func(tx store.Tx) error {
		return tx.Insert(ctx, e, &store.Row{ID: storetest.ID(1), Label: "a", Doc: []byte(`{"id":"` + storetest.ID(1) + `","version":0,"label":"a"}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Get(ctx, e, storetest.ID(1)); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"Write", "Insert", "Get"} {
		if n := count(t, m, op); n != 1 {
			t.Errorf("%s observed %d times, want 1", op, n)
		}
	}
	var nilMetrics *Metrics
	if nilMetrics.Store(st) != st {
		t.Error("nil metrics wrapped the store")
	}
}

// TestStoreKeepsSessionWatcher: a PostgreSQL store still tells of session
// changes through the wrapper (auth's shared session cache needs it).
func TestStoreKeepsSessionWatcher(t *testing.T) {
	base := os.Getenv("RUNWAY_TEST_POSTGRES")
	if base == "" {
		t.Skip("set RUNWAY_TEST_POSTGRES to run the PostgreSQL tests")
	}
	ctx := context.Background()
	url, drop, err := postgres.CreateTestDatabase(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer drop()
	st, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w := New().Store(st)
	if _, ok := w.(store.SessionWatcher); !ok {
		t.Error("the wrapper hides the store's SessionWatcher")
	}
	if Unwrap(w) != st {
		t.Error("Unwrap does not give the store back")
	}
}

// BenchmarkStoreGet: a record read straight from SQLite (baseline) and
// through the timing wrapper.
func BenchmarkStoreGet(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "a.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	a := storetest.App()
	if err := st.Sync(ctx, a); err != nil {
		b.Fatal(err)
	}
	e := a.Entity("companies")
	err = st.Write(ctx, func(tx store.Tx) error {
		return tx.Insert(ctx, e, &store.Row{ID: storetest.ID(1), Label: "a", Doc: []byte(`{"id":"` + storetest.ID(1) + `","version":0,"label":"a"}`)})
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		st   store.Store
	}{{"sqlite", st}, {"timed", New().Store(st)}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.st.Get(ctx, e, storetest.ID(1)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
