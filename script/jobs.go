package script

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/dop251/goja"

	"runway/app"
	"runway/apperr"
	"runway/data"
	"runway/jobs"
	"runway/query"
	"runway/store"
)

// Start runs the time listeners on the engine's clock until the job
// service drains (nothing without time listeners, a job service, or with
// Options.ManualTimers).
func (e *Engine) Start() {
	if len(e.listeners.time) > 0 && e.jobs != nil && !e.opts.ManualTimers {
		go e.clock(e.jobs.Draining())
	}
}

// sysJobs is sys.jobs (app-model.md §7): jobs by id, the current job, job
// logs, waiting for jobs.
func (rt *runtime) sysJobs() *goja.Object {
	need := func() *jobs.Service {
		if rt.e.jobs == nil {
			rt.throwf(apperr.BadRequest, "sys.jobs needs background jobs, which this process does not run")
		}
		return rt.e.jobs
	}
	current := func() string { return jobs.CurrentJobID(rt.x.ctx) }
	// logTo writes a job log line: ([jobId,] message); without a job the
	// line is dropped (app-model.md §7).
	logTo := func(level store.LogLevel) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			id, msg := current(), str(c, 0)
			if len(c.Arguments) > 1 {
				id, msg = str(c, 0), str(c, 1)
			}
			if id == "" || rt.e.jobs == nil {
				return goja.Undefined()
			}
			if err := rt.e.jobs.Log(rt.x.ctx, rt.caller(), id, level, msg); err != nil {
				rt.throw(err)
			}
			return goja.Undefined()
		}
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"getCurrentJobId": func(goja.FunctionCall) goja.Value {
			if id := current(); id != "" {
				return rt.vm.ToValue(id)
			}
			return goja.Null()
		},
		"getCurrentJob": func(goja.FunctionCall) goja.Value {
			if id := current(); id != "" && rt.e.jobs != nil {
				return rt.job(id)
			}
			return goja.Null()
		},
		"findById": func(c goja.FunctionCall) goja.Value {
			need()
			return rt.job(str(c, 0))
		},
		"logInfo":  logTo(store.LogInfo),
		"logError": logTo(store.LogError),
		"waitForJob": func(c goja.FunctionCall) goja.Value {
			need()
			return rt.waitJobs([]string{str(c, 0)}, arg(c, 1), arg(c, 2))
		},
		"waitForJobs": func(c goja.FunctionCall) goja.Value {
			need()
			var ids []string
			if o, ok := arg(c, 0).(*goja.Object); ok {
				for _, k := range o.Keys() {
					ids = append(ids, o.Get(k).String())
				}
			}
			return rt.waitJobs(ids, arg(c, 1), arg(c, 2))
		},
		"find": func(c goja.FunctionCall) goja.Value {
			need()
			return rt.findJobs(rt.queryValues(arg(c, 0), "sys.jobs.find"))
		},
		"logs": func(c goja.FunctionCall) goja.Value {
			need()
			return rt.jobLogs(str(c, 0), rt.queryValues(arg(c, 1), "sys.jobs.logs"))
		},
		"setLowPriority":    func(c goja.FunctionCall) goja.Value { return rt.setLowPriority(need(), c, true) },
		"removeLowPriority": func(c goja.FunctionCall) goja.Value { return rt.setLowPriority(need(), c, false) },
	})
}

// setLowPriority is sys.jobs.setLowPriority(jobId) and removeLowPriority.
func (rt *runtime) setLowPriority(js *jobs.Service, c goja.FunctionCall, low bool) goja.Value {
	if err := js.SetLowPriority(rt.x.ctx, rt.caller(), str(c, 0), low); err != nil {
		rt.throw(err)
	}
	return goja.Undefined()
}

// job is the sys.jobs Job of id; null when the script may not see it or
// it does not exist.
func (rt *runtime) job(id string) goja.Value {
	j, err := rt.e.jobs.Get(rt.x.ctx, rt.caller(), id)
	if apperr.Is(err, apperr.NotFound) {
		return goja.Null()
	}
	if err != nil {
		rt.throw(err)
	}
	return rt.jobObject(j)
}

// jobObject is a sys.jobs Job: id(), label(), type(), status(),
// progress(), hasErrors(), startDate(), endDate(), runBy(), data(),
// results(), logs(query?), logInfo(m), logError(m).
func (rt *runtime) jobObject(j *jobs.Job) goja.Value {
	val := func(v any) func(goja.FunctionCall) goja.Value {
		return func(goja.FunctionCall) goja.Value { return rt.plainJS(v) }
	}
	date := func(ms *int64) func(goja.FunctionCall) goja.Value {
		return func(goja.FunctionCall) goja.Value {
			if ms == nil {
				return goja.Null()
			}
			return rt.date(time.UnixMilli(*ms))
		}
	}
	raw := func(b json.RawMessage) func(goja.FunctionCall) goja.Value {
		return func(goja.FunctionCall) goja.Value {
			if len(b) == 0 {
				return goja.Null()
			}
			return rt.parseJSON(b)
		}
	}
	logTo := func(level store.LogLevel) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			if err := rt.e.jobs.Log(rt.x.ctx, rt.caller(), j.ID, level, str(c, 0)); err != nil {
				rt.throw(err)
			}
			return goja.Undefined()
		}
	}
	return rt.fillUnsupported("sys.jobs.Job", rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"id": val(j.ID), "label": val(j.Label), "type": val(string(j.Type)), "status": val(string(j.Status)),
		"progress": val(int64(j.Progress)), "hasErrors": val(j.HasErrors),
		"startDate": date(j.StartDate), "endDate": date(j.EndDate),
		"runBy": val(map[string]any{"id": j.RunBy.ID, "fullName": j.RunBy.FullName}),
		"data":  raw(j.Data), "results": raw(j.Results),
		"logInfo": logTo(store.LogInfo), "logError": logTo(store.LogError),
		"logs": func(c goja.FunctionCall) goja.Value {
			return rt.jobLogs(j.ID, rt.queryValues(arg(c, 0), "job.logs"))
		},
		"waiting":  func(goja.FunctionCall) goja.Value { return rt.vm.ToValue(j.Waiting(time.Now())) },
		"duration": func(goja.FunctionCall) goja.Value { return rt.vm.ToValue(j.Duration(time.Now())) },
	}))
}

// waitJobs waits until every job has one of the statuses (default:
// FINISHED, STOPPED, CANCELED) or maxMs pass (a timeout exception).
func (rt *runtime) waitJobs(ids []string, statuses, maxMs goja.Value) goja.Value {
	want := []store.JobStatus{store.JobFinished, store.JobStopped, store.JobCanceled}
	if !isNothing(statuses) {
		want = nil
		if o, ok := statuses.(*goja.Object); ok && o.ClassName() == "Array" {
			for _, k := range o.Keys() {
				want = append(want, store.JobStatus(o.Get(k).String()))
			}
		} else {
			want = []store.JobStatus{store.JobStatus(statuses.String())}
		}
	}
	limit := 10 * time.Minute
	if !isNothing(maxMs) {
		limit = time.Duration(maxMs.ToInteger()) * time.Millisecond
	}
	deadline := time.Now().Add(limit)
	for {
		pending := false
		for _, id := range ids {
			j, err := rt.e.jobs.Get(rt.x.ctx, rt.caller(), id)
			if err != nil {
				rt.throw(err)
			}
			if !slices.Contains(want, j.Status) {
				pending = true
				break
			}
		}
		if !pending {
			return goja.Undefined()
		}
		if time.Now().After(deadline) {
			rt.throwf("timeout", "The jobs did not reach %v within %s", want, limit)
		}
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-t.C:
		case <-rt.x.done:
			t.Stop()
			return goja.Undefined() // the time limit: the interrupt stops the script
		}
	}
}

// jobIDs lists the ids of the records of a selection (sys.data.delete and
// background actions from scripts fix their set when the job is created).
func (rt *runtime) jobIDs(c *data.Caller, e *app.Entity, sel *query.Select) []string {
	var ids []string
	after := ""
	for {
		page, _, err := rt.e.data.ActionIDs(rt.x.ctx, c, e, sel.Where, after, "", 1000, false)
		if err != nil {
			rt.throw(err)
		}
		ids = append(ids, page...)
		if len(page) < 1000 || (sel.Limit > 0 && len(ids) >= sel.Limit) {
			break
		}
		after = page[len(page)-1]
	}
	if sel.Limit > 0 && len(ids) > sel.Limit {
		ids = ids[:sel.Limit]
	}
	return ids
}
