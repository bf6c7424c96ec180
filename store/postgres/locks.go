package postgres

import (
	"context"
	"fmt"
)

// Record locks (store.Locks): one row per held key in _locks, shared by
// every process on the database. Taking a lock is one statement (an
// insert that takes over a lapsed lease or renews the owner's own), so two
// processes never both hold a key. The table is UNLOGGED: a lock is worth
// nothing after a database crash, and taking and releasing one then costs
// no WAL flush (measured: about half the cost of a logged table).

// locksMigration creates _locks (migration 7). Only this store has the
// table: SQLite's locks live in its one process's memory.
var locksMigration = []string{
	`CREATE UNLOGGED TABLE _locks (key text COLLATE "C" PRIMARY KEY, owner text NOT NULL, until bigint NOT NULL)`,
}

// AcquireLock gives key to owner (store.Locks).
func (s *Store) AcquireLock(ctx context.Context, key, owner string, now, until int64) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO _locks (key, owner, until) VALUES ($1, $2, $4)
		ON CONFLICT (key) DO UPDATE SET owner = $2, until = $4
		WHERE _locks.owner = $2 OR _locks.until <= $3`, key, owner, now, until)
	if err != nil {
		return false, fmt.Errorf("postgres: acquire lock %s: %w", key, err)
	}
	return tag.RowsAffected() == 1, nil
}

// RenewLocks extends owner's leases on keys (store.Locks).
func (s *Store) RenewLocks(ctx context.Context, owner string, keys []string, until int64) error {
	if _, err := s.pool.Exec(ctx, `UPDATE _locks SET until = $3 WHERE owner = $1 AND key = ANY($2)`, owner, keys, until); err != nil {
		return fmt.Errorf("postgres: renew locks: %w", err)
	}
	return nil
}

// ReleaseLock frees key if owner holds it, or whoever does when owner is
// empty (store.Locks).
func (s *Store) ReleaseLock(ctx context.Context, key, owner string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM _locks WHERE key = $1 AND ($2 = '' OR owner = $2)`, key, owner); err != nil {
		return fmt.Errorf("postgres: release lock %s: %w", key, err)
	}
	return nil
}
