package data

import (
	"context"
	"fmt"
	"os"
	"testing"
	"testing/fstest"

	"runway/access"
	"runway/query"
)

// isFetched reports whether a relationship value was expanded to the
// person's full record (it has version and name, and the same id/label).
func isFetched(v any, person map[string]any) bool {
	m, ok := v.(map[string]any)
	return ok && m["id"] == person["id"] && m["label"] == person["label"] &&
		m["version"] != nil && m["name"] == person["name"] && m["email"] == person["email"]
}

func TestFetchOneGetManyPerPathPerPage(t *testing.T) {
	b := setup(t, os.DirFS("../app/testdata/kitchen"))
	s, cs := b.svc, b.store
	ctx := context.Background()
	people := make([]map[string]any, 3)
	for i, name := range []string{"Ana", "Bob", "Cy"} {
		people[i] = b.create("people", map[string]any{"name": name, "email": name + "@example.org"})
	}
	byID := map[any]obj{}
	for _, p := range people {
		byID[p["id"]] = p
	}
	for i := 0; i < 25; i++ {
		b.create("things", map[string]any{
			"requiredText": fmt.Sprint("t", i),
			"owner":        people[i%3]["id"],
			"friends":      []any{"Ana", people[(i+1)%3]["id"]},
			"items": []any{
				map[string]any{"name": "a", "supplier": "Cy"},
				map[string]any{"name": "b", "supplier": people[i%3]["id"]},
				map[string]any{"name": "c"},
			},
		})
	}
	things := s.app.Entity("things")
	l, err := query.ParseList(s.app, things, map[string][]string{"_relationshipsToFetch": {"owner,friends,items.supplier"}})
	if err != nil {
		t.Fatal(err)
	}
	cs.reset()
	page, err := s.List(ctx, SystemCaller, things, l)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 20 {
		t.Fatalf("%d items, want 20", len(page.Items))
	}
	if cs.getMany["people"] != 3 || cs.get["people"] != 0 || cs.find["people"] != 0 {
		t.Errorf("reads of people for a page of 20 fetching 3 paths: GetMany %d, Get %d, Find %d; want 3, 0, 0",
			cs.getMany["people"], cs.get["people"], cs.find["people"])
	}
	for _, doc := range page.Items {
		m := decodeDoc(t, doc)
		owner, _ := m["owner"].(map[string]any)
		if !isFetched(m["owner"], byID[owner["id"]]) {
			t.Errorf("owner not fetched: %s", doc)
		}
		for _, f := range m["friends"].([]any) {
			if !isFetched(f, byID[f.(map[string]any)["id"]]) {
				t.Errorf("friend not fetched: %s", doc)
			}
		}
		items := m["items"].([]any)
		for _, it := range items[:2] {
			sup := it.(map[string]any)["supplier"]
			if !isFetched(sup, byID[sup.(map[string]any)["id"]]) {
				t.Errorf("items.supplier not fetched: %s", doc)
			}
		}
		if _, ok := items[2].(map[string]any)["supplier"]; ok {
			t.Errorf("an item without supplier got one: %s", doc)
		}
	}

	// Without the option: no fetch at all, values as stored.
	l.Fetch = nil
	cs.reset()
	page, err = s.List(ctx, SystemCaller, things, l)
	if err != nil {
		t.Fatal(err)
	}
	if cs.getMany["people"] != 0 {
		t.Errorf("GetMany without _relationshipsToFetch: %d", cs.getMany["people"])
	}
	if m := decodeDoc(t, page.Items[0]); len(m["owner"].(map[string]any)) != 2 {
		t.Errorf("owner without fetch: %v", m["owner"])
	}

	// A projection without the relationship fetches nothing.
	out, err := query.ParseOutput(things, map[string][]string{"_fields": {"requiredText"}, "_relationshipsToFetch": {"owner,items.supplier"}})
	if err != nil {
		t.Fatal(err)
	}
	cs.reset()
	if _, err := s.List(ctx, SystemCaller, things, &query.List{Select: l.Select, Output: out}); err != nil {
		t.Fatal(err)
	}
	if cs.getMany["people"] != 0 {
		t.Errorf("GetMany for relationships projected away: %d", cs.getMany["people"])
	}
}

func TestFetchMissingTargetAndReadOne(t *testing.T) {
	b := setup(t, os.DirFS("../app/testdata/kitchen"))
	s, cs := b.svc, b.store
	ctx := context.Background()
	ana := b.create("people", map[string]any{"name": "Ana"})
	bob := b.create("people", map[string]any{"name": "Bob"})
	th := b.create("things", map[string]any{"requiredText": "r", "owner": bob["id"], "friends": []any{ana["id"], bob["id"]}})
	if _, err := s.Delete(ctx, SystemCaller, s.app.Entity("people"), bob["id"].(string)); err != nil {
		t.Fatal(err)
	}
	things := s.app.Entity("things")
	out, err := query.ParseOutput(things, map[string][]string{"_relationshipsToFetch": {"owner,friends"}})
	if err != nil {
		t.Fatal(err)
	}
	cs.reset()
	doc, err := s.Get(ctx, SystemCaller, things, th["id"].(string), &out)
	if err != nil {
		t.Fatal(err)
	}
	if cs.getMany["people"] != 2 {
		t.Errorf("read one fetching 2 paths: %d GetMany, want 2", cs.getMany["people"])
	}
	m := decodeDoc(t, doc)
	stored := map[string]any{"id": bob["id"], "label": "Bob"}
	if fmt.Sprint(m["owner"]) != fmt.Sprint(stored) {
		t.Errorf("missing owner: %v, want it as stored %v", m["owner"], stored)
	}
	friends := m["friends"].([]any)
	if len(friends) != 2 || !isFetched(friends[0], ana) || fmt.Sprint(friends[1]) != fmt.Sprint(stored) {
		t.Errorf("friends: %v", friends)
	}
}

// An app with a relationship to sys.users, which ordinary callers (in the
// group "writers") may not read.
var ownersApp = fstest.MapFS{
	"app.json": {Data: []byte(`{"name": "owners"}`)},
	"security/groups/writers.json": {Data: []byte(`{"name": "writers", "entityPermissions": [
		{"entity": "notes", "read": "always", "create": "always", "update": "always", "delete": "always"}]}`)},
	"model/entities/notes.json": {Data: []byte(`{
		"name": "notes", "label": "Notes", "recordLabel": "fields/text",
		"fields": [
			{"name": "text", "label": "Text", "type": "text"},
			{"name": "by", "label": "By", "type": "relationship", "typeRules": {"entity": "sys.users"}}
		]}`)},
}

func TestFetchRespectsReadPermission(t *testing.T) {
	b := setup(t, ownersApp)
	s, cs := b.svc, b.store
	ctx := context.Background()
	doc, err := s.CreateUser(ctx, NewUser{Email: "ana@example.org", FirstName: "Ana", LastName: "Lee", Password: "ana-password-1"})
	if err != nil {
		t.Fatal(err)
	}
	user := decodeDoc(t, doc)
	note := b.create("notes", map[string]any{"text": "hi", "by": user["id"]})
	notes := s.app.Entity("notes")
	out, err := query.ParseOutput(notes, map[string][]string{"_relationshipsToFetch": {"by"}})
	if err != nil {
		t.Fatal(err)
	}
	ordinary := &Caller{UserID: user["id"].(string), Email: "ana@example.org",
		Policy: s.Access().For(access.Subject{Groups: []string{"writers"}})}
	cs.reset()
	got, err := s.Get(ctx, ordinary, notes, note["id"].(string), &out)
	if err != nil {
		t.Fatal(err)
	}
	if by := decodeDoc(t, got)["by"].(map[string]any); len(by) != 2 || by["id"] != user["id"] || by["label"] != "Ana Lee" {
		t.Errorf("by for a caller who may not read sys.users: %v, want {id, label}", by)
	}
	if cs.getMany["sys.users"] != 0 {
		t.Errorf("read sys.users for a caller who may not: %d GetMany", cs.getMany["sys.users"])
	}
	got, err = s.Get(ctx, &Caller{UserID: user["id"].(string), Developer: true}, notes, note["id"].(string), &out)
	if err != nil {
		t.Fatal(err)
	}
	if by := decodeDoc(t, got)["by"].(map[string]any); by["email"] != "ana@example.org" || by["version"] == nil {
		t.Errorf("by for a developer: %v, want the user record", by)
	}
}
