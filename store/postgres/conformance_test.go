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
	return storetest.Closing[*Store](t)(Open(context.Background(), testURL(t), Options{}))
}

// reopenable: every call opens the same fresh database.
func reopenable(t testing.TB) func() store.Store {
	url := testURL(t)
	return func() store.Store { return storetest.Must[*Store](t)(Open(context.Background(), url, Options{})) }
}

// TestConformance: the tests every store passes (storetest).
func TestConformance(t *testing.T) { storetest.Run(t, openEmpty, reopenable) }

func FuzzMatchAgreesWithSQL(f *testing.F) { storetest.FuzzMatchAgreesWithSQL(f, openEmpty) }

func BenchmarkStore(b *testing.B) { storetest.Bench(b, openEmpty) }
