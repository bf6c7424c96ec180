package api

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"runway/apperr"
	"runway/data"
)

// aggregate: PUT /data/{entity}/aggregate (rest-api.md §6.8) answers
// {total, items} with the items of the pipeline in the body.
func (s *Server) aggregate(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	e, err := s.data.Entity(r.PathValue("entity"))
	if err != nil {
		return err
	}
	body, err := s.readJSONBody(w, r)
	if err != nil {
		return err
	}
	res, err := s.data.Aggregate(r.Context(), c, e, body)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString(`{"total":`)
	b.WriteString(strconv.Itoa(len(res.Items)))
	b.WriteString(`,"items":[`)
	for i, it := range res.Items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteString(`]}`)
	writeRaw(w, b.Bytes())
	return nil
}

// readJSONBody reads a JSON body as is (its meaning may depend on the
// order of its members): the content type must be JSON (or absent), the
// size within the limit.
func (s *Server) readJSONBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
			return nil, apperr.New(apperr.BadRequest, "Content-Type must be application/json, got %q", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodySize))
	if err != nil {
		return nil, bodyError(err, s.cfg.MaxBodySize)
	}
	return body, nil
}
