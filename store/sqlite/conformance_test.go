package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"runway/store"
	"runway/store/storetest"
)

// openEmpty opens a fresh SQLite store in a temporary directory.
func openEmpty(t testing.TB) store.Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "db", "runway.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// reopenable: every call opens the same database file.
func reopenable(t testing.TB) func() store.Store {
	path := filepath.Join(t.TempDir(), "db", "runway.db")
	return func() store.Store {
		s, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// TestConformance: the tests every store passes (storetest).
func TestConformance(t *testing.T) { storetest.Run(t, openEmpty, reopenable) }

func FuzzMatchAgreesWithSQL(f *testing.F) { storetest.FuzzMatchAgreesWithSQL(f, openEmpty) }

func BenchmarkStore(b *testing.B) { storetest.Bench(b, openEmpty) }
