package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"

	"runway/store"
	"runway/store/sqlstore"
)

// maxBatch bounds how many writes share one transaction, so one commit
// never holds the write lock for long.
const maxBatch = 128

var errClosed = errors.New("sqlite: store is closed")

// writeReq is a write waiting for the writer goroutine.
type writeReq struct {
	ctx  context.Context
	fn   func(tx store.Tx) error
	done chan error
}

// The writer is a sqlstore.Committer running runBatch: it takes the writes
// that are waiting, runs them in one transaction and answers each.

// newTx wraps a database transaction as the store.Tx of a batch.
func newTx(s *Store, stx *sql.Tx) *tx {
	t := &tx{tx: stx, touched: map[string]struct{}{}, local: map[string]*sql.Stmt{},
		deltas: sqlstore.CountDeltas{}, batchDeltas: sqlstore.CountDeltas{}}
	t.reader = reader{s: s, db: txDB{t: t, reads: true}}
	return t
}

// runBatch runs a batch of writes in one transaction and answers each.
func (s *Store) runBatch(batch []*writeReq) {
	results := make([]error, len(batch))
	answer := func() {
		for i, r := range batch {
			r.done <- results[i]
		}
	}
	defer answer()
	stx, err := s.wdb.BeginTx(context.Background(), nil)
	if err != nil {
		for i := range results {
			results[i] = fmt.Errorf("sqlite: begin: %w", err)
		}
		return
	}
	t := newTx(s, stx)
	single := len(batch) == 1
	committed := 0
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		results[i] = s.runOne(t, r, single)
		if results[i] == nil {
			committed++
		}
	}
	if committed == 0 {
		_ = stx.Rollback()
		return
	}
	if err := t.finishBatch(context.Background()); err != nil {
		_ = stx.Rollback()
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
		return
	}
	cc := s.counts.BeginCommit(t.touchedTables()...)
	if err := stx.Commit(); err != nil {
		err = fmt.Errorf("sqlite: commit: %w", err)
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
		return
	}
	cc.End(keptAdjust(t.batchChanges))
	s.ckpt.poke()
}

// runOne runs one write of a batch. Alone in its transaction it needs no
// savepoint: the caller rolls the whole transaction back on failure. The
// text indexes and row counts follow the batch's writes once, at its end
// (finishBatch).
func (s *Store) runOne(t *tx, r *writeReq, single bool) error {
	if !single {
		if _, err := t.tx.ExecContext(r.ctx, "SAVEPOINT w"); err != nil {
			return fmt.Errorf("sqlite: savepoint: %w", err)
		}
	}
	err := callFn(r.fn, t)
	if err == nil {
		err = t.flushHistory(context.Background())
	}
	t.endWrite(err == nil)
	if single {
		return err
	}
	if err != nil {
		// Undo this write only; the transaction goes on for the others.
		if _, rerr := t.tx.ExecContext(context.Background(), "ROLLBACK TO w; RELEASE w"); rerr != nil {
			return errors.Join(err, fmt.Errorf("sqlite: rollback to savepoint: %w", rerr))
		}
		return err
	}
	if _, err := t.tx.ExecContext(context.Background(), "RELEASE w"); err != nil {
		return fmt.Errorf("sqlite: release savepoint: %w", err)
	}
	return nil
}

// callFn runs a write function, turning a panic into an error so the
// writer goroutine survives a bug in one request.
func callFn(fn func(store.Tx) error, t *tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: panic in write: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(t)
}

// endWrite ends one write of the batch: a write that succeeded hands its
// text index writes, row count differences and records written (kept
// counts) to the batch; a failed one drops them, and gets back to the
// batch the text of earlier writes that a text search flushed inside its
// savepoint (undone with it).
func (t *tx) endWrite(ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ok {
		t.batchText = append(t.batchText, t.pendingText...)
		t.batchChanges = append(t.batchChanges, t.pendingChanges...)
		for table, n := range t.deltas {
			t.batchDeltas.Add(table, n)
		}
	} else {
		t.batchText = append(t.flushedBatch, t.batchText...)
	}
	t.pendingText, t.flushedBatch, t.pendingChanges, t.pendingHistory = nil, nil, nil, nil
	clear(t.deltas)
}

// finishBatch brings the text indexes and the row counts in step with the
// batch's writes, after the last of them: FTS5 then writes one segment for
// the batch, not one per write, and each count is one statement.
func (t *tx) finishBatch(ctx context.Context) error {
	t.mu.Lock()
	ops := t.batchText
	t.batchText = nil
	t.mu.Unlock()
	if err := t.flushOps(ctx, ops); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return dialect.ApplyCounts(ctx, t.w(), t.batchDeltas)
}
