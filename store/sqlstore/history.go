package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"runway/store"
)

// The history of records and the app log (store.History, store.AppLogs):
// tables _history, _history_entities and _app_logs, one SQL text for both
// databases. A history entry is written in the transaction of the change it
// records (AddHistory on the write transaction); the app log in
// transactions of its own.

// HistoryDDL creates the history and app log tables; a store runs it as
// one of its migrations. _history_record serves a record's history page
// (newest first, by id), _history_entity an entity's, _history_ts the
// pruning by age, and the partial _history_deletions the deletions that
// dataExpiration prunes (and recordDeleted looks up).
func (d *Dialect) HistoryDDL() []string {
	id := "text" + d.Bytewise + " PRIMARY KEY"
	key := "text" + d.Bytewise + " NOT NULL"
	return []string{
		`CREATE TABLE _history (
			id ` + id + `,
			entity ` + key + `,
			record_id ` + key + `,
			event_type text NOT NULL,
			ts bigint NOT NULL,
			entity_version bigint NOT NULL,
			record_label text NOT NULL,
			user_email text NOT NULL,
			ip text NOT NULL,
			context_path text NOT NULL,
			old_record text NOT NULL,
			new_record text NOT NULL)`,
		`CREATE INDEX _history_record ON _history (entity, record_id, id)`,
		`CREATE INDEX _history_entity ON _history (entity, id)`,
		`CREATE INDEX _history_ts ON _history (ts)`,
		`CREATE INDEX _history_deletions ON _history (entity, ts) WHERE ` + deletions,
		`CREATE TABLE _history_entities (
			entity ` + id + `,
			fingerprint text NOT NULL,
			version bigint NOT NULL)`,
		`CREATE TABLE _app_logs (
			id ` + id + `,
			ts bigint NOT NULL,
			type text NOT NULL,
			sub_type text NOT NULL,
			level text NOT NULL,
			message text NOT NULL,
			user_email text NOT NULL,
			admin_user_email text NOT NULL,
			ip text NOT NULL,
			additional_info text)`,
		`CREATE INDEX _app_logs_ts ON _app_logs (ts)`,
	}
}

// deletions is the condition of the deletion entries, written out (not a
// parameter) so that the partial index _history_deletions serves it.
var deletions = func() string {
	q := make([]string, len(store.DeletionEvents))
	for i, e := range store.DeletionEvents {
		q[i] = "'" + string(e) + "'"
	}
	return "event_type IN (" + strings.Join(q, ", ") + ")"
}()

const historyColumns = `id, entity, record_id, event_type, ts, entity_version, record_label, user_email, ip, context_path, old_record, new_record`

// HistoryChunk bounds the entries of one INSERT (12 parameters each).
const HistoryChunk = 200

// AddHistoryQuery is the INSERT of n entries (at most HistoryChunk),
// which a store may prepare ahead (1: a create, an update, a delete;
// HistoryChunk: a batch's).
func (d *Dialect) AddHistoryQuery(n int) string {
	return d.written(statement{kind: 'h', n: n}, func() string {
		return `INSERT INTO _history (` + historyColumns + `) VALUES ` + d.valueRows(n, HistoryParams)
	})
}

// HistoryParams is how many parameters an entry has in AddHistoryArgs.
const HistoryParams = 12

// HistoryArgs appends to dst the parameters of entry h for
// AddHistoryArgs, its documents copied (a store may keep them until the
// write ends), or refuses an entry without id, entity or record.
func (d *Dialect) HistoryArgs(dst []any, h *store.HistoryEntry) ([]any, error) {
	if h.ID == "" || h.Entity == "" || h.RecordID == "" {
		return dst, fmt.Errorf("%s: history entry without id, entity or record", d.Name)
	}
	return append(dst, h.ID, h.Entity, h.RecordID, string(h.Event), h.Time, h.EntityVersion, h.RecordLabel,
		h.User, h.IP, h.ContextPath, string(h.Old), string(h.New)), nil
}

// AddHistoryArgs writes the entries whose parameters args holds
// (HistoryArgs), in as few statements as it can. Run it in the write
// transaction of the changes they record.
func (d *Dialect) AddHistoryArgs(ctx context.Context, db DB, args []any) error {
	for len(args) > 0 {
		n := min(len(args)/HistoryParams, HistoryChunk)
		if _, err := db.Exec(ctx, d.AddHistoryQuery(n), args[:HistoryParams*n]...); err != nil {
			return fmt.Errorf("%s: add history: %w", d.Name, err)
		}
		args = args[HistoryParams*n:]
	}
	return nil
}

// AddHistory writes entries, as AddHistoryArgs.
func (d *Dialect) AddHistory(ctx context.Context, db DB, entries []store.HistoryEntry) error {
	args := make([]any, 0, HistoryParams*len(entries))
	for i := range entries {
		var err error
		if args, err = d.HistoryArgs(args, &entries[i]); err != nil {
			return err
		}
	}
	return d.AddHistoryArgs(ctx, db, args)
}

// HistoryEntries reads entries of one entity newest first, and how many
// match ignoring Before and Limit (unless NoTotal).
func (d *Dialect) HistoryEntries(ctx context.Context, db DB, f *store.HistoryFilter) ([]store.HistoryEntry, int64, error) {
	w := where{d: d}
	w.add("entity = ?", f.Entity)
	if len(f.RecordIDs) == 1 {
		w.add("record_id = ?", f.RecordIDs[0]) // the index's equality: a range scan
	} else {
		w.in("record_id", f.RecordIDs)
	}
	w.in("event_type", texts(f.Events))
	w.bound("ts >= ?", f.From)
	w.bound("ts <= ?", f.To)
	var total int64
	if !f.NoTotal {
		if err := db.QueryRow(ctx, `SELECT count(*) FROM _history`+w.sql(), w.args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("%s: count history: %w", d.Name, err)
		}
	}
	if f.Before != "" {
		w.add("id < ?", f.Before)
	}
	q := w.limit(`SELECT `+historyColumns+` FROM _history`+w.sql()+` ORDER BY id DESC`, f.Limit)
	rows, err := db.Query(ctx, q, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: history: %w", d.Name, err)
	}
	defer rows.Close()
	var out []store.HistoryEntry
	for rows.Next() {
		var h store.HistoryEntry
		var event, old, neu string
		if err := rows.Scan(&h.ID, &h.Entity, &h.RecordID, &event, &h.Time, &h.EntityVersion, &h.RecordLabel,
			&h.User, &h.IP, &h.ContextPath, &old, &neu); err != nil {
			return nil, 0, fmt.Errorf("%s: history: %w", d.Name, err)
		}
		h.Event, h.Old, h.New = store.HistoryEvent(event), []byte(old), []byte(neu)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("%s: history: %w", d.Name, err)
	}
	return out, total, nil
}

// HistoryQueryPlan is the query of a record's first history page, for the
// stores' tests of its plan: $1 entity, $2 record id, $3 page size.
const HistoryQueryPlan = `SELECT ` + historyColumns + ` FROM _history WHERE entity = $1 AND record_id = $2 ORDER BY id DESC LIMIT $3`

// PruneHistory deletes at most limit entries older than before, oldest
// first. Run it in a write transaction of its own.
func (d *Dialect) PruneHistory(ctx context.Context, db DB, before int64, limit int) (int64, error) {
	n, err := db.Exec(ctx, `DELETE FROM _history WHERE id IN (SELECT id FROM _history WHERE ts < $1 ORDER BY ts LIMIT $2)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("%s: prune history: %w", d.Name, err)
	}
	return n, nil
}

// DeletedRecords lists at most limit records of entity whose deletion
// entry is older than before, oldest deletion first.
func (d *Dialect) DeletedRecords(ctx context.Context, db DB, entity string, before int64, limit int) ([]string, error) {
	rows, err := db.Query(ctx, `SELECT record_id FROM _history WHERE entity = $1 AND `+deletions+
		` AND ts < $2 ORDER BY ts LIMIT $3`, entity, before, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: deleted records: %w", d.Name, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("%s: deleted records: %w", d.Name, err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: deleted records: %w", d.Name, err)
	}
	return out, nil
}

// DeleteRecordHistory deletes every entry of these records of entity. Run
// it in a write transaction of its own.
func (d *Dialect) DeleteRecordHistory(ctx context.Context, db DB, entity string, ids []string) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	w := where{d: d}
	w.add("entity = ?", entity)
	w.in("record_id", ids)
	n, err := db.Exec(ctx, `DELETE FROM _history`+w.sql(), w.args...)
	if err != nil {
		return 0, fmt.Errorf("%s: delete record history: %w", d.Name, err)
	}
	return n, nil
}

// EntityVersions gives each entity the version of its definition: the
// stored one while the fingerprint is the same, one more when it changed,
// 1 for a new entity. Run it in a write transaction (it writes what
// changed).
func (d *Dialect) EntityVersions(ctx context.Context, db DB, prints map[string]string) (map[string]int64, error) {
	out := make(map[string]int64, len(prints))
	for name, fp := range prints {
		var old string
		var v int64
		err := db.QueryRow(ctx, `SELECT fingerprint, version FROM _history_entities WHERE entity = $1`, name).Scan(&old, &v)
		if err != nil && !errors.Is(err, ErrNoRows) {
			return nil, fmt.Errorf("%s: entity version of %s: %w", d.Name, name, err)
		}
		if old != fp {
			v++
			if _, err := db.Exec(ctx, `INSERT INTO _history_entities (entity, fingerprint, version) VALUES ($1, $2, $3)
				ON CONFLICT (entity) DO UPDATE SET fingerprint = excluded.fingerprint, version = excluded.version`, name, fp, v); err != nil {
				return nil, fmt.Errorf("%s: entity version of %s: %w", d.Name, name, err)
			}
		}
		out[name] = v
	}
	return out, nil
}

// appLogChunk bounds the logs of one INSERT (10 parameters each).
const appLogChunk = 300

// AddAppLogs writes app logs (each with its id set).
func (d *Dialect) AddAppLogs(ctx context.Context, db DB, logs []store.AppLog) error {
	for len(logs) > 0 {
		n := min(len(logs), appLogChunk)
		chunk := logs[:n]
		logs = logs[n:]
		args := make([]any, 0, 10*n)
		for i := range chunk {
			l := &chunk[i]
			if l.ID == "" {
				return fmt.Errorf("%s: app log without id", d.Name)
			}
			args = append(args, l.ID, l.Time, string(l.Type), string(l.SubType), string(l.Level), l.Message,
				l.UserEmail, l.AdminUserEmail, l.IP, nullText(l.AdditionalInfo))
		}
		if _, err := db.Exec(ctx, `INSERT INTO _app_logs (id, ts, type, sub_type, level, message, user_email,
			admin_user_email, ip, additional_info) VALUES `+d.valueRows(n, 10), args...); err != nil {
			return fmt.Errorf("%s: add app logs: %w", d.Name, err)
		}
	}
	return nil
}

// AppLogs reads app logs newest first, and how many match ignoring Before
// and Limit. The message and user filters are Unicode case-insensitive
// substrings: in SQL where the dialect says it (ContainsFold), else
// decided here in Go with the same rule.
func (d *Dialect) AppLogs(ctx context.Context, db DB, f *store.AppLogFilter) ([]store.AppLog, int64, error) {
	w := where{d: d}
	w.bound("ts >= ?", f.From)
	w.bound("ts <= ?", f.To)
	w.in("level", texts(f.Levels))
	msg, user := strings.ToLower(f.Message), strings.ToLower(f.UserEmail)
	inGo := (msg != "" || user != "") && d.ContainsFold == nil
	var total int64
	if !inGo {
		if msg != "" {
			w.add(d.ContainsFold("message", "?"), msg)
		}
		if user != "" {
			w.add(d.ContainsFold("user_email", "?"), user)
		}
		if err := db.QueryRow(ctx, `SELECT count(*) FROM _app_logs`+w.sql(), w.args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("%s: count app logs: %w", d.Name, err)
		}
		if f.Before != "" {
			w.add("id < ?", f.Before)
		}
	}
	q := `SELECT id, ts, type, sub_type, level, message, user_email, admin_user_email, ip, additional_info FROM _app_logs` +
		w.sql() + ` ORDER BY id DESC`
	if !inGo {
		q = w.limit(q, f.Limit)
	}
	rows, err := db.Query(ctx, q, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: app logs: %w", d.Name, err)
	}
	defer rows.Close()
	var out []store.AppLog
	for rows.Next() {
		var l store.AppLog
		var typ, sub, level string
		var info *string
		if err := rows.Scan(&l.ID, &l.Time, &typ, &sub, &level, &l.Message, &l.UserEmail, &l.AdminUserEmail, &l.IP, &info); err != nil {
			return nil, 0, fmt.Errorf("%s: app logs: %w", d.Name, err)
		}
		l.Type, l.SubType, l.Level, l.AdditionalInfo = store.AppLogType(typ), store.AppLogSubType(sub), store.LogLevel(level), nullBytes(info)
		if inGo {
			if !strings.Contains(strings.ToLower(l.Message), msg) || !strings.Contains(strings.ToLower(l.UserEmail), user) {
				continue
			}
			total++
			if f.Before != "" && l.ID >= f.Before || f.Limit > 0 && len(out) >= f.Limit {
				continue
			}
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("%s: app logs: %w", d.Name, err)
	}
	return out, total, nil
}

// PruneAppLogs deletes at most limit logs older than before, oldest
// first. Run it in a write transaction of its own.
func (d *Dialect) PruneAppLogs(ctx context.Context, db DB, before int64, limit int) (int64, error) {
	n, err := db.Exec(ctx, `DELETE FROM _app_logs WHERE id IN (SELECT id FROM _app_logs WHERE ts < $1 ORDER BY ts LIMIT $2)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("%s: prune app logs: %w", d.Name, err)
	}
	return n, nil
}
