package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestReadOne(t *testing.T) {
	t.Parallel()
	s := demo(t)
	c := create(t, s, "companies", obj{"name": "Acme", "state": "active", "numberOfEmployees": 12,
		"contactInformation": obj{"email": "info@acme.example"}})
	id := c["id"].(string)
	r := s.As("GET", "/data/companies/"+id, nil).Status(200)
	if got := r.JSON(); !jsonEq(got, c) {
		t.Errorf("read one\n got %s\nwant %s (the create answer)", r.Body, js(c))
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}

	s.As("GET", "/data/nosuchentity/"+id, nil).Error(404, "notFound")
	s.As("GET", "/data/companies/"+strings.Repeat("0", 24), nil).Error(404, "notFound")
	// Ids of other entities are unknown here.
	skill := create(t, s, "skills", obj{"name": "Go"})
	s.As("GET", "/data/companies/"+skill["id"].(string), nil).Error(404, "notFound")
	for _, bad := range []string{"xyz", "123", strings.ToUpper(id), id + "0", id[:23], "zz" + id[2:]} {
		s.As("GET", "/data/companies/"+bad, nil).Error(404, "notFound")
	}

	// _fields on read one: id, version, label always come back.
	m := s.As("GET", "/data/companies/"+id+"?_fields=numberOfEmployees", nil).Status(200).JSON()
	wantKeys(t, m, "id", "version", "label", "numberOfEmployees")
	m = s.As("GET", "/data/companies/"+id+"?_fields=contactInformation.email,name", nil).Status(200).JSON()
	wantKeys(t, m, "id", "version", "label", "name", "contactInformation")
	if at(m, "contactInformation.email") != "info@acme.example" || at(m, "contactInformation.phoneNumber") != nil {
		t.Errorf("nested projection: %v", m["contactInformation"])
	}
	s.As("GET", "/data/companies/"+id+"?_fields=nosuchfield", nil).Error(400, "badRequest")
	s.As("GET", "/data/companies/"+id+"?_format=fancy", nil).Error(400, "badRequest")
}

func TestCreate(t *testing.T) {
	t.Parallel()
	s := demo(t)
	before := time.Now().UnixMilli()
	c := create(t, s, "companies", obj{
		"name": "Acme", "state": "active", "type": "b", "numberOfEmployees": 12, "isCustomer": true,
		"homepage": "https://acme.example", "lastMeeting": 1484578380000,
	})
	after := time.Now().UnixMilli()
	if !isID(c["id"]) {
		t.Errorf("id %v is not 24 hex", c["id"])
	}
	if c["version"] != 0.0 {
		t.Errorf("version %v, want 0", c["version"])
	}
	if c["label"] != "Acme" {
		t.Errorf("label %v, want the name", c["label"])
	}
	for _, f := range []string{"created", "lastUpdate"} {
		n, ok := c[f].(float64)
		if !ok || int64(n) < before || int64(n) > after {
			t.Errorf("%s = %v, want the time of the create (%d..%d)", f, c[f], before, after)
		}
	}
	want := obj{"name": "Acme", "state": "active", "type": "b", "numberOfEmployees": 12.0, "isCustomer": true,
		"homepage": "https://acme.example", "lastMeeting": 1484578380000.0, "addresses": arr{}}
	for k, v := range want {
		if !jsonEq(c[k], v) {
			t.Errorf("%s = %s, want %s", k, js(c[k]), js(v))
		}
	}
	// Fields with no value are left out; system keys come first.
	for _, k := range []string{"notes", "taxId", "rating", "contactInformation"} {
		if _, ok := c[k]; ok {
			t.Errorf("unset field %s present: %v", k, c[k])
		}
	}
	r := s.As("GET", "/data/companies/"+c["id"].(string), nil).Status(200)
	if !strings.HasPrefix(string(r.Body), `{"id":"`+c["id"].(string)+`","version":0,"label":"Acme"`) {
		t.Errorf("record does not start with id, version, label: %s", r.Body)
	}

	// Booleans are never absent.
	c2 := create(t, s, "companies", obj{"name": "Beta"})
	if c2["isCustomer"] != false {
		t.Errorf("isCustomer of a new record = %v, want false", c2["isCustomer"])
	}
	if c2["id"] == c["id"] || c2["id"].(string) <= c["id"].(string) {
		t.Errorf("ids not increasing: %v then %v", c["id"], c2["id"])
	}

	// id, version and label in the body are ignored.
	c3 := create(t, s, "companies", obj{"name": "Gamma", "id": c["id"], "version": 7, "label": "Not me"})
	if c3["id"] == c["id"] || !isID(c3["id"]) || c3["version"] != 0.0 || c3["label"] != "Gamma" {
		t.Errorf("system keys of the body were used: %s", js(c3))
	}
	if get(t, s, "companies", c["id"])["name"] != "Acme" {
		t.Errorf("create with the id of another record changed it")
	}

	// Unknown fields, required fields.
	r = s.As("POST", "/data/companies", obj{"name": "Delta", "bogus": 1, "contactInformation": obj{"fax": "x"}})
	fe := r.FieldError("bogus", "invalid")
	if at(fe, "additionalInfo.rejectedValue") != 1.0 {
		t.Errorf("rejectedValue %v", fe["additionalInfo"])
	}
	r.FieldError("contactInformation.fax", "invalid")
	fe = s.As("POST", "/data/companies", obj{"state": "active"}).FieldError("name", "required")
	if fe["fieldLabel"] != "Name" {
		t.Errorf("fieldLabel %v, want Name", fe["fieldLabel"])
	}
	s.As("POST", "/data/companies", obj{"name": "  "}).FieldError("name", "required")
	// All errors of a body come back at once.
	errs := s.As("POST", "/data/companies", obj{"state": "nope", "numberOfEmployees": -1}).FieldErrors()
	if errs["name"] != "required" || errs["state"] != "invalid" || errs["numberOfEmployees"] != "outOfRange" {
		t.Errorf("errors %v", errs)
	}
	s.As("POST", "/data/nosuchentity", obj{"name": "x"}).Error(404, "notFound")
	if p := list(t, s, "companies", ""); p.Total != 3 {
		t.Errorf("total %d after 3 good and 4 bad creates", p.Total)
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	s := demo(t)
	c := create(t, s, "companies", obj{"name": "Acme", "state": "active", "numberOfEmployees": 12, "notes": "n1"})
	id := c["id"].(string)
	path := "/data/companies/" + id

	// Partial: only sent keys change.
	u := update(t, s, "companies", id, obj{"state": "pending"})
	if u["version"] != 1.0 || u["state"] != "pending" || u["name"] != "Acme" || u["numberOfEmployees"] != 12.0 || u["notes"] != "n1" {
		t.Errorf("partial update: %s", js(u))
	}
	if u["created"] != c["created"] {
		t.Errorf("created changed on update: %v → %v", c["created"], u["created"])
	}
	if u["lastUpdate"].(float64) < c["lastUpdate"].(float64) {
		t.Errorf("lastUpdate went back: %v → %v", c["lastUpdate"], u["lastUpdate"])
	}
	if !jsonEq(get(t, s, "companies", id), u) {
		t.Errorf("read after update differs from the update answer")
	}

	// null clears.
	u = update(t, s, "companies", id, obj{"notes": nil, "numberOfEmployees": nil, "isCustomer": nil})
	if _, ok := u["notes"]; ok {
		t.Errorf("notes not cleared: %v", u["notes"])
	}
	if _, ok := u["numberOfEmployees"]; ok {
		t.Errorf("numberOfEmployees not cleared: %v", u["numberOfEmployees"])
	}
	if u["isCustomer"] != false || u["version"] != 2.0 {
		t.Errorf("isCustomer %v version %v", u["isCustomer"], u["version"])
	}
	// Clearing a required field is a validation error and changes nothing.
	s.As("PUT", path, obj{"name": nil}).FieldError("name", "required")
	// An empty body still writes a new version.
	u = update(t, s, "companies", id, obj{})
	if u["version"] != 3.0 {
		t.Errorf("version %v after an empty update, want 3", u["version"])
	}

	// Version: stale → 409, right → 200, absent → last writer wins.
	s.As("PUT", path, obj{"version": 2, "state": "inactive"}).Error(409, "optimisticLocking")
	s.As("PUT", path, obj{"version": 4, "state": "inactive"}).Error(409, "optimisticLocking")
	if got := get(t, s, "companies", id); got["state"] != "pending" || got["version"] != 3.0 {
		t.Errorf("a rejected update changed the record: %s", js(got))
	}
	u = update(t, s, "companies", id, obj{"version": 3, "state": "inactive"})
	if u["version"] != 4.0 || u["state"] != "inactive" {
		t.Errorf("update with the right version: %s", js(u))
	}
	u = update(t, s, "companies", id, obj{"version": "4", "state": "active"})
	if u["version"] != 5.0 {
		t.Errorf("version as a numeric string: %s", js(u))
	}
	u = update(t, s, "companies", id, obj{"state": "pending"})
	if u["version"] != 6.0 || u["state"] != "pending" {
		t.Errorf("update without version: %s", js(u))
	}
	for _, bad := range []any{"abc", -1, 1.5, true, obj{}} {
		s.As("PUT", path, obj{"version": bad, "state": "active"}).Error(400, "badRequest")
	}

	// The path id wins over a body id; the label follows the name.
	other := create(t, s, "companies", obj{"name": "Other"})
	u = update(t, s, "companies", id, obj{"id": other["id"], "name": "Acme 2", "label": "ignored"})
	if u["id"] != id || u["label"] != "Acme 2" {
		t.Errorf("body id/label used: %s", js(u))
	}
	if got := get(t, s, "companies", other["id"]); got["name"] != "Other" || got["version"] != 0.0 {
		t.Errorf("the record named by the body id changed: %s", js(got))
	}

	// Validation on update.
	s.As("PUT", path, obj{"bogus": true}).FieldError("bogus", "invalid")
	s.As("PUT", path, obj{"numberOfEmployees": "many"}).FieldError("numberOfEmployees", "invalid")
	s.As("PUT", path, obj{"name": "Other"}).FieldError("name", "unique")

	s.As("PUT", "/data/companies/"+strings.Repeat("0", 24), obj{"name": "x"}).Error(404, "notFound")
	s.As("PUT", "/data/companies/not-an-id", obj{"name": "x"}).Error(404, "notFound")
	s.As("PUT", "/data/nosuchentity/"+id, obj{"name": "x"}).Error(404, "notFound")
	s.As("PUT", "/data/companies/"+strings.Repeat("0", 24), obj{"version": 0, "name": "x"}).Error(404, "notFound")
}

func TestDeleteOne(t *testing.T) {
	t.Parallel()
	s := demo(t)
	c := create(t, s, "companies", obj{"name": "Acme", "state": "active"})
	keep := create(t, s, "companies", obj{"name": "Keep"})
	id := c["id"].(string)
	s.As("DELETE", "/data/nosuchentity/"+id, nil).Error(404, "notFound")
	m := s.As("DELETE", "/data/companies/"+id, nil).Status(200).JSON()
	if !jsonEq(m, c) {
		t.Errorf("delete answered\n%s\nwant the record\n%s", js(m), js(c))
	}
	s.As("GET", "/data/companies/"+id, nil).Error(404, "notFound")
	s.As("DELETE", "/data/companies/"+id, nil).Error(404, "notFound")
	s.As("PUT", "/data/companies/"+id, obj{"name": "back"}).Error(404, "notFound")
	s.As("DELETE", "/data/companies/not-an-id", nil).Error(404, "notFound")
	p := list(t, s, "companies", "")
	if p.Total != 1 || p.Items[0]["id"] != keep["id"] {
		t.Errorf("after delete: %+v", p)
	}
	// The unique name is free again.
	create(t, s, "companies", obj{"name": "Acme"})
	// _async is a boolean (true runs a job: jobs_test.go).
	kid := keep["id"].(string)
	s.As("DELETE", "/data/companies/"+kid+"?_async=yes", nil).Error(400, "badRequest")
	s.As("DELETE", "/data/companies/"+kid+"?_async=1", nil).Error(400, "badRequest")
	get(t, s, "companies", kid)
	s.As("DELETE", "/data/companies/"+kid+"?_async=False", nil).Status(200)
	s.As("GET", "/data/companies/"+kid, nil).Error(404, "notFound")
}

func TestDeleteMany(t *testing.T) {
	t.Parallel()
	s := demo(t)
	var made []obj
	for i := range 4 {
		made = append(made, create(t, s, "companies", obj{"name": fmt.Sprintf("C%d", i)}))
	}
	id0, id1, id2 := made[0]["id"].(string), made[1]["id"].(string), made[2]["id"].(string)
	unknown := strings.Repeat("a", 24)
	var res map[string]map[string]any
	s.As("DELETE", "/data/companies/"+strings.Join([]string{id0, id1, unknown, "bad-id", id2}, ","), nil).
		Status(200).Decode(&res)
	if len(res) != 5 {
		t.Fatalf("result map has %d entries, want 5: %v", len(res), res)
	}
	for i, id := range []string{id0, id1, id2} {
		e := res[id]
		if e["status"] != "ok" || !jsonEq(e["response"], made[i]) {
			t.Errorf("entry of %s: %s, want ok with the record", id, js(e))
		}
		if _, ok := e["errorMessage"]; ok {
			t.Errorf("ok entry with errorMessage: %s", js(e))
		}
		s.As("GET", "/data/companies/"+id, nil).Error(404, "notFound")
	}
	for _, id := range []string{unknown, "bad-id"} {
		e := res[id]
		if msg, _ := e["errorMessage"].(string); e["status"] != "error" || msg == "" {
			t.Errorf("entry of %s: %s, want status error with a message", id, js(e))
		}
		if _, ok := e["response"]; ok {
			t.Errorf("error entry with a response: %s", js(e))
		}
	}
	p := list(t, s, "companies", "")
	if p.Total != 1 || p.Items[0]["id"] != made[3]["id"] {
		t.Errorf("left after delete many: %+v", p)
	}

	// Deleting them again: every entry is an error, the call still succeeds.
	res = nil
	s.As("DELETE", "/data/companies/"+id0+","+id1, nil).Status(200).Decode(&res)
	if len(res) != 2 || res[id0]["status"] != "error" || res[id1]["status"] != "error" {
		t.Errorf("second delete: %v", res)
	}

	// More than 1,000 ids at once → 400, nothing deleted.
	many := make([]string, 0, 1001)
	many = append(many, made[3]["id"].(string))
	for i := 1; i < 1001; i++ {
		many = append(many, fmt.Sprintf("%024x", i))
	}
	s.As("DELETE", "/data/companies/"+strings.Join(many, ","), nil).Error(400, "badRequest")
	get(t, s, "companies", made[3]["id"])
	// Exactly 1,000 is allowed.
	res = nil
	s.As("DELETE", "/data/companies/"+strings.Join(many[:1000], ","), nil).Status(200).Decode(&res)
	if len(res) != 1000 || res[many[0]]["status"] != "ok" {
		t.Errorf("delete of 1,000: %d entries, first %v", len(res), res[many[0]])
	}

	s.As("DELETE", "/data/nosuchentity/"+id0+","+id1, nil).Error(404, "notFound")
	x := create(t, s, "companies", obj{"name": "X"})["id"].(string)
	s.As("DELETE", "/data/companies/"+x+","+unknown+"?_async=maybe", nil).Error(400, "badRequest")
	get(t, s, "companies", x)
}
