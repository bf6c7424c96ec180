package script

import (
	"fmt"
	"sync"
	"time"

	"github.com/dop251/goja"

	"runway/apperr"
)

// Locks are the named locks of sys.utils.concurrency. A lock is held by an
// owner (one script execution) and is reentrant for it.
type Locks interface {
	// Lock takes key for owner, waiting at most wait (or until stop is
	// closed); false when it is still held by another owner then.
	Lock(key, owner string, wait time.Duration, stop <-chan struct{}) bool
	// Unlock releases one hold of key by owner; false when owner does not
	// hold it.
	Unlock(key, owner string) bool
	// ForceUnlock releases key whoever holds it.
	ForceUnlock(key string)
}

// DefaultLockWait is how long sys.utils.concurrency.lock waits when no
// timeout is given.
const DefaultLockWait = 10 * time.Second

// localLocks are Locks within one process.
type localLocks struct {
	mu   sync.Mutex
	held map[string]*heldLock
}

type heldLock struct {
	owner string
	count int
	free  chan struct{} // closed when released
}

// NewLocalLocks returns Locks that hold within this process only.
func NewLocalLocks() Locks { return &localLocks{held: map[string]*heldLock{}} }

func (l *localLocks) Lock(key, owner string, wait time.Duration, stop <-chan struct{}) bool {
	var deadline <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		deadline = t.C
	}
	for {
		l.mu.Lock()
		h := l.held[key]
		if h == nil {
			l.held[key] = &heldLock{owner: owner, count: 1, free: make(chan struct{})}
			l.mu.Unlock()
			return true
		}
		if h.owner == owner {
			h.count++
			l.mu.Unlock()
			return true
		}
		free := h.free
		l.mu.Unlock()
		if wait <= 0 {
			return false
		}
		select {
		case <-free:
		case <-deadline:
			return false
		case <-stop:
			return false
		}
	}
}

func (l *localLocks) Unlock(key, owner string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.held[key]
	if h == nil || h.owner != owner {
		return false
	}
	if h.count--; h.count == 0 {
		delete(l.held, key)
		close(h.free)
	}
	return true
}

func (l *localLocks) ForceUnlock(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h := l.held[key]; h != nil {
		delete(l.held, key)
		close(h.free)
	}
}

// lockOwner names the execution as a lock owner.
func (x *execution) lockOwner() string { return fmt.Sprintf("execution-%p", x) }

// releaseLocks frees what an ending execution still holds (the platform
// releases a script's locks when it ends).
func (e *Engine) releaseLocks(x *execution) {
	for _, key := range x.lockKeys {
		for e.locks.Unlock(key, x.lockOwner()) {
		}
	}
	x.lockKeys = nil
}

// sysConcurrency is sys.utils.concurrency.
func (rt *runtime) sysConcurrency() *goja.Object {
	locks := rt.e.locks
	take := func(key string, wait time.Duration) bool {
		if key == "" {
			rt.throwf(apperr.BadRequest, "A lock needs a key")
		}
		x := rt.x
		if !locks.Lock(key, x.lockOwner(), wait, x.done) {
			return false
		}
		x.lockKeys = append(x.lockKeys, key)
		return true
	}
	seconds := func(v goja.Value, def time.Duration) time.Duration {
		if isNothing(v) {
			return def
		}
		return time.Duration(v.ToFloat() * float64(time.Second))
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"tryLock": func(c goja.FunctionCall) goja.Value {
			return rt.vm.ToValue(take(str(c, 0), seconds(arg(c, 1), 0)))
		},
		"lock": func(c goja.FunctionCall) goja.Value {
			key := str(c, 0)
			wait, cbArg := arg(c, 1), arg(c, 2)
			if _, isFn := goja.AssertFunction(wait); isFn {
				wait, cbArg = goja.Undefined(), arg(c, 1)
			}
			if !take(key, seconds(wait, DefaultLockWait)) {
				rt.throwf("timeout", "The lock %q could not be acquired in time", key)
			}
			cb, isFn := goja.AssertFunction(cbArg)
			if !isFn {
				return goja.Undefined()
			}
			defer locks.Unlock(key, rt.x.lockOwner())
			r, err := cb(goja.Undefined())
			if err != nil {
				rt.throw(err)
			}
			return r
		},
		"unlock": func(c goja.FunctionCall) goja.Value {
			locks.Unlock(str(c, 0), rt.x.lockOwner())
			return goja.Undefined()
		},
		"forceUnlock": func(c goja.FunctionCall) goja.Value {
			locks.ForceUnlock(str(c, 0))
			return goja.Undefined()
		},
	})
}
