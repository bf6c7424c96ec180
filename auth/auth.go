// Package auth logs users in and turns session tokens into callers: argon2id
// password checks that take the same time for unknown emails, 256-bit tokens
// stored only as hashes, a sliding inactivity expiry, and impersonation.
package auth

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"runway/access"
	"runway/apperr"
	"runway/applog"
	"runway/clock"
	"runway/data"
	"runway/secret"
	"runway/store"
)

// DefaultIdleTimeout is how long a token lives without use (rest-api.md §1).
const DefaultIdleTimeout = 8 * time.Hour

// touchEvery bounds how often a session's last activity is written to the
// store: activity is tracked in memory on every request and persisted at most
// this often, so a read does not become a write. The expiry is exact to
// within this interval.
const touchEvery = time.Minute

// Service authenticates users of one app.
type Service struct {
	data     *data.Service
	store    store.Store
	appName  string
	idle     time.Duration
	log      *slog.Logger
	clock    clock.Clock
	observer Observer // nil: nobody

	mu       sync.Mutex
	sessions map[string]*session // by token hash
	gen      uint64              // bumped by every invalidation (under mu)
	shared   bool                // other processes share the store (Options.Shared)
	// watcher tells of other processes' session changes when shared; a
	// shared store without one (or with its listener down) is not cached.
	watcher store.SessionWatcher

	limit   *limiter    // failed logins per IP and per email
	fails   failures    // failed logins being counted in user records
	maint   maintenance // the maintenance flag, cached
	bgWrite sync.WaitGroup

	appLog *applog.Service // nil: logins are not logged
}

// session is a cached, validated session.
type session struct {
	s         store.Session
	caller    *data.Caller
	persisted int64 // LastActive as last written to the store
}

// Options tune the auth service; the zero value is the defaults.
type Options struct {
	// IdleTimeout is how long a token lives without use (0:
	// DefaultIdleTimeout; a group's automaticLogoutTime overrides it).
	IdleTimeout time.Duration
	// LoginRate is how many failed logins a minute each client IP and each
	// email may have (0: DefaultLoginRate, negative: no limit), LoginBurst
	// how many at once (0: DefaultLoginBurst).
	LoginRate  float64
	LoginBurst int
	// Shared says that other processes share the store (PostgreSQL): a
	// logout, a revocation or a user change made by one of them must hold
	// here at once. Sessions are then cached only if the store is a
	// store.SessionWatcher, and only while it hears the other processes'
	// changes (which drop the entries they touch); otherwise every request
	// reads its session and user from the store.
	Shared bool
	// Clock is the time of sessions and of the login rate limit (nil: the
	// wall clock).
	Clock clock.Clock
	// AppLog receives an APP/LOGIN entry for every login (rest-api.md
	// §5.1; nil: none).
	AppLog *applog.Service
	// Observer hears of refused logins and of users they block (metrics;
	// nil: nobody).
	Observer Observer
}

// Observer is told of every refused login and every user blocked by
// failed logins.
type Observer interface {
	// LoginFailed: reason is the answer's error code, or rateLimited.
	LoginFailed(reason string)
	UserLockedOut()
}

// New returns the auth service of the app of d. It does not hear of user
// changes by itself: whoever builds d gives it UserChanged
// (data.Options.OnUserWrite).
func New(d *data.Service, log *slog.Logger, opts Options) *Service {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.LoginRate == 0 {
		opts.LoginRate = DefaultLoginRate
	}
	if opts.LoginBurst == 0 {
		opts.LoginBurst = DefaultLoginBurst
	}
	a := &Service{data: d, store: d.Store(), appName: d.App().Name, idle: opts.IdleTimeout, log: log,
		clock: clock.OrSystem(opts.Clock), shared: opts.Shared, sessions: map[string]*session{}, observer: opts.Observer,
		appLog: opts.AppLog,
		limit:  newLimiter(max(opts.LoginRate, 0), opts.LoginBurst, maxLimiterKeys)}
	a.fails.pending = map[string]int{}
	a.fails.cond = sync.NewCond(&a.fails.mu)
	if w, ok := a.store.(store.SessionWatcher); ok && opts.Shared {
		a.watcher = w
		w.WatchSessions(a.sessionsChanged)
	}
	return a
}

// cacheable reports whether sessions may be served from (and stored in) the
// cache now.
func (a *Service) cacheable() bool {
	if !a.shared {
		return true
	}
	return a.watcher != nil && a.watcher.SessionsLive()
}

// sessionsChanged drops the cached sessions a change heard from the store
// touches: key is a token hash, a user id or store.AllSessions.
func (a *Service) sessionsChanged(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	if key == store.AllSessions {
		clear(a.sessions)
		return
	}
	delete(a.sessions, key)
	for h, s := range a.sessions {
		if s.s.UserID == key || s.s.AdminUserID == key {
			delete(a.sessions, h)
		}
	}
}

// Wait waits for the background writes of failed logins to finish (tests
// and shutdown call it before closing the store).
func (a *Service) Wait() { a.bgWrite.Wait() }

func (a *Service) now() time.Time { return a.clock.Now() }

// Login is the body of POST /auth/login.
type Login struct {
	Email       string
	Password    string
	Impersonate string // emailImpersonatedUser
	IP          string
}

// LoginResult is the answer of a successful login (rest-api.md §5.1).
type LoginResult struct {
	App            string  `json:"app"`
	AdminUserEmail *string `json:"adminUserEmail"`
	IP             string  `json:"ip"`
	UserEmail      string  `json:"userEmail"`
	UserName       string  `json:"userName"`
	UserID         string  `json:"userId"`
	Token          string  `json:"token"`
}

var errCredentials = apperr.New(apperr.Unauthorized, "Invalid email or password")

// Login checks credentials and opens a session. The checks run in this
// order: rate limit (400), credentials (401; a wrong password of an existing
// user is counted and may block the user), status (403, rest-api.md §12
// D1), maintenance (503 but for developers and super users), allowed IPs
// (403), password expiry (403), impersonation.
func (a *Service) Login(ctx context.Context, l Login) (_ *LoginResult, err error) {
	defer func() {
		if err != nil && a.observer != nil {
			a.observer.LoginFailed(failureReason(err))
		}
	}()
	if l.Email == "" || l.Password == "" {
		return nil, apperr.New(apperr.BadRequest, "email and password are required")
	}
	now := a.now()
	emailKey := "email:" + strings.ToLower(strings.TrimSpace(l.Email))
	keys := []string{"ip:" + l.IP, emailKey}
	if wait := a.limit.wait(now, keys...); wait > 0 {
		// Refused before the password is looked at: the answer says
		// nothing about it.
		return nil, &LimitError{RetryAfter: wait}
	}
	// Earlier failures of this email are counted before it is read again.
	a.fails.wait(emailKey)
	u, ok, err := a.checkCredentials(ctx, l.Email, l.Password)
	if err != nil {
		return nil, err
	}
	if !ok {
		a.limit.take(now, keys...)
		if u != nil && u.Status == "ACTIVE" {
			a.countFailure(emailKey, u.ID)
		}
		return nil, errCredentials
	}
	if err := canLogIn(u); err != nil {
		return nil, err
	}
	if err := a.data.ResetFailedLogins(ctx, u); err != nil {
		a.log.Error("reset failed logins", "user", u.ID, "err", err)
	}
	if err := a.admit(ctx, u, l.IP, now); err != nil {
		return nil, err
	}
	effective, admin := u, (*data.User)(nil)
	if l.Impersonate != "" {
		if effective, err = a.impersonate(ctx, u, l.Impersonate, l.IP); err != nil {
			return nil, err
		}
		admin = u
	}
	token := secret.NewToken()
	ms := now.UnixMilli()
	idle := a.idleTimeout(effective)
	if admin != nil {
		idle = min(idle, a.idleTimeout(admin))
	}
	s := store.Session{TokenHash: secret.HashToken(token), UserID: effective.ID, IP: l.IP,
		Created: ms, LastActive: ms, IdleTimeout: idle.Milliseconds()}
	res := &LoginResult{App: a.appName, IP: l.IP, UserEmail: effective.Email, UserName: effective.Name,
		UserID: effective.ID, Token: token}
	if admin != nil {
		s.AdminUserID = admin.ID
		res.AdminUserEmail = &admin.Email
	}
	gen := a.generation()
	if err := a.store.CreateSession(ctx, &s); err != nil {
		return nil, err
	}
	caller := sessionCaller(effective, admin, l.IP)
	a.remember(&session{s: s, caller: caller, persisted: ms}, gen)
	a.logLogin(ctx, caller)
	if p := effective.Policy.Session(); p.LoginNotification || p.NotifyNewIP || p.NotifyNewLocation {
		// Login notifications are logged, not sent (app-model.md §6.2).
		a.log.Info("login notification", "user", effective.ID, "email", effective.Email, "ip", l.IP)
	}
	return res, nil
}

// logLogin writes the APP/LOGIN entry of a login (rest-api.md §5.1).
func (a *Service) logLogin(ctx context.Context, c *data.Caller) {
	if a.appLog == nil {
		return
	}
	msg := "User " + c.Email + " logged in"
	if c.AdminEmail != "" {
		msg = "User " + c.AdminEmail + " logged in as " + c.Email
	}
	a.appLog.Write(ctx, c, applog.Entry{SubType: store.AppLogLogin, Message: msg,
		AdditionalInfo: map[string]any{"userId": c.UserID}})
}

// failureReason names why a login was refused: the answer's error code,
// or rateLimited.
func failureReason(err error) string {
	var limited *LimitError
	if errors.As(err, &limited) {
		return "rateLimited"
	}
	if e := apperr.As(err); e != nil {
		return e.Code
	}
	return apperr.InternalError
}

// LimitError answers a login refused by the rate limit: badRequest ("limit
// exceeded", rest-api.md §2.2), with the time after which to retry.
type LimitError struct {
	RetryAfter time.Duration
}

func (e *LimitError) Error() string { return e.Unwrap().Error() }

// Unwrap is the API error of the answer.
func (e *LimitError) Unwrap() error {
	return apperr.New(apperr.BadRequest, "Too many failed login attempts; try again in %d seconds", e.Seconds())
}

// Seconds is RetryAfter rounded up to whole seconds.
func (e *LimitError) Seconds() int {
	return int((e.RetryAfter + time.Second - 1) / time.Second)
}

// admit refuses a user with valid credentials who may not log in now:
// maintenance mode, an address outside the allowed IPs, an expired password.
func (a *Service) admit(ctx context.Context, u *data.User, ip string, now time.Time) error {
	if !u.Developer && !u.SuperUser && a.Maintenance(ctx) {
		return ErrMaintenance
	}
	if !u.Policy.AllowsIP(ip) {
		return apperr.New(apperr.Forbidden, "Login from IP address %s is not allowed for this user", ip)
	}
	if u.Policy.Password().Expired(u.LastPasswordChange, now) {
		return apperr.New(apperr.Forbidden, "Password expired: ask an administrator to reset it")
	}
	return nil
}

// ErrMaintenance answers ordinary users while the app is in maintenance.
var ErrMaintenance = apperr.New(apperr.ApplicationUnavailable, "The application is under maintenance; try again later")

// neverExpires stands for a session idle timeout of "never": long enough,
// and small enough that last_active + idle_timeout cannot overflow.
const neverExpires = 100 * 365 * 24 * time.Hour

// idleTimeout is the inactivity timeout of a new session of u: the shortest
// automaticLogoutTime of the user's groups, else the server's.
func (a *Service) idleTimeout(u *data.User) time.Duration {
	switch t := u.Policy.Session().IdleTimeout; t {
	case 0:
		return a.idle
	case access.NoTimeout:
		return neverExpires
	default:
		return t
	}
}

// sessionCaller is the caller of a session of effective, opened by admin
// when impersonating (admin nil otherwise).
func sessionCaller(effective, admin *data.User, ip string) *data.Caller {
	if admin == nil {
		return effective.Caller(ip, "")
	}
	c := effective.Caller(ip, admin.Email)
	c.AdminPrivileged = admin.Developer || admin.SuperUser
	return c
}

// checkCredentials finds the user and checks the password; an unknown email
// costs the same time as a wrong password. u is the user when the email
// exists, ok whether the password is theirs.
func (a *Service) checkCredentials(ctx context.Context, email, password string) (u *data.User, ok bool, err error) {
	u, err = a.data.UserByEmail(ctx, email)
	if err != nil {
		return nil, false, err
	}
	hash := ""
	if u != nil {
		hash, err = a.store.PasswordHash(ctx, u.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, false, err
		}
	}
	if hash == "" {
		secret.BurnPasswordCheck(password)
		return u, false, nil
	}
	ok, err = secret.CheckPassword(hash, password)
	if err != nil {
		return nil, false, err
	}
	return u, ok, nil
}

// canLogIn refuses users who are not ACTIVE (rest-api.md §12 D1) and the
// system user, who exists for background work only.
func canLogIn(u *data.User) error {
	switch {
	case u.SystemUser:
		return apperr.New(apperr.Forbidden, "System users cannot log in")
	case u.Status == "BLOCKED":
		return apperr.New(apperr.Forbidden, "User is blocked")
	case u.Status != "" && u.Status != "ACTIVE":
		return apperr.New(apperr.Forbidden, "User is inactive")
	}
	return nil
}

// impersonate checks that admin may act as the user with that email
// (app-model.md §6.2): developers anyone, super users and members of a group
// with userImpersonate ordinary users; the target must be ACTIVE and may
// work from ip.
func (a *Service) impersonate(ctx context.Context, admin *data.User, email, ip string) (*data.User, error) {
	if !admin.Policy.MayImpersonate(access.Member) {
		return nil, apperr.New(apperr.Forbidden, "Not allowed to impersonate users")
	}
	target, err := a.data.UserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	if target == nil {
		return nil, apperr.New(apperr.NotFound, "User %q does not exist", email)
	}
	if !admin.Policy.MayImpersonate(target.Role()) {
		return nil, apperr.New(apperr.Forbidden, "Only developers may impersonate developers and super users")
	}
	if err := canLogIn(target); err != nil {
		return nil, err
	}
	if !target.Policy.AllowsIP(ip) {
		return nil, apperr.New(apperr.Forbidden, "User %q may not work from IP address %s", email, ip)
	}
	return target, nil
}

var errToken = apperr.New(apperr.Unauthorized, "Not logged in, or the token has expired")

// Authenticate returns the caller a token stands for, and records activity.
func (a *Service) Authenticate(ctx context.Context, token, ip string) (*data.Caller, error) {
	return a.authenticate(ctx, token, ip, true)
}

// Check reports whether a token still stands for a session (errToken when
// it was logged out, revoked or has expired) without recording activity:
// a stream kept open (the console's messages) asks it now and then, and
// must not keep an idle session alive.
func (a *Service) Check(ctx context.Context, token string) error {
	_, err := a.authenticate(ctx, token, "", false)
	return err
}

func (a *Service) authenticate(ctx context.Context, token, ip string, activity bool) (*data.Caller, error) {
	if token == "" {
		return nil, errToken
	}
	hash := secret.HashToken(token)
	now := a.now().UnixMilli()
	var s *session
	if a.cacheable() {
		a.mu.Lock()
		s = a.sessions[hash]
		a.mu.Unlock()
	}
	cached := s != nil
	if s == nil {
		var err error
		if s, err = a.load(ctx, hash); err != nil {
			return nil, err
		}
	}
	// A cached session of a shared store is not read again: a logout, a
	// revocation or a user change committed by any process drops it here
	// when its notification arrives (milliseconds), and nothing is cached
	// while notifications may be unheard (store.SessionWatcher). Only
	// expiry asks the store: other processes may have seen later
	// activity, so the session expires at the latest of theirs and ours.
	if a.expired(s, now) && cached && a.shared {
		st, err := a.store.Session(ctx, hash)
		if errors.Is(err, store.ErrNotFound) {
			a.forget(hash)
			return nil, errToken
		}
		if err != nil {
			return nil, err
		}
		a.mu.Lock()
		s.s.LastActive = max(s.s.LastActive, st.LastActive)
		s.persisted = max(s.persisted, st.LastActive)
		a.mu.Unlock()
	}
	if a.expired(s, now) {
		a.forget(hash)
		if err := a.store.DeleteSession(ctx, hash); err != nil {
			a.log.Error("delete expired session", "err", err)
		}
		return nil, errToken
	}
	if activity {
		a.touch(ctx, s, now)
	}
	c := *s.caller
	c.IP = ip
	return &c, nil
}

// expired reports whether s was idle past its timeout at now.
func (a *Service) expired(s *session, now int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return now-s.s.LastActive > s.s.IdleTimeout
}

// generation is the invalidation count, taken before a store read whose
// result is to be cached: remember refuses it if anything was invalidated
// meanwhile.
func (a *Service) generation() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.gen
}

// load reads a session from the store and builds its caller.
func (a *Service) load(ctx context.Context, hash string) (*session, error) {
	gen := a.generation()
	st, err := a.store.Session(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errToken
	}
	if err != nil {
		return nil, err
	}
	u, err := a.data.UserByID(ctx, st.UserID)
	if err != nil {
		return nil, err
	}
	if u == nil || canLogIn(u) != nil {
		return nil, errToken
	}
	var admin *data.User
	if st.AdminUserID != "" {
		if admin, err = a.data.UserByID(ctx, st.AdminUserID); err != nil {
			return nil, err
		}
		if admin == nil {
			return nil, errToken
		}
	}
	s := &session{s: *st, caller: sessionCaller(u, admin, st.IP), persisted: st.LastActive}
	a.remember(s, gen)
	return s, nil
}

func (a *Service) touch(ctx context.Context, s *session, now int64) {
	a.mu.Lock()
	s.s.LastActive = now
	persist := now-s.persisted >= touchEvery.Milliseconds()
	if persist {
		s.persisted = now
	}
	a.mu.Unlock()
	if persist {
		if err := a.store.TouchSession(ctx, s.s.TokenHash, now); err != nil {
			a.log.Error("touch session", "err", err)
		}
	}
}

// remember caches s, read when the invalidation count was gen, unless
// something was invalidated since or the cache is off.
func (a *Service) remember(s *session, gen uint64) {
	if !a.cacheable() {
		return
	}
	a.mu.Lock()
	if a.gen == gen {
		a.sessions[s.s.TokenHash] = s
	}
	a.mu.Unlock()
}

func (a *Service) forget(hash string) {
	a.mu.Lock()
	a.gen++
	delete(a.sessions, hash)
	a.mu.Unlock()
}

// Logout revokes a token.
func (a *Service) Logout(ctx context.Context, token string) error {
	hash := secret.HashToken(token)
	a.forget(hash)
	return a.store.DeleteSession(ctx, hash)
}

// UserChanged drops cached sessions of a user whose record changed, and
// revokes them when the user can no longer log in (the data service calls
// it after each write of sys.users: data.Options.OnUserWrite).
func (a *Service) UserChanged(userID string, deleted bool) {
	a.mu.Lock()
	a.gen++
	for h, s := range a.sessions {
		if s.s.UserID == userID || s.s.AdminUserID == userID {
			delete(a.sessions, h)
		}
	}
	a.mu.Unlock()
	ctx := context.Background()
	if !deleted {
		u, err := a.data.UserByID(ctx, userID)
		if err != nil || (u != nil && canLogIn(u) == nil) {
			return
		}
	}
	if err := a.store.DeleteUserSessions(ctx, userID); err != nil {
		a.log.Error("revoke sessions", "user", userID, "err", err)
	}
}

// Sweep removes expired sessions from the cache and the store, every
// interval until ctx ends.
func (a *Service) Sweep(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := a.now().UnixMilli()
		a.mu.Lock()
		for h, s := range a.sessions {
			if now-s.s.LastActive > s.s.IdleTimeout {
				delete(a.sessions, h)
			}
		}
		a.mu.Unlock()
		if _, err := a.store.DeleteExpiredSessions(ctx, now); err != nil && ctx.Err() == nil {
			a.log.Error("sweep sessions", "err", err)
		}
	}
}

// EnsureAdmin creates the first developer user when there are no users yet.
// An empty password is generated and returned, so it can be shown once.
func (a *Service) EnsureAdmin(ctx context.Context, email, password string) (created bool, generated string, err error) {
	n, err := a.data.CountUsers(ctx)
	if err != nil || n > 0 {
		return false, "", err
	}
	if password == "" {
		password = secret.RandomString(16)
		generated = password
	}
	_, err = a.data.CreateUser(ctx, data.NewUser{Email: email, FirstName: "Admin", LastName: "Runway",
		Password: password, Developer: true})
	if err != nil {
		return false, "", err
	}
	return true, generated, nil
}
