package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"runway/data"
	"runway/store"
)

// TypeExecuteListener is the job type of listeners run in the background
// (executeInBackground, time listeners).
const TypeExecuteListener = "EXECUTE_LISTENER"

// Listeners are the listeners of the app as the job service needs them
// (Config.Listeners; package script implements them).
type Listeners interface {
	// RunListenerJob runs the script of the listener name for an event
	// (the JSON given to ExecuteListener), as c.
	RunListenerJob(ctx context.Context, c *data.Caller, name string, event json.RawMessage) error
	// JobEvent is told of a job's transitions (job listeners): event is
	// the status it reached — FINISHED or STOPPED when its worker ends it
	// (c: the caller it ran as), STOPPED or CANCELED by a command of the
	// jobs API (c: who sent it).
	JobEvent(ctx context.Context, c *data.Caller, j *store.Job, event store.JobStatus)
}

// Draining is closed when Shutdown begins (work tied to the job service,
// like the time listeners' clock, stops with it).
func (s *Service) Draining() <-chan struct{} { return s.drain }

// ErrClaimed is ExecuteListener's answer when the job id given is taken:
// another process claimed that tick.
var ErrClaimed = errors.New("jobs: already claimed")

// listenerParams are an EXECUTE_LISTENER job's parameters.
type listenerParams struct {
	Listener string          `json:"listener"`
	Event    json.RawMessage `json:"event"`
}

// ExecuteListener creates an EXECUTE_LISTENER job of c running the
// listener name for event. id, when not "", is the job's id: a second
// creation with the same id is ErrClaimed (so one process only runs each
// tick of a time listener).
func (s *Service) ExecuteListener(ctx context.Context, c *data.Caller, name string, event json.RawMessage, id string) (*JobRef, error) {
	params, err := json.Marshal(listenerParams{Listener: name, Event: event})
	if err != nil {
		return nil, err
	}
	d, err := json.Marshal(map[string]string{"listenerName": name})
	if err != nil {
		return nil, err
	}
	j := newJob(ctx, c, store.JobExecuteListener, "Executing listener "+name, false)
	if id != "" {
		j.ID = id
	}
	j.Data, j.Params, j.RecordsCount, j.Results = d, params, 1, []byte(`{}`)
	if err := s.create(ctx, j, "Queued: listener "+name); err != nil {
		if id != "" {
			if got, gerr := s.st.Job(ctx, id); gerr == nil && got != nil {
				return nil, ErrClaimed
			}
		}
		return nil, err
	}
	return RefOf(j.ID), nil
}

type listenerHandler struct{}

func (listenerHandler) start(ctx context.Context, r *run) error {
	var p listenerParams
	if err := json.Unmarshal(r.job.Params, &p); err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	r.params = &p
	return r.save(ctx, newLog(r.job.ID, store.LogInfo, "Started: listener %s", p.Listener))
}

func (listenerHandler) step(ctx context.Context, r *run) (bool, error) {
	p := r.params.(*listenerParams)
	if r.cur.processed() > 0 {
		return true, nil // done before a restart
	}
	if r.s.cfg.Listeners == nil {
		return false, fmt.Errorf("listeners cannot run in this process")
	}
	if err := r.s.cfg.Listeners.RunListenerJob(data.Background(ctx), r.caller, p.Listener, p.Event); err != nil {
		return false, err
	}
	r.cur.ok, r.cur.cursor, r.cur.count = 1, "done", 1
	r.cur.results = map[string]json.RawMessage{"status": json.RawMessage(`"ok"`)}
	return true, r.save(ctx)
}

func (listenerHandler) summary(r *run) string {
	p, _ := r.params.(*listenerParams)
	if p == nil {
		return "Finished"
	}
	return "Finished: listener " + p.Listener + " ran"
}

// jobEvent tells the job listeners that j reached the status event, c
// (nil: the system) being who caused it.
func (s *Service) jobEvent(ctx context.Context, c *data.Caller, j *store.Job, event store.JobStatus) {
	if s.cfg.Listeners == nil {
		return
	}
	if c == nil {
		c = data.SystemCaller
	}
	s.cfg.Listeners.JobEvent(ctx, c, j, event)
}
