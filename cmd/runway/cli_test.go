package main

// Black-box tests of the runway binary: TestMain builds it once, the tests
// spawn it as a user would and talk to it over HTTP on a random port.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Generous limits, only there so that a broken binary fails instead of hanging.
const (
	startTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
	runTimeout   = 60 * time.Second
)

var runwayBin string // the binary under test

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "runway-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	runwayBin = filepath.Join(dir, "runway")
	build := exec.Command("go", "build", "-o", runwayBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build runway:", err)
		return 1
	}
	return m.Run()
}

// testdata is the absolute path of an app of app/testdata.
func testdata(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "app", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// childEnv is this process's environment without any RUNWAY_* variable,
// plus extra ("NAME=value").
func childEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RUNWAY_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// result is the outcome of a command that runs to its end.
type result struct {
	stdout, stderr string
	code           int
}

// run runs the binary to its end, in an empty working directory.
func run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, runwayBin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = childEnv(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("runway %q did not finish in %v\nstdout:\n%s\nstderr:\n%s", args, runTimeout, r.stdout, r.stderr)
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("runway %q: %v", args, err)
	}
	return r
}

// fails asserts that a command exited with a non-zero status and said want
// on stderr.
func (r result) fails(t *testing.T, want string) {
	t.Helper()
	if r.code == 0 {
		t.Errorf("exit status 0, want non-zero\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.stderr)
	}
}

// ok asserts that a command exited with status 0.
func (r result) ok(t *testing.T) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit status %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// servingLine is the log line serve writes once it listens; it is how a
// test learns the address when it asks for port 0.
var servingLine = regexp.MustCompile(`(?m)^.*msg="runway serving".* url=(\S+)\n`)

// stderrLog collects a server's stderr and reports the URL of its serving
// line.
type stderrLog struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	url   chan string
	found bool
}

func (l *stderrLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if !l.found {
		if m := servingLine.FindSubmatch(l.buf.Bytes()); m != nil {
			l.found = true
			l.url <- string(m[1])
		}
	}
	return len(p), nil
}

func (l *stderrLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// server is a running "runway serve".
type server struct {
	t      testing.TB
	cmd    *exec.Cmd
	stderr *stderrLog
	exited chan struct{}
	URL    string // the API base, e.g. http://127.0.0.1:41234/dev/runtime/api
	Root   string // e.g. http://127.0.0.1:41234
}

// startServe starts "runway serve args…" and waits until GET /healthz answers 200.
func startServe(t testing.TB, env []string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(runwayBin, append([]string{"serve"}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = childEnv(env)
	s := &server{t: t, cmd: cmd, stderr: &stderrLog{url: make(chan string, 1)}, exited: make(chan struct{})}
	cmd.Stdout = io.Discard
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = cmd.Process.Kill()
			<-s.exited
		}
	})

	select {
	case s.URL = <-s.stderr.url:
	case <-s.exited:
		t.Fatalf("runway serve %q exited with %v before serving:\n%s", args, cmd.ProcessState, s.stderr)
	case <-time.After(startTimeout):
		t.Fatalf("runway serve %q did not log its URL in %v:\n%s", args, startTimeout, s.stderr)
	}
	u, err := url.Parse(s.URL)
	if err != nil || u.Host == "" {
		t.Fatalf("serving URL %q: %v", s.URL, err)
	}
	s.Root = u.Scheme + "://" + u.Host

	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := http.Get(s.Root + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("runway serve exited with %v:\n%s", cmd.ProcessState, s.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /healthz not 200 after %v (last error %v):\n%s", startTimeout, err, s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s
}

// waitLog waits until the server has written want on stderr.
func (s *server) waitLog(want string) {
	s.t.Helper()
	deadline := time.Now().Add(stopTimeout)
	for !strings.Contains(s.stderr.String(), want) {
		select {
		case <-s.exited:
			s.t.Fatalf("runway serve exited before logging %q:\n%s", want, s.stderr)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("runway serve did not log %q in %v:\n%s", want, stopTimeout, s.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop sends SIGTERM and returns the exit status.
func (s *server) stop() int {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("SIGTERM: %v", err)
	}
	return s.wait()
}

// wait waits for the process to end and returns its exit status.
func (s *server) wait() int {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.t.Fatalf("runway serve did not exit in %v after SIGTERM:\n%s", stopTimeout, s.stderr)
	}
	return s.cmd.ProcessState.ExitCode()
}

// stopOK stops the server and asserts a clean exit.
func (s *server) stopOK() {
	s.t.Helper()
	if code := s.stop(); code != 0 {
		s.t.Fatalf("exit status after SIGTERM = %d, want 0:\n%s", code, s.stderr)
	}
}

// kill ends the server with SIGKILL, as a crash would.
func (s *server) kill() {
	s.t.Helper()
	_ = s.cmd.Process.Kill()
	<-s.exited
}

var client = &http.Client{Timeout: 30 * time.Second}

// call sends a JSON request to the API and decodes the JSON answer.
func (s *server) call(method, path, token string, body any) (int, map[string]any) {
	s.t.Helper()
	return call(s.t, method, s.URL+path, token, body)
}

func call(t testing.TB, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("token", token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d, not a JSON object: %q", method, url, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// startSlowCreate starts a POST whose body is sent only when the returned
// function is called, and returns once the server's handler is reading that
// body (it asked for it with "100 Continue"). The function sends body and
// returns the answer.
func (s *server) startSlowCreate(token, path string) func(body any) (int, map[string]any) {
	s.t.Helper()
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", s.URL+path, pr)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	req.Header.Set("token", token)
	reading := make(chan struct{})
	var once sync.Once
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		Got100Continue: func() { once.Do(func() { close(reading) }) },
	}))
	tr := &http.Transport{ExpectContinueTimeout: startTimeout}
	type answer struct {
		code int
		body map[string]any
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		resp, err := (&http.Client{Transport: tr, Timeout: startTimeout + stopTimeout}).Do(req)
		if err != nil {
			done <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		var a answer
		a.code = resp.StatusCode
		a.err = json.NewDecoder(resp.Body).Decode(&a.body)
		done <- a
	}()
	select {
	case <-reading:
	case a := <-done:
		s.t.Fatalf("POST %s answered before its body was sent: %d %v %v", path, a.code, a.body, a.err)
	case <-time.After(startTimeout):
		s.t.Fatalf("POST %s: no 100 Continue in %v", path, startTimeout)
	}
	s.t.Cleanup(func() { pw.Close(); tr.CloseIdleConnections() })
	return func(body any) (int, map[string]any) {
		s.t.Helper()
		if err := json.NewEncoder(pw).Encode(body); err != nil {
			s.t.Fatalf("send body: %v", err)
		}
		pw.Close()
		a := <-done
		if a.err != nil {
			s.t.Fatalf("POST %s: %v", path, a.err)
		}
		return a.code, a.body
	}
}

// login logs in and returns the answer; it fails the test unless it is 200.
func (s *server) login(email, password string) map[string]any {
	s.t.Helper()
	code, body := s.call("POST", "/auth/login", "", map[string]any{"email": email, "password": password})
	if code != http.StatusOK {
		s.t.Fatalf("login %s: %d %v", email, code, body)
	}
	if tok, _ := body["token"].(string); tok == "" {
		s.t.Fatalf("login %s: no token in %v", email, body)
	}
	return body
}

// token logs in and returns the token.
func (s *server) token(email, password string) string {
	s.t.Helper()
	return s.login(email, password)["token"].(string)
}

// loginFails asserts that a login is refused with 401.
func (s *server) loginFails(email, password string) {
	s.t.Helper()
	code, body := s.call("POST", "/auth/login", "", map[string]any{"email": email, "password": password})
	if code != http.StatusUnauthorized {
		s.t.Errorf("login %s with %q: %d %v, want 401", email, password, code, body)
	}
}

func mustExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("%s should exist: %v", path, err)
	}
}

func mustNotExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s should not exist (stat: %v)", path, err)
	}
}

var generatedPassword = regexp.MustCompile(`Created developer user admin@localhost with password: (\S+)`)

// First start without RUNWAY_ADMIN_*: admin@localhost with a generated
// password printed once; a restart prints nothing and keeps it, and keeps the
// data and the tokens written before SIGTERM.
func TestServeGeneratedAdminAndRestart(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	s := startServe(t, nil, "--data", data, "--addr", "127.0.0.1:0")
	if u, _ := url.Parse(s.URL); u.Path != "/dev/runtime/api" {
		t.Errorf("API base %q, want /dev/runtime/api", u.Path)
	}
	log := s.stderr.String()
	m := generatedPassword.FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no generated password on stderr:\n%s", log)
	}
	password := m[1]
	if n := strings.Count(log, password); n != 1 {
		t.Errorf("the password appears %d times on stderr, want once:\n%s", n, log)
	}
	s.loginFails("admin@localhost", password+"x")
	login := s.login("admin@localhost", password)
	if login["app"] != "demo" || login["userEmail"] != "admin@localhost" {
		t.Errorf("login answer %v, want app demo and userEmail admin@localhost", login)
	}
	tok := login["token"].(string)
	code, company := s.call("POST", "/data/companies", tok, map[string]any{"name": "Browsezoom", "state": "pending"})
	if code != http.StatusOK {
		t.Fatalf("create company: %d %v", code, company)
	}
	id, _ := company["id"].(string)

	// Graceful shutdown: a request in progress when SIGTERM arrives is
	// answered, and what it wrote is kept.
	inFlight := s.startSlowCreate(tok, "/data/skills")
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s.waitLog("shutting down")
	code, skill := inFlight(map[string]any{"name": "Patience", "category": "soft"})
	if code != http.StatusOK {
		t.Errorf("request in flight during shutdown: %d %v", code, skill)
	}
	if code := s.wait(); code != 0 {
		t.Fatalf("exit status after SIGTERM = %d, want 0:\n%s", code, s.stderr)
	}
	mustExist(t, filepath.Join(data, "runway.db"))

	// RUNWAY_ADMIN_PASSWORD only applies to the first start on an empty store.
	s = startServe(t, []string{"RUNWAY_ADMIN_PASSWORD=another-password"}, "--data", data, "--addr", "127.0.0.1:0")
	if log := s.stderr.String(); strings.Contains(log, "Created developer user") || strings.Contains(log, "password") {
		t.Errorf("second start printed a user or password:\n%s", log)
	}
	s.loginFails("admin@localhost", "another-password")
	tok2 := s.token("admin@localhost", password)
	code, got := s.call("GET", "/data/companies/"+id, tok2, nil)
	if code != http.StatusOK || got["name"] != "Browsezoom" || got["state"] != "pending" || got["version"] != 0.0 {
		t.Errorf("company after restart: %d %v", code, got)
	}
	if code, got := s.call("GET", "/data/skills/"+fmt.Sprint(skill["id"]), tok2, nil); code != http.StatusOK || got["name"] != "Patience" {
		t.Errorf("skill created during shutdown, after restart: %d %v", code, got)
	}
	// The token issued before the restart is still valid.
	if code, body := s.call("GET", "/data/companies/"+id, tok, nil); code != http.StatusOK {
		t.Errorf("token of the first run after restart: %d %v", code, body)
	}
	s.stopOK()
}

// Every flag works, and every flag also as its RUNWAY_* variable.
func TestServeFlagsAndEnvironment(t *testing.T) {
	t.Parallel()
	kitchen := testdata(t, "kitchen")
	admin := []string{"RUNWAY_ADMIN_EMAIL=boss@example.com", "RUNWAY_ADMIN_PASSWORD=boss-password-1"}
	type layout struct{ data, db string }
	cases := []struct {
		name   string
		env    func(l layout) []string
		args   func(l layout) []string
		dbFile func(l layout) string // where the database must be
	}{{
		name: "flags",
		// a flag wins over its variable
		env: func(l layout) []string { return []string{"RUNWAY_ENV=staging", "RUNWAY_DATA=" + l.db} },
		args: func(l layout) []string {
			return []string{"--data", l.data, "--addr", "127.0.0.1:0", "--env", "prod", "--app", kitchen,
				"--log-retention", "7d", "--history-retention", "8760h"}
		},
		dbFile: func(l layout) string { return filepath.Join(l.data, "runway.db") },
	}, {
		name: "environment",
		env: func(l layout) []string {
			return []string{"RUNWAY_DATA=" + l.data, "RUNWAY_ADDR=127.0.0.1:0", "RUNWAY_ENV=prod", "RUNWAY_APP=" + kitchen,
				"RUNWAY_LOG_RETENTION=0", "RUNWAY_HISTORY_RETENTION=365d"}
		},
		dbFile: func(l layout) string { return filepath.Join(l.data, "runway.db") },
	}, {
		name: "db flag",
		args: func(l layout) []string {
			return []string{"--data", l.data, "--db", "sqlite://" + filepath.Join(l.db, "custom.db"),
				"--addr", "127.0.0.1:0", "--env", "prod", "--app", kitchen}
		},
		dbFile: func(l layout) string { return filepath.Join(l.db, "custom.db") },
	}, {
		name: "db environment",
		env: func(l layout) []string {
			return []string{"RUNWAY_DATA=" + l.data, "RUNWAY_DB=sqlite://" + filepath.Join(l.db, "custom.db"),
				"RUNWAY_ADDR=127.0.0.1:0", "RUNWAY_ENV=prod", "RUNWAY_APP=" + kitchen}
		},
		dbFile: func(l layout) string { return filepath.Join(l.db, "custom.db") },
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			l := layout{data: filepath.Join(root, "data"), db: filepath.Join(root, "db")}
			var env, args []string
			if tc.env != nil {
				env = tc.env(l)
			}
			if tc.args != nil {
				args = tc.args(l)
			}
			s := startServe(t, append(env, admin...), args...)
			if u, _ := url.Parse(s.URL); u.Path != "/prod/runtime/api" {
				t.Errorf("API base %q, want /prod/runtime/api", u.Path)
			}
			log := s.stderr.String()
			if !strings.Contains(log, "Created developer user boss@example.com") || strings.Contains(log, "boss-password-1") {
				t.Errorf("stderr should announce boss@example.com without its password:\n%s", log)
			}
			s.loginFails("admin@localhost", "boss-password-1")
			login := s.login("boss@example.com", "boss-password-1")
			if login["app"] != "kitchen" {
				t.Errorf("login app = %v, want kitchen", login["app"])
			}
			tok := login["token"].(string)
			code, p := s.call("POST", "/data/people", tok, map[string]any{"name": "Ada", "email": "ada@example.com"})
			if code != http.StatusOK || p["label"] != "Ada" {
				t.Errorf("create people: %d %v", code, p)
			}
			if code, body := s.call("GET", "/data/people?name=Ada", tok, nil); code != http.StatusOK || body["total"] != 1.0 {
				t.Errorf("list people: %d %v", code, body)
			}
			if code, body := s.call("GET", "/data/companies", tok, nil); code != http.StatusNotFound {
				t.Errorf("the demo's companies on the kitchen app: %d %v, want 404", code, body)
			}
			if code, body := call(t, "POST", s.Root+"/dev/runtime/api/auth/login", "",
				map[string]any{"email": "boss@example.com", "password": "boss-password-1"}); code != http.StatusNotFound {
				t.Errorf("login under /dev with --env prod: %d %v, want 404", code, body)
			}
			s.stopOK()
			want := tc.dbFile(l)
			mustExist(t, want)
			for _, p := range []string{filepath.Join(l.data, "runway.db"), filepath.Join(l.db, "custom.db"), filepath.Join(l.db, "runway.db")} {
				if p != want {
					mustNotExist(t, p)
				}
			}
		})
	}
}

// A second serve on the same data dir fails while the first runs; after a
// crash (SIGKILL) the data dir is usable again and keeps what was written.
func TestServeSecondInstanceAndCrash(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	env := []string{"RUNWAY_ADMIN_PASSWORD=admin-password-1"}
	s := startServe(t, env, "--data", data, "--addr", "127.0.0.1:0")
	tok := s.token("admin@localhost", "admin-password-1")
	code, skill := s.call("POST", "/data/skills", tok, map[string]any{"name": "Go", "category": "technical"})
	if code != http.StatusOK {
		t.Fatalf("create skill: %d %v", code, skill)
	}

	r := run(t, env, "serve", "--data", data, "--addr", "127.0.0.1:0")
	r.fails(t, "database is in use by another process")
	r = run(t, env, "users", "list", "--data", data)
	r.fails(t, "database is in use by another process")
	// Same address, other data dir: fails before creating the first user,
	// so the next start still announces it.
	addr := strings.TrimPrefix(s.Root, "http://")
	other := t.TempDir()
	r = run(t, env, "serve", "--data", other, "--addr", addr)
	r.fails(t, "address already in use")
	if strings.Contains(r.stderr, "Created developer user") {
		t.Errorf("a start that could not listen created the first user:\n%s", r.stderr)
	}
	s2 := startServe(t, env, "--data", other, "--addr", "127.0.0.1:0")
	if log := s2.stderr.String(); !strings.Contains(log, "Created developer user admin@localhost") {
		t.Errorf("first successful start does not announce the first user:\n%s", log)
	}
	s2.stopOK()

	// The first one is unharmed.
	if code, body := s.call("GET", "/data/skills/"+skill["id"].(string), tok, nil); code != http.StatusOK {
		t.Errorf("first server after the failed starts: %d %v", code, body)
	}
	s.kill()

	s = startServe(t, env, "--data", data, "--addr", "127.0.0.1:0")
	tok = s.token("admin@localhost", "admin-password-1")
	if code, body := s.call("GET", "/data/skills/"+skill["id"].(string), tok, nil); code != http.StatusOK || body["name"] != "Go" {
		t.Errorf("skill after a crash: %d %v", code, body)
	}
	s.stopOK()
}

// Start-up errors end the process with status 1 and a clear message.
func TestServeStartErrors(t *testing.T) {
	t.Parallel()
	broken := testdata(t, "broken-types")
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"postgres unreachable", nil, []string{"--db", "postgres://runway@127.0.0.1:1/runway?connect_timeout=5"}, []string{"postgres: open"}},
		{"postgres env unreachable", []string{"RUNWAY_DB=postgresql://runway@127.0.0.1:1/runway?connect_timeout=5"}, nil, []string{"postgres: open"}},
		{"other database", nil, []string{"--db", "mysql://localhost/runway"}, []string{`unknown database URL "mysql://localhost/runway"`}},
		{"sqlite without path", nil, []string{"--db", "sqlite://"}, []string{"no file path"}},
		{"broken app", nil, []string{"--app", broken}, []string{
			`model/entities/a.json: fields[1].type: unknown type "texty"`,
			"the app definition has errors (run runway check)"}},
		{"missing app", nil, []string{"--app", filepath.Join(broken, "nothing-here")}, []string{"app directory", "no such file or directory"}},
		{"app is a file", nil, []string{"--app", filepath.Join(broken, "model", "entities", "a.json")}, []string{"is not a directory"}},
		{"bad address", nil, []string{"--addr", "127.0.0.1:99999"}, []string{"invalid port"}},
		{"stray argument", nil, []string{"extra"}, []string{`unexpected argument "extra"`}},
		{"bad secret key", []string{"RUNWAY_SECRET_KEY=not-32-bytes"}, nil, []string{"RUNWAY_SECRET_KEY: secret: the key must be 32 bytes"}},
		{"negative retention", nil, []string{"--history-retention", "-2d"}, []string{"--log-retention and --history-retention must be 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, tc.args...)
			r := run(t, tc.env, args...)
			if r.code != 1 {
				t.Errorf("exit status %d, want 1", r.code)
			}
			for _, w := range tc.want {
				r.fails(t, w)
			}
		})
	}
}

func TestCheckDemo(t *testing.T) {
	t.Parallel()
	r := run(t, nil, "check")
	r.ok(t)
	if r.stdout != "built-in demo app: ok (0 warnings)\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
	kitchen := testdata(t, "kitchen")
	r = run(t, []string{"RUNWAY_APP=" + kitchen}, "check")
	r.ok(t)
	if r.stdout != kitchen+": ok (0 warnings)\n" {
		t.Errorf("check with RUNWAY_APP: stdout = %q", r.stdout)
	}
	// Warnings are printed but do not fail.
	r = run(t, nil, "check", "--app", testdata(t, "warnings"))
	r.ok(t)
	for _, want := range []string{
		`warning: model/entities/e.json: fields[0].colour: unknown key "colour" ignored`,
		`warning: model/listeners/fromPlugin.json: type: listener type "plugin" is not supported; the listener is disabled`,
		`warning: extensions/services/pdf.json: serviceType: service type "pdf" is not supported by Runway: calls to svc.pdf throw`,
		`warning: app.js: line 3: sys.monitoring is not supported by Runway: it reads the platform's metrics; Runway has /healthz, /readyz and its logs`,
	} {
		if !strings.Contains(r.stdout, want+"\n") {
			t.Errorf("check warnings: stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if !regexp.MustCompile(`(?m)^\S+: ok \([1-9]\d* warnings\)\n\z`).MatchString(r.stdout) {
		t.Errorf("check warnings: no ok summary with warnings at the end:\n%s", r.stdout)
	}
}

// TestCheckSample: the exported sample app of app-model.md, rebuilt in
// app/testdata/sample (issue 7), passes runway check without warnings.
func TestCheckSample(t *testing.T) {
	t.Parallel()
	sample := testdata(t, "sample")
	r := run(t, nil, "check", "--app", sample)
	r.ok(t)
	if r.stdout != sample+": ok (0 warnings)\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
}

var (
	// "kind: file: path: message", the path left out for whole-file problems.
	problemLine = regexp.MustCompile(`^(error|warning): [^: ]+\.(json|js)(: [^ ]+)?: .+$`)
	summaryLine = regexp.MustCompile(`^(.+): (\d+) errors, (\d+) warnings$`)
)

func TestCheckBrokenApps(t *testing.T) {
	t.Parallel()
	// A few exact lines per app: the file, the JSON path and the message.
	want := map[string][]string{
		"broken-types": {
			`error: model/entities/a.json: fields[1].type: unknown type "texty"`,
			`error: model/entities/a.json: fields[2].type: missing type`,
			`error: model/entities/a.json: fields[4].multiplicity: multiplicity "several" must be "one" or "many"`,
		},
		"broken-duplicates": {
			`error: model/entities/a.json: fields[2].name: duplicate field name "x"`,
			`error: model/entities/a.json: fields[3].nestedFields[1].name: duplicate field name "p"`,
			`error: model/entities/b.json: name: duplicate entity "a" (also defined in model/entities/a.json)`,
		},
		"broken-references": {
			`error: model/entities/a.json: fields[0].typeRules.entity: unknown entity "nope"`,
			`error: model/entities/a.json: fields[3].typeRules.copiedFields[1]: unknown field "nope" in "b"`,
			`warning: security/groups/admins.json: entityPermissions[1].entity: unknown entity "ghosts"`,
		},
		"broken-scripts": {
			`error: model/entities/a.json: recordLabel: script reference "js/aRecordLabel": no script file next to a.json`,
			`error: model/entities/b.json: fields[0].defaultValue: script reference "js/nope": no such function in model/entities/b.js`,
			`error: model/listeners/onB.json: events[0].actions[1]: unknown action "ghostAction" of "b"`,
		},
		"broken-flags": {
			`error: model/entities/f.json: fields[0].unique: unique is not allowed on type boolean`,
			`error: model/entities/f.json: fields[8].nestedFields[1].nestedFields[0].unique: unique is not allowed inside a many-valued nested field`,
		},
		"broken-extensions": {
			`error: extensions/services/two.json: serviceType: a service needs its serviceType`,
			`error: extensions/packages/http.json: dependencies[0].serviceInstance: no service "nope" in extensions/services`,
			`error: extensions/packages/own.json: package "own" uses the package "absent", which the app does not have`,
			`warning: extensions/packages/own/package.json: metadata[2]: package listeners (hooks) are not supported by Runway and are ignored`,
		},
		"broken-entities": {
			`error: model/entities/loopb.json: parentEntity: inheritance cycle through parent entity "loopa"`,
			`error: model/entities/usesBase.json: fields[0].typeRules.entity: unknown entity "base"`,
		},
	}
	dirs, err := filepath.Glob(filepath.Join(testdata(t, "kitchen"), "..", "broken-*"))
	if err != nil || len(dirs) < len(want) {
		t.Fatalf("broken apps: %v %v", dirs, err)
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := run(t, nil, "check", "--app", dir)
			if r.code != 1 {
				t.Errorf("exit status %d, want 1", r.code)
			}
			if !strings.Contains(r.stderr, "the app definition has errors") {
				t.Errorf("stderr: %q", r.stderr)
			}
			lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			have := map[string]bool{}
			errs, warns := 0, 0
			for _, l := range lines[:len(lines)-1] {
				have[l] = true
				if !problemLine.MatchString(l) {
					t.Errorf("not a problem line with file (and path): %q", l)
				}
				if strings.HasPrefix(l, "error: ") {
					errs++
				} else {
					warns++
				}
			}
			if errs == 0 {
				t.Errorf("no errors listed:\n%s", r.stdout)
			}
			sum := summaryLine.FindStringSubmatch(lines[len(lines)-1])
			if sum == nil || sum[1] != dir || sum[2] != fmt.Sprint(errs) || sum[3] != fmt.Sprint(warns) {
				t.Errorf("last line %q, want %q", lines[len(lines)-1], fmt.Sprintf("%s: %d errors, %d warnings", dir, errs, warns))
			}
			for _, w := range want[name] {
				if !have[w] {
					t.Errorf("missing line %q in:\n%s", w, r.stdout)
				}
			}
		})
	}
}

func TestCheckUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope")
	r := run(t, nil, "check", "--app", missing)
	if r.code != 1 {
		t.Errorf("missing dir: exit status %d, want 1", r.code)
	}
	r.fails(t, missing+": no such file or directory")

	file := filepath.Join(dir, "app.json")
	if err := os.WriteFile(file, []byte(`{"name": "x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, nil, "check", "--app", file)
	if r.code != 1 {
		t.Errorf("file as app dir: exit status %d, want 1", r.code)
	}
	r.fails(t, "is not a directory")

	// "runway check DIR" must not silently check the demo app instead.
	r = run(t, nil, "check", testdata(t, "broken-types"))
	r.fails(t, "did you mean --app")
	if strings.Contains(r.stdout, "ok") {
		t.Errorf("stdout: %q", r.stdout)
	}
}

func TestUsers(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	d := []string{"--data", data}
	args := func(a ...string) []string { return append(a, d...) }

	r := run(t, nil, args("users", "add", "--email", "dev@example.com", "--password", "dev-pass-1",
		"--developer", "--first", "Dev", "--last", "Eloper")...)
	r.ok(t)
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc["email"] != "dev@example.com" || doc["fullName"] != "Dev Eloper" {
		t.Errorf("users add printed %q (%v)", r.stdout, err)
	}
	if strings.Contains(r.stdout, "dev-pass-1") {
		t.Errorf("users add printed the password: %s", r.stdout)
	}
	run(t, nil, args("users", "add", "--email", "user@example.com", "--password", "user-pass-1")...).ok(t)

	// Errors: nothing is written, the message says why.
	run(t, nil, args("users", "add", "--email", "dev@example.com", "--password", "other-pass-1")...).
		fails(t, "Value is already used by another record")
	run(t, nil, args("users", "add", "--email", "x@example.com")...).fails(t, "--email and --password are required")
	run(t, nil, args("users", "add", "--password", "x-pass-1")...).fails(t, "--email and --password are required")
	run(t, nil, args("users", "add", "--email", "not-an-email", "--password", "x-pass-1")...).fails(t, "validationErrors")
	run(t, nil, args("users", "set-password", "--email", "dev@example.com")...).fails(t, "--email and --password are required")
	run(t, nil, args("users", "set-password", "--email", "nobody@example.com", "--password", "x-pass-1")...).
		fails(t, `User "nobody@example.com" does not exist`)
	run(t, nil, args("users", "frobnicate")...).fails(t, `unknown users command "frobnicate"`)
	run(t, nil, "users", "list", "--data", data, "extra").fails(t, `unexpected argument "extra"`)
	run(t, nil, "users").fails(t, "Usage:")
	// A bad command line does not create a data dir.
	fresh := filepath.Join(t.TempDir(), "fresh")
	run(t, nil, "users", "add", "--data", fresh, "--email", "x@example.com").fails(t, "--email and --password are required")
	run(t, nil, "users", "frobnicate", "--data", fresh).fails(t, "unknown users command")
	mustNotExist(t, fresh)

	r = run(t, nil, args("users", "set-password", "--email", "dev@example.com", "--password", "new-pass-2")...)
	r.ok(t)
	if r.stdout != "password changed\n" {
		t.Errorf("set-password printed %q", r.stdout)
	}

	r = run(t, []string{"RUNWAY_DATA=" + data}, "users", "list")
	r.ok(t)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID ") {
		t.Fatalf("users list:\n%s", r.stdout)
	}
	// Ids order users by creation only to the second across processes, so
	// the lines are matched by email.
	byEmail := map[string][]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 5 || len(f[0]) != 24 {
			t.Fatalf("users list line %q", l)
		}
		byEmail[f[1]] = []string{strings.Join(f[2:len(f)-2], " "), f[len(f)-2], f[len(f)-1]}
	}
	for email, want := range map[string][]string{
		"dev@example.com":  {"Dev Eloper", "ACTIVE", "developer"},
		"user@example.com": {"user@example.com -", "ACTIVE", "user"},
	} {
		if got := byEmail[email]; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("users list: %s = %q, want %q\n%s", email, got, want, r.stdout)
		}
	}

	// A served instance: the store is not empty, so no admin is created;
	// the new password works, the old one does not.
	s := startServe(t, nil, "--data", data, "--addr", "127.0.0.1:0")
	if log := s.stderr.String(); strings.Contains(log, "Created developer user") {
		t.Errorf("an admin was created on a store with users:\n%s", log)
	}
	s.loginFails("dev@example.com", "dev-pass-1")
	s.login("dev@example.com", "new-pass-2")
	s.login("user@example.com", "user-pass-1")
	s.loginFails("admin@localhost", "dev-pass-1")
	s.stopOK()
}

func TestUsageAndVersion(t *testing.T) {
	t.Parallel()
	r := run(t, nil)
	if r.code != 2 || !strings.Contains(r.stderr, "Usage:") {
		t.Errorf("no command: %d %q", r.code, r.stderr)
	}
	r = run(t, nil, "frobnicate")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", r.code, r.stderr)
	}
	r = run(t, nil, "version")
	r.ok(t)
	if strings.TrimSpace(r.stdout) == "" {
		t.Errorf("version printed nothing")
	}
}
