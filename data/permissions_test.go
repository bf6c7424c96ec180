package data

import (
	"context"
	"testing"
	"testing/fstest"

	"runway/access"
	"runway/apperr"
	"runway/query"
	"runway/secret"
)

// permsApp exercises what the HTTP permission matrix does not: a condition
// on a field of the current user's record, write conditions on updates,
// and group permissions on sys.users.
var permsApp = fstest.MapFS{
	"app.json": {Data: []byte(`{"name": "permsdata"}`)},
	"model/entities/docs.json": {Data: []byte(`{
		"name": "docs", "label": "Docs", "recordLabel": "fields/title",
		"fields": [
			{"name": "title", "type": "text"},
			{"name": "ownerEmail", "type": "email"},
			{"name": "locked", "type": "boolean"},
			{"name": "body", "type": "text", "writeAccess": {"locked": false}}
		]}`)},
	"security/groups/mail.json": {Data: []byte(`{"name": "mail", "entityPermissions": [
		{"entity": "docs", "read": {"ownerEmail": "currentUserField(email)"}, "create": "always",
		 "update": {"ownerEmail": "currentUserField(email)"}, "delete": "never"}]}`)},
	"security/groups/managers.json": {Data: []byte(`{"name": "managers", "entityPermissions": [
		{"entity": "sys.users", "read": "always", "create": "never", "update": "always", "delete": "never",
		 "fields": [{"field": "authentication", "permission": "readOnly"}]}]}`)},
}

func TestPermissionsOnTheDataService(t *testing.T) {
	b := setup(t, permsApp)
	s := b.svc
	ctx := context.Background()
	users := s.app.Entity(usersEntity)
	docs := s.app.Entity("docs")
	newUser := func(email string, groups ...string) *Caller {
		doc, err := s.CreateUser(ctx, NewUser{Email: email, FirstName: "F", LastName: "L", Password: "password-123"})
		if err != nil {
			t.Fatal(err)
		}
		u := decodeDoc(t, doc)
		return &Caller{UserID: u["id"].(string), Email: email, Name: "F L",
			Policy: s.Access().For(access.Subject{Groups: groups})}
	}
	ana := newUser("ana@example.org", "mail")
	bob := newUser("bob@example.org", "managers")

	// A condition on a field of the current user's record (email).
	mine := b.create("docs", map[string]any{"title": "mine", "ownerEmail": "ana@example.org", "body": "b"})
	other := b.create("docs", map[string]any{"title": "other", "ownerEmail": "cy@example.org"})
	l, err := query.ParseList(s.app, docs, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.List(ctx, ana, docs, l)
	if err != nil || p.Total != 1 || len(p.Items) != 1 || decodeDoc(t, p.Items[0])["id"] != mine["id"] {
		t.Fatalf("ana's list: %+v %v", p, err)
	}
	if _, err := s.Get(ctx, ana, docs, other["id"].(string), nil); apperr.As(err) == nil || apperr.As(err).Code != apperr.NotFound {
		t.Errorf("ana reads someone else's doc: %v", err)
	}
	// The create permission is always; what ana creates for someone else
	// she cannot read back, but the answer is hers.
	gift, err := s.Create(ctx, ana, docs, map[string]any{"title": "gift", "ownerEmail": "cy@example.org"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	g := decodeDoc(t, gift)
	if g["title"] != "gift" || g["ownerEmail"] != "cy@example.org" {
		t.Errorf("create answer: %s", gift)
	}
	if _, err := s.Get(ctx, ana, docs, g["id"].(string), nil); apperr.As(err) == nil || apperr.As(err).Code != apperr.NotFound {
		t.Errorf("ana reads back the doc she gave away: %v", err)
	}
	// Giving her own doc away fails the update condition on the result.
	_, err = s.Update(ctx, ana, docs, mine["id"].(string), map[string]any{"ownerEmail": "cy@example.org"})
	if ae := apperr.As(err); ae == nil || ae.Code != apperr.Forbidden {
		t.Errorf("giving a doc away: %v", err)
	}

	// writeAccess is checked on the stored record: body is writable while
	// the doc is not locked; locking and writing in one update still
	// writes (the stored record decides), a locked doc's body is kept.
	id := mine["id"].(string)
	if _, err := s.Update(ctx, ana, docs, id, map[string]any{"body": "b2", "locked": true}); err != nil {
		t.Fatal(err)
	}
	doc, err := s.Update(ctx, ana, docs, id, map[string]any{"body": "b3", "title": "t3"})
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeDoc(t, doc); got["body"] != "b2" || got["title"] != "t3" {
		t.Errorf("after writing a locked doc: %v", got)
	}
	// For a developer too: writeAccess applies to everyone.
	dev := &Caller{UserID: ana.UserID, Developer: true}
	if doc, err = s.Update(ctx, dev, docs, id, map[string]any{"body": "b4"}); err != nil || decodeDoc(t, doc)["body"] != "b2" {
		t.Errorf("developer wrote a locked body: %s %v", doc, err)
	}

	// sys.users through a group: bob may update users, but never their
	// permissions, and authentication is readOnly for him (no password).
	doc, err = s.Update(ctx, bob, users, ana.UserID, map[string]any{"firstName": "Anna",
		"permissions":    map[string]any{"developer": true},
		"authentication": map[string]any{"newPassword": "hijacked-123", "passwordConfirmation": "hijacked-123"}})
	if err != nil {
		t.Fatal(err)
	}
	u := decodeDoc(t, doc)
	if u["firstName"] != "Anna" {
		t.Errorf("firstName not written: %v", u)
	}
	if perm, _ := u["permissions"].(map[string]any); perm["developer"] == true {
		t.Errorf("a member made a user a developer: %v", u)
	}
	if got, err := s.UserByID(ctx, ana.UserID); err != nil || got.Developer {
		t.Errorf("stored user: %+v %v", got, err)
	}
	hash, err := s.store.PasswordHash(ctx, ana.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := secret.CheckPassword(hash, "hijacked-123"); err != nil || ok {
		t.Errorf("a member without write access to authentication set a password (check: %v)", err)
	}
	if ok, err := secret.CheckPassword(hash, "password-123"); err != nil || !ok {
		t.Errorf("the user's own password no longer verifies: %v %v", ok, err)
	}
	// Members without a group listing sys.users still get 403.
	if _, err := s.Get(ctx, ana, users, bob.UserID, nil); apperr.As(err) == nil || apperr.As(err).Code != apperr.Forbidden {
		t.Errorf("ana reads sys.users: %v", err)
	}
}
