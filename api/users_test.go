package api_test

import (
	"strings"
	"testing"

	"runway/api/apitest"
)

// noPassword fails when an answer carries a password, in clear or as a key.
func noPassword(t *testing.T, r *apitest.Response, passwords ...string) {
	t.Helper()
	body := string(r.Body)
	for _, pw := range passwords {
		if strings.Contains(body, pw) {
			t.Fatalf("answer contains the password %q: %s", pw, body)
		}
	}
	for _, key := range []string{`"password"`, `"newPassword"`, `"passwordConfirmation"`, `"generatePassword"`, "argon2"} {
		if strings.Contains(body, key) {
			t.Fatalf("answer contains %s: %s", key, body)
		}
	}
}

func TestUsersCreateByDeveloper(t *testing.T) {
	t.Parallel()
	s := demo(t)
	const pw = "Ana-Secret-42"
	r := s.As("POST", "/data/sys.users", obj{
		"firstName": "Ana", "lastName": "Lima", "email": "Ana.Lima@Example.org",
		"authentication": obj{"newPassword": pw, "passwordConfirmation": pw},
		"groups":         arr{obj{"group": "users"}},
	}).Status(200)
	noPassword(t, r, pw)
	u := r.JSON()
	if !isID(u["id"]) || u["version"] != 0.0 || u["label"] != "Ana Lima" {
		t.Errorf("system fields: id %v version %v label %v", u["id"], u["version"], u["label"])
	}
	if u["fullName"] != "Ana Lima" || u["email"] != "Ana.Lima@Example.org" || u["emailStandardized"] != "ana.lima@example.org" {
		t.Errorf("names: %v / %v / %v", u["fullName"], u["email"], u["emailStandardized"])
	}
	if u["status"] != "ACTIVE" {
		t.Errorf("status = %v, want the default ACTIVE", u["status"])
	}
	groups, _ := u["groups"].([]any)
	if len(groups) != 1 {
		t.Fatalf("groups = %v", u["groups"])
	}
	g := groups[0].(map[string]any)
	if g["primary"] != true || !isID(g["id"]) || !isID(at(g, "group.id")) || at(g, "group.label") != "Users" {
		t.Errorf("group entry = %v, want primary with group {id, label Users}", g)
	}
	if at(u, "authentication.passwordExpired") != false {
		t.Errorf("authentication = %v", u["authentication"])
	}

	// Read one and list never show it either.
	noPassword(t, s.As("GET", "/data/sys.users/"+u["id"].(string), nil).Status(200), pw)
	noPassword(t, s.As("GET", "/data/sys.users", nil).Status(200), pw)
	noPassword(t, s.As("GET", "/data/sys.users?_fields=authentication", nil).Status(200), pw)

	// The new user logs in with the password, with the email in any case.
	m := login(s, obj{"email": "ana.lima@example.org", "password": pw}).Status(200).JSON()
	if m["userId"] != u["id"] || m["userName"] != "Ana Lima" || m["userEmail"] != "Ana.Lima@Example.org" {
		t.Errorf("login answer %v", m)
	}
	login(s, obj{"email": "ana.lima@example.org", "password": "wrong-one"}).Error(401, "unauthorized")

	// A developer changes the password: the old one stops working.
	r = s.As("PUT", "/data/sys.users/"+u["id"].(string), obj{
		"authentication": obj{"newPassword": "Changed-Pass-7", "passwordConfirmation": "Changed-Pass-7"},
	}).Status(200)
	noPassword(t, r, "Changed-Pass-7")
	login(s, obj{"email": "ana.lima@example.org", "password": pw}).Error(401, "unauthorized")
	login(s, obj{"email": "ana.lima@example.org", "password": "Changed-Pass-7"}).Status(200)

	// The email is unique (case-insensitively).
	r = s.As("POST", "/data/sys.users", obj{
		"firstName": "Other", "lastName": "Ana", "email": "ana.lima@example.org",
		"authentication": obj{"newPassword": pw, "passwordConfirmation": pw},
	})
	fe := r.FieldErrors()
	if fe["email"] != "unique" && fe["emailStandardized"] != "unique" {
		t.Errorf("duplicate email: errors %v, want unique", fe)
	}
}

func TestUsersPasswordValidation(t *testing.T) {
	t.Parallel()
	s := demo(t)
	base := func(auth obj) obj {
		return obj{"firstName": "Bo", "lastName": "Tan", "email": "bo@example.org", "authentication": auth}
	}
	r := s.As("POST", "/data/sys.users", base(obj{"newPassword": "first-pass-1", "passwordConfirmation": "other-pass-1"}))
	r.FieldError("authentication.passwordConfirmation", "invalid")
	noPassword(t, r, "first-pass-1", "other-pass-1")
	r = s.As("POST", "/data/sys.users", base(obj{"newPassword": "first-pass-1"}))
	r.FieldError("authentication.passwordConfirmation", "invalid")
	r = s.As("POST", "/data/sys.users", base(obj{"newPassword": "abc", "passwordConfirmation": "abc"}))
	r.FieldError("authentication.newPassword", "tooShort")
	noPassword(t, r, `"abc"`)

	// Nothing was created, so the email is still free.
	if p := list(t, s, "sys.users", q("email", "bo@example.org")); p.Total != 0 {
		t.Fatalf("a rejected user was stored: %v", p.Items)
	}
	// Required fields of sys.users.
	fe := s.As("POST", "/data/sys.users", obj{"authentication": obj{"newPassword": "first-pass-1", "passwordConfirmation": "first-pass-1"}}).FieldErrors()
	for _, f := range []string{"firstName", "lastName", "email"} {
		if fe[f] != "required" {
			t.Errorf("%s: %q, want required (all: %v)", f, fe[f], fe)
		}
	}
	// A mismatch on update is rejected as well and keeps the old password.
	u := s.CreateUser("cy@example.org", "cy-password", nil)
	s.As("PUT", "/data/sys.users/"+u["id"].(string), obj{
		"authentication": obj{"newPassword": "new-pass-11", "passwordConfirmation": "new-pass-12"},
	}).FieldError("authentication.passwordConfirmation", "invalid")
	s.Login("cy@example.org", "cy-password")
	// An unknown group is an invalid value at its path.
	s.As("POST", "/data/sys.users", obj{"firstName": "Di", "lastName": "Ng", "email": "di@example.org",
		"authentication": obj{"newPassword": "di-password", "passwordConfirmation": "di-password"},
		"groups":         arr{obj{"group": "nosuchgroup"}},
	}).FieldError("groups[0].group", "invalid")
}

func TestUsersForbiddenToOrdinaryUsers(t *testing.T) {
	t.Parallel()
	s := demo(t)
	u := s.CreateUser("ana@example.org", "ana-password", obj{"groups": arr{obj{"group": "users"}}})
	tok := s.Login("ana@example.org", "ana-password")
	id := u["id"].(string)
	s.Do("GET", "/data/sys.users", tok, nil).Error(403, "forbidden")
	s.Do("GET", "/data/sys.users/"+id, tok, nil).Error(403, "forbidden")
	s.Do("POST", "/data/sys.users", tok, obj{"firstName": "X", "lastName": "Y", "email": "x@example.org"}).Error(403, "forbidden")
	// Not even to make herself a developer.
	s.Do("PUT", "/data/sys.users/"+id, tok, obj{"permissions": obj{"developer": true}}).Error(403, "forbidden")
	s.Do("DELETE", "/data/sys.users/"+id, tok, nil).Error(403, "forbidden")
	s.Do("DELETE", "/data/sys.users/"+id+","+id, tok, nil).Error(403, "forbidden")
	if got := get(t, s, "sys.users", id); at(got, "permissions.developer") == true {
		t.Fatalf("an ordinary user made herself a developer: %v", got["permissions"])
	}
	// Other entities are open to her.
	s.Do("GET", "/data/companies", tok, nil).Status(200)
	s.Do("POST", "/data/companies", tok, obj{"name": "Hers"}).Status(200)
}

func TestUsersPasswordFormsAndRoles(t *testing.T) {
	t.Parallel()
	s := demo(t)
	user := func(email string, extra obj) obj {
		b := obj{"firstName": "Ed", "lastName": "Po", "email": email}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	// authentication.password sets the password on create, and is never returned.
	r := s.As("POST", "/data/sys.users", user("ed@example.org", obj{"authentication": obj{"password": "ed-password"}})).Status(200)
	noPassword(t, r, "ed-password")
	s.Login("ed@example.org", "ed-password")
	// Without a password one is generated: nobody knows it, so no login.
	r = s.As("POST", "/data/sys.users", user("gen@example.org", nil)).Status(200)
	if at(r.JSON(), "authentication.lastPasswordChange") == nil {
		t.Errorf("no lastPasswordChange for a generated password: %s", r.Body)
	}
	noPassword(t, r)
	// generatePassword false needs a password.
	s.As("POST", "/data/sys.users", user("nogen@example.org", obj{"authentication": obj{"generatePassword": false}})).
		FieldError("authentication.newPassword", "required")
	// A password that is not a string.
	s.As("POST", "/data/sys.users", user("num@example.org", obj{"authentication": obj{"newPassword": 12345678, "passwordConfirmation": 12345678}})).
		FieldError("authentication.newPassword", "invalid")
	// Calculated fields cannot be written.
	m := create(t, s, "sys.users", user("calc@example.org", obj{"fullName": "Bogus", "emailStandardized": "bogus@example.org"}))
	if m["fullName"] != "Ed Po" || m["emailStandardized"] != "calc@example.org" || m["label"] != "Ed Po" {
		t.Errorf("calculated fields written by the client: %v %v %v", m["fullName"], m["emailStandardized"], m["label"])
	}
	m = update(t, s, "sys.users", m["id"], obj{"lastName": "Ko", "email": "CALC2@example.org"})
	if m["fullName"] != "Ed Ko" || m["label"] != "Ed Ko" || m["emailStandardized"] != "calc2@example.org" {
		t.Errorf("after update: %v %v %v", m["fullName"], m["label"], m["emailStandardized"])
	}
	// Exactly one primary group.
	s.As("POST", "/data/sys.users", user("two@example.org", obj{"groups": arr{
		obj{"group": "users", "primary": true}, obj{"group": "Users", "primary": true}}})).FieldError("groups[1].primary", "invalid")
	m = create(t, s, "sys.users", user("one@example.org", obj{"groups": arr{obj{"group": "users"}, obj{"group": "users", "primary": true}}}))
	if at(m, "groups.0.primary") != false || at(m, "groups.1.primary") != true {
		t.Errorf("primary flags: %s", js(m["groups"]))
	}
	// A system user cannot log in, even with the right password.
	create(t, s, "sys.users", user("sys@example.org", obj{"permissions": obj{"systemUser": true},
		"authentication": obj{"newPassword": "sys-password", "passwordConfirmation": "sys-password"}}))
	login(s, obj{"email": "sys@example.org", "password": "sys-password"}).Error(403, "forbidden")
}

// Calculated fields of app entities are dropped on write too: the value is
// the calculation's (contacts.fullName, js/fullNameCalculation), whatever
// the client sends.
func TestCalculatedFieldsDropped(t *testing.T) {
	t.Parallel()
	s := demo(t)
	co := create(t, s, "companies", obj{"name": "Acme"})
	c := create(t, s, "contacts", obj{"firstName": "Ana", "lastName": "Lima", "fullName": "Bogus", "company": co["id"]})
	if c["fullName"] != "Ana Lima" {
		t.Errorf("fullName after a client write: %v", c["fullName"])
	}
	c = update(t, s, "contacts", c["id"], obj{"fullName": "Bogus"})
	if c["fullName"] != "Ana Lima" || c["version"] != 1.0 {
		t.Errorf("fullName after an update: %v", c["fullName"])
	}
}
