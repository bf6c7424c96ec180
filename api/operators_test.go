package api_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
)

// Operator matrix of query-language.md §2.3 and §7.1 over the kitchen
// "things" entity, which has one field of every type: every operator on
// every type that supports it (with the exact matching records), a 400 for
// every operator a type does not support, and for malformed values (D12).
// Near, text indexes and nested-object equality are tested elsewhere.

const (
	fileA = "6650a1b2c3d4e5f601234567"
	fileB = "6650a1b2c3d4e5f601234568"
)

// seedOperators creates the people Ana, Bob and Cy and five things: r0 has
// no value in any field (its rank is cleared after the create); r1 to r4
// have the values the cases below expect. Records are created at distinct
// milliseconds, so dateRecordCreated and autoIncrement grow with the index;
// r0 is modified last.
func seedOperators(t *testing.T, s *apitest.Server) (*fixture, map[string]obj) {
	t.Helper()
	people := map[string]obj{}
	for _, n := range []string{"Ana", "Bob", "Cy"} {
		people[n] = create(t, s, "people", obj{"name": n})
	}
	// Two uploads the records hold (fileA, fileB stand for them in the
	// bodies; TestOperators reads their ids back).
	uploads := map[string]string{fileA: s.UploadBytes("logo.png", "image/png", []byte("png")),
		fileB: s.UploadBytes("Report.PDF", "application/pdf", []byte("pdf!"))}
	dyn := func(sel string) obj {
		return obj{"options": arr{obj{"name": "AZ", "label": "Arizona"}, obj{"name": "NV", "label": "Nevada"}}, "selectedValue": sel}
	}
	bodies := []obj{
		{},
		{
			"text": "apple pie", "longText": "lorem ipsum", "html": "<p>Hello <b>world</b></p>",
			"email": "Ana@Example.org", "url": "https://example.org/a", "phone": "+1 (702) 845-9380",
			"maskedText": "123abc", "qr": "QR-1", "integer": 5, "decimal": 3.25, "money": 80000,
			"percentage": 0.5, "bigNumber": "8.9977381997", "boolean": true, "choice": "a",
			"dynamicChoice": dyn("NV"), "date": "2016-07-12", "dateTime": 1484578380000,
			"dateTimeNoTimezone": "2016-11-05 19:00", "time": "08:00", "duration": 10800000,
			"dateMonthDay": "04-16", "dateYearMonth": "2016-07", "color": "#f5a9a9", "rank": "a0",
			"fileUpload": uploads[fileA], "group": "everyone", "relationship": "Ana",
			"nestedFields": obj{"inner": "in one", "count": 3}, "tags": arr{"x", "y"},
			"address": obj{"street": "Main 1", "zip": "1234"},
			"items":   arr{obj{"name": "bolt", "qty": 2, "supplier": "Ana"}, obj{"name": "nut", "qty": 10}},
			"owner":   "Ana", "friends": arr{"Ana", "Bob"},
		},
		{
			"text": "Banana split", "longText": "dolor sit", "html": `<p class="bold">move fast</p>`,
			"email": "bob@example.org", "url": "http://x.com/b", "phone": "555 0100",
			"maskedText": "862-SKB", "qr": "qr-22", "integer": -3, "decimal": -0.5, "money": 19.99,
			"percentage": 0.75, "bigNumber": "123456789012345678901234567890.1234", "boolean": false,
			"choice": "b", "dynamicChoice": "Texas", "date": "2020-02-29", "dateTime": 1717180200250,
			"dateTimeNoTimezone": "2016-11-05 07:30", "time": "23:59", "duration": 144000000,
			"dateMonthDay": "12-31", "dateYearMonth": "2016-12", "color": "#abc", "rank": "b0",
			"fileUpload": uploads[fileB], "relationship": "Bob", "nestedFields": obj{"count": 7},
			"tags": arr{"z"}, "address": obj{"zip": "9999"}, "items": arr{obj{"name": "screw"}},
			"owner": "Bob", "friends": arr{"Cy"},
		},
		{
			"text": "cherry, ripe", "longText": "lorem", "html": "<i>world</i>",
			"email": "cy@other.net", "url": "(http://x.com)<Label>", "phone": "1-702-845-9380",
			"maskedText": "555xyz", "qr": `say "hi"`, "integer": 100, "decimal": 12, "money": 0.01,
			"percentage": 1, "bigNumber": "10", "boolean": true, "choice": "c", "dynamicChoice": dyn("AZ"),
			"date": "1999-12-31", "dateTime": 1000, "dateTimeNoTimezone": "2020-01-01 00:00",
			"time": "00:00", "duration": 0, "dateMonthDay": "01-01", "dateYearMonth": "2015-01",
			"color": "#000000", "rank": "c0", "group": "Everyone", "address": obj{"street": "Elm"},
			"owner": "Ana",
		},
		{
			"text": "apple", "longText": "empty()", "qr": `back\slash`, "integer": 0, "bigNumber": "9",
			"choice": "a", "rank": "a5", "tags": arr{"x y", "Y"}, "items": arr{obj{"name": "Bolt", "qty": 5}},
			"friends": arr{"Bob", "Cy"},
		},
	}
	recs := make([]obj, len(bodies))
	for i, b := range bodies {
		if i > 0 {
			time.Sleep(3 * time.Millisecond)
		}
		recs[i] = thing(t, s, b)
	}
	time.Sleep(3 * time.Millisecond)
	recs[0] = update(t, s, "things", recs[0]["id"], obj{"rank": nil})
	if _, ok := recs[0]["rank"]; ok {
		t.Fatalf("r0 kept a rank after clearing it: %s", js(recs[0]))
	}
	for i := 1; i < len(recs); i++ {
		for _, f := range []string{"dateRecordCreated", "autoIncrement"} {
			if !(recs[i][f].(float64) > recs[i-1][f].(float64)) {
				t.Fatalf("%s of r%d (%v) not after r%d (%v)", f, i, recs[i][f], i-1, recs[i-1][f])
			}
		}
	}
	return newFixture(recs), people
}

// opCase is one filter (an encoded query string) and the records it must
// select, as indexes ("1,3"; "" = none). bug, when set, names a known
// server bug that makes the case fail: it is skipped with that reason.
type opCase struct {
	query string
	want  string
	bug   string
}

// runBugCases runs the cases marked with a known bug instead of skipping
// them (RUNWAY_BUG_CASES=1 go test ./api), to check a fix.
var runBugCases = os.Getenv("RUNWAY_BUG_CASES") != ""

func TestOperators(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	fx, people := seedOperators(t, s)
	rec := func(i int) obj { return get(t, s, "things", fx.ids[i]) }
	num := func(i int, field string) string { return fmt.Sprintf("%.0f", rec(i)[field].(float64)) }
	ana, bob, cy := people["Ana"]["id"].(string), people["Bob"]["id"].(string), people["Cy"]["id"].(string)
	c1, c2, c3 := num(1, "dateRecordCreated"), num(2, "dateRecordCreated"), num(3, "dateRecordCreated")
	m0, m1, m2, m4 := num(0, "dateRecordModified"), num(1, "dateRecordModified"), num(2, "dateRecordModified"), num(4, "dateRecordModified")
	a0, a1, a2, a3 := num(0, "autoIncrement"), num(1, "autoIncrement"), num(2, "autoIncrement"), num(3, "autoIncrement")
	fileA, fileB := at(rec(1), "fileUpload.id").(string), at(rec(2), "fileUpload.id").(string)

	t.Run("matrix", func(t *testing.T) {
		t.Parallel()
		s := s.For(t)
		f := func(kv ...string) string { return q(kv...) }
		cases := []opCase{
			// text: binary equality and order, case-insensitive like.
			{f("text", "apple"), "4", ""},
			{f("text", "equals(apple)"), "4", ""},
			{f("text", "apple,Banana split"), "2,4", ""},
			{f("text", " apple , Banana split "), "2,4", ""}, // bare values are trimmed
			{f("text", `"cherry, ripe",apple`), "3,4", ""},
			{f("text", "cherry, ripe"), "", ""}, // comma = OR: "cherry" or "ripe"
			{f("text", `equals("cherry, ripe")`), "3", ""},
			{f("text", "APPLE"), "", ""},
			{f("text", "notEquals(apple)"), "0,1,2,3", ""},
			{f("text", "notEquals(apple,apple pie)"), "0,2,3", ""},
			{f("text", "empty()"), "0", ""},
			{f("text", "notEmpty()"), "1,2,3,4", ""},
			{f("text", "like(an)"), "2", ""},
			{f("text", "like(APP)"), "1,4", ""},
			{f("text", "like(/app)"), "1,4", ""},
			{f("text", "like(/pie)"), "", ""},
			{f("text", "like(PIE/)"), "1", ""},
			{f("text", "like(split/,/cherry)"), "2,3", ""},
			{f("text", "like(/^c.*e$/)"), "3", ""},
			{f("text", "like(/^(apple|BANANA split)$/)"), "2,4", ""},
			{f("text", "like(/^cherry, ripe$/)"), "3", ""}, // a regex is taken whole
			{f("text", "like(%)"), "", ""},
			{f("text", "like(_)"), "", ""},
			{f("text", "greater(apple)"), "1,3", ""},
			{f("text", "greaterOrEquals(apple)"), "1,3,4", ""},
			{f("text", "less(b)"), "1,2,4", ""},
			{f("text", "lessOrEquals(apple)"), "2,4", ""},
			{f("text", "between(apple,b)"), "1,4", ""},
			{f("text", "between(B,apple)"), "2,4", ""},
			{f("text", "greater(a)", "text", "less(b)"), "1,4", ""}, // a repeated key is AND-ed
			{f("text", "like(/app)", "integer", "0"), "4", ""},

			// longText; a quoted value is literal.
			{f("longText", "lorem"), "3", ""},
			{f("longText", `"empty()"`), "4", ""},
			{f("longText", "empty()"), "0", ""},
			{f("longText", "notEmpty()"), "1,2,3,4", ""},
			{f("longText", "notEquals(lorem)"), "0,1,2,4", ""},
			{f("longText", "like(IPSUM)"), "1", ""},
			{f("longText", "like(/lorem)"), "1,3", ""},
			{f("longText", "like(sit/)"), "2", ""},
			{f("longText", "like(/^lorem$/)"), "3", ""},
			{f("longText", "greater(e)"), "1,3,4", ""},
			{f("longText", "greaterOrEquals(lorem)"), "1,3", ""},
			{f("longText", "less(e)"), "2", ""},
			{f("longText", "lessOrEquals(lorem)"), "2,3,4", ""},
			{f("longText", "between(dolor,lorem)"), "2,3,4", ""},

			// html: visible text only.
			{f("html", "empty()"), "0,4", ""},
			{f("html", "notEmpty()"), "1,2,3", ""},
			{f("html", "like(WORLD)"), "1,3", ""},
			{f("html", "like(move)"), "2", ""},
			{f("html", "world"), "3", ""},
			{f("html", "Hello world"), "1", ""},
			{f("html", "notEquals(world)"), "0,1,2,4", ""},
			{f("html", "like(bold)"), "", ""},
			{f("html", "like(<b>)"), "", ""},
			{f("html", "like(/hello)"), "1", ""},
			{f("html", "like(world/)"), "1,3", ""},
			{f("html", "like(/^move fast$/)"), "2", ""},
			{f("html", "greater(l)"), "2,3", ""},
			{f("html", "greaterOrEquals(world)"), "3", ""},
			{f("html", "less(n)"), "1,2", ""},
			{f("html", "lessOrEquals(Hello world)"), "1", ""},
			{f("html", "between(a,z)"), "2,3", ""},

			// email: case-insensitive equality.
			{f("email", "ana@example.org"), "1", ""},
			{f("email", "ANA@EXAMPLE.ORG,cy@other.net"), "1,3", ""},
			{f("email", "equals(BOB@example.org)"), "2", ""},
			{f("email", "notEquals(ana@example.org)"), "0,2,3,4", ""},
			{f("email", "empty()"), "0,4", ""},
			{f("email", "notEmpty()"), "1,2,3", ""},
			{f("email", "like(EXAMPLE)"), "1,2", ""},
			{f("email", "like(/ana)"), "1", ""},
			{f("email", "like(.NET/)"), "3", ""},
			{f("email", `like(/^[ab][a-z]*@example\.org$/)`), "1,2", ""},
			{f("email", "greater(c)"), "3", ""},
			{f("email", "greaterOrEquals(bob@example.org)"), "2,3", ""},
			{f("email", "less(c)"), "1,2", ""},
			{f("email", "lessOrEquals(bob@example.org)"), "1,2", ""},
			{f("email", "between(b,c)"), "2", ""},

			// url: "/a/" is a regex, ".org/a/" an ends-with.
			{f("url", "http://x.com/b"), "2", ""},
			{f("url", "(http://x.com)<Label>"), "3", ""},
			{f("url", "equals(https://example.org/a,http://x.com/b)"), "1,2", ""},
			{f("url", "notEquals(http://x.com/b)"), "0,1,3,4", ""},
			{f("url", "empty()"), "0,4", ""},
			{f("url", "notEmpty()"), "1,2,3", ""},
			{f("url", "like(x.com)"), "2,3", ""},
			{f("url", "like(/HTTPS)"), "1", ""},
			{f("url", "like(.org/a/)"), "1", ""},
			{f("url", "like(/a/)"), "1,3", ""},
			{f("url", "like(/b/)"), "2,3", ""},
			{f("url", "greater(https)"), "1", ""},
			{f("url", "greaterOrEquals(http://x.com/b)"), "1,2", ""},
			{f("url", "less(h)"), "3", ""},
			{f("url", "lessOrEquals(http://x.com/b)"), "2,3", ""},
			{f("url", "between(http,https)"), "2", ""},

			// phone (D14): equality on digits only.
			{f("phone", "17028459380"), "1,3", ""},
			{f("phone", "+1 702.845.9380"), "1,3", ""},
			{f("phone", "1-702-845-9380"), "1,3", ""},
			{f("phone", "equals((555) 0100,000)"), "2", ""},
			{f("phone", "notEquals(1-702-845-9380)"), "0,2,4", ""},
			{f("phone", "empty()"), "0,4", ""},
			{f("phone", "notEmpty()"), "1,2,3", ""},
			{f("phone", "like(845)"), "1,3", ""},
			{f("phone", "like(702-845)"), "1,3", ""}, // like on digits too
			{f("phone", "like(/(555))"), "2", ""},
			{f("phone", "like(/555)"), "2", ""},
			{f("phone", "like(9380/)"), "1,3", ""},
			{f("phone", "like(/0100$/)"), "2", ""},
			{f("phone", "greater(2)"), "2", ""},
			{f("phone", "greaterOrEquals(555 0100)"), "2", ""},
			{f("phone", "less(2)"), "1,3", ""},
			{f("phone", "lessOrEquals(1-702-845-9380)"), "1,3", ""},
			{f("phone", "between(5,6)"), "2", ""},

			// maskedText 999-aaa: equality with or without the literals.
			{f("maskedText", "123abc"), "1", ""},
			{f("maskedText", "123-abc"), "1", ""},
			{f("maskedText", "862SKB,555-xyz"), "2,3", ""},
			{f("maskedText", "notEquals(123abc)"), "0,2,3,4", ""},
			{f("maskedText", "empty()"), "0,4", ""},
			{f("maskedText", "notEmpty()"), "1,2,3", ""},
			{f("maskedText", "like(skb)"), "2", ""},
			{f("maskedText", "like(/555)"), "3", ""},
			{f("maskedText", "like(XYZ/)"), "3", ""},
			{f("maskedText", "like(3a)"), "1", ""},
			{f("maskedText", "like(3-a)"), "", ""},
			{f("maskedText", `like(/^\d{3}[a-z]{3}$/)`), "1,2,3", ""},
			{f("maskedText", "greater(555-xxx)"), "2,3", ""},
			{f("maskedText", "greaterOrEquals(862-SKB)"), "2", ""},
			{f("maskedText", "less(555xxx)"), "1", ""},
			{f("maskedText", "lessOrEquals(123abc)"), "1", ""},
			{f("maskedText", "between(200aaa,600-aaa)"), "3", ""},

			// qr; quotes escape \" and \\, a bare value has no escapes.
			{f("qr", "QR-1"), "1", ""},
			{f("qr", `"say \"hi\""`), "3", ""},
			{f("qr", `"back\\slash"`), "4", ""},
			{f("qr", `back\slash`), "4", ""},
			{f("qr", "notEquals(QR-1)"), "0,2,3,4", ""},
			{f("qr", "empty()"), "0", ""},
			{f("qr", "notEmpty()"), "1,2,3,4", ""},
			{f("qr", "like(qr)"), "1,2", ""},
			{f("qr", "like(/QR-2)"), "2", ""},
			{f("qr", `like(hi"/)`), "3", ""},
			{f("qr", `like(\)`), "4", ""},
			{f("qr", "greater(r)"), "3", ""},
			{f("qr", `greaterOrEquals(say "hi")`), "3", ""},
			{f("qr", "less(b)"), "1", ""},
			{f("qr", "lessOrEquals(QR-1)"), "1", ""},
			{f("qr", "between(a,r)"), "2,4", ""},

			// rank
			{f("rank", "b0"), "2", ""},
			{f("rank", "a0,c0"), "1,3", ""},
			{f("rank", "notEquals(a0)"), "0,2,3,4", ""},
			{f("rank", "empty()"), "0", ""},
			{f("rank", "notEmpty()"), "1,2,3,4", ""},
			{f("rank", "like(/A)"), "1,4", ""},
			{f("rank", "like(0/)"), "1,2,3", ""},
			{f("rank", "like(5)"), "4", ""},
			{f("rank", "like(/^[bc]0$/)"), "2,3", ""},
			{f("rank", "greater(a5)"), "2,3", ""},
			{f("rank", "greaterOrEquals(a5)"), "2,3,4", ""},
			{f("rank", "less(b)"), "1,4", ""},
			{f("rank", "lessOrEquals(b0)"), "1,2,4", ""},
			{f("rank", "between(a1,b0)"), "2,4", ""},

			// integer: 0 is a value, not empty.
			{f("integer", "5"), "1", ""},
			{f("integer", "0"), "4", ""},
			{f("integer", "5,100"), "1,3", ""},
			{f("integer", "equals(-3)"), "2", ""},
			{f("integer", "notEquals(5)"), "0,2,3,4", ""},
			{f("integer", "notEquals(5,0)"), "0,2,3", ""},
			{f("integer", "empty()"), "0", ""},
			{f("integer", "notEmpty()"), "1,2,3,4", ""},
			{f("integer", "greater(0)"), "1,3", ""},
			{f("integer", "greater(4.5)"), "1,3", ""},
			{f("integer", "greaterOrEquals(0)"), "1,3,4", ""},
			{f("integer", "less(0)"), "2", ""},
			{f("integer", "lessOrEquals(5)"), "1,2,4", ""},
			{f("integer", "between(-3,5)"), "1,2,4", ""},
			{f("integer", "between(1,99)"), "1", ""},
			{f("integer", "between(5,5)"), "1", ""},
			{f("integer", "between(6,4)"), "", ""},
			{f("integer", "greater(0)", "integer", "less(50)"), "1", ""},

			// decimal
			{f("decimal", "3.25"), "1", ""},
			{f("decimal", "3.250"), "1", ""},
			{f("decimal", "12"), "3", ""},
			{f("decimal", "12.0,-0.5"), "2,3", ""},
			{f("decimal", "notEquals(12)"), "0,1,2,4", ""},
			{f("decimal", "empty()"), "0,4", ""},
			{f("decimal", "notEmpty()"), "1,2,3", ""},
			{f("decimal", "greater(3.25)"), "3", ""},
			{f("decimal", "greaterOrEquals(3.25)"), "1,3", ""},
			{f("decimal", "less(0)"), "2", ""},
			{f("decimal", "lessOrEquals(3.25)"), "1,2", ""},
			{f("decimal", "between(-0.5,3.25)"), "1,2", ""},

			// money
			{f("money", "19.99"), "2", ""},
			{f("money", "80000.00"), "1", ""},
			{f("money", "notEquals(0.01)"), "0,1,2,4", ""},
			{f("money", "empty()"), "0,4", ""},
			{f("money", "notEmpty()"), "1,2,3", ""},
			{f("money", "greater(19.99)"), "1", ""},
			{f("money", "greaterOrEquals(80000.00)"), "1", ""},
			{f("money", "less(20)"), "2,3", ""},
			{f("money", "lessOrEquals(0.01)"), "3", ""},
			{f("money", "between(0.01,19.99)"), "2,3", ""},

			// percentage: the raw fraction (50 % = 0.5).
			{f("percentage", "0.5"), "1", ""},
			{f("percentage", "50"), "", ""},
			{f("percentage", "notEquals(1)"), "0,1,2,4", ""},
			{f("percentage", "empty()"), "0,4", ""},
			{f("percentage", "notEmpty()"), "1,2,3", ""},
			{f("percentage", "greater(0.5)"), "2,3", ""},
			{f("percentage", "greater(50)"), "", ""},
			{f("percentage", "greaterOrEquals(0.5)"), "1,2,3", ""},
			{f("percentage", "less(0.75)"), "1", ""},
			{f("percentage", "lessOrEquals(0.75)"), "1,2", ""},
			{f("percentage", "between(0.6,1)"), "2,3", ""},

			// bigNumber: numeric, not string, comparison.
			{f("bigNumber", "10"), "3", ""},
			{f("bigNumber", "10.0"), "3", ""},
			{f("bigNumber", "9,10"), "3,4", ""},
			{f("bigNumber", "8.9977381997"), "1", ""},
			{f("bigNumber", "123456789012345678901234567890.1234"), "2", ""},
			{f("bigNumber", "notEquals(10)"), "0,1,2,4", ""},
			{f("bigNumber", "empty()"), "0", ""},
			{f("bigNumber", "notEmpty()"), "1,2,3,4", ""},
			{f("bigNumber", "greater(9)"), "2,3", ""},
			{f("bigNumber", "greaterOrEquals(9)"), "2,3,4", ""},
			{f("bigNumber", "less(10)"), "1,4", ""},
			{f("bigNumber", "lessOrEquals(10)"), "1,3,4", ""},
			{f("bigNumber", "between(8.9977381997,10)"), "1,3,4", ""},
			{f("bigNumber", "between(9.5,200)"), "3", ""},
			{f("bigNumber", "greater(123456789012345678901234567890.1233)"), "2", ""},
			{f("bigNumber", "less(123456789012345678901234567890.1235)"), "1,2,3,4", ""},

			// boolean: never empty.
			{f("boolean", "true"), "1,3", ""},
			{f("boolean", "false"), "0,2,4", ""},
			{f("boolean", "equals(true,false)"), "0,1,2,3,4", ""},
			{f("boolean", "notEquals(true)"), "0,2,4", ""},
			{f("boolean", "notEquals(false)"), "1,3", ""},

			// choice: by value name.
			{f("choice", "a"), "1,4", ""},
			{f("choice", "a,b"), "1,2,4", ""},
			{f("choice", "equals(c)"), "3", ""},
			{f("choice", "notEquals(a)"), "0,2,3", ""},
			{f("choice", "notEquals(a,b)"), "0,3", ""},
			{f("choice", "empty()"), "0", ""},
			{f("choice", "notEmpty()"), "1,2,3,4", ""},

			// dynamicChoice: the selected value name.
			{f("dynamicChoice", "NV"), "1", ""},
			{f("dynamicChoice", "AZ,Texas"), "2,3", ""},
			{f("dynamicChoice", "notEquals(NV)"), "0,2,3,4", ""},
			{f("dynamicChoice", "empty()"), "0,4", ""},
			{f("dynamicChoice", "notEmpty()"), "1,2,3", ""},
			{f("dynamicChoice", "like(ex)"), "2", ""},
			{f("dynamicChoice", "like(/n)"), "1", ""},
			{f("dynamicChoice", "like(z/)"), "3", ""},
			{f("dynamicChoice", "like(/^(az|nv)$/)"), "1,3", ""},

			// date
			{f("date", "2016-07-12"), "1", ""},
			{f("date", "2016-07-12,1999-12-31"), "1,3", ""},
			{f("date", "notEquals(2020-02-29)"), "0,1,3,4", ""},
			{f("date", "empty()"), "0,4", ""},
			{f("date", "notEmpty()"), "1,2,3", ""},
			{f("date", "greater(2016-07-12)"), "2", ""},
			{f("date", "greaterOrEquals(2016-07-12)"), "1,2", ""},
			{f("date", "less(2000-01-01)"), "3", ""},
			{f("date", "lessOrEquals(2016-07-12)"), "1,3", ""},
			{f("date", "between(1999-12-31,2016-07-12)"), "1,3", ""},

			// dateTime: epoch ms, to the millisecond.
			{f("dateTime", "1717180200250"), "2", ""},
			{f("dateTime", "1717180200000"), "", ""},
			{f("dateTime", "1000,1484578380000"), "1,3", ""},
			{f("dateTime", "notEquals(1000)"), "0,1,2,4", ""},
			{f("dateTime", "empty()"), "0,4", ""},
			{f("dateTime", "notEmpty()"), "1,2,3", ""},
			{f("dateTime", "greater(1717180200249)"), "2", ""},
			{f("dateTime", "greater(1717180200250)"), "", ""},
			{f("dateTime", "greaterOrEquals(1717180200250)"), "2", ""},
			{f("dateTime", "less(1484578380001)"), "1,3", ""},
			{f("dateTime", "lessOrEquals(1000)"), "3", ""},
			{f("dateTime", "between(1000,1484578380000)"), "1,3", ""},
			{f("dateTime", "greaterOrEquals(2024-05-31 18:30)"), "2", ""}, // read as UTC
			{f("dateTime", "less(2024-05-31 18:30)"), "1,3", ""},

			// dateTimeNoTimezone
			{f("dateTimeNoTimezone", "2016-11-05 07:30"), "2", ""},
			{f("dateTimeNoTimezone", "notEquals(2016-11-05 07:30)"), "0,1,3,4", ""},
			{f("dateTimeNoTimezone", "empty()"), "0,4", ""},
			{f("dateTimeNoTimezone", "notEmpty()"), "1,2,3", ""},
			{f("dateTimeNoTimezone", "greater(2016-11-05 12:00)"), "1,3", ""},
			{f("dateTimeNoTimezone", "greaterOrEquals(2016-11-05 19:00)"), "1,3", ""},
			{f("dateTimeNoTimezone", "less(2016-11-05 19:00)"), "2", ""},
			{f("dateTimeNoTimezone", "lessOrEquals(2016-11-05 19:00)"), "1,2", ""},
			{f("dateTimeNoTimezone", "between(2016-11-05 00:00,2016-11-05 23:59)"), "1,2", ""},

			// time
			{f("time", "08:00"), "1", ""},
			{f("time", "00:00"), "3", ""},
			{f("time", "notEquals(08:00)"), "0,2,3,4", ""},
			{f("time", "empty()"), "0,4", ""},
			{f("time", "notEmpty()"), "1,2,3", ""},
			{f("time", "greater(08:00)"), "2", ""},
			{f("time", "greaterOrEquals(08:00)"), "1,2", ""},
			{f("time", "less(08:00)"), "3", ""},
			{f("time", "lessOrEquals(08:00)"), "1,3", ""},
			{f("time", "between(00:00,08:00)"), "1,3", ""},

			// duration: ms; 0 is a value.
			{f("duration", "144000000"), "2", ""},
			{f("duration", "0"), "3", ""},
			{f("duration", "notEquals(0)"), "0,1,2,4", ""},
			{f("duration", "empty()"), "0,4", ""},
			{f("duration", "notEmpty()"), "1,2,3", ""},
			{f("duration", "greater(10800000)"), "2", ""},
			{f("duration", "greaterOrEquals(10800000)"), "1,2", ""},
			{f("duration", "less(10800000)"), "3", ""},
			{f("duration", "lessOrEquals(10800000)"), "1,3", ""},
			{f("duration", "between(1,144000000)"), "1,2", ""},

			// dateMonthDay
			{f("dateMonthDay", "04-16"), "1", ""},
			{f("dateMonthDay", "notEquals(04-16)"), "0,2,3,4", ""},
			{f("dateMonthDay", "empty()"), "0,4", ""},
			{f("dateMonthDay", "notEmpty()"), "1,2,3", ""},
			{f("dateMonthDay", "greater(04-16)"), "2", ""},
			{f("dateMonthDay", "greaterOrEquals(04-16)"), "1,2", ""},
			{f("dateMonthDay", "less(04-16)"), "3", ""},
			{f("dateMonthDay", "lessOrEquals(04-16)"), "1,3", ""},
			{f("dateMonthDay", "between(01-01,04-16)"), "1,3", ""},

			// dateYearMonth
			{f("dateYearMonth", "2016-07"), "1", ""},
			{f("dateYearMonth", "notEquals(2016-07)"), "0,2,3,4", ""},
			{f("dateYearMonth", "empty()"), "0,4", ""},
			{f("dateYearMonth", "notEmpty()"), "1,2,3", ""},
			{f("dateYearMonth", "greater(2016-07)"), "2", ""},
			{f("dateYearMonth", "greaterOrEquals(2016-07)"), "1,2", ""},
			{f("dateYearMonth", "less(2016-07)"), "3", ""},
			{f("dateYearMonth", "lessOrEquals(2016-07)"), "1,3", ""},
			{f("dateYearMonth", "between(2015-01,2016-07)"), "1,3", ""},

			// dateRecordCreated / dateRecordModified / autoIncrement: set by
			// the server, increasing with the record index (r0 modified last).
			{f("dateRecordCreated", c2), "2", ""},
			{f("dateRecordCreated", c1+","+c3), "1,3", ""},
			{f("dateRecordCreated", "notEquals("+c2+")"), "0,1,3,4", ""},
			{f("dateRecordCreated", "empty()"), "", ""},
			{f("dateRecordCreated", "notEmpty()"), "0,1,2,3,4", ""},
			{f("dateRecordCreated", "greater("+c2+")"), "3,4", ""},
			{f("dateRecordCreated", "greaterOrEquals("+c2+")"), "2,3,4", ""},
			{f("dateRecordCreated", "less("+c2+")"), "0,1", ""},
			{f("dateRecordCreated", "lessOrEquals("+c2+")"), "0,1,2", ""},
			{f("dateRecordCreated", "between("+c1+","+c3+")"), "1,2,3", ""},
			{f("dateRecordModified", m0), "0", ""},
			{f("dateRecordModified", "notEquals("+m0+")"), "1,2,3,4", ""},
			{f("dateRecordModified", "empty()"), "", ""},
			{f("dateRecordModified", "notEmpty()"), "0,1,2,3,4", ""},
			{f("dateRecordModified", "greater("+m4+")"), "0", ""},
			{f("dateRecordModified", "greaterOrEquals("+m4+")"), "0,4", ""},
			{f("dateRecordModified", "less("+m1+")"), "", ""},
			{f("dateRecordModified", "lessOrEquals("+m2+")"), "1,2", ""},
			{f("dateRecordModified", "between("+m1+","+m2+")"), "1,2", ""},
			{f("autoIncrement", a2), "2", ""},
			{f("autoIncrement", a1+","+a3), "1,3", ""},
			{f("autoIncrement", "notEquals("+a0+")"), "1,2,3,4", ""},
			{f("autoIncrement", "empty()"), "", ""},
			{f("autoIncrement", "notEmpty()"), "0,1,2,3,4", ""},
			{f("autoIncrement", "greater("+a2+")"), "3,4", ""},
			{f("autoIncrement", "greaterOrEquals("+a2+")"), "2,3,4", ""},
			{f("autoIncrement", "less("+a2+")"), "0,1", ""},
			{f("autoIncrement", "lessOrEquals("+a2+")"), "0,1,2", ""},
			{f("autoIncrement", "between("+a1+","+a3+")"), "1,2,3", ""},

			// color
			{f("color", "#f5a9a9"), "1", ""},
			{f("color", "#F5A9A9"), "1", ""},
			{f("color", "#abc,#000000"), "2,3", ""},
			{f("color", "notEquals(#abc)"), "0,1,3,4", ""},
			{f("color", "empty()"), "0,4", ""},
			{f("color", "notEmpty()"), "1,2,3", ""},
			{f("color", "like(A9)"), "1", ""},
			{f("color", "like(/#A)"), "2", ""},
			{f("color", "like(000/)"), "3", ""},
			{f("color", "like(/^#[0-9a-f]{3}$/)"), "2", ""},

			// fileUpload: by name (with its size), by id.
			{f("fileUpload", "like(logo)"), "1", ""},
			{f("fileUpload", "like(.pdf)"), "2", ""},
			{f("fileUpload", "logo.png (3B)"), "1", ""},
			{f("fileUpload", "logo.png"), "", ""},
			{f("fileUpload", "notEquals(logo.png (3B))"), "0,2,3,4", ""},
			{f("fileUpload.id", fileA), "1", ""},
			{f("fileUpload.id", fileA+","+fileB), "1,2", ""},
			{f("fileUpload.id", "notEquals("+fileA+")"), "0,2,3,4", ""},
			{f("fileUpload.id", "empty()"), "0,3,4", ""},
			{f("fileUpload", "empty()"), "0,3,4", ""},
			{f("fileUpload", "notEmpty()"), "1,2", ""},

			// group: id, then name, then label; like on the label.
			{f("group", "everyone"), "1,3", ""},
			{f("group", "Everyone"), "1,3", ""},
			{f("group", everyoneID), "1,3", ""},
			{f("group.id", everyoneID), "1,3", ""},
			{f("group.label", "Everyone"), "1,3", ""},
			{f("group", "nobody"), "", ""},
			{f("group", "notEquals(everyone)"), "0,2,4", ""},
			{f("group", "empty()"), "0,2,4", ""},
			{f("group", "notEmpty()"), "1,3", ""},
			{f("group", "like(VERY)"), "1,3", ""},
			{f("group", "like(/every)"), "1,3", ""},
			{f("group", "like(one/)"), "1,3", ""},
			{f("group", "like(/^x/)"), "", ""},

			// relationships: bare = label; .label; .id.
			{f("relationship", "Bob"), "2", ""},
			{f("relationship.id", ana), "1", ""},
			{f("owner", "Ana"), "1,3", ""},
			{f("owner", "Ana,Bob"), "1,2,3", ""},
			{f("owner", "equals(Cy)"), "", ""},
			{f("owner.label", "Bob"), "2", ""},
			{f("owner.id", bob), "2", ""},
			{f("owner.id", ana+","+bob), "1,2,3", ""},
			{f("owner", "notEquals(Ana)"), "0,2,4", ""},
			{f("owner.id", "notEquals("+ana+")"), "0,2,4", ""},
			{f("owner", "empty()"), "0,4", ""},
			{f("owner", "notEmpty()"), "1,2,3", ""},
			{f("owner.id", "empty()"), "0,4", ""},
			{f("owner", "like(NA)"), "1,3", ""},
			{f("owner", "like(/b)"), "2", ""},
			{f("owner.label", "like(a/)"), "1,3", ""},
			{f("owner", "like(/^(ana|bob)$/)"), "1,2,3", ""},

			// many relationship: any element.
			{f("friends", "Bob"), "1,4", ""},
			{f("friends", "Ana,Cy"), "1,2,4", ""},
			{f("friends.label", "Ana"), "1", ""},
			{f("friends.id", cy), "2,4", ""},
			{f("friends", "notEquals(Bob)"), "0,2,3", ""},
			{f("friends.id", "notEquals("+cy+")"), "0,1,3", ""},
			{f("friends", "empty()"), "0,3", ""},
			{f("friends", "notEmpty()"), "1,2,4", ""},
			{f("friends", "like(/c)"), "2,4", ""},
			{f("friends", "like(b/)"), "1,4", ""},
			{f("friends", "Ana", "friends", "Bob"), "1", ""},

			// many text: any element; notEquals = no element.
			{f("tags", "y"), "1", ""},
			{f("tags", "Y"), "4", ""},
			{f("tags", "x,z"), "1,2", ""},
			{f("tags", `"x y"`), "4", ""},
			{f("tags", "notEquals(x)"), "0,2,3,4", ""},
			{f("tags", "notEquals(x,z)"), "0,3,4", ""},
			{f("tags", "empty()"), "0,3", ""},
			{f("tags", "notEmpty()"), "1,2,4", ""},
			{f("tags", "like(y)"), "1,4", ""},
			{f("tags", "like(/X)"), "1,4", ""},
			{f("tags", "like(/^[xz]$/)"), "1,2", ""},
			{f("tags", "greater(x)"), "1,2,4", ""},
			{f("tags", "greaterOrEquals(z)"), "2", ""},
			{f("tags", "less(x)"), "4", ""},
			{f("tags", "lessOrEquals(x)"), "1,4", ""},
			{f("tags", "between(y,z)"), "1,2", ""},

			// nested single group: inner paths.
			{f("address.zip", "1234"), "1", ""},
			{f("address.zip", "1234,9999"), "1,2", ""},
			{f("address.zip", "notEquals(1234)"), "0,2,3,4", ""},
			{f("address.zip", "empty()"), "0,3,4", ""},
			{f("address.zip", "notEmpty()"), "1,2", ""},
			{f("address.zip", "like(/12)"), "1", ""},
			{f("address.zip", "greater(5000)"), "2", ""},
			{f("address.zip", "greaterOrEquals(1234)"), "1,2", ""},
			{f("address.zip", "less(5000)"), "1", ""},
			{f("address.zip", "lessOrEquals(1234)"), "1", ""},
			{f("address.zip", "between(1000,9999)"), "1,2", ""},
			{f("address.street", "like(MAIN)"), "1", ""},
			{f("address.street", "Elm"), "3", ""},
			{f("address", "empty()"), "0,4", ""},
			{f("address", "notEmpty()"), "1,2,3", ""},
			{f("nestedFields.count", "3"), "1", ""},
			{f("nestedFields.count", "greater(3)"), "2", ""},
			{f("nestedFields.inner", "like(one)"), "1", ""},
			{f("nestedFields", "empty()"), "0,3,4", ""},

			// nested many group: a match on any item counts.
			{f("items.name", "bolt"), "1", ""},
			{f("items.name", "Bolt"), "4", ""},
			{f("items.name", "bolt,screw"), "1,2", ""},
			{f("items.name", "like(bolt)"), "1,4", ""},
			{f("items.name", "like(/N)"), "1", ""},
			{f("items.name", "like(/^(nut|screw)$/)"), "1,2", ""},
			{f("items.name", "notEquals(bolt)"), "0,2,3,4", ""},
			{f("items.name", "notEquals(nut,screw)"), "0,3,4", ""},
			{f("items.name", "empty()"), "0,3", ""},
			{f("items.name", "notEmpty()"), "1,2,4", ""},
			{f("items.name", "greater(nut)"), "2", ""},
			{f("items.name", "less(c)"), "1,4", ""},
			{f("items.name", "between(bolt,nut)"), "1", ""},
			{f("items.qty", "1"), "2", ""},
			{f("items.qty", "greater(4)"), "1,4", ""},
			{f("items.qty", "greaterOrEquals(10)"), "1", ""},
			{f("items.qty", "less(2)"), "2", ""},
			{f("items.qty", "lessOrEquals(2)"), "1,2", ""},
			{f("items.qty", "between(1,2)"), "1,2", ""},
			{f("items.qty", "notEquals(1)"), "0,1,3,4", ""},
			{f("items.name", "nut", "items.qty", "2"), "1", ""}, // each filter on any item
			{f("items.supplier", "Ana"), "1", ""},
			{f("items.supplier.id", ana), "1", ""},
			{f("items.supplier", "like(/a)"), "1", ""},
			{f("items", "empty()"), "0,3", ""},
			{f("items", "notEmpty()"), "1,2,4", ""},

			// id
			{f("id", fx.ids[1]+","+fx.ids[3]), "1,3", ""},
			{f("id", "equals("+fx.ids[4]+")"), "4", ""},
			{f("id", "notEquals("+fx.ids[1]+")"), "0,2,3,4", ""},
		}
		for _, c := range cases {
			if c.bug != "" && !runBugCases {
				t.Run(c.query, func(t *testing.T) { t.Skip(c.bug) })
				continue
			}
			got := matchIDs(t, s, "things", c.query)
			if !sameSet(got, fx.set(c.want)) {
				t.Errorf("?%s: records %q, want %q", c.query, fx.names(got), c.want)
			}
		}
	})

	t.Run("unsupported", func(t *testing.T) {
		t.Parallel()
		s := s.For(t)
		testUnsupportedOperators(t, s)
	})

	t.Run("malformed", func(t *testing.T) {
		t.Parallel()
		s := s.For(t)
		for _, c := range []struct{ key, val string }{
			// D12: values the field's type cannot read.
			{"integer", "abc"}, {"integer", "5,abc"}, {"integer", "greater(abc)"}, {"integer", "between(1,x)"},
			{"integer", "1e"}, {"decimal", "twelve"}, {"decimal", "1,2x"}, {"money", "$5"},
			{"percentage", "50%"}, {"bigNumber", "abc"}, {"bigNumber", "1e"}, {"bigNumber", "less(ten)"},
			{"boolean", "yes"}, {"boolean", "notEquals(maybe)"}, {"choice", "z"}, {"choice", "A"},
			{"choice", "a,z"}, {"date", "2020-13-45"}, {"date", "2016-02-30"}, {"date", "12/07/2016"},
			{"date", "greater(2016)"}, {"dateTime", "yesterday"}, {"dateTime", "between(0,tomorrow)"},
			{"dateTimeNoTimezone", "2016-11-05 25:00"}, {"dateTimeNoTimezone", "noon"},
			{"time", "24:00"}, {"time", "8am"}, {"duration", "soon"}, {"dateMonthDay", "13-01"},
			{"dateYearMonth", "2016-13"}, {"autoIncrement", "x"}, {"dateRecordCreated", "yesterday"},
			{"dateRecordModified", "less(soon)"}, {"phone", "call me"}, {"maskedText", "12abc"},
			{"items.qty", "abc"}, {"nestedFields.count", "x"}, {"address.zip", "like(/[/)"},
			{"text", "like(/(/)"}, {"tags", "like(/a**/)"},
			// Unknown fields and paths.
			{"nosuch", "1"}, {"address.nope", "1"}, {"owner.email", "x"}, {"owner.id.x", "1"},
			{"tags.x", "1"}, {"text.x", "1"}, {"items.nope", "1"}, {"fileUpload.name", "x"},
			{"Text", "apple"}, {"items..name", "x"},
			// Operator arity.
			{"integer", "between(1)"}, {"integer", "between(1,2,3)"}, {"integer", "greater()"},
			{"integer", "greater(1,2)"}, {"integer", "equals()"}, {"text", "empty(x)"},
			{"text", "notEmpty(1)"}, {"text", "like()"}, {"date", "less(2016-01-01,2017-01-01)"},
		} {
			badQuery(t, s, "things", q(c.key, c.val), c.key)
		}
	})

	t.Run("sort", func(t *testing.T) {
		t.Parallel()
		s := s.For(t)
		// D6: nulls first in asc and last in desc. Groups of records that
		// tie (or are null together) may come in any order.
		for _, c := range []struct {
			field, dir string
			want       [][]int
		}{
			{"integer", "asc", [][]int{{0}, {2}, {4}, {1}, {3}}},
			{"integer", "desc", [][]int{{3}, {1}, {4}, {2}, {0}}},
			{"bigNumber", "asc", [][]int{{0}, {1}, {4}, {3}, {2}}},
			{"bigNumber", "desc", [][]int{{2}, {3}, {4}, {1}, {0}}},
			{"decimal", "asc", [][]int{{0, 4}, {2}, {1}, {3}}},
			{"decimal", "desc", [][]int{{3}, {1}, {2}, {0, 4}}},
			{"percentage", "asc", [][]int{{0, 4}, {1}, {2}, {3}}},
			{"dateTime", "desc", [][]int{{2}, {1}, {3}, {0, 4}}},
			{"date", "asc", [][]int{{0, 4}, {3}, {1}, {2}}},
			{"time", "asc", [][]int{{0, 4}, {3}, {1}, {2}}},
			{"duration", "desc", [][]int{{2}, {1}, {3}, {0, 4}}},
			{"text", "asc", [][]int{{0}, {2}, {4}, {1}, {3}}},
			{"text", "desc", [][]int{{3}, {1}, {4}, {2}, {0}}},
			{"email", "asc", [][]int{{0, 4}, {1}, {2}, {3}}},
			{"choice", "desc", [][]int{{3}, {2}, {1, 4}, {0}}},
			{"boolean", "asc", [][]int{{0, 2, 4}, {1, 3}}},
			{"owner", "asc", [][]int{{0, 4}, {1, 3}, {2}}},
			{"owner", "desc", [][]int{{2}, {1, 3}, {0, 4}}},
			{"address.zip", "asc", [][]int{{0, 3, 4}, {1}, {2}}},
			{"address.zip", "desc", [][]int{{2}, {1}, {0, 3, 4}}},
			{"dateRecordCreated", "desc", [][]int{{4}, {3}, {2}, {1}, {0}}},
		} {
			query := q("_sortField", c.field, "_sortType", c.dir, "_size", "1000")
			got := fx.order(ids(list(t, s, "things", query).Items))
			if !inGroups(got, c.want) {
				t.Errorf("?%s: order %v, want %v", query, got, c.want)
			}
		}
	})
}

// inGroups reports whether got lists the groups' members group after group,
// in any order within a group.
func inGroups(got []string, groups [][]int) bool {
	i := 0
	for _, g := range groups {
		if i+len(g) > len(got) {
			return false
		}
		var want []string
		for _, n := range g {
			want = append(want, fmt.Sprint(n))
		}
		if !sameSet(got[i:i+len(g)], want) {
			return false
		}
		i += len(g)
	}
	return i == len(got)
}

// opSupport lists the operators of query-language.md §7.1 each kitchen
// field (path) supports, with a value its type reads, so that a 400 can
// only come from the operator.
var opSupport = []struct {
	path, ops, value string
}{
	{"text", "ALL", "a"}, {"longText", "ALL", "a"}, {"html", "ALL", "a"}, {"email", "ALL", "a@b.org"},
	{"url", "ALL", "http://x.com"}, {"phone", "ALL", "555"}, {"maskedText", "ALL", "123abc"},
	{"qr", "ALL", "a"}, {"rank", "ALL", "a0"}, {"tags", "ALL", "a"}, {"address.zip", "ALL", "1"},
	{"items.name", "ALL", "a"},
	{"integer", "ORD", "1"}, {"autoIncrement", "ORD", "1"}, {"decimal", "ORD", "1.5"},
	{"money", "ORD", "1.5"}, {"percentage", "ORD", "0.5"}, {"bigNumber", "ORD", "1.5"},
	{"date", "ORD", "2016-01-01"}, {"dateYearMonth", "ORD", "2016-01"}, {"dateMonthDay", "ORD", "01-31"},
	{"dateTime", "ORD", "1000"}, {"dateRecordCreated", "ORD", "1000"}, {"dateRecordModified", "ORD", "1000"},
	{"dateTimeNoTimezone", "ORD", "2016-01-01 10:00"}, {"time", "ORD", "10:00"}, {"duration", "ORD", "1000"},
	{"items.qty", "ORD", "1"}, {"nestedFields.count", "ORD", "1"},
	{"boolean", "equals notEquals", "true"},
	{"choice", "EQ", "a"},
	{"dynamicChoice", "EQ like", "NV"}, {"color", "EQ like", "#abc"}, {"fileUpload", "EQ like", "a.png"},
	{"group", "EQ like", "everyone"}, {"relationship", "EQ like", "Ana"}, {"owner", "EQ like", "Ana"},
	{"owner.label", "EQ like", "Ana"}, {"friends", "EQ like", "Ana"}, {"items.supplier", "EQ like", "Ana"},
	{"owner.id", "EQ", fileA}, {"friends.id", "EQ", fileA}, {"fileUpload.id", "EQ", fileA},
	{"group.id", "EQ", everyoneID},
	// Nested groups: equals takes an object (tested elsewhere); geo points
	// only near (tested elsewhere).
	{"address", "empty notEmpty -equals", ""}, {"items", "empty notEmpty -equals", ""},
	{"nestedFields", "empty notEmpty -equals", ""},
	{"geoPoint", "-near", "1"},
}

var allOperators = []string{"equals", "notEquals", "empty", "notEmpty", "like", "greater",
	"greaterOrEquals", "less", "lessOrEquals", "between", "near"}

func operatorSet(spec string) (supported, untested map[string]bool) {
	supported, untested = map[string]bool{}, map[string]bool{}
	for _, w := range strings.Fields(spec) {
		switch w {
		case "ALL":
			for _, op := range allOperators[:10] {
				supported[op] = true
			}
		case "ORD":
			for _, op := range allOperators[:10] {
				supported[op] = op != "like"
			}
		case "EQ":
			for _, op := range allOperators[:4] {
				supported[op] = true
			}
		default:
			if strings.HasPrefix(w, "-") {
				untested[w[1:]] = true
			} else {
				supported[w] = true
			}
		}
	}
	return supported, untested
}

func opCall(op, v string) string {
	switch op {
	case "empty", "notEmpty":
		return op + "()"
	case "between":
		return op + "(" + v + "," + v + ")"
	case "near":
		return "near(1,2)"
	}
	return op + "(" + v + ")"
}

// testUnsupportedOperators: every operator a type does not support is a
// 400 naming the parameter; every one it supports is accepted.
func testUnsupportedOperators(t *testing.T, s *apitest.Server) {
	for _, c := range opSupport {
		supported, untested := operatorSet(c.ops)
		for _, op := range allOperators {
			if untested[op] {
				continue
			}
			query := q(c.path, opCall(op, c.value))
			if supported[op] {
				if r := s.As("GET", "/data/things?"+query, nil); r.Code != 200 {
					t.Errorf("?%s: status %d, want 200 (supported): %s", query, r.Code, short(string(r.Body)))
				}
				continue
			}
			badQuery(t, s, "things", query, c.path)
		}
	}
}
