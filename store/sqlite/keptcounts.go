package sqlite

import (
	"context"
	"errors"

	"runway/app"
	"runway/query"
	"runway/record"
	"runway/store"
)

// Kept counts: the count of a filtered list (the total of a page) is kept
// in the count cache with its condition (sqlstore.CountCache.StoreKept), and
// instead of being forgotten at the next write to the table it is adjusted
// by that write: for each record written, query.Match of the condition on
// the record before and after (the differential Match test holds Match to
// the SQL). So a list repeated between writes, which a busy app sees, counts
// once. Every write of a batch notes its records (countChange): an insert
// its row, an update or delete the row as stored before it (one read,
// only while some count of the table is kept); a write that cannot say
// (DeleteIDs, or one before any count was kept) marks the table unknown and
// its kept counts go stale with the commit, as every count did before.

// countChange is one record written, for the kept counts of its table.
type countChange struct {
	table         string
	id            string
	before, after *store.Row // nil: absent
	unknown       bool       // the table's kept counts cannot follow
}

// noteChange records a write for the kept counts. before reads the record
// as stored (only called while some count of table is kept).
func (t *tx) noteChange(ctx context.Context, table, id string, after *store.Row, before func() (*store.Row, error)) error {
	c := countChange{table: table, id: id}
	if !t.s.counts.Kept(table) {
		c.unknown = true
	} else {
		if after != nil {
			a := *after
			a.Doc = append([]byte(nil), after.Doc...)
			c.after = &a
		}
		if before != nil {
			b, err := before()
			switch {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				return err
			default:
				c.before = b
			}
		}
	}
	t.mu.Lock()
	t.pendingChanges = append(t.pendingChanges, c)
	t.mu.Unlock()
	return nil
}

// beforeOf reads record id of e as stored in the transaction.
func (t *tx) beforeOf(ctx context.Context, e *app.Entity, id string) func() (*store.Row, error) {
	return func() (*store.Row, error) { return dialect.Get(ctx, t.w(), e, id) }
}

// keptAdjust is the adjust of sqlstore.CountCommit.End for a committed
// batch's changes: the difference each change makes to the count of a
// kept condition.
func keptAdjust(changes []countChange) func(table string, keep any) (int64, bool) {
	unknown := map[string]bool{}
	byTable := map[string][]countChange{}
	for _, c := range changes {
		if c.unknown {
			unknown[c.table] = true
		}
		byTable[c.table] = append(byTable[c.table], c)
	}
	decoded := map[*store.Row]record.Values{}
	match := func(x query.Expr, id string, r *store.Row) (int64, error) {
		if r == nil {
			return 0, nil
		}
		v, ok := decoded[r]
		if !ok {
			_, _, _, d, err := record.Decode(r.Doc)
			if err != nil {
				return 0, err
			}
			v, decoded[r] = d, d
		}
		if ok, err := query.Match(x, v, id, r.Label); err != nil || !ok {
			return 0, err
		}
		return 1, nil
	}
	return func(table string, keep any) (int64, bool) {
		x, ok := keep.(query.Expr)
		if !ok || unknown[table] {
			return 0, false
		}
		var d int64
		for _, c := range byTable[table] {
			a, err := match(x, c.id, c.after)
			if err != nil {
				return 0, false
			}
			b, err := match(x, c.id, c.before)
			if err != nil {
				return 0, false
			}
			d += a - b
		}
		return d, true
	}
}
