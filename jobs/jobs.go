// Package jobs runs long work in the background (rest-api.md §9): a durable
// queue in the store, claimed by a pool of workers with one atomic
// statement, with heartbeats, checkpoints committed in the transaction of
// the work they account for, the lifecycle of §9.2 as an explicit state
// machine (machine.go), job logs, and takeover of jobs whose worker died.
//
// A job runs in batches. After each batch the worker looks at what happened
// meanwhile: a stop request (cooperative stop), a shutdown (the job is
// released and continues on the next start), a lost job (forced stop or
// taken over: the worker's context is canceled and its uncommitted batch
// rolls back, because every checkpoint is fenced by the worker's id).
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runway/files"
	"strings"
	"sync"
	"time"

	"runway/apperr"
	"runway/data"
	"runway/record"
	"runway/store"
)

// Types are the job types rest-api.md §9.1 names (the list filter accepts
// them); DELETE_RECORDS, EXECUTE_ACTION and EXECUTE_LISTENER run.
var Types = []store.JobType{store.JobImportRecords, store.JobExportRecords, store.JobExecuteAction,
	store.JobDeleteRecords, store.JobExecuteListener, store.JobImportUsers, store.JobExportUsers,
	store.JobStopApp, store.JobStartApp, store.JobDeployEndpoint, store.JobUndeployEndpoint}

// Levels are the levels of job log lines.
var Levels = []store.LogLevel{store.LogInfo, store.LogWarn, store.LogError}

// Limits of rest-api.md §4.5 and D8.
const (
	MaxResults   = 1000 // entries of a job's result map
	MaxErrorLogs = 1000 // ERROR lines about failed records, per job
)

// Config tunes the worker pool and names what runs listener jobs. Zero
// values mean the defaults.
type Config struct {
	// Workers run normal jobs (default 2), LowWorkers low-priority ones
	// (default 1). Negative: no worker in that lane (jobs wait).
	Workers, LowWorkers int
	// Heartbeat is how often a worker says it still runs its job
	// (default 5 s); Takeover how old a heartbeat must be for another
	// worker to take the job over (default 30 s, rest-api.md D9).
	Heartbeat, Takeover time.Duration
	// Poll is how often idle workers look for jobs they were not told
	// about (taken-over ones; default 1 s).
	Poll time.Duration
	// BatchSize is the records per transaction (default 200); BatchPause
	// a pause between batches that leaves the store to other writers
	// (default none; an export pauses between its pages).
	BatchSize  int
	BatchPause time.Duration
	// Listeners runs EXECUTE_LISTENER jobs and hears job transitions
	// (package script; nil: listener jobs fail, transitions go unheard).
	Listeners Listeners
	// Observer hears the statuses jobs reach through this process
	// (metrics; nil: nobody).
	Observer Observer
	// Files keeps the CSV files of imports and exports (nil: those jobs
	// fail).
	Files *files.Service
}

// Observer is told of each status a job reaches through this process:
// PENDING when it is created, RUNNING when a worker claims it, and the
// statuses its worker, a command or the janitor moves it to.
type Observer interface {
	JobStatus(jobType store.JobType, status store.JobStatus)
}

func (s *Service) observe(jobType store.JobType, status store.JobStatus) {
	if s.cfg.Observer != nil {
		s.cfg.Observer.JobStatus(jobType, status)
	}
}

// Defaults.
const (
	DefaultWorkers    = 2
	DefaultLowWorkers = 1
	DefaultHeartbeat  = 5 * time.Second
	DefaultTakeover   = 30 * time.Second
	DefaultPoll       = time.Second
	DefaultBatchSize  = 200
)

func (c Config) withDefaults() Config {
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.LowWorkers == 0 {
		c.LowWorkers = DefaultLowWorkers
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = DefaultHeartbeat
	}
	if c.Takeover <= 0 {
		c.Takeover = DefaultTakeover
	}
	if c.Takeover <= c.Heartbeat {
		// a live worker must never look dead between two heartbeats
		c.Takeover = 6 * c.Heartbeat
	}
	if c.Poll <= 0 {
		c.Poll = DefaultPoll
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	return c
}

// Service is the job queue of one app: it creates jobs, answers the jobs
// API, and runs the workers.
type Service struct {
	cfg    Config
	st     store.Store
	data   *data.Service
	log    *slog.Logger
	owner  string         // this process's worker id
	limits map[string]int // queues running a limited number of jobs (queues.go)

	wake   [2]chan struct{} // per lane (0 normal, 1 low priority)
	sweep  chan struct{}    // wakes the janitor
	drain  chan struct{}    // closed by Shutdown
	hard   context.Context  // canceled when Shutdown gives up waiting
	cancel context.CancelFunc

	mu      sync.Mutex
	running map[string]*run // jobs this process runs, by id
	started bool
	wg      sync.WaitGroup
}

// New returns the job service; Start runs its workers.
func New(st store.Store, d *data.Service, log *slog.Logger, cfg Config) *Service {
	cfg = cfg.withDefaults()
	hard, cancel := context.WithCancel(context.Background())
	s := &Service{cfg: cfg, st: st, data: d, log: log, owner: "w-" + record.NewID(), limits: QueueLimits(d.App()),
		sweep: make(chan struct{}, 1), drain: make(chan struct{}), hard: hard, cancel: cancel,
		running: map[string]*run{}}
	s.wake[0] = make(chan struct{}, max(cfg.Workers, 1))
	s.wake[1] = make(chan struct{}, max(cfg.LowWorkers, 1))
	return s
}

// Config is the configuration in effect (defaults filled in).
func (s *Service) Config() Config { return s.cfg }

func now() int64 { return time.Now().UnixMilli() }

// newLog is a log line of a job, now. A script's text (sys.jobs.logInfo,
// an error it threw) may hold a NUL, which PostgreSQL text cannot: it
// becomes U+FFFD, as invalid UTF-8 does, so the line is written on every
// store.
func newLog(jobID string, level store.LogLevel, format string, args ...any) store.JobLog {
	msg := strings.ReplaceAll(strings.ToValidUTF8(fmt.Sprintf(format, args...), "\uFFFD"), "\x00", "\uFFFD")
	return store.JobLog{ID: record.NewID(), JobID: jobID, Time: now(), Level: level, Message: msg}
}

// Ref is a job named in another (parentJob, rootJob).
type Ref struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// User is runBy.
type User struct {
	ID       string `json:"id"`
	FullName string `json:"fullName"`
}

// Job is a job as the API shows it (rest-api.md §9.1).
type Job struct {
	ID                    string          `json:"id"`
	Label                 string          `json:"label"`
	Type                  store.JobType   `json:"type"`
	RunBy                 User            `json:"runBy"`
	ParentJob             *Ref            `json:"parentJob"`
	RootJob               *Ref            `json:"rootJob"`
	CreateDate            int64           `json:"createDate"`
	StartDate             *int64          `json:"startDate"`
	EndDate               *int64          `json:"endDate"`
	Status                store.JobStatus `json:"status"`
	HasErrors             bool            `json:"hasErrors"`
	Progress              int             `json:"progress"`
	RecordsCount          int64           `json:"recordsCount"`
	RecordsProcessed      int64           `json:"recordsProcessed"`
	ChildrenJobsCount     int64           `json:"childrenJobsCount"`
	ChildrenJobsProcessed int64           `json:"childrenJobsProcessed"`
	Stoppable             bool            `json:"stoppable"`
	LowPriority           bool            `json:"lowPriority"`
	Data                  json.RawMessage `json:"data"`
	Results               json.RawMessage `json:"results"`
}

// JobRef is the answer of an asynchronous call (rest-api.md §4.3).
type JobRef struct {
	JobLink string `json:"jobLink"`
	JobID   string `json:"jobId"`
}

// RefOf is the job reference of a job id.
func RefOf(id string) *JobRef { return &JobRef{JobLink: "/api/status/jobs/" + id, JobID: id} }

// Progress is 0–100 from the records processed (100 once FINISHED).
func Progress(j *store.Job) int {
	if j.Status == store.JobFinished {
		return 100
	}
	if j.RecordsCount <= 0 {
		return 0
	}
	return int(min(100, max(0, j.RecordsProcessed*100/j.RecordsCount)))
}

func view(j *store.Job) *Job {
	v := &Job{ID: j.ID, Label: j.Label, Type: j.Type, RunBy: User{ID: j.RunByID, FullName: j.RunByName},
		CreateDate: j.Created, Status: j.Status, HasErrors: j.HasErrors, Progress: Progress(j),
		RecordsCount: j.RecordsCount, RecordsProcessed: j.RecordsProcessed,
		ChildrenJobsCount: j.ChildrenCount, ChildrenJobsProcessed: j.ChildrenDone,
		Stoppable: j.Stoppable, LowPriority: j.LowPriority, Data: j.Data, Results: j.Results}
	if j.ParentID != "" {
		v.ParentJob = &Ref{ID: j.ParentID, Label: j.ParentLabel}
	}
	if j.RootID != "" {
		v.RootJob = &Ref{ID: j.RootID, Label: j.RootLabel}
	}
	if j.Started != 0 {
		v.StartDate = &j.Started
	}
	if j.Ended != 0 {
		v.EndDate = &j.Ended
	}
	if len(v.Data) == 0 {
		v.Data = json.RawMessage(`{}`)
	}
	if len(v.Results) == 0 {
		v.Results = json.RawMessage(`{}`)
	}
	return v
}

func notFound(id string) error {
	return apperr.New(apperr.NotFound, "Job %q does not exist", id)
}

// sees reports whether c may see job j: developers, the system and scripts
// (the app's authority) see every job, other users the jobs they started.
func sees(c *data.Caller, j *store.Job) bool {
	return seesAll(c) || (c.UserID != "" && j.RunByID == c.UserID)
}

func seesAll(c *data.Caller) bool { return c.Developer || c.System || c.AppAuthority }

// load reads a job c may see; notFound otherwise (someone else's job is not
// revealed).
func (s *Service) load(ctx context.Context, c *data.Caller, id string) (*store.Job, error) {
	if !record.IsID(id) {
		return nil, notFound(id)
	}
	j, err := s.st.Job(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, err
	}
	if !sees(c, j) {
		return nil, notFound(id)
	}
	return j, nil
}

// Get reads a job (rest-api.md §9.5).
func (s *Service) Get(ctx context.Context, c *data.Caller, id string) (*Job, error) {
	j, err := s.load(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return view(j), nil
}

// Page is a page of jobs.
type Page struct {
	Total  int64   `json:"total"`
	Offset *string `json:"offset"`
	Items  []*Job  `json:"items"`
}

// Filter selects jobs (rest-api.md §9.6); List sets RunBy itself.
type Filter = store.JobFilter

// LogFilter selects lines of a job's log (rest-api.md §9.7).
type LogFilter = store.JobLogFilter

// List reads a page of the jobs c may see, newest first (rest-api.md §9.6).
// f.Limit is the page size (> 0).
func (s *Service) List(ctx context.Context, c *data.Caller, f Filter) (*Page, error) {
	if !seesAll(c) {
		f.RunBy = c.UserID
		if f.RunBy == "" {
			return &Page{Items: []*Job{}}, nil
		}
	}
	size := f.Limit
	f.Limit = size + 1
	rows, total, err := s.st.ListJobs(ctx, &f)
	if err != nil {
		return nil, err
	}
	p := &Page{Total: total, Items: make([]*Job, 0, min(len(rows), size))}
	for i := range rows {
		if i == size {
			last := rows[i-1].ID
			p.Offset = &last
			break
		}
		p.Items = append(p.Items, view(&rows[i]))
	}
	return p, nil
}

// LogLine is a line of a job log as the API shows it: exactly these keys.
type LogLine struct {
	Timestamp int64          `json:"timestamp"`
	Level     store.LogLevel `json:"level"`
	Message   string         `json:"message"`
}

// LogPage is a page of a job's log.
type LogPage struct {
	Total  int64      `json:"total"`
	Offset *string    `json:"offset"`
	Items  []*LogLine `json:"items"`
}

// Logs reads a page of a job's log, oldest first (rest-api.md §9.7).
// f.Limit is the page size (> 0).
func (s *Service) Logs(ctx context.Context, c *data.Caller, id string, f LogFilter) (*LogPage, error) {
	if _, err := s.load(ctx, c, id); err != nil {
		return nil, err
	}
	size := f.Limit
	f.Limit = size + 1
	rows, total, err := s.st.JobLogs(ctx, id, &f)
	if err != nil {
		return nil, err
	}
	p := &LogPage{Total: total, Items: make([]*LogLine, 0, min(len(rows), size))}
	for i := range rows {
		if i == size {
			last := rows[i-1].ID
			p.Offset = &last
			break
		}
		p.Items = append(p.Items, &LogLine{Timestamp: rows[i].Time, Level: rows[i].Level, Message: rows[i].Message})
	}
	return p, nil
}

// maxCommandRetries bounds how often a command is tried again when the job
// changed between its read and its guarded write.
const maxCommandRetries = 5

// Command applies a user command to a job (rest-api.md §9.8–9.11) and
// returns the job after it. The job's status picks the transition from the
// state machine; the write is guarded by that status, and read again if a
// worker moved the job meanwhile.
func (s *Service) Command(ctx context.Context, c *data.Caller, id string, cmd Command) (*Job, error) {
	if _, ok := machine[cmd]; !ok || !isUserCommand(cmd) {
		return nil, apperr.New(apperr.NotFound, "No job command %q", cmd)
	}
	if !record.IsID(id) {
		return nil, notFound(id)
	}
	for attempt := 0; ; attempt++ {
		j, err := s.st.Job(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound(id)
		}
		if err != nil {
			return nil, err
		}
		if !sees(c, j) {
			return nil, apperr.New(apperr.Forbidden, "Only developers may %s jobs started by other users", cmd)
		}
		if err := commandAllowed(j, cmd); err != nil {
			return nil, err
		}
		next, _ := Next(j.Status, cmd, j.Started != 0)
		ch := &store.JobChange{From: []store.JobStatus{j.Status}, To: next, Now: now(),
			Release: next != store.JobStopping, Logs: []store.JobLog{commandLog(j, cmd, next, c)}}
		if cmd == Resume {
			ch.To, ch.ToIfNotStarted = store.JobRunning, store.JobPending
		}
		out, err := s.st.TransitionJob(ctx, id, ch)
		if errors.Is(err, store.ErrJobState) && attempt < maxCommandRetries {
			continue
		}
		if errors.Is(err, store.ErrJobState) {
			return nil, apperr.New(apperr.BadRequest, "Job %q changed while the %s was applied; try again", id, cmd)
		}
		if err != nil {
			return nil, err
		}
		s.observe(out.Type, out.Status)
		s.afterCommand(out, cmd)
		if out.Status == store.JobStopped || out.Status == store.JobCanceled {
			// Job listeners, as the user who ended it.
			s.jobEvent(context.WithValue(context.Background(), ctxKey{}, out), c, out, out.Status)
		}
		return view(out), nil
	}
}

func isUserCommand(cmd Command) bool {
	for _, u := range UserCommands {
		if u == cmd {
			return true
		}
	}
	return false
}

// commandAllowed applies the rules of rest-api.md §9.8–9.11: root jobs only,
// stoppable jobs (or PENDING ones) for stop and force stop, and the state
// machine.
func commandAllowed(j *store.Job, cmd Command) error {
	if j.ParentID != "" {
		return apperr.New(apperr.BadRequest, "Job %q is not a root job; %s its root job %q instead", j.ID, cmd, j.RootID)
	}
	if !j.Stoppable && (cmd == ForceStop || cmd == Stop && j.Status != store.JobPending) {
		return apperr.New(apperr.BadRequest, "Job %q cannot be stopped", j.ID)
	}
	if _, ok := Next(j.Status, cmd, j.Started != 0); !ok {
		return apperr.New(apperr.BadRequest, "Cannot %s job %q: it is %s", cmd, j.ID, j.Status)
	}
	return nil
}

func commandLog(j *store.Job, cmd Command, next store.JobStatus, c *data.Caller) store.JobLog {
	who := c.Name
	if who == "" {
		who = c.Email
	}
	switch {
	case cmd == Stop && next == store.JobStopped:
		return newLog(j.ID, store.LogInfo, "Stopped by %s before it started", who)
	case cmd == Stop:
		return newLog(j.ID, store.LogInfo, "Stop requested by %s after %d of %d records; stopping after the current batch", who, j.RecordsProcessed, j.RecordsCount)
	case cmd == ForceStop:
		return newLog(j.ID, store.LogWarn, "Stopped by force by %s after %d of %d records; the batch in progress was undone", who, j.RecordsProcessed, j.RecordsCount)
	case cmd == Cancel:
		return newLog(j.ID, store.LogInfo, "Canceled by %s after %d of %d records", who, j.RecordsProcessed, j.RecordsCount)
	default:
		return newLog(j.ID, store.LogInfo, "Resumed by %s after %d of %d records", who, j.RecordsProcessed, j.RecordsCount)
	}
}

// afterCommand tells the workers: a resumed job is work for its lane, a
// forced stop cancels the worker running the job here (one elsewhere finds
// out at its next heartbeat or checkpoint), a stop no worker will notice is
// ended by the janitor; a canceled export's part is deleted.
func (s *Service) afterCommand(j *store.Job, cmd Command) {
	switch cmd {
	case Resume:
		s.wakeLane(j.LowPriority)
	case ForceStop:
		s.mu.Lock()
		r := s.running[j.ID]
		s.mu.Unlock()
		if r != nil {
			r.lose()
		}
	case Stop:
		if j.Status == store.JobStopping && j.Owner == "" {
			s.wakeJanitor()
		}
	case Cancel:
		s.releaseExportPart(j)
	}
}

func (s *Service) wakeLane(low bool) {
	i := 0
	if low {
		i = 1
	}
	select {
	case s.wake[i] <- struct{}{}:
	default:
	}
}

func (s *Service) wakeJanitor() {
	select {
	case s.sweep <- struct{}{}:
	default:
	}
}

type ctxKey struct{}

// current is the job whose work ctx belongs to (nil outside jobs): a job
// created meanwhile is its child.
func current(ctx context.Context) *store.Job {
	j, _ := ctx.Value(ctxKey{}).(*store.Job)
	return j
}

// newJob is a PENDING job of c, child of the job running in ctx if any.
func newJob(ctx context.Context, c *data.Caller, typ store.JobType, label string, low bool) *store.Job {
	j := &store.Job{ID: record.NewID(), Label: label, Type: typ, Created: now(), Status: store.JobPending,
		Stoppable: true, LowPriority: low}
	if !c.System || c.UserID != "" {
		j.RunByID, j.RunByName = c.UserID, c.Name
	} else {
		j.RunByName = "System"
	}
	if p := current(ctx); p != nil {
		j.ParentID, j.ParentLabel = p.ID, p.Label
		j.RootID, j.RootLabel = p.RootID, p.RootLabel
		if j.RootID == "" {
			j.RootID, j.RootLabel = p.ID, p.Label
		}
	}
	return j
}

// create stores a new job in a job queue ("": none) with its first log
// line and wakes its lane.
func (s *Service) create(ctx context.Context, j *store.Job, queue, first string) error {
	if err := data.CheckWritable(ctx); err != nil {
		return err
	}
	err := s.st.Write(ctx, func(tx store.Tx) error {
		if err := tx.InsertJob(ctx, j); err != nil {
			return err
		}
		if queue != "" {
			if err := tx.SetJobQueue(ctx, j.ID, queue); err != nil {
				return err
			}
		}
		return tx.AddJobLogs(ctx, newLog(j.ID, store.LogInfo, "%s", first))
	})
	if err != nil {
		return err
	}
	s.observe(j.Type, store.JobPending)
	s.wakeLane(j.LowPriority)
	return nil
}

// SetLowPriority moves a job c may see to the low-priority lane or back
// (sys.jobs setLowPriority / removeLowPriority). A job that has ended keeps
// its flag: there is nothing left to schedule.
func (s *Service) SetLowPriority(ctx context.Context, c *data.Caller, id string, low bool) error {
	for attempt := 0; ; attempt++ {
		j, err := s.load(ctx, c, id)
		if err != nil {
			return err
		}
		if j.Status.Terminal() || j.LowPriority == low {
			return nil
		}
		ch := &store.JobChange{From: []store.JobStatus{j.Status}, To: j.Status, LowPriority: &low}
		_, err = s.st.TransitionJob(ctx, id, ch)
		if errors.Is(err, store.ErrJobState) && attempt < maxCommandRetries {
			continue
		}
		if errors.Is(err, store.ErrJobState) {
			return apperr.New(apperr.BadRequest, "Job %q changed while its priority was set; try again", id)
		}
		if err != nil {
			return err
		}
		s.wakeLane(low)
		return nil
	}
}

// Waiting is how long the job waited from its creation to its start, in
// ms; still growing while it is PENDING.
func (j *Job) Waiting(now time.Time) int64 {
	if j.StartDate != nil {
		return *j.StartDate - j.CreateDate
	}
	return now.UnixMilli() - j.CreateDate
}

// Duration is how long the job has run since its start, in ms (0 before
// it starts); still growing until it ends.
func (j *Job) Duration(now time.Time) int64 {
	switch {
	case j.StartDate == nil:
		return 0
	case j.EndDate != nil:
		return *j.EndDate - *j.StartDate
	}
	return now.UnixMilli() - *j.StartDate
}
