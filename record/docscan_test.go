package record

import (
	"bytes"
	"encoding/binary"
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

// TestPlainWord checks the word-at-a-time test against the byte test for
// every byte value in every position of a word of plain bytes.
func TestPlainWord(t *testing.T) {
	plainByte := func(c byte) bool { return c != '"' && c != '\\' && c >= 0x20 && c < 0x80 }
	for pos := range 8 {
		for c := range 256 {
			w := []byte("abcdefgh")
			w[pos] = byte(c)
			want := plainByte(byte(c))
			if got := plainWord(binary.LittleEndian.Uint64(w)); got != want {
				t.Fatalf("byte %#x at %d: plain %v, want %v", c, pos, got, want)
			}
		}
	}
	// every pair of bytes around the boundaries, in two positions
	edges := []byte{0, 0x1f, 0x20, 0x21, '"' - 1, '"', '"' + 1, '\\' - 1, '\\', '\\' + 1, 0x7f, 0x80, 0xff}
	for _, a := range edges {
		for _, b := range edges {
			w := []byte("        ")
			w[2], w[5] = a, b
			if got, want := plainWord(binary.LittleEndian.Uint64(w)), plainByte(a) && plainByte(b); got != want {
				t.Fatalf("bytes %#x, %#x: plain %v, want %v", a, b, got, want)
			}
		}
	}
}

// BenchmarkMembers reads every member of a demo company's document, as an
// export does.
func BenchmarkMembers(b *testing.B) {
	doc := []byte(`{"id":"6b15ec2fd446259547091157","version":0,"label":"Company 0000000","name":"Company 0000000","state":"active","type":"a","numberOfEmployees":0,"isCustomer":false,"contactInformation":{"id":"6b15ec2fd446259547091158","label":"Contact Information","email":"info0@example.org"},"addresses":[{"id":"6b15ec2fd446259547091159","label":"IL - 00000","addressLine":"0 Main St","zipCode":"00000","city":"Springfield","state":"IL"}],"rating":"0","notes":"Note of company 0, with a comma","lastMeeting":1714559400000,"lastUpdate":1796598831804,"created":1796598831804}`)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if err := Members(doc, func(k, v []byte) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
