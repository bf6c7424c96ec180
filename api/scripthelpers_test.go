package api_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"runway/api/apitest"
)

// helpersApp's global actions use the everyday helpers of the sys API the
// way an app would: tokens for another service, a report template, a
// user onboarded into a group, a translated message.
func helpersApp(t *testing.T) *apitest.Server {
	t.Helper()
	text := func(name string) string {
		return `{"name": "` + name + `", "label": "` + name + `", "type": "text", "transient": true}`
	}
	fsys := fstest.MapFS{
		"app.json": {Data: []byte(`{"name": "helpers", "defaultLanguage": "english"}`)},
		"model/entities/tasks.json": {Data: []byte(`{"name": "tasks", "label": "Tasks", "fields": [
  {"name": "title", "label": "Title", "type": "text"},
  {"name": "hours", "label": "Hours", "type": "decimal"},
  {"name": "done", "label": "Done", "type": "boolean"}],
 "actions": [
  {"name": "sign", "label": "Sign", "type": "global", "resultAsResponse": true, "actions": "js/sign",
   "parameters": [` + text("subject") + `, ` + text("secret") + `]},
  {"name": "check", "label": "Check", "type": "global", "resultAsResponse": true, "actions": "js/check",
   "parameters": [` + text("token") + `, ` + text("secret") + `]},
  {"name": "report", "label": "Report", "type": "global", "resultAsResponse": true, "actions": "js/report"},
  {"name": "onboard", "label": "Onboard", "type": "global", "resultAsResponse": true, "actions": "js/onboard",
   "parameters": [` + text("email") + `]},
  {"name": "greet", "label": "Greet", "type": "global", "resultAsResponse": true, "actions": "js/greet",
   "parameters": [` + text("key") + `]}]}`)},
		"model/entities/tasks.js": {Data: []byte(`
function sign(action) {
  var c = sys.utils.crypto, msg = 'what do ya want for nothing?';
  return {
    token: c.jwt.generate({sub: action.field('subject').val(), exp: Date.now() + 60000}, action.field('secret').val(), 'HS256'),
    hex: c.hashHmac(msg, 'Jefe', 'HmacSHA256'),
    base64: c.hashHmac(msg, 'Jefe', 'HmacSHA256', 'BASE64')
  };
}
function check(action) {
  var token = action.field('token').val();
  var valid = sys.utils.crypto.jwt.verify(token, action.field('secret').val());
  return {valid: valid, payload: valid ? JSON.parse(sys.utils.crypto.jwt.decodeToken(token)) : null};
}
function report(action) {
  var tasks = sys.data.find('tasks', {_sortField: 'title', _sortType: 'asc'}).toArray();
  var tpl = '<#list tasks as t>\n' +
    '${t?counter}. ${t.title}<#if t.done!false> (done)<#else> (${t.hours?string("0.0")} h left)</#if>\n' +
    '<#else>\nNothing to do.\n</#list>\n' +
    'Total: ${total}';
  var total = sys.utils.numbers.format(tasks.reduce(function(s, t) { return s + (t.field('hours').val() || 0); }, 0),
    {thousandsSeparator: true, numberOfDecimals: 1});
  return {text: sys.utils.text.processTemplate(tpl, {model: {tasks: tasks, total: total}, throwErrors: true})};
}
function onboard(action) {
  var user = sys.data.createRecord('sys.users');
  user.field('firstName').val('New');
  user.field('lastName').val('Member');
  user.field('email').val(action.field('email').val());
  sys.users.addGroup(user, 'Members', true);
  user = sys.data.save(user);
  return {id: user.id(), member: sys.users.containsGroup(sys.data.findById('sys.users', user.id()), 'members')};
}
function greet(action) {
  return {text: sys.i18n.translate(action.field('key').val(), {name: 'Ana'})};
}
`)},
		"security/groups/members.json": {Data: []byte(`{"name": "members", "label": "Members", "entityPermissions": [
  {"entity": "tasks", "read": "always", "create": "never", "update": "never", "delete": "never"}]}`)},
		"i18n/english.json": {Data: []byte(`{"welcome": "Welcome, {{name}}!"}`)},
	}
	return apitest.Start(t, fsys)
}

func TestScriptHelpersThroughActions(t *testing.T) {
	t.Parallel()
	s := helpersApp(t)
	// JWT round trip and RFC 4231's HMAC vector, in hex and base64.
	signed := s.As("PUT", "/data/tasks/sign", obj{"subject": "ana", "secret": "s3cret"}).Status(200).JSON()
	if signed["hex"] != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" ||
		signed["base64"] != "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=" {
		t.Errorf("hmac: %s", js(signed))
	}
	tok, _ := signed["token"].(string)
	ok := s.As("PUT", "/data/tasks/check", obj{"token": tok, "secret": "s3cret"}).Status(200).JSON()
	if ok["valid"] != true || ok["payload"].(obj)["sub"] != "ana" {
		t.Errorf("verify: %s", js(ok))
	}
	if bad := s.As("PUT", "/data/tasks/check", obj{"token": tok, "secret": "other"}).Status(200).JSON(); bad["valid"] != false {
		t.Errorf("verify with another secret: %s", js(bad))
	}
	// A template with <#list> (and its <#else>) and <#if>.
	if r := s.As("PUT", "/data/tasks/report", obj{}).Status(200).JSON(); r["text"] != "Nothing to do.\nTotal: 0.0" {
		t.Errorf("empty report: %q", r["text"])
	}
	for _, task := range []obj{{"title": "write", "hours": 1200.25}, {"title": "test", "hours": 2, "done": true}} {
		s.As("POST", "/data/tasks", task).Status(200)
	}
	want := "1. test (done)\n2. write (1200.2 h left)\nTotal: 1,202.2"
	if r := s.As("PUT", "/data/tasks/report", obj{}).Status(200).JSON(); r["text"] != want {
		t.Errorf("report:\n got %q\nwant %q", r["text"], want)
	}
	// addGroup on a new user, then save: the user is stored in the group.
	on := s.As("PUT", "/data/tasks/onboard", obj{"email": "new@example.org"}).Status(200).JSON()
	if on["member"] != true {
		t.Errorf("onboard: %s", js(on))
	}
	u := get(t, s, "sys.users", on["id"])
	if groups := js(u["groups"]); !strings.Contains(groups, `"name":"members"`) && !strings.Contains(groups, `"label":"Members"`) {
		t.Errorf("stored groups: %s", groups)
	}
	// Translations, and the key itself when there is none.
	if r := s.As("PUT", "/data/tasks/greet", obj{"key": "welcome"}).Status(200).JSON(); r["text"] != "Welcome, Ana!" {
		t.Errorf("translate: %s", js(r))
	}
	if r := s.As("PUT", "/data/tasks/greet", obj{"key": "missing.key"}).Status(200).JSON(); r["text"] != "missing.key" {
		t.Errorf("translate fallback: %s", js(r))
	}
}
