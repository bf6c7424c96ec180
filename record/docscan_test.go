package record

import (
	"bytes"
	"encoding/json"
	"testing"
)

// sameMembers fails unless Members, Elements and StringText read a valid
// JSON object as encoding/json does: the same members (the last of a
// repeated key), each value the same bytes, arrays the same elements,
// strings the same text. On anything else they must not panic.
func sameMembers(t *testing.T, doc []byte) {
	t.Helper()
	got := map[string][]byte{}
	err := Members(doc, func(k, v []byte) error { got[string(k)] = v; return nil })
	var want map[string]json.RawMessage
	if json.Unmarshal(doc, &want) != nil || want == nil {
		return
	}
	if err != nil {
		t.Fatalf("%q: Members: %v; encoding/json read it", doc, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%q: %d members, encoding/json %d", doc, len(got), len(want))
	}
	for k, w := range want {
		v := got[k]
		if !bytes.Equal(v, w) {
			t.Errorf("%q: member %q is %q, encoding/json %q", doc, k, v, w)
		}
		var items []json.RawMessage
		if json.Unmarshal(w, &items) == nil && items != nil {
			var els [][]byte
			if err := Elements(v, func(e []byte) error { els = append(els, e); return nil }); err != nil || len(els) != len(items) {
				t.Errorf("%q: elements of %q: %q (%v), encoding/json %q", doc, k, els, err, items)
			}
			for i := range min(len(els), len(items)) {
				if !bytes.Equal(els[i], items[i]) {
					t.Errorf("%q: element %d of %q is %q, encoding/json %q", doc, i, k, els[i], items[i])
				}
			}
		}
		var s string
		if w[0] == '"' && json.Unmarshal(w, &s) == nil {
			if text, ok := StringText(v); !ok || string(text) != s {
				t.Errorf("%q: text of %q: %q (%v), encoding/json %q", doc, k, text, ok, s)
			}
		} else if _, ok := StringText(v); ok {
			t.Errorf("%q: %q read as a string", doc, v)
		}
	}
}

func TestMembersLikeEncodingJSON(t *testing.T) {
	for _, doc := range decodeSeeds {
		sameMembers(t, []byte(doc))
	}
	for _, doc := range []string{`{"a":[1,{"b":[]}],"k\u0065y":"v"}`, `{"a":"x" "b":1}`, `{"a":[1 2]}`, `{"a":`, `{} x`, `[1]`} {
		sameMembers(t, []byte(doc))
	}
	// what the export reads: values in place, keys unescaped
	var keys []string
	err := Members([]byte(` {"id":"a1", "k\u0065y" : [ 1, "x" ] } `), func(k, v []byte) error { keys = append(keys, string(k)+"="+string(v)); return nil })
	if err != nil || len(keys) != 2 || keys[1] != `key=[ 1, "x" ]` {
		t.Errorf("members %q, %v", keys, err)
	}
	for _, bad := range []string{`{"a":1,}`, `{"a" 1}`, `{"a":1} x`, `[1]`, `{"a":tru}`, `{"a":"x}`} {
		if err := Members([]byte(bad), func(k, v []byte) error { return nil }); err == nil && !json.Valid([]byte(bad)) {
			t.Errorf("%q read as an object", bad)
		}
	}
}

func FuzzMembers(f *testing.F) {
	for _, doc := range decodeSeeds {
		f.Add([]byte(doc))
	}
	f.Fuzz(sameMembers)
}
