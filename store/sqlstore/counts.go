package sqlstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
)

// Exact row counts of entity tables, kept in _counts in the transaction of
// every write, so a count without a condition reads a few rows whatever
// the table's size (and whether or not the count cache holds it).
//
// A table's count is the sum of its rows: shard -1, written by Sync when
// it first counts the table (InitCount), says the sum is known; writes add
// their difference to a shard (always 0 with a single writer; one of
// CountShards at random when several processes write, so concurrent
// writers rarely wait on the same row).

// CountShards is how many rows concurrent writers spread a table's count
// over.
const CountShards = 16

// CountsDDL creates _counts; a store runs it as one of its migrations.
func (d *Dialect) CountsDDL() []string {
	return []string{`CREATE TABLE _counts (tbl text NOT NULL, shard integer NOT NULL, n bigint NOT NULL, PRIMARY KEY (tbl, shard))`}
}

// AddCountSQL adds $3 to shard $2 of table $1.
const AddCountSQL = `INSERT INTO _counts (tbl, shard, n) VALUES ($1, $2, $3) ON CONFLICT (tbl, shard) DO UPDATE SET n = _counts.n + excluded.n`

// TotalSQL reads the count of table $1 and whether it is known.
const TotalSQL = `SELECT coalesce(sum(n), 0), count(CASE WHEN shard = -1 THEN 1 END) FROM _counts WHERE tbl = $1`

// CountDeltas are the row count differences of a transaction's writes, by
// table.
type CountDeltas map[string]int64

// Add notes n rows more (or fewer) in table.
func (c CountDeltas) Add(table string, n int64) {
	if n != 0 {
		c[table] += n
	}
}

// Shard is the shard a transaction's writes add to.
func (d *Dialect) Shard() int {
	if !d.RowLocks {
		return 0
	}
	return rand.IntN(CountShards)
}

// Tables lists the tables with a difference, in order.
func (c CountDeltas) Tables() []string {
	out := make([]string, 0, len(c))
	for t, n := range c {
		if n != 0 {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// ApplyCounts adds the differences to _counts (in the write transaction),
// and forgets them.
func (d *Dialect) ApplyCounts(ctx context.Context, db DB, c CountDeltas) error {
	shard := d.Shard()
	for _, t := range c.Tables() {
		if _, err := db.Exec(ctx, AddCountSQL, t, shard, c[t]); err != nil {
			return fmt.Errorf("%s: count of %s: %w", d.Name, t, err)
		}
	}
	clear(c)
	return nil
}

// Total is the count of table's rows when _counts knows it.
func (d *Dialect) Total(ctx context.Context, db DB, table string) (n int64, known bool, err error) {
	var marks int64
	if err := db.QueryRow(ctx, TotalSQL, table).Scan(&n, &marks); err != nil {
		return 0, false, fmt.Errorf("%s: count of %s: %w", d.Name, table, err)
	}
	return n, marks > 0, nil
}

// InitCount counts table into _counts unless it is known already (Sync,
// in its transaction; with several writers the table is locked against
// writes while it is counted, once).
func (d *Dialect) InitCount(ctx context.Context, db DB, table string) error {
	if _, known, err := d.Total(ctx, db, table); err != nil || known {
		return err
	}
	if d.RowLocks {
		if _, err := db.Exec(ctx, "LOCK TABLE "+QuoteIdent(table)+" IN SHARE MODE"); err != nil {
			return fmt.Errorf("%s: count of %s: %w", d.Name, table, err)
		}
	}
	if _, err := db.Exec(ctx, `DELETE FROM _counts WHERE tbl = $1`, table); err != nil {
		return fmt.Errorf("%s: count of %s: %w", d.Name, table, err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO _counts (tbl, shard, n) SELECT $1, -1, count(*) FROM `+QuoteIdent(table), table); err != nil {
		return fmt.Errorf("%s: count of %s: %w", d.Name, table, err)
	}
	return nil
}
