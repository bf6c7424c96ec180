package data

import (
	"context"
	"os"
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

// A field whose writeAccess is a condition is written on create when the
// new record meets it.
func TestConditionalWriteAccessOnCreate(t *testing.T) {
	b := setup(t, permsApp)
	docs := b.entity("docs")
	ana := b.user("ana@example.org", "mail")
	for locked, want := range map[bool]any{true: nil, false: "b"} {
		got := b.ok(b.svc.Create(b.ctx, ana, docs, obj{"title": "t", "ownerEmail": "ana@example.org", "locked": locked, "body": "b"}))
		if got["body"] != want || got["title"] != "t" || got["locked"] != locked {
			t.Errorf("locked %v: %v, want body %v", locked, got, want)
		}
	}
}

// projectsApp serves app/testdata/perms: projects whose groups grant whole
// operations (allowAll, forbid), operations on records meeting a condition
// (openOnly: status open; owners: owner = the current user) and field
// permissions (none, readOnly, parent, a read condition).
func projectsApp(t *testing.T) *bundle {
	t.Helper()
	return setup(t, os.DirFS("../app/testdata/perms"))
}

func TestEntityPermissions(t *testing.T) {
	b := projectsApp(t)
	projects := b.entity("projects")
	p := b.create("projects", obj{"name": "p", "status": "open"})
	id := p["id"].(string)
	forbid := b.user("forbid@example.org", "forbid")
	none := b.user("none@example.org") // a member of no group

	for _, c := range []*Caller{forbid, none} {
		check := func(op string, err error) {
			t.Helper()
			if ae := wantCode(t, err, apperr.Forbidden); ae.Message != "Not allowed to "+op+" records of projects" {
				t.Errorf("%s as %s: %q", op, c.Email, ae.Message)
			}
		}
		_, err := b.list(c, "projects", "")
		check("read", err)
		_, err = b.svc.Get(b.ctx, c, projects, id, nil)
		check("read", err)
		_, err = b.svc.Create(b.ctx, c, projects, obj{"name": "x"})
		check("create", err)
		_, err = b.svc.Update(b.ctx, c, projects, id, obj{"name": "x"})
		check("update", err)
		_, err = b.svc.Delete(b.ctx, c, projects, id)
		check("delete", err)
		_, err = b.svc.DeleteMany(b.ctx, c, projects, []string{id})
		check("delete", err)
		_, err = b.svc.DeleteQuery(b.ctx, c, projects, &query.Select{})
		check("delete", err)
	}
	// A record-level question is not asked of someone who may not read
	// the entity: the same 403 for a record that does not exist.
	_, err := b.svc.Get(b.ctx, forbid, projects, "6650a1b2c3d4e5f601234567", nil)
	wantCode(t, err, apperr.Forbidden)
	if got := b.get(b.dev, "projects", id); got["name"] != "p" || got["version"] != 0.0 {
		t.Errorf("the project changed: %v", got)
	}
}

func TestRecordConditions(t *testing.T) {
	b := projectsApp(t)
	projects := b.entity("projects")
	open := b.create("projects", obj{"name": "open one", "status": "open"})
	closed := b.create("projects", obj{"name": "closed one", "status": "closed"})
	member := b.user("member@example.org", "openOnly")

	// Reads see only records meeting the read condition, and count only them.
	p := b.mustList(member, "projects", "")
	if p.total != 1 || js(p.ids()) != js([]string{open["id"].(string)}) {
		t.Errorf("list: total %d, %v", p.total, p.ids())
	}
	if p := b.mustList(member, "projects", "name=closed one"); p.total != 0 || len(p.items) != 0 {
		t.Errorf("a filter reaches a record outside the condition: %d", p.total)
	}
	_, err := b.svc.Get(b.ctx, member, projects, closed["id"].(string), nil)
	wantCode(t, err, apperr.NotFound)
	_, err = b.svc.Update(b.ctx, member, projects, closed["id"].(string), obj{"name": "x"})
	wantCode(t, err, apperr.NotFound)

	// Creates and updates must leave a record meeting the condition.
	_, err = b.svc.Create(b.ctx, member, projects, obj{"name": "n", "status": "closed"})
	if ae := wantCode(t, err, apperr.Forbidden); ae.Message != "Not allowed to create this record of projects: it does not meet the create permission" {
		t.Errorf("message %q", ae.Message)
	}
	id := open["id"].(string)
	_, err = b.svc.Update(b.ctx, member, projects, id, obj{"status": "closed"})
	if ae := wantCode(t, err, apperr.Forbidden); ae.Message != `Not allowed to update record "`+id+`" of projects this way: the result does not meet the update permission` {
		t.Errorf("message %q", ae.Message)
	}
	if got := b.ok(b.svc.Update(b.ctx, member, projects, id, obj{"name": "renamed"})); got["name"] != "renamed" || got["version"] != 1.0 {
		t.Errorf("allowed update: %v", got)
	}
	if got := b.ok(b.svc.Create(b.ctx, member, projects, obj{"name": "n", "status": "open"})); got["status"] != "open" {
		t.Errorf("allowed create: %v", got)
	}
	if n := b.mustList(b.dev, "projects", "").total; n != 3 {
		t.Errorf("%d projects, want 3", n)
	}
}

func TestFieldPermissions(t *testing.T) {
	b := projectsApp(t)
	projects := b.entity("projects")
	member := b.user("member@example.org", "openOnly")
	p := b.create("projects", obj{"name": "p", "status": "open", "secret": "s", "budget": 10,
		"address": obj{"street": "Main", "city": "Rome", "zip": "00100"}})
	id := p["id"].(string)

	// none is not shown; readOnly is; inside a "parent" nested field each
	// inner field has its own permission.
	got := b.get(member, "projects", id)
	if _, ok := got["secret"]; ok {
		t.Errorf("secret shown: %v", got)
	}
	addr := got["address"].(obj)
	if got["budget"] != 10.0 || addr["street"] != "Main" || addr["city"] != "Rome" {
		t.Errorf("readable fields: %v", got)
	}
	if _, ok := addr["zip"]; ok {
		t.Errorf("address.zip shown: %v", addr)
	}
	if got["version"] != 0.0 || got["label"] != "p" || got["id"] != id {
		t.Errorf("system fields: %v", got)
	}

	// Writes to fields the member may not write are dropped, not refused.
	got = b.ok(b.svc.Update(b.ctx, member, projects, id, obj{"secret": "leak", "budget": 99, "notes": "n",
		"address": obj{"street": "Side", "city": "Paris", "zip": "75000"}}))
	stored := b.get(b.dev, "projects", id)
	sa := stored["address"].(obj)
	if stored["secret"] != "s" || stored["budget"] != 10.0 || stored["notes"] != "n" ||
		sa["street"] != "Side" || sa["city"] != "Rome" || sa["zip"] != "00100" {
		t.Errorf("stored after the member's update: %s", js(stored))
	}
	if _, ok := got["secret"]; ok || got["notes"] != "n" {
		t.Errorf("the update's answer shows what the member may read: %s", js(got))
	}

	// Filters, searches and sorts on fields the member may not read are 403.
	for params, msg := range map[string]string{
		"secret=s":          "Not allowed to filter on field secret of projects",
		"address.zip=00100": "Not allowed to filter on field address.zip of projects",
		"_sortField=secret": "Not allowed to sort on field secret of projects",
		"_query=or(filter('name','p'),filter('secret','s'))": "Not allowed to filter on field secret of projects",
	} {
		_, err := b.list(member, "projects", params)
		if ae := wantCode(t, err, apperr.Forbidden); ae.Message != msg {
			t.Errorf("%s: %q, want %q", params, ae.Message, msg)
		}
	}
	if p := b.mustList(member, "projects", "budget=10&address.city=Rome"); p.total != 1 {
		t.Errorf("filter on readOnly fields: total %d", p.total)
	}
	// A projection asking for a hidden field does not show it.
	got = b.ok(b.svc.Get(b.ctx, member, projects, id, b.output("projects", "_fields=secret,name")))
	if js(got) != js(obj{"id": id, "version": 1.0, "label": "p", "name": "p"}) {
		t.Errorf("projection: %s", js(got))
	}
}

// readAccess on a field applies to everyone, developers included.
func TestFieldReadCondition(t *testing.T) {
	b := projectsApp(t)
	projects := b.entity("projects")
	open := b.create("projects", obj{"name": "o", "status": "open", "review": "r1"})
	closed := b.create("projects", obj{"name": "c", "status": "closed", "review": "r2"})
	if got := b.get(b.dev, "projects", open["id"].(string)); got["review"] != nil {
		t.Errorf("review of an open project shown: %v", got)
	}
	if got := b.get(b.dev, "projects", closed["id"].(string)); got["review"] != "r2" {
		t.Errorf("review of a closed project hidden: %v", got)
	}
	p := b.mustList(b.dev, "projects", "_sortField=name&_sortType=asc")
	if p.items[0]["review"] != "r2" || p.items[1]["review"] != nil {
		t.Errorf("list: %v", p.items)
	}
	_, err := b.list(b.dev, "projects", "review=r1")
	wantCode(t, err, apperr.Forbidden)
	// The system sees everything.
	if got := b.get(b.system, "projects", open["id"].(string)); got["review"] != "r1" {
		t.Errorf("system read: %v", got)
	}
	// Writing the project keeps the hidden value.
	b.ok(b.svc.Update(b.ctx, b.dev, projects, open["id"].(string), obj{"name": "o2"}))
	if got := b.get(b.system, "projects", open["id"].(string)); got["review"] != "r1" {
		t.Errorf("after an update: %v", got)
	}
}

func TestCurrentUserConditions(t *testing.T) {
	b := projectsApp(t)
	projects := b.entity("projects")
	ana := b.user("ana@example.org", "owners")
	bob := b.user("bob@example.org", "owners")
	anas := b.create("projects", obj{"name": "ana's", "status": "open", "owner": ana.UserID, "budget": 5, "notes": "n", "secret": "s"})
	anasClosed := b.create("projects", obj{"name": "ana's closed", "status": "closed", "owner": ana.UserID, "budget": 6})
	bobs := b.create("projects", obj{"name": "bob's", "status": "open", "owner": bob.UserID})

	if p := b.mustList(ana, "projects", "_sortField=name&_sortType=asc"); js(p.ids()) != js([]any{anas["id"], anasClosed["id"]}) || p.total != 2 {
		t.Errorf("ana's list: %v (total %d)", p.ids(), p.total)
	}
	// budget is readable on open projects only; notes never; secret is readOnly.
	got := b.get(ana, "projects", anas["id"].(string))
	if got["budget"] != 5.0 || got["secret"] != "s" || got["notes"] != nil {
		t.Errorf("ana's open project: %v", got)
	}
	if got := b.get(ana, "projects", anasClosed["id"].(string)); got["budget"] != nil {
		t.Errorf("budget of a closed project shown: %v", got)
	}
	_, err := b.list(ana, "projects", "budget=5")
	if ae := wantCode(t, err, apperr.Forbidden); ae.Message != "Not allowed to filter on field budget of projects" {
		t.Errorf("message %q", ae.Message)
	}

	// Someone else's project does not exist for ana.
	for _, op := range []func() error{
		func() error { _, err := b.svc.Get(b.ctx, ana, projects, bobs["id"].(string), nil); return err },
		func() error {
			_, err := b.svc.Update(b.ctx, ana, projects, bobs["id"].(string), obj{"name": "x"})
			return err
		},
		func() error { _, err := b.svc.Delete(b.ctx, ana, projects, bobs["id"].(string)); return err },
	} {
		wantCode(t, op(), apperr.NotFound)
	}
	// Handing her project to bob fails the update condition on the result.
	_, err = b.svc.Update(b.ctx, ana, projects, anas["id"].(string), obj{"owner": bob.UserID})
	wantCode(t, err, apperr.Forbidden)

	// A delete over every project deletes only hers.
	res, err := b.svc.DeleteQuery(b.ctx, ana, projects, &query.Select{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[anas["id"].(string)].Status != "ok" || res[anasClosed["id"].(string)].Status != "ok" {
		t.Errorf("delete over a query: %s", js(res))
	}
	if p := b.mustList(b.dev, "projects", ""); js(p.ids()) != js([]any{bobs["id"]}) {
		t.Errorf("left: %v", p.ids())
	}
}
