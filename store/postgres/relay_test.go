package postgres

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"runway/store/storetest"
	"runway/ui"
)

// TestUIRelayAcrossStores: two processes on one database, each with its
// hub. A message sent in one reaches the sessions it is for in both, each
// exactly once (the sender's own notification is not delivered again),
// and nobody else's.
func TestUIRelayAcrossStores(t *testing.T) {
	ctx := context.Background()
	url := testURL(t)
	open := func() *Store {
		s := openShared(t, url, storetest.App())
		deadline := time.Now().Add(5 * time.Second)
		for !s.SessionsLive() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		return s
	}
	s1, s2 := open(), open()
	log := slog.New(slog.DiscardHandler)
	hub1, hub2 := ui.NewHub(s1, log), ui.NewHub(s2, log)
	here, there := hub1.Open("u1", "ana@example.org"), hub2.Open("u1", "ana@example.org")
	other := hub2.Open("u2", "bob@example.org")

	hub1.Send(ctx, ui.Message{Users: []string{"ana@example.org"}, Body: json.RawMessage(`{"n":1}`)})
	hub1.Send(ctx, ui.Message{All: true, Body: json.RawMessage(`{"n":2}`)})
	for name, s := range map[string]*ui.Session{"sender's process": here, "other process": there} {
		for _, want := range []string{`{"n":1}`, `{"n":2}`} {
			select {
			case got := <-s.C:
				if string(got) != want {
					t.Errorf("%s: got %s, want %s", name, got, want)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: %s never arrived", name, want)
			}
		}
	}
	select {
	case got := <-other.C:
		if string(got) != `{"n":2}` {
			t.Errorf("another user's session got %s, want only the message to all", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the message to all users did not reach the other process")
	}
	time.Sleep(200 * time.Millisecond) // a duplicate would be on its way by now
	for name, s := range map[string]*ui.Session{"sender's process": here, "other process": there, "other user": other} {
		select {
		case got := <-s.C:
			t.Errorf("%s: delivered again: %s", name, got)
		default:
		}
	}
}
