package aggregate

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"runway/app"
)

// demoApp is the built-in demo app (companies, contacts, skills).
func demoApp(t testing.TB) *app.App {
	t.Helper()
	a, _, err := app.Load(app.Demo())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// kitchenApp has a field of every type (things, people).
func kitchenApp(t testing.TB) *app.App {
	t.Helper()
	a, _, err := app.Load(os.DirFS("../app/testdata/kitchen"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// docs decodes JSON records (one JSON array).
func docs(t testing.TB, s string) []Doc {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var out []Doc
	if err := d.Decode(&out); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return out
}

// world holds records per entity name.
type world map[string][]Doc

func (w world) records(e *app.Entity) []Doc { return w[e.FullName] }

// run parses and evaluates a pipeline over w and returns the items
// encoded, one JSON text per line.
func run(t testing.TB, a *app.App, w world, entity, body string, maxItems int) (string, error) {
	t.Helper()
	p, err := Parse(a, a.Entity(entity), []byte(body))
	if err != nil {
		return "", err
	}
	out, err := Reference(context.Background(), p, w.records, maxItems)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	for i, d := range out {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.Write(p.Out.Encode(d))
	}
	return b.String(), nil
}
