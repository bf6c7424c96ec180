package postgres

import (
	"context"
	"testing"
	"time"

	"runway/app"
	"runway/store"
	"runway/store/storetest"
)

// TestCountCacheAcrossStores: two stores on one database (two processes):
// a count cached by one is forgotten when the other commits a write to the
// entity (NOTIFY), and at once after its own writes; a rolled back write
// changes nothing.
func TestCountCacheAcrossStores(t *testing.T) {
	ctx := context.Background()
	url := testURL(t)
	a := storetest.App()
	s1, s2 := openShared(t, url, a), openShared(t, url, a)
	e := a.Entity("companies")
	count := func(s *Store) int64 {
		t.Helper()
		n, err := s.Count(ctx, e, nil)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitLive(s1)
	waitLive(s2)
	ins := func(s *Store, n int) {
		t.Helper()
		if err := s.Write(ctx, func(tx store.Tx) error {
			return tx.Insert(ctx, e, &store.Row{ID: storetest.ID(n), Version: 0, Label: "x", Doc: []byte(`{"id":"` + storetest.ID(n) + `","version":0,"label":"x"}`)})
		}); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(s1); n != 0 {
		t.Fatalf("empty: %d", n)
	}
	ins(s1, 1)
	if n := count(s1); n != 1 {
		t.Fatalf("after its own write: %d", n)
	}
	ins(s2, 2)
	deadline := time.Now().Add(5 * time.Second)
	for count(s1) != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the other store's write never reached the cache: %d", count(s1))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := count(s2); n != 2 {
		t.Fatalf("s2: %d", n)
	}
	_ = s2.Write(ctx, func(tx store.Tx) error {
		_ = tx.Insert(ctx, e, &store.Row{ID: storetest.ID(3), Version: 0, Label: "x", Doc: []byte(`{}`)})
		return context.Canceled
	})
	if n := count(s2); n != 2 {
		t.Fatalf("after a rollback: %d", n)
	}
}

// openShared opens a store on the database at url, synced with a, as one
// of several processes sharing it; closed when the test ends.
func openShared(t *testing.T, url string, a *app.App) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, url, Options{PoolSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	return s
}

// waitLive waits (at most 5 s) until s caches counts: its LISTEN
// connection is up.
func waitLive(s *Store) {
	deadline := time.Now().Add(5 * time.Second)
	for !s.counts.Live() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}
