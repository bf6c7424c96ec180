// Package ui delivers the messages of sys.ui.sendMessage to the open
// console sessions of the users they are for (issue 18). Runway serves no
// platform UI: a console session is a stream (GET {base}/ui/messages,
// server-sent events) that a signed-in user keeps open; a message reaches
// the streams of its users that are open when it is sent, and nobody else.
// Nothing is stored: a user with no open session misses the message, as a
// user with no open browser does on the platform.
//
// Several processes sharing a PostgreSQL database relay each message to
// the others through the store (Relay), so a message sent by a script in
// one process reaches a console connected to another.
package ui

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
)

// Message is one message and who it is for.
type Message struct {
	// All: every signed-in user's sessions (target allUsers).
	All bool `json:"all,omitempty"`
	// Users are the user ids or emails it is for when not All.
	Users []string `json:"users,omitempty"`
	// Body is the message as the script gave it, in JSON.
	Body json.RawMessage `json:"body"`
}

// isFor reports whether m is for the user with this id and email.
func (m *Message) isFor(userID, email string) bool {
	return m.All || slices.Contains(m.Users, userID) || (email != "" && slices.Contains(m.Users, email))
}

// Relay carries messages to the other processes sharing the store
// (the PostgreSQL store is one). SendUI publishes one; WatchUI registers
// the receiver of the messages published by the others (never by this
// process).
type Relay interface {
	SendUI(ctx context.Context, payload []byte) error
	WatchUI(fn func(payload []byte))
}

// queueSize is how many messages a session may have waiting; a session
// that does not read them (a stalled connection) loses the newest beyond,
// rather than holding up the sender.
const queueSize = 64

// Session is one open console session of a user.
type Session struct {
	userID, email string
	// C receives the session's messages; it is closed when the hub is
	// closed (the process shuts down).
	C chan json.RawMessage
}

// Hub holds the open sessions of this process.
type Hub struct {
	log      *slog.Logger
	relay    Relay
	mu       sync.Mutex
	sessions map[*Session]struct{}
	closed   bool
}

// NewHub returns a hub; relay may be nil (one process).
func NewHub(relay Relay, log *slog.Logger) *Hub {
	h := &Hub{log: log, relay: relay, sessions: map[*Session]struct{}{}}
	if relay != nil {
		relay.WatchUI(h.received)
	}
	return h
}

// Open opens a session for a user; Close it when its stream ends. On a
// closed hub the session's channel is closed at once.
func (h *Hub) Open(userID, email string) *Session {
	s := &Session{userID: userID, email: email, C: make(chan json.RawMessage, queueSize)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(s.C)
	} else {
		h.sessions[s] = struct{}{}
	}
	return s
}

// Leave forgets a session whose stream has ended.
func (h *Hub) Leave(s *Session) {
	h.mu.Lock()
	delete(h.sessions, s)
	h.mu.Unlock()
}

// Send delivers m to the open sessions it is for, here and, through the
// relay, in the other processes.
func (h *Hub) Send(ctx context.Context, m Message) {
	h.deliver(&m)
	if h.relay == nil {
		return
	}
	payload, err := json.Marshal(m)
	if err == nil {
		err = h.relay.SendUI(ctx, payload)
	}
	if err != nil {
		h.log.Warn("a UI message was not relayed to the other processes", "err", err)
	}
}

// received delivers a message relayed by another process.
func (h *Hub) received(payload []byte) {
	var m Message
	if err := json.Unmarshal(payload, &m); err != nil {
		h.log.Warn("a relayed UI message is not readable", "err", err)
		return
	}
	h.deliver(&m)
}

func (h *Hub) deliver(m *Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.sessions {
		if !m.isFor(s.userID, s.email) {
			continue
		}
		select {
		case s.C <- m.Body:
		default:
			h.log.Debug("a UI message was dropped: the session does not read its messages", "user", s.userID)
		}
	}
}

// Close ends every open session (their streams end, the console
// reconnects to another process) and every later one at once: the process
// is shutting down.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for s := range h.sessions {
		close(s.C)
		delete(h.sessions, s)
	}
}
