package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"runway/api/apitest"
	"runway/store/storetest"
)

// historyBenchApp has two identical entities of ten fields without field
// logic: plain keeps no history, kept keeps it (every user event).
var historyBenchApp = func() fstest.MapFS {
	fields := `"fields": [
    {"name": "name", "label": "Name", "type": "text", "required": "always"},
    {"name": "n", "label": "N", "type": "integer"},
    {"name": "status", "label": "Status", "type": "choice", "typeRules": {"possibleValues": [
      {"name": "open", "label": "Open"}, {"name": "closed", "label": "Closed"}]}},
    {"name": "amount", "label": "Amount", "type": "money"},
    {"name": "email", "label": "Email", "type": "email"},
    {"name": "notes", "label": "Notes", "type": "longText"},
    {"name": "due", "label": "Due", "type": "date"},
    {"name": "done", "label": "Done", "type": "boolean"},
    {"name": "tags", "label": "Tags", "type": "text", "multiplicity": "many"},
    {"name": "address", "label": "Address", "type": "nestedFields", "nestedFields": [
      {"name": "street", "label": "Street", "type": "text"}, {"name": "city", "label": "City", "type": "text"}]}]`
	return fstest.MapFS{
		"app.json":                    {Data: []byte(`{"name": "historybench"}`)},
		"model/entities/plain.json":   {Data: []byte(`{"name": "plain", "label": "Plain", "recordLabel": "fields/name", ` + fields + `}`)},
		"model/entities/kept.json":    {Data: []byte(`{"name": "kept", "label": "Kept", "recordLabel": "fields/name", "history": true, ` + fields + `}`)},
		"model/entities/crowded.json": {Data: []byte(`{"name": "crowded", "label": "Crowded", "recordLabel": "fields/name", "history": true, ` + fields + `}`)},
	}
}()

func benchRecord(i int) obj {
	return obj{"name": fmt.Sprintf("record %d", i), "n": i, "status": "open", "amount": 12.5, "email": "a@example.org",
		"notes": "Some notes about this record, long enough to look like a real one.", "due": "2024-05-01",
		"done": false, "tags": arr{"a", "b"}, "address": obj{"street": "Main 1", "city": "Lyon"}}
}

// BenchmarkHistoryOverhead compares, through HTTP, creates and updates of
// a record whose entity keeps history with the same operations on an
// identical entity without history, alternating them in one loop so both
// see the same machine state; "parallel" does the same from 8 clients at
// once (the SQLite store group-commits them). on/off is the throughput
// with history as a share of the throughput without (target ≥ 0.8).
//
//	go test ./api -run '^$' -bench HistoryOverhead -benchtime 3000x
func BenchmarkHistoryOverhead(b *testing.B) {
	s := apitest.Start(b, historyBenchApp)
	ids := map[string]string{}
	for _, e := range []string{"plain", "kept"} {
		ids[e] = s.As("POST", "/data/"+e, benchRecord(0)).Status(200).JSON()["id"].(string)
		for i := 0; i < 50; i++ { // warm up: caches, connections
			s.As("POST", "/data/"+e, benchRecord(i)).Status(200)
			s.As("PUT", "/data/"+e+"/"+ids[e], obj{"n": i}).Status(200)
		}
	}
	// op creates a record, or updates rec (each client has its own: the
	// same record updated by several would conflict).
	op := func(kind, entity, rec string, i int) error {
		var r *apitest.Response
		var err error
		if kind == "create" {
			r, err = s.Call("POST", "/data/"+entity, s.Token, benchRecord(i))
		} else {
			r, err = s.Call("PUT", "/data/"+entity+"/"+rec, s.Token, obj{"n": i, "status": []string{"open", "closed"}[i%2]})
		}
		if err == nil && r.Code != 200 {
			err = fmt.Errorf("%s %s: %d %s", kind, entity, r.Code, r.Body)
		}
		return err
	}
	for _, kind := range []string{"create", "update"} {
		b.Run(kind, func(b *testing.B) {
			var off, on time.Duration
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if err := op(kind, "plain", ids["plain"], i); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := op(kind, "kept", ids["kept"], i); err != nil {
					b.Fatal(err)
				}
				off, on = off+t1.Sub(t0), on+time.Since(t1)
			}
			n := float64(b.N)
			b.ReportMetric(float64(off.Microseconds())/n, "off-µs")
			b.ReportMetric(float64(on.Microseconds())/n, "on-µs")
			b.ReportMetric(off.Seconds()/on.Seconds(), "on/off")
		})
		b.Run(kind+"-parallel", func(b *testing.B) {
			var off, on atomic.Int64
			var next atomic.Int64
			b.SetParallelism(4) // 8 clients on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				mine := map[string]string{}
				for _, e := range []string{"plain", "kept"} {
					r, err := s.Call("POST", "/data/"+e, s.Token, benchRecord(0))
					if err != nil || r.Code != 200 {
						b.Errorf("create %s: %v", e, err)
						return
					}
					var head struct{ ID string }
					if err := json.Unmarshal(r.Body, &head); err != nil {
						b.Error(err)
						return
					}
					mine[e] = head.ID
				}
				for pb.Next() {
					i := int(next.Add(1))
					t0 := time.Now()
					if err := op(kind, "plain", mine["plain"], i); err != nil {
						b.Error(err)
						return
					}
					t1 := time.Now()
					if err := op(kind, "kept", mine["kept"], i); err != nil {
						b.Error(err)
						return
					}
					off.Add(int64(t1.Sub(t0)))
					on.Add(int64(time.Since(t1)))
				}
			})
			n := float64(b.N)
			b.ReportMetric(float64(off.Load())/1e3/n, "off-µs")
			b.ReportMetric(float64(on.Load())/1e3/n, "on-µs")
			b.ReportMetric(float64(off.Load())/float64(on.Load()), "on/off")
		})
	}
}

// historyEntries is how many entries BenchmarkRecordHistoryPage seeds.
const historyEntries = 1_000_000

// BenchmarkRecordHistoryPage reads, through HTTP, the first page (20
// entries) of one record's history among 1,000,000 entries of its entity
// (10,000 records with 100 entries each, written straight to the store),
// and reports the median and the 90th percentile. The read uses the index
// on (entity, record_id, id): each store's TestHistoryPlan shows the plan.
//
//	go test ./api -run '^$' -bench RecordHistoryPage -benchtime 500x -timeout 30m
func BenchmarkRecordHistoryPage(b *testing.B) {
	s := apitest.Start(b, historyBenchApp)
	target := s.As("POST", "/data/crowded", benchRecord(0)).Status(200).JSON()["id"].(string)
	storetest.SeedHistory(b, s.Runtime.Store, "crowded", target, historyEntries, 100)
	path := "/data/crowded/" + target + "/auditLogs"
	for i := 0; i < 20; i++ {
		p := s.As("GET", path, nil).Status(200).JSON()
		if len(p["items"].([]any)) != 20 {
			b.Fatalf("page: %v", p["total"])
		}
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		s.As("GET", path, nil).Status(200)
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(times[len(times)*9/10].Microseconds()), "p90-µs")
}
