package script

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/files"
	"runway/record"
	"runway/store"
	"runway/types"
)

// sys.files and the file extras of a fileUpload wrapper (app-model.md §2,
// the platform's sys.files): a script reads an attached file line by line
// or row by row (CSV), writes a generated one, and shares it. Contents
// stream from and to the blob store; a file opened or created and not
// closed when the execution ends is closed then (a writer not closed is
// abandoned: nothing is stored).

// maxContent is the largest content a wrapper's content() returns
// (base64 in memory).
const maxContent = 10 << 20

func (rt *runtime) files() *files.Service {
	svc := rt.e.data.Files()
	if svc == nil {
		rt.throwf(apperr.BadRequest, "sys.files: this server stores no files")
	}
	return svc
}

// sysFiles is sys.files.
func (rt *runtime) sysFiles() *goja.Object {
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"open": func(c goja.FunctionCall) goja.Value {
			return rt.openFile(str(c, 0), str(c, 1), arg(c, 2))
		},
		"create": func(c goja.FunctionCall) goja.Value {
			return rt.createFile(str(c, 0), str(c, 1))
		},
		"share": func(c goja.FunctionCall) goja.Value {
			ttl := time.Hour
			if v := arg(c, 1); !isNothing(v) {
				n, ok := v.Export().(int64)
				if f, isFloat := v.Export().(float64); isFloat && f == float64(int64(f)) {
					n, ok = int64(f), true
				}
				if !ok || n < 0 || n > maxTTLMillis {
					rt.throwf(apperr.BadRequest, "sys.files.share: ttl must be a number of milliseconds (0: never expires)")
				}
				ttl = time.Duration(n) * time.Millisecond
			}
			sh, err := rt.files().Share(rt.x.ctx, rt.fileID(str(c, 0)), ttl)
			if err != nil {
				rt.throw(err)
			}
			return rt.vm.ToValue("/files/shared/" + sh.ID)
		},
		"unshare": func(c goja.FunctionCall) goja.Value {
			if err := rt.files().Unshare(rt.x.ctx, rt.fileID(str(c, 0))); err != nil {
				rt.throw(err)
			}
			return goja.Undefined()
		},
	})
}

const maxTTLMillis = int64(1<<63-1) / int64(time.Millisecond)

func (rt *runtime) fileID(id string) string {
	if !record.IsID(id) {
		rt.throwf(apperr.BadRequest, "%q is not a file id", id)
	}
	return id
}

// descriptor is a sys.files.FileDescriptor.
func (rt *runtime) descriptor(f *store.File) *goja.Object {
	val := func(v any) func(goja.FunctionCall) goja.Value {
		return func(goja.FunctionCall) goja.Value { return rt.vm.ToValue(v) }
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"id": val(f.ID), "name": val(f.Name), "type": val(f.ContentType), "size": val(f.Size),
		"hash": func(goja.FunctionCall) goja.Value { return rt.fileHash(f.ID) },
	})
}

// track registers what the execution must close when it ends.
func (x *execution) track(close func()) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.closers = append(x.closers, close)
}

// closeFiles closes what the scripts of the execution left open.
func (x *execution) closeFiles() {
	x.mu.Lock()
	closers := x.closers
	x.closers = nil
	x.mu.Unlock()
	for _, c := range closers {
		c()
	}
}

// openFile is sys.files.open(fileId, fileType, options): a FileReader, or
// a CsvFileReader for text/csv.
func (rt *runtime) openFile(id, fileType string, opts goja.Value) goja.Value {
	f, rd, err := rt.files().Open(rt.x.ctx, rt.fileID(id))
	if err != nil {
		rt.throw(err)
	}
	var once sync.Once
	closeFn := func() { once.Do(func() { rd.Close() }) }
	rt.x.track(closeFn)
	br := bufio.NewReaderSize(rd, 64<<10)
	dropBOM(br)
	fns := map[string]func(goja.FunctionCall) goja.Value{
		"descriptor": func(goja.FunctionCall) goja.Value { return rt.descriptor(f) },
		"close":      func(goja.FunctionCall) goja.Value { closeFn(); return goja.Undefined() },
	}
	if !strings.EqualFold(strings.TrimSpace(strings.Split(fileType, ";")[0]), "text/csv") {
		fns["readLine"] = func(goja.FunctionCall) goja.Value {
			line, err := br.ReadString('\n')
			if line == "" && err != nil {
				if !errors.Is(err, io.EOF) {
					rt.throw(err)
				}
				return goja.Null()
			}
			return rt.vm.ToValue(strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"))
		}
		return rt.obj(fns)
	}
	sep, quote, headers := rt.csvOptions(opts)
	if quote != '"' {
		rt.throwf(apperr.BadRequest, "sys.files.open: only the quote character \" is supported")
	}
	cr := csv.NewReader(br)
	cr.Comma, cr.FieldsPerRecord, cr.ReuseRecord = sep, -1, false
	read := func() []string {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			rt.throwf(apperr.BadRequest, "sys.files: %s is not valid CSV: %v", f.Name, err)
		}
		return row
	}
	var head []string
	if headers {
		head = read()
	}
	fns["readHeaders"] = func(goja.FunctionCall) goja.Value { return rt.strings(head) }
	fns["readRow"] = func(goja.FunctionCall) goja.Value {
		if row := read(); row != nil {
			return rt.strings(row)
		}
		return goja.Null()
	}
	fns["readRowMap"] = func(goja.FunctionCall) goja.Value {
		row := read()
		if row == nil {
			return goja.Null()
		}
		o := rt.vm.NewObject()
		for i, h := range head {
			v := ""
			if i < len(row) {
				v = row[i]
			}
			_ = o.Set(h, v)
		}
		return o
	}
	fns["readRowStr"] = func(goja.FunctionCall) goja.Value {
		if row := read(); row != nil {
			return rt.vm.ToValue(csvLine(sep, row))
		}
		return goja.Null()
	}
	fns["readLine"] = fns["readRowStr"]
	return rt.obj(fns)
}

// dropBOM skips a UTF-8 byte order mark at the start.
func dropBOM(br *bufio.Reader) {
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
}

func (rt *runtime) strings(list []string) goja.Value {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return rt.vm.ToValue(out)
}

// csvOptions reads {separator, quoteChar, hasHeaders} (defaults ',', '"',
// true).
func (rt *runtime) csvOptions(v goja.Value) (sep, quote rune, headers bool) {
	sep, quote, headers = ',', '"', true
	if isNothing(v) {
		return
	}
	o := v.ToObject(rt.vm)
	char := func(name string, def rune) rune {
		x := o.Get(name)
		if isNothing(x) {
			return def
		}
		r := []rune(x.String())
		if len(r) != 1 || r[0] == '\n' || r[0] == '\r' {
			rt.throwf(apperr.BadRequest, "sys.files: %s must be one character", name)
		}
		return r[0]
	}
	sep, quote = char("separator", sep), char("quoteChar", quote)
	if x := o.Get("hasHeaders"); !isNothing(x) {
		headers = x.ToBoolean()
	}
	return
}

func csvLine(sep rune, row []string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Comma = sep
	_ = w.Write(row)
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// createFile is sys.files.create(name, fileType): a FileWriter, or a
// CsvFileWriter for text/csv. What is written streams through a pipe to
// the file service; close() stores the file (temporary until a record
// references it) and makes its descriptor available.
func (rt *runtime) createFile(name, fileType string) goja.Value {
	svc := rt.files()
	if strings.TrimSpace(name) == "" {
		rt.throwf(apperr.BadRequest, "sys.files.create: a file name is needed")
	}
	if fileType == "" {
		fileType = "text/plain"
	}
	pr, pw := io.Pipe()
	type result struct {
		f   *store.File
		err error
	}
	done := make(chan result, 1)
	owner := rt.caller().UserID
	ctx := rt.x.ctx
	go func() {
		f, err := svc.Create(ctx, owner, name, fileType, pr)
		pr.CloseWithError(err) // a writer still writing learns of the failure
		done <- result{f, err}
	}()
	var res *result
	finish := func(abort bool) {
		if res != nil {
			return
		}
		if abort {
			pw.CloseWithError(errors.New("script: file not closed"))
		} else {
			pw.Close()
		}
		r := <-done
		res = &r
	}
	rt.x.track(func() { finish(true) })
	bw := bufio.NewWriterSize(pw, 64<<10)
	write := func(s string) {
		if res != nil {
			rt.throwf(apperr.BadRequest, "sys.files: the file is closed")
		}
		if _, err := bw.WriteString(s); err != nil {
			rt.throw(err)
		}
	}
	fns := map[string]func(goja.FunctionCall) goja.Value{
		"writeLine": func(c goja.FunctionCall) goja.Value { write(str(c, 0) + "\n"); return goja.Undefined() },
		"close": func(goja.FunctionCall) goja.Value {
			if res == nil {
				if err := bw.Flush(); err != nil {
					finish(true)
					rt.throw(err)
				}
				finish(false)
			}
			if res.err != nil {
				rt.throw(res.err)
			}
			return goja.Undefined()
		},
		"descriptor": func(goja.FunctionCall) goja.Value {
			if res == nil || res.f == nil {
				rt.throwf(apperr.BadRequest, "sys.files: the file has no descriptor before it is closed")
			}
			return rt.descriptor(res.f)
		},
	}
	if !strings.EqualFold(strings.TrimSpace(strings.Split(fileType, ";")[0]), "text/csv") {
		return rt.obj(fns)
	}
	var head []string
	row := func(cells []string) {
		if head == nil {
			head = cells
		}
		write(csvLine(',', cells) + "\n")
	}
	fns["writeHeaders"] = func(c goja.FunctionCall) goja.Value {
		if head != nil {
			rt.throwf(apperr.BadRequest, "sys.files: the headers are written already")
		}
		row(rt.stringList(arg(c, 0)))
		return goja.Undefined()
	}
	fns["writeRow"] = func(c goja.FunctionCall) goja.Value { row(rt.stringList(arg(c, 0))); return goja.Undefined() }
	fns["writeRowMap"] = func(c goja.FunctionCall) goja.Value {
		if head == nil {
			rt.throwf(apperr.BadRequest, "sys.files: writeRowMap needs the headers first (writeHeaders)")
		}
		o := arg(c, 0).ToObject(rt.vm)
		cells := make([]string, len(head))
		for i, h := range head {
			if v := o.Get(h); !isNothing(v) {
				cells[i] = v.String()
			}
		}
		row(cells)
		return goja.Undefined()
	}
	fns["writeRowStr"] = func(c goja.FunctionCall) goja.Value {
		if head == nil {
			head = []string{} // a raw first line is the headers
		}
		write(str(c, 0) + "\n")
		return goja.Undefined()
	}
	fns["writeLine"] = fns["writeRowStr"]
	return rt.obj(fns)
}

// stringList reads a JS array as strings (null and undefined as "").
func (rt *runtime) stringList(v goja.Value) []string {
	if isNothing(v) {
		rt.throwf(apperr.BadRequest, "sys.files: an array of values is needed")
	}
	o := v.ToObject(rt.vm)
	n := int(o.Get("length").ToInteger())
	out := make([]string, n)
	for i := range n {
		if x := o.Get(strconv.Itoa(i)); !isNothing(x) {
			out[i] = x.String()
		}
	}
	return out
}

// fileOf reads the metadata of a file wrapper's value (nil when empty).
func (rt *runtime) fileOf(w *wrapperHost) *store.File {
	m, ok := w.raw().(map[string]any)
	if !ok {
		return nil
	}
	id, _ := m["id"].(string)
	if !record.IsID(id) {
		return nil
	}
	f, err := rt.files().Get(rt.x.ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		rt.throw(err)
	}
	return f
}

// fileHash is hash(): the SHA-256 of the content, read when asked.
func (rt *runtime) fileHash(id string) goja.Value {
	h, err := rt.files().Hash(rt.x.ctx, id)
	if err != nil {
		rt.throw(err)
	}
	return rt.vm.ToValue(h)
}

// fileContent is a file wrapper's content(): base64, at most 10 MB.
func (rt *runtime) fileContent(w *wrapperHost) goja.Value {
	f := rt.fileOf(w)
	if f == nil {
		return goja.Null()
	}
	if f.Size > maxContent {
		rt.throwf(apperr.BadRequest, "The content of %s is larger than 10 MB: read it with sys.files.open", f.Name)
	}
	_, rd, err := rt.files().Open(rt.x.ctx, f.ID)
	if err != nil {
		rt.throw(err)
	}
	defer rd.Close()
	b, err := io.ReadAll(io.LimitReader(rd, maxContent))
	if err != nil {
		rt.throw(err)
	}
	return rt.vm.ToValue(base64.StdEncoding.EncodeToString(b))
}

// fileMethods are the extras of a single file wrapper: the file's
// metadata (read from the file service), its content, and for a new
// file (not yet saved) the setters of its inline value.
func (rt *runtime) fileMethods(wr func(goja.FunctionCall) *wrapperHost) map[string]func(goja.FunctionCall) goja.Value {
	meta := func(c goja.FunctionCall, key string) goja.Value {
		w := wr(c)
		if len(c.Arguments) > 0 {
			rt.setInline(w, key, str(c, 0))
			return c.This
		}
		rt.needFile(w)
		if m, ok := w.raw().(map[string]any); ok && m["id"] == nil {
			return rt.plainJS(m[key]) // a new file's inline value
		}
		f := rt.fileOf(w)
		if f == nil {
			return goja.Null()
		}
		switch key {
		case "contentType":
			return rt.vm.ToValue(f.ContentType)
		case "content":
			return rt.fileContent(w)
		case "hash":
			return rt.fileHash(f.ID)
		case "size":
			return rt.vm.ToValue(f.Size)
		}
		return rt.vm.ToValue("/files/" + f.ID) // link

	}
	out := map[string]func(goja.FunctionCall) goja.Value{}
	for _, key := range []string{"contentType", "content", "hash", "size", "link"} {
		out[key] = func(c goja.FunctionCall) goja.Value { return meta(c, key) }
	}
	return out
}

// wrapperName is name(): a file's name (its setter for a new file), or
// the name key of other object values.
func (rt *runtime) wrapperName(w *wrapperHost, c goja.FunctionCall) goja.Value {
	if w.f.Type != fileType || w.many {
		return rt.refKey(w, "name")
	}
	if len(c.Arguments) > 0 {
		rt.setInline(w, "name", str(c, 0))
		return c.This
	}
	if m, ok := w.raw().(map[string]any); ok && m["id"] == nil {
		return rt.plainJS(m["name"])
	}
	if f := rt.fileOf(w); f != nil {
		return rt.vm.ToValue(f.Name)
	}
	return rt.refKey(w, "name")
}

func (rt *runtime) needFile(w *wrapperHost) {
	if w.f.Type != fileType || w.many {
		rt.throwf(apperr.BadRequest, "%s is not a single file field", pathString(w.steps))
	}
}

// setInline sets one key of a new file's inline value {name,
// contentType, content}, stored when the record is saved.
func (rt *runtime) setInline(w *wrapperHost, key, v string) {
	rt.needFile(w)
	w.writable(rt)
	m := map[string]any{}
	if old, ok := w.raw().(map[string]any); ok {
		if old["id"] != nil {
			rt.throwf(apperr.BadRequest, "%s holds a stored file: set name, contentType and content on a new file only", pathString(w.steps))
		}
		for k, x := range old {
			m[k] = x
		}
	}
	m[key] = v
	w.set(m)
}

const fileType = types.File
