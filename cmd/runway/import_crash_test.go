package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// skillsCSV is a CSV file of n new skills.
func skillsCSV(prefix string, n int) []byte {
	var b bytes.Buffer
	b.WriteString("name,category\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%s %06d,technical\n", prefix, i)
	}
	return b.Bytes()
}

// TestImportSurvivesCrash: the server is killed (SIGKILL) in the middle of
// a 100,000-row import; started again on the same data dir it takes the
// job over and continues from the row checkpoint, which committed with
// each batch's records: every row is imported exactly once (all records
// there, each at version 0 — a row imported twice would have updated the
// record its unique name matches).
func TestImportSurvivesCrash(t *testing.T) {
	t.Parallel()
	const n = 100_000
	data := t.TempDir()
	env := []string{"RUNWAY_ADMIN_PASSWORD=admin-password-1"}
	args := append([]string{"--data", data, "--addr", "127.0.0.1:0"}, jobFlags...)
	s := startServe(t, env, args...)
	tok := s.token("admin@localhost", "admin-password-1")
	fileID := s.upload(tok, "skills.csv", skillsCSV("imp", n))
	code, ref := s.call("POST", "/data/skills/import?fileId="+fileID, tok, nil)
	id, _ := ref["jobId"].(string)
	if code != http.StatusOK || id == "" {
		t.Fatalf("import: %d %v", code, ref)
	}
	s, tok, j := killMidJob(t, s, tok, id, 20000, n, env, args...)
	res, _ := j["results"].(map[string]any)
	if count(j, "recordsProcessed") != n || count(j, "recordsCount") != n || j["hasErrors"] != false ||
		count(res, "rowsImported") != n || count(res, "rowsWithErrors") != 0 {
		t.Fatalf("job after the crash: %v", j)
	}
	names := map[string]bool{}
	for rid, doc := range skillsOf(t, s, tok, "technical") {
		var r struct {
			Name    string
			Version int
		}
		if err := json.Unmarshal([]byte(doc), &r); err != nil {
			t.Fatal(err)
		}
		if r.Version != 0 || names[r.Name] {
			t.Fatalf("record %s imported twice: %s", rid, doc)
		}
		names[r.Name] = true
	}
	if len(names) != n {
		t.Fatalf("%d records, want %d", len(names), n)
	}
	if log := jobLog(t, s, tok, id); !strings.Contains(log, "Continuing after row") {
		t.Fatalf("job log:\n%s", log)
	}
	s.stopOK()
}

// TestImportExportCLI: runway import uploads a file, follows the job and
// fails when rows have errors; runway export writes the file.
func TestImportExportCLI(t *testing.T) {
	t.Parallel()
	env := []string{"RUNWAY_ADMIN_PASSWORD=admin-password-1"}
	s := startServe(t, env, "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	tok := s.token("admin@localhost", "admin-password-1")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	_ = os.WriteFile(good, []byte("name,category\nGo,technical\nTact,soft\n"), 0o600)
	r := run(t, nil, "import", "--url", s.URL, "--token", tok, "--entity", "skills", good)
	if r.code != 0 || !strings.Contains(r.stderr, "2 rows imported, 0 rows with errors") || !strings.Contains(r.stderr, "100%") {
		t.Fatalf("import: %d\n%s", r.code, r.stderr)
	}
	bad := filepath.Join(dir, "bad.csv")
	_ = os.WriteFile(bad, []byte("name,category\nRust,technical\nOops,nope\n"), 0o600)
	r = run(t, []string{"RUNWAY_PASSWORD=admin-password-1"}, "import", "--url", s.URL, "--email", "admin@localhost",
		"--entity", "skills", bad)
	r.fails(t, "1 rows imported, 1 rows with errors")
	if !strings.Contains(r.stderr, "Row 3: ") {
		t.Errorf("no row error in:\n%s", r.stderr)
	}
	out := filepath.Join(dir, "out.csv")
	r = run(t, nil, "export", "--url", s.URL, "--token", tok, "--entity", "skills", "--query", "_sortField=name&_sortType=asc",
		"--field-names", "-o", out)
	b, _ := os.ReadFile(out)
	if r.code != 0 || string(b) != "name,category\nGo,technical\nRust,technical\nTact,soft\n" {
		t.Fatalf("export: %d %q\n%s", r.code, b, r.stderr)
	}
	run(t, nil, "import", "--url", s.URL, "--token", tok, "--entity", "nothing", good).fails(t, "404")
	s.stopOK()
}
