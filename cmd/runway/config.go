package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"runway/access"
	"runway/app"
	"runway/runtime"
	"runway/script"
	"runway/secret"
	"runway/store"
	"runway/store/sqlite"
)

// common are the flags every command that touches an app shares.
type common struct {
	appDir       string
	dataDir      string
	db           string
	dbPool       int
	queryTimeout time.Duration
	sqliteSync   string
	sqliteMmap   int64
	sqliteCache  int64
}

// register adds the shared flags, defaulting to their RUNWAY_* variables.
func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.appDir, "app", env("RUNWAY_APP", ""), "app definition directory (default: the built-in demo app) [RUNWAY_APP]")
	fs.StringVar(&c.dataDir, "data", env("RUNWAY_DATA", "./runway-data"), "data directory [RUNWAY_DATA]")
	fs.StringVar(&c.db, "db", env("RUNWAY_DB", ""), "database URL: sqlite://PATH (default: runway.db in the data dir) or postgres://USER@HOST:PORT/DB [RUNWAY_DB]")
	fs.IntVar(&c.dbPool, "db-pool", int(envFloat("RUNWAY_DB_POOL", 10)), "PostgreSQL connection pool size per process [RUNWAY_DB_POOL]")
	fs.DurationVar(&c.queryTimeout, "query-timeout", envDuration("RUNWAY_QUERY_TIMEOUT", store.DefaultQueryTimeout), "time limit of one database statement; 0 = none [RUNWAY_QUERY_TIMEOUT]")
	fs.StringVar(&c.sqliteSync, "sqlite-sync", env("RUNWAY_SQLITE_SYNC", sqlite.SyncFull), "SQLite commits: full (on disk when acknowledged) or normal (a power loss may lose the last ones) [RUNWAY_SQLITE_SYNC]")
	fs.Int64Var(&c.sqliteMmap, "sqlite-mmap", int64(envFloat("RUNWAY_SQLITE_MMAP", sqlite.DefaultMmapSize)), "bytes of the SQLite file the read connections read through a memory map; 0 = none [RUNWAY_SQLITE_MMAP]")
	fs.Int64Var(&c.sqliteCache, "sqlite-cache", int64(envFloat("RUNWAY_SQLITE_CACHE", sqlite.DefaultCacheSize)), "SQLite page cache of each connection, KiB [RUNWAY_SQLITE_CACHE]")
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// envBool reads a boolean variable; a value that is not one is reported
// and the default kept.
func envBool(name string, def bool) bool {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "runway: %s=%q is not true or false; using %v\n", name, v, def)
		return def
	}
	return b
}

// envFloat reads a number variable; a value that is not one is reported and
// the default kept.
func envFloat(name string, def float64) float64 {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "runway: %s=%q is not a number; using %v\n", name, v, def)
		return def
	}
	return f
}

// envDuration reads a duration variable (e.g. 30s); a value that is not
// one is reported and the default kept.
func envDuration(name string, def time.Duration) time.Duration {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "runway: %s=%q is not a duration; using %v\n", name, v, def)
		return def
	}
	return d
}

// secretKey is the app's key for values sealed at rest, from
// RUNWAY_SECRET_KEY (nil when unset). It is read from the environment only:
// a flag would show it in the process list.
func secretKey() ([]byte, error) {
	s := os.Getenv("RUNWAY_SECRET_KEY")
	if s == "" {
		return nil, nil
	}
	k, err := secret.ParseKey(s)
	if err != nil {
		return nil, fmt.Errorf("RUNWAY_SECRET_KEY: %w", err)
	}
	return k, nil
}

// noArgs rejects positional arguments: flag parsing stops at the first one,
// so "runway check ./myapp" would otherwise silently check the demo app.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() == 0 {
		return nil
	}
	arg := fs.Arg(0)
	if (fs.Name() == "check" || fs.Name() == "serve") && !strings.HasPrefix(arg, "-") {
		return fmt.Errorf("unexpected argument %q (flags go before arguments; did you mean --app %s?)", arg, arg)
	}
	return fmt.Errorf("unexpected argument %q (flags go before arguments)", arg)
}

// appFS is the app definition in dir, or the built-in demo app when dir is
// empty; name names it in messages. dir must be an existing directory.
func appFS(dir string) (fsys fs.FS, name string, err error) {
	if dir == "" {
		return app.Demo(), "built-in demo app", nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, "", fmt.Errorf("app directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, "", fmt.Errorf("app directory %s is not a directory", dir)
	}
	return os.DirFS(dir), dir, nil
}

// loadApp loads the app definition, printing warnings; errors stop.
func (c *common) loadApp(log *slog.Logger) (*app.App, error) {
	fsys, _, err := appFS(c.appDir)
	if err != nil {
		return nil, err
	}
	a, problems, err := loadChecked(fsys)
	for _, p := range problems {
		if p.Warning {
			log.Warn("app definition", "problem", p.String())
		} else {
			fmt.Fprintln(os.Stderr, p.String())
		}
	}
	if err != nil {
		return nil, fmt.Errorf("the app definition has errors (run runway check): %w", err)
	}
	return a, nil
}

// loadChecked loads an app definition and checks the security of its groups
// (access.Compile), with the problems of both.
func loadChecked(fsys fs.FS) (*app.App, []app.Problem, error) {
	a, problems, err := app.Load(fsys)
	if err != nil {
		return a, problems, err
	}
	_, more, err := access.Compile(a)
	problems = append(problems, more...)
	// Every script must compile (the server compiles them at start); the
	// warnings name what Runway does not support.
	ps := script.Check(a)
	problems = append(problems, ps...)
	if n := errorCount(ps); n > 0 && err == nil {
		err = fmt.Errorf("%d scripts do not compile", n)
	}
	return a, problems, err
}

func errorCount(ps []app.Problem) int {
	n := 0
	for _, p := range ps {
		if !p.Warning {
			n++
		}
	}
	return n
}

// database is the database the flags name: --db, or runway.db in the data
// dir.
func (c *common) database() runtime.DB {
	url := c.db
	if url == "" {
		url = "sqlite://" + filepath.Join(c.dataDir, "runway.db")
	}
	return runtime.DB{URL: url, Pool: c.dbPool, QueryTimeout: noneIsNegative(c.queryTimeout), SQLiteSync: c.sqliteSync,
		SQLiteMmap: noneIsNegative(c.sqliteMmap), SQLiteCache: c.sqliteCache}
}

// open loads the app and opens its runtime on the database the flags name.
func (c *common) open(ctx context.Context, log *slog.Logger, cfg runtime.Config) (*runtime.Runtime, error) {
	a, err := c.loadApp(log)
	if err != nil {
		return nil, err
	}
	cfg.App, cfg.DB, cfg.Log = a, c.database(), log
	return runtime.Open(ctx, cfg)
}
