package api_test

import (
	"testing"
)

// D3: a single nested group merges on update.
func TestNestedOne(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	a := thing(t, s, obj{"address": obj{"street": "Main St 1", "zip": "12345"}})
	addr := a["address"].(map[string]any)
	wantKeys(t, addr, "id", "label", "street", "zip")
	if !isID(addr["id"]) || addr["label"] != "address" {
		t.Errorf("nested item id/label: %v / %v (D5: the field's own label)", addr["id"], addr["label"])
	}
	id := a["id"]

	// Unsent inner fields keep their values; the item keeps its id.
	u := update(t, s, "things", id, obj{"address": obj{"zip": "99999"}})
	if at(u, "address.street") != "Main St 1" || at(u, "address.zip") != "99999" || at(u, "address.id") != addr["id"] {
		t.Errorf("merge: %s", js(u["address"]))
	}
	// An inner null clears that inner field only.
	u = update(t, s, "things", id, obj{"address": obj{"street": nil}})
	got := u["address"].(map[string]any)
	wantKeys(t, got, "id", "label", "zip")
	if got["zip"] != "99999" {
		t.Errorf("inner null: %s", js(got))
	}
	// An id or label sent in the group is ignored.
	u = update(t, s, "things", id, obj{"address": obj{"id": "000000000000000000000000", "label": "mine", "street": "Elm"}})
	if at(u, "address.id") != addr["id"] || at(u, "address.label") != "address" || at(u, "address.street") != "Elm" {
		t.Errorf("system keys of a nested group: %s", js(u["address"]))
	}
	// Inner errors carry the dotted path.
	s.As("PUT", "/data/things/"+id.(string), obj{"address": obj{"zip": obj{}}}).FieldError("address.zip", "invalid")
	s.As("PUT", "/data/things/"+id.(string), obj{"address": obj{"city": "x"}}).FieldError("address.city", "invalid")
	// The group sent as null clears it.
	u = update(t, s, "things", id, obj{"address": nil})
	if _, ok := u["address"]; ok {
		t.Errorf("group null: %s", js(u["address"]))
	}
	// A group set again is a new item.
	u = update(t, s, "things", id, obj{"address": obj{"zip": "1"}})
	if at(u, "address.street") != nil || at(u, "address.zip") != "1" || !isID(at(u, "address.id")) || at(u, "address.id") == addr["id"] {
		t.Errorf("new group after clearing: %s", js(u["address"]))
	}
	// Filters reach inner fields.
	if p := list(t, s, "things", q("address.zip", "1")); p.Total != 1 || p.Items[0]["id"] != id {
		t.Errorf("address.zip=1: %v", ids(p.Items))
	}
}

// D4: the array sent becomes the new list.
func TestNestedMany(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	a := thing(t, s, obj{"items": arr{obj{"name": "a"}, obj{"name": "b", "qty": 3}}})
	items := a["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("items: %s", js(a["items"]))
	}
	ia, ib := items[0].(map[string]any), items[1].(map[string]any)
	wantKeys(t, ia, "id", "label", "name", "qty")
	if !isID(ia["id"]) || !isID(ib["id"]) || ia["id"] == ib["id"] || ia["label"] != "items" {
		t.Errorf("item ids/labels: %s", js(items))
	}
	if ia["qty"] != 1.0 || ib["qty"] != 3.0 {
		t.Errorf("qty default: %v, sent: %v", ia["qty"], ib["qty"])
	}
	id := a["id"].(string)

	// b merged (name kept), c new with a new id and defaults, a removed; order as sent.
	u := update(t, s, "things", id, obj{"items": arr{obj{"id": ib["id"], "qty": 5}, obj{"name": "c"}}})
	got := u["items"].([]any)
	if len(got) != 2 {
		t.Fatalf("items after update: %s", js(u["items"]))
	}
	g0, g1 := got[0].(map[string]any), got[1].(map[string]any)
	if g0["id"] != ib["id"] || g0["name"] != "b" || g0["qty"] != 5.0 {
		t.Errorf("merged item: %s", js(g0))
	}
	if !isID(g1["id"]) || g1["id"] == ia["id"] || g1["id"] == ib["id"] || g1["name"] != "c" || g1["qty"] != 1.0 || g1["label"] != "items" {
		t.Errorf("new item: %s", js(g1))
	}
	// Reordering keeps items; an inner null clears an inner field.
	u = update(t, s, "things", id, obj{"items": arr{obj{"id": g1["id"]}, obj{"id": g0["id"], "qty": nil}}})
	got = u["items"].([]any)
	if len(got) != 2 || at(got, "0.id") != g1["id"] || at(got, "0.name") != "c" || at(got, "1.id") != g0["id"] || at(got, "1.qty") != nil || at(got, "1.name") != "b" {
		t.Errorf("reorder: %s", js(got))
	}

	// An id that matches no item of this record → invalid at items[i].id.
	other := thing(t, s, obj{"items": arr{obj{"name": "foreign"}}})
	for _, bad := range []any{ia["id"], "000000000000000000000000", at(other, "items.0.id"), "not-an-id", 12} {
		r := s.As("PUT", "/data/things/"+id, obj{"items": arr{obj{"id": bad, "name": "x"}, obj{"id": g0["id"]}}})
		fe := r.FieldErrors()
		if fe["items[0].id"] != "invalid" {
			t.Errorf("unknown item id %v: errors %v, want invalid at items[0].id", bad, fe)
		}
	}
	// Inner required fields, with the item index in the path.
	r := s.As("PUT", "/data/things/"+id, obj{"items": arr{obj{"name": "ok"}, obj{"qty": 2}, obj{"name": ""}}})
	fe := r.FieldErrors()
	if fe["items[1].name"] != "required" || fe["items[2].name"] != "required" || len(fe) != 2 {
		t.Errorf("inner required: %v, want items[1].name and items[2].name", fe)
	}
	// Inner type errors and unknown inner fields.
	r = s.As("PUT", "/data/things/"+id, obj{"items": arr{obj{"name": "ok"}, obj{"name": "n", "qty": "lots", "colour": "red"}}})
	fe = r.FieldErrors()
	if fe["items[1].qty"] != "invalid" || fe["items[1].colour"] != "invalid" {
		t.Errorf("inner errors: %v", fe)
	}
	s.As("PUT", "/data/things/"+id, obj{"items": arr{"flat"}}).FieldError("items[0]", "invalid")
	// Clearing a required inner field of an existing item.
	s.As("PUT", "/data/things/"+id, obj{"items": arr{obj{"id": g0["id"], "name": nil}}}).FieldError("items[0].name", "required")
	// None of the rejected updates changed anything.
	if cur := get(t, s, "things", id); !jsonEq(cur["items"], u["items"]) || cur["version"] != u["version"] {
		t.Errorf("rejected updates changed the record: %s", js(cur["items"]))
	}
	// Create with an inner required field missing.
	s.As("POST", "/data/things", withRequired(obj{"items": arr{obj{"qty": 1}}})).FieldError("items[0].name", "required")
	// Ids sent on create are not kept: every item is new.
	c := thing(t, s, obj{"items": arr{obj{"name": "z"}}})
	if at(c, "items.0.id") == nil {
		t.Errorf("no item id on create")
	}
	// An item id given on create matches nothing.
	s.As("POST", "/data/things", withRequired(obj{"items": arr{obj{"id": ib["id"], "name": "z"}}})).FieldError("items[0].id", "invalid")

	// Filters on a many-valued group match any item.
	if p := list(t, s, "things", q("items.name", "b")); p.Total != 1 || p.Items[0]["id"] != id {
		t.Errorf("items.name=b: %v", ids(p.Items))
	}
	// [] and null both empty the list.
	u = update(t, s, "things", id, obj{"items": arr{}})
	if v, ok := u["items"].([]any); !ok || len(v) != 0 {
		t.Errorf("items [] → %s", js(u["items"]))
	}
	update(t, s, "things", id, obj{"items": arr{obj{"name": "again"}}})
	u = update(t, s, "things", id, obj{"items": nil})
	if v, ok := u["items"].([]any); !ok || len(v) != 0 {
		t.Errorf("items null → %s", js(u["items"]))
	}
}

// D5: the label of a nested item comes from nestedLabel when given.
func TestNestedLabels(t *testing.T) {
	t.Parallel()
	s := demo(t)
	co := create(t, s, "companies", obj{"name": "Acme", "contactInformation": obj{"email": "a@acme.example"},
		"addresses": arr{obj{"city": "Reno"}}})
	if at(co, "contactInformation.label") != "Contact Information" {
		t.Errorf("contactInformation label %v", at(co, "contactInformation.label"))
	}
	if !isID(at(co, "contactInformation.id")) || !isID(at(co, "addresses.0.id")) {
		t.Errorf("nested ids: %s", js(co))
	}
	if l, _ := at(co, "addresses.0.label").(string); l == "" {
		t.Errorf("address item without a label: %s", js(co["addresses"]))
	}
	c := create(t, s, "contacts", obj{"firstName": "Ana", "lastName": "Lima", "company": co["id"],
		"notes": arr{obj{"note": "first call"}, obj{"note": "second", "date": 1000}}})
	notes := c["notes"].([]any)
	if at(notes, "0.label") != "first call" || at(notes, "1.label") != "second" {
		t.Errorf("nestedLabel fields/note: %s", js(notes))
	}
	// The date default ($currentDate) applies to new items only.
	if d, _ := at(notes, "0.date").(float64); d < 1e12 || at(notes, "1.date") != 1000.0 {
		t.Errorf("dates: %v, %v", at(notes, "0.date"), at(notes, "1.date"))
	}
	u := update(t, s, "contacts", c["id"], obj{"notes": arr{obj{"id": at(notes, "1.id"), "note": "renamed"}, obj{"note": "third"}}})
	un := u["notes"].([]any)
	if at(un, "0.label") != "renamed" || at(un, "0.date") != 1000.0 || at(un, "1.label") != "third" {
		t.Errorf("labels after update: %s", js(un))
	}
	s.As("PUT", "/data/contacts/"+c["id"].(string), obj{"notes": arr{obj{"date": 5}}}).FieldError("notes[0].note", "required")
}
