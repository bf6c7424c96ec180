package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"runway/api/apitest"
	"runway/jobs"
)

// Fuzz targets over HTTP (issue 3 item 6): whatever the query string or the
// body, the server answers without a 5xx, and every answer that is not a
// 2xx has the error body of rest-api.md §2.1. Each target starts one server
// for the whole run.
//
//	go test -run x -fuzz FuzzListQuery -fuzztime 60s ./api
//	go test -run x -fuzz FuzzListFilter -fuzztime 60s ./api
//	go test -run x -fuzz FuzzCreateBody -fuzztime 60s ./api
//	go test -run x -fuzz FuzzDeleteSelectsAsList -fuzztime 60s ./api
//	go test -run x -fuzz FuzzDeletePath -fuzztime 60s ./api

// fuzzServer starts the kitchen app with a few records to match.
func fuzzServer(f *testing.F, opts ...apitest.Options) *apitest.Server {
	f.Helper()
	s := apitest.Start(f, os.DirFS("../app/testdata/kitchen"), opts...)
	must := func(entity string, body obj) obj {
		r, err := s.Call("POST", "/data/"+entity, s.Token, body)
		if err != nil || r.Code != 200 {
			f.Fatalf("seed %s: %v %v", entity, err, r)
		}
		var m obj
		if err := json.Unmarshal(r.Body, &m); err != nil {
			f.Fatal(err)
		}
		return m
	}
	must("people", obj{"name": "Ana"})
	must("people", obj{"name": "Bob"})
	for _, b := range fuzzThings() {
		must("things", b)
	}
	return s
}

// fuzzThings are the things records of fuzzServer.
func fuzzThings() []obj {
	out := []obj{}
	for i, b := range []obj{
		{"text": "apple pie", "integer": 5, "tags": arr{"x", "y"}, "owner": "Ana", "friends": arr{"Ana", "Bob"},
			"address": obj{"zip": "1234"}, "items": arr{obj{"name": "bolt", "qty": 2}}, "choice": "a",
			"dateTime": 1484578380000, "phone": "+1 (702) 845-9380", "maskedText": "123abc", "bigNumber": "10",
			"geoPoint": obj{"latitude": -34.6, "longitude": -58.4}, "html": "<p>Hi <b>there</b></p>"},
		{"text": "O'Brien", "integer": -3, "decimal": 3.25, "boolean": true, "date": "2016-07-12", "time": "08:00"},
		{"text": `back\slash 100% a_b`, "percentage": 0.5, "money": 19.99, "color": "#abc", "group": "everyone"},
		{},
	} {
		b["requiredText"] = fmt.Sprint("r", i)
		out = append(out, b)
	}
	return out
}

// rawQuery makes any string a valid request query: bytes that cannot be
// sent in a request line are percent-encoded, everything else (including
// '%', '&', '=' and bad escapes) goes as is.
func rawQuery(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// checkFuzzAnswer fails on a 5xx and on a body of the wrong shape.
func checkFuzzAnswer(t *testing.T, what string, r *apitest.Response, want func([]byte) bool) {
	t.Helper()
	switch {
	case r.Code >= 500:
		t.Fatalf("%s: status %d: %s", what, r.Code, short(string(r.Body)))
	case r.Code >= 300:
		if !isErrorBody(r.Body) {
			t.Fatalf("%s: status %d without the error body: %s", what, r.Code, short(string(r.Body)))
		}
		if m := sqlErrorRE.FindString(string(r.Body)); m != "" {
			t.Fatalf("%s: answer shows SQL (%q): %s", what, m, short(string(r.Body)))
		}
	case !want(r.Body):
		t.Fatalf("%s: status %d with an unexpected body: %s", what, r.Code, short(string(r.Body)))
	}
}

// isListBody reports whether b is a list envelope {total, offset, items}.
func isListBody(b []byte) bool {
	var m struct {
		Total  *int64
		Offset json.RawMessage
		Items  *[]map[string]any
	}
	return json.Unmarshal(b, &m) == nil && m.Total != nil && *m.Total >= 0 && m.Items != nil && len(m.Offset) > 0
}

// isRecordBody reports whether b is a record with an id.
func isRecordBody(b []byte) bool {
	var m map[string]any
	return json.Unmarshal(b, &m) == nil && isID(m["id"])
}

// listQuerySeeds: every operator on the types that take it, every system
// parameter, and malformed forms.
var listQuerySeeds = []string{
	"",
	"text=apple pie", "text=equals(apple,pear)", `text="a, b",c`, "text=notEquals(x)", "text=empty()",
	"text=notEmpty()", "text=like(app)", "text=like(/app)", "text=like(pie/)", "text=like(/^a.*e$/)",
	"text=greater(a)", "text=greaterOrEquals(a)", "text=less(b)", "text=lessOrEquals(b)", "text=between(a,b)",
	"integer=5", "integer=5,6", "integer=between(1,9)", "integer=greater(4.5)", "integer=abc", "integer=like(1)",
	"decimal=lessOrEquals(3.25)", "money=greaterOrEquals(80000.00)", "percentage=0.5", "bigNumber=greater(9)",
	"boolean=true", "boolean=empty()", "choice=a,b", "choice=greater(a)", "dynamicChoice=like(x)",
	"date=2016-07-12", "date=2020-13-45", "dateTime=1484578380000", "dateTime=yesterday",
	"dateTimeNoTimezone=between(2016-11-05 00:00,2016-11-05 23:59)", "time=less(09:00)", "duration=greater(0)",
	"dateMonthDay=04-16", "dateYearMonth=2016-07", "dateRecordCreated=greater(0)", "autoIncrement=1",
	"phone=17028459380", "maskedText=123-abc", "maskedText=like(3a)", "email=A@B.org", "url=like(http)",
	"html=like(there)", "qr=x", "rank=like(/i)", "color=%23abc", "fileUpload.id=6650a1b2c3d4e5f601234567",
	"group=everyone", "group.id=like(x)", "owner=Ana", "owner.id=x", "owner.label=like(/A)", "friends=Bob",
	"friends.id=notEquals(x)", "tags=x", "tags=notEquals(x)", "address.zip=1234", "address=empty()",
	`address={"zip":"1234"}`, "items.name=bolt", "items.qty=greater(1)", "items.supplier=Ana", "id=x",
	"geoPoint=near(-34.6,-58.4,0,2500)", "geoPoint=near(1)", "geoPoint=equals(1)", "nosuch=1", "a.b.c=1",
	"_size=5", "_size=1001", "_size=0", "_size=-1", "_size=x", "_offset=1", "_offset=6650a1b2c3d4e5f601234567",
	"_offset=6650a1b2c3d4e5f601234567&_sortField=text", "_sortField=address.zip&_sortType=asc",
	"_sortField=tags", "_sortField=items.name", "_sortType=up", "_fields=text,address.zip,items",
	"_fields=nosuch", "_format=plainText", "_format=plainText&_formatForUser=admin@example.org",
	"_format=xml", "_relationshipsToFetch=owner,friends,items.supplier", "_relationshipsToFetch=text",
	"_query=and(filter('text','like(a)'),or(filter('integer','greater(1)'),filter('boolean','true')))",
	"_query=filter('text','O\\'Brien')", "_query=or(", "_query=filter('text')",
	"_indexedFilter=x&_indexedFilterQuery=y", "_x=1", "_async=true",
	"text=like(%)&text=like(_)", "%zz=1", "text=%", "text=%00", "=", "&&&", "text", "text==", ";=;",
	"integer=between(1,2,3)", "text=like()", "text=like(/[/)", "_query=" + strings.Repeat("and(", 40),
	// raw ';', bare '%' and path characters (issue 10): a 400 naming the
	// parameter, never a request with the parameter left out
	"text=a;b", "text=like(100%)", "text=like(100%)&integer=5", "te%xt=apple pie", "te;xt=1", "_sortField=text;x",
	"_size=5%", "_offset=1%", "_query=filter('text','100%')", "_query=filter('text','a;b')", "text=like(100%25)",
	"text=a%3Bb", "_query=a&_query=b", "_size=1&_size=2", "text=a/./b", "text=../..", "address.zip=//",
	"text=%2F..%2F", "./=.", "items.name=bolt/..", "text=%", "%=", ";", "text=%2",
}

// mustRefuse fails unless a query string that url.ParseQuery cannot read
// whole (it leaves a pair out) got a 400: the server must never answer it
// as if the pair had not been sent.
func mustRefuse(t *testing.T, what, raw string, r *apitest.Response) {
	t.Helper()
	if _, err := url.ParseQuery(raw); err != nil && r.Code != 400 {
		t.Fatalf("%s: status %d for a query string with a pair url.ParseQuery leaves out (%v): %s", what, r.Code, err, short(string(r.Body)))
	}
}

func FuzzListQuery(f *testing.F) {
	s := fuzzServer(f)
	for _, seed := range listQuerySeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s := s.For(t)
		req, err := s.NewRequest("GET", "/data/things", s.Token, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = rawQuery(raw)
		r := s.Send(req)
		checkFuzzAnswer(t, "GET ?"+req.URL.RawQuery, r, isListBody)
		mustRefuse(t, "GET ?"+req.URL.RawQuery, req.URL.RawQuery, r)
	})
}

// FuzzDeleteSelectsAsList: a delete over a query removes exactly the
// records a list with the same query string selects (issue 10), and
// refuses what the list refuses for an unreadable query string. The
// records are created again after each delete; jobs stay pending
// (_async=true deletes nothing).
func FuzzDeleteSelectsAsList(f *testing.F) {
	s := fuzzServer(f, apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1}})
	for _, seed := range listQuerySeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s := s.For(t)
		qs := rawQuery(raw)
		list := sendRaw(t, s, "GET", "/data/things", qs)
		checkFuzzAnswer(t, "GET ?"+qs, list, isListBody)
		mustRefuse(t, "GET ?"+qs, qs, list)
		del := sendRaw(t, s, "DELETE", "/data/things", qs)
		checkFuzzAnswer(t, "DELETE ?"+qs, del, func(b []byte) bool { return isResultMap(b) || isJobRef(b) })
		mustRefuse(t, "DELETE ?"+qs, qs, del)
		if list.Code != 200 || del.Code != 200 || isJobRef(del.Body) {
			return
		}
		var p page
		list.Decode(&p)
		var deleted map[string]struct{ Status string }
		del.Decode(&deleted)
		selected := map[string]bool{}
		for _, it := range p.Items {
			selected[it["id"].(string)] = true
		}
		for id, res := range deleted {
			if res.Status != "ok" || !selected[id] {
				t.Fatalf("DELETE ?%s: %s %s, which GET did not select (%v)", qs, id, res.Status, selected)
			}
		}
		if len(deleted) != len(selected) {
			t.Fatalf("DELETE ?%s removed %d records, GET selected %d", qs, len(deleted), len(selected))
		}
		reseedThings(t, s, len(deleted))
	})
}

// FuzzDeletePath: whatever follows /data/things in the path of a DELETE —
// '.', '..', '//', '%' escapes — the answer is never a redirect, and no
// record is deleted whose id is not in the path.
func FuzzDeletePath(f *testing.F) {
	s := fuzzServer(f, apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1}})
	for _, seed := range []string{"/.", "/./", "/..", "/../things", "//", "/%2E", "/%2e%2E", "/x/..", "/./.", "/", "/,",
		"/6650a1b2c3d4e5f601234567", "/6650a1b2c3d4e5f601234567/..", "/6650a1b2c3d4e5f601234567,.", "/%", "/%zz", "/;"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, suffix string) {
		s := s.For(t)
		path := "/data/things" + rawPath(suffix)
		if path == "/data/things" {
			return // the delete over a query: FuzzDeleteSelectsAsList
		}
		var p page
		s.As("GET", "/data/things?_size=1000", nil).Status(200).Decode(&p)
		req, err := http.NewRequest("DELETE", s.Root+strings.TrimPrefix(s.URL, s.Root)+path, nil)
		if err != nil {
			return // not a URL a client can send
		}
		req.Header.Set("token", s.Token)
		r := s.Send(req)
		checkFuzzAnswer(t, "DELETE "+path, r, func(b []byte) bool { return isRecordBody(b) || isResultMap(b) || isJobRef(b) })
		var after page
		s.As("GET", "/data/things?_size=1000", nil).Status(200).Decode(&after)
		left := map[string]bool{}
		for _, it := range after.Items {
			left[it["id"].(string)] = true
		}
		for _, it := range p.Items {
			if id := it["id"].(string); !left[id] && !strings.Contains(path, id) {
				t.Fatalf("DELETE %s (status %d) removed %s", path, r.Code, id)
			}
		}
		reseedThings(t, s, len(p.Items)-len(after.Items))
	})
}

// rawPath is rawQuery for a path: '?' and '#' are escaped too.
func rawPath(s string) string {
	return strings.NewReplacer("?", "%3F", "#", "%23").Replace(rawQuery(s))
}

// sendRaw sends a request with a raw query string.
func sendRaw(t *testing.T, s *apitest.Server, method, path, rawQuery string) *apitest.Response {
	t.Helper()
	req, err := s.NewRequest(method, path, s.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = rawQuery
	return s.Send(req)
}

// reseedThings creates the things of fuzzServer again when deleted > 0
// records are gone.
func reseedThings(t *testing.T, s *apitest.Server, deleted int) {
	t.Helper()
	if deleted == 0 {
		return
	}
	s.As("DELETE", "/data/things", nil).Status(200)
	for _, b := range fuzzThings() {
		s.As("POST", "/data/things", b).Status(200)
	}
}

// isResultMap reports whether b is a per-record result map (rest-api.md
// §4.4), keyed by what was asked for (an id, or what is not one).
func isResultMap(b []byte) bool {
	var m map[string]struct{ Status *string }
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	for _, r := range m {
		if r.Status == nil {
			return false
		}
	}
	return true
}

// isJobRef reports whether b is a job reference (rest-api.md §4.3).
func isJobRef(b []byte) bool {
	var m struct{ JobID string }
	return json.Unmarshal(b, &m) == nil && isID(m.JobID)
}

// FuzzListFilter sends one parameter, name and value URL-encoded, so that
// the fuzzer works on the filter and _query grammars rather than on the
// query string's encoding.
func FuzzListFilter(f *testing.F) {
	s := fuzzServer(f)
	for _, seed := range listQuerySeeds {
		k, v, _ := strings.Cut(seed, "=")
		f.Add(k, v)
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		s := s.For(t)
		query := q(key, value)
		r, err := s.Call("GET", "/data/things?"+query, s.Token, nil)
		if err != nil {
			t.Fatalf("GET ?%s: %v", query, err)
		}
		checkFuzzAnswer(t, "GET ?"+query, r, isListBody)
	})
}

// createBodySeeds: valid and invalid values of every type, nesting, odd
// JSON.
var createBodySeeds = []string{
	`{"requiredText":"r"}`,
	`{"requiredText":"r","text":"a","integer":5,"decimal":3.25,"money":"19.99","percentage":0.5,"bigNumber":"8.99"}`,
	`{"requiredText":"r","boolean":"true","choice":"b","dynamicChoice":"Texas","date":"2016-07-12","dateTime":"2024-05-31T18:30:00Z"}`,
	`{"requiredText":"r","dateTimeNoTimezone":"2016-11-05 19:00","time":"08:00","duration":"1d 2h","dateMonthDay":"04-16","dateYearMonth":"2016-07"}`,
	`{"requiredText":"r","phone":"+1 (702) 845-9380","maskedText":"123abc","email":"a@b.org","url":"(http://x.com)<L>","html":"<p onclick=x>hi<script>1</script></p>"}`,
	`{"requiredText":"r","color":"#abc","rank":"a0","geoPoint":{"latitude":10.5,"longitude":12},"fileUpload":"6650a1b2c3d4e5f601234567","group":"everyone"}`,
	`{"requiredText":"r","owner":"Ana","friends":["Ana","Bob"],"relationship":{"id":"6650a1b2c3d4e5f601234567"}}`,
	`{"requiredText":"r","tags":["a",1,null],"address":{"zip":"1","street":null},"items":[{"name":"bolt","qty":"2","supplier":"Ana"},{}]}`,
	`{"requiredText":"r","nestedFields":{"inner":"x","count":1e400},"integer":1e30,"bigNumber":"1e400","decimal":-0.0}`,
	`{"requiredText":"r","items":[[[]]],"address":[1],"tags":{"a":1},"owner":[],"friends":"Ana"}`,
	`{"requiredText":"r","id":"6650a1b2c3d4e5f601234567","version":3,"label":"x","autoIncrement":9,"dateRecordCreated":1}`,
	`{"requiredText":"\u0000","text":"\ud800","shortText":"a","code":"abc","age":-1,"uniqueCode":"u"}`,
	`{"requiredText":"r","when":"$currentDate","defaultStatus":null,"euros":1.005,"stamp":"x","ratio":2.346}`,
	`{"requiredText":"r","sys":{"x":1},"_fields":"x","":1}`,
	`{}`, `[]`, `null`, `"x"`, `1`, `{"requiredText":"r"} {}`, `{"a":`, ``, `{"requiredText":"r","requiredText":"s"}`,
	`{"requiredText":"r","items":[` + strings.Repeat(`{"name":"n"},`, 50) + `{"name":"n"}]}`,
	`{"requiredText":"r","address":` + strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100) + `}`,
}

func FuzzCreateBody(f *testing.F) {
	s := fuzzServer(f)
	for _, seed := range createBodySeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		s := s.For(t)
		r, err := s.Call("POST", "/data/things", s.Token, []byte(body))
		if err != nil {
			t.Fatalf("POST %q: %v", short(body), err)
		}
		checkFuzzAnswer(t, fmt.Sprintf("POST %q", short(body)), r, isRecordBody)
	})
}
