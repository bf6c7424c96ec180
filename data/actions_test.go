package data

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"runway/app"
	"runway/apperr"
	"runway/query"
	"runway/record"
)

// standIn stands for the script engine in the data service's tests: it
// records the action calls the service hands it and answers with answer;
// the script work of a save is record's (by default, record scripts only
// answer preconditions, with precondition).
type standIn struct {
	calls        []*ActionCall
	answer       func(*ActionCall) (json.RawMessage, error)
	precondition bool
	record       func(v record.Values) RecordScripts
}

func (s *standIn) Action(_ context.Context, _ *Caller, call *ActionCall) (json.RawMessage, error) {
	s.calls = append(s.calls, call)
	if s.answer == nil {
		return nil, nil
	}
	return s.answer(call)
}

func (s *standIn) Record(_ context.Context, _ *Caller, _ *app.Entity, _ string, v record.Values) RecordScripts {
	if s.record != nil {
		return s.record(v)
	}
	return standInRecord{pre: s.precondition}
}

type standInRecord struct {
	RecordScripts // nil: any other call fails the test with a panic
	pre           bool
}

func (r standInRecord) Precondition(string) (bool, error) { return r.pre, nil }
func (r standInRecord) End()                              {}

// run executes an action on one record.
func (b *bundle) run(c *Caller, entity, action, id string, in obj) (json.RawMessage, error) {
	return b.svc.ExecuteAction(b.ctx, c, b.entity(entity), action, ActionTarget{IDs: []string{id}}, in)
}

func TestActionRequestsAreCheckedBeforeAnyScript(t *testing.T) {
	b := desk(t)
	tickets := b.entity("tickets")
	agent := b.user("agent@example.org", "agents")
	observer := b.user("observer@example.org", "observers")
	mine := b.create("tickets", obj{"title": "mine", "assignee": agent.UserID})["id"].(string)
	theirs := b.create("tickets", obj{"title": "theirs"})["id"].(string)
	closed := b.create("tickets", obj{"title": "closed", "status": "closed", "resolution": "r"})["id"].(string)
	ok := obj{"resolution": "fixed"}

	for _, tc := range []struct {
		name   string
		c      *Caller
		action string
		t      ActionTarget
		in     obj
		code   string
		msg    string
	}{
		{"unknown action", b.dev, "nope", ActionTarget{IDs: []string{mine}}, nil,
			apperr.NotFound, `Action "nope" does not exist in entity "tickets"`},
		{"no permission", observer, "close", ActionTarget{IDs: []string{mine}}, ok,
			apperr.Forbidden, `Not allowed to run action "close" of tickets`},
		{"global with records", b.dev, "stats", ActionTarget{IDs: []string{mine}}, nil,
			apperr.BadRequest, `Action "stats" of tickets is global: it runs without records (PUT /data/tickets/stats)`},
		{"global with a query", b.dev, "stats", ActionTarget{Query: b.bulk("tickets", "status=open")}, nil,
			apperr.BadRequest, `Action "stats" of tickets is global: it takes no query`},
		{"no ids", b.dev, "close", ActionTarget{}, ok,
			apperr.BadRequest, "No record ids given"},
		{"one record only", b.dev, "claim", ActionTarget{IDs: []string{mine, theirs}}, nil,
			apperr.BadRequest, `Action "claim" runs on one record only; 2 ids given`},
	} {
		_, err := b.svc.ExecuteAction(b.ctx, tc.c, tickets, tc.action, tc.t, tc.in)
		if ae := apperr.As(err); ae == nil || ae.Code != tc.code || ae.Message != tc.msg {
			t.Errorf("%s: %v, want %s %q", tc.name, err, tc.code, tc.msg)
		}
		_, err = b.svc.CheckAction(b.ctx, tc.c, tickets, tc.action, tc.t, tc.in)
		if ae := apperr.As(err); ae == nil || ae.Code != tc.code || ae.Message != tc.msg {
			t.Errorf("check %s: %v, want %s %q", tc.name, err, tc.code, tc.msg)
		}
	}

	// Parameters are validated like fields, with their own paths.
	_, err := b.run(b.dev, "tickets", "close", mine, obj{"minutes": "many", "nope": 1})
	wantFields(t, err, "nope invalid", "minutes invalid", "resolution required")
	_, err = b.svc.CheckAction(b.ctx, b.dev, tickets, "close", ActionTarget{IDs: []string{mine}}, obj{})
	wantFields(t, err, "resolution required")
	if a, err := b.svc.CheckAction(b.ctx, agent, tickets, "close", ActionTarget{IDs: []string{mine}}, ok); err != nil || a.Name != "close" {
		t.Errorf("check a valid request: %v %v", a, err)
	}

	// Per record: the action's condition (403), then the precondition (400).
	_, err = b.run(agent, "tickets", "close", theirs, ok)
	if ae := wantCode(t, err, apperr.Forbidden); ae.Message != `Not allowed to run action "close" on record `+theirs {
		t.Errorf("message %q", ae.Message)
	}
	for action, id := range map[string]string{"close": closed, "escalate": mine} {
		in := ok
		if action == "escalate" {
			in = nil // it has no parameters
		}
		_, err = b.run(b.dev, "tickets", action, id, in)
		if ae := wantCode(t, err, apperr.BadRequest); ae.Message != `Action "`+action+`" cannot run on record `+id+`: its precondition is not met` {
			t.Errorf("message %q", ae.Message)
		}
	}
	_, err = b.run(b.dev, "tickets", "close", "6650a1b2c3d4e5f601234567", ok)
	wantCode(t, err, apperr.NotFound)

	// Without a script engine an action that passes every check fails as
	// a server error, having run nothing.
	_, err = b.run(b.dev, "tickets", "claim", mine, nil)
	if err == nil || apperr.As(err) != nil || err.Error() != "data: action tickets.claim: no script engine" {
		t.Errorf("claim without an engine: %v", err)
	}
	_, err = b.run(b.dev, "tickets", "reopen", closed, nil)
	if err == nil || apperr.As(err) != nil || err.Error() != "data: precondition of tickets.reopen: no script engine" {
		t.Errorf("a script precondition without an engine: %v", err)
	}
	if got := b.get(b.dev, "tickets", mine); got["version"] != 0.0 {
		t.Errorf("a refused action changed the record: %v", got)
	}
}

func TestActionOnOneRecordSavesLinkedParametersFirst(t *testing.T) {
	b := desk(t)
	tickets := b.entity("tickets")
	eng := &standIn{}
	b.with(func(o *Options) { o.Scripts = eng })
	events := b.events()
	agent := b.user("agent@example.org", "agents")
	id := b.create("tickets", obj{"title": "t", "assignee": agent.UserID})["id"].(string)
	events()

	// resolution is linked (a field of the same name and type), comment
	// is readOnly for agents, minutes has a default.
	got, err := b.run(agent, "tickets", "close", id, obj{"resolution": "fixed", "comment": "dropped"})
	if err != nil {
		t.Fatal(err)
	}
	after := decodeDoc(t, got)
	if after["resolution"] != "fixed" || after["version"] != 1.0 || after["status"] != "open" {
		t.Errorf("answer: the record after the action, got %s", got)
	}
	if len(eng.calls) != 1 {
		t.Fatalf("%d calls", len(eng.calls))
	}
	call := eng.calls[0]
	if call.Entity != tickets || call.Action.Name != "close" || call.ID != id || call.Version != 1 || call.Label != "t" {
		t.Errorf("call: %s %s %s v%d %q", call.Entity.FullName, call.Action.Name, call.ID, call.Version, call.Label)
	}
	if js(call.Params) != `{"minutes":15,"resolution":"fixed"}` {
		t.Errorf("params %s", js(call.Params))
	}
	if call.Record["resolution"] != "fixed" || call.Old["resolution"] != nil || call.Old["title"] != "t" {
		t.Errorf("record %v, old %v", call.Record, call.Old)
	}
	evs := events()
	if len(evs) != 2 || evs[0].Type != RecordChanged || evs[1].Type != ActionPerformed {
		t.Fatalf("events %v", evs)
	}
	if ev := evs[1]; ev.Action != "close" || ev.ID != id || ev.Version != 1 || ev.Caller != agent || ev.Source != UserEvents || ev.Entity != tickets {
		t.Errorf("ACTION_PERFORMED %+v", ev)
	}

	// A failing script fails the action and emits nothing.
	eng.answer = func(*ActionCall) (json.RawMessage, error) { return nil, apperr.New(apperr.BadRequest, "refused") }
	b.ok(b.svc.Update(b.ctx, b.dev, tickets, id, obj{"resolution": nil}))
	events()
	_, err = b.run(b.dev, "tickets", "claim", id, nil)
	if ae := wantCode(t, err, apperr.BadRequest); ae.Message != "refused" {
		t.Errorf("message %q", ae.Message)
	}
	if evs := events(); len(evs) != 0 {
		t.Errorf("events of a failed action: %v", evs)
	}
}

func TestActionAnswers(t *testing.T) {
	b := desk(t)
	tickets := b.entity("tickets")
	eng := &standIn{precondition: true}
	b.with(func(o *Options) { o.Scripts = eng })
	open := b.create("tickets", obj{"title": "open"})["id"].(string)
	closed := b.create("tickets", obj{"title": "closed", "status": "closed", "resolution": "r"})["id"].(string)
	eng.answer = func(call *ActionCall) (json.RawMessage, error) {
		if call.Action.Name == "claim" {
			return json.RawMessage(`{"claimed":"` + call.ID + `"}`), nil
		}
		return nil, nil
	}

	// resultAsResponse: the script's value; on an id list, a result map.
	got, err := b.run(b.dev, "tickets", "claim", open, nil)
	if err != nil || string(got) != `{"claimed":"`+open+`"}` {
		t.Errorf("claim: %s %v", got, err)
	}
	got, err = b.svc.ExecuteAction(b.ctx, b.dev, tickets, "claim", ActionTarget{IDs: []string{open}, List: true}, nil)
	if err != nil || string(got) != `{"`+open+`":{"status":"ok","response":{"claimed":"`+open+`"}}}` {
		t.Errorf("claim on a list: %s %v", got, err)
	}
	// A oneRecord action over a query: each record with its precondition.
	got, err = b.svc.ExecuteAction(b.ctx, b.dev, tickets, "close", ActionTarget{Query: b.bulk("tickets", "")}, obj{"resolution": "x"})
	if err != nil {
		t.Fatal(err)
	}
	res := decodeDoc(t, got)
	if r := res[open].(obj); r["status"] != "ok" || r["response"].(obj)["resolution"] != "x" {
		t.Errorf("open ticket: %v", r)
	}
	if js(res[closed]) != js(obj{"status": "error", "errorMessage": `Action "close" cannot run on record ` + closed + `: its precondition is not met`}) {
		t.Errorf("closed ticket: %v", res[closed])
	}
	// onlyOneRecord over a query selecting two.
	_, err = b.svc.ExecuteAction(b.ctx, b.dev, tickets, "claim", ActionTarget{Query: b.bulk("tickets", "")}, nil)
	if ae := wantCode(t, err, apperr.BadRequest); ae.Message != `Action "claim" runs on one record only; the query selects 2` {
		t.Errorf("message %q", ae.Message)
	}
	// A script precondition is asked of the engine.
	eng.precondition = false
	_, err = b.run(b.dev, "tickets", "reopen", closed, nil)
	wantCode(t, err, apperr.BadRequest)

	// manyRecords and global: the script's value, {} when it returns nothing.
	eng.calls = nil
	got, err = b.svc.ExecuteAction(b.ctx, b.dev, tickets, "report", ActionTarget{IDs: []string{open, closed}}, nil)
	if err != nil || string(got) != `{}` {
		t.Errorf("report: %s %v", got, err)
	}
	got, err = b.svc.ExecuteAction(b.ctx, b.dev, tickets, "stats", ActionTarget{Query: &query.Select{}}, nil)
	if err != nil || string(got) != `{}` {
		t.Errorf("stats: %s %v", got, err)
	}
	if len(eng.calls) != 2 || eng.calls[0].ID != "" || eng.calls[1].Query != nil {
		t.Fatalf("calls %+v", eng.calls)
	}
	// The ids of a manyRecords call become its query.
	p, err := b.svc.List(b.ctx, b.dev, tickets, &query.List{Select: *eng.calls[0].Query})
	if err != nil || p.Total != 2 {
		t.Errorf("the report's query selects %v records (%v)", p, err)
	}
}

func TestActionJobHelpers(t *testing.T) {
	b := desk(t)
	tickets := b.entity("tickets")
	if top, err := b.svc.TopID(b.ctx, tickets); err != nil || top != "" {
		t.Errorf("top of nothing: %q %v", top, err)
	}
	ids := b.tickets(5, nil)
	if top, err := b.svc.TopID(b.ctx, tickets); err != nil || top != ids[4] {
		t.Errorf("top %q %v, want %s", top, err, ids[4])
	}
	where := b.bulk("tickets", "hours=greater(0)").Where
	got, n, err := b.svc.ActionIDs(b.ctx, b.dev, tickets, where, ids[1], ids[3], 10, true)
	if err != nil || js(got) != js([]string{ids[2], ids[3]}) || n != 2 {
		t.Errorf("ids after %s up to %s: %v (%d) %v", ids[1], ids[3], got, n, err)
	}
	got, _, err = b.svc.ActionIDs(b.ctx, b.dev, tickets, nil, "", "", 2, false)
	if err != nil || js(got) != js(ids[:2]) {
		t.Errorf("first two: %v %v", got, err)
	}

	a := tickets.Action("claim")
	for _, tc := range []struct {
		a    string
		resp string
		err  error
		want string
	}{
		{"claim", `{"x":1}`, nil, `{"status":"ok","response":{"x":1}}`},
		{"close", `{"x":1}`, nil, `{"status":"ok"}`},
		{"claim", "", apperr.New(apperr.BadRequest, "no"), `{"status":"error","errorMessage":"no"}`},
	} {
		r, err := ActionResult(tickets.Action(tc.a), json.RawMessage(tc.resp), tc.err)
		if err != nil || js(r) != tc.want {
			t.Errorf("%s %s %v: %s %v, want %s", tc.a, tc.resp, tc.err, js(r), err, tc.want)
		}
	}
	boom := errors.New("boom")
	if _, err := ActionResult(a, nil, boom); !errors.Is(err, boom) {
		t.Errorf("a server error stays one: %v", err)
	}
}
