package data

import (
	"testing"

	"runway/app"
)

// TestFindUniquesLikeFindUnique: the batch lookup of an import answers
// what one FindUnique per value does, in one query.
func TestFindUniquesLikeFindUnique(t *testing.T) {
	b := setup(t, app.Demo())
	e := b.entity("companies")
	f := e.Field("name")
	if f == nil || !f.Unique {
		t.Skip("the demo's companies.name is not unique")
	}
	for _, name := range []string{"Acme", "Globex", "Initech"} {
		b.create("companies", obj{"name": name})
	}
	texts := []string{"Acme", "Initech", "Nope", "Acme", "", "acme"}
	b.store.reset()
	got, err := b.svc.FindUniques(b.ctx, e, f, texts)
	if err != nil {
		t.Fatal(err)
	}
	if n := b.store.find["companies"]; n > 2 {
		t.Errorf("%d queries for %d values", n, len(texts))
	}
	for _, text := range texts {
		want, err := b.svc.FindUnique(b.ctx, e, f, text)
		if err != nil {
			t.Fatal(err)
		}
		if got[text] != want {
			t.Errorf("%q: FindUniques %q, FindUnique %q", text, got[text], want)
		}
	}
	if got["Acme"] == "" || got["Initech"] == "" || got["Nope"] != "" {
		t.Errorf("found %v", got)
	}
}
