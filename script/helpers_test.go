package script

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dop251/goja"

	"runway/app"
	"runway/data"
	"runway/jobs"
	"runway/store/sqlite"
)

// env is an app with its data service and script engine over a real
// SQLite store.
type env struct {
	t   testing.TB
	app *app.App
	d   *data.Service
	e   *Engine
	js  *jobs.Service
	log *syncBuilder
}

func newEnv(t testing.TB, fsys fs.FS, opts ...Options) *env {
	t.Helper()
	if fsys == nil {
		fsys = app.Demo()
	}
	a, problems, err := app.Load(fsys)
	if err != nil {
		t.Fatalf("load app: %v %v", err, problems)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "runway.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Sync(ctx, a); err != nil {
		t.Fatalf("sync: %v", err)
	}
	var logb syncBuilder
	var w io.Writer = &logb
	log := slog.New(slog.NewTextHandler(w, nil))
	d := data.New(a, st, log)
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	e, err := New(a, d, log, o)
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	d.SetScripts(e)
	js := jobs.New(st, d, log, jobs.Config{Heartbeat: 50 * time.Millisecond, Takeover: time.Second})
	e.SetJobs(js)
	js.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = js.Shutdown(ctx)
	})
	return &env{t: t, app: a, d: d, e: e, js: js, log: &logb}
}

var dev = &data.Caller{UserID: "", Email: "dev@example.org", Name: "Dev", Developer: true}

// eval runs src as the body of a function (as a developer) and returns
// what it returned as JSON, or the operation's error.
func (v *env) eval(src string) (string, error) {
	v.t.Helper()
	return v.evalAs(dev, src)
}

func (v *env) evalAs(c *data.Caller, src string) (string, error) {
	l := v.e.acquire(context.Background(), c, false)
	defer l.release()
	p, err := goja.Compile("test.js", "(function(){"+src+"\n})", false)
	if err != nil {
		v.t.Fatalf("compile: %v", err)
	}
	fv, err := l.rt.vm.RunProgram(p)
	if err != nil {
		v.t.Fatalf("run: %v", err)
	}
	fn, _ := goja.AssertFunction(fv)
	fi := &fnInfo{file: "test.js", name: "test"}
	l.x.source = fi.String()
	r, err := l.rt.invoke(fn, goja.Undefined(), nil)
	if err != nil {
		return "", l.failure(err, fi)
	}
	if goja.IsUndefined(r) {
		return "undefined", nil
	}
	b, err := l.rt.toJSON(r)
	return string(b), err
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
