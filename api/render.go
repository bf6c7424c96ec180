package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"runway/apperr"
)

// writeJSON writes a 200 answer with a value encoded as JSON.
func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("api: encode answer: %w", err)
	}
	writeRaw(w, b)
	return nil
}

// writeRaw writes a 200 answer whose JSON is already encoded.
func writeRaw(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// writeError writes an error with the body of rest-api.md §2.1. Errors that
// are not API errors are bugs: the client gets a safe 500, the log the cause.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	if e == nil && r.Context().Err() != nil {
		// The client went away (or the server is shutting down) while the
		// request ran: nobody reads this answer and nothing is broken.
		s.log.Debug("request canceled", "method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()), "err", err)
		return
	}
	if e == nil {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()), "err", err)
		e = apperr.New(apperr.InternalError, "Internal error")
	}
	if e.Errors == nil {
		e = &apperr.Error{Code: e.Code, Message: e.Message, Errors: []apperr.FieldError{}}
	}
	b, _ := json.Marshal(e)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status())
	_, _ = w.Write(b)
}

// readObject decodes a JSON object body: the content type must be JSON (or
// absent), the size within the limit, and nothing may follow the object.
// Numbers stay json.Number so no precision is lost before type conversion.
func (s *Server) readObject(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
			return nil, apperr.New(apperr.BadRequest, "Content-Type must be application/json, got %q", ct)
		}
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBodySize)
	dec := json.NewDecoder(body)
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, bodyError(err, s.cfg.MaxBodySize)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, bodyError(err, s.cfg.MaxBodySize)
		}
		return nil, apperr.New(apperr.BadRequest, "Malformed JSON body: unexpected data after the object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, apperr.New(apperr.BadRequest, "The body must be a JSON object")
	}
	return m, nil
}

func bodyError(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return apperr.New(apperr.BadRequest, "The body is larger than %d bytes", limit)
	case errors.Is(err, io.EOF):
		return apperr.New(apperr.BadRequest, "The body is empty; a JSON object is expected")
	}
	return apperr.New(apperr.BadRequest, "Malformed JSON body: %v", err)
}

// boolParam reads a boolean query parameter (rest-api.md: true/false,
// case-insensitive; anything else is 400).
func boolParam(r *http.Request, name string, def bool) (bool, error) {
	v, err := param(r, name)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(v) {
	case "":
		return def, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, apperr.New(apperr.BadRequest, "Invalid parameter %s: %q is not true or false", name, v)
}
