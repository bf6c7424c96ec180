package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// fetched reports whether a relationship value is the full record p (as a
// read of p answers it), keeping id and label.
func fetched(v any, p obj) bool {
	return jsonEq(v, p)
}

func TestRelationshipsToFetch(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	ana := create(t, s, "people", obj{"name": "Ana", "email": "ana@example.org", "balance": 1215.5})
	bob := create(t, s, "people", obj{"name": "Bob", "balance": 3})
	cy := create(t, s, "people", obj{"name": "Cy"})
	ref := func(p obj) obj { return obj{"id": p["id"], "label": p["label"]} }
	th := thing(t, s, obj{
		"text":    "one",
		"owner":   ana["id"],
		"friends": arr{bob["id"], cy["id"], ana["id"]},
		"items":   arr{obj{"name": "bolt", "supplier": "Cy"}, obj{"name": "nut"}, obj{"name": "screw", "supplier": "Ana"}},
	})
	id := th["id"].(string)
	path := "/data/things/" + id

	// Single, multi-valued and nested, on read one.
	got := s.As("GET", path+"?"+q("_relationshipsToFetch", "owner,friends,items.supplier"), nil).Status(200).JSON()
	if !fetched(got["owner"], ana) {
		t.Errorf("owner: %s, want %s", js(got["owner"]), js(ana))
	}
	if !jsonEq(got["friends"], arr{bob, cy, ana}) {
		t.Errorf("friends: %s", js(got["friends"]))
	}
	if !fetched(at(got, "items.0.supplier"), cy) || !fetched(at(got, "items.2.supplier"), ana) {
		t.Errorf("items.supplier: %s", js(got["items"]))
	}
	if _, ok := at(got, "items.1").(map[string]any)["supplier"]; ok {
		t.Errorf("an item without supplier got one: %s", js(got["items"]))
	}
	// The rest of the record is untouched.
	native := get(t, s, "things", id)
	for k, v := range native {
		if k != "owner" && k != "friends" && k != "items" && !jsonEq(got[k], v) {
			t.Errorf("%s changed: %s, want %s", k, js(got[k]), js(v))
		}
	}
	// Only what is listed is fetched.
	got = s.As("GET", path+"?"+q("_relationshipsToFetch", "friends"), nil).Status(200).JSON()
	if !jsonEq(got["owner"], ref(ana)) || !jsonEq(got["friends"], arr{bob, cy, ana}) || !jsonEq(at(got, "items.0.supplier"), ref(cy)) {
		t.Errorf("friends only: owner %s friends %s items %s", js(got["owner"]), js(got["friends"]), js(got["items"]))
	}

	// On a list: every item of the page.
	for i := 0; i < 4; i++ {
		thing(t, s, obj{"text": "many", "owner": []any{bob["id"], cy["id"]}[i%2], "friends": arr{"Ana"}})
	}
	p := list(t, s, "things", q("_relationshipsToFetch", "owner,friends", "text", "many"))
	if len(p.Items) != 4 {
		t.Fatalf("list: %d items", len(p.Items))
	}
	for i, it := range p.Items {
		wantOwner := []obj{bob, cy}[(3-i)%2] // id desc: the last created first
		if !fetched(it["owner"], wantOwner) || !jsonEq(it["friends"], arr{ana}) {
			t.Errorf("list item %d: owner %s friends %s", i, js(it["owner"]), js(it["friends"]))
		}
	}

	// With _fields: a relationship projected away is not added; a kept one
	// is fetched.
	got = s.As("GET", path+"?"+q("_relationshipsToFetch", "owner,items.supplier", "_fields", "text,items.supplier"), nil).Status(200).JSON()
	wantKeys(t, got, "id", "version", "label", "text", "items")
	if !fetched(at(got, "items.0.supplier"), cy) {
		t.Errorf("projected items.supplier: %s", js(got["items"]))
	}

	// With plainText the fetched records are plainText too.
	got = s.As("GET", path+"?"+q("_relationshipsToFetch", "owner,friends,items.supplier", "_format", "plainText"), nil).Status(200).JSON()
	wantAna := obj{"id": ana["id"], "version": 0, "label": "Ana", "name": "Ana", "email": "ana@example.org", "balance": "$1,215.50"}
	if !jsonEq(got["owner"], wantAna) {
		t.Errorf("plainText owner: %s, want %s", js(got["owner"]), js(wantAna))
	}
	if !jsonEq(at(got, "friends.0"), obj{"id": bob["id"], "version": 0, "label": "Bob", "name": "Bob", "balance": "$3.00"}) {
		t.Errorf("plainText friends: %s", js(got["friends"]))
	}
	if !jsonEq(at(got, "items.2.supplier"), wantAna) || at(got, "items.2.name") != "screw" {
		t.Errorf("plainText items: %s", js(got["items"]))
	}
	if got["text"] != "one" {
		t.Errorf("plainText text %v", got["text"])
	}

	// Repeats and blanks in the list are harmless.
	s.As("GET", path+"?"+q("_relationshipsToFetch", " owner, ,owner,"), nil).Status(200)
}

func TestRelationshipsToFetchMissingTarget(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	ana := create(t, s, "people", obj{"name": "Ana"})
	bob := create(t, s, "people", obj{"name": "Bob"})
	th := thing(t, s, obj{"owner": bob["id"], "friends": arr{ana["id"], bob["id"]}, "items": arr{obj{"name": "x", "supplier": bob["id"]}}})
	s.As("DELETE", fmt.Sprintf("/data/people/%s", bob["id"]), nil).Status(200)
	stored := obj{"id": bob["id"], "label": "Bob"}

	fetch := q("_relationshipsToFetch", "owner,friends,items.supplier")
	got := s.As("GET", fmt.Sprintf("/data/things/%s?%s", th["id"], fetch), nil).Status(200).JSON()
	if !jsonEq(got["owner"], stored) || !jsonEq(got["friends"], arr{ana, stored}) || !jsonEq(at(got, "items.0.supplier"), stored) {
		t.Errorf("missing Bob: owner %s friends %s items %s", js(got["owner"]), js(got["friends"]), js(got["items"]))
	}
	p := list(t, s, "things", fetch)
	if len(p.Items) != 1 || !jsonEq(p.Items[0]["owner"], stored) || !jsonEq(p.Items[0]["friends"], arr{ana, stored}) {
		t.Errorf("list with missing Bob: %s", js(p.Items))
	}
	// In plainText a missing target shows as its stored label.
	got = s.As("GET", fmt.Sprintf("/data/things/%s?%s&_format=plainText", th["id"], fetch), nil).Status(200).JSON()
	if got["owner"] != "Bob" || at(got, "friends.1") != "Bob" || at(got, "friends.0.name") != "Ana" {
		t.Errorf("plainText with missing Bob: owner %s friends %s", js(got["owner"]), js(got["friends"]))
	}
}

func TestRelationshipsToFetchNotARelationship(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	th := thing(t, s, obj{})
	for _, bad := range []string{"text", "items", "items.name", "address", "owner.name", "owner.id", "nosuch", "items.nosuch",
		"group", "fileUpload", "owner,text", "owner.label"} {
		for _, path := range []string{"/data/things/" + th["id"].(string), "/data/things"} {
			e := s.As("GET", path+"?"+q("_relationshipsToFetch", bad), nil).Error(400, "badRequest")
			if !strings.Contains(e["message"].(string), "_relationshipsToFetch") {
				t.Errorf("%s?_relationshipsToFetch=%s: message %q does not name the parameter", path, bad, e["message"])
			}
		}
	}
}
