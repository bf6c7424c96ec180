package data

import (
	"os"
	"testing"
	"time"
)

// desk serves data/testdata/desk: tickets of customers (a relationship
// with copied fields and filtering rules), assigned to users; agents may
// update open tickets and delete their own.
func desk(t *testing.T) *bundle {
	t.Helper()
	return setup(t, os.DirFS("testdata/desk"))
}

// A required condition is an expression the service evaluates itself, with
// or without a script engine.
func TestRequiredExpressionWithoutAScriptEngine(t *testing.T) {
	b := desk(t)
	tickets := b.entity("tickets")
	_, err := b.svc.Create(b.ctx, b.dev, tickets, obj{"title": "t", "status": "closed"})
	errs := wantFields(t, err, "resolution required")
	if errs[0].Message != "Resolution must be filled in" || *errs[0].FieldLabel != "Resolution" {
		t.Errorf("error %+v", errs[0])
	}
	id := b.ok(b.svc.Create(b.ctx, b.dev, tickets, obj{"title": "t"}))["id"].(string)
	_, err = b.svc.Update(b.ctx, b.dev, tickets, id, obj{"status": "closed"})
	wantFields(t, err, "resolution required")
	if got := b.ok(b.svc.Update(b.ctx, b.dev, tickets, id, obj{"status": "closed", "resolution": "done"})); got["status"] != "closed" {
		t.Errorf("closed ticket: %v", got)
	}
}

func TestRelationshipCopiesFieldsAndAppliesFilteringRulesWhenSet(t *testing.T) {
	b := desk(t)
	tickets := b.entity("tickets")
	acme := b.create("customers", obj{"name": "Acme", "tier": "gold"})
	gone := b.create("customers", obj{"name": "Gone", "active": false})
	b.create("customers", obj{"name": "Twin"})
	b.create("customers", obj{"name": "Twin"})

	got := b.ok(b.svc.Create(b.ctx, b.dev, tickets, obj{"title": "t", "customer": "Acme"}))
	if js(got["customer"]) != js(obj{"id": acme["id"], "label": "Acme", "tier": "gold"}) {
		t.Errorf("customer %s: want id, label and the copied tier", js(got["customer"]))
	}
	_, err := b.svc.Create(b.ctx, b.dev, tickets, obj{"title": "t", "customer": gone["id"]})
	if errs := wantFields(t, err, "customer invalid"); errs[0].Message != `"Gone" does not meet the filtering rules of customer` {
		t.Errorf("message %q", errs[0].Message)
	}
	_, err = b.svc.Create(b.ctx, b.dev, tickets, obj{"title": "t", "customer": "Twin"})
	if errs := wantFields(t, err, "customer invalid"); errs[0].Message != `More than one customers record matches "Twin"` {
		t.Errorf("message %q", errs[0].Message)
	}

	// A customer deactivated later does not break saves of its tickets
	// (app-model.md §8 Q22): only a value set or changed is checked.
	id := got["id"].(string)
	b.ok(b.svc.Update(b.ctx, b.dev, b.entity("customers"), acme["id"].(string), obj{"active": false}))
	if got := b.ok(b.svc.Update(b.ctx, b.dev, tickets, id, obj{"title": "t2", "customer": acme["id"]})); got["title"] != "t2" {
		t.Errorf("update keeping the customer: %v", got)
	}
}

func TestGroupFieldAndCurrentDateInTheAppTimeZone(t *testing.T) {
	b := desk(t)
	tickets := b.entity("tickets")
	// 02:00 UTC is the evening before in New York, the app's time zone.
	b.now = time.Date(2024, 5, 6, 2, 0, 0, 0, time.UTC)
	got := b.ok(b.svc.Create(b.ctx, b.dev, tickets, obj{"title": "t", "queue": "Agents"}))
	if got["opened"] != "2024-05-05" {
		t.Errorf("opened %v, want the date in America/New_York", got["opened"])
	}
	agents := b.app.Groups["agents"]
	if js(got["queue"]) != js(obj{"id": agents.ID, "label": "Agents"}) {
		t.Errorf("queue %s", js(got["queue"]))
	}
	_, err := b.svc.Create(b.ctx, b.dev, tickets, obj{"title": "t", "queue": "observers"})
	if errs := wantFields(t, err, "queue invalid"); errs[0].Message != `Group "observers" is not allowed here` {
		t.Errorf("message %q", errs[0].Message)
	}
	_, err = b.svc.Create(b.ctx, b.dev, tickets, obj{"title": "t", "queue": obj{"id": agents.ID}})
	if err != nil {
		t.Errorf("group by id: %v", err)
	}
}
