package api_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"runway/api/apitest"
)

// jan16 is 2017-01-16 14:53 UTC in epoch ms.
const jan16 = 1484578380000

func TestPlainTextReadAndList(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	ana := create(t, s, "people", obj{"name": "Ana", "balance": 10})
	fileID := s.UploadBytes("logo.png", "image/png", []byte(strings.Repeat("ab", 20_750)))
	th := thing(t, s, obj{
		"text": "abc", "integer": 1234567, "money": 1215.5, "percentage": 0.7, "boolean": true, "choice": "b",
		"dateTime": jan16, "duration": 9015000, "geoPoint": obj{"latitude": 10.5, "longitude": 12},
		"fileUpload": obj{"id": fileID, "name": "logo.png"},
		"tags":       arr{"x", "y"}, "owner": ana["id"], "friends": arr{"Ana"},
		"nestedFields": obj{"inner": "in", "count": 4321},
		"items":        arr{obj{"name": "bolt", "qty": 2000, "supplier": "Ana"}},
		"euros":        1215.5, "stamp": jan16, "defaultStatus": "published",
	})
	id := th["id"].(string)
	want := obj{
		"text": "abc", "integer": "1234567", "money": "$1,215.50", "percentage": "70%", "boolean": "Yes", "choice": "B",
		"dateTime": "2017-01-16 14:53", "duration": "2h 30m 15s", "geoPoint": "(10.5,12)", "fileUpload": "logo.png (41.5kB)",
		"tags": arr{"x", "y"}, "owner": "Ana", "friends": arr{"Ana"},
		"nestedFields":  obj{"id": at(th, "nestedFields.id"), "label": at(th, "nestedFields.label"), "inner": "in", "count": "4321"},
		"items":         arr{obj{"id": at(th, "items.0.id"), "label": "items", "name": "bolt", "qty": "2000", "supplier": "Ana"}},
		"euros":         "€1,216",           // the field's displayOptions
		"stamp":         "16/01/2017 14:53", // the field's uiOptions.format
		"defaultStatus": "Published", "requiredText": "required",
		"when": nil, // set (a default), checked below
	}
	check := func(where string, got obj) {
		t.Helper()
		if got["id"] != id || got["version"] != 0.0 || got["label"] != th["label"] {
			t.Errorf("%s: system fields not native: id %v version %#v label %v", where, got["id"], got["version"], got["label"])
		}
		for k, w := range want {
			if k == "when" {
				if s, ok := got[k].(string); !ok || len(s) != len("2006-01-02 15:04") {
					t.Errorf("%s: when = %#v, want a formatted date-time", where, got[k])
				}
				continue
			}
			if !jsonEq(got[k], w) {
				t.Errorf("%s: %s = %s, want %s", where, k, js(got[k]), js(w))
			}
		}
		// The empty many-valued fields are there, boolean false too.
		for _, k := range []string{"dateTime", "boolean", "friends", "items"} {
			if _, ok := got[k]; !ok {
				t.Errorf("%s: %s missing", where, k)
			}
		}
	}
	check("read", s.As("GET", "/data/things/"+id+"?_format=plainText", nil).Status(200).JSON())
	p := list(t, s, "things", q("_format", "plainText", "id", id))
	if len(p.Items) != 1 {
		t.Fatalf("list: %d items", len(p.Items))
	}
	check("list", p.Items[0])

	// Native is unchanged, and the default.
	for _, path := range []string{"/data/things/" + id, "/data/things/" + id + "?_format=native"} {
		got := s.As("GET", path, nil).Status(200).JSON()
		if got["money"] != 1215.5 || got["dateTime"] != float64(jan16) || !jsonEq(got["owner"], obj{"id": ana["id"], "label": "Ana"}) {
			t.Errorf("%s: money %v dateTime %v owner %v", path, got["money"], got["dateTime"], got["owner"])
		}
	}

	// _fields still applies, nested paths included.
	got := s.As("GET", "/data/things/"+id+"?"+q("_format", "plainText", "_fields", "money,items.qty"), nil).Status(200).JSON()
	wantKeys(t, got, "id", "version", "label", "money", "items")
	if !jsonEq(got["items"], arr{obj{"id": at(th, "items.0.id"), "label": "items", "qty": "2000"}}) {
		t.Errorf("projected items: %s", js(got["items"]))
	}
	p = list(t, s, "things", q("_format", "plainText", "_fields", "money", "id", id))
	wantKeys(t, p.Items[0], "id", "version", "label", "money")
	if p.Items[0]["money"] != "$1,215.50" {
		t.Errorf("projected list money %v", p.Items[0]["money"])
	}
}

func TestFormatForUser(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	th := thing(t, s, obj{"dateTime": jan16, "stamp": jan16})
	path := "/data/things/" + th["id"].(string)
	kolkata := "2017-01-16 20:23" // UTC+05:30
	utc := "2017-01-16 14:53"

	ana := s.CreateUser("ana@example.org", "ana-password", obj{
		"localization": obj{"timezoneMode": "MANUAL", "timezone": "Asia/Kolkata"},
		"groups":       arr{obj{"group": "everyone"}}})
	// AUTO: the stored zone is not used.
	bob := s.CreateUser("bob@example.org", "bob-password", obj{
		"localization": obj{"timezoneMode": "AUTO", "timezone": "Asia/Tokyo"}})
	// MANUAL with a zone that does not exist: the app's zone.
	cy := s.CreateUser("cy@example.org", "cy-password", obj{
		"localization": obj{"timezoneMode": "MANUAL", "timezone": "Mars/Olympus"}})

	dateTimeFor := func(user string) string {
		t.Helper()
		got := s.As("GET", path+"?"+q("_format", "plainText", "_formatForUser", user), nil).Status(200).JSON()
		return got["dateTime"].(string)
	}
	for _, c := range []struct{ user, want string }{
		{ana["id"].(string), kolkata},
		{"ana@example.org", kolkata},
		{"  ANA@Example.org ", kolkata}, // emails compare case-insensitively
		{bob["id"].(string), utc},
		{"bob@example.org", utc},
		{cy["id"].(string), utc},
		{apitest.AdminEmail, utc},
	} {
		if got := dateTimeFor(c.user); got != c.want {
			t.Errorf("_formatForUser=%s: dateTime %q, want %q", c.user, got, c.want)
		}
	}
	// The user's zone applies to patterns from the metadata too, and to lists.
	got := s.As("GET", path+"?"+q("_format", "plainText", "_formatForUser", "ana@example.org"), nil).Status(200).JSON()
	if got["stamp"] != "16/01/2017 20:23" {
		t.Errorf("stamp for ana: %v", got["stamp"])
	}
	p := list(t, s, "things", q("_format", "plainText", "_formatForUser", ana["id"].(string), "id", th["id"].(string)))
	if len(p.Items) != 1 || p.Items[0]["dateTime"] != kolkata {
		t.Errorf("list for ana: %v", p.Items)
	}

	// Unknown users: 400 naming the parameter, on read and on list.
	for _, u := range []string{strings.Repeat("0", 24), "nobody@example.org", "not an id"} {
		for _, pth := range []string{path, "/data/things"} {
			e := s.As("GET", pth+"?"+q("_format", "plainText", "_formatForUser", u), nil).Error(400, "badRequest")
			if !strings.Contains(e["message"].(string), "_formatForUser") {
				t.Errorf("%s for %q: message %q does not name _formatForUser", pth, u, e["message"])
			}
		}
	}

	// Without _formatForUser: the caller's own zone by the same rule.
	if got := s.As("GET", path+"?_format=plainText", nil).Status(200).JSON()["dateTime"]; got != utc {
		t.Errorf("admin (AUTO): %v, want %s", got, utc)
	}
	anaTok := s.Login("ana@example.org", "ana-password")
	if got := s.Do("GET", path+"?_format=plainText", anaTok, nil).Status(200).JSON()["dateTime"]; got != kolkata {
		t.Errorf("ana's own zone: %v, want %s", got, kolkata)
	}
	p = page{}
	s.Do("GET", "/data/things?"+q("_format", "plainText", "id", th["id"].(string)), anaTok, nil).Status(200).Decode(&p)
	if len(p.Items) != 1 || p.Items[0]["dateTime"] != kolkata {
		t.Errorf("ana's own zone in a list: %v", p.Items)
	}
	// Naming herself is fine; naming another user needs read access to
	// sys.users, which ordinary users do not have (and so cannot probe
	// which emails exist).
	if got := s.Do("GET", path+"?"+q("_format", "plainText", "_formatForUser", "ana@example.org"), anaTok, nil).Status(200).JSON()["dateTime"]; got != kolkata {
		t.Errorf("ana for herself: %v", got)
	}
	s.Do("GET", path+"?"+q("_format", "plainText", "_formatForUser", "bob@example.org"), anaTok, nil).Error(403, "forbidden")
	s.Do("GET", path+"?"+q("_format", "plainText", "_formatForUser", "nobody@example.org"), anaTok, nil).Error(403, "forbidden")

	// A change of the caller's own settings shows at once.
	me := list(t, s, "sys.users", q("email", apitest.AdminEmail)).Items[0]
	update(t, s, "sys.users", me["id"], obj{"localization": obj{"timezoneMode": "MANUAL", "timezone": "America/New_York"}})
	if got := s.As("GET", path+"?_format=plainText", nil).Status(200).JSON()["dateTime"]; got != "2017-01-16 09:53" {
		t.Errorf("admin after switching to New York: %v", got)
	}
	// Native ignores _formatForUser.
	if got := s.As("GET", path+"?"+q("_formatForUser", "ana@example.org"), nil).Status(200).JSON()["dateTime"]; got != float64(jan16) {
		t.Errorf("native with _formatForUser: %v", got)
	}
}

// An app whose default time zone is not UTC.
var tokyoApp = fstest.MapFS{
	"app.json": {Data: []byte(`{"name": "tokyo", "defaultTimezone": "Asia/Tokyo"}`)},
	"model/entities/events.json": {Data: []byte(`{
		"name": "events", "label": "Events", "recordLabel": "fields/name",
		"fields": [
			{"name": "name", "label": "Name", "type": "text"},
			{"name": "at", "label": "At", "type": "dateTime"}
		]}`)},
}

func TestPlainTextAppDefaultTimezone(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, tokyoApp)
	ev := create(t, s, "events", obj{"name": "launch", "at": jan16})
	path := "/data/events/" + ev["id"].(string) + "?_format=plainText"
	if got := s.As("GET", path, nil).Status(200).JSON()["at"]; got != "2017-01-16 23:53" {
		t.Errorf("AUTO user in a Tokyo app: %v, want 2017-01-16 23:53", got)
	}
	s.CreateUser("ana@example.org", "ana-password", obj{"localization": obj{"timezoneMode": "MANUAL", "timezone": "UTC"}})
	if got := s.As("GET", path+"&_formatForUser=ana@example.org", nil).Status(200).JSON()["at"]; got != "2017-01-16 14:53" {
		t.Errorf("MANUAL UTC user in a Tokyo app: %v", got)
	}
}

func TestUnknownFormat(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	th := thing(t, s, obj{})
	for _, f := range []string{"xml", "PlainText", "plaintext", "csv"} {
		for _, path := range []string{"/data/things/" + th["id"].(string), "/data/things"} {
			e := s.As("GET", path+"?"+q("_format", f), nil).Error(400, "badRequest")
			if !strings.Contains(e["message"].(string), "_format") {
				t.Errorf("%s?_format=%s: message %q does not name _format", path, f, e["message"])
			}
		}
	}
}
