package storetest

import (
	"context"
	"sync"
	"testing"
)

// Locks: a key is held by one owner at a time; the owner takes it again
// (renewing its lease); another owner gets it only once it is released or
// its lease has ended; renewals and releases by others change nothing;
// a release without an owner frees the key.
func Locks(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	acquire := func(key, owner string, now, until int64) bool {
		t.Helper()
		ok, err := s.AcquireLock(ctx, key, owner, now, until)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !acquire("k", "a", 100, 200) {
		t.Fatal("a free key was not acquired")
	}
	if acquire("k", "b", 150, 250) {
		t.Fatal("a held key was acquired by another owner")
	}
	if !acquire("k", "a", 150, 300) {
		t.Fatal("the owner could not take its key again")
	}
	if acquire("k", "b", 250, 350) {
		t.Fatal("the owner's renewed lease was not kept")
	}
	if !acquire("other", "b", 250, 350) {
		t.Fatal("another key was not free")
	}
	// A lease that ended is taken over.
	if !acquire("k", "b", 300, 400) {
		t.Fatal("a lapsed lease was not taken over")
	}
	// Renewals: only the owner's.
	if err := s.RenewLocks(ctx, "a", []string{"k"}, 1000); err != nil {
		t.Fatal(err)
	}
	if !acquire("k", "c", 400, 500) {
		t.Fatal("a renewal by a former owner kept the lock")
	}
	if err := s.RenewLocks(ctx, "c", []string{"k", "missing"}, 1000); err != nil {
		t.Fatal(err)
	}
	if acquire("k", "a", 600, 700) {
		t.Fatal("a renewed lease ended early")
	}
	// Releases: only the owner's.
	if err := s.ReleaseLock(ctx, "k", "a"); err != nil {
		t.Fatal(err)
	}
	if acquire("k", "a", 600, 700) {
		t.Fatal("a release by someone else freed the key")
	}
	if err := s.ReleaseLock(ctx, "k", "c"); err != nil {
		t.Fatal(err)
	}
	if !acquire("k", "a", 600, 700) {
		t.Fatal("a released key was not free")
	}
	// A release without an owner frees the key whoever holds it.
	if err := s.ReleaseLock(ctx, "k", ""); err != nil {
		t.Fatal(err)
	}
	if !acquire("k", "b", 600, 700) {
		t.Fatal("a key released without an owner was not free")
	}
	// Many owners race for one key: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ok, err := s.AcquireLock(ctx, "race", string(rune('A'+i)), 1000, 2000)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				winners++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if winners != 1 {
		t.Fatalf("%d owners acquired one key", winners)
	}
}
