package script_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"runway/app"
	"runway/clock"
	"runway/data"
	"runway/jobs"
	"runway/query"
	"runway/runtime"
	"runway/script"
	"runway/store"
	"runway/store/postgres"
	"runway/store/sqlite"
)

// Time listeners with a controlled clock: FireTimers claims the ticks of a
// time range, each once whichever process claims it (here two engines and
// job services sharing one store, as processes share a database; SQLite
// admits one process, PostgreSQL several); the ticks run as
// EXECUTE_LISTENER jobs of the system.
func TestTimeListenersRunOnce(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "runway.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	testTicksOnce(t, st, st)
}

// The same over two handles (two pools) of one PostgreSQL database, as two
// processes have, when RUNWAY_TEST_POSTGRES names a server.
func TestTimeListenersRunOncePostgres(t *testing.T) {
	ctx, url := context.Background(), postgresDatabase(t)
	open := func() store.Store {
		st, err := postgres.Open(ctx, url, postgres.Options{PoolSize: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	testTicksOnce(t, open(), open())
}

// listenProc is one process of the listener test app over a store.
type listenProc struct {
	app *app.App
	st  store.Store
	d   *data.Service
	e   *script.Engine
	js  *jobs.Service
}

func startListenProc(t *testing.T, a *app.App, st store.Store, opts script.Options) *listenProc {
	t.Helper()
	rt, err := runtime.Open(context.Background(), runtime.Config{App: a, Store: st, Clock: opts.Clock, Scripts: opts,
		Jobs: jobs.Config{Heartbeat: 50 * time.Millisecond, Takeover: time.Second, Poll: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	rt.Start()
	t.Cleanup(func() { rt.Close() })
	return &listenProc{a, st, rt.Data, rt.Scripts, rt.Jobs}
}

func listenApp(t *testing.T) *app.App {
	t.Helper()
	a, problems, err := app.Load(os.DirFS("../app/testdata/listen"))
	if err != nil {
		t.Fatalf("load: %v %v", err, problems)
	}
	return a
}

// tickLogs waits for n logs of the tick listener and checks them.
func tickLogs(t *testing.T, p *listenProc, n int) {
	t.Helper()
	ctx := context.Background()
	logs := p.app.Entity("logs")
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := p.st.Count(ctx, logs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got == int64(n) {
			break
		}
		if got > int64(n) || time.Now().After(deadline) {
			t.Fatalf("%d tick logs, want %d", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // nothing more comes
	pg, err := p.d.List(ctx, data.SystemCaller, logs, &query.List{Select: query.Select{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range pg.Items {
		m := decode(t, string(doc))
		if m["listener"] != "tick" || m["event"] != "TIME" || m["user"] != "system" {
			t.Errorf("tick log %v", m)
		}
	}
	if pg.Total != int64(n) {
		t.Errorf("%d tick logs, want %d (each tick once)", pg.Total, n)
	}
}

func testTicksOnce(t *testing.T, st1, st2 store.Store) {
	a := listenApp(t)
	ctx := context.Background()
	p1 := startListenProc(t, a, st1, script.Options{ManualTimers: true})
	p2 := startListenProc(t, a, st2, script.Options{ManualTimers: true})
	t0 := time.Date(2030, 5, 6, 7, 8, 30, 0, time.UTC)
	// "0 * * * * ?": three ticks in (t0, t0+3m].
	n1, err := p1.e.FireTimers(ctx, t0, t0.Add(3*time.Minute))
	if err != nil || n1 != 3 {
		t.Fatalf("first process claimed %d ticks (%v), want 3", n1, err)
	}
	// The other process, on an overlapping range: only the new tick.
	n2, err := p2.e.FireTimers(ctx, t0.Add(30*time.Second), t0.Add(4*time.Minute))
	if err != nil || n2 != 1 {
		t.Fatalf("second process claimed %d ticks (%v), want 1", n2, err)
	}
	// Nothing fires between ticks.
	if n, _ := p1.e.FireTimers(ctx, t0.Add(4*time.Minute), t0.Add(4*time.Minute+29*time.Second)); n != 0 {
		t.Errorf("%d ticks claimed between two ticks", n)
	}
	tickLogs(t, p1, 4)
}

// The engine's own clock loop, on a clock the test moves: a tick fires when
// the clock passes it, not before.
func TestTimeListenerClock(t *testing.T) {
	a := listenApp(t)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "runway.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clock.NewManual(time.Date(2030, 5, 6, 7, 8, 30, 0, time.UTC))
	p := startListenProc(t, a, st, script.Options{Clock: clk})
	wait := func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for clk.Waiting() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the clock loop does not wait for the next tick")
			}
			time.Sleep(time.Millisecond)
		}
	}
	wait()
	clk.Advance(20 * time.Second) // 07:08:50: before the tick
	time.Sleep(50 * time.Millisecond)
	if n, _ := p.st.Count(context.Background(), a.Entity("logs"), nil); n != 0 {
		t.Fatalf("%d ticks ran before 07:09:00", n)
	}
	clk.Advance(15 * time.Second) // 07:09:05: the 07:09 tick
	tickLogs(t, p, 1)
	wait()
	clk.Advance(2 * time.Minute) // 07:11:05: the 07:10 and 07:11 ticks
	tickLogs(t, p, 3)
}
