package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"runway/api/apitest"
	"runway/jobs"
)

// Issue 10: a request the server cannot read exactly is refused, never run
// over more records than the client asked for.

// misreadCompanies creates the companies the query-string tests select
// from: names with a '%' and a ';' in them, and others.
func misreadCompanies(t *testing.T, s *apitest.Server) {
	t.Helper()
	for _, n := range []string{"100% Co", "a;b", "Acme", "Other"} {
		create(t, s, "companies", obj{"name": n, "numberOfEmployees": 1})
	}
}

// companyNames lists the names of every company, sorted.
func companyNames(t *testing.T, s *apitest.Server) []string {
	t.Helper()
	var names []string
	for _, it := range list(t, s, "companies", "_size=1000").Items {
		names = append(names, it["name"].(string))
	}
	slices.Sort(names)
	return names
}

// malformedQueries are query strings that url.ParseQuery reads with a
// parameter left out, and the parameter each one names.
var malformedQueries = []struct{ query, param string }{
	{"name=a;b", "name"},
	{"name=like(100%)", "name"},
	{"name=like(100%)&numberOfEmployees=1", "name"},
	{"na%me=Acme", "na%me"},
	{"na;me=Acme", "na;me"},
	{"_sortField=name;x", "_sortField"},
	{"_size=5%", "_size"},
	{"_query=filter('name','100%')", "_query"},
	{"_query=filter('name','a;b')", "_query"},
	{"_query=filter('name','Acme')&_query=filter('name','Other')", "_query"},
}

// A query string that does not parse is a 400 naming the parameter, on a
// list, a delete over a query (also _async), an action over a query (many
// and one record); nothing is deleted or changed.
func TestQueryStringThatDoesNotParse(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, nil, apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1}})
	misreadCompanies(t, s)
	before := companyNames(t, s)
	for _, m := range malformedQueries {
		for _, rq := range []struct{ method, path string }{
			{"GET", "/data/companies?"},
			{"DELETE", "/data/companies?"},
			{"DELETE", "/data/companies?_async=true&"},
			{"PUT", "/data/companies/employeeSummary?"},
			{"PUT", "/data/companies/changeState?"},
			{"PUT", "/data/companies/changeState?_async=true&"},
		} {
			var body any
			if strings.Contains(rq.path, "changeState") {
				body = obj{"state": "inactive"}
			}
			r := s.As(rq.method, rq.path+m.query, body)
			e := r.Error(400, "badRequest")
			if msg := e["message"].(string); !strings.Contains(msg, "parameter "+m.param+":") {
				t.Errorf("%s %s%s: message %q does not name %s", rq.method, rq.path, m.query, msg, m.param)
			}
		}
	}
	if after := companyNames(t, s); !slices.Equal(after, before) {
		t.Fatalf("companies %v, want %v untouched", after, before)
	}
	for _, it := range list(t, s, "companies", "").Items {
		if it["version"] != 0.0 {
			t.Errorf("company changed: %v", it)
		}
	}
	var jobsPage struct{ Items []any }
	s.As("GET", "/status/jobs", nil).Status(200).Decode(&jobsPage)
	if len(jobsPage.Items) != 0 {
		t.Errorf("jobs created: %v", jobsPage.Items)
	}
	// Encoded, the same characters select exactly what they say.
	for query, want := range map[string][]string{
		"name=like(100%25)":             {"100% Co"},
		"name=a%3Bb":                    {"a;b"},
		"_query=filter('name','a%3Bb')": {"a;b"},
	} {
		var got []string
		for _, it := range list(t, s, "companies", query).Items {
			got = append(got, it["name"].(string))
		}
		if !slices.Equal(got, want) {
			t.Errorf("GET ?%s: %v, want %v", query, got, want)
		}
	}
	res := s.As("DELETE", "/data/companies?name=a%3Bb", nil).Status(200).JSON()
	if len(res) != 1 {
		t.Errorf("DELETE ?name=a%%3Bb: %v", res)
	}
	if got := companyNames(t, s); !slices.Equal(got, []string{"100% Co", "Acme", "Other"}) {
		t.Errorf("after deleting a;b: %v", got)
	}
}

// The jobs endpoints read their parameters the same way; a parameter that
// takes one value, given twice, is refused rather than half read.
func TestJobsParametersThatDoNotParse(t *testing.T) {
	t.Parallel()
	s := demo(t)
	id := "6650a1b2c3d4e5f601234567"
	for _, rq := range []struct{ path, param string }{
		{"/status/jobs?status=PENDING;FINISHED", "status"},
		{"/status/jobs?type=EXECUTE_ACTION%", "type"},
		{"/status/jobs?status=PENDING&status=FINISHED", "status"},
		{"/status/jobs?_size=5&_size=500", "_size"},
		{"/status/jobs/" + id + "/logs?message=a;b", "message"},
		{"/status/jobs/" + id + "/logs?level=INFO&level=ERROR", "level"},
		{"/status/jobs/" + id + "/logs?period=1h&period=2h", "period"},
	} {
		e := s.As("GET", rq.path, nil).Error(400, "badRequest")
		if msg := e["message"].(string); !strings.Contains(msg, "parameter "+rq.param+":") {
			t.Errorf("GET %s: message %q does not name %s", rq.path, msg, rq.param)
		}
	}
	s.As("GET", "/status/jobs?status=PENDING,FINISHED", nil).Status(200)
}

// Non-canonical paths are a 400 with the error body, never a redirect: a
// client that follows redirects (Go's does) must not turn DELETE
// /data/skills/. into DELETE /data/skills, which deletes every skill.
func TestNonCanonicalPathsAreNotRedirected(t *testing.T) {
	t.Parallel()
	s := demo(t)
	for _, n := range []string{"Go", "SQL"} {
		create(t, s, "skills", obj{"name": n})
	}
	base := strings.TrimPrefix(s.URL, s.Root)
	for _, method := range []string{"DELETE", "GET", "PUT", "POST"} {
		for _, path := range []string{
			"/data/skills/.", "/data/skills/./", "/data/skills/%2E", "/data/skills/x/..", "/data/skills/x/%2e%2e",
			"/data//skills", "//data/skills", "/data/./skills", "/data/skills//", "/data/x/../skills",
			"/data/skills/" + "6650a1b2c3d4e5f601234567" + "/..",
		} {
			// the client sends the path as written (no dot-segment removal)
			req, err := http.NewRequest(method, s.Root+base+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("token", s.Token)
			r := s.Send(req)
			r.Error(400, "badRequest")
			if loc := r.Header.Get("Location"); loc != "" {
				t.Errorf("%s %s: Location %s", method, path, loc)
			}
		}
	}
	if p := list(t, s, "skills", ""); p.Total != 2 {
		t.Fatalf("%d skills left, want 2", p.Total)
	}
	// outside the API base too: no answer of this server is a redirect
	req := mustReq(t, "GET", s.Root+"//healthz")
	req.URL.Path = "//healthz"
	s.Send(req).Error(400, "badRequest")
}
