package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"runway/apperr"
	"runway/data"
	"runway/jobs"
	"runway/record"
)

// Page sizes of the jobs API (rest-api.md §9.6, §9.7, §10).
const (
	defaultJobsSize    = 20
	defaultJobLogsSize = 200
	maxJobsSize        = 1000
)

func badParam(name, format string, args ...any) error {
	return apperr.New(apperr.BadRequest, "Invalid parameter %s: %s", name, fmt.Sprintf(format, args...))
}

// getJob: GET /status/jobs/{id} (rest-api.md §9.5).
func (s *Server) getJob(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	j, err := s.jobs.Get(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, j)
}

// listJobs: GET /status/jobs (rest-api.md §9.6).
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	q := params(r)
	var f jobs.Filter
	var err error
	if f.Types, err = enumList(q, "type", jobs.Types); err != nil {
		return err
	}
	if f.Statuses, err = enumList(q, "status", jobs.Statuses); err != nil {
		return err
	}
	if q.Get("hasErrors") != "" {
		b, err := boolParam(r, "hasErrors", false)
		if err != nil {
			return err
		}
		f.HasErrors = &b
	}
	for _, b := range []struct {
		name string
		dst  **int64
	}{{"startFrom", &f.StartFrom}, {"startTo", &f.StartTo}, {"endFrom", &f.EndFrom}, {"endTo", &f.EndTo},
		{"createFrom", &f.CreateFrom}, {"createTo", &f.CreateTo}} {
		if *b.dst, err = msParam(q, b.name); err != nil {
			return err
		}
	}
	if f.Limit, err = sizeParam(q, defaultJobsSize); err != nil {
		return err
	}
	if f.Before, err = offsetParam(q); err != nil {
		return err
	}
	page, err := s.jobs.List(r.Context(), c, f)
	if err != nil {
		return err
	}
	return writeJSON(w, page)
}

// jobLogs: GET /status/jobs/{id}/logs, alias /status/job/{id}/logs
// (rest-api.md §9.7).
func (s *Server) jobLogs(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	q := params(r)
	var f jobs.LogFilter
	var err error
	if f.From, f.To, err = s.window(q); err != nil {
		return err
	}
	levels, err := enumList(q, "level", jobs.Levels)
	if err != nil {
		return err
	}
	f.Levels = levels
	if f.Message, err = single(q, "message"); err != nil {
		return err
	}
	if f.Limit, err = sizeParam(q, defaultJobLogsSize); err != nil {
		return err
	}
	if f.After, err = offsetParam(q); err != nil {
		return err
	}
	page, err := s.jobs.Logs(r.Context(), c, r.PathValue("id"), f)
	if err != nil {
		return err
	}
	return writeJSON(w, page)
}

// jobCommand: PUT /status/jobs/{id}/{command} with stop, forceStop, cancel
// or resume (rest-api.md §9.8–9.11); the answer is the job after it.
func (s *Server) jobCommand(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	cmd := jobs.Command(r.PathValue("command"))
	if !slices.Contains(jobs.UserCommands, cmd) {
		return apperr.New(apperr.NotFound, "No endpoint %s %s", r.Method, r.URL.Path)
	}
	j, err := s.jobs.Command(r.Context(), c, r.PathValue("id"), cmd)
	if err != nil {
		return err
	}
	return writeJSON(w, j)
}

// window reads the time window of a log query (rest-api.md §8.2, §9.7):
// period, relative to now, when given (from and to are then ignored),
// else from and to in ms.
func (s *Server) window(q url.Values) (from, to *int64, err error) {
	p, err := single(q, "period")
	if err != nil {
		return nil, nil, err
	}
	if p != "" {
		start, end, err := parsePeriod(p, s.data.Now(), s.location())
		if err != nil {
			return nil, nil, badParam("period", "%q: %v (use e.g. 3h 30m, today or yesterday)", p, err)
		}
		return &start, &end, nil
	}
	if from, err = msParam(q, "from"); err != nil {
		return nil, nil, err
	}
	to, err = msParam(q, "to")
	return from, to, err
}

// location is the time zone of "today" and "yesterday": the app's default
// time zone, UTC when it has none.
func (s *Server) location() *time.Location {
	if tz := s.data.App().DefaultTimezone; tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return time.UTC
}

// enumList reads a comma list whose values must be among allowed (any case
// is accepted and normalized to the allowed spelling).
func enumList[T ~string](q url.Values, name string, allowed []T) ([]T, error) {
	raw, err := single(q, name)
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

// msParam reads an optional timestamp in ms.
func msParam(q url.Values, name string) (*int64, error) {
	raw, err := single(q, name)
	if err != nil || raw == "" {
		return nil, err
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, badParam(name, "%q is not a timestamp in milliseconds", raw)
	}
	return &n, nil
}

// sizeParam reads _size: a positive integer up to 1000.
func sizeParam(q url.Values, def int) (int, error) {
	raw, err := single(q, "_size")
	if err != nil || raw == "" {
		return def, err
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n <= 0 {
		return 0, badParam("_size", "%q is not a positive integer", raw)
	}
	if n > maxJobsSize {
		return 0, badParam("_size", "%d is more than the maximum of %d", n, maxJobsSize)
	}
	return n, nil
}

// offsetParam reads _offset: the id of the last item of the previous page.
func offsetParam(q url.Values) (string, error) {
	raw, err := single(q, "_offset")
	if err != nil {
		return "", err
	}
	if raw != "" && !record.IsID(raw) {
		return "", badParam("_offset", "%q is not an offset from a previous answer", raw)
	}
	return raw, nil
}

// asyncDelete answers an _async=true delete with the reference of the job
// doing it (rest-api.md §4.3).
func (s *Server) asyncDelete(w http.ResponseWriter, r *http.Request, c *data.Caller, req *jobs.DeleteRequest) error {
	var err error
	if req.LowPriority, err = boolParam(r, "_lowPriority", false); err != nil {
		return err
	}
	if req.TriggerEvents, err = boolParam(r, "_triggerEvents", true); err != nil {
		return err
	}
	if req.CascadeOperations, err = cascadeParam(r); err != nil {
		return err
	}
	ref, err := s.jobs.Delete(r.Context(), c, req)
	if err != nil {
		return err
	}
	return writeJSON(w, ref)
}

// cascadeParam reads _cascadeOperations, or its misspelt alias
// _cascatdeOperations (rest-api.md §6.7): both are validated, the correct
// spelling wins when both are given.
func cascadeParam(r *http.Request) (bool, error) {
	alias, err := boolParam(r, "_cascatdeOperations", true)
	if err != nil {
		return false, err
	}
	if v, err := param(r, "_cascadeOperations"); err != nil || v == "" {
		return alias, err
	}
	return boolParam(r, "_cascadeOperations", true)
}
