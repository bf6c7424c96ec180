package api

import (
	"net/http"

	"runway/applog"
	"runway/data"
	"runway/query"
)

// The app log (rest-api.md §8): developers only (the service checks).

// Page size of the app log (rest-api.md §8.2: default 200).
const defaultLogsSize = 200

// listLogs: GET /status/logs (rest-api.md §8.2).
func (s *Server) listLogs(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	q := params(r)
	var f applog.Filter
	var err error
	if f.From, f.To, err = query.Window(q, s.data.Now(), s.data.Location()); err != nil {
		return err
	}
	if f.Levels, err = query.EnumList(q, "level", applog.Levels); err != nil {
		return err
	}
	if f.Message, err = query.Single(q, "message"); err != nil {
		return err
	}
	if f.UserEmail, err = query.Single(q, "userEmail"); err != nil {
		return err
	}
	if f.Limit, err = query.PageSize(q, defaultLogsSize); err != nil {
		return err
	}
	if f.Before, err = query.IDOffset(q); err != nil {
		return err
	}
	page, err := s.appLog.List(r.Context(), c, f)
	if err != nil {
		return err
	}
	return writeJSON(w, page)
}

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
