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

func TestMatchAgreesWithSQL(t *testing.T) { storetest.MatchAgreesWithSQL(t, openEmpty) }
func TestMatchErrorsLikeSQL(t *testing.T) { storetest.MatchErrorsLikeSQL(t, openEmpty) }
func FuzzMatchAgreesWithSQL(f *testing.F) { storetest.FuzzMatchAgreesWithSQL(f, openEmpty) }
