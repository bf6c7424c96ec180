package data

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"runway/app"
	"runway/apperr"
	"runway/clock"
	"runway/record"
	"runway/store"
)

// Record locks (issue 16, app-model.md §7: sys.data.lock and friends, the
// lockRecord option of saves).
//
// A lock belongs to a lock scope, carried by a context: one script
// execution, one action on a record, one write. Inside its scope a lock is
// reentrant (taken again, it counts; released as often); another scope —
// in this process or another — waits until it is free. A oneRecord action
// holds its record's lock for its whole run, and a write of an existing
// record (REST, jobs, scripts) takes it for the write unless lockRecord is
// false, so two actions on one record never interleave and no update or
// delete lands in the middle of one. (Only waiting while another holds the
// lock would not do: a write that found it free could still land inside an
// action that takes it next.) Deletes of many records (id lists, queries,
// async jobs) do not wait for record locks.
//
// The store keeps who holds each key (store.Locks: in memory on SQLite, a
// table on PostgreSQL, so processes sharing a database exclude each
// other), with a lease this process renews while it holds the lock: the
// locks of a process that died lapse after one lease. A lock is held at
// most MaxLockHold (then it lapses even if not released); a scope's locks
// are released when it ends (a script's when its execution ends).

// Lock timings.
const (
	// DefaultLockWait is how long an operation waits for a record's lock
	// (the platform's default for lock()).
	DefaultLockWait = 5 * time.Minute
	// DefaultLockLease is how long a lock outlives a holder that stopped
	// renewing it (a crashed process).
	DefaultLockLease = 30 * time.Second
	// MaxLockHold is the longest a lock is kept (the platform's 30 minutes).
	MaxLockHold = 30 * time.Minute
)

// lockPoll bounds the wait between two attempts on a lock held by another
// process (one held in this process wakes its waiters when released).
const (
	lockPollMin = 10 * time.Millisecond
	lockPollMax = 250 * time.Millisecond
)

// locker is the service's record locks.
type locker struct {
	st      store.Locks
	log     *slog.Logger
	clock   clock.Clock
	lease   time.Duration
	process string // prefix of this process's owners

	mu       sync.Mutex
	held     map[string]*hold         // this process's locks, by key
	freed    map[string]chan struct{} // closed when this process releases key
	renewing bool
}

// hold is a lock this process holds for one scope.
type hold struct {
	owner string
	count int
	since time.Time
}

func newLocker(st store.Locks, log *slog.Logger, c clock.Clock, lease time.Duration) *locker {
	if lease <= 0 {
		lease = DefaultLockLease
	}
	return &locker{st: st, log: log, clock: c, lease: lease, process: "p-" + record.NewID(),
		held: map[string]*hold{}, freed: map[string]chan struct{}{}}
}

// lockScope is the owner of the locks taken under one context.
type lockScope struct {
	owner string
	mu    sync.Mutex
	keys  map[string]bool
}

type lockScopeKey struct{}

func scopeOf(ctx context.Context) *lockScope {
	sc, _ := ctx.Value(lockScopeKey{}).(*lockScope)
	return sc
}

// LockScope returns ctx carrying a lock scope, and the function that ends
// it (releasing every lock still held in it). When ctx carries one
// already, ctx is returned as it is, with a function that does nothing:
// the outermost owner ends the scope (the script engine's executions, an
// action on a record, a write).
func (s *Service) LockScope(ctx context.Context) (context.Context, func()) {
	if scopeOf(ctx) != nil {
		return ctx, func() {}
	}
	sc := &lockScope{owner: s.locks.process + "/" + record.NewID(), keys: map[string]bool{}}
	return context.WithValue(ctx, lockScopeKey{}, sc), func() { s.locks.releaseAll(sc) }
}

func lockKey(e *app.Entity, id string) string { return e.FullName + "/" + id }

// namedKey is the key of a named lock (sys.utils.concurrency): apart from
// records' keys, as no entity name holds a colon.
func namedKey(key string) string { return "named:" + key }

// scopeFor is ctx's lock scope; without one it is badRequest: a lock
// nobody would release is a mistake.
func scopeFor(ctx context.Context) (*lockScope, error) {
	sc := scopeOf(ctx)
	if sc == nil {
		return nil, apperr.New(apperr.BadRequest, "A lock needs a lock scope (a script execution)")
	}
	return sc, nil
}

// LockRecord takes the lock of record id of e for ctx's lock scope, waiting
// at most wait (0: one attempt), and reports whether it got it. The record
// must exist and c may read it (notFound otherwise).
func (s *Service) LockRecord(ctx context.Context, c *Caller, e *app.Entity, id string, wait time.Duration) (bool, error) {
	if err := CheckWritable(ctx); err != nil {
		return false, err
	}
	sc, err := scopeFor(ctx)
	if err != nil {
		return false, err
	}
	if _, err := s.Get(ctx, c, e, id, nil); err != nil {
		return false, err
	}
	return s.locks.acquire(ctx, sc, lockKey(e, id), wait)
}

// Lock takes the named lock key (sys.utils.concurrency) for ctx's lock
// scope, waiting at most wait (0: one attempt), and reports whether it got
// it. Named locks are record locks under keys of the script's choosing:
// reentrant in the scope, released when it ends, shared by the processes
// of one database.
func (s *Service) Lock(ctx context.Context, key string, wait time.Duration) (bool, error) {
	sc, err := scopeFor(ctx)
	if err != nil {
		return false, err
	}
	return s.locks.acquire(ctx, sc, namedKey(key), wait)
}

// Unlock gives back one hold of ctx's lock scope on the named lock key
// (nothing when the scope does not hold it).
func (s *Service) Unlock(ctx context.Context, key string) error {
	sc := scopeOf(ctx)
	if sc == nil {
		return nil
	}
	return s.locks.release(sc, namedKey(key))
}

// ForceUnlock frees the named lock key whoever holds it, in this process
// or another.
func (s *Service) ForceUnlock(ctx context.Context, key string) error {
	return s.locks.forceFree(ctx, namedKey(key))
}

// UnlockRecord gives back one hold of ctx's lock scope on the lock of
// record id of e (nothing when the scope does not hold it).
func (s *Service) UnlockRecord(ctx context.Context, e *app.Entity, id string) error {
	sc := scopeOf(ctx)
	if sc == nil {
		return nil
	}
	return s.locks.release(sc, lockKey(e, id))
}

// holdRecord takes the lock of a record for one operation (an action's run,
// a script's write): in ctx's scope, or in a scope of its own. The answer
// is the context to run under and the function giving the lock back; a
// lock still held by another after DefaultLockWait is optimisticLocking
// (409).
func (s *Service) holdRecord(ctx context.Context, e *app.Entity, id string) (context.Context, func(), error) {
	ctx, end := s.LockScope(ctx)
	sc := scopeOf(ctx)
	key := lockKey(e, id)
	ok, err := s.locks.acquire(ctx, sc, key, DefaultLockWait)
	if err == nil && !ok {
		err = locked(e, id)
	}
	if err != nil {
		end()
		return nil, nil, err
	}
	return ctx, func() {
		if err := s.locks.release(sc, key); err != nil {
			s.log.Error("release record lock", "key", key, "err", err)
		}
		end()
	}, nil
}

func locked(e *app.Entity, id string) error {
	return apperr.New(apperr.OptimisticLocking, "Record %q of %s is locked by another operation; try again later", id, e.FullName)
}

// acquire takes key for sc, waiting at most wait.
func (l *locker) acquire(ctx context.Context, sc *lockScope, key string, wait time.Duration) (bool, error) {
	return l.wait(ctx, key, wait, func() (bool, <-chan struct{}, error) { return l.try(ctx, sc, key) })
}

// wait repeats attempt until it succeeds, fails, or wait has passed: in
// between, until this process frees key (attempt's channel) or, for a
// holder elsewhere (nil channel), polling less and less often.
func (l *locker) wait(ctx context.Context, key string, wait time.Duration, attempt func() (bool, <-chan struct{}, error)) (bool, error) {
	deadline := time.Now().Add(wait)
	poll := lockPollMin
	for n := 0; ; n++ {
		got, waitFor, err := attempt()
		if err != nil || got {
			return got, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false, nil
		}
		if n == 0 {
			l.log.Info("waiting for a record lock", "key", key, "wait", wait)
		}
		if waitFor == nil {
			// Held by another process: poll, less and less often.
			left = min(left, poll)
			poll = min(2*poll, lockPollMax)
		} else {
			left = min(left, time.Second) // a hold past MaxLockHold lapses without a release
		}
		t := time.NewTimer(left)
		select {
		case <-waitFor:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		}
		t.Stop()
	}
}

// freedChan is the channel closed when this process releases key (l.mu
// held).
func (l *locker) freedChan(key string) chan struct{} {
	ch := l.freed[key]
	if ch == nil {
		ch = make(chan struct{})
		l.freed[key] = ch
	}
	return ch
}

// try makes one attempt: taken (again, in the same scope), or held in this
// process (the channel closes when it is released), or held elsewhere (a
// nil channel).
func (l *locker) try(ctx context.Context, sc *lockScope, key string) (bool, <-chan struct{}, error) {
	now := l.clock.Now()
	l.mu.Lock()
	// A hold kept past MaxLockHold has lapsed: the store decides.
	if h := l.held[key]; h != nil && (h.owner == sc.owner || now.Sub(h.since) < MaxLockHold+l.lease) {
		if h.owner == sc.owner {
			h.count++
			l.mu.Unlock()
			return true, nil, nil
		}
		ch := l.freedChan(key)
		l.mu.Unlock()
		return false, ch, nil
	}
	l.mu.Unlock()
	ok, err := l.st.AcquireLock(ctx, key, sc.owner, now.UnixMilli(), now.Add(l.lease).UnixMilli())
	if err != nil || !ok {
		return false, nil, err
	}
	l.mu.Lock()
	l.held[key] = &hold{owner: sc.owner, count: 1, since: now}
	if !l.renewing {
		l.renewing = true
		go l.renew()
	}
	l.mu.Unlock()
	sc.mu.Lock()
	sc.keys[key] = true
	sc.mu.Unlock()
	return true, nil, nil
}

// release gives back one hold of sc on key; the last one frees it.
func (l *locker) release(sc *lockScope, key string) error {
	l.mu.Lock()
	h := l.held[key]
	if h == nil || h.owner != sc.owner {
		l.mu.Unlock()
		return nil
	}
	if h.count--; h.count > 0 {
		l.mu.Unlock()
		return nil
	}
	l.mu.Unlock()
	return l.free(sc, key)
}

// releaseAll frees every lock sc still holds (its scope ended).
func (l *locker) releaseAll(sc *lockScope) {
	sc.mu.Lock()
	keys := make([]string, 0, len(sc.keys))
	for k := range sc.keys {
		keys = append(keys, k)
	}
	sc.mu.Unlock()
	for _, k := range keys {
		l.mu.Lock()
		h := l.held[k]
		mine := h != nil && h.owner == sc.owner
		l.mu.Unlock()
		if mine {
			_ = l.free(sc, k) // best effort: the lease ends anyway
		}
	}
}

// forceFree releases key whoever holds it, then wakes this process's
// waiters; a scope of this process that held it finds it gone.
func (l *locker) forceFree(ctx context.Context, key string) error {
	err := l.st.ReleaseLock(ctx, key, "")
	l.mu.Lock()
	delete(l.held, key)
	if ch := l.freed[key]; ch != nil {
		close(ch)
		delete(l.freed, key)
	}
	l.mu.Unlock()
	return err
}

// free releases key in the store, then wakes this process's waiters.
func (l *locker) free(sc *lockScope, key string) error {
	err := l.st.ReleaseLock(context.Background(), key, sc.owner)
	l.mu.Lock()
	if h := l.held[key]; h != nil && h.owner == sc.owner {
		delete(l.held, key)
	}
	if ch := l.freed[key]; ch != nil {
		close(ch)
		delete(l.freed, key)
	}
	l.mu.Unlock()
	sc.mu.Lock()
	delete(sc.keys, key)
	sc.mu.Unlock()
	return err
}

// renew extends the leases of this process's locks every third of a
// lease while it holds any; a lock held longer than MaxLockHold is not
// renewed and lapses.
func (l *locker) renew() {
	t := time.NewTicker(l.lease / 3)
	defer t.Stop()
	for range t.C {
		now := l.clock.Now()
		byOwner := map[string][]string{}
		l.mu.Lock()
		if len(l.held) == 0 {
			l.renewing = false
			l.mu.Unlock()
			return
		}
		for k, h := range l.held {
			if now.Sub(h.since) < MaxLockHold {
				byOwner[h.owner] = append(byOwner[h.owner], k)
			}
		}
		l.mu.Unlock()
		for owner, keys := range byOwner {
			_ = l.st.RenewLocks(context.Background(), owner, keys, now.Add(l.lease).UnixMilli())
		}
	}
}
