package api_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"runway/api/apitest"
)

func TestRelationshipWriteForms(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	ana := create(t, s, "people", obj{"name": "Ana", "email": "ana@example.org"})
	bob := create(t, s, "people", obj{"name": "Bob"})
	cy := create(t, s, "people", obj{"name": "Cy"})
	ref := func(p obj) obj { return obj{"id": p["id"], "label": p["label"]} }
	if ana["label"] != "Ana" {
		t.Fatalf("people label %v", ana["label"])
	}

	for _, c := range []struct {
		name string
		in   any
	}{
		{"id", ana["id"]},
		{"{id}", obj{"id": ana["id"]}},
		{"{id} with a wrong label", obj{"id": ana["id"], "label": "Bob"}},
		{"label", "Ana"},
		{"{label}", obj{"label": "Ana"}},
		{"lookup field", obj{"name": "Ana"}},
		{"read form", ref(ana)},
	} {
		m := thing(t, s, obj{"owner": c.in})
		if !jsonEq(m["owner"], ref(ana)) {
			t.Errorf("owner by %s: %s, want %s", c.name, js(m["owner"]), js(ref(ana)))
		}
		wantKeys(t, m["owner"].(map[string]any), "id", "label")
	}

	// Many-valued: each element in any form, order kept.
	m := thing(t, s, obj{"friends": arr{"Bob", obj{"id": cy["id"]}, obj{"name": "Ana"}}})
	if !jsonEq(m["friends"], arr{ref(bob), ref(cy), ref(ana)}) {
		t.Errorf("friends: %s", js(m["friends"]))
	}
	id := m["id"]
	// Replaced as a whole on update; null clears to [].
	u := update(t, s, "things", id, obj{"friends": arr{bob["id"]}, "owner": "Cy"})
	if !jsonEq(u["friends"], arr{ref(bob)}) || !jsonEq(u["owner"], ref(cy)) {
		t.Errorf("after update: friends %s owner %s", js(u["friends"]), js(u["owner"]))
	}
	u = update(t, s, "things", id, obj{"friends": nil, "owner": nil})
	if !jsonEq(u["friends"], arr{}) {
		t.Errorf("friends null → %s", js(u["friends"]))
	}
	if _, ok := u["owner"]; ok {
		t.Errorf("owner null → %s", js(u["owner"]))
	}
	// Read back as {id, label}.
	update(t, s, "things", id, obj{"owner": cy["id"], "friends": arr{"Ana", "Bob"}})
	got := get(t, s, "things", id)
	if !jsonEq(got["owner"], ref(cy)) || !jsonEq(got["friends"], arr{ref(ana), ref(bob)}) {
		t.Errorf("read: owner %s friends %s", js(got["owner"]), js(got["friends"]))
	}

	// Unknown targets.
	unknown := strings.Repeat("0", 24)
	for _, bad := range []any{"Nobody", unknown, obj{"id": unknown}, obj{"label": "Nobody"}, obj{"name": "Nobody"},
		obj{"id": "not-an-id"}, obj{"email": "ana@example.org"}, obj{}, 12, true, arr{"Ana"}} {
		r := s.As("POST", "/data/things", withRequired(obj{"owner": bad}))
		if fe := r.FieldErrors(); fe["owner"] != "invalid" || len(fe) != 1 {
			t.Errorf("owner %s: errors %v, want invalid at owner", js(bad), fe)
		}
	}
	// The id of a record of another entity is unknown here.
	other := thing(t, s, obj{})
	s.As("POST", "/data/things", withRequired(obj{"owner": other["id"]})).FieldError("owner", "invalid")
	// One bad element of many: its index in the path.
	r := s.As("POST", "/data/things", withRequired(obj{"friends": arr{"Ana", "Nobody", obj{"id": unknown}}}))
	fe := r.FieldErrors()
	if fe["friends[1]"] != "invalid" || fe["friends[2]"] != "invalid" || len(fe) != 2 {
		t.Errorf("friends errors %v, want friends[1] and friends[2]", fe)
	}
	if at(r.FieldError("friends[1]", "invalid"), "additionalInfo.rejectedValue") != "Nobody" {
		t.Errorf("rejectedValue missing")
	}

	// Filters: bare = label, .id, .label.
	for _, f := range []string{q("owner", "Cy"), q("owner.id", cy["id"].(string)), q("owner.label", "Cy"), q("friends", "Bob"), q("friends.id", bob["id"].(string))} {
		if p := list(t, s, "things", f); p.Total != 1 || p.Items[0]["id"] != id {
			t.Errorf("?%s: %v, want only %v", f, ids(p.Items), id)
		}
	}
	if p := list(t, s, "things", q("owner", "Ana")); p.Total != 7 {
		t.Errorf("owner=Ana: %d, want the 7 records written with Ana", p.Total)
	}
	s.As("GET", "/data/things?"+q("owner.email", "x"), nil).Error(400, "badRequest")
}

// An app whose relationship target has labels that are not unique and a
// lookup field that is not the label.
var teamsApp = fstest.MapFS{
	"app.json": {Data: []byte(`{"name": "teams"}`)},
	"model/entities/teams.json": {Data: []byte(`{
		"name": "teams", "label": "Teams", "recordLabel": "fields/name", "lookupFields": ["code"],
		"fields": [
			{"name": "name", "label": "Name", "type": "text"},
			{"name": "code", "label": "Code", "type": "text", "unique": true}
		]}`)},
	"model/entities/members.json": {Data: []byte(`{
		"name": "members", "label": "Members", "recordLabel": "fields/name",
		"fields": [
			{"name": "name", "label": "Name", "type": "text", "required": "always"},
			{"name": "team", "label": "Team", "type": "relationship", "required": "always", "typeRules": {"entity": "teams"}},
			{"name": "teams", "label": "Teams", "type": "relationship", "multiplicity": "many", "typeRules": {"entity": "teams"}},
			{"name": "mentor", "label": "Mentor", "type": "relationship", "typeRules": {"entity": "members"}}
		]}`)},
}

func TestRelationshipAmbiguityAndLookup(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, teamsApp)
	red1 := create(t, s, "teams", obj{"name": "Red", "code": "R1"})
	red2 := create(t, s, "teams", obj{"name": "Red", "code": "R2"})
	blue := create(t, s, "teams", obj{"name": "Blue", "code": "B1"})
	// A team whose lookup value is another team's label.
	odd := create(t, s, "teams", obj{"name": "Odd", "code": "Blue"})
	ref := func(p obj) obj { return obj{"id": p["id"], "label": p["label"]} }

	// Ambiguous label → invalid, in both forms.
	for _, in := range []any{"Red", obj{"label": "Red"}} {
		fe := s.As("POST", "/data/members", obj{"name": "M", "team": in}).FieldError("team", "invalid")
		if !strings.Contains(fe["message"].(string), "Red") {
			t.Errorf("message %q does not name the value", fe["message"])
		}
	}
	s.As("POST", "/data/members", obj{"name": "M", "team": "Blue", "teams": arr{"Blue", "Red"}}).FieldError("teams[1]", "invalid")
	// The id or the lookup value disambiguates.
	m := create(t, s, "members", obj{"name": "M", "team": obj{"code": "R2"}, "teams": arr{red1["id"], "R2", obj{"code": "B1"}}})
	if !jsonEq(m["team"], ref(red2)) || !jsonEq(m["teams"], arr{ref(red1), ref(red2), ref(blue)}) {
		t.Errorf("by lookup/id: team %s teams %s", js(m["team"]), js(m["teams"]))
	}
	// A bare string: the label wins over a lookup value.
	m2 := create(t, s, "members", obj{"name": "N", "team": "Blue"})
	if !jsonEq(m2["team"], ref(blue)) {
		t.Errorf(`"Blue" resolved to %s, want the team labelled Blue`, js(m2["team"]))
	}
	// {"label"} does not fall back to lookup fields; {"<lookup>"} does not try labels.
	s.As("POST", "/data/members", obj{"name": "X", "team": obj{"label": "R1"}}).FieldError("team", "invalid")
	s.As("POST", "/data/members", obj{"name": "X", "team": obj{"code": "Odd"}}).FieldError("team", "invalid")
	m3 := create(t, s, "members", obj{"name": "O", "team": obj{"code": "Blue"}})
	if !jsonEq(m3["team"], ref(odd)) {
		t.Errorf(`{"code": "Blue"} resolved to %s, want Odd`, js(m3["team"]))
	}
	// Required relationship.
	s.As("POST", "/data/members", obj{"name": "Y"}).FieldError("team", "required")
	s.As("POST", "/data/members", obj{"name": "Y", "team": nil}).FieldError("team", "required")
	// Self-reference.
	m4 := create(t, s, "members", obj{"name": "P", "team": blue["id"], "mentor": "M"})
	if !jsonEq(m4["mentor"], ref(m)) {
		t.Errorf("mentor %s", js(m4["mentor"]))
	}
	// The stored label is the target's label, whatever the client sends.
	m5 := create(t, s, "members", obj{"name": "Q", "team": obj{"id": blue["id"], "label": "Fake"}})
	if at(m5, "team.label") != "Blue" {
		t.Errorf("label %v, want the target's", at(m5, "team.label"))
	}
}
