package aggregate

import (
	"strings"
	"testing"
)

// evalCase is a pipeline over the fixtures and its answer, one encoded
// item per line.
type evalCase struct {
	name, entity, body string
	want               []string
}

func checkEval(t *testing.T, appName string, cases []evalCase) {
	t.Helper()
	a, w := demoApp(t), demoWorld(t)
	if appName == "kitchen" {
		a, w = kitchenApp(t), kitchenWorld(t)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := run(t, a, w, c.entity, c.body, 0)
			if err != nil {
				t.Fatalf("%s: %v", c.body, err)
			}
			if want := strings.Join(c.want, "\n"); got != want {
				t.Errorf("%s:\n got:\n%s\nwant:\n%s", c.body, got, want)
			}
		})
	}
}

// TestStages runs every stage over the demo app's companies and contacts.
func TestStages(t *testing.T) {
	checkEval(t, "demo", []evalCase{
		{"match", "companies", `[{"match":{"state":"active"}},{"project":"name"}]`, []string{
			`{"id":"000000000000000000000c01","name":"Acme"}`,
			`{"id":"000000000000000000000c03","name":"Gamma"}`,
			`{"id":"000000000000000000000c06","name":"Zeta"}`}},
		{"match: or, operators, system fields", "companies",
			`[{"match":{"_or":{"numberOfEmployees":"less(6)","label":"Zeta"},"version":"greater(-1)"}},{"project":"name"}]`, []string{
				`{"id":"000000000000000000000c02","name":"Beta"}`,
				`{"id":"000000000000000000000c05","name":"Epsilon"}`,
				`{"id":"000000000000000000000c06","name":"Zeta"}`}},
		{"match by id", "companies", `[{"match":{"id":"000000000000000000000c02,000000000000000000000c05"}},{"project":"name"}]`, []string{
			`{"id":"000000000000000000000c02","name":"Beta"}`,
			`{"id":"000000000000000000000c05","name":"Epsilon"}`}},
		{"match on a member a group made", "companies", `[{"group":{"by":"state","n":"count()"}},{"match":{"n":"greater(1)"}}]`, []string{
			`{"state":"active","n":3}`}},
		{"match on a relationship copied into a group", "contacts",
			`[{"group":{"by":"company","n":"count()"}},{"match":{"company":"like(acm)"}}]`, []string{
				`{"company":{"id":"000000000000000000000c01","label":"Acme"},"n":2}`}},
		{"sort: keys in order, nulls first ascending", "companies", `[{"sort":{"state":"asc","numberOfEmployees":"desc"}},{"project":"name"}]`, []string{
			`{"id":"000000000000000000000c04","name":"Delta"}`,
			`{"id":"000000000000000000000c06","name":"Zeta"}`,
			`{"id":"000000000000000000000c01","name":"Acme"}`,
			`{"id":"000000000000000000000c03","name":"Gamma"}`,
			`{"id":"000000000000000000000c05","name":"Epsilon"}`,
			`{"id":"000000000000000000000c02","name":"Beta"}`}},
		{"sort: nulls last descending", "companies", `[{"sort":{"numberOfEmployees":"desc"}},{"project":"numberOfEmployees"}]`, []string{
			`{"id":"000000000000000000000c06","numberOfEmployees":12}`,
			`{"id":"000000000000000000000c01","numberOfEmployees":10}`,
			`{"id":"000000000000000000000c03","numberOfEmployees":7}`,
			`{"id":"000000000000000000000c02","numberOfEmployees":5}`,
			`{"id":"000000000000000000000c05","numberOfEmployees":0}`,
			`{"id":"000000000000000000000c04"}`}},
		{"sort: stable, booleans false before true", "companies", `[{"sort":{"isCustomer":"desc"}},{"project":"name"}]`, []string{
			`{"id":"000000000000000000000c01","name":"Acme"}`,
			`{"id":"000000000000000000000c05","name":"Epsilon"}`,
			`{"id":"000000000000000000000c02","name":"Beta"}`,
			`{"id":"000000000000000000000c03","name":"Gamma"}`,
			`{"id":"000000000000000000000c04","name":"Delta"}`,
			`{"id":"000000000000000000000c06","name":"Zeta"}`}},
		{"sort: a relationship by its label", "contacts", `[{"sort":{"company":"desc"}},{"project":"firstName"}]`, []string{
			`{"id":"000000000000000000000k03","firstName":"Cid"}`,
			`{"id":"000000000000000000000k01","firstName":"Ann"}`,
			`{"id":"000000000000000000000k02","firstName":"Bob"}`,
			`{"id":"000000000000000000000k04","firstName":"Dee"}`}},
		{"sort: by a nested field, and an accumulator", "companies",
			`[{"group":{"by":"type","n":"count()"}},{"sort":{"n":"desc","type":"desc"}}]`, []string{
				`{"type":"b","n":2}`, `{"type":"a","n":2}`, `{"type":null,"n":2}`}},
		{"skip and limit", "companies", `[{"skip":2},{"limit":2},{"project":"name"}]`, []string{
			`{"id":"000000000000000000000c03","name":"Gamma"}`,
			`{"id":"000000000000000000000c04","name":"Delta"}`}},
		{"skip past the end", "companies", `[{"skip":10}]`, nil},
		{"sort, skip, limit (top-k)", "companies", `[{"sort":{"name":"desc"}},{"skip":1},{"limit":2},{"project":"name"}]`, []string{
			`{"id":"000000000000000000000c03","name":"Gamma"}`,
			`{"id":"000000000000000000000c05","name":"Epsilon"}`}},
		{"project: parents whole, inner paths of each item, system fields", "companies",
			`[{"project":"addresses.city,contactInformation,label"},{"limit":4}]`, []string{
				`{"id":"000000000000000000000c01","label":"Acme","contactInformation":{"id":"ci1","label":"","email":"info@acme.com"},"addresses":[{"city":"Lyon"},{"city":"Paris"}]}`,
				`{"id":"000000000000000000000c02","label":"Beta","addresses":[]}`,
				`{"id":"000000000000000000000c03","label":"Gamma","addresses":[{"city":"Lyon"}]}`,
				`{"id":"000000000000000000000c04","label":"Delta"}`}},
		{"project after a group keeps no id", "companies", `[{"group":{"by":"type","n":"count()"}},{"project":"n"}]`, []string{
			`{"n":2}`, `{"n":2}`, `{"n":2}`}},
		{"group: every accumulator, nulls skipped", "companies",
			`[{"group":{"by":"type","n":"count()","emp":"sum(numberOfEmployees)","avgEmp":"avg(numberOfEmployees)","r":"sum(rating)",` +
				`"avgR":"avg(rating)","first":"first(name)","last":"last(name)","min":"min(lastMeeting)","max":"max(lastMeeting)"}}]`, []string{
				`{"type":null,"n":2,"emp":12,"avgEmp":6,"r":"9999999999999999999999999999999999","avgR":"9999999999999999999999999999999999","first":"Epsilon","last":"Zeta","min":null,"max":null}`,
				`{"type":"a","n":2,"emp":10,"avgEmp":10,"r":"1.7","avgR":"0.85","first":"Acme","last":"Delta","min":1000,"max":1000}`,
				`{"type":"b","n":2,"emp":12,"avgEmp":6,"r":"2.35","avgR":"1.175","first":"Beta","last":"Gamma","min":2000,"max":3000}`}},
		{"group: big numbers exact, avg rounded to 34 digits", "companies", `[{"group":{"r":"sum(rating)","a":"avg(rating)"}}]`, []string{
			`{"r":"10000000000000000000000000000000003.05","a":"2000000000000000000000000000000001"}`}},
		{"group: first and last follow a sort", "companies",
			`[{"sort":{"numberOfEmployees":"desc"}},{"group":{"by":"state","top":"first(name)","bottom":"last(name)"}}]`, []string{
				`{"state":null,"top":"Delta","bottom":"Delta"}`,
				`{"state":"active","top":"Zeta","bottom":"Gamma"}`,
				`{"state":"inactive","top":"Epsilon","bottom":"Epsilon"}`,
				`{"state":"pending","top":"Beta","bottom":"Beta"}`}},
		{"group: by several fields", "companies", `[{"group":{"by":"type,isCustomer","n":"count()"}}]`, []string{
			`{"type":null,"isCustomer":false,"n":1}`,
			`{"type":null,"isCustomer":true,"n":1}`,
			`{"type":"a","isCustomer":false,"n":1}`,
			`{"type":"a","isCustomer":true,"n":1}`,
			`{"type":"b","isCustomer":false,"n":2}`}},
		{"group: by a relationship answers {id, label}", "contacts",
			`[{"group":{"by":"company","n":"count()","skills":"sum(numberOfSkills)"}}]`, []string{
				`{"company":null,"n":1,"skills":0}`,
				`{"company":{"id":"000000000000000000000c01","label":"Acme"},"n":2,"skills":3}`,
				`{"company":{"id":"000000000000000000000c03","label":"Gamma"},"n":1,"skills":0}`}},
		{"group: by relationship members", "contacts", `[{"group":{"by":"company.id,company.label","n":"count()"}}]`, []string{
			`{"company":{"id":null,"label":null},"n":1}`,
			`{"company":{"id":"000000000000000000000c01","label":"Acme"},"n":2}`,
			`{"company":{"id":"000000000000000000000c03","label":"Gamma"},"n":1}`}},
		{"group: by a nested field", "companies",
			`[{"group":{"by":"contactInformation.email","n":"count()"}}]`, []string{
				`{"contactInformation":{"email":null},"n":5}`,
				`{"contactInformation":{"email":"info@acme.com"},"n":1}`}},
		{"group: no by is one group, also over nothing", "companies",
			`[{"match":{"name":"nope"}},{"group":{"n":"count()","s":"sum(numberOfEmployees)","a":"avg(numberOfEmployees)","f":"first(name)","m":"max(name)"}}]`, []string{
				`{"n":0,"s":0,"a":null,"f":null,"m":null}`}},
		{"group: with by over nothing is nothing", "companies", `[{"match":{"name":"nope"}},{"group":{"by":"state"}}]`, nil},
		{"count", "companies", `{"match":{"isCustomer":true},"count":"customers"}`, []string{`{"customers":2}`}},
		{"count over nothing", "companies", `[{"match":{"name":"nope"}},{"count":"n"}]`, []string{`{"n":0}`}},
		{"unwind", "companies", `[{"unwind":{"fieldPath":"addresses"}},{"project":"name,addresses.city"}]`, []string{
			`{"id":"000000000000000000000c01","name":"Acme","addresses":{"city":"Lyon"}}`,
			`{"id":"000000000000000000000c01","name":"Acme","addresses":{"city":"Paris"}}`,
			`{"id":"000000000000000000000c03","name":"Gamma","addresses":{"city":"Lyon"}}`,
			`{"id":"000000000000000000000c05","name":"Epsilon","addresses":{"city":"Nice"}}`}},
		{"unwind includeEmpty", "companies", `[{"unwind":{"fieldPath":"addresses","includeEmpty":true}},{"project":"addresses"}]`, []string{
			`{"id":"000000000000000000000c01","addresses":{"id":"a11","label":"L1","city":"Lyon","state":"RA"}}`,
			`{"id":"000000000000000000000c01","addresses":{"id":"a12","label":"L2","city":"Paris"}}`,
			`{"id":"000000000000000000000c02","addresses":null}`,
			`{"id":"000000000000000000000c03","addresses":{"id":"a31","label":"L3","city":"Lyon"}}`,
			`{"id":"000000000000000000000c04","addresses":null}`,
			`{"id":"000000000000000000000c05","addresses":{"id":"a51","label":"L5","city":"Nice"}}`,
			`{"id":"000000000000000000000c06","addresses":null}`}},
		{"unwind then group by the element", "companies",
			`[{"unwind":{"fieldPath":"addresses"}},{"group":{"by":"addresses.city","n":"count()"}}]`, []string{
				`{"addresses":{"city":"Lyon"},"n":2}`,
				`{"addresses":{"city":"Nice"},"n":1}`,
				`{"addresses":{"city":"Paris"},"n":1}`}},
		{"unwind a many relationship", "contacts", `[{"unwind":{"fieldPath":"skills"}},{"group":{"by":"skills","n":"count()"}}]`, []string{
			`{"skills":{"id":"000000000000000000000s01","label":"Go"},"n":1}`,
			`{"skills":{"id":"000000000000000000000s02","label":"SQL"},"n":2}`,
			`{"skills":{"id":"000000000000000000000s03","label":"French"},"n":1}`}},
		{"lookup: id to relationship", "companies",
			`[{"lookup":{"localFieldPath":"id","foreignFieldPath":"company","foreignEntityName":"contacts","as":"people"}},` +
				`{"project":"name,people.firstName"},{"limit":3}]`, []string{
				`{"id":"000000000000000000000c01","name":"Acme","people":[{"firstName":"Ann"},{"firstName":"Bob"}]}`,
				`{"id":"000000000000000000000c02","name":"Beta","people":[]}`,
				`{"id":"000000000000000000000c03","name":"Gamma","people":[{"firstName":"Cid"}]}`}},
		{"lookup: relationship to id", "contacts",
			`[{"lookup":{"localFieldPath":"company.id","foreignFieldPath":"id","foreignEntityName":"companies","as":"co"}},{"project":"firstName,co.name"}]`, []string{
				`{"id":"000000000000000000000k01","firstName":"Ann","co":[{"name":"Acme"}]}`,
				`{"id":"000000000000000000000k02","firstName":"Bob","co":[{"name":"Acme"}]}`,
				`{"id":"000000000000000000000k03","firstName":"Cid","co":[{"name":"Gamma"}]}`,
				`{"id":"000000000000000000000k04","firstName":"Dee","co":[]}`}},
		{"lookup: from a multi-valued relationship", "contacts",
			`[{"lookup":{"localFieldPath":"skills","foreignFieldPath":"id","foreignEntityName":"skills","as":"sk"}},{"project":"firstName,sk.name"}]`, []string{
				`{"id":"000000000000000000000k01","firstName":"Ann","sk":[{"name":"Go"},{"name":"SQL"}]}`,
				`{"id":"000000000000000000000k02","firstName":"Bob","sk":[{"name":"SQL"}]}`,
				`{"id":"000000000000000000000k03","firstName":"Cid","sk":[]}`,
				`{"id":"000000000000000000000k04","firstName":"Dee","sk":[{"name":"French"}]}`}},
		{"lookup: whole records, then a match on them", "companies",
			`[{"lookup":{"localFieldPath":"id","foreignFieldPath":"company","foreignEntityName":"contacts","as":"people"}},` +
				`{"match":{"people.firstName":"Cid"}},{"project":"people"}]`, []string{
				`{"id":"000000000000000000000c03","people":[{"id":"000000000000000000000k03","version":0,"label":"Cid Roe","firstName":"Cid","lastName":"Roe",` +
					`"fullName":"Cid Roe","phoneNumbers":[],"company":{"id":"000000000000000000000c03","label":"Gamma"},"skills":[],"numberOfSkills":0}]}`}},
		{"lookup, unwind, group", "companies",
			`[{"lookup":{"localFieldPath":"id","foreignFieldPath":"company","foreignEntityName":"contacts","as":"people"}},` +
				`{"unwind":{"fieldPath":"people"}},{"group":{"by":"name","n":"count()","skills":"sum(people.numberOfSkills)"}}]`, []string{
				`{"name":"Acme","n":2,"skills":3}`,
				`{"name":"Gamma","n":1,"skills":0}`}},
		{"the single-object form runs its stages in document order", "companies",
			`{"sort":{"name":"desc"},"limit":1,"project":"name"}`, []string{`{"id":"000000000000000000000c06","name":"Zeta"}`}},
		{"no stages: the records", "skills", `[]`, []string{
			`{"id":"000000000000000000000s01","version":0,"label":"Go","name":"Go","category":"technical"}`,
			`{"id":"000000000000000000000s02","version":0,"label":"SQL","name":"SQL","category":"technical"}`,
			`{"id":"000000000000000000000s03","version":0,"label":"French","name":"French","category":"language"}`}},
	})
}

// TestAccumulatorTypes: exact sums of every number type (decimals and
// money without float drift, integers beyond int64), and min/max/first/
// last over the other types of query-language.md §7.2.
func TestAccumulatorTypes(t *testing.T) {
	checkEval(t, "kitchen", []evalCase{
		{"sums and averages", "things",
			`[{"group":{"m":"sum(money)","d":"sum(decimal)","p":"sum(percentage)","du":"sum(duration)","i":"sum(integer)","b":"sum(bigNumber)",` +
				`"am":"avg(money)","ai":"avg(integer)","ab":"avg(bigNumber)","ad":"avg(duration)"}}]`, []string{
				`{"m":0.6,"d":3,"p":0.75,"du":1500,"i":18455751272964292608,"b":"0","am":0.2,"ai":4613937818241073000,"ab":"0","ad":750}`}},
		{"min and max", "things",
			`[{"group":{"d0":"min(date)","d1":"max(date)","t0":"min(time)","t1":"max(time)","b0":"min(boolean)","b1":"max(boolean)",` +
				`"c0":"min(choice)","c1":"max(choice)","x0":"min(text)","x1":"max(text)","n0":"min(bigNumber)","n1":"max(bigNumber)","o":"max(owner.label)"}}]`, []string{
				`{"d0":"2023-12-31","d1":"2024-03-01","t0":"09:00","t1":"10:30","b0":false,"b1":true,"c0":"a","c1":"b","x0":"a","x1":"c","n0":"-0.3","n1":"0.2","o":"Quinn"}`}},
		{"first and last of structured values", "things", `[{"group":{"f":"first(owner)","l":"last(fileUpload)","g":"first(group)"}}]`, []string{
			`{"f":{"id":"000000000000000000000p01","label":"Pat"},"l":null,"g":{"id":"0000000000000000000000g1","label":"Team"}}`}},
		{"group by a group field and a file", "things", `[{"group":{"by":"group","n":"count()"}}]`, []string{
			`{"group":null,"n":3}`,
			`{"group":{"id":"0000000000000000000000g1","label":"Team"},"n":1}`}},
		{"group by a file answers {id, name}", "things", `[{"group":{"by":"fileUpload","n":"count()"}}]`, []string{
			`{"fileUpload":null,"n":2}`,
			`{"fileUpload":{"id":"0000000000000000000000f1","name":"a.png"},"n":2}`}},
		{"sort big numbers by value", "things", `[{"sort":{"bigNumber":"asc"}},{"project":"bigNumber"}]`, []string{
			`{"id":"0000000000000000000000t4"}`,
			`{"id":"0000000000000000000000t3","bigNumber":"-0.3"}`,
			`{"id":"0000000000000000000000t1","bigNumber":"0.1"}`,
			`{"id":"0000000000000000000000t2","bigNumber":"0.2"}`}},
	})
}
