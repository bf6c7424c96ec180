package api

import (
	"net/http"

	"runway/apperr"
	"runway/data"
	"runway/history"
	"runway/query"
)

// Record history (rest-api.md §6.12): /auditLogs and its older name
// /history, for one record and for a whole entity.

// Page size of history (rest-api.md §6.12.1: default 20).
const defaultHistorySize = 20

// historyNames are the endpoint's current name and its older one
// (rest-api.md §6.12: both served alike).
var historyNames = []string{"auditLogs", "history"}

// historyFilter reads the parameters of a history page: eventTypes (a
// comma list), from, to, _size, _offset.
func historyFilter(r *http.Request) (data.HistoryFilter, error) {
	q := params(r)
	var f data.HistoryFilter
	raw, err := query.Single(q, "eventTypes")
	if err != nil {
		return f, err
	}
	if f.Events, err = history.ParseEvents(raw); err != nil {
		return f, apperr.New(apperr.BadRequest, "Invalid parameter eventTypes: %v", err)
	}
	if f.From, err = query.Millis(q, "from"); err != nil {
		return f, err
	}
	if f.To, err = query.Millis(q, "to"); err != nil {
		return f, err
	}
	if f.Limit, err = query.PageSize(q, defaultHistorySize); err != nil {
		return f, err
	}
	f.Before, err = query.IDOffset(q)
	return f, err
}

// history: GET /data/{entity}/auditLogs and GET /data/{entity}/{id}/auditLogs
// (aliases /history): the history of every record of the entity, or of
// one record.
func (s *Server) history(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	e, err := s.data.Entity(r.PathValue("entity"))
	if err != nil {
		return err
	}
	f, err := historyFilter(r)
	if err != nil {
		return err
	}
	var p *history.Page
	if id := r.PathValue("id"); id != "" {
		p, err = s.data.RecordHistory(r.Context(), c, e, id, f)
	} else {
		p, err = s.data.EntityHistory(r.Context(), c, e, f)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, p)
}
