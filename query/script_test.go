package query

import (
	"errors"
	"reflect"
	"testing"

	"runway/record"
)

func TestWithoutScriptsAndDecide(t *testing.T) {
	a, e := kitchen(t)
	x, err := ParseMap(a, e, map[string]any{"requiredText": "a"}, MapOptions{Param: "q", Metadata: true})
	if err != nil {
		t.Fatal(err)
	}
	yes, no := &Script{Ref: "js/yes"}, &Script{Ref: "js/no"}
	decide := func(sc *Script) (bool, error) { return sc == yes, nil }
	rec := record.Values{"requiredText": "a"}
	other := record.Values{"requiredText": "b"}
	cases := []struct {
		name    string
		x       Expr
		without Expr
		onA     bool // decided on a record with requiredText a
		onB     bool
	}{
		{"no script", x, x, true, false},
		{"script alone", yes, And{}, true, true},
		{"and", And{x, no}, And{x}, false, false},
		{"and true", And{x, yes}, And{x}, true, false},
		{"or", Or{x, yes}, And{}, true, true},
		{"or false", Or{x, no}, And{}, true, false},
		{"nested", Or{And{x, yes}, And{no}}, Or{And{x}, And{}}, true, false},
	}
	for _, c := range cases {
		if got := WithoutScripts(c.x); !reflect.DeepEqual(got, c.without) {
			t.Errorf("%s: WithoutScripts = %#v, want %#v", c.name, got, c.without)
		}
		if got, err := Decide(c.x, rec, "id", "", decide); err != nil || got != c.onA {
			t.Errorf("%s: Decide on a = %v %v, want %v", c.name, got, err, c.onA)
		}
		if got, err := Decide(c.x, other, "id", "", decide); err != nil || got != c.onB {
			t.Errorf("%s: Decide on b = %v %v, want %v", c.name, got, err, c.onB)
		}
		// The superset holds: whatever Decide accepts, the store's
		// expression (decided without scripts) accepts too.
		for _, v := range []record.Values{rec, other} {
			full, _ := Decide(c.x, v, "id", "", decide)
			super, err := Match(WithoutScripts(c.x), v, "id", "")
			if err != nil || full && !super {
				t.Errorf("%s: not a superset on %v (%v)", c.name, v, err)
			}
		}
	}
	// Scripts run only when their answer matters; their errors stop.
	calls := 0
	count := func(*Script) (bool, error) { calls++; return true, nil }
	if ok, _ := Decide(And{x, yes}, other, "id", "", count); ok || calls != 0 {
		t.Errorf("a script ran after a false condition: %d calls", calls)
	}
	boom := errors.New("boom")
	if _, err := Decide(Or{yes}, rec, "id", "", func(*Script) (bool, error) { return false, boom }); err != boom {
		t.Errorf("script error: %v", err)
	}
	if HasScript(x) || !HasScript(Or{x, And{no}}) {
		t.Error("HasScript")
	}
	if _, err := Match(yes, rec, "id", ""); err == nil {
		t.Error("Match decided a script")
	}
}
