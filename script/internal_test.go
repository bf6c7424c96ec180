package script

import (
	"testing"
	"time"

	"runway/app"
)

// Unit tests of the engine's own functions; the tests that run scripts
// over a runtime are in package script_test.

func TestBindingRule(t *testing.T) {
	canon := app.ArgsOneRecord // record, oldRecord, action
	cases := []struct {
		params []string
		want   []int // nil: positional
	}{
		{nil, nil},
		{[]string{"record", "oldRecord", "action"}, nil}, // canonical order is positional anyway
		{[]string{"record"}, nil},
		{[]string{"action", "record"}, []int{2, 0}},
		{[]string{"action"}, []int{2}},
		{[]string{"r", "old", "a"}, nil}, // unknown names: positional
		{[]string{"action", "x"}, nil},   // one unknown name: positional
		{[]string{"oldRecord", "record"}, []int{1, 0}},
	}
	for _, c := range cases {
		got := binding(c.params, canon)
		if len(got) != len(c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("binding(%v) = %v, want %v", c.params, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("binding(%v) = %v, want %v", c.params, got, c.want)
			}
		}
	}
	// §8 Q5: a manyRecords context accepts record/oldRecord names (null).
	if got := binding([]string{"record", "oldRecord", "action"}, app.ArgsManyRecords); len(got) != 3 || got[0] != -1 || got[1] != -1 || got[2] != 1 {
		t.Errorf("manyRecords binding of (record, oldRecord, action) = %v", got)
	}
}

func TestTickID(t *testing.T) {
	tick := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b := tickID("tick", tick), tickID("tick", tick.Add(time.Minute))
	if a == b || a != tickID("tick", tick) || a == tickID("tock", tick) || len(a) != 24 {
		t.Errorf("tick ids %s %s", a, b)
	}
}
