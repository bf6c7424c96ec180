package postgres

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"

	"runway/store/sqlstore"
)

// analyzer refreshes the planner's statistics of entity tables when the
// server runs no autovacuum (autovacuum = off; its daemon is then off for
// every table, whatever their own settings): without them the planner
// misjudges how many records a filter keeps (a table seeded after Sync was
// never analyzed at all) and sorts thousands of records instead of
// following an index. Like autovacuum's analyze, after a share of the
// table was inserted or deleted: 1,000 rows plus a fifth of the rows at
// the last analyze, one ANALYZE of a table at a time, in the background.
type analyzer struct {
	on      bool
	ctx     context.Context
	stop    context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	changed map[string]int64 // rows inserted or deleted since the last ANALYZE
	rows    map[string]int64 // rows after the last ANALYZE Runway ran (0: unknown)
	running map[string]bool
}

const (
	analyzeRows  = 1000
	analyzeShare = 5 // a fifth
)

// startAnalyzer turns the analyzer on when the server runs no autovacuum.
func (s *Store) startAnalyzer(ctx context.Context) error {
	a := &s.analyze
	a.ctx, a.stop = context.WithCancel(context.Background())
	a.changed, a.rows, a.running = map[string]int64{}, map[string]int64{}, map[string]bool{}
	var off bool
	if err := s.pool.QueryRow(ctx, "SELECT current_setting('autovacuum') = 'off'").Scan(&off); err != nil {
		return err
	}
	a.on = off
	return nil
}

// noteWrites counts the rows a committed write inserted or deleted, and
// analyzes the tables that changed enough.
func (s *Store) noteWrites(deltas sqlstore.CountDeltas) {
	a := &s.analyze
	if !a.on || len(deltas) == 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for table, n := range deltas {
		a.changed[table] += max(n, -n)
		if a.running[table] || a.changed[table] < analyzeRows+a.rows[table]/analyzeShare {
			continue
		}
		a.running[table] = true
		a.rows[table] += a.changed[table] // a bound on the size: enough for the threshold
		a.changed[table] = 0
		a.wg.Add(1)
		go s.analyzeTable(table)
	}
}

func (s *Store) analyzeTable(table string) {
	a := &s.analyze
	defer a.wg.Done()
	// no statement timeout: a large table takes a while to sample
	_ = pgx.BeginFunc(a.ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(a.ctx, "SET LOCAL statement_timeout = 0"); err != nil {
			return err
		}
		_, err := tx.Exec(a.ctx, "ANALYZE "+sqlstore.QuoteIdent(table))
		return err
	})
	a.mu.Lock()
	a.running[table] = false
	a.mu.Unlock()
}

// stopAnalyzer cancels a running ANALYZE and waits for it.
func (s *Store) stopAnalyzer() {
	if s.analyze.stop != nil {
		s.analyze.stop()
		s.analyze.wg.Wait()
	}
}
