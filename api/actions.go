package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"

	"runway/apperr"
	"runway/data"
	"runway/jobs"
	"runway/query"
	"runway/record"
)

// putData: PUT /data/{entity}/{x} (rest-api.md §3): x a record id is an
// update (§6.4); a reserved word (aggregate, export, …) is not an action
// (those endpoints are not served yet: 404); anything else names an action
// run over the records the query string selects (§6.9.3).
func (s *Server) putData(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	x := r.PathValue("id")
	switch {
	case record.IsID(x):
		return s.updateRecord(w, r, c)
	case data.IsReservedAction(x):
		return noRoute(w, r, c)
	}
	e, err := s.data.Entity(r.PathValue("entity"))
	if err != nil {
		return err
	}
	if e.Action(x) == nil {
		return unknownAction(e.FullName, x)
	}
	sel, err := query.ParseBulk(s.data.App(), e, params(r))
	if err != nil {
		return err
	}
	return s.runAction(w, r, c, e.FullName, x, data.ActionTarget{Query: sel})
}

// recordsAction: PUT /data/{entity}/{ids}/{action} runs an action over one
// record, or over several when ids is a comma list (rest-api.md §6.9.1–2).
func (s *Server) recordsAction(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	ids := r.PathValue("ids")
	t := data.ActionTarget{IDs: []string{ids}}
	if strings.Contains(ids, ",") {
		t = data.ActionTarget{IDs: splitIDs(ids), List: true}
	}
	return s.runAction(w, r, c, r.PathValue("entity"), r.PathValue("action"), t)
}

func unknownAction(entity, name string) error {
	return apperr.New(apperr.NotFound, "Action %q does not exist in entity %q", name, entity)
}

// runAction runs an action synchronously, or as an EXECUTE_ACTION job when
// _async (default: the action's executeInBackground) says so; the body
// holds the parameters.
func (s *Server) runAction(w http.ResponseWriter, r *http.Request, c *data.Caller, entity, name string, t data.ActionTarget) error {
	e, err := s.data.Entity(entity)
	if err != nil {
		return err
	}
	a := e.Action(name)
	if a == nil {
		return unknownAction(e.FullName, name)
	}
	async, err := boolParam(r, "_async", a.ExecuteInBackground)
	if err != nil {
		return err
	}
	in, err := s.readParams(w, r)
	if err != nil {
		return err
	}
	if !async {
		resp, err := s.data.ExecuteAction(r.Context(), c, e, name, t, in)
		if err != nil {
			return err
		}
		writeRaw(w, resp)
		return nil
	}
	if a.System && e.FullName == "sys.users" {
		return apperr.New(apperr.BadRequest, "Actions of sys.users run synchronously; _async=true is not supported")
	}
	if s.jobs == nil {
		return apperr.New(apperr.BadRequest, "_async=true needs background jobs, which this server does not run")
	}
	low, err := boolParam(r, "_lowPriority", false)
	if err != nil {
		return err
	}
	req := &jobs.ActionRequest{Entity: e, Action: name, IDs: t.IDs, Params: in, LowPriority: low}
	if t.Query != nil {
		req.IDs, req.Query = nil, params(r)
	}
	ref, err := s.jobs.ExecuteAction(r.Context(), c, req)
	if err != nil {
		return err
	}
	return writeJSON(w, ref)
}

// readParams reads an action's parameters: a JSON object body, or nothing
// (no body, or only white space) for none (rest-api.md §6.9).
func (s *Server) readParams(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	if r.ContentLength == 0 {
		return map[string]any{}, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodySize))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, apperr.New(apperr.BadRequest, "The body is larger than %d bytes", s.cfg.MaxBodySize)
		}
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return s.readObject(w, r)
}
