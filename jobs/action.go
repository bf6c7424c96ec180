package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"

	"runway/app"
	"runway/apperr"
	"runway/data"
	"runway/query"
	"runway/store"
)

// actionBatch is the most records an EXECUTE_ACTION job runs between two
// checkpoints (and two looks at a stop request).
const actionBatch = 20

// ActionRequest is an action run in the background (rest-api.md §6.9 with
// _async, or an action with executeInBackground): over the records with
// IDs, over those a query selects (the request's parameters), or, for a
// global action, over none.
type ActionRequest struct {
	Entity      *app.Entity
	Action      string
	IDs         []string
	Query       url.Values // nil with IDs
	Params      map[string]any
	LowPriority bool
}

// actionParams are the parameters of an EXECUTE_ACTION job.
type actionParams struct {
	Entity string          `json:"entity"`
	Action string          `json:"action"`
	Params json.RawMessage `json:"params"`
	// IDs: explicit ids, sorted and unique. Query: the filters of an
	// action over a query, run on the records with ids up to UpTo (those
	// that existed when the job was created), at most Limit (_size).
	IDs   []string `json:"ids,omitempty"`
	Query string   `json:"query,omitempty"`
	UpTo  string   `json:"upTo,omitempty"`
	Limit int      `json:"limit,omitempty"`
}

// actionData is the data of an EXECUTE_ACTION job as clients see it.
type actionData struct {
	EntityName string `json:"entityName"`
	ActionName string `json:"actionName"`
}

// ExecuteAction creates an EXECUTE_ACTION job and returns its reference.
// The action, the caller's permission, the request's form and the
// parameters are checked now (404, 403, 400 like a synchronous call).
//
// A oneRecord action runs once per record, in id order, each result in the
// job's result map (at most 1,000 entries; the response only with
// resultAsResponse); the job stops cooperatively between batches. Over a
// query, the records are those that existed when the job was created,
// sorted by id (_sortField and _offset do not apply; _size caps the set).
// A manyRecords or global action runs once: the results are
// {status, response}. A record's action and its checkpoint are not one
// transaction (the script writes on its own): after a crash, the records of
// the batch in flight run again.
func (s *Service) ExecuteAction(ctx context.Context, c *data.Caller, req *ActionRequest) (*JobRef, error) {
	e := req.Entity
	t := data.ActionTarget{IDs: req.IDs, List: len(req.IDs) != 1, Background: true}
	var sel *query.Select
	if req.Query != nil {
		var err error
		if sel, err = query.ParseBulk(s.data.App(), e, req.Query); err != nil {
			return nil, err
		}
		t = data.ActionTarget{Query: sel, Background: true}
	}
	a, err := s.data.CheckAction(ctx, c, e, req.Action, t, req.Params)
	if err != nil {
		return nil, err
	}
	p := actionParams{Entity: e.FullName, Action: a.Name}
	if p.Params, err = json.Marshal(req.Params); err != nil {
		return nil, err
	}
	count := int64(1)
	if req.Query != nil {
		v := url.Values{}
		for k, vs := range req.Query {
			if !slices.Contains(queryOnly, k) {
				v[k] = vs
			}
		}
		p.Query, p.Limit = v.Encode(), sel.Limit
		if a.Type == "oneRecord" {
			if p.UpTo, err = s.data.TopID(ctx, e); err != nil {
				return nil, err
			}
			count = 0
		}
	} else {
		p.IDs = slices.Compact(slices.Sorted(slices.Values(req.IDs)))
		if a.Type == "oneRecord" {
			count = int64(len(p.IDs))
		}
	}
	params, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	d, err := json.Marshal(actionData{EntityName: e.FullName, ActionName: a.Name})
	if err != nil {
		return nil, err
	}
	j := newJob(ctx, c, store.JobExecuteAction, fmt.Sprintf("Executing action %s on entity %s", a.Name, e.FullName), req.LowPriority)
	j.Data, j.Params, j.RecordsCount, j.Results = d, params, count, []byte(`{}`)
	what := "once"
	switch {
	case a.Type != "oneRecord":
	case req.Query != nil:
		what = "on " + describeQuery(p.Query)
	default:
		what = fmt.Sprintf("on %d records", len(p.IDs))
	}
	if err := s.create(ctx, j, fmt.Sprintf("Queued: action %s of entity %s %s", a.Name, e.FullName, what)); err != nil {
		return nil, err
	}
	return RefOf(j.ID), nil
}

// actionRun is an EXECUTE_ACTION job's parameters, ready to run.
type actionRun struct {
	p      actionParams
	e      *app.Entity
	a      *app.Action
	params map[string]any
	where  query.Expr
	sel    *query.Select
}

type actionHandler struct{}

func (actionHandler) start(ctx context.Context, r *run) error {
	var p actionParams
	if err := json.Unmarshal(r.job.Params, &p); err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	a, e, err := r.entity(p.Entity)
	if err != nil {
		return err
	}
	act := e.Action(p.Action)
	if act == nil {
		return apperr.New(apperr.NotFound, "Action %q of %s does not exist any more", p.Action, p.Entity)
	}
	x := &actionRun{p: p, e: e, a: act, params: map[string]any{}}
	if len(p.Params) > 0 {
		d := json.NewDecoder(bytes.NewReader(p.Params))
		d.UseNumber()
		if err := d.Decode(&x.params); err != nil {
			return fmt.Errorf("parameters: %w", err)
		}
	}
	if p.IDs == nil {
		v, err := query.ParseQueryString(p.Query)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		if x.sel, err = query.ParseBulk(a, e, v); err != nil {
			return err
		}
		x.where = x.sel.Where
	}
	r.params = x
	if r.resumed {
		return r.save(ctx, newLog(r.job.ID, store.LogInfo, "Continuing from the checkpoint after %d of %d records", r.cur.processed(), r.cur.count))
	}
	if act.Type == "oneRecord" && p.IDs == nil {
		n := int64(0)
		if p.UpTo != "" {
			_, total, err := r.s.data.ActionIDs(ctx, r.caller, e, x.where, "", p.UpTo, 1, true)
			if err != nil {
				return err
			}
			n = total
		}
		if p.Limit > 0 && int64(p.Limit) < n {
			n = int64(p.Limit)
		}
		r.cur.count = n
	}
	what := "once"
	if act.Type == "oneRecord" {
		what = fmt.Sprintf("on %d records", r.cur.count)
	}
	return r.save(ctx, newLog(r.job.ID, store.LogInfo, "Started: action %s of entity %s %s", act.Name, e.FullName, what))
}

func (actionHandler) step(ctx context.Context, r *run) (bool, error) {
	x := r.params.(*actionRun)
	ctx = data.Background(ctx)
	if x.a.Type != "oneRecord" {
		return runOnce(ctx, r, x)
	}
	n := min(actionBatch, r.s.cfg.BatchSize)
	if x.p.Limit > 0 {
		n = min(n, int(int64(x.p.Limit)-r.cur.processed()))
	}
	if n <= 0 {
		return true, nil
	}
	var ids []string
	last := false
	if x.p.IDs != nil {
		i := sort.Search(len(x.p.IDs), func(i int) bool { return x.p.IDs[i] > r.cur.cursor })
		end := min(i+n, len(x.p.IDs))
		ids, last = x.p.IDs[i:end], end == len(x.p.IDs)
	} else {
		if x.p.UpTo == "" {
			return true, nil
		}
		var err error
		if ids, _, err = r.s.data.ActionIDs(ctx, r.caller, x.e, x.where, r.cur.cursor, x.p.UpTo, n, false); err != nil {
			return false, err
		}
		last = len(ids) < n
	}
	var done []data.Outcome
	for _, id := range ids {
		if r.stop.Load() || r.lost.Load() || ctx.Err() != nil {
			last = false
			break
		}
		resp, err := r.s.data.ExecuteAction(ctx, r.caller, x.e, x.a.Name,
			data.ActionTarget{IDs: []string{id}, Background: true}, cloneParams(x.params))
		res, err := data.ActionResult(x.a, resp, err)
		if err != nil {
			if len(done) > 0 {
				if cerr := commit(ctx, r, done); cerr != nil {
					return false, cerr
				}
				r.adopt()
			}
			return false, err
		}
		done = append(done, data.Outcome{ID: id, Result: res})
	}
	if len(done) == 0 {
		r.next = r.cur
		return last, nil
	}
	if err := commit(ctx, r, done); err != nil {
		return false, err
	}
	return last, nil
}

// commit checkpoints the outcomes of a batch of records.
func commit(ctx context.Context, r *run, done []data.Outcome) error {
	return r.s.st.Write(ctx, func(tx store.Tx) error { return r.checkpoint(ctx, tx, done) })
}

// runOnce runs a manyRecords or global action: one result, {status,
// response}.
func runOnce(ctx context.Context, r *run, x *actionRun) (bool, error) {
	if r.cur.processed() > 0 {
		return true, nil // done before a restart
	}
	t := data.ActionTarget{Query: x.sel, Background: true}
	if x.p.IDs != nil {
		t = data.ActionTarget{IDs: x.p.IDs, List: len(x.p.IDs) != 1, Background: true}
	}
	resp, err := r.s.data.ExecuteAction(ctx, r.caller, x.e, x.a.Name, t, cloneParams(x.params))
	res := map[string]json.RawMessage{}
	var logs []store.JobLog
	switch ae := apperr.As(err); {
	case err == nil:
		res["status"] = json.RawMessage(`"ok"`)
		if resp != nil {
			res["response"] = resp
		}
		r.cur.ok = 1
	case ae != nil:
		msg, _ := json.Marshal(ae.Message)
		res["status"], res["errorMessage"] = json.RawMessage(`"error"`), msg
		r.cur.fail = 1
		logs = append(logs, newLog(r.job.ID, store.LogError, "Action %s failed: %s", x.a.Name, ae.Message))
	default:
		return false, err
	}
	r.cur.results, r.cur.cursor, r.cur.count = res, "done", 1
	if err := r.save(ctx, logs...); err != nil {
		return false, err
	}
	return true, nil
}

func cloneParams(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (actionHandler) summary(r *run) string {
	x, _ := r.params.(*actionRun)
	if x != nil && x.a.Type != "oneRecord" {
		if r.cur.fail > 0 {
			return fmt.Sprintf("Finished: action %s failed", x.a.Name)
		}
		return fmt.Sprintf("Finished: action %s ran", x.a.Name)
	}
	return fmt.Sprintf("Finished: action run on %d of %d records, %d errors", r.cur.ok, r.cur.count, r.cur.fail)
}

// CurrentJobID is the id of the job whose work ctx belongs to, "" outside
// jobs (sys.jobs.getCurrentJobId).
func CurrentJobID(ctx context.Context) string {
	if j := current(ctx); j != nil {
		return j.ID
	}
	return ""
}

// Log appends a line to the log of a job c may see (sys.jobs.logInfo and
// logError).
func (s *Service) Log(ctx context.Context, c *data.Caller, jobID string, level store.LogLevel, msg string) error {
	if _, err := s.load(ctx, c, jobID); err != nil {
		return err
	}
	return s.st.AddJobLogs(ctx, newLog(jobID, level, "%s", msg))
}
