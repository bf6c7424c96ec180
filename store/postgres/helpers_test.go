package postgres

import (
	"context"
	"testing"

	"runway/app"
	"runway/store/storetest"
)

// The fixtures of the conformance suite, under the names this package's own
// tests use.
var (
	fld     = storetest.Fld
	unique  = storetest.Unique
	testApp = storetest.App
	id      = storetest.ID
	cond    = storetest.Cond
)

func openTest(t testing.TB) (*Store, *app.App) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, testURL(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	a := testApp()
	if err := s.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	return s, a
}
