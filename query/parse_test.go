package query

import (
	"reflect"
	"strings"
	"testing"

	"runway/app"
	"runway/apperr"
	"runway/record"
)

func kitchen(t testing.TB) (*app.App, *app.Entity) {
	t.Helper()
	a, _, err := app.LoadDir("../app/testdata/kitchen")
	if err != nil {
		t.Fatalf("load kitchen app: %v", err)
	}
	return a, a.Entity("things")
}

func parse(t *testing.T, qs string) (*List, error) {
	t.Helper()
	a, e := kitchen(t)
	v, err := ParseQueryString(qs)
	if err != nil {
		return nil, err
	}
	return ParseList(a, e, v)
}

func TestSplitValues(t *testing.T) {
	cases := map[string][]string{
		"a":                        {"a"},
		"a,b":                      {"a", "b"},
		" a , b ":                  {"a", "b"},
		`"Smith, Jones & Co",Acme`: {"Smith, Jones & Co", "Acme"},
		`"like(x)"`:                {"like(x)"},
		`"with \"quote\" and \\"`:  {`with "quote" and \`},
		`"  padded  "`:             {"  padded  "},
		"":                         nil,
		"a,,b":                     {"a", "", "b"},
	}
	for in, want := range cases {
		got, err := splitValues(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("splitValues(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := splitValues(`"open`); err == nil {
		t.Error("unterminated quote accepted")
	}
}

func TestSplitOperator(t *testing.T) {
	cases := []struct {
		in   string
		op   Op
		args []string
	}{
		{"x", Equals, []string{"x"}},
		{"equals(a,b)", Equals, []string{"a", "b"}},
		{"notEquals(a)", NotEquals, []string{"a"}},
		{"greater(5)", Greater, []string{"5"}},
		{"between(1,9)", Between, []string{"1", "9"}},
		{"empty()", Empty, nil},
		{"like(/a,b/)", Like, []string{"/a,b/"}},
		{"like(/ab,cd/)", Like, []string{"/ab,cd/"}},
		{"like(ab,cd)", Like, []string{"ab", "cd"}},
		{"unknown(1)", Equals, []string{"unknown(1)"}},
		{"greater(5", Equals, []string{"greater(5"}},
	}
	for _, c := range cases {
		op, args, err := splitOperator(c.in)
		if err != nil || op != c.op || !reflect.DeepEqual(args, c.args) {
			t.Errorf("splitOperator(%q) = %s %q %v; want %s %q", c.in, op, args, err, c.op, c.args)
		}
	}
}

func TestParseListDefaults(t *testing.T) {
	l, err := parse(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if l.Select.Limit != DefaultSize || !reflect.DeepEqual(l.Select.Sort, ByID) || l.Select.Where != nil || l.Fields != nil {
		t.Fatalf("defaults: %+v", l)
	}
}

func TestParseListFilters(t *testing.T) {
	l, err := parse(t, "text=a,b&address.zip=1234&items.name=x&owner=Ann&owner.id=6650a1b2c3d4e5f601234567&integer=greater(5)&id=6650a1b2c3d4e5f601234567&_async=true")
	if err != nil {
		t.Fatal(err)
	}
	and := l.Select.Where.(And)
	byPath := map[string]*Cond{}
	for _, e := range and {
		c := e.(*Cond)
		key := c.System
		for _, s := range c.Path {
			key += "/" + s.Name
		}
		byPath[key+"#"+c.Sub] = c
	}
	if c := byPath["/text#"]; c == nil || c.Op != Equals || !reflect.DeepEqual(c.Values, []any{"a", "b"}) {
		t.Errorf("text filter: %+v", c)
	}
	if c := byPath["/items/name#"]; c == nil || !c.Path[0].Many {
		t.Errorf("nested-many path not marked many: %+v", c)
	}
	if c := byPath["/owner#label"]; c == nil {
		t.Errorf("bare relationship must compare labels: %v", byPath)
	}
	if c := byPath["/owner#id"]; c == nil {
		t.Errorf("owner.id filter missing: %v", byPath)
	}
	if c := byPath["/integer#"]; c == nil || c.Op != Greater || len(c.Values) != 1 {
		t.Errorf("integer filter: %+v", c)
	}
	if c := byPath["id#"]; c == nil || c.System != SysID {
		t.Errorf("id filter: %v", byPath)
	}
}

func TestParseListErrorsNameTheParameter(t *testing.T) {
	for qs, param := range map[string]string{
		"nope=1":                "nope",
		"text.inner=1":          "text",
		"integer=abc":           "integer",
		"integer=like(1)":       "integer",
		"boolean=empty()":       "boolean",
		"integer=between(1)":    "integer",
		"text=greater(a,b)":     "text",
		`text="open`:            "text",
		"_size=0":               "_size",
		"_size=1001":            "_size",
		"_size=x":               "_size",
		"_offset=-1":            "_offset",
		"_offset=zz":            "_offset",
		"_sortType=up":          "_sortType",
		"_sortField=nope":       "_sortField",
		"_sortField=tags":       "_sortField",
		"_sortField=items.name": "_sortField",
		"_fields=nope":          "_fields",
		"_format=xml":           "_format",
		"_sortField=text&_offset=6650a1b2c3d4e5f601234567": "_offset",
		// a query string that cannot be read exactly (ParseQueryString),
		// never one read with the pair left out (issue 10 item 1)
		"text=like(100%)":              "parameter text:",
		"text=a;b":                     "parameter text:",
		"integer=1&text=a;b":           "parameter text:",
		"te%zzxt=1":                    "parameter te%zzxt:",
		"te;xt=1":                      "parameter te;xt:",
		"_sortField=text;x":            "parameter _sortField:",
		"_size=5%":                     "parameter _size:",
		"_query=filter('text','100%')": "parameter _query:",
		"_query=a&_query=b":            "parameter _query:",
		"_size=1&_size=1":              "parameter _size:",
		"text=%FF":                     "parameter text:",
		"text=a%00":                    "parameter text:",
		"%00=a":                        "parameter \x00:",
	} {
		_, err := parse(t, qs)
		e := apperr.As(err)
		if e == nil || e.Code != apperr.BadRequest || !strings.Contains(e.Message, param) {
			t.Errorf("%s: got %v, want badRequest naming %s", qs, err, param)
		}
	}
}

func TestParseListPagingAndSort(t *testing.T) {
	l, err := parse(t, "_size=1000&_offset=6650a1b2c3d4e5f601234567&_sortType=asc")
	if err != nil {
		t.Fatal(err)
	}
	if l.Select.Limit != 1000 || l.Select.After != "6650a1b2c3d4e5f601234567" || l.Select.Sort.Desc {
		t.Fatalf("paging: %+v", l.Select)
	}
	l, err = parse(t, "_offset=40&_sortField=address.zip")
	if err != nil {
		t.Fatal(err)
	}
	if l.Select.Offset != 40 || l.Select.Sort.Field == nil || l.Select.Sort.Field.Name != "zip" || !l.Select.Sort.Desc {
		t.Fatalf("sort by nested field: %+v", l.Select)
	}
	l, err = parse(t, "_sortField=owner")
	if err != nil || l.Select.Sort.Sub != SysLabel {
		t.Fatalf("sort by relationship must use its label: %+v %v", l, err)
	}
}

func TestParseFields(t *testing.T) {
	_, e := kitchen(t)
	got, err := ParseFields(e, "text, address.zip ,items,id,version,label,address.street")
	if err != nil {
		t.Fatal(err)
	}
	want := record.FieldSet{"text": nil, "address": record.FieldSet{"zip": nil, "street": nil}, "items": nil}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseFields = %#v, want %#v", got, want)
	}
	got, _ = ParseFields(e, "address.zip,address")
	if !reflect.DeepEqual(got, record.FieldSet{"address": nil}) {
		t.Fatalf("a parent path must select the whole group: %#v", got)
	}
}

// FuzzParseList: no input panics, and every failure is a badRequest.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{
		"", "text=a", "text=a,b", `text="a,b",c`, "integer=greater(5)", "integer=between(1,2)", "_size=10&_offset=3",
		"_sortField=text&_sortType=asc", "_fields=address.zip", "owner.id=6650a1b2c3d4e5f601234567", "items.name=like(/x/)",
		"date=less(2020-01-01)", "dateTime=greater(1700000000000)", "boolean=true", "choice=a", "geoPoint=near(1,2)",
		"text=x');DROP TABLE e_things;--", "%ff=%00", "a.b.c.d=1", "_offset=6650a1b2c3d4e5f601234567",
		"geoPoint=near(-34.6,-58.4,0,2500)", "geoPoint=near(91,0)", "geoPoint=near(1,2,5,1)", "geoPoint=near(1,2)&geoPoint=near(3,4)",
		"geoPoint=near(1,2)&_offset=6650a1b2c3d4e5f601234567", "geoPoint=near(1e3,2)", "geoPoint=near(1,2)&_sortField=text",
		"_indexedFilter=byText&_indexedFilterQuery=%22solar+panel%22+kit", "_indexedFilter=byText&_indexedFilterQuery=%22open",
		"_indexedFilter=nope&_indexedFilterQuery=x", "_indexedFilter=byText&_indexedFilterEmbedding=[0.1]",
		`address={"street":"Main 1","zip":"1234"}`, `items={"name":"bolt","qty":3}`, `items={"nope":1}`, `address={"street":null}`,
		`address={`, "text=currentUserField(email)", `text="currentUserField(email)"`, "group=like(every)", "text=like(/a%00/)",
		// raw ';', bare '%' and path characters (issue 10): refused by
		// ParseQueryString, or read exactly
		"text=a;b", "text=like(100%)", "_sortField=text;x", "_size=5%", "_query=filter('text','100%')", "te%xt=1",
		"text=a/./b", "text=../..", "address.zip=//", "_sortField=address/zip", "text=%2F..%2F",
	} {
		f.Add(s)
	}
	a, e := kitchenText(f)
	f.Fuzz(func(t *testing.T, qs string) {
		v, err := ParseQueryString(qs)
		if err != nil {
			if ae := apperr.As(err); ae == nil || ae.Code != apperr.BadRequest {
				t.Fatalf("ParseQueryString(%q): error %v is not a badRequest", qs, err)
			}
			return
		}
		l, err := ParseList(a, e, v)
		if err != nil {
			if ae := apperr.As(err); ae == nil || ae.Code != apperr.BadRequest {
				t.Fatalf("ParseList(%q): error %v is not a badRequest", qs, err)
			}
			return
		}
		// whatever the parser accepts, an evaluator accepts (the store
		// compiler makes the same checks as Match)
		if _, err := Match(l.Select.Where, record.Values{}, "x", "y"); err != nil {
			t.Fatalf("ParseList(%q) built an expression Match rejects: %v", qs, err)
		}
	})
}
