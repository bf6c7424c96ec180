package api_test

import (
	"os"
	"testing"

	"runway/api/apitest"
)

// The options of sys.data.save and sys.data.remove (issue 16 item 2,
// app-model.md §7), black-box: the authority test app's global action
// "run" runs the JavaScript a test sends; notes have a calculated field
// (shout), a default (kind, and qty in nested items), a validation script
// (checked: "bad" is invalid), a required title, a readAccess-never field
// (hidden), a code of at most 3 characters (a type rule) and a listener that logs every record event in logs.

func authority(t testing.TB, opts ...apitest.Options) *apitest.Server {
	t.Helper()
	return apitest.Start(t, os.DirFS("../app/testdata/authority"), opts...)
}

// runJS runs code (a function body) in the run action as the token's user
// and returns the answer.
func runJS(s *apitest.Server, token, code string) *apitest.Response {
	return s.Do("PUT", "/data/notes/run", token, obj{"code": code})
}

// logged lists the messages the notes listener logged, oldest first.
func logged(t *testing.T, s *apitest.Server) []string {
	t.Helper()
	p := list(t, s, "logs", q("_sortField", "id", "_sortType", "asc", "_size", "1000"))
	out := make([]string, 0, len(p.Items))
	for _, it := range p.Items {
		out = append(out, it["message"].(string))
	}
	return out
}

// clerkToken logs in a member of clerks (no permission on notes but the
// run action), created the first time.
func clerkToken(t *testing.T, s *apitest.Server) string {
	t.Helper()
	s = s.For(t)
	const email = "clerk@example.org"
	if list(t, s, "sys.users", q("email", email)).Total == 0 {
		s.CreateUser(email, "clerk-password-1", obj{"groups": arr{obj{"group": "clerks"}}})
	}
	return s.Login(email, "clerk-password-1")
}

func TestSaveOptions(t *testing.T) {
	t.Parallel()
	s := authority(t)
	// A standard save runs everything: calculation, defaults (record and
	// nested item), the listener.
	r := runJS(s, s.Token, `
		var n = sys.data.createRecord('notes');
		n.field('title').val('first');
		n.field('items').add({what: 'pen'});
		var same = sys.data.save(n) === n;
		return {same: same, shout: n.field('shout').val(), kind: n.field('kind').val(), qty: n.field('items[0].qty').val()};`).Status(200).JSON()
	if !jsonEq(r, obj{"same": true, "shout": "FIRST", "kind": "plain", "qty": 1}) {
		t.Errorf("standard save: %v", r)
	}
	// ... and the validations.
	runJS(s, s.Token, `var n = sys.data.createRecord('notes'); n.field('title').val('x'); n.field('checked').val('bad'); sys.data.save(n);`).
		FieldError("checked", "invalid")
	runJS(s, s.Token, `sys.data.save(sys.data.createRecord('notes'));`).FieldError("title", "required")

	t.Run("calculateFields", func(t *testing.T) {
		r := runJS(s.For(t), s.Token, `
			var n = sys.data.createRecord('notes');
			n.field('title').val('calc');
			sys.data.save(n, {calculateFields: false});
			var created = n.field('shout').val();
			n.field('title').val('calc2');
			sys.data.save(n, {calculateFields: false});
			var kept = n.field('shout').val();
			sys.data.save(n);
			return {created: created, kept: kept, after: n.field('shout').val()};`).Status(200).JSON()
		if !jsonEq(r, obj{"created": nil, "kept": nil, "after": "CALC2"}) {
			t.Errorf("calculateFields: false: %v", r)
		}
	})
	t.Run("performValidations", func(t *testing.T) {
		r := runJS(s.For(t), s.Token, `
			var n = sys.data.createRecord('notes');
			n.field('checked').val('bad');
			sys.data.save(n, {performValidations: false});
			var stored = sys.data.findById('notes', n.id());
			return {checked: stored.field('checked').val(), title: stored.field('title').val(), shout: stored.field('shout').val()};`).Status(200).JSON()
		if !jsonEq(r, obj{"checked": "bad", "title": nil, "shout": nil}) {
			t.Errorf("performValidations: false: %v", r)
		}
		// Types and their rules are always checked.
		runJS(s.For(t), s.Token, `var n = sys.data.createRecord('notes'); n.field('code').val('toolong');
			sys.data.save(n, {performValidations: false});`).FieldError("code", "tooLong")
	})
	t.Run("filterByReadWriteAccess", func(t *testing.T) {
		r := runJS(s.For(t), s.Token, `
			var n = sys.data.createRecord('notes');
			n.field('title').val('secret');
			n.field('hidden').val('dropped');
			sys.data.save(n);
			var dropped = n.field('hidden').isEmpty();
			n.field('hidden').val('kept');
			sys.data.save(n, {filterByReadWriteAccess: false});
			return {id: n.id(), dropped: dropped, answer: n.field('hidden').val(),
				reread: sys.data.findById('notes', n.id()).field('hidden').val()};`).Status(200).JSON()
		if r["dropped"] != true || r["answer"] != "kept" || r["reread"] != nil {
			t.Errorf("filterByReadWriteAccess: false: %v", r)
		}
		// Stored, yet unreadable for everyone, developers included.
		if rec := get(t, s.For(t), "notes", r["id"]); rec["hidden"] != nil {
			t.Errorf("hidden field over REST: %v", rec)
		}
		again := runJS(s.For(t), s.Token, `
			var n = sys.data.findById('notes', '`+r["id"].(string)+`');
			n.field('body').val('touched');
			sys.data.save(n, {filterByReadWriteAccess: false});
			return n.field('hidden').val();`)
		if got := string(again.Status(200).Body); got != `"kept"` {
			t.Errorf("hidden after another save: %s", got)
		}
	})
	t.Run("triggerEvents", func(t *testing.T) {
		runJS(s.For(t), s.Token, `
			var n = sys.data.createRecord('notes');
			n.field('title').val('quiet');
			sys.data.save(n, {triggerEvents: false});
			n.field('body').val('x');
			sys.data.save(n, {triggerEvents: false});
			sys.data.remove(n, {triggerEvents: false});
			var l = sys.data.createRecord('notes');
			l.field('title').val('loud');
			sys.data.save(l);
			sys.data.remove(l);`).Status(200)
		var quiet, loud []string
		for _, m := range logged(t, s.For(t)) {
			switch m {
			case "RECORD_CREATED quiet", "RECORD_CHANGED quiet", "RECORD_DELETED quiet":
				quiet = append(quiet, m)
			case "RECORD_CREATED loud", "RECORD_DELETED loud":
				loud = append(loud, m)
			}
		}
		if len(quiet) != 0 || len(loud) != 2 {
			t.Errorf("events: quiet %v, loud %v", quiet, loud)
		}
	})
	t.Run("defaultValues", func(t *testing.T) {
		r := runJS(s.For(t), s.Token, `
			var n = sys.data.createRecord('notes');
			n.field('title').val('bare');
			n.field('items').add({what: 'pen'});
			sys.data.save(n, {defaultValues: false});
			n.field('items').add({what: 'ink'});
			sys.data.save(n, {defaultValues: false});
			return {kind: n.field('kind').val(), qty0: n.field('items[0].qty').val(), qty1: n.field('items[1].qty').val(),
				shout: n.field('shout').val()};`).Status(200).JSON()
		if !jsonEq(r, obj{"kind": nil, "qty0": nil, "qty1": nil, "shout": "BARE"}) {
			t.Errorf("defaultValues: false: %v", r)
		}
	})
	t.Run("cascadeOperations", func(t *testing.T) {
		// Runway has no cascades yet: the option is accepted, checked, and
		// the save is a standard one.
		r := runJS(s.For(t), s.Token, `
			var n = sys.data.createRecord('notes');
			n.field('title').val('cascade');
			sys.data.save(n, {cascadeOperations: false});
			return n.field('shout').val();`)
		if got := string(r.Status(200).Body); got != `"CASCADE"` {
			t.Errorf("cascadeOperations: false: %s", got)
		}
		runJS(s.For(t), s.Token, `sys.data.save(sys.data.createRecord('notes'), {cascadeOperations: 'no'});`).Error(400, "badRequest")
	})
	t.Run("lite", func(t *testing.T) {
		r := runJS(s.For(t), s.Token, `
			var n = sys.data.createRecord('notes');
			n.field('checked').val('bad');
			n.field('hidden').val('as given');
			n.field('items').add({what: 'pen'});
			var answer = sys.data.save(n, {mode: 'lite'});
			n.field('title').val('lite');
			var again = sys.data.save(n, {mode: 'lite'});
			var stored = sys.data.findById('notes', n.id());
			return {answer: answer, again: again, id: n.id(), title: stored.field('title').val(), label: stored.label(),
				checked: stored.field('checked').val(), shout: stored.field('shout').val(), kind: stored.field('kind').val(),
				qty: stored.field('items[0].qty').val(), hidden: n.field('hidden').val()};`).Status(200).JSON()
		if r["answer"] != nil || r["again"] != nil || r["title"] != "lite" || r["label"] != "lite" || r["checked"] != "bad" ||
			r["shout"] != nil || r["kind"] != nil || r["qty"] != nil || r["hidden"] != "as given" {
			t.Errorf("lite: %v", r)
		}
		rec := get(t, s.For(t), "notes", r["id"])
		if rec["version"] != float64(1) || rec["hidden"] != nil {
			t.Errorf("lite record over REST: %v", rec)
		}
		for _, m := range logged(t, s.For(t)) {
			if m == "RECORD_CREATED lite" || m == "RECORD_CHANGED lite" {
				t.Errorf("a lite save fired a listener: %s", m)
			}
		}
		// Nor did it write history (notes keep it): a standard save does.
		auditLogs := func() int {
			t.Helper()
			var p page
			s.Do("GET", "/data/notes/"+r["id"].(string)+"/auditLogs", s.Token, nil).Status(200).Decode(&p)
			return len(p.Items)
		}
		if n := auditLogs(); n != 0 {
			t.Errorf("lite saves wrote %d history entries", n)
		}
		update(t, s.For(t), "notes", r["id"].(string), obj{"checked": "fine"})
		if n := auditLogs(); n != 1 {
			t.Errorf("a standard save wrote %d history entries, want 1", n)
		}
		// Types are still checked; a version still guards the update.
		runJS(s.For(t), s.Token, `var n = sys.data.createRecord('notes'); n.field('code').val('toolong'); sys.data.save(n, {mode: 'lite'});`).
			FieldError("code", "tooLong")
		runJS(s.For(t), s.Token, `var a = sys.data.findById('notes', '`+r["id"].(string)+`'), b = sys.data.findById('notes', a.id());
			a.field('body').val('a'); sys.data.save(a, {mode: 'lite'});
			b.field('body').val('b'); sys.data.save(b, {mode: 'lite'});`).Error(409, "optimisticLocking")
		// Lite is the app's authority's: refused with checkPermissions, and
		// for sys.users; a mode must be standard or lite.
		clerk := clerkToken(t, s)
		if got := string(runJS(s.For(t), clerk, `var n = sys.data.createRecord('notes'); n.field('title').val('x');
			return sys.data.save(n, {mode: 'lite'}) === null && n.id() !== null;`).Status(200).Body); got != "true" {
			t.Errorf("a clerk's lite save: %s", got)
		}
		runJS(s.For(t), clerk, `var n = sys.data.createRecord('notes'); n.field('title').val('x');
			sys.data.save(n, {mode: 'lite', checkPermissions: true});`).Error(400, "badRequest")
		runJS(s.For(t), s.Token, `var u = sys.data.findOne('sys.users', {}); sys.data.save(u, {mode: 'lite'});`).Error(400, "badRequest")
		runJS(s.For(t), s.Token, `sys.data.save(sys.data.createRecord('notes'), {mode: 'fast'});`).Error(400, "badRequest")
	})
	t.Run("unknown options", func(t *testing.T) {
		runJS(s.For(t), s.Token, `sys.data.save(sys.data.createRecord('notes'), {validate: false});`).Error(400, "badRequest")
		runJS(s.For(t), s.Token, `var n = sys.data.createRecord('notes'); n.field('title').val('u'); sys.data.save(n);
			sys.data.remove(n, {mode: 'lite'});`).Error(400, "badRequest")
		runJS(s.For(t), s.Token, `sys.data.save(sys.data.createRecord('notes'), 'lite');`).Error(400, "badRequest")
	})
}
