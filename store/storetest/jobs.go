package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"runway/store"
)

// Job is job i, a DELETE_RECORDS job of companies.
func Job(i int, status store.JobStatus, low bool) *store.Job {
	return &store.Job{ID: ID(i), Label: fmt.Sprintf("job %d", i), Type: store.JobDeleteRecords, Created: int64(1000 + i),
		Status: status, Stoppable: true, LowPriority: low, Data: []byte(`{"entityName":"companies"}`)}
}

// CreateJobs stores jobs.
func CreateJobs(t testing.TB, s store.Store, jobs ...*store.Job) {
	t.Helper()
	for _, j := range jobs {
		if err := s.CreateJob(context.Background(), j); err != nil {
			t.Fatal(err)
		}
	}
}

// ClaimJob: one statement takes the oldest job of a lane; jobs whose
// worker is gone come first; concurrent claims never share a job.
func ClaimJob(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := Open(t, open)
	orphan := Job(9, store.JobRunning, false)
	orphan.Owner, orphan.Heartbeat, orphan.Started = "dead", 10, 5
	alive := Job(8, store.JobRunning, false)
	alive.Owner, alive.Heartbeat, alive.Started = "alive", 1000, 5
	CreateJobs(t, s, Job(1, store.JobPending, false), Job(2, store.JobPending, true), Job(3, store.JobStopped, false),
		Job(4, store.JobPending, false), orphan, alive)

	claim := func(owner string, low bool) *store.Job {
		t.Helper()
		j, err := s.ClaimJob(ctx, &store.JobClaim{Owner: owner, LowPriority: low, Now: 500, StaleBefore: 100})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	if j := claim("w1", false); j == nil || j.ID != orphan.ID || j.Owner != "w1" || j.Heartbeat != 500 || j.Started != 5 {
		t.Fatalf("first claim: %+v, want the orphan", j)
	}
	if j := claim("w1", false); j == nil || j.ID != ID(1) || j.Status != store.JobRunning || j.Started != 500 {
		t.Fatalf("second claim: %+v, want job 1", j)
	}
	if j := claim("w2", false); j == nil || j.ID != ID(4) {
		t.Fatalf("third claim: %+v, want job 4", j)
	}
	if j := claim("w2", false); j != nil {
		t.Fatalf("nothing left in the lane, got %+v", j)
	}
	if j := claim("w3", true); j == nil || j.ID != ID(2) {
		t.Fatalf("low lane: %+v", j)
	}

	// Many workers, many jobs: each job is claimed exactly once.
	s2, _ := Open(t, open)
	const n = 60
	for i := 0; i < n; i++ {
		CreateJobs(t, s2, Job(100+i, store.JobPending, false))
	}
	var mu sync.Mutex
	got := map[string]string{}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			owner := fmt.Sprint("w", w)
			for {
				j, err := s2.ClaimJob(ctx, &store.JobClaim{Owner: owner, Now: 500, StaleBefore: 100})
				if err != nil {
					t.Error(err)
					return
				}
				if j == nil {
					return
				}
				mu.Lock()
				if prev, dup := got[j.ID]; dup {
					t.Errorf("job %s claimed by %s and %s", j.ID, prev, owner)
				}
				got[j.ID] = owner
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	if len(got) != n {
		t.Fatalf("%d jobs claimed, want %d", len(got), n)
	}
}

// CheckpointFencing: a batch and its checkpoint commit together; when
// the worker no longer owns the job (forced stop, takeover) the checkpoint
// fails and the batch's deletes roll back with it.
func CheckpointFencing(t *testing.T, open Opener) {
	ctx := context.Background()
	s, a := Open(t, open)
	e := a.Entity("companies")
	Insert(t, s, e, Row(1, nil), Row(2, nil))
	j := Job(1, store.JobRunning, false)
	j.Owner = "me"
	CreateJobs(t, s, j)

	batch := func(owner string, rec int) error {
		return s.Write(ctx, func(tx store.Tx) error {
			if err := tx.Delete(ctx, e, ID(rec)); err != nil {
				return err
			}
			_, err := tx.CheckpointJob(ctx, j.ID, owner, &store.JobProgress{RecordsCount: 2, RecordsProcessed: 1,
				Checkpoint: []byte(`{"cursor":"x"}`), Results: []byte(`{"a":1}`), Now: 77,
				Logs: []store.JobLog{{ID: ID(50 + rec), JobID: j.ID, Time: 77, Level: store.LogError, Message: "m"}}})
			return err
		})
	}
	if err := batch("someone-else", 1); !errors.Is(err, store.ErrJobLost) {
		t.Fatalf("checkpoint of another owner: %v", err)
	}
	if _, err := s.Get(ctx, e, ID(1)); err != nil {
		t.Fatalf("the delete of a lost batch was not undone: %v", err)
	}
	if err := batch("me", 1); err != nil {
		t.Fatal(err)
	}
	got, err := s.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.RecordsProcessed != 1 || got.RecordsCount != 2 || string(got.Checkpoint) != `{"cursor":"x"}` ||
		string(got.Results) != `{"a":1}` || got.Heartbeat != 77 {
		t.Fatalf("after checkpoint: %+v", got)
	}
	// Forced stop: STOPPED and released; the worker's next batch is lost.
	if _, err := s.TransitionJob(ctx, j.ID, &store.JobChange{From: []store.JobStatus{store.JobRunning}, To: store.JobStopped, Release: true}); err != nil {
		t.Fatal(err)
	}
	if err := batch("me", 2); !errors.Is(err, store.ErrJobLost) {
		t.Fatalf("checkpoint of a stopped job: %v", err)
	}
	if _, err := s.Get(ctx, e, ID(2)); err != nil {
		t.Fatalf("the delete of a lost batch was not undone: %v", err)
	}
	if _, err := s.HeartbeatJob(ctx, j.ID, "me", 80); !errors.Is(err, store.ErrJobLost) {
		t.Fatalf("heartbeat of a stopped job: %v", err)
	}
	logs, total, err := s.JobLogs(ctx, j.ID, &store.JobLogFilter{})
	if err != nil || total != 1 || len(logs) != 1 {
		t.Fatalf("logs %v %d %v: only the committed batch's line", logs, total, err)
	}
}

// TransitionJob: the guard, the end date, release, the parent's counts.
func TransitionJob(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := Open(t, open)
	parent := Job(1, store.JobRunning, false)
	child := Job(2, store.JobRunning, false)
	child.ParentID, child.RootID, child.Owner, child.Started = parent.ID, parent.ID, "w", 3
	CreateJobs(t, s, parent, child)
	if p, _ := s.Job(ctx, parent.ID); p.ChildrenCount != 1 || p.ChildrenDone != 0 {
		t.Fatalf("parent after insert: %+v", p)
	}
	// Wrong status: ErrJobState with the job as it is; nothing changes.
	cur, err := s.TransitionJob(ctx, child.ID, &store.JobChange{From: []store.JobStatus{store.JobStopped}, To: store.JobCanceled, Now: 9})
	if !errors.Is(err, store.ErrJobState) || cur == nil || cur.Status != store.JobRunning {
		t.Fatalf("guarded change: %+v %v", cur, err)
	}
	// Wrong owner.
	if _, err := s.TransitionJob(ctx, child.ID, &store.JobChange{From: []store.JobStatus{store.JobRunning}, Owner: "x", To: store.JobFinished, Now: 9}); !errors.Is(err, store.ErrJobState) {
		t.Fatalf("owner guard: %v", err)
	}
	if _, err := s.TransitionJob(ctx, ID(99), &store.JobChange{From: []store.JobStatus{store.JobRunning}, To: store.JobFinished}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing job: %v", err)
	}
	logLine := store.JobLog{ID: ID(70), JobID: child.ID, Time: 9, Level: store.LogInfo, Message: "done"}
	j, err := s.TransitionJob(ctx, child.ID, &store.JobChange{From: []store.JobStatus{store.JobRunning, store.JobStopping}, Owner: "w", To: store.JobFinished,
		Now: 9, Release: true, Errors: true, Logs: []store.JobLog{logLine}})
	if err != nil || j.Status != store.JobFinished || j.Ended != 9 || j.Owner != "" || j.Heartbeat != 0 || !j.HasErrors {
		t.Fatalf("finish: %+v %v", j, err)
	}
	if p, _ := s.Job(ctx, parent.ID); p.ChildrenDone != 1 {
		t.Fatalf("parent after the child finished: %+v", p)
	}
	// resume: RUNNING if started, PENDING otherwise
	st := Job(3, store.JobStopped, false)
	st.Started = 4
	CreateJobs(t, s, st, Job(4, store.JobStopped, false))
	for _, c := range []struct {
		id   string
		want store.JobStatus
	}{{ID(3), store.JobRunning}, {ID(4), store.JobPending}} {
		j, err := s.TransitionJob(ctx, c.id, &store.JobChange{From: []store.JobStatus{store.JobStopped}, To: store.JobRunning, ToIfNotStarted: store.JobPending, Release: true})
		if err != nil || j.Status != c.want || j.Ended != 0 {
			t.Fatalf("resume of %s: %+v %v", c.id, j, err)
		}
	}
}

// StopStaleJobs: STOPPING jobs with no worker, or a silent one, become
// STOPPED with a log line; others are left alone.
func StopStaleJobs(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := Open(t, open)
	stale := Job(1, store.JobStopping, false)
	stale.Owner, stale.Heartbeat = "dead", 10
	free := Job(2, store.JobStopping, false)
	live := Job(3, store.JobStopping, false)
	live.Owner, live.Heartbeat = "alive", 1000
	running := Job(4, store.JobRunning, false)
	CreateJobs(t, s, stale, free, live, running)
	ids, err := s.StopStaleJobs(ctx, 100, 2000, "gone")
	if err != nil || len(ids) != 2 {
		t.Fatalf("stopped %v, %v", ids, err)
	}
	for _, c := range []struct {
		id   string
		want store.JobStatus
	}{{ID(1), store.JobStopped}, {ID(2), store.JobStopped}, {ID(3), store.JobStopping}, {ID(4), store.JobRunning}} {
		if j, _ := s.Job(ctx, c.id); j.Status != c.want {
			t.Errorf("job %s: %s, want %s", c.id, j.Status, c.want)
		}
	}
	if logs, _, _ := s.JobLogs(ctx, ID(1), &store.JobLogFilter{}); len(logs) != 1 || logs[0].Message != "gone" {
		t.Fatalf("logs %+v", logs)
	}
}

// DeleteIDs: a batch of deletes in one statement; missing ids are not
// counted.
func DeleteIDs(t *testing.T, open Opener) {
	ctx := context.Background()
	s, a := Open(t, open)
	e := a.Entity("companies")
	Insert(t, s, e, Row(1, nil), Row(2, nil), Row(3, nil))
	var n int64
	err := s.Write(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteIDs(ctx, e, []string{ID(1), ID(2), ID(9)})
		return err
	})
	if err != nil || n != 2 {
		t.Fatalf("deleted %d, %v", n, err)
	}
	for i, want := range map[int]error{1: store.ErrNotFound, 2: store.ErrNotFound, 3: nil} {
		if _, err := s.Get(ctx, e, ID(i)); !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Errorf("record %d: %v, want %v", i, err, want)
		}
	}
	if c, err := s.Count(ctx, e, nil); err != nil || c != 1 {
		t.Fatalf("count after: %d %v (the count cache must see the delete)", c, err)
	}
}

// JobsSurviveReopen: a stored job is read back as it was after a reopen.
func JobsSurviveReopen(t *testing.T, reopen Reopener) {
	ctx := context.Background()
	open := reopen(t)
	s := open()
	CreateJobs(t, s, Job(1, store.JobPending, false))
	s.Close()
	s = open()
	defer s.Close()
	if j, err := s.Job(ctx, ID(1)); err != nil || j.Status != store.JobPending || string(j.Data) != `{"entityName":"companies"}` || j.Results != nil {
		t.Fatalf("after reopen: %+v %v", j, err)
	}
}
