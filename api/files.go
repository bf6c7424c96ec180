package api

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"runway/apperr"
	"runway/blob"
	"runway/data"
	"runway/store"
)

// Files (rest-api.md §7). Uploads stream from the request into the blob
// store; downloads stream from it with http.ServeContent (Content-Length,
// Range, ETag, conditional requests).

// uploadOverhead is what a multipart body may carry besides the file:
// boundaries, part headers, small form fields.
const uploadOverhead = 1 << 20

// uploadBuffer is the read buffer of an upload's body.
const uploadBuffer = 256 << 10

// uploadFile: POST /files. The file is the part named "file", or the
// first part with a file name; other parts are skipped.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	svc := s.data.Files()
	if svc == nil {
		return apperr.New(apperr.BadRequest, "This server stores no files")
	}
	if r.ContentLength > svc.MaxSize()+uploadOverhead {
		return svc.TooLarge()
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return apperr.New(apperr.BadRequest, "An upload is a multipart/form-data body with a part named file")
	}
	// Reads of the body in large blocks: the multipart reader asks for 4
	// kB at a time, a system call each without this buffer.
	body := bufio.NewReaderSize(http.MaxBytesReader(w, r.Body, svc.MaxSize()+uploadOverhead), uploadBuffer)
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return apperr.New(apperr.BadRequest, "No file in the request: send it as the multipart part named file")
		}
		if err != nil {
			return s.uploadReadError(err)
		}
		_, params, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		name, hasName := params["filename"]
		if part.FormName() != "file" && !hasName {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return s.uploadReadError(err)
			}
			continue
		}
		content := &readErr{r: part}
		f, err := s.data.UploadFile(r.Context(), c, name, part.Header.Get("Content-Type"), content)
		if err != nil {
			if content.err != nil && !errors.Is(content.err, io.EOF) {
				return s.uploadReadError(content.err)
			}
			return err
		}
		return writeJSON(w, map[string]string{"fileId": f.ID, "fileLink": "/files/" + f.ID})
	}
}

// readErr remembers the error of the request body, so that a client's
// broken upload is told apart from a failing blob store.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil {
		e.err = err
	}
	return n, err
}

func (s *Server) uploadReadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return s.data.Files().TooLarge()
	}
	return apperr.New(apperr.BadRequest, "The upload could not be read whole: %v", err)
}

// downloadFile: GET /files/{id} (developers; token header or cookie).
func (s *Server) downloadFile(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	f, rd, err := s.data.OpenFile(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	serveFile(w, r, f, rd)
	return nil
}

// recordFile: GET /data/{entity}/{id}/files/{fileId} (record and field
// permissions; token header or cookie).
func (s *Server) recordFile(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	e, err := s.data.Entity(r.PathValue("entity"))
	if err != nil {
		return err
	}
	f, rd, err := s.data.OpenRecordFile(r.Context(), c, e, r.PathValue("id"), r.PathValue("fileId"))
	if err != nil {
		return err
	}
	serveFile(w, r, f, rd)
	return nil
}

// shareFile: PUT /files/{id}/share?ttl=ms (default one hour).
func (s *Server) shareFile(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	ttl, err := ttlParam(r)
	if err != nil {
		return err
	}
	sh, err := s.data.ShareFile(r.Context(), c, r.PathValue("id"), ttl)
	if err != nil {
		return err
	}
	return writeJSON(w, map[string]string{"sharedFileId": sh.ID, "sharedFileLink": "/files/shared/" + sh.ID})
}

// maxTTL is the longest share: what a time.Duration holds.
const maxTTL = int64(1<<63-1) / int64(time.Millisecond)

func ttlParam(r *http.Request) (time.Duration, error) {
	v, err := param(r, "ttl")
	if err != nil || v == "" {
		return time.Hour, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > maxTTL {
		return 0, apperr.New(apperr.BadRequest, "Invalid parameter ttl: %q is not a positive number of milliseconds", v)
	}
	return time.Duration(n) * time.Millisecond, nil
}

// sharedFile: GET /files/shared/{id}, public (a token sent is ignored).
func (s *Server) sharedFile(w http.ResponseWriter, r *http.Request, _ *data.Caller) error {
	svc := s.data.Files()
	if svc == nil {
		return apperr.New(apperr.NotFound, "No shared file %q", r.PathValue("id"))
	}
	f, rd, err := svc.OpenShared(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	serveFile(w, r, f, rd)
	return nil
}

// serveFile answers with a file's content as a download (rest-api.md
// §7.2): ranges, conditional requests and HEAD by http.ServeContent, the
// file id as the ETag, the original name in Content-Disposition.
func serveFile(w http.ResponseWriter, r *http.Request, f *store.File, rd blob.Reader) {
	defer rd.Close()
	h := w.Header()
	h.Set("Content-Type", "application/force-download")
	h.Set("Content-Disposition", contentDisposition(f.Name))
	h.Set("ETag", `"`+f.ID+`"`) // a file never changes: its id is a strong validator
	var content io.ReadSeeker = rd
	if of, ok := rd.(interface{ OSFile() *os.File }); ok {
		content = of.OSFile() // the connection then sends it with sendfile
	}
	http.ServeContent(&downloadWriter{ResponseWriter: w}, r, "", time.UnixMilli(f.Created), content)
}

// downloadWriter gives ServeContent's own errors (416 range not
// satisfiable, 412 precondition failed) the JSON error body, and keeps
// its copy on the connection's fast path (ReadFrom: sendfile from a
// file).
type downloadWriter struct {
	http.ResponseWriter
	failed bool
}

func (d *downloadWriter) WriteHeader(code int) {
	if code < 400 {
		d.ResponseWriter.WriteHeader(code)
		return
	}
	d.failed = true
	msg := "The requested range cannot be served"
	if code == http.StatusPreconditionFailed {
		msg = "The file does not meet the request's preconditions"
	}
	body, _ := json.Marshal(apperr.New(apperr.BadRequest, "%s", msg))
	h := d.Header()
	for _, k := range []string{"Content-Disposition", "ETag", "Last-Modified", "Content-Range"} {
		if k != "Content-Range" || code != http.StatusRequestedRangeNotSatisfiable {
			h.Del(k)
		}
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	d.ResponseWriter.WriteHeader(code)
	_, _ = d.ResponseWriter.Write(body)
}

func (d *downloadWriter) Write(p []byte) (int, error) {
	if d.failed {
		return len(p), nil
	}
	return d.ResponseWriter.Write(p)
}

func (d *downloadWriter) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := d.ResponseWriter.(io.ReaderFrom); ok && !d.failed {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{d}, r)
}

type writerOnly struct{ io.Writer }

// contentDisposition is an attachment with the file's name twice: as a
// quoted ASCII fallback (anything else, quotes and backslashes
// replaced), and exactly, percent-encoded UTF-8 (RFC 6266, RFC 8187).
func contentDisposition(name string) string {
	var ascii, exact strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r > 0x7e || r == '"' || r == '\\':
			ascii.WriteByte('_')
		default:
			ascii.WriteRune(r)
		}
	}
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			exact.WriteByte(b)
		} else {
			exact.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(b)|0x100, 16)[1:]))
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + exact.String()
}

// isAttrChar: the characters RFC 8187 leaves unencoded.
func isAttrChar(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
