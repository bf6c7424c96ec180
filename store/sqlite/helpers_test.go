package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"runway/app"
	"runway/store"
	"runway/store/storetest"
)

// The fixtures of the conformance suite, under the names this package's own
// tests use.
var (
	fld     = storetest.Fld
	unique  = storetest.Unique
	testApp = storetest.App
	id      = storetest.ID
	row     = storetest.Row
	target  = storetest.Target
	cond    = storetest.Cond
	find    = storetest.Find
)

func openTest(t testing.TB) (*Store, *app.App) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "db", "runway.db"))
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

func insert(t testing.TB, s *Store, e *app.Entity, rows ...*store.Row) {
	t.Helper()
	storetest.Insert(t, s, e, rows...)
}

// seed opens a store and inserts storetest.Seed's companies.
func seed(t *testing.T) (*Store, *app.Entity) {
	s, a := openTest(t)
	e := a.Entity("companies")
	storetest.Seed(t, s, e)
	return s, e
}
