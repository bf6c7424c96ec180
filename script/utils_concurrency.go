package script

import (
	"time"

	"github.com/dop251/goja"

	"runway/apperr"
)

// concurrencyLockWait is how long sys.utils.concurrency.lock waits when no
// timeout is given.
const concurrencyLockWait = 10 * time.Second

// sysConcurrency is sys.utils.concurrency: named locks, which are the data
// service's record locks under keys of the script's choosing
// (data.Service.Lock): reentrant within the execution, released when it
// ends, shared by every process of one database. Timeouts are seconds.
func (rt *runtime) sysConcurrency() *goja.Object {
	d := rt.e.data
	take := func(key string, wait time.Duration) bool {
		if key == "" {
			rt.throwf(apperr.BadRequest, "A lock needs a key")
		}
		ctx, cancel := rt.lockCtx()
		ok, err := d.Lock(ctx, key, wait)
		cancel()
		if err != nil {
			rt.throw(err)
		}
		return ok
	}
	unlock := func(key string) {
		if err := d.Unlock(rt.x.ctx, key); err != nil {
			rt.throw(err)
		}
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
			if !take(key, seconds(wait, concurrencyLockWait)) {
				rt.throwf("timeout", "The lock %q could not be acquired in time", key)
			}
			cb, isFn := goja.AssertFunction(cbArg)
			if !isFn {
				return goja.Undefined()
			}
			defer unlock(key)
			r, err := cb(goja.Undefined())
			if err != nil {
				rt.throw(err)
			}
			return r
		},
		"unlock": func(c goja.FunctionCall) goja.Value {
			unlock(str(c, 0))
			return goja.Undefined()
		},
		"forceUnlock": func(c goja.FunctionCall) goja.Value {
			if err := d.ForceUnlock(rt.x.ctx, str(c, 0)); err != nil {
				rt.throw(err)
			}
			return goja.Undefined()
		},
	})
}
