package store

import "context"

// Locks hold record locks (package data: sys.data.lock…, actions on a
// record, saves that wait for them). A key is held by one owner at a time,
// until the owner releases it or its lease ends, so the locks of a holder
// that crashed lapse on their own. Times are milliseconds on the caller's
// clock; every process sharing the store must agree on it (the wall
// clock), as for job heartbeats.
type Locks interface {
	// AcquireLock gives key to owner until until and reports whether it
	// did: it does when nobody holds key, when its lease ended at or before
	// now, or when owner holds it already (the lease then ends at until).
	AcquireLock(ctx context.Context, key, owner string, now, until int64) (bool, error)
	// RenewLocks moves to until the end of the leases owner holds on keys
	// (keys it no longer holds are left alone).
	RenewLocks(ctx context.Context, owner string, keys []string, until int64) error
	// ReleaseLock frees key if owner holds it; an empty owner frees it
	// whoever holds it.
	ReleaseLock(ctx context.Context, key, owner string) error
}
