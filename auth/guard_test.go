package auth

import (
	"strconv"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := newLimiter(10, 3, 100) // a token every 6 s, 3 at once
	now := time.Unix(1000, 0)
	for i := range 3 {
		if w := l.wait(now, "ip:a", "email:x"); w != 0 {
			t.Fatalf("failure %d refused (wait %v)", i, w)
		}
		l.take(now, "ip:a", "email:x")
	}
	if w := l.wait(now, "ip:a"); w != 6*time.Second {
		t.Errorf("wait after the burst = %v, want 6s", w)
	}
	if w := l.wait(now, "ip:b", "email:x"); w != 6*time.Second {
		t.Errorf("the email's bucket is shared across IPs: wait %v", w)
	}
	if w := l.wait(now, "ip:b", "email:y"); w != 0 {
		t.Errorf("other keys are free: wait %v", w)
	}
	if w := l.wait(now.Add(4*time.Second), "ip:a"); w != 2*time.Second {
		t.Errorf("wait 4 s later = %v, want 2s", w)
	}
	if w := l.wait(now.Add(6*time.Second), "ip:a"); w != 0 {
		t.Errorf("a token is back after 6 s: wait %v", w)
	}
	// Refilling stops at the burst.
	later := now.Add(time.Hour)
	for range 3 {
		l.take(later, "ip:a")
	}
	if w := l.wait(later, "ip:a"); w == 0 {
		t.Error("more than the burst after a long pause")
	}
	// No limit at rate 0.
	off := newLimiter(0, 1, 10)
	for range 100 {
		off.take(now, "k")
	}
	if w := off.wait(now, "k"); w != 0 {
		t.Errorf("rate 0 limited: %v", w)
	}
}

func TestLimiterBounded(t *testing.T) {
	l := newLimiter(10, 5, 50)
	now := time.Unix(1000, 0)
	for i := range 1000 {
		l.take(now, "ip:"+strconv.Itoa(i))
		if len(l.buckets) > 50 {
			t.Fatalf("%d buckets after %d keys, bound 50", len(l.buckets), i+1)
		}
	}
	// Full buckets go first: a drained key survives the making of room.
	later := now.Add(time.Hour) // every bucket so far is full again
	for range 5 {
		l.take(later, "hot")
	}
	for i := range 40 {
		l.take(later, "new:"+strconv.Itoa(i))
	}
	if len(l.buckets) > 50 {
		t.Fatalf("%d buckets, bound 50", len(l.buckets))
	}
	if w := l.wait(later, "hot"); w == 0 {
		t.Error("a drained key was forgotten while full ones were kept")
	}
}
