package script_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"runway/app"
	"runway/data"
	"runway/jobs"
	"runway/runtime"
	"runway/script"
	"runway/store"
	"runway/store/postgres"
)

// env is an app with its data service and script engine over a real
// SQLite store: a runtime without the HTTP server, its job workers started.
type env struct {
	t     testing.TB
	app   *app.App
	d     *data.Service
	e     *script.Engine
	js    *jobs.Service
	store store.Store
	log   *syncBuilder
}

func newEnv(t testing.TB, fsys fs.FS, opts ...script.Options) *env {
	t.Helper()
	if fsys == nil {
		fsys = app.Demo()
	}
	a, problems, err := app.Load(fsys)
	if err != nil {
		t.Fatalf("load app: %v %v", err, problems)
	}
	var o script.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	var logb syncBuilder
	rt, err := runtime.Open(context.Background(), runtime.Config{App: a,
		DB:  runtime.DB{URL: "sqlite://" + filepath.Join(t.TempDir(), "runway.db")},
		Log: slog.New(slog.NewTextHandler(&logb, nil)), Clock: o.Clock, SecretKey: o.SecretKey, Scripts: o,
		Jobs:  jobs.Config{Heartbeat: 50 * time.Millisecond, Takeover: time.Second},
		Files: runtime.Files{Blob: filepath.Join(t.TempDir(), "files")}})
	if err != nil {
		t.Fatalf("open runtime: %v", err)
	}
	rt.Start()
	t.Cleanup(func() { rt.Close() })
	return &env{t: t, app: a, d: rt.Data, e: rt.Scripts, js: rt.Jobs, store: rt.Store, log: &logb}
}

var dev = &data.Caller{UserID: "", Email: "dev@example.org", Name: "Dev", Developer: true}

// eval runs src as the body of a function (as a developer) and returns
// what it returned as JSON, or the operation's error.
func (v *env) eval(src string) (string, error) {
	v.t.Helper()
	return v.evalAs(dev, src)
}

func (v *env) evalAs(c *data.Caller, src string) (string, error) {
	v.t.Helper()
	return v.e.EvalAs(context.Background(), v.t, c, src)
}

// mustEval is eval that fails the test on an error.
func (v *env) mustEval(src string) string {
	v.t.Helper()
	out, err := v.eval(src)
	if err != nil {
		v.t.Fatalf("eval: %v\nscript: %s", err, src)
	}
	return out
}

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, s)
	}
	return m
}

// syncBuilder is a strings.Builder safe for the log writes of job workers.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// postgresDatabase creates a database of its own for the test on the
// server RUNWAY_TEST_POSTGRES names (dropped at cleanup), or skips the
// test.
func postgresDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("RUNWAY_TEST_POSTGRES")
	if base == "" {
		t.Skip("RUNWAY_TEST_POSTGRES is not set")
	}
	url, drop, err := postgres.CreateTestDatabase(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = drop() })
	return url
}

// copyApp copies the files of an app into a map a test may change.
func copyApp(t *testing.T, src fs.FS) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	if err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(src, p)
		fsys[p] = &fstest.MapFile{Data: b}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return fsys
}
