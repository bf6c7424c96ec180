package aggregate

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"runway/apperr"
	"runway/query"
)

// TestGeoNear: nearest first, within the bounds, distance × multiplier and
// the point used; records without a point are dropped.
func TestGeoNear(t *testing.T) {
	a, w := kitchenApp(t), kitchenWorld(t)
	d2 := query.Distance(-34.61, -58.41, -34.6, -58.4)
	d3 := query.Distance(48.85, 2.35, -34.6, -58.4)
	for _, c := range []struct {
		body string
		want []string
	}{
		{`[{"geoNear":{"coordinates":{"latitude":-34.6,"longitude":-58.4},"distanceField":"d"}},{"project":"text,d"}]`, []string{
			`{"id":"0000000000000000000000t1","text":"b","d":0}`,
			fmt.Sprintf(`{"id":"0000000000000000000000t2","text":"a","d":%s}`, floatNumber(d2)),
			fmt.Sprintf(`{"id":"0000000000000000000000t3","text":"c","d":%s}`, floatNumber(d3))}},
		{`[{"geoNear":{"coordinates":{"latitude":-34.6,"longitude":-58.4},"distanceField":"d","distanceMultiplier":0.001,` +
			`"includeLocs":"at","minDistance":1,"maxDistance":5000,"key":"geoPoint"}},{"project":"d,at"}]`, []string{
			fmt.Sprintf(`{"id":"0000000000000000000000t2","d":%s,"at":{"latitude":-34.61,"longitude":-58.41}}`, floatNumber(d2*0.001))}},
	} {
		got, err := run(t, a, w, "things", c.body, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.Join(c.want, "\n"); got != want {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", c.body, got, want)
		}
	}
}

// TestMemoryBound: stages holding documents stop at MaxItems with a
// badRequest naming the stage; a sort followed by a limit only keeps
// skip + limit documents.
func TestMemoryBound(t *testing.T) {
	a, w := demoApp(t), demoWorld(t)
	lookup := `{"lookup":{"localFieldPath":"id","foreignFieldPath":"company","foreignEntityName":"contacts","as":"p"}}`
	for _, c := range []struct {
		body string
		max  int
		want string // "" = no error
	}{
		{`[{"sort":{"name":"asc"}}]`, 5, "Aggregate stage 1 (sort) would hold more than 5 documents in memory; narrow the pipeline first (match, limit, project)"},
		{`[{"sort":{"name":"asc"}}]`, 6, ""},
		{`[{"sort":{"name":"asc"}},{"limit":2}]`, 3, ""},
		{`[{"sort":{"name":"asc"}},{"skip":1},{"limit":2}]`, 3, ""},
		{`[{"sort":{"name":"asc"}},{"skip":2},{"limit":2}]`, 3, "Aggregate stage 1 (sort) would hold more than 3 documents in memory; narrow the pipeline first (match, limit, project)"},
		{`[{"project":"name"},{"group":{"by":"name"}},{"limit":1}]`, 5, "Aggregate stage 2 (group) would hold more than 5 documents in memory; narrow the pipeline first (match, limit, project)"},
		{`[{"group":{"by":"state"}}]`, 4, ""},
		{`[` + lookup + `,{"count":"n"}]`, 2, "Aggregate stage 1 (lookup) would hold more than 2 documents in memory; narrow the pipeline first (match, limit, project)"},
		{`[` + lookup + `,{"count":"n"}]`, 3, ""},
		{`[{"match":{"state":"active"}}]`, 2, "The aggregate answer has more than 2 items; add a limit stage"},
		{`[{"match":{"state":"active"}}]`, 3, ""},
	} {
		_, err := run(t, a, w, "companies", c.body, c.max)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s (max %d): %v", c.body, c.max, err)
			}
			continue
		}
		if e := apperr.As(err); e == nil || e.Code != apperr.BadRequest || e.Message != c.want {
			t.Errorf("%s (max %d): %v, want %s", c.body, c.max, err, c.want)
		}
	}
	k, kw := kitchenApp(t), kitchenWorld(t)
	_, err := run(t, k, kw, "things", `[{"geoNear":{"coordinates":{"latitude":0,"longitude":0},"distanceField":"d"}}]`, 2)
	if e := apperr.As(err); e == nil || !strings.HasPrefix(e.Message, "Aggregate stage 1 (geoNear) would hold more than 2") {
		t.Errorf("geoNear: %v", err)
	}
}

// TestStreaming: a limit stops reading the source, and no stage changes
// the documents it is given.
func TestStreaming(t *testing.T) {
	a, w := demoApp(t), demoWorld(t)
	before, _ := json.Marshal(w)
	for _, body := range []string{
		`[{"unwind":{"fieldPath":"addresses","includeEmpty":true}},{"lookup":{"localFieldPath":"id","foreignFieldPath":"company","foreignEntityName":"contacts","as":"people"}},` +
			`{"unwind":{"fieldPath":"people"}},{"project":"addresses.city,people.firstName"}]`,
		`[{"sort":{"name":"asc"}},{"group":{"by":"state","n":"count()","f":"first(contactInformation)"}}]`,
	} {
		if _, err := run(t, a, w, "companies", body, 0); err != nil {
			t.Fatal(err)
		}
	}
	if after, _ := json.Marshal(w); string(after) != string(before) {
		t.Errorf("the source documents changed:\n%s\n%s", before, after)
	}
	p, err := Parse(a, a.Entity("companies"), []byte(`[{"project":"name"},{"limit":2}]`))
	if err != nil {
		t.Fatal(err)
	}
	read := 0
	src := func(yield func(Doc) bool) error {
		for _, d := range w["companies"] {
			read++
			if !yield(d) {
				return nil
			}
		}
		return nil
	}
	out, err := Collect(Eval(context.Background(), p.Stages, src, Env{}), 0)
	if err != nil || len(out) != 2 || read != 2 {
		t.Errorf("limit 2: %d items, %d documents read, %v", len(out), read, err)
	}
}

// TestShapes: the members of each stage's output and their types.
func TestShapes(t *testing.T) {
	a := demoApp(t)
	k := kitchenApp(t)
	for _, c := range []struct {
		app    string
		entity string
		body   string
		want   string
	}{
		{"demo", "skills", `[]`, "id:text,version:integer,label:text,name:text,category:choice"},
		{"demo", "skills", `[{"project":"name"}]`, "id:text,name:text"},
		{"demo", "companies", `[{"project":"addresses.city,label"}]`, "id:text,label:text,addresses:nestedFields[]{city:text}"},
		{"demo", "companies", `[{"unwind":{"fieldPath":"addresses"}},{"project":"addresses"}]`,
			"id:text,addresses:nestedFields{addressLine:text,zipCode:text,city:text,state:text}"},
		{"demo", "contacts", `[{"group":{"by":"company.label,contactless","n":"count()"}}]`, ""},
		{"demo", "contacts", `[{"group":{"by":"company.label,email","n":"count()","s":"sum(numberOfSkills)","a":"avg(numberOfSkills)","f":"first(birthDate)"}}]`,
			"company:relationship,email:email,n:integer,s:integer,a:decimal,f:date"},
		{"demo", "companies", `[{"group":{"by":"contactInformation.email","r":"avg(rating)","m":"max(rating)"}}]`,
			"contactInformation:nestedFields{email:email},r:bigNumber,m:bigNumber"},
		{"demo", "companies", `[{"count":"n"}]`, "n:integer"},
		{"demo", "skills", `[{"lookup":{"localFieldPath":"id","foreignFieldPath":"skills","foreignEntityName":"contacts","as":"who"}},{"project":"who"}]`,
			"id:text,who:nestedFields[]{id:text,version:integer,label:text,firstName:text,lastName:text,fullName:text,email:email,phoneNumbers:phone[]," +
				"company:relationship,skills:relationship[],numberOfSkills:integer,birthDate:date,notes:nestedFields[]{date:dateTime,note:text}}"},
		{"kitchen", "things", `[{"geoNear":{"coordinates":{"latitude":0,"longitude":0},"distanceField":"d","includeLocs":"at"}},{"project":"d,at"}]`,
			"id:text,d:decimal,at:geoPoint"},
		{"kitchen", "things", `[{"group":{"s":"sum(autoIncrement)","m":"sum(money)","p":"avg(percentage)","b":"sum(bigNumber)"}}]`,
			"s:integer,m:money,p:decimal,b:bigNumber"},
	} {
		app := a
		if c.app == "kitchen" {
			app = k
		}
		p, err := Parse(app, app.Entity(c.entity), []byte(c.body))
		if c.want == "" {
			if err == nil {
				t.Errorf("%s: no error", c.body)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.body, err)
			continue
		}
		if got := p.Out.String(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.body, got, c.want)
		}
	}
}

// TestReads: every field a pipeline names, traced back to its entity's
// field, lookups included; members made by stages read nothing.
func TestReads(t *testing.T) {
	a := demoApp(t)
	p, err := Parse(a, a.Entity("contacts"), []byte(`[
		{"match":{"email":"like(x)","company.label":"Acme"}},
		{"lookup":{"localFieldPath":"company","foreignFieldPath":"id","foreignEntityName":"companies","as":"co"}},
		{"unwind":{"fieldPath":"co"}},
		{"match":{"co.addresses.city":"Lyon"}},
		{"sort":{"co.contactInformation.email":"asc","id":"asc"}},
		{"group":{"by":"co.name","n":"count()","f":"first(lastName)"}},
		{"match":{"n":"greater(1)","co.name":"x"}},
		{"project":"f"}]`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range p.Reads() {
		got = append(got, fmt.Sprintf("%d %s.%s (%s)", r.Stage, r.Entity.FullName, r.Field.Path(), r.Path))
	}
	want := []string{
		"0 contacts.company (company)",
		"0 contacts.email (email)",
		"1 contacts.company (company)",
		"3 companies.addresses.city (co.addresses.city)",
		"4 companies.contactInformation.email (co.contactInformation.email)",
		"5 companies.name (co.name)",
		"5 contacts.lastName (lastName)",
		"6 companies.name (co.name)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reads:\n got %q\nwant %q", got, want)
	}
	if l := p.Lookups(); len(l) != 1 || l[0].Foreign.FullName != "companies" {
		t.Errorf("lookups: %v", l)
	}
}

// TestRestrictAndSource: the read condition is ANDed into the records
// entering the pipeline, with the leading match stages; the rest is left
// to Eval.
func TestRestrictAndSource(t *testing.T) {
	a, w := demoApp(t), demoWorld(t)
	e := a.Entity("companies")
	p, err := Parse(a, e, []byte(`[{"match":{"type":"a"}},{"match":{"isCustomer":true}},{"project":"name"},{"match":{"name":"x"}}]`))
	if err != nil {
		t.Fatal(err)
	}
	cond, err := query.ParseMap(a, e, map[string]any{"state": "active"}, query.MapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Restrict(cond)
	where, start := p.Source()
	if start != 2 {
		t.Errorf("first stage left for Eval: %d, want 2", start)
	}
	if and, ok := where.(query.And); !ok || len(and) != 3 || and[0] != cond {
		t.Errorf("source condition: %#v", where)
	}
	// Only Acme is active, of type a and a customer.
	out, err := Reference(context.Background(), p, w.records, 0)
	if err != nil || len(out) != 0 {
		t.Errorf("restricted: %v %v", out, err)
	}
	p2, _ := Parse(a, e, []byte(`[{"match":{"type":"a"}},{"match":{"isCustomer":true}},{"project":"name"}]`))
	p2.Restrict(cond)
	out, err = Reference(context.Background(), p2, w.records, 0)
	if err != nil || len(out) != 1 || out[0]["name"] != "Acme" {
		t.Errorf("restricted: %v %v", out, err)
	}
	// A match on version stays for Eval (store filters do not read it); the
	// label member is the store's label column.
	p4, _ := Parse(a, e, []byte(`[{"match":{"label":"Acme"}},{"match":{"version":0}}]`))
	if where, start := p4.Source(); start != 1 || where.(*query.Cond).System != query.SysLabel {
		t.Errorf("version: first stage left %d, source %#v", start, where)
	}
	// A lookup's records are restricted by its own condition.
	p3, _ := Parse(a, a.Entity("contacts"), []byte(`[{"lookup":{"localFieldPath":"company","foreignFieldPath":"id","foreignEntityName":"companies","as":"co"}},{"project":"co.name"}]`))
	inactive, _ := query.ParseMap(a, e, map[string]any{"state": "inactive"}, query.MapOptions{})
	p3.Lookups()[0].Restrict(inactive)
	out, err = Reference(context.Background(), p3, w.records, 0)
	for _, d := range out {
		if n := len(d["co"].([]any)); err != nil || n != 0 {
			t.Errorf("lookup restricted: %v %v", d, err)
		}
	}
}

// TestNumbers: exact sums, rounding and number identity.
func TestNumbers(t *testing.T) {
	sum := func(vals ...string) *exactSum {
		var s exactSum
		for _, v := range vals {
			s.add(v)
		}
		return &s
	}
	for _, c := range []struct {
		vals []string
		want string
	}{
		{nil, "0"},
		{[]string{"0.1", "0.2"}, "0.3"},
		{[]string{"1.005", "-0.005"}, "1"},
		{[]string{"-0.5", "0.25"}, "-0.25"},
		{[]string{"9223372036854775807", "1"}, "9223372036854775808"},
		{[]string{"-9223372036854775808", "-1"}, "-9223372036854775809"},
		{[]string{"0.000000000000000001", "100000000000000000"}, "100000000000000000.000000000000000001"},
		{[]string{"1e3", "2.5E-1"}, "1000.25"},
		{[]string{"1", "x", "1e999999", "--1", "1.", ".5"}, "1"},
		{[]string{"12345678901234567890.5", "0.5"}, "12345678901234567891"},
	} {
		if got := sum(c.vals...).text(); got != c.want {
			t.Errorf("sum %v = %s, want %s", c.vals, got, c.want)
		}
	}
	if n := sum("1", "x", "2").n; n != 2 {
		t.Errorf("numbers counted: %d", n)
	}
	for _, c := range []struct {
		vals []string
		kind string
		want any
	}{
		{[]string{"1", "2"}, "integer", json.Number("1.5")},
		{nil, "integer", nil},
		{[]string{"0.1", "0.2", "0.3"}, "money", json.Number("0.2")},
		{[]string{"1", "2", "2"}, "bigNumber", "1.666666666666666666666666666666667"},
		{[]string{"-1", "-2", "-2"}, "bigNumber", "-1.666666666666666666666666666666667"},
		{[]string{"0.0000000000000000000000000000000001", "0"}, "bigNumber", "0.0000000000000000000000000000000001"},
		{[]string{"0.0000000000000000000000000000000001", "0", "0"}, "bigNumber", "0"},
	} {
		if got := sum(c.vals...).mean(c.kind); got != c.want {
			t.Errorf("avg %v (%s) = %#v, want %#v", c.vals, c.kind, got, c.want)
		}
	}
	for _, c := range [][2]string{{"3", "3.0"}, {"3", "3e0"}, {"-0", "0"}, {"0.10", "0.1"}, {"007", "7"}} {
		if numberKey(c[0]) != numberKey(c[1]) {
			t.Errorf("%s and %s are different keys", c[0], c[1])
		}
	}
	if numberKey("1") == numberKey("10") || numberKey("0.1") == numberKey("0.01") {
		t.Error("different numbers share a key")
	}
	if f := floatNumber(math.Pi); f != "3.141592653589793" {
		t.Errorf("float: %s", f)
	}
}
