package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"runway/app"
	"runway/apperr"
	"runway/data"
	"runway/store"
)

// handler runs the jobs of one type, one batch at a time.
type handler interface {
	// start prepares r: parameters read, and on a first run (no
	// checkpoint) r.count set and the start line logged.
	start(ctx context.Context, r *run) error
	// step does one batch and commits it with r.checkpoint in the same
	// transaction; done when nothing is left.
	step(ctx context.Context, r *run) (done bool, err error)
	// summary is the end line of the log.
	summary(r *run) string
}

func (s *Service) handler(typ store.JobType) handler {
	switch typ {
	case store.JobDeleteRecords:
		return deleteHandler{}
	case store.JobExecuteAction:
		return actionHandler{}
	case store.JobExecuteListener:
		return listenerHandler{}
	case store.JobExportRecords:
		return exportHandler{}
	case store.JobImportRecords:
		return importHandler{}
	}
	return nil
}

// Start runs the workers and the janitor until Shutdown. Jobs left RUNNING
// by a process that died are taken over once their heartbeat is older than
// the takeover time, on start as later.
func (s *Service) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return
	}
	s.started = true
	for i := 0; i < s.cfg.Workers; i++ {
		s.wg.Add(1)
		go s.worker(false)
	}
	for i := 0; i < s.cfg.LowWorkers; i++ {
		s.wg.Add(1)
		go s.worker(true)
	}
	s.wg.Add(1)
	go s.janitor()
}

// Shutdown stops the workers: each finishes its current batch, commits its
// checkpoint and releases its job (it stays RUNNING and continues on the
// next start; a stop in progress completes). When ctx ends first, running
// batches are canceled (rolled back) and released the same way.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.drain != nil {
		select {
		case <-s.drain:
		default:
			close(s.drain)
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.cancel()
		<-done
		return ctx.Err()
	}
}

func (s *Service) draining() bool {
	select {
	case <-s.drain:
		return true
	default:
		return false
	}
}

// worker claims and runs jobs of one lane until shutdown.
func (s *Service) worker(low bool) {
	defer s.wg.Done()
	lane := 0
	if low {
		lane = 1
	}
	for !s.draining() {
		t := now()
		j, err := s.st.ClaimJob(s.hard, &store.JobClaim{Owner: s.owner, LowPriority: low, Now: t,
			StaleBefore: t - s.cfg.Takeover.Milliseconds(), Limits: s.limits})
		if err != nil && !s.draining() {
			s.log.Error("claim job", "err", err)
		}
		if j != nil {
			s.observe(j.Type, store.JobRunning)
			s.execute(j)
			continue
		}
		select {
		case <-s.wake[lane]:
		case <-time.After(s.cfg.Poll):
		case <-s.drain:
			return
		}
	}
}

// janitor ends stops whose worker is gone (rest-api.md D9): a STOPPING job
// with a stale heartbeat, or with no worker at all, becomes STOPPED.
func (s *Service) janitor() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-s.sweep:
		case <-s.drain:
			return
		}
		n := now()
		ids, err := s.st.StopStaleJobs(s.hard, n-s.cfg.Takeover.Milliseconds(), n, "Stopped: no worker was running it any more")
		if err != nil && !s.draining() {
			s.log.Error("stop stale jobs", "err", err)
		}
		if len(ids) > 0 {
			s.log.Info("stale stops completed", "jobs", ids)
			s.observeStopped(ids)
		}
	}
}

// observeStopped reports the jobs the janitor stopped (their type read
// again: the store answers ids only; it is rare).
func (s *Service) observeStopped(ids []string) {
	if s.cfg.Observer == nil {
		return
	}
	for _, id := range ids {
		if j, err := s.st.Job(s.hard, id); err == nil {
			s.observe(j.Type, j.Status)
		}
	}
}

// progress is what a run has committed so far (the job's counters and its
// checkpoint); stage builds the next one, adopted once its batch commits.
type progress struct {
	count     int64
	ok, fail  int64
	cursor    string
	results   map[string]json.RawMessage
	errorLogs int64
}

// checkpoint is the generic part of a job's checkpoint column.
type checkpoint struct {
	Cursor    string `json:"cursor"`
	OK        int64  `json:"ok"`
	Errors    int64  `json:"errors"`
	ErrorLogs int64  `json:"errorLogs"`
}

// run is one job being run by this process.
type run struct {
	s      *Service
	job    *store.Job
	caller *data.Caller
	params any // the handler's parsed parameters

	cur     progress
	next    progress        // staged by the batch in flight
	status  store.JobStatus // status returned by the last checkpoint
	stop    atomic.Bool     // a stop was requested (seen by a heartbeat)
	lost    atomic.Bool     // the job is no longer ours
	cancel  func()          // cancels the run's context
	resumed bool            // continued from a checkpoint
}

// entity is the app now loaded and its entity a job names, NotFound when
// the entity was removed since the job was queued.
func (r *run) entity(name string) (*app.App, *app.Entity, error) {
	a := r.s.data.App()
	e := a.Entity(name)
	if e == nil {
		return nil, nil, apperr.New(apperr.NotFound, "Entity %q does not exist any more", name)
	}
	return a, e, nil
}

func (r *run) lose() {
	r.lost.Store(true)
	r.cancel()
}

// processed is the records done so far.
func (p *progress) processed() int64 { return p.ok + p.fail }

func (r *run) hasErrors() bool { return r.cur.fail > 0 }

// stage computes the progress after a batch's outcomes, with the ERROR lines
// of its failed records; it changes nothing until adopt.
func (r *run) stage(outcomes []data.Outcome) (*store.JobProgress, error) {
	n := r.cur
	var logs []store.JobLog
	newResults := false
	for _, o := range outcomes {
		n.cursor = o.ID
		if o.Result.Status == "ok" {
			n.ok++
		} else {
			n.fail++
			if n.errorLogs < MaxErrorLogs {
				n.errorLogs++
				logs = append(logs, newLog(r.job.ID, store.LogError, "Record %s: %s", o.ID, o.Result.ErrorMessage))
			}
		}
		if len(n.results) < MaxResults {
			if !newResults {
				// copy on first write: r.cur must stay as it is until adopt
				m := make(map[string]json.RawMessage, len(n.results)+len(outcomes))
				for k, v := range n.results {
					m[k] = v
				}
				n.results = m
				newResults = true
			}
			b, err := json.Marshal(o.Result)
			if err != nil {
				return nil, err
			}
			n.results[o.ID] = b
		}
	}
	r.next = n
	return r.progressOf(&n, newResults, logs)
}

func (r *run) progressOf(n *progress, withResults bool, logs []store.JobLog) (*store.JobProgress, error) {
	cp, err := json.Marshal(checkpoint{Cursor: n.cursor, OK: n.ok, Errors: n.fail, ErrorLogs: n.errorLogs})
	if err != nil {
		return nil, err
	}
	p := &store.JobProgress{RecordsCount: n.count, RecordsProcessed: n.processed(), HasErrors: n.fail > 0,
		Checkpoint: cp, Now: now(), Logs: logs}
	if withResults {
		if p.Results, err = json.Marshal(n.results); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// checkpoint is what a batch calls inside its transaction: it stages the
// batch's progress and saves it, fenced by this worker's ownership.
func (r *run) checkpoint(ctx context.Context, tx store.Tx, outcomes []data.Outcome) error {
	p, err := r.stage(outcomes)
	if err != nil {
		return err
	}
	status, err := tx.CheckpointJob(ctx, r.job.ID, r.s.owner, p)
	if err != nil {
		return err
	}
	r.status = status
	return nil
}

// adopt makes the staged progress current once its batch has committed.
func (r *run) adopt() { r.cur = r.next }

// save writes the current progress on its own (start of a run), with logs.
func (r *run) save(ctx context.Context, logs ...store.JobLog) error {
	r.next = r.cur
	p, err := r.progressOf(&r.cur, r.cur.results != nil, logs)
	if err != nil {
		return err
	}
	return r.s.st.Write(ctx, func(tx store.Tx) error {
		status, err := tx.CheckpointJob(ctx, r.job.ID, r.s.owner, p)
		r.status = status
		return err
	})
}

// load restores the progress of a job that ran before.
func (r *run) load() error {
	if r.job.Checkpoint == nil {
		return nil
	}
	var cp checkpoint
	if err := json.Unmarshal(r.job.Checkpoint, &cp); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	r.cur = progress{count: r.job.RecordsCount, ok: cp.OK, fail: cp.Errors, cursor: cp.Cursor, errorLogs: cp.ErrorLogs}
	if len(r.job.Results) > 0 {
		if err := json.Unmarshal(r.job.Results, &r.cur.results); err != nil {
			return fmt.Errorf("results: %w", err)
		}
	}
	r.resumed = true
	return nil
}

// execute runs a claimed job until it finishes, stops, is released or is
// lost.
func (s *Service) execute(j *store.Job) {
	ctx, cancel := context.WithCancel(s.hard)
	defer cancel()
	ctx = context.WithValue(ctx, ctxKey{}, j)
	r := &run{s: s, job: j, cancel: cancel, status: j.Status}
	r.cur.count = j.RecordsCount
	s.mu.Lock()
	s.running[j.ID] = r
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.running, j.ID)
		s.mu.Unlock()
	}()
	hb := make(chan struct{})
	go s.heartbeat(ctx, r, hb)
	defer func() { <-hb }()
	defer cancel()

	defer func() {
		// a handler's open resources (an import's file)
		if c, ok := r.params.(io.Closer); ok {
			_ = c.Close()
		}
	}()
	h := s.handler(j.Type)
	if h == nil {
		s.finishRun(r, complete, fmt.Errorf("jobs of type %s cannot run in this version of Runway", j.Type))
		return
	}
	if err := r.load(); err != nil {
		s.finishRun(r, complete, err)
		return
	}
	var err error
	if r.caller, err = s.callerOf(ctx, j); err == nil {
		err = h.start(ctx, r)
	}
	if err != nil {
		s.endOnError(r, err)
		return
	}
	for {
		switch {
		case r.lost.Load():
			return
		case r.stop.Load() || r.status == store.JobStopping:
			s.finishRun(r, halt, nil)
			return
		case s.draining():
			s.finishRun(r, release, nil)
			return
		}
		done, err := h.step(ctx, r)
		if err != nil {
			s.endOnError(r, err)
			return
		}
		r.adopt()
		if done {
			s.finishRun(r, complete, nil)
			return
		}
		s.pause(ctx)
	}
}

// pause waits BatchPause (if set) between two batches of a job, less if
// the run or the process ends meanwhile.
func (s *Service) pause(ctx context.Context) {
	if s.cfg.BatchPause > 0 {
		select {
		case <-time.After(s.cfg.BatchPause):
		case <-ctx.Done():
		case <-s.drain:
		}
	}
}

// endOnError ends a run whose batch failed: a lost job is left alone, a
// shutdown that canceled the batch releases the job, anything else is a
// job failure (FINISHED with errors).
func (s *Service) endOnError(r *run, err error) {
	switch {
	case r.lost.Load() || errors.Is(err, store.ErrJobLost):
		r.lost.Store(true)
		s.log.Info("job no longer ours", "job", r.job.ID, "err", err)
	case s.hard.Err() != nil || s.draining() && errors.Is(err, context.Canceled):
		s.finishRun(r, release, nil)
	default:
		s.finishRun(r, complete, err)
	}
}

// finishRun applies the worker's last transition: complete (with err, a
// failure), halt or release, with the matching log lines.
func (s *Service) finishRun(r *run, cmd Command, failure error) {
	j := r.job
	var logs []store.JobLog
	done := r.cur.processed()
	switch cmd {
	case complete:
		if failure != nil {
			msg := failure.Error()
			if e := apperr.As(failure); e != nil {
				msg = e.Message
			}
			logs = append(logs, newLog(j.ID, store.LogError, "Job failed: %s", msg))
			s.log.Error("job failed", "job", j.ID, "type", j.Type, "err", failure)
		}
		end := fmt.Sprintf("Ended: %d of %d records processed", done, r.cur.count)
		if h := s.handler(j.Type); h != nil && failure == nil {
			end = h.summary(r)
		}
		logs = append(logs, newLog(j.ID, store.LogInfo, "%s", end))
	case halt:
		logs = append(logs, newLog(j.ID, store.LogInfo, "Stopped after %d of %d records", done, r.cur.count))
	case release:
		logs = append(logs, newLog(j.ID, store.LogInfo, "Paused by a server shutdown after %d of %d records; it continues when a server runs again", done, r.cur.count))
	}
	ch := &store.JobChange{From: from(cmd), Owner: s.owner, Now: now(), Release: true,
		Errors: failure != nil || r.hasErrors(), Logs: logs}
	if cmd == release {
		// RUNNING stays RUNNING (released), a stop in progress completes:
		// two guarded statements, one per source status.
		ch.From, ch.To = []store.JobStatus{store.JobRunning}, store.JobRunning
		if _, err := s.st.TransitionJob(context.Background(), j.ID, ch); err == nil || !errors.Is(err, store.ErrJobState) {
			s.logTransition(j, cmd, err)
			return
		}
		ch.From, ch.To, ch.Logs = []store.JobStatus{store.JobStopping}, store.JobStopped, []store.JobLog{newLog(j.ID, store.LogInfo, "Stopped after %d of %d records", done, r.cur.count)}
	} else {
		ch.To, _ = Next(from(cmd)[0], cmd, true)
	}
	_, err := s.st.TransitionJob(context.Background(), j.ID, ch)
	s.logTransition(j, cmd, err)
	if err == nil {
		s.observe(j.Type, ch.To)
		// Job listeners, in a context that carries the job (jobs they
		// start are its children) but outlives its run.
		s.jobEvent(context.WithValue(context.Background(), ctxKey{}, j), r.caller, j, ch.To)
	}
}

func (s *Service) logTransition(j *store.Job, cmd Command, err error) {
	switch {
	case errors.Is(err, store.ErrJobState):
		s.log.Info("job changed under its worker", "job", j.ID, "event", cmd, "err", err)
	case err != nil:
		s.log.Error("job transition", "job", j.ID, "event", cmd, "err", err)
	default:
		s.log.Debug("job transition", "job", j.ID, "event", cmd)
	}
}

// heartbeat tells the store that this worker still runs r's job, and
// learns of stop requests and of losing the job (forced stop, takeover),
// which cancels the run.
func (s *Service) heartbeat(ctx context.Context, r *run, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(s.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		status, err := s.st.HeartbeatJob(ctx, r.job.ID, s.owner, now())
		switch {
		case errors.Is(err, store.ErrJobLost):
			r.lose()
			return
		case err != nil:
			if ctx.Err() == nil {
				s.log.Error("job heartbeat", "job", r.job.ID, "err", err)
			}
		case status == store.JobStopping:
			r.stop.Store(true)
		}
	}
}

// callerOf is the caller a job runs as: the user who started it (runBy),
// who must still exist and be active, with the app's authority when a
// script started the job (its parameters say appAuthority).
func (s *Service) callerOf(ctx context.Context, j *store.Job) (*data.Caller, error) {
	if j.RunByID == "" {
		return data.SystemCaller, nil
	}
	var authority struct {
		AppAuthority bool `json:"appAuthority"`
	}
	if len(j.Params) > 0 {
		if err := json.Unmarshal(j.Params, &authority); err != nil {
			return nil, fmt.Errorf("parameters: %w", err)
		}
	}
	u, err := s.data.UserByID(ctx, j.RunByID)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, apperr.New(apperr.Forbidden, "The user who started the job (%s) no longer exists", j.RunByName)
	}
	if u.Status != "" && u.Status != "ACTIVE" {
		return nil, apperr.New(apperr.Forbidden, "The user who started the job (%s) is not active", j.RunByName)
	}
	c := u.Caller("", "")
	c.AppAuthority = authority.AppAuthority
	return c, nil
}
