package postgres

import (
	"context"
	"testing"

	"runway/app"
	"runway/types"
)

func TestBadNames(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	bad := &app.App{Entities: map[string]*app.Entity{"x": {Name: "x", FullName: `x"; DROP TABLE _meta; --`}}}
	if err := s.Sync(ctx, bad); err == nil {
		t.Fatal("bad entity name accepted")
	}
	bad = &app.App{Entities: map[string]*app.Entity{"x": {Name: "x", FullName: "x",
		Fields: []*app.Field{fld("a')) --", types.Text, unique)}}}}
	if err := s.Sync(ctx, bad); err == nil {
		t.Fatal("bad field name accepted")
	}
	var n int
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM _meta`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("_meta damaged: %d %v", n, err)
	}
}
