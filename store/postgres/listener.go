package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"runway/store"
)

// writesChannel is the NOTIFY channel of committed record writes; the
// payload is the entity table.
const writesChannel = "runway_writes"

// sessionsChannel is the NOTIFY channel of committed changes that may
// invalidate a cached session: the payload is a token hash (logout), a user
// id (sessions revoked, sys.users record or password written) or "all"
// (expired sessions swept).
const sessionsChannel = "runway_sessions"

// listenerName is the application_name of the listener's connection.
const listenerName = "runway listener"

// sessionWatch holds the WatchSessions subscribers and whether their
// notifications are being heard.
type sessionWatch struct {
	live    atomic.Bool
	heard   atomic.Int64 // monotonic ns (sinceStart) when the connection last proved alive
	mu      sync.Mutex
	fns     []func(string)
	waiters map[string][]chan struct{} // by key: writers waiting to hear their notification
}

func (w *sessionWatch) notify(key string) {
	w.mu.Lock()
	fns := w.fns
	w.mu.Unlock()
	for _, fn := range fns {
		fn(key)
	}
	w.mu.Lock()
	if key == store.AllSessions {
		for k, chs := range w.waiters {
			for _, ch := range chs {
				close(ch)
			}
			delete(w.waiters, k)
		}
	} else {
		for _, ch := range w.waiters[key] {
			close(ch)
		}
		delete(w.waiters, key)
	}
	w.mu.Unlock()
}

// hearWait bounds how long a write waits to hear its own notification.
const hearWait = time.Second

// expect registers, before a write that will NOTIFY sessionsChannel with
// these keys, and returns a function that, given whether the write
// committed, waits (at most hearWait) until this store's listener has heard
// them. Every process's listener is
// signalled by the same commit, so once this one has heard (and told its
// watchers), the others have as a rule too: a logout answered by this
// process holds on the others at once, in practice. Nothing is waited for
// while the listener is down (nothing is cached then).
func (w *sessionWatch) expect(keys ...string) (wait func(committed bool)) {
	if !w.live.Load() || len(keys) == 0 {
		return func(bool) {}
	}
	chs := make([]chan struct{}, len(keys))
	w.mu.Lock()
	if w.waiters == nil {
		w.waiters = map[string][]chan struct{}{}
	}
	for i, k := range keys {
		chs[i] = make(chan struct{})
		w.waiters[k] = append(w.waiters[k], chs[i])
	}
	w.mu.Unlock()
	return func(committed bool) {
		if !committed {
			w.drop(keys, chs)
			return
		}
		t := time.NewTimer(hearWait)
		defer t.Stop()
		for i, ch := range chs {
			select {
			case <-ch:
			case <-t.C:
				w.drop(keys[i:], chs[i:])
				return
			}
		}
	}
}

// drop forgets waiters that gave up.
func (w *sessionWatch) drop(keys []string, chs []chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, k := range keys {
		list := w.waiters[k]
		for j, ch := range list {
			if ch == chs[i] {
				list = append(list[:j:j], list[j+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(w.waiters, k)
		} else {
			w.waiters[k] = list
		}
	}
}

var _ store.SessionWatcher = (*Store)(nil)

// WatchSessions registers fn, called with the key of every committed change
// that may invalidate a cached session, in any process sharing the database
// (see sessionsChannel), and with store.AllSessions whenever the listener
// connects or disconnects, since notifications may have gone unheard.
func (s *Store) WatchSessions(fn func(key string)) {
	s.watch.mu.Lock()
	s.watch.fns = append(s.watch.fns[:len(s.watch.fns):len(s.watch.fns)], fn)
	s.watch.mu.Unlock()
}

// SessionsLive reports whether session notifications are being heard: while
// false, nothing may be served from a session cache. The listener proves
// its connection at least every listenBeat (a notification, or a ping when
// none came); once it has not for staleAfter — a connection that died
// silently, a stuck listener — notifications may be unheard, and this is
// false. So a change committed by any process holds in this one within
// the notification's delivery (milliseconds), or at worst staleAfter when
// the listener's connection is lost without a word.
func (s *Store) SessionsLive() bool {
	return s.watch.live.Load() && sinceStart()-s.watch.heard.Load() < int64(staleAfter)
}

// The listener's heartbeat: a ping after listenBeat without a notification,
// which must answer within listenBeat.
const (
	listenBeat = time.Second
	staleAfter = 2 * listenBeat
)

var start = time.Now()

// sinceStart is a monotonic clock in ns.
func sinceStart() int64 { return int64(time.Since(start)) }

// hear waits for the next notification, pinging the connection when none
// comes within listenBeat, and records each proof that the connection is
// alive. An error ends the connection.
func (s *Store) hear(ctx context.Context, conn *pgx.Conn) (*pgconn.Notification, error) {
	for {
		wctx, cancel := context.WithTimeout(ctx, listenBeat)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err == nil {
			s.watch.heard.Store(sinceStart())
			return n, nil
		}
		if ctx.Err() != nil || !pgconn.Timeout(err) {
			return nil, err
		}
		// Quiet for a beat: the server must answer a ping, after any
		// notification it holds for us (they come first on the wire).
		pctx, cancel := context.WithTimeout(ctx, listenBeat)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return nil, err
		}
		s.watch.heard.Store(sinceStart())
	}
}

// listen keeps a connection LISTENing on writesChannel, sessionsChannel and
// uiChannel
// until ctx ends, bumping the count cache's generation of each table another
// process (or this one) wrote and telling session watchers. While it is not
// connected the count cache is off and SessionsLive is false.
func (s *Store) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	defer close(s.listenDone)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+writesChannel)
			if err == nil {
				_, err = conn.Exec(ctx, "LISTEN "+sessionsChannel)
			}
			if err == nil {
				_, err = conn.Exec(ctx, "LISTEN "+uiChannel)
			}
			if err == nil {
				s.counts.SetLive(true)
				// Forget what was cached before: it may be stale.
				s.watch.notify(store.AllSessions)
				s.watch.heard.Store(sinceStart())
				s.watch.live.Store(true)
				backoff = 100 * time.Millisecond
				for {
					n, err := s.hear(ctx, conn)
					if err != nil {
						break
					}
					switch n.Channel {
					case sessionsChannel:
						s.watch.notify(n.Payload)
					case uiChannel:
						s.ui.heard(n.Payload)
					default:
						s.counts.Bump(n.Payload)
					}
				}
			}
			s.watch.live.Store(false)
			s.watch.notify(store.AllSessions)
			s.counts.SetLive(false)
			conn.Close(context.Background())
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}
