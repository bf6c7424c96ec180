package storetest

import (
	"context"
	"strings"
	"testing"

	"runway/app"
	"runway/query"
	"runway/types"
)

// Closing takes what a store's Open returns: it fails t on an error and
// closes the store when t ends (an error closing fails t too).
//
//	return storetest.Closing[*Store](t)(Open(ctx, path))
func Closing[S interface{ Close() error }](t testing.TB) func(S, error) S {
	return func(s S, err error) S {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		return s
	}
}

// Must takes what a store's Open returns and fails t on an error; the
// caller closes the store.
func Must[S any](t testing.TB) func(S, error) S {
	return func(s S, err error) S {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// BadNames: names that are not identifiers never reach SQL: Sync refuses
// them and the store is intact afterwards.
func BadNames(t *testing.T, open Opener) {
	s, a := Open(t, open)
	ctx := context.Background()
	bad := &app.App{Entities: map[string]*app.Entity{"x": {Name: "x", FullName: `x"; DROP TABLE _meta; --`}}}
	if err := s.Sync(ctx, bad); err == nil {
		t.Fatal("bad entity name accepted")
	}
	bad = &app.App{Entities: map[string]*app.Entity{"x": {Name: "x", FullName: "x",
		Fields: []*app.Field{Fld("a')) --", types.Text, Unique)}}}}
	if err := s.Sync(ctx, bad); err == nil {
		t.Fatal("bad field name accepted")
	}
	if err := s.Sync(ctx, a); err != nil {
		t.Fatalf("sync after the refused ones: %v", err)
	}
	e := a.Entity("companies")
	Insert(t, s, e, Row(1, map[string]any{"name": "still here"}))
	if n, err := s.Count(ctx, e, nil); err != nil || n != 1 {
		t.Fatalf("store damaged: %d %v", n, err)
	}
}

// ValuesAreBound: no value ever appears in the text of a statement of
// compile (a store's compiler of a companies Select), whose placeholders
// start with placeholder.
func ValuesAreBound(t *testing.T, compile func(*query.Select) (string, []any, error), placeholder string) {
	e := App().Entity("companies")
	marker := "zz'\"marker"
	for _, op := range []query.Op{query.Equals, query.NotEquals, query.Like, query.Greater, query.Less} {
		for _, path := range []string{"name", "email", "phone", "tags", "addresses.codes", "owner", "id", "big"} {
			q, args, err := compile(&query.Select{Where: Cond(t, e, path, op, marker), After: marker})
			if err != nil {
				t.Fatalf("%s %s: %v", path, op, err)
			}
			if strings.Contains(q, "marker") {
				t.Errorf("%s %s: value in SQL: %s", path, op, q)
			}
			if n := strings.Count(q, placeholder); n != len(args) {
				t.Errorf("%s %s: %d placeholders, %d args", path, op, n, len(args))
			}
		}
	}
}
