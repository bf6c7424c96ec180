package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"runway/record"
)

// Observer is told of every request (package metrics implements it).
type Observer interface {
	// RequestStarted: a request is being answered.
	RequestStarted()
	// RequestDone: it was answered; route is the pattern that served it,
	// relative to the API base ("/data/{entity}", "/healthz").
	RequestDone(route, method string, status int, d time.Duration)
}

// requestInfo is what the handlers of a request tell its log line.
type requestInfo struct {
	id   string
	user string // the caller's user id, once known
}

type requestKey struct{}

// setUser names the user of the request in its log line.
func setUser(r *http.Request, userID string) {
	if info, ok := r.Context().Value(requestKey{}).(*requestInfo); ok {
		info.user = userID
	}
}

// requestID is the id of the request in the log.
func requestID(ctx context.Context) string {
	if info, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		return info.id
	}
	return ""
}

// maxRequestID bounds an X-Request-Id taken from a request.
const maxRequestID = 128

// track starts the bookkeeping of a request: its id (X-Request-Id as sent
// when it is a sane token, else a new one, returned either way), the
// observer, and done, which logs one line once the answer is written:
// method, route pattern, status, duration, user id and request id — never
// the query string, headers or body, where tokens and passwords travel.
// The probes are logged at debug level.
func (s *Server) track(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request, func()) {
	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if !validRequestID(id) {
		id = record.NewID()
	}
	w.Header().Set("X-Request-Id", id)
	info := &requestInfo{id: id}
	r = r.WithContext(context.WithValue(r.Context(), requestKey{}, info))
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	if s.cfg.Observer != nil {
		s.cfg.Observer.RequestStarted()
	}
	return rec, r, func() {
		d := time.Since(start)
		route := r.Pattern // set by the mux; empty when refused before it
		if route == "" {
			route = s.Route(r)
		}
		if i := strings.IndexByte(route, ' '); i >= 0 {
			route = route[i+1:] // the method is a label of its own
		}
		route = strings.TrimPrefix(route, s.Base())
		if route == "" {
			route = "/"
		}
		if s.cfg.Observer != nil {
			s.cfg.Observer.RequestDone(route, r.Method, rec.status, d)
		}
		level := slog.LevelInfo
		if route == "/healthz" || route == "/readyz" {
			level = slog.LevelDebug
		}
		s.log.LogAttrs(r.Context(), level, "request", slog.String("method", r.Method), slog.String("route", route),
			slog.Int("status", rec.status), slog.Duration("duration", d), slog.String("user", info.user),
			slog.String("request_id", id))
	}
}

// validRequestID accepts ids that are safe to log and echo: 1 to 128
// letters, digits and . _ : -.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._:-", c)
		if !ok {
			return false
		}
	}
	return true
}

// statusRecorder remembers the status of the answer.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusRecorder) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the connection's writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ready: GET /readyz answers 200 while the server may take traffic, 503
// with the reason otherwise.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
	}
	_, _ = w.Write([]byte("ok\n"))
}
