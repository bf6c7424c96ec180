package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"runway/app"
	"runway/query"
	"runway/record"
	"runway/store"
	"runway/store/storetest"
)

// The text index and geo tests that hold for any store are in
// storetest/features.go; here: SQLite's query plans and FTS5 tables.

var (
	whereOf = storetest.WhereOf
	listOf  = storetest.ListOf
)

func openPlaces(t *testing.T) (*Store, *app.App, *app.Entity) {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "places.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	a := storetest.PlacesApp()
	if err := s.Sync(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return s, a, a.Entity("places")
}

// A near filter with a maximum distance scans a latitude band of the g_
// index.
func TestNearPlan(t *testing.T) {
	s, a, e := openPlaces(t)
	q, args, err := compileSelect("e_places", nil, listOf(t, a, e, "location=near(-34.6037,-58.3816,0,2000)"))
	if err != nil {
		t.Fatal(err)
	}
	if p := plan(t, s, q, args); !strings.Contains(p, "g_e_places_location") {
		t.Errorf("near with a maximum distance must use the latitude index:\n%s", p)
	}
}

// A text search reads the FTS table.
func TestTextIndexPlan(t *testing.T) {
	s, a, e := openPlaces(t)
	q, args, err := compileSelect("e_places", s.textIndexes("e_places"), &query.Select{Where: whereOf(t, a, e, "_indexedFilter=byText&_indexedFilterQuery=solar")})
	if err != nil {
		t.Fatal(err)
	}
	if p := plan(t, s, q, args); !strings.Contains(p, "VIRTUAL TABLE INDEX") {
		t.Errorf("text search plan:\n%s", p)
	}
}

// Sync builds a new text index from the stored records, rebuilds one whose
// fields changed and drops one that is gone.
func TestTextIndexSync(t *testing.T) {
	s, a, e := openPlaces(t)
	ctx := context.Background()
	e.Indexes = nil
	if err := s.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	if n := ftsTables(t, s); n != 1 { // the like index stays
		t.Fatalf("%d FTS tables left after removing the indexes", n)
	}
	insert(t, s, e, row(1, map[string]any{"name": "Solar", "tags": []any{"x"}}), row(2, map[string]any{"name": "wind", "tags": []any{"solar"}}))
	e.Indexes = []app.Index{{Name: "search", Type: "text", Fields: []string{"name"}}}
	if err := s.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	search := func() []int {
		return find(t, s, e, listOf(t, a, e, "_indexedFilter=search&_indexedFilterQuery=solar"))
	}
	if got := search(); !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("built from existing records: %v", got)
	}
	st, err := s.sync(ctx, a)
	if err != nil || st != (syncStats{}) {
		t.Errorf("idempotent sync: %+v %v", st, err)
	}
	e.Indexes[0].Fields = []string{"name", "tags"}
	if err := s.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got := search(); !reflect.DeepEqual(got, []int{2, 1}) {
		t.Errorf("rebuilt with tags: %v", got)
	}
	if n := ftsTables(t, s); n != 2 { // and the like index
		t.Errorf("%d FTS tables, want 2", n)
	}
	// an index dropped from the app is dropped, and searching it is an error
	e.Indexes = nil
	if err := s.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	if n := ftsTables(t, s); n != 1 {
		t.Errorf("%d FTS tables after dropping the index", n)
	}
	_, err = s.Find(ctx, e, &query.Select{Where: &query.Text{Index: "search", Terms: []string{"x"}}})
	if err == nil || !strings.Contains(err.Error(), `no text index "search"`) {
		t.Errorf("search on a dropped index: %v", err)
	}
}

func ftsTables(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A like of three characters or more on the label or an indexable text
// field reads the like index (trigram) first; a shorter one cannot, nor one
// on a field that is not indexable.
func TestLikePlan(t *testing.T) {
	s, a, e := openPlaces(t)
	e.Field("name").Indexable = true
	if err := s.Sync(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	label := func(p string) query.Expr {
		return &query.Cond{Target: query.Target{System: query.SysLabel}, Op: query.Like, Values: []any{p}}
	}
	for _, c := range []struct {
		where query.Expr
		want  bool
	}{
		{label("olar"), true}, {label("/^sol.r p/"), true}, {label("so"), false}, {label("/so|la/"), false},
		{whereOf(t, a, e, "name=like(olar)"), true}, {whereOf(t, a, e, "name=like(olar/)"), true},
		{whereOf(t, a, e, "contact.city=like(olar)"), false},
	} {
		q, args, err := compileSelect("e_places", s.textIndexes("e_places"), &query.Select{Where: c.where, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if p := plan(t, s, q, args); strings.Contains(p, "VIRTUAL TABLE INDEX") != c.want {
			t.Errorf("%v: plan:\n%s", c.where, p)
		}
	}
}

// The like index keeps a label that reads as its label field's text once
// (the label column left empty): a like on the label still finds every
// record whose label holds the needle, whether or not the stored label is
// the field's text, and only those; a change of the label field rebuilds
// the index.
func TestLikeLabelOfItsField(t *testing.T) {
	s, a, e := openPlaces(t)
	ctx := context.Background()
	e.LabelPath = []string{"name"}
	e.Field("name").Indexable = true
	e.Field("contact").Nested[1].Indexable = true // contact.city
	if err := s.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	place := func(id int, label, name, city string) *store.Row {
		v := record.Values{"name": name, "contact": record.Values{"city": city}}
		rid := fmt.Sprintf("%024x", id)
		return &store.Row{ID: rid, Version: 1, Label: label, Doc: record.Encode(e, rid, 1, label, v, nil)}
	}
	insert(t, s, e,
		place(1, "Solar Farm", "Solar Farm", "Windhoek"), // the label is its name
		place(2, "Wind Park", "Hydro Dam", "Solarville"), // a label of its own
		place(3, "", "Tidal Solar", ""),
	)
	label := func(p string) query.Expr {
		return &query.Cond{Target: query.Target{System: query.SysLabel}, Op: query.Like, Values: []any{p}}
	}
	check := func(what string, where query.Expr, want ...int) {
		t.Helper()
		rows, err := s.Find(ctx, e, &query.Select{Where: where, Sort: query.Sort{Target: query.Target{System: query.SysID}}})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var got []int
		for _, r := range rows {
			var id int
			fmt.Sscanf(r.ID, "%x", &id)
			got = append(got, id)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: records %v, want %v", what, got, want)
		}
	}
	check("label like solar", label("solar"), 1)
	check("label like farm/", label("farm/"), 1)
	check("label like wind", label("wind"), 2)
	check("label like hydro", label("hydro")) // the name's text, not the label's
	check("name like solar", whereOf(t, a, e, "name=like(solar)"), 1, 3)
	check("name like wind", whereOf(t, a, e, "name=like(wind)"))
	check("city like solar", whereOf(t, a, e, "contact.city=like(solar)"), 2)

	// Another label field: the index is built again from the records.
	e.LabelPath = []string{"contact", "city"}
	if err := s.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	check("label like solar, city the label field", label("solar"), 1)
	check("label like wind, city the label field", label("wind"), 2)
	likeIndexIntact(t, s, "e_places")

	// One more like column (contact.email): the index is built again.
	e.Field("contact").Nested[0].Indexable = true
	if err := s.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	check("city like solar, one more column", whereOf(t, a, e, "contact.city=like(solar)"), 2)
	check("name like solar, one more column", whereOf(t, a, e, "name=like(solar)"), 1, 3)
	likeIndexIntact(t, s, "e_places")
}

// The like index holds a record's current text only: a record deleted and
// created again with the same id in one write, a record changed after it
// was stored, and one created and changed in the same write leave no
// trigrams of their old text (a flush looks up the row id of every record
// whose first write it saw was not its creation).
func TestLikeIndexDropsOldText(t *testing.T) {
	s, e, table := openCompanies(t)
	ctx := context.Background()
	fts := s.textIndexes(table)[likeIndexName].fts
	matches := func(text string) int {
		t.Helper()
		var n int
		if err := s.rdb.QueryRow(`SELECT count(*) FROM "`+fts+`" WHERE "`+fts+`" MATCH ?`, `"`+text+`"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	labelled := func(i int, label string, version int64) *store.Row {
		r := storetest.Row(i, nil)
		r.Label, r.Version = label, version
		return r
	}
	write := func(fn func(tx store.Tx) error) {
		t.Helper()
		if err := s.Write(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	insert(t, s, e, labelled(1, "Alphaville", 1))
	write(func(tx store.Tx) error {
		if err := tx.Delete(ctx, e, storetest.ID(1)); err != nil {
			return err
		}
		return tx.Insert(ctx, e, labelled(1, "Betatown", 1))
	})
	if a, b := matches("alphaville"), matches("betatown"); a != 0 || b != 1 {
		t.Errorf("deleted and created again: old text in %d rows, new in %d", a, b)
	}
	write(func(tx store.Tx) error { return tx.Update(ctx, e, labelled(1, "Gammaburg", 2), 1) })
	if a, b := matches("betatown"), matches("gammaburg"); a != 0 || b != 1 {
		t.Errorf("changed: old text in %d rows, new in %d", a, b)
	}
	write(func(tx store.Tx) error {
		if err := tx.Insert(ctx, e, labelled(2, "Deltaport", 1)); err != nil {
			return err
		}
		return tx.Update(ctx, e, labelled(2, "Epsilonia", 2), 1)
	})
	if a, b := matches("deltaport"), matches("epsilonia"); a != 0 || b != 1 {
		t.Errorf("created and changed in one write: old text in %d rows, new in %d", a, b)
	}
	write(func(tx store.Tx) error { return tx.Delete(ctx, e, storetest.ID(2)) })
	if n := matches("epsilonia"); n != 0 {
		t.Errorf("deleted: its text in %d rows", n)
	}
	likeIndexIntact(t, s, table)
}

// openCompanies opens a test store and returns its companies entity and
// that entity's table.
func openCompanies(t *testing.T) (*Store, *app.Entity, string) {
	t.Helper()
	s, a := openTest(t)
	e := a.Entity("companies")
	table, err := dialect.TableName(e)
	if err != nil {
		t.Fatal(err)
	}
	return s, e, table
}

// likeIndexIntact fails t unless FTS5's integrity check of the like index
// of table passes: its segments, and the per-row records contentless
// deletes keep, agree with each other.
func likeIndexIntact(t *testing.T, s *Store, table string) {
	t.Helper()
	fts := s.textIndexes(table)[likeIndexName].fts
	if _, err := s.wdb.Exec(`INSERT INTO "` + fts + `" ("` + fts + `", rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Errorf("like index of %s fails its integrity check: %v", table, err)
	}
}

// A record created with an id the map table holds already (a record
// deleted without the text indexes knowing) keeps that one row id and is
// found by its new text.
func TestLikeIndexIDMappedBefore(t *testing.T) {
	s, e, table := openCompanies(t)
	ctx := context.Background()
	insert(t, s, e, storetest.Row(1, nil))
	if _, err := s.wdb.Exec(`DELETE FROM "`+table+`" WHERE id = ?`, storetest.ID(1)); err != nil {
		t.Fatal(err)
	}
	r := storetest.Row(1, nil)
	r.Label = "Zanzibar Trading"
	insert(t, s, e, r)
	rows, err := s.Find(ctx, e, &query.Select{Where: &query.Cond{Target: query.Target{System: query.SysLabel}, Op: query.Like, Values: []any{"zanzibar"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].ID != storetest.ID(1) {
		t.Errorf("label like zanzibar: %d records", len(rows))
	}
	var n int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM "`+mapTable(table)+`" WHERE id = ?`, storetest.ID(1)).Scan(&n); err != nil || n != 1 {
		t.Errorf("map rows of the id: %d (%v)", n, err)
	}
	likeIndexIntact(t, s, table)
}

// FuzzLikeIndexFindsNeedle: a record whose indexed text contains a pattern
// is found by a like of it, whatever its characters (case, accents,
// quotes, repeats): the like index's trigrams of the needle are a
// superset filter.
func FuzzLikeIndexFindsNeedle(f *testing.F) {
	for _, s := range []string{"olar", "ÄÖÜ", `a"b"c`, "aaaa", "Straße", "ǅemal", "x y", "日本語の"} {
		f.Add(s)
	}
	s, err := Open(context.Background(), filepath.Join(f.TempDir(), "places.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	a := storetest.PlacesApp()
	e := a.Entity("places")
	e.Field("name").Indexable = true
	ctx := context.Background()
	if err := s.Sync(ctx, a); err != nil {
		f.Fatal(err)
	}
	n := 0
	f.Fuzz(func(t *testing.T, needle string) {
		if !utf8.ValidString(needle) || strings.ContainsRune(needle, 0) || strings.HasPrefix(needle, "/") || strings.HasSuffix(needle, "/") {
			return
		}
		n++
		id := fmt.Sprintf("%024x", n)
		name := "<" + needle + ">"
		insert(t, s, e, &store.Row{ID: id, Version: 1, Label: name, Doc: record.Encode(e, id, 1, name, record.Values{"name": name}, nil)})
		where := &query.Cond{Target: query.Target{Field: e.Field("name"), Path: []query.Step{{Name: "name"}}}, Op: query.Like, Values: []any{needle}}
		rows, err := s.Find(ctx, e, &query.Select{Where: where})
		if err != nil {
			t.Fatalf("like(%q): %v", needle, err)
		}
		for _, r := range rows {
			if r.ID == id {
				return
			}
		}
		t.Fatalf("like(%q) does not find %q", needle, name)
	})
}
