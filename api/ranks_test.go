package api_test

import (
	"testing"
)

// A rank filled at create sorts after every stored rank, including ranks
// written explicitly by creates and updates after earlier fills (the
// service keeps the highest rank rather than scanning for it on every
// create).
func TestRankFillAfterWrittenRanks(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	rank := func(m obj) string {
		t.Helper()
		r, _ := m["rank"].(string)
		if r == "" {
			t.Fatalf("no rank in %s", js(m))
		}
		return r
	}
	a := thing(t, s, obj{})
	b := thing(t, s, obj{})
	if !(rank(a) < rank(b)) {
		t.Fatalf("filled ranks %q then %q", rank(a), rank(b))
	}
	// An update writes a higher rank: the next fill goes after it.
	update(t, s, "things", a["id"], obj{"rank": "zzzzz"})
	if c := thing(t, s, obj{}); !(rank(c) > "zzzzz") {
		t.Errorf("fill after an update to zzzzz: %q", rank(c))
	}
	// So does a create with a written rank.
	thing(t, s, obj{"rank": "zzzzzzzz"})
	d := thing(t, s, obj{})
	if !(rank(d) > "zzzzzzzz") {
		t.Errorf("fill after a create with zzzzzzzz: %q", rank(d))
	}
	// A lower written rank changes nothing.
	thing(t, s, obj{"rank": "a"})
	e := thing(t, s, obj{})
	if !(rank(e) > rank(d)) {
		t.Errorf("fill after a lower written rank: %q, not after %q", rank(e), rank(d))
	}
	// Concurrent fills are all distinct and after every earlier rank.
	rs := race(t, s, racers, func(int) (string, string, any) { return "POST", "/data/things", withRequired(obj{}) })
	seen := map[string]bool{}
	for _, r := range rs {
		got := rank(r.Status(200).JSON())
		if seen[got] || !(got > rank(e)) {
			t.Errorf("concurrent fill %q: repeated or not after %q", got, rank(e))
		}
		seen[got] = true
	}
	// The highest rank sorts last.
	p := list(t, s, "things", q("_sortField", "rank", "_sortType", "desc", "_size", "1"))
	if r := rank(p.Items[0]); !seen[r] {
		t.Errorf("highest rank %q is not one of the last fills", r)
	}
}
