package types

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Native layouts (Go reference time) of the date family.
const (
	dateLayout          = "2006-01-02"
	localDateTimeLayout = "2006-01-02 15:04"
	timeLayout          = "15:04"
)

// Epoch-ms values are kept within years 0000–9999 so every one of them can
// be formatted back as a yyyy-MM-dd date.
var (
	minEpochMs = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	maxEpochMs = time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC).UnixMilli()
)

var (
	dateShape          = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	yearMonthShape     = regexp.MustCompile(`^\d{4}-\d{2}$`)
	monthDayShape      = regexp.MustCompile(`^\d{2}-\d{2}$`)
	timeShape          = regexp.MustCompile(`^\d{2}:\d{2}(?::\d{2})?$`)
	localDateTimeShape = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)$`)
)

// readDate validates yyyy-MM-dd including the day of the month.
func readDate(s string) (string, bool) {
	if !dateShape.MatchString(s) {
		return "", false
	}
	_, err := time.Parse(dateLayout, s)
	return s, err == nil
}

func readYearMonth(s string) (string, bool) {
	if !yearMonthShape.MatchString(s) {
		return "", false
	}
	m, _ := strconv.Atoi(s[5:])
	return s, m >= 1 && m <= 12
}

// readMonthDay validates MM-dd against a leap year, so 02-29 is allowed.
func readMonthDay(s string) (string, bool) {
	if !monthDayShape.MatchString(s) {
		return "", false
	}
	_, err := time.Parse(dateLayout, "2000-"+s)
	return s, err == nil
}

// readTime accepts HH:mm, or HH:mm:ss with the seconds dropped.
func readTime(s string) (string, bool) {
	if !timeShape.MatchString(s) {
		return "", false
	}
	if _, err := time.Parse("15:04:05", s[:5]+":00"); err != nil {
		return "", false
	}
	if len(s) == 8 {
		if sec, _ := strconv.Atoi(s[6:]); sec > 59 {
			return "", false
		}
	}
	return s[:5], true
}

// readLocalDateTime accepts yyyy-MM-dd HH:mm (or a T separator, optional
// seconds that are dropped) and returns the native yyyy-MM-dd HH:mm.
func readLocalDateTime(s string) (string, bool) {
	m := localDateTimeShape.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	date, okDate := readDate(m[1])
	hm, okTime := readTime(m[2])
	return date + " " + hm, okDate && okTime
}

// dateTimeLayouts are the string forms a dateTime accepts besides epoch ms;
// layouts without a zone are read as UTC.
var dateTimeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	localDateTimeLayout,
	dateLayout,
}

// readDateTime returns epoch ms from a number of ms, a numeric string, or an
// ISO-8601 / yyyy-MM-dd HH:mm (UTC) string.
func readDateTime(v any) (int64, bool) {
	if d, ok := toDecimal(v); ok {
		ms, ok := d.toInt64()
		return ms, ok && ms >= minEpochMs && ms <= maxEpochMs
	}
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	s = strings.TrimSpace(s)
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			ms := t.UnixMilli()
			return ms, ms >= minEpochMs && ms <= maxEpochMs
		}
	}
	return 0, false
}

// durationUnits are the units of the "1d 2h 30m 15s" form, in ms.
var durationUnits = map[string]int64{
	"d": 24 * 3600 * 1000, "h": 3600 * 1000, "m": 60 * 1000, "s": 1000, "ms": 1,
}

// readDuration returns ms from a non-negative integer (ms) or "1d 2h 30m 15s".
func readDuration(v any) (int64, bool) {
	if d, ok := toDecimal(v); ok {
		ms, ok := d.toInt64()
		return ms, ok && ms >= 0
	}
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	return readDurationText(strings.ToLower(strings.TrimSpace(s)))
}

func readDurationText(s string) (int64, bool) {
	var total int64
	parts := 0
	for s != "" {
		n, unit, rest, ok := nextDurationPart(s)
		if !ok || n > math.MaxInt64/durationUnits[unit] {
			return 0, false
		}
		add := n * durationUnits[unit]
		if total > math.MaxInt64-add {
			return 0, false
		}
		total += add
		parts++
		s = strings.TrimLeft(rest, " ")
	}
	return total, parts > 0
}

// nextDurationPart reads "<digits>[ ]<unit>" from the start of s.
func nextDurationPart(s string) (n int64, unit, rest string, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 15 {
		return 0, "", "", false
	}
	n, _ = strconv.ParseInt(s[:i], 10, 64)
	s = strings.TrimLeft(s[i:], " ")
	j := 0
	for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
		j++
	}
	unit = s[:j]
	if _, known := durationUnits[unit]; !known {
		return 0, "", "", false
	}
	return n, unit, s[j:], true
}

// stringReader adapts a string validator to a parser of REST values.
func stringReader(read func(string) (string, bool), want string) valueParser {
	return func(_ *Rules, v any) (any, *Problem) {
		s, p := stringInput(v, want)
		if p != nil {
			return nil, p
		}
		out, ok := read(strings.TrimSpace(s))
		if !ok {
			return nil, invalid(v, "expected %s", want)
		}
		return out, nil
	}
}

var (
	parseDateValue          = stringReader(readDate, "a date yyyy-MM-dd")
	parseLocalDateTimeValue = stringReader(readLocalDateTime, "a date and time yyyy-MM-dd HH:mm")
	parseTimeValue          = stringReader(readTime, "a time HH:mm")
	parseMonthDayValue      = stringReader(readMonthDay, "a month and day MM-dd")
	parseYearMonthValue     = stringReader(readYearMonth, "a year and month yyyy-MM")
)

func parseDateTimeValue(_ *Rules, v any) (any, *Problem) {
	ms, ok := readDateTime(v)
	if !ok {
		return nil, invalid(v, "expected epoch milliseconds or a date-time like 2024-05-31T18:30:00Z or 2024-05-31 18:30")
	}
	return ms, nil
}

func parseDurationValue(_ *Rules, v any) (any, *Problem) {
	ms, ok := readDuration(v)
	if !ok {
		return nil, invalid(v, "expected a duration in milliseconds or like 1d 2h 30m 15s")
	}
	return ms, nil
}
