package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestReady: a store is ready while its schema is this binary's, and says
// why not once it is another's.
func TestReady(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if _, err := s.wdb.ExecContext(ctx, `UPDATE _meta SET value = '999' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err == nil || !strings.Contains(err.Error(), "schema version 999") {
		t.Fatalf("Ready with a newer schema: %v", err)
	}
}
