// Package auth logs users in and turns session tokens into callers: argon2id
// password checks that take the same time for unknown emails, 256-bit tokens
// stored only as hashes, a sliding inactivity expiry, and impersonation.
package auth

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"runway/apperr"
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
	data    *data.Service
	store   store.Store
	appName string
	idle    time.Duration
	log     *slog.Logger
	clock   atomic.Pointer[func() time.Time] // nil = time.Now

	mu       sync.Mutex
	sessions map[string]*session // by token hash
}

// session is a cached, validated session.
type session struct {
	s         store.Session
	caller    *data.Caller
	persisted int64 // LastActive as last written to the store
}

// New returns the auth service; it registers itself to hear of user changes.
func New(d *data.Service, appName string, idle time.Duration, log *slog.Logger) *Service {
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	a := &Service{data: d, store: d.Store(), appName: appName, idle: idle, log: log,
		sessions: map[string]*session{}}
	d.OnUserWrite = a.userChanged
	return a
}

// SetClock replaces the clock of sessions (nil = the system clock), so tests
// can move time instead of waiting for it. Safe to call at any time.
func (a *Service) SetClock(now func() time.Time) {
	if now == nil {
		a.clock.Store(nil)
		return
	}
	a.clock.Store(&now)
}

func (a *Service) now() time.Time {
	if f := a.clock.Load(); f != nil {
		return (*f)()
	}
	return time.Now()
}

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

// Login checks credentials and opens a session.
func (a *Service) Login(ctx context.Context, l Login) (*LoginResult, error) {
	if l.Email == "" || l.Password == "" {
		return nil, apperr.New(apperr.BadRequest, "email and password are required")
	}
	u, err := a.checkCredentials(ctx, l.Email, l.Password)
	if err != nil {
		return nil, err
	}
	if err := canLogIn(u); err != nil {
		return nil, err
	}
	effective, admin := u, (*data.User)(nil)
	if l.Impersonate != "" {
		if effective, err = a.impersonate(ctx, u, l.Impersonate); err != nil {
			return nil, err
		}
		admin = u
	}
	token := secret.NewToken()
	now := a.now().UnixMilli()
	s := store.Session{TokenHash: secret.HashToken(token), UserID: effective.ID, IP: l.IP,
		Created: now, LastActive: now, IdleTimeout: a.idle.Milliseconds()}
	res := &LoginResult{App: a.appName, IP: l.IP, UserEmail: effective.Email, UserName: effective.Name,
		UserID: effective.ID, Token: token}
	adminEmail := ""
	if admin != nil {
		s.AdminUserID = admin.ID
		adminEmail = admin.Email
		res.AdminUserEmail = &adminEmail
	}
	if err := a.store.CreateSession(ctx, &s); err != nil {
		return nil, err
	}
	a.remember(&session{s: s, caller: effective.Caller(l.IP, adminEmail), persisted: now})
	return res, nil
}

// checkCredentials finds the user and checks the password; an unknown email
// costs the same time as a wrong password.
func (a *Service) checkCredentials(ctx context.Context, email, password string) (*data.User, error) {
	u, err := a.data.UserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	hash := ""
	if u != nil {
		hash, err = a.store.PasswordHash(ctx, u.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if hash == "" {
		secret.BurnPasswordCheck(password)
		return nil, errCredentials
	}
	ok, err := secret.CheckPassword(hash, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errCredentials
	}
	return u, nil
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

// impersonate checks that admin may act as the user with that email.
func (a *Service) impersonate(ctx context.Context, admin *data.User, email string) (*data.User, error) {
	if !admin.Developer && !admin.SuperUser {
		return nil, apperr.New(apperr.Forbidden, "Not allowed to impersonate users")
	}
	target, err := a.data.UserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	if target == nil {
		return nil, apperr.New(apperr.NotFound, "User %q does not exist", email)
	}
	if (target.Developer || target.SuperUser) && !admin.Developer {
		return nil, apperr.New(apperr.Forbidden, "Only developers may impersonate developers and super users")
	}
	if err := canLogIn(target); err != nil {
		return nil, err
	}
	return target, nil
}

var errToken = apperr.New(apperr.Unauthorized, "Not logged in, or the token has expired")

// Authenticate returns the caller a token stands for, and records activity.
func (a *Service) Authenticate(ctx context.Context, token, ip string) (*data.Caller, error) {
	if token == "" {
		return nil, errToken
	}
	hash := secret.HashToken(token)
	now := a.now().UnixMilli()
	a.mu.Lock()
	s := a.sessions[hash]
	a.mu.Unlock()
	if s == nil {
		var err error
		if s, err = a.load(ctx, hash); err != nil {
			return nil, err
		}
	}
	if now-s.s.LastActive > s.s.IdleTimeout {
		a.forget(hash)
		if err := a.store.DeleteSession(ctx, hash); err != nil {
			a.log.Error("delete expired session", "err", err)
		}
		return nil, errToken
	}
	a.touch(ctx, s, now)
	c := *s.caller
	c.IP = ip
	return &c, nil
}

// load reads a session from the store and builds its caller.
func (a *Service) load(ctx context.Context, hash string) (*session, error) {
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
	adminEmail := ""
	if st.AdminUserID != "" {
		admin, err := a.data.UserByID(ctx, st.AdminUserID)
		if err != nil {
			return nil, err
		}
		if admin == nil {
			return nil, errToken
		}
		adminEmail = admin.Email
	}
	s := &session{s: *st, caller: u.Caller(st.IP, adminEmail), persisted: st.LastActive}
	a.remember(s)
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

func (a *Service) remember(s *session) {
	a.mu.Lock()
	a.sessions[s.s.TokenHash] = s
	a.mu.Unlock()
}

func (a *Service) forget(hash string) {
	a.mu.Lock()
	delete(a.sessions, hash)
	a.mu.Unlock()
}

// Logout revokes a token.
func (a *Service) Logout(ctx context.Context, token string) error {
	hash := secret.HashToken(token)
	a.forget(hash)
	return a.store.DeleteSession(ctx, hash)
}

// userChanged drops cached sessions of a user whose record changed, and
// revokes them when the user can no longer log in.
func (a *Service) userChanged(userID string, deleted bool) {
	a.mu.Lock()
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
