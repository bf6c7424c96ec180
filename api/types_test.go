package api_test

import (
	"strings"
	"testing"
	"time"
)

// typeCase is one write of one field of the kitchen "things" entity.
type typeCase struct {
	field string
	in    any
	out   any    // native value read back (when code is "")
	code  string // per-field error code; "" = valid
	path  string // error path when it is not the field name
}

var kitchenTypeCases = []typeCase{
	// text
	{field: "text", in: "hello", out: "hello"},
	{field: "text", in: "ünïcode ✓", out: "ünïcode ✓"},
	{field: "text", in: 42, out: "42"},
	{field: "text", in: strings.Repeat("x", 300), out: strings.Repeat("x", 300)},
	{field: "text", in: strings.Repeat("x", 301), code: "tooLong"},
	{field: "text", in: obj{"a": 1}, code: "invalid"},
	{field: "text", in: arr{"a"}, code: "invalid"},
	{field: "shortText", in: "ab", out: "ab"},
	{field: "shortText", in: "abcde", out: "abcde"},
	{field: "shortText", in: "a", code: "tooShort"},
	{field: "shortText", in: "abcdef", code: "tooLong"},
	{field: "code", in: "ABC", out: "ABC"},
	{field: "code", in: "abc", code: "invalid"},
	{field: "code", in: "ABCD", code: "invalid"},
	// longText
	{field: "longText", in: "line 1\nline 2", out: "line 1\nline 2"},
	{field: "longText", in: strings.Repeat("y", 5000), out: strings.Repeat("y", 5000)},
	{field: "longText", in: strings.Repeat("y", 1<<20+1), code: "tooLong"},
	{field: "longText", in: obj{}, code: "invalid"},
	// html: sanitized
	{field: "html", in: "<p class=\"x\">Hi <b>there</b></p>", out: "<p class=\"x\">Hi <b>there</b></p>"},
	{field: "html", in: obj{"p": 1}, code: "invalid"},
	// email
	{field: "email", in: "ana@example.org", out: "ana@example.org"},
	{field: "email", in: "nope", code: "invalid"},
	{field: "email", in: "Ana <ana@example.org>", code: "invalid"},
	{field: "email", in: "a@b@c", code: "invalid"},
	{field: "email", in: 12, code: "invalid"},
	// url
	{field: "url", in: "https://example.org/a?b=c", out: "https://example.org/a?b=c"},
	{field: "url", in: "(http://x.com)<Label>", out: "(http://x.com)<Label>"},
	{field: "url", in: "not a url", code: "invalid"},
	{field: "url", in: "javascript:alert(1)", code: "invalid"},
	// phone (D14): trimmed, runs of spaces collapsed
	{field: "phone", in: "1-702-845-9380", out: "1-702-845-9380"},
	{field: "phone", in: "  +1 (702)   845.9380 ", out: "+1 (702) 845.9380"},
	{field: "phone", in: "702-845-938O", code: "invalid"},
	{field: "phone", in: "call me", code: "invalid"},
	{field: "phone", in: "+1/702", code: "invalid"},
	// maskedText 999-aaa: stored raw, returned formatted
	{field: "maskedText", in: "123abc", out: "123-abc"},
	{field: "maskedText", in: "862-SKB", out: "862-SKB"},
	{field: "maskedText", in: "12abc", code: "invalid"},
	{field: "maskedText", in: "abc123", code: "invalid"},
	{field: "maskedText", in: "123-abcd", code: "invalid"},
	// qr
	{field: "qr", in: "QR-payload", out: "QR-payload"},
	{field: "qr", in: obj{}, code: "invalid"},
	// integer
	{field: "integer", in: 8, out: 8},
	{field: "integer", in: -3, out: -3},
	{field: "integer", in: "42", out: 42},
	{field: "integer", in: 7.0, out: 7},
	{field: "integer", in: 3.5, code: "invalid"},
	{field: "integer", in: "abc", code: "invalid"},
	{field: "integer", in: true, code: "invalid"},
	{field: "age", in: 0, out: 0},
	{field: "age", in: 150, out: 150},
	{field: "age", in: -1, code: "outOfRange"},
	{field: "age", in: 151, code: "outOfRange"},
	// decimal
	{field: "decimal", in: 3.25, out: 3.25},
	{field: "decimal", in: "-0.5", out: -0.5},
	{field: "decimal", in: 12, out: 12},
	{field: "decimal", in: "twelve", code: "invalid"},
	{field: "ratio", in: 2.346, out: 2.35},
	{field: "ratio", in: 2.344, out: 2.34},
	{field: "ratio", in: "1.1", out: 1.1},
	// money
	{field: "money", in: 80000, out: 80000},
	{field: "money", in: "19.99", out: 19.99},
	{field: "money", in: "$5", code: "invalid"},
	// percentage: a fraction
	{field: "percentage", in: 0.7, out: 0.7},
	{field: "percentage", in: "0.25", out: 0.25},
	{field: "percentage", in: "70%", code: "invalid"},
	// bigNumber: a string
	{field: "bigNumber", in: "8.9977381997", out: "8.9977381997"},
	{field: "bigNumber", in: 12.5, out: "12.5"},
	{field: "bigNumber", in: "123456789012345678901234567890.1234", out: "123456789012345678901234567890.1234"},
	{field: "bigNumber", in: "1e", code: "invalid"},
	{field: "bigNumber", in: "abc", code: "invalid"},
	// boolean
	{field: "boolean", in: true, out: true},
	{field: "boolean", in: "false", out: false},
	{field: "boolean", in: "true", out: true},
	{field: "boolean", in: nil, out: false},
	{field: "boolean", in: "yes", code: "invalid"},
	{field: "boolean", in: obj{}, code: "invalid"},
	// choice: by name, label as fallback, case-insensitive
	{field: "choice", in: "b", out: "b"},
	{field: "choice", in: "C", out: "c"},
	{field: "defaultStatus", in: "published", out: "published"},
	{field: "defaultStatus", in: "Published", out: "published"},
	{field: "defaultStatus", in: "PUBLISHED", out: "published"},
	{field: "choice", in: "z", code: "invalid"},
	{field: "choice", in: 1, code: "invalid"},
	// dynamicChoice
	{field: "dynamicChoice", in: obj{"options": arr{obj{"name": "AZ", "label": "Arizona"}, obj{"name": "NV", "label": "Nevada"}}, "selectedValue": "NV"},
		out: obj{"options": arr{obj{"name": "AZ", "label": "Arizona"}, obj{"name": "NV", "label": "Nevada"}}, "selectedValue": "NV"}},
	{field: "dynamicChoice", in: "Texas", out: obj{"options": arr{obj{"name": "Texas", "label": "Texas"}}, "selectedValue": "Texas"}},
	{field: "dynamicChoice", in: obj{"options": arr{obj{"name": "AZ", "label": "Arizona"}}, "selectedValue": "CA"}, code: "invalid"},
	{field: "dynamicChoice", in: 5, code: "invalid"},
	// date family
	{field: "date", in: "2016-07-12", out: "2016-07-12"},
	{field: "date", in: "2016-02-30", code: "invalid"},
	{field: "date", in: "12/07/2016", code: "invalid"},
	{field: "dateTime", in: 1484578380000, out: 1484578380000},
	{field: "dateTime", in: "1484578380000", out: 1484578380000},
	{field: "dateTime", in: "2024-05-31T18:30:00Z", out: 1717180200000},
	{field: "dateTime", in: "2024-05-31T18:30:00.250Z", out: 1717180200250},
	{field: "dateTime", in: "2024-05-31T20:30:00+02:00", out: 1717180200000},
	{field: "dateTime", in: "2024-05-31 18:30", out: 1717180200000},
	{field: "dateTime", in: "yesterday", code: "invalid"},
	{field: "dateTime", in: true, code: "invalid"},
	{field: "dateTimeNoTimezone", in: "2016-11-05 19:00", out: "2016-11-05 19:00"},
	{field: "dateTimeNoTimezone", in: "2016-11-05 25:00", code: "invalid"},
	{field: "time", in: "08:00", out: "08:00"},
	{field: "time", in: "23:59", out: "23:59"},
	{field: "time", in: "24:00", code: "invalid"},
	{field: "time", in: "8am", code: "invalid"},
	{field: "duration", in: 10800000, out: 10800000},
	{field: "duration", in: "1d 2h 30m 15s", out: 95415000},
	{field: "duration", in: "3h", out: 10800000},
	{field: "duration", in: "soon", code: "invalid"},
	{field: "dateMonthDay", in: "04-16", out: "04-16"},
	{field: "dateMonthDay", in: "13-01", code: "invalid"},
	{field: "dateYearMonth", in: "2016-07", out: "2016-07"},
	{field: "dateYearMonth", in: "2016-13", code: "invalid"},
	// color
	{field: "color", in: "#f5a9a9", out: "#f5a9a9"},
	{field: "color", in: "#abc", out: "#abc"},
	{field: "color", in: "red", code: "invalid"},
	{field: "color", in: "#ggg", code: "invalid"},
	// geoPoint
	{field: "geoPoint", in: obj{"latitude": 10.5, "longitude": 12}, out: obj{"latitude": 10.5, "longitude": 12}},
	{field: "geoPoint", in: obj{"latitude": -90, "longitude": 180}, out: obj{"latitude": -90, "longitude": 180}},
	{field: "geoPoint", in: obj{"latitude": 90.5, "longitude": 0}, code: "outOfRange"},
	{field: "geoPoint", in: obj{"latitude": 0, "longitude": -181}, code: "outOfRange"},
	{field: "geoPoint", in: obj{"latitude": 1}, code: "invalid"},
	{field: "geoPoint", in: "10,12", code: "invalid"},
	// fileUpload: the id of a stored file (files_test.go); an unknown one
	// is invalid
	{field: "fileUpload", in: "6650a1b2c3d4e5f601234567", code: "invalid"},
	{field: "fileUpload", in: obj{"id": "6650a1b2c3d4e5f601234567"}, code: "invalid"},
	{field: "fileUpload", in: "logo.png", code: "invalid"},
	// group: by name or label
	{field: "group", in: "everyone", out: obj{"id": everyoneID, "label": "Everyone"}},
	{field: "group", in: "Everyone", out: obj{"id": everyoneID, "label": "Everyone"}},
	{field: "group", in: obj{"id": everyoneID}, out: obj{"id": everyoneID, "label": "Everyone"}},
	{field: "group", in: "nobody", code: "invalid"},
	// many-valued
	{field: "tags", in: arr{"a", "b"}, out: arr{"a", "b"}},
	{field: "tags", in: arr{}, out: arr{}},
	{field: "tags", in: nil, out: arr{}},
	{field: "tags", in: arr{"ok", obj{"x": 1}}, code: "invalid", path: "tags[1]"},
	// nested (single)
	{field: "nestedFields", in: obj{"count": "x"}, code: "invalid", path: "nestedFields.count"},
	{field: "nestedFields", in: "flat", code: "invalid"},
	// required
	{field: "requiredText", in: "", code: "required"},
	{field: "requiredText", in: "   ", code: "required"},
	{field: "requiredText", in: nil, code: "required"},
}

// everyoneID is the id of the kitchen group "everyone" (app-model.md §8 Q12:
// the first 24 hex of SHA-1("group:everyone")).
const everyoneID = "12c017fdda9dbd47af2f4d3a"

func TestFieldTypes(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	for _, c := range kitchenTypeCases {
		body := withRequired(obj{c.field: c.in})
		r := s.As("POST", "/data/things", body)
		label := c.field + "=" + short(js(c.in))
		if c.code != "" {
			path := c.path
			if path == "" {
				path = c.field
			}
			if r.Code != 400 {
				t.Errorf("%s: status %d, want 400 %s at %s: %s", label, r.Code, c.code, path, short(string(r.Body)))
				continue
			}
			fe := r.FieldErrors()
			if fe[path] != c.code || len(fe) != 1 {
				t.Errorf("%s: errors %v, want only %s at %s", label, fe, c.code, path)
			}
			continue
		}
		if r.Code != 200 {
			t.Errorf("%s: status %d: %s", label, r.Code, short(string(r.Body)))
			continue
		}
		m := r.JSON()
		if !jsonEq(m[c.field], c.out) {
			t.Errorf("%s: got %s, want %s", label, short(js(m[c.field])), short(js(c.out)))
			continue
		}
		// What a read returns is what the write answered.
		if got := get(t, s, "things", m["id"]); !jsonEq(got[c.field], m[c.field]) {
			t.Errorf("%s: read back %s, write answered %s", label, short(js(got[c.field])), short(js(m[c.field])))
		}
	}
}

func short(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// Values of every type survive an update that does not touch them, and an
// update writes the same native form as a create.
func TestFieldTypesOnUpdate(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	valid := obj{}
	for _, c := range kitchenTypeCases {
		if c.code == "" && c.in != nil {
			if _, seen := valid[c.field]; !seen {
				valid[c.field] = c
			}
		}
	}
	rec := thing(t, s, obj{})
	id := rec["id"]
	for field, v := range valid {
		c := v.(typeCase)
		m := update(t, s, "things", id, obj{c.field: c.in})
		if !jsonEq(m[field], c.out) {
			t.Errorf("update %s=%s: got %s, want %s", field, short(js(c.in)), short(js(m[field])), short(js(c.out)))
		}
	}
	final := get(t, s, "things", id)
	for field, v := range valid {
		if !jsonEq(final[field], v.(typeCase).out) {
			t.Errorf("after all updates %s = %s, want %s", field, short(js(final[field])), short(js(v.(typeCase).out)))
		}
	}
	if final["version"] != float64(len(valid)) {
		t.Errorf("version %v after %d updates", final["version"], len(valid))
	}
	// Invalid input on update is rejected the same way and changes nothing.
	for _, c := range kitchenTypeCases {
		if c.code == "" || c.code == "required" {
			continue
		}
		path := c.path
		if path == "" {
			path = c.field
		}
		r := s.As("PUT", "/data/things/"+id.(string), obj{c.field: c.in})
		if r.Code != 400 || r.FieldErrors()[path] != c.code {
			t.Errorf("update %s=%s: %d %s, want %s at %s", c.field, short(js(c.in)), r.Code, short(string(r.Body)), c.code, path)
		}
	}
	if got := get(t, s, "things", id); got["version"] != final["version"] {
		t.Errorf("rejected updates wrote: version %v → %v", final["version"], got["version"])
	}
}

func TestFieldDefaultsAndSystemTypes(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	before := time.Now().UnixMilli()
	a := thing(t, s, obj{"autoIncrement": 99, "dateRecordCreated": 5, "dateRecordModified": 6})
	after := time.Now().UnixMilli()
	// Defaults: literal and $currentDate.
	if a["defaultStatus"] != "draft" {
		t.Errorf("defaultStatus = %v, want the default draft", a["defaultStatus"])
	}
	for _, f := range []string{"when", "dateRecordCreated", "dateRecordModified"} {
		n, _ := a[f].(float64)
		if int64(n) < before || int64(n) > after {
			t.Errorf("%s = %v, want now (%d..%d)", f, a[f], before, after)
		}
	}
	// Read-only types: writes are dropped silently.
	if a["autoIncrement"] == 99.0 {
		t.Errorf("autoIncrement took the written value")
	}
	// Many fields are [] and booleans false, never null or absent.
	for _, f := range []string{"tags", "items", "friends"} {
		if v, ok := a[f].([]any); !ok || len(v) != 0 {
			t.Errorf("%s = %s, want []", f, js(a[f]))
		}
	}
	if a["boolean"] != false {
		t.Errorf("boolean = %v, want false", a["boolean"])
	}
	// A sent value beats the default; null gets the default on create.
	b := thing(t, s, obj{"defaultStatus": "published", "when": 1000})
	if b["defaultStatus"] != "published" || b["when"] != 1000.0 {
		t.Errorf("sent values replaced by defaults: %v %v", b["defaultStatus"], b["when"])
	}
	c := thing(t, s, obj{"defaultStatus": nil})
	if c["defaultStatus"] != "draft" {
		t.Errorf("null on create: defaultStatus %v, want draft", c["defaultStatus"])
	}
	// autoIncrement increases, starting at 1.
	n0, n1, n2 := a["autoIncrement"].(float64), b["autoIncrement"].(float64), c["autoIncrement"].(float64)
	if n0 < 1 || !(n0 < n1 && n1 < n2) {
		t.Errorf("autoIncrement %v, %v, %v: want increasing from 1", n0, n1, n2)
	}
	// Defaults apply to new records only: an update clearing the field keeps it clear.
	u := update(t, s, "things", a["id"], obj{"defaultStatus": nil, "autoIncrement": 500, "dateRecordCreated": 1})
	if _, ok := u["defaultStatus"]; ok {
		t.Errorf("defaultStatus after clearing: %v", u["defaultStatus"])
	}
	if u["autoIncrement"] != a["autoIncrement"] || u["dateRecordCreated"] != a["dateRecordCreated"] {
		t.Errorf("read-only values changed on update: %v %v", u["autoIncrement"], u["dateRecordCreated"])
	}
	if u["dateRecordModified"].(float64) < a["dateRecordModified"].(float64) {
		t.Errorf("dateRecordModified went back")
	}
	// Deleting the newest record does not reuse its number.
	s.As("DELETE", "/data/things/"+c["id"].(string), nil).Status(200)
	d := thing(t, s, obj{})
	if d["autoIncrement"].(float64) <= n2 {
		t.Errorf("autoIncrement %v after %v was deleted: numbers are reused", d["autoIncrement"], n2)
	}
	// Rank: filled at create when empty, after the current maximum.
	r1, _ := a["rank"].(string)
	r2, _ := d["rank"].(string)
	if r1 == "" || r2 == "" || !(r1 < r2) {
		t.Errorf("rank %q then %q: want filled and increasing", r1, r2)
	}
	e := thing(t, s, obj{"rank": "a0"})
	if e["rank"] != "a0" {
		t.Errorf("written rank %v", e["rank"])
	}
}

// Unique values: a duplicate is a validation error with the rejected value;
// empty values are exempt.
func TestUnique(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	a := thing(t, s, obj{"uniqueCode": "U-1"})
	r := s.As("POST", "/data/things", withRequired(obj{"uniqueCode": "U-1", "text": "dup"}))
	fe := r.FieldError("uniqueCode", "unique")
	if at(fe, "additionalInfo.rejectedValue") != "U-1" {
		t.Errorf("additionalInfo %v, want rejectedValue U-1", fe["additionalInfo"])
	}
	if p := list(t, s, "things", q("text", "dup")); p.Total != 0 {
		t.Errorf("the duplicate was stored")
	}
	// Unique is exact for text.
	thing(t, s, obj{"uniqueCode": "u-1"})
	// Empty values do not collide.
	thing(t, s, obj{})
	thing(t, s, obj{})
	thing(t, s, obj{"uniqueCode": ""})
	// An update to a used value fails; to its own value it does not.
	b := thing(t, s, obj{"uniqueCode": "U-2"})
	s.As("PUT", "/data/things/"+b["id"].(string), obj{"uniqueCode": "U-1"}).FieldError("uniqueCode", "unique")
	update(t, s, "things", b["id"], obj{"uniqueCode": "U-2", "text": "same"})
	// Once freed, the value can be used again.
	update(t, s, "things", a["id"], obj{"uniqueCode": nil})
	update(t, s, "things", b["id"], obj{"uniqueCode": "U-1"})
	// Unique relationship target names (people.name).
	create(t, s, "people", obj{"name": "Ana"})
	s.As("POST", "/data/people", obj{"name": "Ana"}).FieldError("name", "unique")
}

// Equality filters take each type's query form (query-language.md §2, §7).
func TestFilterByType(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	a := thing(t, s, obj{"phone": "+1 (702) 845-9380", "maskedText": "123abc", "choice": "a", "dateTime": 1717180200000,
		"date": "2016-07-12", "boolean": true, "tags": arr{"x", "y"}, "integer": 5, "email": "Ana@Example.org"})
	thing(t, s, obj{"phone": "555 0100", "maskedText": "999zzz", "choice": "b", "dateTime": 1000, "date": "2017-01-01",
		"tags": arr{"z"}, "integer": 6, "email": "bo@example.org"})
	for _, f := range []string{
		q("phone", "17028459380"), // digits only
		q("phone", "1-702-845-9380"),
		q("maskedText", "123abc"), // either form
		q("maskedText", "123-abc"),
		q("choice", "a"),
		q("dateTime", "1717180200000"),
		q("date", "2016-07-12"),
		q("boolean", "true"),
		q("tags", "y"), // any element
		q("integer", "5"),
		q("integer", "4,5"),
		q("email", "Ana@Example.org"),
	} {
		p := list(t, s, "things", f)
		if p.Total != 1 || p.Items[0]["id"] != a["id"] {
			t.Errorf("?%s: %d matches %v, want only the first record", f, p.Total, ids(p.Items))
		}
	}
	for _, f := range []string{q("integer", "five"), q("date", "2016-13-01"), q("boolean", "yes"), q("dateTime", "soon")} {
		s.As("GET", "/data/things?"+f, nil).Error(400, "badRequest")
	}
}
