package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"runway/record"
	"runway/store"
)

// The job queue and the job log (store.Jobs) on tables _jobs and _job_logs,
// one SQL text for both databases: booleans bind as Go bools (SQLite keeps
// 1/0), missing dates are NULL so range filters never match them.

// JobsDDL creates the job tables; a store runs it as one of its migrations.
// _jobs_queue covers the claim (the jobs a worker may take: PENDING, and
// RUNNING ones whose worker may be gone). Types are PostgreSQL's; SQLite
// reads them with its affinities (bigint and boolean as integers).
func (d *Dialect) JobsDDL() []string {
	id := "text" + d.Bytewise + " PRIMARY KEY"
	return []string{
		`CREATE TABLE _jobs (
			id ` + id + `,
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
		`CREATE INDEX _jobs_queue ON _jobs (low_priority, id) WHERE status IN ('` + string(store.JobPending) + `', '` + string(store.JobRunning) + `')`,
		`CREATE INDEX _jobs_run_by ON _jobs (run_by_id, id)`,
		`CREATE TABLE _job_logs (
			id ` + id + `,
			job_id text NOT NULL,
			ts bigint NOT NULL,
			level text NOT NULL,
			message text NOT NULL)`,
		`CREATE INDEX _job_logs_job ON _job_logs (job_id, id)`,
	}
}

const jobColumns = `id, label, type, run_by_id, run_by_name, parent_id, parent_label, root_id, root_label,
	create_date, start_date, end_date, status, has_errors, records_count, records_processed,
	children_count, children_processed, stoppable, low_priority, data, results, params, checkpoint, owner, heartbeat`

// jobListColumns are jobColumns without the parameters and the checkpoint,
// which lists never show and which may be large.
var jobListColumns = strings.Replace(jobColumns, "params, checkpoint", "CAST(NULL AS text), CAST(NULL AS text)", 1)

// live: the statuses of a job a worker holds.
var live = "status IN ('" + string(store.JobRunning) + "', '" + string(store.JobStopping) + "')"

func scanJob(sc Row, j *store.Job) error {
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

// nullText binds JSON bytes as text (SQLite's json functions read a BLOB as
// JSONB), nil as NULL.
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

// InsertJob stores a new job; a child job counts in its parent's children.
func (d *Dialect) InsertJob(ctx context.Context, db DB, j *store.Job) error {
	if j == nil || j.ID == "" || j.Status == "" {
		return fmt.Errorf("%s: insert job: no id or status", d.Name)
	}
	data := j.Data
	if data == nil {
		data = []byte("{}")
	}
	_, err := db.Exec(ctx, `INSERT INTO _jobs (`+jobColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)`,
		j.ID, j.Label, string(j.Type), j.RunByID, j.RunByName, j.ParentID, j.ParentLabel, j.RootID, j.RootLabel,
		j.Created, nullTime(j.Started), nullTime(j.Ended), string(j.Status), j.HasErrors, j.RecordsCount,
		j.RecordsProcessed, j.ChildrenCount, j.ChildrenDone, j.Stoppable, j.LowPriority, string(data),
		nullText(j.Results), nullText(j.Params), nullText(j.Checkpoint), j.Owner, j.Heartbeat)
	if err != nil {
		return fmt.Errorf("%s: insert job %s: %w", d.Name, j.ID, err)
	}
	if j.ParentID != "" {
		if _, err := db.Exec(ctx, `UPDATE _jobs SET children_count = children_count + 1 WHERE id = $1`, j.ParentID); err != nil {
			return fmt.Errorf("%s: insert job %s: count in parent: %w", d.Name, j.ID, err)
		}
	}
	return nil
}

// CheckpointJob saves a running job's progress, fenced by its owner.
func (d *Dialect) CheckpointJob(ctx context.Context, db DB, id, owner string, p *store.JobProgress) (store.JobStatus, error) {
	var status store.JobStatus
	err := db.QueryRow(ctx, `UPDATE _jobs SET records_count = $1, records_processed = $2,
		has_errors = has_errors OR $3, results = coalesce($4, results), checkpoint = $5, heartbeat = $6
		WHERE id = $7 AND owner = $8 AND `+live+` RETURNING status`,
		p.RecordsCount, p.RecordsProcessed, p.HasErrors, nullText(p.Results), nullText(p.Checkpoint), p.Now,
		id, owner).Scan(&status)
	switch {
	case errors.Is(err, ErrNoRows):
		return "", fmt.Errorf("%s: checkpoint job %s: %w", d.Name, id, store.ErrJobLost)
	case err != nil:
		return "", fmt.Errorf("%s: checkpoint job %s: %w", d.Name, id, err)
	}
	if err := d.AddJobLogs(ctx, db, p.Logs); err != nil {
		return "", err
	}
	return status, nil
}

// TransitionJob applies one guarded change (one UPDATE … WHERE status IN
// (…) RETURNING), then its side effects: the parent's count of finished
// children and the log lines.
func (d *Dialect) TransitionJob(ctx context.Context, db DB, id string, ch *store.JobChange) (*store.Job, error) {
	if len(ch.From) == 0 || ch.To == "" || ch.ToIfNotStarted.Terminal() {
		return nil, fmt.Errorf("%s: transition job %s: bad change %+v", d.Name, id, ch)
	}
	toNotStarted := ch.ToIfNotStarted
	if toNotStarted == "" {
		toNotStarted = ch.To
	}
	from := make([]string, len(ch.From))
	for i, s := range ch.From {
		from[i] = string(s)
	}
	q := `UPDATE _jobs SET
		status = CASE WHEN start_date IS NULL THEN $1 ELSE $2 END,
		end_date = CASE WHEN CAST($3 AS boolean) THEN CAST($4 AS bigint) ELSE end_date END,
		owner = CASE WHEN CAST($5 AS boolean) THEN '' ELSE owner END,
		heartbeat = CASE WHEN CAST($5 AS boolean) THEN 0 ELSE heartbeat END,
		has_errors = has_errors OR $6,
		low_priority = COALESCE(CAST($9 AS boolean), low_priority)
		WHERE id = $7 AND ` + d.In("status", "$8")
	args := []any{string(toNotStarted), string(ch.To), ch.To.Terminal(), ch.Now, ch.Release, ch.Errors, id, d.TextList(from), ch.LowPriority}
	if ch.Owner != "" {
		q += ` AND owner = $10`
		args = append(args, ch.Owner)
	}
	q += ` RETURNING ` + jobColumns
	var j store.Job
	err := scanJob(db.QueryRow(ctx, q, args...), &j)
	if errors.Is(err, ErrNoRows) {
		cur, gerr := d.GetJob(ctx, db, id)
		if gerr != nil {
			return nil, gerr
		}
		return cur, fmt.Errorf("%s: job %s is %s: %w", d.Name, id, cur.Status, store.ErrJobState)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: transition job %s: %w", d.Name, id, err)
	}
	if j.Status.Terminal() && j.ParentID != "" {
		if _, err := db.Exec(ctx, `UPDATE _jobs SET children_processed = children_processed + 1 WHERE id = $1`, j.ParentID); err != nil {
			return nil, fmt.Errorf("%s: transition job %s: count in parent: %w", d.Name, id, err)
		}
	}
	if err := d.AddJobLogs(ctx, db, ch.Logs); err != nil {
		return nil, err
	}
	return &j, nil
}

// jobLogChunk bounds the lines of one INSERT (5 parameters each).
const jobLogChunk = 200

// AddJobLogs appends log lines (each with its id set).
func (d *Dialect) AddJobLogs(ctx context.Context, db DB, logs []store.JobLog) error {
	for len(logs) > 0 {
		n := min(len(logs), jobLogChunk)
		chunk := logs[:n]
		logs = logs[n:]
		args := make([]any, 0, 5*n)
		for _, l := range chunk {
			if l.ID == "" || l.JobID == "" {
				return fmt.Errorf("%s: job log without id or job id", d.Name)
			}
			args = append(args, l.ID, l.JobID, l.Time, string(l.Level), l.Message)
		}
		if _, err := db.Exec(ctx, `INSERT INTO _job_logs (id, job_id, ts, level, message) VALUES `+d.valueRows(n, 5), args...); err != nil {
			return fmt.Errorf("%s: add job logs: %w", d.Name, err)
		}
	}
	return nil
}

// GetJob reads a job (store.ErrNotFound when missing).
func (d *Dialect) GetJob(ctx context.Context, db DB, id string) (*store.Job, error) {
	var j store.Job
	err := scanJob(db.QueryRow(ctx, `SELECT `+jobColumns+` FROM _jobs WHERE id = $1`, id), &j)
	switch {
	case errors.Is(err, ErrNoRows):
		return nil, fmt.Errorf("%s: job %s: %w", d.Name, id, store.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("%s: job %s: %w", d.Name, id, err)
	}
	return &j, nil
}

// ClaimJob takes the next job of a lane with one statement: the inner
// SELECT picks it (orphans first, then the oldest), the guarded UPDATE makes
// it RUNNING and the worker's. nil when there is none. With several
// writers the dialect's SkipLocked lets claims pass each other. With queue
// limits (c.Limits) the jobs of the queues that are full are skipped; db
// must then be a transaction of its own (queues.go).
func (d *Dialect) ClaimJob(ctx context.Context, db DB, c *store.JobClaim) (*store.Job, error) {
	claimable := `(status = '` + string(store.JobPending) + `' OR (status = '` + string(store.JobRunning) + `' AND heartbeat < $4))`
	args := []any{c.Owner, c.Now, c.LowPriority, c.StaleBefore}
	notFull := ""
	if len(c.Limits) > 0 {
		full, err := d.fullQueues(ctx, db, c)
		if err != nil {
			return nil, err
		}
		args = append(args, d.TextList(full))
		notFull = ` AND NOT EXISTS (SELECT 1 FROM _job_queues q WHERE q.job_id = _jobs.id AND ` + d.In("q.queue", "$5") + `)`
	}
	var j store.Job
	err := scanJob(db.QueryRow(ctx, `UPDATE _jobs
		SET status = '`+string(store.JobRunning)+`', owner = $1, heartbeat = $2, start_date = coalesce(start_date, $2)
		WHERE id = (SELECT id FROM _jobs
			WHERE low_priority = $3 AND `+claimable+notFull+`
			ORDER BY status = '`+string(store.JobPending)+`', id LIMIT 1`+d.SkipLocked+`)
		AND `+claimable+`
		RETURNING `+jobColumns, args...), &j)
	switch {
	case errors.Is(err, ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("%s: claim job: %w", d.Name, err)
	}
	return &j, nil
}

// HeartbeatJob records that owner still runs the job and returns its
// status; store.ErrJobLost when it no longer does.
func (d *Dialect) HeartbeatJob(ctx context.Context, db DB, id, owner string, now int64) (store.JobStatus, error) {
	var status store.JobStatus
	err := db.QueryRow(ctx, `UPDATE _jobs SET heartbeat = $1
		WHERE id = $2 AND owner = $3 AND `+live+` RETURNING status`, now, id, owner).Scan(&status)
	switch {
	case errors.Is(err, ErrNoRows):
		return "", fmt.Errorf("%s: heartbeat job %s: %w", d.Name, id, store.ErrJobLost)
	case err != nil:
		return "", fmt.Errorf("%s: heartbeat job %s: %w", d.Name, id, err)
	}
	return status, nil
}

// StopStaleJobs makes STOPPING jobs whose worker is gone STOPPED, with a
// log line each, and returns their ids. Run it in a write transaction.
func (d *Dialect) StopStaleJobs(ctx context.Context, db DB, staleBefore, now int64, message string) ([]string, error) {
	rows, err := db.Query(ctx, `UPDATE _jobs SET status = '`+string(store.JobStopped)+`', owner = '', heartbeat = 0
		WHERE status = '`+string(store.JobStopping)+`' AND (owner = '' OR heartbeat < $1) RETURNING id`, staleBefore)
	if err != nil {
		return nil, fmt.Errorf("%s: stop stale jobs: %w", d.Name, err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: stop stale jobs: %w", d.Name, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: stop stale jobs: %w", d.Name, err)
	}
	logs := make([]store.JobLog, len(ids))
	for i, id := range ids {
		logs[i] = store.JobLog{ID: record.NewID(), JobID: id, Time: now, Level: store.LogInfo, Message: message}
	}
	return ids, d.AddJobLogs(ctx, db, logs)
}

// where is a conjunction of SQL conditions with their arguments.
type where struct {
	d     *Dialect
	conds []string
	args  []any
}

// add adds a condition whose one parameter is written "?".
func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "?", w.param()))
}

func (w *where) param() string { return "$" + strconv.Itoa(len(w.args)) }

func (w *where) in(col string, values []string) {
	if len(values) > 0 {
		w.args = append(w.args, w.d.TextList(values))
		w.conds = append(w.conds, w.d.In(col, w.param()))
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

// limit appends LIMIT n when n > 0.
func (w *where) limit(q string, n int) string {
	if n <= 0 {
		return q
	}
	w.args = append(w.args, n)
	return q + " LIMIT " + w.param()
}

func texts[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// ListJobs reads a page of jobs, newest first, and the number of jobs the
// filter matches ignoring Before and Limit.
func (d *Dialect) ListJobs(ctx context.Context, db DB, f *store.JobFilter) ([]store.Job, int64, error) {
	w := where{d: d}
	w.in("type", texts(f.Types))
	w.in("status", texts(f.Statuses))
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
	if err := db.QueryRow(ctx, `SELECT count(*) FROM _jobs`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("%s: count jobs: %w", d.Name, err)
	}
	if f.Before != "" {
		w.add("id < ?", f.Before)
	}
	q := w.limit(`SELECT `+jobListColumns+` FROM _jobs`+w.sql()+` ORDER BY id DESC`, f.Limit)
	rows, err := db.Query(ctx, q, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: list jobs: %w", d.Name, err)
	}
	defer rows.Close()
	var out []store.Job
	for rows.Next() {
		var j store.Job
		if err := scanJob(rows, &j); err != nil {
			return nil, 0, fmt.Errorf("%s: list jobs: %w", d.Name, err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("%s: list jobs: %w", d.Name, err)
	}
	return out, total, nil
}

// JobLogs reads a page of a job's log lines, oldest first, and how many
// match ignoring After and Limit. The message filter is a Unicode
// case-insensitive substring: in SQL where the dialect says it
// (ContainsFold), else decided here in Go with the same rule.
func (d *Dialect) JobLogs(ctx context.Context, db DB, jobID string, f *store.JobLogFilter) ([]store.JobLog, int64, error) {
	w := where{d: d}
	w.add("job_id = ?", jobID)
	w.bound("ts >= ?", f.From)
	w.bound("ts <= ?", f.To)
	w.in("level", texts(f.Levels))
	msg := strings.ToLower(f.Message)
	inGo := msg != "" && d.ContainsFold == nil
	var total int64
	if !inGo {
		if msg != "" {
			w.add(d.ContainsFold("message", "?"), msg)
		}
		if err := db.QueryRow(ctx, `SELECT count(*) FROM _job_logs`+w.sql(), w.args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("%s: count job logs: %w", d.Name, err)
		}
		if f.After != "" {
			w.add("id > ?", f.After)
		}
	}
	q := `SELECT id, job_id, ts, level, message FROM _job_logs` + w.sql() + ` ORDER BY id`
	if !inGo {
		q = w.limit(q, f.Limit)
	}
	rows, err := db.Query(ctx, q, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: job logs: %w", d.Name, err)
	}
	defer rows.Close()
	var out []store.JobLog
	for rows.Next() {
		var l store.JobLog
		if err := rows.Scan(&l.ID, &l.JobID, &l.Time, &l.Level, &l.Message); err != nil {
			return nil, 0, fmt.Errorf("%s: job logs: %w", d.Name, err)
		}
		if inGo {
			if !strings.Contains(strings.ToLower(l.Message), msg) {
				continue
			}
			total++
			if f.After != "" && l.ID <= f.After || f.Limit > 0 && len(out) >= f.Limit {
				continue
			}
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("%s: job logs: %w", d.Name, err)
	}
	return out, total, nil
}

// TransitionJobAlone is store.Jobs.TransitionJob: the change in a write
// transaction of its own, which a refused change rolls back while the
// caller still gets the job as it is.
func TransitionJobAlone(ctx context.Context, write func(context.Context, func(store.Tx) error) error, id string, ch *store.JobChange) (*store.Job, error) {
	var j *store.Job
	err := write(ctx, func(t store.Tx) error {
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
