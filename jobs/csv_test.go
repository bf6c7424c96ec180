package jobs

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"runway/app"
	"runway/record"
	"runway/types"
)

func demoApp(t testing.TB) *app.App {
	t.Helper()
	a, _, err := app.Load(app.Demo())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSniffCSV(t *testing.T) {
	for _, c := range []struct {
		in   string
		skip int64
		sep  rune
	}{
		{"a,b,c\n1;2;3\n", 0, ','},
		{"\uFEFFa;b;c\n1,2,3\n", 3, ';'},
		{`"a;b",c` + "\n", 0, ','},
		{`"a,b";c;d`, 0, ';'},
		{"", 0, ','},
	} {
		skip, sep, err := sniffCSV(strings.NewReader(c.in))
		if err != nil || skip != c.skip || sep != c.sep {
			t.Errorf("%q: %d %q %v, want %d %q", c.in, skip, sep, err, c.skip, c.sep)
		}
	}
}

func TestImportLayoutAndInput(t *testing.T) {
	a := demoApp(t)
	e := a.Entity("contacts")
	l, err := layoutImport(a, e, []string{"First name", "phoneNumbers[1]", "phoneNumbers[0]", "company.name",
		"Company.Number of employees", "notes[0].note", "nope", "company", "birthDate"})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.rels) != 1 || l.rels[0].key == nil || l.rels[0].key.leaf().Name != "name" || len(l.rels[0].cols) != 2 {
		t.Fatalf("related columns %+v", l.rels)
	}
	if strings.Join(l.ignored, ",") != "nope" {
		t.Errorf("ignored %v", l.ignored)
	}
	row := []string{"Ann", "b", "a", "Acme", "3", "", "x", "Acme", "2024-01-02"}
	in := input(row, l.cols)
	got, _ := json.Marshal(in)
	if want := `{"birthDate":"2024-01-02","company":"Acme","firstName":"Ann","phoneNumbers":["a","b"]}`; string(got) != want {
		t.Errorf("input %s, want %s", got, want)
	}
	// holes in indexes close up; short rows read as empty
	in = input([]string{"Bo", "b"}, l.cols)
	if got, _ := json.Marshal(in); string(got) != `{"firstName":"Bo","phoneNumbers":["b"]}` {
		t.Errorf("short row %s", got)
	}
	if _, err := layoutImport(a, e, []string{"nope"}); err == nil {
		t.Error("a header without any field accepted")
	}
	if _, err := layoutImport(a, e, []string{"skills.name"}); err == nil {
		t.Error("fields of a multi-valued relationship accepted")
	}
	c, err := layoutImport(a, a.Entity("companies"), []string{"numberOfEmployees", "Name"})
	if err != nil || c.key == nil || c.key.leaf().Name != "name" {
		t.Errorf("unique column %+v %v", c, err)
	}
}

func TestExportLayout(t *testing.T) {
	a := demoApp(t)
	e := a.Entity("companies")
	specs := specsOf(e.Fields, nil)
	c := newCellReader(specs)
	doc := `{"id":"x1","version":2,"label":"Acme","name":"Acme \"A\" \u003c","isCustomer":true,"numberOfEmployees":12,
		"lastMeeting":1715337000000,"contactInformation":{"email":"a@b.c"},"notes":null,
		"addresses":[{"city":"A"},{"city":"B","zipCode":null}],"unknown":[1,2]}`
	if err := c.read([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	cols := layout(specs, c.counts, true)
	var hs []string
	for _, c := range cols {
		hs = append(hs, c.header)
	}
	h := strings.Join(hs, ",")
	if !strings.Contains(h, "addresses[1].city,addresses[1].state,homepage") || strings.Contains(h, "addresses[2]") {
		t.Errorf("header %s", h)
	}
	row := make([]string, len(cols))
	fill(row, c.columnIndex(nil, columnsAt(cols)), c.n, c.buf)
	got := map[string]string{}
	for i, col := range cols {
		if row[i] != "" {
			got[col.header] = row[i]
		}
	}
	want := map[string]string{"name": `Acme "A" <`, "isCustomer": "true", "numberOfEmployees": "12",
		"lastMeeting": "2024-05-10T10:30:00.000Z", "contactInformation.email": "a@b.c",
		"addresses[0].city": "A", "addresses[1].city": "B"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cells %v\nwant  %v", got, want)
	}
	// a second record with fewer values leaves the others' columns empty
	if err := c.read([]byte(`{"addresses":[{"state":"IL"}]}`)); err != nil {
		t.Fatal(err)
	}
	fill(row, c.columnIndex(nil, columnsAt(cols)), c.n, c.buf)
	if n := slices.IndexFunc(row, func(s string) bool { return s != "" }); n < 0 || cols[n].header != "addresses[0].state" || row[n] != "IL" || strings.Join(row, "") != "IL" {
		t.Errorf("second record's row %q", row)
	}
	if c.counts["addresses[]"] != 2 {
		t.Errorf("counts %v", c.counts)
	}
	if err := c.read([]byte(`{"name":"x"`)); err == nil {
		t.Error("a document cut short read")
	}
	if _, err := parseExportFields(a, e, "name,nope", func(*app.Entity) record.FieldSet { return nil }); err == nil {
		t.Error("unknown field accepted")
	}
}

// Each type's cell text (D7), from the value's JSON as stored.
func TestCellText(t *testing.T) {
	c := newCellReader(nil)
	for _, tc := range []struct{ typ, val, want string }{
		{types.Text, `"plain"`, "plain"},
		{types.Text, `"tab\tand \u00e9"`, "tab\tand é"},
		{types.Text, `null`, ""},
		{types.Boolean, `false`, "false"},
		{types.Integer, `-12`, "-12"},
		{types.Decimal, `1.50`, "1.50"},
		{types.DateTime, `0`, "1970-01-01T00:00:00.000Z"},
		{types.DateTime, `1.5`, "1.5"},
		{types.Relationship, `{"id":"r1","label":"Acme"}`, "Acme"},
		{types.Relationship, `{"id":"r1"}`, "r1"},
		{types.Group, `{"label":"Admins","id":"g1"}`, "Admins"},
		{types.File, `{"id":"f1","name":"a.txt"}`, "f1"},
		{types.Text, `{"b":1,"a":[1, "<"]}`, `{"a":[1,"\u003c"],"b":1}`},
		{types.Text, `[1, 2]`, "[1,2]"},
	} {
		got, err := c.cellText(&app.Field{Name: "f", Type: tc.typ}, []byte(tc.val))
		if err != nil || string(got) != tc.want {
			t.Errorf("%s %s: %q (%v), want %q", tc.typ, tc.val, got, err, tc.want)
		}
	}
}

// FuzzImportRows reads any file as an import does: sniffing, header
// layout, rows and their inputs never panic, and offsets only grow.
func FuzzImportRows(f *testing.F) {
	a := demoApp(f)
	e := a.Entity("contacts")
	f.Add([]byte("firstName,phoneNumbers[0],company.name\nAnn,1,Acme\n"))
	f.Add([]byte("\uFEFFFirst name;notes[3].note\n\"a\nb\";x\n"))
	f.Add([]byte("a[99999999999].b,company.\n\"unclosed\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		skip, sep, err := sniffCSV(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if int(skip) > len(b) {
			t.Fatalf("skip %d", skip)
		}
		file := newCSVFile(bytes.NewReader(b[skip:]), skip, sep)
		header, last, err := file.next()
		if err != nil {
			return
		}
		l, err := layoutImport(a, e, header)
		if err != nil {
			return
		}
		for i := 0; i < 100; i++ {
			row, end, err := file.next()
			if errors.Is(err, io.EOF) {
				return
			}
			if end < last || end > int64(len(b)) {
				t.Fatalf("offset %d after %d (len %d)", end, last, len(b))
			}
			last = end
			if err != nil {
				continue
			}
			input(row, l.cols)
			for _, g := range l.rels {
				input(row, g.cols)
				relKey(g, row)
			}
		}
	})
}

// appendDateTime writes what the layout dateTimeCSV writes.
func TestAppendDateTime(t *testing.T) {
	for _, ms := range []int64{0, 1, -1, 1715337000123, 253402300799999, 253402300800000, -62135596800000, -62135596800001, 951782400000} {
		want := time.UnixMilli(ms).UTC().Format(dateTimeCSV)
		if got := string(appendDateTime([]byte("x"), ms)); got != "x"+want {
			t.Errorf("%d: %s, want %s", ms, got, want)
		}
	}
}
