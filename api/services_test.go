package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"runway/api/apitest"
)

// partner is the external API of app/testdata/services: POST /quotes
// prices an item, GET /items/{x} knows "widget" (404 otherwise, 502 for
// "broken"), /items/slow never answers, POST /orders registers an order.
// It remembers the headers of the last quote.
type partner struct {
	*httptest.Server
	mu    sync.Mutex
	quote http.Header
}

func newPartner(t *testing.T) *partner {
	p := &partner{}
	mux := http.NewServeMux()
	answer := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("POST /quotes", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Item string
			Qty  int
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		p.mu.Lock()
		p.quote = r.Header.Clone()
		p.mu.Unlock()
		answer(w, 201, map[string]any{"item": in.Item, "price": 12.5 * float64(in.Qty),
			"app": r.Header.Get("X-App"), "trace": r.Header.Get("X-Trace")})
	})
	mux.HandleFunc("GET /items/{item}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("item") {
		case "widget":
			answer(w, 200, map[string]any{"found": true, "name": "Widget"})
		case "broken":
			answer(w, 502, map[string]any{"error": "upstream down"})
		case "slow":
			<-r.Context().Done()
		default:
			answer(w, 404, map[string]any{"error": "no such item"})
		}
	})
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, map[string]any{"ref": "P-" + r.Header.Get("X-App")})
	})
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

func servicesServer(t *testing.T, p *partner) *apitest.Server {
	return apitest.Start(t, os.DirFS("../app/testdata/services"), apitest.Options{
		Environment: map[string]string{"PARTNER_API": p.URL, "PARTNER_READ_TIMEOUT": "300"}})
}

// Actions reach an external HTTP API through svc.<service>: the service's
// base URL and default headers from the environment, the call's headers,
// JSON both ways, error statuses the script may catch, and a read timeout.
func TestActionCallsExternalAPI(t *testing.T) {
	t.Parallel()
	p := newPartner(t)
	s := servicesServer(t, p)

	m := s.As("PUT", "/data/orders/quote", obj{"item": "widget"}).Status(200).JSON()
	if m["status"] != 201.0 || m["price"] != 25.0 || m["item"] != "widget" || m["app"] != "services" || m["trace"] != "trace-1" {
		t.Errorf("quote: %s", js(m))
	}
	p.mu.Lock()
	ct := p.quote.Get("Content-Type")
	p.mu.Unlock()
	if ct != "application/json" {
		t.Errorf("quote Content-Type %q", ct)
	}

	// A 404 the script catches; a 502 it does not is the action's 500.
	if m := s.As("PUT", "/data/orders/lookup", obj{"item": "widget"}).Status(200).JSON(); m["found"] != true || m["name"] != "Widget" {
		t.Errorf("lookup widget: %s", js(m))
	}
	if m := s.As("PUT", "/data/orders/lookup", obj{"item": "gadget"}).Status(200).JSON(); m["found"] != false || m["reason"] != "no such item" {
		t.Errorf("lookup gadget: %s", js(m))
	}
	e := s.As("PUT", "/data/orders/lookup", obj{"item": "broken"}).Error(500, "internalError")
	if msg := e["message"].(string); !strings.Contains(msg, "502") || !strings.Contains(msg, "/items/broken") {
		t.Errorf("502: %s", msg)
	}
	// The service's read timeout (300 ms from the environment).
	e = s.As("PUT", "/data/orders/lookup", obj{"item": "slow"}).Error(500, "internalError")
	if msg := e["message"].(string); !strings.Contains(msg, "read timeout") {
		t.Errorf("timeout: %s", msg)
	}

	// A one-record action saves what the partner answered.
	o := create(t, s, "orders", obj{"number": "A-1"})
	r := s.As("PUT", "/data/orders/"+o["id"].(string)+"/register", nil).Status(200).JSON()
	if r["partnerRef"] != "P-services" {
		t.Errorf("register: %s", js(r))
	}
}

// A service whose configuration names an environment variable that is not
// set gets null there: here no base URL, so a relative URL is refused.
func TestServiceWithoutItsEnvironment(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, os.DirFS("../app/testdata/services"), apitest.Options{Environment: map[string]string{}})
	e := s.As("PUT", "/data/orders/quote", obj{"item": "widget"}).Error(400, "badRequest")
	if msg := e["message"].(string); !strings.Contains(msg, "the service has no baseUrl") {
		t.Errorf("no base URL: %s", msg)
	}
}
