package data

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"runway/app"
	"runway/apperr"
	"runway/blob"
	"runway/files"
	"runway/record"
	"runway/store"
	"runway/types"
)

// File fields (app-model.md §2 fileUpload, rest-api.md §7). A file value
// is written as an id, {"id": …}, or inline {name, contentType, content:
// base64}; it is stored, and read, as {"id", "name": "report.pdf
// (120.4kB)"}. The references of a record to its files are written in the
// record's write transaction (store.FileTx); files a write stops
// referencing are released after its commit (files.Service.Release).

// Files is the file service (nil when the service was built without one).
func (s *Service) Files() *files.Service { return s.opts.Files }

// eachFileValue calls fn with every file value of v.
func eachFileValue(fields []*app.Field, v record.Values, fn func(m record.Values)) {
	for _, f := range fields {
		switch f.Type {
		case types.File:
			for _, x := range valueList(v[f.Name]) {
				if m, ok := x.(record.Values); ok {
					fn(m)
				}
			}
		case types.Nested:
			for _, item := range items(v[f.Name]) {
				eachFileValue(f.Nested, item, fn)
			}
		}
	}
}

func valueList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// fileIDs are the ids of the files a record's values reference, sorted,
// without repeats.
func fileIDs(fields []*app.Field, v record.Values) []string {
	if !holdsFiles(fields) {
		return nil // most entities: no walk through the values
	}
	var ids []string
	eachFileValue(fields, v, func(m record.Values) {
		if id, ok := m["id"].(string); ok && id != "" {
			ids = append(ids, id)
		}
	})
	slices.Sort(ids)
	return slices.Compact(ids)
}

// holdsFiles reports whether fields or their nested fields have a file
// field.
func holdsFiles(fields []*app.Field) bool {
	for _, f := range fields {
		if holdsFile(f) {
			return true
		}
	}
	return false
}

// holdsFile reports whether f is a file field or nests one.
func holdsFile(f *app.Field) bool {
	return f.Type == types.File || f.Type == types.Nested && holdsFiles(f.Nested)
}

// without returns the ids of a that are not in b (both sorted).
func without(a, b []string) []string {
	var out []string
	for _, id := range a {
		if _, found := slices.BinarySearch(b, id); !found {
			out = append(out, id)
		}
	}
	return out
}

// pendingFile is a file value of a write whose id is checked, and name
// filled, once the whole record is read (resolveFiles: one lookup).
type pendingFile struct {
	v    record.Values
	f    *app.Field
	path string
	raw  any
}

// file reads one written file value: an id or {"id": …} (inline content
// was stored by storeInlineFiles before the pipeline).
func (w *writer) file(f *app.Field, raw any, path string) any {
	if raw == nil {
		return nil
	}
	id := ""
	switch x := raw.(type) {
	case string:
		id = x
	case map[string]any:
		id, _ = x["id"].(string)
	}
	if !record.IsID(id) {
		w.fail(path, f, apperr.FieldInvalid, "Expected a file id, {\"id\": …} or {name, contentType, content}", rejected(raw))
		return nil
	}
	v := record.Values{"id": id}
	w.files = append(w.files, pendingFile{v: v, f: f, path: path, raw: raw})
	return v
}

// resolveFiles looks the written files up, in one round trip, and names
// them. A file that does not exist, or that the caller may not attach,
// is the field's invalid error (the same answer for both, so ids cannot
// be probed).
//
// Who may attach a file: the user who uploaded it; a script (the app's
// own code); developers, super users and the system; and anyone keeping
// a file the record already holds. Without this rule a user who learns
// a file id could attach another user's file to a record of their own
// and download it.
func (w *writer) resolveFiles() {
	if len(w.files) == 0 {
		return
	}
	svc := w.s.opts.Files
	found := map[string]*store.File{}
	if svc != nil {
		ids := make([]string, len(w.files))
		for i, p := range w.files {
			ids[i] = p.v["id"].(string)
		}
		var err error
		if found, err = svc.Lookup(w.ctx, ids); err != nil {
			w.ioErr = err
			return
		}
	}
	for _, p := range w.files {
		id := p.v["id"].(string)
		f := found[id]
		if f == nil || !w.mayAttach(f) {
			w.fail(p.path, p.f, apperr.FieldInvalid, fmt.Sprintf("No file %q", id), rejected(p.raw))
			continue
		}
		p.v["name"] = files.ValueName(f)
	}
}

func (w *writer) mayAttach(f *store.File) bool {
	return w.c.privileged() || w.c.Script || w.keepFiles[f.ID] || f.Owner != "" && f.Owner == w.c.UserID
}

// setFileRefs writes, in the write transaction, the references of a
// record whose files changed from old to ids. A file deleted since the
// lookup is the field's invalid error.
func (w *writer) setFileRefs(tx store.Tx, id string, old, ids []string) error {
	if slices.Equal(old, ids) {
		return nil
	}
	err := tx.SetFileRefs(w.ctx, w.e.FullName, id, ids)
	missing := store.MissingFiles(err)
	if missing == nil {
		return err
	}
	for _, p := range w.files {
		if slices.Contains(missing, p.v["id"].(string)) {
			w.fail(p.path, p.f, apperr.FieldInvalid, fmt.Sprintf("No file %q", p.v["id"]), rejected(p.raw))
		}
	}
	if len(w.errs) == 0 {
		return err
	}
	return w.err()
}

// releaseFiles releases files a committed write stopped referencing.
func (s *Service) releaseFiles(ctx context.Context, ids []string) {
	if svc := s.opts.Files; svc != nil && len(ids) > 0 {
		svc.Release(ctx, ids)
	}
}

// releaseDeleted releases the files of deleted records (their stored
// documents).
func (s *Service) releaseDeleted(ctx context.Context, e *app.Entity, docs [][]byte) {
	if !app.HasFiles(e.Fields) {
		return
	}
	var ids []string
	for _, doc := range docs {
		_, _, _, v, err := record.Decode(doc)
		if err != nil {
			s.log.Error("decode a deleted record for its files", "entity", e.FullName, "err", err)
			continue
		}
		ids = append(ids, fileIDs(e.Fields, v)...)
	}
	slices.Sort(ids)
	s.releaseFiles(ctx, slices.Compact(ids))
}

// deleteFileRefs removes, in the deleting transaction, the references of
// deleted records.
func deleteFileRefs(ctx context.Context, tx store.Tx, e *app.Entity, ids []string) error {
	if len(ids) == 0 || !app.HasFiles(e.Fields) {
		return nil
	}
	return tx.DeleteFileRefs(ctx, e.FullName, ids)
}

// storeInlineFiles stores the inline files of a write's input ({name,
// contentType, content: base64} in file fields, nested ones included) as
// uploads of the caller, and replaces each with {"id": …} in place, so
// the pipeline — and its retries — see ids only. A content that is not
// base64, or too large, is the field's invalid error.
func (s *Service) storeInlineFiles(ctx context.Context, c *Caller, fields []*app.Field, in map[string]any, prefix string) error {
	var errs []apperr.FieldError
	err := s.inlineFiles(ctx, c, fields, in, prefix, &errs)
	if err == nil && len(errs) > 0 {
		err = apperr.Validation(errs)
	}
	return err
}

func (s *Service) inlineFiles(ctx context.Context, c *Caller, fields []*app.Field, in map[string]any, prefix string, errs *[]apperr.FieldError) error {
	for _, f := range fields {
		if !holdsFile(f) {
			continue // no file below: no lookup, no path (every create and update comes here)
		}
		raw, sent := in[f.Name]
		if !sent || raw == nil {
			continue
		}
		path := prefix + f.Name
		switch f.Type {
		case types.File:
			list, isList := raw.([]any)
			if !isList {
				v, err := s.inlineFile(ctx, c, f, raw, path, errs)
				if err != nil {
					return err
				}
				in[f.Name] = v
				continue
			}
			for i, el := range list {
				v, err := s.inlineFile(ctx, c, f, el, indexed(path, i), errs)
				if err != nil {
					return err
				}
				list[i] = v
			}
		case types.Nested:
			if m, ok := raw.(map[string]any); ok {
				if err := s.inlineFiles(ctx, c, f.Nested, m, path+".", errs); err != nil {
					return err
				}
			}
			if list, ok := raw.([]any); ok {
				for i, el := range list {
					if m, ok := el.(map[string]any); ok {
						if err := s.inlineFiles(ctx, c, f.Nested, m, indexed(path, i)+".", errs); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	return nil
}

// inlineFile stores one inline file value and returns {"id": …}; other
// values are returned as they are.
func (s *Service) inlineFile(ctx context.Context, c *Caller, f *app.Field, raw any, path string, errs *[]apperr.FieldError) (any, error) {
	m, ok := raw.(map[string]any)
	if !ok || m["content"] == nil || m["id"] != nil {
		return raw, nil
	}
	bad := func(msg string) (any, error) {
		*errs = append(*errs, apperr.FieldError{Field: path, FieldLabel: apperr.Label(f.Label), Code: apperr.FieldInvalid,
			Message: msg, AdditionalInfo: map[string]any{}})
		return raw, nil
	}
	content, ok := m["content"].(string)
	name, okName := m["name"].(string)
	ct, okType := m["contentType"].(string)
	if !ok || m["name"] != nil && !okName || m["contentType"] != nil && !okType {
		return bad("An inline file is {name, contentType, content} with strings, content in base64")
	}
	svc := s.opts.Files
	if svc == nil {
		return bad("Files cannot be stored: no file service")
	}
	if int64(base64.StdEncoding.DecodedLen(len(content))) > svc.MaxSize()+2 {
		return bad(apperr.As(svc.TooLarge()).Message)
	}
	file, err := svc.Create(ctx, c.UserID, name, ct, base64Reader(content))
	var corrupt base64.CorruptInputError
	switch {
	case errors.As(err, &corrupt):
		return bad(fmt.Sprintf("The content is not base64 (at byte %d)", int64(corrupt)))
	case apperr.As(err) != nil:
		return bad(apperr.As(err).Message)
	case err != nil:
		return nil, err
	}
	return map[string]any{"id": file.ID}, nil
}

// base64Reader decodes standard base64, padded or not, line breaks
// ignored.
func base64Reader(s string) io.Reader {
	enc := base64.StdEncoding
	if n := len(s) - strings.Count(s, "\n") - strings.Count(s, "\r"); n%4 != 0 {
		enc = base64.RawStdEncoding
	}
	return base64.NewDecoder(enc, strings.NewReader(s))
}

// ---- Files as a caller sees them (rest-api.md §7) ----

// UploadFile stores an upload of the caller (POST /files): temporary
// until a record references it.
func (s *Service) UploadFile(ctx context.Context, c *Caller, name, contentType string, r io.Reader) (*store.File, error) {
	svc, err := s.fileService()
	if err != nil {
		return nil, err
	}
	return svc.Create(ctx, c.UserID, name, contentType, r)
}

func (s *Service) fileService() (*files.Service, error) {
	if s.opts.Files == nil {
		return nil, apperr.New(apperr.BadRequest, "This server stores no files")
	}
	return s.opts.Files, nil
}

// mayReadAnyFile: only developers and the system download and share any
// file by its id (rest-api.md §7.2); others go through a record.
func (c *Caller) mayReadAnyFile() error {
	if c.Developer || c.System {
		return nil
	}
	return apperr.New(apperr.Forbidden, "Only developers may read files by id; read a file through the record that holds it")
}

// ExportOwner is the owner of the CSV file of a user's export: that user
// may download it by id (a file they uploaded they may not).
func ExportOwner(userID string) string { return "export:" + userID }

// OpenFile opens any file by id (GET /files/{id}): developers and the
// system any file, other users the CSV files of their exports.
func (s *Service) OpenFile(ctx context.Context, c *Caller, id string) (*store.File, blob.Reader, error) {
	svc, err := s.fileService()
	if err != nil {
		return nil, nil, err
	}
	if err := c.mayReadAnyFile(); err != nil {
		if f, gerr := svc.Get(ctx, id); gerr != nil || c.UserID == "" || f.Owner != ExportOwner(c.UserID) {
			return nil, nil, err
		}
	}
	return svc.Open(ctx, id)
}

// ShareFile creates a public link to a file (PUT /files/{id}/share).
func (s *Service) ShareFile(ctx context.Context, c *Caller, id string, ttl time.Duration) (*store.SharedFile, error) {
	if err := c.mayReadAnyFile(); err != nil {
		return nil, err
	}
	svc, err := s.fileService()
	if err != nil {
		return nil, err
	}
	return svc.Share(ctx, id, ttl)
}

// OpenRecordFile opens a file through the record holding it (GET
// /data/{entity}/{recordId}/files/{fileId}): the caller must be able to
// read the record (else 404, as for the record itself) and a file field
// holding the file (else 403); a record that does not hold the file is
// 404.
func (s *Service) OpenRecordFile(ctx context.Context, c *Caller, e *app.Entity, recordID, fileID string) (*store.File, blob.Reader, error) {
	svc, err := s.fileService()
	if err != nil {
		return nil, nil, err
	}
	notHeld := apperr.New(apperr.NotFound, "Record %q of %s holds no file %q", recordID, e.FullName, fileID)
	if !record.IsID(fileID) {
		return nil, nil, notHeld
	}
	doc, err := s.Get(ctx, c, e, recordID, nil)
	if err != nil {
		return nil, nil, err
	}
	if holds(e, doc, fileID) {
		return svc.Open(ctx, fileID)
	}
	row, err := s.store.Get(ctx, e, recordID)
	if err != nil {
		return nil, nil, storeErr(e, recordID, err)
	}
	if holds(e, row.Doc, fileID) {
		return nil, nil, apperr.New(apperr.Forbidden, "Not allowed to read the field of %s that holds file %q", e.FullName, fileID)
	}
	return nil, nil, notHeld
}

// holds reports whether a record document references a file.
func holds(e *app.Entity, doc []byte, fileID string) bool {
	_, _, _, v, err := record.Decode(doc)
	if err != nil {
		return false
	}
	_, found := slices.BinarySearch(fileIDs(e.Fields, v), fileID)
	return found
}
