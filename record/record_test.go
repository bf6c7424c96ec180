package record

import (
	"encoding/json"
	"sort"
	"testing"
	"time"

	"runway/app"
	"runway/types"
)

func TestNewIDIsOrderedAndWellFormed(t *testing.T) {
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = NewID()
		if !IsID(ids[i]) {
			t.Fatalf("NewID() = %q, not 24 lowercase hex", ids[i])
		}
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatal("ids made one after the other are not in order")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
}

func TestNewIDNeverGoesBackInTime(t *testing.T) {
	later := newIDAt(time.Now().Add(time.Hour))
	earlier := newIDAt(time.Now())
	if earlier < later {
		t.Fatalf("id after a clock step back %s sorts before %s", earlier, later)
	}
}

func TestIsID(t *testing.T) {
	for s, want := range map[string]bool{
		"6650a1b2c3d4e5f601234567":  true,
		"6650A1B2C3D4E5F601234567":  false,
		"6650a1b2c3d4e5f60123456":   false,
		"6650a1b2c3d4e5f6012345678": false,
		"6650a1b2c3d4e5f60123456g":  false,
		"":                          false,
	} {
		if got := IsID(s); got != want {
			t.Errorf("IsID(%q) = %v, want %v", s, got, want)
		}
	}
}

func testEntity() *app.Entity {
	rules := &types.Rules{}
	return &app.Entity{FullName: "things", Fields: []*app.Field{
		{Name: "name", Type: types.Text, Rules: rules},
		{Name: "secret", Type: types.Text, Rules: rules, Transient: true},
		{Name: "count", Type: types.Integer, Rules: rules},
		{Name: "tags", Type: types.Text, Many: true, Rules: rules},
		{Name: "address", Type: types.Nested, Rules: rules, Nested: []*app.Field{
			{Name: "street", Type: types.Text, Rules: rules},
			{Name: "zip", Type: types.Text, Rules: rules},
		}},
	}}
}

func TestEncodeOrdersFieldsAndSkipsTransientAndNil(t *testing.T) {
	v := Values{
		"count":   int64(3),
		"name":    "A \"quoted\"\n<name>",
		"secret":  "never stored",
		"tags":    []any{"x", "y"},
		"address": Values{"zip": "1234", "street": "Main 1", "id": "6650a1b2c3d4e5f601234567", "label": "Address"},
		"missing": nil,
	}
	got := string(Encode(testEntity(), "6650a1b2c3d4e5f60123aaaa", 4, "lbl", v, nil))
	want := `{"id":"6650a1b2c3d4e5f60123aaaa","version":4,"label":"lbl","name":"A \"quoted\"\n<name>","count":3,"tags":["x","y"],` +
		`"address":{"id":"6650a1b2c3d4e5f601234567","label":"Address","street":"Main 1","zip":"1234"}}`
	if got != want {
		t.Fatalf("Encode:\n got %s\nwant %s", got, want)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
}

func TestEncodeProjection(t *testing.T) {
	v := Values{"name": "n", "count": int64(1), "address": Values{"id": "i", "label": "l", "street": "s", "zip": "z"}}
	got := string(Encode(testEntity(), "id1", 0, "l", v, FieldSet{"address": FieldSet{"zip": nil}}))
	want := `{"id":"id1","version":0,"label":"l","address":{"id":"i","label":"l","zip":"z"}}`
	if got != want {
		t.Fatalf("projection:\n got %s\nwant %s", got, want)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	e := testEntity()
	v := Values{"name": "n", "count": int64(12345678901), "tags": []any{}, "address": Values{"id": "i", "label": "l", "street": "s"}}
	doc := Encode(e, "6650a1b2c3d4e5f601234567", 7, "n", v, nil)
	id, version, label, got, err := Decode(doc)
	if err != nil {
		t.Fatal(err)
	}
	if id != "6650a1b2c3d4e5f601234567" || version != 7 || label != "n" {
		t.Fatalf("system fields: %s %d %s", id, version, label)
	}
	if again := Encode(e, id, version, label, got, nil); string(again) != string(doc) {
		t.Fatalf("re-encoding changed the document:\n%s\n%s", doc, again)
	}
}

func FuzzWriteString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote\"back\\slash", "\x00\x1f\u2028", "ünïcödé 😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc := Encode(&app.Entity{Fields: []*app.Field{{Name: "s", Type: types.Text, Rules: &types.Rules{}}}}, "i", 0, s, Values{"s": s}, nil)
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatalf("invalid JSON for %q: %v: %s", s, err, doc)
		}
		want, _ := json.Marshal(s)
		var back string
		_ = json.Unmarshal(want, &back)
		if m["label"] != back || m["s"] != back {
			t.Fatalf("value changed: %q → %v", s, m["s"])
		}
	})
}

func TestNewIDCounterOverflowBorrowsTheNextSecond(t *testing.T) {
	now := time.Now().Add(48 * time.Hour)
	first := newIDAt(now)
	idMu.Lock()
	counter = 0xffffff
	idMu.Unlock()
	next := newIDAt(now)
	if next <= first {
		t.Fatalf("id after counter overflow %s does not sort after %s", next, first)
	}
}

// TestReadsBack: Decode gives a document's values back unless a field is
// transient (left out of the document) or a string is not UTF-8 (replaced
// when decoded).
func TestReadsBack(t *testing.T) {
	plain := &app.Entity{FullName: "plain", Fields: testEntity().Fields[:1]}
	v := Values{"name": "Zoë"}
	doc := Encode(plain, "6650a1b2c3d4e5f60123aaaa", 0, "l", v, nil)
	if !ReadsBack(plain, doc) {
		t.Errorf("%s: does not read back", doc)
	}
	if _, _, _, got, err := Decode(doc); err != nil || got["name"] != v["name"] {
		t.Errorf("decoded %v, %v", got, err)
	}
	bad := Encode(plain, "6650a1b2c3d4e5f60123aaaa", 0, "l", Values{"name": "Zo\xeb"}, nil)
	if ReadsBack(plain, bad) {
		t.Errorf("%q reads back", bad)
	}
	if _, _, _, got, _ := Decode(bad); got["name"] == "Zo\xeb" {
		t.Errorf("decoded %q as it was: the check is not needed", got["name"])
	}
	if ReadsBack(testEntity(), Encode(testEntity(), "6650a1b2c3d4e5f60123aaaa", 0, "l", v, nil)) {
		t.Error("an entity with a transient field reads back")
	}
}
