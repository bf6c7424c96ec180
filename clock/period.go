package clock

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxPeriod bounds a period, so that a window never overflows.
const maxPeriod = 100 * 365 * 24 * time.Hour

// ParsePeriod reads a window of rest-api.md §8.2 that ends now: "today"
// (local midnight to now), "yesterday" (the previous local day, to the
// millisecond before today's midnight), or duration tokens Xd Xh Xm Xs
// separated by spaces ("3h 30m"), each unit at most once. It returns the
// inclusive bounds in ms.
func ParsePeriod(s string, now time.Time, loc *time.Location) (from, to int64, err error) {
	s = strings.TrimSpace(s)
	local := now.In(loc)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	switch strings.ToLower(s) {
	case "today":
		return midnight.UnixMilli(), now.UnixMilli(), nil
	case "yesterday":
		return midnight.AddDate(0, 0, -1).UnixMilli(), midnight.UnixMilli() - 1, nil
	case "":
		return 0, 0, fmt.Errorf("it is empty")
	}
	units := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}
	seen := map[byte]bool{}
	var total time.Duration
	for _, tok := range strings.Fields(s) {
		if len(tok) < 2 {
			return 0, 0, fmt.Errorf("%q is not a number and a unit (d, h, m, s)", tok)
		}
		u := tok[len(tok)-1] | 0x20 // lower case
		unit, ok := units[u]
		if !ok {
			return 0, 0, fmt.Errorf("%q has no unit d, h, m or s", tok)
		}
		if seen[u] {
			return 0, 0, fmt.Errorf("unit %c given twice", u)
		}
		seen[u] = true
		n, err := strconv.ParseUint(tok[:len(tok)-1], 10, 32)
		if err != nil {
			return 0, 0, fmt.Errorf("%q is not a number and a unit (d, h, m, s)", tok)
		}
		if n > uint64(maxPeriod/unit) {
			return 0, 0, fmt.Errorf("it is longer than 100 years")
		}
		total += time.Duration(n) * unit
		if total > maxPeriod {
			return 0, 0, fmt.Errorf("it is longer than 100 years")
		}
	}
	return now.Add(-total).UnixMilli(), now.UnixMilli(), nil
}
