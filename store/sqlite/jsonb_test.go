package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"runway/store"
	"runway/store/storetest"
)

// jsonbSeeds are JSON texts of every shape a document takes, and some
// JSON5 that SQLite reads and Runway never writes.
var jsonbSeeds = []string{
	`{"id":"a1","version":3,"label":"L","name":"x","n":12,"f":-1.5e3,"b":true,"c":false,"z":null}`,
	`{"id":"a1","nested":{"a":[1,2,{"b":"c"}],"e":[]},"o":{}}`,
	` { "id" : "a1" , "s" : "tab\there \"q\" \u00e9 \ud83d\ude00 \u003c" } `,
	`{"u":"é ü 😀","n":0,"m":-0,"k":1E+2,"dup":1,"dup":2,"big":123456789012345678901234567890}`,
	`{"long":"` + strings.Repeat("x", 200) + `","longer":"` + strings.Repeat("y", 300) + `","longest":["` + strings.Repeat("z", 70000) + `"]}`,
	`[1,"two",[],{}]`, `"s"`, `12.5`, `null`,
	`{a:0x1F, 'b':.5, "c":"\x41", d:Infinity,}`,
}

// sameAsSQLite fails unless jsonbText writes the JSON text SQLite's json()
// writes of the JSONB SQLite makes of text; JSON5 (which Runway never
// writes) may be refused instead. Any blob at all never panics it.
func sameAsSQLite(t *testing.T, db *sql.DB, text string) {
	t.Helper()
	var blob []byte
	if err := db.QueryRow("SELECT jsonb(?)", text).Scan(&blob); err != nil {
		jsonbText(nil, []byte(text)) // not JSON to SQLite: read as a blob anyway
		return
	}
	var want string
	if err := db.QueryRow("SELECT json(?)", blob).Scan(&want); err != nil {
		t.Fatalf("%q: json(): %v", text, err)
	}
	got, err := jsonbText(nil, blob)
	if err != nil {
		if json.Valid([]byte(text)) {
			t.Fatalf("%q: %v; SQLite reads it as %s", text, err, want)
		}
		return
	}
	if string(got) != want {
		t.Errorf("%q:\n got  %s\n want %s", text, got, want)
	}
}

func openMemory(t testing.TB) *sql.DB {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestJSONBText(t *testing.T) {
	db := openMemory(t)
	for _, s := range jsonbSeeds {
		sameAsSQLite(t, db, s)
	}
	// text SQL functions store raw (escaped on output)
	var blob []byte
	var want string
	if err := db.QueryRow(`SELECT jsonb_set('{"a":1}', '$.b', 'x"y\' || char(10) || char(1) || char(127)), json(jsonb_set('{"a":1}', '$.b', 'x"y\' || char(10) || char(1) || char(127)))`).Scan(&blob, &want); err != nil {
		t.Fatal(err)
	}
	if got, err := jsonbText(nil, blob); err != nil || string(got) != want {
		t.Errorf("raw text: %s (%v), want %s", got, err, want)
	}
	for _, bad := range [][]byte{{}, {0x1c}, {0xcc, 0x05, 0x17, 'a'}, {0x2c, 0x10, 0x00}, []byte(`{"a":1}`), {0x13, '1', 0x00}} {
		if got, err := jsonbText(nil, bad); err == nil {
			t.Errorf("%x read as %s", bad, got)
		}
	}
}

func FuzzJSONBText(f *testing.F) {
	for _, s := range jsonbSeeds {
		f.Add(s)
	}
	db := openMemory(f)
	f.Fuzz(func(t *testing.T, text string) { sameAsSQLite(t, db, text) })
}

// sameJSONBAsSQLite fails unless jsonbOf makes of text the JSONB SQLite's
// jsonb() makes of it, byte for byte, and refuses what is not RFC 8259
// JSON (JSON5 included, which SQLite reads) or what SQLite refuses.
func sameJSONBAsSQLite(t *testing.T, db *sql.DB, text string) {
	t.Helper()
	got, err := jsonbOf(nil, []byte(text))
	var want []byte
	if serr := db.QueryRow("SELECT jsonb(?)", text).Scan(&want); serr != nil || !json.Valid([]byte(text)) {
		if err == nil {
			t.Fatalf("%q: made %x; SQLite: %v, valid JSON: %v", text, got, serr, json.Valid([]byte(text)))
		}
		return
	}
	if err != nil {
		t.Fatalf("%q: %v; SQLite makes %x", text, err, want)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%q:\n got  %x\n want %x", text, got, want)
	}
}

func TestJSONBOf(t *testing.T) {
	db := openMemory(t)
	for _, s := range jsonbSeeds {
		sameJSONBAsSQLite(t, db, s)
	}
	for _, bad := range []string{``, ` `, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `01`, `-`, `1.`, `.5`, `1e`, `+1`,
		`"a`, `"\x"`, `"\u12g4"`, "\"\x01\"", `nul`, `truex`, `{"a":1}}`, `[1 2]`, `{1:2}`, strings.Repeat("[", 1001) + strings.Repeat("]", 1001)} {
		if got, err := jsonbOf(nil, []byte(bad)); err == nil {
			t.Errorf("%q made %x", bad, got)
		}
		sameJSONBAsSQLite(t, db, bad)
	}
	// the widest headers: payloads over 255 and 65,535 bytes, nested
	sameJSONBAsSQLite(t, db, `[[`+strings.Repeat(`"abcdefgh",`, 30)+`1],{"k":"`+strings.Repeat("é", 40000)+`"}]`)
}

func FuzzJSONBOf(f *testing.F) {
	for _, s := range jsonbSeeds {
		f.Add(s)
	}
	db := openMemory(f)
	f.Fuzz(func(t *testing.T, text string) { sameJSONBAsSQLite(t, db, text) })
}

// Insert and Update store the JSONB SQLite's jsonb() makes of the
// document; a document that is not JSON is refused, values or not.
func TestDocStoredAsJSONB(t *testing.T) {
	s, a := openTest(t)
	ctx := context.Background()
	e := a.Entity("companies")
	stored := func(r *store.Row) {
		t.Helper()
		var typ string
		var same bool
		if err := s.rdb.QueryRow(`SELECT typeof(doc), doc = jsonb(?) FROM e_companies WHERE id = ?`, string(r.Doc), r.ID).Scan(&typ, &same); err != nil || typ != "blob" || !same {
			t.Fatalf("%s stored as %s, the same as jsonb(): %v (%v)", r.Doc, typ, same, err)
		}
	}
	r := storetest.Row(1, map[string]any{"name": "Acme \"Q\" é", "n": 12, "f": -1.5e300, "tags": []any{"a", nil, true}})
	insert(t, s, e, r)
	stored(r)
	r2 := storetest.Row(1, map[string]any{"name": strings.Repeat("long ", 100), "nested": map[string]any{"a": map[string]any{}}})
	r2.Version = 2
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.Update(ctx, e, r2, 1) }); err != nil {
		t.Fatal(err)
	}
	stored(r2)
	// rows prepared before their write (Store.PrepareRow) are stored the same
	r3 := storetest.Row(3, map[string]any{"name": "Prepared", "n": 1.25})
	if err := s.PrepareRow(r3); err != nil || r3.Stored == nil {
		t.Fatalf("PrepareRow: %v, stored %v", err, r3.Stored)
	}
	insert(t, s, e, r3)
	stored(r3)
	// the write binds the prepared form as it is, not converting Doc again:
	// a row carrying another document's form stores that one
	r5, other := storetest.Row(5, map[string]any{"name": "as given"}), storetest.Row(5, map[string]any{"name": "as prepared"})
	if err := s.PrepareRow(other); err != nil {
		t.Fatal(err)
	}
	r5.Stored = other.Stored
	insert(t, s, e, r5)
	r5.Doc = other.Doc
	stored(r5)
	r3 = storetest.Row(3, map[string]any{"name": "Prepared again", "list": []any{1, "x"}})
	r3.Version = 2
	if err := s.PrepareRow(r3); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.Update(ctx, e, r3, 1) }); err != nil {
		t.Fatal(err)
	}
	stored(r3)
	bad := storetest.Row(4, nil)
	bad.Doc = []byte(`{"id":"x",}`)
	if err := s.PrepareRow(bad); err == nil || !strings.Contains(err.Error(), "not valid JSON") || bad.Stored != nil {
		t.Fatalf("PrepareRow of a doc that is not JSON: %v, stored %v", err, bad.Stored)
	}
	for _, values := range []map[string]any{nil, {}} {
		bad := storetest.Row(2, nil)
		bad.Doc, bad.Values = []byte(`{"id":"x",}`), values
		if err := s.Write(ctx, func(tx store.Tx) error { return tx.Insert(ctx, e, bad) }); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
			t.Fatalf("a doc that is not JSON (values %v): %v", values, err)
		}
	}
}

func BenchmarkJSONBOf(b *testing.B) {
	doc := []byte(`{"id":"5f1e0a9b2c3d4e5f60718293","version":1,"label":"Company 0000123","name":"Company 0000123","state":"active","type":"a","numberOfEmployees":123,"isCustomer":true,"contactInformation":{"email":"info123@example.org","phoneNumber":null},"addresses":[{"addressLine":"123 Main St","city":"Springfield","state":"IL","zipCode":"00123"}],"rating":"12.34","notes":"Note of company 123, with a comma","lastMeeting":"2024-05-12T10:30:00.000Z","lastUpdate":1733500000000,"created":1733500000000}`)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jsonbOf(nil, doc); err != nil {
			b.Fatal(err)
		}
	}
}
