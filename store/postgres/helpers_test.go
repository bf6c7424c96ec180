package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"runway/app"
	"runway/query"
	"runway/store"
	"runway/types"
)

func fld(name, typ string, opts ...func(*app.Field)) *app.Field {
	f := &app.Field{Name: name, Type: typ, Rules: &types.Rules{}}
	for _, o := range opts {
		o(f)
	}
	for _, n := range f.Nested {
		n.Parent = f
	}
	return f
}

func unique(f *app.Field)    { f.Unique = true }
func indexable(f *app.Field) { f.Indexable = true }
func many(f *app.Field)      { f.Many = true }
func nested(fs ...*app.Field) func(*app.Field) {
	return func(f *app.Field) { f.Nested = fs }
}

// testApp: companies with most shapes of fields, and sys.users.
func testApp() *app.App {
	companies := &app.Entity{
		Name: "companies", FullName: "companies", Type: "data",
		Fields: []*app.Field{
			fld("name", types.Text, unique),
			fld("email", types.Email, unique),
			fld("budget", types.Integer, indexable),
			fld("score", types.Decimal),
			fld("active", types.Boolean),
			fld("phone", types.Phone),
			fld("big", types.BigNumber),
			fld("tags", types.Text, many),
			fld("owner", types.Relationship, indexable),
			fld("contactInformation", types.Nested, nested(
				fld("email", types.Email, unique),
				fld("city", types.Text),
			)),
			fld("addresses", types.Nested, many, nested(
				fld("state", types.Text),
				fld("codes", types.Text, many),
				fld("zip", types.Text, unique), // inside a many group: never indexed
			)),
		},
	}
	users := &app.Entity{
		Name: "users", FullName: "sys.users", Type: "system", System: true,
		Fields: []*app.Field{fld("email", types.Email, unique), fld("name", types.Text)},
	}
	return &app.App{
		Name:        "test",
		Entities:    map[string]*app.Entity{"companies": companies, "sys.users": users},
		EntityNames: []string{"companies", "sys.users"},
	}
}

func openTest(t testing.TB) (*Store, *app.App) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, testURL(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	a := testApp()
	if err := s.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	return s, a
}

func id(i int) string { return fmt.Sprintf("%024x", i) }

// row builds a record row; doc gets id, version, label first.
func row(i int, fields map[string]any) *store.Row {
	doc := map[string]any{"id": id(i), "version": 1, "label": fmt.Sprint("rec ", i)}
	for k, v := range fields {
		doc[k] = v
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return &store.Row{ID: id(i), Version: 1, Label: fmt.Sprint("rec ", i), Doc: b, Created: int64(i), Modified: int64(i)}
}

func insert(t testing.TB, s *Store, e *app.Entity, rows ...*store.Row) {
	t.Helper()
	err := s.Write(context.Background(), func(tx store.Tx) error {
		for _, r := range rows {
			if err := tx.Insert(context.Background(), e, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// target resolves a dotted path of e into a query target; a last segment
// "@id" / "@label" sets Sub.
func target(t testing.TB, e *app.Entity, path string) query.Target {
	t.Helper()
	if path == "id" || path == "label" {
		return query.Target{System: path}
	}
	sub := ""
	if i := strings.Index(path, "@"); i >= 0 {
		path, sub = path[:i], path[i+1:]
	}
	fs := e.Resolve(path)
	if fs == nil {
		t.Fatalf("unknown path %s", path)
	}
	tg := query.Target{Field: fs[len(fs)-1], Sub: sub}
	for _, f := range fs {
		tg.Path = append(tg.Path, query.Step{Name: f.Name, Many: f.Many})
	}
	return tg
}

func cond(t testing.TB, e *app.Entity, path string, op query.Op, vals ...any) *query.Cond {
	return &query.Cond{Target: target(t, e, path), Op: op, Values: vals}
}

// nums maps rows back to the numbers their ids were built from.
func nums(rows []store.Row) []int {
	out := make([]int, len(rows))
	for i, r := range rows {
		n, err := strconv.ParseInt(r.ID, 16, 64)
		if err != nil {
			panic(err)
		}
		out[i] = int(n)
	}
	return out
}
