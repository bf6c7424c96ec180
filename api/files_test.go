package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
	"runway/clock"
	"runway/files"
)

// The file API (rest-api.md §7) and file fields, on the files test app
// (app/testdata/files): documents with single, many, nested and private
// file fields; group staff reads documents whose title contains "open",
// never privateFile. On SQLite files live in a directory; in the
// PostgreSQL half, in a fake S3.

func filesApp(t *testing.T, opts ...apitest.Options) *apitest.Server {
	t.Helper()
	return apitest.Start(t, os.DirFS("../app/testdata/files"), opts...)
}

// staffToken creates a user of group staff and logs them in.
func staffToken(t *testing.T, s *apitest.Server, name string) (token, id string) {
	t.Helper()
	u := s.CreateUser(name+"@example.org", "staff-password-1", obj{"groups": arr{obj{"group": "staff"}}})
	return s.Login(name+"@example.org", "staff-password-1"), u["id"].(string)
}

// randomReader yields n pseudo-random bytes (deterministic per seed).
type randomReader struct {
	r *rand.ChaCha8
	n int64
}

func newRandom(n int64, seed byte) *randomReader {
	return &randomReader{r: rand.NewChaCha8([32]byte{seed}), n: n}
}

func (r *randomReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	n, _ := r.r.Read(p)
	r.n -= int64(n)
	return n, nil
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func hashOf(r io.Reader) string {
	h := sha256.New()
	_, _ = io.Copy(h, r)
	return hex.EncodeToString(h.Sum(nil))
}

// download reads GET /files/{id} as the admin.
func download(s *apitest.Server, id string, header ...string) *apitest.Response {
	req, _ := s.NewRequest("GET", "/files/"+id, s.Token, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return s.Send(req)
}

// blobCount counts the blobs of the server's file store.
func blobCount(t *testing.T, s *apitest.Server) int {
	t.Helper()
	n := 0
	if err := s.Files.Blobs().List(context.Background(), func(string, time.Time) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFileRoundTrip(t *testing.T) {
	t.Parallel()
	s := filesApp(t)
	for _, n := range []int64{0, 1, 50 << 20} {
		want := hashOf(newRandom(n, byte(n)))
		up := s.Upload(s.Token, "data.bin", "application/octet-stream", newRandom(n, byte(n))).Status(200).JSON()
		id, _ := up["fileId"].(string)
		if !isID(id) || up["fileLink"] != "/files/"+id || len(up) != 2 {
			t.Fatalf("upload answer %v", up)
		}
		r := download(s, id).Status(200)
		if got := sha(r.Body); got != want || int64(len(r.Body)) != n {
			t.Fatalf("%d bytes: downloaded %d bytes, sha %s, want %s", n, len(r.Body), got, want)
		}
		h := r.Header
		if h.Get("Content-Type") != "application/force-download" || h.Get("Content-Length") != fmt.Sprint(n) ||
			h.Get("ETag") != `"`+id+`"` || h.Get("Accept-Ranges") != "bytes" ||
			h.Get("Content-Disposition") != `attachment; filename="data.bin"; filename*=UTF-8''data.bin` {
			t.Fatalf("%d bytes: headers %v", n, h)
		}
	}
}

func TestFileRanges(t *testing.T) {
	t.Parallel()
	s := filesApp(t)
	content := []byte("0123456789abcdefghij")
	id := s.UploadBytes("digits.txt", "text/plain", content)
	for _, c := range []struct {
		rng, want, contentRange string
	}{
		{"bytes=0-9", "0123456789", "bytes 0-9/20"},
		{"bytes=15-", "fghij", "bytes 15-19/20"},
		{"bytes=-3", "hij", "bytes 17-19/20"},
		{"bytes=5-5", "5", "bytes 5-5/20"},
	} {
		r := download(s, id, "Range", c.rng).Status(http.StatusPartialContent)
		if string(r.Body) != c.want || r.Header.Get("Content-Range") != c.contentRange {
			t.Errorf("%s: %q %q", c.rng, r.Body, r.Header.Get("Content-Range"))
		}
	}
	// Two ranges: multipart/byteranges.
	r := download(s, id, "Range", "bytes=0-1,18-19").Status(http.StatusPartialContent)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/byteranges" ||
		!bytes.Contains(r.Body, []byte("\r\n01\r\n")) || !bytes.Contains(r.Body, []byte("\r\nij\r\n")) {
		t.Errorf("two ranges: %s %q", r.Header.Get("Content-Type"), r.Body)
	}
	// Past the end: 416 with the JSON error body.
	download(s, id, "Range", "bytes=50-60").Error(http.StatusRequestedRangeNotSatisfiable, "badRequest")
	// Conditional requests on the ETag.
	etag := download(s, id).Status(200).Header.Get("ETag")
	download(s, id, "If-None-Match", etag).Status(http.StatusNotModified)
	download(s, id, "If-Match", `"other"`).Error(http.StatusPreconditionFailed, "badRequest")
	if r := download(s, id, "If-Range", `"other"`, "Range", "bytes=0-1").Status(200); string(r.Body) != string(content) {
		t.Errorf("If-Range with another ETag: %q", r.Body)
	}
	// HEAD: the headers, no body.
	req, _ := s.NewRequest("HEAD", "/files/"+id, s.Token, nil)
	if r := s.Send(req).Status(200); len(r.Body) != 0 || r.Header.Get("Content-Length") != "20" {
		t.Errorf("HEAD: %q %v", r.Body, r.Header)
	}
}

// Names are stored safe (last path element, no control characters) and
// sent back in Content-Disposition both as an ASCII fallback and exactly.
func TestFileNames(t *testing.T) {
	t.Parallel()
	s := filesApp(t)
	for _, c := range []struct{ sent, stored, ascii string }{
		{"../../etc/passwd", "passwd", "passwd"},
		{`..\..\boot.ini`, "boot.ini", "boot.ini"},
		{`a "quoted" 'name'.txt`, `a "quoted" 'name'.txt`, `a _quoted_ 'name'.txt`},
		{"two\nlines\r\n.txt", "two lines  .txt", "two lines  .txt"},
		{"Résumé 日本語.pdf", "Résumé 日本語.pdf", "R_sum_ ___.pdf"},
		{"evil\u202Efdp.exe", "evilfdp.exe", "evilfdp.exe"},
		{"..", "file", "file"},
		{"", "file", "file"},
	} {
		id := s.UploadBytes(c.sent, "", []byte("x"))
		r := download(s, id).Status(200)
		cd := r.Header.Get("Content-Disposition")
		typ, params, err := mime.ParseMediaType(cd)
		if err != nil || typ != "attachment" || params["filename"] != c.stored {
			t.Errorf("%q: Content-Disposition %q: %v %v", c.sent, cd, params, err)
		}
		if !strings.HasPrefix(cd, `attachment; filename="`+c.ascii+`"; filename*=UTF-8''`) || strings.ContainsAny(cd, "\r\n") {
			t.Errorf("%q: Content-Disposition %q, want the ASCII fallback %q", c.sent, cd, c.ascii)
		}
		doc := create(t, s, "documents", obj{"title": "n", "attachment": id})
		if name := doc["attachment"].(obj)["name"]; name != c.stored+" (1B)" {
			t.Errorf("%q: field name %q", c.sent, name)
		}
	}
	// The blobs are named by id only: nothing was written outside the store.
	if n := blobCount(t, s); n != 8 {
		t.Errorf("%d blobs", n)
	}
}

func TestFileUploadErrors(t *testing.T) {
	t.Parallel()
	s := filesApp(t, apitest.Options{Files: files.Options{MaxSize: 1000}})
	s.Raw("POST", "/files", s.Token, "application/json", `{"file": "x"}`).Error(400, "badRequest")
	s.Raw("POST", "/files", s.Token, "", "x").Error(400, "badRequest")
	// A multipart body without a file part.
	body := "--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nvalue\r\n--b--\r\n"
	s.Raw("POST", "/files", s.Token, "multipart/form-data; boundary=b", body).Error(400, "badRequest")
	// The first part with a file name is the file, whatever its part name.
	body = "--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nskip me\r\n" +
		"--b\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"
	id := s.Raw("POST", "/files", s.Token, "multipart/form-data; boundary=b", body).Status(200).JSON()["fileId"].(string)
	if got := download(s, id).Status(200).Body; string(got) != "hello" {
		t.Errorf("uploaded %q", got)
	}
	// A part named file without a file name is the file too.
	body = "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nplain\r\n--b--\r\n"
	s.Raw("POST", "/files", s.Token, "multipart/form-data; boundary=b", body).Status(200)
	// A body cut short.
	body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhel"
	s.Raw("POST", "/files", s.Token, "multipart/form-data; boundary=b", body).Error(400, "badRequest")
	before := blobCount(t, s)
	// Over --max-file-size: 413 with the error body, announced or streamed.
	m := s.Upload(s.Token, "big.bin", "", newRandom(1001, 1)).Error(http.StatusRequestEntityTooLarge, "badRequest")
	if !strings.Contains(m["message"].(string), "1000 bytes") {
		t.Errorf("message %v", m["message"])
	}
	s.Upload(s.Token, "exact.bin", "", newRandom(1000, 1)).Status(200)
	req, _ := s.UploadRequest(s.Token, "file", "big.bin", "", bytes.NewReader(make([]byte, 3<<20)))
	s.Send(req).Error(http.StatusRequestEntityTooLarge, "badRequest")
	big := strings.Repeat("x", 2<<20)
	s.Raw("POST", "/files", s.Token, "multipart/form-data; boundary=b",
		"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n"+big+"\r\n--b--\r\n").
		Error(http.StatusRequestEntityTooLarge, "badRequest")
	// Failed uploads leave nothing (the 1000-byte one is the only new blob).
	if n := blobCount(t, s); n != before+1 {
		t.Errorf("%d blobs after failed uploads, want %d", n, before+1)
	}
	// Without a token: 401.
	s.Upload("", "a.txt", "", strings.NewReader("x")).Error(401, "unauthorized")
}

func TestFileDownloadPermissions(t *testing.T) {
	t.Parallel()
	s := filesApp(t)
	id := s.UploadBytes("a.txt", "text/plain", []byte("secret"))
	staff, _ := staffToken(t, s, "staff")
	sup := s.CreateUser("super@example.org", "super-password-1", obj{"permissions": obj{"superUser": true}})
	superTok := s.Login("super@example.org", "super-password-1")
	_ = sup
	s.Do("GET", "/files/"+id, staff, nil).Error(403, "forbidden")
	s.Do("GET", "/files/"+id, superTok, nil).Error(403, "forbidden")
	s.Do("GET", "/files/"+id, "", nil).Error(401, "unauthorized")
	s.Do("GET", "/files/"+id, "not-a-token", nil).Error(401, "unauthorized")
	s.Do("GET", "/files/6650a1b2c3d4e5f601234567", s.Token, nil).Error(404, "notFound")
	s.Do("GET", "/files/nope", s.Token, nil).Error(404, "notFound")
	// The token may come in the cookie "token".
	req, _ := s.NewRequest("GET", "/files/"+id, "", nil)
	req.AddCookie(&http.Cookie{Name: "token", Value: s.Token})
	if r := s.Send(req).Status(200); string(r.Body) != "secret" {
		t.Errorf("cookie download %q", r.Body)
	}
	req, _ = s.NewRequest("GET", "/files/"+id, "", nil)
	req.AddCookie(&http.Cookie{Name: "token", Value: staff})
	s.Send(req).Error(403, "forbidden")
	// Other endpoints take no cookie.
	req, _ = s.NewRequest("PUT", "/files/"+id+"/share", "", nil)
	req.AddCookie(&http.Cookie{Name: "token", Value: s.Token})
	s.Send(req).Error(401, "unauthorized")
}

func TestShareFile(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(time.Now())
	s := filesApp(t, apitest.Options{Clock: clk, IdleTimeout: 1000 * time.Hour})
	id := s.UploadBytes("shared.txt", "text/plain", []byte("public"))
	staff, _ := staffToken(t, s, "staff")

	sh := s.As("PUT", "/files/"+id+"/share", nil).Status(200).JSON()
	sid, _ := sh["sharedFileId"].(string)
	if !isID(sid) || sh["sharedFileLink"] != "/files/shared/"+sid || len(sh) != 2 {
		t.Fatalf("share answer %v", sh)
	}
	// Public: no token, or any token, is fine.
	for _, tok := range []string{"", "garbage", staff} {
		r := s.Do("GET", "/files/shared/"+sid, tok, nil).Status(200)
		if string(r.Body) != "public" || !strings.Contains(r.Header.Get("Content-Disposition"), "shared.txt") {
			t.Errorf("shared fetch with token %q: %q %v", tok, r.Body, r.Header)
		}
	}
	// Default lifetime: one hour.
	clk.Advance(59 * time.Minute)
	s.Do("GET", "/files/shared/"+sid, "", nil).Status(200)
	clk.Advance(2 * time.Minute)
	s.Do("GET", "/files/shared/"+sid, "", nil).Error(404, "notFound")
	// A given ttl.
	sid2 := s.As("PUT", "/files/"+id+"/share?ttl=1000", nil).Status(200).JSON()["sharedFileId"].(string)
	s.Do("GET", "/files/shared/"+sid2, "", nil).Status(200)
	clk.Advance(1001 * time.Millisecond)
	s.Do("GET", "/files/shared/"+sid2, "", nil).Error(404, "notFound")
	for _, bad := range []string{"0", "-5", "abc", "1.5", "", "99999999999999999999"} {
		if bad == "" {
			continue
		}
		s.As("PUT", "/files/"+id+"/share?ttl="+bad, nil).Error(400, "badRequest")
	}
	s.As("PUT", "/files/"+id+"/share?ttl=1&ttl=2", nil).Error(400, "badRequest")
	s.Do("PUT", "/files/"+id+"/share", staff, nil).Error(403, "forbidden")
	s.Do("PUT", "/files/"+id+"/share", "", nil).Error(401, "unauthorized")
	s.As("PUT", "/files/6650a1b2c3d4e5f601234567/share", nil).Error(404, "notFound")
	s.Do("GET", "/files/shared/6650a1b2c3d4e5f601234567", "", nil).Error(404, "notFound")
	s.Do("GET", "/files/shared/nope", "", nil).Error(404, "notFound")
	// Expired links are swept.
	sw, err := s.Files.Sweep(context.Background())
	if err != nil || sw.Shares != 2 {
		t.Errorf("sweep: %+v %v", sw, err)
	}
}

// GET /data/{entity}/{recordId}/files/{fileId}: the record and the field
// must be readable; the record must hold the file.
func TestRecordFile(t *testing.T) {
	t.Parallel()
	s := filesApp(t)
	staff, _ := staffToken(t, s, "staff")
	att := s.UploadBytes("att.txt", "text/plain", []byte("attached"))
	priv := s.UploadBytes("priv.txt", "text/plain", []byte("private"))
	many := s.UploadBytes("many.txt", "text/plain", []byte("one of many"))
	nested := s.UploadBytes("nested.txt", "text/plain", []byte("in a part"))
	other := s.UploadBytes("other.txt", "text/plain", []byte("elsewhere"))
	open := create(t, s, "documents", obj{"title": "open doc", "attachment": att, "privateFile": priv,
		"attachments": arr{many}, "parts": arr{obj{"note": "p", "file": nested}}})["id"].(string)
	closed := create(t, s, "documents", obj{"title": "closed doc", "attachment": other})["id"].(string)
	path := func(rec, file string) string { return "/data/documents/" + rec + "/files/" + file }

	for _, c := range []struct{ file, want string }{{att, "attached"}, {many, "one of many"}, {nested, "in a part"}} {
		r := s.Do("GET", path(open, c.file), staff, nil).Status(200)
		if string(r.Body) != c.want || r.Header.Get("Content-Type") != "application/force-download" {
			t.Errorf("staff reads %s: %q", c.file, r.Body)
		}
	}
	s.Do("GET", path(open, priv), staff, nil).Error(403, "forbidden")   // field not readable
	s.Do("GET", path(closed, other), staff, nil).Error(404, "notFound") // record not readable
	s.Do("GET", path(open, other), staff, nil).Error(404, "notFound")   // not held by the record
	s.Do("GET", path(open, "nope"), staff, nil).Error(404, "notFound")  // not an id
	s.Do("GET", path("6650a1b2c3d4e5f601234567", att), staff, nil).Error(404, "notFound")
	s.Do("GET", "/data/nothing/"+open+"/files/"+att, staff, nil).Error(404, "notFound")
	s.Do("GET", path(open, att), "", nil).Error(401, "unauthorized")
	if r := s.As("GET", path(open, priv), nil).Status(200); string(r.Body) != "private" {
		t.Errorf("developer reads the private file: %q", r.Body)
	}
	// Cookie token; ranges.
	req, _ := s.NewRequest("GET", path(open, att), "", nil)
	req.AddCookie(&http.Cookie{Name: "token", Value: staff})
	req.Header.Set("Range", "bytes=0-3")
	if r := s.Send(req).Status(206); string(r.Body) != "atta" {
		t.Errorf("ranged cookie read %q", r.Body)
	}
}

// Every write form of a file field, its read format, plainText, queries.
func TestFileFields(t *testing.T) {
	t.Parallel()
	s := filesApp(t)
	a := s.UploadBytes("report.pdf", "application/pdf", bytes.Repeat([]byte("r"), 120_400))
	b := s.UploadBytes("logo.png", "image/png", bytes.Repeat([]byte("l"), 41_500))
	c := s.UploadBytes("notes.txt", "text/plain", []byte("twelve bytes"))

	rec := create(t, s, "documents", obj{"title": "forms", "attachment": a,
		"report":      obj{"id": b, "name": "whatever the client says"},
		"attachments": arr{c, obj{"id": a}},
		"parts":       arr{obj{"note": "inline", "file": obj{"name": "hello.txt", "contentType": "text/plain", "content": base64.StdEncoding.EncodeToString([]byte("hello"))}}},
		"privateFile": obj{"name": "raw.bin", "content": "AAEC"}, // unpadded is fine too: 3 bytes
	})
	if got := rec["attachment"]; fmt.Sprint(got) != fmt.Sprint(obj{"id": a, "name": "report.pdf (120.4kB)"}) {
		t.Errorf("by id: %v", got)
	}
	if got := rec["report"]; fmt.Sprint(got) != fmt.Sprint(obj{"id": b, "name": "logo.png (41.5kB)"}) {
		t.Errorf("by {id}: %v", got)
	}
	if got := rec["attachments"]; fmt.Sprint(got) != fmt.Sprint(arr{obj{"id": c, "name": "notes.txt (12B)"}, obj{"id": a, "name": "report.pdf (120.4kB)"}}) {
		t.Errorf("many: %v", got)
	}
	inline := rec["parts"].([]any)[0].(obj)["file"].(obj)
	if !isID(inline["id"]) || inline["name"] != "hello.txt (5B)" || len(inline) != 2 {
		t.Errorf("inline: %v", inline)
	}
	if r := download(s, inline["id"].(string)).Status(200); string(r.Body) != "hello" {
		t.Errorf("inline content %q", r.Body)
	}
	raw := rec["privateFile"].(obj)
	if r := download(s, raw["id"].(string)).Status(200); !bytes.Equal(r.Body, []byte{0, 1, 2}) || raw["name"] != "raw.bin (3B)" {
		t.Errorf("unpadded inline: %v %v", raw, r.Body)
	}
	id := rec["id"].(string)
	// The stored record reads the same.
	if got := get(t, s, "documents", id); fmt.Sprint(got) != fmt.Sprint(rec) {
		t.Errorf("read back %v\nwant %v", got, rec)
	}
	// plainText: the name; _fields keeps file fields whole.
	pt := s.As("GET", "/data/documents/"+id+"?_format=plainText", nil).Status(200).JSON()
	if pt["attachment"] != "report.pdf (120.4kB)" || fmt.Sprint(pt["attachments"]) != "[notes.txt (12B) report.pdf (120.4kB)]" {
		t.Errorf("plainText: %v %v", pt["attachment"], pt["attachments"])
	}
	if got := s.As("GET", "/data/documents/"+id+"?_fields=attachment", nil).Status(200).JSON(); keysOf(got) != "attachment,id,label,version" ||
		got["attachment"].(obj)["id"] != a {
		t.Errorf("_fields: %v", got)
	}
	other := create(t, s, "documents", obj{"title": "other", "attachment": c})["id"].(string)
	// Queries: bare path = the name (with its size), .id = the id.
	for _, qc := range []struct{ query, want string }{
		{q("attachment", "like(report.pdf)"), id},
		{q("attachment", "report.pdf (120.4kB)"), id},
		{q("attachment", "report.pdf"), ""},
		{q("attachment.id", a), id},
		{q("attachment.id", c), other},
		{q("attachments", "like(notes)"), id},
		{q("attachments.id", a), id},
		{q("parts.file", "like(hello)"), id},
		{q("report", "empty()", "title", "other"), other},
		{q("attachment", "notEmpty()", "title", "forms"), id},
	} {
		p := list(t, s, "documents", qc.query)
		if got := strings.Join(ids(p.Items), ","); got != qc.want {
			t.Errorf("%s: %s, want %s", qc.query, got, qc.want)
		}
	}
	// null clears; an empty list clears a many field.
	upd := update(t, s, "documents", id, obj{"attachment": nil, "attachments": arr{}})
	if _, has := upd["attachment"]; has || fmt.Sprint(upd["attachments"]) != "[]" {
		t.Errorf("cleared: %v %v", upd["attachment"], upd["attachments"])
	}
	// Invalid values: unknown file, not an id, bad inline content.
	for _, bc := range []struct {
		body obj
		path string
	}{
		{obj{"attachment": "6650a1b2c3d4e5f601234567"}, "attachment"},
		{obj{"attachment": obj{"id": "6650a1b2c3d4e5f601234567"}}, "attachment"},
		{obj{"attachment": "report.pdf"}, "attachment"},
		{obj{"attachment": 12}, "attachment"},
		{obj{"attachment": obj{"name": "x"}}, "attachment"},
		{obj{"attachments": arr{c, "6650a1b2c3d4e5f601234567"}}, "attachments[1]"},
		{obj{"parts": arr{obj{"file": "nope"}}}, "parts[0].file"},
		{obj{"attachment": obj{"name": "x.txt", "content": "not base64!"}}, "attachment"},
		{obj{"attachment": obj{"name": 5, "content": "AAAA"}}, "attachment"},
	} {
		body := obj{"title": "bad"}
		for k, v := range bc.body {
			body[k] = v
		}
		s.As("POST", "/data/documents", body).FieldError(bc.path, "invalid")
	}
	fe := s.As("POST", "/data/documents", obj{"title": "bad", "attachment": "6650a1b2c3d4e5f601234567"}).FieldError("attachment", "invalid")
	if fe["additionalInfo"].(obj)["rejectedValue"] != "6650a1b2c3d4e5f601234567" {
		t.Errorf("rejectedValue: %v", fe)
	}
}

// A user attaches their own uploads, keeps what a record holds, and cannot
// attach someone else's upload (its id is not a key to its content).
func TestFileAttachRule(t *testing.T) {
	t.Parallel()
	s := filesApp(t)
	staff, _ := staffToken(t, s, "staff")
	other, _ := staffToken(t, s, "other")
	mine := s.Upload(staff, "mine.txt", "text/plain", strings.NewReader("mine")).Status(200).JSON()["fileId"].(string)
	theirs := s.Upload(other, "theirs.txt", "text/plain", strings.NewReader("theirs")).Status(200).JSON()["fileId"].(string)
	devs := s.UploadBytes("dev.txt", "text/plain", []byte("dev"))

	s.Do("POST", "/data/documents", staff, obj{"title": "open x", "attachment": theirs}).FieldError("attachment", "invalid")
	s.Do("POST", "/data/documents", staff, obj{"title": "open x", "attachment": devs}).FieldError("attachment", "invalid")
	rec := s.Do("POST", "/data/documents", staff, obj{"title": "open x", "attachment": mine}).Status(200).JSON()
	id := rec["id"].(string)
	// The developer attaches a file to the record; staff may then keep it,
	// in any field of that record, but still not attach someone else's.
	update(t, s, "documents", id, obj{"report": devs})
	s.Do("PUT", "/data/documents/"+id, staff, obj{"title": "open y", "report": obj{"id": devs}, "attachments": arr{devs}}).Status(200)
	s.Do("PUT", "/data/documents/"+id, staff, obj{"attachments": arr{theirs}}).FieldError("attachments[0]", "invalid")
	// Staff downloads what the record holds.
	if r := s.Do("GET", "/data/documents/"+id+"/files/"+devs, staff, nil).Status(200); string(r.Body) != "dev" {
		t.Errorf("%q", r.Body)
	}
}

// Files live while a record references them; released when the last
// reference goes; temporary uploads and orphans are swept.
func TestFileLifecycle(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(time.Now())
	s := filesApp(t, apitest.Options{Clock: clk, IdleTimeout: 1000 * time.Hour})
	ctx := context.Background()
	exists := func(id string) bool {
		r := download(s, id)
		return r.Code == 200
	}
	a := s.UploadBytes("a.txt", "", []byte("a"))
	b := s.UploadBytes("b.txt", "", []byte("b"))
	c := s.UploadBytes("c.txt", "", []byte("c"))
	r1 := create(t, s, "documents", obj{"title": "one", "attachment": a, "attachments": arr{c}})["id"].(string)
	r2 := create(t, s, "documents", obj{"title": "two", "attachment": a})["id"].(string)

	// Replacing a file held by another record keeps it.
	update(t, s, "documents", r1, obj{"attachment": b})
	if !exists(a) {
		t.Fatal("a file still held by another record was deleted")
	}
	// The last reference gone: released at once, blob included.
	update(t, s, "documents", r2, obj{"attachment": nil})
	if exists(a) {
		t.Fatal("a file no record holds any more is still there")
	}
	if _, err := s.Files.Blobs().Open(ctx, a); err == nil {
		t.Fatal("the blob of a released file is still there")
	}
	// Deleting the record releases its files.
	s.As("DELETE", "/data/documents/"+r1, nil).Status(200)
	if exists(b) || exists(c) {
		t.Fatal("the files of a deleted record are still there")
	}
	// Delete many and the async delete job release too.
	d := s.UploadBytes("d.txt", "", []byte("d"))
	e := s.UploadBytes("e.txt", "", []byte("e"))
	x1 := create(t, s, "documents", obj{"title": "x1", "attachment": d})["id"].(string)
	x2 := create(t, s, "documents", obj{"title": "x2", "parts": arr{obj{"file": e}}})["id"].(string)
	s.As("DELETE", "/data/documents/"+x1+","+x2, nil).Status(200)
	if exists(d) || exists(e) {
		t.Fatal("delete many kept the files")
	}
	f := s.UploadBytes("f.txt", "", []byte("f"))
	create(t, s, "documents", obj{"title": "async", "attachment": f})
	job := s.As("DELETE", "/data/documents?title=async&_async=true", nil).Status(200).JSON()["jobId"].(string)
	waitJobDone(t, s, job)
	if exists(f) {
		t.Fatal("the async delete kept the file")
	}

	// A temporary upload lives 12 hours; a referenced one forever.
	tmp := s.UploadBytes("tmp.txt", "", []byte("tmp"))
	kept := s.UploadBytes("kept.txt", "", []byte("kept"))
	create(t, s, "documents", obj{"title": "keeper", "attachment": kept})
	clk.Advance(11 * time.Hour)
	if sw, err := s.Files.Sweep(ctx); err != nil || sw.Temporary != 0 || !exists(tmp) {
		t.Fatalf("sweep before 12 h: %+v %v", sw, err)
	}
	// An orphan blob (a process died between the blob and its row).
	orphan := "6650a1b2c3d4e5f6012345ff"
	if _, err := s.Files.Blobs().Put(ctx, orphan, strings.NewReader("orphan")); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour)
	sw, err := s.Files.Sweep(ctx)
	if err != nil || sw.Temporary != 1 || sw.Orphans != 1 {
		t.Fatalf("sweep after 13 h: %+v %v", sw, err)
	}
	if exists(tmp) || !exists(kept) {
		t.Fatal("the sweep deleted the wrong file")
	}
	if _, err := s.Files.Blobs().Open(ctx, orphan); err == nil {
		t.Fatal("orphan blob kept")
	}
	// An upload swept meanwhile cannot be attached.
	s.As("POST", "/data/documents", obj{"title": "late", "attachment": tmp}).FieldError("attachment", "invalid")
}

// waitJobDone waits for a job to end FINISHED.
func waitJobDone(t *testing.T, s *apitest.Server, id string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j := s.As("GET", "/status/jobs/"+id, nil).Status(200).JSON()
		if j["status"] == "FINISHED" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: %v", id, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Scripts read an attached CSV and write a generated file (sys.files and
// the file wrapper).
func TestFileScripts(t *testing.T) {
	t.Parallel()
	s := filesApp(t)
	staff, _ := staffToken(t, s, "staff")
	csvID := s.Upload(staff, "amounts.csv", "text/csv", strings.NewReader("\ufeffname,amount\r\nana,1.5\r\n\"bob, jr\",2\r\n")).Status(200).JSON()["fileId"].(string)
	rec := s.Do("POST", "/data/documents", staff, obj{"title": "open csv", "attachment": csvID}).Status(200).JSON()
	id := rec["id"].(string)

	res := s.Do("PUT", "/data/documents/"+id+"/summarize", staff, nil).Status(200).JSON()
	if fmt.Sprint(res["headers"]) != "[name amount]" || res["rows"] != 2.0 || res["total"] != 3.5 ||
		res["report"] != "summary.csv" || res["reportType"] != "text/csv" {
		t.Fatalf("summarize: %v", res)
	}
	report := get(t, s, "documents", id)["report"].(obj)
	r := s.Do("GET", "/data/documents/"+id+"/files/"+report["id"].(string), staff, nil).Status(200)
	if want := "name,total\nana,\n\"bob, jr\",\nall,3.5\n"; string(r.Body) != want || res["reportSize"] != float64(len(want)) {
		t.Errorf("report %q (size %v)", r.Body, res["reportSize"])
	}
	if report["name"] != fmt.Sprintf("summary.csv (%dB)", len(r.Body)) {
		t.Errorf("report value %v", report)
	}

	res = s.Do("PUT", "/data/documents/"+id+"/inspect", staff, nil).Status(200).JSON()
	wantContent := base64.StdEncoding.EncodeToString([]byte("\ufeffname,amount\r\nana,1.5\r\n\"bob, jr\",2\r\n"))
	if res["id"] != csvID || res["name"] != "amounts.csv" || res["contentType"] != "text/csv" || res["size"] != 38.0 ||
		res["content"] != wantContent || fmt.Sprint(res["lines"]) != `[name,amount ana,1.5 "bob, jr",2]` ||
		fmt.Sprint(res["value"]) != fmt.Sprint(obj{"id": csvID, "name": "amounts.csv (38B)"}) || res["hash"] != sha([]byte("\ufeffname,amount\r\nana,1.5\r\n\"bob, jr\",2\r\n")) {
		t.Errorf("inspect: %v", res)
	}

	res = s.Do("PUT", "/data/documents/"+id+"/attachNew", staff, nil).Status(200).JSON()
	if !isID(res["id"]) || res["name"] != "note.txt" {
		t.Fatalf("attachNew: %v", res)
	}
	if r := s.Do("GET", "/data/documents/"+id+"/files/"+res["id"].(string), staff, nil).Status(200); string(r.Body) != "hello from a script" {
		t.Errorf("attachNew content %q", r.Body)
	}
	// The report replaced by attachNew was released.
	download(s, report["id"].(string)).Error(404, "notFound")

	// A file parameter: inline (stored as the caller's upload) or by id.
	res = s.Do("PUT", "/data/documents/"+id+"/readParam", staff, obj{"input": obj{"name": "p.txt", "content": "aGk="}}).Status(200).JSON()
	if !isID(res["id"]) || res["name"] != "p.txt" || res["content"] != "aGk=" {
		t.Errorf("inline parameter: %v", res)
	}
	res = s.Do("PUT", "/data/documents/"+id+"/readParam", staff, obj{"input": csvID}).Status(200).JSON()
	if res["id"] != csvID || res["name"] != "amounts.csv" {
		t.Errorf("parameter by id: %v", res)
	}
	s.Do("PUT", "/data/documents/"+id+"/readParam", staff, obj{"input": "6650a1b2c3d4e5f601234567"}).FieldError("input", "invalid")

	// A file a script leaves open is abandoned when the script ends.
	before := blobCount(t, s)
	s.Do("PUT", "/data/documents/"+id+"/leaveOpen", staff, nil).Status(200)
	if n := blobCount(t, s); n != before {
		t.Errorf("%d blobs after an unclosed writer, want %d", n, before)
	}
}

// The OpenAPI document describes the file endpoints and the file field
// forms as the server answers them.
func TestOpenAPIFiles(t *testing.T) {
	t.Parallel()
	s := filesApp(t)
	c := newContract(t, s)
	a := s.UploadBytes("a.txt", "text/plain", []byte("hello"))
	rec := c.call("POST", "/data/documents", s.Token, obj{"title": "doc", "attachment": a,
		"attachments": arr{obj{"id": a}, obj{"name": "b.txt", "contentType": "text/plain", "content": "aGk="}}}).Status(200).JSON()
	id := rec["id"].(string)
	c.call("GET", "/data/documents/"+id, s.Token, nil).Status(200)
	c.call("GET", "/data/documents/"+id+"?_format=plainText", s.Token, nil).Status(200)
	c.call("GET", "/data/documents/"+id+"/files/"+a, s.Token, nil).Status(200)
	c.call("GET", "/files/"+a, s.Token, nil).Status(200)
	c.call("GET", "/files/6650a1b2c3d4e5f601234567", s.Token, nil).Error(404, "notFound")
	sh := c.call("PUT", "/files/"+a+"/share?ttl=60000", s.Token, nil).Status(200).JSON()
	c.call("GET", "/files/shared/"+sh["sharedFileId"].(string), "", nil).Status(200)
	c.bad("PUT", "/files/"+a+"/share?ttl=0", s.Token, nil).Error(400, "badRequest")
}
