package api

import (
	"net/http"

	"runway/applog"
	"runway/data"
	"runway/store"
)

// The app log (rest-api.md §8): developers only (the service checks).

// Page size of the app log (rest-api.md §8.2: default 200).
const defaultLogsSize = 200

// listLogs: GET /status/logs (rest-api.md §8.2).
func (s *Server) listLogs(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	q := params(r)
	var f store.AppLogFilter
	var err error
	if f.From, f.To, err = s.window(q); err != nil {
		return err
	}
	levels, err := enumList(q, "level", levelNames)
	if err != nil {
		return err
	}
	for _, l := range levels {
		f.Levels = append(f.Levels, store.LogLevel(l))
	}
	if f.Message, err = single(q, "message"); err != nil {
		return err
	}
	if f.UserEmail, err = single(q, "userEmail"); err != nil {
		return err
	}
	if f.Limit, err = sizeParam(q, defaultLogsSize); err != nil {
		return err
	}
	if f.Before, err = offsetParam(q); err != nil {
		return err
	}
	page, err := s.appLog.List(r.Context(), c, f)
	if err != nil {
		return err
	}
	return writeJSON(w, page)
}

// levelNames are the levels a filter may name.
var levelNames = func() []string {
	out := make([]string, len(applog.Levels))
	for i, l := range applog.Levels {
		out[i] = string(l)
	}
	return out
}()

// createLog: POST /status/logs (rest-api.md §8.3).
func (s *Server) createLog(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	if err := applog.Allowed(c); err != nil {
		return err
	}
	body, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	l, err := s.appLog.Create(r.Context(), c, body)
	if err != nil {
		return err
	}
	return writeJSON(w, l)
}
