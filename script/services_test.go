package script_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"runway/apperr"
	"runway/script"
)

// echoServer is the external API of the tests: /echo answers what it got
// as JSON; /status/N answers N with a JSON body; /slow answers when the
// client is gone; /redirect sends to /echo; /basic and /digest want
// user:secret; /text answers text.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h := map[string]string{}
		for k := range r.Header {
			h[strings.ToLower(k)] = r.Header.Get(k)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-Echo", "yes")
		_ = json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "query": r.URL.RawQuery, "headers": h, "body": string(body)})
	})
	mux.HandleFunc("/status/", func(w http.ResponseWriter, r *http.Request) {
		var code int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/status/"), "%d", &code)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"description": "status %d"}`, code)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/echo?from=redirect", http.StatusFound)
	})
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "plain words")
	})
	mux.HandleFunc("/basic", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "welcome")
	})
	mux.HandleFunc("/digest", func(w http.ResponseWriter, r *http.Request) {
		if !digestOK(r, "user", "secret") {
			w.Header().Set("WWW-Authenticate", `Digest realm="tests", qop="auth", nonce="abc123", opaque="op"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "digest welcome")
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

// digestOK checks an RFC 7616 MD5 answer with qop=auth.
func digestOK(r *http.Request, user, pass string) bool {
	a := r.Header.Get("Authorization")
	if !strings.HasPrefix(a, "Digest ") {
		return false
	}
	p := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(a, "Digest "), ", ") {
		k, v, _ := strings.Cut(f, "=")
		p[k] = strings.Trim(v, `"`)
	}
	h := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	ha1 := h(user + ":tests:" + pass)
	ha2 := h(r.Method + ":" + p["uri"])
	return p["username"] == user && p["opaque"] == "op" && p["uri"] == r.URL.RequestURI() &&
		p["response"] == h(ha1+":abc123:"+p["nc"]+":"+p["cnonce"]+":auth:"+ha2)
}

// servicesApp is an app with an http service whose base URL comes from the
// environment, one with external URLs allowed, one of a type Runway does
// not run, and the built-in http package.
func servicesApp(t *testing.T, baseURL string) *env {
	fsys := fstest.MapFS{
		"model/entities/notes.json": {Data: []byte(`{"name": "notes", "fields": [{"name": "text", "type": "text"}]}`)},
		"extensions/services/api.json": {Data: []byte(`{"name": "api", "serviceType": "http",
			"config": {"baseUrl": "${TEST_API}", "defaultHeaders": "X-App=${APP_NAME},X-Key=k1", "readTimeout": "${TEST_READ_TIMEOUT}",
			"followRedirects": "enable", "allowExternalUrl": "disable", "missing": "${NOT_SET_ANYWHERE}", "secret": "${RUNWAY_SECRET}"}}`)},
		"extensions/services/http.json": {Data: []byte(`{"name": "http", "serviceType": "http", "config": {"followRedirects": "disable"}}`)},
		"extensions/services/pdf.json":  {Data: []byte(`{"name": "pdf", "serviceType": "pdf"}`)},
		"extensions/packages/web.json": {Data: []byte(`{"name": "web", "dynamicConfig": "js/dynamicConfig",
			"config": {"baseUrl": "${TEST_API}", "defaultHeaders": "X-Pkg=web", "authType": "basic", "username": "user", "password": "secret"},
			"dependencies": [{"serviceType": "http", "serviceInstance": "http"}]}`)},
		"extensions/packages/web.js": {Data: []byte(`function dynamicConfig(config) { config.extra = 'from dynamicConfig'; return config; }`)},
	}
	// web's code is a copy of Runway's http package in the app.
	builtin, err := os.ReadFile("../app/builtin/packages/http/scripts/api.js")
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile("../app/builtin/packages/http/package.json")
	if err != nil {
		t.Fatal(err)
	}
	fsys["extensions/packages/web/package.json"] = &fstest.MapFile{Data: manifest}
	fsys["extensions/packages/web/scripts/api.js"] = &fstest.MapFile{Data: builtin}
	env := map[string]string{"TEST_API": baseURL, "TEST_READ_TIMEOUT": "2000", "RUNWAY_SECRET": "must not leak"}
	return newEnv(t, fsys, script.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
}

func TestSvcHTTP(t *testing.T) {
	ts := echoServer(t)
	v := servicesApp(t, ts.URL)

	// GET with params and headers; the service's default headers (with the
	// app's name from APP_NAME) and the call's own.
	got := decode(t, v.mustEval(`return svc.api.get({url: '/echo', params: {q: 'a b', n: 2}, headers: {'X-Key': 'k2', Accept: 'application/json'}});`))
	h := got["headers"].(map[string]any)
	if got["method"] != "GET" || got["query"] != "n=2&q=a+b" || h["x-key"] != "k2" || h["x-app"] != v.app.Name || h["accept"] != "application/json" {
		t.Errorf("get: %v", got)
	}

	// POST an object: JSON; fullResponse: status, lowercase headers, body.
	got = decode(t, v.mustEval(`var r = svc.api.post({url: '/echo', body: {name: 'Acme', n: [1, 2]}, settings: {fullResponse: true}});
		return {status: r.status, echo: r.headers['x-echo'], ct: r.body.headers['content-type'], body: JSON.parse(r.body.body)};`))
	if got["status"] != 200.0 || got["echo"] != "yes" || got["ct"] != "application/json" || fmt.Sprint(got["body"]) != "map[n:[1 2] name:Acme]" {
		t.Errorf("post: %v", got)
	}

	// Every method; a form body; a string body as it is; text answers.
	got = decode(t, v.mustEval(`var out = {};
		['put', 'patch', 'delete', 'options'].forEach(function (m) { out[m] = svc.api[m]({url: '/echo', body: 'x=1'}).method; });
		out.head = svc.api.head({url: '/echo', settings: {fullResponse: true}}).status;
		out.form = svc.api.post({url: '/echo', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: {a: '1', b: 'x y'}}).body;
		out.text = svc.api.get({url: '/text'});
		return out;`))
	if fmt.Sprint(got) != "map[delete:DELETE form:a=1&b=x+y head:200 options:OPTIONS patch:PATCH put:PUT text:plain words]" {
		t.Errorf("methods: %v", got)
	}

	// An error status throws a serviceException carrying the response.
	got = decode(t, v.mustEval(`try { svc.api.get({url: '/status/404'}); } catch (e) {
		return {code: sys.exceptions.getCode(e), msg: sys.exceptions.getMessage(e), status: e.additionalInfo.status,
			description: e.additionalInfo.body.description, info: sys.exceptions.getAdditionalInfo(e).status}; }`))
	if got["code"] != "serviceException" || got["status"] != 404.0 || got["description"] != "status 404" || got["info"] != 404.0 ||
		!strings.Contains(got["msg"].(string), "404 Not Found") {
		t.Errorf("404: %v", got)
	}
	// Uncaught, it fails the operation as a 500 naming the call.
	if _, err := v.eval(`svc.api.get({url: '/status/503'});`); !apperr.Is(err, apperr.InternalError) || !strings.Contains(err.Error(), "503") {
		t.Errorf("uncaught 503: %v", err)
	}

	// The read timeout: the call's own setting over the service's.
	got = decode(t, v.mustEval(`try { svc.api.get({url: '/slow', settings: {readTimeout: 100}}); return {}; } catch (e) { return {code: sys.exceptions.getCode(e)}; }`))
	if got["code"] != "timeout" {
		t.Errorf("timeout: %v", got)
	}

	// Redirects: followed by api's configuration, not by http's, and a call
	// may choose.
	if got := v.mustEval(`return svc.api.get({url: '/redirect'}).query;`); got != `"from=redirect"` {
		t.Errorf("followed redirect: %s", got)
	}
	got = decode(t, v.mustEval(`var r = svc.http.get({url: '`+ts.URL+`/redirect', settings: {fullResponse: true}});
		var f = svc.http.get({url: '`+ts.URL+`/redirect', settings: {followRedirects: true}});
		return {status: r.status, location: r.headers.location, followed: f.query};`))
	if got["status"] != 302.0 || got["location"] != "/echo?from=redirect" || got["followed"] != "from=redirect" {
		t.Errorf("redirects: %v", got)
	}

	// Basic, bearer and digest authorization.
	got = decode(t, v.mustEval(`var u = '`+ts.URL+`';
		var bad; try { svc.http.get({url: u + '/basic', authorization: {type: 'basic', username: 'user', password: 'nope'}}); } catch (e) { bad = e.additionalInfo.status; }
		return {basic: svc.http.get({url: u + '/basic', authorization: {type: 'basic', username: 'user', password: 'secret'}}), bad: bad,
			bearer: svc.http.get({url: u + '/echo', authorization: {type: 'oauth2', accessToken: 't0k'}}).headers.authorization,
			digest: svc.http.get({url: u + '/digest?x=1', authorization: {type: 'digest', username: 'user', password: 'secret'}})};`))
	if got["basic"] != "welcome" || got["bad"] != 401.0 || got["bearer"] != "Bearer t0k" || got["digest"] != "digest welcome" {
		t.Errorf("authorization: %v", got)
	}

	// Configuration: api has a base URL and refuses external URLs;
	// _configuration shows it resolved (an unset variable is null, RUNWAY_*
	// variables are never read).
	if _, err := v.eval(`svc.api.get({url: 'http://example.org/'});`); !apperr.Is(err, apperr.BadRequest) || !strings.Contains(err.Error(), "allowExternalUrl") {
		t.Errorf("external URL: %v", err)
	}
	got = decode(t, v.mustEval(`var c = svc.api._configuration; return {name: svc.api._name, base: c.baseUrl, missing: c.missing, secret: c.secret};`))
	if got["name"] != "api" || got["base"] != ts.URL || got["missing"] != nil || got["secret"] != nil {
		t.Errorf("configuration: %v", got)
	}

	// Callbacks run with the response; the call answers {status: 'ok'}.
	got = decode(t, v.mustEval(`var seen; var r = svc.api.get({url: '/echo?cb=1'}, {tag: 'mine'}, {callback: function (event, data) { seen = event.data.query + '/' + data.tag; }});
		return {r: r, seen: seen};`))
	if fmt.Sprint(got) != "map[r:map[status:ok] seen:cb=1/mine]" {
		t.Errorf("callback: %v", got)
	}

	// What Runway does not do fails clearly.
	for src, want := range map[string]string{
		`svc.pdf.generatePdf({})`:                                      `service type "pdf" is not supported by Runway`,
		`svc.nope.get({url: '/'})`:                                     `the app has no service "nope"`,
		`svc.api.get({url: '/echo', settings: {forceDownload: true}})`: `forceDownload (files) is not supported by Runway yet`,
		`svc.api.get()`:                                                `needs the options of the request`,
	} {
		if _, err := v.eval(src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", src, err, want)
		}
	}
}

// A package's code reaches its service through dependencies and its
// configuration through config; pkg.<name>.<namespace> is its exports.
func TestPackages(t *testing.T) {
	ts := echoServer(t)
	v := servicesApp(t, ts.URL)
	got := decode(t, v.mustEval(`var r = pkg.web.api.get('/echo', {params: {p: 1}});
		var basic = pkg.web.api.get({path: '/basic'});
		var posted = pkg.web.api.post('/echo', {name: 'bare body'});
		return {query: r.query, pkgHeader: r.headers['x-pkg'], ct: r.headers['content-type'], basic: basic, body: posted.body,
			extra: pkg.web.api.utils.getConfiguration('extra'), joined: pkg.web.api.utils.concatQuery('/a?b=1', 'c', 2)};`))
	want := map[string]any{"query": "p=1", "pkgHeader": "web", "ct": "application/json", "basic": "welcome",
		"body": `{"name":"bare body"}`, "extra": "from dynamicConfig", "joined": "/a?b=1&c=2"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %v, want %v (%v)", k, got[k], w, got)
		}
	}
	if _, err := v.eval(`return pkg.nope.api;`); err == nil || !strings.Contains(err.Error(), `no package "nope"`) {
		t.Errorf("unknown package: %v", err)
	}
}

// The exported sample app's HTTP package, with Runway's own code for it.
func TestSamplePackage(t *testing.T) {
	ts := echoServer(t)
	v := newEnv(t, os.DirFS("../app/testdata/sample"))
	got := decode(t, v.mustEval(`var r = pkg.http.api.get({url: '`+ts.URL+`/echo', params: {foo1: '1'}});
		return {query: r.query, method: r.method, cfg: pkg.http.api.utils.getConfiguration('readTimeout')};`))
	if got["query"] != "foo1=1" || got["method"] != "GET" || got["cfg"] != "60000" {
		t.Errorf("sample package: %v", got)
	}
}
