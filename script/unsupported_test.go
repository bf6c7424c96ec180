package script_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"runway/app"
	"runway/apperr"
	"runway/script"
)

// A documented function Runway does not offer throws a notSupported
// exception naming it, the script's file and line and the reason — never a
// TypeError — and a script may catch it.
func TestUnsupportedThrowsClearly(t *testing.T) {
	v := newEnv(t, coverageApp)
	for src, want := range map[string]string{
		"\n\nsys.db.find('items', {});":                               "sys.db.find is not supported by Runway (test.js, line 3): it is the platform's raw MongoDB access",
		"sys.monitoring.getMetrics();":                                "sys.monitoring.getMetrics is not supported by Runway (test.js, line 1)",
		"\nsys.ai.embeddingsBatchProcessing([], null);":               "sys.ai.embeddingsBatchProcessing is not supported by Runway (test.js, line 2)",
		"sys.endpoints.findByName('slack');":                          "sys.endpoints.findByName is not supported by Runway",
		"app.endpoints.slack.sendMessage({});":                        "app.endpoints is not supported by Runway (test.js, line 1): legacy endpoints",
		"sys.jobs.executeInJob([1], 'default', function(i) {});":      "sys.jobs.executeInJob is not supported by Runway (test.js, line 1): a callback is a closure",
		"sys.data.createRecord('items').embedding('x');":              "sys.data.Record.embedding is not supported by Runway (test.js, line 1): semantic indexes",
		"sys.data.replaceRefs(sys.data.createRecord('items'), null);": "sys.data.replaceRefs is not supported by Runway",
	} {
		_, err := v.eval(src)
		if !apperr.Is(err, apperr.InternalError) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v\nwant %q", src, err, want)
		}
	}
	got := v.mustEval(`try { sys.db.count('items', {}); } catch (e) { return [sys.exceptions.getCode(e), e instanceof sys.exceptions.ScriptException]; }`)
	if got != `["notSupported",true]` {
		t.Errorf("caught: %s", got)
	}
}

// runway check warns where a script names an unsupported namespace or
// function, with its line; a longer supported name does not match.
func TestCheckWarnsUnsupported(t *testing.T) {
	fsys := fstest.MapFS{
		"model/entities/items.json": coverageApp["model/entities/items.json"],
		"model/entities/items.js": {Data: []byte(`function probe(record, oldRecord, action) {
  var j = sys.jobs.findById('x');
  sys.data.replaceRefs(j, null);
  return sys.db.count('items', {}) + app.endpoints.slack;
}`)},
	}
	a, _, err := app.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range script.Check(a) {
		if !p.Warning {
			t.Errorf("error: %s", p)
			continue
		}
		got = append(got, p.File+"|"+p.Path+"|"+p.Message[:strings.Index(p.Message, ":")])
	}
	want := []string{
		"model/entities/items.js|line 3|sys.data.replaceRefs is not supported by Runway",
		"model/entities/items.js|line 4|app.endpoints is not supported by Runway",
		"model/entities/items.js|line 4|sys.db is not supported by Runway",
	}
	if strings.Join(sorted(got), "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(sorted(got), "\n"), strings.Join(want, "\n"))
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// sys.ui.sendMessage accepts the documented messages, hands them to the
// hook without their functions, and refuses what the platform refuses.
func TestSysUI(t *testing.T) {
	var mu sync.Mutex
	var got []script.UIMessage
	v := newEnv(t, coverageApp, script.Options{UIMessages: func(_ context.Context, m script.UIMessage) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, m)
	}})
	v.mustEval(`
		sys.ui.sendMessage({scope: 'global', name: 'showMessage', title: 'Hi', message: 'there', target: 'users', targetUsers: ['a@example.org']});
		sys.ui.sendMessage({scope: 'view', name: 'recordChanged', views: ['items'], recordId: 'x'});
		sys.ui.sendMessage({scope: 'action', entity: 'items', action: 'probe', success: function () {}});
		sys.ui.sendMessage({scope: 'uiService:sample', name: 'event1', callbacks: {cb: function () {}}});`)
	if len(got) != 4 {
		t.Fatalf("messages: %+v", got)
	}
	if got[0].Target != "users" || len(got[0].Users) != 1 || got[0].Users[0] != "a@example.org" || got[0].Name != "showMessage" || got[0].From.Email != dev.Email {
		t.Errorf("showMessage: %+v", got[0])
	}
	if got[1].Target != "caller" || got[1].Scope != "view" {
		t.Errorf("recordChanged: %+v", got[1])
	}
	var action, service map[string]any
	_ = json.Unmarshal(got[2].Message, &action)
	_ = json.Unmarshal(got[3].Message, &service)
	if _, has := action["success"]; has || action["entity"] != "items" {
		t.Errorf("action message: %s", got[2].Message)
	}
	if cbs, _ := service["callbacks"].(map[string]any); len(cbs) != 0 || service["name"] != "event1" {
		t.Errorf("ui service message: %s", got[3].Message)
	}
	for _, src := range []string{
		`sys.ui.sendMessage()`,
		`sys.ui.sendMessage({scope: 'global', name: 'explode'})`,
		`sys.ui.sendMessage({scope: 'view', name: 'refresh'})`,
		`sys.ui.sendMessage({scope: 'nowhere', name: 'reload'})`,
		`sys.ui.sendMessage({scope: 'action'})`,
		`sys.ui.sendMessage({scope: 'global', name: 'reload', target: 'users'})`,
		`sys.ui.sendMessage({scope: 'global', name: 'reload', target: 'everyone'})`,
	} {
		if _, err := v.eval(src); !apperr.Is(err, apperr.BadRequest) {
			t.Errorf("%s: %v", src, err)
		}
	}
	// Without a hook the messages go nowhere, and nothing throws.
	plain := newEnv(t, coverageApp)
	if out := plain.mustEval(`return sys.ui.sendMessage({scope: 'global', name: 'reload'});`); out != "undefined" {
		t.Errorf("without a hook: %s", out)
	}
}
