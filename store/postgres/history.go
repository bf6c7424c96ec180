package postgres

import (
	"context"
	"fmt"

	"runway/store"
)

// The history of records and the app log: the statements are sqlstore's
// (migration 3 creates their tables). Entries are written in the
// transaction of their change; pruning and app logs are single statements
// on the pool, each a transaction of its own.

// AddHistory writes entries in the transaction of the changes they record.
func (t *tx) AddHistory(ctx context.Context, entries ...store.HistoryEntry) error {
	// Only an error comes back: the entries wait in the pipe.
	return dialect.AddHistory(ctx, pgDB{deferDB{p: t.p, wrap: func(err error) error {
		return fmt.Errorf("postgres: add history: %w", err)
	}}}, entries)
}

// HistoryEntries reads entries newest first, and their total.
func (s *Store) HistoryEntries(ctx context.Context, f *store.HistoryFilter) (out []store.HistoryEntry, total int64, err error) {
	err = s.read(ctx, func(ctx context.Context, db dbtx) error {
		out, total, err = dialect.HistoryEntries(ctx, pgDB{db}, f)
		return err
	})
	return out, total, err
}

// PruneHistory deletes a batch of entries older than before.
func (s *Store) PruneHistory(ctx context.Context, before int64, limit int) (int64, error) {
	return dialect.PruneHistory(ctx, pgDB{s.pool}, before, limit)
}

// DeletedRecords lists records of an entity deleted before a time.
func (s *Store) DeletedRecords(ctx context.Context, entity string, before int64, limit int) (ids []string, err error) {
	err = s.read(ctx, func(ctx context.Context, db dbtx) error {
		ids, err = dialect.DeletedRecords(ctx, pgDB{db}, entity, before, limit)
		return err
	})
	return ids, err
}

// DeleteRecordHistory deletes every entry of these records.
func (s *Store) DeleteRecordHistory(ctx context.Context, entity string, ids []string) (int64, error) {
	return dialect.DeleteRecordHistory(ctx, pgDB{s.pool}, entity, ids)
}

// EntityVersions gives each entity the version of its definition (in a
// transaction: processes starting together agree).
func (s *Store) EntityVersions(ctx context.Context, prints map[string]string) (v map[string]int64, err error) {
	err = s.Write(ctx, func(t store.Tx) error {
		v, err = dialect.EntityVersions(ctx, pgDB{t.(*tx).p}, prints)
		return err
	})
	return v, err
}

// AddAppLogs writes app logs.
func (s *Store) AddAppLogs(ctx context.Context, logs ...store.AppLog) error {
	return dialect.AddAppLogs(ctx, pgDB{s.pool}, logs)
}

// AppLogs reads app logs newest first, and their total.
func (s *Store) AppLogs(ctx context.Context, f *store.AppLogFilter) (out []store.AppLog, total int64, err error) {
	err = s.read(ctx, func(ctx context.Context, db dbtx) error {
		out, total, err = dialect.AppLogs(ctx, pgDB{db}, f)
		return err
	})
	return out, total, err
}

// PruneAppLogs deletes a batch of logs older than before.
func (s *Store) PruneAppLogs(ctx context.Context, before int64, limit int) (int64, error) {
	return dialect.PruneAppLogs(ctx, pgDB{s.pool}, before, limit)
}
