package jobs

import (
	"net/url"
	"time"

	"runway/query"
)

// Queries of jobs and job logs (rest-api.md §9.6, §9.7), read the same way
// from the jobs API's query string and from sys.jobs.find / sys.jobs.logs,
// with the readers of query (params.go) that the other status lists use.

// Page sizes of job and job log lists (at most query.MaxSize).
const (
	DefaultListSize = 20
	DefaultLogsSize = 200
)

// ParseFilter reads a jobs query: type and status (comma lists, any case),
// hasErrors, startFrom/startTo, endFrom/endTo, createFrom/createTo (ms),
// _size (default 20, at most 1000) and _offset (the last id of the
// previous page).
func ParseFilter(q url.Values) (Filter, error) {
	var f Filter
	var err error
	if f.Types, err = query.EnumList(q, "type", Types); err != nil {
		return f, err
	}
	if f.Statuses, err = query.EnumList(q, "status", Statuses); err != nil {
		return f, err
	}
	if f.HasErrors, err = query.Flag(q, "hasErrors"); err != nil {
		return f, err
	}
	for _, b := range []struct {
		name string
		dst  **int64
	}{{"startFrom", &f.StartFrom}, {"startTo", &f.StartTo}, {"endFrom", &f.EndFrom}, {"endTo", &f.EndTo},
		{"createFrom", &f.CreateFrom}, {"createTo", &f.CreateTo}} {
		if *b.dst, err = query.Millis(q, b.name); err != nil {
			return f, err
		}
	}
	if f.Limit, err = query.PageSize(q, DefaultListSize); err != nil {
		return f, err
	}
	f.Before, err = query.IDOffset(q)
	return f, err
}

// ParseLogFilter reads a job log query: period (e.g. "3h 30m", today,
// yesterday; days in loc, ending now) or from/to (ms), level (INFO, WARN,
// ERROR, a comma list), message (a substring), _size (default 200, at most
// 1000) and _offset.
func ParseLogFilter(q url.Values, now time.Time, loc *time.Location) (LogFilter, error) {
	var f LogFilter
	var err error
	if f.From, f.To, err = query.Window(q, now, loc); err != nil {
		return f, err
	}
	if f.Levels, err = query.EnumList(q, "level", Levels); err != nil {
		return f, err
	}
	if f.Message, err = query.Single(q, "message"); err != nil {
		return f, err
	}
	if f.Limit, err = query.PageSize(q, DefaultLogsSize); err != nil {
		return f, err
	}
	f.After, err = query.IDOffset(q)
	return f, err
}
