package script

import (
	"context"
	"time"

	"github.com/dop251/goja"

	"runway/app"
	"runway/apperr"
	"runway/record"
)

// Record locks from scripts (app-model.md §7, the platform's sys.data
// lock API): the data service's record locks (data.LockRecord), held by
// the execution — reentrant within it, released by unlock or when it ends.
//
//	sys.data.lock(record, timeout?)        → the record re-read, or the timeout exception
//	sys.data.tryLock(record, timeout?)     → the record re-read, or null
//	sys.data.lockById(entity, id, timeout?) / tryLockById(…)
//	sys.data.unlock(record) / unlockById(entity, id)
//	sys.data.findByIdAndLock(entity, id)   → the record locked, or null
//	sys.data.findOneAndLock(entity, queryMap) / findOneAndLock(query)
//	record.lock(callback?) / record.unlock()
//	resultSet.nextAndLock()
//
// Timeouts are milliseconds (default 5 minutes, the platform's).

// defaultLockWait is the wait of a lock call without a timeout.
const defaultLockWait = 5 * time.Minute

// lockWait reads a timeout argument (ms; nothing: the default).
func (rt *runtime) lockWait(v goja.Value) time.Duration {
	if isNothing(v) {
		return defaultLockWait
	}
	ms, ok := v.Export().(int64)
	if f, isFloat := v.Export().(float64); isFloat && f == float64(int64(f)) {
		ms, ok = int64(f), true
	}
	if !ok || ms < 0 {
		rt.throwf(apperr.BadRequest, "A lock timeout is a number of milliseconds, not %s", v.String())
	}
	return time.Duration(ms) * time.Millisecond
}

// lockCtx is the execution's context, canceled when its time limit stops
// it, so a wait for a lock ends with the script.
func (rt *runtime) lockCtx() (context.Context, func()) {
	ctx, cancel := context.WithCancel(rt.x.ctx)
	done := rt.x.done
	go func() {
		select {
		case <-done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// lockByID takes the lock of record id of e: the record read again once
// held; when the wait ends first, null (try) or the timeout exception.
func (rt *runtime) lockByID(e *app.Entity, id string, wait time.Duration, try bool) goja.Value {
	if !record.IsID(id) {
		rt.throwf(apperr.BadRequest, "%q is not a record id", id)
	}
	ctx, cancel := rt.lockCtx()
	ok, err := rt.e.data.LockRecord(ctx, rt.caller(), e, id, wait)
	cancel()
	if err != nil {
		rt.throw(err)
	}
	if !ok {
		if try {
			return goja.Null()
		}
		rt.throwf("timeout", "The lock of record %s of %s was not acquired within %s", id, e.FullName, wait)
	}
	return rt.findByIDAs(rt.caller(), e, id)
}

// unlockByID gives back one hold of the execution on a record's lock.
func (rt *runtime) unlockByID(e *app.Entity, id string) {
	if err := rt.e.data.UnlockRecord(rt.x.ctx, e, id); err != nil {
		rt.throw(err)
	}
}

// storedRecord is argument i as a stored Record (badRequest otherwise).
func (rt *runtime) storedRecord(c goja.FunctionCall, i int, call string) *recordHost {
	r, ok := hostOf[*recordHost](arg(c, i))
	if !ok || r.e == nil || r.id == "" {
		rt.throwf(apperr.BadRequest, "%s needs a stored Record", call)
	}
	return r
}

// lockFunctions are the lock calls of sys.data.
func (rt *runtime) lockFunctions() map[string]func(goja.FunctionCall) goja.Value {
	byRecord := func(try bool, call string) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			r := rt.storedRecord(c, 0, call)
			return rt.lockByID(r.e, r.id, rt.lockWait(arg(c, 1)), try)
		}
	}
	byID := func(try bool) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			return rt.lockByID(rt.entityArg(arg(c, 0)), str(c, 1), rt.lockWait(arg(c, 2)), try)
		}
	}
	return map[string]func(goja.FunctionCall) goja.Value{
		"lock":        byRecord(false, "sys.data.lock"),
		"tryLock":     byRecord(true, "sys.data.tryLock"),
		"lockById":    byID(false),
		"tryLockById": byID(true),
		"unlock": func(c goja.FunctionCall) goja.Value {
			r := rt.storedRecord(c, 0, "sys.data.unlock")
			rt.unlockByID(r.e, r.id)
			return goja.Undefined()
		},
		"unlockById": func(c goja.FunctionCall) goja.Value {
			rt.unlockByID(rt.entityArg(arg(c, 0)), str(c, 1))
			return goja.Undefined()
		},
		"findByIdAndLock": func(c goja.FunctionCall) goja.Value {
			e := rt.entityArg(arg(c, 0))
			id := str(c, 1)
			if !record.IsID(id) {
				rt.throwf(apperr.BadRequest, "%q is not a record id", id)
			}
			if isNothing(rt.findByIDAs(rt.caller(), e, id)) {
				return goja.Null()
			}
			return rt.lockByID(e, id, defaultLockWait, false)
		},
		"findOneAndLock": func(c goja.FunctionCall) goja.Value {
			found := rt.findOne(c)
			r, ok := hostOf[*recordHost](found)
			if !ok {
				return goja.Null()
			}
			return rt.lockByID(r.e, r.id, defaultLockWait, false)
		},
	}
}

// recordLock is record.lock(callback?): the record's lock for the
// execution, the record refreshed; with a callback, the callback runs with
// the record and the lock is given back when it returns (the record then
// refreshed again).
func (rt *runtime) recordLock(r *recordHost, c goja.FunctionCall) goja.Value {
	if r.e == nil || r.id == "" {
		rt.throwf(apperr.BadRequest, "record.lock needs a stored record")
	}
	rt.refreshWith(r, rt.lockByID(r.e, r.id, defaultLockWait, false))
	fn, ok := goja.AssertFunction(arg(c, 0))
	if !ok {
		return goja.Undefined()
	}
	defer rt.unlockByID(r.e, r.id)
	if _, err := fn(goja.Undefined(), c.This); err != nil {
		panic(err)
	}
	rt.refreshWith(r, rt.findByIDAs(rt.caller(), r.e, r.id))
	return goja.Undefined()
}

// refreshWith resets r to the record v (a Record object; null leaves r).
func (rt *runtime) refreshWith(r *recordHost, v goja.Value) {
	fresh, ok := hostOf[*recordHost](v)
	if !ok {
		return
	}
	if err := r.reset(fresh.json()); err != nil {
		rt.throw(err)
	}
}
