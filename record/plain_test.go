package record

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"
	_ "time/tzdata"

	"runway/app"
	"runway/types"
)

func kitchenThings(t *testing.T) *app.Entity {
	t.Helper()
	a, _, err := app.Load(os.DirFS("../app/testdata/kitchen"))
	if err != nil {
		t.Fatalf("load kitchen: %v", err)
	}
	return a.Entity("things")
}

// plainOf decodes a stored document, renders it in plainText and decodes
// the answer.
func plainOf(t *testing.T, p *PlainText, e *app.Entity, doc string, only FieldSet) map[string]any {
	t.Helper()
	id, version, label, v, err := Decode([]byte(doc))
	if err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	out := p.Encode(e, id, version, label, v, only)
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("plainText is not JSON: %v\n%s", err, out)
	}
	return m
}

const (
	idA = "6650a1b2c3d4e5f601234567"
	idB = "6650a1b2c3d4e5f601234568"
	idC = "6650a1b2c3d4e5f601234569"
)

// kitchenDoc is a stored "things" record with a value in every field of
// the kitchen app (native JSON, as the store holds it).
const kitchenDoc = `{"id":"` + idA + `","version":7,"label":"abc",
 "text":"abc","longText":"a\nb","html":"<p>Hello <b>big</b></p><p>world &amp; co</p>",
 "email":"u@x.com","url":"http://x.com","phone":"1-702-845-9380","maskedText":"862-SKB","qr":"xyz",
 "integer":1234567,"decimal":3.25,"money":1215.5,"percentage":0.7,"bigNumber":"8.9977381997",
 "autoIncrement":1234,"boolean":true,"choice":"b",
 "dynamicChoice":{"options":[{"name":"AZ","label":"Arizona"},{"name":"NY","label":"New York"}],"selectedValue":"AZ"},
 "date":"2016-07-12","dateTime":1484578380000,"dateTimeNoTimezone":"2016-11-05 19:00","time":"08:00",
 "duration":9015000,"dateMonthDay":"04-16","dateYearMonth":"2016-07",
 "dateRecordCreated":1484578380000,"dateRecordModified":0,
 "color":"#f5a9a9","rank":"iiiii00000","geoPoint":{"latitude":10.5,"longitude":-12},
 "fileUpload":{"id":"` + idB + `","name":"logo.png"},
 "group":{"id":"` + idC + `","label":"Everyone"},
 "relationship":{"id":"` + idB + `","label":"Ana"},
 "nestedFields":{"id":"` + idC + `","label":"Nested fields","inner":"in","count":4321},
 "shortText":"abcd","code":"ABC","age":42,"price":-5,"ratio":3.2,
 "tags":["x","y"],"uniqueCode":"u1","requiredText":"r","defaultStatus":"draft","when":1700000000000,
 "address":{"id":"` + idB + `","label":"Address","street":"Main St","zip":"1000"},
 "items":[{"id":"` + idB + `","label":"items","name":"bolt","qty":2000,"supplier":{"id":"` + idC + `","label":"Cy"}},
          {"id":"` + idC + `","label":"items","name":"nut","qty":1}],
 "owner":{"id":"` + idB + `","label":"Ana"},
 "friends":[{"id":"` + idB + `","label":"Ana"},{"id":"` + idC + `","label":"Bob"}],
 "euros":1215.5,"stamp":1484578380000}`

func TestPlainTextEveryKitchenType(t *testing.T) {
	e := kitchenThings(t)
	kolkata, err := time.LoadLocation("Asia/Kolkata") // UTC+05:30, no daylight saving
	if err != nil {
		t.Fatal(err)
	}
	p := &PlainText{
		Defaults: map[string]types.Display{
			types.Money:   {"symbol": "£"},
			types.Integer: {"thousandsSeparator": true},
		},
		Loc: kolkata,
	}
	got := plainOf(t, p, e, kitchenDoc, nil)
	want := map[string]any{
		"id": idA, "version": 7.0, "label": "abc", // system fields stay native
		"text": "abc", "longText": "a\nb", "html": "Hello big world & co",
		"email": "u@x.com", "url": "http://x.com", "phone": "1-702-845-9380", "maskedText": "862-SKB", "qr": "xyz",
		"integer":            "1,234,567", // app default for integer
		"decimal":            "3.25",      //
		"money":              "£1,215.50", // app default symbol over the built-in $
		"percentage":         "70%",       //
		"bigNumber":          "8.9977381997",
		"autoIncrement":      "1234", // integer defaults are not autoIncrement's
		"boolean":            "Yes",
		"choice":             "B",
		"dynamicChoice":      "Arizona",
		"date":               "2016-07-12",
		"dateTime":           "2017-01-16 20:23", // 14:53 UTC in Kolkata
		"dateTimeNoTimezone": "2016-11-05 19:00", // no time zone shift
		"time":               "08:00",
		"duration":           "2h 30m 15s",
		"dateMonthDay":       "04-16",
		"dateYearMonth":      "2016-07",
		"dateRecordCreated":  "2017-01-16 20:23",
		"dateRecordModified": "1970-01-01 05:30",
		"color":              "#f5a9a9",
		"rank":               "iiiii00000",
		"geoPoint":           "(10.5,-12)",
		"fileUpload":         "logo.png",
		"group":              "Everyone",
		"relationship":       "Ana",
		"nestedFields":       map[string]any{"id": idC, "label": "Nested fields", "inner": "in", "count": "4,321"},
		"shortText":          "abcd", "code": "ABC", "age": "42",
		"price":      "-£5.00",
		"ratio":      "3.20", // the field's numberOfDecimals rule
		"tags":       []any{"x", "y"},
		"uniqueCode": "u1", "requiredText": "r",
		"defaultStatus": "Draft",
		"when":          "2023-11-15 03:43", // 22:13:20 UTC
		"address":       map[string]any{"id": idB, "label": "Address", "street": "Main St", "zip": "1000"},
		"items": []any{
			map[string]any{"id": idB, "label": "items", "name": "bolt", "qty": "2,000", "supplier": "Cy"},
			map[string]any{"id": idC, "label": "items", "name": "nut", "qty": "1"},
		},
		"owner":   "Ana",
		"friends": []any{"Ana", "Bob"},
		"euros":   "€1,216",           // field displayOptions over the app default
		"stamp":   "16/01/2017 20:23", // uiOptions.format
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s = %#v, want %#v", k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected key %s = %#v", k, got[k])
		}
	}
	// Every top-level field of the kitchen app is covered by the document.
	for _, f := range e.Fields {
		if _, ok := want[f.Name]; !ok {
			t.Errorf("field %s (%s) has no plainText case", f.Name, f.Type)
		}
	}
}

func TestPlainTextTimeZones(t *testing.T) {
	e := kitchenThings(t)
	doc := `{"id":"` + idA + `","version":1,"label":"x","dateTime":1484578380000,"date":"2016-07-12","dateTimeNoTimezone":"2016-11-05 19:00"}`
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		loc  *time.Location
		want string
	}{
		{nil, "2017-01-16 14:53"}, // nil is UTC
		{time.UTC, "2017-01-16 14:53"},
		{ny, "2017-01-16 09:53"},
		{time.FixedZone("X", 9*3600), "2017-01-16 23:53"},
	} {
		got := plainOf(t, &PlainText{Loc: c.loc}, e, doc, nil)
		if got["dateTime"] != c.want {
			t.Errorf("dateTime in %v = %v, want %s", c.loc, got["dateTime"], c.want)
		}
		if got["date"] != "2016-07-12" || got["dateTimeNoTimezone"] != "2016-11-05 19:00" {
			t.Errorf("zone-less values shifted in %v: %v %v", c.loc, got["date"], got["dateTimeNoTimezone"])
		}
	}
}

func TestPlainTextDefaultsAndProjection(t *testing.T) {
	e := kitchenThings(t)
	// Built-in defaults without app defaults.
	got := plainOf(t, &PlainText{}, e, kitchenDoc, nil)
	for k, w := range map[string]string{"money": "$1,215.50", "integer": "1234567", "euros": "€1,216", "boolean": "Yes"} {
		if got[k] != w {
			t.Errorf("%s = %v, want %s", k, got[k], w)
		}
	}
	// Projection: only the selected fields (and the system ones), nested
	// projection keeps the item's id and label.
	got = plainOf(t, &PlainText{}, e, kitchenDoc, FieldSet{"money": nil, "items": FieldSet{"qty": nil}})
	want := map[string]any{"id": idA, "version": 7.0, "label": "abc", "money": "$1,215.50",
		"items": []any{
			map[string]any{"id": idB, "label": "items", "qty": "2000"},
			map[string]any{"id": idC, "label": "items", "qty": "1"},
		}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("projected: %#v\nwant %#v", got, want)
	}
}

func TestPlainTextEmptyAndFalse(t *testing.T) {
	e := kitchenThings(t)
	doc := `{"id":"` + idA + `","version":1,"label":"x","boolean":false,"tags":[],"friends":[],"items":[],"text":null}`
	got := plainOf(t, &PlainText{}, e, doc, nil)
	want := map[string]any{"id": idA, "version": 1.0, "label": "x", "boolean": "No", "tags": []any{}, "friends": []any{}, "items": []any{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}

func TestPlainTextFetchedRelationshipsPassThrough(t *testing.T) {
	e := kitchenThings(t)
	_, _, _, v, err := Decode([]byte(kitchenDoc))
	if err != nil {
		t.Fatal(err)
	}
	ana := json.RawMessage(`{"id":"` + idB + `","version":2,"label":"Ana","name":"Ana"}`)
	v["owner"] = ana
	v["friends"] = []any{ana, map[string]any{"id": idC, "label": "Bob"}}
	out := (&PlainText{}).Encode(e, idA, 7, "abc", v, FieldSet{"owner": nil, "friends": nil})
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	wantAna := map[string]any{"id": idB, "version": 2.0, "label": "Ana", "name": "Ana"}
	if !reflect.DeepEqual(got["owner"], wantAna) {
		t.Errorf("owner = %#v", got["owner"])
	}
	if !reflect.DeepEqual(got["friends"], []any{wantAna, "Bob"}) {
		t.Errorf("friends = %#v", got["friends"])
	}
	// Native encoding writes a fetched record as is too.
	native := Encode(e, idA, 7, "abc", v, FieldSet{"owner": nil})
	want := `{"id":"` + idA + `","version":7,"label":"abc","owner":` + string(ana) + `}`
	if string(native) != want {
		t.Errorf("native:\n%s\nwant\n%s", native, want)
	}
}

func TestFileText(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{map[string]any{"id": idA, "name": "logo.png"}, "logo.png"},
		{map[string]any{"id": idA}, idA}, // name not known yet
		{map[string]any{"id": idA, "name": "logo.png", "size": json.Number("41500")}, "logo.png (41.5kB)"},
		{map[string]any{"id": idA, "name": "a.txt", "size": int64(12)}, "a.txt (12B)"},
	} {
		if got := FileText(c.in); got != c.want {
			t.Errorf("FileText(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	for n, want := range map[int64]string{0: "0B", 999: "999B", 1000: "1kB", 41500: "41.5kB", 999949: "999.9kB",
		999999: "1MB", 3_000_000: "3MB", 1_260_000_000: "1.3GB", 5_000_000_000_000: "5TB"} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
