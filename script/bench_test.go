package script_test

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"
	"time"
)

// benchApp has two entities alike but for their field logic: people's
// fullName is calculated by a script, plain's is not.
var benchApp = fstest.MapFS{
	"model/entities/people.json": {Data: []byte(`{"name": "people", "label": "People", "recordLabel": "fields/fullName", "fields": [
  {"name": "firstName", "label": "First", "type": "text", "required": "always"},
  {"name": "lastName", "label": "Last", "type": "text", "required": "always"},
  {"name": "fullName", "label": "Full name", "type": "text", "valueCalculation": "js/fullName"}]}`)},
	"model/entities/people.js": {Data: []byte(`function fullName(record, parentField, action) {
    return record.field('firstName').val() + ' ' + record.field('lastName').val();
}`)},
	"model/entities/plain.json": {Data: []byte(`{"name": "plain", "label": "Plain", "recordLabel": "fields/fullName", "fields": [
  {"name": "firstName", "label": "First", "type": "text", "required": "always"},
  {"name": "lastName", "label": "Last", "type": "text", "required": "always"},
  {"name": "fullName", "label": "Full name", "type": "text"}]}`)},
}

// BenchmarkCreateWithCalculation compares creating a record whose field
// logic runs a script with creating the same record without one,
// alternating in one loop through the data service over SQLite.
// with/without is the scripted create's throughput as a share of the
// plain one's.
//
//	go test ./script -run '^$' -bench CreateWithCalculation -benchtime 3000x
func BenchmarkCreateWithCalculation(b *testing.B) {
	v := newEnv(b, benchApp)
	ctx := context.Background()
	people, plain := v.app.Entity("people"), v.app.Entity("plain")
	var with, without time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		last := fmt.Sprint("L", i)
		t0 := time.Now()
		if _, err := v.d.Create(ctx, dev, plain, map[string]any{"firstName": "Ana", "lastName": last, "fullName": "Ana " + last}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := v.d.Create(ctx, dev, people, map[string]any{"firstName": "Ana", "lastName": last}); err != nil {
			b.Fatal(err)
		}
		without, with = without+t1.Sub(t0), with+time.Since(t1)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(without.Microseconds())/n, "plain-µs")
	b.ReportMetric(float64(with.Microseconds())/n, "scripted-µs")
	b.ReportMetric(without.Seconds()/with.Seconds(), "with/without")
}
