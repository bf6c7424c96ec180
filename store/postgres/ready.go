package postgres

import (
	"context"
	"fmt"
	"strconv"
)

// Ready reports whether the store can serve: the database answers, and
// its schema is the version this binary migrates to (another process,
// of a newer binary, may have moved it on).
func (s *Store) Ready(ctx context.Context) error {
	var v string
	if err := s.pool.QueryRow(ctx, `SELECT value FROM _meta WHERE key = 'schema_version'`).Scan(&v); err != nil {
		return fmt.Errorf("postgres: read schema_version: %w", err)
	}
	if v != strconv.Itoa(schemaVersion()) {
		return fmt.Errorf("postgres: schema version %s, this server's is %d", v, schemaVersion())
	}
	return nil
}

// CountCacheStats are the list totals the count cache answered (hits) and
// those it had to count (misses) since Open.
func (s *Store) CountCacheStats() (hits, misses uint64) {
	return s.counts.hits.Load(), s.counts.misses.Load()
}
