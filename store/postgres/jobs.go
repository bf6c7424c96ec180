package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"runway/record"
	"runway/store"
)

// jobsMigration creates the job queue and the job log (as the SQLite store's
// migration 3; booleans are boolean).
var jobsMigration = []string{
	`CREATE TABLE _jobs (
		id text COLLATE "C" PRIMARY KEY,
		label text NOT NULL,
		type text NOT NULL,
		run_by_id text NOT NULL DEFAULT '',
		run_by_name text NOT NULL DEFAULT '',
		parent_id text NOT NULL DEFAULT '',
		parent_label text NOT NULL DEFAULT '',
		root_id text NOT NULL DEFAULT '',
		root_label text NOT NULL DEFAULT '',
		create_date bigint NOT NULL,
		start_date bigint,
		end_date bigint,
		status text NOT NULL,
		has_errors boolean NOT NULL DEFAULT false,
		records_count bigint NOT NULL DEFAULT 0,
		records_processed bigint NOT NULL DEFAULT 0,
		children_count bigint NOT NULL DEFAULT 0,
		children_processed bigint NOT NULL DEFAULT 0,
		stoppable boolean NOT NULL DEFAULT true,
		low_priority boolean NOT NULL DEFAULT false,
		data text NOT NULL DEFAULT '{}',
		results text,
		params text,
		checkpoint text,
		owner text NOT NULL DEFAULT '',
		heartbeat bigint NOT NULL DEFAULT 0)`,
	`CREATE INDEX _jobs_queue ON _jobs (low_priority, id) WHERE status IN ('PENDING', 'RUNNING')`,
	`CREATE INDEX _jobs_run_by ON _jobs (run_by_id, id)`,
	`CREATE TABLE _job_logs (
		id text COLLATE "C" PRIMARY KEY,
		job_id text NOT NULL,
		ts bigint NOT NULL,
		level text NOT NULL,
		message text NOT NULL)`,
	`CREATE INDEX _job_logs_job ON _job_logs (job_id, id)`,
}

const jobColumns = `id, label, type, run_by_id, run_by_name, parent_id, parent_label, root_id, root_label,
	create_date, start_date, end_date, status, has_errors, records_count, records_processed,
	children_count, children_processed, stoppable, low_priority, data, results, params, checkpoint, owner, heartbeat`

var jobListColumns = strings.Replace(jobColumns, "params, checkpoint", "NULL::text, NULL::text", 1)

func scanJob(sc pgx.Row, j *store.Job) error {
	var start, end *int64
	var results, params, checkpoint *string
	var data string
	if err := sc.Scan(&j.ID, &j.Label, &j.Type, &j.RunByID, &j.RunByName, &j.ParentID, &j.ParentLabel,
		&j.RootID, &j.RootLabel, &j.Created, &start, &end, &j.Status, &j.HasErrors, &j.RecordsCount,
		&j.RecordsProcessed, &j.ChildrenCount, &j.ChildrenDone, &j.Stoppable, &j.LowPriority, &data,
		&results, &params, &checkpoint, &j.Owner, &j.Heartbeat); err != nil {
		return err
	}
	if start != nil {
		j.Started = *start
	}
	if end != nil {
		j.Ended = *end
	}
	j.Data = []byte(data)
	j.Results, j.Params, j.Checkpoint = nullBytes(results), nullBytes(params), nullBytes(checkpoint)
	return nil
}

func nullBytes(s *string) []byte {
	if s == nil {
		return nil
	}
	return []byte(*s)
}

func nullText(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

func nullTime(ms int64) *int64 {
	if ms == 0 {
		return nil
	}
	return &ms
}

func terminal(status string) bool { return status == "FINISHED" || status == "CANCELED" }

// InsertJob stores a new job; a child job counts in its parent's children.
func (t *tx) InsertJob(ctx context.Context, j *store.Job) error {
	if j == nil || j.ID == "" || j.Status == "" {
		return errors.New("postgres: insert job: no id or status")
	}
	data := j.Data
	if data == nil {
		data = []byte("{}")
	}
	_, err := t.tx.Exec(ctx, `INSERT INTO _jobs (`+jobColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)`,
		j.ID, j.Label, j.Type, j.RunByID, j.RunByName, j.ParentID, j.ParentLabel, j.RootID, j.RootLabel,
		j.Created, nullTime(j.Started), nullTime(j.Ended), j.Status, j.HasErrors, j.RecordsCount,
		j.RecordsProcessed, j.ChildrenCount, j.ChildrenDone, j.Stoppable, j.LowPriority, string(data),
		nullText(j.Results), nullText(j.Params), nullText(j.Checkpoint), j.Owner, j.Heartbeat)
	if err != nil {
		return fmt.Errorf("postgres: insert job %s: %w", j.ID, err)
	}
	if j.ParentID != "" {
		if _, err := t.tx.Exec(ctx, `UPDATE _jobs SET children_count = children_count + 1 WHERE id = $1`, j.ParentID); err != nil {
			return fmt.Errorf("postgres: insert job %s: count in parent: %w", j.ID, err)
		}
	}
	return nil
}

// CheckpointJob saves a running job's progress, fenced by its owner.
func (t *tx) CheckpointJob(ctx context.Context, id, owner string, p *store.JobProgress) (string, error) {
	var status string
	err := t.tx.QueryRow(ctx, `UPDATE _jobs SET records_count = $1, records_processed = $2,
		has_errors = has_errors OR $3, results = coalesce($4, results), checkpoint = $5, heartbeat = $6
		WHERE id = $7 AND owner = $8 AND status IN ('RUNNING', 'STOPPING') RETURNING status`,
		p.RecordsCount, p.RecordsProcessed, p.HasErrors, nullText(p.Results), nullText(p.Checkpoint), p.Now,
		id, owner).Scan(&status)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", fmt.Errorf("postgres: checkpoint job %s: %w", id, store.ErrJobLost)
	case err != nil:
		return "", fmt.Errorf("postgres: checkpoint job %s: %w", id, err)
	}
	if err := t.AddJobLogs(ctx, p.Logs...); err != nil {
		return "", err
	}
	return status, nil
}

// TransitionJob applies one guarded change.
func (t *tx) TransitionJob(ctx context.Context, id string, ch *store.JobChange) (*store.Job, error) {
	return transitionJob(ctx, t.tx, id, ch)
}

func transitionJob(ctx context.Context, db dbtx, id string, ch *store.JobChange) (*store.Job, error) {
	if len(ch.From) == 0 || ch.To == "" || terminal(ch.ToIfNotStarted) {
		return nil, fmt.Errorf("postgres: transition job %s: bad change %+v", id, ch)
	}
	toNotStarted := ch.ToIfNotStarted
	if toNotStarted == "" {
		toNotStarted = ch.To
	}
	q := `UPDATE _jobs SET
		status = CASE WHEN start_date IS NULL THEN $1 ELSE $2 END,
		end_date = CASE WHEN $3::boolean THEN $4::bigint ELSE end_date END,
		owner = CASE WHEN $5::boolean THEN '' ELSE owner END,
		heartbeat = CASE WHEN $5::boolean THEN 0 ELSE heartbeat END,
		has_errors = has_errors OR $6
		WHERE id = $7 AND status = ANY($8)`
	args := []any{toNotStarted, ch.To, terminal(ch.To), ch.Now, ch.Release, ch.Errors, id, ch.From}
	if ch.Owner != "" {
		q += ` AND owner = $9`
		args = append(args, ch.Owner)
	}
	q += ` RETURNING ` + jobColumns
	var j store.Job
	err := scanJob(db.QueryRow(ctx, q, args...), &j)
	if errors.Is(err, pgx.ErrNoRows) {
		cur, gerr := getJob(ctx, db, id)
		if gerr != nil {
			return nil, gerr
		}
		return cur, fmt.Errorf("postgres: job %s is %s: %w", id, cur.Status, store.ErrJobState)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: transition job %s: %w", id, err)
	}
	if terminal(j.Status) && j.ParentID != "" {
		if _, err := db.Exec(ctx, `UPDATE _jobs SET children_processed = children_processed + 1 WHERE id = $1`, j.ParentID); err != nil {
			return nil, fmt.Errorf("postgres: transition job %s: count in parent: %w", id, err)
		}
	}
	if err := addJobLogs(ctx, db, ch.Logs); err != nil {
		return nil, err
	}
	return &j, nil
}

// AddJobLogs appends log lines.
func (t *tx) AddJobLogs(ctx context.Context, logs ...store.JobLog) error {
	return addJobLogs(ctx, t.tx, logs)
}

func addJobLogs(ctx context.Context, db dbtx, logs []store.JobLog) error {
	if len(logs) == 0 {
		return nil
	}
	ids := make([]string, len(logs))
	jobs := make([]string, len(logs))
	ts := make([]int64, len(logs))
	levels := make([]string, len(logs))
	msgs := make([]string, len(logs))
	for i, l := range logs {
		if l.ID == "" || l.JobID == "" {
			return errors.New("postgres: job log without id or job id")
		}
		ids[i], jobs[i], ts[i], levels[i], msgs[i] = l.ID, l.JobID, l.Time, l.Level, l.Message
	}
	if _, err := db.Exec(ctx, `INSERT INTO _job_logs (id, job_id, ts, level, message)
		SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])`, ids, jobs, ts, levels, msgs); err != nil {
		return fmt.Errorf("postgres: add job logs: %w", err)
	}
	return nil
}

func getJob(ctx context.Context, db dbtx, id string) (*store.Job, error) {
	var j store.Job
	err := scanJob(db.QueryRow(ctx, `SELECT `+jobColumns+` FROM _jobs WHERE id = $1`, id), &j)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("postgres: job %s: %w", id, store.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("postgres: job %s: %w", id, err)
	}
	return &j, nil
}

// CreateJob inserts a job in a transaction of its own.
func (s *Store) CreateJob(ctx context.Context, j *store.Job) error {
	return s.Write(ctx, func(t store.Tx) error { return t.InsertJob(ctx, j) })
}

// Job reads a job.
func (s *Store) Job(ctx context.Context, id string) (*store.Job, error) {
	return getJob(ctx, s.pool, id)
}

type stateErr struct {
	job *store.Job
	err error
}

func (e *stateErr) Error() string { return e.err.Error() }

// TransitionJob applies a change in a transaction of its own.
func (s *Store) TransitionJob(ctx context.Context, id string, ch *store.JobChange) (*store.Job, error) {
	var j *store.Job
	err := s.Write(ctx, func(t store.Tx) error {
		var err error
		j, err = t.TransitionJob(ctx, id, ch)
		if errors.Is(err, store.ErrJobState) {
			return &stateErr{job: j, err: err}
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

// AddJobLogs appends log lines.
func (s *Store) AddJobLogs(ctx context.Context, logs ...store.JobLog) error {
	return addJobLogs(ctx, s.pool, logs)
}

// ClaimJob takes the next job of a lane: the inner SELECT picks it with
// FOR UPDATE SKIP LOCKED (workers of every process claim concurrently
// without waiting on each other), the guarded UPDATE makes it RUNNING.
func (s *Store) ClaimJob(ctx context.Context, c *store.JobClaim) (*store.Job, error) {
	var j store.Job
	err := scanJob(s.pool.QueryRow(ctx, `UPDATE _jobs
		SET status = 'RUNNING', owner = $1, heartbeat = $2, start_date = coalesce(start_date, $2)
		WHERE id = (SELECT id FROM _jobs
			WHERE low_priority = $3 AND (status = 'PENDING' OR (status = 'RUNNING' AND heartbeat < $4))
			ORDER BY status = 'PENDING', id LIMIT 1 FOR UPDATE SKIP LOCKED)
		AND (status = 'PENDING' OR (status = 'RUNNING' AND heartbeat < $4))
		RETURNING `+jobColumns, c.Owner, c.Now, c.LowPriority, c.StaleBefore), &j)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("postgres: claim job: %w", err)
	}
	return &j, nil
}

// HeartbeatJob records that owner still runs the job.
func (s *Store) HeartbeatJob(ctx context.Context, id, owner string, now int64) (string, error) {
	var status string
	err := s.pool.QueryRow(ctx, `UPDATE _jobs SET heartbeat = $1
		WHERE id = $2 AND owner = $3 AND status IN ('RUNNING', 'STOPPING') RETURNING status`,
		now, id, owner).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("postgres: heartbeat job %s: %w", id, store.ErrJobLost)
	}
	if err != nil {
		return "", fmt.Errorf("postgres: heartbeat job %s: %w", id, err)
	}
	return status, nil
}

// StopStaleJobs makes STOPPING jobs whose worker is gone STOPPED.
func (s *Store) StopStaleJobs(ctx context.Context, staleBefore, now int64, message string) ([]string, error) {
	var ids []string
	err := s.Write(ctx, func(t store.Tx) error {
		ids = ids[:0]
		rows, err := t.(*tx).tx.Query(ctx, `UPDATE _jobs SET status = 'STOPPED', owner = '', heartbeat = 0
			WHERE status = 'STOPPING' AND (owner = '' OR heartbeat < $1) RETURNING id`, staleBefore)
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
		rows.Close()
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
		return nil, fmt.Errorf("postgres: stop stale jobs: %w", err)
	}
	return ids, nil
}

type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(w.args))))
}

func (w *where) in(col string, values []string) {
	if len(values) > 0 {
		w.add(col+" = ANY(?)", values)
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
func (s *Store) ListJobs(ctx context.Context, f *store.JobFilter) ([]store.Job, int64, error) {
	bctx, done := s.bound(ctx)
	jobs, total, err := s.listJobs(bctx, f)
	return jobs, total, done(err)
}

func (s *Store) listJobs(ctx context.Context, f *store.JobFilter) ([]store.Job, int64, error) {
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
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM _jobs`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("postgres: count jobs: %w", err)
	}
	if f.Before != "" {
		w.add("id < ?", f.Before)
	}
	q := `SELECT ` + jobListColumns + ` FROM _jobs` + w.sql() + ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(f.Limit)
	}
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: list jobs: %w", err)
	}
	defer rows.Close()
	var out []store.Job
	for rows.Next() {
		var j store.Job
		if err := scanJob(rows, &j); err != nil {
			return nil, 0, fmt.Errorf("postgres: list jobs: %w", err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("postgres: list jobs: %w", err)
	}
	return out, total, nil
}

// JobLogs reads a page of a job's log lines, oldest first, and the total.
// The message filter (Unicode case-insensitive substring, strings.ToLower
// as the SQLite store's Go function) is applied in Go.
func (s *Store) JobLogs(ctx context.Context, jobID string, f *store.JobLogFilter) ([]store.JobLog, int64, error) {
	bctx, done := s.bound(ctx)
	logs, total, err := s.jobLogs(bctx, jobID, f)
	return logs, total, done(err)
}

func (s *Store) jobLogs(ctx context.Context, jobID string, f *store.JobLogFilter) ([]store.JobLog, int64, error) {
	var w where
	w.add("job_id = ?", jobID)
	w.bound("ts >= ?", f.From)
	w.bound("ts <= ?", f.To)
	w.in("level", f.Levels)
	rows, err := s.pool.Query(ctx, `SELECT id, job_id, ts, level, message FROM _job_logs`+w.sql()+` ORDER BY id`, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: job logs: %w", err)
	}
	defer rows.Close()
	msg := strings.ToLower(f.Message)
	var out []store.JobLog
	var total int64
	for rows.Next() {
		var l store.JobLog
		if err := rows.Scan(&l.ID, &l.JobID, &l.Time, &l.Level, &l.Message); err != nil {
			return nil, 0, fmt.Errorf("postgres: job logs: %w", err)
		}
		if msg != "" && !strings.Contains(strings.ToLower(l.Message), msg) {
			continue
		}
		total++
		if f.After != "" && l.ID <= f.After {
			continue
		}
		if f.Limit > 0 && len(out) >= f.Limit {
			continue
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("postgres: job logs: %w", err)
	}
	return out, total, nil
}
