package api_test

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
	"runway/data"
	"runway/jobs"
)

// Listeners (app-model.md §5) on the listener test app
// (app/testdata/listen): each listener writes a logs record saying what it
// saw (listener, event, record and old record names, user, extra JSON).

func listenApp(t *testing.T, opts ...apitest.Options) *apitest.Server {
	t.Helper()
	return apitest.Start(t, os.DirFS("../app/testdata/listen"), opts...)
}

// logLine is one logs record.
type logLine struct {
	ID, Event, Name, Old, User string
	Extra                      any
}

// logsOf lists the logs of a listener in the order they were written.
func logsOf(t *testing.T, s *apitest.Server, listener string) []logLine {
	t.Helper()
	p := list(t, s, "logs", q("listener", listener, "_size", "1000"))
	out := make([]logLine, 0, len(p.Items))
	for _, it := range p.Items {
		l := logLine{ID: str(it["id"]), Event: str(it["event"]), Name: str(it["name"]), Old: str(it["old"]), User: str(it["user"])}
		if x, ok := it["extra"].(string); ok {
			_ = json.Unmarshal([]byte(x), &l.Extra)
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// waitLogs waits until a listener has written n logs.
func waitLogs(t *testing.T, s *apitest.Server, listener string, n int) []logLine {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		l := logsOf(t, s, listener)
		if len(l) >= n {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("listener %s: %d logs, want %d", listener, len(l), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestListenerRecordEvents(t *testing.T) {
	t.Parallel()
	s := listenApp(t)
	admin := apitest.AdminEmail

	// recordCreated: record with the write's transient value, oldRecord
	// null; the answer is the record as without listeners.
	rec := create(t, s, "tasks", obj{"name": "t1", "hint": "h1", "pin": "1234"})
	if _, ok := rec["hint"]; ok || rec["name"] != "t1" {
		t.Errorf("create answer: %v", rec)
	}
	id := rec["id"].(string)
	got := logsOf(t, s, "created")
	if len(got) != 1 || got[0].Event != "RECORD_CREATED" || got[0].Name != "t1" || got[0].User != admin ||
		!jsonEq(got[0].Extra, obj{"hint": "h1", "pin": "1234", "old": true}) {
		t.Fatalf("created: %+v", got)
	}

	// recordChanged with a query-map condition, userEvents only.
	update(t, s, "tasks", id, obj{"count": 1}) // status not done: no
	if got := logsOf(t, s, "changedDone"); len(got) != 0 {
		t.Errorf("changedDone fired on a record not done: %+v", got)
	}
	update(t, s, "tasks", id, obj{"status": "done"})
	got = logsOf(t, s, "changedDone")
	if len(got) != 1 || got[0].Event != "RECORD_CHANGED" || got[0].Old != "t1" || !jsonEq(got[0].Extra, obj{"status": nil}) {
		t.Fatalf("changedDone: %+v", got)
	}
	if got := logsOf(t, s, "changedScript"); len(got) != 0 {
		t.Errorf("changedScript (scriptEvents only) fired on REST updates: %+v", got)
	}

	// A script's save is a scriptEvent: changedScript fires, changedDone
	// (userEvents only) does not, though the record is done.
	s.As("PUT", "/data/tasks/"+id+"/rename", obj{"to": "t2"}).Status(200)
	got = logsOf(t, s, "changedScript")
	if len(got) != 1 || got[0].Name != "t2" || got[0].Old != "t1" {
		t.Fatalf("changedScript: %+v", got)
	}
	if got := logsOf(t, s, "changedDone"); len(got) != 1 {
		t.Errorf("changedDone fired on a script's save: %+v", got)
	}

	// actionPerformed, filtered by action name.
	s.As("PUT", "/data/tasks/"+id+"/other", nil).Status(200)
	if got := logsOf(t, s, "touched"); len(got) != 0 {
		t.Errorf("touched fired for another action: %+v", got)
	}
	s.As("PUT", "/data/tasks/"+id+"/touch", nil).Status(200)
	got = logsOf(t, s, "touched")
	if len(got) != 1 || got[0].Event != "ACTION_PERFORMED" || got[0].Name != "t2" || got[0].Old != "t2" {
		t.Fatalf("touched: %+v", got)
	}

	// recordDeleted: record and oldRecord both the deleted record.
	s.As("DELETE", "/data/tasks/"+id, nil).Status(200)
	got = logsOf(t, s, "deleted")
	if len(got) != 1 || got[0].Event != "RECORD_DELETED" || got[0].Name != "t2" || got[0].Old != "t2" {
		t.Fatalf("deleted: %+v", got)
	}
	// _triggerEvents=false: no listener.
	create(t, s, "tasks", obj{"name": "quiet"})
	s.As("DELETE", "/data/tasks?"+q("name", "quiet", "_triggerEvents", "false"), nil).Status(200)
	if got := logsOf(t, s, "deleted"); len(got) != 1 {
		t.Errorf("deleted fired with _triggerEvents=false: %+v", got)
	}

	// systemEvents: the system's own writes fire only listeners that list
	// them (deleted does, created's default user+script does not).
	tasks, err := s.Data.Entity("tasks")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	doc, err := s.Data.Create(ctx, data.SystemCaller, tasks, map[string]any{"name": "sys"})
	if err != nil {
		t.Fatal(err)
	}
	if got := logsOf(t, s, "created"); len(got) != 2 { // t1 and quiet
		t.Errorf("created fired on a system write: %+v", got)
	}
	var sys obj
	_ = json.Unmarshal(doc, &sys)
	if _, err := s.Data.Delete(ctx, data.SystemCaller, tasks, sys["id"].(string)); err != nil {
		t.Fatal(err)
	}
	if got := logsOf(t, s, "deleted"); len(got) != 2 || got[1].Name != "sys" || got[1].User != "system" {
		t.Errorf("deleted on a system write: %+v", got)
	}
}

func TestListenerConditionMet(t *testing.T) {
	t.Parallel()
	s := listenApp(t)
	// Creations do not fire conditionMet, even when the condition holds.
	big := create(t, s, "tasks", obj{"name": "born big", "count": 50})
	update(t, s, "tasks", big["id"], obj{"count": 60})
	id := create(t, s, "tasks", obj{"name": "c", "count": 5})["id"]
	update(t, s, "tasks", id, obj{"count": 20}) // false → true: fires
	update(t, s, "tasks", id, obj{"count": 30}) // true → true: no
	update(t, s, "tasks", id, obj{"count": 3})  // true → false: no
	update(t, s, "tasks", id, obj{"count": 40}) // false → true: fires
	got := logsOf(t, s, "big")
	if len(got) != 2 || got[0].Event != "CONDITION_MET" || got[0].Extra != 20.0 || got[1].Extra != 40.0 {
		t.Fatalf("big: %+v", got)
	}
}

func TestListenerOrderAndUser(t *testing.T) {
	t.Parallel()
	s := listenApp(t)
	s.CreateUser("worker@example.org", "worker-password-1", map[string]any{"groups": arr{obj{"group": "workers"}}})
	tok := s.Login("worker@example.org", "worker-password-1")
	s.Do("POST", "/data/tasks", tok, obj{"name": "ordered"}).Status(200)
	o1, o2 := logsOf(t, s, "order1"), logsOf(t, s, "order2")
	if len(o1) != 1 || len(o2) != 1 || o1[0].ID > o2[0].ID {
		t.Fatalf("order: %+v %+v", o1, o2)
	}
	if o1[0].User != "worker@example.org" {
		t.Errorf("listener ran as %q, want the triggering user", o1[0].User)
	}
}

func TestListenerErrorKeepsWrite(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	s := listenApp(t, apitest.Options{Log: &log})
	// The failing listener throws; the write stays, the answer is the
	// record, the other listeners still run, the error is logged.
	rec := create(t, s, "tasks", obj{"name": "boom"})
	if rec["name"] != "boom" {
		t.Errorf("answer: %v", rec)
	}
	get(t, s, "tasks", rec["id"])
	if got := logsOf(t, s, "created"); len(got) != 1 {
		t.Errorf("created after a failing listener: %+v", got)
	}
	update(t, s, "tasks", rec["id"], obj{"count": 2})
	if got := get(t, s, "tasks", rec["id"]); got["count"] != 2.0 {
		t.Errorf("update after a failing listener: %v", got)
	}
	// Fired by a script's save (nested in the action's execution): the
	// action still succeeds.
	other := create(t, s, "tasks", obj{"name": "calm"})["id"].(string)
	s.As("PUT", "/data/tasks/"+other+"/rename", obj{"to": "boom"}).Status(200)
	if got := get(t, s, "tasks", other); got["name"] != "boom" {
		t.Errorf("rename after a failing listener: %v", got)
	}
	if l := log.String(); strings.Count(l, "listener failed") != 3 || !strings.Contains(l, "listener boom") {
		t.Errorf("log: %s", l)
	}
}

func TestListenerRecursionLimit(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	s := listenApp(t, apitest.Options{Log: &log})
	id := create(t, s, "tasks", obj{"name": "loop", "count": 0})["id"]
	// The loop listener saves its record, which fires it again: 16 levels
	// run, the 17th is refused with an error log; the request succeeds.
	update(t, s, "tasks", id, obj{"status": "open"})
	if got := get(t, s, "tasks", id)["count"]; got != 16.0 {
		t.Errorf("count = %v, want 16 (one per level)", got)
	}
	if !strings.Contains(log.String(), "more than 16 levels deep") {
		t.Errorf("log: %s", log.String())
	}
}

func TestListenerBackground(t *testing.T) {
	t.Parallel()
	s := listenApp(t)
	create(t, s, "tasks", obj{"name": "bg1", "hint": "carried", "pin": "1234"})
	// The job carries the transient hint, not the sensitive transient pin.
	got := waitLogs(t, s, "background", 1)
	if got[0].Name != "bg1" || got[0].User != apitest.AdminEmail || !jsonEq(got[0].Extra, obj{"hint": "carried", "pin": nil, "job": true}) {
		t.Fatalf("background: %+v", got)
	}
	// It ran as an EXECUTE_LISTENER job with data {listenerName}.
	jobs := s.As("GET", "/status/jobs", nil).Status(200).JSON()
	found := false
	for _, j := range jobs["items"].([]any) {
		j := j.(map[string]any)
		if j["type"] == "EXECUTE_LISTENER" && jsonEq(j["data"], obj{"listenerName": "background"}) {
			found = true
			waitStatus(t, s, j["id"].(string), "FINISHED")
		}
	}
	if !found {
		t.Errorf("no EXECUTE_LISTENER job: %v", jobs)
	}
	// A background listener saving the record it got (the version written).
	id := create(t, s, "tasks", obj{"name": "resave", "count": 0})["id"]
	update(t, s, "tasks", id, obj{"count": 1})
	deadline := time.Now().Add(20 * time.Second)
	for get(t, s, "tasks", id)["count"] != 101.0 {
		if time.Now().After(deadline) {
			t.Fatalf("background save: %v", get(t, s, "tasks", id))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Its condition was decided at the event: no job for other names.
	create(t, s, "tasks", obj{"name": "plain"})
	if got := logsOf(t, s, "background"); len(got) != 1 {
		t.Errorf("background ran for a record outside its condition: %+v", got)
	}
}

func TestJobAndCustomListeners(t *testing.T) {
	t.Parallel()
	s := listenApp(t)
	create(t, s, "tasks", obj{"name": "gone"})
	id := asyncRef(t, s.As("DELETE", "/data/tasks?"+q("name", "gone", "_async", "true"), nil))
	waitStatus(t, s, id, "FINISHED")
	got := waitLogs(t, s, "deletesDone", 1)
	if got[0].Event != "JOB" || !jsonEq(got[0].Extra, obj{"jobType": "DELETE_RECORDS", "jobEvent": "FINISHED", "hasId": true}) {
		t.Errorf("deletesDone: %+v", got)
	}
	if got := logsOf(t, s, "deleted"); len(got) != 1 || got[0].Name != "gone" {
		t.Errorf("deleted by a job: %+v", got)
	}
	// sys.events.triggerEvent fires the custom listeners of its name.
	s.As("PUT", "/data/tasks/ping", nil).Status(200)
	got = logsOf(t, s, "pinged")
	if len(got) != 1 || got[0].Event != "CUSTOM" || !jsonEq(got[0].Extra, obj{"n": 42.0}) {
		t.Errorf("pinged: %+v", got)
	}
}

// The demo's companyActivated listener logs, once per activation, that a
// company became active.
func TestDemoCompanyActivated(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	s := apitest.Start(t, nil, apitest.Options{Log: &log})
	c := create(t, s, "companies", obj{"name": "Acme", "state": "pending"})
	update(t, s, "companies", c["id"], obj{"state": "active"})
	update(t, s, "companies", c["id"], obj{"name": "Acme Inc"}) // still active: no new line
	// Through the changeState action (a script's save): once more.
	s.As("PUT", "/data/companies/"+c["id"].(string)+"/changeState", obj{"state": "inactive"}).Status(200)
	s.As("PUT", "/data/companies/"+c["id"].(string)+"/changeState", obj{"state": "active"}).Status(200)
	l := log.String()
	first := "Company Acme activated by " + apitest.AdminEmail + " (was pending)"
	second := "Company Acme Inc activated by " + apitest.AdminEmail + " (was inactive)"
	if strings.Count(l, "activated by") != 2 || !strings.Contains(l, first) || !strings.Contains(l, second) {
		t.Errorf("log: %s", l)
	}
	if got := get(t, s, "companies", c["id"]); got["version"] != 4.0 {
		t.Errorf("the listener changed the record: %v", got)
	}
}

// Job listeners also hear the jobs API's commands that end a job (STOPPED,
// CANCELED), as the user who sent them.
func TestJobListenerOnCommands(t *testing.T) {
	t.Parallel()
	s := listenApp(t, apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1}}) // jobs stay PENDING
	create(t, s, "tasks", obj{"name": "kept"})
	id := asyncRef(t, s.As("DELETE", "/data/tasks?"+q("name", "kept", "_async", "true"), nil))
	s.As("PUT", "/status/jobs/"+id+"/stop", nil).Status(200)
	s.As("PUT", "/status/jobs/"+id+"/cancel", nil).Status(200)
	got := logsOf(t, s, "deletesEnded")
	if len(got) != 2 || got[0].User != apitest.AdminEmail ||
		!jsonEq(got[0].Extra, obj{"jobType": "DELETE_RECORDS", "jobEvent": "STOPPED", "hasId": true}) ||
		!jsonEq(got[1].Extra, obj{"jobType": "DELETE_RECORDS", "jobEvent": "CANCELED", "hasId": true}) {
		t.Errorf("deletesEnded: %+v", got)
	}
	if got := logsOf(t, s, "deletesDone"); len(got) != 0 {
		t.Errorf("deletesDone (FINISHED only) heard a command: %+v", got)
	}
}
