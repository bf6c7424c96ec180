package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"runway/metrics"
)

func TestValidRequestID(t *testing.T) {
	for id, ok := range map[string]bool{
		"abc": true, "6650a1b2c3d4e5f601234567": true, "a.b_c:d-e": true, "": false,
		"a b": false, "a\nrequest_id=x": false, `a"b`: false, "é": false,
		string(make([]byte, maxRequestID+1)): false,
	} {
		if validRequestID(id) != ok {
			t.Errorf("validRequestID(%q) = %v", id, !ok)
		}
	}
}

// BenchmarkRequestTracking measures what a request pays for its log line,
// its metrics and its X-Request-Id: the same route served by the mux
// alone (baseline) and through ServeHTTP with the metrics and a text log.
func BenchmarkRequestTracking(b *testing.B) {
	s := &Server{cfg: Config{Env: "dev", Observer: metrics.New()}, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		mux: &routeMux{ServeMux: http.NewServeMux()}}
	s.mux.HandleFunc("GET /dev/runtime/api/data/{entity}/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, []byte(`{"id":"6650a1b2c3d4e5f601234567","version":0,"label":"x"}`))
	})
	req := httptest.NewRequest("GET", "/dev/runtime/api/data/companies/6650a1b2c3d4e5f601234567", nil)
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"mux only", s.mux}, {"tracked", s}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
