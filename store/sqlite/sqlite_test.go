package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"runway/app"
	"runway/store"
	"runway/types"
)

// TestSyncSetting: --sqlite-sync normal is synchronous=NORMAL; anything but
// full or normal is refused.
func TestSyncSetting(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "a.db"), Options{Sync: SyncNormal})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var syncMode int
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncMode); err != nil || syncMode != 1 {
		t.Errorf("synchronous = %d, %v; want 1 (NORMAL)", syncMode, err)
	}
	if _, err := Open(ctx, filepath.Join(t.TempDir(), "b.db"), Options{Sync: "off"}); err == nil || !strings.Contains(err.Error(), `"off"`) {
		t.Errorf("sync setting off: %v, want an error naming it", err)
	}
}

func TestOpenLockAndPragmas(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: got %v, want ErrLocked", err)
	} else if !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("unclear lock error: %v", err)
	}

	var mode string
	var syncMode, busy int
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	for _, db := range []*sql.DB{s.wdb, s.rdb} {
		if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncMode); err != nil || syncMode != 2 {
			t.Errorf("synchronous = %d, %v; want 2 (FULL, the default)", syncMode, err)
		}
	}
	if err := s.rdb.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil || busy != busyTimeout {
		t.Errorf("read busy_timeout = %d, %v", busy, err)
	}
	if _, err := s.rdb.ExecContext(ctx, "CREATE TABLE x (a)"); err == nil {
		t.Error("read pool accepted a write")
	}
	if got := s.wdb.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("write pool max conns = %d", got)
	}
	if got := s.rdb.Stats().MaxOpenConnections; got != readConns {
		t.Errorf("read pool max conns = %d", got)
	}
	// Write transactions are BEGIN IMMEDIATE: the write lock is taken at
	// once, before the first write, so another connection cannot write.
	raw, err := sql.Open("sqlite", "file://"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	err = s.Write(ctx, func(tx store.Tx) error {
		_, err := raw.ExecContext(ctx, "CREATE TABLE other (a)")
		if err == nil || !strings.Contains(err.Error(), "locked") {
			t.Errorf("write during an open Write transaction: %v, want database is locked", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var v string
	if err := s.rdb.QueryRowContext(ctx, "SELECT value FROM _meta WHERE key = 'schema_version'").Scan(&v); err != nil || v != strconv.Itoa(len(migrations)-1) {
		t.Errorf("schema_version = %q, %v", v, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	s2, err := Open(ctx, path) // lock released, migrations idempotent
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}

func indexNames(t *testing.T, s *Store, table string) map[string]string {
	t.Helper()
	rows, err := s.rdb.Query(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, q string
		if err := rows.Scan(&n, &q); err != nil {
			t.Fatal(err)
		}
		out[n] = q
	}
	return out
}

func TestSync(t *testing.T) {
	s, a := openTest(t)
	ctx := context.Background()
	e := a.Entity("companies")

	ix := indexNames(t, s, "e_companies")
	for _, want := range []string{"l_e_companies", "u_e_companies_name", "u_e_companies_email",
		"u_e_companies_contactInformation_email", "i_e_companies_budget", "i_e_companies_owner",
		// owner (a relationship) filters, budget and name sort
		"c_e_companies_owner_budget", "c_e_companies_owner_name"} {
		if _, ok := ix[want]; !ok {
			t.Errorf("missing index %s (have %v)", want, ix)
		}
	}
	if len(ix) != 8 {
		t.Errorf("indexes = %v", ix)
	}
	if q := ix["u_e_companies_email"]; !strings.Contains(q, "lower(json_extract(doc, '$.email'))") || !strings.Contains(q, "UNIQUE") {
		t.Errorf("email index: %s", q)
	}
	if q := ix["i_e_companies_owner"]; !strings.Contains(q, "'$.owner.id'") {
		t.Errorf("relationship index: %s", q)
	}
	if _, ok := indexNames(t, s, "e_sys__users")["u_e_sys__users_email"]; !ok {
		t.Error("sys.users email index missing")
	}

	// a second Sync of the same app changes nothing
	st, err := s.sync(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if st != (syncStats{}) {
		t.Fatalf("idempotent sync did %+v", st)
	}

	insert(t, s, e, row(1, map[string]any{"name": "A", "score": 1.5, "old": "kept"}), row(2, map[string]any{"name": "B", "score": 1.5}))

	// new indexable field, new entity
	a.Entity("companies").Field("score").Indexable = true
	a.Entities["projects"] = &app.Entity{Name: "projects", FullName: "projects",
		Fields: []*app.Field{fld("title", types.Text, unique)},
		Indexes: []app.Index{{Name: "byTitleScore", Fields: []string{"title", "score"}, Type: "normal"},
			{Name: "search", Fields: []string{"title"}, Type: "text"}}}
	a.Entities["projects"].Fields = append(a.Entities["projects"].Fields, fld("score", types.Integer))
	st, err = s.sync(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	// 3 expression indexes, c_e_companies_owner_score, the FTS table of
	// the text index "search" and the like index of projects (companies'
	// gains no text field)
	if st.tablesCreated != 1 || st.indexesCreated != 6 || st.indexesDropped != 0 {
		t.Fatalf("sync stats %+v", st)
	}
	if _, ok := indexNames(t, s, "e_companies")["i_e_companies_score"]; !ok {
		t.Fatal("score index not created")
	}
	pix := indexNames(t, s, "e_projects")
	if q, ok := pix["x_e_projects_byTitleScore"]; !ok || !strings.Contains(q, "json_extract(doc, '$.title'), json_extract(doc, '$.score')") {
		t.Fatalf("entity index: %v", pix)
	}
	if _, ok := pix["x_e_projects_search"]; ok {
		t.Fatal("text index created as expression index")
	}

	// name no longer unique, score no longer indexable, a field removed: indexes dropped, data kept
	f := a.Entity("companies").Field("name")
	f.Unique = false
	a.Entity("companies").Field("score").Indexable = false
	st, err = s.sync(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	// (with the composites owner+name and owner+score; the like index of
	// companies, which loses name, rebuilt)
	if st.indexesDropped != 5 || st.indexesCreated != 1 {
		t.Fatalf("sync stats %+v", st)
	}
	insert(t, s, e, row(3, map[string]any{"name": "A"}))
	r, err := s.Get(ctx, e, id(1))
	if err != nil || !strings.Contains(string(r.Doc), `"old":"kept"`) {
		t.Fatalf("data of removed field lost: %v %s", err, r.Doc)
	}

	// making it unique again while duplicates exist fails with a UniqueError
	f.Unique = true
	err = s.Sync(ctx, a)
	var ue *store.UniqueError
	if !errors.As(err, &ue) || ue.Field != "name" {
		t.Fatalf("sync over duplicates: %v", err)
	}
	// the failed Sync rolled back as a whole
	if _, ok := indexNames(t, s, "e_companies")["u_e_companies_name"]; ok {
		t.Fatal("unique index exists after failed sync")
	}

	// a field changing type (email → text): same name, new expression →
	// recreated (and, a text now sorted by its index expression, a
	// composite with owner)
	f.Unique = false
	a.Entity("companies").Field("email").Type = types.Text
	st, err = s.sync(ctx, a)
	if err != nil || st.indexesDropped != 1 || st.indexesCreated != 2 {
		t.Fatalf("type change: %+v %v", st, err)
	}
	if q := indexNames(t, s, "e_companies")["u_e_companies_email"]; strings.Contains(q, "lower(") {
		t.Fatalf("email index not rebuilt: %s", q)
	}
}
