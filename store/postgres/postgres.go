// Package postgres is the PostgreSQL implementation of store.Store (pgx v5),
// for running several Runway processes on one database. See doc.go.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"runway/store"
	"runway/store/sqlstore"
)

// Options tune Open.
type Options struct {
	// PoolSize is the maximum number of connections (0 = 10).
	PoolSize int
	// QueryTimeout bounds every statement (statement_timeout): one still
	// running then is canceled by the server and fails with
	// store.QueryTimeout (0 = store.DefaultQueryTimeout, negative = no
	// limit). Migrations and Sync are not bounded.
	QueryTimeout time.Duration
}

// Store is a PostgreSQL database holding one app's records and runtime
// state. It is safe for concurrent use, and several processes may share the
// database.
type Store struct {
	pool         *pgxpool.Pool
	queryTimeout time.Duration // statement_timeout; 0 = none

	schemaMu sync.RWMutex
	uniques  map[string]map[string]string // table → unique index name → dotted field path(s)
	texts    map[string]map[string]bool   // table → its text index names
	indexed  map[string]map[string]bool   // table → the expressions of its indexes (indexSpec.expr)

	counts     *sqlstore.CountCache
	committer  *sqlstore.Committer[*groupWrite] // group commit (group_commit.go)
	gets       getBatcher                       // Get by id gathered (getbatch.go)
	alone      bool                             // no group commit, no gathered Gets (benchmarks compare)
	analyze    analyzer                         // ANALYZE when the server does not (analyze.go)
	watch      sessionWatch
	ui         *uiRelay // console messages of other processes (relay.go)
	stopListen context.CancelFunc
	listenDone chan struct{}

	closeOnce sync.Once
}

var _ store.Store = (*Store)(nil)

// lockMigrate is the advisory lock key held while migrating or syncing.
const lockMigrate = 7236481902

// Open connects to the database at url (postgres://…), migrates the system
// tables (under an advisory lock, so processes may start together). Call
// Sync before using entity tables.
func Open(ctx context.Context, url string, opts Options) (_ *Store, err error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if opts.PoolSize > 0 {
		cfg.MaxConns = int32(opts.PoolSize)
	} else {
		cfg.MaxConns = 10
	}
	timeout := opts.QueryTimeout
	if timeout == 0 {
		timeout = store.DefaultQueryTimeout
	}
	if timeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(max(timeout.Milliseconds(), 1), 10)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s := &Store{pool: pool, queryTimeout: max(timeout, 0), uniques: map[string]map[string]string{}, texts: map[string]map[string]bool{},
		indexed: map[string]map[string]bool{},
		counts:  sqlstore.NewCountCache(sqlstore.CountCacheSize, false), listenDone: make(chan struct{}), ui: newUIRelay()}
	defer func() {
		if err != nil {
			pool.Close()
		}
	}()
	if err := pool.Ping(ctx); err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	if err := s.startAnalyzer(ctx); err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s.committer = sqlstore.NewCommitter(maxGroup, s.runGroup)
	lctx, cancel := context.WithCancel(context.Background())
	s.stopListen = cancel
	lcfg := cfg.ConnConfig.Copy()
	lcfg.RuntimeParams["application_name"] = listenerName // pg_stat_activity tells it apart
	go s.listen(lctx, lcfg)
	return s, nil
}

// Close closes the pool. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.stopListen != nil {
			s.stopListen()
			<-s.listenDone
		}
		if s.committer != nil {
			s.committer.Close()
		}
		s.stopAnalyzer()
		s.pool.Close()
	})
	return nil
}

// migrations[i] moves the system tables from version i-1 to i; append only.
var migrations = [][]string{
	1: {
		`CREATE TABLE _secrets (user_id text PRIMARY KEY, hash text NOT NULL)`,
		`CREATE TABLE _sessions (
			token_hash text PRIMARY KEY,
			user_id text NOT NULL,
			admin_user_id text NOT NULL DEFAULT '',
			ip text NOT NULL DEFAULT '',
			created bigint NOT NULL,
			last_active bigint NOT NULL,
			idle_timeout bigint NOT NULL)`,
		`CREATE INDEX _sessions_user_id ON _sessions (user_id)`,
		`CREATE TABLE _sequences (name text PRIMARY KEY, value bigint NOT NULL)`,
		`CREATE TABLE _app_state (key text PRIMARY KEY, value text NOT NULL, modified bigint NOT NULL)`,
		// managed indexes of entity tables and the SQL they were made with
		`CREATE TABLE _indexes (name text PRIMARY KEY, tbl text NOT NULL, sql text NOT NULL)`,
	},
	2: dialect.JobsDDL(),      // the job queue (sqlstore)
	3: dialect.KeyValuesDDL(), // sys.storage and sys.cache (sqlstore)
	4: dialect.FilesDDL(),     // files, their references, share links (sqlstore)
	5: dialect.HistoryDDL(),   // the history of records and the app log (sqlstore)
	6: dialect.JobQueuesDDL(), // job queues (sqlstore)
	7: locksMigration,         // record locks (locks.go)
	8: dialect.CountsDDL(),    // exact row counts of entity tables (sqlstore)
}

func (s *Store) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockSchema(ctx, tx); err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		return dialect.Migrate(ctx, pgDB{tx}, migrations)
	})
}

// lockSchema prepares a transaction that changes the schema: it holds the
// advisory lock (processes starting together take turns) and no statement
// timeout applies (indexes over large tables may take longer than a query
// may).
func lockSchema(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(lockMigrate)); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	return nil
}

// dbtx is what a pool and a transaction share.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func pgCode(err error) (string, string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.ConstraintName
	}
	return "", ""
}

func isUniqueViolation(err error) bool {
	c, _ := pgCode(err)
	return c == "23505"
}

// mapWriteErr turns a unique violation into *store.UniqueError.
func (s *Store) mapWriteErr(table string, err error) error {
	code, cons := pgCode(err)
	if code != "23505" {
		return err
	}
	if cons == table+"_pkey" || cons == dialect.Ident(table+"_pkey") {
		return &store.UniqueError{Field: "id"}
	}
	s.schemaMu.RLock()
	f, ok := s.uniques[table][cons]
	s.schemaMu.RUnlock()
	if ok {
		return &store.UniqueError{Field: f}
	}
	return &store.UniqueError{Field: cons}
}

// read runs fn on a connection of the pool under the query timeout. The
// connection is taken first, without a limit of its own: the limit counts
// the read's own time, never its wait behind slow queries of others.
func (s *Store) read(ctx context.Context, fn func(context.Context, dbtx) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	bctx, done := s.bound(ctx)
	return done(fn(bctx, conn))
}

// readOne is read for one statement whose rows need no work in Go (a Get
// by id): the server's statement_timeout bounds it, so it spares the
// context and timer of bound (a few percent of a GET's CPU); a statement
// canceled by the limit is store.QueryTimeout as with read.
func (s *Store) readOne(ctx context.Context, fn func(context.Context, dbtx) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	err = fn(ctx, conn)
	if err != nil && s.queryTimeout > 0 && ctx.Err() == nil {
		if code, _ := pgCode(err); code == "57014" {
			return fmt.Errorf("%w (%v)", store.QueryTimeout(s.queryTimeout), err)
		}
	}
	return err
}

// bound limits a read to the query timeout, including the rows the store
// checks with query.Match after the statement. done cancels it and turns the
// error of a read stopped by the limit (the context's deadline here, or
// statement_timeout on the server) into store.QueryTimeout; a cancel
// because the caller's context ended stays what it is.
func (s *Store) bound(parent context.Context) (ctx context.Context, done func(error) error) {
	if s.queryTimeout <= 0 {
		return parent, func(err error) error { return err }
	}
	ctx, cancel := context.WithTimeout(parent, s.queryTimeout)
	return ctx, func(err error) error {
		code, _ := pgCode(err)
		stopped := err != nil && parent.Err() == nil && (errors.Is(ctx.Err(), context.DeadlineExceeded) || code == "57014")
		cancel()
		if stopped {
			return fmt.Errorf("%w (%v)", store.QueryTimeout(s.queryTimeout), err)
		}
		return err
	}
}

// dialect is what PostgreSQL says differently from the SQL this store
// shares with store/sqlite (sqlstore).
var dialect = &sqlstore.Dialect{
	Name:              "postgres",
	Param:             func(n int) string { return "$" + strconv.Itoa(n) },
	Bytewise:          ` COLLATE "C"`,
	MaxIdent:          63,
	TextList:          func(values []string) any { return values },
	In:                func(col, param string) string { return col + " = ANY(" + param + ")" },
	IsUniqueViolation: isUniqueViolation,
	Indexes: sqlstore.Indexes{
		Expr:   indexExpr,
		Column: func(expr string) string { return "(" + expr + ")" },
		Like:   likeIndex,
		// c_ indexes (filter, sort keys, id): a filter with a sort
		Sorted:      sortedByIndex,
		SortColumns: sortColumns,
	},
	SkipLocked:      " FOR UPDATE SKIP LOCKED",
	SerializeClaims: "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(lockQueues, 10) + ")",
	RowLocks:        true,
}
