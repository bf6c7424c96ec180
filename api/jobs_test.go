package api_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
	"runway/data"
	"runway/jobs"
)

// slowJobs makes jobs run in small batches with a pause, so a test can act
// while one runs.
var slowJobs = jobs.Config{BatchSize: 100, BatchPause: 20 * time.Millisecond, Heartbeat: 100 * time.Millisecond}

// jobLogText is a job's whole log as text, one line per entry.
func jobLogText(t *testing.T, s *apitest.Server, id string) string {
	t.Helper()
	var p struct {
		Items []obj `json:"items"`
	}
	s.As("GET", "/status/jobs/"+id+"/logs?_size=1000", nil).Status(200).Decode(&p)
	var b strings.Builder
	for _, it := range p.Items {
		fmt.Fprintf(&b, "%s %s\n", it["level"], it["message"])
	}
	return b.String()
}

// TestAsyncDeleteStopResumeCancel deletes 5,000 records over a query in a
// job, stops it in the middle, resumes it, stops it again and cancels it;
// a second job is stopped, resumed and runs to the end. After each step the
// counts are exact: every record the job reports is gone, no other is.
func TestAsyncDeleteStopResumeCancel(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, nil, apitest.Options{Jobs: slowJobs})
	const n = 5000
	seedSkills(t, s, "tech", "technical", n)
	soft := seedSkills(t, s, "soft", "soft", 300)
	softBefore := map[string]string{}
	for _, id := range soft {
		softBefore[id] = string(s.As("GET", "/data/skills/"+id, nil).Status(200).Body)
	}
	left := func() int64 { return countOf(t, s, "skills", "category=technical") }

	id := asyncRef(t, s.As("DELETE", "/data/skills?category=technical&_async=true", nil))
	j := jobOf(t, s, id)
	if j["type"] != "DELETE_RECORDS" || at(j, "data.entityName") != "skills" || j["lowPriority"] != false ||
		j["stoppable"] != true || at(j, "runBy.id") == nil || j["parentJob"] != nil || j["rootJob"] != nil {
		t.Fatalf("new job: %s", js(j))
	}

	// Stop in the middle: STOPPING at once, STOPPED after the batch.
	waitJob(t, s, id, "progress", func(j obj) bool { return num(j["recordsProcessed"]) >= 1000 })
	j = s.As("PUT", "/status/jobs/"+id+"/stop", nil).Status(200).JSON()
	wantKeys(t, j, jobKeys...)
	if j["status"] != "STOPPING" {
		t.Fatalf("after stop: %s", j["status"])
	}
	j = waitStatus(t, s, id, "STOPPED")
	p1 := num(j["recordsProcessed"])
	if num(j["recordsCount"]) != n || p1 < 1000 || p1 >= n {
		t.Fatalf("stopped job: count %v processed %v", j["recordsCount"], p1)
	}
	if got := left(); got != n-p1 {
		t.Fatalf("after stop: %d left, job processed %d of %d", got, p1, n)
	}
	if j["endDate"] != nil || j["startDate"] == nil || num(j["progress"]) != p1*100/n {
		t.Fatalf("stopped job dates/progress: %s", js(j))
	}
	time.Sleep(100 * time.Millisecond) // a stopped job does nothing more
	if got := left(); got != n-p1 || num(jobOf(t, s, id)["recordsProcessed"]) != p1 {
		t.Fatalf("a stopped job went on: %d left", got)
	}
	res, _ := j["results"].(map[string]any)
	if len(res) != 1000 {
		t.Fatalf("results have %d entries, want the first 1000", len(res))
	}
	for rid, v := range res {
		if at(v, "status") != "ok" || at(v, "response.id") != rid || at(v, "response.category") != "technical" {
			t.Fatalf("result %s: %s", rid, js(v))
		}
		s.As("GET", "/data/skills/"+rid, nil).Error(404, "notFound")
	}

	// Resume continues from the checkpoint; stop again, then cancel.
	j = s.As("PUT", "/status/jobs/"+id+"/resume", nil).Status(200).JSON()
	if j["status"] != "RUNNING" {
		t.Fatalf("after resume: %s", j["status"])
	}
	waitJob(t, s, id, "progress", func(j obj) bool { return num(j["recordsProcessed"]) >= p1+1000 })
	s.As("PUT", "/status/jobs/"+id+"/stop", nil).Status(200)
	j = waitStatus(t, s, id, "STOPPED")
	p2 := num(j["recordsProcessed"])
	if got := left(); got != n-p2 || p2 >= n {
		t.Fatalf("after the second stop: %d left, job processed %d", got, p2)
	}
	j = s.As("PUT", "/status/jobs/"+id+"/cancel", nil).Status(200).JSON()
	if j["status"] != "CANCELED" || j["endDate"] == nil || num(j["recordsProcessed"]) != p2 {
		t.Fatalf("after cancel: %s", js(j))
	}
	for _, cmd := range jobs.UserCommands {
		s.As("PUT", "/status/jobs/"+id+"/"+string(cmd), nil).Error(400, "badRequest")
	}
	time.Sleep(100 * time.Millisecond)
	if got := left(); got != n-p2 {
		t.Fatalf("a canceled job went on: %d left", got)
	}
	log := jobLogText(t, s, id)
	for _, want := range []string{"INFO Started: deleting 5000 records of entity skills", "INFO Stop requested by",
		"INFO Stopped after", "INFO Resumed by", "INFO Continuing from the checkpoint after", "INFO Canceled by"} {
		if !strings.Contains(log, want) {
			t.Errorf("job log has no %q:\n%s", want, log)
		}
	}

	// A second job takes what is left: stopped and resumed, it finishes.
	id2 := asyncRef(t, s.As("DELETE", "/data/skills?category=technical&_async=true&_lowPriority=true", nil))
	waitJob(t, s, id2, "progress", func(j obj) bool { return num(j["recordsProcessed"]) >= 500 })
	s.As("PUT", "/status/jobs/"+id2+"/stop", nil).Status(200)
	waitStatus(t, s, id2, "STOPPED")
	s.As("PUT", "/status/jobs/"+id2+"/resume", nil).Status(200)
	j = waitStatus(t, s, id2, "FINISHED")
	if num(j["recordsCount"]) != n-p2 || num(j["recordsProcessed"]) != n-p2 || num(j["progress"]) != 100 ||
		j["hasErrors"] != false || j["endDate"] == nil || j["lowPriority"] != true {
		t.Fatalf("finished job: %s", js(j))
	}
	if got := left(); got != 0 {
		t.Fatalf("%d technical skills left after the second job", got)
	}
	for id, before := range softBefore {
		if after := string(s.As("GET", "/data/skills/"+id, nil).Status(200).Body); after != before {
			t.Fatalf("a record outside the query changed:\n%s\n%s", before, after)
		}
	}
	if got := countOf(t, s, "skills", "category=soft"); got != int64(len(soft)) {
		t.Fatalf("%d soft skills, want %d", got, len(soft))
	}
	log = jobLogText(t, s, id2)
	if !strings.Contains(log, fmt.Sprintf("INFO Finished: %d of %d records deleted, 0 errors", n-p2, n-p2)) {
		t.Errorf("no end line with counts:\n%s", log)
	}
}

// TestAsyncDeleteOneAndMany: _async=true on delete one and delete many
// answers a job reference; the job's results follow §4.4 and its log D8.
func TestAsyncDeleteOneAndMany(t *testing.T) {
	t.Parallel()
	s := demo(t)
	a := create(t, s, "companies", obj{"name": "one"})
	id := asyncRef(t, s.As("DELETE", "/data/companies/"+a["id"].(string)+"?_async=true", nil))
	j := waitStatus(t, s, id, "FINISHED")
	if num(j["recordsCount"]) != 1 || num(j["recordsProcessed"]) != 1 || j["hasErrors"] != false {
		t.Fatalf("delete one job: %s", js(j))
	}
	if r := at(j, "results."+a["id"].(string)); at(r, "status") != "ok" || !jsonEq(at(r, "response"), a) {
		t.Fatalf("delete one result: %s, want the deleted record %s", js(r), js(a))
	}
	s.As("GET", "/data/companies/"+a["id"].(string), nil).Error(404, "notFound")
	// As without _async: an unknown record or entity is 404 at once.
	s.As("DELETE", "/data/companies/"+a["id"].(string)+"?_async=true", nil).Error(404, "notFound")
	s.As("DELETE", "/data/companies/nope?_async=true", nil).Error(404, "notFound")
	s.As("DELETE", "/data/nope/"+a["id"].(string)+"?_async=true", nil).Error(404, "notFound")
	s.As("DELETE", "/data/nope?_async=true", nil).Error(404, "notFound")

	// Many: unknown and malformed ids are error entries; the job has errors
	// and one ERROR line per failed record.
	b := create(t, s, "companies", obj{"name": "b"})["id"].(string)
	c := create(t, s, "companies", obj{"name": "c"})["id"].(string)
	unknown := "000000000000000000000000"
	id = asyncRef(t, s.As("DELETE", "/data/companies/"+b+","+unknown+",bad,"+c+","+b+"?_async=TRUE&_triggerEvents=false&_cascatdeOperations=false&_cascadeOperations=true", nil))
	j = waitStatus(t, s, id, "FINISHED")
	if num(j["recordsCount"]) != 4 || num(j["recordsProcessed"]) != 4 || j["hasErrors"] != true {
		t.Fatalf("delete many job: %s", js(j))
	}
	if !jsonEq(j["data"], obj{"entityName": "companies", "triggerEvents": false, "cascadeOperations": true}) {
		t.Fatalf("data %s", js(j["data"]))
	}
	res := j["results"].(map[string]any)
	if len(res) != 4 || at(res, b+".status") != "ok" || at(res, c+".status") != "ok" ||
		at(res, unknown+".status") != "error" || at(res, "bad.status") != "error" ||
		at(res, unknown+".errorMessage") == nil || at(res, b+".errorMessage") != nil {
		t.Fatalf("results %s", js(res))
	}
	if countOf(t, s, "companies", "") != 0 {
		t.Fatal("records left")
	}
	log := jobLogText(t, s, id)
	for _, want := range []string{"INFO Started: deleting 4 records of entity companies",
		"ERROR Record 000000000000000000000000: ", "ERROR Record bad: ", "INFO Finished: 2 of 4 records deleted, 2 errors"} {
		if !strings.Contains(log, want) {
			t.Errorf("job log has no %q:\n%s", want, log)
		}
	}
	// The flags are validated booleans (the correct spelling wins).
	for _, p := range []string{"_async=yes", "_async=true&_lowPriority=2", "_async=true&_triggerEvents=no",
		"_async=true&_cascadeOperations=x", "_async=true&_cascatdeOperations=1"} {
		s.As("DELETE", "/data/companies/"+b+","+c+"?"+p, nil).Error(400, "badRequest")
		s.As("DELETE", "/data/companies?"+p, nil).Error(400, "badRequest")
	}
	for _, p := range []string{"nope=1", "numberOfEmployees=abc", "_query=and(", "_size=0", "_sortType=up", "_offset=zz"} {
		s.As("DELETE", "/data/companies?_async=true&"+p, nil).Error(400, "badRequest")
	}
	if p := s.As("GET", "/status/jobs", nil).Status(200).JSON(); num(p["total"]) != 2 {
		t.Fatalf("refused calls created jobs: %s", js(p))
	}
	id = asyncRef(t, s.As("DELETE", "/data/companies/"+b+","+c+"?_async=true&_cascadeOperations=false&_cascatdeOperations=true", nil))
	if j := waitStatus(t, s, id, "FINISHED"); !jsonEq(j["data"], obj{"entityName": "companies", "triggerEvents": true, "cascadeOperations": false}) {
		t.Fatalf("defaults and precedence of the flags: %s", js(j["data"]))
	}
}

// TestAsyncDeleteOverThousand: synchronous deletes over 1,000 records are
// refused (asking for _async); with _async they run as one job.
func TestAsyncDeleteOverThousand(t *testing.T) {
	t.Parallel()
	s := demo(t)
	ids := seedSkills(t, s, "x", "technical", data.MaxSyncRecords+1)
	m := s.As("DELETE", "/data/skills/"+strings.Join(ids, ","), nil).Error(400, "badRequest")
	if !strings.Contains(m["message"].(string), "_async") {
		t.Fatalf("message %q", m["message"])
	}
	s.As("DELETE", "/data/skills?category=technical", nil).Error(400, "badRequest")
	id := asyncRef(t, s.As("DELETE", "/data/skills/"+strings.Join(ids, ",")+"?_async=true", nil))
	j := waitStatus(t, s, id, "FINISHED")
	if n := num(j["recordsProcessed"]); n != int64(len(ids)) || len(j["results"].(map[string]any)) != jobs.MaxResults {
		t.Fatalf("job processed %d, %d results", n, len(j["results"].(map[string]any)))
	}
	if countOf(t, s, "skills", "") != 0 {
		t.Fatal("records left")
	}
}

// TestAsyncDeleteQueryFixedSet: the set of an async delete over a query is
// fixed when the job is created: records created later are kept.
func TestAsyncDeleteQueryFixedSet(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, nil, apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1}})
	old := seedSkills(t, s, "old", "technical", 30)
	all := asyncRef(t, s.As("DELETE", "/data/skills?category=technical&_async=true", nil))
	none := asyncRef(t, s.As("DELETE", "/data/skills?name=nobody&_async=true", nil))
	if j := jobOf(t, s, all); j["status"] != "PENDING" || j["startDate"] != nil || num(j["progress"]) != 0 {
		t.Fatalf("with no workers the job waits: %s", js(j))
	}
	later := seedSkills(t, s, "later", "technical", 20)

	otherWorkers(t, s, jobs.Config{BatchSize: 7})
	j := waitStatus(t, s, all, "FINISHED")
	if num(j["recordsCount"]) != int64(len(old)) || num(j["recordsProcessed"]) != int64(len(old)) {
		t.Fatalf("job over the old records: %s", js(j))
	}
	res := j["results"].(map[string]any)
	for _, id := range old {
		if at(res, id+".status") != "ok" {
			t.Fatalf("old record %s: %s", id, js(res[id]))
		}
	}
	for _, id := range later {
		get(t, s, "skills", id)
	}
	j = waitStatus(t, s, none, "FINISHED")
	if num(j["recordsCount"]) != 0 || num(j["progress"]) != 100 || len(j["results"].(map[string]any)) != 0 {
		t.Fatalf("job over nothing: %s", js(j))
	}
}

// TestAsyncDeleteQueryPages checks which records the capped forms select,
// one job at a time.
func TestAsyncDeleteQueryPages(t *testing.T) {
	t.Parallel()
	s := demo(t)
	ids := seedSkills(t, s, "p", "technical", 12) // names p 00000 … p 00011
	byID := append([]string(nil), ids...)
	sortIDs(byID)
	run := func(query string) []string {
		t.Helper()
		id := asyncRef(t, s.As("DELETE", "/data/skills?"+query+"&_async=true", nil))
		j := waitStatus(t, s, id, "FINISHED")
		var out []string
		for k := range j["results"].(map[string]any) {
			out = append(out, k)
		}
		return out
	}
	if got := run("_size=2"); !sameSet(got, byID[10:]) { // newest two
		t.Fatalf("_size=2 deleted %v, want %v", got, byID[10:])
	}
	if got := run(q("_sortType", "asc", "_size", "2", "_offset", byID[0])); !sameSet(got, byID[1:3]) {
		t.Fatalf("asc after the first deleted %v, want %v", got, byID[1:3])
	}
	// by name ascending: the first remaining name (names follow the index
	// in ids, the ids themselves do not)
	gone := map[string]bool{byID[1]: true, byID[2]: true, byID[10]: true, byID[11]: true}
	first := ""
	for _, id := range ids {
		if !gone[id] {
			first = id
			break
		}
	}
	got := run(q("_sortField", "name", "_sortType", "asc", "_size", "1"))
	if len(got) != 1 || got[0] != first {
		t.Fatalf("first by name: %v, want %s", got, first)
	}
	if p := list(t, s, "skills", "_size=100"); p.Total != 7 {
		t.Fatalf("%d left, want 7", p.Total)
	}
}

// TestAsyncDeleteNearest: with near and _size the job deletes the nearest
// records, whatever their ids.
func TestAsyncDeleteNearest(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	var far, near []string
	for _, lat := range []float64{3, 1, 4, 2} { // created out of distance order
		id := thing(t, s, obj{"geoPoint": obj{"latitude": lat / 1000, "longitude": 0}})["id"].(string)
		if lat <= 2 {
			near = append(near, id)
		} else {
			far = append(far, id)
		}
	}
	id := asyncRef(t, s.As("DELETE", "/data/things?"+q("geoPoint", "near(0,0)", "_size", "2")+"&_async=true", nil))
	j := waitStatus(t, s, id, "FINISHED")
	var got []string
	for k := range j["results"].(map[string]any) {
		got = append(got, k)
	}
	if !sameSet(got, near) {
		t.Fatalf("deleted %v, want the nearest %v", got, near)
	}
	for _, id := range far {
		get(t, s, "things", id)
	}
}

func sortIDs(ids []string) {
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && ids[j] < ids[j-1]; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
}

// TestAsyncDeletePermissions: a job runs as the user who started it, with
// that user's record permissions; users see and command only their own
// jobs, developers all of them.
func TestAsyncDeletePermissions(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, os.DirFS("../app/testdata/perms"), apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1}})
	ann := member(s, "ann@example.org", "ann-password-1", "owners")
	bob := member(s, "bob@example.org", "bob-password-1", "owners")
	member(s, "fay@example.org", "fay-password-1", "forbid")
	annTok := s.Login("ann@example.org", "ann-password-1")
	bobTok := s.Login("bob@example.org", "bob-password-1")
	fayTok := s.Login("fay@example.org", "fay-password-1")
	project := func(name string, owner obj) string {
		return create(t, s, "projects", obj{"name": name, "status": "open", "owner": obj{"id": owner["id"]}})["id"].(string)
	}
	annP := []string{project("a1", ann), project("a2", ann), project("a3", ann)}
	bobP := []string{project("b1", bob), project("b2", bob)}

	// No delete permission at all: 403 at once, no job.
	s.Do("DELETE", "/data/projects?_async=true", fayTok, nil).Error(403, "forbidden")
	s.Do("DELETE", "/data/projects/"+annP[0]+"?_async=true", fayTok, nil).Error(403, "forbidden")
	s.Do("DELETE", "/data/sys.users?_async=true", annTok, nil).Error(403, "forbidden")
	// Delete one of a record ann may not read: 404 at once, as without _async.
	s.Do("DELETE", "/data/projects/"+bobP[0]+"?_async=true", annTok, nil).Error(404, "notFound")

	all := asyncRef(t, s.Do("DELETE", "/data/projects?_async=true", annTok, nil))
	many := asyncRef(t, s.Do("DELETE", "/data/projects/"+annP[0]+","+bobP[1]+"?_async=true", annTok, nil))
	j := s.Do("GET", "/status/jobs/"+all, annTok, nil).Status(200).JSON()
	if !jsonEq(j["runBy"], obj{"id": ann["id"], "fullName": "Test User"}) {
		t.Fatalf("runBy %s", js(j["runBy"]))
	}
	// Bob does not see ann's jobs, nor their logs, and may not command them.
	s.Do("GET", "/status/jobs/"+all, bobTok, nil).Error(404, "notFound")
	s.Do("GET", "/status/jobs/"+all+"/logs", bobTok, nil).Error(404, "notFound")
	s.Do("GET", "/status/job/"+all+"/logs", bobTok, nil).Error(404, "notFound")
	if p := s.Do("GET", "/status/jobs", bobTok, nil).Status(200).JSON(); num(p["total"]) != 0 || len(p["items"].([]any)) != 0 {
		t.Fatalf("bob lists %s", js(p))
	}
	for _, cmd := range jobs.UserCommands {
		s.Do("PUT", "/status/jobs/"+all+"/"+string(cmd), bobTok, nil).Error(403, "forbidden")
	}
	s.Do("PUT", "/status/jobs/000000000000000000000000/stop", bobTok, nil).Error(404, "notFound")
	// Ann sees hers, the developer sees all.
	if p := s.Do("GET", "/status/jobs", annTok, nil).Status(200).JSON(); num(p["total"]) != 2 {
		t.Fatalf("ann lists %s", js(p))
	}
	bobJob := asyncRef(t, s.Do("DELETE", "/data/projects?name=nobody&_async=true", bobTok, nil))
	if p := s.As("GET", "/status/jobs", nil).Status(200).JSON(); num(p["total"]) != 3 {
		t.Fatalf("the developer lists %s", js(p))
	}
	// Ann stops and resumes her own job (still PENDING: no workers); the
	// developer may command anyone's.
	if j := s.Do("PUT", "/status/jobs/"+many+"/stop", annTok, nil).Status(200).JSON(); j["status"] != "STOPPED" {
		t.Fatalf("stop of a pending job: %s", j["status"])
	}
	if j := s.Do("PUT", "/status/jobs/"+many+"/resume", annTok, nil).Status(200).JSON(); j["status"] != "PENDING" {
		t.Fatalf("resume of a job that never ran: %s", j["status"])
	}
	s.As("PUT", "/status/jobs/"+bobJob+"/stop", nil).Status(200)

	otherWorkers(t, s, jobs.Config{Workers: 1}) // one worker: the jobs run in order
	j = waitStatus(t, s, all, "FINISHED")
	if num(j["recordsCount"]) != 3 || num(j["recordsProcessed"]) != 3 || j["hasErrors"] != false {
		t.Fatalf("ann's delete of all she may see: %s", js(j))
	}
	j = waitStatus(t, s, many, "FINISHED")
	if at(j, "results."+bobP[1]+".status") != "error" || !strings.Contains(at(j, "results."+bobP[1]+".errorMessage").(string), "does not exist") ||
		j["hasErrors"] != true {
		t.Fatalf("ann's delete of bob's project: %s", js(j))
	}
	for _, id := range annP {
		s.As("GET", "/data/projects/"+id, nil).Error(404, "notFound")
	}
	for _, id := range bobP {
		get(t, s, "projects", id)
	}

	// A user deactivated before the job runs: it fails, deleting nothing.
	id := asyncRef(t, s.Do("DELETE", "/data/projects?_async=true", bobTok, nil))
	s.As("PUT", "/status/jobs/"+id+"/stop", nil).Status(200) // keep it until bob is inactive
	s.As("PUT", "/data/sys.users/"+bob["id"].(string)+"/deactivate", nil).Status(200)
	s.As("PUT", "/status/jobs/"+id+"/resume", nil).Status(200)
	j = waitStatus(t, s, id, "FINISHED")
	if j["hasErrors"] != true || num(j["recordsProcessed"]) != 0 {
		t.Fatalf("job of an inactive user: %s", js(j))
	}
	for _, id := range bobP {
		get(t, s, "projects", id)
	}
	if log := jobLogText(t, s, id); !strings.Contains(log, "ERROR Job failed: The user who started the job (Test User) is not active") {
		t.Fatalf("log:\n%s", log)
	}
}

// TestJobsRestAPIPermission: /status/jobs/** is the jobs REST API of the
// groups' restApiPermissions (allowJobsApi).
func TestJobsRestAPIPermission(t *testing.T) {
	t.Parallel()
	s := secureApp(t)
	member(s, "nojobs@example.org", strongPassword, "noData")
	member(s, "staff@example.org", strongPassword, "staff")
	no := s.Login("nojobs@example.org", strongPassword)
	yes := s.Login("staff@example.org", strongPassword)
	for _, p := range []string{"/status/jobs", "/status/jobs/000000000000000000000000", "/status/jobs/000000000000000000000000/logs", "/status/job/000000000000000000000000/logs"} {
		s.Do("GET", p, no, nil).Error(403, "forbidden")
	}
	s.Do("PUT", "/status/jobs/000000000000000000000000/stop", no, nil).Error(403, "forbidden")
	s.Do("GET", "/status/jobs", yes, nil).Status(200)
	s.Do("GET", "/status/jobs/000000000000000000000000", yes, nil).Error(404, "notFound")
}

// TestJobsAPIRoutes: unknown jobs, commands and methods answer JSON 404s;
// a job always has data and results.
func TestJobsAPIRoutes(t *testing.T) {
	t.Parallel()
	s := demo(t)
	j := putJob(t, s, storeJob("STOPPED", 1))
	s.As("PUT", "/status/jobs/"+j.ID+"/explode", nil).Error(404, "notFound")
	s.As("POST", "/status/jobs/"+j.ID+"/stop", nil).Error(404, "notFound")
	s.As("GET", "/status/jobs/nope", nil).Error(404, "notFound")
	s.As("GET", "/status/jobs/000000000000000000000000", nil).Error(404, "notFound")
	s.As("GET", "/status/jobs/000000000000000000000000/logs", nil).Error(404, "notFound")
	s.As("PUT", "/status/jobs/000000000000000000000000/resume", nil).Error(404, "notFound")
	s.As("PUT", "/status/jobs/nope/resume", nil).Error(404, "notFound")
	s.Do("GET", "/status/jobs", "", nil).Error(401, "unauthorized")
	s.Do("PUT", "/status/jobs/"+j.ID+"/resume", "", nil).Error(401, "unauthorized")
	var got map[string]json.RawMessage
	s.As("GET", "/status/jobs/"+j.ID, nil).Status(200).Decode(&got)
	if string(got["results"]) != "{}" || string(got["data"]) != `{"entityName":"skills"}` || string(got["parentJob"]) != "null" {
		t.Fatalf("job %v", got)
	}
}
