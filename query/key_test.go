package query

import (
	"testing"

	"runway/app"
)

// Expressions built apart that select the same records share a key; any
// difference of operator, value, value type, path, member or structure
// gives another.
func TestKey(t *testing.T) {
	name := &app.Field{Name: "name", Type: "text"}
	n := &app.Field{Name: "n", Type: "integer"}
	cond := func(f *app.Field, op Op, vs ...any) *Cond {
		return &Cond{Target: Target{Path: []Step{{Name: f.Name}}, Field: f}, Op: op, Values: vs}
	}
	build := func() Expr {
		return And{cond(name, Like, "a"), Or{cond(n, Greater, int64(4)), &Cond{Target: Target{System: SysLabel}, Op: Like, Values: []any{"x"}}}}
	}
	if a, b := Key(build()), Key(build()); a != b {
		t.Fatalf("equal expressions, keys %q and %q", a, b)
	}
	others := []Expr{
		nil,
		And{cond(name, Like, "a")},
		Or{cond(name, Like, "a"), Or{cond(n, Greater, int64(4)), &Cond{Target: Target{System: SysLabel}, Op: Like, Values: []any{"x"}}}},
		And{cond(name, Like, "b"), Or{cond(n, Greater, int64(4)), &Cond{Target: Target{System: SysLabel}, Op: Like, Values: []any{"x"}}}},
		And{cond(name, Equals, "a"), Or{cond(n, Greater, int64(4)), &Cond{Target: Target{System: SysLabel}, Op: Like, Values: []any{"x"}}}},
		And{cond(name, Like, "a"), Or{cond(n, Greater, "4"), &Cond{Target: Target{System: SysLabel}, Op: Like, Values: []any{"x"}}}},
		And{cond(name, Like, "a"), Or{cond(n, Greater, int64(4)), &Cond{Target: Target{System: SysID}, Op: Like, Values: []any{"x"}}}},
		And{&Cond{Target: Target{Path: []Step{{Name: "name", Many: true}}, Field: name}, Op: Like, Values: []any{"a"}},
			Or{cond(n, Greater, int64(4)), &Cond{Target: Target{System: SysLabel}, Op: Like, Values: []any{"x"}}}},
		And{cond(name, Equals, "a b")},
		And{cond(name, Equals, "a", "b")},
		And{cond(name, Equals, "a string:b")},
		&Text{Index: "i", Terms: []string{"a"}},
		&Text{Index: "i", Terms: []string{"a b"}},
		&Text{Index: "i", Terms: []string{"a", "b"}},
	}
	seen := map[string]int{Key(build()): -1}
	for i, x := range others {
		k := Key(x)
		if j, dup := seen[k]; dup {
			t.Errorf("expressions %d and %d share the key %q", i, j, k)
		}
		seen[k] = i
	}
}
