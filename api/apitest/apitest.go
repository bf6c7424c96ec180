// Package apitest starts a real Runway server on a random port over a real
// SQLite file, for black-box HTTP tests.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"runway/api"
	"runway/app"
	"runway/auth"
	"runway/data"
	"runway/store/sqlite"
)

// Admin credentials of every test server.
const (
	AdminEmail    = "admin@example.org"
	AdminPassword = "admin-password-1"
)

// Server is a running test server.
type Server struct {
	URL   string // base URL of the API, ".../dev/runtime/api"
	Root  string // server root, for /healthz
	Data  *data.Service
	Auth  *auth.Service
	Token string // an admin (developer) token
	t     testing.TB
}

// Options tune a test server.
type Options struct {
	MaxBodySize int64
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
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "runway.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	if err := st.Sync(ctx, a); err != nil {
		t.Fatalf("sync store: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := data.New(a, st, log)
	au := auth.New(d, a.Name, 0, log)
	if _, _, err := au.EnsureAdmin(ctx, AdminEmail, AdminPassword); err != nil {
		t.Fatalf("create admin: %v", err)
	}
	srv := api.New(api.Config{Env: "dev", MaxBodySize: o.MaxBodySize}, d, au, log)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		st.Close()
	})
	s := &Server{URL: hs.URL + srv.Base(), Root: hs.URL, Data: d, Auth: au, t: t}
	s.Token = s.Login(AdminEmail, AdminPassword)
	return s
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
			s.t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatalf("new request: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("token", token)
	}
	return s.Send(req)
}

// Send sends a prepared request.
func (s *Server) Send(req *http.Request) *Response {
	s.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatalf("read body: %v", err)
	}
	return &Response{Code: res.StatusCode, Header: res.Header, Body: b, t: s.t}
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
