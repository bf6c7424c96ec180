package sqlite

import (
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
	s, a := storetest.Open(t, openEmpty)
	return s.(*Store), a
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
