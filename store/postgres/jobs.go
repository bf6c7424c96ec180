package postgres

import (
	"context"

	"runway/store"
	"runway/store/sqlstore"
)

// The job queue and job log: the statements are sqlstore's (migration 2
// creates its tables). Claims and heartbeats run on the pool: SKIP LOCKED
// lets every process claim at once.

// InsertJob stores a new job; a child job counts in its parent's children.
func (t *tx) InsertJob(ctx context.Context, j *store.Job) error {
	return dialect.InsertJob(ctx, pgDB{t.p}, j)
}

// CheckpointJob saves a running job's progress, fenced by its owner.
func (t *tx) CheckpointJob(ctx context.Context, id, owner string, p *store.JobProgress) (store.JobStatus, error) {
	return dialect.CheckpointJob(ctx, pgDB{t.p}, id, owner, p)
}

// TransitionJob applies one guarded change.
func (t *tx) TransitionJob(ctx context.Context, id string, ch *store.JobChange) (*store.Job, error) {
	return dialect.TransitionJob(ctx, pgDB{t.p}, id, ch)
}

// AddJobLogs appends log lines.
func (t *tx) AddJobLogs(ctx context.Context, logs ...store.JobLog) error {
	return dialect.AddJobLogs(ctx, pgDB{t.p}, logs)
}

// CreateJob inserts a job in a transaction of its own.
func (s *Store) CreateJob(ctx context.Context, j *store.Job) error {
	return s.Write(ctx, func(t store.Tx) error { return t.InsertJob(ctx, j) })
}

// Job reads a job.
func (s *Store) Job(ctx context.Context, id string) (j *store.Job, err error) {
	err = s.read(ctx, func(ctx context.Context, db dbtx) error {
		j, err = dialect.GetJob(ctx, pgDB{db}, id)
		return err
	})
	return j, err
}

// TransitionJob applies a change in a transaction of its own.
func (s *Store) TransitionJob(ctx context.Context, id string, ch *store.JobChange) (*store.Job, error) {
	return sqlstore.TransitionJobAlone(ctx, s.Write, id, ch)
}

// AddJobLogs appends log lines.
func (s *Store) AddJobLogs(ctx context.Context, logs ...store.JobLog) error {
	return dialect.AddJobLogs(ctx, pgDB{s.pool}, logs)
}

// ClaimJob takes the next job of a lane, on the pool; with queue limits in
// a transaction of its own, where the claims count the queues one at a
// time (sqlstore queues.go).
func (s *Store) ClaimJob(ctx context.Context, c *store.JobClaim) (j *store.Job, err error) {
	if len(c.Limits) == 0 {
		return dialect.ClaimJob(ctx, pgDB{s.pool}, c)
	}
	err = s.Write(ctx, func(t store.Tx) error {
		j, err = dialect.ClaimJob(ctx, pgDB{t.(*tx).p}, c)
		return err
	})
	return j, err
}

// HeartbeatJob records that owner still runs the job.
func (s *Store) HeartbeatJob(ctx context.Context, id, owner string, now int64) (store.JobStatus, error) {
	return dialect.HeartbeatJob(ctx, pgDB{s.pool}, id, owner, now)
}

// StopStaleJobs makes STOPPING jobs whose worker is gone STOPPED.
func (s *Store) StopStaleJobs(ctx context.Context, staleBefore, now int64, message string) ([]string, error) {
	var ids []string
	err := s.Write(ctx, func(t store.Tx) (err error) {
		ids, err = dialect.StopStaleJobs(ctx, pgDB{t.(*tx).p}, staleBefore, now, message)
		return err
	})
	return ids, err
}

// ListJobs reads a page of jobs, newest first, and the total.
func (s *Store) ListJobs(ctx context.Context, f *store.JobFilter) (jobs []store.Job, total int64, err error) {
	err = s.read(ctx, func(ctx context.Context, db dbtx) error {
		jobs, total, err = dialect.ListJobs(ctx, pgDB{db}, f)
		return err
	})
	return jobs, total, err
}

// JobLogs reads a page of a job's log lines, oldest first, and the total.
func (s *Store) JobLogs(ctx context.Context, jobID string, f *store.JobLogFilter) (logs []store.JobLog, total int64, err error) {
	err = s.read(ctx, func(ctx context.Context, db dbtx) error {
		logs, total, err = dialect.JobLogs(ctx, pgDB{db}, jobID, f)
		return err
	})
	return logs, total, err
}
