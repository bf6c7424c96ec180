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

func TestMatchAgreesWithSQL(t *testing.T) { storetest.MatchAgreesWithSQL(t, openEmpty) }
func TestMatchErrorsLikeSQL(t *testing.T) { storetest.MatchErrorsLikeSQL(t, openEmpty) }
func FuzzMatchAgreesWithSQL(f *testing.F) { storetest.FuzzMatchAgreesWithSQL(f, openEmpty) }
