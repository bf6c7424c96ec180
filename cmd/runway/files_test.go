package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"runway/app"
	"runway/blob"
	"runway/blob/blobtest"
	"runway/clock"
	"runway/data"
	"runway/query"
	"runway/runtime"
	"runway/store/postgres"
	_ "runway/store/sqlite" // the sqlite driver, to hold the database's write lock
)

const filesAdminPassword = "admin-password-1"

// uploadCall uploads content as a multipart part named file; safe in
// goroutines (no testing.T).
func uploadCall(url, token, name string, content []byte) (int, []byte, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("file", name)
	_, _ = w.Write(content)
	_ = mw.Close()
	req, err := http.NewRequest("POST", url+"/files", &body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("token", token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (s *server) upload(token, name string, content []byte) string {
	s.t.Helper()
	code, b, err := uploadCall(s.URL, token, name, content)
	if err != nil || code != 200 {
		s.t.Fatalf("upload %s: %d %s %v", name, code, b, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["fileId"] == nil {
		s.t.Fatalf("upload %s: %s", name, b)
	}
	return m["fileId"].(string)
}

// countBlobs counts the complete blobs of a store.
func countBlobs(t *testing.T, st blob.Store) int {
	t.Helper()
	n := 0
	if err := st.List(context.Background(), func(string, time.Time) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFileCrashBetweenBlobAndRow kills "runway serve" after it wrote the
// blobs of an upload and of a record's inline file but before their
// metadata rows commit (the test holds the database's write lock), then
// shows that no row points to a missing blob, that the sweeper deletes
// the orphans once they are older than the grace, and that a file
// committed before the crash is untouched. On SQLite with the directory
// store, and on PostgreSQL with the S3 fake.
func TestFileCrashBetweenBlobAndRow(t *testing.T) {
	t.Parallel()
	t.Run("sqlite+dir", func(t *testing.T) {
		t.Parallel()
		dataDir := t.TempDir()
		dbPath := filepath.Join(dataDir, "runway.db")
		blobs, err := blob.OpenDir(filepath.Join(dataDir, "files"))
		if err != nil {
			t.Fatal(err)
		}
		crashBetweenBlobAndRow(t, crashSetup{
			args:  []string{"--data", dataDir},
			db:    runtime.DB{URL: "sqlite://" + dbPath},
			blobs: blobs,
			lock: func() func() {
				db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)")
				if err != nil {
					t.Fatal(err)
				}
				conn, err := db.Conn(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
					t.Fatal(err)
				}
				return func() {
					_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
					conn.Close()
					db.Close()
				}
			},
		})
	})
	t.Run("postgres+s3", func(t *testing.T) {
		base := os.Getenv("RUNWAY_TEST_POSTGRES")
		if base == "" {
			t.Skip("set RUNWAY_TEST_POSTGRES to run the PostgreSQL half")
		}
		t.Parallel()
		dbURL, drop, err := postgres.CreateTestDatabase(context.Background(), base)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = drop() })
		s3 := blobtest.StartS3(t)
		crashBetweenBlobAndRow(t, crashSetup{
			args:  []string{"--data", t.TempDir(), "--db", dbURL, "--blob", s3.URL},
			env:   s3.Env,
			db:    runtime.DB{URL: dbURL},
			blobs: s3.Open(t),
			lock: func() func() {
				conn, err := pgx.Connect(context.Background(), dbURL)
				if err != nil {
					t.Fatal(err)
				}
				tx, err := conn.Begin(context.Background())
				if err == nil {
					_, err = tx.Exec(context.Background(), "LOCK TABLE _files IN EXCLUSIVE MODE")
				}
				if err != nil {
					t.Fatal(err)
				}
				return func() {
					// The server is dead, but PostgreSQL would run its
					// waiting INSERTs once the lock is free: end its
					// sessions first, as its closed sockets would.
					_, _ = conn.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
						WHERE datname = current_database() AND pid <> pg_backend_pid()`)
					_ = tx.Rollback(context.Background())
					conn.Close(context.Background())
				}
			},
		})
	})
}

type crashSetup struct {
	args  []string                // serve's flags (data dir, database, blob store)
	env   []string                // serve's extra environment (S3 credentials)
	db    runtime.DB              // the same database, for the runtime that sweeps
	blobs blob.Store              // the same blob store, seen from the test
	lock  func() (release func()) // blocks writes of file rows
}

func crashBetweenBlobAndRow(t *testing.T, c crashSetup) {
	appDir := testdata(t, "files")
	env := append([]string{"RUNWAY_ADMIN_PASSWORD=" + filesAdminPassword}, c.env...)
	args := append([]string{"--app", appDir, "--addr", "127.0.0.1:0"}, c.args...)
	srv := startServe(t, env, args...)
	tok := srv.token("admin@localhost", filesAdminPassword)

	// A file committed before the crash, held by a record.
	kept := srv.upload(tok, "kept.txt", []byte("kept"))
	code, rec := srv.call("POST", "/data/documents", tok, map[string]any{"title": "before", "attachment": kept})
	if code != 200 {
		t.Fatalf("create: %d %v", code, rec)
	}
	before := countBlobs(t, c.blobs)

	var once sync.Once
	lockRelease := c.lock()
	release := func() { once.Do(lockRelease) }
	defer release()
	done := make(chan struct{}, 2)
	go func() {
		_, _, _ = uploadCall(srv.URL, tok, "lost.bin", bytes.Repeat([]byte("x"), 100_000))
		done <- struct{}{}
	}()
	go func() {
		_, _, _ = rawCall("POST", srv.URL+"/data/documents", tok, map[string]any{"title": "during",
			"attachment": map[string]any{"name": "inline.txt", "content": base64.StdEncoding.EncodeToString([]byte("inline"))}})
		done <- struct{}{}
	}()
	// Both blobs are written; their rows wait for the lock. Kill.
	deadline := time.Now().Add(20 * time.Second)
	for countBlobs(t, c.blobs) < before+2 {
		if time.Now().After(deadline) {
			t.Fatalf("the blobs of the uploads did not appear: %d, want %d", countBlobs(t, c.blobs), before+2)
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.kill()
	<-done
	<-done
	release()

	// Open the same database and blobs, 2 hours later (past the orphan grace).
	a, _, err := app.Load(os.DirFS(appDir))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	clk := clock.NewManual(time.Now().Add(2 * time.Hour))
	rt, err := runtime.Open(ctx, runtime.Config{App: a, DB: c.db, Clock: clk, Files: runtime.Files{Blobs: c.blobs}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	docs := rt.App.Entity("documents")
	rows, err := rt.Data.List(ctx, data.SystemCaller, docs, &query.List{Select: query.Select{Sort: query.ByID, Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if rows.Total != 1 || !strings.Contains(string(rows.Items[0]), kept) {
		t.Fatalf("records after the crash: %d %s", rows.Total, rows.Items)
	}
	if m, err := rt.Files.Lookup(ctx, []string{kept}); err != nil || m[kept] == nil {
		t.Fatalf("the committed file's row: %v %v", m, err)
	}
	sw, err := rt.Files.Sweep(ctx)
	if err != nil || sw.Orphans != 2 {
		t.Fatalf("sweep: %+v %v", sw, err)
	}
	if n := countBlobs(t, c.blobs); n != before {
		t.Fatalf("%d blobs after the sweep, want %d", n, before)
	}
	// Every file a record holds has its row and its blob.
	_, r, err := rt.Files.Open(ctx, kept)
	if err != nil {
		t.Fatalf("the committed file: %v", err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "kept" {
		t.Fatalf("committed file content %q", b)
	}
}

// TestTwoProcessesFiles: two "runway serve" processes on one PostgreSQL
// database and one S3 bucket. A file uploaded through one is downloadable,
// attachable and shareable through the other, and a release on one holds
// on the other.
func TestTwoProcessesFiles(t *testing.T) {
	base := os.Getenv("RUNWAY_TEST_POSTGRES")
	if base == "" {
		t.Skip("set RUNWAY_TEST_POSTGRES to run the two-process file test")
	}
	t.Parallel()
	dbURL, drop, err := postgres.CreateTestDatabase(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = drop() })
	s3 := blobtest.StartS3(t)
	env := append([]string{"RUNWAY_ADMIN_PASSWORD=" + filesAdminPassword}, s3.Env...)
	serveOn := func() *server {
		return startServe(t, env, "--app", testdata(t, "files"), "--addr", "127.0.0.1:0", "--data", t.TempDir(),
			"--db", dbURL, "--blob", s3.URL)
	}
	a := serveOn()
	b := serveOn()
	tok := a.token("admin@localhost", filesAdminPassword)
	content := bytes.Repeat([]byte("0123456789"), 1000)

	id := a.upload(tok, "shared.bin", content)
	get := func(s *server, path, token string) (int, []byte) {
		t.Helper()
		code, body, err := rawCall("GET", s.URL+path, token, nil)
		if err != nil {
			t.Fatal(err)
		}
		return code, body
	}
	if code, body := get(b, "/files/"+id, tok); code != 200 || !bytes.Equal(body, content) {
		t.Fatalf("download through B: %d, %d bytes", code, len(body))
	}
	// Attached through B, read through A.
	code, rec := b.call("POST", "/data/documents", tok, map[string]any{"title": "two", "attachment": id})
	if code != 200 {
		t.Fatalf("attach through B: %d %v", code, rec)
	}
	recID := rec["id"].(string)
	if code, body := get(a, "/data/documents/"+recID+"/files/"+id, tok); code != 200 || !bytes.Equal(body, content) {
		t.Fatalf("record file through A: %d", code)
	}
	// Shared through A, fetched through B without a token.
	code, sh := a.call("PUT", "/files/"+id+"/share", tok, nil)
	if code != 200 {
		t.Fatalf("share through A: %d %v", code, sh)
	}
	if code, body := get(b, "/files/shared/"+sh["sharedFileId"].(string), ""); code != 200 || !bytes.Equal(body, content) {
		t.Fatalf("shared fetch through B: %d", code)
	}
	// Released through B: gone for A.
	if code, body := b.call("PUT", "/data/documents/"+recID, tok, map[string]any{"attachment": nil}); code != 200 {
		t.Fatalf("clear through B: %d %v", code, body)
	}
	if code, _ := get(a, "/files/"+id, tok); code != 404 {
		t.Fatalf("released file through A: %d", code)
	}
	a.stopOK()
	b.stopOK()
}
