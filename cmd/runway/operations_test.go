package main

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

var metricsLine = regexp.MustCompile(`msg="metrics serving" url=(\S+)`)

// get GETs a URL and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// TestServeOperations: --metrics-addr serves Prometheus metrics on a
// listener of its own, every request is logged, {base}/openapi.json is the
// document runway openapi prints, and --no-openapi turns it off.
func TestServeOperations(t *testing.T) {
	t.Parallel()
	admin := []string{"RUNWAY_ADMIN_EMAIL=boss@example.com", "RUNWAY_ADMIN_PASSWORD=boss-password-1"}
	s := startServe(t, admin, "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0")
	tok := s.token("boss@example.com", "boss-password-1")
	if code, _ := s.call("GET", "/data/companies", tok, nil); code != 200 {
		t.Fatalf("list: %d", code)
	}
	m := metricsLine.FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("no metrics line in the log:\n%s", s.stderr)
	}
	code, body := get(t, m[1])
	if code != 200 || !strings.Contains(body, `runway_http_requests_total{method="GET",route="/data/{entity}",status="2xx"} 1`) ||
		!strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics: %d\n%.3000s", code, body)
	}
	if code, _ := get(t, s.Root+"/metrics"); code != 404 {
		t.Errorf("/metrics on the API's listener: %d", code)
	}
	s.waitLog(`msg=request method=GET route=/data/{entity} status=200`)
	if strings.Contains(s.stderr.String(), tok) || strings.Contains(s.stderr.String(), "boss-password-1") {
		t.Errorf("a secret in the log:\n%s", s.stderr)
	}

	code, served := get(t, s.URL+"/openapi.json")
	r := run(t, nil, "openapi")
	r.ok(t)
	var a, b any
	if code != 200 || json.Unmarshal([]byte(served), &a) != nil || json.Unmarshal([]byte(r.stdout), &b) != nil || !reflect.DeepEqual(a, b) {
		t.Errorf("served document (%d) and runway openapi differ", code)
	}
	s.stopOK()

	off := startServe(t, admin, "--addr", "127.0.0.1:0", "--no-openapi")
	if code, _ := get(t, off.URL+"/openapi.json"); code != http.StatusNotFound {
		t.Errorf("--no-openapi: %d", code)
	}
	off.stopOK()
	if r := run(t, nil, "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "256.0.0.1:1"); r.code == 0 || !strings.Contains(r.stderr, "--metrics-addr") {
		t.Errorf("a bad --metrics-addr: %d %s", r.code, r.stderr)
	}
}

// TestOpenAPICommand: runway openapi prints the document of an app, with
// the environment in its base, and refuses a broken app.
func TestOpenAPICommand(t *testing.T) {
	t.Parallel()
	r := run(t, nil, "openapi", "--app", testdata(t, "sample"), "--env", "prod")
	r.ok(t)
	var doc struct {
		OpenAPI string
		Servers []struct{ URL string }
		Paths   map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v:\n%.500s", err, r.stdout)
	}
	if doc.OpenAPI != "3.1.0" || doc.Servers[0].URL != "/prod/runtime/api" || doc.Paths["/data/contacts"] == nil {
		t.Errorf("document: %+v", doc)
	}
	run(t, nil, "openapi", "--app", testdata(t, "broken-types")).fails(t, "errors")
}
