package query

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"runway/clock"
	"runway/record"
)

// Readers of the parameters of the status lists — jobs, job logs, the app
// log, history — which the REST handlers and sys.jobs.find / sys.jobs.logs
// share. Each parameter takes one value (Single); absent, the reader
// answers its zero (nil, "", the default).

// EnumList reads a comma list whose values must be among allowed (any case
// is accepted and normalized to the allowed spelling).
func EnumList[T ~string](q url.Values, name string, allowed []T) ([]T, error) {
	raw, err := Single(q, name)
	if err != nil || raw == "" {
		return nil, err
	}
	var out []T
	for _, v := range strings.Split(raw, ",") {
		v = strings.TrimSpace(v)
		i := slices.IndexFunc(allowed, func(a T) bool { return strings.EqualFold(string(a), v) })
		if i < 0 {
			names := make([]string, len(allowed))
			for j, a := range allowed {
				names[j] = string(a)
			}
			return nil, badParam(name, fmt.Sprintf("%q is not one of %s", v, strings.Join(names, ", ")))
		}
		if !slices.Contains(out, allowed[i]) {
			out = append(out, allowed[i])
		}
	}
	return out, nil
}

// Flag reads an optional true or false (any case).
func Flag(q url.Values, name string) (*bool, error) {
	raw, err := Single(q, name)
	if err != nil || raw == "" {
		return nil, err
	}
	var b bool
	switch strings.ToLower(raw) {
	case "true":
		b = true
	case "false":
	default:
		return nil, badParam(name, fmt.Sprintf("%q is not true or false", raw))
	}
	return &b, nil
}

// Millis reads an optional timestamp in ms.
func Millis(q url.Values, name string) (*int64, error) {
	raw, err := Single(q, name)
	if err != nil || raw == "" {
		return nil, err
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, badParam(name, fmt.Sprintf("%q is not a timestamp in milliseconds", raw))
	}
	return &n, nil
}

// PageSize reads _size: a positive integer up to MaxSize, def when absent.
func PageSize(q url.Values, def int) (int, error) {
	raw, err := Single(q, "_size")
	if err != nil {
		return 0, err
	}
	return parseSizeOr(raw, def)
}

// IDOffset reads _offset: the id of the last item of the previous page.
func IDOffset(q url.Values) (string, error) {
	raw, err := Single(q, "_offset")
	if err != nil {
		return "", err
	}
	if raw != "" && !record.IsID(raw) {
		return "", badParam("_offset", fmt.Sprintf("%q is not an offset from a previous answer", raw))
	}
	return raw, nil
}

// Window reads the time window of a log query (rest-api.md §8.2, §9.7):
// period, ending now (clock.ParsePeriod; "today" and "yesterday" in loc),
// when given — from and to are then ignored —, else from and to in ms.
func Window(q url.Values, now time.Time, loc *time.Location) (from, to *int64, err error) {
	p, err := Single(q, "period")
	if err != nil {
		return nil, nil, err
	}
	if p != "" {
		start, end, err := clock.ParsePeriod(p, now, loc)
		if err != nil {
			return nil, nil, badParam("period", fmt.Sprintf("%q: %v (use e.g. 3h 30m, today or yesterday)", p, err))
		}
		return &start, &end, nil
	}
	if from, err = Millis(q, "from"); err != nil {
		return nil, nil, err
	}
	to, err = Millis(q, "to")
	return from, to, err
}
