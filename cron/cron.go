// Package cron reads the Quartz cron expressions of time listeners
// (app-model.md §5): "sec min hour day-of-month month day-of-week [year]",
// with *, ?, lists (a,b), ranges (a-b), steps (*/n, a/n, a-b/n) and month
// and day names (JAN, MON). Day-of-week counts 1 = SUN … 7 = SAT as in
// Quartz. L, W and # are not supported.
package cron

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed expression.
type Schedule struct {
	sec, min, hour, dom, month, dow uint64 // bit sets
	years                           map[int]bool
	domAny, dowAny                  bool // * or ?
}

type bounds struct {
	min, max int
	names    map[string]int
}

var (
	months = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8,
		"SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	days = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
)

// Parse reads a Quartz cron expression (6 or 7 fields).
func Parse(expr string) (*Schedule, error) {
	f := strings.Fields(expr)
	if len(f) != 6 && len(f) != 7 {
		return nil, fmt.Errorf("cron expression %q: want 6 or 7 fields (seconds first), got %d", expr, len(f))
	}
	s := &Schedule{}
	var err error
	parts := []struct {
		dst *uint64
		b   bounds
		n   string
	}{
		{&s.sec, bounds{0, 59, nil}, "seconds"},
		{&s.min, bounds{0, 59, nil}, "minutes"},
		{&s.hour, bounds{0, 23, nil}, "hours"},
		{&s.dom, bounds{1, 31, nil}, "day of month"},
		{&s.month, bounds{1, 12, months}, "month"},
		{&s.dow, bounds{1, 7, days}, "day of week"},
	}
	for i, p := range parts {
		if *p.dst, err = field(f[i], p.b); err != nil {
			return nil, fmt.Errorf("cron expression %q: %s: %w", expr, p.n, err)
		}
	}
	s.domAny = f[3] == "*" || f[3] == "?"
	s.dowAny = f[5] == "*" || f[5] == "?"
	if len(f) == 7 && f[6] != "*" && f[6] != "?" {
		bits, err := yearField(f[6])
		if err != nil {
			return nil, fmt.Errorf("cron expression %q: year: %w", expr, err)
		}
		s.years = bits
	}
	return s, nil
}

// EveryMinuteAtMost reports whether the schedule fires at most once a
// minute (one value in the seconds field).
func (s *Schedule) EveryMinuteAtMost() bool { return s.sec&(s.sec-1) == 0 }

func field(x string, b bounds) (uint64, error) {
	var bits uint64
	for _, part := range strings.Split(x, ",") {
		lo, hi, step := b.min, b.max, 1
		rng, st, hasStep := strings.Cut(part, "/")
		if hasStep {
			n, err := strconv.Atoi(st)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("bad step %q", st)
			}
			step = n
		}
		switch {
		case rng == "*" || rng == "?":
		default:
			a, z, isRange := strings.Cut(rng, "-")
			var err error
			if lo, err = value(a, b); err != nil {
				return 0, err
			}
			hi = lo
			if isRange {
				if hi, err = value(z, b); err != nil {
					return 0, err
				}
			} else if hasStep {
				hi = b.max
			}
			if hi < lo {
				return 0, fmt.Errorf("bad range %q", rng)
			}
		}
		for v := lo; v <= hi; v += step {
			bits |= 1 << uint(v)
		}
	}
	return bits, nil
}

func value(x string, b bounds) (int, error) {
	if n, ok := b.names[strings.ToUpper(x)]; ok {
		return n, nil
	}
	n, err := strconv.Atoi(x)
	if err != nil || n < b.min || n > b.max {
		return 0, fmt.Errorf("%q is not a value between %d and %d", x, b.min, b.max)
	}
	return n, nil
}

func yearField(x string) (map[int]bool, error) {
	out := map[int]bool{}
	for _, part := range strings.Split(x, ",") {
		a, z, isRange := strings.Cut(part, "-")
		lo, err := strconv.Atoi(a)
		if err != nil {
			return nil, fmt.Errorf("bad year %q", part)
		}
		hi := lo
		if isRange {
			if hi, err = strconv.Atoi(z); err != nil || hi < lo || hi-lo > 1000 {
				return nil, fmt.Errorf("bad years %q", part)
			}
		}
		for y := lo; y <= hi; y++ {
			out[y] = true
		}
	}
	return out, nil
}

func has(bits uint64, v int) bool { return bits&(1<<uint(v)) != 0 }

func (s *Schedule) dayMatches(t time.Time) bool {
	dom, dow := has(s.dom, t.Day()), has(s.dow, int(t.Weekday())+1)
	switch {
	case s.domAny && s.dowAny:
		return true
	case s.domAny:
		return dow
	case s.dowAny:
		return dom
	}
	return dom || dow
}

// Next is the first time after t the schedule fires, in loc; the zero time
// when there is none within five years.
func (s *Schedule) Next(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc).Truncate(time.Second).Add(time.Second)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		switch {
		case s.years != nil && !s.years[t.Year()]:
			t = time.Date(t.Year()+1, 1, 1, 0, 0, 0, 0, loc)
		case !has(s.month, int(t.Month())):
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, loc)
		case !s.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
		case !has(s.hour, t.Hour()):
			t = t.Truncate(time.Hour).Add(time.Hour)
		case !has(s.min, t.Minute()):
			t = t.Truncate(time.Minute).Add(time.Minute)
		case !has(s.sec, t.Second()):
			t = t.Add(time.Second)
		default:
			return t
		}
	}
	return time.Time{}
}
