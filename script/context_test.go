package script_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"runway/apperr"
	"runway/clock"
	"runway/data"
	"runway/query"
	"runway/script"
)

// ctxApp records, in its notes' "trace" field and in "traces" written by
// a listener, what sys.context sees; it has translations too.
func ctxApp() fstest.MapFS {
	const trace = `function trace(where) {
  var r = sys.context.root(), a = sys.context.any();
  return where + ':' + JSON.stringify({
    rootCreate: r.entity('notes').create().check(),
    rootAction: r.entity('notes').action('make').check(),
    rootUpdate: r.entity('notes').update().check(),
    anyAction: a.entity('notes').action('make').check(),
    anyCreate: a.entity('notes').create().check(),
    anyListener: a.listener('onNote').check(),
    rootUsers: r.users().create().check(),
    withId: a.entity('notes').action('make').with({recordId: 'nope'}).check()
  });
}
`
	return fstest.MapFS{
		"app.json": {Data: []byte(`{"name": "ctx", "defaultLanguage": "english"}`)},
		"model/entities/notes.json": {Data: []byte(`{"name": "notes", "label": "Notes", "fields": [
  {"name": "title", "label": "Title", "type": "text"},
  {"name": "trace", "label": "Trace", "type": "longText", "valueCalculation": "js/traceCalc"}],
 "actions": [{"name": "make", "label": "Make", "type": "global", "resultAsResponse": true, "actions": "js/make"}]}`)},
		"model/entities/notes.js": {Data: []byte(trace + `
function traceCalc(record) { return trace('calc'); }
function make(action) {
  var n = sys.data.createRecord('notes'); n.field('title').val('made'); sys.data.save(n);
  return {trace: n.field('trace').val(), inAction: trace('action')};
}`)},
		"model/entities/traces.json": {Data: []byte(`{"name": "traces", "label": "Traces", "fields": [
  {"name": "text", "label": "Text", "type": "longText"}]}`)},
		"model/listeners/onNote.json": {Data: []byte(`{"name": "onNote", "label": "On note", "type": "data", "entity": "notes",
  "events": [{"type": "recordCreated"}], "action": "js/onNote"}`)},
		"model/listeners/onNote.js": {Data: []byte(trace + `
function onNote(event, record) {
  var t = sys.data.createRecord('traces'); t.field('text').val(trace('listener')); sys.data.save(t);
}`)},
		"i18n/english.json": {Data: []byte(`{"greet": "Hello {{ name }}", "items": "There are {{numberOfItems}} in {{collName}}",
  "menu": {"file": "File"}, "onlyEnglish": "Only in English"}`)},
		"i18n/es.json": {Data: []byte(`{"greet": "Hola {{name}}", "menu": {"file": "Archivo"}}`)},
	}
}

func TestContextRootAndAny(t *testing.T) {
	v := newEnv(t, ctxApp())
	ctx := context.Background()
	out, err := v.d.ExecuteAction(ctx, dev, v.app.Entity("notes"), "make", data.ActionTarget{Query: &query.Select{}}, map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	got := decode(t, string(out))
	// Inside the action: the action is the root; the calculation of the
	// record it creates sees the action at the root and the create.
	if want := `action:{"rootCreate":false,"rootAction":true,"rootUpdate":false,"anyAction":true,"anyCreate":false,"anyListener":false,"rootUsers":false,"withId":false}`; got["inAction"] != want {
		t.Errorf("in the action:\n got %v\nwant %s", got["inAction"], want)
	}
	if want := `calc:{"rootCreate":false,"rootAction":true,"rootUpdate":false,"anyAction":true,"anyCreate":true,"anyListener":false,"rootUsers":false,"withId":false}`; got["trace"] != want {
		t.Errorf("in the calculation of the create inside the action:\n got %v\nwant %s", got["trace"], want)
	}
	// A record created directly: the create is the root, in its
	// calculation and in the (synchronous) listener it fires.
	doc, err := v.d.Create(ctx, dev, v.app.Entity("notes"), map[string]any{"title": "direct"})
	if err != nil {
		t.Fatal(err)
	}
	if tr := decode(t, string(doc))["trace"]; tr != `calc:{"rootCreate":true,"rootAction":false,"rootUpdate":false,"anyAction":false,"anyCreate":true,"anyListener":false,"rootUsers":false,"withId":false}` {
		t.Errorf("direct create: %v", tr)
	}
	traces := v.mustEval(`return sys.data.find('traces', {_sortField: 'id', _sortType: 'asc'}).toArray().map(function(r) { return r.field('text').val(); });`)
	want := `["listener:{\"rootCreate\":false,\"rootAction\":true,\"rootUpdate\":false,\"anyAction\":true,\"anyCreate\":true,\"anyListener\":true,\"rootUsers\":false,\"withId\":false}",` +
		`"listener:{\"rootCreate\":true,\"rootAction\":false,\"rootUpdate\":false,\"anyAction\":false,\"anyCreate\":true,\"anyListener\":true,\"rootUsers\":false,\"withId\":false}"]`
	if traces != want {
		t.Errorf("listener traces:\n got %s\nwant %s", traces, want)
	}
	// A script run on its own has no operation; check() needs one named.
	if got := v.mustEval(`return sys.context.root().entity('notes').create().check();`); got != "false" {
		t.Errorf("no operation: %s", got)
	}
	if _, err := v.eval(`sys.context.root().entity('notes').check()`); !apperr.Is(err, apperr.BadRequest) {
		t.Errorf("check without an operation kind: %v", err)
	}
}

func TestI18nTranslate(t *testing.T) {
	v := newEnv(t, ctxApp())
	ctx := context.Background()
	doc, err := v.d.Create(ctx, data.SystemCaller, v.app.Entity("sys.users"), map[string]any{"firstName": "E", "lastName": "S",
		"email": "es@example.org", "localization": map[string]any{"language": "spanish"},
		"authentication": map[string]any{"newPassword": "pass-word-1", "passwordConfirmation": "pass-word-1"}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := v.d.UserByID(ctx, decode(t, string(doc))["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	src := `var t = sys.i18n.translate;
		return [t('greet', {name: 'Ana'}), t('items', {numberOfItems: 5, collName: 'entities'}), t('menu.file'),
			t('onlyEnglish'), t('no.such.key'), t('greet')];`
	// No user: the app's language.
	if got := v.mustEval(src); got != `["Hello Ana","There are 5 in entities","File","Only in English","no.such.key","Hello {{ name }}"]` {
		t.Errorf("app language: %s", got)
	}
	// A Spanish user: Spanish, English for what has no Spanish text, the
	// key when no language has it.
	got, err := v.evalAs(u.Caller("", ""), src)
	if err != nil || got != `["Hola Ana","There are 5 in entities","Archivo","Only in English","no.such.key","Hola {{name}}"]` {
		t.Errorf("user language: %s %v", got, err)
	}
}

func TestEventCallbacks(t *testing.T) {
	clk := clock.NewManual(time.Unix(1700000000, 0))
	v := shop(t, script.Options{Clock: clk})
	got := v.mustEval(`
		var key = sys.events.registerCallback('userLogger', function(callbackData, user, n) {
			return callbackData.company + ':' + user.name + ':' + callbackData.fmt(n);
		}, {company: 'ACME', fmt: function(x) { return '#' + x; }}, {ttl: 60000});
		return [key, sys.events.executeCallback('userLogger', {name: 'Alice'}, 7)];`)
	if got != `["userLogger","ACME:Alice:#7"]` {
		t.Errorf("callback: %s", got)
	}
	// Executed once: gone afterwards; a callback survives its execution
	// (it is stored), and expires after its ttl.
	if _, err := v.eval(`sys.events.executeCallback('userLogger', {name: 'Bob'})`); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("second execution: %v", err)
	}
	v.mustEval(`sys.events.registerCallback('later', function(d) { return d.n * 2; }, {n: 21}, {ttl: 1000}); sys.events.registerCallback('kept', function(d) { return d; }, 'x');`)
	if got := v.mustEval(`return sys.events.executeCallback('later');`); got != "42" {
		t.Errorf("in another execution: %s", got)
	}
	v.mustEval(`sys.events.registerCallback('later', function(d) { return 1; }, {}, {ttl: 1000});`)
	clk.Advance(2 * time.Second)
	if _, err := v.eval(`sys.events.executeCallback('later')`); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("expired: %v", err)
	}
	if got := v.mustEval(`return sys.events.executeCallback('kept');`); got != `"x"` {
		t.Errorf("no ttl: %s", got)
	}
	if _, err := v.eval(`sys.events.registerCallback('k', 'not a function', {})`); !apperr.Is(err, apperr.BadRequest) {
		t.Errorf("not a function: %v", err)
	}
}

// The documentation's pattern: addGroup on a Record, then save.
func TestUsersGroupsAndPasswords(t *testing.T) {
	v := shop(t)
	got := v.mustEval(`
		var user = sys.data.createRecord('sys.users');
		user.field('firstName').val('User1');
		user.field('lastName').val('Test');
		user.field('email').val('user1@test.com');
		user.field('sendWelcomeEmail').val(false);
		sys.users.addGroup(user, 'Clerks', true);
		var before = [sys.users.containsGroup(user, 'clerks'), sys.users.isPrimaryGroup(user, 'clerks')];
		user.field('authentication.passwordExpired').val(false);
		user.field('authentication.generatePassword').val(false);
		user.field('authentication.newPassword').val('1234567890');
		user.field('authentication.passwordConfirmation').val('1234567890');
		user = sys.data.save(user);
		var stored = sys.data.findById('sys.users', user.id());
		var r = before.concat([sys.users.containsGroup(stored, 'clerks'), sys.users.getPrimaryGroup(stored).name,
			sys.users.containsGroup(user.id(), 'Clerks')]);
		sys.users.removeGroup(stored, 'clerks');
		r.push(sys.users.containsGroup(stored, 'clerks'), sys.users.containsGroup(user.id(), 'clerks'));
		sys.data.save(stored);
		r.push(sys.users.containsGroup('user1@test.com', 'clerks'), sys.users.getPrimaryGroup(stored));
		var up = sys.users.updatePassword(stored, {currentPassword: '1234567890', newPassword: 'new-pass-99'});
		r.push(up.userEmail === 'user1@test.com' && up.userId === stored.id());
		try { sys.users.updatePassword(stored, {currentPassword: 'wrong', newPassword: 'x-pass-100'}); } catch (e) { r.push(e.code()); }
		var withIdp = sys.users.addIdentityProvider(stored.id(), 'slack', 'U123');
		r.push(withIdp.field('identityProviders').val().map(function(p) { return p.name + '=' + (p.externalId || ''); }).join(','));
		r.push(sys.users.removeIdentityProvider(stored.id(), 'slack').field('identityProviders').val().length);
		r.push(sys.users.getEndpointConfiguration(stored, 'http'));
		return r;`)
	want := `[true,true,true,"clerks",true,false,true,false,null,true,"badRequest","slingr=,slack=U123",1,null]`
	if got != want {
		t.Errorf("users:\n got %s\nwant %s", got, want)
	}
	u, err := v.d.UserByEmail(context.Background(), "user1@test.com")
	if err != nil || u == nil || strings.Join(u.Groups, ",") != "" {
		t.Errorf("stored groups: %+v %v", u, err)
	}
}
