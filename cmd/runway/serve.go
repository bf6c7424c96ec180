package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"runway/aggregate"
	"runway/api"
	"runway/applog"
	"runway/auth"
	"runway/data"
	"runway/files"
	"runway/history"
	"runway/jobs"
	"runway/runtime"
	"runway/script"
)

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	var c common
	c.register(fs)
	addr := fs.String("addr", env("RUNWAY_ADDR", "127.0.0.1:8080"), "listen address [RUNWAY_ADDR]")
	envName := fs.String("env", env("RUNWAY_ENV", "dev"), "environment name in the API path [RUNWAY_ENV]")
	maxBody := fs.Int64("max-body", api.DefaultMaxBodySize, "largest request body in bytes")
	idle := fs.Duration("session-timeout", auth.DefaultIdleTimeout, "token inactivity expiry")
	logLevel := fs.String("log-level", env("RUNWAY_LOG_LEVEL", "info"), "debug, info, warn or error [RUNWAY_LOG_LEVEL]")
	pprofAddr := fs.String("pprof", env("RUNWAY_PPROF", ""), "serve net/http/pprof on this separate address, e.g. 127.0.0.1:6060 (off when empty) [RUNWAY_PPROF]")
	metricsAddr := fs.String("metrics-addr", env("RUNWAY_METRICS_ADDR", ""), "serve Prometheus metrics at /metrics on this separate address, e.g. 127.0.0.1:9090 (off when empty) [RUNWAY_METRICS_ADDR]")
	noOpenAPI := fs.Bool("no-openapi", envBool("RUNWAY_NO_OPENAPI", false), "do not serve the app's OpenAPI document at {base}/openapi.json [RUNWAY_NO_OPENAPI]")
	noConsole := fs.Bool("no-console", envBool("RUNWAY_NO_CONSOLE", false), "do not serve the web console at /{env}/console/ [RUNWAY_NO_CONSOLE]")
	shutdownDelay := fs.Duration("shutdown-delay", envDuration("RUNWAY_SHUTDOWN_DELAY", 0), "on SIGTERM, answer /readyz 503 for this long before closing the listener, so load balancers stop sending requests first [RUNWAY_SHUTDOWN_DELAY]")
	tlsCert := fs.String("tls-cert", env("RUNWAY_TLS_CERT", ""), "TLS certificate file (PEM): serve HTTPS [RUNWAY_TLS_CERT]")
	tlsKey := fs.String("tls-key", env("RUNWAY_TLS_KEY", ""), "TLS private key file (PEM) [RUNWAY_TLS_KEY]")
	requireHTTPS := fs.Bool("require-https", envBool("RUNWAY_REQUIRE_HTTPS", false), "answer plain-HTTP requests with 400 badRequest [RUNWAY_REQUIRE_HTTPS]")
	publicURL := fs.String("public-url", env("RUNWAY_PUBLIC_URL", ""), "scheme and host clients reach Runway at, for absolute links (an export's fileLink); default: each request's [RUNWAY_PUBLIC_URL]")
	trustProxy := fs.Bool("trust-proxy", envBool("RUNWAY_TRUST_PROXY", false), "believe X-Forwarded-Proto and X-Forwarded-For from a proxy in front [RUNWAY_TRUST_PROXY]")
	loginRate := fs.Float64("login-rate", envFloat("RUNWAY_LOGIN_RATE", auth.DefaultLoginRate), "failed logins allowed per minute for each client IP and each email; 0 = no limit [RUNWAY_LOGIN_RATE]")
	loginBurst := fs.Int("login-burst", int(envFloat("RUNWAY_LOGIN_BURST", auth.DefaultLoginBurst)), "failed logins allowed at once before the rate applies [RUNWAY_LOGIN_BURST]")
	jobWorkers := fs.Int("job-workers", int(envFloat("RUNWAY_JOB_WORKERS", jobs.DefaultWorkers)), "background job workers; 0 = none, jobs wait [RUNWAY_JOB_WORKERS]")
	jobLowWorkers := fs.Int("job-low-workers", int(envFloat("RUNWAY_JOB_LOW_WORKERS", jobs.DefaultLowWorkers)), "workers for low-priority jobs; 0 = none [RUNWAY_JOB_LOW_WORKERS]")
	jobHeartbeat := fs.Duration("job-heartbeat", envDuration("RUNWAY_JOB_HEARTBEAT", jobs.DefaultHeartbeat), "how often a worker says it still runs its job [RUNWAY_JOB_HEARTBEAT]")
	jobTakeover := fs.Duration("job-takeover", envDuration("RUNWAY_JOB_TAKEOVER", jobs.DefaultTakeover), "a running job whose heartbeat is older is taken over [RUNWAY_JOB_TAKEOVER]")
	jobBatch := fs.Int("job-batch", int(envFloat("RUNWAY_JOB_BATCH", jobs.DefaultBatchSize)), "records a job handles per transaction [RUNWAY_JOB_BATCH]")
	jobPause := fs.Duration("job-pause", envDuration("RUNWAY_JOB_PAUSE", 0), "pause between two batches of a job, leaving the database to others [RUNWAY_JOB_PAUSE]")
	scriptTimeout := fs.Duration("script-timeout", envDuration("RUNWAY_SCRIPT_TIMEOUT", script.DefaultSyncTimeout), "time limit of a synchronous script execution (a request's actions and field logic) [RUNWAY_SCRIPT_TIMEOUT]")
	blobStore := fs.String("blob", env("RUNWAY_BLOB", ""), "where file contents live: a directory, or s3://BUCKET?endpoint=HOST[:PORT]&region=REGION[&prefix=P] with credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (default: files in the data dir) [RUNWAY_BLOB]")
	maxFileSize := fs.Int64("max-file-size", int64(envFloat("RUNWAY_MAX_FILE_SIZE", files.DefaultMaxSize)), "largest uploaded file in bytes; larger uploads get 413 [RUNWAY_MAX_FILE_SIZE]")
	aggMax := fs.Int("aggregate-max-items", int(envFloat("RUNWAY_AGGREGATE_MAX_ITEMS", aggregate.DefaultMaxItems)), "documents an aggregate stage may hold in memory (sort, group) and items an answer may have [RUNWAY_AGGREGATE_MAX_ITEMS]")
	jobScriptTimeout := fs.Duration("job-script-timeout", envDuration("RUNWAY_JOB_SCRIPT_TIMEOUT", 0), "time limit of a script execution in a background job; 0 = none [RUNWAY_JOB_SCRIPT_TIMEOUT]")
	timerCatchUp := fs.Duration("timer-catch-up", envDuration("RUNWAY_TIMER_CATCH_UP", script.DefaultTimerCatchUp), "at start, time listeners run once for a tick missed within this window while no process ran; 0 = none [RUNWAY_TIMER_CATCH_UP]")
	lockLease := fs.Duration("lock-lease", envDuration("RUNWAY_LOCK_LEASE", data.DefaultLockLease), "how long a record lock outlives a process that stopped renewing it (crashed) [RUNWAY_LOCK_LEASE]")
	logRetention := retentionFlag(fs, "log-retention", "RUNWAY_LOG_RETENTION", applog.DefaultRetention, "how long app logs are kept, e.g. 30d or 12h; 0 = forever [RUNWAY_LOG_RETENTION]")
	historyRetention := retentionFlag(fs, "history-retention", "RUNWAY_HISTORY_RETENTION", 0, "how long the history of records is kept, e.g. 365d; 0 = forever [RUNWAY_HISTORY_RETENTION]")
	_ = fs.Parse(args)
	if err := noArgs(fs); err != nil {
		return err
	}
	collectLessOften()
	if *jobWorkers < 0 || *jobLowWorkers < 0 || *jobBatch < 1 || *jobHeartbeat <= 0 || *jobTakeover <= *jobHeartbeat || *jobPause < 0 {
		return fmt.Errorf("--job-workers and --job-low-workers must be 0 or more, --job-batch 1 or more, --job-heartbeat positive and shorter than --job-takeover, --job-pause 0 or more")
	}
	if *aggMax < 1 {
		return fmt.Errorf("--aggregate-max-items must be 1 or more")
	}
	if *logRetention < 0 || *historyRetention < 0 {
		return fmt.Errorf("--log-retention and --history-retention must be 0 (forever) or more")
	}
	if *shutdownDelay < 0 {
		return fmt.Errorf("--shutdown-delay must be 0 or more")
	}
	if *scriptTimeout <= 0 || *jobScriptTimeout < 0 {
		return fmt.Errorf("--script-timeout must be positive and --job-script-timeout 0 or more")
	}
	if *lockLease < 100*time.Millisecond || *timerCatchUp < 0 {
		return fmt.Errorf("--lock-lease must be at least 100ms and --timer-catch-up 0 or more")
	}
	if *timerCatchUp == 0 {
		*timerCatchUp = -1 // none (0 is the default for script.Options)
	}
	if *maxFileSize < 1 {
		return fmt.Errorf("--max-file-size must be 1 or more")
	}
	if *blobStore == "" {
		*blobStore = filepath.Join(c.dataDir, "files")
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if *loginRate < 0 || *loginBurst < 1 {
		return fmt.Errorf("--login-rate must be 0 or more and --login-burst 1 or more")
	}
	var tlsConfig *tls.Config
	if *tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return fmt.Errorf("TLS certificate: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	key, err := secretKey()
	if err != nil {
		return err
	}

	log := newLogger(*logLevel)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	rt, err := c.open(ctx, log, runtime.Config{Env: *envName, SecretKey: key,
		Data: data.Options{AggregateMaxItems: *aggMax, LockLease: *lockLease},
		Auth: auth.Options{IdleTimeout: *idle, LoginRate: noneIsNegative(*loginRate), LoginBurst: *loginBurst},
		Jobs: jobs.Config{Workers: noneIsNegative(*jobWorkers), LowWorkers: noneIsNegative(*jobLowWorkers),
			Heartbeat: *jobHeartbeat, Takeover: *jobTakeover, BatchSize: *jobBatch, BatchPause: *jobPause},
		Scripts: script.Options{SyncTimeout: *scriptTimeout, BackgroundTimeout: *jobScriptTimeout, TimerCatchUp: *timerCatchUp},
		API: api.Config{MaxBodySize: *maxBody, RequireHTTPS: *requireHTTPS, TrustProxy: *trustProxy, PublicURL: *publicURL,
			NoOpenAPI: *noOpenAPI, NoConsole: *noConsole},
		Files:   runtime.Files{Blob: *blobStore, Options: files.Options{MaxSize: *maxFileSize}},
		AppLog:  applog.Options{Retention: noneIsNegative(*logRetention)},
		History: history.Options{Retention: *historyRetention}})
	if err != nil {
		return err
	}
	// Running jobs checkpoint and are released (they continue on the next
	// start) before the store closes.
	defer rt.Close()

	// Listen before creating the first user, so that a busy address does not
	// consume the only showing of a generated password.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	ln = api.Listener(ln) // net/http's own error answers in JSON too
	defer ln.Close()
	if *metricsAddr != "" {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		ms := serveMetrics(mln, rt.Metrics.Handler(), log)
		defer ms.Close()
	}
	if err := ensureAdmin(ctx, rt.Auth); err != nil {
		return err
	}
	rt.Start()

	if *pprofAddr != "" {
		go servePprof(*pprofAddr, log)
	}
	srv := rt.API
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		TLSConfig: tlsConfig}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	if rt.Auth.Maintenance(ctx) {
		log.Warn("maintenance mode is on: only developers and super users may log in (runway maintenance off)")
	}
	log.Info("runway serving", "app", rt.App.Name, "url", fmt.Sprintf("%s://%s%s", scheme, ln.Addr(), srv.Base()))
	if !log.Enabled(ctx, slog.LevelInfo) {
		// The address must be learnable even with quiet logs (--addr :0).
		fmt.Fprintf(os.Stderr, "runway serving %s at %s://%s%s\n", rt.App.Name, scheme, ln.Addr(), srv.Base())
	}
	if p := srv.ConsolePath(); p != "" {
		// Printed whatever the log level: it is what a new user opens first.
		fmt.Fprintf(os.Stderr, "console: %s://%s%s\n", scheme, ln.Addr(), p)
	}

	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	rt.Drain()
	if *shutdownDelay > 0 {
		time.Sleep(*shutdownDelay) // /readyz says 503 while requests still come in
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ensureAdmin creates the first developer on an empty store, from
// RUNWAY_ADMIN_EMAIL / RUNWAY_ADMIN_PASSWORD or with a generated password
// printed once.
func ensureAdmin(ctx context.Context, au *auth.Service) error {
	email := env("RUNWAY_ADMIN_EMAIL", "admin@localhost")
	created, generated, err := au.EnsureAdmin(ctx, email, os.Getenv("RUNWAY_ADMIN_PASSWORD"))
	if err != nil {
		return fmt.Errorf("create the first developer user: %w", err)
	}
	if created && generated != "" {
		fmt.Fprintf(os.Stderr, "\nCreated developer user %s with password: %s\n(shown only once; change it with: runway users set-password --email %s)\n\n", email, generated, email)
	} else if created {
		fmt.Fprintf(os.Stderr, "Created developer user %s\n", email)
	}
	return nil
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// servePprof serves the Go profiler on its own listener, never on the API's.
// serverGCPercent is the server's GOGC unless the environment sets one.
// Writes allocate fast while the live heap stays small (an import of a
// million rows: under 40 MB), so at Go's 100 the collector took a fifth of
// the CPU; at 200 it runs half as often for a heap at most three times the
// live one instead of twice (decisions.md).
const serverGCPercent = 200

func collectLessOften() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}

func servePprof(addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Info("pprof serving", "url", "http://"+addr+"/debug/pprof/")
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Error("pprof stopped", "err", srv.ListenAndServe())
}

// serveMetrics serves the Prometheus metrics at /metrics on their own
// listener, never on the API's.
func serveMetrics(ln net.Listener, h http.Handler, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("metrics serving", "url", "http://"+ln.Addr().String()+"/metrics")
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics stopped", "err", err)
		}
	}()
	return srv
}

// noneIsNegative maps a flag whose 0 means none (workers, a time limit, a
// rate, the SQLite map) to the options it sets, where 0 is the default and
// a negative value none.
func noneIsNegative[T int | int64 | float64 | time.Duration](n T) T {
	if n == 0 {
		return -1
	}
	return n
}

// retentionFlag defines a duration flag that also takes days ("30d"),
// with an environment variable of the same syntax.
func retentionFlag(fs *flag.FlagSet, name, envName string, def time.Duration, usage string) *time.Duration {
	d := def
	if v := os.Getenv(envName); v != "" {
		if parsed, err := parseRetention(v); err == nil {
			d = parsed
		} else {
			fmt.Fprintf(os.Stderr, "runway: %s=%q is not a duration; using %v\n", envName, v, def)
		}
	}
	fs.Func(name, usage+fmt.Sprintf(" (default %s)", formatRetention(def)), func(s string) error {
		parsed, err := parseRetention(s)
		d = parsed
		return err
	})
	return &d
}

// parseRetention reads "30d" (days) or a Go duration ("12h", "0").
func parseRetention(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(strings.TrimSpace(s), "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

func formatRetention(d time.Duration) string {
	switch {
	case d == 0:
		return "0, forever"
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}
