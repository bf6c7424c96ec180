package script

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/secret"
	"runway/store"
)

// sys.storage and sys.cache (issue 18) keep their entries in the store's
// key/value table (store.KeyValues), so every process on a PostgreSQL
// database sees the same ones. Values are JSON (a Record as its JSON,
// Dates as epoch milliseconds). sys.storage may seal a value with the
// app's key (Options.SecretKey, RUNWAY_SECRET_KEY): it is stored
// encrypted, get answers the sealed text unless asked to decrypt.

// Limits of an entry.
const (
	maxStorageKey   = 1024    // bytes of a key
	maxStorageValue = 1 << 20 // bytes of a value's JSON
)

const (
	storageSpace = "storage"
	cacheSpace   = "cache:"
)

// kv is the key/value table; a call without one is an error (a store that
// does not implement it).
func (rt *runtime) kv(what string) store.KeyValues {
	if rt.e.opts.Storage == nil {
		rt.throwf(notSupportedCode, "%s needs a store with a key/value table, which this process was not given", what)
	}
	return rt.e.opts.Storage
}

func (rt *runtime) now() int64 { return rt.e.opts.Clock.Now().UnixMilli() }

// sysStorage is sys.storage: get, put, putIfAbsent, replace, remove, clear.
func (rt *runtime) sysStorage() *goja.Object {
	put := func(name string, mode store.PutMode) func(goja.FunctionCall) goja.Value {
		what := "sys.storage." + name
		return func(c goja.FunctionCall) goja.Value {
			key := rt.storageKey(what, arg(c, 0))
			o := rt.storageOptions(what, arg(c, 2), "ttl", "encrypt")
			kv := store.KeyValue{Space: storageSpace, Key: key, Value: rt.storageValue(what, arg(c, 1))}
			if v := o["ttl"]; !isNothing(v) {
				ttl := v.ToInteger()
				if ttl <= 0 {
					rt.throwf(apperr.BadRequest, "%s: ttl must be a positive number of milliseconds", what)
				}
				kv.Expires = rt.now() + ttl
			}
			if truthy(o["encrypt"]) {
				kv.Value, kv.Sealed = rt.seal(what, kv.Value), true
			}
			prev, had, written, err := rt.kv(what).PutValue(rt.x.ctx, kv, mode, rt.now())
			if err == nil && mode != store.PutAlways {
				return rt.vm.ToValue(written)
			}
			return rt.entryValue(prev, had, err, false)
		}
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"get": func(c goja.FunctionCall) goja.Value {
			const what = "sys.storage.get"
			key := rt.storageKey(what, arg(c, 0))
			o := rt.storageOptions(what, arg(c, 1), "decrypt")
			kv, found, err := rt.kv(what).GetValue(rt.x.ctx, storageSpace, key, rt.now())
			return rt.entryValue(kv, found, err, truthy(o["decrypt"]))
		},
		"put":         put("put", store.PutAlways),
		"putIfAbsent": put("putIfAbsent", store.PutIfAbsent),
		"replace":     put("replace", store.PutIfPresent),
		"remove": func(c goja.FunctionCall) goja.Value {
			const what = "sys.storage.remove"
			kv, found, err := rt.kv(what).DeleteValue(rt.x.ctx, storageSpace, rt.storageKey(what, arg(c, 0)), rt.now())
			return rt.entryValue(kv, found, err, false)
		},
		"clear": func(goja.FunctionCall) goja.Value {
			if err := rt.kv("sys.storage.clear").ClearValues(rt.x.ctx, storageSpace, false); err != nil {
				rt.throw(err)
			}
			return goja.Undefined()
		},
	})
}

// sysCache is sys.cache: named maps of entries, in the same table, so that
// a clear or remove holds for every process at once.
func (rt *runtime) sysCache() *goja.Object {
	mapName := func(what string, v goja.Value) string {
		name := str1(v)
		if name == "" || strings.ContainsRune(name, 0) || len(name) > maxStorageKey {
			rt.throwf(apperr.BadRequest, "%s: the map name must be a non-empty string", what)
		}
		return name
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"put": func(c goja.FunctionCall) goja.Value {
			const what = "sys.cache.put"
			kv := store.KeyValue{Space: cacheSpace + mapName(what, arg(c, 0)), Key: rt.storageKey(what, arg(c, 1)),
				Value: rt.storageValue(what, arg(c, 2))}
			prev, had, _, err := rt.kv(what).PutValue(rt.x.ctx, kv, store.PutAlways, rt.now())
			return rt.entryValue(prev, had, err, false)
		},
		"get": func(c goja.FunctionCall) goja.Value {
			const what = "sys.cache.get"
			kv, found, err := rt.kv(what).GetValue(rt.x.ctx, cacheSpace+mapName(what, arg(c, 0)), rt.storageKey(what, arg(c, 1)), rt.now())
			return rt.entryValue(kv, found, err, false)
		},
		"remove": func(c goja.FunctionCall) goja.Value {
			const what = "sys.cache.remove"
			kv, found, err := rt.kv(what).DeleteValue(rt.x.ctx, cacheSpace+mapName(what, arg(c, 0)), rt.storageKey(what, arg(c, 1)), rt.now())
			return rt.entryValue(kv, found, err, false)
		},
		"clear": func(c goja.FunctionCall) goja.Value {
			const what = "sys.cache.clear"
			space, all := cacheSpace, true
			if !isNothing(arg(c, 0)) {
				space, all = cacheSpace+mapName(what, arg(c, 0)), false
			}
			if err := rt.kv(what).ClearValues(rt.x.ctx, space, all); err != nil {
				rt.throw(err)
			}
			return goja.Undefined()
		},
		"maps": func(goja.FunctionCall) goja.Value {
			spaces, err := rt.kv("sys.cache.maps").ValueSpaces(rt.x.ctx, cacheSpace, rt.now())
			if err != nil {
				rt.throw(err)
			}
			names := make([]any, len(spaces))
			for i, s := range spaces {
				names[i] = strings.TrimPrefix(s, cacheSpace)
			}
			return rt.vm.NewArray(names...)
		},
		"mapKeys": func(c goja.FunctionCall) goja.Value {
			const what = "sys.cache.mapKeys"
			if isNothing(arg(c, 0)) {
				return rt.vm.NewArray()
			}
			keys, err := rt.kv(what).ValueKeys(rt.x.ctx, cacheSpace+mapName(what, arg(c, 0)), rt.now())
			if err != nil {
				rt.throw(err)
			}
			out := make([]any, len(keys))
			for i, k := range keys {
				out[i] = k
			}
			return rt.vm.NewArray(out...)
		},
	})
}

// storageKey checks a key: a non-empty string of at most 1,024 bytes of
// valid UTF-8 without NUL (PostgreSQL text holds none).
func (rt *runtime) storageKey(what string, v goja.Value) string {
	if isNothing(v) {
		rt.throwf(apperr.BadRequest, "%s needs a key", what)
	}
	k := v.String()
	if k == "" || len(k) > maxStorageKey || strings.ContainsRune(k, 0) || !utf8.ValidString(k) {
		rt.throwf(apperr.BadRequest, "%s: a key is a non-empty text of at most %d bytes, without NUL", what, maxStorageKey)
	}
	return k
}

// storageValue is a value's JSON.
func (rt *runtime) storageValue(what string, v goja.Value) []byte {
	if v == nil || goja.IsUndefined(v) {
		rt.throwf(apperr.BadRequest, "%s needs a value (null stores null)", what)
	}
	b, err := rt.toJSON(v)
	if err != nil {
		rt.throwf(apperr.BadRequest, "%s: the value cannot be stored: %v", what, err)
	}
	if len(b) > maxStorageValue {
		rt.throwf(apperr.BadRequest, "%s: the value is larger than %d bytes as JSON", what, maxStorageValue)
	}
	return b
}

// storageOptions reads an options object; a key it does not know is a
// badRequest (an option misspelt would otherwise store a secret in clear).
func (rt *runtime) storageOptions(what string, v goja.Value, known ...string) map[string]goja.Value {
	out := map[string]goja.Value{}
	if isNothing(v) {
		return out
	}
	o := objectOf(v)
	if o == nil {
		rt.throwf(apperr.BadRequest, "%s: the options must be an object", what)
	}
	for _, k := range o.Keys() {
		ok := false
		for _, n := range known {
			ok = ok || k == n
		}
		if !ok {
			rt.throwf(apperr.BadRequest, "%s: unknown option %q (%s)", what, k, strings.Join(known, ", "))
		}
		out[k] = o.Get(k)
	}
	return out
}

// seal encrypts a value's JSON with the app's key.
func (rt *runtime) seal(what string, plain []byte) []byte {
	key := rt.e.opts.SecretKey
	if key == nil {
		rt.throwf(apperr.BadRequest, "%s: encrypting needs the app's key, RUNWAY_SECRET_KEY, which this server was not given", what)
	}
	sealed, err := secret.Seal(key, plain)
	if err != nil {
		rt.throw(err)
	}
	b, _ := json.Marshal(sealed)
	return b
}

// entryValue is what a call answers for an entry read, replaced or
// removed: its value, or null when there was none.
func (rt *runtime) entryValue(kv store.KeyValue, found bool, err error, decrypt bool) goja.Value {
	if err != nil {
		rt.throw(err)
	}
	if !found {
		return goja.Null()
	}
	return rt.storedValue(kv, decrypt)
}

// storedValue is an entry's value for the script: a sealed one as its
// sealed text, or opened when decrypt.
func (rt *runtime) storedValue(kv store.KeyValue, decrypt bool) goja.Value {
	if kv.Sealed && decrypt {
		var sealed string
		if err := json.Unmarshal(kv.Value, &sealed); err != nil {
			rt.throw(err)
		}
		key := rt.e.opts.SecretKey
		if key == nil {
			rt.throwf(apperr.BadRequest, "sys.storage.get: decrypting needs the app's key, RUNWAY_SECRET_KEY, which this server was not given")
		}
		plain, err := secret.Open(key, sealed)
		if errors.Is(err, secret.ErrUnseal) {
			rt.throwf(apperr.BadRequest, "sys.storage.get: the entry was encrypted with another key than RUNWAY_SECRET_KEY")
		}
		if err != nil {
			rt.throw(err)
		}
		return rt.parseJSON(plain)
	}
	return rt.parseJSON(kv.Value)
}
