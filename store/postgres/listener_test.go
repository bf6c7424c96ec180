package postgres

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"runway/store"
)

// waitFor polls cond for at most 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestListenerLost: when the listener's connection is cut, the watchers
// are told to forget every session (nothing heard meanwhile can be
// trusted), and the listener comes back on a new connection.
func TestListenerLost(t *testing.T) {
	ctx := context.Background()
	s := openEmpty(t).(*Store)
	var all atomic.Int32
	s.WatchSessions(func(key string) {
		if key == store.AllSessions {
			all.Add(1)
		}
	})
	waitFor(t, "listening", s.SessionsLive)
	before := all.Load()
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, listenerName).Scan(&n); err != nil || n != 1 {
		t.Fatalf("terminate the listener: %d connections, %v", n, err)
	}
	// "all" once when the connection is lost, once when it is back.
	waitFor(t, "lost and back", func() bool { return all.Load() >= before+2 && s.SessionsLive() })
}

// TestListenerStale: a listener that has not proved its connection for
// staleAfter (one that died without a word, or is stuck) is not live, so
// nothing is served from session caches.
func TestListenerStale(t *testing.T) {
	s := openEmpty(t).(*Store)
	waitFor(t, "listening", s.SessionsLive)
	// Quiet for several beats: the pings keep it live.
	time.Sleep(3 * listenBeat)
	if !s.SessionsLive() {
		t.Fatal("a quiet, healthy listener is not live")
	}
	stale := false
	for range 5 { // a ping landing in between proves it again: retry
		s.watch.heard.Store(sinceStart() - int64(staleAfter))
		if stale = !s.SessionsLive(); stale {
			break
		}
	}
	if !stale {
		t.Fatal("live although nothing proved the connection for staleAfter")
	}
	waitFor(t, "the next ping", s.SessionsLive)
}
