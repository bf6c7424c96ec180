package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runway maintenance on|off|status works on a stopped server's data dir; a
// running server holds the database, so the command says so and points to
// the REST call, which switches the running server at once.
func TestMaintenanceCLI(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	d := func(a ...string) []string { return append(a, "--data", data) }

	r := run(t, nil, d("maintenance", "status")...)
	r.ok(t)
	if !strings.Contains(r.stdout, "maintenance: off") {
		t.Errorf("status of a fresh data dir: %q", r.stdout)
	}
	mustNotExist(t, filepath.Join(data, "runway.db"))
	r = run(t, nil, d("maintenance", "on")...)
	r.ok(t)
	if r.stdout != "maintenance: on\n" {
		t.Errorf("on printed %q", r.stdout)
	}
	if r = run(t, []string{"RUNWAY_DATA=" + data}, "maintenance", "status"); r.stdout != "maintenance: on\n" {
		t.Errorf("status printed %q", r.stdout)
	}
	run(t, nil, d("maintenance", "frobnicate")...).fails(t, `unknown maintenance command "frobnicate"`)
	run(t, nil, "maintenance").fails(t, "Usage:")
	run(t, nil, "maintenance", "on", "--data", data, "extra").fails(t, `unexpected argument "extra"`)

	// The server starts in maintenance: ordinary users get 503, login
	// included; developers work.
	env := []string{"RUNWAY_ADMIN_PASSWORD=admin-password-1"}
	s := startServe(t, env, "--data", data, "--addr", "127.0.0.1:0")
	admin := s.token("admin@localhost", "admin-password-1")
	code, body := s.call("POST", "/data/sys.users", admin, map[string]any{"firstName": "Ana", "lastName": "Lima",
		"email": "ana@example.com", "authentication": map[string]any{"newPassword": "ana-password", "passwordConfirmation": "ana-password"},
		"groups": []any{map[string]any{"group": "users"}}})
	if code != http.StatusOK {
		t.Fatalf("create user: %d %v", code, body)
	}
	if code, body := s.call("POST", "/auth/login", "", map[string]any{"email": "ana@example.com", "password": "ana-password"}); code != http.StatusServiceUnavailable || body["code"] != "applicationUnavailable" {
		t.Errorf("login during maintenance: %d %v", code, body)
	}
	if code, body := s.call("GET", "/maintenance", admin, nil); code != http.StatusOK || body["enabled"] != true {
		t.Errorf("GET /maintenance: %d %v", code, body)
	}

	// While it runs, the CLI cannot open the database and says what to do.
	r = run(t, nil, d("maintenance", "off")...)
	r.fails(t, "running server")
	if !strings.Contains(r.stderr, "/runtime/api/maintenance") || !strings.Contains(r.stderr, `"enabled": false`) {
		t.Errorf("the error does not point to the REST call:\n%s", r.stderr)
	}
	if code, body := s.call("PUT", "/maintenance", admin, map[string]any{"enabled": false}); code != http.StatusOK || body["enabled"] != false {
		t.Fatalf("PUT /maintenance: %d %v", code, body)
	}
	tok := s.token("ana@example.com", "ana-password")
	if code, body := s.call("GET", "/data/companies", tok, nil); code != http.StatusOK {
		t.Errorf("after maintenance off: %d %v", code, body)
	}
	s.stopOK()
	if r = run(t, nil, d("maintenance", "status")...); r.stdout != "maintenance: off\n" {
		t.Errorf("status after the REST call: %q", r.stdout)
	}
}

// runway check (and serve) report the problems of groups' security blocks
// with file and JSON path.
func TestCheckSecurity(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "security", "groups"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("app.json", `{"name": "bad"}`)
	write("security/groups/bad.json", `{"name": "bad", "security": {
		"sessionPolicies": {"automaticLogoutTime": "tenMinutes"},
		"allowedIPs": ["10.0.0.0/40"],
		"restApiPermissions": {"allowDataApi": false, "allowEverything": true}}}`)
	r := run(t, nil, "check", "--app", dir)
	r.fails(t, "the app definition has errors")
	for _, want := range []string{
		"error: security/groups/bad.json: security.sessionPolicies.automaticLogoutTime: unknown value \"tenMinutes\"",
		"error: security/groups/bad.json: security.allowedIPs[0]:",
		"warning: security/groups/bad.json: security.restApiPermissions.allowEverything:",
		"2 errors, 2 warnings",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("check output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = run(t, nil, "serve", "--app", dir, "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	r.fails(t, "automaticLogoutTime")
	if r := run(t, nil, "check", "--app", testdata(t, "secure")); r.code != 0 || !strings.Contains(r.stdout, "ok (0 warnings)") {
		t.Errorf("the security test app: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// runway users applies the password policy of the user's primary group.
func TestUsersPasswordPolicy(t *testing.T) {
	t.Parallel()
	args := []string{"--app", testdata(t, "secure"), "--data", t.TempDir()}
	a := func(x ...string) []string { return append(x, args...) }
	r := run(t, nil, a("users", "add", "--email", "ed@example.com", "--password", "weakpassword", "--group", "staff,relaxed")...)
	r.fails(t, "validationErrors")
	for _, want := range []string{"capital", "number", "symbol"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the error does not name the %s rule:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "weakpassword") {
		t.Errorf("the error shows the password:\n%s", r.stderr)
	}
	run(t, nil, a("users", "add", "--email", "ed@example.com", "--password", "Strong-Pass-1", "--group", "staff,relaxed")...).ok(t)
	run(t, nil, a("users", "set-password", "--email", "ed@example.com", "--password", "Short-1")...).fails(t, "at least 10 characters")
	run(t, nil, a("users", "set-password", "--email", "ed@example.com", "--password", "Longer-Pass-2")...).ok(t)
	// The relaxed group as primary: the floor of 6 only.
	run(t, nil, a("users", "add", "--email", "gil@example.com", "--password", "simple", "--group", "relaxed,staff")...).ok(t)
	run(t, nil, a("users", "add", "--email", "bad@example.com", "--password", "Strong-Pass-1", "--group", "nosuch")...).
		fails(t, "groups[0].group")
}

func TestServeTransportFlags(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	run(t, nil, "serve", "--data", data, "--tls-cert", "cert.pem").fails(t, "--tls-cert and --tls-key go together")
	run(t, nil, "serve", "--data", data, "--tls-cert", "nope.pem", "--tls-key", "nope.key").fails(t, "TLS certificate")
	run(t, nil, "serve", "--data", data, "--login-burst", "0").fails(t, "--login-burst")

	// --require-https over plain HTTP: the API answers 400, health checks
	// still work; --trust-proxy lets a proxy vouch for HTTPS.
	env := []string{"RUNWAY_ADMIN_PASSWORD=admin-password-1"}
	s := startServe(t, append(env, "RUNWAY_REQUIRE_HTTPS=true"), "--data", data, "--addr", "127.0.0.1:0", "--trust-proxy")
	if code, body := s.call("POST", "/auth/login", "", map[string]any{"email": "admin@localhost", "password": "admin-password-1"}); code != http.StatusBadRequest || body["code"] != "badRequest" {
		t.Errorf("plain HTTP login: %d %v", code, body)
	}
	req, _ := http.NewRequest("GET", s.URL+"/data/companies", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("through the proxy: %d, HSTS %q (want 401 with HSTS)", res.StatusCode, res.Header.Get("Strict-Transport-Security"))
	}
	s.stopOK()
}
