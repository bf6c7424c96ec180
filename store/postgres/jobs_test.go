package postgres

import (
	"context"
	"testing"

	"runway/store/storetest"
)

var (
	testJob    = storetest.Job
	createJobs = storetest.CreateJobs
)

// The job queue tests that hold for any store are in storetest/jobs.go.

// TestJobsSurviveReopen: the job tables are migration 3; jobs persist.
func TestJobsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	path := testURL(t)
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	createJobs(t, s, testJob(1, "PENDING", false))
	s.Close()
	if s, err = Open(ctx, path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if j, err := s.Job(ctx, id(1)); err != nil || j.Status != "PENDING" || string(j.Data) != `{"entityName":"companies"}` || j.Results != nil {
		t.Fatalf("after reopen: %+v %v", j, err)
	}
	var v string
	if err := s.pool.QueryRow(ctx, `SELECT value FROM _meta WHERE key = 'schema_version'`).Scan(&v); err != nil || v != "2" {
		t.Fatalf("schema version %q %v", v, err)
	}
}
