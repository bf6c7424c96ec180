package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"runway/store"
	"runway/store/sqlstore"
)

const (
	readConns   = 4
	busyTimeout = 10000 // ms; only other connections of this process can hold locks
)

// Sync settings of commits (PRAGMA synchronous; the journal is a WAL).
const (
	// SyncFull syncs the WAL at every commit: a write is on disk when Write
	// returns, so neither a crash of the process nor a power loss loses it.
	SyncFull = "full"
	// SyncNormal syncs the WAL only at checkpoints: a crash of the process
	// loses nothing, a power loss or an operating-system crash may lose the
	// last acknowledged writes (never the database's consistency).
	SyncNormal = "normal"
)

// Options tune Open.
type Options struct {
	// QueryTimeout bounds each read: a statement still running then is
	// interrupted and fails with store.QueryTimeout (0 =
	// store.DefaultQueryTimeout, negative = no limit).
	QueryTimeout time.Duration
	// Sync is SyncFull or SyncNormal ("" = SyncFull).
	Sync string
	// MmapSize is how many bytes of the database file each read
	// connection reads through a memory map (PRAGMA mmap_size) instead
	// of read syscalls into its page cache: 0 = DefaultMmapSize,
	// negative = none. The writer and the checkpointer read without it
	// (dsn).
	MmapSize int64
	// CacheSize is each connection's page cache in KiB (PRAGMA
	// cache_size): 0 = DefaultCacheSize.
	CacheSize int64
}

// Defaults of Options.
const (
	// DefaultMmapSize maps the first GiB of the file: pages of the map are
	// the kernel's page cache, shared by every connection, read without a
	// syscall or a copy. Address space only; what is resident is what
	// was read, and the kernel may drop it like any cached file page.
	DefaultMmapSize = 1 << 30
	// DefaultCacheSize is each connection's page cache (KiB). With the
	// map, pages read through it are not copied there: the cache holds
	// what the map does not cover and the pages being written.
	DefaultCacheSize = 8000
)

// pragmas are the per-connection settings of Options.
type pragmas struct {
	sync     string
	mmap     int64
	cacheKiB int64
}

func (o Options) pragmas() (pragmas, error) {
	sync, err := syncPragma(o.Sync)
	if err != nil {
		return pragmas{}, err
	}
	p := pragmas{sync: sync, mmap: o.MmapSize, cacheKiB: o.CacheSize}
	switch {
	case p.mmap == 0:
		p.mmap = DefaultMmapSize
	case p.mmap < 0:
		p.mmap = 0
	}
	if p.cacheKiB <= 0 {
		p.cacheKiB = DefaultCacheSize
	}
	return p, nil
}

// Store is a SQLite database holding one app's records and runtime state.
// It is safe for concurrent use.
type Store struct {
	path string
	lock *os.File
	wdb  *sql.DB // single connection, BEGIN IMMEDIATE
	rdb  *sql.DB // read pool, query_only

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt

	schemaMu sync.RWMutex
	uniques  map[string]map[string]string    // table → unique index name → dotted field path(s)
	texts    map[string]map[string]textIndex // table → text index name → its FTS table

	counts  *sqlstore.CountCache
	queries *stmtLRU // prepared list/count statements on the read pool

	queryTimeout time.Duration // 0 = none
	reads        chan struct{} // the read pool's connections in use (read)

	locks lockTable // record locks (locks.go)

	writer *sqlstore.Committer[*writeReq] // the writer goroutine (group_commit.go)
	ckpt   *checkpointer                  // checkpoints off the writer (checkpoint.go)
	// historyArgs: the queue of history parameters the last write
	// emptied, for the next one (historyQueue)
	historyArgs atomic.Pointer[[]any]

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path, takes the
// process lock "<path>.lock" and migrates the system tables. Call Sync before
// using entity tables. opts holds at most one Options (none: the defaults).
func Open(ctx context.Context, path string, opts ...Options) (_ *Store, err error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	prag, err := o.pragmas()
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	lock, err := acquireLock(abs + ".lock")
	if err != nil {
		return nil, err
	}
	s := &Store{
		path:    abs,
		lock:    lock,
		stmts:   map[string]*sql.Stmt{},
		uniques: map[string]map[string]string{},
		texts:   map[string]map[string]textIndex{},
		counts:  sqlstore.NewCountCache(sqlstore.CountCacheSize, true),
		queries: newStmtLRU(queryCacheSize),

		queryTimeout: queryTimeout(o.QueryTimeout),
		reads:        make(chan struct{}, readConns),
	}
	s.writer = sqlstore.NewCommitter(maxBatch, s.runBatch)
	defer func() {
		if err != nil {
			s.Close()
		}
	}()

	s.wdb, err = sql.Open("sqlite", dsn(abs, true, prag))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.wdb.SetConnMaxLifetime(0)
	s.wdb.SetConnMaxIdleTime(0)
	// The writer connects first so the file is in WAL mode before any reader.
	if err := s.wdb.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	var mode string
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: journal mode: %w", abs, err)
	}
	if mode != "wal" {
		return nil, fmt.Errorf("sqlite: open %s: journal mode is %q, want wal", abs, mode)
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	cdb, err := sql.Open("sqlite", dsn(abs, true, prag))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: checkpointer: %w", abs, err)
	}
	cdb.SetMaxOpenConns(1)
	cdb.SetMaxIdleConns(1)
	cdb.SetConnMaxLifetime(0)
	cdb.SetConnMaxIdleTime(0)
	s.ckpt = startCheckpointer(cdb)

	s.rdb, err = sql.Open("sqlite", dsn(abs, false, prag))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	s.rdb.SetMaxOpenConns(readConns)
	s.rdb.SetMaxIdleConns(readConns)
	s.rdb.SetConnMaxLifetime(0)
	s.rdb.SetConnMaxIdleTime(0)
	if err := s.rdb.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: read pool: %w", abs, err)
	}
	return s, nil
}

// dsn builds the modernc DSN. Pragmas are per connection, so they go in the
// DSN (the driver runs them on every new connection).
func dsn(abs string, write bool, p pragmas) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout))
	q.Add("_pragma", "synchronous("+p.sync+")")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -p.cacheKiB)) // negative: KiB
	if write {
		// The writer reads mostly pages its own recent writes left in
		// its page cache; through the map, every page it ever read
		// stayed resident in the process (a million-row import: 150 MB
		// of VmRSS beside 135 MB of its own memory) and bought nothing
		// (imports as fast either way).
		q.Add("_pragma", "mmap_size(0)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", writerCheckpointPages))
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", fmt.Sprintf("mmap_size(%d)", p.mmap))
		q.Set("_query_only", "1")
	}
	u := url.URL{Path: abs}
	return "file://" + u.EscapedPath() + "?" + q.Encode()
}

// syncPragma is the PRAGMA synchronous value of a sync setting.
func syncPragma(setting string) (string, error) {
	switch setting {
	case "", SyncFull:
		return "FULL", nil
	case SyncNormal:
		return "NORMAL", nil
	}
	return "", fmt.Errorf("sync setting %q is neither %s nor %s", setting, SyncFull, SyncNormal)
}

// queryTimeout is the limit of an Options.QueryTimeout (0: none).
func queryTimeout(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return store.DefaultQueryTimeout
	case d < 0:
		return 0
	}
	return d
}

// read runs fn on the read pool under the query timeout. It first waits
// (without a limit of its own) for one of the pool's connections: every
// read of the pool holds one of readConns slots, so a read holding a slot
// finds a free connection, and the limit counts the read's own time, never
// its wait behind slow queries of others.
func (s *Store) read(ctx context.Context, fn func(context.Context, sqlstore.DB) error) error {
	select {
	case s.reads <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.reads }()
	bctx, done := s.bound(ctx)
	return done(fn(bctx, readDB{s}))
}

// bound limits a read to the query timeout. done cancels it and turns the
// error of a read the limit stopped into store.QueryTimeout. A read
// interrupted this way is a SELECT: even inside a write transaction SQLite
// then undoes nothing.
func (s *Store) bound(parent context.Context) (ctx context.Context, done func(error) error) {
	if s.queryTimeout <= 0 {
		return parent, func(err error) error { return err }
	}
	ctx, cancel := context.WithTimeout(parent, s.queryTimeout)
	return ctx, func(err error) error {
		stopped := err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil
		cancel()
		if stopped {
			return fmt.Errorf("%w (%v)", store.QueryTimeout(s.queryTimeout), err)
		}
		return err
	}
}

func acquireLock(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("sqlite: database is in use by another process (lock %s held): %w", name, ErrLocked)
		}
		return nil, fmt.Errorf("sqlite: lock %s: %w", name, err)
	}
	return f, nil
}

// ErrLocked is wrapped by Open when another process holds the database.
var ErrLocked = errors.New("sqlite: database locked")

// Close closes both pools and releases the process lock. It is safe to call
// more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stopWriter()
		s.queries.closeAll()
		var errs []error
		if s.ckpt != nil {
			errs = append(errs, s.ckpt.stop())
		}
		s.stmtMu.Lock()
		for k, st := range s.stmts {
			errs = append(errs, st.Close())
			delete(s.stmts, k)
		}
		s.stmtMu.Unlock()
		if s.rdb != nil {
			errs = append(errs, s.rdb.Close())
		}
		if s.wdb != nil {
			errs = append(errs, s.wdb.Close())
		}
		if s.lock != nil {
			errs = append(errs, syscall.Flock(int(s.lock.Fd()), syscall.LOCK_UN), s.lock.Close())
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("sqlite: close %s: %w", s.path, err)
		}
	})
	return s.closeErr
}

// stopWriter stops the writer goroutine (if it was started) after the
// write it is running; writes still waiting get errClosed.
func (s *Store) stopWriter() { s.writer.Close() }

// wstmt returns a statement prepared on the write connection, cached by its
// text. It must not be called while a write transaction is open (it needs
// the connection): Sync prepares the statements of every entity up front and
// transactions only look them up (see tx.stmt).
func (s *Store) wstmt(ctx context.Context, query string) (*sql.Stmt, error) {
	return s.cachedStmt(ctx, s.wdb, "w", query)
}

func (s *Store) lookupStmt(key string) *sql.Stmt {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	return s.stmts[key]
}

func (s *Store) cachedStmt(ctx context.Context, db *sql.DB, pool, query string) (*sql.Stmt, error) {
	key := pool + query
	if st := s.lookupStmt(key); st != nil {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if old, ok := s.stmts[key]; ok {
		st.Close()
		return old, nil
	}
	s.stmts[key] = st
	return st, nil
}

// dialect is what SQLite says differently from the SQL this store shares
// with store/postgres (sqlstore).
var dialect = &sqlstore.Dialect{
	Name:  "sqlite",
	Param: func(int) string { return "?" },
	TextList: func(values []string) any {
		b, _ := json.Marshal(values)
		return string(b)
	},
	In:                func(col, param string) string { return col + " IN (SELECT value FROM json_each(" + param + "))" },
	IsUniqueViolation: isUniqueViolation,
	Indexes: sqlstore.Indexes{
		Expr:   indexExpr,
		Column: func(expr string) string { return expr },
		Geo:    func(path []string) (string, error) { return geoLatitude("doc", path) },
		Sorted: sortedByIndex,
	},
	// records are stored as JSONB: conditions and sort keys read their
	// fields without parsing the text (jsonb.go)
	DocText:  jsonbText,
	DocValue: func(doc []byte) (any, error) { return jsonbOf(nil, doc) },
	ContainsFold: func(col, param string) string {
		return fnLike + "(" + col + ", " + param + ", " + strconv.Itoa(likeContains) + ")"
	},
}
