package postgres

import (
	"context"
	"testing"

	"runway/store"
	"runway/store/storetest"
)

// openEmpty opens a store on a fresh database (testURL: skipped unless
// RUNWAY_TEST_POSTGRES is set).
func openEmpty(t testing.TB) store.Store {
	t.Helper()
	s, err := Open(context.Background(), testURL(t), Options{})
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

// reopenable: every call opens the same fresh database.
func reopenable(t testing.TB) func() store.Store {
	url := testURL(t)
	return func() store.Store {
		s, err := Open(context.Background(), url, Options{})
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
