package api_test

import (
	"testing"

	"runway/api/apitest"
	"runway/jobs"
)

// An action's queue (issue 16 item 3, the platform's jobs-queues page):
// appendQueued runs in the queue "serial", which app.json does not declare,
// so it runs one job at a time. With three workers, a second job of that
// queue waits PENDING while a later job of another queue runs and ends; it
// starts once the first has ended.
func TestActionQueueRunsOneJobAtATime(t *testing.T) {
	t.Parallel()
	s := authority(t, apitest.Options{Jobs: jobs.Config{Workers: 3}})
	gate := create(t, s, "notes", obj{"title": "gate-q", "body": "closed"})["id"].(string)
	create(t, s, "notes", obj{"title": "gate-open", "body": "open"})
	note := func(title string) string { return create(t, s, "notes", obj{"title": title})["id"].(string) }
	first := asyncRef(t, s.As("PUT", "/data/notes/"+note("q1")+"/appendQueued", obj{"mark": "Q1", "gate": "gate-q"}))
	waitStatus(t, s, first, "RUNNING")
	eventually(t, "Q1 to start", func() bool { return started(t, s, "Q1") })
	second := asyncRef(t, s.As("PUT", "/data/notes/"+note("q2")+"/appendQueued", obj{"mark": "Q2", "gate": "gate-q"}))
	other := asyncRef(t, s.As("PUT", "/data/notes/"+note("m")+"/append?_async=true", obj{"mark": "M", "gate": "gate-open"}))
	waitStatus(t, s, other, "FINISHED")
	if j := jobOf(t, s, second); j["status"] != "PENDING" {
		t.Fatalf("the second job of the serial queue is %v while the first runs", j["status"])
	}
	update(t, s, "notes", gate, obj{"body": "open"})
	one := waitStatus(t, s, first, "FINISHED")
	two := waitStatus(t, s, second, "FINISHED")
	if num(two["startDate"]) < num(one["endDate"]) || one["hasErrors"] != false || two["hasErrors"] != false {
		t.Errorf("first %v\nsecond %v", js(one), js(two))
	}
}
