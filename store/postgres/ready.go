package postgres

import "context"

// Ready reports whether the store can serve: the database answers, and
// its schema is the version this binary migrates to.
func (s *Store) Ready(ctx context.Context) error {
	return dialect.Ready(ctx, pgDB{s.pool}, migrations)
}

// CountCacheStats are the list totals the count cache answered (hits) and
// those it had to count (misses) since Open.
func (s *Store) CountCacheStats() (hits, misses uint64) { return s.counts.Stats() }
