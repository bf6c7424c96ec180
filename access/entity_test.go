package access

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"runway/app"
	"runway/query"
)

// perms compiles the permission matrix app (app/testdata/perms).
func perms(t *testing.T) (*Rules, *app.App) {
	t.Helper()
	a, _, err := app.Load(os.DirFS("../app/testdata/perms"))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	r, problems, err := Compile(a)
	if err != nil {
		t.Fatalf("compile: %v %v", err, problems)
	}
	for _, p := range problems {
		t.Errorf("unexpected problem: %s", p)
	}
	return r, a
}

// level names a field permission without conditions.
func level(p FieldPerm) string {
	switch {
	case p.Read.All() && p.Write.All():
		return "readWrite"
	case p.Read.All() && p.Write.None():
		return "readOnly"
	case p.Read.None() && p.Write.None():
		return "none"
	}
	return "conditional"
}

func field(t *testing.T, e *app.Entity, path string) *app.Field {
	t.Helper()
	fs := e.Resolve(path)
	if fs == nil {
		t.Fatalf("no field %s", path)
	}
	return fs[len(fs)-1]
}

func TestEntityPermissions(t *testing.T) {
	r, a := perms(t)
	projects, teams := a.Entity("projects"), a.Entity("teams")

	all := r.For(member("allowAll")).Entity(projects)
	if !all.Read.All() || !all.Create.All() || !all.Update.All() || !all.Delete.All() || !all.Import || !all.Export {
		t.Errorf("allowAll: %+v", all)
	}
	// readAccess of review applies to everyone: nothing is open.
	if all.AllReadable() || all.Bypass() {
		t.Error("allowAll: review has a readAccess condition")
	}
	if got := level(all.Field(field(t, projects, "secret"))); got != "readWrite" {
		t.Errorf("allowAll secret: %s (unlisted field of a group that may write)", got)
	}

	forbid := r.For(member("forbid")).Entity(projects)
	if forbid.Read.Some() || forbid.Create.Some() || forbid.Update.Some() || forbid.Delete.Some() || forbid.Export {
		t.Errorf("forbid grants something: %+v", forbid)
	}
	if got := level(forbid.Field(field(t, projects, "name"))); got != "none" {
		t.Errorf("forbid name: %s", got)
	}
	// No entry for teams: no access.
	if r.For(member("forbid")).Entity(teams).Read.Some() {
		t.Error("forbid reads teams without an entry")
	}
	// No group at all: no access either.
	if r.For(member()).Entity(projects).Read.Some() || (*Policy)(nil).Entity(projects).Read.Some() {
		t.Error("a user in no group reads projects")
	}

	open := r.For(member("openOnly")).Entity(projects)
	if open.Read.All() || open.Read.None() || open.Delete.Some() {
		t.Errorf("openOnly read %+v delete %+v", open.Read, open.Delete)
	}
	for path, want := range map[string]string{
		"name":           "readWrite", // unlisted, the group may create
		"secret":         "none",
		"budget":         "readOnly",
		"address":        "readWrite", // top-level parent
		"address.street": "readWrite", // unlisted inner field: its container's
		"address.city":   "readOnly",
		"address.zip":    "none",
	} {
		if got := level(open.Field(field(t, projects, path))); got != want {
			t.Errorf("openOnly %s: %s, want %s", path, got, want)
		}
	}
	if got := level(r.For(member("openOnly")).Entity(teams).Field(field(t, teams, "name"))); got != "readOnly" {
		t.Errorf("openOnly teams.name: %s (unlisted, read only)", got)
	}
	rf := open.ReadFields()
	if _, ok := rf["secret"]; ok || rf == nil {
		t.Errorf("openOnly read fields: %v", rf)
	}
	if _, ok := rf["address"]["zip"]; ok {
		t.Errorf("openOnly reads address.zip: %v", rf)
	}

	// Read conditions on the record (choice values fold case) and on the
	// current user.
	recOpen := map[string]any{"status": "open"}
	if ok, err := query.Match(open.Read.Cond(), recOpen, "", ""); err != nil || !ok {
		t.Errorf("openOnly read on an open record: %v %v", ok, err)
	}
	own := r.For(member("owners")).Entity(projects)
	if !own.Read.HasUser() || !own.Update.HasUser() || own.Create.Some() {
		t.Errorf("owners: %+v", own)
	}
	bound := query.Bind(a, own.Read.Cond(), &query.CurrentUser{ID: "aaaaaaaaaaaaaaaaaaaaaaaa"})
	mine := map[string]any{"owner": map[string]any{"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "label": "A"}}
	other := map[string]any{"owner": map[string]any{"id": "bbbbbbbbbbbbbbbbbbbbbbbb", "label": "B"}}
	if ok, _ := query.Match(bound, mine, "", ""); !ok {
		t.Error("owners: own record not readable")
	}
	if ok, _ := query.Match(bound, other, "", ""); ok {
		t.Error("owners: someone else's record readable")
	}
	if got := level(own.Field(field(t, projects, "budget"))); got != "conditional" {
		t.Errorf("owners budget: %s", got)
	}
	if cr := own.CondRead(); len(cr) != 2 {
		t.Errorf("owners conditional reads: %v (budget and review)", cr)
	}

	// Two groups: union.
	both := r.For(member("openOnly", "owners")).Entity(projects)
	for _, rec := range []map[string]any{recOpen, {"status": "closed", "owner": mine["owner"]}} {
		x := query.Bind(a, both.Read.Cond(), &query.CurrentUser{ID: "aaaaaaaaaaaaaaaaaaaaaaaa"})
		if ok, err := query.Match(x, rec, "", ""); err != nil || !ok {
			t.Errorf("both: %v not readable (%v)", rec, err)
		}
	}
	if both.Create.All() || both.Create.None() || both.Delete.None() {
		t.Errorf("both create %+v delete %+v", both.Create, both.Delete)
	}
	for path, want := range map[string]string{
		"secret": "readOnly",  // none ∪ readOnly
		"notes":  "readWrite", // readWrite ∪ none
		"budget": "readOnly",  // readOnly ∪ {read: open, write: never}
	} {
		if got := level(both.Field(field(t, projects, path))); got != want {
			t.Errorf("both %s: %s, want %s", path, got, want)
		}
	}

	// Developers and super users bypass groups, but not readAccess.
	for _, role := range []Role{Developer, SuperUser} {
		ea := r.For(Subject{Role: role, Groups: []string{"forbid"}}).Entity(projects)
		if !ea.Bypass() || !ea.Read.All() || !ea.Delete.All() {
			t.Errorf("%v: %+v", role, ea)
		}
		if got := ea.Field(field(t, projects, "review")).Read; got.All() || got.None() {
			t.Errorf("%v review read: %+v, want the readAccess condition", role, got)
		}
		if got := level(ea.Field(field(t, projects, "secret"))); got != "readWrite" {
			t.Errorf("%v secret: %s", role, got)
		}
	}
	if ea := SystemPolicy.Entity(projects); ea != Unrestricted {
		t.Error("the system is not unrestricted")
	}
}

func TestActionPermissions(t *testing.T) {
	r, a := perms(t)
	projects := a.Entity("projects")
	act := projects.Action("archive")
	reason, notify := act.Parameters[0], act.Parameters[1]

	x := r.For(member("allowAll")).Action(projects, "archive")
	if !x.Run.All() || level(x.Param(reason)) != "readWrite" {
		t.Errorf("allowAll archive: %+v %s", x.Run, level(x.Param(reason)))
	}
	x = r.For(member("openOnly")).Action(projects, "archive")
	if x.Run.All() || x.Run.None() {
		t.Errorf("openOnly archive: %+v, want a condition", x.Run)
	}
	if level(x.Param(reason)) != "readOnly" || level(x.Param(notify)) != "readWrite" {
		t.Errorf("openOnly params: reason %s notify %s", level(x.Param(reason)), level(x.Param(notify)))
	}
	if x = r.For(member("owners")).Action(projects, "archive"); x.Run.Some() || level(x.Param(reason)) != "none" {
		t.Errorf("owners may archive: %+v", x.Run)
	}
	if x = r.For(Subject{Role: Developer}).Action(projects, "archive"); !x.Run.All() || level(x.Param(reason)) != "readWrite" {
		t.Errorf("developer archive: %+v", x.Run)
	}
	if x = r.For(member("allowAll")).Action(projects, "nothing"); x.Run.Some() {
		t.Error("an unknown action is allowed")
	}
}

func TestEntityPermissionErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"app.json": {Data: []byte(`{"name": "bad"}`)},
		"model/entities/items.json": {Data: []byte(`{"name": "items", "fields": [
			{"name": "title", "type": "text"},
			{"name": "n", "type": "integer", "readAccess": {"n": "greater(x)"}}]}`)},
		"security/groups/bad.json": {Data: []byte(`{"name": "bad", "entityPermissions": [
			{"entity": "items", "read": {"nope": "1"}, "create": "sometimes", "update": "js/check",
			 "fields": [{"field": "title", "permission": "writeOnly"}]}]}`)},
		"security/groups/good.json": {Data: []byte(`{"name": "good", "entityPermissions": [
			{"entity": "items", "read": "always"}]}`)},
	}
	a, _, err := app.Load(fsys)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	r, problems, err := Compile(a)
	if err == nil {
		t.Fatal("no error for invalid permissions")
	}
	var msgs []string
	for _, p := range problems {
		msgs = append(msgs, p.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"entityPermissions[0].read", "nope", "entityPermissions[0].create", "sometimes",
		"entityPermissions[0].update", "no script file next to bad.json", "writeOnly", "n.readAccess"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems do not mention %q:\n%s", want, all)
		}
	}
	// The broken entry grants nothing; the good group is unaffected.
	items := a.Entity("items")
	if ea := r.For(member("bad")).Entity(items); ea.Read.Some() || ea.Create.Some() || ea.Update.Some() {
		t.Errorf("a broken entry grants %+v", ea)
	}
	if ea := r.For(member("good")).Entity(items); !ea.Read.All() {
		t.Errorf("good: %+v", ea)
	}
}
