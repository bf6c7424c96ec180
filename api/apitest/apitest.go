// Package apitest starts a real Runway server on a random port over a real
// SQLite file, for black-box HTTP tests — or over a fresh PostgreSQL
// database when the suite runs its PostgreSQL half (Main).
package apitest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	stdlog "log"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"runway/api"
	"runway/app"
	"runway/applog"
	"runway/auth"
	"runway/blob"
	"runway/blob/blobtest"
	"runway/clock"
	"runway/data"
	"runway/files"
	"runway/history"
	"runway/jobs"
	"runway/metrics"
	"runway/runtime"
	"runway/script"
	"runway/store/postgres"
)

// Admin credentials of every test server.
const (
	AdminEmail    = "admin@example.org"
	AdminPassword = "admin-password-1"
)

// Server is a running test server.
type Server struct {
	URL  string // base URL of the API, ".../dev/runtime/api"
	Root string // server root, for /healthz
	Data *data.Service
	Auth *auth.Service
	Jobs *jobs.Service
	API  *api.Server // the HTTP server (its Routes)
	// Files is the file service (its Blobs() are the file contents).
	Files *files.Service
	// Metrics are the server's Prometheus metrics (runway serve exposes
	// them on --metrics-addr; a test scrapes their Handler).
	Metrics *metrics.Metrics
	// Runtime is the runtime the server is built on (Drain).
	Runtime *runtime.Runtime
	Token   string       // an admin (developer) token ("" when Start could not log in: RequireHTTPS over plain HTTP)
	Client  *http.Client // the client the helpers use (trusts the server's certificate with TLS)
	// Header is added to every request the helpers send (e.g.
	// X-Forwarded-Proto behind a pretended proxy); tests may change it.
	Header http.Header
	t      testing.TB
}

// Options tune a test server.
type Options struct {
	MaxBodySize int64
	IdleTimeout time.Duration // session inactivity expiry; 0 = the default 8 hours

	// TLS, when set, serves HTTPS with this configuration (its first
	// certificate); Client then trusts that certificate.
	TLS          *tls.Config
	RequireHTTPS bool
	TrustProxy   bool
	// Header is added to every request the helpers send.
	Header http.Header
	// LoginRate is the failed logins a minute per IP and per email (0: the
	// server default, negative: no limit); LoginBurst the burst (0: default).
	LoginRate  float64
	LoginBurst int
	// Clock is the server's one clock (nil: the wall clock): sessions,
	// record timestamps, time listeners.
	Clock clock.Clock
	// Log receives the server log (nil: discarded).
	Log io.Writer
	// Jobs configures the job workers (zero: the defaults); e.g. short
	// heartbeat and takeover times, small batches with a pause so a test
	// can act while a job runs, or Workers -1 so jobs stay PENDING.
	Jobs jobs.Config
	// ScriptTimeout limits a synchronous script execution (0: the
	// engine's 30 s).
	ScriptTimeout time.Duration
	// QueryTimeout limits a database statement (0: the store's default).
	QueryTimeout time.Duration
	// AggregateMaxItems bounds the documents an aggregate stage holds (0:
	// the default).
	AggregateMaxItems int
	// AggregateInGo runs every aggregate stage in Go (the reference the
	// SQL statements must agree with).
	AggregateInGo bool
	// Environment holds the variables ${NAME} placeholders of services'
	// and packages' configuration read (nil: the process environment).
	Environment map[string]string
	// NoOpenAPI turns off GET {base}/openapi.json (and the console).
	NoOpenAPI bool
	// NoConsole turns off the web console.
	NoConsole bool
	// Files tunes the file service (zero: the defaults). Files are kept
	// in a temporary directory, or, in the PostgreSQL half, in a fake S3
	// served by the test process (blobtest).
	Files files.Options
	// HistoryRetention and LogRetention: how long history entries and
	// app logs are kept (0: the defaults, forever and 30 days).
	HistoryRetention, LogRetention time.Duration
}

// runtimeConfig is the part of the runtime's configuration the options
// tune; the environment is dev.
func (o Options) runtimeConfig() runtime.Config {
	return runtime.Config{Env: "dev", Clock: o.Clock, Jobs: o.Jobs, Data: data.Options{AggregateMaxItems: o.AggregateMaxItems, AggregateInGo: o.AggregateInGo},
		History: history.Options{Retention: o.HistoryRetention}, AppLog: applog.Options{Retention: o.LogRetention},
		Auth:    auth.Options{IdleTimeout: o.IdleTimeout, LoginRate: o.LoginRate, LoginBurst: o.LoginBurst},
		Scripts: script.Options{SyncTimeout: o.ScriptTimeout, LookupEnv: o.lookupEnv()},
		API: api.Config{MaxBodySize: o.MaxBodySize, RequireHTTPS: o.RequireHTTPS, TrustProxy: o.TrustProxy,
			NoOpenAPI: o.NoOpenAPI, NoConsole: o.NoConsole},
		Files: runtime.Files{Options: o.Files}}
}

func (o Options) lookupEnv() func(string) (string, bool) {
	if o.Environment == nil {
		return nil
	}
	return func(name string) (string, bool) { v, ok := o.Environment[name]; return v, ok }
}

// Start serves the app in fsys (nil = the demo app) until the test ends.
func Start(t testing.TB, fsys fs.FS, opts ...Options) *Server {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if fsys == nil {
		fsys = app.Demo()
	}
	a, _, err := app.Load(fsys)
	if err != nil {
		t.Fatalf("load app: %v", err)
	}
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	cfg := o.runtimeConfig()
	cfg.App, cfg.DB, cfg.Log = a, database(t, o.QueryTimeout), slog.New(slog.NewTextHandler(logw, nil))
	cfg.Files.Blobs = blobStore(t)
	ctx := context.Background()
	rt, err := runtime.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open runtime: %v", err)
	}
	if _, _, err := rt.Auth.EnsureAdmin(ctx, AdminEmail, AdminPassword); err != nil {
		rt.Close()
		t.Fatalf("create admin: %v", err)
	}
	rt.Start()
	srv := rt.API
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener = api.Listener(hs.Listener)
	// TLS handshake failures that tests cause on purpose are not news.
	hs.Config.ErrorLog = stdlog.New(logw, "", 0)
	if o.TLS != nil {
		hs.TLS = o.TLS
		hs.StartTLS()
	} else {
		hs.Start()
	}
	t.Cleanup(func() {
		hs.Close()
		rt.Close()
	})
	s := &Server{URL: hs.URL + srv.Base(), Root: hs.URL, Data: rt.Data, Auth: rt.Auth, Jobs: rt.Jobs, Files: rt.Files, API: srv,
		Metrics: rt.Metrics, Runtime: rt, Client: hs.Client(),
		Header: o.Header.Clone(), t: t}
	if s.Header == nil {
		s.Header = http.Header{}
	}
	if !o.RequireHTTPS || o.TLS != nil || (o.TrustProxy && s.Header.Get("X-Forwarded-Proto") != "") {
		s.Token = s.Login(AdminEmail, AdminPassword)
	}
	return s
}

// For returns a copy of s whose helpers report to t: parallel subtests
// that share one server use it so that failures land on the subtest.
func (s *Server) For(t testing.TB) *Server {
	c := *s
	c.t = t
	return &c
}

// Login logs in and returns the token, failing the test otherwise.
func (s *Server) Login(email, password string) string {
	s.t.Helper()
	r := s.Do("POST", "/auth/login", "", map[string]any{"email": email, "password": password})
	r.Status(200)
	tok, _ := r.JSON()["token"].(string)
	if tok == "" {
		s.t.Fatalf("login %s: no token in %s", email, r.Body)
	}
	return tok
}

// Response is a finished request.
type Response struct {
	Code   int
	Header http.Header
	Body   []byte
	t      testing.TB
}

// Do sends a request; body is JSON-encoded unless it is a string or []byte.
func (s *Server) Do(method, path, token string, body any) *Response {
	s.t.Helper()
	r, err := s.Call(method, path, token, body)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// Call is Do without failing the test: it is safe to use from goroutines
// other than the test's own. Check the answer in the test goroutine.
func (s *Server) Call(method, path, token string, body any) (*Response, error) {
	req, err := s.NewRequest(method, path, token, body)
	if err != nil {
		return nil, err
	}
	return s.send(req)
}

// NewRequest prepares a request to the API: body is JSON-encoded unless it
// is a string or []byte, and sent as application/json.
func (s *Server) NewRequest(method, path, token string, body any) (*http.Request, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		return nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("token", token)
	}
	return req, nil
}

// Raw sends a body as is with that content type ("" = no Content-Type).
func (s *Server) Raw(method, path, token, contentType, body string) *Response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewBufferString(body))
	if err != nil {
		s.t.Fatalf("new request: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("token", token)
	}
	return s.Send(req)
}

// Send sends a prepared request.
func (s *Server) Send(req *http.Request) *Response {
	s.t.Helper()
	r, err := s.send(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return r
}

func (s *Server) send(req *http.Request) (*Response, error) {
	for k, vs := range s.Header {
		if _, set := req.Header[k]; !set {
			req.Header[k] = vs
		}
	}
	res, err := s.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Code: res.StatusCode, Header: res.Header, Body: b, t: s.t}, nil
}

// CreateUser creates a user through the API as the admin, with a password
// and any other fields of sys.users in extra, and returns the new record.
func (s *Server) CreateUser(email, password string, extra map[string]any) map[string]any {
	s.t.Helper()
	body := map[string]any{
		"firstName": "Test",
		"lastName":  "User",
		"email":     email,
		"authentication": map[string]any{
			"newPassword": password, "passwordConfirmation": password,
		},
	}
	for k, v := range extra {
		body[k] = v
	}
	return s.As("POST", "/data/sys.users", body).Status(200).JSON()
}

// As is Do with the admin token.
func (s *Server) As(method, path string, body any) *Response {
	s.t.Helper()
	return s.Do(method, path, s.Token, body)
}

// Status fails the test unless the answer has that status.
func (r *Response) Status(code int) *Response {
	r.t.Helper()
	if r.Code != code {
		r.t.Fatalf("status %d, want %d; body: %s", r.Code, code, r.Body)
	}
	return r
}

// JSON decodes the body as an object (numbers as float64).
func (r *Response) JSON() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		r.t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// Error checks an error answer: status, code and the body shape of
// rest-api.md §2.1; it returns the decoded body.
func (r *Response) Error(status int, code string) map[string]any {
	r.t.Helper()
	r.Status(status)
	m := r.JSON()
	if m["code"] != code {
		r.t.Fatalf("error code %v, want %s; body: %s", m["code"], code, r.Body)
	}
	if msg, _ := m["message"].(string); msg == "" {
		r.t.Fatalf("error without message: %s", r.Body)
	}
	if _, ok := m["errors"].([]any); !ok {
		r.t.Fatalf("error without errors array: %s", r.Body)
	}
	return m
}

// Decode decodes the body into v, failing the test when it cannot.
func (r *Response) Decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("decode body: %v: %s", err, r.Body)
	}
}

// FieldError checks a validationErrors answer that holds an error with that
// field path and code, and returns that entry (field, fieldLabel, code,
// message, additionalInfo).
func (r *Response) FieldError(field, code string) map[string]any {
	r.t.Helper()
	m := r.Error(400, "validationErrors")
	for _, e := range m["errors"].([]any) {
		fe, _ := e.(map[string]any)
		if fe["field"] == field && fe["code"] == code {
			for _, k := range []string{"fieldLabel", "message", "additionalInfo"} {
				if _, ok := fe[k]; !ok {
					r.t.Fatalf("field error without %s: %s", k, r.Body)
				}
			}
			return fe
		}
	}
	r.t.Fatalf("no field error %s/%s in %s", field, code, r.Body)
	return nil
}

// FieldErrors returns the per-field errors of a validationErrors answer as
// field → code.
func (r *Response) FieldErrors() map[string]string {
	r.t.Helper()
	m := r.Error(400, "validationErrors")
	out := map[string]string{}
	for _, e := range m["errors"].([]any) {
		fe := e.(map[string]any)
		out[fe["field"].(string)] = fe["code"].(string)
	}
	return out
}

// storeEnv selects the store of the test servers: "postgres" in the
// PostgreSQL half of a suite (set by Main), else SQLite.
const storeEnv = "RUNWAY_TEST_STORE"

// postgresEnv holds the URL of a PostgreSQL server on which each test
// server gets a database of its own.
const postgresEnv = "RUNWAY_TEST_POSTGRES"

// OnPostgres reports whether test servers run over PostgreSQL.
func OnPostgres() bool { return os.Getenv(storeEnv) == "postgres" }

// database is the database of a test server: a SQLite file in a temporary
// directory, or a fresh PostgreSQL database (created from
// RUNWAY_TEST_POSTGRES, dropped when the test ends).
func database(t testing.TB, queryTimeout time.Duration) runtime.DB {
	t.Helper()
	if !OnPostgres() {
		return runtime.DB{URL: "sqlite://" + filepath.Join(t.TempDir(), "runway.db"), QueryTimeout: queryTimeout}
	}
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Fatalf("%s=postgres needs %s (a postgres:// URL)", storeEnv, postgresEnv)
	}
	url, drop, err := postgres.CreateTestDatabase(context.Background(), base)
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return runtime.DB{URL: url, Pool: 8, QueryTimeout: queryTimeout}
}

// blobStore is where a test server keeps file contents: a temporary
// directory, or a fake S3 in the PostgreSQL half (the scale-out setup).
func blobStore(t testing.TB) blob.Store {
	t.Helper()
	if OnPostgres() {
		return blobtest.StartS3(t).Open(t)
	}
	d, err := blob.OpenDir(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatalf("blob store: %v", err)
	}
	return d
}

// Main runs a package's black-box tests over SQLite and then, when
// RUNWAY_TEST_POSTGRES holds a connection URL, runs the test binary again
// (same flags) with every test server over its own PostgreSQL database.
// Without the URL it says how to run that half. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	if OnPostgres() {
		return code
	}
	if os.Getenv(postgresEnv) == "" {
		fmt.Println("apitest: the PostgreSQL half of the HTTP suite is skipped; run it with " +
			postgresEnv + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
		return code
	}
	fmt.Println("apitest: running the HTTP suite again over PostgreSQL")
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), storeEnv+"=postgres")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Println("apitest: PostgreSQL half:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Upload sends a file to POST /files as a multipart part named "file",
// streamed (the content is read while the request is sent).
func (s *Server) Upload(token, name, contentType string, content io.Reader) *Response {
	s.t.Helper()
	req, err := s.UploadRequest(token, "file", name, contentType, content)
	if err != nil {
		s.t.Fatalf("upload: %v", err)
	}
	return s.Send(req)
}

// UploadRequest prepares POST /files with one multipart part (part name,
// file name, content type) whose content streams from content.
func (s *Server) UploadRequest(token, part, name, contentType string, content io.Reader) (*http.Request, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": part, "filename": name}))
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		w, err := mw.CreatePart(h)
		if err == nil {
			_, err = io.Copy(w, content)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", s.URL+"/files", pr)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("token", token)
	}
	return req, nil
}

// UploadBytes uploads content as the admin and returns the file id.
func (s *Server) UploadBytes(name, contentType string, content []byte) string {
	s.t.Helper()
	r := s.Upload(s.Token, name, contentType, bytes.NewReader(content)).Status(200).JSON()
	id, _ := r["fileId"].(string)
	if id == "" {
		s.t.Fatalf("upload: no fileId in %v", r)
	}
	return id
}
