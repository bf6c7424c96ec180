package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"runway/api/apitest"
	"runway/jobs"
)

// samples are scraped metrics: family name → its series, each its labels
// and value.
type samples map[string][]series

type series struct {
	labels map[string]string
	value  float64
}

// scrape GETs /metrics as Prometheus would (the handler serve puts on
// --metrics-addr) and parses the text format.
func scrape(t *testing.T, s *apitest.Server) samples {
	t.Helper()
	hs := httptest.NewServer(s.Metrics.Handler())
	defer hs.Close()
	res, err := http.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("scrape: status %d", res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	out := samples{}
	for name, f := range fams {
		for _, m := range f.Metric {
			sm := series{labels: map[string]string{}}
			for _, l := range m.Label {
				sm.labels[l.GetName()] = l.GetValue()
			}
			switch {
			case m.Counter != nil:
				sm.value = m.Counter.GetValue()
			case m.Gauge != nil:
				sm.value = m.Gauge.GetValue()
			case m.Histogram != nil:
				sm.value = float64(m.Histogram.GetSampleCount())
			case m.Untyped != nil:
				sm.value = m.Untyped.GetValue()
			}
			out[name] = append(out[name], sm)
		}
	}
	return out
}

// get is the value of the series of name with these labels (pairs), and
// whether it exists.
func (ss samples) get(name string, labels ...string) (float64, bool) {
	for _, sm := range ss[name] {
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			match = match && sm.labels[labels[i]] == labels[i+1]
		}
		if match {
			return sm.value, true
		}
	}
	return 0, false
}

// atLeast fails unless the series exists with a value of at least min.
func (ss samples) atLeast(t *testing.T, min float64, name string, labels ...string) {
	t.Helper()
	v, ok := ss.get(name, labels...)
	if !ok || v < min {
		t.Errorf("%s%v = %v (present %v), want at least %v", name, labels, v, ok, min)
	}
}

// TestMetrics scrapes /metrics after requests, a job, a script time-out
// and a failed login, and finds each series with its labels.
func TestMetrics(t *testing.T) {
	t.Parallel()
	s := shop(t, apitest.Options{ScriptTimeout: 200 * time.Millisecond})
	s.Do("POST", "/auth/login", "", obj{"email": apitest.AdminEmail, "password": "wrong"}).Error(401, "unauthorized")
	id := order(t, s, "E1", nil)["id"].(string)
	// (a total without a condition is read from the kept row counts: a
	// filter goes through the count cache)
	// (the order's own writes may still be committing: a few tries)
	for range 5 {
		s.As("GET", "/data/orders?number=E1", nil).Status(200) // then the total from the count cache
	}
	s.As("GET", "/data/orders/"+id, nil).Status(200)
	s.As("GET", "/data/orders/"+exampleID, nil).Error(404, "notFound")
	s.As("PUT", "/data/orders/loop", nil).Error(500, "internalError") // time-out
	ref := s.As("DELETE", "/data/orders/"+id+"?_async=true", nil).Status(200).JSON()
	waitStatus(t, s, ref["jobId"].(string), "FINISHED")
	// A server without workers: its job stays queued.
	q := apitest.Start(t, nil, apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1}})
	q.As("DELETE", "/data/companies?_async=true", nil).Status(200)
	scrape(t, q).atLeast(t, 1, "runway_jobs_queued")

	m := scrape(t, s)
	m.atLeast(t, 2, "runway_http_requests_total", "route", "/data/{entity}", "method", "GET", "status", "2xx")
	m.atLeast(t, 1, "runway_http_requests_total", "route", "/data/{entity}/{id}", "method", "GET", "status", "4xx")
	m.atLeast(t, 1, "runway_http_requests_total", "route", "/data/{entity}/{id}", "method", "PUT", "status", "5xx")
	m.atLeast(t, 1, "runway_http_requests_total", "route", "/auth/login", "method", "POST", "status", "4xx")
	m.atLeast(t, 2, "runway_http_request_duration_seconds", "route", "/data/{entity}", "method", "GET", "status", "2xx")
	if v, ok := m.get("runway_http_requests_in_flight"); !ok || v != 0 {
		t.Errorf("in flight %v %v, want 0", v, ok)
	}
	m.atLeast(t, 1, "runway_store_query_duration_seconds", "op", "Find")
	m.atLeast(t, 1, "runway_store_query_duration_seconds", "op", "Write")
	m.atLeast(t, 1, "runway_store_query_duration_seconds", "op", "Insert")
	m.atLeast(t, 1, "runway_count_cache_lookups_total", "result", "hit")
	m.atLeast(t, 1, "runway_count_cache_lookups_total", "result", "miss")
	if v, ok := m.get("runway_count_cache_hit_ratio"); !ok || v <= 0 || v >= 1 {
		t.Errorf("hit ratio %v %v", v, ok)
	}
	for _, status := range []string{"PENDING", "RUNNING", "FINISHED"} {
		m.atLeast(t, 1, "runway_jobs_total", "type", "DELETE_RECORDS", "status", status)
	}
	if _, ok := m.get("runway_jobs_queued"); !ok {
		t.Error("no runway_jobs_queued")
	}
	m.atLeast(t, 1, "runway_script_executions_total", "context", "request")
	m.atLeast(t, 1, "runway_script_execution_duration_seconds", "context", "request")
	m.atLeast(t, 1, "runway_script_timeouts_total", "context", "request")
	m.atLeast(t, 1, "runway_login_failures_total", "reason", "unauthorized")
	m.atLeast(t, 1, "go_goroutines")
	m.atLeast(t, 1, "go_memstats_alloc_bytes")
	m.atLeast(t, 0.000001, "process_cpu_seconds_total")
	m.atLeast(t, 1, "process_resident_memory_bytes")
}

// TestMetricsListenersAndLockouts: a failing listener and a user blocked
// by failed logins are counted.
func TestMetricsListenersAndLockouts(t *testing.T) {
	t.Parallel()
	l := apitest.Start(t, os.DirFS("../app/testdata/listen"))
	l.As("POST", "/data/tasks", obj{"name": "boom"}).Status(200)
	scrape(t, l).atLeast(t, 1, "runway_listener_errors_total", "listener", "failing")

	s := secureApp(t, apitest.Options{LoginRate: -1})
	member(s, "ed@example.org", strongPassword, "staff") // maximumLoginAttempts 3
	for range 3 {
		s.Do("POST", "/auth/login", "", obj{"email": "ed@example.org", "password": "Wrong-Pass-1"}).Error(401, "unauthorized")
	}
	s.Auth.Wait()
	s.Do("POST", "/auth/login", "", obj{"email": "ed@example.org", "password": strongPassword}).Error(403, "forbidden")
	m := scrape(t, s)
	m.atLeast(t, 1, "runway_login_lockouts_total")
	m.atLeast(t, 3, "runway_login_failures_total", "reason", "unauthorized")
	m.atLeast(t, 1, "runway_login_failures_total", "reason", "forbidden")
}

// TestRequestLog: one line per request with method, route pattern,
// status, duration, user id and request id; X-Request-Id is taken from
// the request when sane, else generated, and returned; no token and no
// password reaches the log.
func TestRequestLog(t *testing.T) {
	t.Parallel()
	log := &syncBuffer{}
	s := apitest.Start(t, nil, apitest.Options{Log: log})
	const password = "Secret-Pass-42"
	u := s.CreateUser("ana@example.org", password, obj{"groups": arr{obj{"group": "users"}}})
	login := s.Do("POST", "/auth/login", "", obj{"email": "ana@example.org", "password": password}).Status(200)
	tok := login.JSON()["token"].(string)
	s.Do("POST", "/auth/login", "", obj{"email": "ana@example.org", "password": password + "x"}).Error(401, "unauthorized")

	req, _ := s.NewRequest("GET", "/data/companies?name="+password+"&_size=5", tok, nil)
	req.Header.Set("X-Request-Id", "trace-42.a:b_c")
	r := s.Send(req).Status(200)
	if got := r.Header.Get("X-Request-Id"); got != "trace-42.a:b_c" {
		t.Errorf("X-Request-Id %q, want the request's", got)
	}
	req, _ = s.NewRequest("GET", "/data/companies/"+exampleID, tok, nil)
	req.Header.Set("X-Request-Id", "bad id\" user=admin")
	r = s.Send(req)
	r.Error(404, "notFound")
	generated := r.Header.Get("X-Request-Id")
	if !isID(generated) {
		t.Errorf("generated X-Request-Id %q", generated)
	}
	if id := s.Do("GET", "/nowhere", "", nil).Header.Get("X-Request-Id"); !isID(id) || id == generated {
		t.Errorf("X-Request-Id %q", id)
	}
	// A request's line is written once its answer is: wait for the last.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(log.String(), "route=/ status=404") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	out := log.String()
	for _, secret := range []string{tok, password, s.Token, apitest.AdminPassword} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds a secret %q:\n%s", secret, out)
		}
	}
	line := func(re string) string {
		t.Helper()
		m := regexp.MustCompile(`(?m)^.*msg=request ` + re + `.*$`).FindString(out)
		if m == "" {
			t.Errorf("no request line matching %s in\n%s", re, out)
		}
		return m
	}
	l := line(`method=GET route=/data/\{entity\} status=200 duration=\S+ user=` + u["id"].(string) + ` request_id=trace-42.a:b_c`)
	if strings.Contains(l, "name=") || strings.Contains(l, "_size") {
		t.Errorf("the query string is logged: %s", l)
	}
	line(`method=GET route=/data/\{entity\}/\{id\} status=404 duration=\S+ user=\S+ request_id=` + generated)
	line(`method=POST route=/auth/login status=200 duration=\S+ user=` + u["id"].(string) + ` `)
	line(`method=POST route=/auth/login status=401 duration=\S+ user="" `)
	line(`method=GET route=/ status=404 `)
	if n := strings.Count(out, "msg=request "); n < 6 {
		t.Errorf("%d request lines", n)
	}
}

// TestReadyz: ready while serving; once the runtime drains (SIGTERM) 503,
// while /healthz stays 200.
func TestReadyz(t *testing.T) {
	t.Parallel()
	s := demo(t)
	get := func(path string) (int, string) {
		res, err := s.Client.Get(s.Root + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != 200 || body != "ok\n" {
		t.Errorf("/readyz %d %q", code, body)
	}
	s.Runtime.Drain()
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "shutting down") {
		t.Errorf("/readyz while draining: %d %q", code, body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz while draining: %d", code)
	}
}
