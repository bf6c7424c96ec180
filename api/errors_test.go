package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"runway/api/apitest"
)

func TestBodyErrors(t *testing.T) {
	t.Parallel()
	s := demo(t)
	c := create(t, s, "companies", obj{"name": "Acme"})
	path := "/data/companies/" + c["id"].(string)
	for _, target := range []struct{ method, path string }{{"POST", "/data/companies"}, {"PUT", path}} {
		for _, b := range []struct{ name, ct, body string }{
			{"malformed", "application/json", `{"name": "x",}`},
			{"truncated", "application/json", `{"name": "x"`},
			{"empty", "application/json", ``},
			{"array", "application/json", `[{"name": "x"}]`},
			{"string", "application/json", `"x"`},
			{"number", "application/json", `12`},
			{"null", "application/json", `null`},
			{"trailing garbage", "application/json", `{"name": "x"} garbage`},
			{"two objects", "application/json", `{"name": "x"}{"name": "y"}`},
			{"trailing comma", "application/json", `{"name": "x"},`},
			{"form", "application/x-www-form-urlencoded", `{"name": "x"}`},
			{"text", "text/plain", `{"name": "x"}`},
			{"multipart", "multipart/form-data; boundary=x", `{"name": "x"}`},
			{"bad media type", "application/json; charset", `{"name": "x"}`},
		} {
			r := s.Raw(target.method, target.path, s.Token, b.ct, b.body)
			if r.Code != 400 {
				t.Errorf("%s %s, %s body: status %d: %s", target.method, target.path, b.name, r.Code, r.Body)
				continue
			}
			r.Error(400, "badRequest")
		}
	}
	// Nothing was written by any of them.
	if got := get(t, s, "companies", c["id"]); got["version"] != 0.0 || got["name"] != "Acme" {
		t.Errorf("record changed: %s", js(got))
	}
	if p := list(t, s, "companies", ""); p.Total != 1 {
		t.Errorf("%d records, want 1", p.Total)
	}
	// JSON content types that are fine: with parameters, +json, none at all;
	// trailing white space is no garbage.
	s.Raw("POST", "/data/companies", s.Token, "application/json; charset=utf-8", `{"name": "B"}`).Status(200)
	s.Raw("POST", "/data/companies", s.Token, "application/vnd.api+json", `{"name": "C"}`).Status(200)
	s.Raw("POST", "/data/companies", s.Token, "", `{"name": "D"}`).Status(200)
	s.Raw("PUT", path, s.Token, "application/json", "{\"notes\": \"x\"}\n\t \n").Status(200)
}

func TestBodySizeLimit(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, nil, apitest.Options{MaxBodySize: 1024})
	small := obj{"name": "Small", "notes": strings.Repeat("n", 900)}
	c := create(t, s, "companies", small)
	big := obj{"name": "Big", "notes": strings.Repeat("n", 1100)}
	m := s.As("POST", "/data/companies", big).Error(400, "badRequest")
	if !strings.Contains(m["message"].(string), "1024") {
		t.Errorf("message %q does not name the limit", m["message"])
	}
	s.As("PUT", "/data/companies/"+c["id"].(string), big).Error(400, "badRequest")
	// Far over the limit, the answer is the same.
	s.As("POST", "/data/companies", obj{"name": "Huge", "notes": strings.Repeat("n", 1<<20)}).Error(400, "badRequest")
	s.Do("POST", "/auth/login", "", obj{"email": apitest.AdminEmail, "password": strings.Repeat("p", 2000)}).Error(400, "badRequest")
	if p := list(t, s, "companies", ""); p.Total != 1 {
		t.Errorf("%d records, want only the small one", p.Total)
	}
	if get(t, s, "companies", c["id"])["version"] != 0.0 {
		t.Errorf("an oversized update was applied")
	}
	// Just under the limit is fine (exactly 1024 bytes).
	body := `{"name":"Edge","notes":"` + strings.Repeat("e", 1024-len(`{"name":"Edge","notes":""}`)) + `"}`
	if len(body) != 1024 {
		t.Fatalf("edge body is %d bytes", len(body))
	}
	s.Raw("POST", "/data/companies", s.Token, "application/json", body).Status(200)
}

func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	s := demo(t)
	for _, rq := range []struct{ method, path string }{
		{"GET", "/nothing"},
		{"GET", "/data"},
		{"PATCH", "/data/companies/" + strings.Repeat("a", 24)},
		{"GET", "/auth/login"},
		{"POST", "/data/companies/" + strings.Repeat("a", 24) + "/x/y/z"},
	} {
		r := s.As(rq.method, rq.path, nil)
		if r.Code != 404 && r.Code != 405 {
			t.Errorf("%s %s: status %d: %s", rq.method, rq.path, r.Code, r.Body)
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(r.Body, &m); err != nil || m["code"] == nil || m["message"] == nil {
			t.Errorf("%s %s: body is not an error body: %s", rq.method, rq.path, r.Body)
		}
		if _, ok := m["errors"].([]any); !ok {
			t.Errorf("%s %s: no errors array: %s", rq.method, rq.path, r.Body)
		}
	}
	// Health checks need no token.
	res := s.Send(mustReq(t, "GET", s.Root+"/healthz"))
	if res.Code != 200 {
		t.Errorf("healthz: %d", res.Code)
	}
}

// Every error answer has code, message and an errors array, and validation
// errors carry field, fieldLabel, code, message and additionalInfo.
func TestErrorBodyShape(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	r := s.As("POST", "/data/things", obj{"age": "x", "requiredText": nil, "bogus": 1})
	m := r.Error(400, "validationErrors")
	wantKeys(t, m, "code", "message", "errors")
	errs := m["errors"].([]any)
	if len(errs) != 3 {
		t.Fatalf("%d errors, want 3: %s", len(errs), r.Body)
	}
	for _, e := range errs {
		fe := e.(map[string]any)
		wantKeys(t, fe, "field", "fieldLabel", "code", "message", "additionalInfo")
		if msg, _ := fe["message"].(string); msg == "" {
			t.Errorf("field error without message: %v", fe)
		}
	}
	if fe := r.FieldError("bogus", "invalid"); fe["fieldLabel"] != nil {
		t.Errorf("unknown field has a fieldLabel: %v", fe)
	}
	if fe := r.FieldError("requiredText", "required"); fe["fieldLabel"] != "requiredText" {
		t.Errorf("fieldLabel of a field without label: %v", fe["fieldLabel"])
	}
	if fe := r.FieldError("age", "invalid"); at(fe, "additionalInfo.rejectedValue") != "x" {
		t.Errorf("rejectedValue: %v", fe["additionalInfo"])
	}
	for _, other := range []*apitest.Response{
		s.Do("GET", "/data/things", "", nil),
		s.As("GET", "/data/nope", nil),
		s.As("GET", "/data/things?_size=0", nil),
	} {
		m := other.JSON()
		wantKeys(t, m, "code", "message", "errors")
		if e, ok := m["errors"].([]any); !ok || len(e) != 0 {
			t.Errorf("errors of a %v: %v, want []", m["code"], m["errors"])
		}
		if ct := other.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("error Content-Type %q", ct)
		}
	}
}
