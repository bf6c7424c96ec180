package jobs

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"runway/apperr"
	"runway/clock"
	"runway/query"
	"runway/record"
)

// Queries of jobs and job logs (rest-api.md §9.6, §9.7), read the same way
// from the jobs API's query string and from sys.jobs.find / sys.jobs.logs.
// Each parameter takes one value (query.Single).

// Page sizes of job and job log lists.
const (
	DefaultListSize = 20
	DefaultLogsSize = 200
	MaxListSize     = 1000
)

func badParam(name, format string, args ...any) error {
	return apperr.New(apperr.BadRequest, "Invalid parameter %s: %s", name, fmt.Sprintf(format, args...))
}

// ParseFilter reads a jobs query: type and status (comma lists, any case),
// hasErrors, startFrom/startTo, endFrom/endTo, createFrom/createTo (ms),
// _size (default 20, at most 1000) and _offset (the last id of the
// previous page).
func ParseFilter(q url.Values) (Filter, error) {
	var f Filter
	var err error
	if f.Types, err = enumList(q, "type", Types); err != nil {
		return f, err
	}
	if f.Statuses, err = enumList(q, "status", Statuses); err != nil {
		return f, err
	}
	if f.HasErrors, err = boolParam(q, "hasErrors"); err != nil {
		return f, err
	}
	for _, b := range []struct {
		name string
		dst  **int64
	}{{"startFrom", &f.StartFrom}, {"startTo", &f.StartTo}, {"endFrom", &f.EndFrom}, {"endTo", &f.EndTo},
		{"createFrom", &f.CreateFrom}, {"createTo", &f.CreateTo}} {
		if *b.dst, err = msParam(q, b.name); err != nil {
			return f, err
		}
	}
	if f.Limit, err = sizeParam(q, DefaultListSize); err != nil {
		return f, err
	}
	f.Before, err = offsetParam(q)
	return f, err
}

// ParseLogFilter reads a job log query: period (e.g. "3h 30m", today,
// yesterday; days in loc, ending now) or from/to (ms), level (INFO, WARN,
// ERROR, a comma list), message (a substring), _size (default 200, at most
// 1000) and _offset.
func ParseLogFilter(q url.Values, now time.Time, loc *time.Location) (LogFilter, error) {
	var f LogFilter
	p, err := query.Single(q, "period")
	if err != nil {
		return f, err
	}
	if p != "" {
		from, to, err := clock.ParsePeriod(p, now, loc)
		if err != nil {
			return f, badParam("period", "%q: %v (use e.g. 3h 30m, today or yesterday)", p, err)
		}
		f.From, f.To = &from, &to
	} else {
		if f.From, err = msParam(q, "from"); err != nil {
			return f, err
		}
		if f.To, err = msParam(q, "to"); err != nil {
			return f, err
		}
	}
	if f.Levels, err = enumList(q, "level", Levels); err != nil {
		return f, err
	}
	if f.Message, err = query.Single(q, "message"); err != nil {
		return f, err
	}
	if f.Limit, err = sizeParam(q, DefaultLogsSize); err != nil {
		return f, err
	}
	f.After, err = offsetParam(q)
	return f, err
}

// enumList reads a comma list whose values must be among allowed (any case
// is accepted and normalized to the allowed spelling).
func enumList[T ~string](q url.Values, name string, allowed []T) ([]T, error) {
	raw, err := query.Single(q, name)
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
			return nil, badParam(name, "%q is not one of %s", v, strings.Join(names, ", "))
		}
		if !slices.Contains(out, allowed[i]) {
			out = append(out, allowed[i])
		}
	}
	return out, nil
}

// boolParam reads an optional true or false (any case).
func boolParam(q url.Values, name string) (*bool, error) {
	raw, err := query.Single(q, name)
	if err != nil || raw == "" {
		return nil, err
	}
	switch strings.ToLower(raw) {
	case "true":
		b := true
		return &b, nil
	case "false":
		b := false
		return &b, nil
	}
	return nil, badParam(name, "%q is not true or false", raw)
}

// msParam reads an optional timestamp in ms.
func msParam(q url.Values, name string) (*int64, error) {
	raw, err := query.Single(q, name)
	if err != nil || raw == "" {
		return nil, err
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, badParam(name, "%q is not a timestamp in milliseconds", raw)
	}
	return &n, nil
}

// sizeParam reads _size: a positive integer up to MaxListSize.
func sizeParam(q url.Values, def int) (int, error) {
	raw, err := query.Single(q, "_size")
	if err != nil || raw == "" {
		return def, err
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n <= 0 {
		return 0, badParam("_size", "%q is not a positive integer", raw)
	}
	if n > MaxListSize {
		return 0, badParam("_size", "%d is more than the maximum of %d", n, MaxListSize)
	}
	return n, nil
}

// offsetParam reads _offset: the id of the last item of the previous page.
func offsetParam(q url.Values) (string, error) {
	raw, err := query.Single(q, "_offset")
	if err != nil {
		return "", err
	}
	if raw != "" && !record.IsID(raw) {
		return "", badParam("_offset", "%q is not an offset from a previous answer", raw)
	}
	return raw, nil
}
