package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"runway/data"
	"runway/jobs"
	"runway/query"
)

// listRecords: GET /data/{entity} (rest-api.md §6.2).
func (s *Server) listRecords(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	e, err := s.data.Entity(r.PathValue("entity"))
	if err != nil {
		return err
	}
	l, err := query.ParseList(s.data.App(), e, params(r))
	if err != nil {
		return err
	}
	page, err := s.data.List(r.Context(), c, e, l)
	if err != nil {
		return err
	}
	writeRaw(w, encodePage(page))
	return nil
}

// encodePage writes the {total, offset, items} envelope around the stored
// documents without decoding them.
func encodePage(p *data.Page) []byte {
	n := 64
	for _, it := range p.Items {
		n += len(it) + 1
	}
	var b bytes.Buffer
	b.Grow(n)
	b.WriteString(`{"total":`)
	b.WriteString(strconv.FormatInt(p.Total, 10))
	b.WriteString(`,"offset":`)
	off, _ := json.Marshal(p.Offset)
	b.Write(off)
	b.WriteString(`,"items":[`)
	for i, it := range p.Items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// readRecord: GET /data/{entity}/{id} (rest-api.md §6.1).
func (s *Server) readRecord(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	e, err := s.data.Entity(r.PathValue("entity"))
	if err != nil {
		return err
	}
	out, err := query.ParseOutput(e, params(r))
	if err != nil {
		return err
	}
	doc, err := s.data.Get(r.Context(), c, e, r.PathValue("id"), &out)
	if err != nil {
		return err
	}
	writeRaw(w, doc)
	return nil
}

// createRecord: POST /data/{entity} (rest-api.md §6.3).
func (s *Server) createRecord(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	e, err := s.data.Entity(r.PathValue("entity"))
	if err != nil {
		return err
	}
	body, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	doc, err := s.data.Create(r.Context(), c, e, body)
	if err != nil {
		return err
	}
	writeRaw(w, doc)
	return nil
}

// updateRecord: PUT /data/{entity}/{id} (rest-api.md §6.4).
func (s *Server) updateRecord(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	e, err := s.data.Entity(r.PathValue("entity"))
	if err != nil {
		return err
	}
	body, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	doc, err := s.data.Update(r.Context(), c, e, r.PathValue("id"), body)
	if err != nil {
		return err
	}
	writeRaw(w, doc)
	return nil
}

// deleteQuery: DELETE /data/{entity}?<query> deletes the records the query
// selects (rest-api.md §6.7).
func (s *Server) deleteQuery(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	e, err := s.data.Entity(r.PathValue("entity"))
	if err != nil {
		return err
	}
	async, err := boolParam(r, "_async", false)
	if err != nil {
		return err
	}
	if async {
		return s.asyncDelete(w, r, c, &jobs.DeleteRequest{Entity: e, Query: params(r)})
	}
	// Accepted and validated; _triggerEvents=false fires no listeners, the
	// others change nothing until cascades exist.
	ctx := r.Context()
	for _, name := range []string{"_lowPriority", "_triggerEvents", "_cascadeOperations", "_cascatdeOperations"} {
		on, err := boolParam(r, name, name == "_triggerEvents")
		if err != nil {
			return err
		}
		if name == "_triggerEvents" && !on {
			ctx = data.WithoutEvents(ctx)
		}
	}
	sel, err := query.ParseBulk(s.data.App(), e, params(r))
	if err != nil {
		return err
	}
	results, err := s.data.DeleteQuery(ctx, c, e, sel)
	if err != nil {
		return err
	}
	return writeJSON(w, results)
}

// deleteRecords: DELETE /data/{entity}/{id} or /{id1,id2,…} (rest-api.md
// §6.5, §6.6; a comma makes it a delete of many).
func (s *Server) deleteRecords(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	e, err := s.data.Entity(r.PathValue("entity"))
	if err != nil {
		return err
	}
	async, err := boolParam(r, "_async", false)
	if err != nil {
		return err
	}
	ids := r.PathValue("ids")
	if async {
		list := splitIDs(ids)
		if !strings.Contains(ids, ",") {
			// delete one: a missing record is 404 now, as without _async
			if err := s.data.CheckDelete(r.Context(), c, e, ids); err != nil {
				return err
			}
			list = []string{ids}
		}
		return s.asyncDelete(w, r, c, &jobs.DeleteRequest{Entity: e, IDs: list})
	}
	if !strings.Contains(ids, ",") {
		doc, err := s.data.Delete(r.Context(), c, e, ids)
		if err != nil {
			return err
		}
		writeRaw(w, doc)
		return nil
	}
	results, err := s.data.DeleteMany(r.Context(), c, e, splitIDs(ids))
	if err != nil {
		return err
	}
	return writeJSON(w, results)
}

// splitIDs splits a comma list of ids, dropping blanks and repeats.
func splitIDs(s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range strings.Split(s, ",") {
		id = strings.TrimSpace(id)
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
