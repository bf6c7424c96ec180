package data

import (
	"context"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"runway/aggregate"
	"runway/app"
	"runway/store/postgres"
	"runway/store/sqlite"
)

// BenchmarkAggregate measures Aggregate (the Go path: records streamed
// from SQLite a page at a time, stages in Go) over the 100,000 tasks of the
// bench fixture, against a plain scan of the same records (read, rendered,
// decoded; no stage) in the same loop, and reports both and their ratio.
//
//	go test ./data -run '^$' -bench Aggregate -benchtime 5x
//
// Sub-benchmarks: "group" (all records: group by owner with sum and count)
// and "match-group" (region = north, 10%, in SQL; then the same group).
func BenchmarkAggregate(b *testing.B) {
	f := newBenchFixture(b)
	ctx := context.Background()
	dev := &Caller{UserID: f.owners[0], Name: "U 0", Developer: true}
	scan := func(where bool) time.Duration {
		start := time.Now()
		p, err := aggregate.Parse(f.s.app, f.e, []byte(`[{"match":{"region":"north"}}]`))
		if err != nil {
			b.Fatal(err)
		}
		w, _ := p.Source()
		if !where {
			w = nil
		}
		n := 0
		if err := f.s.scan(ctx, f.s.perms(dev, f.e), w)(func(aggregate.Doc) bool { n++; return true }); err != nil {
			b.Fatal(err)
		}
		if want := map[bool]int{true: benchRecords / 10, false: benchRecords}[where]; n != want {
			b.Fatalf("scanned %d, want %d", n, want)
		}
		return time.Since(start)
	}
	run := func(b *testing.B, body string, where bool) {
		var aggTime, scanTime time.Duration
		b.ResetTimer()
		for range b.N {
			start := time.Now()
			res, err := f.s.Aggregate(ctx, dev, f.e, []byte(body))
			aggTime += time.Since(start)
			if err != nil || len(res.Items) != benchOwners {
				b.Fatalf("%d items, %v", len(res.Items), err)
			}
			scanTime += scan(where)
		}
		b.ReportMetric(float64(aggTime.Milliseconds())/float64(b.N), "agg-ms/op")
		b.ReportMetric(float64(scanTime.Milliseconds())/float64(b.N), "scan-ms/op")
		b.ReportMetric(float64(aggTime)/float64(scanTime), "ratio")
	}
	group := `{"group":{"by":"owner","total":"sum(budget)","n":"count()"}}`
	b.Run("group", func(b *testing.B) { run(b, `[`+group+`]`, false) })
	b.Run("match-group", func(b *testing.B) { run(b, `[{"match":{"region":"north"}},`+group+`]`, true) })
}

// BenchmarkAggregateSQL measures Aggregate on the SQL path (the store runs
// the match and the group: store.Aggregator) against the same pipelines
// forced through the Go evaluator (Options.AggregateInGo), alternating in
// one loop over the tasks of the bench fixture — RUNWAY_BENCH_AGG_RECORDS of
// them (default 100,000; the figure is for 1,000,000) — on SQLite
// and, with RUNWAY_TEST_POSTGRES, on PostgreSQL:
//
//	RUNWAY_BENCH_AGG_RECORDS=1000000 go test ./data -run '^$' -bench AggregateSQL -benchtime 3x -timeout 1h
//
// It reports each path's median (p50) in ms, their ratio (Go / SQL), the
// median CPU time of the process during each (user + system: what a
// loaded machine does not distort), and each path's peak anonymous
// resident memory in MB (RssAnon, sampled every 2 ms: the process's own
// memory — heap, SQLite's page cache and sorter — without the pages of
// the database file SQLite maps, which are the kernel's file cache and
// which VmHWM counts).
//
// Sub-benchmarks per store: "group" (all records: group by owner with sum
// and count), "match-group" (region = north, 10%, on its index; then
// the group), "lookup-group" (each task's owner looked up in sys.users
// and unwound, then a group by the user's email with sum and count) and
// "group-top10" (a group by title, one group per record, with sum and
// count, then a sort by the sum and a limit of 10: in SQL the statement
// sorts the groups; Go, given room for every group, holds them all — with
// the default bound it logs whether Go answers at all), and
// "group-match-top10" (the same with a match of the groups' count and sum
// before the sort).
func BenchmarkAggregateSQL(b *testing.B) {
	n := benchRecords
	if v := os.Getenv("RUNWAY_BENCH_AGG_RECORDS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 10_000 || n%10_000 != 0 {
			b.Fatalf("RUNWAY_BENCH_AGG_RECORDS=%q: a multiple of 10,000", v)
		}
	}
	fixtures := map[string]func(b *testing.B) *benchFixture{
		"sqlite": func(b *testing.B) *benchFixture {
			if n > benchRecords {
				// a whole-table statement over a million records may
				// take longer than the default limit on a busy machine
				defer func(o sqlite.Options) { storeOptions = o }(storeOptions)
				storeOptions.QueryTimeout = -1
			}
			return newBenchFixtureN(b, n)
		},
	}
	if base := os.Getenv("RUNWAY_TEST_POSTGRES"); base != "" {
		fixtures["postgres"] = func(b *testing.B) *benchFixture {
			ctx := context.Background()
			url, drop, err := postgres.CreateTestDatabase(ctx, base)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = drop() })
			st, err := postgres.Open(ctx, url, postgres.Options{QueryTimeout: -1})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			a, _, err := app.Load(benchApp)
			if err != nil {
				b.Fatal(err)
			}
			if err := st.Sync(ctx, a); err != nil {
				b.Fatal(err)
			}
			s := New(a, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
			f := seedBenchFixture(b, s, st, a.Entity("tasks"), n)
			// Sync again: it analyzes the tables with rows (the
			// statistics a production database has after autovacuum)
			if err := st.Sync(ctx, a); err != nil {
				b.Fatal(err)
			}
			return f
		}
	}
	for _, name := range []string{"sqlite", "postgres"} {
		fixture := fixtures[name]
		if fixture == nil {
			continue
		}
		b.Run(name, func(b *testing.B) {
			f := fixture(b)
			benchAggregateSQL(b, f, n)
		})
	}
}

func benchAggregateSQL(b *testing.B, f *benchFixture, records int) {
	ctx := context.Background()
	inGo := New(f.s.app, f.s.store, nil, Options{AggregateInGo: true})
	dev := &Caller{UserID: f.owners[0], Name: "U 0", Developer: true}
	runIn := func(b *testing.B, body string, items int, inGo *Service) {
		var sqlTimes, goTimes, sqlCPU, goCPU []time.Duration
		var sqlRSS, goRSS int64
		one := func(s *Service, times, cpu *[]time.Duration, rss *int64) {
			debug.FreeOSMemory()
			stop := sampleRssAnon()
			start, c0 := time.Now(), cpuTime()
			res, err := s.Aggregate(ctx, dev, f.e, []byte(body))
			*times = append(*times, time.Since(start))
			*cpu = append(*cpu, cpuTime()-c0)
			*rss = max(*rss, stop())
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Items) != items {
				b.Fatalf("%d items", len(res.Items))
			}
		}
		b.ResetTimer()
		for range b.N {
			one(f.s, &sqlTimes, &sqlCPU, &sqlRSS)
			one(inGo, &goTimes, &goCPU, &goRSS)
		}
		b.ReportMetric(ms(median(sqlTimes)), "sql-p50-ms")
		b.ReportMetric(ms(median(goTimes)), "go-p50-ms")
		b.ReportMetric(float64(median(goTimes))/float64(median(sqlTimes)), "go/sql")
		b.ReportMetric(ms(median(sqlCPU)), "sql-cpu-ms")
		b.ReportMetric(ms(median(goCPU)), "go-cpu-ms")
		b.ReportMetric(float64(sqlRSS)/(1<<20), "sql-rssanon-MB")
		b.ReportMetric(float64(goRSS)/(1<<20), "go-rssanon-MB")
	}
	run := func(b *testing.B, body string) { runIn(b, body, benchOwners, inGo) }
	group := `{"group":{"by":"owner","total":"sum(budget)","n":"count()"}}`
	b.Run("group", func(b *testing.B) { run(b, `[`+group+`]`) })
	b.Run("match-group", func(b *testing.B) { run(b, `[{"match":{"region":"north"}},`+group+`]`) })
	// each task's owner looked up (sys.users), unwound, grouped by a field
	// of the user: one join in SQL, a query per 100 tasks in Go
	b.Run("lookup-group", func(b *testing.B) {
		run(b, `[{"lookup":{"localFieldPath":"owner","foreignFieldPath":"id","foreignEntityName":"sys.users","as":"u"}},`+
			`{"unwind":{"fieldPath":"u"}},{"group":{"by":"u.email","total":"sum(budget)","n":"count()"}}]`)
	})
	b.Run("group-top10", func(b *testing.B) {
		body := `[{"group":{"by":"title","total":"sum(budget)","n":"count()"}},{"sort":{"total":"desc"}},{"limit":10}]`
		if _, err := inGo.Aggregate(ctx, dev, f.e, []byte(body)); err != nil {
			b.Logf("in Go with the default bound: %v", err)
		} else {
			b.Logf("in Go with the default bound: answered")
		}
		roomy := New(f.s.app, f.s.store, nil, Options{AggregateInGo: true, AggregateMaxItems: records + 1})
		runIn(b, body, 10, roomy)
	})
	// the same with a match of the groups before the sort: in SQL a WHERE
	// over the groups in the same statement
	b.Run("group-match-top10", func(b *testing.B) {
		body := `[{"group":{"by":"title","total":"sum(budget)","n":"count()"}},{"match":{"n":1,"total":"greater(0)"}},{"sort":{"total":"desc"}},{"limit":10}]`
		roomy := New(f.s.app, f.s.store, nil, Options{AggregateInGo: true, AggregateMaxItems: records + 1})
		runIn(b, body, 10, roomy)
	})
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuTime is the CPU time the process has used (user + system).
func cpuTime() time.Duration {
	var r syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &r) != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// sampleRssAnon samples the process's anonymous resident memory
// (RssAnon in /proc/self/status) every 2 ms until the returned function is
// called, which returns the largest sample in bytes (0 where /proc is not).
func sampleRssAnon() (stop func() int64) {
	done := make(chan struct{})
	peak := make(chan int64)
	go func() {
		top := rssAnon()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				top = max(top, rssAnon())
			case <-done:
				peak <- max(top, rssAnon())
				return
			}
		}
	}()
	return func() int64 {
		close(done)
		return <-peak
	}
}

// rssAnon is the process's anonymous resident memory in bytes (RssAnon).
func rssAnon() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
