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
	return storetest.Closing[*Store](t)(Open(context.Background(), filepath.Join(t.TempDir(), "db", "runway.db")))
}

// reopenable: every call opens the same database file.
func reopenable(t testing.TB) func() store.Store {
	path := filepath.Join(t.TempDir(), "db", "runway.db")
	return func() store.Store { return storetest.Must[*Store](t)(Open(context.Background(), path)) }
}

// TestConformance: the tests every store passes (storetest).
func TestConformance(t *testing.T) { storetest.Run(t, openEmpty, reopenable) }

func FuzzMatchAgreesWithSQL(f *testing.F) { storetest.FuzzMatchAgreesWithSQL(f, openEmpty) }

func BenchmarkStore(b *testing.B) { storetest.Bench(b, openEmpty) }
