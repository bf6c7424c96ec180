// Package runtime assembles Runway: it opens the store and builds every
// service on it — data, jobs, script, auth, api — each with all it depends
// on given at construction, in one place that serve, the offline commands
// and the tests share.
//
// A service is built after the ones it uses (data, then jobs, script, auth,
// api). Where a lower service calls one built above it — data runs scripts,
// tells listeners and the sessions of its writes; jobs runs listener jobs —
// it declares what it calls as an interface in its options, and the
// runtime gives it upcalls (upcalls.go), which reach the upper service
// through the Runtime's fields. Open fills every field before it returns,
// and no service calls up while it is being built, so no setter remains to
// be called in the right order after construction.
//
// Adding a service is one field in Config (its options), one in Runtime,
// and one construction step in Open.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"runway/api"
	"runway/app"
	"runway/applog"
	"runway/auth"
	"runway/blob"
	"runway/clock"
	"runway/data"
	"runway/files"
	"runway/history"
	"runway/jobs"
	"runway/metrics"
	"runway/script"
	"runway/store"
	"runway/store/postgres"
	"runway/ui"
)

// Config is everything a runtime is built from.
type Config struct {
	// App is the app definition, loaded and checked (app.Load,
	// access.Compile, script.Check).
	App *app.App
	// DB is the database; Open brings its schema in step with App.
	DB DB
	// Store, when set, is an open store to build on instead of opening DB:
	// tests give one to stand two runtimes on one store (two processes
	// sharing a database). It stays the caller's to close.
	Store store.Store
	// Env is the environment (dev, prod; "" = dev): the API's path,
	// sys.app.getEnv, and mails' secrets in clear in dev only.
	Env string
	// Log receives the log of every service (nil: discarded).
	Log *slog.Logger
	// Clock is the one clock of every service (nil: the wall clock).
	Clock clock.Clock
	// SecretKey is the app's key for values sealed at rest (32 bytes,
	// RUNWAY_SECRET_KEY; nil: none): sys.storage's encrypted entries.
	SecretKey []byte

	// The options of each service, as its package defines them. What the
	// runtime owns is set from the fields above whatever these say: the
	// clock, the environment, whether other processes share the store,
	// the services' calls to each other, and their observers (metrics)
	// and the API's readiness.
	History history.Options
	Data    data.Options
	AppLog  applog.Options
	Auth    auth.Options
	Jobs    jobs.Config
	Scripts script.Options
	API     api.Config
	Files   Files
}

// Files configures the file service: where file contents live, and its
// options.
type Files struct {
	// Blob is the blob store (--blob): a directory, file:///PATH or
	// s3://BUCKET?endpoint=…&region=… (blob.Open). "" with no Blobs: no
	// file is stored (offline commands, tests of other services); file
	// values are then invalid.
	Blob string
	// Blobs is an open blob store to use instead of Blob (tests: two
	// runtimes on one store); it stays the caller's.
	Blobs blob.Store
	files.Options
}

// Runtime is one app served from one store: its services, built and
// wired. Start runs their background work; Close stops it and closes the
// store it opened.
type Runtime struct {
	App     *app.App
	Store   store.Store
	History *history.Service
	Data    *data.Service
	AppLog  *applog.Service
	Jobs    *jobs.Service
	Scripts *script.Engine
	Auth    *auth.Service
	API     *api.Server
	Files   *files.Service // nil when Config.Files names no blob store
	// UI delivers sys.ui.sendMessage to the users' open console sessions.
	UI *ui.Hub
	// Metrics are the Prometheus metrics of every service (serve exposes
	// them on --metrics-addr).
	Metrics *metrics.Metrics

	log       *slog.Logger
	draining  atomic.Bool        // Drain was called: not ready
	unready   atomic.Bool        // the last readiness check failed (logged once)
	ownsStore bool               // Open opened the store: Close closes it
	stop      context.CancelFunc // ends Start's background work
	bg        sync.WaitGroup
}

// Timings of the background work.
const (
	sweepEvery      = 10 * time.Minute // expired sessions are deleted
	pruneEvery      = time.Hour        // history and app logs past their retention are deleted
	shutdownTimeout = 20 * time.Second // running jobs have to reach their checkpoint
)

// Open opens the store of cfg.DB (or takes cfg.Store), brings its schema
// in step with the app and builds the services. Nothing runs in the
// background until Start.
func Open(ctx context.Context, cfg Config) (*Runtime, error) {
	if cfg.App == nil {
		return nil, errors.New("runtime: no app definition")
	}
	if cfg.Env == "" {
		cfg.Env = "dev"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cfg.Clock = clock.OrSystem(cfg.Clock)
	// A store given may be another runtime's, timed by its metrics: this
	// one times it itself.
	r := &Runtime{App: cfg.App, Store: metrics.Unwrap(cfg.Store), log: cfg.Log}
	if r.Store == nil {
		st, err := OpenStore(ctx, cfg.DB)
		if err != nil {
			return nil, err
		}
		r.Store, r.ownsStore = st, true
	}
	err := r.Store.Sync(ctx, cfg.App)
	if err == nil {
		err = r.openFiles(ctx, cfg)
	}
	if err == nil {
		err = r.build(ctx, cfg)
	}
	if err != nil {
		r.closeStore()
		return nil, err
	}
	return r, nil
}

// openFiles opens the blob store of cfg.Files and builds the file service
// on it and the store.
func (r *Runtime) openFiles(ctx context.Context, cfg Config) error {
	blobs := cfg.Files.Blobs
	if blobs == nil && cfg.Files.Blob != "" {
		var err error
		if blobs, err = blob.Open(ctx, cfg.Files.Blob); err != nil {
			return err
		}
	}
	if blobs != nil {
		r.Files = files.New(blobs, r.Store, cfg.Clock, cfg.Log, cfg.Files.Options)
	}
	return nil
}

// build builds the services on r.Store, each after those it uses. They
// all report to the metrics, and use the store through its timing wrapper.
func (r *Runtime) build(ctx context.Context, cfg Config) error {
	r.Metrics = metrics.New()
	r.Metrics.Watch(r.Store)
	st := r.Metrics.Store(r.Store)

	up := upcalls{r}
	var err error
	if r.History, err = history.New(ctx, cfg.App, st, cfg.Clock, cfg.History); err != nil {
		return err
	}
	dc := cfg.Data
	dc.Clock, dc.ShowMailSecrets, dc.History = cfg.Clock, cfg.Env == "dev", r.History
	dc.Files = r.Files
	dc.Scripts, dc.Events, dc.OnUserWrite = up, up, up.userWritten
	r.Data = data.New(cfg.App, st, cfg.Log, dc)
	r.AppLog = applog.New(st, cfg.Clock, cfg.Log, cfg.AppLog)

	jc := cfg.Jobs
	jc.Listeners, jc.Observer, jc.Files = up, r.Metrics, r.Files
	r.Jobs = jobs.New(st, r.Data, cfg.Log, jc)

	relay, _ := r.Store.(ui.Relay) // other processes may share the store
	r.UI = ui.NewHub(relay, cfg.Log)

	sc := cfg.Scripts
	if sc.UIMessages == nil { // a test may take the messages itself
		sc.UIMessages = up.uiMessage
	}
	sc.Clock, sc.Env, sc.SecretKey, sc.Observer, sc.Storage = cfg.Clock, cfg.Env, cfg.SecretKey, r.Metrics, st
	sc.AppLog = r.AppLog
	if r.Scripts, err = script.New(cfg.App, r.Data, r.Jobs, cfg.Log, sc); err != nil {
		return fmt.Errorf("scripts: %w", err)
	}

	ac := cfg.Auth
	_, shared := r.Store.(*postgres.Store) // other processes may share a PostgreSQL database
	ac.Clock, ac.Shared, ac.Observer, ac.AppLog = cfg.Clock, shared, r.Metrics, r.AppLog
	r.Auth = auth.New(r.Data, cfg.Log, ac)

	hc := cfg.API
	hc.Env, hc.Observer, hc.Ready = cfg.Env, r.Metrics, r.ready
	r.API = api.New(hc, r.Data, r.Auth, r.Jobs, r.AppLog, r.UI, cfg.Log)
	return nil
}

// Start runs the background work: the app log's writer, the job workers,
// the time listeners, the sweep of expired sessions, the file sweeper and
// the pruning of history and app logs. The offline commands do not call
// it.
func (r *Runtime) Start() {
	ctx, stop := context.WithCancel(context.Background())
	r.stop = stop
	r.AppLog.Start()
	r.Jobs.Start()
	r.Scripts.Start()
	r.bg.Go(func() { r.Auth.Sweep(ctx, sweepEvery) })
	if r.Files != nil {
		r.bg.Go(func() { r.Files.Run(ctx) })
	}
	r.bg.Go(func() { r.pruneLoop(ctx, pruneEvery) })
}

// pruneLoop prunes at once, then every interval until ctx ends.
func (r *Runtime) pruneLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := r.Prune(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("prune history and app logs", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// prunePause is the pause between two pruning batches, leaving the
// database to the requests.
const prunePause = 10 * time.Millisecond

// Prune deletes the history entries and the app logs past their
// retention, one short batch (transaction) at a time, and returns when
// nothing is left (or ctx ends).
func (r *Runtime) Prune(ctx context.Context) error {
	for _, step := range []func(context.Context) (int64, error){r.History.PruneStep, r.AppLog.PruneStep} {
		for {
			n, err := step(ctx)
			if err != nil || n == 0 {
				if err != nil {
					return err
				}
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(prunePause):
			}
		}
	}
	return nil
}

// Close stops the background work — running jobs finish their batch and
// are released, to continue on the next start; after 20 s their batches
// are rolled back — waits for the auth service's background writes, and
// closes the store it opened.
func (r *Runtime) Close() error {
	if r.stop != nil {
		r.stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := r.Jobs.Shutdown(ctx); err != nil {
		r.log.Warn("jobs did not stop in time; their current batches were rolled back", "err", err)
	}
	r.bg.Wait()
	r.Auth.Wait()
	r.AppLog.Close()
	return r.closeStore()
}

// Drain tells that the process is shutting down: /readyz answers 503 from
// now on, so that load balancers stop sending it requests, and the console
// sessions' message streams end (consoles reconnect, to another process).
func (r *Runtime) Drain() {
	r.draining.Store(true)
	r.UI.Close()
}

// readyTimeout bounds the store's answer to a readiness check.
const readyTimeout = 2 * time.Second

// errStoreNotReady is what /readyz says of a store that fails its check
// (the cause goes to the log, not to whoever asks).
var errStoreNotReady = errors.New("the store does not answer, or its schema is not this server's (see the log)")

// ready is the readiness of /readyz: not draining, and the store answers
// with the schema this binary migrated it to (a newer process sharing a
// PostgreSQL database may have moved it on). A change is logged once.
func (r *Runtime) ready(ctx context.Context) error {
	if r.draining.Load() {
		return errors.New("shutting down")
	}
	var err error
	if s, ok := r.Store.(interface{ Ready(context.Context) error }); ok {
		ctx, cancel := context.WithTimeout(ctx, readyTimeout)
		defer cancel()
		err = s.Ready(ctx)
	}
	if was := r.unready.Swap(err != nil); err != nil && !was {
		r.log.Warn("not ready", "err", err)
	} else if err == nil && was {
		r.log.Info("ready again")
	}
	if err != nil {
		return errStoreNotReady
	}
	return nil
}

func (r *Runtime) closeStore() error {
	if !r.ownsStore {
		return nil
	}
	return r.Store.Close()
}
