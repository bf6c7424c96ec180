package api_test

import (
	"testing"
	"testing/fstest"
	"time"

	"runway/api/apitest"
)

// benchApp has one entity without field logic and two one-record actions:
// a trivial one (its script does nothing; the answer is the record) and
// one whose script changes the record and saves it.
var benchApp = fstest.MapFS{
	"app.json": {Data: []byte(`{"name": "bench"}`)},
	"model/entities/counters.json": {Data: []byte(`{
  "name": "counters", "label": "Counters",
  "fields": [
    {"name": "name", "label": "Name", "type": "text", "required": "always"},
    {"name": "n", "label": "N", "type": "integer"}
  ],
  "actions": [
    {"name": "noop", "label": "No-op", "actions": "js/noop"},
    {"name": "increment", "label": "Increment", "actions": "js/increment"}
  ]
}`)},
	"model/entities/counters.js": {Data: []byte(`
function noop(record, oldRecord, action) {
}

function increment(record, oldRecord, action) {
    record.field('n').val(record.field('n').val() + 1);
    sys.data.save(record);
}
`)},
}

// BenchmarkActionVsUpdate compares, through HTTP on the same record, a
// trivial one-record action with a plain update (and an action whose
// script saves the record), alternating them in one loop so both see the
// same machine state. action/update is the action's throughput as a share
// of the update's (target ≥ 0.5).
//
//	go test ./api -run '^$' -bench ActionVsUpdate -benchtime 2000x
func BenchmarkActionVsUpdate(b *testing.B) {
	s := apitest.Start(b, benchApp)
	rec := s.As("POST", "/data/counters", obj{"name": "c", "n": 0}).Status(200).JSON()
	path := "/data/counters/" + rec["id"].(string)
	for i := 0; i < 50; i++ { // warm up: runtimes, caches, connections
		s.As("PUT", path, obj{"n": i}).Status(200)
		s.As("PUT", path+"/noop", nil).Status(200)
		s.As("PUT", path+"/increment", nil).Status(200)
	}
	var upd, noop, inc time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		s.As("PUT", path, obj{"n": i}).Status(200)
		t1 := time.Now()
		s.As("PUT", path+"/noop", nil).Status(200)
		t2 := time.Now()
		s.As("PUT", path+"/increment", nil).Status(200)
		t3 := time.Now()
		upd, noop, inc = upd+t1.Sub(t0), noop+t2.Sub(t1), inc+t3.Sub(t2)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(upd.Microseconds())/n, "update-µs")
	b.ReportMetric(float64(noop.Microseconds())/n, "action-µs")
	b.ReportMetric(float64(inc.Microseconds())/n, "saving-action-µs")
	b.ReportMetric(upd.Seconds()/noop.Seconds(), "action/update")
	b.ReportMetric(upd.Seconds()/inc.Seconds(), "saving-action/update")
}
