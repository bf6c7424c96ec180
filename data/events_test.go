package data

import (
	"context"
	"testing"

	"runway/app"
	"runway/store"
)

// describe renders events as "TYPE entity label vN source" lines.
func describe(evs []*Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = string(ev.Type) + " " + ev.Entity.FullName + " " + ev.Label + " v" + js(ev.Version) + " " + ev.Source
	}
	return out
}

func TestWritesEmitRecordEvents(t *testing.T) {
	b := desk(t)
	tickets := b.entity("tickets")
	events := b.events()

	created := b.ok(b.svc.Create(b.ctx, b.dev, tickets, obj{"title": "t", "hours": 1}))
	id := created["id"].(string)
	b.ok(b.svc.Update(b.ctx, b.dev, tickets, id, obj{"title": "t2", "hours": 2}))
	b.ok(b.svc.Delete(b.ctx, b.dev, tickets, id))
	evs := events()
	want := []string{
		"RECORD_CREATED tickets t v0 userEvents",
		"RECORD_CHANGED tickets t2 v1 userEvents",
		"RECORD_DELETED tickets t2 v1 userEvents",
	}
	if js(describe(evs)) != js(want) {
		t.Fatalf("events %q\nwant %q", describe(evs), want)
	}
	for _, ev := range evs {
		if ev.ID != id || ev.Caller != b.dev || ev.Entity != tickets {
			t.Errorf("%s: id %s caller %v", ev.Type, ev.ID, ev.Caller)
		}
	}
	if c := evs[0]; js(c.Record["hours"]) != "1" || c.Old != nil {
		t.Errorf("created: record %v old %v", c.Record, c.Old)
	}
	if c := evs[1]; js(c.Record["hours"]) != "2" || js(c.Old["hours"]) != "1" || c.Old["title"] != "t" {
		t.Errorf("changed: record %v old %v", c.Record, c.Old)
	}
	if d := evs[2]; d.Record["title"] != "t2" || js(d.Old) != js(d.Record) {
		t.Errorf("deleted: record %v old %v (both the deleted record)", d.Record, d.Old)
	}

	// A failed write emits nothing.
	if _, err := b.svc.Create(b.ctx, b.dev, tickets, obj{}); err == nil {
		t.Fatal("created a ticket without title")
	}
	if evs := events(); len(evs) != 0 {
		t.Errorf("events of a failed create: %q", describe(evs))
	}
}

func TestEventSources(t *testing.T) {
	b := desk(t)
	tickets := b.entity("tickets")
	events := b.events()
	script := ScriptCaller(b.dev, "tickets.js:closeAction")
	b.ok(b.svc.Create(b.ctx, script, tickets, obj{"title": "by script"}))
	b.ok(b.svc.Create(b.ctx, b.system, tickets, obj{"title": "by system"}))
	b.ok(b.svc.Create(b.ctx, ScriptCaller(nil, "listeners/x.js"), tickets, obj{"title": "system script"}))
	want := []string{
		"RECORD_CREATED tickets by script v0 scriptEvents",
		"RECORD_CREATED tickets by system v0 systemEvents",
		"RECORD_CREATED tickets system script v0 scriptEvents",
	}
	if got := describe(events()); js(got) != js(want) {
		t.Errorf("events %q\nwant %q", got, want)
	}
	if script.UserID != b.dev.UserID || !script.Script || script.Source != "tickets.js:closeAction" || b.dev.Script {
		t.Errorf("script caller %+v (from %+v)", script, b.dev)
	}
	if EventSource(nil) != SystemEvents || EventSource(b.dev) != UserEvents {
		t.Error("EventSource")
	}

	// Under WithoutEvents (_triggerEvents=false) nothing is emitted.
	b.ok(b.svc.Create(WithoutEvents(b.ctx), b.dev, tickets, obj{"title": "quiet"}))
	if evs := events(); len(evs) != 0 {
		t.Errorf("events without events: %q", describe(evs))
	}
}

func TestEventsOfListenedEntitiesOnly(t *testing.T) {
	b := desk(t)
	tickets, customers := b.entity("tickets"), b.entity("customers")
	if b.svc.Listening(tickets) {
		t.Error("listening without a receiver")
	}
	var got []string
	b.with(func(o *Options) {
		o.Events = eventFunc{fn: func(_ context.Context, ev *Event) { got = append(got, string(ev.Type)+" "+ev.Entity.FullName) },
			listens: func(e *app.Entity) bool { return e == tickets }}
	})
	if !b.svc.Listening(tickets) || b.svc.Listening(customers) {
		t.Error("Listening")
	}
	b.create("customers", obj{"name": "c"})
	ids := b.tickets(4, nil)

	// Every delete path emits one event per deleted record.
	b.ok(b.svc.Delete(b.ctx, b.dev, tickets, ids[0]))
	if _, err := b.svc.DeleteMany(b.ctx, b.dev, tickets, []string{ids[1], "6650a1b2c3d4e5f601234567"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.DeleteQuery(b.ctx, b.dev, tickets, b.bulk("tickets", "hours=2")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.DeleteBatch(b.ctx, b.dev, tickets, &DeleteStep{IDs: []string{ids[3]}},
		func(store.Tx, []Outcome) error { return nil }); err != nil {
		t.Fatal(err)
	}
	want := []string{"RECORD_CREATED tickets", "RECORD_CREATED tickets", "RECORD_CREATED tickets", "RECORD_CREATED tickets",
		"RECORD_DELETED tickets", "RECORD_DELETED tickets", "RECORD_DELETED tickets", "RECORD_DELETED tickets"}
	if js(got) != js(want) {
		t.Errorf("events %q\nwant %q", got, want)
	}
}
