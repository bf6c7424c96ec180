package clock

import (
	"testing"
	"time"
	_ "time/tzdata" // the zone below loads without a system tz database
)

func TestParsePeriod(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 3, 11, 10, 30, 0, 0, ny) // the day after DST started
	ms := func(tm time.Time) int64 { return tm.UnixMilli() }
	for _, c := range []struct {
		in       string
		loc      *time.Location
		from, to int64
	}{
		{"3h 30m", time.UTC, ms(now.Add(-210 * time.Minute)), ms(now)},
		{"  1d   2h 3m 4s ", time.UTC, ms(now.Add(-(26*time.Hour + 3*time.Minute + 4*time.Second))), ms(now)},
		{"4s 1D", time.UTC, ms(now.Add(-(24*time.Hour + 4*time.Second))), ms(now)},
		{"0m", time.UTC, ms(now), ms(now)},
		{"today", ny, ms(time.Date(2024, 3, 11, 0, 0, 0, 0, ny)), ms(now)},
		{"Yesterday", ny, ms(time.Date(2024, 3, 10, 0, 0, 0, 0, ny)), ms(time.Date(2024, 3, 11, 0, 0, 0, 0, ny)) - 1},
		{"TODAY", time.UTC, ms(time.Date(2024, 3, 11, 0, 0, 0, 0, time.UTC)), ms(now)},
	} {
		from, to, err := ParsePeriod(c.in, now, c.loc)
		if err != nil || from != c.from || to != c.to {
			t.Errorf("%q: %d..%d %v, want %d..%d", c.in, from, to, err, c.from, c.to)
		}
	}
	// yesterday across the DST change is 23 hours long
	from, to, _ := ParsePeriod("yesterday", now, ny)
	if d := time.Duration(to+1-from) * time.Millisecond; d != 23*time.Hour {
		t.Errorf("yesterday lasted %v", d)
	}
	for _, bad := range []string{"", " ", "3", "h", "3x", "3h 2h", "-3h", "+3h", "3.5h", "3h30m", "tomorrow",
		"99999999999d", "36501d", "now"} {
		if _, _, err := ParsePeriod(bad, now, time.UTC); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
