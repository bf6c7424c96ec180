package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"

	"runway/app"
	"runway/data"
	"runway/query"
	"runway/store"
)

// DeleteRequest is an asynchronous delete (rest-api.md §6.5–6.7): of the
// records with IDs (delete one, delete many), or of those a query selects
// (delete over query: the request's parameters).
type DeleteRequest struct {
	Entity *app.Entity
	IDs    []string
	Query  url.Values
	// LowPriority runs the job in the low-priority lane. TriggerEvents and
	// CascadeOperations are kept in the job's data; they change nothing
	// until listeners and cascades exist.
	LowPriority       bool
	TriggerEvents     bool
	CascadeOperations bool
}

// deleteParams are the parameters of a DELETE_RECORDS job (its Params).
type deleteParams struct {
	Entity string `json:"entity"`
	// IDs: explicit ids, sorted and unique.
	IDs []string `json:"ids,omitempty"`
	// Query: the filters of a delete over query, Plan the set it was fixed
	// to when the job was created.
	Query string           `json:"query,omitempty"`
	Plan  *data.DeletePlan `json:"plan,omitempty"`
}

// deleteData is the data of a DELETE_RECORDS job as clients see it.
type deleteData struct {
	EntityName        string `json:"entityName"`
	TriggerEvents     bool   `json:"triggerEvents"`
	CascadeOperations bool   `json:"cascadeOperations"`
}

// queryOnly are the parameters of a delete over query that the plan
// already accounts for, or that are not filters.
var queryOnly = []string{"_size", "_offset", "_sortField", "_sortType", "_async", "_lowPriority",
	"_triggerEvents", "_cascadeOperations", "_cascatdeOperations"}

// Delete creates a DELETE_RECORDS job and returns its reference. Permission
// and the query are checked now (403, 400 like a synchronous call); the set
// of records is fixed now: records created later are never deleted.
func (s *Service) Delete(ctx context.Context, c *data.Caller, req *DeleteRequest) (*JobRef, error) {
	e := req.Entity
	if err := s.data.AuthorizeDelete(c, e); err != nil {
		return nil, err
	}
	p := deleteParams{Entity: e.FullName}
	var count int64
	if req.Query != nil {
		sel, err := query.ParseBulk(s.data.App(), e, req.Query)
		if err != nil {
			return nil, err
		}
		if p.Plan, err = s.data.PlanDelete(ctx, c, e, sel); err != nil {
			return nil, err
		}
		v := url.Values{}
		for k, vs := range req.Query {
			if !slices.Contains(queryOnly, k) {
				v[k] = vs
			}
		}
		p.Query = v.Encode()
	} else {
		p.IDs = slices.Compact(slices.Sorted(slices.Values(req.IDs)))
		count = int64(len(p.IDs))
	}
	params, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	d, err := json.Marshal(deleteData{EntityName: e.FullName, TriggerEvents: req.TriggerEvents, CascadeOperations: req.CascadeOperations})
	if err != nil {
		return nil, err
	}
	j := newJob(ctx, c, store.JobDeleteRecords, "Deleting records of entity "+e.FullName, req.LowPriority)
	j.Data, j.Params, j.RecordsCount, j.Results = d, params, count, []byte(`{}`)
	what := fmt.Sprintf("%d records", count)
	if req.Query != nil {
		what = "the records matching " + describeQuery(p.Query)
	}
	if err := s.create(ctx, j, fmt.Sprintf("Queued: delete %s of entity %s", what, e.FullName)); err != nil {
		return nil, err
	}
	return RefOf(j.ID), nil
}

func describeQuery(q string) string {
	if q == "" {
		return "no filter (all)"
	}
	if u, err := url.QueryUnescape(q); err == nil {
		q = u
	}
	if len(q) > 200 {
		q = q[:200] + "…"
	}
	return "the query " + q
}

// deleteRun is a DELETE_RECORDS job's parameters, ready to run.
type deleteRun struct {
	e     *app.Entity
	ids   []string // explicit or listed set; nil for a query plan
	where query.Expr
	plan  *data.DeletePlan
}

type deleteHandler struct{}

func (deleteHandler) start(ctx context.Context, r *run) error {
	var p deleteParams
	if err := json.Unmarshal(r.job.Params, &p); err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	a, e, err := r.entity(p.Entity)
	if err != nil {
		return err
	}
	d := &deleteRun{e: e, ids: p.IDs, plan: p.Plan}
	if p.Plan != nil && p.Plan.IDs != nil {
		d.ids = p.Plan.IDs
	}
	if d.ids == nil && p.Plan != nil && !p.Plan.Empty {
		v, err := query.ParseQueryString(p.Query)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		if d.where, err = query.ParseWhere(a, e, v); err != nil {
			return err
		}
	}
	r.params = d
	if r.resumed {
		return r.save(ctx, newLog(r.job.ID, store.LogInfo, "Continuing from the checkpoint after %d of %d records", r.cur.processed(), r.cur.count))
	}
	switch {
	case d.ids != nil:
		r.cur.count = int64(len(d.ids))
	case p.Plan == nil || p.Plan.Empty:
		r.cur.count = 0
	default:
		n, err := r.s.data.CountPlan(ctx, r.caller, e, d.where, d.plan)
		if err != nil {
			return err
		}
		r.cur.count = n
	}
	return r.save(ctx, newLog(r.job.ID, store.LogInfo, "Started: deleting %d records of entity %s", r.cur.count, e.FullName))
}

func (deleteHandler) step(ctx context.Context, r *run) (bool, error) {
	d := r.params.(*deleteRun)
	var dd deleteData
	if json.Unmarshal(r.job.Data, &dd) == nil && !dd.TriggerEvents {
		ctx = data.WithoutEvents(ctx)
	}
	limit := r.s.cfg.BatchSize
	st := &data.DeleteStep{Limit: limit}
	last := false
	if d.ids != nil {
		i := sort.Search(len(d.ids), func(i int) bool { return d.ids[i] > r.cur.cursor })
		if i >= len(d.ids) {
			return true, nil
		}
		end := min(i+limit, len(d.ids))
		st.IDs, last = d.ids[i:end], end == len(d.ids)
	} else {
		if d.plan == nil || d.plan.Empty {
			return true, nil
		}
		st.Where, st.Plan, st.After = d.where, d.plan, r.cur.cursor
	}
	out, err := r.s.data.DeleteBatch(ctx, r.caller, d.e, st, func(tx store.Tx, done []data.Outcome) error {
		return r.checkpoint(ctx, tx, done)
	})
	if err != nil {
		return false, err
	}
	return last || d.ids == nil && len(out) < limit, nil
}

func (deleteHandler) summary(r *run) string {
	return fmt.Sprintf("Finished: %d of %d records deleted, %d errors", r.cur.ok, r.cur.count, r.cur.fail)
}
