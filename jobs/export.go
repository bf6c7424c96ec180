package jobs

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"time"

	"runway/app"
	"runway/apperr"
	"runway/data"
	"runway/query"
	"runway/record"
	"runway/store"
)

// MaxExport is the most records one export writes (rest-api.md §6.11).
const MaxExport = 1_000_000

// exportPage is the records an export reads, and writes, at a time.
const exportPage = 500

// ExportRequest is an export of the records a query selects to a CSV file
// (rest-api.md §6.11): the request's parameters (filters, sort, _size,
// _fields, _useFieldNames). FilesURL is the absolute URL of /files, to
// which the file's id is appended in the job's fileLink.
type ExportRequest struct {
	Entity      *app.Entity
	Query       url.Values
	FilesURL    string
	LowPriority bool
}

// exportParams are the parameters of an EXPORT_RECORDS job.
type exportParams struct {
	Entity        string `json:"entity"`
	Query         string `json:"query,omitempty"`
	Fields        string `json:"fields,omitempty"`
	UseFieldNames bool   `json:"useFieldNames,omitempty"`
	FilesURL      string `json:"filesURL"`
	AppAuthority  bool   `json:"appAuthority,omitempty"`
}

// exportData is the data of an EXPORT_RECORDS job as clients see it.
type exportData struct {
	EntityName string `json:"entityName"`
}

// exportOnly are the parameters of an export that are not filters.
var exportOnly = []string{"_fields", "_useFieldNames", "_lowPriority", "lowPriority"}

// Export creates an EXPORT_RECORDS job. Permission (the export flag), the
// query and the columns are checked now, and the count: more than
// MaxExport records is a badRequest.
func (s *Service) Export(ctx context.Context, c *data.Caller, req *ExportRequest) (*JobRef, error) {
	e := req.Entity
	if err := s.data.AuthorizeExport(c, e); err != nil {
		return nil, err
	}
	p := exportParams{Entity: e.FullName, AppAuthority: c.AppAuthority, FilesURL: req.FilesURL,
		Fields: req.Query.Get("_fields"), UseFieldNames: req.Query.Get("_useFieldNames") == "true"}
	v := url.Values{}
	for k, vs := range req.Query {
		if !slices.Contains(exportOnly, k) {
			v[k] = vs
		}
	}
	p.Query = v.Encode()
	sel, err := query.ParseBulk(s.data.App(), e, v)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.exportColumns(c, e, p.Fields); err != nil {
		return nil, err
	}
	n, err := s.data.CountExport(ctx, c, e, sel.Where)
	if err != nil {
		return nil, err
	}
	if sel.Limit > 0 {
		n = min(n, int64(sel.Limit))
	}
	if n > MaxExport {
		return nil, apperr.New(apperr.BadRequest, "The query selects %d records; an export writes at most %d", n, MaxExport)
	}
	params, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	d, err := json.Marshal(exportData{EntityName: e.FullName})
	if err != nil {
		return nil, err
	}
	j := newJob(ctx, c, store.JobExportRecords, "Exporting records of entity "+e.FullName, req.LowPriority)
	j.Data, j.Params, j.RecordsCount, j.Results = d, params, n, []byte(`{}`)
	if err := s.create(ctx, j, "", fmt.Sprintf("Queued: export of %d records of entity %s", n, e.FullName)); err != nil {
		return nil, err
	}
	return RefOf(j.ID), nil
}

// exportColumns is the columns an export writes: _fields, or every field
// of the entity the caller may read, and the relationships to fetch.
func (s *Service) exportColumns(c *data.Caller, e *app.Entity, fields string) ([]*spec, []string, error) {
	readable := func(e *app.Entity) record.FieldSet { return s.data.ReadableFields(c, e) }
	var specs []*spec
	if fields == "" {
		specs = specsOf(e.Fields, readable(e))
	} else {
		var err error
		if specs, err = parseExportFields(s.data.App(), e, fields, readable); err != nil {
			return nil, nil, err
		}
	}
	if len(specs) == 0 {
		return nil, nil, apperr.New(apperr.BadRequest, "No field of %s to export", e.FullName)
	}
	var fetch []string
	for _, sp := range specs {
		if len(sp.sub) > 0 && sp.f.Nested == nil {
			fetch = append(fetch, sp.f.Name)
		}
	}
	return specs, fetch, nil
}

// exportRun is an EXPORT_RECORDS job's parameters, ready to run.
type exportRun struct {
	p     exportParams
	e     *app.Entity
	sel   *query.Select
	specs []*spec
	fetch []string
}

type exportHandler struct{}

func (exportHandler) start(ctx context.Context, r *run) error {
	var p exportParams
	if err := json.Unmarshal(r.job.Params, &p); err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	a, e, err := r.entity(p.Entity)
	if err != nil {
		return err
	}
	v, err := query.ParseQueryString(p.Query)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	x := &exportRun{p: p, e: e}
	if x.sel, err = query.ParseBulk(a, e, v); err != nil {
		return err
	}
	if x.specs, x.fetch, err = r.s.exportColumns(r.caller, e, p.Fields); err != nil {
		return err
	}
	r.params = x
	// The file is written whole or not at all: a run that stopped starts
	// over.
	r.cur.ok, r.cur.fail, r.cur.cursor, r.cur.results = 0, 0, "", nil
	if r.resumed {
		return r.save(ctx, newLog(r.job.ID, store.LogInfo, "Continuing: the export starts again from the first record"))
	}
	return r.save(ctx, newLog(r.job.ID, store.LogInfo, "Started: exporting %d records of entity %s", r.cur.count, e.FullName))
}

// errExportHalted: a stop or a shutdown came while the file was written.
var errExportHalted = errors.New("export halted")

// step writes the whole file: records stream from the store a page at a
// time into a CSV writer whose output streams into the blob store. Stop
// requests and shutdowns are looked at after every page (the file is then
// abandoned); progress is saved every second.
func (exportHandler) step(ctx context.Context, r *run) (bool, error) {
	x := r.params.(*exportRun)
	counts := map[string]int{}
	if hasMany(x.specs) {
		err := r.s.data.Export(ctx, r.caller, x.e, x.sel, x.fetch, exportPage, func(recs []data.ExportRecord) error {
			for _, rec := range recs {
				measure(x.specs, rec.Values, "", counts)
			}
			return r.halted()
		})
		if errors.Is(err, errExportHalted) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
	if r.s.cfg.Files == nil {
		return false, errors.New("no file store to write the export to")
	}
	cols := layout(x.specs, counts, x.p.UseFieldNames)
	pr, pw := io.Pipe()
	type stored struct {
		id  string
		err error
	}
	res := make(chan stored, 1)
	owner := ""
	if r.job.RunByID != "" {
		owner = data.ExportOwner(r.job.RunByID)
	}
	name := x.e.FullName + "-" + time.Now().UTC().Format("20060102-150405") + ".csv"
	go func() {
		f, err := r.s.cfg.Files.Create(ctx, owner, name, "text/csv", pr)
		if err != nil {
			pr.CloseWithError(err)
			res <- stored{err: err}
			return
		}
		res <- stored{id: f.ID}
	}()
	bw := bufio.NewWriterSize(pw, 64<<10)
	cw := csv.NewWriter(bw)
	row := make([]string, len(cols))
	for i := range cols {
		row[i] = cols[i].header
	}
	werr := cw.Write(row)
	var n int64
	last := time.Now()
	if werr == nil {
		werr = r.s.data.Export(ctx, r.caller, x.e, x.sel, x.fetch, exportPage, func(recs []data.ExportRecord) error {
			for _, rec := range recs {
				for i := range cols {
					row[i] = cell(&cols[i], rec.Values)
				}
				if err := cw.Write(row); err != nil {
					return err
				}
				n++
			}
			if time.Since(last) > time.Second {
				last = time.Now()
				r.cur.ok = n
				if err := r.save(ctx); err != nil {
					return err
				}
			}
			return r.halted()
		})
	}
	if werr == nil {
		cw.Flush()
		if werr = cw.Error(); werr == nil {
			werr = bw.Flush()
		}
	}
	if werr != nil {
		pw.CloseWithError(werr)
		<-res
		if errors.Is(werr, errExportHalted) {
			return false, nil
		}
		return false, werr
	}
	pw.Close()
	out := <-res
	if out.err != nil {
		return false, out.err
	}
	r.cur.ok = n
	r.cur.results = map[string]json.RawMessage{}
	for k, v := range map[string]any{"fileLink": x.p.FilesURL + "/" + out.id, "fileId": out.id, "recordsExported": n} {
		b, _ := json.Marshal(v)
		r.cur.results[k] = b
	}
	r.cur.count = max(r.cur.count, n)
	if err := r.save(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// halted is errExportHalted once the job should stop or the process shuts
// down.
func (r *run) halted() error {
	if r.stop.Load() || r.status == store.JobStopping || r.s.draining() || r.lost.Load() {
		return errExportHalted
	}
	return nil
}

func (exportHandler) summary(r *run) string {
	id := ""
	if b, ok := r.cur.results["fileId"]; ok {
		_ = json.Unmarshal(b, &id)
	}
	return fmt.Sprintf("Finished: %d records exported to file %s", r.cur.ok, id)
}
