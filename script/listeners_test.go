package script

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"runway/app"
	"runway/data"
	"runway/jobs"
	"runway/query"
	"runway/store"
	"runway/store/sqlite"
)

// Time listeners with a controlled clock: FireTimers claims the ticks of a
// time range, each once whichever process claims it (here two engines and
// job services sharing one store, as processes share a database; SQLite
// admits one process, PostgreSQL several); the ticks run as
// EXECUTE_LISTENER jobs of the system.
func TestTimeListenersRunOnce(t *testing.T) {
	a, problems, err := app.Load(os.DirFS("../app/testdata/listen"))
	if err != nil {
		t.Fatalf("load: %v %v", err, problems)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "runway.db")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	type proc struct {
		st store.Store
		d  *data.Service
		e  *Engine
		js *jobs.Service
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	start := func() *proc {
		d := data.New(a, st, log)
		e, err := New(a, d, log, Options{ManualTimers: true})
		if err != nil {
			t.Fatal(err)
		}
		d.SetScripts(e)
		js := jobs.New(st, d, log, jobs.Config{Heartbeat: 50 * time.Millisecond, Takeover: time.Second})
		e.SetJobs(js)
		js.Start()
		p := &proc{st, d, e, js}
		t.Cleanup(func() {
			c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = js.Shutdown(c)
		})
		return p
	}
	p1, p2 := start(), start()
	t0 := time.Date(2030, 5, 6, 7, 8, 30, 0, time.UTC)
	// "0 * * * * ?": three ticks in (t0, t0+3m].
	n1, err := p1.e.FireTimers(ctx, t0, t0.Add(3*time.Minute))
	if err != nil || n1 != 3 {
		t.Fatalf("first process claimed %d ticks (%v), want 3", n1, err)
	}
	// The other process, on the overlapping range: only the new tick.
	n2, err := p2.e.FireTimers(ctx, t0.Add(30*time.Second), t0.Add(4*time.Minute))
	if err != nil || n2 != 1 {
		t.Fatalf("second process claimed %d ticks (%v), want 1", n2, err)
	}
	// Nothing fires between ticks.
	if n, _ := p1.e.FireTimers(ctx, t0.Add(4*time.Minute), t0.Add(4*time.Minute+29*time.Second)); n != 0 {
		t.Errorf("%d ticks claimed between two ticks", n)
	}
	logs := a.Entity("logs")
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := p1.st.Count(ctx, logs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n == 4 {
			break
		}
		if n > 4 || time.Now().After(deadline) {
			t.Fatalf("%d tick logs, want 4", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	p, err := p1.d.List(ctx, data.SystemCaller, logs, &query.List{Select: query.Select{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range p.Items {
		m := decode(t, string(doc))
		if m["listener"] != "tick" || m["event"] != "TIME" || m["user"] != "system" {
			t.Errorf("tick log %v", m)
		}
	}
	if p.Total != 4 {
		t.Errorf("%d tick logs, want 4 (each tick once)", p.Total)
	}
}

func TestTickID(t *testing.T) {
	tick := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b := tickID("tick", tick), tickID("tick", tick.Add(time.Minute))
	if a == b || a != tickID("tick", tick) || a == tickID("tock", tick) || len(a) != 24 {
		t.Errorf("tick ids %s %s", a, b)
	}
}
