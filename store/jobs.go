package store

import (
	"context"
	"errors"

	"runway/app"
)

// JobStatus is the status of a job (rest-api.md §9.2). The jobs package
// moves jobs between them (jobs/machine.go); the queue's own statements
// (claim, checkpoint, heartbeat, stale stops) read them too.
type JobStatus string

// Job statuses.
const (
	JobPending   JobStatus = "PENDING"
	JobRunning   JobStatus = "RUNNING"
	JobStopping  JobStatus = "STOPPING"
	JobStopped   JobStatus = "STOPPED"
	JobCanceling JobStatus = "CANCELING"
	JobCanceled  JobStatus = "CANCELED"
	JobFinished  JobStatus = "FINISHED"
)

// Terminal reports whether a job in status s is over: it gets an end date
// and its parent counts it as done.
func (s JobStatus) Terminal() bool { return s == JobFinished || s == JobCanceled }

// JobType is the type of a job (rest-api.md §9.1).
type JobType string

// Job types.
const (
	JobImportRecords    JobType = "IMPORT_RECORDS"
	JobExportRecords    JobType = "EXPORT_RECORDS"
	JobExecuteAction    JobType = "EXECUTE_ACTION"
	JobDeleteRecords    JobType = "DELETE_RECORDS"
	JobExecuteListener  JobType = "EXECUTE_LISTENER"
	JobImportUsers      JobType = "IMPORT_USERS"
	JobExportUsers      JobType = "EXPORT_USERS"
	JobStopApp          JobType = "STOP_APP"
	JobStartApp         JobType = "START_APP"
	JobDeployEndpoint   JobType = "DEPLOY_ENDPOINT"
	JobUndeployEndpoint JobType = "UNDEPLOY_ENDPOINT"
)

// LogLevel is the level of a job log line (rest-api.md §9.7).
type LogLevel string

// Log levels.
const (
	LogInfo  LogLevel = "INFO"
	LogWarn  LogLevel = "WARN"
	LogError LogLevel = "ERROR"
)

// Job is a background job as stored: every field of rest-api.md §9.1 but
// progress (derived from the counts), plus what the queue needs to run it
// (owner, heartbeat, parameters, checkpoint).
type Job struct {
	ID    string
	Label string
	Type  JobType
	// RunByID and RunByName are the user who started the job ("" for the
	// system).
	RunByID, RunByName string
	// Parent and root job ("" for a root job).
	ParentID, ParentLabel string
	RootID, RootLabel     string

	Created int64 // ms
	Started int64 // ms; 0 until the job first runs
	Ended   int64 // ms; 0 until the job reaches FINISHED or CANCELED

	Status    JobStatus
	HasErrors bool

	RecordsCount, RecordsProcessed int64
	ChildrenCount, ChildrenDone    int64

	Stoppable   bool
	LowPriority bool

	Data    []byte // JSON object shown to clients (rest-api.md §9.3)
	Results []byte // JSON shown to clients (§9.4); nil = none yet

	// Params are the job's own parameters, written once at creation and
	// never shown (e.g. the query of an async delete).
	Params []byte
	// Checkpoint is where the job is (a JSON cursor of its type); nil
	// before the first checkpoint.
	Checkpoint []byte
	// Owner is the worker running the job ("" when none), Heartbeat when
	// that worker last said it was alive (ms; 0 when released).
	Owner     string
	Heartbeat int64
}

// JobLog is one line of a job's log (rest-api.md §9.7).
type JobLog struct {
	ID      string // 24-hex, time-ordered: id order is chronological
	JobID   string
	Time    int64 // ms
	Level   LogLevel
	Message string
}

// JobFilter selects jobs (rest-api.md §9.6); nil bounds are open, bounds are
// inclusive. A job without a start or end date never matches a bound on it.
type JobFilter struct {
	Types                []JobType
	Statuses             []JobStatus
	HasErrors            *bool
	StartFrom, StartTo   *int64
	EndFrom, EndTo       *int64
	CreateFrom, CreateTo *int64
	RunBy                string // only jobs this user ran ("" = anyone's)
	Before               string // page: jobs with a smaller id ("" = from the newest)
	Limit                int    // 0 = no limit
}

// JobLogFilter selects lines of a job's log (rest-api.md §9.7).
type JobLogFilter struct {
	From, To *int64     // inclusive ms bounds
	Levels   []LogLevel // any of these (none = all)
	Message  string     // case-insensitive substring ("" = any)
	After    string     // page: lines with a larger id
	Limit    int        // 0 = no limit
}

// JobClaim asks for the next job of a lane.
type JobClaim struct {
	Owner       string // the worker claiming
	LowPriority bool   // the lane
	Now         int64  // ms: the heartbeat (and start date of a first run)
	// StaleBefore: a RUNNING job whose heartbeat is older than this has lost
	// its worker (rest-api.md D9) and may be claimed too.
	StaleBefore int64
	// Limits are the job queues that run at most that many jobs at once
	// (app.json jobQueues, SetJobQueue): a job of a queue whose running
	// jobs — RUNNING or STOPPING, heartbeat not stale — reach its limit is
	// not claimed. The count and the claim are atomic, across processes.
	Limits map[string]int
}

// JobChange is one state transition of a job, applied by a single statement
// that is guarded by the statuses the job may be in.
type JobChange struct {
	From []JobStatus // the job's status must be one of these
	// Owner, when set, must be the job's owner (a worker fencing its own
	// job); "" accepts any owner.
	Owner string
	To    JobStatus
	// ToIfNotStarted replaces To for a job that never ran (resume of a job
	// stopped while PENDING); "" = To.
	ToIfNotStarted JobStatus
	Now            int64 // ms: the end date when the new status is FINISHED or CANCELED
	// Release clears the owner and the heartbeat: no worker runs the job
	// (a RUNNING job released this way is claimed again at once).
	Release bool
	// Errors sets hasErrors.
	Errors bool
	// LowPriority, when set, moves the job to that lane (sys.jobs
	// setLowPriority / removeLowPriority).
	LowPriority *bool
	// Logs are written with the change, only when it applies.
	Logs []JobLog
}

// JobProgress is a checkpoint: where a running job is, saved in the
// transaction of the work it accounts for.
type JobProgress struct {
	RecordsCount     int64
	RecordsProcessed int64
	HasErrors        bool
	Results          []byte // nil = unchanged
	Checkpoint       []byte
	Now              int64 // ms: also the heartbeat
	Logs             []JobLog
}

var (
	// ErrJobState: the job exists but is not in a status the change
	// accepts (nor owned by the worker, when the change names one).
	ErrJobState = errors.New("store: job status does not allow this change")
	// ErrJobLost: a worker's job is no longer its own, or no longer running
	// (stopped by force, or taken over): the work must not be committed.
	ErrJobLost = errors.New("store: job no longer owned by this worker")
)

// JobTx is what a job does inside a write transaction, so that its work
// and its checkpoint commit together.
type JobTx interface {
	// DeleteIDs removes the records with these ids in as few statements as
	// it can (a job's batch) and returns how many existed.
	DeleteIDs(ctx context.Context, e *app.Entity, ids []string) (int64, error)
	// InsertJob stores a new job; a job with a parent adds one to the
	// parent's children count.
	InsertJob(ctx context.Context, j *Job) error
	// CheckpointJob saves a running job's progress if owner still runs it
	// (RUNNING or STOPPING), and returns its status; ErrJobLost otherwise,
	// and the caller must roll back.
	CheckpointJob(ctx context.Context, id, owner string, p *JobProgress) (status JobStatus, err error)
	// TransitionJob applies a change and returns the job after it;
	// ErrNotFound when there is no such job, ErrJobState (and the job as it
	// is) when its status or owner does not allow the change. A job reaching
	// FINISHED or CANCELED adds one to its parent's finished children.
	TransitionJob(ctx context.Context, id string, ch *JobChange) (*Job, error)
	// AddJobLogs appends lines to job logs.
	AddJobLogs(ctx context.Context, logs ...JobLog) error
	// SetJobQueue puts a job in a named job queue (JobClaim.Limits).
	SetJobQueue(ctx context.Context, jobID, queue string) error
}

// Jobs is the job queue and job log of a store (rest-api.md §9).
type Jobs interface {
	// CreateJob is InsertJob in a transaction of its own.
	CreateJob(ctx context.Context, j *Job) error
	// Job reads a job (ErrNotFound when missing).
	Job(ctx context.Context, id string) (*Job, error)
	// ListJobs reads jobs newest first (id descending) and the number of
	// jobs the filter matches ignoring Before and Limit.
	ListJobs(ctx context.Context, f *JobFilter) ([]Job, int64, error)
	// JobLogs reads lines of a job's log oldest first, and how many match
	// ignoring After and Limit.
	JobLogs(ctx context.Context, jobID string, f *JobLogFilter) ([]JobLog, int64, error)
	// ClaimJob atomically makes the next job of a lane RUNNING and owned by
	// the claiming worker: orphans (RUNNING with a stale heartbeat) first,
	// then PENDING jobs, oldest first. nil when there is none.
	ClaimJob(ctx context.Context, c *JobClaim) (*Job, error)
	// HeartbeatJob records that owner still runs the job and returns its
	// status (RUNNING or STOPPING); ErrJobLost when it no longer does.
	HeartbeatJob(ctx context.Context, id, owner string, now int64) (JobStatus, error)
	// TransitionJob is JobTx.TransitionJob in a transaction of its own.
	TransitionJob(ctx context.Context, id string, ch *JobChange) (*Job, error)
	// StopStaleJobs ends the stops whose worker is gone: STOPPING jobs
	// with no owner or a heartbeat older than staleBefore become STOPPED
	// (with log). It returns their ids.
	StopStaleJobs(ctx context.Context, staleBefore, now int64, message string) ([]string, error)
	// AddJobLogs appends lines to job logs.
	AddJobLogs(ctx context.Context, logs ...JobLog) error
}
