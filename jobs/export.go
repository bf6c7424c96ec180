package jobs

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
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
// time, read once. Without multi-valued columns their cells go straight
// into a CSV writer whose output streams into the blob store; with them
// the number of columns is known only once every record has been seen,
// so each record's cells go to a spool file first (constant memory), and
// the CSV is written from it. Stop requests and shutdowns are looked at
// after every page (the file is then abandoned); progress is saved every
// second.
func (exportHandler) step(ctx context.Context, r *run) (bool, error) {
	x := r.params.(*exportRun)
	if r.s.cfg.Files == nil {
		return false, errors.New("no file store to write the export to")
	}
	var n int64
	last := time.Now()
	progress := func() error {
		if time.Since(last) > time.Second {
			last = time.Now()
			r.cur.ok = n
			if err := r.save(ctx); err != nil {
				return err
			}
		}
		return r.halted()
	}
	var out string
	var err error
	if hasMany(x.specs) {
		out, err = x.spooled(ctx, r, &n, progress)
	} else {
		out, err = x.direct(ctx, r, &n, progress)
	}
	if errors.Is(err, errExportHalted) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r.cur.ok = n
	r.cur.results = map[string]json.RawMessage{}
	for k, v := range map[string]any{"fileLink": x.p.FilesURL + "/" + out, "fileId": out, "recordsExported": n} {
		b, _ := json.Marshal(v)
		r.cur.results[k] = b
	}
	r.cur.count = max(r.cur.count, n)
	if err := r.save(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// direct writes the file in one pass (no multi-valued column).
func (x *exportRun) direct(ctx context.Context, r *run, n *int64, progress func() error) (string, error) {
	cols := layout(x.specs, nil, x.p.UseFieldNames)
	at := columnsAt(cols)
	cells := newCellReader(x.specs)
	return x.store(ctx, r, cols, func(cw *csv.Writer) error {
		row := make([]string, len(cols))
		var index []int
		return r.s.data.Export(ctx, r.caller, x.e, x.sel, x.fetch, exportPage, func(recs []data.ExportRecord) error {
			for _, rec := range recs {
				if err := cells.read(rec.Doc); err != nil {
					return fmt.Errorf("record %s: %w", rec.ID, err)
				}
				index = cells.columnIndex(index, at)
				fill(row, index, cells.n, cells.buf)
				if err := cw.Write(row); err != nil {
					return err
				}
				*n++
			}
			return progress()
		})
	})
}

// spooled reads the records once into a spool file — per record its
// cells as cellReader encodes them — counting the values of the
// multi-valued fields, then writes the file from it.
func (x *exportRun) spooled(ctx context.Context, r *run, n *int64, progress func() error) (string, error) {
	f, err := os.CreateTemp("", "runway-export-*.spool")
	if err != nil {
		return "", err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	cells := newCellReader(x.specs)
	var head [2 * binary.MaxVarintLen64]byte
	err = r.s.data.Export(ctx, r.caller, x.e, x.sel, x.fetch, exportPage, func(recs []data.ExportRecord) error {
		for _, rec := range recs {
			if err := cells.read(rec.Doc); err != nil {
				return fmt.Errorf("record %s: %w", rec.ID, err)
			}
			h := binary.PutUvarint(head[:], uint64(cells.n))
			h += binary.PutUvarint(head[h:], uint64(len(cells.buf)))
			if _, err := bw.Write(head[:h]); err != nil {
				return err
			}
			if _, err := bw.Write(cells.buf); err != nil {
				return err
			}
			*n++
		}
		return progress()
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	cols := layout(x.specs, cells.counts, x.p.UseFieldNames)
	index := cells.columnIndex(nil, columnsAt(cols))
	br := bufio.NewReaderSize(f, 64<<10)
	return x.store(ctx, r, cols, func(cw *csv.Writer) error {
		row := make([]string, len(cols))
		var buf []byte
		for i := int64(0); i < *n; i++ {
			cnt, err := binary.ReadUvarint(br)
			if err != nil {
				return fmt.Errorf("export spool: %w", err)
			}
			size, err := binary.ReadUvarint(br)
			if err != nil {
				return fmt.Errorf("export spool: %w", err)
			}
			buf = slices.Grow(buf[:0], int(size))[:size]
			if _, err := io.ReadFull(br, buf); err != nil {
				return fmt.Errorf("export spool: %w", err)
			}
			fill(row, index, int(cnt), buf)
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// store streams a CSV file of cols, its rows written by rows, into the
// file store, and answers the file's id.
func (x *exportRun) store(ctx context.Context, r *run, cols []column, rows func(*csv.Writer) error) (string, error) {
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
	header := make([]string, len(cols))
	for i := range cols {
		header[i] = cols[i].header
	}
	werr := cw.Write(header)
	if werr == nil {
		werr = rows(cw)
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
		return "", werr
	}
	pw.Close()
	out := <-res
	return out.id, out.err
}

// halted is errExportHalted once the job should stop or the process shuts
// down.
func (r *run) halted() error {
	if r.halting(r.status) {
		return errExportHalted
	}
	return nil
}

// halting reports whether the job should stop, is no longer this worker's
// or the process shuts down, status being the job's as its last
// checkpoint saw it.
func (r *run) halting(status store.JobStatus) bool {
	return r.stop.Load() || status == store.JobStopping || r.s.draining() || r.lost.Load()
}

func (exportHandler) summary(r *run) string {
	id := ""
	if b, ok := r.cur.results["fileId"]; ok {
		_ = json.Unmarshal(b, &id)
	}
	return fmt.Sprintf("Finished: %d records exported to file %s", r.cur.ok, id)
}
