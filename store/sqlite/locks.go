package sqlite

import (
	"context"
	"sync"
)

// Record locks (store.Locks). A SQLite database is served by one process
// (the store holds a file lock on it), so its locks live in that process's
// memory: no write, no table. The leases still end, for holders that stop
// renewing them.

// lockTable is the locks of one store.
type lockTable struct {
	mu sync.Mutex
	m  map[string]lease // by key
}

type lease struct {
	owner string
	until int64
}

// AcquireLock gives key to owner (store.Locks).
func (s *Store) AcquireLock(_ context.Context, key, owner string, now, until int64) (bool, error) {
	t := &s.locks
	t.mu.Lock()
	defer t.mu.Unlock()
	if l, held := t.m[key]; held && l.owner != owner && l.until > now {
		return false, nil
	}
	if t.m == nil {
		t.m = map[string]lease{}
	}
	t.m[key] = lease{owner: owner, until: until}
	return true, nil
}

// RenewLocks extends owner's leases on keys (store.Locks).
func (s *Store) RenewLocks(_ context.Context, owner string, keys []string, until int64) error {
	t := &s.locks
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if l, held := t.m[k]; held && l.owner == owner {
			t.m[k] = lease{owner: owner, until: until}
		}
	}
	return nil
}

// ReleaseLock frees key if owner holds it, or whoever does when owner is
// empty (store.Locks).
func (s *Store) ReleaseLock(_ context.Context, key, owner string) error {
	t := &s.locks
	t.mu.Lock()
	defer t.mu.Unlock()
	if l, held := t.m[key]; held && (owner == "" || l.owner == owner) {
		delete(t.m, key)
	}
	return nil
}
