package api_test

import (
	"strings"
	"testing"
)

// NUL in text (issue 10 item 4): PostgreSQL text cannot hold it and SQLite
// would, so on both stores a value with a NUL is the field's invalid error
// and nothing is written — top-level, nested, multi-valued, action
// parameters, and the inputs of calculated labels alike; a filter with a
// NUL is a 400.
func TestNULInTextIsInvalidOnEveryStore(t *testing.T) {
	t.Parallel()
	s := demo(t)
	co := create(t, s, "companies", obj{"name": "Acme"})
	id := co["id"].(string)

	s.As("POST", "/data/companies", obj{"name": "a\u0000z"}).FieldError("name", "invalid")
	s.As("POST", "/data/companies", obj{"name": "ok", "notes": "x\u0000"}).FieldError("notes", "invalid")
	s.As("POST", "/data/companies", obj{"name": "ok", "contactInformation": obj{"email": "a\u0000@b.org"}}).
		FieldError("contactInformation.email", "invalid")
	// the addresses' labels come from their state and zip code (a script)
	s.As("POST", "/data/companies", obj{"name": "ok", "addresses": arr{obj{"state": "NV", "zipCode": "1"},
		obj{"state": "NV", "zipCode": "\u0000"}}}).FieldError("addresses[1].zipCode", "invalid")
	s.As("PUT", "/data/companies/"+id, obj{"name": "Acme\u0000"}).FieldError("name", "invalid")
	// a contact's label is its full name, calculated from its first and last names
	s.As("POST", "/data/contacts", obj{"firstName": "Ann\u0000", "lastName": "Lee", "company": id}).
		FieldError("firstName", "invalid")
	s.As("POST", "/data/contacts", obj{"firstName": "Ann", "lastName": "Lee", "company": "Acme\u0000"}).
		FieldError("company", "invalid")
	// an action's parameter
	s.As("PUT", "/data/companies/"+id+"/changeState", obj{"state": "active", "reason": "\u0000"}).FieldError("reason", "invalid")

	var p page
	s.As("GET", "/data/companies", nil).Status(200).Decode(&p)
	if p.Total != 1 || p.Items[0]["name"] != "Acme" || p.Items[0]["notes"] != nil || p.Items[0]["version"] != 0.0 {
		t.Errorf("companies after the refused writes: %+v", p)
	}
	s.As("GET", "/data/contacts", nil).Status(200).Decode(&p)
	if p.Total != 0 {
		t.Errorf("contacts after the refused writes: %+v", p)
	}
	// filters: a NUL escaped in the query string, or inside a _query literal
	for _, q := range []string{"name=a%00z", "_query=filter('name','a%00')", "name%00=a"} {
		r := s.As("GET", "/data/companies?"+q, nil)
		if m := r.Error(400, "badRequest"); !strings.Contains(m["message"].(string), "NUL") {
			t.Errorf("%s: %s", q, r.Body)
		}
	}
}

// A multi-valued text field: the element with the NUL is named.
func TestNULInAMultiValuedField(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	s.As("POST", "/data/things", withRequired(obj{"tags": arr{"a", "b\u0000"}})).FieldError("tags[1]", "invalid")
	s.As("POST", "/data/things", obj{"requiredText": "\u0000"}).FieldError("requiredText", "invalid")
	s.As("POST", "/data/things", withRequired(obj{"nestedFields": obj{"inner": "\u0000"}})).FieldError("nestedFields.inner", "invalid")
	s.As("POST", "/data/things", withRequired(obj{"dynamicChoice": "\u0000"})).FieldError("dynamicChoice", "invalid")
	var p page
	s.As("GET", "/data/things", nil).Status(200).Decode(&p)
	if p.Total != 0 {
		t.Errorf("things stored: %+v", p)
	}
}
