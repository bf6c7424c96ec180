package api_test

import (
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"runway/api/apitest"
)

// SQL injection attempts through every part of a query: field names,
// values, _sortField, _fields, _query and like/regex patterns. Each answer
// is a 400 badRequest or a correct (possibly empty) result — never a 500,
// never SQL error text — and the tables are intact afterwards.

// sqlErrorRE matches what SQLite error text looks like.
// (Not table or function names: error messages may echo the input, which
// holds them.)
var sqlErrorRE = regexp.MustCompile(`(?i)sqlite|syntax error|no such (table|column|function)|unrecognized token|sql logic|near "|incomplete input|constraint failed|database`)

// injectionTexts are the text values of the seeded things, by name.
var injectionTexts = []struct{ name, text string }{
	{"quote", "O'Brien"},
	{"percent", "100%"},
	{"underscore", "a_b"},
	{"backslash", `back\slash`},
	{"drop", "'); DROP TABLE e_things;--"},
	{"unicode", "ünïcode ✓ 日本"},
	{"dquote", `say "hi"`},
	{"plain", "plain"},
}

func TestSQLInjection(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{} // security_test.go
	s := apitest.Start(t, os.DirFS("../app/testdata/kitchen"), apitest.Options{Log: logs})
	ana := create(t, s, "people", obj{"name": "Ana"})
	byName := map[string]string{}
	var fx []obj
	for _, it := range injectionTexts {
		body := obj{"text": it.text, "owner": ana["id"]}
		if it.name == "plain" {
			body["tags"] = arr{"x'y", `q"r`}
		}
		r := thing(t, s, body)
		byName[it.name] = r["id"].(string)
		fx = append(fx, r)
	}
	before := list(t, s, "things", "_size=1000")
	if before.Total != int64(len(injectionTexts)) {
		t.Fatalf("seeded %d things, total %d", len(injectionTexts), before.Total)
	}

	// want: record names the answer must hold exactly; "400" a bad request;
	// "400|none" either a bad request or no record.
	type attempt struct {
		query string
		want  string
	}
	f := func(kv ...string) string { return q(kv...) }
	all := "quote,percent,underscore,backslash,drop,unicode,dquote,plain"
	attempts := []attempt{
		// Field names.
		{"name'--=1", "400"},
		{url.QueryEscape("a.b);DROP TABLE e_things;--") + "=1", "400"},
		{f("text'", "1"), "400"},
		{f(`text"`, "1"), "400"},
		{f(`text\`, "1"), "400"},
		{f("te\x00xt", "1"), "400"},
		{f("$.text", "1"), "400"},
		{f("text[0]", "1"), "400"},
		{f("text.*", "1"), "400"},
		{f("items[0].name", "1"), "400"},
		{f("text) OR 1=1 --", "1"), "400"},
		{f("text/**/", "1"), "400"},
		{f("doc", "1"), "400"},
		{f("rowid", "1"), "400"},
		{f("owner.id'--", "1"), "400"},
		{f("owner.label) OR (1", "1"), "400"},
		// Values: quotes, LIKE wildcards, escapes, unicode, NUL.
		{f("text", "O'Brien"), "quote"},
		{f("text", "'"), ""},
		{f("text", "''"), ""},
		{f("text", `"`), "400|none"},
		{f("text", "O''Brien"), ""},
		{f("text", `O\'Brien`), ""},
		{f("text", "plain' OR '1'='1"), ""},
		{f("text", `plain" OR "1"="1`), "400|none"},
		{f("text", "x' OR 1=1--"), ""},
		{f("text", "x'); DELETE FROM e_things; --"), ""},
		{f("text", "'); DROP TABLE e_things;--"), "drop"},
		{f("text", "equals('); DROP TABLE e_things;--)"), "drop"},
		{f("text", "100%"), "percent"},
		{f("text", "%"), ""},
		{f("text", "%%"), ""},
		{f("text", "1%"), ""},
		{f("text", "a_b"), "underscore"},
		{f("text", "_"), ""},
		{f("text", "a%b"), ""},
		{f("text", `back\slash`), "backslash"},
		{f("text", `"back\\slash"`), "backslash"},
		{f("text", `\`), ""},
		{f("text", `\\`), ""},
		{f("text", `say "hi"`), "dquote"},
		{f("text", `"say \"hi\""`), "dquote"},
		{f("text", "ünïcode ✓ 日本"), "unicode"},
		{f("text", "plain\x00"), "400|none"},
		{f("text", "\x00"), "400|none"},
		{f("text", "%00"), ""},
		{f("text", strings.Repeat("'", 5000)), ""},
		{f("text", "notEquals(x' OR '1'='1)"), all},
		{f("text", "greater(') OR 1=1--)"), all},
		{f("text", "between(',')"), "400|none"},
		{f("tags", "x'y"), "plain"},
		{f("tags", `"q\"r"`), "plain"},
		{f("integer", "1 OR 1=1"), "400"},
		{f("integer", "1); DROP TABLE e_things;--"), "400"},
		{f("integer", "0x10"), "400"},
		{f("date", "2020-01-01' OR '1'='1"), "400"},
		{f("boolean", "true OR 1=1"), "400"},
		{f("choice", "a' OR '1'='1"), "400"},
		{f("id", "' OR 1=1--"), "400|none"},
		{f("id", byName["quote"]+"' OR '1'='1"), "400|none"},
		{f("owner.id", "'); DROP TABLE e_things;--"), "400|none"},
		{f("owner", "Ana' OR '1'='1"), ""},
		{f("owner", "Ana"), all},
		// like and regex patterns.
		{f("text", "like(%)"), "percent"},
		{f("text", "like(_)"), "underscore,drop"},
		{f("text", "like(%_%)"), ""},
		{f("text", `like(\)`), "backslash"},
		{f("text", `like(\\)`), ""},
		{f("text", `like(\%)`), ""},
		{f("text", "like(')"), "quote,drop"},
		{f("text", "like(/')"), "drop"},
		{f("text", "like(DROP TABLE)"), "drop"},
		{f("text", "like(ÜNÏ)"), "unicode"},
		{f("text", "like(日本/)"), "unicode"},
		{f("text", "like(' OR '1'='1)"), ""},
		{f("text", "like(/.*/)"), all},
		{f("text", "like(/^(a+)+$/)"), ""},
		{f("text", "like(/%/)"), "percent"},
		{f("text", "like(/_/)"), "underscore,drop"},
		{f("text", `like(/\\/)`), "backslash"},
		{f("text", `like(/\p{Han}/)`), "unicode"},
		{f("text", `like(/"hi"/)`), "dquote"},
		{f("text", "like(/'; DROP TABLE e_things;--/)"), ""},
		{f("text", "like(/[/)"), "400"},
		{f("text", "like(/(?P<x/)"), "400"},
		{f("text", "like(/\\x00/)"), ""},
		{f("text", "like(a\x00)"), "400|none"},
		{f("text", "like("+strings.Repeat("%_", 2000)+")"), ""},
		// _sortField and _sortType.
		{f("_sortField", "text;DROP TABLE e_things"), "400"},
		{f("_sortField", "text desc"), "400"},
		{f("_sortField", "(select 1)"), "400"},
		{f("_sortField", "text'"), "400"},
		{f("_sortField", "1"), "400"},
		{f("_sortField", "rowid"), "400"},
		{f("_sortField", "doc"), "400"},
		{f("_sortField", "id'--"), "400"},
		{f("_sortField", "json_extract(doc,'$.text')"), "400"},
		{f("_sortType", "asc; DROP TABLE e_things"), "400"},
		{f("_sortType", "asc--"), "400"},
		// _fields and other system parameters.
		{f("_fields", "text,'"), "400"},
		{f("_fields", "text) FROM e_things;--"), "400"},
		{f("_fields", "*"), "400"},
		{f("_fields", "doc"), "400"},
		{f("_offset", "1 OR 1=1"), "400"},
		{f("_offset", "'"), "400"},
		{f("_size", "1;DROP TABLE e_things"), "400"},
		{f("_relationshipsToFetch", "owner';--"), "400"},
		{f("_format", "native';--"), "400"},
		// _query: quotes and escapes inside filter().
		{f("_query", `filter('text','O\'Brien')`), "quote"},
		{f("_query", `filter('text','\'); DROP TABLE e_things;--')`), "drop"},
		{f("_query", `filter('text','like(%)')`), "percent"},
		{f("_query", `filter('text','back\\slash')`), "backslash"},
		{f("_query", `filter('text','"say \\"hi\\""')`), "dquote"},
		{f("_query", `and(filter('text','like(/\'/)'))`), "quote,drop"},
		{f("_query", `or(filter('text','x\' OR \'1\'=\'1'),filter('text','plain'))`), "plain"},
		{f("_query", `filter('text\'--','1')`), "400"},
		{f("_query", `or(filter('text','a'),filter('1=1','x'))`), "400"},
		{f("_query", `filter('text','x') OR 1=1`), "400"},
		{f("_query", `filter('text','x')); DROP TABLE e_things;--`), "400"},
		{f("_query", `filter('text','x'`), "400"},
		{f("_query", `filter('text','x\')`), "400"},
		{f("_query", `filter('text',''); DROP TABLE e_things;--')`), "400"},
		{f("_query", `filter('integer','1 OR 1=1')`), "400"},
		{f("_query", "filter('text','\x00')"), "400|none"},
		{f("_query", `filter('_sortField','text')`), "400"},
	}
	for _, a := range attempts {
		r := s.As("GET", "/data/things?"+a.query, nil)
		checkSafe(t, "GET ?"+a.query, r)
		switch {
		case a.want == "400":
			if r.Code != 400 {
				t.Errorf("?%s: status %d, want 400: %s", a.query, r.Code, short(string(r.Body)))
			}
		case r.Code == 400 && a.want == "400|none":
		case r.Code != 200:
			t.Errorf("?%s: status %d, want 200: %s", a.query, r.Code, short(string(r.Body)))
		default:
			var want []string
			for _, n := range strings.Split(strings.TrimPrefix(a.want, "400|none"), ",") {
				if n != "" {
					want = append(want, byName[n])
				}
			}
			if got := matchIDs(t, s, "things", a.query); !sameSet(got, want) {
				t.Errorf("?%s: %d records %v, want %q", a.query, len(got), got, a.want)
			}
		}
	}

	// Paths and the other verbs that take a query.
	for _, c := range []struct {
		method, path string
		codes        []int
	}{
		{"GET", "/data/" + url.PathEscape("things'; DROP TABLE e_things;--"), []int{404}},
		{"GET", "/data/things/" + url.PathEscape("1' OR '1'='1"), []int{404}},
		{"GET", "/data/things/" + url.PathEscape(byName["quote"]+"'--"), []int{404}},
		{"PUT", "/data/things/" + url.PathEscape("x' OR 1=1--"), []int{404}},
		{"DELETE", "/data/things/" + url.PathEscape("' OR '1'='1"), []int{404}},
		{"DELETE", "/data/things?" + f("text", "x' OR '1'='1"), []int{200}},
		{"DELETE", "/data/things?" + f("_query", `filter('text','\' OR 1=1--')`), []int{200}},
		{"DELETE", "/data/things?" + f("text'--", "1"), []int{400}},
		{"DELETE", "/data/things?" + f("_query", `filter('text','x') OR 1=1`), []int{400}},
	} {
		var body any
		if c.method == "PUT" {
			body = obj{"text": "changed"}
		}
		r := s.As(c.method, c.path, body)
		checkSafe(t, c.method+" "+c.path, r)
		if !containsInt(c.codes, r.Code) {
			t.Errorf("%s %s: status %d, want %v: %s", c.method, c.path, r.Code, c.codes, short(string(r.Body)))
		}
		if c.method == "DELETE" && r.Code == 200 && strings.Contains(string(r.Body), `"success"`) {
			t.Errorf("%s %s deleted something: %s", c.method, c.path, short(string(r.Body)))
		}
	}

	// The tables are intact: the same records, unchanged, and the entity
	// still takes writes.
	after := list(t, s, "things", "_size=1000")
	if !jsonEq(after, before) {
		t.Errorf("things changed:\nbefore %s\nafter  %s", short(js(before)), short(js(after)))
	}
	for i, it := range injectionTexts {
		if got := get(t, s, "things", byName[it.name]); !jsonEq(got, fx[i]) || got["text"] != it.text {
			t.Errorf("%s reads back as %s, want %s", it.name, js(got), js(fx[i]))
		}
	}
	if got := get(t, s, "people", ana["id"]); !jsonEq(got, ana) {
		t.Errorf("people changed: %s", js(got))
	}
	thing(t, s, obj{"text": "after"})
	if p := list(t, s, "things", "_size=1"); p.Total != before.Total+1 {
		t.Errorf("total %d after one more create, want %d", p.Total, before.Total+1)
	}
	if strings.Contains(logs.String(), "internal error") {
		t.Errorf("the server logged internal errors:\n%s", logs.String())
	}
}

// checkSafe fails on a 5xx, and on an answer that shows SQL or is not an
// error body when it is not a 2xx.
func checkSafe(t *testing.T, what string, r *apitest.Response) {
	t.Helper()
	if r.Code >= 500 {
		t.Errorf("%s: status %d: %s", what, r.Code, short(string(r.Body)))
		return
	}
	if r.Code >= 300 {
		if m := sqlErrorRE.FindString(string(r.Body)); m != "" {
			t.Errorf("%s: answer shows SQL (%q): %s", what, m, short(string(r.Body)))
		}
		if !isErrorBody(r.Body) {
			t.Errorf("%s: status %d without the error body: %s", what, r.Code, short(string(r.Body)))
		}
	}
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}
