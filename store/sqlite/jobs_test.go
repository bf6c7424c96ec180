package sqlite

import (
	"context"
	"testing"
)

// TestJobsSchemaVersion: the job tables are migration 3, still after a
// reopen (storetest.JobsSurviveReopen checks the jobs themselves).
func TestJobsSchemaVersion(t *testing.T) {
	ctx := context.Background()
	open := reopenable(t)
	open().Close()
	s := open().(*Store)
	defer s.Close()
	var v string
	if err := s.rdb.QueryRowContext(ctx, `SELECT value FROM _meta WHERE key = 'schema_version'`).Scan(&v); err != nil || v != "4" { // 3: jobs, 4: history and app logs
		t.Fatalf("schema version %q %v", v, err)
	}
}
