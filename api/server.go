// Package api is the HTTP layer of Runway: it routes, decodes parameters and
// bodies, turns the token into a caller, calls the services and renders JSON.
// The rules live in the services.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"runway/apperr"
	"runway/applog"
	"runway/auth"
	"runway/console"
	"runway/data"
	"runway/jobs"
	"runway/query"
	"runway/ui"
)

// Config holds the HTTP settings.
type Config struct {
	Env         string // environment in the base path, e.g. "dev"
	MaxBodySize int64  // bytes; larger bodies get 400
	// RequireHTTPS answers plain-HTTP requests with 400 badRequest
	// (rest-api.md §1); /healthz and /readyz stay reachable.
	RequireHTTPS bool
	// TrustProxy believes X-Forwarded-Proto (the scheme) and
	// X-Forwarded-For (the client IP) set by a proxy in front of Runway.
	// Without it both headers are ignored.
	TrustProxy bool
	// PublicURL is the scheme and host (and any path prefix before the
	// base) clients reach Runway at, for absolute links in job results
	// (an export's fileLink); empty: taken from each request.
	PublicURL string
	// NoOpenAPI turns off GET {base}/openapi.json (openapi.go), and with it
	// the console, which reads the app's shape from that document.
	NoOpenAPI bool
	// NoConsole turns off the web console at /{env}/console/ (package
	// console).
	NoConsole bool
	// Observer is told of every request (metrics); nil: nobody.
	Observer Observer
	// Ready answers GET /readyz: nil when the server may take traffic, else
	// why not (the runtime's: store, schema, shutting down); nil: always ready.
	Ready func(context.Context) error
}

// DefaultMaxBodySize is the body limit when none is configured (10 MiB).
const DefaultMaxBodySize = 10 << 20

// Server serves the apps REST API of one app.
type Server struct {
	cfg  Config
	data *data.Service
	auth *auth.Service
	jobs *jobs.Service
	log  *slog.Logger
	mux  *routeMux
	// console serves /{env}/console/ (nil: off); its static files are not
	// API routes, so they are outside the mux and Routes.
	console http.Handler

	appLog *applog.Service
	ui     *ui.Hub // the console sessions' sys.ui messages

	openapi struct { // the document, built on its first request
		once sync.Once
		doc  []byte
		err  error
	}
}

// New builds the server and its routes.
func New(cfg Config, d *data.Service, a *auth.Service, j *jobs.Service, al *applog.Service, hub *ui.Hub, log *slog.Logger) *Server {
	s := &Server{cfg: cfg.withDefaults(), data: d, auth: a, jobs: j, appLog: al, ui: hub, log: log, mux: &routeMux{ServeMux: http.NewServeMux()}}
	s.routes()
	if p := s.ConsolePath(); p != "" {
		s.console = console.Handler(p)
	}
	return s
}

// ConsolePath is the path of the web console ("/dev/console/"), "" when it
// is off.
func (s *Server) ConsolePath() string {
	if s.cfg.NoConsole || s.cfg.NoOpenAPI {
		return ""
	}
	return "/" + s.cfg.Env + "/console/"
}

func (cfg Config) withDefaults() Config {
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = DefaultMaxBodySize
	}
	if cfg.Env == "" {
		cfg.Env = "dev"
	}
	return cfg
}

// routeMux is the server's ServeMux, remembering the patterns registered
// on it so tests can check that every route is covered (Routes).
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// Routes lists the pattern of every registered route in registration
// order, as given to the mux ("GET /dev/runtime/api/data/{entity}", "/").
func (s *Server) Routes() []string { return slices.Clone(s.mux.patterns) }

// Route is the pattern of the route that serves r ("/" for the JSON 404
// of unknown paths, the console's path for its files).
func (s *Server) Route(r *http.Request) string {
	if s.isConsole(r) {
		return s.ConsolePath()
	}
	_, p := s.mux.Handler(r)
	return p
}

// isConsole reports whether r is for the console's files.
func (s *Server) isConsole(r *http.Request) bool {
	return s.console != nil && strings.HasPrefix(r.URL.Path+"/", s.ConsolePath())
}

// Base is the path prefix of the API, e.g. "/dev/runtime/api".
func (s *Server) Base() string { return "/" + s.cfg.Env + "/runtime/api" }

func (s *Server) routes() {
	b := s.Base()
	s.mux.HandleFunc("GET /healthz", health)
	s.mux.HandleFunc("GET /readyz", s.ready)

	s.mux.HandleFunc("POST "+b+"/auth/login", s.public(s.login))
	s.mux.HandleFunc("POST "+b+"/auth/logout", s.authed(s.logout))

	s.mux.HandleFunc("GET "+b+"/data/{entity}", s.authed(s.listRecords))
	s.mux.HandleFunc("POST "+b+"/data/{entity}", s.authed(s.createRecord))
	s.mux.HandleFunc("DELETE "+b+"/data/{entity}", s.authed(s.deleteQuery))
	s.mux.HandleFunc("GET "+b+"/data/{entity}/{id}", s.authed(s.readRecord))
	// An id: update; another word: an action over a query (actions.go).
	s.mux.HandleFunc("PUT "+b+"/data/{entity}/{id}", s.authed(s.putData))
	s.mux.HandleFunc("PUT "+b+"/data/{entity}/aggregate", s.authed(s.aggregate))
	s.mux.HandleFunc("PUT "+b+"/data/{entity}/export", s.authed(s.exportRecords))
	s.mux.HandleFunc("POST "+b+"/data/{entity}/import", s.authed(s.importRecords))
	s.mux.HandleFunc("DELETE "+b+"/data/{entity}/{ids}", s.authed(s.deleteRecords))
	// Actions over one record or an id list (sys.users' built-in ones too).
	s.mux.HandleFunc("PUT "+b+"/data/{entity}/{ids}/{action}", s.authed(s.recordsAction))
	// History, under its current name and its older one (rest-api.md §6.12).
	for _, name := range historyNames {
		s.mux.HandleFunc("GET "+b+"/data/{entity}/"+name, s.authed(s.history))
		s.mux.HandleFunc("GET "+b+"/data/{entity}/{id}/"+name, s.authed(s.history))
	}

	// Files (rest-api.md §7); downloads take the token from a cookie too.
	s.mux.HandleFunc("POST "+b+"/files", s.authed(s.uploadFile))
	s.mux.HandleFunc("GET "+b+"/files/{id}", s.download(s.downloadFile))
	s.mux.HandleFunc("PUT "+b+"/files/{id}/share", s.authed(s.shareFile))
	s.mux.HandleFunc("GET "+b+"/files/shared/{id}", s.public(s.sharedFile))
	s.mux.HandleFunc("GET "+b+"/data/{entity}/{id}/files/{fileId}", s.download(s.recordFile))

	s.mux.HandleFunc("GET "+b+"/maintenance", s.authed(s.getMaintenance))
	s.mux.HandleFunc("PUT "+b+"/maintenance", s.authed(s.putMaintenance))

	// Jobs (rest-api.md §9); the job log also under the singular path of
	// the documentation's sample.
	s.mux.HandleFunc("GET "+b+"/status/jobs", s.authed(s.listJobs))
	s.mux.HandleFunc("GET "+b+"/status/jobs/{id}", s.authed(s.getJob))
	s.mux.HandleFunc("GET "+b+"/status/jobs/{id}/logs", s.authed(s.jobLogs))
	s.mux.HandleFunc("GET "+b+"/status/job/{id}/logs", s.authed(s.jobLogs))
	s.mux.HandleFunc("PUT "+b+"/status/jobs/{id}/{command}", s.authed(s.jobCommand))

	// The app log (rest-api.md §8).
	s.mux.HandleFunc("GET "+b+"/status/logs", s.authed(s.listLogs))
	s.mux.HandleFunc("POST "+b+"/status/logs", s.authed(s.createLog))

	// The sys.ui messages of the caller's open console session (ui.go).
	s.mux.HandleFunc("GET "+b+"/ui/messages", s.authed(s.uiMessages))

	if !s.cfg.NoOpenAPI {
		s.mux.HandleFunc("GET "+b+"/openapi.json", s.public(s.serveOpenAPI))
	}

	// Everything else is a JSON 404, including known paths with another
	// method, so every answer has the error body of rest-api.md §2.
	s.mux.HandleFunc("/", s.public(noRoute))
}

// ServeHTTP adds the headers every answer carries, enforces HTTPS when
// configured, refuses what it would otherwise misread (a non-canonical
// path, CONNECT, a query string that does not parse: request.go), and
// dispatches; the request is logged and observed (requests.go).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w, r, done := s.track(w, r)
	defer done()
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	secure := s.isHTTPS(r)
	if secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if s.cfg.RequireHTTPS && !secure && r.URL.Path != "/healthz" && r.URL.Path != "/readyz" {
		s.writeError(w, r, apperr.New(apperr.BadRequest, "HTTPS is required"))
		return
	}
	if len(r.RequestURI) > query.MaxURL {
		s.writeError(w, r, apperr.New(apperr.BadRequest, "The URL is longer than %d bytes, the limit of a request's path and query string", query.MaxURL))
		return
	}
	r, err := readRequest(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.isConsole(r) {
		s.console.ServeHTTP(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func health(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// handler is an endpoint: it writes a success answer or returns an error.
type handler func(w http.ResponseWriter, r *http.Request, c *data.Caller) error

// public serves an endpoint that needs no token.
func (s *Server) public(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r, nil); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// authed serves an endpoint that needs a valid token: the token becomes a
// caller, and the caller passes the guard (security.go) before the handler
// runs.
func (s *Server) authed(h handler) http.HandlerFunc { return s.authenticated(h, false) }

// download is authed for file links, whose token may also come in the
// cookie "token" (rest-api.md §1): a browser following a link sends no
// header.
func (s *Server) download(h handler) http.HandlerFunc { return s.authenticated(h, true) }

func (s *Server) authenticated(h handler, cookie bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.Header.Get("token")
		if ck, err := r.Cookie("token"); token == "" && cookie && err == nil {
			token = ck.Value
		}
		c, err := s.auth.Authenticate(r.Context(), token, s.clientIP(r))
		if err == nil {
			setUser(r, c.UserID)
			err = s.guard(r, c)
		}
		if err == nil {
			err = h(w, r, c)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	}
}

func noRoute(_ http.ResponseWriter, r *http.Request, _ *data.Caller) error {
	return apperr.New(apperr.NotFound, "No endpoint %s %s", r.Method, r.URL.Path)
}
