package script

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/clock"
)

// Callbacks keep the callbacks of sys.events.registerCallback until
// executeCallback takes them.
type Callbacks interface {
	// Put stores value under key; ttl > 0 ends it after that long.
	Put(key string, value []byte, ttl time.Duration) error
	// Take returns the value under key and removes it (false: none, or
	// expired).
	Take(key string) ([]byte, bool, error)
}

// memoryCallbacks are Callbacks in this process's memory.
type memoryCallbacks struct {
	clock clock.Clock
	mu    sync.Mutex
	m     map[string]storedCallback
}

type storedCallback struct {
	value   []byte
	expires time.Time // zero: never
}

// NewMemoryCallbacks returns Callbacks kept in memory, expiring on clk.
func NewMemoryCallbacks(clk clock.Clock) Callbacks {
	return &memoryCallbacks{clock: clock.OrSystem(clk), m: map[string]storedCallback{}}
}

func (c *memoryCallbacks) Put(key string, value []byte, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	for k, v := range c.m { // expired entries go on every write
		if !v.expires.IsZero() && !now.Before(v.expires) {
			delete(c.m, k)
		}
	}
	sc := storedCallback{value: value}
	if ttl > 0 {
		sc.expires = now.Add(ttl)
	}
	c.m[key] = sc
	return nil
}

func (c *memoryCallbacks) Take(key string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sc, ok := c.m[key]
	delete(c.m, key)
	if !ok || !sc.expires.IsZero() && !c.clock.Now().Before(sc.expires) {
		return nil, false, nil
	}
	return sc.value, true, nil
}

// storedForm is a registered callback: the function's source and its data
// (functions inside it as {"\u0000fn": source}).
type storedForm struct {
	Callback string          `json:"callback"`
	Data     json.RawMessage `json:"data"`
}

// callbackCodec turns functions inside values into their source and back
// (in a sloppy scope: the restored functions declare nothing global).
var callbackCodec = `(function() {
  var FN = '\u0000fn';
  function enc(v, depth) {
    if (depth > 64) { throw new Error('the callback data is nested too deeply'); }
    if (typeof v === 'function') { var o = {}; o[FN] = v.toString(); return o; }
    if (v === null || typeof v !== 'object' || v instanceof Date || typeof v.toJSON === 'function' && !Array.isArray(v)) { return v; }
    var out = Array.isArray(v) ? [] : {};
    for (var k in v) { if (Object.prototype.hasOwnProperty.call(v, k)) { out[k] = enc(v[k], depth + 1); } }
    return out;
  }
  function fn(src) { return (0, eval)('(' + src + ')'); }
  function dec(v) {
    if (v === null || typeof v !== 'object') { return v; }
    if (typeof v[FN] === 'string') { return fn(v[FN]); }
    for (var k in v) { if (Object.prototype.hasOwnProperty.call(v, k)) { v[k] = dec(v[k]); } }
    return v;
  }
  return {enc: function(v) { return enc(v, 0); }, dec: dec, fn: fn};
})()`

// sysEvents is sys.events: custom events and stored callbacks.
func (rt *runtime) sysEvents() *goja.Object {
	var codec *goja.Object
	codecFn := func(name string) goja.Callable {
		if codec == nil {
			v, err := rt.vm.RunScript("<callbacks>", callbackCodec)
			if err != nil {
				panic(fmt.Sprintf("script: callback codec: %v", err)) // constant code
			}
			codec = v.ToObject(rt.vm)
		}
		f, _ := goja.AssertFunction(codec.Get(name))
		return f
	}
	call := func(f goja.Callable, args ...goja.Value) goja.Value {
		v, err := f(goja.Undefined(), args...)
		if err != nil {
			rt.throw(err)
		}
		return v
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"triggerEvent": func(c goja.FunctionCall) goja.Value {
			var payload json.RawMessage
			if d := arg(c, 1); !isNothing(d) {
				b, err := rt.toJSON(d)
				if err != nil {
					rt.throwf(apperr.BadRequest, "sys.events.triggerEvent: the data is not JSON: %v", err)
				}
				payload = b
			}
			rt.triggerEvent(str(c, 0), payload)
			return goja.Undefined()
		},
		"registerCallback": func(c goja.FunctionCall) goja.Value {
			key := str(c, 0)
			if _, ok := goja.AssertFunction(arg(c, 1)); key == "" || !ok {
				rt.throwf(apperr.BadRequest, "registerCallback needs a key and a function")
			}
			data, err := rt.toJSON(call(codecFn("enc"), arg(c, 2)))
			if err != nil {
				rt.throwf(apperr.BadRequest, "registerCallback: the data cannot be stored: %v", err)
			}
			raw, _ := json.Marshal(storedForm{Callback: arg(c, 1).String(), Data: data})
			var ttl time.Duration
			if o, ok := arg(c, 3).(*goja.Object); ok {
				if v := o.Get("ttl"); !isNothing(v) {
					ttl = time.Duration(v.ToInteger()) * time.Millisecond
				}
			}
			if err := rt.e.callbacks.Put(key, raw, ttl); err != nil {
				rt.throw(err)
			}
			return rt.vm.ToValue(key)
		},
		"executeCallback": func(c goja.FunctionCall) goja.Value {
			key := str(c, 0)
			raw, ok, err := rt.e.callbacks.Take(key)
			if err != nil {
				rt.throw(err)
			}
			if !ok {
				rt.throwf(apperr.NotFound, "No callback is registered under %q (or it expired)", key)
			}
			var sf storedForm
			if err := json.Unmarshal(raw, &sf); err != nil {
				rt.throw(fmt.Errorf("callback %q: %w", key, err))
			}
			fn, ok := goja.AssertFunction(call(codecFn("fn"), rt.vm.ToValue(sf.Callback)))
			if !ok {
				rt.throwf(apperr.BadRequest, "The callback %q is not a function", key)
			}
			data := call(codecFn("dec"), rt.parseJSON(sf.Data))
			args := append([]goja.Value{data}, c.Arguments[min(1, len(c.Arguments)):]...)
			v, err := fn(goja.Undefined(), args...)
			if err != nil {
				rt.throw(err)
			}
			return v
		},
	})
}
