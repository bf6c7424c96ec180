package postgres

import (
	"context"
	"errors"

	"runway/store"
)

var errTODO = errors.New("postgres: history not yet implemented")

func (t *tx) AddHistory(ctx context.Context, entries ...store.HistoryEntry) error { return errTODO }
func (s *Store) HistoryEntries(ctx context.Context, f *store.HistoryFilter) ([]store.HistoryEntry, int64, error) {
	return nil, 0, errTODO
}
func (s *Store) PruneHistory(ctx context.Context, before int64, limit int) (int64, error) {
	return 0, errTODO
}
func (s *Store) DeletedRecords(ctx context.Context, entity string, before int64, limit int) ([]string, error) {
	return nil, errTODO
}
func (s *Store) DeleteRecordHistory(ctx context.Context, entity string, ids []string) (int64, error) {
	return 0, errTODO
}
func (s *Store) EntityVersions(ctx context.Context, prints map[string]string) (map[string]int64, error) {
	return nil, errTODO
}
func (s *Store) AddAppLogs(ctx context.Context, logs ...store.AppLog) error { return errTODO }
func (s *Store) AppLogs(ctx context.Context, f *store.AppLogFilter) ([]store.AppLog, int64, error) {
	return nil, 0, errTODO
}
func (s *Store) PruneAppLogs(ctx context.Context, before int64, limit int) (int64, error) {
	return 0, errTODO
}
