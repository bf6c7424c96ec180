package script

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/jobs"
)

// sys.jobs.find and sys.jobs.logs (app-model.md §7): the jobs API's
// queries (jobs.ParseFilter, jobs.ParseLogFilter) as an object, answered
// as a ResultSet read a page at a time. _size caps the set (else every
// match is read, newest job first, oldest log line first); count() is the
// number of matches whatever _size says.

// jobsPage is how many jobs or log lines a ResultSet reads at a time.
const jobsPage = 200

// queryValues turns a query object into the query string form the jobs
// API reads: strings as they are, numbers as integers, booleans, Dates as
// ms, arrays as comma lists.
func (rt *runtime) queryValues(v goja.Value, call string) url.Values {
	q := url.Values{}
	if isNothing(v) {
		return q
	}
	o, ok := v.(*goja.Object)
	if !ok || o.ClassName() == "Array" {
		rt.throwf(apperr.BadRequest, "The query of %s must be an object", call)
	}
	for _, k := range o.Keys() {
		q.Set(k, rt.queryValue(o.Get(k)))
	}
	return q
}

func (rt *runtime) queryValue(v goja.Value) string {
	if isNothing(v) {
		return ""
	}
	if o, ok := v.(*goja.Object); ok {
		switch o.ClassName() {
		case "Array":
			parts := make([]string, 0, len(o.Keys()))
			for _, k := range o.Keys() {
				parts = append(parts, rt.queryValue(o.Get(k)))
			}
			return strings.Join(parts, ",")
		case "Date":
			if t, ok := o.Export().(time.Time); ok {
				return strconv.FormatInt(t.UnixMilli(), 10)
			}
		}
	}
	switch x := v.Export().(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
	}
	return v.String()
}

// findJobs is sys.jobs.find(query): the jobs the script may see (every
// job: scripts act with the app's authority), newest first.
func (rt *runtime) findJobs(q url.Values) goja.Value {
	f, err := jobs.ParseFilter(q)
	if err != nil {
		rt.throw(err)
	}
	limit := 0
	if q.Get("_size") != "" {
		limit = f.Limit
	}
	return rt.pagedResultSet(f.Before, limit, func(offset string, n int) ([]goja.Value, string, int64) {
		g := f
		g.Before, g.Limit = offset, n
		p, err := rt.e.jobs.List(rt.x.ctx, rt.caller(), g)
		if err != nil {
			rt.throw(err)
		}
		items := make([]goja.Value, len(p.Items))
		for i, j := range p.Items {
			items[i] = rt.jobObject(j)
		}
		return items, deref(p.Offset), p.Total
	})
}

// jobLogs is sys.jobs.logs(jobId, query): the lines of a job's log, oldest
// first, each {timeStamp(), level(), message(), additionalInfo()};
// notFound for a job the script may not see.
func (rt *runtime) jobLogs(id string, q url.Values) goja.Value {
	f, err := jobs.ParseLogFilter(q, rt.e.opts.Clock.Now(), rt.e.data.Location())
	if err != nil {
		rt.throw(err)
	}
	limit := 0
	if q.Get("_size") != "" {
		limit = f.Limit
	}
	return rt.pagedResultSet(f.After, limit, func(offset string, n int) ([]goja.Value, string, int64) {
		g := f
		g.After, g.Limit = offset, n
		p, err := rt.e.jobs.Logs(rt.x.ctx, rt.caller(), id, g)
		if err != nil {
			rt.throw(err)
		}
		items := make([]goja.Value, len(p.Items))
		for i, l := range p.Items {
			line := l
			val := func(v any) func(goja.FunctionCall) goja.Value {
				return func(goja.FunctionCall) goja.Value { return rt.plainJS(v) }
			}
			items[i] = rt.obj(map[string]func(goja.FunctionCall) goja.Value{
				"timeStamp": func(goja.FunctionCall) goja.Value { return rt.date(time.UnixMilli(line.Timestamp)) },
				"level":     val(line.Level), "message": val(line.Message),
				"additionalInfo": val(nil), "aditionalInfo": val(nil), // the platform's spelling too
			})
		}
		return items, deref(p.Offset), p.Total
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// pagedResultSet is a sys.commons.ResultSet of plain values — hasNext(),
// next(), count(), toArray(), close() — (jobs, job log lines, aggregate
// items) over pages that fetch reads: the items after
// offset (at most n), the offset of the next page ("" after the last) and
// the number of matches. limit caps the items (0: none). The first page is
// read at once.
func (rt *runtime) pagedResultSet(offset string, limit int, fetch func(offset string, n int) ([]goja.Value, string, int64)) goja.Value {
	var buf []goja.Value
	pos, fetched := 0, 0
	var total int64 = -1
	done := false
	fill := func() {
		if pos < len(buf) || done {
			return
		}
		n := jobsPage
		if limit > 0 {
			n = min(n, limit-fetched)
		}
		if n <= 0 {
			done, buf, pos = true, nil, 0
			return
		}
		items, next, t := fetch(offset, n)
		buf, pos, total, offset = items, 0, t, next
		fetched += len(items)
		done = next == "" || len(items) < n
	}
	fill() // the first page now: a bad query or an unknown job throws at the call
	next := func() goja.Value {
		fill()
		if pos >= len(buf) {
			rt.throwf(apperr.BadRequest, "No more items in the result set")
		}
		pos++
		return buf[pos-1]
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"hasNext": func(goja.FunctionCall) goja.Value {
			fill()
			return rt.vm.ToValue(pos < len(buf))
		},
		"next": func(goja.FunctionCall) goja.Value { return next() },
		"count": func(goja.FunctionCall) goja.Value {
			if total < 0 {
				_, _, total = fetch(offset, 1)
			}
			return rt.vm.ToValue(total)
		},
		"toArray": func(goja.FunctionCall) goja.Value {
			var out []any
			for {
				fill()
				if pos >= len(buf) {
					return rt.vm.NewArray(out...)
				}
				if len(out) >= maxToArray {
					rt.throwf("systemException", "toArray() returns at most %d items; iterate with hasNext()/next()", maxToArray)
				}
				out = append(out, next())
			}
		},
		"close": func(goja.FunctionCall) goja.Value {
			buf, done = nil, true
			return goja.Undefined()
		},
	})
}
