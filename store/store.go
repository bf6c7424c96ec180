// Package store is the persistence interface of Runway. Every entity is one
// table holding records as their native JSON document; the implementations
// (store/sqlite, later store/postgres) compile query ASTs to SQL with bound
// parameters and keep their own schema in step with the app definition.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"runway/app"
	"runway/apperr"
	"runway/query"
)

// Row is a stored record. Doc is the record's full native JSON (system fields
// id, version, label first, then the fields in definition order), so a read
// returns it as is.
type Row struct {
	ID       string
	Version  int64
	Label    string
	Doc      []byte
	Created  int64 // ms
	Modified int64 // ms
	// Values, on a write, are the field values Doc was encoded from when
	// the writer vouches that they are what decoding Doc reads
	// (record.ReadsBack, numbers apart), else nil: the store may read them
	// instead of decoding Doc again. Neither may change until the write's
	// transaction has ended.
	Values map[string]any
	// Stored is Doc in the form the store keeps, when the store made it
	// before the write (Store.PrepareRow); nil: the write converts Doc.
	Stored any
}

var (
	// ErrNotFound: no record (or session, or user secret) with that key.
	ErrNotFound = errors.New("store: not found")
	// ErrVersion: the stored version is not the one the update expected.
	ErrVersion = errors.New("store: version mismatch")
)

// DefaultQueryTimeout bounds a statement when the store's options name no
// limit (--query-timeout).
const DefaultQueryTimeout = 30 * time.Second

// ErrQueryTimeout is wrapped by the error of a statement the store stopped
// at its query timeout, so that one client cannot hold the connections.
var ErrQueryTimeout = errors.New("store: query timeout")

// QueryTimeout is the error of a statement stopped after limit: it wraps
// ErrQueryTimeout and the API's badRequest naming the limit (a query that
// timed out times out again: retrying it later does not help).
func QueryTimeout(limit time.Duration) error {
	return fmt.Errorf("%w: %w", ErrQueryTimeout, apperr.New(apperr.BadRequest,
		"The query did not finish within %s, the query time limit: narrow it down or filter on indexed fields", limit))
}

// UniqueError is returned when a write would break a unique index; Field is
// the dotted path of the unique field.
type UniqueError struct{ Field string }

func (e *UniqueError) Error() string { return "store: duplicate value for unique field " + e.Field }

// Reader reads records.
type Reader interface {
	// Get reads one record by id (ErrNotFound when missing).
	Get(ctx context.Context, e *app.Entity, id string) (*Row, error)
	// GetMany reads the records with these ids, in no particular order;
	// missing ids are simply absent. One round trip.
	GetMany(ctx context.Context, e *app.Entity, ids []string) ([]Row, error)
	// Find reads a page of records.
	Find(ctx context.Context, e *app.Entity, sel *query.Select) ([]Row, error)
	// Count counts the records matching where (nil = all).
	Count(ctx context.Context, e *app.Entity, where query.Expr) (int64, error)
}

// Tx is a write transaction. Writes become visible when the function given to
// Store.Write returns nil; an error rolls everything back.
type Tx interface {
	Reader
	// Insert stores a new record (*UniqueError on a unique violation).
	Insert(ctx context.Context, e *app.Entity, r *Row) error
	// Update replaces the record r.ID if its stored version is prevVersion
	// (ErrVersion otherwise, ErrNotFound when it does not exist).
	Update(ctx context.Context, e *app.Entity, r *Row, prevVersion int64) error
	// Delete removes a record (ErrNotFound when it does not exist).
	Delete(ctx context.Context, e *app.Entity, id string) error
	// SetPassword stores the password hash of a user (a sys.users id).
	SetPassword(ctx context.Context, userID, hash string) error
	// DeletePassword forgets a user's password hash (user deleted).
	DeletePassword(ctx context.Context, userID string) error
	// DeleteUserSessions revokes every session of a user.
	DeleteUserSessions(ctx context.Context, userID string) error
	// NextSequence returns the next value of a named counter (autoIncrement
	// fields), never lower than floor.
	NextSequence(ctx context.Context, name string, floor int64) (int64, error)
	// JobTx: jobs checkpoint in the transaction of their work (jobs.go).
	JobTx
	// FileTx: records' references to files change with the records
	// (files.go).
	FileTx
	// HistoryTx: a record's history is written with its change (history.go).
	HistoryTx
}

// Session is a login session; only the token's hash is stored.
type Session struct {
	TokenHash   string
	UserID      string
	AdminUserID string // real user when impersonating, else ""
	IP          string
	Created     int64 // ms
	LastActive  int64 // ms
	IdleTimeout int64 // ms of inactivity after which the session expires
}

// SessionWatcher is implemented by stores shared by several processes
// (PostgreSQL): it tells of every committed change, made by any process,
// that may invalidate a cached session, so each process's cache can stay.
type SessionWatcher interface {
	// WatchSessions registers fn, called with a token hash (logout), a user
	// id (sessions revoked, user record or password written) or
	// AllSessions (anything may have changed, e.g. the watcher reconnected).
	WatchSessions(fn func(key string))
	// SessionsLive reports whether changes are being heard now; while
	// false nothing may be served from a session cache.
	SessionsLive() bool
}

// AllSessions is the SessionWatcher key that invalidates every session.
const AllSessions = "all"

// Store is a database holding one app's records and runtime state.
type Store interface {
	Reader
	// Sync brings the schema in step with the app: a table per entity,
	// indexes for unique and indexable fields. Data of removed fields is kept.
	Sync(ctx context.Context, a *app.App) error
	// Write runs fn in one write transaction. fn must not call Write or the
	// Store's other writing methods: it would wait for itself.
	Write(ctx context.Context, fn func(tx Tx) error) error
	// PrepareRow does for row r, before the write that stores it, what
	// the write's transaction would otherwise do (SQLite: convert Doc to
	// JSONB): every write waits for the store's writer, so the less it
	// does the more writes a second. It refuses a Doc that is not JSON;
	// Doc must not change afterwards.
	PrepareRow(r *Row) error

	// PasswordHash reads a user's password hash (ErrNotFound when unset).
	PasswordHash(ctx context.Context, userID string) (string, error)
	// DeletePassword forgets a user's password hash (user deleted).
	DeletePassword(ctx context.Context, userID string) error

	CreateSession(ctx context.Context, s *Session) error
	// Session reads a session by token hash (ErrNotFound when missing).
	Session(ctx context.Context, tokenHash string) (*Session, error)
	// TouchSession records activity on a session.
	TouchSession(ctx context.Context, tokenHash string, at int64) error
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteUserSessions revokes every session of a user.
	DeleteUserSessions(ctx context.Context, userID string) error
	// DeleteExpiredSessions removes sessions idle past their timeout at now.
	DeleteExpiredSessions(ctx context.Context, now int64) (int64, error)

	// AppState reads a runtime setting of the app (e.g. the maintenance
	// flag); "" when it was never set.
	AppState(ctx context.Context, key string) (string, error)
	// SetAppState writes a runtime setting ("" removes it).
	SetAppState(ctx context.Context, key, value string) error

	// Jobs: the job queue and job logs (jobs.go).
	Jobs
	// KeyValues: sys.storage's and sys.cache's table (keyvalues.go).
	KeyValues
	// Files: file metadata and share links (files.go).
	Files
	// History: the history of records (history.go).
	History
	// AppLogs: the app log (applog.go).
	AppLogs
	// Locks: record locks (locks.go).
	Locks

	Close() error
}

// NextPage cuts rows read with a limit of size+1 (one more than a page)
// to the page, and returns the offset of the next page: the id of the
// page's last row when more rows follow, else nil.
func NextPage[T any](rows []T, size int, id func(*T) string) ([]T, *string) {
	if len(rows) <= size {
		return rows, nil
	}
	rows = rows[:size]
	last := id(&rows[size-1])
	return rows, &last
}
