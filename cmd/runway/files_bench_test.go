package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkFileTransfer moves a 200 MB file through a real "runway serve"
// (SQLite, directory blob store on the same disk) and compares with copying
// the same file on that disk, in the same run:
//
//   - upload (multipart, streamed; the server writes, fsyncs, renames)
//     against a copy followed by fsync (cp: copy_file_range, in the
//     kernel), and against a copy through user space followed by fsync;
//   - download (the client writes the body to a file) against a copy.
//
// It also reports the server's peak resident memory during the upload
// above its resident memory when idle (/proc/PID/status VmHWM, VmRSS).
//
//	go test ./cmd/runway -run '^$' -bench FileTransfer -benchtime 3x
func BenchmarkFileTransfer(b *testing.B) {
	const size = 200 << 20
	dir := b.TempDir()
	src := filepath.Join(dir, "src.bin")
	writeRandomFile(b, src, size)

	srv := startServe(b, []string{"RUNWAY_ADMIN_PASSWORD=" + filesAdminPassword},
		"--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--app", testdata(b, "files"))
	tok := srv.token("admin@localhost", filesAdminPassword)
	pid := srv.cmd.Process.Pid
	// Warm up: one small upload and download.
	id := uploadFileB(b, srv.URL, tok, src, 1<<20)
	downloadB(b, srv.URL, tok, id, filepath.Join(dir, "warm.bin"))
	idle := procStatus(b, pid, "VmRSS")

	var copySync, copyPlain, userCopy, up, down time.Duration
	var peak int64
	for i := 0; i < b.N; i++ {
		copySync += timed(func() { copyFile(b, src, filepath.Join(dir, fmt.Sprintf("c%d.bin", i)), true) })
		copyPlain += timed(func() { copyFile(b, src, filepath.Join(dir, fmt.Sprintf("p%d.bin", i)), false) })
		userCopy += timed(func() { userSpaceCopy(b, src, filepath.Join(dir, fmt.Sprintf("u%d.bin", i))) })
		up += timed(func() { id = uploadFileB(b, srv.URL, tok, src, size) })
		peak = max(peak, procStatus(b, pid, "VmHWM"))
		down += timed(func() { downloadB(b, srv.URL, tok, id, filepath.Join(dir, fmt.Sprintf("d%d.bin", i))) })
		for _, f := range []string{"c", "p", "u", "d"} {
			os.Remove(filepath.Join(dir, fmt.Sprintf("%s%d.bin", f, i)))
		}
	}
	mbps := func(d time.Duration) float64 { return float64(size) * float64(b.N) / d.Seconds() / 1e6 }
	b.ReportMetric(mbps(copySync), "copy+fsync-MB/s")
	b.ReportMetric(mbps(copyPlain), "copy-MB/s")
	b.ReportMetric(mbps(up), "upload-MB/s")
	b.ReportMetric(mbps(down), "download-MB/s")
	b.ReportMetric(mbps(userCopy), "read-write+fsync-MB/s")
	b.ReportMetric(copySync.Seconds()/up.Seconds(), "upload/copy+fsync")
	b.ReportMetric(userCopy.Seconds()/up.Seconds(), "upload/read-write+fsync")
	b.ReportMetric(copyPlain.Seconds()/down.Seconds(), "download/copy")
	b.ReportMetric(float64(idle)/1024, "idle-RSS-MB")
	b.ReportMetric(float64(peak-idle)/1024, "upload-peak-RSS-above-idle-MB")
}

func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

func writeRandomFile(b *testing.B, path string, n int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := rand.NewChaCha8([32]byte{7})
	if _, err := io.CopyN(f, r, n); err != nil {
		b.Fatal(err)
	}
}

func copyFile(b *testing.B, from, to string, sync bool) {
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if sync {
		if err := out.Sync(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchClient moves bodies in large writes (net/http's default buffers
// are 4 kB), so the client costs little next to the server measured.
var benchClient = &http.Client{Transport: &http.Transport{WriteBufferSize: 256 << 10, ReadBufferSize: 256 << 10}}

// userSpaceCopy copies through user space (read and write calls of 256
// kB, as a process receiving the file has to), then fsyncs.
func userSpaceCopy(b *testing.B, from, to string) {
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	buf := make([]byte, 256<<10)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			if _, werr := out.Write(buf[:n]); werr != nil {
				b.Fatal(werr)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := out.Sync(); err != nil {
		b.Fatal(err)
	}
}

// procStatus reads a kB field of /proc/PID/status.
func procStatus(b *testing.B, pid int, field string) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// uploadFileB sends the first n bytes of a file as a multipart upload,
// the way curl -F does: the part's header, the file, the closing
// boundary, with a Content-Length (no encoding work in the client).
func uploadFileB(b *testing.B, url, tok, path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	const boundary = "runway-bench-boundary"
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n"
	tail := "\r\n--" + boundary + "--\r\n"
	body := io.MultiReader(strings.NewReader(head), io.LimitReader(f, n), strings.NewReader(tail))
	req, _ := http.NewRequest("POST", url+"/files", body)
	req.ContentLength = int64(len(head)) + n + int64(len(tail))
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	req.Header.Set("token", tok)
	resp, err := benchClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		b.Fatalf("upload: %d %s", resp.StatusCode, out)
	}
	const key = `"fileId":"`
	i := strings.Index(string(out), key)
	return string(out[i+len(key) : i+len(key)+24])
}

func downloadB(b *testing.B, url, tok, id, to string) {
	req, _ := http.NewRequest("GET", url+"/files/"+id, nil)
	req.Header.Set("token", tok)
	resp, err := benchClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("download: %d", resp.StatusCode)
	}
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, resp.Body); err != nil {
		b.Fatal(err)
	}
}
