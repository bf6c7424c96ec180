package script_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"runway/app"
	"runway/apperr"
	"runway/clock"
	"runway/runtime"
	"runway/script"
	"runway/store"
	"runway/store/postgres"
)

var storageKey = bytes.Repeat([]byte{42}, 32)

// sys.storage as documented: put answers the previous value, putIfAbsent
// and replace whether they wrote, remove what it removed; objects come
// back as objects; ttl on the engine's clock; encrypted entries are sealed
// in the table and read back in clear only with decrypt.
func TestSysStorage(t *testing.T) {
	clk := clock.NewManual(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	v := newEnv(t, coverageApp, script.Options{Clock: clk, SecretKey: storageKey})
	got := v.mustEval(`
		var out = {};
		out.first = sys.storage.put('key1', 'a');
		out.second = sys.storage.put('key1', {prop1: 'a', prop2: [1, 2]});
		out.get = sys.storage.get('key1');
		out.absent = sys.storage.putIfAbsent('key1', 'b');
		out.absentNew = sys.storage.putIfAbsent('key2', 'b');
		out.replaced = sys.storage.replace('key2', 'c');
		out.replaceMissing = sys.storage.replace('keyThatDoesNotExist', 'c');
		out.missing = sys.storage.get('keyThatDoesNotExist');
		out.removed = sys.storage.remove('key2');
		out.removedAgain = sys.storage.remove('key2');
		out.nullValue = sys.storage.put('n', null);
		return out;`)
	want := `{"absent":false,"absentNew":true,"first":null,"get":{"prop1":"a","prop2":[1,2]},"missing":null,"nullValue":null,` +
		`"removed":"c","removedAgain":null,"replaceMissing":false,"replaced":true,"second":"a"}`
	if got != want {
		t.Errorf("storage:\n got %s\nwant %s", got, want)
	}

	// A key with a ttl lives until then (the engine's clock).
	v.mustEval(`sys.storage.put('short', 'lived', {ttl: 60 * 60 * 1000});`)
	clk.Advance(59 * time.Minute)
	if got := v.mustEval(`return sys.storage.get('short');`); got != `"lived"` {
		t.Errorf("before the ttl: %s", got)
	}
	clk.Advance(time.Minute)
	if got := v.mustEval(`return [sys.storage.get('short'), sys.storage.putIfAbsent('short', 'again')];`); got != `[null,true]` {
		t.Errorf("after the ttl: %s", got)
	}

	// Encrypted: sealed in the table, the sealed text without decrypt.
	got = v.mustEval(`sys.storage.put('token', 'Okd4j6', {encrypt: true});
		return [sys.storage.get('token'), sys.storage.get('token', {decrypt: true}), sys.storage.get('key1', {decrypt: true}).prop1];`)
	if !strings.Contains(got, `"sealed:v1:`) || strings.Count(got, "Okd4j6") != 1 || !strings.HasSuffix(got, `,"Okd4j6","a"]`) {
		t.Errorf("encrypted: %s", got)
	}
	raw, _, err := v.kv().GetValue(context.Background(), "storage", "token", clk.Now().UnixMilli())
	if err != nil || !raw.Sealed || bytes.Contains(raw.Value, []byte("Okd4j6")) {
		t.Errorf("in the table: %+v %v", raw, err)
	}

	// Bad calls are badRequest; clear empties the storage.
	for _, src := range []string{
		`sys.storage.get()`, `sys.storage.put('', 1)`, `sys.storage.put('k')`, `sys.storage.put('k', 1, {ttl: -1})`,
		`sys.storage.put('k', 1, {encrypted: true})`, `sys.storage.get('k', {decrpyt: true})`,
		`sys.storage.put('` + strings.Repeat("k", 1025) + `', 1)`, `sys.storage.put('k\u0000', 1)`,
		`sys.storage.put('big', '` + strings.Repeat("x", 1<<20) + `')`,
	} {
		if _, err := v.eval(src); !apperr.Is(err, apperr.BadRequest) {
			t.Errorf("%.60s: %v", src, err)
		}
	}
	if got := v.mustEval(`sys.storage.clear(); return [sys.storage.get('key1'), sys.storage.get('token')];`); got != `[null,null]` {
		t.Errorf("after clear: %s", got)
	}

	// Without the app's key, encrypting is refused.
	keyless := newEnv(t, coverageApp)
	if _, err := keyless.eval(`sys.storage.put('t', 'x', {encrypt: true})`); !apperr.Is(err, apperr.BadRequest) || !strings.Contains(err.Error(), "RUNWAY_SECRET_KEY") {
		t.Errorf("encrypt without a key: %v", err)
	}
}

// sys.cache: named maps in the same table.
func TestSysCache(t *testing.T) {
	v := newEnv(t, coverageApp)
	got := v.mustEval(`
		var out = {};
		out.first = sys.cache.put('users', 'u1', {name: 'Ann'});
		out.second = sys.cache.put('users', 'u1', {name: 'Bob'});
		sys.cache.put('users', 'u2', 2);
		sys.cache.put('rates', 'usd', 1.1);
		out.get = sys.cache.get('users', 'u1').name;
		out.otherMap = sys.cache.get('rates', 'u1');
		out.maps = sys.cache.maps();
		out.keys = sys.cache.mapKeys('users');
		out.noMap = sys.cache.mapKeys();
		out.removed = sys.cache.remove('users', 'u2');
		sys.cache.clear('rates');
		out.afterClear = sys.cache.maps();
		sys.cache.clear();
		out.afterClearAll = sys.cache.maps();
		out.storageUntouched = sys.storage.put('k', 1) === null;
		return out;`)
	want := `{"afterClear":["users"],"afterClearAll":[],"first":null,"get":"Bob","keys":["u1","u2"],"maps":["rates","users"],` +
		`"noMap":[],"otherMap":null,"removed":2,"second":{"name":"Ann"},"storageUntouched":true}`
	if got != want {
		t.Errorf("cache:\n got %s\nwant %s", got, want)
	}
}

// Two runtimes on one PostgreSQL database — two processes — share the
// storage: what one puts, encrypted or not, the other reads, and one
// putIfAbsent wins.
func TestStorageSharedOnPostgres(t *testing.T) {
	ctx, url := context.Background(), postgresDatabase(t)
	a := coverageAppModel(t)
	open := func() *script.Engine {
		st, err := postgres.Open(ctx, url, postgres.Options{PoolSize: 4})
		if err != nil {
			t.Fatal(err)
		}
		rt, err := runtime.Open(ctx, runtime.Config{App: a, Store: st, SecretKey: storageKey})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rt.Close(); st.Close() })
		return rt.Scripts
	}
	one, two := open(), open()
	eval := func(e *script.Engine, src string) string {
		t.Helper()
		out, err := e.EvalAs(ctx, t, dev, src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return out
	}
	eval(one, `sys.storage.put('shared', {n: 1}); sys.storage.put('secret', 'pw', {encrypt: true}); sys.cache.put('m', 'k', 'v');`)
	if got := eval(two, `return [sys.storage.get('shared').n, sys.storage.get('secret', {decrypt: true}), sys.cache.get('m', 'k')];`); got != `[1,"pw","v"]` {
		t.Errorf("read by the other process: %s", got)
	}
	if got := eval(two, `return [sys.storage.putIfAbsent('lock', 'two'), sys.storage.replace('shared', 2)];`); got != `[true,true]` {
		t.Errorf("two: %s", got)
	}
	if got := eval(one, `return [sys.storage.putIfAbsent('lock', 'one'), sys.storage.get('lock'), sys.storage.get('shared')];`); got != `[false,"two",2]` {
		t.Errorf("one after two: %s", got)
	}
	eval(two, `sys.cache.clear();`)
	if got := eval(one, `return sys.cache.get('m', 'k');`); got != `null` {
		t.Errorf("cache cleared by the other process: %s", got)
	}
}

// kv is the env's store as a key/value table.
func (v *env) kv() store.KeyValues { return v.store }

func coverageAppModel(t *testing.T) *app.App {
	t.Helper()
	a, _, err := app.Load(coverageApp)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
