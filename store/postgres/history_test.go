package postgres

import (
	"context"
	"strings"
	"testing"

	"runway/store"
	"runway/store/storetest"
)

// TestHistoryPlan: with the statistics of many records' entries, a
// record's history page scans _history_record backwards.
func TestHistoryPlan(t *testing.T) {
	storetest.HistoryPlan(t, openEmpty, func(st store.Store, q string, args ...any) ([]string, error) {
		s, ctx := st.(*Store), context.Background()
		if _, err := s.pool.Exec(ctx, "ANALYZE _history"); err != nil {
			return nil, err
		}
		rows, err := s.pool.Query(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return nil, err
			}
			plan = append(plan, strings.TrimSpace(line))
		}
		return plan, rows.Err()
	}, "Index Scan Backward using _history_record", "Seq Scan", "Sort")
}
