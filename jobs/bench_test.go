package jobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"runway/app"
	"runway/data"
	"runway/jobs"
	"runway/record"
	"runway/runtime"
	"runway/store"
)

// BenchmarkAsyncDelete measures an async delete over a query of 100,000
// records (a DELETE_RECORDS job: batches in id order, each with its
// checkpoint, permission checks, results and logs) against a plain
// DELETE … WHERE of the same rows in the same database, and reports both
// rates and their ratio. It is slow (two seedings of 100,000 records per
// run); run it alone:
//
//	go test ./jobs -run '^$' -bench AsyncDelete -benchtime 1x
func BenchmarkAsyncDelete(b *testing.B) {
	for _, batch := range []int{jobs.DefaultBatchSize, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchAsyncDelete(b, batch) })
	}
}

func benchAsyncDelete(b *testing.B, batch int) {
	const n = 100_000
	const others = 10_000 // records the query does not match
	ctx := context.Background()
	a, _, err := app.Load(app.Demo())
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "runway.db")
	rt, err := runtime.Open(ctx, runtime.Config{App: a, DB: runtime.DB{URL: "sqlite://" + path},
		Jobs: jobs.Config{BatchSize: batch}})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	rt.Start()
	st, s := rt.Store, rt.Jobs
	e, _ := rt.Data.Entity("skills")
	// A second connection to the same file for the plain DELETE.
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)

	seedBench(b, st, e, "other", "soft", others)
	var jobTime, plainTime time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		seedBench(b, st, e, fmt.Sprintf("job%d", i), "technical", n)
		b.StartTimer()
		start := time.Now()
		ref, err := s.Delete(ctx, data.SystemCaller, &jobs.DeleteRequest{Entity: e, Query: url.Values{"category": {"technical"}}})
		if err != nil {
			b.Fatal(err)
		}
		for {
			j, err := s.Get(ctx, data.SystemCaller, ref.JobID)
			if err != nil {
				b.Fatal(err)
			}
			if j.Status == store.JobFinished {
				if j.RecordsProcessed != n || j.HasErrors {
					b.Fatalf("job: %d processed, errors %v", j.RecordsProcessed, j.HasErrors)
				}
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		jobTime += time.Since(start)

		b.StopTimer()
		seedBench(b, st, e, fmt.Sprintf("plain%d", i), "technical", n)
		b.StartTimer()
		start = time.Now()
		res, err := raw.ExecContext(ctx, `DELETE FROM e_skills WHERE json_extract(doc, '$.category') = 'technical'`)
		if err != nil {
			b.Fatal(err)
		}
		plainTime += time.Since(start)
		if got, _ := res.RowsAffected(); got != n {
			b.Fatalf("plain delete removed %d rows", got)
		}
	}
	jobRate := float64(n*b.N) / jobTime.Seconds()
	plainRate := float64(n*b.N) / plainTime.Seconds()
	b.ReportMetric(jobRate, "job-records/s")
	b.ReportMetric(plainRate, "plain-records/s")
	b.ReportMetric(jobRate/plainRate, "job/plain")
}

// seedBench inserts n skills of a category straight into the store, 5,000
// per transaction.
func seedBench(b *testing.B, st store.Store, e *app.Entity, prefix, category string, n int) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UnixMilli()
	for i := 0; i < n; {
		err := st.Write(ctx, func(tx store.Tx) error {
			for end := min(i+5000, n); i < end; i++ {
				id := record.NewID()
				name := fmt.Sprintf("%s %06d", prefix, i)
				doc := fmt.Sprintf(`{"id":%q,"version":0,"label":%q,"name":%q,"category":%q}`, id, name, name, category)
				if err := tx.Insert(ctx, e, &store.Row{ID: id, Label: name, Doc: []byte(doc), Created: now, Modified: now}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
