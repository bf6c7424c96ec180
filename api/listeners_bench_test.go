package api_test

import (
	"testing"
	"testing/fstest"
	"time"

	"runway/api/apitest"
)

// listenBenchApp has two identical entities without field logic: plain has
// no listener, heard one trivial synchronous recordCreated listener (its
// script reads a field of the record and returns).
var listenBenchApp = fstest.MapFS{
	"app.json": {Data: []byte(`{"name": "listenbench"}`)},
	"model/entities/plain.json": {Data: []byte(`{"name": "plain", "label": "Plain",
  "fields": [{"name": "name", "label": "Name", "type": "text", "required": "always"},
             {"name": "n", "label": "N", "type": "integer"}]}`)},
	"model/entities/heard.json": {Data: []byte(`{"name": "heard", "label": "Heard",
  "fields": [{"name": "name", "label": "Name", "type": "text", "required": "always"},
             {"name": "n", "label": "N", "type": "integer"}]}`)},
	"model/listeners/onHeard.json": {Data: []byte(`{"name": "onHeard", "type": "data", "entity": "heard",
  "events": [{"type": "recordCreated", "condition": "none"}], "executeInBackground": false, "action": "js/onHeard"}`)},
	"model/listeners/onHeard.js": {Data: []byte(`
function onHeard(event, record, oldRecord) {
    record.field('n').val();
}
`)},
}

// BenchmarkCreateWithListener compares, through HTTP, creates of a record
// whose entity has one trivial synchronous listener with creates of the
// same record in an entity without listeners, alternating them in one
// loop. with/without is the throughput with the listener as a share of
// the throughput without (target ≥ 0.7).
//
//	go test ./api -run '^$' -bench CreateWithListener -benchtime 3000x
func BenchmarkCreateWithListener(b *testing.B) {
	s := apitest.Start(b, listenBenchApp)
	body := obj{"name": "c", "n": 1}
	for i := 0; i < 50; i++ { // warm up: runtimes, caches, connections
		s.As("POST", "/data/plain", body).Status(200)
		s.As("POST", "/data/heard", body).Status(200)
	}
	var without, with time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		s.As("POST", "/data/plain", body).Status(200)
		t1 := time.Now()
		s.As("POST", "/data/heard", body).Status(200)
		t2 := time.Now()
		without, with = without+t1.Sub(t0), with+t2.Sub(t1)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(without.Microseconds())/n, "without-µs")
	b.ReportMetric(float64(with.Microseconds())/n, "with-µs")
	b.ReportMetric(without.Seconds()/with.Seconds(), "with/without")
}
