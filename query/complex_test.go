package query

import (
	"net/url"
	"strings"
	"testing"

	"runway/apperr"
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
	} {
		f.Add(s)
	}
	a, e := kitchen(f)
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := ParseComplex(a, e, q); err != nil {
			if ae := apperr.As(err); ae == nil || ae.Code != apperr.BadRequest {
				t.Fatalf("ParseComplex(%q): %v is not a badRequest", q, err)
			}
		}
	})
}
