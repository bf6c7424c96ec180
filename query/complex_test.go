package query

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"runway/apperr"
	"runway/record"
)

func TestParseComplex(t *testing.T) {
	a, e := kitchen(t)
	x, err := ParseComplex(a, e, ` and( filter('boolean','true'), or(filter('text','north'),filter('integer','greater(5000)')), filter('text', 'it\'s, \\ ok'))`)
	if err != nil {
		t.Fatal(err)
	}
	and, ok := x.(And)
	if !ok || len(and) != 3 {
		t.Fatalf("top level: %#v", x)
	}
	if c := and[0].(*Cond); c.Field.Name != "boolean" || c.Values[0] != true {
		t.Errorf("first filter: %+v", c)
	}
	or, ok := and[1].(Or)
	if !ok || len(or) != 2 || or[1].(*Cond).Op != Greater {
		t.Errorf("or group: %#v", and[1])
	}
	if c := and[2].(*Cond); len(c.Values) != 2 || c.Values[0] != "it's" || c.Values[1] != `\ ok` {
		t.Errorf("escapes and comma-OR inside filter(): %q", c.Values)
	}
}

func TestParseComplexErrors(t *testing.T) {
	a, e := kitchen(t)
	for _, q := range []string{
		"", "and(", "and()", "or(filter('text','a')", "filter('text')", "filter(text,'a')", "filter('text','a'", "filter('nope','a')",
		"filter('integer','abc')", "xor(filter('text','a'))", "filter('text','a') extra", "and(filter('text','a'),)",
		"filter('text','unterminated)", strings.Repeat("and(", 40) + "filter('text','a')" + strings.Repeat(")", 40),
	} {
		_, err := ParseComplex(a, e, q)
		ae := apperr.As(err)
		if ae == nil || ae.Code != apperr.BadRequest || !strings.Contains(ae.Message, "_query") {
			t.Errorf("ParseComplex(%q) = %v, want a badRequest naming _query", q, err)
		}
	}
}

func TestQueryIsAndedWithFilters(t *testing.T) {
	a, e := kitchen(t)
	v, _ := url.ParseQuery("text=a&_query=" + url.QueryEscape("or(filter('integer','1'),filter('integer','2'))"))
	x, err := ParseWhere(a, e, v)
	if err != nil {
		t.Fatal(err)
	}
	and := x.(And)
	if len(and) != 2 {
		t.Fatalf("want the filter and the _query AND-ed, got %#v", x)
	}
	if _, ok := and[1].(Or); !ok {
		t.Fatalf("_query part: %#v", and[1])
	}
}

// FuzzParseComplex: no input panics; every failure is a badRequest.
func FuzzParseComplex(f *testing.F) {
	for _, s := range []string{
		"and(filter('text','a'),or(filter('integer','greater(5)'),filter('boolean','true')))",
		"filter('items.name','like(/x/)')", `filter('text','it\'s')`, "or(filter('owner.id','6650a1b2c3d4e5f601234567'))",
		"and(and(and(filter('text','a'))))", "filter('text','x\\'); DROP TABLE e_things; --')",
		"and(filter('geoPoint','near(-34.6,-58.4,0,2500)'),filter('tags','red'))",
		"or(filter('geoPoint','near(1,2)'),filter('geoPoint','near(3,4)'))",
		`filter('address','{"street":"Main 1","zip":"1234"}')`, `filter('items','{"name":"bolt","qty":"3"}')`,
		`filter('items','{"qty":"x"}')`, "filter('geoPoint','near(1,2,3)')", "filter('group','like(every)')",
	} {
		f.Add(s)
	}
	a, e := kitchen(f)
	f.Fuzz(func(t *testing.T, q string) {
		x, err := ParseComplex(a, e, q)
		if err != nil {
			if ae := apperr.As(err); ae == nil || ae.Code != apperr.BadRequest {
				t.Fatalf("ParseComplex(%q): %v is not a badRequest", q, err)
			}
			return
		}
		if _, err := Match(x, record.Values{}, "x", "y"); err != nil {
			t.Fatalf("ParseComplex(%q) built an expression Match rejects: %v", q, err)
		}
	})
}

// FuzzParseMap: no JSON query map panics; every failure is a badRequest;
// whatever parses (and binds) evaluates.
func FuzzParseMap(f *testing.F) {
	for _, s := range []string{
		`{"text": "open,paused", "integer": "greater(1000)", "boolean": true}`,
		`{"_or": {"choice": "a", "_and": {"choice": "b", "boolean": false}}}`,
		`{"_or": [{"tags": "red"}, {"tags": ["blue", "green"]}]}`,
		`{"address": {"street": "Main 1", "zip": null}, "items": {"name": "bolt", "qty": 3}}`,
		`{"geoPoint": "near(-34.6,-58.4,0,2500)"}`, `{"email": null, "decimal": 1.5}`,
		`{"CHOICE": "A", "Owner.ID": "6650a1b2c3d4e5f601234567"}`,
		`{"owner": "currentUserField(id)", "text": "notEquals(currentUserField(email))", "group": "currentUserField(groups.group)"}`,
		`{"_and": {"_or": {"_and": {"text": "x"}}}}`, `{"_or": 5}`, `{"nope": 1}`, `{"text": [[1, [2]], {"a": 1}]}`,
	} {
		f.Add(s, false, false)
		f.Add(s, true, true)
	}
	a, e := kitchen(f)
	f.Fuzz(func(t *testing.T, js string, metadata, user bool) {
		d := json.NewDecoder(strings.NewReader(js))
		d.UseNumber()
		var m map[string]any
		if d.Decode(&m) != nil {
			return
		}
		x, err := ParseMap(a, e, m, MapOptions{Param: "match", Metadata: metadata, CurrentUser: user})
		if err != nil {
			if ae := apperr.As(err); ae == nil || ae.Code != apperr.BadRequest || !strings.Contains(ae.Message, "parameter match:") {
				t.Fatalf("ParseMap(%s): %v is not a badRequest naming the parameter", js, err)
			}
			return
		}
		x = Bind(a, x, &CurrentUser{ID: "6650a1b2c3d4e5f601234567", Label: "Ann", Values: record.Values{"email": "a@b.c",
			"groups": []any{map[string]any{"group": map[string]any{"id": "6650a1b2c3d4e5f601234567", "label": "G"}}}}})
		if _, err := Match(x, record.Values{"text": "x"}, "x", "y"); err != nil {
			t.Fatalf("ParseMap(%s) built an expression Match rejects: %v", js, err)
		}
	})
}
