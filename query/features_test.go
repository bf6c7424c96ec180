package query

import (
	"encoding/json"
	"math"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"runway/app"
	"runway/apperr"
	"runway/record"
)

// kitchenText is the kitchen app with a text index on things.
func kitchenText(t testing.TB) (*app.App, *app.Entity) {
	t.Helper()
	a, e := kitchen(t)
	e.Indexes = append(e.Indexes,
		app.Index{Name: "byText", Type: "text", Fields: []string{"text", "items.name", "owner", "group", "address"}},
		app.Index{Name: "byCode", Type: "normal", Fields: []string{"uniqueCode"}})
	return a, e
}

func parseWith(t *testing.T, a *app.App, e *app.Entity, qs string) (*List, error) {
	t.Helper()
	v, err := url.ParseQuery(qs)
	if err != nil {
		t.Fatalf("bad test query %q: %v", qs, err)
	}
	return ParseList(a, e, v)
}

// wantBad asserts a badRequest whose message names param and contains
// every fragment.
func wantBad(t *testing.T, what string, err error, param string, fragments ...string) {
	t.Helper()
	ae := apperr.As(err)
	if ae == nil || ae.Code != apperr.BadRequest {
		t.Errorf("%s: got %v, want a badRequest", what, err)
		return
	}
	if !strings.Contains(ae.Message, "parameter "+param+":") {
		t.Errorf("%s: message %q does not name the parameter %s", what, ae.Message, param)
	}
	for _, f := range fragments {
		if !strings.Contains(ae.Message, f) {
			t.Errorf("%s: message %q lacks %q", what, ae.Message, f)
		}
	}
}

func TestParseNear(t *testing.T) {
	cases := []struct {
		qs   string
		want []any
	}{
		{"geoPoint=near(-34.6,-58.4)", []any{-34.6, -58.4}},
		{"geoPoint=near(-34.6, -58.4, 0)", []any{-34.6, -58.4, 0.0}},
		{"geoPoint=near(90,180,10.5,2500)", []any{90.0, 180.0, 10.5, 2500.0}},
		{"geoPoint=near(-90,-180,5,5)", []any{-90.0, -180.0, 5.0, 5.0}},
	}
	for _, c := range cases {
		l, err := parse(t, c.qs)
		if err != nil {
			t.Errorf("%s: %v", c.qs, err)
			continue
		}
		k := l.Select.Where.(And)[0].(*Cond)
		if k.Op != Near || !reflect.DeepEqual(k.Values, c.want) || k.Field.Name != "geoPoint" {
			t.Errorf("%s: %+v", c.qs, k)
		}
		if l.Select.Near != k {
			t.Errorf("%s: Select.Near must be the near condition (nearest first), got %v", c.qs, l.Select.Near)
		}
	}
	// an explicit sort wins over distance order
	l, err := parse(t, "geoPoint=near(1,2)&_sortField=text")
	if err != nil || l.Select.Near != nil {
		t.Fatalf("explicit _sortField: near order must be off: %+v %v", l, err)
	}
	// a near inside _query orders too
	l, err = parse(t, "_query="+url.QueryEscape("or(filter('geoPoint','near(1,2,0,10)'),filter('text','a'))"))
	if err != nil || l.Select.Near == nil || l.Select.Near.Values[3] != 10.0 {
		t.Fatalf("near in _query: %+v %v", l, err)
	}
	// numeric offsets are fine
	if _, err := parse(t, "geoPoint=near(1,2)&_offset=20"); err != nil {
		t.Fatal(err)
	}
}

func TestParseNearErrors(t *testing.T) {
	for qs, want := range map[string][2]string{
		"geoPoint=near(1)":                  {"geoPoint", "2 to 4 arguments"},
		"geoPoint=near(1,2,3,4,5)":          {"geoPoint", "2 to 4 arguments"},
		"geoPoint=near(a,2)":                {"geoPoint", `latitude "a" is not a number`},
		"geoPoint=near(1,0x10)":             {"geoPoint", "longitude"},
		"geoPoint=near(1,inf)":              {"geoPoint", "longitude"},
		"geoPoint=near(1,2,NaN)":            {"geoPoint", "minimum distance"},
		"geoPoint=near(91,2)":               {"geoPoint", "latitude 91 is outside [-90, 90]"},
		"geoPoint=near(-90.5,2)":            {"geoPoint", "latitude"},
		"geoPoint=near(1,180.01)":           {"geoPoint", "longitude 180.01 is outside [-180, 180]"},
		"geoPoint=near(1,2,-1)":             {"geoPoint", "minimum distance -1 is negative"},
		"geoPoint=near(1,2,0,-5)":           {"geoPoint", "maximum distance -5 is negative"},
		"geoPoint=near(1,2,10,5)":           {"geoPoint", "minimum distance 10 is greater than the maximum distance 5"},
		"geoPoint=1,2":                      {"geoPoint", "operator equals is not supported"},
		"geoPoint=empty()":                  {"geoPoint", "not supported"},
		"text=near(1,2)":                    {"text", "operator near is not supported for fields of type text"},
		"id=near(1,2)":                      {"id", "near needs a geo point field"},
		"owner.id=near(1,2)":                {"owner.id", "not supported"},
		"geoPoint=near(1,2)&_offset=" + rid: {"_offset", "cannot be used with near"},
		"items.name=a&geoPoint=near(1,2)&_query=" + url.QueryEscape("filter('geoPoint','near(3,4)')"): {"geoPoint", "only one near filter per query, got 2"},
	} {
		_, err := parse(t, qs)
		wantBad(t, qs, err, want[0], want[1])
	}
	// a repeated key is AND-ed, and still only one near
	v := url.Values{"geoPoint": {"near(1,2)", "near(3,4)"}}
	a, e := kitchen(t)
	_, err := ParseList(a, e, v)
	wantBad(t, "repeated near", err, "geoPoint", "only one near")
}

const rid = "6650a1b2c3d4e5f601234567"

func TestDistance(t *testing.T) {
	// Buenos Aires obelisk → Plaza de Mayo ≈ 1.43 km; a degree of latitude ≈ 111.2 km
	if d := Distance(-34.6037, -58.3816, -34.6083, -58.3712); d < 1000 || d > 1200 {
		t.Errorf("obelisk → plaza = %v m", d)
	}
	if d := Distance(0, 0, 1, 0); math.Abs(d-111195) > 10 {
		t.Errorf("one degree = %v m", d)
	}
	if d := Distance(10, 20, 10, 20); d != 0 {
		t.Errorf("same point = %v", d)
	}
	if d := Distance(0, 0, 0, 180); math.Abs(d-math.Pi*EarthRadius) > 1 {
		t.Errorf("antipode = %v", d)
	}
}

func TestParseTextIndex(t *testing.T) {
	a, e := kitchenText(t)
	l, err := parseWith(t, a, e, "_indexedFilter=byText&_indexedFilterQuery="+url.QueryEscape(`Solar "solar panel" kit`)+"&text=a")
	if err != nil {
		t.Fatal(err)
	}
	and := l.Select.Where.(And)
	x, ok := and[len(and)-1].(*Text)
	if !ok {
		t.Fatalf("want the text search AND-ed with the filters, got %#v", l.Select.Where)
	}
	if x.Index != "byText" || !reflect.DeepEqual(x.Terms, []string{"Solar", "solar panel", "kit"}) || len(x.Fields) != 5 {
		t.Fatalf("text search: %+v", x)
	}
	if x.Fields[2].Sub != SysLabel || x.Fields[3].Sub != SysLabel || !x.Fields[1].Path[0].Many {
		t.Errorf("relationship/group fields search their label; items.name is many: %+v", x.Fields)
	}
	for qs, want := range map[string][2]string{
		"_indexedFilter=nope&_indexedFilterQuery=x":                   {"_indexedFilter", `no index "nope"`},
		"_indexedFilter=byCode&_indexedFilterQuery=x":                 {"_indexedFilter", `index "byCode" is not a text index`},
		"_indexedFilter=byText":                                       {"_indexedFilterQuery", "missing"},
		"_indexedFilter=byText&_indexedFilterQuery=":                  {"_indexedFilterQuery", "no text to search for"},
		"_indexedFilter=byText&_indexedFilterQuery=%20%22%22%20":      {"_indexedFilterQuery", "no text to search for"},
		"_indexedFilter=byText&_indexedFilterQuery=%22open":           {"_indexedFilterQuery", "unterminated double quote"},
		"_indexedFilterQuery=x":                                       {"_indexedFilter", "missing"},
		"_indexedFilter=byText&_indexedFilterEmbedding=[0.1,0.2]":     {"_indexedFilterEmbedding", "semantic index search is not supported"},
		"_indexedFilter=byText&_indexedFilterQuery=x&_taskType=X":     {"_taskType", "not supported"},
		"_indexedFilter=byText&_indexedFilterQuery=x&_queryScoring=1": {"_queryScoring", "not supported"},
		"_vectorSearchLimit=5":                                        {"_vectorSearchLimit", "not supported"},
		"_numCandidates=5":                                            {"_numCandidates", "not supported"},
	} {
		_, err := parseWith(t, a, e, qs)
		wantBad(t, qs, err, want[0], want[1])
	}
}

func TestTextTerms(t *testing.T) {
	for in, want := range map[string][]string{
		"solar":                 {"solar"},
		"  solar   panel ":      {"solar", "panel"},
		`"solar panel"`:         {"solar panel"},
		`a "b c" d`:             {"a", "b c", "d"},
		`"  padded phrase  " x`: {"padded phrase", "x"},
		`say"hi there"now`:      {"say", "hi there", "now"},
		`"with \"quote\""`:      {`with "quote"`},
		"tab\tand\nnewline":     {"tab", "and", "newline"},
		"nul\x00split":          {"nul", "split"},
		`"" x`:                  {"x"},
		"ÄBC":                   {"ÄBC"},
	} {
		got, err := TextTerms(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("TextTerms(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestTextColumnsAndContains(t *testing.T) {
	a, e := kitchenText(t)
	x, err := ParseWhere(a, e, url.Values{"_indexedFilter": {"byText"}, "_indexedFilterQuery": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	fields := x.(*Text).Fields
	v := record.Values{
		"text":    "Solar Panel",
		"items":   []any{map[string]any{"name": "Bolt"}, map[string]any{"name": "nut"}},
		"owner":   map[string]any{"id": rid, "label": "Ann Müller"},
		"group":   map[string]any{"id": rid, "label": "Everyone"},
		"address": map[string]any{"street": "Main 1", "zip": "1234"},
		"integer": int64(5),
	}
	cols := TextColumns(fields, v)
	want := []string{"Solar Panel", "Bolt\nnut", "Ann Müller", "Everyone", "Main 1\n1234"}
	if !reflect.DeepEqual(cols, want) {
		t.Fatalf("columns %q, want %q", cols, want)
	}
	for terms, ok := range map[string]bool{
		"solar":         true,
		"SOLAR panel":   true,
		`"solar panel"`: true,
		`"panel solar"`: false,
		"bolt MÜLLER":   true, // words may hit different fields
		`"bolt nut"`:    false,
		"nut main 1234": true,
		"lar":           true,
		"zzz solar":     false,
		"everyone":      true,
		`"r p"`:         true,
		"5":             false, // numbers are not text
	} {
		ts, _ := TextTerms(terms)
		if got := TextContains(LowerTerms(ts), cols); got != ok {
			t.Errorf("TextContains(%q) = %v, want %v", terms, got, ok)
		}
		m, err := Match(&Text{Index: "byText", Fields: fields, Terms: ts}, v, rid, "l")
		if err != nil || m != ok {
			t.Errorf("Match(text %q) = %v, %v; want %v", terms, m, err, ok)
		}
	}
}

func TestParseObjectEquality(t *testing.T) {
	l, err := parse(t, "address="+url.QueryEscape(`{"street":"Main 1","zip":"1234"}`)+"&items="+url.QueryEscape(`{"name":"bolt","qty":"3"}`)+"&nestedFields="+url.QueryEscape(`{"count":2,"inner":null}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, x := range l.Select.Where.(And) {
		c := x.(*Cond)
		if c.Op != Equals || len(c.Values) != 1 {
			t.Fatalf("%+v", c)
		}
		got[c.Field.Name] = c.Values[0]
	}
	want := map[string]any{
		"address":      map[string]any{"street": "Main 1", "zip": "1234"},
		"items":        map[string]any{"name": "bolt", "qty": int64(3)},
		"nestedFields": map[string]any{"count": int64(2), "inner": nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	for qs, want := range map[string][2]string{
		`address={"nope":"x"}`:            {"address", `"nope" is not an inner field of address`},
		`address={"street":"x"} trailing`: {"address", "unexpected text after the JSON object"},
		`address={"street":`:              {"address", "is not a JSON object"},
		`address={}`:                      {"address", "empty object"},
		`address={"street":{"a":1}}`:      {"address", "must be a string, number, boolean or null"},
		`address={"street":["a"]}`:        {"address", "must be a string"},
		`items={"qty":"many"}`:            {"items", `inner field "qty"`},
		`address=Main`:                    {"address", "JSON object of inner field values"},
		`address=notEquals(x)`:            {"address", "not supported"},
		`address=like(x)`:                 {"address", "not supported"},
	} {
		_, err := parse(t, url.PathEscape(strings.SplitN(qs, "=", 2)[0])+"="+url.QueryEscape(strings.SplitN(qs, "=", 2)[1]))
		wantBad(t, qs, err, want[0], want[1])
	}
	// on a non-group field a brace is just text
	if _, err := parse(t, "text="+url.QueryEscape(`{"a":1}`)); err != nil {
		t.Errorf("text filter with a brace: %v", err)
	}
}

func TestGroupLikeComparesLabels(t *testing.T) {
	l, err := parse(t, "group=like(every)&fileUpload=like(logo)")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range l.Select.Where.(And) {
		c := x.(*Cond)
		if c.Field.Name == "group" && c.Sub != "" {
			t.Errorf("like on a group must compare its label (Sub \"\"), got Sub %q", c.Sub)
		}
	}
	l, _ = parse(t, "group=everyone")
	if c := l.Select.Where.(And)[0].(*Cond); c.Sub != SysID {
		t.Errorf("equals on a group compares ids: %+v", c)
	}
}

func TestCurrentUserFieldOutsideConditions(t *testing.T) {
	_, err := parse(t, "text=currentUserField(email)")
	wantBad(t, "REST currentUserField", err, "text", "only allowed in group permission conditions")
	if _, err := parse(t, "text="+url.QueryEscape(`"currentUserField(email)"`)); err != nil {
		t.Errorf("a quoted currentUserField is literal text: %v", err)
	}
}

func mapOf(t testing.TB, js string) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(js))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("bad test JSON %s: %v", js, err)
	}
	return m
}

func TestParseMap(t *testing.T) {
	a, e := kitchen(t)
	x, err := ParseMap(a, e, mapOf(t, `{"text": "open,paused", "integer": "greater(1000)", "boolean": true, "decimal": 1.5,
		"choice": ["a", "b"], "email": null, "_size": 5, "address": {"street": "Main 1"},
		"_or": {"tags": "red", "_and": {"tags": "blue", "age": 3}}}`), MapOptions{Param: "match"})
	if err != nil {
		t.Fatal(err)
	}
	and := x.(And)
	// keys sorted: _or, address, boolean, choice, decimal, email, integer, text (_size ignored)
	if len(and) != 8 {
		t.Fatalf("%d entries: %#v", len(and), and)
	}
	or := and[0].(Or)
	if len(or) != 2 || or[0].(And)[0].(*Cond).Values[0] != int64(3) || or[1].(*Cond).Values[0] != "red" {
		t.Errorf("_or: %#v", or)
	}
	if c := and[1].(*Cond); !reflect.DeepEqual(c.Values, []any{map[string]any{"street": "Main 1"}}) {
		t.Errorf("object: %+v", c)
	}
	if c := and[2].(*Cond); c.Op != Equals || c.Values[0] != true {
		t.Errorf("bool: %+v", c)
	}
	if c := and[3].(*Cond); c.Op != Equals || len(c.Values) != 2 || c.Values[1] != "b" {
		t.Errorf("array (one equals list): %#v", and[3])
	}
	if c := and[4].(*Cond); c.Values[0] != 1.5 {
		t.Errorf("number: %+v", c)
	}
	if c := and[5].(*Cond); c.Op != Empty {
		t.Errorf("null: %+v", c)
	}
	if c := and[6].(*Cond); c.Op != Greater || c.Values[0] != int64(1000) {
		t.Errorf("operator string: %+v", c)
	}
	if c := and[7].(*Cond); !reflect.DeepEqual(c.Values, []any{"open", "paused"}) {
		t.Errorf("comma-OR string: %+v", c)
	}
	// a string number stays a literal: no operator or comma parsing
	x, err = ParseMap(a, e, mapOf(t, `{"text": 12.50}`), MapOptions{})
	if err != nil || x.(*Cond).Values[0] != "12.50" {
		t.Errorf("number into a text field: %#v %v", x, err)
	}
	// _or as an array of objects
	x, err = ParseMap(a, e, mapOf(t, `{"_or": [{"text": "a", "integer": 1}, {"text": "b"}]}`), MapOptions{})
	if err != nil || len(x.(Or)) != 2 || len(x.(Or)[0].(And)) != 2 {
		t.Errorf("_or array: %#v %v", x, err)
	}
	// empty map: everything
	if x, err := ParseMap(a, e, map[string]any{}, MapOptions{}); err != nil || !reflect.DeepEqual(x, And{}) {
		t.Errorf("empty map: %#v %v", x, err)
	}
}

func TestParseMapErrors(t *testing.T) {
	a, e := kitchen(t)
	deep := strings.Repeat(`{"_or": `, 40) + `{"text": "a"}` + strings.Repeat("}", 40)
	for js, want := range map[string]string{
		`{"nope": "a"}`:                    `nope: unknown field "nope"`,
		`{"integer": "abc"}`:               `integer: "abc"`,
		`{"integer": "like(1)"}`:           "integer: operator like is not supported",
		`{"_or": "x"}`:                     "_or: expected an object",
		`{"_or": {}}`:                      "_or: empty object",
		`{"_and": []}`:                     "_and: empty array",
		`{"_or": [1]}`:                     "_or[0]: expected a non-empty object",
		`{"_or": {"text": {"a": 1}}}`:      "_or.text: an object value needs a nested group field",
		`{"text": []}`:                     "text: an empty array matches nothing",
		`{"boolean": null}`:                "boolean: operator empty is not supported",
		`{"address": {"nope": 1}}`:         `address: "nope" is not an inner field`,
		`{"_or": {"a": {"b": 1}, "x": 1}}`: "unknown field",
		`{"CHOICE": "a"}`:                  `unknown field "CHOICE"`,
		`{"choice": "A"}`:                  "choice",
		`{"text": "currentUserField(id)"}`: "only allowed in group permission conditions",
		`{"geoPoint": "near(1,2)", "_or": {"geoPoint": "near(3,4)"}}`: "only one near",
		deep: "nested deeper than 32 levels",
	} {
		_, err := ParseMap(a, e, mapOf(t, js), MapOptions{Param: "match"})
		wantBad(t, js, err, "match", want)
	}
}

func TestParseMapMetadata(t *testing.T) {
	a, e := kitchen(t)
	x, err := ParseMap(a, e, mapOf(t, `{"CHOICE": "A", "Owner.ID": "`+rid+`", "ITEMS.name": "x", "Address": {"STREET": "Main 1"}}`), MapOptions{Metadata: true})
	if err != nil {
		t.Fatal(err)
	}
	and := x.(And)
	if len(and) != 4 {
		t.Fatalf("%#v", x)
	}
	for _, y := range and {
		c := y.(*Cond)
		switch c.Field.Name {
		case "choice":
			if c.Values[0] != "a" {
				t.Errorf("choice value must be canonicalized to its name: %v", c.Values)
			}
		case "owner":
			if c.Sub != SysID {
				t.Errorf("owner.ID: %+v", c)
			}
		case "name":
			if c.Path[0].Name != "items" {
				t.Errorf("items.name: %+v", c.Path)
			}
		case "address":
			if !reflect.DeepEqual(c.Values[0], map[string]any{"street": "Main 1"}) {
				t.Errorf("inner names fold to the field's: %v", c.Values)
			}
		default:
			t.Errorf("unexpected %s", c.Field.Name)
		}
	}
}

func TestCurrentUserFieldBind(t *testing.T) {
	a, e := kitchen(t)
	x, err := ParseMap(a, e, mapOf(t, `{
		"owner": "currentUserField(id)",
		"friends": "currentUserField(FIRSTNAME)",
		"group": "currentUserField(groups.group)",
		"text": "notEquals(currentUserField(email),x)",
		"integer": "greater(currentUserField(authentication.failedLoginAttempts))"}`),
		MapOptions{Metadata: true, CurrentUser: true, Param: "read"})
	if err != nil {
		t.Fatal(err)
	}
	if !HasUser(x) {
		t.Fatal("unbound expression must report HasUser")
	}
	if _, err := Match(x, nil, rid, ""); err != ErrUnbound {
		t.Fatalf("Match of an unbound expression: %v", err)
	}
	gid := a.Groups["everyone"].ID
	u := &CurrentUser{ID: rid, Label: "Ann", Values: record.Values{
		"firstName": "Ann", "email": "ann@x.com",
		"groups":         []any{map[string]any{"group": map[string]any{"id": gid, "label": "Everyone"}}, map[string]any{"group": map[string]any{"id": "bbbbbbbbbbbbbbbbbbbbbbbb", "label": "Other"}}},
		"authentication": map[string]any{"failedLoginAttempts": int64(2)},
	}}
	b := Bind(a, x, u)
	if HasUser(b) || !HasUser(x) {
		t.Fatal("Bind must return a bound copy and leave x alone")
	}
	conds := map[string]Expr{}
	for _, y := range b.(And) {
		switch y := y.(type) {
		case *Cond:
			conds[y.Field.Name] = y
		case And:
			conds[y[0].(*Cond).Field.Name] = y
		}
	}
	if c := conds["owner"].(*Cond); c.Sub != SysID || !reflect.DeepEqual(c.Values, []any{rid}) {
		t.Errorf("owner = user id compares the relationship id: %+v", c)
	}
	if c := conds["friends"].(*Cond); c.Sub != SysLabel || !reflect.DeepEqual(c.Values, []any{"Ann"}) {
		t.Errorf("friends = first name compares labels: %+v", c)
	}
	if c := conds["group"].(*Cond); c.Sub != SysID || !reflect.DeepEqual(c.Values, []any{gid, "bbbbbbbbbbbbbbbbbbbbbbbb"}) {
		t.Errorf("group = the user's groups (many) by id: %+v", c)
	}
	if c := conds["text"].(*Cond); c.Op != NotEquals || !reflect.DeepEqual(c.Values, []any{"x", "ann@x.com"}) {
		t.Errorf("notEquals mixes literals and the user's value: %+v", c)
	}
	if c := conds["integer"].(*Cond); c.Op != Greater || c.Values[0] != int64(2) {
		t.Errorf("greater(currentUserField(…)): %+v", c)
	}
	rec := record.Values{"owner": map[string]any{"id": rid, "label": "x"}, "friends": []any{map[string]any{"id": rid, "label": "Ann"}},
		"group": map[string]any{"id": gid, "label": "Everyone"}, "text": "y", "integer": int64(3)}
	if ok, err := Match(b, rec, rid, ""); err != nil || !ok {
		t.Errorf("bound condition on a matching record: %v %v", ok, err)
	}
	rec["integer"] = int64(2)
	if ok, _ := Match(b, rec, rid, ""); ok {
		t.Error("greater than the user's 2 must fail for 2")
	}
	// no value for the user: equals matches nothing, notEquals everything
	empty := Bind(a, x, &CurrentUser{ID: rid})
	for _, y := range empty.(And) {
		if c, ok := y.(*Cond); ok && c.Field.Name == "friends" {
			t.Errorf("friends with no first name: %+v", c)
		}
	}
	y, _ := ParseMap(a, e, mapOf(t, `{"text": "currentUserField(email)"}`), MapOptions{CurrentUser: true})
	if got := Bind(a, y, &CurrentUser{ID: rid}); !reflect.DeepEqual(got, Or{}) {
		t.Errorf("equals with no user value = %#v, want Or{} (never)", got)
	}
	y, _ = ParseMap(a, e, mapOf(t, `{"text": "notEquals(currentUserField(email))"}`), MapOptions{CurrentUser: true})
	if got := Bind(a, y, &CurrentUser{ID: rid}); !reflect.DeepEqual(got, And{}) {
		t.Errorf("notEquals with no user value = %#v, want And{} (always)", got)
	}
	for js, want := range map[string]string{
		`{"text": "currentUserField(nope)"}`:             `currentUserField(nope): unknown field "nope" of sys.users`,
		`{"text": "currentUserField()"}`:                 "needs a field path",
		`{"integer": "between(currentUserField(id),5)"}`: "cannot be a bound of between",
	} {
		_, err := ParseMap(a, e, mapOf(t, js), MapOptions{CurrentUser: true, Param: "read"})
		wantBad(t, js, err, "read", want)
	}
}

// A few semantics of Match directly (the differential test in store/sqlite
// checks it against SQL over the whole kitchen).
func TestMatchSemantics(t *testing.T) {
	a, e := kitchen(t)
	v := record.Values{
		"text": "Acme Corp", "email": "Info@Acme.com", "phone": "1-702-845-9380", "integer": int64(5), "decimal": 3.0,
		"bigNumber": "10.5", "tags": []any{"red", "blue"}, "boolean": false,
		"items":    []any{map[string]any{"name": "bolt", "qty": int64(3)}, map[string]any{"name": "nut", "qty": int64(1)}},
		"geoPoint": map[string]any{"latitude": -34.6, "longitude": -58.4},
		"owner":    map[string]any{"id": rid, "label": "Ann"},
	}
	for qs, want := range map[string]bool{
		"text=Acme Corp":          true,
		"text=acme corp":          false,
		"text=like(ACME)":         true,
		"text=like(/^acme c/)":    true,
		"email=INFO@ACME.COM":     true,
		"phone=17028459380":       true,
		"integer=between(5,6)":    true,
		"integer=5.0":             true,
		"decimal=3":               true,
		"bigNumber=greater(9.99)": true,
		"bigNumber=greater(100)":  false,
		"tags=blue":               true,
		"tags=notEquals(red)":     false,
		"tags=notEquals(green)":   true,
		"tags=empty()":            false,
		"boolean=false":           true,
		"boolean=notEquals(true)": true,
		"items.name=nut":          true,
		"items=" + url.QueryEscape(`{"name":"bolt","qty":3}`): true,
		"items=" + url.QueryEscape(`{"name":"bolt","qty":1}`): false, // one item must hold every key
		"owner=Ann":                          true,
		"owner.id=" + rid:                    true,
		"geoPoint=near(-34.6,-58.4,0,1)":     true,
		"geoPoint=near(-34.61,-58.4,0,1000)": false,
		"geoPoint=near(-34.61,-58.4,1000)":   true,
		"date=empty()":                       true,
		"text=notEmpty()":                    true,
		"id=" + rid:                          true,
	} {
		vals, _ := url.ParseQuery(qs)
		x, err := ParseWhere(a, e, vals)
		if err != nil {
			t.Errorf("%s: %v", qs, err)
			continue
		}
		got, err := Match(x, v, rid, "Thing 1")
		if err != nil || got != want {
			t.Errorf("Match(%s) = %v, %v; want %v", qs, got, err, want)
		}
	}
}

// Values of other Go container types are read as the record encoder writes
// them.
func TestMatchOtherContainerTypes(t *testing.T) {
	a, e := kitchen(t)
	v := record.Values{
		"tags":    []string{"red", "blue"},
		"address": map[string]string{"street": "Main 1", "zip": "1234"},
		"items":   []map[string]any{{"name": "bolt", "qty": 3}},
	}
	for qs, want := range map[string]bool{
		"tags=blue":        true,
		"tags=green":       false,
		"address.zip=1234": true,
		"items.qty=3":      true,
		"items.name=nut":   false,
		"address=" + url.QueryEscape(`{"street":"Main 1","zip":"1234"}`): true,
	} {
		vals, _ := url.ParseQuery(qs)
		x, err := ParseWhere(a, e, vals)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Match(x, v, rid, ""); err != nil || got != want {
			t.Errorf("Match(%s) = %v, %v; want %v", qs, got, err, want)
		}
	}
}
