package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// jobFlags make jobs slow enough to be caught in the middle, and their
// takeover quick.
var jobFlags = []string{"--job-batch", "100", "--job-pause", "20ms", "--job-heartbeat", "200ms", "--job-takeover", "2s"}

// rawCall sends a request and returns the status and the raw body; safe in
// goroutines (no testing.T).
func rawCall(method, url, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("token", token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// seed creates n skills of a category over HTTP, 16 at a time.
func seed(t *testing.T, s *server, tok, prefix, category string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				code, b, err := rawCall("POST", s.URL+"/data/skills", tok, map[string]any{"name": fmt.Sprintf("%s %05d", prefix, i), "category": category})
				if err == nil && code != http.StatusOK {
					err = fmt.Errorf("create skill: %d %s", code, b)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// skillsOf reads every skill of a category as raw JSON by id.
func skillsOf(t *testing.T, s *server, tok, category string) map[string]string {
	t.Helper()
	out := map[string]string{}
	offset := ""
	for {
		url := s.URL + "/data/skills?_size=1000&category=" + category
		if offset != "" {
			url += "&_offset=" + offset
		}
		code, b, err := rawCall("GET", url, tok, nil)
		if err != nil || code != http.StatusOK {
			t.Fatalf("list skills: %d %s %v", code, b, err)
		}
		var p struct {
			Offset *string           `json:"offset"`
			Items  []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			var r struct{ ID string }
			if err := json.Unmarshal(it, &r); err != nil {
				t.Fatal(err)
			}
			out[r.ID] = string(it)
		}
		if p.Offset == nil {
			return out
		}
		offset = *p.Offset
	}
}

// waitJob polls a job until ok holds.
func (s *server) waitJob(tok, id, what string, ok func(j map[string]any) bool) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, j := s.call("GET", "/status/jobs/"+id, tok, nil)
		if code != http.StatusOK {
			s.t.Fatalf("GET job: %d %v", code, j)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("job %s: no %s in time: %v\n%s", id, what, j, s.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func jobLog(t *testing.T, s *server, tok, id string) string {
	t.Helper()
	code, b, err := rawCall("GET", s.URL+"/status/jobs/"+id+"/logs?_size=1000", tok, nil)
	if err != nil || code != http.StatusOK {
		t.Fatalf("job log: %d %s %v", code, b, err)
	}
	return string(b)
}

// killMidJob waits until job id has processed at least atLeast records,
// kills the server (SIGKILL) before the job could finish (n records),
// starts a new one on the same flags and waits for the job to finish
// there. It returns the new server, a token on it and the finished job.
func killMidJob(t *testing.T, s *server, tok, id string, atLeast, n int, env []string, args ...string) (*server, string, map[string]any) {
	t.Helper()
	j := s.waitJob(tok, id, "progress", func(j map[string]any) bool { return count(j, "recordsProcessed") >= atLeast })
	s.kill()
	if done := count(j, "recordsProcessed"); done >= n {
		t.Fatalf("the job finished before the crash (%d)", done)
	}
	s = startServe(t, env, args...)
	tok = s.token("admin@localhost", "admin-password-1")
	return s, tok, s.waitJob(tok, id, "end", func(j map[string]any) bool { return j["status"] == "FINISHED" })
}

func count(j map[string]any, key string) int {
	f, _ := j[key].(float64)
	return int(f)
}

// deletionsOf reads the USER_RECORD_DELETED history entries of skills and
// counts them by record.
func deletionsOf(t *testing.T, s *server, tok string) map[string]int {
	t.Helper()
	out := map[string]int{}
	offset := ""
	for {
		url := s.URL + "/data/skills/auditLogs?eventTypes=USER_RECORD_DELETED&_size=1000"
		if offset != "" {
			url += "&_offset=" + offset
		}
		code, b, err := rawCall("GET", url, tok, nil)
		if err != nil || code != http.StatusOK {
			t.Fatalf("skills history: %d %s %v", code, b, err)
		}
		var p struct {
			Offset *string `json:"offset"`
			Items  []struct {
				RecordID string `json:"recordId"`
				User     string `json:"user"`
			} `json:"items"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			if it.User != "admin@localhost" {
				t.Fatalf("deletion by %q, want the job's user", it.User)
			}
			out[it.RecordID]++
		}
		if p.Offset == nil {
			return out
		}
		offset = *p.Offset
	}
}

// sameDeletions checks that the history has one deletion entry for each
// of the records, and none for others.
func sameDeletions(t *testing.T, got map[string]int, records map[string]string) {
	t.Helper()
	for id, n := range got {
		if n != 1 || records[id] == "" {
			t.Fatalf("record %s: %d deletion entries (one of the deleted: %v)", id, n, records[id] != "")
		}
	}
	if len(got) != len(records) {
		t.Fatalf("%d deletion entries for %d deleted records", len(got), len(records))
	}
}

// TestJobSurvivesCrash: the server is killed (SIGKILL) while an async
// delete of 10,000 records runs; started again on the same data dir, it
// takes the job over once its heartbeat is stale and continues from the
// checkpoint: the job ends FINISHED having deleted exactly the matched
// records, each once, with one history entry each (none missing, none
// doubled: the entries commit with the batch and its checkpoint), and no
// other record changed. Then a graceful shutdown (SIGTERM) in the middle
// of a job: the job continues at once on the next start.
func TestJobSurvivesCrash(t *testing.T) {
	t.Parallel()
	const n = 10000
	data := t.TempDir()
	env := []string{"RUNWAY_ADMIN_PASSWORD=admin-password-1"}
	args := append([]string{"--data", data, "--addr", "127.0.0.1:0"}, jobFlags...)
	s := startServe(t, env, args...)
	tok := s.token("admin@localhost", "admin-password-1")
	seed(t, s, tok, "tech", "technical", n)
	seed(t, s, tok, "soft", "soft", 500)
	before := skillsOf(t, s, tok, "soft")
	if len(before) != 500 {
		t.Fatalf("%d soft skills", len(before))
	}
	technical := skillsOf(t, s, tok, "technical")

	code, ref := s.call("DELETE", "/data/skills?category=technical&_async=true", tok, nil)
	id, _ := ref["jobId"].(string)
	if code != http.StatusOK || id == "" {
		t.Fatalf("async delete: %d %v", code, ref)
	}
	s, tok, j := killMidJob(t, s, tok, id, 3000, n, env, args...)
	if count(j, "recordsProcessed") != n || count(j, "recordsCount") != n || j["hasErrors"] != false || count(j, "progress") != 100 {
		t.Fatalf("job after the crash: %v", j)
	}
	if left := skillsOf(t, s, tok, "technical"); len(left) != 0 {
		t.Fatalf("%d matched records left", len(left))
	}
	sameDeletions(t, deletionsOf(t, s, tok), technical)
	after := skillsOf(t, s, tok, "soft")
	if len(after) != len(before) {
		t.Fatalf("%d other records, want %d", len(after), len(before))
	}
	for id, doc := range before {
		if after[id] != doc {
			t.Fatalf("record %s changed:\n%s\n%s", id, doc, after[id])
		}
	}
	if log := jobLog(t, s, tok, id); !strings.Contains(log, "Continuing from the checkpoint after") ||
		!strings.Contains(log, fmt.Sprintf("Finished: %d of %d records deleted, 0 errors", n, n)) {
		t.Fatalf("job log:\n%s", log)
	}
	s.stopOK()

	// Graceful: SIGTERM releases the job after its batch; the next start
	// continues it at once.
	slow := append([]string{"--data", data, "--addr", "127.0.0.1:0"}, "--job-batch", "10", "--job-pause", "50ms")
	s = startServe(t, env, slow...)
	tok = s.token("admin@localhost", "admin-password-1")
	code, ref = s.call("DELETE", "/data/skills?category=soft&_async=true", tok, nil)
	id, _ = ref["jobId"].(string)
	if code != http.StatusOK || id == "" {
		t.Fatalf("async delete: %d %v", code, ref)
	}
	s.waitJob(tok, id, "progress", func(j map[string]any) bool { return count(j, "recordsProcessed") >= 50 })
	s.stopOK()
	s = startServe(t, env, slow...)
	tok = s.token("admin@localhost", "admin-password-1")
	j = s.waitJob(tok, id, "end", func(j map[string]any) bool { return j["status"] == "FINISHED" })
	if count(j, "recordsProcessed") != 500 || j["hasErrors"] != false {
		t.Fatalf("job after a graceful restart: %v", j)
	}
	if left := skillsOf(t, s, tok, "soft"); len(left) != 0 {
		t.Fatalf("%d soft skills left", len(left))
	}
	for id, doc := range before {
		technical[id] = doc
	}
	sameDeletions(t, deletionsOf(t, s, tok), technical)
	if log := jobLog(t, s, tok, id); !strings.Contains(log, "Paused by a server shutdown after") {
		t.Fatalf("job log:\n%s", log)
	}
	s.stopOK()
}
