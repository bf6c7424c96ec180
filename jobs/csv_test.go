package jobs

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"runway/app"
	"runway/record"
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
	counts := map[string]int{}
	v := map[string]any{"addresses": []any{map[string]any{"city": "A"}, map[string]any{"city": "B"}}}
	measure(specs, v, "", counts)
	cols := layout(specs, counts, true)
	var hs []string
	for _, c := range cols {
		hs = append(hs, c.header)
	}
	h := strings.Join(hs, ",")
	if !strings.Contains(h, "addresses[1].city,addresses[1].state,homepage") || strings.Contains(h, "addresses[2]") {
		t.Errorf("header %s", h)
	}
	for i := range cols {
		if cols[i].header == "addresses[1].city" {
			if got := cell(&cols[i], v); got != "B" {
				t.Errorf("cell %q", got)
			}
		}
	}
	// One walk gives the same cells and counts as measure, layout and cell.
	v["name"], v["contactInformation"] = "Acme", map[string]any{"email": "a@b.c"}
	emitted, counts2 := map[string]string{}, map[string]int{}
	emitCells(specs, v, "", nil, counts2, func(k []byte, text string) { emitted[string(k)] = text })
	if !reflect.DeepEqual(counts, counts2) {
		t.Errorf("counts %v, measure %v", counts2, counts)
	}
	n := 0
	for i := range cols {
		want := cell(&cols[i], v)
		if emitted[cols[i].key] != want {
			t.Errorf("column %s (%s): emitted %q, cell %q", cols[i].header, cols[i].key, emitted[cols[i].key], want)
		}
		if want != "" {
			n++
		}
	}
	if n != len(emitted) || n < 4 {
		t.Errorf("%d cells emitted, %d columns with a value: %v", len(emitted), n, emitted)
	}
	if _, err := parseExportFields(a, e, "name,nope", func(*app.Entity) record.FieldSet { return nil }); err == nil {
		t.Error("unknown field accepted")
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
