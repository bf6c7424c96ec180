// Package data is the one data service of Runway: every read and write of a
// record — from the REST API, scripts, imports or jobs — goes through it, so
// permissions, validation, defaults, labels and locking behave the same
// whichever way a record changes.
package data

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"runway/access"
	"runway/app"
	"runway/apperr"
	"runway/clock"
	"runway/files"
	"runway/history"
	"runway/store"
)

// Caller is who performs an operation.
type Caller struct {
	UserID     string
	Email      string
	Name       string
	AdminEmail string // the real user when impersonating
	IP         string
	Developer  bool
	SuperUser  bool
	System     bool // background work with no user

	// AdminPrivileged: impersonating, and the real user is a developer or a
	// super user (such a session passes maintenance mode).
	AdminPrivileged bool
	// Groups are the names of the user's groups, PrimaryGroup the primary
	// one's ("" without groups).
	Groups       []string
	PrimaryGroup string
	// Policy is what the caller may do (role and groups resolved); nil
	// means a member of no group.
	Policy *access.Policy
	// Script: the user acts through a script (sys.data): its writes are
	// SCRIPT-category events, Source names the script ("<file>:<function>")
	// for listeners and history. See ScriptCaller.
	Script bool
	Source string
	// AppAuthority: the call acts with the app's authority, as scripts do
	// (app-model.md §6, issue 16): the groups' permissions — entity, field
	// and action permissions and their record conditions — do not apply;
	// the fields' readAccess/writeAccess and every validation do. Whoever
	// started the script was checked at the door (the REST caller's action
	// permission). ScriptCaller sets it; a script asking for its user's
	// permissions (checkPermissions) clears it.
	AppAuthority bool
}

// SystemCaller acts with every permission (CLI user management, start-up).
var SystemCaller = &Caller{Email: "system", Name: "System", System: true, Policy: access.SystemPolicy}

// privileged callers bypass group permissions (app-model.md §6.1): by
// their role, or acting with the app's authority.
func (c *Caller) privileged() bool { return c.Developer || c.SuperUser || c.System || c.AppAuthority }

// Service reads and writes records of one app.
type Service struct {
	app    *app.App
	store  store.Store
	log    *slog.Logger
	opts   Options
	tz     *time.Location
	access *access.Rules
	ranks  rankMax // highest rank per rank field (filling ranks without a scan)

	js    *scriptHooks // the script engine, the event receiver and their caches (scripts.go); nil: neither
	locks *locker      // record locks (locks.go)

	filterRules sync.Map // *app.Field → query.Expr: compiled relationship filteringRules
}

// Options are what a data service is built with besides its app, store and
// log: its clock, and the services above it that it calls (the runtime,
// package runtime, gives them; none of them is set later). The zero value
// is a service on the wall clock that runs no script and tells nobody of
// its writes.
type Options struct {
	// Clock is the time of record timestamps and date defaults (nil: the
	// wall clock).
	Clock clock.Clock

	// ShowMailSecrets writes passwords in clear in the mails Runway logs
	// instead of sending (welcome, reset password); otherwise they are
	// masked (app-model.md §8 Q30: clear only in the dev environment).
	ShowMailSecrets bool

	// Scripts runs the app's JavaScript (package script; nil: no script
	// runs, see Scripts).
	Scripts Scripts
	// Events receives the data events of committed writes and actions
	// (listeners, package script; nil: no event is built).
	Events Events
	// History records the changes of records of entities with history,
	// in their write transactions (nil: no history is kept).
	History *history.Service
	// Files stores the contents of file fields (nil: a file value is
	// invalid, as no file exists).
	Files *files.Service

	// OnUserWrite, when set, is called after a sys.users record was written
	// or deleted (the auth service drops cached sessions and revokes them
	// when the user can no longer log in).
	OnUserWrite func(userID string, deleted bool)
	// LockLease is how long a record lock outlives a holder that stopped
	// renewing it, e.g. a process that crashed (0: DefaultLockLease).
	LockLease time.Duration

	// AggregateMaxItems bounds the documents an aggregate pipeline holds in
	// memory at once (group, sort; aggregate.Env.MaxItems; 0: its default).
	AggregateMaxItems int
	// AggregateInGo runs every aggregate stage in Go over the records,
	// even where the store could run the start of the pipeline in SQL
	// (store.Aggregator): for benchmarks and differential tests.
	AggregateInGo bool
}

// New returns a data service over a store whose schema is in step with a
// (opts: at most one; none is the zero Options).
func New(a *app.App, s store.Store, log *slog.Logger, opts ...Options) *Service {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Clock = clock.OrSystem(o.Clock)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tz, err := time.LoadLocation(a.DefaultTimezone)
	if err != nil || a.DefaultTimezone == "" {
		tz = time.UTC
	}
	// The server and the CLI report security problems before they get here
	// (access.Compile); an invalid group still compiles, failing closed.
	rules, _, _ := access.Compile(a)
	// The hooks exist without a script engine: expressions (a required
	// condition) are evaluated by the service itself.
	return &Service{app: a, store: s, log: log, opts: o, tz: tz, access: rules,
		js: &scriptHooks{run: o.Scripts, events: o.Events}, locks: newLocker(s, log, o.Clock, o.LockLease)}
}

// Access is the compiled security of the app's groups.
func (s *Service) Access() *access.Rules { return s.access }

// App is the app definition the service serves.
func (s *Service) App() *app.App { return s.app }

// Store is the store underneath (for services that keep their own state in it).
func (s *Service) Store() store.Store { return s.store }

// Entity returns the entity with that name, or notFound.
func (s *Service) Entity(name string) (*app.Entity, error) {
	e := s.app.Entity(name)
	if e == nil {
		return nil, apperr.New(apperr.NotFound, "Entity %q does not exist", name)
	}
	return e, nil
}

// notFound is the error for a missing record.
func notFound(e *app.Entity, id string) error {
	return apperr.New(apperr.NotFound, "Record %q of entity %q does not exist", id, e.FullName)
}

// storeErr turns store errors into API errors.
func storeErr(e *app.Entity, id string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return notFound(e, id)
	case errors.Is(err, store.ErrVersion):
		return apperr.New(apperr.OptimisticLocking, "Record %q was modified by someone else; read it again and retry", id)
	case apperr.As(err) != nil:
		return err
	}
	return err
}

// Now is the time on the service's clock.
func (s *Service) Now() time.Time { return s.opts.Clock.Now() }

func (s *Service) nowMillis() int64 { return s.Now().UnixMilli() }

var _ = context.Background
