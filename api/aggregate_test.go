package api_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"runway/api/apitest"
)

// aggWorld is the demo app with a few companies, contacts and skills; ids
// maps each record's id to a name for readable answers.
type aggWorld struct {
	s   *apitest.Server
	ids *strings.Replacer
}

func newAggWorld(t *testing.T, opts ...apitest.Options) *aggWorld {
	t.Helper()
	s := demo(t, opts...)
	var pairs []string
	add := func(name, entity string, body obj) string {
		id := create(t, s, entity, body)["id"].(string)
		pairs = append(pairs, id, "{"+name+"}")
		return id
	}
	goID := add("go", "skills", obj{"name": "Go", "category": "technical"})
	sqlID := add("sql", "skills", obj{"name": "SQL", "category": "technical"})
	add("french", "skills", obj{"name": "French", "category": "language"})
	acme := add("acme", "companies", obj{"name": "Acme", "state": "active", "type": "a", "numberOfEmployees": 10, "isCustomer": true,
		"contactInformation": obj{"email": "info@acme.com"}, "rating": "1.5", "lastMeeting": 1000,
		"addresses": arr{obj{"city": "Lyon", "state": "RA"}, obj{"city": "Paris"}}})
	add("beta", "companies", obj{"name": "Beta", "state": "pending", "type": "b", "numberOfEmployees": 5, "rating": "2.25", "lastMeeting": 2000})
	gamma := add("gamma", "companies", obj{"name": "Gamma", "state": "active", "type": "b", "numberOfEmployees": 7, "rating": "0.1",
		"lastMeeting": 3000, "addresses": arr{obj{"city": "Lyon"}}})
	add("delta", "companies", obj{"name": "Delta", "type": "a", "rating": "0.2"})
	add("ann", "contacts", obj{"firstName": "Ann", "lastName": "Lee", "company": acme, "skills": arr{goID, sqlID}, "numberOfSkills": 2})
	add("bob", "contacts", obj{"firstName": "Bob", "lastName": "Ray", "company": acme, "skills": arr{sqlID}, "numberOfSkills": 1})
	add("cid", "contacts", obj{"firstName": "Cid", "lastName": "Roe", "company": gamma})
	return &aggWorld{s: s, ids: strings.NewReplacer(pairs...)}
}

// agg runs a pipeline and returns the answer with ids replaced by names.
func (w *aggWorld) agg(t *testing.T, entity string, body any) string {
	t.Helper()
	return w.ids.Replace(string(w.s.As("PUT", "/data/"+entity+"/aggregate", body).Status(200).Body))
}

var (
	regexpItemID = regexp.MustCompile(`"id":"[0-9a-f]{24}"`)
	regexpTime   = regexp.MustCompile(`("lastUpdate":|"created":)[0-9]+`)
)

func items(lines ...string) string {
	return fmt.Sprintf(`{"total":%d,"items":[%s]}`, len(lines), strings.Join(lines, ","))
}

// TestAggregateStages: every stage of query-language.md §6.2 over HTTP.
func TestAggregateStages(t *testing.T) {
	w := newAggWorld(t)
	for _, c := range []struct {
		name, entity, body, want string
	}{
		{"match", "companies", `[{"match":{"state":"active","numberOfEmployees":"greater(5)"}},{"project":"name"}]`,
			items(`{"id":"{acme}","name":"Acme"}`, `{"id":"{gamma}","name":"Gamma"}`)},
		{"match: _or, arrays, a relationship's label", "contacts",
			`[{"match":{"_or":{"company":"Gamma","firstName":["Bob","Zed"]}}},{"project":"firstName"}]`,
			items(`{"id":"{bob}","firstName":"Bob"}`, `{"id":"{cid}","firstName":"Cid"}`)},
		{"match on system members, in the store", "companies", `[{"match":{"label":"Acme,Gamma","version":0,"id":"notEmpty()"}},{"project":"name"}]`,
			items(`{"id":"{acme}","name":"Acme"}`, `{"id":"{gamma}","name":"Gamma"}`)},
		{"sort", "companies", `[{"sort":{"state":"asc","numberOfEmployees":"desc"}},{"project":"name"}]`,
			items(`{"id":"{delta}","name":"Delta"}`, `{"id":"{acme}","name":"Acme"}`, `{"id":"{gamma}","name":"Gamma"}`, `{"id":"{beta}","name":"Beta"}`)},
		{"skip and limit", "companies", `[{"sort":{"name":"desc"}},{"skip":1},{"limit":2},{"project":"name"}]`,
			items(`{"id":"{delta}","name":"Delta"}`, `{"id":"{beta}","name":"Beta"}`)},
		{"project", "companies", `[{"match":{"name":"Acme"}},{"project":"addresses.city,contactInformation.email,label"}]`,
			items(`{"id":"{acme}","label":"Acme","contactInformation":{"email":"info@acme.com"},"addresses":[{"city":"Lyon"},{"city":"Paris"}]}`)},
		{"group by a relationship", "contacts", `[{"group":{"by":"company","n":"count()","skills":"sum(numberOfSkills)"}}]`,
			items(`{"company":{"id":"{acme}","label":"Acme"},"n":2,"skills":3}`, `{"company":{"id":"{gamma}","label":"Gamma"},"n":1,"skills":0}`)},
		{"skip and limit before a group (the records in id order)", "companies",
			`[{"skip":1},{"limit":2},{"group":{"by":"type","n":"count()","e":"sum(numberOfEmployees)"}}]`, items(`{"type":"b","n":2,"e":12}`)},
		{"a sort and a project before a group", "companies",
			`[{"sort":{"name":"desc"}},{"project":"type,numberOfEmployees"},{"group":{"by":"type","n":"count()","e":"sum(numberOfEmployees)"}}]`,
			items(`{"type":"a","n":2,"e":10}`, `{"type":"b","n":2,"e":12}`)},
		{"a sort, a limit, then a group with first (in the sort's order)", "companies",
			`[{"sort":{"numberOfEmployees":"desc"}},{"limit":2},{"group":{"by":"type","n":"count()","first":"first(name)"}}]`,
			items(`{"type":"a","n":1,"first":"Acme"}`, `{"type":"b","n":1,"first":"Gamma"}`)},
		{"count", "companies", `[{"match":{"type":"b"}},{"count":"companies"}]`, items(`{"companies":2}`)},
		{"count over nothing", "companies", `[{"match":{"name":"nope"}},{"count":"n"}]`, items(`{"n":0}`)},
		{"unwind", "companies", `[{"unwind":{"fieldPath":"addresses"}},{"group":{"by":"addresses.city","n":"count()"}}]`,
			items(`{"addresses":{"city":"Lyon"},"n":2}`, `{"addresses":{"city":"Paris"},"n":1}`)},
		{"unwind includeEmpty", "companies", `[{"unwind":{"fieldPath":"addresses","includeEmpty":true}},{"project":"addresses.city"}]`,
			items(`{"id":"{acme}","addresses":{"city":"Lyon"}}`, `{"id":"{acme}","addresses":{"city":"Paris"}}`, `{"id":"{beta}","addresses":null}`,
				`{"id":"{gamma}","addresses":{"city":"Lyon"}}`, `{"id":"{delta}","addresses":null}`)},
		{"unwind a multi-valued relationship", "contacts", `[{"unwind":{"fieldPath":"skills"}},{"group":{"by":"skills","n":"count()"}}]`,
			items(`{"skills":{"id":"{go}","label":"Go"},"n":1}`, `{"skills":{"id":"{sql}","label":"SQL"},"n":2}`)},
		{"lookup: id to relationship", "companies",
			`[{"lookup":{"localFieldPath":"id","foreignFieldPath":"company","foreignEntityName":"contacts","as":"people"}},{"project":"name,people.firstName"}]`,
			items(`{"id":"{acme}","name":"Acme","people":[{"firstName":"Ann"},{"firstName":"Bob"}]}`, `{"id":"{beta}","name":"Beta","people":[]}`,
				`{"id":"{gamma}","name":"Gamma","people":[{"firstName":"Cid"}]}`, `{"id":"{delta}","name":"Delta","people":[]}`)},
		{"lookup: relationship to id, whole records", "contacts",
			`[{"match":{"firstName":"Cid"}},{"lookup":{"localFieldPath":"company.id","foreignFieldPath":"id","foreignEntityName":"companies","as":"co"}},{"project":"co"}]`,
			items(`{"id":"{cid}","co":[{"id":"{gamma}","version":0,"label":"Gamma","name":"Gamma","state":"active","type":"b","numberOfEmployees":7,` +
				`"isCustomer":false,"addresses":[{"id":"ITEM","label":"null - null","city":"Lyon"}],"rating":"0.1","lastMeeting":3000,"lastUpdate":"TIME","created":"TIME"}]}`)},
		{"lookup: many-valued local path, then a match on the records", "contacts",
			`[{"lookup":{"localFieldPath":"skills","foreignFieldPath":"id","foreignEntityName":"skills","as":"sk"}},{"match":{"sk.name":"Go"}},{"project":"firstName,sk.name"}]`,
			items(`{"id":"{ann}","firstName":"Ann","sk":[{"name":"Go"},{"name":"SQL"}]}`)},
		{"the single-object form", "companies", `{"match":{"isCustomer":false},"sort":{"rating":"desc"},"limit":1,"project":"name"}`,
			items(`{"id":"{beta}","name":"Beta"}`)},
		{"no stages", "skills", `[]`, items(`{"id":"{go}","version":0,"label":"Go","name":"Go","category":"technical"}`,
			`{"id":"{sql}","version":0,"label":"SQL","name":"SQL","category":"technical"}`, `{"id":"{french}","version":0,"label":"French","name":"French","category":"language"}`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := w.agg(t, c.entity, c.body)
			got = regexpItemID.ReplaceAllString(got, `"id":"ITEM"`)
			got = regexpTime.ReplaceAllString(got, `$1"TIME"`)
			if got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", c.body, got, c.want)
			}
		})
	}
}

// TestAggregateAccumulators: every accumulator of §6.3, exact sums of
// every number type (decimals and money without float drift).
func TestAggregateAccumulators(t *testing.T) {
	w := newAggWorld(t)
	got := w.agg(t, "companies", `[{"group":{"by":"type","n":"count()","emp":"sum(numberOfEmployees)","avgEmp":"avg(numberOfEmployees)",`+
		`"r":"sum(rating)","avgR":"avg(rating)","first":"first(name)","last":"last(name)","min":"min(lastMeeting)","max":"max(lastMeeting)"}}]`)
	want := items(`{"type":"a","n":2,"emp":10,"avgEmp":10,"r":"1.7","avgR":"0.85","first":"Acme","last":"Delta","min":1000,"max":1000}`,
		`{"type":"b","n":2,"emp":12,"avgEmp":6,"r":"2.35","avgR":"1.175","first":"Beta","last":"Gamma","min":2000,"max":3000}`)
	if got != want {
		t.Errorf("by type:\n got %s\nwant %s", got, want)
	}
	// first and last follow a sort.
	got = w.agg(t, "companies", `[{"sort":{"numberOfEmployees":"asc"}},{"group":{"by":"state","lo":"first(name)","hi":"last(name)"}}]`)
	want = items(`{"state":null,"lo":"Delta","hi":"Delta"}`, `{"state":"active","lo":"Gamma","hi":"Acme"}`, `{"state":"pending","lo":"Beta","hi":"Beta"}`)
	if got != want {
		t.Errorf("first/last after sort:\n got %s\nwant %s", got, want)
	}

	k := kitchen(t)
	for _, v := range []obj{
		{"money": 0.1, "decimal": 1.005, "percentage": 0.5, "duration": 1000, "integer": 9007199254740993, "bigNumber": "0.1", "date": "2024-03-01", "choice": "b"},
		{"money": 0.2, "decimal": 2, "percentage": 0.25, "duration": 500, "integer": 1, "bigNumber": "0.2", "date": "2023-12-31", "choice": "a"},
		{"money": 0.3, "decimal": -0.005, "integer": 9223372036854775807, "bigNumber": "-0.3"},
	} {
		thing(t, k, v)
	}
	r := k.As("PUT", "/data/things/aggregate", `[{"group":{"m":"sum(money)","d":"sum(decimal)","p":"sum(percentage)","du":"sum(duration)",`+
		`"i":"sum(integer)","b":"sum(bigNumber)","am":"avg(money)","ab":"avg(bigNumber)","d0":"min(date)","d1":"max(date)","c0":"min(choice)","c1":"max(choice)"}}]`).Status(200)
	if want := items(`{"m":0.6,"d":3,"p":0.75,"du":1500,"i":9232379236109516801,"b":"0","am":0.2,"ab":"0","d0":"2023-12-31","d1":"2024-03-01","c0":"a","c1":"b"}`); string(r.Body) != want {
		t.Errorf("number types:\n got %s\nwant %s", r.Body, want)
	}
}

// TestAggregateErrors: invalid pipelines and bodies are 400 with the
// stage named, an unknown entity 404, no token 401; the memory bound is
// a 400 naming the stage.
func TestAggregateErrors(t *testing.T) {
	w := newAggWorld(t)
	s := w.s
	for _, c := range []struct{ body, msg string }{
		{`{"match":{"nope":1}}`, `Invalid aggregate pipeline: stage 1 (match): nope: unknown field "nope"`},
		{`[{"limit":1},{"geoNear":{}}]`, `Invalid aggregate pipeline: stage 2 (geoNear): geoNear must be the first stage`},
		{`[{"group":{"x":"median(rating)"}}]`, `Invalid aggregate pipeline: stage 1 (group): x: unknown accumulator "median" (count, sum, avg, first, last, min, max)`},
		{`[{"group":{"x":"sum(name)"}}]`, `Invalid aggregate pipeline: stage 1 (group): x: sum(name): not supported for text fields`},
		{`[{"group":{"by":"state"}},{"sort":{"name":"asc"}}]`, `Invalid aggregate pipeline: stage 2 (sort): unknown field "name"`},
		{`[{"count":"a b"}]`, `Invalid aggregate pipeline: stage 1 (count): "a b" is not a valid name (letters and digits only)`},
		{`[{"skip":0}]`, `Invalid aggregate pipeline: stage 1 (skip): expected a positive integer, got 0`},
		{`[{"unwind":{"fieldPath":"name"}}]`, `Invalid aggregate pipeline: stage 1 (unwind): name is not a multi-valued field`},
		{`[{"lookup":{"localFieldPath":"id","foreignFieldPath":"company","foreignEntityName":"nope","as":"x"}}]`,
			`Invalid aggregate pipeline: stage 1 (lookup): foreignEntityName: unknown entity "nope"`},
		{`[{"project":""}]`, `Invalid aggregate pipeline: stage 1 (project): no field paths`},
		{`[{"frob":{}}]`, `Invalid aggregate pipeline: stage 1 (frob): unknown operation "frob" (count, geoNear, group, limit, lookup, match, project, skip, sort, unwind)`},
		{`[{"match":{}}`, `Invalid aggregate pipeline: malformed JSON: unexpected EOF`},
		{``, `Invalid aggregate pipeline: malformed JSON: the body is empty`},
		{`3`, `Invalid aggregate pipeline: the body must be a JSON array of stages (or one object of stages), got a number`},
	} {
		m := s.As("PUT", "/data/companies/aggregate", c.body).Error(400, "badRequest")
		if m["message"] != c.msg {
			t.Errorf("%s: %v, want %s", c.body, m["message"], c.msg)
		}
	}
	s.Raw("PUT", "/data/companies/aggregate", s.Token, "text/plain", `[]`).Error(400, "badRequest")
	s.As("PUT", "/data/nope/aggregate", `[]`).Error(404, "notFound")
	s.Do("PUT", "/data/companies/aggregate", "", `[]`).Error(401, "unauthorized")

	// The memory bound: 4 companies do not fit a sort holding 3 (in Go:
	// a sort with nothing the statement runs after it), the answer of 4
	// items does not fit either; a sort followed by a limit does, and a
	// sort the statement leaves out (before a count) holds nothing.
	w = newAggWorld(t, apitest.Options{AggregateMaxItems: 3})
	s = w.s
	m := s.As("PUT", "/data/companies/aggregate", `[{"sort":{"name":"asc"}},{"project":"name"}]`).Error(400, "badRequest")
	if want := "Aggregate stage 1 (sort) would hold more than 3 documents in memory; narrow the pipeline first (match, limit, project)"; m["message"] != want {
		t.Errorf("sort over the bound: %v", m["message"])
	}
	if got := w.agg(t, "companies", `[{"sort":{"name":"asc"}},{"count":"n"}]`); got != items(`{"n":4}`) {
		t.Errorf("a sort before a count: %s", got)
	}
	m = s.As("PUT", "/data/companies/aggregate", `[]`).Error(400, "badRequest")
	if want := "The aggregate answer has more than 3 items; add a limit stage"; m["message"] != want {
		t.Errorf("answer over the bound: %v", m["message"])
	}
	if got := w.agg(t, "companies", `[{"sort":{"name":"asc"}},{"limit":2},{"project":"name"}]`); got != items(`{"id":"{acme}","name":"Acme"}`, `{"id":"{beta}","name":"Beta"}`) {
		t.Errorf("top-k within the bound: %s", got)
	}

	big := apitest.Start(t, nil, apitest.Options{MaxBodySize: 64})
	big.As("PUT", "/data/companies/aggregate", `[`+strings.Repeat(`{"limit":1},`, 10)+`{"limit":1}]`).Error(400, "badRequest")
}

// TestAggregateGeoNear: nearest first with the distance, over HTTP.
func TestAggregateGeoNear(t *testing.T) {
	k := kitchen(t)
	far := thing(t, k, obj{"text": "far", "geoPoint": obj{"latitude": 48.85, "longitude": 2.35}})["id"].(string)
	near := thing(t, k, obj{"text": "near", "geoPoint": obj{"latitude": -34.61, "longitude": -58.41}})["id"].(string)
	thing(t, k, obj{"text": "nowhere"})
	r := k.As("PUT", "/data/things/aggregate", `[{"geoNear":{"coordinates":{"latitude":-34.6,"longitude":-58.4},"distanceField":"km",`+
		`"distanceMultiplier":0.001,"includeLocs":"at"}},{"project":"text,km,at"}]`).Status(200)
	var p struct {
		Total int   `json:"total"`
		Items []obj `json:"items"`
	}
	r.Decode(&p)
	if p.Total != 2 || p.Items[0]["id"] != near || p.Items[1]["id"] != far {
		t.Fatalf("order: %s", r.Body)
	}
	if km := p.Items[0]["km"].(float64); km < 1.3 || km > 1.5 || !jsonEq(p.Items[0]["at"], obj{"latitude": -34.61, "longitude": -58.41}) {
		t.Errorf("near: %s", r.Body)
	}
	if km := p.Items[1]["km"].(float64); km < 11000 || km > 11100 {
		t.Errorf("far: %v km", km)
	}
	r = k.As("PUT", "/data/things/aggregate", `[{"geoNear":{"coordinates":{"latitude":-34.6,"longitude":-58.4},"distanceField":"d","maxDistance":5000}},{"count":"n"}]`)
	if string(r.Status(200).Body) != items(`{"n":1}`) {
		t.Errorf("maxDistance: %s", r.Body)
	}
}

// TestAggregateLookupJoin: a lookup unwound and then grouped or counted
// runs as one join in the statement, both ways (id to relationship,
// relationship to id), and answers as the same pipeline run in Go. The
// memory bound shows the path: with room for 2 documents, the Go lookup
// of 4 companies' contacts (3) is a 400, the join holds only the groups.
func TestAggregateLookupJoin(t *testing.T) {
	companies := `{"lookup":{"localFieldPath":"id","foreignFieldPath":"company","foreignEntityName":"contacts","as":"p"}}`
	company := `{"lookup":{"localFieldPath":"company","foreignFieldPath":"id","foreignEntityName":"companies","as":"co"}}`
	cases := []aggCase{
		{"id to relationship, group by a local field", "companies",
			`[` + companies + `,{"unwind":{"fieldPath":"p"}},{"group":{"by":"type","n":"count()","skills":"sum(p.numberOfSkills)","who":"first(p.firstName)","last":"last(p.firstName)"}}]`,
			items(`{"type":"a","n":2,"skills":3,"who":"Ann","last":"Bob"}`, `{"type":"b","n":1,"skills":0,"who":"Cid","last":"Cid"}`)},
		{"id to relationship, includeEmpty, group by a looked-up field", "companies",
			`[` + companies + `,{"unwind":{"fieldPath":"p","includeEmpty":true}},{"group":{"by":"p.lastName","n":"count()","co":"max(name)"}}]`,
			items(`{"p":{"lastName":null},"n":2,"co":"Delta"}`, `{"p":{"lastName":"Lee"},"n":1,"co":"Acme"}`, `{"p":{"lastName":"Ray"},"n":1,"co":"Acme"}`,
				`{"p":{"lastName":"Roe"},"n":1,"co":"Gamma"}`)},
		{"relationship to id, after a match and a sort, first in the sort's order", "contacts",
			`[{"match":{"firstName":"Ann,Bob,Cid"}},{"sort":{"firstName":"desc"}},` + company + `,{"unwind":{"fieldPath":"co"}},` +
				`{"group":{"by":"co.type","n":"count()","emp":"sum(co.numberOfEmployees)","r":"sum(co.rating)","first":"first(firstName)"}}]`,
			items(`{"co":{"type":"a"},"n":2,"emp":20,"r":"3","first":"Bob"}`, `{"co":{"type":"b"},"n":1,"emp":7,"r":"0.1","first":"Cid"}`)},
		{"relationship to id, group by the looked-up record's relationship", "contacts",
			`[` + company + `,{"unwind":{"fieldPath":"co"}},{"group":{"by":"company","n":"count()","state":"first(co.state)"}}]`,
			items(`{"company":{"id":"{acme}","label":"Acme"},"n":2,"state":"active"}`, `{"company":{"id":"{gamma}","label":"Gamma"},"n":1,"state":"active"}`)},
		{"a count of the joined rows", "companies", `[` + companies + `,{"unwind":{"fieldPath":"p"}},{"count":"n"}]`, items(`{"n":3}`)},
	}
	sqlAndGo(t, cases)
	small := newAggWorld(t, apitest.Options{AggregateMaxItems: 2})
	if got := small.agg(t, "companies", cases[0].body); got != cases[0].want {
		t.Errorf("the join within the bound: %s", got)
	}
	m := small.s.As("PUT", "/data/companies/aggregate", `[`+companies+`,{"unwind":{"fieldPath":"p"}},{"match":{"p.firstName":"Ann"}},{"count":"n"}]`).Error(400, "badRequest")
	if want := "Aggregate stage 1 (lookup) would hold more than 2 documents in memory; narrow the pipeline first (match, limit, project)"; m["message"] != want {
		t.Errorf("a lookup in Go over the bound: %v", m["message"])
	}
}

// TestAggregateLookupValues: lookups join numbers and booleans by value,
// on both stores.
func TestAggregateLookupValues(t *testing.T) {
	k := kitchen(t)
	thing(t, k, obj{"text": "a", "integer": 1, "decimal": 1.5, "boolean": true})
	thing(t, k, obj{"text": "b", "integer": 1, "decimal": 2})
	thing(t, k, obj{"text": "c", "integer": 2, "decimal": 1.5})
	for _, c := range []struct{ path, want string }{
		{"integer", `[["a","b"],["a","b"],["c"]]`},
		{"decimal", `[["a","c"],["b"],["a","c"]]`},
		{"boolean", `[["a"],["b","c"],["b","c"]]`},
	} {
		r := k.As("PUT", "/data/things/aggregate", `[{"lookup":{"localFieldPath":"`+c.path+`","foreignFieldPath":"`+c.path+
			`","foreignEntityName":"things","as":"same"}},{"project":"same.text"}]`).Status(200)
		var p struct{ Items []obj }
		r.Decode(&p)
		var got [][]string
		for _, it := range p.Items {
			var texts []string
			for _, s := range it["same"].([]any) {
				texts = append(texts, s.(map[string]any)["text"].(string))
			}
			got = append(got, texts)
		}
		if js(got) != c.want {
			t.Errorf("join on %s: %s, want %s", c.path, js(got), c.want)
		}
	}
}

// TestAggregateAfterGroup: sorts, skips, limits, projects and a count of
// a group's documents, which the statement runs after grouping, answer as
// in Go — ties in the group's own order (by key), sums and averages by
// value — and a group holding more than the memory bound answers when a
// limit after it keeps the answer within it (in Go, or without the limit:
// 400). A lookup nothing unwinds before a group or a count (which cannot
// read its array) is left out of the statement: its foreign records are
// not held either.
func TestAggregateAfterGroup(t *testing.T) {
	lookup := `{"lookup":{"localFieldPath":"id","foreignFieldPath":"company","foreignEntityName":"contacts","as":"p"}}`
	lookupGroup := `[` + lookup + `,{"group":{"by":"type","n":"count()"}}]`
	cases := []aggCase{
		{"sort by a sum, limit", "companies",
			`[{"group":{"by":"type","e":"sum(numberOfEmployees)"}},{"sort":{"e":"desc"}},{"limit":1}]`, items(`{"type":"b","e":12}`)},
		{"sort by a count: ties in key order (null first)", "companies",
			`[{"group":{"by":"state","n":"count()"}},{"sort":{"n":"desc"}}]`,
			items(`{"state":"active","n":2}`, `{"state":null,"n":1}`, `{"state":"pending","n":1}`)},
		{"sort by a key descending", "companies",
			`[{"group":{"by":"state","n":"count()"}},{"sort":{"state":"desc"}}]`,
			items(`{"state":"pending","n":1}`, `{"state":"active","n":2}`, `{"state":null,"n":1}`)},
		{"sort by an exact decimal sum", "companies",
			`[{"group":{"by":"type","r":"sum(rating)"}},{"sort":{"r":"desc"}}]`, items(`{"type":"b","r":"2.35"}`, `{"type":"a","r":"1.7"}`)},
		{"sort by an average, then by a max", "companies",
			`[{"group":{"by":"type","a":"avg(numberOfEmployees)","m":"max(lastMeeting)"}},{"sort":{"m":"desc"}},{"sort":{"a":"asc"}}]`,
			items(`{"type":"b","a":6,"m":3000}`, `{"type":"a","a":10,"m":1000}`)},
		{"two sort keys, skip and limit", "companies",
			`[{"group":{"by":"state,type","n":"count()","e":"sum(numberOfEmployees)"}},{"sort":{"n":"desc","e":"asc"}},{"skip":1},{"limit":2}]`,
			items(`{"state":"pending","type":"b","n":1,"e":5}`, `{"state":"active","type":"b","n":1,"e":7}`)},
		{"a window of the groups in key order", "companies",
			`[{"group":{"by":"state","n":"count()"}},{"skip":1},{"limit":2}]`, items(`{"state":"active","n":2}`, `{"state":"pending","n":1}`)},
		{"sort by a relationship key's id", "contacts",
			`[{"group":{"by":"company","n":"count()"}},{"sort":{"company.id":"desc"}},{"limit":1}]`,
			items(`{"company":{"id":"{gamma}","label":"Gamma"},"n":1}`)},
		{"sort by a relationship key's label (in Go)", "contacts",
			`[{"group":{"by":"company","n":"count()"}},{"sort":{"company":"desc"}}]`,
			items(`{"company":{"id":"{gamma}","label":"Gamma"},"n":1}`, `{"company":{"id":"{acme}","label":"Acme"},"n":2}`)},
		{"a count of the groups", "companies", `[{"group":{"by":"state"}},{"count":"n"}]`, items(`{"n":3}`)},
		{"a count of a window of the groups", "companies", `[{"group":{"by":"name"}},{"sort":{"name":"desc"}},{"skip":1},{"limit":2},{"count":"n"}]`,
			items(`{"n":2}`)},
		{"a project between the sort and the limit", "companies",
			`[{"group":{"by":"type","e":"sum(numberOfEmployees)","n":"count()"}},{"sort":{"n":"desc"}},{"project":"type,e"},{"sort":{"e":"asc"}},{"limit":1}]`,
			items(`{"type":"a","e":10}`)},
		{"a lookup nothing unwinds, then a group", "companies", lookupGroup,
			items(`{"type":"a","n":2}`, `{"type":"b","n":2}`)},
		{"a lookup nothing unwinds, then a count", "companies", `[{"match":{"type":"b"}},` + lookup + `,{"limit":1},{"count":"n"}]`, items(`{"n":1}`)},
		{"after an unwind", "companies",
			`[{"unwind":{"fieldPath":"addresses"}},{"group":{"by":"addresses.city","n":"count()"}},{"sort":{"n":"asc"}},{"limit":1}]`,
			items(`{"addresses":{"city":"Paris"},"n":1}`)},
	}
	sqlAndGo(t, cases)

	// 4 groups, room for 3 documents
	topTwo := `[{"group":{"by":"name","e":"sum(numberOfEmployees)"}},{"sort":{"e":"desc"}},{"limit":2}]`
	small := newAggWorld(t, apitest.Options{AggregateMaxItems: 3})
	if got := small.agg(t, "companies", topTwo); got != items(`{"name":"Acme","e":10}`, `{"name":"Gamma","e":7}`) {
		t.Errorf("top two of 4 groups within a bound of 3: %s", got)
	}
	// the 3 contacts of the companies do not fit a bound of 2 in Go's
	// lookup; the statement reads none
	tiny, tinyGo := newAggWorld(t, apitest.Options{AggregateMaxItems: 2}), newAggWorld(t, apitest.Options{AggregateMaxItems: 2, AggregateInGo: true})
	if got := tiny.agg(t, "companies", lookupGroup); got != items(`{"type":"a","n":2}`, `{"type":"b","n":2}`) {
		t.Errorf("a lookup left out within a bound of 2: %s", got)
	}
	m := tinyGo.s.As("PUT", "/data/companies/aggregate", lookupGroup).Error(400, "badRequest")
	if want := "Aggregate stage 1 (lookup) would hold more than 2 documents in memory; narrow the pipeline first (match, limit, project)"; m["message"] != want {
		t.Errorf("a lookup in Go over the bound: %v", m["message"])
	}
	for _, c := range []struct {
		w    *aggWorld
		body string
	}{
		{small, `[{"group":{"by":"name","e":"sum(numberOfEmployees)"}},{"sort":{"e":"desc"}}]`},
		{newAggWorld(t, apitest.Options{AggregateMaxItems: 3, AggregateInGo: true}), topTwo},
	} {
		m := c.w.s.As("PUT", "/data/companies/aggregate", c.body).Error(400, "badRequest")
		if want := "Aggregate stage 1 (group) would hold more than 3 documents in memory; narrow the pipeline first (match, limit, project)"; m["message"] != want {
			t.Errorf("%s: %v", c.body, m["message"])
		}
	}
}

// TestAggregateMatchAfterGroup: a match of the groups' documents (a
// condition on their keys and accumulators), and a sort of a window of
// them, answer as in Go, and where they run in the group's statement the
// groups they drop are never held.
func TestAggregateMatchAfterGroup(t *testing.T) {
	byName := `{"group":{"by":"name","e":"sum(numberOfEmployees)"}}`
	cases := []aggCase{
		{"a sum greater than, sorted, limited", "companies",
			`[` + byName + `,{"match":{"e":"greater(5)"}},{"sort":{"e":"desc"}},{"limit":5}]`,
			items(`{"name":"Acme","e":10}`, `{"name":"Gamma","e":7}`)},
		{"a sum of no numbers is 0", "companies", `[` + byName + `,{"match":{"e":0}}]`, items(`{"name":"Delta","e":0}`)},
		{"an exact decimal sum", "companies",
			`[{"group":{"by":"type","r":"sum(rating)"}},{"match":{"r":"1.7"}}]`, items(`{"type":"a","r":"1.7"}`)},
		{"a decimal sum ordered exactly", "companies",
			`[{"group":{"by":"type","r":"sum(rating)"}},{"match":{"r":"greater(1.7)"}}]`, items(`{"type":"b","r":"2.35"}`)},
		{"_or of a key and a count", "companies",
			`[{"group":{"by":"state","n":"count()"}},{"match":{"_or":{"state":"pending","n":"greaterOrEquals(2)"}}}]`,
			items(`{"state":"active","n":2}`, `{"state":"pending","n":1}`)},
		{"notEquals keeps the null key", "companies",
			`[{"group":{"by":"state","n":"count()"}},{"match":{"state":"notEquals(active)"}}]`,
			items(`{"state":null,"n":1}`, `{"state":"pending","n":1}`)},
		{"empty: a min over no values", "companies",
			`[{"group":{"by":"name","s":"min(state)"}},{"match":{"s":"empty()"}}]`, items(`{"name":"Delta","s":null}`)},
		{"an average", "companies",
			`[{"group":{"by":"type","a":"avg(numberOfEmployees)"}},{"match":{"a":"lessOrEquals(6)"}}]`, items(`{"type":"b","a":6}`)},
		{"two matches, then a count", "companies",
			`[` + byName + `,{"match":{"e":"between(5,10)"}},{"match":{"name":"notEquals(Acme)"}},{"count":"n"}]`, items(`{"n":2}`)},
		{"a relationship key's label", "contacts",
			`[{"group":{"by":"company","n":"count()"}},{"match":{"company.label":"Gamma"}}]`,
			items(`{"company":{"id":"{gamma}","label":"Gamma"},"n":1}`)},
		{"a sort by a relationship key's label", "contacts",
			`[{"group":{"by":"company","n":"count()"}},{"sort":{"company.label":"desc"}}]`,
			items(`{"company":{"id":"{gamma}","label":"Gamma"},"n":1}`, `{"company":{"id":"{acme}","label":"Acme"},"n":2}`)},
		{"a bare relationship key: its label", "contacts",
			`[{"group":{"by":"company","n":"count()"}},{"match":{"company":"Gamma"}}]`,
			items(`{"company":{"id":"{gamma}","label":"Gamma"},"n":1}`)},
		{"after a window of the groups", "companies",
			`[` + byName + `,{"sort":{"e":"desc"}},{"limit":2},{"match":{"e":"less(10)"}}]`, items(`{"name":"Gamma","e":7}`)},
		{"a sort and a match of a first and a last read after grouping", "companies",
			`[{"group":{"by":"type","f":"first(name)","l":"last(name)"}},{"match":{"l":"notEquals(Acme)"}},{"sort":{"f":"desc"}}]`,
			items(`{"type":"b","f":"Beta","l":"Gamma"}`, `{"type":"a","f":"Acme","l":"Delta"}`)},
		{"a sort of a window of the groups", "companies",
			`[` + byName + `,{"sort":{"e":"desc"}},{"limit":3},{"sort":{"name":"asc"}},{"skip":1}]`,
			items(`{"name":"Beta","e":5}`, `{"name":"Gamma","e":7}`)},
		{"a sort of a window keeps the window's order among ties", "companies",
			`[{"group":{"by":"name","n":"count()","e":"sum(numberOfEmployees)"}},{"sort":{"e":"asc"}},{"limit":3},{"sort":{"n":"desc"}}]`,
			items(`{"name":"Delta","n":1,"e":0}`, `{"name":"Beta","n":1,"e":5}`, `{"name":"Gamma","n":1,"e":7}`)},
	}
	sqlAndGo(t, cases)

	// 4 groups, room for 3 documents: the statement keeps 2 of them, Go
	// holds all 4
	body := `[` + byName + `,{"match":{"e":"greater(6)"}},{"sort":{"e":"desc"}}]`
	small := newAggWorld(t, apitest.Options{AggregateMaxItems: 3})
	if got := small.agg(t, "companies", body); got != items(`{"name":"Acme","e":10}`, `{"name":"Gamma","e":7}`) {
		t.Errorf("2 of 4 groups within a bound of 3: %s", got)
	}
	if got := small.agg(t, "companies", `[`+byName+`,{"sort":{"e":"desc"}},{"limit":2},{"sort":{"name":"desc"}}]`); got != items(`{"name":"Gamma","e":7}`, `{"name":"Acme","e":10}`) {
		t.Errorf("a sort of 2 of 4 groups within a bound of 3: %s", got)
	}
	m := newAggWorld(t, apitest.Options{AggregateMaxItems: 3, AggregateInGo: true}).s.As("PUT", "/data/companies/aggregate", body).Error(400, "badRequest")
	if want := "Aggregate stage 1 (group) would hold more than 3 documents in memory; narrow the pipeline first (match, limit, project)"; m["message"] != want {
		t.Errorf("in Go over the bound: %v", m["message"])
	}
}

// aggCase is a pipeline over an entity of the demo world and its answer.
type aggCase struct{ name, entity, body, want string }

// sqlAndGo runs each case on a server that runs what it can in SQL and on
// one that runs everything in Go: both must give the case's answer.
func sqlAndGo(t *testing.T, cases []aggCase) {
	t.Helper()
	sqlWorld, goWorld := newAggWorld(t), newAggWorld(t, apitest.Options{AggregateInGo: true})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := sqlWorld.agg(t, c.entity, c.body); got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", c.body, got, c.want)
			}
			if got := goWorld.agg(t, c.entity, c.body); got != c.want {
				t.Errorf("%s in Go:\n got %s\nwant %s", c.body, got, c.want)
			}
		})
	}
}
