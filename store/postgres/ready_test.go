package postgres

import (
	"context"
	"strings"
	"testing"
)

// TestReady: a store is ready while its schema is this binary's, and says
// why not once another process moved it on.
func TestReady(t *testing.T) {
	ctx := context.Background()
	s := openEmpty(t).(*Store)
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE _meta SET value = '999' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err == nil || !strings.Contains(err.Error(), "schema version 999") {
		t.Fatalf("Ready with a newer schema: %v", err)
	}
}
