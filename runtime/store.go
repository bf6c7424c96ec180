package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"runway/store"
	"runway/store/postgres"
	"runway/store/sqlite"
)

// DB names the database of a runtime.
type DB struct {
	// URL is sqlite://PATH (the file and its directory are created when
	// missing) or postgres://USER@HOST:PORT/DB (also postgresql://).
	URL string
	// Pool is the number of PostgreSQL connections of this process (0: 10).
	Pool int
	// QueryTimeout bounds each statement (0: store.DefaultQueryTimeout,
	// negative: no limit).
	QueryTimeout time.Duration
	// SQLiteSync is sqlite.SyncFull or sqlite.SyncNormal ("": full).
	SQLiteSync string
	// SQLiteMmap and SQLiteCache are sqlite.Options.MmapSize and CacheSize
	// (0: the defaults; a negative map size: none).
	SQLiteMmap, SQLiteCache int64
}

// IsPostgres reports whether the URL names a PostgreSQL database, which
// several processes may share.
func (db DB) IsPostgres() bool {
	return strings.HasPrefix(db.URL, "postgres://") || strings.HasPrefix(db.URL, "postgresql://")
}

// SQLitePath is the file a sqlite:// URL names.
func (db DB) SQLitePath() (string, error) {
	switch {
	case strings.HasPrefix(db.URL, "sqlite://"):
		if path := strings.TrimPrefix(db.URL, "sqlite://"); path != "" {
			return path, nil
		}
		return "", fmt.Errorf("database URL %q has no file path (sqlite://PATH)", db.URL)
	case db.IsPostgres():
		return "", fmt.Errorf("database URL %q is not a SQLite file", db.URL)
	}
	return "", fmt.Errorf("unknown database URL %q (sqlite://PATH or postgres://…)", db.URL)
}

// OpenStore opens the database alone, its schema as it is: for the
// commands that touch only the runtime's own state (runway maintenance),
// which must work without the app — syncing another app's schema into the
// database would change it. Open builds everything else on it.
func OpenStore(ctx context.Context, db DB) (store.Store, error) {
	var s store.Store
	if db.IsPostgres() {
		ps, err := postgres.Open(ctx, db.URL, postgres.Options{PoolSize: db.Pool, QueryTimeout: db.QueryTimeout})
		if err != nil {
			return nil, err
		}
		s = ps
	} else {
		path, err := db.SQLitePath()
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		ss, err := sqlite.Open(ctx, path, sqlite.Options{QueryTimeout: db.QueryTimeout, Sync: db.SQLiteSync,
			MmapSize: db.SQLiteMmap, CacheSize: db.SQLiteCache})
		if err != nil {
			return nil, err
		}
		s = ss
	}
	return s, nil
}
