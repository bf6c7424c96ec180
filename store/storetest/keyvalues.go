package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"runway/store"
)

// KeyValues: the key/value table of sys.storage and sys.cache — the put
// modes, expiry at the time given, spaces kept apart, listing in byte
// order, clearing a space or a prefix, and one winner among concurrent
// putIfAbsent.
func KeyValues(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	const now = int64(1_000_000)
	put := func(kv store.KeyValue, mode store.PutMode, at int64) (store.KeyValue, bool, bool) {
		t.Helper()
		prev, had, written, err := s.PutValue(ctx, kv, mode, at)
		if err != nil {
			t.Fatalf("put %+v: %v", kv, err)
		}
		return prev, had, written
	}
	get := func(space, key string, at int64) (store.KeyValue, bool) {
		t.Helper()
		kv, found, err := s.GetValue(ctx, space, key, at)
		if err != nil {
			t.Fatal(err)
		}
		return kv, found
	}
	a1 := store.KeyValue{Space: "storage", Key: "a", Value: []byte(`"one"`)}
	if _, had, written := put(a1, store.PutAlways, now); had || !written {
		t.Errorf("first put: had %v written %v", had, written)
	}
	a2 := store.KeyValue{Space: "storage", Key: "a", Value: []byte(`{"n":2}`), Sealed: true}
	if prev, had, _ := put(a2, store.PutAlways, now); !had || string(prev.Value) != `"one"` || prev.Sealed {
		t.Errorf("second put: prev %+v had %v", prev, had)
	}
	if kv, found := get("storage", "a", now); !found || string(kv.Value) != `{"n":2}` || !kv.Sealed || kv.Key != "a" || kv.Space != "storage" {
		t.Errorf("get a: %+v %v", kv, found)
	}
	// The same key in another space is another entry.
	if _, found := get("cache:m", "a", now); found {
		t.Error("spaces must be apart")
	}
	// putIfAbsent writes only where there is nothing; replace only over
	// something.
	if _, _, written := put(store.KeyValue{Space: "storage", Key: "a", Value: []byte(`3`)}, store.PutIfAbsent, now); written {
		t.Error("putIfAbsent over an entry wrote")
	}
	if _, _, written := put(store.KeyValue{Space: "storage", Key: "b", Value: []byte(`3`)}, store.PutIfPresent, now); written {
		t.Error("replace without an entry wrote")
	}
	if _, found := get("storage", "b", now); found {
		t.Error("replace without an entry stored one")
	}
	if _, _, written := put(store.KeyValue{Space: "storage", Key: "a", Value: []byte(`4`)}, store.PutIfPresent, now); !written {
		t.Error("replace over an entry did not write")
	}
	if kv, _ := get("storage", "a", now); string(kv.Value) != `4` || kv.Sealed {
		t.Errorf("after replace: %+v", kv)
	}

	// Expiry: an entry is there until its Expires, then absent everywhere,
	// and an expired key is free again.
	tmp := store.KeyValue{Space: "storage", Key: "tmp", Value: []byte(`"t"`), Expires: now + 100}
	put(tmp, store.PutAlways, now)
	if _, found := get("storage", "tmp", now+99); !found {
		t.Error("entry gone before it expires")
	}
	if _, found := get("storage", "tmp", now+100); found {
		t.Error("expired entry still read")
	}
	if keys, _ := s.ValueKeys(ctx, "storage", now+100); !reflect.DeepEqual(keys, []string{"a"}) {
		t.Errorf("keys with an expired one: %v", keys)
	}
	if _, _, written := put(store.KeyValue{Space: "storage", Key: "tmp", Value: []byte(`"new"`)}, store.PutIfAbsent, now+200); !written {
		t.Error("putIfAbsent over an expired entry did not write")
	}
	put(store.KeyValue{Space: "storage", Key: "gone", Value: []byte(`1`), Expires: now + 10}, store.PutAlways, now)
	if _, found, err := s.DeleteValue(ctx, "storage", "gone", now+10); err != nil || found {
		t.Errorf("remove of an expired entry: found %v %v", found, err)
	}
	if _, _, written := put(store.KeyValue{Space: "storage", Key: "gone", Value: []byte(`2`)}, store.PutIfPresent, now+20); written {
		t.Error("replace over an expired entry wrote")
	}

	// Remove answers what it removed.
	kv, found, err := s.DeleteValue(ctx, "storage", "a", now)
	if err != nil || !found || string(kv.Value) != `4` {
		t.Errorf("remove: %+v %v %v", kv, found, err)
	}
	if _, found, _ := s.DeleteValue(ctx, "storage", "a", now); found {
		t.Error("second remove found something")
	}

	// Keys and spaces in byte order; clearing one space or a prefix.
	for _, sp := range []string{"cache:b", "cache:a", "cache:ab", "storage"} {
		for _, k := range []string{"z", "B", "a", "é"} {
			put(store.KeyValue{Space: sp, Key: k, Value: []byte(`true`)}, store.PutAlways, now)
		}
	}
	if keys, err := s.ValueKeys(ctx, "cache:a", now); err != nil || !reflect.DeepEqual(keys, []string{"B", "a", "z", "é"}) {
		t.Errorf("keys: %v %v", keys, err)
	}
	if spaces, err := s.ValueSpaces(ctx, "cache:", now); err != nil || !reflect.DeepEqual(spaces, []string{"cache:a", "cache:ab", "cache:b"}) {
		t.Errorf("spaces: %v %v", spaces, err)
	}
	if err := s.ClearValues(ctx, "cache:a", false); err != nil {
		t.Fatal(err)
	}
	if spaces, _ := s.ValueSpaces(ctx, "cache:", now); !reflect.DeepEqual(spaces, []string{"cache:ab", "cache:b"}) {
		t.Errorf("after clearing cache:a: %v", spaces)
	}
	if err := s.ClearValues(ctx, "cache:", true); err != nil {
		t.Fatal(err)
	}
	if spaces, _ := s.ValueSpaces(ctx, "", now); !reflect.DeepEqual(spaces, []string{"storage"}) {
		t.Errorf("after clearing the cache: %v", spaces)
	}
	if err := s.ClearValues(ctx, "storage", false); err != nil {
		t.Fatal(err)
	}
	if keys, _ := s.ValueKeys(ctx, "storage", now); len(keys) != 0 {
		t.Errorf("after clear: %v", keys)
	}

	// Of concurrent putIfAbsent on one key, exactly one writes.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 8 {
		wg.Go(func() {
			_, _, written, err := s.PutValue(ctx, store.KeyValue{Space: "storage", Key: "race", Value: []byte(fmt.Sprint(i))}, store.PutIfAbsent, now)
			if err != nil {
				t.Error(err)
			}
			if written {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent putIfAbsent wrote, want 1", wins)
	}
}
