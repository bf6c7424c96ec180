package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"runway/store"
)

// ClaimQueueLimits: a claim skips the jobs of a queue that runs as many
// jobs as its limit allows (running with a live heartbeat; a stale one is
// claimable and not counted), takes the next one once a place is free, and
// concurrent claims never exceed the limit.
func ClaimQueueLimits(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := Open(t, open)
	inQueue := func(queue string, jobs ...*store.Job) {
		t.Helper()
		CreateJobs(t, s, jobs...)
		err := s.Write(ctx, func(tx store.Tx) error {
			for _, j := range jobs {
				if err := tx.SetJobQueue(ctx, j.ID, queue); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	inQueue("serial", Job(1, store.JobPending, false), Job(2, store.JobPending, false))
	CreateJobs(t, s, Job(3, store.JobPending, false))
	inQueue("pair", Job(4, store.JobPending, false), Job(5, store.JobPending, false), Job(6, store.JobPending, false))
	limits := map[string]int{"serial": 1, "pair": 2}
	claim := func(now int64) string {
		t.Helper()
		j, err := s.ClaimJob(ctx, &store.JobClaim{Owner: "w", Now: now, StaleBefore: now - 100, Limits: limits})
		if err != nil {
			t.Fatal(err)
		}
		if j == nil {
			return ""
		}
		return j.ID
	}
	for i, want := range []string{ID(1), ID(3), ID(4), ID(5), ""} {
		if got := claim(500); got != want {
			t.Fatalf("claim %d: %s, want %s", i, got, want)
		}
	}
	// A place frees up when a job ends...
	if _, err := s.TransitionJob(ctx, ID(1), &store.JobChange{From: []store.JobStatus{store.JobRunning}, To: store.JobFinished, Now: 600, Release: true}); err != nil {
		t.Fatal(err)
	}
	if got := claim(600); got != ID(2) {
		t.Fatalf("after job 1 ended: %s, want job 2", got)
	}
	// ... or when a running job's worker is gone (it is taken over, not
	// counted).
	if got := claim(1000); got != ID(2) {
		t.Fatalf("with stale heartbeats: %s, want the orphan job 2 taken over", got)
	}

	// Many workers: a queue of limit 2 never runs more than 2 at once.
	s2, _ := Open(t, open)
	for i := 0; i < 12; i++ {
		j := Job(100+i, store.JobPending, false)
		CreateJobs(t, s2, j)
		if err := s2.Write(ctx, func(tx store.Tx) error { return tx.SetJobQueue(ctx, j.ID, "pair") }); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimed := 0
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			j, err := s2.ClaimJob(ctx, &store.JobClaim{Owner: fmt.Sprint("w", w), Now: 500, StaleBefore: 400, Limits: limits})
			if err != nil {
				t.Error(err)
				return
			}
			if j != nil {
				mu.Lock()
				claimed++
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	if claimed != 2 {
		t.Fatalf("%d jobs of a queue of 2 claimed at once", claimed)
	}
}
