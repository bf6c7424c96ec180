package jobs_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"runway/app"
	"runway/data"
	"runway/jobs"
	"runway/runtime"
	"runway/store"
)

// newTestService is the job service of a runtime of the demo app in a
// fresh store, its workers not started.
func newTestService(t testing.TB, cfg jobs.Config) (*jobs.Service, *data.Service) {
	t.Helper()
	a, _, err := app.Load(app.Demo())
	if err != nil {
		t.Fatal(err)
	}
	rt, err := runtime.Open(context.Background(), runtime.Config{App: a,
		DB: runtime.DB{URL: "sqlite://" + filepath.Join(t.TempDir(), "runway.db")}, Jobs: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt.Jobs, rt.Data
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s in time", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestChildJobs: a job created while another runs is its child; the root
// is the top of the tree; the parent counts its children and the finished
// ones.
func TestChildJobs(t *testing.T) {
	ctx := context.Background()
	s, d := newTestService(t, jobs.Config{})
	e, _ := d.Entity("companies")
	root := &store.Job{ID: "aaaaaaaaaaaaaaaaaaaaaaaa", Label: "root", Type: "EXECUTE_ACTION", Created: 1, Status: store.JobRunning, Stoppable: true}
	if err := d.Store().CreateJob(ctx, root); err != nil {
		t.Fatal(err)
	}
	ref, err := s.Delete(jobs.WithJob(ctx, root), data.SystemCaller, &jobs.DeleteRequest{Entity: e, IDs: []string{"000000000000000000000001"}})
	if err != nil {
		t.Fatal(err)
	}
	child, err := s.Get(ctx, data.SystemCaller, ref.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if child.ParentJob == nil || *child.ParentJob != (jobs.Ref{ID: root.ID, Label: "root"}) || child.RootJob == nil || *child.RootJob != *child.ParentJob {
		t.Fatalf("child: parent %+v root %+v", child.ParentJob, child.RootJob)
	}
	childRow, _ := d.Store().Job(ctx, child.ID)
	ref2, err := s.Delete(jobs.WithJob(ctx, childRow), data.SystemCaller, &jobs.DeleteRequest{Entity: e, IDs: []string{"000000000000000000000002"}})
	if err != nil {
		t.Fatal(err)
	}
	grand, _ := s.Get(ctx, data.SystemCaller, ref2.JobID)
	if *grand.ParentJob != (jobs.Ref{ID: child.ID, Label: child.Label}) || *grand.RootJob != (jobs.Ref{ID: root.ID, Label: "root"}) {
		t.Fatalf("grandchild: parent %+v root %+v", grand.ParentJob, grand.RootJob)
	}
	if r, _ := s.Get(ctx, data.SystemCaller, root.ID); r.ChildrenJobsCount != 1 || r.ChildrenJobsProcessed != 0 {
		t.Fatalf("root before: %+v", r)
	}
	// Child jobs take no commands (only root jobs do).
	if _, err := s.Command(ctx, data.SystemCaller, child.ID, jobs.Stop); err == nil {
		t.Fatal("stop of a child job accepted")
	}
	s.Start()
	waitFor(t, "finished children", func() bool {
		r, _ := s.Get(ctx, data.SystemCaller, root.ID)
		c, _ := s.Get(ctx, data.SystemCaller, child.ID)
		return r.ChildrenJobsProcessed == 1 && c.ChildrenJobsProcessed == 1
	})
	c, _ := s.Get(ctx, data.SystemCaller, child.ID)
	if c.Status != store.JobFinished || !c.HasErrors || c.ChildrenJobsCount != 1 {
		t.Fatalf("child after: %+v", c)
	}
}

// TestUnknownJobType: a job of a type this version cannot run ends
// FINISHED with errors, and says why in its log.
func TestUnknownJobType(t *testing.T) {
	ctx := context.Background()
	s, d := newTestService(t, jobs.Config{})
	j := &store.Job{ID: "bbbbbbbbbbbbbbbbbbbbbbbb", Label: "x", Type: "DEPLOY_ENDPOINT", Created: 1, Status: store.JobPending, Stoppable: true}
	if err := d.Store().CreateJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	s.Start()
	waitFor(t, "the end", func() bool { g, _ := s.Get(ctx, data.SystemCaller, j.ID); return g.Status == store.JobFinished })
	g, _ := s.Get(ctx, data.SystemCaller, j.ID)
	logs, _ := s.Logs(ctx, data.SystemCaller, j.ID, store.JobLogFilter{Limit: 10})
	if !g.HasErrors || g.EndDate == nil || len(logs.Items) != 2 || logs.Items[0].Level != store.LogError {
		t.Fatalf("job %+v logs %+v", g, logs.Items)
	}
}

// A log line is written on every store (issue 10 item 4): PostgreSQL text
// holds neither a NUL nor invalid UTF-8.
func TestLogLineIsStorableText(t *testing.T) {
	l := jobs.NewLog("j", store.LogInfo, "Action failed: %s", "a\x00b\xffc")
	if l.Message != "Action failed: a\uFFFDb\uFFFDc" {
		t.Errorf("message %q", l.Message)
	}
}
