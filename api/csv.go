package api

import (
	"bufio"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"runway/apperr"
	"runway/data"
	"runway/jobs"
)

// exportRecords: PUT /data/{entity}/export (rest-api.md §6.11), an
// EXPORT_RECORDS job.
func (s *Server) exportRecords(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	e, err := s.data.Entity(r.PathValue("entity"))
	if err != nil {
		return err
	}
	req := &jobs.ExportRequest{Entity: e, Query: params(r), FilesURL: s.publicURL(r) + s.Base() + "/files"}
	if req.LowPriority, err = boolParam(r, "_lowPriority", false); err != nil {
		return err
	}
	ref, err := s.jobs.Export(r.Context(), c, req)
	if err != nil {
		return err
	}
	return writeJSON(w, ref)
}

// publicURL is the scheme and host clients reach the API at: the
// configured public URL, else the request's (links in job results are
// absolute, rest-api.md §6.11).
func (s *Server) publicURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if s.isHTTPS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// maxFormField bounds a form field of an import (its options, fileId).
const maxFormField = 1 << 10

// importRecords: POST /data/{entity}/import (rest-api.md §6.10): the CSV
// file as the multipart part named file (streamed into the file store,
// like an upload), or fileId naming an upload; an IMPORT_RECORDS job.
func (s *Server) importRecords(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	e, err := s.data.Entity(r.PathValue("entity"))
	if err != nil {
		return err
	}
	// Refused before the file is read.
	if err := s.data.AuthorizeImport(c, e); err != nil {
		return err
	}
	form := url.Values{}
	for k, vs := range params(r) {
		form[k] = vs
	}
	fileID := ""
	if mt, mp, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" && mp["boundary"] != "" {
		if fileID, err = s.importForm(w, r, c, mp["boundary"], form); err != nil {
			return err
		}
	}
	if fileID == "" {
		fileID = strings.TrimSpace(form.Get("fileId"))
		if fileID == "" {
			fileID = strings.TrimSpace(form.Get("_fileId"))
		}
	}
	if fileID == "" {
		return apperr.New(apperr.BadRequest, "No file to import: send it as the multipart part named file, or the fileId of an upload")
	}
	// The options: bare or with "_", from the query string or form
	// fields; the write options for developers only.
	var opts jobs.ImportOptions
	for _, name := range jobs.ImportOptionNames {
		v := form.Get(name)
		if v == "" {
			v = form.Get("_" + name)
		}
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "":
		case "true":
			opts.Set(name, true, c.Developer)
		case "false":
			opts.Set(name, false, c.Developer)
		default:
			return apperr.New(apperr.BadRequest, "Invalid parameter %s: %q is not true or false", name, v)
		}
	}
	ref, err := s.jobs.Import(r.Context(), c, &jobs.ImportRequest{Entity: e, FileID: fileID, Options: opts})
	if err != nil {
		return err
	}
	return writeJSON(w, ref)
}

// importForm reads the multipart body of an import: form fields into form,
// the file part into the file store; the new file's id ("" without one).
func (s *Server) importForm(w http.ResponseWriter, r *http.Request, c *data.Caller, boundary string, form url.Values) (string, error) {
	svc := s.data.Files()
	if svc == nil {
		return "", apperr.New(apperr.BadRequest, "This server stores no files")
	}
	body := bufio.NewReaderSize(http.MaxBytesReader(w, r.Body, svc.MaxSize()+uploadOverhead), uploadBuffer)
	mr := multipart.NewReader(body, boundary)
	fileID := ""
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return fileID, nil
		}
		if err != nil {
			return "", s.uploadReadError(err)
		}
		_, dp, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		name, hasName := dp["filename"]
		if part.FormName() == "file" || hasName && fileID == "" {
			content := &readErr{r: part}
			f, err := s.data.UploadFile(r.Context(), c, name, part.Header.Get("Content-Type"), content)
			if err != nil {
				if content.err != nil && !errors.Is(content.err, io.EOF) {
					return "", s.uploadReadError(content.err)
				}
				return "", err
			}
			fileID = f.ID
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
		if err != nil {
			return "", s.uploadReadError(err)
		}
		if len(v) > maxFormField {
			return "", apperr.New(apperr.BadRequest, "Form field %q is too long", part.FormName())
		}
		if form.Get(part.FormName()) == "" {
			form.Set(part.FormName(), string(v))
		}
	}
}
