// Package metrics is Runway's Prometheus instrumentation: one registry per
// runtime with the requests, the store's queries, the count cache, jobs,
// scripts, listeners and logins, and the Go runtime's and the process's own
// metrics. The services are told nothing of Prometheus: each declares what
// it reports as a small observer interface in its options (api.Observer,
// jobs.Observer, script.Observer, auth.Observer), which *Metrics
// implements; the runtime hands it to them, and wraps the store they use
// (Store) to time its queries.
package metrics

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"runway/store"
)

// Metrics is the registry of one runtime and its instruments. Its methods
// are safe for concurrent use; a nil *Metrics records nothing.
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	inFlight        prometheus.Gauge
	storeQueries    *prometheus.HistogramVec
	jobs            *prometheus.CounterVec
	scripts         *prometheus.CounterVec
	scriptDuration  *prometheus.HistogramVec
	scriptTimeouts  *prometheus.CounterVec
	listenerErrors  *prometheus.CounterVec
	loginFailures   *prometheus.CounterVec
	lockouts        prometheus.Counter
}

// New builds the registry with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := factory{m.reg}
	m.requests = f.counter("http_requests_total", "HTTP requests answered, by route pattern, method and status class.",
		"route", "method", "status")
	m.requestDuration = f.histogram("http_request_duration_seconds", "Time to answer HTTP requests, by route pattern, method and status class.",
		prometheus.DefBuckets, "route", "method", "status")
	m.inFlight = f.gauge("http_requests_in_flight", "HTTP requests being answered.")
	m.storeQueries = f.histogram("store_query_duration_seconds", "Time of the store's operations (a write: the whole transaction), by operation.",
		[]float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}, "op")
	m.jobs = f.counter("jobs_total", "Jobs that reached a status in this process (created: PENDING), by type and status.", "type", "status")
	m.scripts = f.counter("script_executions_total", "Script executions (a save's field logic, an action, a listener), by context: request or job.", "context")
	m.scriptDuration = f.histogram("script_execution_duration_seconds", "Time of script executions, by context.", prometheus.DefBuckets, "context")
	m.scriptTimeouts = f.counter("script_timeouts_total", "Script executions stopped at their time limit, by context.", "context")
	m.listenerErrors = f.counter("listener_errors_total", "Listeners that failed, or could not run, by listener.", "listener")
	m.loginFailures = f.counter("login_failures_total", "Refused logins, by reason: the error code, or rateLimited.", "reason")
	m.lockouts = f.counter("login_lockouts_total", "Users blocked after too many failed logins.").WithLabelValues()
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is where the metrics are registered (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// factory makes runway_* instruments in one registry.
type factory struct{ reg *prometheus.Registry }

func (f factory) counter(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "runway", Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "runway", Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) histogram(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "runway", Name: name, Help: help, Buckets: buckets}, labels)
	f.reg.MustRegister(h)
	return h
}

// ---- api.Observer ----

// RequestStarted counts a request in flight.
func (m *Metrics) RequestStarted() {
	if m != nil {
		m.inFlight.Inc()
	}
}

// RequestDone records an answered request; route is the pattern that
// served it ("/data/{entity}"), status the answer's status code.
func (m *Metrics) RequestDone(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.inFlight.Dec()
	class := strconv.Itoa(status/100) + "xx"
	m.requests.WithLabelValues(route, method, class).Inc()
	m.requestDuration.WithLabelValues(route, method, class).Observe(d.Seconds())
}

// ---- jobs.Observer ----

// JobStatus counts a job of that type reaching status.
func (m *Metrics) JobStatus(jobType store.JobType, status store.JobStatus) {
	if m != nil {
		m.jobs.WithLabelValues(string(jobType), string(status)).Inc()
	}
}

// ---- script.Observer ----

// ScriptExecuted records one top-level script execution.
func (m *Metrics) ScriptExecuted(background bool, d time.Duration, timedOut bool) {
	if m == nil {
		return
	}
	ctx := "request"
	if background {
		ctx = "job"
	}
	m.scripts.WithLabelValues(ctx).Inc()
	m.scriptDuration.WithLabelValues(ctx).Observe(d.Seconds())
	if timedOut {
		m.scriptTimeouts.WithLabelValues(ctx).Inc()
	}
}

// ListenerFailed counts a listener that failed or could not run.
func (m *Metrics) ListenerFailed(listener string) {
	if m != nil {
		m.listenerErrors.WithLabelValues(listener).Inc()
	}
}

// ---- auth.Observer ----

// LoginFailed counts a refused login.
func (m *Metrics) LoginFailed(reason string) {
	if m != nil {
		m.loginFailures.WithLabelValues(reason).Inc()
	}
}

// UserLockedOut counts a user blocked by failed logins.
func (m *Metrics) UserLockedOut() {
	if m != nil {
		m.lockouts.Inc()
	}
}

// ---- what is read at scrape time ----

// countCacheStats is what a store with a count cache reports.
type countCacheStats interface {
	CountCacheStats() (hits, misses uint64)
}

// scrapeTimeout bounds the store queries of a scrape.
const scrapeTimeout = 2 * time.Second

// Watch registers the metrics read from st at each scrape: its count
// cache's hits and misses, and the jobs waiting in its queue. st is the
// store itself, not Store's wrapper (a scrape is not a query of the app).
func (m *Metrics) Watch(st store.Store) {
	if c, ok := st.(countCacheStats); ok {
		for _, result := range []string{"hit", "miss"} {
			m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "runway",
				Name: "count_cache_lookups_total", Help: "Lookups of list totals in the count cache, by result: hit or miss.",
				ConstLabels: prometheus.Labels{"result": result}}, func() float64 {
				hits, misses := c.CountCacheStats()
				if result == "hit" {
					return float64(hits)
				}
				return float64(misses)
			}))
		}
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "runway",
			Name: "count_cache_hit_ratio", Help: "Hits of the count cache over its lookups since the start (0 before any)."}, func() float64 {
			hits, misses := c.CountCacheStats()
			if hits+misses == 0 {
				return 0
			}
			return float64(hits) / float64(hits+misses)
		}))
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "runway",
		Name: "jobs_queued", Help: "Jobs waiting for a worker (PENDING) in the store, which every process shares."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
		defer cancel()
		_, n, err := st.ListJobs(ctx, &store.JobFilter{Statuses: []store.JobStatus{store.JobPending}, Limit: 1})
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	}))
}
