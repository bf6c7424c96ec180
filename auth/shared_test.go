package auth_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"runway/app"
	"runway/auth"
	"runway/data"
	"runway/runtime"
	"runway/secret"
	"runway/store"
	"runway/store/postgres"
	"runway/store/sqlite"
)

const (
	testEmail    = "user@example.com"
	testPassword = "Secret-password-1"
)

// openRuntime opens a runtime of the demo app on the PostgreSQL database
// at url, as one process would.
func openRuntime(t *testing.T, url string) *runtime.Runtime {
	t.Helper()
	rt, err := runtime.Open(context.Background(), runtime.Config{App: demoApp(t), DB: runtime.DB{URL: url, Pool: 4}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

func demoApp(t *testing.T) *app.App {
	t.Helper()
	a, _, err := app.Load(app.Demo())
	if err != nil {
		t.Fatalf("load app: %v", err)
	}
	return a
}

// waitRefused polls until token is refused by au, for at most 5 s.
func waitRefused(t *testing.T, au *auth.Service, token, what string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := au.Authenticate(ctx, token, "127.0.0.1"); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the token still works on the other process after 5 s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitCached polls until token is in au's cache (the listener is up).
func waitCached(t *testing.T, au *auth.Service, token string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(5 * time.Second)
	for !au.IsCached(token) {
		if _, err := au.Authenticate(ctx, token, "127.0.0.1"); err != nil {
			t.Fatalf("authenticate: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the session is never cached: is the listener up?")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestSharedSessionCache: two store handles on one PostgreSQL database
// stand for two processes. A session cached by A (served without a read of
// the store) is refused by A once the notification of a logout, a
// revocation or a user's deactivation made through B arrives: within
// milliseconds (the test allows 5 s).
func TestSharedSessionCache(t *testing.T) {
	base := os.Getenv("RUNWAY_TEST_POSTGRES")
	if base == "" {
		t.Skip("RUNWAY_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	url, drop, err := postgres.CreateTestDatabase(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	a, b := openRuntime(t, url), openRuntime(t, url)
	authA, authB, dB, stB := a.Auth, b.Auth, b.Data, b.Store
	if _, err := dB.CreateUser(ctx, data.NewUser{Email: testEmail, FirstName: "U", LastName: "Ser", Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	login := func() string {
		t.Helper()
		r, err := authB.Login(ctx, auth.Login{Email: testEmail, Password: testPassword, IP: "127.0.0.1"})
		if err != nil {
			t.Fatalf("login: %v", err)
		}
		return r.Token
	}

	// Logout on B.
	tok := login()
	waitCached(t, authA, tok)
	if err := authB.Logout(ctx, tok); err != nil {
		t.Fatal(err)
	}
	waitRefused(t, authA, tok, "logout")

	// Sessions of the user revoked through B's store.
	tok = login()
	waitCached(t, authA, tok)
	u, err := dB.UserByEmail(ctx, testEmail)
	if err != nil || u == nil {
		t.Fatalf("user: %v %v", u, err)
	}
	if err := stB.DeleteUserSessions(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	waitRefused(t, authA, tok, "revocation")

	// The user deactivated through B.
	tok = login()
	waitCached(t, authA, tok)
	if _, err := dB.Update(ctx, data.SystemCaller, b.App.Entity("sys.users"), u.ID, map[string]any{"status": "INACTIVE"}); err != nil {
		t.Fatalf("deactivate: %v", err)
	}
	waitRefused(t, authA, tok, "deactivation")
}

// watched is a store whose session notifications the test controls.
type watched struct {
	store.Store
	live atomic.Bool
	fn   func(string)
}

func (w *watched) WatchSessions(fn func(string)) { w.fn = fn }
func (w *watched) SessionsLive() bool            { return w.live.Load() }

// TestSharedCacheOffWhileDeaf: while the store's listener is down nothing is
// served from (or stored in) the session cache: a session deleted behind the
// service's back, unheard, is refused at once.
func TestSharedCacheOffWhileDeaf(t *testing.T) {
	ctx := context.Background()
	a := demoApp(t)
	sq, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "runway.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sq.Close() })
	if err := sq.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	st := &watched{Store: sq}
	st.live.Store(true)
	// The store is a fake: no runtime, the two services it takes.
	log := slog.New(slog.DiscardHandler)
	d := data.New(a, st, log)
	au := auth.New(d, log, auth.Options{Shared: true})
	t.Cleanup(au.Wait)
	if st.fn == nil {
		t.Fatal("a shared auth service did not subscribe to the store's session changes")
	}
	if _, err := d.CreateUser(ctx, data.NewUser{Email: testEmail, FirstName: "U", LastName: "Ser", Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	r, err := au.Login(ctx, auth.Login{Email: testEmail, Password: testPassword, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := au.Authenticate(ctx, r.Token, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if !au.IsCached(r.Token) {
		t.Fatal("not cached while the listener is up")
	}

	// The listener goes down (the store says so and sends "all").
	st.live.Store(false)
	st.fn(store.AllSessions)
	if n := au.CachedCount(); n != 0 {
		t.Fatalf("%d sessions cached after the listener went down", n)
	}
	if _, err := au.Authenticate(ctx, r.Token, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if n := au.CachedCount(); n != 0 {
		t.Fatalf("%d sessions cached while the listener is down", n)
	}
	// Even an entry cached just before (no "all" heard yet) is not served.
	st.live.Store(true)
	if _, err := au.Authenticate(ctx, r.Token, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if !au.IsCached(r.Token) {
		t.Fatal("not cached again once the listener is back")
	}
	st.live.Store(false)
	if err := sq.DeleteSession(ctx, secret.HashToken(r.Token)); err != nil { // unheard
		t.Fatal(err)
	}
	if _, err := au.Authenticate(ctx, r.Token, "127.0.0.1"); err == nil {
		t.Fatal("a deleted session was served from the cache while the listener is down")
	}
}
