package data

import (
	"context"
	"testing"
	"time"

	"runway/aggregate"
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
