package cron

import (
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	base := time.Date(2026, 3, 4, 10, 20, 30, 0, time.UTC) // a Wednesday
	cases := []struct {
		expr string
		loc  *time.Location
		want time.Time
	}{
		{"0 * * * * ?", time.UTC, time.Date(2026, 3, 4, 10, 21, 0, 0, time.UTC)},
		{"0 */15 * * * ?", time.UTC, time.Date(2026, 3, 4, 10, 30, 0, 0, time.UTC)},
		{"0 0 12 * * ?", time.UTC, time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)},
		{"0 0 8 * * ?", paris, time.Date(2026, 3, 5, 7, 0, 0, 0, time.UTC)}, // 8:00 in Paris (UTC+1)
		{"0 0 9 ? * MON-FRI", time.UTC, time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)},
		{"0 0 9 ? * 1", time.UTC, time.Date(2026, 3, 8, 9, 0, 0, 0, time.UTC)}, // 1 = Sunday
		{"0 0 0 1 JAN ? 2027", time.UTC, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"30 5 10 4 3 ?", time.UTC, time.Date(2027, 3, 4, 10, 5, 30, 0, time.UTC)},
	}
	for _, c := range cases {
		s, err := Parse(c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got := s.Next(base, c.loc); !got.Equal(c.want) {
			t.Errorf("%s: next %v, want %v", c.expr, got.UTC(), c.want)
		}
	}
	for _, bad := range []string{"* * * *", "0 61 * * * ?", "0 * * * * FOO", "0 5-1 * * * ?", "0 */0 * * * ?"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if s, _ := Parse("*/10 * * * * ?"); s.EveryMinuteAtMost() {
		t.Error("every 10 s counted as at most once a minute")
	}
	if s, _ := Parse("15 * * * * ?"); !s.EveryMinuteAtMost() {
		t.Error("once a minute refused")
	}
}
