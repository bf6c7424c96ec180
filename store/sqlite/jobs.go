package sqlite

import (
	"context"

	"runway/app"
	"runway/store"
	"runway/store/sqlstore"
)

// The job queue and job log: the statements are sqlstore's (migration 3
// creates its tables); with the single writer, every job write, claims and
// heartbeats included, goes through Write.

// InsertJob stores a new job; a child job counts in its parent's children.
func (t *tx) InsertJob(ctx context.Context, j *store.Job) error {
	return dialect.InsertJob(ctx, t.w(), j)
}

// CheckpointJob saves a running job's progress, fenced by its owner.
func (t *tx) CheckpointJob(ctx context.Context, id, owner string, p *store.JobProgress) (store.JobStatus, error) {
	return dialect.CheckpointJob(ctx, t.w(), id, owner, p)
}

// TransitionJob applies one guarded change.
func (t *tx) TransitionJob(ctx context.Context, id string, ch *store.JobChange) (*store.Job, error) {
	return dialect.TransitionJob(ctx, t.w(), id, ch)
}

// AddJobLogs appends log lines (each with its id set).
func (t *tx) AddJobLogs(ctx context.Context, logs ...store.JobLog) error {
	return dialect.AddJobLogs(ctx, t.w(), logs)
}

// CreateJob inserts a job in a transaction of its own.
func (s *Store) CreateJob(ctx context.Context, j *store.Job) error {
	return s.Write(ctx, func(t store.Tx) error { return t.InsertJob(ctx, j) })
}

// Job reads a job.
func (s *Store) Job(ctx context.Context, id string) (j *store.Job, err error) {
	err = s.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		j, err = dialect.GetJob(ctx, db, id)
		return err
	})
	return j, err
}

// TransitionJob applies a change in a transaction of its own.
func (s *Store) TransitionJob(ctx context.Context, id string, ch *store.JobChange) (*store.Job, error) {
	return sqlstore.TransitionJobAlone(ctx, s.Write, id, ch)
}

// AddJobLogs appends log lines in a transaction of their own.
func (s *Store) AddJobLogs(ctx context.Context, logs ...store.JobLog) error {
	if len(logs) == 0 {
		return nil
	}
	return s.Write(ctx, func(t store.Tx) error { return t.AddJobLogs(ctx, logs...) })
}

// ClaimJob takes the next job of a lane; the single writer makes the
// statement atomic.
func (s *Store) ClaimJob(ctx context.Context, c *store.JobClaim) (*store.Job, error) {
	var out *store.Job
	err := s.Write(ctx, func(t store.Tx) (err error) {
		out, err = dialect.ClaimJob(ctx, t.(*tx).w(), c)
		return err
	})
	return out, err
}

// HeartbeatJob records that owner still runs the job.
func (s *Store) HeartbeatJob(ctx context.Context, id, owner string, now int64) (store.JobStatus, error) {
	var status store.JobStatus
	err := s.Write(ctx, func(t store.Tx) (err error) {
		status, err = dialect.HeartbeatJob(ctx, t.(*tx).w(), id, owner, now)
		return err
	})
	return status, err
}

// StopStaleJobs makes STOPPING jobs whose worker is gone STOPPED.
func (s *Store) StopStaleJobs(ctx context.Context, staleBefore, now int64, message string) ([]string, error) {
	var ids []string
	err := s.Write(ctx, func(t store.Tx) (err error) {
		ids, err = dialect.StopStaleJobs(ctx, t.(*tx).w(), staleBefore, now, message)
		return err
	})
	return ids, err
}

// ListJobs reads a page of jobs, newest first, and the total.
func (s *Store) ListJobs(ctx context.Context, f *store.JobFilter) (jobs []store.Job, total int64, err error) {
	err = s.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		jobs, total, err = dialect.ListJobs(ctx, db, f)
		return err
	})
	return jobs, total, err
}

// JobLogs reads a page of a job's log lines, oldest first, and the total.
func (s *Store) JobLogs(ctx context.Context, jobID string, f *store.JobLogFilter) (logs []store.JobLog, total int64, err error) {
	err = s.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		logs, total, err = dialect.JobLogs(ctx, db, jobID, f)
		return err
	})
	return logs, total, err
}

// DeleteIDs removes records by id with one statement (a job's batch) and
// returns how many existed; text indexes follow as for Delete.
func (t *tx) DeleteIDs(ctx context.Context, e *app.Entity, ids []string) (int64, error) {
	table, n, err := dialect.DeleteIDs(ctx, t.w(), e, ids)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		t.queueText(table, id, nil, false)
	}
	t.mu.Lock()
	t.pendingChanges = append(t.pendingChanges, countChange{table: table, unknown: true})
	t.mu.Unlock()
	if n > 0 {
		t.touch(table)
		t.deltas.Add(table, -n)
	}
	return n, nil
}
