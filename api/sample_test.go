package api_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
)

// The exported sample app of app-model.md (issue 7 item 6), rebuilt in
// app/testdata/sample: companies, contacts whose fullName is calculated
// through the commons.stringUtils library, the addNote action, the
// onUserCreated listener on sys.users and the admins group.

func sample(t *testing.T, opts ...apitest.Options) *apitest.Server {
	t.Helper()
	return apitest.Start(t, os.DirFS("../app/testdata/sample"), opts...)
}

func TestSampleContacts(t *testing.T) {
	t.Parallel()
	s := sample(t)
	co := create(t, s, "companies", obj{"name": "Fivechat"})
	if co["status"] != "active" || co["label"] != "Fivechat" {
		t.Fatalf("company: %s", js(co))
	}
	coID := co["id"].(string)

	// fullName goes through app.commons.stringUtils (trim + capitalize);
	// the label through "js/contactsRecordLabel" → contactsRecordNameScript.
	c := create(t, s, "contacts", obj{"firstName": "  ada ", "lastName": "lovelace",
		"company": coID, "phoneNumbers": arr{"1-702-845-9380"}, "fullName": "ignored"})
	if c["fullName"] != "Ada Lovelace" || c["label"] != "Ada Lovelace (Fivechat)" {
		t.Fatalf("contact: %s", js(c))
	}
	if at(c, "company.id") != coID || at(c, "company.label") != "Fivechat" || at(c, "phoneNumbers.0") != "1-702-845-9380" {
		t.Errorf("contact values: %s", js(c))
	}
	if n, ok := c["notes"].([]any); !ok || len(n) != 0 {
		t.Errorf("notes on create: %s", js(c["notes"]))
	}
	id := c["id"].(string)
	// Recomputed on update.
	if u := update(t, s, "contacts", id, obj{"lastName": "byron"}); u["fullName"] != "Ada Byron" || u["label"] != "Ada Byron (Fivechat)" {
		t.Errorf("after update: %s", js(u))
	}
	s.As("POST", "/data/contacts", obj{"firstName": "x", "lastName": "y"}).FieldError("company", "required")

	// addNote ("js/addNoteActions" → addNoteAction): the new item gets
	// the $currentDate and js/notesUserDefaultValue defaults.
	admin := s.As("GET", "/data/sys.users?email="+apitest.AdminEmail, nil).Status(200).JSON()
	adminID := at(admin, "items.0.id")
	before := time.Now().Add(-time.Minute).UnixMilli()
	path := "/data/contacts/" + id + "/addNote"
	s.As("PUT", path, obj{}).FieldError("note", "required")
	r := s.As("PUT", path, obj{"note": "first call"}).Status(200).JSON()
	if _, has := r["note"]; has {
		t.Errorf("the transient parameter was stored: %s", js(r))
	}
	s.As("PUT", path, obj{"note": "second call"}).Status(200)
	notes, _ := get(t, s, "contacts", id)["notes"].([]any)
	if len(notes) != 2 {
		t.Fatalf("notes: %s", js(notes))
	}
	for i, want := range []string{"first call", "second call"} {
		n := notes[i].(obj)
		d, _ := n["date"].(float64)
		if n["note"] != want || int64(d) < before || int64(d) > time.Now().UnixMilli() || !isID(n["id"]) ||
			at(n, "user.id") != adminID {
			t.Errorf("note %d: %s (admin %v)", i, js(n), adminID)
		}
	}

	// filteringRules {"status": "active"}: an inactive company cannot be
	// set, but a contact whose company became inactive since still saves
	// (app-model.md §8 Q22).
	idle := create(t, s, "companies", obj{"name": "Blogpad", "status": "inactive"})
	s.As("POST", "/data/contacts", obj{"firstName": "x", "lastName": "y", "company": idle["id"]}).FieldError("company", "invalid")
	s.As("PUT", "/data/contacts/"+id, obj{"company": idle["id"]}).FieldError("company", "invalid")
	s.As("PUT", "/data/companies/"+coID+"/deactivate", nil).Status(200)
	if u := update(t, s, "contacts", id, obj{"firstName": "augusta"}); u["fullName"] != "Augusta Byron" {
		t.Errorf("update with a company deactivated since: %s", js(u))
	}
	s.As("PUT", path, obj{"note": "third"}).Status(200)
	s.As("PUT", "/data/companies/"+coID+"/deactivate", nil).Error(400, "badRequest")
	s.As("PUT", "/data/companies/"+idle["id"].(string)+"/activate", nil).Status(200)
	if u := update(t, s, "contacts", id, obj{"company": idle["id"]}); u["label"] != "Augusta Byron (Blogpad)" {
		t.Errorf("after moving to an active company: %s", js(u))
	}
}

func TestSampleUserCreatedListener(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	s := sample(t, apitest.Options{Log: &log})
	u := s.CreateUser("grace@example.org", "Secret-pass-1", obj{"firstName": "Grace", "lastName": "Hopper",
		"groups": arr{obj{"group": "admins", "primary": true}}})
	if at(u, "identityProviders.0.name") != "slingr" || at(u, "groups.0.group.label") != "Admins" {
		t.Errorf("user: %s", js(u))
	}
	if l := log.String(); !strings.Contains(l, "sample: user created: grace@example.org") {
		t.Errorf("the onUserCreated listener did not run; log:\n%s", l)
	}
	if strings.Contains(log.String(), "listener failed") {
		t.Errorf("listener error:\n%s", log.String())
	}
	// The admins group works: the new user may add notes.
	tok := s.Login("grace@example.org", "Secret-pass-1")
	co := s.Do("POST", "/data/companies", tok, obj{"name": "Acme"}).Status(200).JSON()
	c := s.Do("POST", "/data/contacts", tok, obj{"firstName": "alan", "lastName": "turing", "company": co["id"]}).Status(200).JSON()
	s.Do("PUT", "/data/contacts/"+c["id"].(string)+"/addNote", tok, obj{"note": "hi"}).Status(200)
	if n := get(t, s, "contacts", c["id"]); at(n, "notes.0.user.id") != u["id"] || at(n, "notes.0.user.label") != "Grace Hopper" {
		t.Errorf("note by grace: %s", js(n))
	}
}
