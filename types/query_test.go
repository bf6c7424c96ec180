package types

import (
	"testing"
)

func TestParseQuery(t *testing.T) {
	const values = `{"possibleValues": [{"name": "active", "label": "Active"}]}`
	cases := []struct {
		name  string
		kind  string
		rules string
		in    string
		want  any
		code  string
	}{
		{"text unchanged", Text, "", "Acme Inc", "Acme Inc", ""},
		{"email unchanged", Email, "", "U@x.com", "U@x.com", ""},
		{"html unchanged", HTML, "", "hello", "hello", ""},
		{"rank unchanged", Rank, "", "iiiii00000", "iiiii00000", ""},
		{"phone digits", Phone, "", "+1 (702) 845-9380", "17028459380", ""},
		{"masked formatted to raw", MaskedText, `{"mask": "999-aaa"}`, "123-ABC", "123ABC", ""},
		{"masked raw unchanged", MaskedText, `{"mask": "999-aaa"}`, "123ABC", "123ABC", ""},
		{"masked fragment unchanged", MaskedText, `{"mask": "999-aaa"}`, "3-A", "3-A", ""},
		{"integer", Integer, "", "8", int64(8), ""},
		{"integer from 80000.00", Integer, "", "80000.00", int64(80000), ""},
		{"integer fraction", Integer, "", "2.5", 2.5, ""},
		{"integer bad", Integer, "", "abc", nil, "invalid"},
		{"integer empty", Integer, "", "", nil, "invalid"},
		{"autoIncrement", AutoIncrement, "", "3", int64(3), ""},
		{"decimal", Decimal, "", "3.2", 3.2, ""},
		{"money", Money, "", "80000.00", 80000.0, ""},
		{"money bad", Money, "", "$5", nil, "invalid"},
		{"percentage fraction", Percentage, "", "0.5", 0.5, ""},
		{"bigNumber canonical", BigNumber, "", "8.99770", "8.9977", ""},
		{"bigNumber bad", BigNumber, "", "x", nil, "invalid"},
		{"boolean true", Boolean, "", "True", true, ""},
		{"boolean false", Boolean, "", "false", false, ""},
		{"boolean bad", Boolean, "", "1", nil, "invalid"},
		{"choice name", Choice, values, "active", "active", ""},
		{"choice label rejected", Choice, values, "Active", nil, "invalid"},
		{"choice unknown", Choice, values, "gone", nil, "invalid"},
		{"dynamicChoice unchanged", DynamicChoice, "", "AZ", "AZ", ""},
		{"date", Date, "", "2016-07-12", "2016-07-12", ""},
		{"date bad", Date, "", "12/07/2016", nil, "invalid"},
		{"yearMonth", YearMonth, "", "2016-07", "2016-07", ""},
		{"yearMonth bad", YearMonth, "", "2016-7", nil, "invalid"},
		{"monthDay", MonthDay, "", "02-29", "02-29", ""},
		{"monthDay bad", MonthDay, "", "02-30", nil, "invalid"},
		{"dateTime ms", DateTime, "", "1484578380000", int64(1484578380000), ""},
		{"dateTime local UTC", DateTime, "", "2017-01-16 14:53", int64(1484578380000), ""},
		{"dateTime bad", DateTime, "", "today", nil, "invalid"},
		{"created", RecordCreated, "", "5", int64(5), ""},
		{"modified", RecordModified, "", "x", nil, "invalid"},
		{"no timezone", DateTimeNoTimezone, "", "2016-11-05 19:00", "2016-11-05 19:00", ""},
		{"no timezone bad", DateTimeNoTimezone, "", "2016-11-05", nil, "invalid"},
		{"time", Time, "", "08:00", "08:00", ""},
		{"time bad", Time, "", "8am", nil, "invalid"},
		{"duration ms", Duration, "", "144000000", int64(144000000), ""},
		{"duration units", Duration, "", "40h", int64(144000000), ""},
		{"duration bad", Duration, "", "-5", nil, "invalid"},
		{"color lower", Color, "", "#F5A9A9", "#f5a9a9", ""},
		{"color fragment", Color, "", "#F5", "#f5", ""},
		{"relationship unchanged", Relationship, `{"entity": "companies"}`, "Blogpad", "Blogpad", ""},
		{"group unchanged", Group, "", "admins", "admins", ""},
		{"file unchanged", File, "", "logo.png", "logo.png", ""},
		{"nested unchanged", Nested, "", `{"street":"Main 1"}`, `{"street":"Main 1"}`, ""},
		{"geo unchanged", GeoPoint, "", "10,12", "10,12", ""},
		{"alias", "yearMonth", "", "2016-07", "2016-07", ""},
	}
	for _, c := range cases {
		t.Run(c.kind+"/"+c.name, func(t *testing.T) {
			got, p := ParseQuery(c.kind, rules(t, c.kind, c.rules), c.in)
			assertResult(t, got, p, c.want, c.code)
		})
	}
}

func TestParseQueryMessageSaysWhatWasExpected(t *testing.T) {
	_, p := ParseQuery(Money, nil, "abc")
	if p == nil || p.Message != "expected a number" {
		t.Fatalf("got %#v", p)
	}
	if _, p := ParseQuery("nope", nil, "x"); p == nil {
		t.Fatal("unknown type must be reported")
	}
}
