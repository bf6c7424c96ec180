package postgres

import (
	"context"
	"testing"
)

// TestJobsSchemaVersion: the job tables are migration 2, still after a
// reopen (storetest.JobsSurviveReopen checks the jobs themselves).
func TestJobsSchemaVersion(t *testing.T) {
	ctx := context.Background()
	open := reopenable(t)
	open().Close()
	s := open().(*Store)
	defer s.Close()
	var v string
	if err := s.pool.QueryRow(ctx, `SELECT value FROM _meta WHERE key = 'schema_version'`).Scan(&v); err != nil || v != "3" {
		t.Fatalf("schema version %q %v", v, err)
	}
}
