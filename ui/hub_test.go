package ui

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"testing"
)

func received(s *Session) []string {
	var out []string
	for {
		select {
		case m, ok := <-s.C:
			if !ok {
				return append(out, "closed")
			}
			out = append(out, string(m))
		default:
			return out
		}
	}
}

func TestHubDeliversToTheTargetedSessions(t *testing.T) {
	h := NewHub(nil, slog.New(slog.DiscardHandler))
	ana1, ana2 := h.Open("u1", "ana@example.org"), h.Open("u1", "ana@example.org")
	bob := h.Open("u2", "bob@example.org")
	ctx := context.Background()
	h.Send(ctx, Message{Users: []string{"u1"}, Body: json.RawMessage(`1`)})
	h.Send(ctx, Message{Users: []string{"bob@example.org"}, Body: json.RawMessage(`2`)})
	h.Send(ctx, Message{All: true, Body: json.RawMessage(`3`)})
	h.Send(ctx, Message{Users: []string{"nobody"}, Body: json.RawMessage(`4`)})
	h.Leave(ana2)
	h.Send(ctx, Message{Users: []string{"u1"}, Body: json.RawMessage(`5`)})
	for name, c := range map[string]struct {
		s    *Session
		want []string
	}{"ana's first session": {ana1, []string{"1", "3", "5"}}, "ana's session that left": {ana2, []string{"1", "3"}},
		"bob": {bob, []string{"2", "3"}}} {
		if got := received(c.s); !slices.Equal(got, c.want) {
			t.Errorf("%s received %v, want %v", name, got, c.want)
		}
	}
}

// A session that does not read loses what does not fit its queue; the
// sender never waits.
func TestHubDropsBeyondASessionsQueue(t *testing.T) {
	h := NewHub(nil, slog.New(slog.DiscardHandler))
	s := h.Open("u1", "")
	for range queueSize + 10 {
		h.Send(context.Background(), Message{All: true, Body: json.RawMessage(`0`)})
	}
	if n := len(received(s)); n != queueSize {
		t.Errorf("%d messages kept, want the queue's %d", n, queueSize)
	}
}

func TestHubCloseEndsEverySession(t *testing.T) {
	h := NewHub(nil, slog.New(slog.DiscardHandler))
	s := h.Open("u1", "")
	h.Close()
	h.Close() // twice is fine
	if got := received(s); !slices.Equal(got, []string{"closed"}) {
		t.Errorf("open session after Close: %v", got)
	}
	if got := received(h.Open("u1", "")); !slices.Equal(got, []string{"closed"}) {
		t.Errorf("session opened after Close: %v", got)
	}
	h.Send(context.Background(), Message{All: true, Body: json.RawMessage(`1`)}) // no panic on closed channels
}
