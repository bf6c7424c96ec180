package sqlite

import (
	"context"
	"fmt"
	"testing"
)

func TestStmtLRUBoundsAndReuses(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	c := newStmtLRU(3)
	defer c.closeAll()
	first, err := c.get(ctx, s.rdb, "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := c.get(ctx, s.rdb, "SELECT 1")
	if again != first {
		t.Fatal("the same text was prepared twice")
	}
	for i := 2; i <= 5; i++ {
		if _, err := c.get(ctx, s.rdb, fmt.Sprintf("SELECT %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if c.order.Len() != 3 || len(c.byKey) != 3 {
		t.Fatalf("cache holds %d/%d statements, want 3", c.order.Len(), len(c.byKey))
	}
	if _, ok := c.byKey["SELECT 1"]; ok {
		t.Fatal("the least recently used statement was not evicted")
	}
	// An evicted statement is closed; a fresh one for the same text works.
	if _, err := first.QueryContext(ctx); err == nil {
		t.Fatal("evicted statement still usable")
	}
	st, err := c.get(ctx, s.rdb, "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.QueryRowContext(ctx).Scan(&n); err != nil || n != 1 {
		t.Fatalf("re-prepared statement: %d %v", n, err)
	}
}
