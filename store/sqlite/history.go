package sqlite

import (
	"context"

	"runway/store"
	"runway/store/sqlstore"
)

// The history of records and the app log: the statements are sqlstore's
// (migration 4 creates their tables); writes go through the single writer,
// entries in the transaction of their change.

// AddHistory queues entries for the end of the write that records their
// changes (flushHistory), still inside its transaction: the entries of a
// write of many records (an import's batch) then go in a few multi-row
// INSERTs, not one statement each, which cost as much as the record's own.
// Their parameters are queued, the documents copied: a writer may reuse
// its buffers once a call returns.
func (t *tx) AddHistory(_ context.Context, entries ...store.HistoryEntry) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pendingHistory == nil {
		t.pendingHistory = t.s.historyQueue()
	}
	for i := range entries {
		args, err := dialect.HistoryArgs(t.pendingHistory, &entries[i])
		if err != nil {
			return err
		}
		t.pendingHistory = args
	}
	return nil
}

// flushHistory writes the entries the current write queued.
func (t *tx) flushHistory(ctx context.Context) error {
	t.mu.Lock()
	args := t.pendingHistory
	t.pendingHistory = nil
	t.mu.Unlock()
	err := dialect.AddHistoryArgs(ctx, t.w(), args)
	t.s.recycleHistory(args)
	return err
}

// maxHistoryQueue bounds the queue kept for the next write: that of
// 10,000 entries.
const maxHistoryQueue = 10_000 * sqlstore.HistoryParams

// historyQueue is an empty queue for a write's history parameters: the
// last write's, kept (an import batch's 30,000 were grown from nothing,
// doubling, every batch), or a new one.
func (s *Store) historyQueue() []any {
	if q := s.historyArgs.Swap(nil); q != nil {
		return *q
	}
	return nil
}

// recycleHistory keeps a written queue for the next write, emptied (it
// must not hold the documents on).
func (s *Store) recycleHistory(q []any) {
	if q == nil || cap(q) > maxHistoryQueue {
		return
	}
	clear(q)
	q = q[:0]
	s.historyArgs.Store(&q)
}

// HistoryEntries reads entries newest first, and their total.
func (s *Store) HistoryEntries(ctx context.Context, f *store.HistoryFilter) (out []store.HistoryEntry, total int64, err error) {
	err = s.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		out, total, err = dialect.HistoryEntries(ctx, db, f)
		return err
	})
	return out, total, err
}

// writeCount runs one statement of sqlstore in a write transaction of its
// own and returns what it returns.
func (s *Store) writeCount(ctx context.Context, stmt func(db sqlstore.DB) (int64, error)) (n int64, err error) {
	err = s.Write(ctx, func(t store.Tx) error {
		n, err = stmt(t.(*tx).w())
		return err
	})
	return n, err
}

// PruneHistory deletes a batch of entries older than before.
func (s *Store) PruneHistory(ctx context.Context, before int64, limit int) (int64, error) {
	return s.writeCount(ctx, func(db sqlstore.DB) (int64, error) { return dialect.PruneHistory(ctx, db, before, limit) })
}

// DeletedRecords lists records of an entity deleted before a time.
func (s *Store) DeletedRecords(ctx context.Context, entity string, before int64, limit int) (ids []string, err error) {
	err = s.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		ids, err = dialect.DeletedRecords(ctx, db, entity, before, limit)
		return err
	})
	return ids, err
}

// DeleteRecordHistory deletes every entry of these records.
func (s *Store) DeleteRecordHistory(ctx context.Context, entity string, ids []string) (int64, error) {
	return s.writeCount(ctx, func(db sqlstore.DB) (int64, error) { return dialect.DeleteRecordHistory(ctx, db, entity, ids) })
}

// EntityVersions gives each entity the version of its definition.
func (s *Store) EntityVersions(ctx context.Context, prints map[string]string) (v map[string]int64, err error) {
	err = s.Write(ctx, func(t store.Tx) error {
		v, err = dialect.EntityVersions(ctx, t.(*tx).w(), prints)
		return err
	})
	return v, err
}

// AddAppLogs writes app logs in a transaction of their own.
func (s *Store) AddAppLogs(ctx context.Context, logs ...store.AppLog) error {
	if len(logs) == 0 {
		return nil
	}
	return s.Write(ctx, func(t store.Tx) error { return dialect.AddAppLogs(ctx, t.(*tx).w(), logs) })
}

// AppLogs reads app logs newest first, and their total.
func (s *Store) AppLogs(ctx context.Context, f *store.AppLogFilter) (out []store.AppLog, total int64, err error) {
	err = s.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		out, total, err = dialect.AppLogs(ctx, db, f)
		return err
	})
	return out, total, err
}

// PruneAppLogs deletes a batch of logs older than before.
func (s *Store) PruneAppLogs(ctx context.Context, before int64, limit int) (int64, error) {
	return s.writeCount(ctx, func(db sqlstore.DB) (int64, error) { return dialect.PruneAppLogs(ctx, db, before, limit) })
}
