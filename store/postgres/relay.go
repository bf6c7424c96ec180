package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
)

// uiChannel is the NOTIFY channel of the console messages of sys.ui
// (package ui), which every process sharing the database delivers to the
// sessions open on it. The payload is the sender's process id, ":", and
// the message; PostgreSQL caps a payload at 8,000 bytes, so a longer
// message reaches the sender's own sessions only.
const uiChannel = "runway_ui"

// uiRelay is the store's side of ui.Relay.
type uiRelay struct {
	self string // this process's id in the payloads
	mu   sync.Mutex
	fns  []func([]byte)
}

func newUIRelay() *uiRelay {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &uiRelay{self: hex.EncodeToString(b)}
}

// heard hands a notification of uiChannel to the watchers, unless this
// process sent it (its sessions had it already).
func (r *uiRelay) heard(payload string) {
	from, msg, ok := strings.Cut(payload, ":")
	if !ok || from == r.self {
		return
	}
	r.mu.Lock()
	fns := r.fns
	r.mu.Unlock()
	for _, fn := range fns {
		fn([]byte(msg))
	}
}

// SendUI relays a console message to the other processes (ui.Relay).
func (s *Store) SendUI(ctx context.Context, payload []byte) error {
	_, err := s.pool.Exec(ctx, "SELECT pg_notify($1, $2)", uiChannel, s.ui.self+":"+string(payload))
	return err
}

// WatchUI registers fn, called with each console message another process
// relayed (ui.Relay). Messages sent while the listener is disconnected are
// not heard.
func (s *Store) WatchUI(fn func(payload []byte)) {
	s.ui.mu.Lock()
	s.ui.fns = append(s.ui.fns[:len(s.ui.fns):len(s.ui.fns)], fn)
	s.ui.mu.Unlock()
}
