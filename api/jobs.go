package api

import (
	"net/http"
	"slices"

	"runway/apperr"
	"runway/data"
	"runway/jobs"
)

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
	f, err := jobs.ParseFilter(params(r))
	if err != nil {
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
	f, err := jobs.ParseLogFilter(params(r), s.data.Now(), s.data.Location()) // "today": the app's time zone
	if err != nil {
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
