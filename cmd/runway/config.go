package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"runway/app"
	"runway/store"
	"runway/store/sqlite"
)

// common are the flags every command that touches an app shares.
type common struct {
	appDir  string
	dataDir string
	db      string
}

// register adds the shared flags, defaulting to their RUNWAY_* variables.
func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.appDir, "app", env("RUNWAY_APP", ""), "app definition directory (default: the built-in demo app) [RUNWAY_APP]")
	fs.StringVar(&c.dataDir, "data", env("RUNWAY_DATA", "./runway-data"), "data directory [RUNWAY_DATA]")
	fs.StringVar(&c.db, "db", env("RUNWAY_DB", ""), "database URL: sqlite://PATH (default: runway.db in the data dir) [RUNWAY_DB]")
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// loadApp loads the app definition, printing warnings; errors stop.
func (c *common) loadApp(log *slog.Logger) (*app.App, error) {
	fsys := app.Demo()
	if c.appDir != "" {
		fsys = os.DirFS(c.appDir)
	}
	a, problems, err := app.Load(fsys)
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

// openStore opens the database the flags name and syncs its schema.
func (c *common) openStore(ctx context.Context, a *app.App) (store.Store, error) {
	path, err := c.sqlitePath()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := s.Sync(ctx, a); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (c *common) sqlitePath() (string, error) {
	switch {
	case c.db == "":
		return filepath.Join(c.dataDir, "runway.db"), nil
	case strings.HasPrefix(c.db, "sqlite://"):
		return strings.TrimPrefix(c.db, "sqlite://"), nil
	case strings.HasPrefix(c.db, "postgres://"), strings.HasPrefix(c.db, "postgresql://"):
		return "", fmt.Errorf("PostgreSQL is not supported yet; use the embedded SQLite store")
	}
	return "", fmt.Errorf("unknown database URL %q (sqlite://PATH)", c.db)
}
