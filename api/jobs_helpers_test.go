package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"runway/api/apitest"
	"runway/data"
	"runway/jobs"
	"runway/record"
	"runway/runtime"
	"runway/store"
)

// jobKeys are the keys of a job (rest-api.md §9.1), always all present.
var jobKeys = []string{"id", "label", "type", "runBy", "parentJob", "rootJob", "createDate", "startDate", "endDate",
	"status", "hasErrors", "progress", "recordsCount", "recordsProcessed", "childrenJobsCount",
	"childrenJobsProcessed", "stoppable", "lowPriority", "data", "results"}

// jobOf reads a job, checking its shape.
func jobOf(t *testing.T, s *apitest.Server, id string) obj {
	t.Helper()
	j := s.As("GET", "/status/jobs/"+id, nil).Status(200).JSON()
	wantKeys(t, j, jobKeys...)
	return j
}

// num reads a JSON number as int64.
func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// waitJob polls a job until ok holds, failing after a while.
func waitJob(t *testing.T, s *apitest.Server, id string, what string, ok func(j obj) bool) obj {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		j := jobOf(t, s, id)
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: no %s in time: %s", id, what, js(j))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitStatus polls a job until it has that status.
func waitStatus(t *testing.T, s *apitest.Server, id, status string) obj {
	t.Helper()
	return waitJob(t, s, id, status, func(j obj) bool { return j["status"] == status })
}

// asyncRef checks a job reference (rest-api.md §4.3) and returns the job id.
func asyncRef(t *testing.T, r *apitest.Response) string {
	t.Helper()
	m := r.Status(200).JSON()
	wantKeys(t, m, "jobLink", "jobId")
	id, _ := m["jobId"].(string)
	if !isID(id) || m["jobLink"] != "/api/status/jobs/"+id {
		t.Fatalf("job reference %s", r.Body)
	}
	return id
}

// seedSkills creates n skills of a category through the data service (in
// parallel, as the system) and returns their ids.
func seedSkills(t *testing.T, s *apitest.Server, prefix, category string, n int) []string {
	t.Helper()
	e, err := s.Data.Entity("skills")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	const workers = 8
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				doc, err := s.Data.Create(context.Background(), data.SystemCaller, e,
					map[string]any{"name": fmt.Sprintf("%s %05d", prefix, i), "category": category})
				if err != nil {
					errs <- err
					return
				}
				id, _, _, _, err := record.Decode(doc)
				if err != nil {
					errs <- err
					return
				}
				ids[i] = id
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return ids
}

// countOf is the number of records of entity matching a query string.
func countOf(t *testing.T, s *apitest.Server, entity, query string) int64 {
	t.Helper()
	return list(t, s, entity, query+"&_size=1").Total
}

// putJob stores a job as it would be at some point of its life, for tests
// of the API over statuses and dates that are hard to reach by timing.
func putJob(t *testing.T, s *apitest.Server, j *store.Job) *store.Job {
	t.Helper()
	if j.ID == "" {
		j.ID = record.NewID()
	}
	if j.Type == "" {
		j.Type = store.JobDeleteRecords
	}
	if j.Label == "" {
		j.Label = "test job"
	}
	if j.Created == 0 {
		j.Created = time.Now().UnixMilli()
	}
	if j.Data == nil {
		j.Data = []byte(`{"entityName":"skills"}`)
	}
	if err := s.Data.Store().CreateJob(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	return j
}

// otherWorkers starts a second runtime on the test server's store, as
// another process would, and returns its job service: tests start a server
// with no workers, queue jobs, then let these run them.
func otherWorkers(t *testing.T, s *apitest.Server, cfg jobs.Config) *jobs.Service {
	t.Helper()
	rt, err := runtime.Open(context.Background(), runtime.Config{App: s.Data.App(), Store: s.Data.Store(), Jobs: cfg, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	rt.Start()
	t.Cleanup(func() { rt.Close() })
	return rt.Jobs
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
