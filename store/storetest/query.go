package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"runway/app"
	"runway/query"
	"runway/store"
	"runway/types"
)

// Injection is a company name trying SQL injection.
const Injection = `x'); DROP TABLE "e_companies"; --`

// seed opens a store synced with App() and seeds its companies.
func seed(t *testing.T, open Opener) (store.Store, *app.Entity) {
	s, a := Open(t, open)
	e := a.Entity("companies")
	Seed(t, s, e)
	return s, e
}

// Seed inserts five companies (of App()) covering missing values, arrays
// and nesting, one of them named Injection.
func Seed(t testing.TB, s store.Store, e *app.Entity) {
	t.Helper()
	// inserted out of id order so that rowid order never passes for id order
	r := map[int]*store.Row{}
	for i, rw := range []*store.Row{
		Row(1, map[string]any{
			"name": "Acme Corp", "email": "info@acme.com", "budget": 100, "score": 1.5, "active": true,
			"phone": "1-702-845-9380", "big": "10.5", "tags": []any{"red", "blue"},
			"owner":              map[string]any{"id": ID(100), "label": "Alice"},
			"contactInformation": map[string]any{"email": "Boss@Acme.com", "city": "Paris"},
			"addresses": []any{
				map[string]any{"state": "CA", "codes": []any{"a1", "b2"}, "zip": "1"},
				map[string]any{"state": "NY", "codes": []any{}},
			},
		}),
		Row(2, map[string]any{
			"name": "Beta LLC", "email": "beta@x.org", "budget": 200, "score": 2.5, "active": false,
			"phone": "(702) 555", "big": "9.99", "tags": []any{"green"},
			"owner":              map[string]any{"id": ID(101), "label": "Bob"},
			"contactInformation": map[string]any{"city": "Berlin"},
			"addresses":          []any{map[string]any{"state": "TX"}},
		}),
		Row(3, map[string]any{"name": "gamma", "budget": 300, "active": true, "tags": []any{}, "addresses": []any{}}),
		Row(4, map[string]any{"name": "Delta Müller", "email": "d@d.de", "active": false, "tags": []any{"Red"},
			"contactInformation": map[string]any{"city": ""}}),
		Row(5, map[string]any{"name": Injection, "budget": 50, "tags": []any{"100%_off"},
			"addresses": []any{map[string]any{"state": "CA", "codes": []any{"zz"}}}}),
	} {
		r[i+1] = rw
	}
	Insert(t, s, e, r[4], r[2], r[5], r[1], r[3])
}

// Find runs sel on e and returns the numbers of the rows' ids (see Row).
func Find(t *testing.T, s store.Store, e *app.Entity, sel *query.Select) []int {
	t.Helper()
	rows, err := s.Find(context.Background(), e, sel)
	if err != nil {
		t.Fatalf("Find: %v", err)
	}
	return Nums(rows)
}

func FindOperators(t *testing.T, open Opener) {
	s, e := seed(t, open)
	ctx := context.Background()
	c := func(path string, op query.Op, vals ...any) query.Expr { return Cond(t, e, path, op, vals...) }
	obj := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name  string
		where query.Expr
		want  []int
	}{
		{"eq text", c("name", query.Equals, "Acme Corp"), []int{1}},
		{"eq text is binary", c("name", query.Equals, "acme corp"), nil},
		{"eq any of", c("name", query.Equals, "Acme Corp", "gamma"), []int{1, 3}},
		{"eq email case-insensitive", c("email", query.Equals, "INFO@ACME.COM"), []int{1}},
		{"eq nested email", c("contactInformation.email", query.Equals, "boss@acme.com"), []int{1}},
		{"eq int", c("budget", query.Equals, int64(200)), []int{2}},
		{"eq json.Number", c("budget", query.Equals, json.Number("200")), []int{2}},
		{"eq int as float", c("budget", query.Equals, 200.0), []int{2}},
		{"eq bool true", c("active", query.Equals, true), []int{1, 3}},
		{"eq bool false", c("active", query.Equals, false), []int{2, 4}},
		{"ne bool: missing is not equal", c("active", query.NotEquals, true), []int{2, 4, 5}},
		{"ne text", c("name", query.NotEquals, "Acme Corp"), []int{2, 3, 4, 5}},
		{"ne email", c("email", query.NotEquals, "info@ACME.com", "D@D.DE"), []int{2, 3, 5}},
		{"empty", c("email", query.Empty), []int{3, 5}},
		{"not empty", c("email", query.NotEmpty), []int{1, 2, 4}},
		{"empty string counts", c("contactInformation.city", query.Empty), []int{3, 4, 5}},
		{"eq many scalar", c("tags", query.Equals, "red"), []int{1}},
		{"eq many scalar any of", c("tags", query.Equals, "Red", "green"), []int{2, 4}},
		{"ne many scalar", c("tags", query.NotEquals, "red"), []int{2, 3, 4, 5}},
		{"empty many", c("tags", query.Empty), []int{3}},
		{"not empty many", c("tags", query.NotEmpty), []int{1, 2, 4, 5}},
		{"eq in many group", c("addresses.state", query.Equals, "CA"), []int{1, 5}},
		{"ne in many group", c("addresses.state", query.NotEquals, "CA"), []int{2, 3, 4}},
		{"eq many in many group", c("addresses.codes", query.Equals, "b2"), []int{1}},
		{"like many in many group", c("addresses.codes", query.Like, "Z"), []int{5}},
		{"cmp in many group", c("addresses.state", query.Greater, "NY"), []int{2}},
		{"empty in many group", c("addresses.state", query.Empty), []int{3, 4}},
		{"not empty in many group", c("addresses.state", query.NotEmpty), []int{1, 2, 5}},
		{"empty many group", c("addresses", query.Empty), []int{3, 4}},
		{"not empty many group", c("addresses", query.NotEmpty), []int{1, 2, 5}},
		{"eq object in many group", c("addresses", query.Equals, obj("state", "CA", "zip", "1")), []int{1}},
		{"eq object partial", c("addresses", query.Equals, obj("state", "CA")), []int{1, 5}},
		{"eq object single group", c("contactInformation", query.Equals, obj("city", "Paris")), []int{1}},
		{"eq object null member", c("contactInformation", query.Equals, obj("email", nil, "city", "Berlin")), []int{2}},
		{"greater", c("budget", query.Greater, 100), []int{2, 3}},
		{"greaterOrEquals", c("budget", query.GreaterOrEquals, 100), []int{1, 2, 3}},
		{"less", c("budget", query.Less, 100), []int{5}},
		{"lessOrEquals", c("budget", query.LessOrEquals, 100), []int{1, 5}},
		{"between inclusive", c("budget", query.Between, 100, 200), []int{1, 2}},
		{"greater decimal", c("score", query.Greater, 2.0), []int{2}},
		{"bigNumber numeric", c("big", query.Greater, "10"), []int{1}},
		{"bigNumber between", c("big", query.Between, "9", "10"), []int{2}},
		{"like contains", c("name", query.Like, "ACME"), []int{1}},
		{"like starts", c("name", query.Like, "/acme"), []int{1}},
		{"like ends", c("name", query.Like, "corp/"), []int{1}},
		{"like starts miss", c("name", query.Like, "/corp"), nil},
		{"like unicode", c("name", query.Like, "MÜLLER"), []int{4}},
		{"like regexp", c("name", query.Like, "/^(acme|beta)/"), []int{1, 2}},
		{"like regexp anchors", c("name", query.Like, "/llc$/"), []int{2}},
		{"like OR", c("name", query.Like, "LLC/", "gamma"), []int{2, 3}},
		{"like % is literal", c("name", query.Like, "%"), nil},
		{"like _ is literal", c("name", query.Like, "_"), []int{5}},
		{"like special chars", c("tags", query.Like, "100%_"), []int{5}},
		{"like backslash", c("name", query.Like, `\`), nil},
		{"relationship bare = label", c("owner", query.Equals, "Alice"), []int{1}},
		{"relationship id", c("owner@id", query.Equals, ID(101)), []int{2}},
		{"relationship like", c("owner", query.Like, "bo"), []int{2}},
		{"phone digits", c("phone", query.Equals, "17028459380"), []int{1}},
		{"phone formatted", c("phone", query.Equals, "702-555"), []int{2}},
		{"id eq", c("id", query.Equals, ID(2), ID(3)), []int{2, 3}},
		{"id greater", c("id", query.Greater, ID(3)), []int{4, 5}},
		{"label like", c("label", query.Like, "rec 1/"), []int{1}},
		{"empty And", query.And{}, []int{1, 2, 3, 4, 5}},
		{"empty Or", query.Or{}, nil},
		{"nil where", nil, []int{1, 2, 3, 4, 5}},
		{"nested and/or", query.Or{c("name", query.Equals, "Acme Corp"),
			query.And{c("budget", query.Greater, 100), c("active", query.Equals, true)}}, []int{1, 3}},
		{"and", query.And{c("tags", query.NotEmpty), c("addresses.state", query.Equals, "CA")}, []int{1, 5}},
		{"injection is a value", c("name", query.Equals, Injection), []int{5}},
		{"injection in like", c("name", query.Like, "'); DROP"), []int{5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Find(t, s, e, &query.Select{Where: tc.where, Sort: query.Sort{Target: query.Target{System: query.SysID}}})
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			n, err := s.Count(ctx, e, tc.where)
			if err != nil || n != int64(len(tc.want)) {
				t.Errorf("Count = %d, %v; want %d", n, err, len(tc.want))
			}
		})
	}
	// the table survived the injection attempts
	if n, err := s.Count(ctx, e, nil); err != nil || n != 5 {
		t.Fatalf("after injections: %d %v", n, err)
	}
}

func CompileErrors(t *testing.T, open Opener) {
	s, e := seed(t, open)
	ctx := context.Background()
	bad := func(name string, where query.Expr, want string) {
		t.Helper()
		_, err := s.Find(ctx, e, &query.Select{Where: where})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want error containing %q", name, err, want)
		}
	}
	loc := &query.Cond{Target: Target(t, e, "name"), Op: query.Near, Values: []any{1.0, 2.0}}
	bad("near on text", loc, "near needs a geo point field")
	bad("near on id", &query.Cond{Target: query.Target{System: query.SysID}, Op: query.Near, Values: []any{1.0, 2.0}}, "near needs a geo point field")
	bad("bad regexp", Cond(t, e, "name", query.Like, "/(/"), "invalid regular expression")
	bad("like non-string", Cond(t, e, "name", query.Like, 5), "like pattern must be a string")
	bad("between arity", Cond(t, e, "budget", query.Between, 1), "takes 2 value(s)")
	bad("greater arity", Cond(t, e, "budget", query.Greater), "takes 1 value(s)")
	bad("unsupported value", Cond(t, e, "budget", query.Equals, []int{1}), "unsupported query value")
	bad("unknown op", Cond(t, e, "budget", query.Op("drop")), "unsupported operator")
	evil := &query.Cond{Target: query.Target{Path: []query.Step{{Name: "name') OR 1=1 --"}},
		Field: &app.Field{Name: "x", Type: types.Text}}, Op: query.Equals, Values: []any{"a"}}
	bad("evil field name", evil, "invalid field name")
	bad("bad system", &query.Cond{Target: query.Target{System: "doc"}, Op: query.Equals, Values: []any{"a"}}, "unknown system field")
	if _, err := s.Count(ctx, e, loc); err == nil || !strings.Contains(err.Error(), "near needs a geo point field") {
		t.Errorf("count near: %v", err)
	}
	bad("unbound user", &query.Cond{Target: Target(t, e, "name"), Op: query.Equals, User: []query.UserRef{{Target: query.Target{System: query.SysID}}}}, "currentUserField is not bound")
	bad("unknown text index", &query.Text{Index: "nope", Terms: []string{"x"}}, `no text index "nope"`)
	bad("object on a plain field", Cond(t, e, "name", query.Equals, map[string]any{"a": "b"}), "not an inner field")
	bad("object unknown inner", Cond(t, e, "addresses", query.Equals, map[string]any{"nope": "b"}), "not an inner field")
	bad("like NUL", Cond(t, e, "name", query.Like, "a\x00b"), "NUL")
	// sorting by a multi-valued path or an id offset without an id sort
	_, err := s.Find(ctx, e, &query.Select{Sort: query.Sort{Target: Target(t, e, "tags")}})
	if err == nil {
		t.Error("sort by many field accepted")
	}
	_, err = s.Find(ctx, e, &query.Select{Sort: query.Sort{Target: Target(t, e, "budget")}, After: ID(1)})
	if err == nil || !strings.Contains(err.Error(), "sort on id") {
		t.Errorf("after with field sort: %v", err)
	}
}

func Sort(t *testing.T, open Opener) {
	s, e := seed(t, open)
	by := func(path string, desc bool) []int {
		return Find(t, s, e, &query.Select{Sort: query.Sort{Target: Target(t, e, path), Desc: desc}})
	}
	cases := []struct {
		path string
		desc bool
		want []int
	}{
		{"budget", false, []int{4, 5, 1, 2, 3}}, // null first ascending
		{"budget", true, []int{3, 2, 1, 5, 4}},  // null last descending
		{"email", false, []int{3, 5, 2, 4, 1}},  // nulls tie-broken by id asc
		{"email", true, []int{1, 4, 2, 5, 3}},   // … and id desc
		{"owner", false, []int{3, 4, 5, 1, 2}},  // relationships by label
		{"contactInformation.city", false, []int{3, 5, 4, 2, 1}},
		{"big", false, []int{3, 4, 5, 2, 1}},  // big numbers numerically
		{"name", false, []int{1, 2, 4, 3, 5}}, // binary: upper case first
		{"id", false, []int{1, 2, 3, 4, 5}},
		{"id", true, []int{5, 4, 3, 2, 1}},
		{"label", true, []int{5, 4, 3, 2, 1}},
	}
	for _, c := range cases {
		if got := by(c.path, c.desc); !reflect.DeepEqual(got, c.want) {
			t.Errorf("sort %s desc=%v: got %v, want %v", c.path, c.desc, got, c.want)
		}
	}
	// equal labels are ordered by id in the sort's direction
	err := s.Write(context.Background(), func(tx store.Tx) error {
		for i := 1; i <= 5; i++ {
			r, err := tx.Get(context.Background(), e, ID(i))
			if err != nil {
				return err
			}
			r.Label = "same"
			r.Version++
			if err := tx.Update(context.Background(), e, r, r.Version-1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := by("label", false); !reflect.DeepEqual(got, []int{1, 2, 3, 4, 5}) {
		t.Errorf("label ties asc: %v", got)
	}
	if got := by("label", true); !reflect.DeepEqual(got, []int{5, 4, 3, 2, 1}) {
		t.Errorf("label ties desc: %v", got)
	}
	// zero Sort is id desc
	if got := Find(t, s, e, &query.Select{}); !reflect.DeepEqual(got, []int{5, 4, 3, 2, 1}) {
		t.Errorf("default sort: %v", got)
	}
	if got := Find(t, s, e, nil); !reflect.DeepEqual(got, []int{5, 4, 3, 2, 1}) {
		t.Errorf("nil select: %v", got)
	}
}

func Paging(t *testing.T, open Opener) {
	s, a := Open(t, open)
	e := a.Entity("companies")
	var rows []*store.Row
	for i := 1; i <= 25; i++ {
		rows = append(rows, Row(i, map[string]any{"budget": i % 3}))
	}
	Insert(t, s, e, rows...)
	idAsc := query.Sort{Target: query.Target{System: query.SysID}}
	idDesc := query.ByID

	if got := Find(t, s, e, &query.Select{Sort: idDesc, After: ID(3)}); !reflect.DeepEqual(got, []int{2, 1}) {
		t.Errorf("desc after 3: %v", got)
	}
	if got := Find(t, s, e, &query.Select{Sort: idAsc, After: ID(22), Limit: 2}); !reflect.DeepEqual(got, []int{23, 24}) {
		t.Errorf("asc after 22: %v", got)
	}
	if got := Find(t, s, e, &query.Select{Sort: idAsc, Offset: 20}); !reflect.DeepEqual(got, []int{21, 22, 23, 24, 25}) {
		t.Errorf("offset 20: %v", got)
	}
	if got := Find(t, s, e, &query.Select{Sort: idAsc, Offset: 2, Limit: 2}); !reflect.DeepEqual(got, []int{3, 4}) {
		t.Errorf("offset 2 limit 2: %v", got)
	}
	if got := Find(t, s, e, &query.Select{Sort: idAsc, Offset: 100}); len(got) != 0 {
		t.Errorf("offset past end: %v", got)
	}
	// walk in both directions with a filter, 4 at a time
	where := Cond(t, e, "budget", query.Equals, 1) // 1,4,7,…,25
	var want []int
	for i := 1; i <= 25; i += 3 {
		want = append(want, i)
	}
	for _, srt := range []query.Sort{idAsc, idDesc} {
		var all []int
		after := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("paging does not end")
			}
			rs, err := s.Find(context.Background(), e, &query.Select{Where: where, Sort: srt, After: after, Limit: 4})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) == 0 {
				break
			}
			all = append(all, Nums(rs)...)
			after = rs[len(rs)-1].ID
		}
		exp := append([]int(nil), want...)
		if srt.Desc {
			sort.Sort(sort.Reverse(sort.IntSlice(exp)))
		}
		if !reflect.DeepEqual(all, exp) {
			t.Errorf("walk desc=%v: %v, want %v", srt.Desc, all, exp)
		}
	}
}

func BenchmarkGet(b *testing.B, open Opener) {
	s, a := Open(b, open)
	e := a.Entity("companies")
	const n = 1000
	rows := make([]*store.Row, n)
	for i := range rows {
		rows[i] = Row(i, map[string]any{"name": fmt.Sprint("company ", i), "budget": i, "tags": []any{"a", "b"}})
	}
	Insert(b, s, e, rows...)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := s.Get(ctx, e, ID(i%n)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkGetParallel(b *testing.B, open Opener) {
	s, a := Open(b, open)
	e := a.Entity("companies")
	const n = 1000
	rows := make([]*store.Row, n)
	for i := range rows {
		rows[i] = Row(i, map[string]any{"name": fmt.Sprint("company ", i)})
	}
	Insert(b, s, e, rows...)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := s.Get(ctx, e, ID(i%n)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkInsert: one record per write transaction (the REST create path).
func BenchmarkInsert(b *testing.B, open Opener) {
	s, a := Open(b, open)
	e := a.Entity("companies")
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := Row(i, map[string]any{"name": fmt.Sprint("company ", i), "email": fmt.Sprintf("c%d@x.com", i), "budget": i})
		if err := s.Write(ctx, func(tx store.Tx) error { return tx.Insert(ctx, e, r) }); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkInsertBatch: 100 records per transaction (imports).
func BenchmarkInsertBatch(b *testing.B, open Opener) {
	s, a := Open(b, open)
	e := a.Entity("companies")
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		err := s.Write(ctx, func(tx store.Tx) error {
			for range 100 {
				r := Row(i, map[string]any{"name": fmt.Sprint("company ", i), "email": fmt.Sprintf("c%d@x.com", i), "budget": i})
				if err := tx.Insert(ctx, e, r); err != nil {
					return err
				}
				i++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInsertParallel: one record per Write from many goroutines, as
// concurrent REST creates do; group commit shares the commits.
func BenchmarkInsertParallel(b *testing.B, open Opener) {
	s, a := Open(b, open)
	e := a.Entity("companies")
	ctx := context.Background()
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1))
			r := Row(i, map[string]any{"name": fmt.Sprint("company ", i), "email": fmt.Sprintf("c%d@x.com", i), "budget": i})
			if err := s.Write(ctx, func(tx store.Tx) error { return tx.Insert(ctx, e, r) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
