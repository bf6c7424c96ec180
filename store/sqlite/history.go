package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"runway/store"
)

// historyMigration creates the history of records and the app log
// (migration 4).
var historyMigration = []string{
	`CREATE TABLE _history (
		id TEXT PRIMARY KEY,
		entity TEXT NOT NULL,
		record_id TEXT NOT NULL,
		event_type TEXT NOT NULL,
		ts INTEGER NOT NULL,
		entity_version INTEGER NOT NULL,
		record_label TEXT NOT NULL,
		user_email TEXT NOT NULL,
		ip TEXT NOT NULL,
		context_path TEXT NOT NULL,
		old_record TEXT NOT NULL,
		new_record TEXT NOT NULL)`,
	`CREATE INDEX _history_record ON _history (entity, record_id, id)`,
	`CREATE INDEX _history_entity ON _history (entity, id)`,
	`CREATE INDEX _history_ts ON _history (ts)`,
	`CREATE INDEX _history_deletions ON _history (entity, ts) WHERE ` + deletionsCond,
	`CREATE TABLE _history_entities (entity TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, version INTEGER NOT NULL)`,
	`CREATE TABLE _app_logs (
		id TEXT PRIMARY KEY,
		ts INTEGER NOT NULL,
		type TEXT NOT NULL,
		sub_type TEXT NOT NULL,
		level TEXT NOT NULL,
		message TEXT NOT NULL,
		user_email TEXT NOT NULL,
		admin_user_email TEXT NOT NULL,
		ip TEXT NOT NULL,
		additional_info TEXT)`,
	`CREATE INDEX _app_logs_ts ON _app_logs (ts)`,
}

var deletionsCond = func() string {
	q := make([]string, len(store.DeletionEvents))
	for i, e := range store.DeletionEvents {
		q[i] = "'" + string(e) + "'"
	}
	return "event_type IN (" + strings.Join(q, ", ") + ")"
}()

const historyColumns = `id, entity, record_id, event_type, ts, entity_version, record_label, user_email, ip, context_path, old_record, new_record`

const addHistoryQuery = `INSERT INTO _history (` + historyColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// AddHistory writes history entries in the transaction of their change.
func (t *tx) AddHistory(ctx context.Context, entries ...store.HistoryEntry) error {
	for i := range entries {
		h := &entries[i]
		st, err := t.stmt(ctx, addHistoryQuery)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, h.ID, h.Entity, h.RecordID, string(h.Event), h.Time, h.EntityVersion, h.RecordLabel,
			h.User, h.IP, h.ContextPath, string(h.Old), string(h.New)); err != nil {
			return fmt.Errorf("sqlite: add history: %w", err)
		}
	}
	return nil
}

func events(es []store.HistoryEvent) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = string(e)
	}
	return out
}

// HistoryEntries reads entries newest first and their total.
func (s *Store) HistoryEntries(ctx context.Context, f *store.HistoryFilter) (_ []store.HistoryEntry, _ int64, err error) {
	ctx, done := s.bound(ctx)
	defer func() { err = done(err) }()
	var w where
	w.add("entity = ?", f.Entity)
	w.in("record_id", f.RecordIDs)
	w.in("event_type", events(f.Events))
	w.bound("ts >= ?", f.From)
	w.bound("ts <= ?", f.To)
	var total int64
	if !f.NoTotal {
		if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM _history`+w.sql(), w.args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("sqlite: count history: %w", err)
		}
	}
	if f.Before != "" {
		w.add("id < ?", f.Before)
	}
	q := `SELECT ` + historyColumns + ` FROM _history` + w.sql() + ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		w.args = append(w.args, f.Limit)
	}
	rows, err := s.rdb.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: history: %w", err)
	}
	defer rows.Close()
	var out []store.HistoryEntry
	for rows.Next() {
		var h store.HistoryEntry
		var old, neu string
		if err := rows.Scan(&h.ID, &h.Entity, &h.RecordID, &h.Event, &h.Time, &h.EntityVersion, &h.RecordLabel,
			&h.User, &h.IP, &h.ContextPath, &old, &neu); err != nil {
			return nil, 0, fmt.Errorf("sqlite: history: %w", err)
		}
		h.Old, h.New = []byte(old), []byte(neu)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: history: %w", err)
	}
	return out, total, nil
}

// writeCount runs one statement in a write transaction of its own and
// returns how many rows it changed.
func (s *Store) writeCount(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := s.Write(ctx, func(t store.Tx) error {
		res, err := jobTx(t).tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// PruneHistory deletes up to limit entries older than before.
func (s *Store) PruneHistory(ctx context.Context, before int64, limit int) (int64, error) {
	n, err := s.writeCount(ctx, `DELETE FROM _history WHERE id IN (SELECT id FROM _history WHERE ts < ? ORDER BY ts LIMIT ?)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune history: %w", err)
	}
	return n, nil
}

// DeletedRecords lists records of an entity deleted before a time.
func (s *Store) DeletedRecords(ctx context.Context, entity string, before int64, limit int) ([]string, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT record_id FROM _history WHERE entity = ? AND `+deletionsCond+
		` AND ts < ? ORDER BY ts LIMIT ?`, entity, before, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: deleted records: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// DeleteRecordHistory deletes the entries of records.
func (s *Store) DeleteRecordHistory(ctx context.Context, entity string, ids []string) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var w where
	w.add("entity = ?", entity)
	w.in("record_id", ids)
	n, err := s.writeCount(ctx, `DELETE FROM _history`+w.sql(), w.args...)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete record history: %w", err)
	}
	return n, nil
}

// EntityVersions gives each entity the version of its definition.
func (s *Store) EntityVersions(ctx context.Context, prints map[string]string) (map[string]int64, error) {
	out := map[string]int64{}
	err := s.Write(ctx, func(t store.Tx) error {
		db := jobTx(t).tx
		for name, fp := range prints {
			var old string
			var v int64
			err := db.QueryRowContext(ctx, `SELECT fingerprint, version FROM _history_entities WHERE entity = ?`, name).Scan(&old, &v)
			switch {
			case err == sql.ErrNoRows:
				v = 0
			case err != nil:
				return err
			}
			if old != fp {
				v++
				if _, err := db.ExecContext(ctx, `INSERT INTO _history_entities (entity, fingerprint, version) VALUES (?, ?, ?)
					ON CONFLICT (entity) DO UPDATE SET fingerprint = excluded.fingerprint, version = excluded.version`, name, fp, v); err != nil {
					return err
				}
			}
			out[name] = v
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: entity versions: %w", err)
	}
	return out, nil
}

// AddAppLogs writes app logs in a transaction of their own.
func (s *Store) AddAppLogs(ctx context.Context, logs ...store.AppLog) error {
	if len(logs) == 0 {
		return nil
	}
	err := s.Write(ctx, func(t store.Tx) error {
		for i := range logs {
			l := &logs[i]
			st, err := jobTx(t).stmt(ctx, `INSERT INTO _app_logs (id, ts, type, sub_type, level, message, user_email, admin_user_email, ip, additional_info)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, l.ID, l.Time, string(l.Type), string(l.SubType), string(l.Level), l.Message,
				l.UserEmail, l.AdminUserEmail, l.IP, nullText(l.AdditionalInfo)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: add app logs: %w", err)
	}
	return nil
}

// AppLogs reads app logs newest first and their total.
func (s *Store) AppLogs(ctx context.Context, f *store.AppLogFilter) (_ []store.AppLog, _ int64, err error) {
	ctx, done := s.bound(ctx)
	defer func() { err = done(err) }()
	var w where
	w.bound("ts >= ?", f.From)
	w.bound("ts <= ?", f.To)
	levels := make([]string, len(f.Levels))
	for i, l := range f.Levels {
		levels[i] = string(l)
	}
	w.in("level", levels)
	if f.Message != "" {
		w.add(fnLike+"(message, ?, ?)", strings.ToLower(f.Message), likeContains)
	}
	if f.UserEmail != "" {
		w.add(fnLike+"(user_email, ?, ?)", strings.ToLower(f.UserEmail), likeContains)
	}
	var total int64
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM _app_logs`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sqlite: count app logs: %w", err)
	}
	if f.Before != "" {
		w.add("id < ?", f.Before)
	}
	q := `SELECT id, ts, type, sub_type, level, message, user_email, admin_user_email, ip, additional_info FROM _app_logs` + w.sql() + ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		w.args = append(w.args, f.Limit)
	}
	rows, err := s.rdb.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: app logs: %w", err)
	}
	defer rows.Close()
	var out []store.AppLog
	for rows.Next() {
		var l store.AppLog
		var info sql.NullString
		if err := rows.Scan(&l.ID, &l.Time, &l.Type, &l.SubType, &l.Level, &l.Message, &l.UserEmail, &l.AdminUserEmail, &l.IP, &info); err != nil {
			return nil, 0, fmt.Errorf("sqlite: app logs: %w", err)
		}
		l.AdditionalInfo = nullBytes(info)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: app logs: %w", err)
	}
	return out, total, nil
}

// PruneAppLogs deletes up to limit logs older than before.
func (s *Store) PruneAppLogs(ctx context.Context, before int64, limit int) (int64, error) {
	n, err := s.writeCount(ctx, `DELETE FROM _app_logs WHERE id IN (SELECT id FROM _app_logs WHERE ts < ? ORDER BY ts LIMIT ?)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune app logs: %w", err)
	}
	return n, nil
}
