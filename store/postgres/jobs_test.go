package postgres

import (
	"context"
	"strconv"
	"testing"
)

// TestJobsSchemaVersion: the schema version is the last migration's (the
// job tables are migration 2, the key/value table 3, files 4, history and
// app logs 5, job queues 6, record locks 7, row counts 8), still after a reopen
// (storetest.JobsSurviveReopen checks the jobs themselves).
func TestJobsSchemaVersion(t *testing.T) {
	ctx := context.Background()
	open := reopenable(t)
	open().Close()
	s := open().(*Store)
	defer s.Close()
	var v string
	if err := s.pool.QueryRow(ctx, `SELECT value FROM _meta WHERE key = 'schema_version'`).Scan(&v); err != nil || v != strconv.Itoa(len(migrations)-1) || len(migrations)-1 != 8 {
		t.Fatalf("schema version %q %v", v, err)
	}
}
