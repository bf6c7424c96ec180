package postgres

import (
	"context"
	"testing"
)

func TestAppState(t *testing.T) {
	ctx := context.Background()
	path := testURL(t)
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.AppState(ctx, "maintenance"); v != "" || err != nil {
		t.Fatalf("unset state = %q, %v", v, err)
	}
	for _, v := range []string{"on", "off", "on"} {
		if err := s.SetAppState(ctx, "maintenance", v); err != nil {
			t.Fatal(err)
		}
		if got, err := s.AppState(ctx, "maintenance"); got != v || err != nil {
			t.Fatalf("state = %q, %v; want %q", got, err, v)
		}
	}
	if err := s.SetAppState(ctx, "other", "x"); err != nil {
		t.Fatal(err)
	}
	// It survives a reopen; "" removes a key.
	s.Close()
	if s, err = Open(ctx, path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, _ := s.AppState(ctx, "maintenance"); got != "on" {
		t.Fatalf("after reopen: %q", got)
	}
	if err := s.SetAppState(ctx, "maintenance", ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.AppState(ctx, "maintenance"); got != "" {
		t.Fatalf("after removal: %q", got)
	}
	if got, _ := s.AppState(ctx, "other"); got != "x" {
		t.Fatalf("other key: %q", got)
	}
}
