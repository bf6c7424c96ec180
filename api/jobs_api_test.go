package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
	"runway/clock"
	"runway/jobs"
	"runway/record"
	"runway/store"
)

// storeJob is a job in a status; started says whether it ever ran. Jobs
// that run belong to a worker elsewhere with a fresh heartbeat, so nothing
// here takes them over.
func storeJob(status store.JobStatus, started int64) *store.Job {
	j := &store.Job{Status: status, Stoppable: true, Started: started, RecordsCount: 10, RecordsProcessed: 4}
	if status == store.JobRunning || status == store.JobStopping {
		j.Owner, j.Heartbeat = "elsewhere", time.Now().Add(time.Hour).UnixMilli()
	}
	if status.Terminal() {
		j.Ended = started + 1
	}
	return j
}

// TestJobTransitions sends every command to a job in every status: the
// answer is the job in its new status, or 400 badRequest for a transition
// the lifecycle does not allow (rest-api.md §9.2, §9.8–9.11).
func TestJobTransitions(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, nil, apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1}})
	want := map[store.JobStatus]map[jobs.Command]store.JobStatus{ // status → command → new status ("" = 400)
		"PENDING":   {jobs.Stop: "STOPPED"},
		"RUNNING":   {jobs.Stop: "STOPPING"},
		"STOPPING":  {jobs.ForceStop: "STOPPED"},
		"STOPPED":   {jobs.Cancel: "CANCELED", jobs.Resume: "RUNNING"},
		"CANCELING": {},
		"CANCELED":  {},
		"FINISHED":  {},
	}
	for _, status := range jobs.Statuses {
		for _, cmd := range jobs.UserCommands {
			started := int64(1717430000000)
			if status == "PENDING" {
				started = 0
			}
			j := putJob(t, s, storeJob(status, started))
			r := s.As("PUT", "/status/jobs/"+j.ID+"/"+string(cmd), nil)
			to := want[status][cmd]
			if to == "" {
				r.Error(400, "badRequest")
				if got := jobOf(t, s, j.ID); got["status"] != string(status) {
					t.Errorf("%s on %s: refused, yet the job is %s", cmd, status, got["status"])
				}
				continue
			}
			got := r.Status(200).JSON()
			wantKeys(t, got, jobKeys...)
			if got["status"] != string(to) {
				t.Errorf("%s on %s: %s, want %s", cmd, status, got["status"], to)
			}
			if end := got["endDate"] != nil; end != (to == "CANCELED") {
				t.Errorf("%s on %s: endDate %v", cmd, status, got["endDate"])
			}
		}
	}
	// resume of a job stopped before it ever ran: back to PENDING
	j := putJob(t, s, storeJob("STOPPED", 0))
	if got := s.As("PUT", "/status/jobs/"+j.ID+"/resume", nil).Status(200).JSON(); got["status"] != "PENDING" || got["startDate"] != nil {
		t.Errorf("resume of a never-started job: %s", js(got))
	}
	// only root jobs take commands; a job that is not stoppable only stops
	// while PENDING
	parent := putJob(t, s, storeJob("RUNNING", 1))
	child := storeJob("STOPPED", 1)
	child.ParentID, child.ParentLabel, child.RootID, child.RootLabel = parent.ID, parent.Label, parent.ID, parent.Label
	putJob(t, s, child)
	for _, cmd := range jobs.UserCommands {
		s.As("PUT", "/status/jobs/"+child.ID+"/"+string(cmd), nil).Error(400, "badRequest")
	}
	if got := jobOf(t, s, parent.ID); num(got["childrenJobsCount"]) != 1 || num(got["childrenJobsProcessed"]) != 0 {
		t.Errorf("parent: %s", js(got))
	}
	if got := jobOf(t, s, child.ID); !jsonEq(got["parentJob"], obj{"id": parent.ID, "label": parent.Label}) ||
		!jsonEq(got["rootJob"], got["parentJob"]) {
		t.Errorf("child: %s", js(got))
	}
	fixed := storeJob("RUNNING", 1)
	fixed.Stoppable = false
	putJob(t, s, fixed)
	s.As("PUT", "/status/jobs/"+fixed.ID+"/stop", nil).Error(400, "badRequest")
	fixed = storeJob("PENDING", 0)
	fixed.Stoppable = false
	putJob(t, s, fixed)
	if got := s.As("PUT", "/status/jobs/"+fixed.ID+"/stop", nil).Status(200).JSON(); got["status"] != "STOPPED" || got["stoppable"] != false {
		t.Errorf("stop of a pending unstoppable job: %s", js(got))
	}
}

// TestJobStopWithNoWorker: a job resumed and stopped again before any
// worker took it has no worker to notice the stop: it still ends STOPPED.
func TestJobStopWithNoWorker(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, nil, apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1, Heartbeat: 50 * time.Millisecond}})
	j := putJob(t, s, storeJob("STOPPED", 1))
	s.As("PUT", "/status/jobs/"+j.ID+"/resume", nil).Status(200)
	if got := s.As("PUT", "/status/jobs/"+j.ID+"/stop", nil).Status(200).JSON(); got["status"] != "STOPPING" {
		t.Fatalf("stop: %s", got["status"])
	}
	waitStatus(t, s, j.ID, "STOPPED")
}

// TestJobTakeover: a job RUNNING under a worker that stopped heartbeating
// (a dead process) is taken over once the heartbeat is older than the
// takeover time and continues from its checkpoint; a stop whose worker died
// completes.
func TestJobTakeover(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, nil, apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1}})
	ids := seedSkills(t, s, "t", "technical", 50)
	sortIDs(ids)
	gone := ids[:20] // what the dead worker had done and checkpointed
	e, _ := s.Data.Entity("skills")
	for _, id := range gone {
		if err := s.Data.Store().Write(context.Background(), func(tx store.Tx) error { return tx.Delete(context.Background(), e, id) }); err != nil {
			t.Fatal(err)
		}
	}
	stale := time.Now().Add(-time.Minute).UnixMilli()
	j := storeJob("RUNNING", stale)
	j.Owner, j.Heartbeat, j.RecordsCount, j.RecordsProcessed = "dead", stale, 50, 20
	j.Params = []byte(fmt.Sprintf(`{"entity":"skills","query":"category=technical","plan":{"upTo":%q}}`, ids[len(ids)-1]))
	j.Checkpoint = []byte(fmt.Sprintf(`{"cursor":%q,"ok":20}`, gone[len(gone)-1]))
	putJob(t, s, j)
	fresh := storeJob("RUNNING", stale) // its worker is alive: left alone
	fresh.Params = j.Params
	putJob(t, s, fresh)
	stopping := storeJob("STOPPING", stale)
	stopping.Heartbeat = stale
	putJob(t, s, stopping)

	otherWorkers(t, s, jobs.Config{Takeover: 2 * time.Second, Heartbeat: 100 * time.Millisecond})
	got := waitStatus(t, s, j.ID, "FINISHED")
	if num(got["recordsProcessed"]) != 50 || num(got["recordsCount"]) != 50 || got["hasErrors"] != false {
		t.Fatalf("taken-over job: %s", js(got))
	}
	if n := len(got["results"].(map[string]any)); n != 30 {
		t.Fatalf("the new worker reports %d results, want the 30 it deleted", n)
	}
	if countOf(t, s, "skills", "") != 0 {
		t.Fatal("records left")
	}
	waitStatus(t, s, stopping.ID, "STOPPED")
	if got := jobOf(t, s, fresh.ID); got["status"] != "RUNNING" {
		t.Fatalf("a job with a live worker was taken: %s", js(got))
	}
	if log := jobLogText(t, s, j.ID); !strings.Contains(log, "Continuing from the checkpoint after 20 of 50 records") {
		t.Fatalf("log:\n%s", log)
	}
}

// TestJobGracefulShutdown: workers shutting down release their jobs after
// the current batch; the next workers continue them exactly.
func TestJobGracefulShutdown(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, nil, apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1}})
	const n = 1000
	seedSkills(t, s, "g", "technical", n)
	seedSkills(t, s, "k", "soft", 10)
	id := asyncRef(t, s.As("DELETE", "/data/skills?category=technical&_async=true", nil))
	w := otherWorkers(t, s, jobs.Config{BatchSize: 50, BatchPause: 10 * time.Millisecond})
	waitJob(t, s, id, "progress", func(j obj) bool { return num(j["recordsProcessed"]) >= 200 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	j := jobOf(t, s, id)
	p := num(j["recordsProcessed"])
	if j["status"] != "RUNNING" || p >= n {
		t.Fatalf("after shutdown: %s", js(j))
	}
	if got := countOf(t, s, "skills", "category=technical"); got != n-p {
		t.Fatalf("after shutdown %d left, job processed %d", got, p)
	}
	otherWorkers(t, s, jobs.Config{})
	j = waitStatus(t, s, id, "FINISHED")
	if num(j["recordsProcessed"]) != n || countOf(t, s, "skills", "category=technical") != 0 || countOf(t, s, "skills", "category=soft") != 10 {
		t.Fatalf("after restart: %s", js(j))
	}
	if log := jobLogText(t, s, id); !strings.Contains(log, "Paused by a server shutdown after") {
		t.Fatalf("log:\n%s", log)
	}
}

// TestJobForceStop: forceStop stops a STOPPING job at once and cancels its
// worker (here asleep between two batches, so only the force can stop it).
func TestJobForceStop(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, nil, apitest.Options{Jobs: jobs.Config{BatchSize: 100, BatchPause: time.Hour, Heartbeat: time.Hour}})
	const n = 250
	seedSkills(t, s, "f", "technical", n)
	id := asyncRef(t, s.As("DELETE", "/data/skills?category=technical&_async=true", nil))
	waitJob(t, s, id, "a batch", func(j obj) bool { return num(j["recordsProcessed"]) == 100 })
	if got := s.As("PUT", "/status/jobs/"+id+"/stop", nil).Status(200).JSON(); got["status"] != "STOPPING" {
		t.Fatalf("after stop: %s", got["status"])
	}
	s.As("PUT", "/status/jobs/"+id+"/resume", nil).Error(400, "badRequest")
	s.As("PUT", "/status/jobs/"+id+"/cancel", nil).Error(400, "badRequest")
	got := s.As("PUT", "/status/jobs/"+id+"/forceStop", nil).Status(200).JSON()
	if got["status"] != "STOPPED" || num(got["recordsProcessed"]) != 100 {
		t.Fatalf("after forceStop: %s", js(got))
	}
	s.As("PUT", "/status/jobs/"+id+"/forceStop", nil).Error(400, "badRequest")
	time.Sleep(100 * time.Millisecond)
	if left := countOf(t, s, "skills", "category=technical"); left != n-100 || jobOf(t, s, id)["status"] != "STOPPED" {
		t.Fatalf("after forceStop: %d left", left)
	}
	if log := jobLogText(t, s, id); !strings.Contains(log, "WARN Stopped by force by") {
		t.Fatalf("log:\n%s", log)
	}
	if got := s.As("PUT", "/status/jobs/"+id+"/cancel", nil).Status(200).JSON(); got["status"] != "CANCELED" {
		t.Fatalf("cancel after forceStop: %s", got["status"])
	}
}

// TestListJobs covers every filter and the paging of GET /status/jobs.
func TestListJobs(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, nil, apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1}})
	const day = int64(24 * time.Hour / time.Millisecond)
	base := int64(1717430000000)
	mk := func(typ store.JobType, status store.JobStatus, created, started, ended int64, errs bool) string {
		j := &store.Job{Type: typ, Status: status, Created: created, Started: started, Ended: ended, HasErrors: errs, Stoppable: true}
		return putJob(t, s, j).ID
	}
	a := mk("DELETE_RECORDS", "FINISHED", base, base+10, base+20, false)
	b := mk("DELETE_RECORDS", "FINISHED", base+day, base+day+10, base+day+20, true)
	c := mk("EXPORT_RECORDS", "CANCELING", base+2*day, base+2*day+10, 0, true)
	d := mk("IMPORT_RECORDS", "PENDING", base+3*day, 0, 0, false)
	e := mk("EXECUTE_ACTION", "STOPPED", base+4*day, base+4*day+10, 0, false)
	listed := func(query string) []string {
		t.Helper()
		r := s.As("GET", "/status/jobs?"+query, nil).Status(200)
		m := r.JSON()
		wantKeys(t, m, "total", "offset", "items")
		var out []string
		for _, it := range m["items"].([]any) {
			wantKeys(t, it.(map[string]any), jobKeys...)
			out = append(out, it.(map[string]any)["id"].(string))
		}
		if int(num(m["total"])) < len(out) {
			t.Fatalf("total %v below %d items", m["total"], len(out))
		}
		return out
	}
	eq := func(query string, want ...string) {
		t.Helper()
		if got := listed(query); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("?%s: %v, want %v", query, got, want)
		}
	}
	eq("", e, d, c, b, a) // newest first
	eq("type=DELETE_RECORDS", b, a)
	eq("type=EXPORT_RECORDS,IMPORT_RECORDS", d, c)
	eq("status=CANCELING", c)
	eq("status=PENDING,STOPPED", e, d)
	eq("hasErrors=true", c, b)
	eq("hasErrors=false", e, d, a)
	eq(q("createFrom", fmt.Sprint(base+day), "createTo", fmt.Sprint(base+3*day)), d, c, b) // inclusive
	eq(q("createFrom", fmt.Sprint(base+4*day)), e)
	eq(q("createTo", fmt.Sprint(base)), a)
	eq(q("startFrom", fmt.Sprint(base+day+10)), e, c, b) // never-started d is out
	eq(q("startTo", fmt.Sprint(base+day+10)), b, a)
	eq(q("endFrom", fmt.Sprint(base+15)), b, a)
	eq(q("endTo", fmt.Sprint(base+20)), a)
	eq(q("endFrom", fmt.Sprint(base), "status", "FINISHED", "type", "DELETE_RECORDS", "hasErrors", "true"), b)

	// paging: _size, then _offset = the last id of the page
	m := s.As("GET", "/status/jobs?_size=2", nil).Status(200).JSON()
	if num(m["total"]) != 5 || m["offset"] != d || len(m["items"].([]any)) != 2 {
		t.Fatalf("first page: %s", js(m))
	}
	eq("_size=2&_offset="+d, c, b)
	m = s.As("GET", "/status/jobs?_size=2&_offset="+b, nil).Status(200).JSON()
	if num(m["total"]) != 5 || m["offset"] != nil || len(m["items"].([]any)) != 1 {
		t.Fatalf("last page: %s", js(m))
	}
	for i := 0; i < 20; i++ {
		mk("DELETE_RECORDS", "FINISHED", base+5*day+int64(i), 0, 0, false)
	}
	if got := listed(""); len(got) != 20 { // default size
		t.Fatalf("default page has %d jobs", len(got))
	}
	if got := listed("_size=1000"); len(got) != 25 {
		t.Fatalf("_size=1000: %d jobs", len(got))
	}
	for _, bad := range []string{"type=NOPE", "type=DELETE_RECORDS,", "status=DONE", "hasErrors=yes",
		"startFrom=abc", "startTo=1.5", "endFrom=x", "endTo=", "createFrom=yesterday", "createTo=9e9",
		"_size=0", "_size=-1", "_size=1001", "_size=x", "_offset=abc"} {
		if bad == "endTo=" {
			continue // empty is no filter
		}
		s.As("GET", "/status/jobs?"+bad, nil).Error(400, "badRequest")
	}
}

// TestJobLogs covers every filter and the paging of a job's log.
func TestJobLogs(t *testing.T) {
	t.Parallel()
	// noon on the server's clock: "five hours ago" is then today whatever
	// the hour the test runs at (at 00:30 it was yesterday's, after the
	// line "last of yesterday")
	midnight := time.Now().UTC().Truncate(24 * time.Hour)
	now := midnight.Add(12 * time.Hour)
	s := apitest.Start(t, nil, apitest.Options{Clock: clock.NewManual(now), Jobs: jobs.Config{Workers: -1, LowWorkers: -1}})
	j := putJob(t, s, storeJob("FINISHED", 1))
	lines := []struct {
		at    time.Time
		level string
		msg   string
	}{
		{midnight.AddDate(0, 0, -2), "INFO", "two days ago"},
		{midnight.AddDate(0, 0, -1).Add(time.Hour), "WARN", "Yesterday morning"},
		{midnight.Add(-time.Millisecond), "ERROR", "last of yesterday"},
		{now.Add(-5 * time.Hour), "INFO", "five hours ago (ÉTÉ)"},
		{now.Add(-3 * time.Hour), "ERROR", "three hours ago"},
		{now.Add(-time.Minute), "INFO", "a minute ago: été"},
	}
	var logIDs []string
	for _, l := range lines {
		id := record.NewID()
		logIDs = append(logIDs, id)
		if err := s.Data.Store().AddJobLogs(context.Background(), store.JobLog{ID: id, JobID: j.ID, Time: l.at.UnixMilli(), Level: store.LogLevel(l.level), Message: l.msg}); err != nil {
			t.Fatal(err)
		}
	}
	// within lists the messages of the lines in [from, to] (ms).
	within := func(from, to time.Time) []string {
		var out []string
		for _, l := range lines {
			if ms := l.at.UnixMilli(); ms >= from.UnixMilli() && ms <= to.UnixMilli() {
				out = append(out, l.msg)
			}
		}
		return out
	}
	got := func(path, query string) []string {
		t.Helper()
		m := s.As("GET", path+"?"+query, nil).Status(200).JSON()
		wantKeys(t, m, "total", "offset", "items")
		var out []string
		var last int64
		for _, it := range m["items"].([]any) {
			item := it.(map[string]any)
			wantKeys(t, item, "timestamp", "level", "message")
			if ts := num(item["timestamp"]); ts < last {
				t.Fatalf("not oldest first: %s", js(m))
			} else {
				last = ts
			}
			out = append(out, item["message"].(string))
		}
		return out
	}
	path := "/status/jobs/" + j.ID + "/logs"
	eq := func(query string, want ...string) {
		t.Helper()
		for _, p := range []string{path, "/status/job/" + j.ID + "/logs"} { // and the singular alias
			if g := got(p, query); strings.Join(g, "|") != strings.Join(want, "|") {
				t.Errorf("%s?%s: %q, want %q", p, query, g, want)
			}
		}
	}
	all := make([]string, len(lines))
	for i, l := range lines {
		all[i] = l.msg
	}
	eq("", all...)
	eq("level=ERROR", "last of yesterday", "three hours ago")
	eq("level=warn,Error", "Yesterday morning", "last of yesterday", "three hours ago")
	eq("message=YESTERDAY", "Yesterday morning", "last of yesterday")
	eq("message="+url.QueryEscape("été"), "five hours ago (ÉTÉ)", "a minute ago: été")
	eq("period="+url.QueryEscape("3h 30m"), within(now.Add(-210*time.Minute), now)...)
	eq("period=4h&level=INFO", "a minute ago: été")
	eq("period=4h&from=0&to=1", "three hours ago", "a minute ago: été") // period wins
	eq("period="+url.QueryEscape("1d 6h"), within(now.Add(-30*time.Hour), now)...)
	eq("period=today", within(midnight, now)...)
	eq("period=&level=ERROR", "last of yesterday", "three hours ago") // empty: no period
	eq("period=Yesterday", within(midnight.AddDate(0, 0, -1), midnight.Add(-time.Millisecond))...)
	eq(q("from", fmt.Sprint(lines[1].at.UnixMilli()), "to", fmt.Sprint(lines[3].at.UnixMilli())), lines[1].msg, lines[2].msg, lines[3].msg)
	eq(q("from", fmt.Sprint(lines[4].at.UnixMilli())), lines[4].msg, lines[5].msg)
	// paging
	m := s.As("GET", path+"?_size=4", nil).Status(200).JSON()
	if num(m["total"]) != 6 || m["offset"] != logIDs[3] || len(m["items"].([]any)) != 4 {
		t.Fatalf("first page: %s", js(m))
	}
	eq("_size=4&_offset="+logIDs[3], lines[4].msg, lines[5].msg)
	if m := s.As("GET", path+"?_size=4&_offset="+logIDs[3], nil).Status(200).JSON(); m["offset"] != nil || num(m["total"]) != 6 {
		t.Fatalf("last page: %s", js(m))
	}
	for _, bad := range []string{"period=3x", "period=h", "period=3h+3h", "period=tomorrow", "period=-3h", "period=+",
		"from=abc", "to=1.5", "level=DEBUG", "_size=0", "_size=1001", "_offset=zzz"} {
		s.As("GET", path+"?"+bad, nil).Error(400, "badRequest")
	}
	// the default size is 200
	more := make([]store.JobLog, 250)
	for i := range more {
		more[i] = store.JobLog{ID: record.NewID(), JobID: j.ID, Time: now.UnixMilli(), Level: "INFO", Message: "x"}
	}
	if err := s.Data.Store().AddJobLogs(context.Background(), more...); err != nil {
		t.Fatal(err)
	}
	if g := got(path, ""); len(g) != 200 {
		t.Fatalf("default page: %d lines", len(g))
	}
}
