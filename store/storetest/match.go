package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"runway/app"
	"runway/query"
	"runway/record"
	"runway/store"
	"runway/types"
)

// kitchenStore opens a store synced with the kitchen test app, whose things
// entity also gets a text index ("byText") and a copied field on owner.
func kitchenStore(t testing.TB, open Opener) (store.Store, *app.App, *app.Entity) {
	t.Helper()
	a, _, err := app.LoadDir(filepath.Join(repoDir(), "app", "testdata", "kitchen"))
	if err != nil {
		t.Fatalf("load kitchen: %v", err)
	}
	e := a.Entity("things")
	e.Indexes = append(e.Indexes, app.Index{Name: "byText", Type: "text",
		Fields: []string{"text", "longText", "items.name", "owner", "tags", "address"}})
	e.Field("owner").Rules.CopiedFields = []string{"email"}
	// indexable text fields: like on them goes through the stores' trigram
	// prefilters (the label always does)
	for _, f := range []string{"text", "longText", "email", "url", "choice", "qr"} {
		e.Field(f).Indexable = true
	}
	return openSynced(t, open, a), a, e
}

// diffRecord is a generated record: native values as the data service
// holds them.
type diffRecord struct {
	id, label string
	values    record.Values
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// genThings makes n records of things with values drawn from small pools
// (so filters hit), each field missing now and then.
func genThings(a *app.App, n int) []diffRecord {
	r := rand.New(rand.NewPCG(7, 11))
	groupID := a.Groups["everyone"].ID
	person := func(k int) map[string]any {
		names := []string{"Alice", "Bob", "carol", "Dave Müller"}
		return map[string]any{"id": fmt.Sprintf("%024x", 100+k), "label": names[k], "email": strings.ToLower(names[k][:3]) + "@x.com"}
	}
	geo := []map[string]any{
		{"latitude": -34.6, "longitude": -58.4},
		{"latitude": -34.61, "longitude": -58.38},
		{"latitude": -34.7, "longitude": -58.5},
		{"latitude": 40.7, "longitude": int64(-74)},
		{"latitude": 10.5, "longitude": 12.0},
		{"latitude": 95.0, "longitude": 120.0}, // out of range: stored data the writer would refuse
	}
	pools := map[string][]any{
		"text":               {"Acme Corp", "acme corp", "Beta, LLC", "Delta Müller", "solar panel kit", "Solar", "100%_off", "x'); DROP TABLE t; --", "ÄBC", "panel solar"},
		"longText":           {"Solar Panel array", "lorem ipsum dolor", "the panel, solar", "MÜLLER und Söhne"},
		"html":               {"<b>Bold</b> text", "<p>solar</p>", "plain"},
		"email":              {"Info@Acme.com", "info@acme.com", "b@x.org", "D@D.DE"},
		"url":                {"http://a.com/x", "https://b.org"},
		"phone":              {"1-702-845-9380", "(702) 555", "+1 702 845 9380", "555"},
		"maskedText":         {"123-abc", "456-ZZZ", "123-ABC"},
		"qr":                 {"QR1", "qr2"},
		"integer":            {int64(0), int64(5), int64(100), int64(-3), int64(200)},
		"decimal":            {1.5, 2.25, 100.0, -0.5, 3.0},
		"money":              {80000.0, 10.5, 0.0},
		"percentage":         {0.5, 0.7, 1.0},
		"bigNumber":          {"10.5", "9.99", "100", "-1.25", "12345678901234567890.5"},
		"autoIncrement":      {int64(1), int64(2), int64(3)},
		"choice":             {"a", "b", "c"},
		"dynamicChoice":      {map[string]any{"options": []any{map[string]any{"name": "AZ", "label": "Arizona"}}, "selectedValue": "AZ"}, map[string]any{"options": []any{map[string]any{"name": "NY", "label": "NY"}}, "selectedValue": "NY"}},
		"date":               {"2016-07-12", "2020-01-01", "1999-12-31"},
		"dateTime":           {int64(1484578380000), int64(1700000000000)},
		"dateTimeNoTimezone": {"2016-11-05 19:00", "2020-01-01 00:00"},
		"time":               {"08:00", "23:59", "12:30"},
		"duration":           {int64(10800000), int64(144000000)},
		"dateMonthDay":       {"04-16", "12-31"},
		"dateYearMonth":      {"2016-07", "2020-01"},
		"dateRecordCreated":  {int64(1484578380000), int64(1700000000000)},
		"dateRecordModified": {int64(1484578380000), int64(1700000000000)},
		"color":              {"#f5a9a9", "#abc"},
		"rank":               {"iiiii00000", "aaaaa00000"},
		"fileUpload":         {map[string]any{"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "name": "logo.png"}, map[string]any{"id": "bbbbbbbbbbbbbbbbbbbbbbbb", "name": "Report.PDF"}},
		"group":              {map[string]any{"id": groupID, "label": "Everyone"}},
		"shortText":          {"ab", "abcde"},
		"code":               {"ABC", "XYZ"},
		"age":                {int64(0), int64(30), int64(150)},
		"price":              {9.99, 10.0},
		"ratio":              {0.25, 0.5},
		"requiredText":       {"r", "R"},
		"defaultStatus":      {"draft", "published"},
		"when":               {int64(1484578380000)},
	}
	var out []diffRecord
	// the same records every run (a map's order is not)
	names := slices.Sorted(maps.Keys(pools))
	for i := 1; i <= n; i++ {
		v := record.Values{}
		for _, name := range names {
			pool := pools[name]
			if r.IntN(5) == 0 {
				continue // missing
			}
			v[name] = pool[r.IntN(len(pool))]
		}
		v["boolean"] = r.IntN(2) == 0
		if r.IntN(4) > 0 {
			v["geoPoint"] = pick(r, geo)
		}
		if r.IntN(4) > 0 {
			v["relationship"] = person(r.IntN(4))
		}
		if r.IntN(4) > 0 {
			v["owner"] = person(r.IntN(4))
		}
		var friends []any
		for k := r.IntN(3); k > 0; k-- {
			friends = append(friends, person(r.IntN(4)))
		}
		v["friends"] = append([]any{}, friends...)
		var tags []any
		for k := r.IntN(3); k > 0; k-- {
			tags = append(tags, pick(r, []any{"red", "blue", "Red", "green", ""}))
		}
		v["tags"] = append([]any{}, tags...)
		if r.IntN(3) > 0 {
			v["uniqueCode"] = fmt.Sprintf("U%d", i)
		}
		if r.IntN(4) > 0 {
			nf := map[string]any{"id": fmt.Sprintf("%024x", 5000+i), "label": "n"}
			if r.IntN(3) > 0 {
				nf["inner"] = pick(r, []string{"x", "Y", "solar"})
			}
			if r.IntN(3) > 0 {
				nf["count"] = pick(r, []int64{1, 3})
			}
			v["nestedFields"] = nf
		}
		if r.IntN(4) > 0 {
			ad := map[string]any{"id": fmt.Sprintf("%024x", 6000+i), "label": "a"}
			if r.IntN(4) > 0 {
				ad["street"] = pick(r, []string{"Main 1", "main 1", "Elm 2"})
			}
			if r.IntN(4) > 0 {
				ad["zip"] = pick(r, []string{"1234", "9999"})
			}
			v["address"] = ad
		}
		var items []any
		for k := r.IntN(4); k > 0; k-- {
			it := map[string]any{"id": fmt.Sprintf("%024x", 7000+10*i+k), "label": "i"}
			it["name"] = pick(r, []string{"bolt", "nut", "Solar cell", "washer"})
			if r.IntN(4) > 0 {
				it["qty"] = pick(r, []int64{1, 3, 10})
			}
			items = append(items, it)
		}
		v["items"] = append([]any{}, items...)
		out = append(out, diffRecord{id: fmt.Sprintf("%024x", i), label: fmt.Sprintf("Thing %d", i), values: v})
	}
	return out
}

// diffExprs builds the expression table: every operator × type of things
// (through the REST parsers), _query, query maps, nested objects, near, text
// searches, and random And/Or trees of them.
func diffExprs(t *testing.T, a *app.App, e *app.Entity) []struct {
	name string
	x    query.Expr
} {
	type named = struct {
		name string
		x    query.Expr
	}
	var out []named
	parsed, failed := 0, 0
	add := func(path, raw string) {
		c, err := query.ParseFilter(a, e, path, raw)
		if err != nil {
			failed++
			return
		}
		parsed++
		out = append(out, named{path + "=" + raw, c})
	}
	// literals per type: matching, non-matching, odd
	lits := map[string][]string{
		types.Text:               {"Acme Corp", "acme corp", "Solar", "zzz", `"Beta, LLC"`, "ÄBC", "äbc", "100%_off"},
		types.LongText:           {"Solar Panel array", "lorem"},
		types.HTML:               {"plain", "<p>solar</p>"},
		types.Email:              {"INFO@ACME.COM", "b@x.org", "d@d.de"},
		types.URL:                {"http://a.com/x"},
		types.Phone:              {"17028459380", "702-555", "555", "+1 (702) 845-9380"},
		types.MaskedText:         {"123-abc", "123abc", "456-ZZZ", "123ABC"},
		types.QR:                 {"QR1", "qr1"},
		types.Integer:            {"0", "5", "100", "-3", "2.5", "1e2"},
		types.Decimal:            {"1.5", "3", "100", "-0.5", "2"},
		types.Money:              {"80000.00", "10.5", "0"},
		types.Percentage:         {"0.5", "0.7", "1"},
		types.BigNumber:          {"10.5", "9.99", "100", "-1.25", "10", "12345678901234567890.5"},
		types.AutoIncrement:      {"1", "2", "3"},
		types.Boolean:            {"true", "false"},
		types.Choice:             {"a", "b", "c"},
		types.DynamicChoice:      {"AZ", "NY", "az"},
		types.Date:               {"2016-07-12", "2020-01-01", "1999-12-31"},
		types.DateTime:           {"1484578380000", "1700000000000", "2017-01-16 14:53"},
		types.DateTimeNoTimezone: {"2016-11-05 19:00", "2020-01-01 00:00"},
		types.Time:               {"08:00", "23:59", "12:30"},
		types.Duration:           {"10800000", "144000000"},
		types.MonthDay:           {"04-16", "12-31"},
		types.YearMonth:          {"2016-07", "2020-01"},
		types.RecordCreated:      {"1484578380000", "1700000000000"},
		types.RecordModified:     {"1484578380000", "1700000000000"},
		types.Color:              {"#f5a9a9", "#ABC", "#abc"},
		types.Rank:               {"iiiii00000", "aaaaa00000", "b"},
		types.File:               {"logo.png", "report.pdf"},
		types.Group:              {"everyone", "Everyone", "nope"},
		types.Relationship:       {"Alice", "alice", "Bob"},
	}
	likes := []string{"a", "ACME", "/acme", "corp/", "/^(acme|beta)/", "/\\d+/", "so", "%", "_", "ü", "Ü", "/x", "0", "/.*/",
		// needles of three characters or more: the trigram prefilters
		"acme", "CORP", "/acme", "orp/", "müller", "MÜLLER", "ÄBC/", "/ing 1", "g 3/", "hing", "%_o", "ler und", "solar panel",
		"/ac.e corp/", "/(?-i)Acme/", "/müller/", "/thing 1[0-9]/", "/sol(ar)+ p/", `/\.com/`, "@x.", "/http:/"}
	var paths []string
	var walkFields func(prefix string, fs []*app.Field)
	walkFields = func(prefix string, fs []*app.Field) {
		for _, f := range fs {
			p := prefix + f.Name
			paths = append(paths, p)
			switch f.Type {
			case types.Nested:
				walkFields(p+".", f.Nested)
			case types.Relationship:
				paths = append(paths, p+".id", p+".label")
				if len(f.Rules.CopiedFields) > 0 {
					paths = append(paths, p+".email")
				}
			case types.File, types.Group:
				paths = append(paths, p+".id")
			}
		}
	}
	walkFields("", e.Fields)
	paths = append(paths, "id", "label")
	for _, p := range paths {
		var kind string
		if p == "id" || p == "label" {
			kind = types.Text
		} else {
			fs := e.Resolve(p)
			if fs == nil { // sub-paths
				base := e.Resolve(p[:strings.LastIndexByte(p, '.')])
				kind = types.Text
				if base != nil && strings.HasSuffix(p, ".id") {
					add(p, base[len(base)-1].Rules.Entity) // nonsense id, matches nothing
					add(p, fmt.Sprintf("%024x", 101))
					add(p, fmt.Sprintf("%024x,%024x", 100, 102))
					add(p, "aaaaaaaaaaaaaaaaaaaaaaaa")
					add(p, a.Groups["everyone"].ID)
					add(p, fmt.Sprintf("notEquals(%024x)", 101))
					add(p, "empty()")
					add(p, "notEmpty()")
					continue
				}
			} else {
				kind = fs[len(fs)-1].Type
			}
		}
		ls := lits[kind]
		if p == "id" {
			ls = []string{fmt.Sprintf("%024x", 3), fmt.Sprintf("%024x", 40)}
		}
		if p == "label" {
			ls = []string{"Thing 3", "thing 3"}
		}
		if strings.HasSuffix(p, ".email") || strings.HasSuffix(p, ".label") {
			ls = []string{"alice@x.com", "Alice", "bob@x.com", "Bob"}
		}
		for i, l := range ls {
			add(p, l)
			add(p, "equals("+l+")")
			add(p, "notEquals("+l+")")
			add(p, "greater("+l+")")
			add(p, "greaterOrEquals("+l+")")
			add(p, "less("+l+")")
			add(p, "lessOrEquals("+l+")")
			if i+1 < len(ls) {
				add(p, l+","+ls[i+1])
				add(p, "notEquals("+l+","+ls[i+1]+")")
				add(p, "between("+l+","+ls[i+1]+")")
				add(p, "between("+ls[i+1]+","+l+")")
			}
		}
		for _, l := range likes {
			add(p, "like("+l+")")
		}
		add(p, "like(a,/b,c/)")
		add(p, "empty()")
		add(p, "notEmpty()")
	}
	// near on the geo point: bounds, no bounds, all shapes
	for _, n := range []string{"near(-34.6,-58.4)", "near(-34.6,-58.4,0,2500)", "near(-34.6,-58.4,1000)", "near(-34.6,-58.4,0,0)",
		"near(40.7,-74,0,1)", "near(0,0,0,20000000)", "near(-34.6,-58.4,100,50000)", "near(89,-60,0,2000000)", "near(85,120,0,1200000)", "near(85,-60,0,100000)", "near(85,-60)"} {
		add("geoPoint", n)
	}
	// nested-object equality, one group and a many group
	for _, o := range []string{`{"street":"Main 1","zip":"1234"}`, `{"street":"Main 1"}`, `{"zip":"9999"}`, `{"street":null}`, `{"street":"Main 1","zip":null}`} {
		add("address", o)
	}
	for _, o := range []string{`{"name":"bolt","qty":3}`, `{"name":"bolt"}`, `{"qty":"10"}`, `{"name":"nut","qty":null}`, `{"qty":1}`} {
		add("items", o)
	}
	for _, o := range []string{`{"inner":"x","count":3}`, `{"count":1}`} {
		add("nestedFields", o)
	}
	if failed > parsed {
		t.Fatalf("most filters failed to parse: %d parsed, %d failed", parsed, failed)
	}
	// _query
	for _, q := range []string{
		"and(filter('boolean','true'),or(filter('text','like(acme)'),filter('integer','greater(5)')))",
		"or(filter('tags','red'),filter('items.name','like(/sol)'),filter('friends','Bob'))",
		"and(filter('geoPoint','near(-34.6,-58.4,0,5000)'),filter('tags','notEmpty()'))",
	} {
		x, err := query.ParseComplex(a, e, q)
		if err != nil {
			t.Fatalf("_query %s: %v", q, err)
		}
		out = append(out, named{"_query=" + q, x})
	}
	// query maps, metadata and not
	for _, js := range []string{
		`{"text": "Acme Corp", "boolean": true}`,
		`{"_or": {"integer": "greater(50)", "choice": ["a", "b"]}}`,
		`{"_or": [{"tags": "red"}, {"address": {"street": "Main 1"}}], "decimal": 1.5}`,
		`{"CHOICE": "A", "Tags": "red,blue"}`,
		`{"email": null}`,
		`{"_and": {"money": "greaterOrEquals(10)", "_or": {"phone": "555", "percentage": 0.5}}}`,
	} {
		var m map[string]any
		if err := json.Unmarshal([]byte(js), &m); err != nil {
			t.Fatal(err)
		}
		x, err := query.ParseMap(a, e, m, query.MapOptions{Param: "match", Metadata: strings.Contains(js, "CHOICE")})
		if err != nil {
			t.Fatalf("map %s: %v", js, err)
		}
		out = append(out, named{"map " + js, x})
	}
	// text index searches
	for _, q := range []string{"solar", "SOLAR panel", `"solar panel"`, `"panel solar"`, "so", "ü", "müller", "bolt acme", `"Main 1"`, "alice", "red", "zzz", "é", "a b"} {
		x, err := query.ParseWhere(a, e, url.Values{"_indexedFilter": {"byText"}, "_indexedFilterQuery": {q}})
		if err != nil {
			t.Fatalf("text %s: %v", q, err)
		}
		out = append(out, named{"text " + q, x})
	}
	// random trees over the atoms
	r := rand.New(rand.NewPCG(3, 5))
	atoms := len(out)
	var tree func(depth int) query.Expr
	tree = func(depth int) query.Expr {
		if depth == 0 || r.IntN(3) == 0 {
			return out[r.IntN(atoms)].x
		}
		n := r.IntN(3)
		xs := make([]query.Expr, n)
		for i := range xs {
			xs[i] = tree(depth - 1)
		}
		if r.IntN(2) == 0 {
			return query.And(xs)
		}
		return query.Or(xs)
	}
	for i := 0; i < 300; i++ {
		out = append(out, named{fmt.Sprintf("tree %d", i), tree(4)})
	}
	return out
}

// MatchAgreesWithSQL: for every expression, the records Find returns
// are exactly those Match accepts, from the native values and from the
// stored document decoded.
func MatchAgreesWithSQL(t *testing.T, open Opener) {
	s, a, e := kitchenStore(t, open)
	ctx := context.Background()
	recs := genThings(a, 80)
	rows := make([]*store.Row, len(recs))
	for i, r := range recs {
		doc := record.Encode(e, r.id, 1, r.label, r.values, nil)
		rows[i] = &store.Row{ID: r.id, Version: 1, Label: r.label, Doc: doc}
	}
	Insert(t, s, e, rows...)
	decoded := make([]record.Values, len(recs))
	for i, row := range rows {
		_, _, _, v, err := record.Decode(row.Doc)
		if err != nil {
			t.Fatal(err)
		}
		decoded[i] = v
	}
	exprs := diffExprs(t, a, e)
	hits := 0
	verify := func(only string) {
		for _, tc := range exprs {
			if !strings.HasPrefix(tc.name, only) {
				continue
			}
			got, err := s.Find(ctx, e, &query.Select{Where: tc.x, Sort: query.Sort{Target: query.Target{System: query.SysID}}})
			if err != nil {
				t.Errorf("%s: Find: %v", tc.name, err)
				continue
			}
			var sqlIDs []string
			for _, r := range got {
				sqlIDs = append(sqlIDs, r.ID)
			}
			// the count agrees (counts kept in tables, like prefilters)
			if n, err := s.Count(ctx, e, tc.x); err != nil || n != int64(len(got)) {
				t.Errorf("%s: Count %d %v, Find %d", tc.name, n, err, len(got))
			}
			for form, vals := range map[string]func(int) record.Values{
				"native":  func(i int) record.Values { return recs[i].values },
				"decoded": func(i int) record.Values { return decoded[i] },
			} {
				var memIDs []string
				for i, r := range recs {
					ok, err := query.Match(tc.x, vals(i), r.id, r.label)
					if err != nil {
						t.Fatalf("%s: Match: %v", tc.name, err)
					}
					if ok {
						memIDs = append(memIDs, r.id)
					}
				}
				sort.Strings(memIDs)
				if !reflect.DeepEqual(memIDs, sqlIDs) {
					t.Errorf("%s (%s values):\n SQL   %v\n Match %v", tc.name, form, short(sqlIDs), short(memIDs))
				}
			}
			if len(sqlIDs) > 0 && len(sqlIDs) < len(recs) {
				hits++
			}
		}
	}
	verify("")
	// after updates that change or drop indexed values (choice, text: value
	// counts, like indexes) and deletes, the choice and text filters still agree
	// (and on SQLite the counts of the first pass, kept across this write
	// by Match of each record written, are checked by the last pass)
	err := s.Write(ctx, func(tx store.Tx) error {
		for i := 0; i < len(recs); i += 3 {
			v := recs[i].values
			switch i % 4 {
			case 0:
				delete(v, "choice")
				v["text"] = "Zebra Müller"
			case 1:
				v["choice"] = "c"
			default:
				v["choice"] = "a"
				delete(v, "text")
			}
			row := &store.Row{ID: recs[i].id, Version: 2, Label: recs[i].label, Doc: record.Encode(e, recs[i].id, 2, recs[i].label, v, nil)}
			if err := tx.Update(ctx, e, row, 1); err != nil {
				return err
			}
			_, _, _, decoded[i], _ = record.Decode(row.Doc)
		}
		for i := len(recs) - 1; i >= 0; i -= 7 {
			if err := tx.Delete(ctx, e, recs[i].id); err != nil {
				return err
			}
			recs = append(recs[:i], recs[i+1:]...)
			decoded = append(decoded[:i], decoded[i+1:]...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hits = 0
	verify("choice=")
	verify("text=")
	hits = 0
	verify("")
	// the table is only worth something if most expressions select some
	// records but not all
	if hits < len(exprs)/3 {
		t.Errorf("only %d of %d expressions select a proper subset", hits, len(exprs))
	}
	t.Logf("%d expressions, %d select a proper subset", len(exprs), hits)
}

func short(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strings.TrimLeft(id, "0")
	}
	return out
}

// MatchErrorsLikeSQL: expressions the store rejects, Match rejects too.
func MatchErrorsLikeSQL(t *testing.T, open Opener) {
	s, _, e := kitchenStore(t, open)
	ctx := context.Background()
	tg := func(path string) query.Target {
		fs := e.Resolve(path)
		t := query.Target{Field: fs[len(fs)-1]}
		for _, f := range fs {
			t.Path = append(t.Path, query.Step{Name: f.Name, Many: f.Many})
		}
		return t
	}
	for _, x := range []query.Expr{
		&query.Cond{Target: tg("text"), Op: query.Like, Values: []any{"/(/"}},
		&query.Cond{Target: tg("text"), Op: query.Like, Values: []any{5}},
		&query.Cond{Target: tg("integer"), Op: query.Between, Values: []any{1}},
		&query.Cond{Target: tg("integer"), Op: query.Greater},
		&query.Cond{Target: tg("integer"), Op: query.Equals},
		&query.Cond{Target: tg("integer"), Op: query.Equals, Values: []any{[]int{1}}},
		&query.Cond{Target: tg("integer"), Op: query.Op("drop"), Values: []any{1}},
		&query.Cond{Target: tg("text"), Op: query.Near, Values: []any{1.0, 2.0}},
		&query.Cond{Target: tg("geoPoint"), Op: query.Near, Values: []any{1.0}},
		&query.Cond{Target: tg("geoPoint"), Op: query.Near, Values: []any{1.0, "2"}},
		&query.Cond{Target: tg("address"), Op: query.Equals, Values: []any{map[string]any{}}},
		&query.Cond{Target: tg("address"), Op: query.Equals, Values: []any{map[string]any{"nope": "x"}}},
		&query.Cond{Target: tg("text"), Op: query.Equals, User: []query.UserRef{{Target: query.Target{System: query.SysID}}}},
		&query.Cond{Target: query.Target{System: "doc"}, Op: query.Equals, Values: []any{"x"}},
		query.Or{&query.Cond{Target: tg("text"), Op: query.Empty, Values: []any{"x"}}},
	} {
		_, serr := s.Find(ctx, e, &query.Select{Where: x})
		_, merr := query.Match(x, record.Values{}, "x", "y")
		if serr == nil || merr == nil {
			t.Errorf("%#v: store error %v, Match error %v; want both", x, serr, merr)
		}
	}
}

// FuzzMatchAgreesWithSQL: for any filter the parser accepts, Find and Match
// select the same records.
func FuzzMatchAgreesWithSQL(f *testing.F, open Opener) {
	for _, s := range [][2]string{
		{"text", "like(/^(acme|beta)/)"}, {"email", "INFO@acme.com"}, {"phone", "702-555"}, {"bigNumber", "between(9,11)"},
		{"tags", "notEquals(red)"}, {"items.qty", "greater(2)"}, {"items", `{"name":"bolt","qty":3}`}, {"friends", "like(a)"},
		{"geoPoint", "near(-34.6,-58.4,0,5000)"}, {"owner.email", "alice@x.com"}, {"decimal", "3"}, {"maskedText", "123abc"},
		{"dynamicChoice", "like(z)"}, {"group", "Everyone"}, {"fileUpload.id", "aaaaaaaaaaaaaaaaaaaaaaaa"}, {"address.street", "empty()"},
	} {
		f.Add(s[0], s[1])
	}
	s, a, e := kitchenStore(f, open)
	recs := genThings(a, 40)
	rows := make([]*store.Row, len(recs))
	for i, r := range recs {
		rows[i] = &store.Row{ID: r.id, Version: 1, Label: r.label, Doc: record.Encode(e, r.id, 1, r.label, r.values, nil)}
	}
	Insert(f, s, e, rows...)
	f.Fuzz(func(t *testing.T, path, raw string) {
		c, err := query.ParseFilter(a, e, path, raw)
		if err != nil {
			return
		}
		got, err := s.Find(context.Background(), e, &query.Select{Where: c, Sort: query.Sort{Target: query.Target{System: query.SysID}}})
		if err != nil {
			t.Fatalf("%s=%s: Find: %v", path, raw, err)
		}
		var sqlIDs, memIDs []string
		for _, r := range got {
			sqlIDs = append(sqlIDs, r.ID)
		}
		for _, r := range recs {
			ok, err := query.Match(c, r.values, r.id, r.label)
			if err != nil {
				t.Fatalf("%s=%s: Match: %v", path, raw, err)
			}
			if ok {
				memIDs = append(memIDs, r.id)
			}
		}
		if !reflect.DeepEqual(sqlIDs, memIDs) {
			t.Fatalf("%s=%s:\n SQL   %v\n Match %v", path, raw, short(sqlIDs), short(memIDs))
		}
	})
}

// SortAgreesWithCompare: a filter on an indexable choice or boolean with a
// sort on another indexable field (the stores' composite indexes, whose
// sort columns are the sort's keys) returns the records Match accepts in
// query.Compare's order, ties by id in the sort's direction, with and
// without a limit, including values of another type than the field's
// (stored before a type change: nulls, numbers, text, booleans mixed).
func SortAgreesWithCompare(t *testing.T, open Opener) {
	a, _, err := app.LoadDir(filepath.Join(repoDir(), "app", "testdata", "kitchen"))
	if err != nil {
		t.Fatalf("load kitchen: %v", err)
	}
	e := a.Entity("things")
	sorted := []string{"integer", "decimal", "date", "text", "time", "choice", "boolean", "dateTime"}
	for _, f := range append([]string{"choice", "boolean"}, sorted...) {
		e.Field(f).Indexable = true
	}
	s := openSynced(t, open, a)
	ctx := context.Background()
	recs := genThings(a, 90)
	odd := []any{nil, "12", "abc", true, false, int64(7), 2.5, map[string]any{"x": int64(1)}, []any{"a"}, ""}
	for i := range recs {
		if i%7 == 0 {
			for k, f := range sorted {
				if f != "choice" && f != "boolean" {
					recs[i].values[f] = odd[(i+k)%len(odd)]
				}
			}
		}
	}
	rows := make([]*store.Row, len(recs))
	decoded := make([]record.Values, len(recs))
	for i, r := range recs {
		rows[i] = &store.Row{ID: r.id, Version: 1, Label: r.label, Doc: record.Encode(e, r.id, 1, r.label, r.values, nil)}
		if _, _, _, v, err := record.Decode(rows[i].Doc); err != nil {
			t.Fatal(err)
		} else {
			decoded[i] = v
		}
	}
	Insert(t, s, e, rows...)
	for _, filter := range [][]string{{}, {"choice", "a"}, {"choice", "b"}, {"boolean", "true"}, {"choice", "a,c"},
		// ranges of a sorted field with integers: its sort keys in the index
		{"choice", "a", "integer", "greater(5)"}, {"choice", "b", "integer", "lessOrEquals(5)"}, {"integer", "less(100)"},
		{"choice", "c", "decimal", "between(0,3)"}, {"boolean", "false", "dateTime", "greaterOrEquals(1484578380000)"},
		{"choice", "a", "integer", "between(-3,7)"}, {"decimal", "greater(2)"}, {"text", "less(5)"}} {
		var where query.Expr
		var and query.And
		for i := 0; i+1 < len(filter); i += 2 {
			c, err := query.ParseFilter(a, e, filter[i], filter[i+1])
			if err != nil {
				t.Fatal(err)
			}
			and = append(and, c)
		}
		if len(and) > 0 {
			where = and
		}
		for _, f := range sorted {
			for _, desc := range []bool{false, true} {
				srt := query.Sort{Target: Target(t, e, f), Desc: desc}
				var want []string
				var idx []int
				for i, r := range recs {
					ok, err := query.Match(where, decoded[i], r.id, r.label)
					if err != nil {
						t.Fatal(err)
					}
					if ok {
						idx = append(idx, i)
					}
				}
				kind := e.Field(f).Type
				sort.SliceStable(idx, func(x, y int) bool {
					c := query.Compare(kind, decoded[idx[x]][f], decoded[idx[y]][f])
					if c == 0 {
						c = strings.Compare(recs[idx[x]].id, recs[idx[y]].id)
					}
					if desc {
						c = -c
					}
					return c < 0
				})
				for _, i := range idx {
					want = append(want, recs[i].id)
				}
				for _, limit := range []int{0, 5} {
					got, err := s.Find(ctx, e, &query.Select{Where: where, Sort: srt, Limit: limit})
					if err != nil {
						t.Fatalf("%v sorted by %s: %v", filter, f, err)
					}
					ids := []string{}
					for _, r := range got {
						ids = append(ids, r.ID)
					}
					w := append([]string{}, want...)
					if limit > 0 && len(w) > limit {
						w = w[:limit]
					}
					if !reflect.DeepEqual(ids, w) {
						t.Errorf("%s sorted by %s desc=%v limit %d:\n store   %v\n Compare %v", fmt.Sprint(filter), f, desc, limit, short(ids), short(w))
					}
				}
			}
		}
	}
}
