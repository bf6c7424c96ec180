package storetest

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"runway/app"
	"runway/query"
	"runway/store"
	"runway/types"
)

// PlacesApp: an entity with every shape the new features reach.
func PlacesApp() *app.App {
	places := &app.Entity{
		Name: "places", FullName: "places", Type: "data",
		Fields: []*app.Field{
			Fld("name", types.Text),
			Fld("location", types.GeoPoint),
			Fld("spots", types.GeoPoint, Many),
			Fld("tags", types.Text, Many),
			Fld("owner", types.Relationship),
			Fld("budget", types.Integer),
			Fld("contact", types.Nested, Nested(
				Fld("email", types.Email),
				Fld("city", types.Text),
			)),
			Fld("addresses", types.Nested, Many, Nested(
				Fld("street", types.Text),
				Fld("zip", types.Text),
				Fld("email", types.Email),
				Fld("codes", types.Text, Many),
				Fld("agent", types.Relationship),
				Fld("where", types.GeoPoint),
			)),
		},
		Indexes: []app.Index{
			{Name: "byText", Type: "text", Fields: []string{"name", "tags", "owner", "addresses.street"}},
			{Name: "byName", Type: "text", Fields: []string{"name"}},
		},
	}
	return &app.App{Name: "places", Entities: map[string]*app.Entity{"places": places}, EntityNames: []string{"places"}}
}

func openPlaces(t *testing.T, open Opener) (store.Store, *app.App, *app.Entity) {
	t.Helper()
	a := PlacesApp()
	return openSynced(t, open, a), a, a.Entity("places")
}

func geo(lat, lng float64) map[string]any { return map[string]any{"latitude": lat, "longitude": lng} }

// WhereOf parses the where part of a list query string on e.
func WhereOf(t *testing.T, a *app.App, e *app.Entity, qs string) query.Expr {
	t.Helper()
	v, err := url.ParseQuery(qs)
	if err != nil {
		t.Fatal(err)
	}
	x, err := query.ParseWhere(a, e, v)
	if err != nil {
		t.Fatalf("%s: %v", qs, err)
	}
	return x
}

// ListOf parses a list query string on e.
func ListOf(t *testing.T, a *app.App, e *app.Entity, qs string) *query.Select {
	t.Helper()
	v, err := url.ParseQuery(qs)
	if err != nil {
		t.Fatal(err)
	}
	l, err := query.ParseList(a, e, v)
	if err != nil {
		t.Fatalf("%s: %v", qs, err)
	}
	return &l.Select
}

func Near(t *testing.T, open Opener) {
	s, a, e := openPlaces(t, open)
	ctx := context.Background()
	// reference point: the Obelisk of Buenos Aires
	const lat, lng = -34.6037, -58.3816
	Insert(t, s, e,
		Row(1, map[string]any{"name": "obelisk", "location": geo(lat, lng)}),                               // 0 m
		Row(2, map[string]any{"name": "plaza", "location": geo(-34.6083, -58.3712)}),                       // ≈ 1.07 km
		Row(3, map[string]any{"name": "palermo", "location": geo(-34.5711, -58.4233)}),                     // ≈ 5.2 km
		Row(4, map[string]any{"name": "montevideo", "location": geo(-34.9011, -56.1645)}),                  // ≈ 206 km
		Row(5, map[string]any{"name": "nowhere"}),                                                          // no location
		Row(6, map[string]any{"name": "plaza twin", "location": geo(-34.6083, -58.3712)}),                  // same as 2
		Row(7, map[string]any{"name": "bad", "location": map[string]any{"latitude": "x", "longitude": 1}}), // not numbers
		Row(8, map[string]any{"name": "spots", "spots": []any{geo(-34.9011, -56.1645), geo(-34.6037, -58.3826)}}),
		Row(9, map[string]any{"name": "nested", "addresses": []any{map[string]any{"where": geo(-34.5711, -58.4233)}}}),
	)
	page := func(qs string) []int {
		t.Helper()
		return Find(t, s, e, ListOf(t, a, e, qs))
	}
	// nearest first; equal distances by id desc; no location = no match
	if got := page("location=near(-34.6037,-58.3816)"); !reflect.DeepEqual(got, []int{1, 6, 2, 3, 4}) {
		t.Errorf("near, no bounds: %v", got)
	}
	// bounds are inclusive metres
	d2 := query.Distance(lat, lng, -34.6083, -58.3712)
	if got := page("location=near(-34.6037,-58.3816,0,2000)"); !reflect.DeepEqual(got, []int{1, 6, 2}) {
		t.Errorf("max 2 km: %v", got)
	}
	if got := page("location=near(-34.6037,-58.3816,500,10000)"); !reflect.DeepEqual(got, []int{6, 2, 3}) {
		t.Errorf("500 m to 10 km: %v", got)
	}
	exact := "location=near(-34.6037,-58.3816," + ftoa(d2) + "," + ftoa(d2) + ")"
	if got := page(exact); !reflect.DeepEqual(got, []int{6, 2}) {
		t.Errorf("exact bounds %v: %v", d2, got)
	}
	if got := page("location=near(-34.6037,-58.3816,300000)"); len(got) != 0 {
		t.Errorf("min beyond everything: %v", got)
	}
	// an explicit sort wins; paging by number works on distance order
	if got := page("location=near(-34.6037,-58.3816)&_sortField=name&_sortType=asc"); !reflect.DeepEqual(got, []int{4, 1, 3, 2, 6}) {
		t.Errorf("sorted by name: %v", got)
	}
	if got := page("location=near(-34.6037,-58.3816)&_size=2&_offset=2"); !reflect.DeepEqual(got, []int{2, 3}) {
		t.Errorf("page 2 of 2: %v", got)
	}
	if n, err := s.Count(ctx, e, WhereOf(t, a, e, "location=near(-34.6037,-58.3816,0,2000)")); err != nil || n != 3 {
		t.Errorf("count: %d %v", n, err)
	}
	// a near inside an or: records without a location come last
	if got := page("_query=" + url.QueryEscape("or(filter('location','near(-34.6037,-58.3816,0,2000)'),filter('name','nowhere'))")); !reflect.DeepEqual(got, []int{1, 6, 2, 5}) {
		t.Errorf("near in or: %v", got)
	}
	// many-valued geo points: any within bounds, ordered by the nearest one
	if got := page("spots=near(-34.6037,-58.3816,0,1000)"); !reflect.DeepEqual(got, []int{8}) {
		t.Errorf("many spots: %v", got)
	}
	if got := page("spots=near(-34.6037,-58.3816,1000,100000)"); len(got) != 0 {
		t.Errorf("many spots far band: %v", got)
	}
	if got := page("addresses.where=near(-34.6037,-58.3816,5000,6000)"); !reflect.DeepEqual(got, []int{9}) {
		t.Errorf("geo inside a many group: %v", got)
	}
	sel := &query.Select{Sort: query.ByID, Near: query.NearOf(WhereOf(t, a, e, "spots=near(-34.6037,-58.3816)"))}
	if got := Find(t, s, e, sel); got[0] != 8 || len(got) != 9 {
		t.Errorf("order by the nearest spot, everything else after: %v", got)
	}
	// an id offset is refused by the store too
	_, err := s.Find(ctx, e, &query.Select{Where: sel.Near, Near: sel.Near, After: ID(3)})
	if err == nil || !strings.Contains(err.Error(), "near") {
		t.Errorf("after with near order: %v", err)
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func TextIndex(t *testing.T, open Opener) {
	s, a, e := openPlaces(t, open)
	ctx := context.Background()
	Insert(t, s, e,
		Row(1, map[string]any{"name": "Solar Panel Kit", "tags": []any{"energy"}}),
		Row(2, map[string]any{"name": "panel, solar", "owner": map[string]any{"id": ID(50), "label": "Ann Müller"}}),
		Row(3, map[string]any{"name": "ÄBC Solaranlage", "addresses": []any{map[string]any{"street": "Main 1"}, map[string]any{"street": "Elm 2"}}}),
		Row(4, map[string]any{"name": "wind", "tags": []any{"Solar", "Panel"}}),
		Row(5, map[string]any{"budget": 5}),
		Row(6, map[string]any{"name": `say "hi" now`}),
	)
	search := func(index, q string) []int {
		t.Helper()
		return Find(t, s, e, ListOf(t, a, e, "_indexedFilter="+index+"&_indexedFilterQuery="+url.QueryEscape(q)))
	}
	for q, want := range map[string][]int{
		"solar":            {4, 3, 2, 1}, // contains, case-insensitive, any field
		"SOLAR panel":      {4, 2, 1},    // words AND-ed, each in any field
		`"solar panel"`:    {1},          // a phrase matched whole
		`"panel solar"`:    nil,          //  … in its order
		`"panel, solar"`:   {2},
		"äbc":              {3}, // Unicode case folding
		"müller":           {2}, // relationship label
		"ANN panel":        {2},
		"main":             {3}, // inside a many-valued group
		`"Main 1" elm`:     {3},
		"so":               {4, 3, 2, 1}, // short terms work too (no trigram)
		"ä":                {3},
		"energy kit":       {1},
		"zzz":              nil,
		`"hi"`:             {6},
		`"say \"hi\" now"`: {6}, // escaped quotes inside a phrase
		"5":                nil, // numbers are not text
		"solar zz":         nil,
	} {
		got := search("byText", q)
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("search %q: got %v, want %v", q, got, want)
		}
	}
	if got := search("byName", "panel"); !reflect.DeepEqual(got, []int{2, 1}) {
		t.Errorf("byName covers the name only: %v", got)
	}
	// AND-ed with filters and counted alike
	x := WhereOf(t, a, e, "_indexedFilter=byText&_indexedFilterQuery=solar&tags=notEmpty()")
	if n, err := s.Count(ctx, e, x); err != nil || n != 2 {
		t.Errorf("count: %d %v", n, err)
	}
	// the index follows updates and deletes in the same transaction
	err := s.Write(ctx, func(tx store.Tx) error {
		r := Row(4, map[string]any{"name": "wind turbine"})
		r.Version = 2
		if err := tx.Update(ctx, e, r, 1); err != nil {
			return err
		}
		return tx.Delete(ctx, e, ID(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := search("byText", "solar"); !reflect.DeepEqual(got, []int{3, 2}) {
		t.Errorf("after update and delete: %v", got)
	}
	if got := search("byText", "turbine"); !reflect.DeepEqual(got, []int{4}) {
		t.Errorf("updated text: %v", got)
	}
	// a failed write leaves no trace in the index
	boom := errors.New("boom")
	err = s.Write(ctx, func(tx store.Tx) error {
		if err := tx.Insert(ctx, e, Row(7, map[string]any{"name": "ghost solar"})); err != nil {
			return err
		}
		r := Row(2, map[string]any{"name": "renamed"})
		r.Version = 2
		if err := tx.Update(ctx, e, r, 1); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got := search("byText", "solar"); !reflect.DeepEqual(got, []int{3, 2}) {
		t.Errorf("after a rolled back write: %v", got)
	}
	// re-inserting a deleted id reuses its place
	Insert(t, s, e, Row(1, map[string]any{"name": "solar again"}))
	if got := search("byText", `"solar again"`); !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("re-inserted: %v", got)
	}
}

// Text indexes follow the writes of one transaction as a batch, and a text
// search inside the write already sees them.
func TextIndexInOneWrite(t *testing.T, open Opener) {
	s, a, e := openPlaces(t, open)
	ctx := context.Background()
	x := WhereOf(t, a, e, "_indexedFilter=byText&_indexedFilterQuery=solar")
	err := s.Write(ctx, func(tx store.Tx) error {
		for i := 1; i <= 300; i++ {
			name := "wind"
			if i%3 == 0 {
				name = "solar"
			}
			if err := tx.Insert(ctx, e, Row(i, map[string]any{"name": name})); err != nil {
				return err
			}
		}
		if n, err := tx.Count(ctx, e, x); err != nil || n != 100 {
			t.Errorf("search inside the write: %d %v", n, err)
		}
		// the same record inserted, updated, deleted, inserted again
		if err := tx.Insert(ctx, e, Row(1000, map[string]any{"name": "solar a"})); err != nil {
			return err
		}
		r := Row(1000, map[string]any{"name": "wind b"})
		r.Version = 2
		if err := tx.Update(ctx, e, r, 1); err != nil {
			return err
		}
		if err := tx.Delete(ctx, e, ID(3)); err != nil {
			return err
		}
		if err := tx.Delete(ctx, e, ID(1000)); err != nil {
			return err
		}
		if err := tx.Insert(ctx, e, Row(1000, map[string]any{"name": "solar c"})); err != nil {
			return err
		}
		return tx.Delete(ctx, e, ID(6))
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Count(ctx, e, x); err != nil || n != 99 {
		t.Errorf("after the write: %d %v (want 100 - 2 deleted + 1)", n, err)
	}
	if got := Find(t, s, e, ListOf(t, a, e, "_indexedFilter=byText&_indexedFilterQuery="+url.QueryEscape(`"solar c"`))); !reflect.DeepEqual(got, []int{1000}) {
		t.Errorf("re-inserted in the same write: %v", got)
	}
	// concurrent writes group-committed: one failing write undoes only its
	// own text
	done := make(chan error, 20)
	for i := 0; i < 20; i++ {
		go func(i int) {
			done <- s.Write(ctx, func(tx store.Tx) error {
				if err := tx.Insert(ctx, e, Row(2000+i, map[string]any{"name": "solar grouped"})); err != nil {
					return err
				}
				if i%2 == 1 {
					return errors.New("odd")
				}
				return nil
			})
		}(i)
	}
	for i := 0; i < 20; i++ {
		<-done
	}
	if got := Find(t, s, e, ListOf(t, a, e, "_indexedFilter=byText&_indexedFilterQuery=grouped&_size=100")); len(got) != 10 {
		t.Errorf("group commit: %v", got)
	}
	for _, n := range Find(t, s, e, ListOf(t, a, e, "_indexedFilter=byText&_indexedFilterQuery=grouped&_size=100")) {
		if n%2 == 1 {
			t.Errorf("a failed write's text is searchable: %d", n)
		}
	}
}

func NestedObjectEquality(t *testing.T, open Opener) {
	s, a, e := openPlaces(t, open)
	Insert(t, s, e,
		Row(1, map[string]any{"contact": map[string]any{"email": "Ann@X.com", "city": "Paris"},
			"addresses": []any{
				map[string]any{"street": "Main 1", "zip": "1111", "codes": []any{"a", "b"}, "agent": map[string]any{"id": ID(50), "label": "Bob"}},
				map[string]any{"street": "Elm 2", "zip": "1234", "email": "X@Y.org"},
			}}),
		Row(2, map[string]any{"contact": map[string]any{"city": "Berlin"},
			"addresses": []any{map[string]any{"street": "Main 1", "zip": "1234"}}}),
		Row(3, map[string]any{"addresses": []any{}}),
	)
	for obj, want := range map[string][]int{
		// many group: ONE item must hold every key
		`addresses={"street":"Main 1","zip":"1234"}`: {2},
		`addresses={"street":"Main 1"}`:              {2, 1},
		`addresses={"street":"Elm 2","zip":"1111"}`:  nil,
		`addresses={"zip":"1234"}`:                   {2, 1},
		`addresses={"email":"x@y.ORG"}`:              {1}, // inner email: case-insensitive
		`addresses={"codes":"b","street":"Main 1"}`:  {1}, // inner many: any element
		`addresses={"agent":"Bob"}`:                  {1}, // inner relationship: by label
		`addresses={"street":"Main 1","email":null}`: {2, 1},
		`addresses={"zip":"1234","email":null}`:      {2},
		// one group
		`contact={"city":"Paris"}`:                     {1},
		`contact={"email":"ann@x.COM","city":"Paris"}`: {1},
		`contact={"email":null}`:                       {3, 2}, // missing email (or no contact at all)
		`contact={"city":"Paris","email":null}`:        nil,
	} {
		kv := strings.SplitN(obj, "=", 2)
		got := Find(t, s, e, ListOf(t, a, e, kv[0]+"="+url.QueryEscape(kv[1])))
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", obj, got, want)
		}
	}
}
