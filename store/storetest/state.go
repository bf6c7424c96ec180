package storetest

import (
	"context"
	"testing"

	"runway/store"
)

// Reopener returns a function opening a store on one fresh database, the
// same one at every call; the caller closes each store it opens.
type Reopener func(t testing.TB) func() store.Store

// AppState: runtime settings are read back, survive a reopen and are
// removed by "".
func AppState(t *testing.T, reopen Reopener) {
	ctx := context.Background()
	open := reopen(t)
	s := open()
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
	s = open()
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
