package sqlite

import (
	"context"
	"strconv"
	"testing"
)

// TestJobsSchemaVersion: the schema is at the last migration (the job
// tables are migration 3), still after a reopen (storetest.JobsSurviveReopen
// checks the jobs themselves).
func TestJobsSchemaVersion(t *testing.T) {
	ctx := context.Background()
	open := reopenable(t)
	open().Close()
	s := open().(*Store)
	defer s.Close()
	var v string
	if err := s.rdb.QueryRowContext(ctx, `SELECT value FROM _meta WHERE key = 'schema_version'`).Scan(&v); err != nil || v != strconv.Itoa(schemaVersion()) || schemaVersion() < 3 {
		t.Fatalf("schema version %q %v", v, err)
	}
}
