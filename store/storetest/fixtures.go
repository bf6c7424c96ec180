package storetest

import (
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

func Fld(name, typ string, opts ...func(*app.Field)) *app.Field {
	f := &app.Field{Name: name, Type: typ, Rules: &types.Rules{}}
	for _, o := range opts {
		o(f)
	}
	for _, n := range f.Nested {
		n.Parent = f
	}
	return f
}

func Unique(f *app.Field)    { f.Unique = true }
func Indexable(f *app.Field) { f.Indexable = true }
func Many(f *app.Field)      { f.Many = true }
func Nested(fs ...*app.Field) func(*app.Field) {
	return func(f *app.Field) { f.Nested = fs }
}

// App: companies with most shapes of fields, and sys.users.
func App() *app.App {
	companies := &app.Entity{
		Name: "companies", FullName: "companies", Type: "data",
		Fields: []*app.Field{
			Fld("name", types.Text, Unique),
			Fld("email", types.Email, Unique),
			Fld("budget", types.Integer, Indexable),
			Fld("score", types.Decimal),
			Fld("active", types.Boolean),
			Fld("phone", types.Phone),
			Fld("big", types.BigNumber),
			Fld("tags", types.Text, Many),
			Fld("owner", types.Relationship, Indexable),
			Fld("contactInformation", types.Nested, Nested(
				Fld("email", types.Email, Unique),
				Fld("city", types.Text),
			)),
			Fld("addresses", types.Nested, Many, Nested(
				Fld("state", types.Text),
				Fld("codes", types.Text, Many),
				Fld("zip", types.Text, Unique), // inside a many group: never indexed
			)),
		},
	}
	users := &app.Entity{
		Name: "users", FullName: "sys.users", Type: "system", System: true,
		Fields: []*app.Field{Fld("email", types.Email, Unique), Fld("name", types.Text)},
	}
	return &app.App{
		Name:        "test",
		Entities:    map[string]*app.Entity{"companies": companies, "sys.users": users},
		EntityNames: []string{"companies", "sys.users"},
	}
}

func ID(i int) string { return fmt.Sprintf("%024x", i) }

// Row builds a record row; doc gets id, version, label first.
func Row(i int, fields map[string]any) *store.Row {
	doc := map[string]any{"id": ID(i), "version": 1, "label": fmt.Sprint("rec ", i)}
	for k, v := range fields {
		doc[k] = v
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return &store.Row{ID: ID(i), Version: 1, Label: fmt.Sprint("rec ", i), Doc: b, Created: int64(i), Modified: int64(i)}
}

// Target resolves a dotted path of e into a query target; a last segment
// "@id" / "@label" sets Sub.
func Target(t testing.TB, e *app.Entity, path string) query.Target {
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

func Cond(t testing.TB, e *app.Entity, path string, op query.Op, vals ...any) *query.Cond {
	return &query.Cond{Target: Target(t, e, path), Op: op, Values: vals}
}

// Nums maps rows back to the numbers their ids were built from.
func Nums(rows []store.Row) []int {
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
