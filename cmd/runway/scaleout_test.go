package main

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"runway/store/postgres"
)

// TestTwoProcesses: two "runway serve" processes on one PostgreSQL
// database. A token issued by one works on the other (and a logout on one
// holds on the other at once); a record created on one reads byte for byte
// the same on the other; a long async delete run by one is taken over by
// the other when the first is SIGKILLed, and ends FINISHED with exactly the
// matched records deleted; a job started on one is stopped through the
// other.
func TestTwoProcesses(t *testing.T) {
	dbURL := sharedDatabase(t)
	env := []string{"RUNWAY_ADMIN_PASSWORD=admin-password-1"}
	args := []string{"--db", dbURL, "--db-pool", "4", "--addr", "127.0.0.1:0",
		"--job-batch", "50", "--job-pause", "40ms", "--job-heartbeat", "200ms", "--job-takeover", "2s"}
	serveOn := func() *server { return startServe(t, env, append([]string{"--data", t.TempDir()}, args...)...) }

	// A alone starts a long job, so A runs it.
	a := serveOn()
	tokA := a.token("admin@localhost", "admin-password-1")
	const n = 3000
	seed(t, a, tokA, "tech", "technical", n)
	seed(t, a, tokA, "soft", "soft", 100)
	before := skillsOf(t, a, tokA, "soft")
	code, ref := a.call("DELETE", "/data/skills?category=technical&_async=true", tokA, nil)
	jobID, _ := ref["jobId"].(string)
	if code != http.StatusOK || jobID == "" {
		t.Fatalf("async delete: %d %v", code, ref)
	}
	a.waitJob(tokA, jobID, "start", func(j map[string]any) bool { return j["status"] == "RUNNING" })

	b := serveOn()
	// A's token works on B.
	if code, body := b.call("GET", "/data/skills?_size=1", tokA, nil); code != http.StatusOK {
		t.Fatalf("A's token on B: %d %v", code, body)
	}
	// A record created on A reads the same on B.
	code, rec := a.call("POST", "/data/skills", tokA, map[string]any{"name": "Rust", "category": "soft"})
	recID, _ := rec["id"].(string)
	if code != http.StatusOK || recID == "" {
		t.Fatalf("create on A: %d %v", code, rec)
	}
	ca, onA, errA := rawCall("GET", a.URL+"/data/skills/"+recID, tokA, nil)
	cb, onB, errB := rawCall("GET", b.URL+"/data/skills/"+recID, tokA, nil)
	if errA != nil || errB != nil || ca != 200 || cb != 200 || string(onA) != string(onB) {
		t.Fatalf("record on A %d %s %v, on B %d %s %v", ca, onA, errA, cb, onB, errB)
	}
	// A logout on B holds on A once B's notification arrives (decisions.md:
	// milliseconds, 2 s at worst when A's listener is not proven alive).
	tokB := b.token("admin@localhost", "admin-password-1")
	if code, _ := a.call("GET", "/data/skills?_size=1", tokB, nil); code != http.StatusOK {
		t.Fatalf("B's token on A: %d", code)
	}
	if code, body := b.call("POST", "/auth/logout", tokB, nil); code != http.StatusOK {
		t.Fatalf("logout on B: %d %v", code, body)
	}
	revoked := time.Now().Add(3 * time.Second)
	for {
		code, _ := a.call("GET", "/data/skills?_size=1", tokB, nil)
		if code == http.StatusUnauthorized {
			break
		}
		if time.Now().After(revoked) {
			t.Fatalf("a token logged out on B still works on A after 3 s: %d", code)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// History and the app log are one for both processes: the record's
	// history reads on B, a log written through A reads on B, and B's
	// login (an APP/LOGIN entry its log writer commits within
	// milliseconds) reads on A.
	if code, h := b.call("GET", "/data/skills/"+recID+"/auditLogs", tokA, nil); code != http.StatusOK || h["total"] != 1.0 {
		t.Fatalf("history of A's record on B: %d %v", code, h)
	}
	if code, body := a.call("POST", "/status/logs", tokA, map[string]any{"message": "written on A"}); code != http.StatusOK {
		t.Fatalf("log on A: %d %v", code, body)
	}
	if code, logs := b.call("GET", "/status/logs?message=written+on+A", tokA, nil); code != http.StatusOK || logs["total"] != 1.0 {
		t.Fatalf("A's log on B: %d %v", code, logs)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		code, logs := a.call("GET", "/status/logs?userEmail=admin%40localhost&level=INFO&message=logged+in", tokA, nil)
		if code == http.StatusOK && logs["total"] == 2.0 { // A's login and B's
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B's login on A: %d %v", code, logs)
		}
	}

	// SIGKILL A in the middle of its job: B takes it over and finishes it.
	j := b.waitJob(tokA, jobID, "progress", func(j map[string]any) bool { return count(j, "recordsProcessed") >= 500 })
	a.kill()
	if count(j, "recordsProcessed") >= n {
		t.Fatalf("the job finished before the crash: %v", j)
	}
	j = b.waitJob(tokA, jobID, "end", func(j map[string]any) bool { return j["status"] == "FINISHED" })
	if count(j, "recordsProcessed") != n || count(j, "recordsCount") != n || j["hasErrors"] != false {
		t.Fatalf("job after the crash: %v", j)
	}
	if left := skillsOf(t, b, tokA, "technical"); len(left) != 0 {
		t.Fatalf("%d matched records left", len(left))
	}
	after := skillsOf(t, b, tokA, "soft")
	if len(after) != len(before)+1 {
		t.Fatalf("%d other records, want %d", len(after), len(before)+1)
	}
	for id, doc := range before {
		if after[id] != doc {
			t.Fatalf("record %s changed:\n%s\n%s", id, doc, after[id])
		}
	}

	// A job started on one process is stopped through the other.
	a = serveOn()
	seed(t, a, tokA, "more", "technical", 2000)
	code, ref = a.call("DELETE", "/data/skills?category=technical&_async=true", tokA, nil)
	jobID, _ = ref["jobId"].(string)
	if code != http.StatusOK || jobID == "" {
		t.Fatalf("async delete: %d %v", code, ref)
	}
	a.waitJob(tokA, jobID, "progress", func(j map[string]any) bool { return count(j, "recordsProcessed") >= 100 })
	if code, body := b.call("PUT", "/status/jobs/"+jobID+"/stop", tokA, nil); code != http.StatusOK {
		t.Fatalf("stop through B: %d %v", code, body)
	}
	j = a.waitJob(tokA, jobID, "stop", func(j map[string]any) bool { return j["status"] == "STOPPED" })
	if done := count(j, "recordsProcessed"); done >= 2000 {
		t.Fatalf("stopped only after the end: %v", j)
	}
	left := len(skillsOf(t, a, tokA, "technical"))
	if left != 2000-count(j, "recordsProcessed") {
		t.Fatalf("%d records left, job processed %d", left, count(j, "recordsProcessed"))
	}
	a.stopOK()
	b.stopOK()
}

// sharedDatabase is a fresh PostgreSQL database for processes to share,
// dropped when the test ends; without RUNWAY_TEST_POSTGRES the test is
// skipped. The test runs in parallel with others.
func sharedDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("RUNWAY_TEST_POSTGRES")
	if base == "" {
		t.Skip("two-process test skipped: set RUNWAY_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run it")
	}
	t.Parallel()
	dbURL, drop, err := postgres.CreateTestDatabase(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return dbURL
}
