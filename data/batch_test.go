package data

import (
	"errors"
	"testing"

	"runway/apperr"
	"runway/record"
	"runway/store"
)

func TestDeletePermissionIsCheckedPerRecord(t *testing.T) {
	b := desk(t)
	tickets := b.entity("tickets")
	agent := b.user("agent@example.org", "agents")
	other := b.user("other@example.org", "agents")
	observer := b.user("observer@example.org", "observers")
	mine := b.create("tickets", obj{"title": "mine", "assignee": agent.UserID})["id"].(string)
	theirs := b.create("tickets", obj{"title": "theirs", "assignee": other.UserID})["id"].(string)
	missing := "6650a1b2c3d4e5f601234567"
	refused := `Not allowed to delete record "` + theirs + `" of tickets`

	if err := b.svc.AuthorizeDelete(agent, tickets); err != nil {
		t.Errorf("agents may delete some tickets: %v", err)
	}
	wantCode(t, b.svc.AuthorizeDelete(observer, tickets), apperr.Forbidden)
	if err := b.svc.CheckDelete(b.ctx, agent, tickets, mine); err != nil {
		t.Errorf("check own ticket: %v", err)
	}
	if ae := wantCode(t, b.svc.CheckDelete(b.ctx, agent, tickets, theirs), apperr.Forbidden); ae.Message != refused {
		t.Errorf("message %q", ae.Message)
	}
	wantCode(t, b.svc.CheckDelete(b.ctx, agent, tickets, missing), apperr.NotFound)
	wantCode(t, b.svc.CheckDelete(b.ctx, agent, tickets, "junk"), apperr.NotFound)
	wantCode(t, b.svc.CheckDelete(b.ctx, observer, tickets, mine), apperr.Forbidden)

	_, err := b.svc.Delete(b.ctx, agent, tickets, theirs)
	if ae := wantCode(t, err, apperr.Forbidden); ae.Message != refused {
		t.Errorf("message %q", ae.Message)
	}
	res, err := b.svc.DeleteMany(b.ctx, agent, tickets, []string{mine, theirs})
	if err != nil {
		t.Fatal(err)
	}
	if res[mine].Status != "ok" || js(res[theirs]) != js(Result{Status: "error", ErrorMessage: refused}) {
		t.Errorf("results %s", js(res))
	}
	again := b.create("tickets", obj{"title": "again", "assignee": agent.UserID})["id"].(string)
	res, err = b.svc.DeleteQuery(b.ctx, agent, tickets, b.bulk("tickets", ""))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[again].Status != "ok" || res[theirs].ErrorMessage != refused {
		t.Errorf("results %s", js(res))
	}
	if p := b.mustList(b.dev, "tickets", ""); js(p.ids()) != js([]string{theirs}) {
		t.Errorf("left %v", p.ids())
	}
}

// tickets creates n tickets as the system, oldest first, with hours 0..n-1.
func (b *bundle) tickets(n int, more obj) []string {
	b.t.Helper()
	ids := make([]string, n)
	for i := range ids {
		in := obj{"title": "t", "hours": i}
		for k, v := range more {
			in[k] = v
		}
		ids[i] = b.create("tickets", in)["id"].(string)
	}
	return ids
}

func TestPlanDeleteFixesTheSet(t *testing.T) {
	b := desk(t)
	tickets := b.entity("tickets")
	plan := func(params string) string {
		t.Helper()
		p, err := b.svc.PlanDelete(b.ctx, b.dev, tickets, b.bulk("tickets", params))
		if err != nil {
			t.Fatalf("plan %q: %v", params, err)
		}
		return js(p)
	}
	if got := plan(""); got != `{"empty":true}` {
		t.Errorf("plan over no records: %s", got)
	}
	ids := b.tickets(5, nil)
	for params, want := range map[string]*DeletePlan{
		// Everything that exists now: later records have higher ids.
		"":        {UpTo: ids[4]},
		"hours=2": {UpTo: ids[4]},
		// Sorted by id, a page is an id range.
		"_sortField=id&_sortType=asc&_offset=1&_size=2": {From: ids[1], UpTo: ids[2]},
		"_offset=1&_size=2":                             {From: ids[2], UpTo: ids[3]},
		"_sortField=id&_sortType=asc&_offset=3":         {From: ids[3], UpTo: ids[4]},
		"_sortField=id&_sortType=asc&_offset=9":         {Empty: true},
		// Sorted by a field, the page is listed.
		"_sortField=hours&_sortType=desc&_size=2": {IDs: []string{ids[3], ids[4]}},
		"_sortField=hours&hours=9&_size=2":        {IDs: []string{}, Empty: true},
	} {
		if got := plan(params); got != js(want) {
			t.Errorf("plan %q = %s, want %s", params, got, js(want))
		}
	}
	wantCode(t, func() error {
		_, err := b.svc.PlanDelete(b.ctx, b.user("o@example.org", "observers"), tickets, b.bulk("tickets", ""))
		return err
	}(), apperr.Forbidden)
}

func TestDeleteBatchesWorkThroughAPlan(t *testing.T) {
	b := desk(t)
	tickets := b.entity("tickets")
	agent := b.user("agent@example.org", "agents")
	ids := b.tickets(5, obj{"assignee": agent.UserID})
	b.ok(b.svc.Update(b.ctx, b.dev, tickets, ids[2], obj{"assignee": nil}))
	sel := b.bulk("tickets", "")
	p, err := b.svc.PlanDelete(b.ctx, agent, tickets, sel)
	if err != nil {
		t.Fatal(err)
	}
	later := b.tickets(1, obj{"assignee": agent.UserID})[0]
	if n, err := b.svc.CountPlan(b.ctx, agent, tickets, sel.Where, p); err != nil || n != 5 {
		t.Errorf("count %d %v, want the 5 planned records", n, err)
	}

	// A checkpoint that fails undoes its batch.
	st := &DeleteStep{Where: sel.Where, Plan: p, Limit: 2}
	boom := errors.New("checkpoint failed")
	if _, err := b.svc.DeleteBatch(b.ctx, agent, tickets, st, func(store.Tx, []Outcome) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("batch with a failing checkpoint: %v", err)
	}
	if n := b.mustList(b.dev, "tickets", "").total; n != 6 {
		t.Fatalf("%d tickets after an undone batch, want 6", n)
	}

	var steps [][]string
	for {
		var seen []Outcome
		out, err := b.svc.DeleteBatch(b.ctx, agent, tickets, st, func(_ store.Tx, done []Outcome) error {
			seen = done
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if js(seen) != js(out) {
			t.Errorf("checkpoint saw %s, batch answered %s", js(seen), js(out))
		}
		if len(out) == 0 {
			break
		}
		var step []string
		for _, o := range out {
			step = append(step, o.ID+" "+o.Result.Status)
		}
		steps = append(steps, step)
		st.After = out[len(out)-1].ID
	}
	want := [][]string{
		{ids[0] + " ok", ids[1] + " ok"},
		{ids[2] + " error", ids[3] + " ok"}, // ids[2] is no longer the agent's
		{ids[4] + " ok"},
	}
	if js(steps) != js(want) {
		t.Errorf("batches %v\nwant %v", steps, want)
	}
	if left := b.mustList(b.dev, "tickets", "_sortField=id&_sortType=asc").ids(); js(left) != js([]string{ids[2], later}) {
		t.Errorf("left %v, want the refused record and the one created after the plan", left)
	}

	// A listed set: each id in the order given, whatever it is.
	out, err := b.svc.DeleteBatch(b.ctx, b.dev, tickets, &DeleteStep{IDs: []string{"junk", ids[0], later}},
		func(store.Tx, []Outcome) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	wantOut := []Outcome{
		{"junk", Result{Status: "error", ErrorMessage: `"junk" is not a record id`}},
		{ids[0], Result{Status: "error", ErrorMessage: `Record "` + ids[0] + `" of entity "tickets" does not exist`}},
		{later, Result{Status: "ok"}},
	}
	out[2].Result.Response = nil
	if js(out) != js(wantOut) {
		t.Errorf("outcomes %s\nwant %s", js(out), js(wantOut))
	}
}

// insert writes n open tickets straight into the store, in one
// transaction (fixtures too many to create one by one).
func (b *bundle) insert(n int) {
	b.t.Helper()
	e := b.entity("tickets")
	err := b.store.Write(b.ctx, func(tx store.Tx) error {
		for range n {
			id := record.NewID()
			v := record.Values{"title": "bulk", "status": "open"}
			row := &store.Row{ID: id, Label: "bulk", Doc: record.Encode(e, id, 0, "bulk", v, nil), Created: 1, Modified: 1}
			if err := tx.Insert(b.ctx, e, row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.t.Fatal(err)
	}
}

func TestOperationsOverAQueryHaveASynchronousLimit(t *testing.T) {
	b := desk(t)
	tickets := b.entity("tickets")
	b.with(func(o *Options) { o.Scripts = &standIn{} })
	b.insert(MaxSyncRecords + 1)
	tooMany := "Cannot process 1001 records synchronously (at most 1000): use _async=true"

	_, err := b.svc.DeleteQuery(b.ctx, b.dev, tickets, b.bulk("tickets", "status=open"))
	if ae := wantCode(t, err, apperr.BadRequest); ae.Message != tooMany {
		t.Errorf("delete: %q", ae.Message)
	}
	for action, in := range map[string]obj{"report": nil, "close": {"resolution": "r"}} {
		_, err = b.svc.ExecuteAction(b.ctx, b.dev, tickets, action, ActionTarget{Query: b.bulk("tickets", "")}, in)
		if ae := wantCode(t, err, apperr.BadRequest); ae.Message != tooMany {
			t.Errorf("%s: %q", action, ae.Message)
		}
	}
	// _size caps the set; a job (in the background) has no limit.
	res, err := b.svc.DeleteQuery(b.ctx, b.dev, tickets, b.bulk("tickets", "_size=3"))
	if err != nil || len(res) != 3 {
		t.Errorf("delete of 3: %d results, %v", len(res), err)
	}
	b.insert(3)
	_, err = b.svc.ExecuteAction(b.ctx, b.dev, tickets, "report", ActionTarget{Query: b.bulk("tickets", ""), Background: true}, nil)
	if err != nil {
		t.Errorf("a background action over 1001 records: %v", err)
	}
	if n := b.mustList(b.dev, "tickets", "").total; n != MaxSyncRecords+1 {
		t.Errorf("%d tickets left, want all", n)
	}
}
