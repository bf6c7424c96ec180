package api_test

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkListUnderScriptCondition measures a list under a js/ read
// condition (jsReaders: one script call per candidate, the total counted
// over every candidate) against the same list without one (the
// developer), alternating in one loop over 1,000 notes, a third of them
// readable. js/plain is how many times longer the scripted list takes.
//
//	go test ./api -run '^$' -bench ListUnderScriptCondition -benchtime 50x
func BenchmarkListUnderScriptCondition(b *testing.B) {
	s := authority(b)
	tok, _ := jsReader(b, s)
	for i := 0; i < 1000; i++ {
		kind := "private"
		if i%3 == 0 {
			kind = "public"
		}
		s.As("POST", "/data/notes", obj{"title": fmt.Sprintf("n%04d", i), "kind": kind}).Status(200)
	}
	const path = "/data/notes?_size=20"
	for i := 0; i < 5; i++ { // warm up
		s.As("GET", path, nil).Status(200)
		s.Do("GET", path, tok, nil).Status(200)
	}
	var plain, scripted time.Duration
	for b.Loop() {
		t0 := time.Now()
		s.As("GET", path, nil).Status(200)
		t1 := time.Now()
		s.Do("GET", path, tok, nil).Status(200)
		plain, scripted = plain+t1.Sub(t0), scripted+time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(plain.Microseconds())/n, "plain-µs")
	b.ReportMetric(float64(scripted.Microseconds())/n, "js-µs")
	b.ReportMetric(scripted.Seconds()/plain.Seconds(), "js/plain")
}
