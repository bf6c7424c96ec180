package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"runway/app"
	"runway/auth"
	"runway/clock"
	"runway/data"
	"runway/runtime"
	"runway/store/sqlite"
)

func demoApp(t *testing.T) *app.App {
	t.Helper()
	a, _, err := app.Load(app.Demo())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func sqliteDB(t *testing.T) runtime.DB {
	return runtime.DB{URL: "sqlite://" + filepath.Join(t.TempDir(), "data", "runway.db")}
}

// The services reach the ones built above them through the runtime: a
// save runs its entity's scripts, a write fires the data listeners, a
// change to a user reaches the sessions, all on the one clock.
func TestServicesAreWired(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer // written on this goroutine only: no background work is started
	clk := clock.NewManual(time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC))
	rt, err := runtime.Open(ctx, runtime.Config{App: demoApp(t), DB: sqliteDB(t), Clock: clk,
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	rt.Start()

	// data → listeners: companyActivated logs when a user activates a
	// company.
	dev := &data.Caller{Email: "dev@example.org", Name: "Dev", Developer: true}
	companies := rt.App.Entity("companies")
	cdoc, err := rt.Data.Create(ctx, dev, companies, map[string]any{"name": "Acme", "state": "pending"})
	if err != nil {
		t.Fatal(err)
	}
	var company map[string]any
	if err := json.Unmarshal(cdoc, &company); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Data.Update(ctx, dev, companies, company["id"].(string), map[string]any{"state": "active"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "Company Acme activated") {
		t.Errorf("the data listener did not run; log:\n%s", logs.String())
	}

	// data → script: the contacts' fullName is a script calculation.
	doc, err := rt.Data.Create(ctx, data.SystemCaller, rt.App.Entity("contacts"),
		map[string]any{"firstName": "Ada", "lastName": "Lovelace", "company": company["id"]})
	if err != nil {
		t.Fatal(err)
	}
	var contact map[string]any
	if err := json.Unmarshal(doc, &contact); err != nil {
		t.Fatal(err)
	}
	if contact["fullName"] != "Ada Lovelace" {
		t.Errorf("fullName %v: the data service did not run the script", contact["fullName"])
	}

	// data → auth: a user set inactive loses the session the service cached.
	udoc, err := rt.Data.CreateUser(ctx, data.NewUser{Email: "u@example.org", FirstName: "U", LastName: "Ser", Password: "Secret-password-1"})
	if err != nil {
		t.Fatal(err)
	}
	var user map[string]any
	if err := json.Unmarshal(udoc, &user); err != nil {
		t.Fatal(err)
	}
	login, err := rt.Auth.Login(ctx, auth.Login{Email: "u@example.org", Password: "Secret-password-1", IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Auth.Authenticate(ctx, login.Token, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Data.Update(ctx, data.SystemCaller, rt.App.Entity("sys.users"), user["id"].(string),
		map[string]any{"status": "INACTIVE"}); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Auth.Authenticate(ctx, login.Token, "127.0.0.1"); err == nil {
		t.Error("the session of a deactivated user still works: the auth service did not hear of the write")
	}

	// One clock: the record's timestamps are the runtime's.
	row, err := rt.Store.Get(ctx, rt.App.Entity("contacts"), contact["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if want := clk.Now().UnixMilli(); row.Created != want {
		t.Errorf("created %d, want the runtime clock's %d", row.Created, want)
	}
}

// A failed Open leaves nothing open: the SQLite lock is released, so the
// next Open of the same database succeeds.
func TestOpenFailureReleasesTheStore(t *testing.T) {
	ctx := context.Background()
	db := sqliteDB(t)
	broken := demoApp(t)
	broken.Scripts = map[string]*app.Script{"model/entities/x.js": app.ParseScript("model/entities/x.js", "function f() {\n  return (;\n}")}
	if _, err := runtime.Open(ctx, runtime.Config{App: broken, DB: db}); err == nil || !strings.Contains(err.Error(), "scripts:") {
		t.Fatalf("open with a script that does not compile: %v", err)
	}
	rt, err := runtime.Open(ctx, runtime.Config{App: demoApp(t), DB: db})
	if err != nil {
		t.Fatalf("open after a failed open: %v", err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
}

// A store given in Config stays open after Close (it is the caller's);
// one the runtime opened is closed.
func TestCloseClosesOnlyItsStore(t *testing.T) {
	ctx := context.Background()
	a := demoApp(t)
	db := sqliteDB(t)
	rt, err := runtime.Open(ctx, runtime.Config{App: a, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	path, _ := db.SQLitePath()
	st, err := sqlite.Open(ctx, path) // the lock was released
	if err != nil {
		t.Fatalf("the runtime did not close its store: %v", err)
	}
	defer st.Close()
	rt, err = runtime.Open(ctx, runtime.Config{App: a, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Count(ctx, a.Entity("companies"), nil); err != nil {
		t.Fatalf("the runtime closed a store it was given: %v", err)
	}
}

func TestDatabaseURLs(t *testing.T) {
	for _, c := range []struct{ url, err string }{
		{"mysql://x", `unknown database URL "mysql://x"`},
		{"sqlite://", "has no file path"},
		{"", "unknown database URL"},
	} {
		_, err := runtime.Open(context.Background(), runtime.Config{App: demoApp(t), DB: runtime.DB{URL: c.url}})
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: %v, want %q", c.url, err, c.err)
		}
	}
	if _, err := runtime.Open(context.Background(), runtime.Config{DB: runtime.DB{URL: "sqlite:///tmp/x.db"}}); err == nil {
		t.Error("open without an app")
	}
}
