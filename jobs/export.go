package jobs

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
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

// exportRun is an EXPORT_RECORDS job's parameters, ready to run, and what
// its run has written.
type exportRun struct {
	p     exportParams
	e     *app.Entity
	sel   *query.Select // the records left to export
	specs []*spec
	fetch []string
	sum   string      // columnsSum of specs
	prev  exportState // the part a halted run left (Part "" if none)
	done  bool        // the part holds every record the query selects
	last  string      // the id of the last record written (the part's included)
	cells *cellReader // a spooled run's reader: its column keys and counts
}

// exportState is an export's checkpoint (its cursor): the part a halted
// run kept — the CSV rows written so far, or with multi-valued columns the
// spool of the records read so far — and where the records continue.
type exportState struct {
	Part    string         `json:"part"`
	Records int64          `json:"records"`
	After   string         `json:"after,omitempty"` // the id of the last record in the part
	Columns string         `json:"columns"`         // columnsSum of the run that wrote it
	Keys    []string       `json:"keys,omitempty"`  // a spool's column keys by number
	Counts  map[string]int `json:"counts,omitempty"`
}

// columnsSum identifies the columns of specs: a part is continued only by
// a run with the same columns (the app may have changed in between).
func columnsSum(specs []*spec, names bool) string {
	h := sha256.New()
	for _, c := range layout(specs, nil, names) {
		fmt.Fprintf(h, "%s\x00%s\x00", c.header, c.key)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
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
	x.sum = columnsSum(x.specs, p.UseFieldNames)
	r.params = x
	r.cur.fail, r.cur.results = 0, nil
	if !r.resumed {
		r.cur.ok, r.cur.cursor = 0, ""
		return r.save(ctx, newLog(r.job.ID, store.LogInfo, "Started: exporting %d records of entity %s", r.cur.count, e.FullName))
	}
	return r.save(ctx, newLog(r.job.ID, store.LogInfo, "%s", x.resume(ctx, r)))
}

// resume continues after the part a halted run kept, when it is still
// there (temporary files are swept after hours) and has this run's
// columns; otherwise the export starts over. It answers the log line.
func (x *exportRun) resume(ctx context.Context, r *run) string {
	var st exportState
	var why string
	switch {
	case r.cur.cursor == "" || json.Unmarshal([]byte(r.cur.cursor), &st) != nil || st.Part == "":
		why = "no part of the file was kept"
	case st.Columns != x.sum:
		why = "the columns changed since it stopped"
	case r.s.cfg.Files == nil:
		why = "there is no file store"
	default:
		if _, err := r.s.cfg.Files.Get(ctx, st.Part); err != nil {
			why = "the part of the file written before is gone"
		}
	}
	if why != "" {
		r.cur.ok, r.cur.cursor = 0, ""
		return "Continuing: " + why + "; the export starts again from the first record"
	}
	x.prev, x.last, r.cur.ok = st, st.After, st.Records
	if x.sel.ByID() && st.After != "" {
		x.sel.After = st.After
	} else {
		x.sel.Offset += int(st.Records)
	}
	if x.sel.Limit > 0 {
		x.sel.Limit -= int(st.Records)
		x.done = x.sel.Limit <= 0
	}
	return fmt.Sprintf("Continuing after record %d", st.Records)
}

// errExportHalted: a stop or a shutdown came while the file was written.
var errExportHalted = errors.New("export halted")

// step writes the file: records stream from the store a page at a time,
// read once, after those of the part a halted run kept. Without
// multi-valued columns their cells go straight into a CSV writer whose
// output streams into the blob store after the part's rows; with them the
// number of columns is known only once every record has been seen, so
// each record's cells go to a spool file first (constant memory), and the
// CSV is written from the part's spool and this one. Stop requests and
// shutdowns are looked at after every page: what is written so far is
// then kept as the new part, which the next run continues; progress is
// saved every second.
func (exportHandler) step(ctx context.Context, r *run) (bool, error) {
	x := r.params.(*exportRun)
	if r.s.cfg.Files == nil {
		return false, errors.New("no file store to write the export to")
	}
	n := x.prev.Records
	last := time.Now()
	progress := func() error {
		if time.Since(last) > time.Second {
			last = time.Now()
			r.cur.ok = n
			if err := r.save(ctx); err != nil {
				return err
			}
		}
		r.s.pause(ctx)
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
		return false, x.keep(ctx, r, out, n)
	}
	if err != nil {
		return false, err
	}
	r.cur.ok, r.cur.cursor = n, ""
	r.cur.results = map[string]json.RawMessage{}
	for k, v := range map[string]any{"fileLink": x.p.FilesURL + "/" + out, "fileId": out, "recordsExported": n} {
		b, _ := json.Marshal(v)
		r.cur.results[k] = b
	}
	r.cur.count = max(r.cur.count, n)
	if err := r.save(ctx); err != nil {
		return false, err
	}
	x.release(ctx, r, x.prev.Part)
	return true, nil
}

// keep saves the checkpoint of a halted run: part (the rows or spool so
// far, the previous part's included) and where the records continue; the
// previous part is then deleted.
func (x *exportRun) keep(ctx context.Context, r *run, part string, n int64) error {
	st := exportState{Part: part, Records: n, After: x.last, Columns: x.sum}
	if x.cells != nil {
		st.Keys, st.Counts = x.cells.keys, x.cells.counts
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	r.cur.ok, r.cur.cursor = n, string(b)
	if err := r.save(ctx); err != nil {
		x.release(ctx, r, part)
		return err
	}
	x.release(ctx, r, x.prev.Part)
	return nil
}

// release deletes a part no checkpoint names any more (failures are the
// sweeper's: parts are temporary files).
func (x *exportRun) release(ctx context.Context, r *run, part string) {
	if part != "" {
		r.s.cfg.Files.Release(ctx, []string{part})
	}
}

// releaseExportPart deletes the part a stopped export kept once it is
// canceled (only a STOPPED job can be): no run will continue it. Failures
// are the sweeper's.
func (s *Service) releaseExportPart(j *store.Job) {
	if j.Type != store.JobExportRecords || s.cfg.Files == nil || len(j.Checkpoint) == 0 {
		return
	}
	var cp checkpoint
	var st exportState
	if json.Unmarshal(j.Checkpoint, &cp) != nil || json.Unmarshal([]byte(cp.Cursor), &st) != nil || st.Part == "" {
		return
	}
	s.cfg.Files.Release(context.Background(), []string{st.Part})
}

// read calls fn with the records left to export, a page at a time, and
// progress after each page.
func (x *exportRun) read(ctx context.Context, r *run, progress func() error, fn func([]data.ExportRecord) error) error {
	if x.done {
		return nil
	}
	return r.s.data.Export(ctx, r.caller, x.e, x.sel, x.fetch, exportPage, func(recs []data.ExportRecord) error {
		if err := fn(recs); err != nil {
			return err
		}
		x.last = recs[len(recs)-1].ID
		return progress()
	})
}

// direct writes the file in one pass (no multi-valued column), after the
// part's rows.
func (x *exportRun) direct(ctx context.Context, r *run, n *int64, progress func() error) (string, error) {
	cols := layout(x.specs, nil, x.p.UseFieldNames)
	at := columnsAt(cols)
	cells := newCellReader(x.specs)
	before, err := x.openPart(ctx, r)
	if err != nil {
		return "", err
	}
	defer before.Close()
	return x.store(ctx, r, before, func(cw *csv.Writer) error {
		if x.prev.Part == "" {
			if err := cw.Write(headers(cols)); err != nil {
				return err
			}
		}
		row := make([]string, len(cols))
		var index []int
		return x.read(ctx, r, progress, func(recs []data.ExportRecord) error {
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
			return nil
		})
	})
}

// spooled reads the records once into a spool file — per record its
// cells as cellReader encodes them — counting the values of the
// multi-valued fields, then writes the file from the part's spool and
// this one. Halted, it keeps both spools as the new part.
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
	x.cells = newCellReader(x.specs)
	x.cells.seed(x.prev.Keys, x.prev.Counts)
	var head [2 * binary.MaxVarintLen64]byte
	err = x.read(ctx, r, progress, func(recs []data.ExportRecord) error {
		for _, rec := range recs {
			if err := x.cells.read(rec.Doc); err != nil {
				return fmt.Errorf("record %s: %w", rec.ID, err)
			}
			h := binary.PutUvarint(head[:], uint64(x.cells.n))
			h += binary.PutUvarint(head[h:], uint64(len(x.cells.buf)))
			if _, err := bw.Write(head[:h]); err != nil {
				return err
			}
			if _, err := bw.Write(x.cells.buf); err != nil {
				return err
			}
			*n++
		}
		return nil
	})
	halted := errors.Is(err, errExportHalted)
	if err == nil || halted {
		if ferr := bw.Flush(); ferr != nil {
			err, halted = ferr, false // a spool not written whole is no part
		}
	}
	if err != nil && !halted {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	before, err := x.openPart(ctx, r)
	if err != nil {
		return "", err
	}
	defer before.Close()
	spool := io.MultiReader(before, f)
	if halted {
		return x.storeRaw(ctx, r, x.e.FullName+"-export.part", "application/octet-stream", func(w io.Writer) error {
			_, err := io.Copy(w, spool)
			if err == nil {
				err = errExportHalted
			}
			return err
		})
	}
	cols := layout(x.specs, x.cells.counts, x.p.UseFieldNames)
	index := x.cells.columnIndex(nil, columnsAt(cols))
	br := bufio.NewReaderSize(spool, 64<<10)
	return x.store(ctx, r, nil, func(cw *csv.Writer) error {
		if err := cw.Write(headers(cols)); err != nil {
			return err
		}
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

// openPart opens the content of the part a halted run kept (empty
// without one).
func (x *exportRun) openPart(ctx context.Context, r *run) (io.ReadCloser, error) {
	if x.prev.Part == "" {
		return io.NopCloser(strings.NewReader("")), nil
	}
	_, rd, err := r.s.cfg.Files.Open(ctx, x.prev.Part)
	if err != nil {
		return nil, fmt.Errorf("the part of the export written before: %w", err)
	}
	return rd, nil
}

func headers(cols []column) []string {
	out := make([]string, len(cols))
	for i := range cols {
		out[i] = cols[i].header
	}
	return out
}

// store writes a CSV file into the file store: before (a part's rows, or
// nil), then the rows rows writes. The rows so far are kept when rows
// ends halted (errExportHalted): the file is then the new part, its id
// answered with the error. Otherwise it answers the export's file.
func (x *exportRun) store(ctx context.Context, r *run, before io.Reader, rows func(*csv.Writer) error) (string, error) {
	write := func(w io.Writer) error {
		if before != nil {
			if _, err := io.Copy(w, before); err != nil {
				return err
			}
		}
		cw := csv.NewWriter(w)
		err := rows(cw)
		if err == nil || errors.Is(err, errExportHalted) {
			cw.Flush()
			if ferr := cw.Error(); ferr != nil {
				err = ferr
			}
		}
		return err
	}
	name := x.e.FullName + "-" + time.Now().UTC().Format("20060102-150405") + ".csv"
	return x.storeRaw(ctx, r, name, "text/csv", write)
}

// storeRaw streams what write writes into a new file of the file store
// (owned by the exporter), and answers its id. A write that ends halted
// (errExportHalted) keeps what it wrote: the id comes with the error.
func (x *exportRun) storeRaw(ctx context.Context, r *run, name, contentType string, write func(io.Writer) error) (string, error) {
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
	go func() {
		f, err := r.s.cfg.Files.Create(ctx, owner, name, contentType, pr)
		if err != nil {
			pr.CloseWithError(err)
			res <- stored{err: err}
			return
		}
		res <- stored{id: f.ID}
	}()
	bw := bufio.NewWriterSize(pw, 64<<10)
	werr := write(bw)
	halted := errors.Is(werr, errExportHalted)
	if werr == nil || halted {
		if ferr := bw.Flush(); ferr != nil {
			werr, halted = ferr, false
		}
	}
	if werr != nil && !halted {
		pw.CloseWithError(werr)
		<-res
		return "", werr
	}
	pw.Close()
	out := <-res
	if out.err != nil {
		return "", out.err
	}
	return out.id, werr
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
