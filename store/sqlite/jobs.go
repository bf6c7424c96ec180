package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"runway/app"
	"runway/record"
	"runway/store"
)

// jobsMigration creates the job queue and the job log (migration 3).
//
// _jobs holds every field of a job (rest-api.md §9.1) but progress, plus the
// queue's columns: owner and heartbeat of the worker running it, its
// parameters and its checkpoint. Dates a job does not have yet are NULL, so
// range filters never match them. _jobs_queue covers the claim (the jobs a
// worker may take: PENDING, and RUNNING ones whose worker may be gone).
var jobsMigration = []string{
	`CREATE TABLE _jobs (
		id TEXT PRIMARY KEY,
		label TEXT NOT NULL,
		type TEXT NOT NULL,
		run_by_id TEXT NOT NULL DEFAULT '',
		run_by_name TEXT NOT NULL DEFAULT '',
		parent_id TEXT NOT NULL DEFAULT '',
		parent_label TEXT NOT NULL DEFAULT '',
		root_id TEXT NOT NULL DEFAULT '',
		root_label TEXT NOT NULL DEFAULT '',
		create_date INTEGER NOT NULL,
		start_date INTEGER,
		end_date INTEGER,
		status TEXT NOT NULL,
		has_errors INTEGER NOT NULL DEFAULT 0,
		records_count INTEGER NOT NULL DEFAULT 0,
		records_processed INTEGER NOT NULL DEFAULT 0,
		children_count INTEGER NOT NULL DEFAULT 0,
		children_processed INTEGER NOT NULL DEFAULT 0,
		stoppable INTEGER NOT NULL DEFAULT 1,
		low_priority INTEGER NOT NULL DEFAULT 0,
		data TEXT NOT NULL DEFAULT '{}',
		results TEXT,
		params TEXT,
		checkpoint TEXT,
		owner TEXT NOT NULL DEFAULT '',
		heartbeat INTEGER NOT NULL DEFAULT 0)`,
	`CREATE INDEX _jobs_queue ON _jobs (low_priority, id) WHERE status IN ('PENDING', 'RUNNING')`,
	`CREATE INDEX _jobs_run_by ON _jobs (run_by_id, id)`,
	`CREATE TABLE _job_logs (
		id TEXT PRIMARY KEY,
		job_id TEXT NOT NULL,
		ts INTEGER NOT NULL,
		level TEXT NOT NULL,
		message TEXT NOT NULL)`,
	`CREATE INDEX _job_logs_job ON _job_logs (job_id, id)`,
}

const jobColumns = `id, label, type, run_by_id, run_by_name, parent_id, parent_label, root_id, root_label,
	create_date, start_date, end_date, status, has_errors, records_count, records_processed,
	children_count, children_processed, stoppable, low_priority, data, results, params, checkpoint, owner, heartbeat`

// jobListColumns are jobColumns without the parameters and the checkpoint,
// which lists never show and which may be large.
var jobListColumns = strings.Replace(jobColumns, "params, checkpoint", "NULL, NULL", 1)

func scanJob(sc scanner, j *store.Job) error {
	var start, end sql.NullInt64
	var results, params, checkpoint sql.NullString
	var data string
	if err := sc.Scan(&j.ID, &j.Label, &j.Type, &j.RunByID, &j.RunByName, &j.ParentID, &j.ParentLabel,
		&j.RootID, &j.RootLabel, &j.Created, &start, &end, &j.Status, &j.HasErrors, &j.RecordsCount,
		&j.RecordsProcessed, &j.ChildrenCount, &j.ChildrenDone, &j.Stoppable, &j.LowPriority, &data,
		&results, &params, &checkpoint, &j.Owner, &j.Heartbeat); err != nil {
		return err
	}
	j.Started, j.Ended = start.Int64, end.Int64
	j.Data = []byte(data)
	j.Results, j.Params, j.Checkpoint = nullBytes(results), nullBytes(params), nullBytes(checkpoint)
	return nil
}

func nullBytes(s sql.NullString) []byte {
	if !s.Valid {
		return nil
	}
	return []byte(s.String)
}

// nullText binds JSON bytes as text (json_* functions read a BLOB as JSONB),
// nil as NULL.
func nullText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

func nullTime(ms int64) any {
	if ms == 0 {
		return nil
	}
	return ms
}

// terminal statuses get an end date; their parent counts them as done.
func terminal(status string) bool { return status == "FINISHED" || status == "CANCELED" }

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// execer is the statement side shared by a transaction and the pools.
type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// InsertJob stores a new job; a child job counts in its parent's children.
func (t *tx) InsertJob(ctx context.Context, j *store.Job) error {
	if j == nil || j.ID == "" || j.Status == "" {
		return errors.New("sqlite: insert job: no id or status")
	}
	data := j.Data
	if data == nil {
		data = []byte("{}")
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO _jobs (`+jobColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		j.ID, j.Label, j.Type, j.RunByID, j.RunByName, j.ParentID, j.ParentLabel, j.RootID, j.RootLabel,
		j.Created, nullTime(j.Started), nullTime(j.Ended), j.Status, j.HasErrors, j.RecordsCount,
		j.RecordsProcessed, j.ChildrenCount, j.ChildrenDone, j.Stoppable, j.LowPriority, string(data),
		nullText(j.Results), nullText(j.Params), nullText(j.Checkpoint), j.Owner, j.Heartbeat)
	if err != nil {
		return fmt.Errorf("sqlite: insert job %s: %w", j.ID, err)
	}
	if j.ParentID != "" {
		if _, err := t.tx.ExecContext(ctx, `UPDATE _jobs SET children_count = children_count + 1 WHERE id = ?`, j.ParentID); err != nil {
			return fmt.Errorf("sqlite: insert job %s: count in parent: %w", j.ID, err)
		}
	}
	return nil
}

// CheckpointJob saves a running job's progress, fenced by its owner.
func (t *tx) CheckpointJob(ctx context.Context, id, owner string, p *store.JobProgress) (string, error) {
	var status string
	err := t.tx.QueryRowContext(ctx, `UPDATE _jobs SET records_count = ?, records_processed = ?,
		has_errors = has_errors OR ?, results = coalesce(?, results), checkpoint = ?, heartbeat = ?
		WHERE id = ? AND owner = ? AND status IN ('RUNNING', 'STOPPING') RETURNING status`,
		p.RecordsCount, p.RecordsProcessed, p.HasErrors, nullText(p.Results), nullText(p.Checkpoint), p.Now,
		id, owner).Scan(&status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("sqlite: checkpoint job %s: %w", id, store.ErrJobLost)
	case err != nil:
		return "", fmt.Errorf("sqlite: checkpoint job %s: %w", id, err)
	}
	if err := t.AddJobLogs(ctx, p.Logs...); err != nil {
		return "", err
	}
	return status, nil
}

// TransitionJob applies one guarded change (one UPDATE … WHERE status IN
// (…) RETURNING), then its side effects: the parent's count of finished
// children and the log lines.
func (t *tx) TransitionJob(ctx context.Context, id string, ch *store.JobChange) (*store.Job, error) {
	return transitionJob(ctx, t.tx, id, ch)
}

func transitionJob(ctx context.Context, db execer, id string, ch *store.JobChange) (*store.Job, error) {
	if len(ch.From) == 0 || ch.To == "" || terminal(ch.ToIfNotStarted) {
		return nil, fmt.Errorf("sqlite: transition job %s: bad change %+v", id, ch)
	}
	toNotStarted := ch.ToIfNotStarted
	if toNotStarted == "" {
		toNotStarted = ch.To
	}
	q := `UPDATE _jobs SET
		status = CASE WHEN start_date IS NULL THEN ? ELSE ? END,
		end_date = CASE WHEN ? THEN ? ELSE end_date END,
		owner = CASE WHEN ? THEN '' ELSE owner END,
		heartbeat = CASE WHEN ? THEN 0 ELSE heartbeat END,
		has_errors = has_errors OR ?
		WHERE id = ? AND status IN (` + placeholders(len(ch.From)) + `)`
	args := []any{toNotStarted, ch.To, terminal(ch.To), ch.Now, ch.Release, ch.Release, ch.Errors, id}
	args = append(args, anys(ch.From)...)
	if ch.Owner != "" {
		q += ` AND owner = ?`
		args = append(args, ch.Owner)
	}
	q += ` RETURNING ` + jobColumns
	var j store.Job
	err := scanJob(db.QueryRowContext(ctx, q, args...), &j)
	if errors.Is(err, sql.ErrNoRows) {
		cur, gerr := getJob(ctx, db, id)
		if gerr != nil {
			return nil, gerr
		}
		return cur, fmt.Errorf("sqlite: job %s is %s: %w", id, cur.Status, store.ErrJobState)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: transition job %s: %w", id, err)
	}
	if terminal(j.Status) && j.ParentID != "" {
		if _, err := db.ExecContext(ctx, `UPDATE _jobs SET children_processed = children_processed + 1 WHERE id = ?`, j.ParentID); err != nil {
			return nil, fmt.Errorf("sqlite: transition job %s: count in parent: %w", id, err)
		}
	}
	if err := addJobLogs(ctx, db, ch.Logs); err != nil {
		return nil, err
	}
	return &j, nil
}

// AddJobLogs appends log lines (each with its id set).
func (t *tx) AddJobLogs(ctx context.Context, logs ...store.JobLog) error {
	return addJobLogs(ctx, t.tx, logs)
}

// jobLogChunk bounds the lines of one INSERT (5 parameters each).
const jobLogChunk = 200

func addJobLogs(ctx context.Context, db execer, logs []store.JobLog) error {
	for len(logs) > 0 {
		n := min(len(logs), jobLogChunk)
		chunk := logs[:n]
		logs = logs[n:]
		args := make([]any, 0, 5*n)
		for _, l := range chunk {
			if l.ID == "" || l.JobID == "" {
				return errors.New("sqlite: job log without id or job id")
			}
			args = append(args, l.ID, l.JobID, l.Time, l.Level, l.Message)
		}
		q := `INSERT INTO _job_logs (id, job_id, ts, level, message) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", n), ", ")
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("sqlite: add job logs: %w", err)
		}
	}
	return nil
}

func getJob(ctx context.Context, db execer, id string) (*store.Job, error) {
	var j store.Job
	err := scanJob(db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM _jobs WHERE id = ?`, id), &j)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("sqlite: job %s: %w", id, store.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("sqlite: job %s: %w", id, err)
	}
	return &j, nil
}

// jobTx is the sqlite transaction of a Write callback.
func jobTx(t store.Tx) *tx { return t.(*tx) }

// CreateJob inserts a job in a transaction of its own.
func (s *Store) CreateJob(ctx context.Context, j *store.Job) error {
	return s.Write(ctx, func(t store.Tx) error { return t.InsertJob(ctx, j) })
}

// Job reads a job.
func (s *Store) Job(ctx context.Context, id string) (*store.Job, error) {
	return getJob(ctx, s.rdb, id)
}

// TransitionJob applies a change in a transaction of its own.
func (s *Store) TransitionJob(ctx context.Context, id string, ch *store.JobChange) (*store.Job, error) {
	var j *store.Job
	err := s.Write(ctx, func(t store.Tx) error {
		var err error
		j, err = t.TransitionJob(ctx, id, ch)
		if errors.Is(err, store.ErrJobState) {
			return &stateErr{job: j, err: err} // roll back, keep the job for the caller
		}
		return err
	})
	var se *stateErr
	if errors.As(err, &se) {
		return se.job, se.err
	}
	if err != nil {
		return nil, err
	}
	return j, nil
}

type stateErr struct {
	job *store.Job
	err error
}

func (e *stateErr) Error() string { return e.err.Error() }

// AddJobLogs appends log lines in a transaction of their own.
func (s *Store) AddJobLogs(ctx context.Context, logs ...store.JobLog) error {
	if len(logs) == 0 {
		return nil
	}
	return s.Write(ctx, func(t store.Tx) error { return t.AddJobLogs(ctx, logs...) })
}

// ClaimJob takes the next job of a lane with one statement: the inner
// SELECT picks it, the guarded UPDATE makes it RUNNING and this worker's.
// The single writer makes the statement atomic; PostgreSQL will add FOR
// UPDATE SKIP LOCKED to the inner SELECT.
func (s *Store) ClaimJob(ctx context.Context, c *store.JobClaim) (*store.Job, error) {
	var out *store.Job
	err := s.Write(ctx, func(t store.Tx) error {
		var j store.Job
		err := scanJob(jobTx(t).tx.QueryRowContext(ctx, `UPDATE _jobs
			SET status = 'RUNNING', owner = ?1, heartbeat = ?2, start_date = coalesce(start_date, ?2)
			WHERE id = (SELECT id FROM _jobs
				WHERE low_priority = ?3 AND (status = 'PENDING' OR (status = 'RUNNING' AND heartbeat < ?4))
				ORDER BY status = 'PENDING', id LIMIT 1)
			AND (status = 'PENDING' OR (status = 'RUNNING' AND heartbeat < ?4))
			RETURNING `+jobColumns, c.Owner, c.Now, c.LowPriority, c.StaleBefore), &j)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return fmt.Errorf("sqlite: claim job: %w", err)
		}
		out = &j
		return nil
	})
	return out, err
}

// HeartbeatJob records that owner still runs the job.
func (s *Store) HeartbeatJob(ctx context.Context, id, owner string, now int64) (string, error) {
	var status string
	err := s.Write(ctx, func(t store.Tx) error {
		err := jobTx(t).tx.QueryRowContext(ctx, `UPDATE _jobs SET heartbeat = ?
			WHERE id = ? AND owner = ? AND status IN ('RUNNING', 'STOPPING') RETURNING status`,
			now, id, owner).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: heartbeat job %s: %w", id, store.ErrJobLost)
		}
		return err
	})
	return status, err
}

// StopStaleJobs makes STOPPING jobs whose worker is gone STOPPED.
func (s *Store) StopStaleJobs(ctx context.Context, staleBefore, now int64, message string) ([]string, error) {
	var ids []string
	err := s.Write(ctx, func(t store.Tx) error {
		ids = ids[:0]
		rows, err := jobTx(t).tx.QueryContext(ctx, `UPDATE _jobs SET status = 'STOPPED', owner = '', heartbeat = 0
			WHERE status = 'STOPPING' AND (owner = '' OR heartbeat < ?) RETURNING id`, staleBefore)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		logs := make([]store.JobLog, len(ids))
		for i, id := range ids {
			logs[i] = store.JobLog{ID: record.NewID(), JobID: id, Time: now, Level: "INFO", Message: message}
		}
		return t.AddJobLogs(ctx, logs...)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: stop stale jobs: %w", err)
	}
	return ids, nil
}

// where is a conjunction of SQL conditions with their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) in(col string, values []string) {
	if len(values) > 0 {
		w.add(col+` IN (`+placeholders(len(values))+`)`, anys(values)...)
	}
}

func (w *where) bound(cond string, v *int64) {
	if v != nil {
		w.add(cond, *v)
	}
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// ListJobs reads a page of jobs, newest first, and the total.
func (s *Store) ListJobs(ctx context.Context, f *store.JobFilter) (_ []store.Job, _ int64, err error) {
	ctx, done := s.bound(ctx)
	defer func() { err = done(err) }()
	var w where
	w.in("type", f.Types)
	w.in("status", f.Statuses)
	if f.HasErrors != nil {
		w.add("has_errors = ?", *f.HasErrors)
	}
	w.bound("start_date >= ?", f.StartFrom)
	w.bound("start_date <= ?", f.StartTo)
	w.bound("end_date >= ?", f.EndFrom)
	w.bound("end_date <= ?", f.EndTo)
	w.bound("create_date >= ?", f.CreateFrom)
	w.bound("create_date <= ?", f.CreateTo)
	if f.RunBy != "" {
		w.add("run_by_id = ?", f.RunBy)
	}
	var total int64
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM _jobs`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sqlite: count jobs: %w", err)
	}
	if f.Before != "" {
		w.add("id < ?", f.Before)
	}
	q := `SELECT ` + jobListColumns + ` FROM _jobs` + w.sql() + ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		w.args = append(w.args, f.Limit)
	}
	rows, err := s.rdb.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: list jobs: %w", err)
	}
	defer rows.Close()
	var out []store.Job
	for rows.Next() {
		var j store.Job
		if err := scanJob(rows, &j); err != nil {
			return nil, 0, fmt.Errorf("sqlite: list jobs: %w", err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: list jobs: %w", err)
	}
	return out, total, nil
}

// JobLogs reads a page of a job's log lines, oldest first, and the total.
func (s *Store) JobLogs(ctx context.Context, jobID string, f *store.JobLogFilter) (_ []store.JobLog, _ int64, err error) {
	ctx, done := s.bound(ctx)
	defer func() { err = done(err) }()
	var w where
	w.add("job_id = ?", jobID)
	w.bound("ts >= ?", f.From)
	w.bound("ts <= ?", f.To)
	w.in("level", f.Levels)
	if f.Message != "" {
		// Unicode case-insensitive substring (funcs.go).
		w.add(fnLike+"(message, ?, ?)", strings.ToLower(f.Message), likeContains)
	}
	var total int64
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM _job_logs`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sqlite: count job logs: %w", err)
	}
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	q := `SELECT id, job_id, ts, level, message FROM _job_logs` + w.sql() + ` ORDER BY id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		w.args = append(w.args, f.Limit)
	}
	rows, err := s.rdb.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: job logs: %w", err)
	}
	defer rows.Close()
	var out []store.JobLog
	for rows.Next() {
		var l store.JobLog
		if err := rows.Scan(&l.ID, &l.JobID, &l.Time, &l.Level, &l.Message); err != nil {
			return nil, 0, fmt.Errorf("sqlite: job logs: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: job logs: %w", err)
	}
	return out, total, nil
}

// deleteIDsChunk bounds the ids of one DELETE … IN (…).
const deleteIDsChunk = 500

// DeleteIDs removes records by id with one statement per 500 ids (a job's
// batch) and returns how many existed; text indexes follow as for Delete.
func (t *tx) DeleteIDs(ctx context.Context, e *app.Entity, ids []string) (int64, error) {
	table, err := tableName(e)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete: %w", err)
	}
	var total int64
	for rest := ids; len(rest) > 0; {
		chunk := rest[:min(len(rest), deleteIDsChunk)]
		rest = rest[len(chunk):]
		res, err := t.tx.ExecContext(ctx, `DELETE FROM `+quoteIdent(table)+` WHERE id IN (`+placeholders(len(chunk))+`)`, anys(chunk)...)
		if err != nil {
			return 0, fmt.Errorf("sqlite: delete %d records of %s: %w", len(chunk), e.FullName, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("sqlite: delete %d records of %s: %w", len(chunk), e.FullName, err)
		}
		total += n
	}
	for _, id := range ids {
		t.queueText(table, id, nil)
	}
	if total > 0 {
		t.touch(table)
	}
	return total, nil
}
