package sqlite

import (
	"context"
	"testing"

	"runway/store"
	"runway/store/storetest"
)

// TestHistoryPlan: a record's history page searches _history_record.
func TestHistoryPlan(t *testing.T) {
	storetest.HistoryPlan(t, openEmpty, func(st store.Store, q string, args ...any) ([]string, error) {
		rows, err := st.(*Store).rdb.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return nil, err
			}
			plan = append(plan, detail)
		}
		return plan, rows.Err()
	}, "SEARCH _history USING INDEX _history_record (entity=? AND record_id=?)", "SCAN", "TEMP B-TREE")
}
