package sqlite

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
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
