package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"runway/app"
	"runway/apperr"
	"runway/blob"
	"runway/data"
	"runway/store"
)

// importBatch is the most rows an IMPORT_RECORDS job writes in one
// transaction. Larger batches rewrite the same index pages less often
// (2,000 takes a tenth less CPU than 500 on SQLite) and sync fewer
// commits: the store's writer, which an import waits for, did 1.1–1.3×
// the rows per second at 2,500 than at 1,000 (two batches in memory: about
// 40 MB more at the peak).
const importBatch = 2500

// importStep is the fewest batches of a step (between two looks at a stop
// request): while one commits, the next one's rows are read, converted
// and checked. A step goes on past it until the worker has something to
// look at (see pause).
const importStep = 2

// ImportOptions are the options of an import (rest-api.md §6.10); all but
// LowPriority are for developers only (the API ignores them for others).
type ImportOptions struct {
	LowPriority bool
	// NoCalculations: updateCalculatedFields false; NoValidations:
	// performValidations or skipRecordsWithInvalidFields false;
	// NoFieldAccess: filterByAccessRules false; NoEvents: triggerEvents
	// false; NoDefaults: setDefaultValues false; NoCascades:
	// cascadeOperations or updateRelationships false.
	Write data.WriteOptions
	// Given are the options as sent (kept in the job's data).
	Given map[string]bool
}

// ImportOptionNames are the options of an import (rest-api.md §6.10).
var ImportOptionNames = []string{"lowPriority", "updateCalculatedFields", "updateRelationships", "performValidations",
	"filterByAccessRules", "performSecurityChecks", "triggerEvents", "setDefaultValues", "supportTransientFields",
	"cascadeOperations", "skipRecordsWithInvalidFields"}

// Set applies one option given as v. The write options are for
// developers (and scripts) only: privileged false ignores them.
func (o *ImportOptions) Set(name string, v, privileged bool) {
	if name == "lowPriority" {
		o.LowPriority = v
		return
	}
	if !privileged {
		return
	}
	if o.Given == nil {
		o.Given = map[string]bool{}
	}
	o.Given[name] = v
	if v {
		return
	}
	w := &o.Write
	switch name {
	case "updateCalculatedFields":
		w.NoCalculations = true
	case "performValidations", "skipRecordsWithInvalidFields":
		w.NoValidations = true
	case "filterByAccessRules":
		w.NoFieldAccess = true
	case "triggerEvents":
		w.NoEvents = true
	case "setDefaultValues":
		w.NoDefaults = true
	case "updateRelationships", "cascadeOperations":
		w.NoCascades = true
	}
}

// ImportRequest is an import of a CSV file already stored (an upload).
type ImportRequest struct {
	Entity  *app.Entity
	FileID  string
	Options ImportOptions
}

// importParams are the parameters of an IMPORT_RECORDS job.
type importParams struct {
	Entity       string            `json:"entity"`
	FileID       string            `json:"fileId"`
	Write        data.WriteOptions `json:"write"`
	AppAuthority bool              `json:"appAuthority,omitempty"`
}

// importData is the data of an IMPORT_RECORDS job as clients see it.
type importData struct {
	FileName   string          `json:"fileName"`
	EntityName string          `json:"entityName"`
	Options    map[string]bool `json:"options,omitempty"`
}

// Import creates an IMPORT_RECORDS job over a stored file. Permission (the
// import flag) and the file are checked now; the columns when it runs.
func (s *Service) Import(ctx context.Context, c *data.Caller, req *ImportRequest) (*JobRef, error) {
	e := req.Entity
	if err := s.data.AuthorizeImport(c, e); err != nil {
		return nil, err
	}
	if s.cfg.Files == nil {
		return nil, apperr.New(apperr.BadRequest, "This server stores no files")
	}
	f, err := s.cfg.Files.Get(ctx, req.FileID)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil, apperr.New(apperr.BadRequest, "No file %q to import", req.FileID)
		}
		return nil, err
	}
	if !c.Developer && !c.System && !c.AppAuthority && f.Owner != c.UserID {
		return nil, apperr.New(apperr.Forbidden, "Only files you uploaded can be imported")
	}
	params, err := json.Marshal(importParams{Entity: e.FullName, FileID: f.ID, Write: req.Options.Write, AppAuthority: c.AppAuthority})
	if err != nil {
		return nil, err
	}
	d, err := json.Marshal(importData{FileName: f.Name, EntityName: e.FullName, Options: req.Options.Given})
	if err != nil {
		return nil, err
	}
	j := newJob(ctx, c, store.JobImportRecords, "Importing records of entity "+e.FullName+" from "+f.Name, req.Options.LowPriority)
	j.Data, j.Params, j.Results = d, params, []byte(`{"rowsImported":0,"rowsWithErrors":0}`)
	if err := s.create(ctx, j, "", fmt.Sprintf("Queued: import of file %s into entity %s", f.Name, e.FullName)); err != nil {
		return nil, err
	}
	return RefOf(j.ID), nil
}

// importRun is an IMPORT_RECORDS job being run: its file open at the
// checkpoint, its columns.
type importRun struct {
	p      importParams
	e      *app.Entity
	layout *importLayout
	blob   blob.Reader
	file   *csvFile
	row    int64 // rows read so far, the header included
	offset int64 // end of the last row read
	// done remembers the related records this run wrote (key → the
	// values written), so each is written once, not once per row.
	done map[string]relDone
	// known is the records the unique column's values of the rows being
	// imported match (value → id; absent: none), read in one query per
	// batch; nil once something committed since (each row then looks its
	// value up).
	known map[string]string
	// flight is the batch committing while the next one is prepared.
	flight *flight
	// status is r.status as the batch settled last left it: the batch in
	// flight sets r.status, so it is read once that batch settled.
	status store.JobStatus
}

// flight is a batch whose commit runs in the background.
type flight struct {
	p    *pending
	done chan error
}

type relDone struct {
	id, sig string
}

func (x *importRun) Close() error {
	if x.blob != nil {
		return x.blob.Close()
	}
	return nil
}

type importHandler struct{}

// importCursor is the checkpoint's cursor: rows done (the header counts as
// row 1) and the byte offset after the last.
func importCursor(row, offset int64) string { return fmt.Sprintf("%d:%d", row, offset) }

func parseImportCursor(s string) (int64, int64, bool) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, false
	}
	row, err1 := strconv.ParseInt(a, 10, 64)
	off, err2 := strconv.ParseInt(b, 10, 64)
	return row, off, err1 == nil && err2 == nil
}

func (importHandler) start(ctx context.Context, r *run) error {
	var p importParams
	if err := json.Unmarshal(r.job.Params, &p); err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	a, e, err := r.entity(p.Entity)
	if err != nil {
		return err
	}
	if err := r.s.data.AuthorizeImport(r.caller, e); err != nil {
		return err
	}
	if r.s.cfg.Files == nil {
		return errors.New("no file store to read the import from")
	}
	x := &importRun{p: p, e: e, done: map[string]relDone{}}
	r.params = x
	open := func() (blob.Reader, error) {
		_, rd, err := r.s.cfg.Files.Open(ctx, p.FileID)
		return rd, err
	}
	rd, err := open()
	if err != nil {
		return err
	}
	x.blob = rd
	skip, sep, err := sniffCSV(rd)
	if err != nil {
		return err
	}
	if _, err := rd.Seek(skip, io.SeekStart); err != nil {
		return err
	}
	x.file = newCSVFile(rd, skip, sep)
	header, end, err := x.file.next()
	if errors.Is(err, io.EOF) {
		return apperr.New(apperr.BadRequest, "The file is empty: a CSV import needs a header row")
	}
	if err != nil {
		return apperr.New(apperr.BadRequest, "The header row cannot be read: %v", err)
	}
	if x.layout, err = layoutImport(a, e, header); err != nil {
		return err
	}
	x.row, x.offset = 1, end
	if r.resumed {
		row, off, ok := parseImportCursor(r.cur.cursor)
		if ok && row > 1 {
			if _, err := rd.Seek(off, io.SeekStart); err != nil {
				return err
			}
			x.file, x.row, x.offset = newCSVFile(rd, off, sep), row, off
		}
		return r.save(ctx, newLog(r.job.ID, store.LogInfo, "Continuing after row %d (%d rows imported, %d with errors)", x.row, r.cur.ok, r.cur.fail))
	}
	// The rows are counted first, so progress goes by rows.
	cnt, err := open()
	if err != nil {
		return err
	}
	defer cnt.Close()
	if _, err := cnt.Seek(skip, io.SeekStart); err != nil {
		return err
	}
	cf := newCSVFile(cnt, skip, sep)
	var rows int64 = -1
	for {
		_, _, err := cf.next()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csvParseError
		if err != nil && !errors.As(err, &pe) {
			return err
		}
		rows++
	}
	r.cur.count = max(rows, 0)
	r.cur.cursor = importCursor(x.row, x.offset)
	var logs []store.JobLog
	logs = append(logs, newLog(r.job.ID, store.LogInfo, "Started: importing %d rows into entity %s", r.cur.count, e.FullName))
	if len(x.layout.ignored) > 0 {
		logs = append(logs, newLog(r.job.ID, store.LogWarn, "Columns that name no field of %s, ignored: %s", e.FullName, strings.Join(x.layout.ignored, ", ")))
	}
	if x.layout.key != nil {
		logs = append(logs, newLog(r.job.ID, store.LogInfo, "Rows whose %s matches a record update it", x.layout.key.leaf().Name))
	}
	return r.save(ctx, logs...)
}

// importRow is one row read.
type importRow struct {
	num   int64
	cells []string
	end   int64
	err   error // the row could not be read
}

// pending is what a batch wrote since its last commit.
type pending struct {
	rows     []importRow
	ok, fail int64
	logs     []string
	keys     map[string]bool    // records of the entity written
	rels     map[string]relDone // related records written
	last     *importRow
}

func newPending() *pending {
	return &pending{keys: map[string]bool{}, rels: map[string]relDone{}}
}

func (importHandler) step(ctx context.Context, r *run) (bool, error) {
	x := r.params.(*importRun)
	for i := 1; ; i++ {
		eof, err := x.batch(ctx, r)
		if err != nil || eof || i >= importStep && x.pause(r) {
			// A step ends with everything committed: the worker may
			// then stop.
			if serr := x.settle(ctx, r); err == nil {
				err = serr
			}
			return eof, err
		}
	}
}

// pause reports whether the step should end for the worker to look at the
// job: a stop, a shutdown or a lost job (halting), or a pause
// between batches (low priority). Otherwise it goes on, the next batch
// prepared while this one commits: a step's end would leave the store's
// writer idle while its first batch is prepared, and the job idle while
// its last one commits.
func (x *importRun) pause(r *run) bool {
	status := x.status
	if x.flight == nil {
		status = r.status
	}
	return r.halting(status) || r.s.cfg.BatchPause > 0
}

// batch reads and imports the next batch of rows, its commit left in
// flight (see run); eof when the file has no row left.
func (x *importRun) batch(ctx context.Context, r *run) (bool, error) {
	var rows []importRow
	eof := false
	for len(rows) < importBatch {
		cells, end, err := x.file.next()
		if errors.Is(err, io.EOF) {
			eof = true
			break
		}
		var pe *csvParseError
		if err != nil && !errors.As(err, &pe) {
			return false, err
		}
		x.row++
		x.offset = end
		rows = append(rows, importRow{num: x.row, cells: cells, end: end, err: err})
	}
	if len(rows) == 0 {
		return true, nil
	}
	if err := x.run(ctx, r, rows, false); err != nil {
		return false, err
	}
	return eof, nil
}

// run imports rows: in batches (single false), committing whenever a row
// touches a record the batch already wrote; when a batch cannot commit, its
// rows again one per transaction, to find the one that fails.
//
// Without related records, a batch's last commit is left in flight (see
// launch): the next batch is prepared meanwhile, and settles it before it
// commits anything itself. A batch with a row matching a record the
// batch in flight writes settles it first.
func (x *importRun) run(ctx context.Context, r *run, rows []importRow, single bool) error {
	p := newPending()
	batch := &data.WriteBatch{}
	if f := x.flight; f != nil && !single {
		for i := range rows {
			if k, _ := x.keys(&rows[i]); k != "" && f.p.keys[k] {
				if err := x.settle(ctx, r); err != nil {
					return err
				}
				break
			}
		}
	}
	if k := x.layout.key; k != nil && !single {
		var texts []string
		for i := range rows {
			if v := cellOf(rows[i].cells, k); v != "" && rows[i].err == nil {
				texts = append(texts, v)
			}
		}
		var err error
		if x.known, err = r.s.data.FindUniques(ctx, x.e, k.leaf(), texts); err != nil {
			return err
		}
	}
	commit := func() error {
		if p.last == nil && batch.Len() == 0 {
			return nil
		}
		if err := x.settle(ctx, r); err != nil {
			return err
		}
		var err error
		if batch.Len() == 0 {
			batch.Discard()
			err = r.s.st.Write(ctx, func(tx store.Tx) error { return x.checkpoint(ctx, r, tx, p) })
		} else {
			err = r.s.data.CommitBatch(ctx, batch, func(tx store.Tx) error { return x.checkpoint(ctx, r, tx, p) })
		}
		if err != nil {
			return err
		}
		x.known = nil
		r.adopt()
		for k, v := range p.rels {
			x.remember(k, v)
		}
		*p = *newPending()
		return nil
	}
	for i := range rows {
		row := &rows[i]
		mainKey, relKeys := x.keys(row)
		conflict := mainKey != "" && p.keys[mainKey]
		for k, sig := range relKeys {
			if d, ok := p.rels[k]; ok && d.sig != sig {
				conflict = true
			}
		}
		if conflict {
			if err := x.commitOrFallback(ctx, r, commit, p, single); err != nil {
				return err
			}
		}
		rb := &data.WriteBatch{}
		err := row.err
		var rels map[string]relDone
		var links []link
		created := false
		if err == nil {
			rels, links, created, err = x.prepareRelated(ctx, r, row, rb, p)
		}
		if err == nil && created {
			// A new related record must be stored before the row can link
			// it: what is pending first, then the new records alone (the
			// checkpoint stays before this row).
			if err := x.commitOrFallback(ctx, r, commit, p, single); err != nil {
				rb.Discard()
				return err
			}
			batch.Append(rb)
			if cerr := commit(); cerr != nil {
				if ctx.Err() != nil || !rowFailure(cerr) {
					return cerr
				}
				err = cerr
			}
			for k, v := range rels {
				x.remember(k, v)
			}
			rels = nil
		}
		for k, v := range rels {
			p.rels[k] = v
		}
		p.rows = append(p.rows, *row)
		p.last = row
		if err == nil {
			err = x.prepare(data.WithWriteBatch(ctx, rb), r, row, links)
		}
		if err != nil {
			rb.Discard()
			if apperr.As(err) == nil && !isCSVError(err) {
				batch.Discard()
				return err
			}
			p.fail++
			p.logs = append(p.logs, rowError(row.num, err))
			continue
		}
		batch.Append(rb)
		p.ok++
		if mainKey != "" {
			p.keys[mainKey] = true
		}
	}
	if !single && len(x.layout.rels) == 0 {
		return x.launch(ctx, r, p, batch)
	}
	return x.commitOrFallback(ctx, r, commit, p, single)
}

// launch starts the commit of a batch (its writes and its checkpoint) in
// the background, once the one in flight has settled. Only the store
// write runs there: what follows a commit (the progress adopted, a
// failed batch redone row by row) is settle's, on the job's goroutine.
func (x *importRun) launch(ctx context.Context, r *run, p *pending, batch *data.WriteBatch) error {
	if err := x.settle(ctx, r); err != nil {
		batch.Discard()
		return err
	}
	if p.last == nil && batch.Len() == 0 {
		return nil
	}
	f := &flight{p: p, done: make(chan error, 1)}
	x.flight = f
	go func() {
		if batch.Len() == 0 {
			batch.Discard()
			f.done <- r.s.st.Write(ctx, func(tx store.Tx) error { return x.checkpoint(ctx, r, tx, p) })
			return
		}
		f.done <- r.s.data.CommitBatch(ctx, batch, func(tx store.Tx) error { return x.checkpoint(ctx, r, tx, p) })
	}()
	return nil
}

// settle waits for the batch in flight: committed, its progress becomes
// the job's; refused because of a row, its rows are redone one per
// transaction (as commitOrFallback does).
func (x *importRun) settle(ctx context.Context, r *run) error {
	f := x.flight
	if f == nil {
		return nil
	}
	x.flight = nil
	err := <-f.done
	x.status = r.status
	if err == nil {
		r.adopt()
		return nil
	}
	if ctx.Err() != nil || !rowFailure(err) {
		return err
	}
	// Nothing of it is stored: the rows again, one at a time, looking
	// their unique values up afresh.
	x.known = nil
	for i := range f.p.rows {
		if err := x.run(ctx, r, f.p.rows[i:i+1], true); err != nil {
			return err
		}
	}
	return nil
}

// commitOrFallback commits what is pending; when that fails in a batch,
// the rows are redone one per transaction; a single row that fails is a
// row error.
func (x *importRun) commitOrFallback(ctx context.Context, r *run, commit func() error, p *pending, single bool) error {
	rows := p.rows
	err := commit()
	if err == nil || ctx.Err() != nil || !rowFailure(err) {
		return err
	}
	if !single {
		*p = *newPending()
		for i := range rows {
			if err := x.run(ctx, r, rows[i:i+1], true); err != nil {
				return err
			}
		}
		return nil
	}
	// One row, its write refused at commit: the row is an error.
	last := rows[len(rows)-1]
	e := newPending()
	e.rows, e.last, e.fail, e.logs = rows, &last, 1, []string{rowError(last.num, err)}
	*p = *e
	if err := r.s.st.Write(ctx, func(tx store.Tx) error { return x.checkpoint(ctx, r, tx, p) }); err != nil {
		return err
	}
	x.known = nil
	r.adopt()
	*p = *newPending()
	return nil
}

// rowFailure reports whether a commit failed because of what a row
// wrote (a unique value taken, a record changed meanwhile), not because
// the store did.
func rowFailure(err error) bool {
	var ue *store.UniqueError
	return apperr.As(err) != nil || errors.Is(err, store.ErrVersion) || errors.As(err, &ue) || errors.Is(err, store.ErrNotFound)
}

// maxRelCache bounds the related records an import remembers.
const maxRelCache = 10_000

// keys are the keys of the records a row writes: the entity's (its unique
// column), and each related record's with the values written to it.
func (x *importRun) keys(row *importRow) (string, map[string]string) {
	main := ""
	if k := x.layout.key; k != nil && row.err == nil {
		if v := cellOf(row.cells, k); v != "" {
			main = x.e.FullName + "\x00" + v
		}
	}
	rels := map[string]string{}
	for _, g := range x.layout.rels {
		if k, sig := relKey(g, row.cells); k != "" {
			rels[k] = sig
		}
	}
	return main, rels
}

// relKey is the key of a row's related record (its target's unique value)
// and the values the row gives it.
func relKey(g *relGroup, cells []string) (string, string) {
	if g.key == nil {
		return "", ""
	}
	v := cellOf(cells, g.key)
	if v == "" {
		return "", ""
	}
	var sig strings.Builder
	for _, c := range g.cols {
		sig.WriteString(cellOf(cells, c))
		sig.WriteByte(0)
	}
	return g.target.FullName + "\x00" + v, sig.String()
}

// remember notes a related record written (committed).
func (x *importRun) remember(k string, v relDone) {
	if len(x.done) >= maxRelCache {
		clear(x.done)
	}
	x.done[k] = v
}

// prepareRelated adds to rb the writes of a row's related records: each
// matched by its target's unique field and updated, or created. It
// returns the keys written (to remember once committed), the row's
// relationships to set, and whether a related record is new.
func (x *importRun) prepareRelated(ctx context.Context, r *run, row *importRow, rb *data.WriteBatch, p *pending) (map[string]relDone, []link, bool, error) {
	var links []link
	o := x.p.Write
	rels := map[string]relDone{}
	created := false
	for _, g := range x.layout.rels {
		relIn := input(row.cells, g.cols)
		if len(relIn) == 0 {
			continue
		}
		k, sig := relKey(g, row.cells)
		id := ""
		if d, ok := p.rels[k]; ok && k != "" {
			id = d.id // written by this batch with the same values
		} else if d, ok := x.done[k]; ok && k != "" && d.sig == sig {
			id = d.id // written by an earlier batch with the same values
		} else {
			if k != "" {
				var err error
				if id, err = r.s.data.FindUnique(ctx, g.target, g.key.leaf(), cellOf(row.cells, g.key)); err != nil {
					return nil, nil, false, err
				}
			}
			if id != "" {
				if len(relIn) > 1 || g.key == nil {
					if _, err := r.s.data.Update(data.WithWriteBatch(ctx, rb), r.caller, g.target, id, relIn, o); err != nil {
						return nil, nil, false, prefixErr(g.f.Name, err)
					}
				}
			} else {
				doc, err := r.s.data.Create(data.WithWriteBatch(ctx, rb), r.caller, g.target, relIn, o)
				if err != nil {
					return nil, nil, false, prefixErr(g.f.Name, err)
				}
				var ref struct{ ID string }
				if err := json.Unmarshal(doc, &ref); err != nil {
					return nil, nil, false, err
				}
				id, created = ref.ID, true
			}
			if k != "" {
				rels[k] = relDone{id: id, sig: sig}
			}
		}
		links = append(links, link{f: g.f, id: id})
	}
	return rels, links, created, nil
}

// link is a relationship of the row being imported set to a related
// record.
type link struct {
	f  *app.Field
	id string
}

// prepare converts and checks one row and adds its write to the batch of
// ctx: an update of the record its unique column matches, or a create.
func (x *importRun) prepare(ctx context.Context, r *run, row *importRow, links []link) error {
	in := input(row.cells, x.layout.cols)
	for _, l := range links {
		in[l.f.Name] = map[string]any{"id": l.id}
	}
	id := ""
	if k := x.layout.key; k != nil {
		if v := cellOf(row.cells, k); v != "" {
			if x.known != nil {
				id = x.known[v]
			} else {
				var err error
				if id, err = r.s.data.FindUnique(ctx, x.e, k.leaf(), v); err != nil {
					return err
				}
			}
		}
	}
	var err error
	if id != "" {
		_, err = r.s.data.Update(ctx, r.caller, x.e, id, in, x.p.Write)
	} else {
		_, err = r.s.data.Create(ctx, r.caller, x.e, in, x.p.Write)
	}
	return err
}

// prefixErr names the relationship in the field errors of a related
// record's write.
func prefixErr(rel string, err error) error {
	e := apperr.As(err)
	if e == nil {
		return err
	}
	out := *e
	out.Errors = make([]apperr.FieldError, len(e.Errors))
	for i, fe := range e.Errors {
		fe.Field = rel + "." + fe.Field
		out.Errors[i] = fe
	}
	out.Message = rel + ": " + e.Message
	return &out
}

// checkpoint saves, in the transaction of the batch's writes, the rows done
// up to p.last, the counters and the ERROR lines of the failed rows.
func (x *importRun) checkpoint(ctx context.Context, r *run, tx store.Tx, p *pending) error {
	n := r.cur
	n.ok += p.ok
	n.fail += p.fail
	if p.last != nil {
		n.cursor = importCursor(p.last.num, p.last.end)
	}
	var logs []store.JobLog
	for _, msg := range p.logs {
		if n.errorLogs < MaxErrorLogs {
			n.errorLogs++
			logs = append(logs, newLog(r.job.ID, store.LogError, "%s", msg))
		}
	}
	n.results = map[string]json.RawMessage{
		"rowsImported":   json.RawMessage(strconv.FormatInt(n.ok, 10)),
		"rowsWithErrors": json.RawMessage(strconv.FormatInt(n.fail, 10)),
	}
	r.next = n
	pr, err := r.progressOf(&n, true, logs)
	if err != nil {
		return err
	}
	status, err := tx.CheckpointJob(ctx, r.job.ID, r.s.owner, pr)
	if err != nil {
		return err
	}
	r.status = status
	return nil
}

func (importHandler) summary(r *run) string {
	return fmt.Sprintf("Finished: %d rows imported, %d rows with errors", r.cur.ok, r.cur.fail)
}
