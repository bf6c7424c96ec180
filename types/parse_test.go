package types

import (
	"math"
	"strings"
	"testing"
)

type parseCase struct {
	name  string
	kind  string
	rules string // typeRules JSON, "" for none
	in    any
	want  any
	code  string // expected Problem code; "" = success
}

func runParseCases(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.kind+"/"+c.name, func(t *testing.T) {
			r := rules(t, c.kind, c.rules)
			got, p := Parse(c.kind, r, c.in)
			assertResult(t, got, p, c.want, c.code)
		})
	}
}

func TestParseText(t *testing.T) {
	runParseCases(t, []parseCase{
		{"string", Text, "", "abc", "abc", ""},
		{"keeps inner and outer spaces", Text, "", " a b ", " a b ", ""},
		{"number coerced", Text, "", num("12.50"), "12.50", ""},
		{"bool coerced", Text, "", true, "true", ""},
		{"blank is empty", Text, "", "   ", nil, ""},
		{"null is empty", Text, "", nil, nil, ""},
		{"object rejected", Text, "", map[string]any{"a": "b"}, nil, "invalid"},
		{"array rejected", Text, "", []any{"a"}, nil, "invalid"},
		{"invalid utf8 rejected", Text, "", "a\xffb", nil, "invalid"},
		{"longText string", LongText, "", "line1\nline2", "line1\nline2", ""},
		{"qr string", QR, "", "otpauth://totp/x", "otpauth://totp/x", ""},
		{"rank string", Rank, "", "iiiii00000", "iiiii00000", ""},
		{"rank blank", Rank, "", "", nil, ""},
	})
}

func TestParseHTML(t *testing.T) {
	runParseCases(t, []parseCase{
		{"allowed markup kept", HTML, "", `<p class="x">Hi <b>there</b></p>`, `<p class="x">Hi <b>there</b></p>`, ""},
		{"script removed", HTML, "", `<p>a</p><script>alert(1)</script>`, `<p>a</p>`, ""},
		{"event handler removed", HTML, "", `<div onclick="x()">a</div>`, `<div>a</div>`, ""},
		{"no visible text is empty", HTML, "", `<p><br></p>`, nil, ""},
		{"number rejected", HTML, "", num("1"), nil, "invalid"},
	})
}

func TestParseEmail(t *testing.T) {
	runParseCases(t, []parseCase{
		{"bare address", Email, "", "u@x.com", "u@x.com", ""},
		{"trimmed", Email, "", "  u@x.com ", "u@x.com", ""},
		{"plus and subdomain", Email, "", "a.b+c@mail.x.co.uk", "a.b+c@mail.x.co.uk", ""},
		{"display name rejected", Email, "", "Ann <u@x.com>", nil, "invalid"},
		{"angle brackets rejected", Email, "", "<u@x.com>", nil, "invalid"},
		{"comment rejected", Email, "", "u@x.com (Ann)", nil, "invalid"},
		{"no at sign", Email, "", "ux.com", nil, "invalid"},
		{"two addresses", Email, "", "a@x.com, b@x.com", nil, "invalid"},
		{"number", Email, "", num("5"), nil, "invalid"},
	})
}

func TestParseURL(t *testing.T) {
	runParseCases(t, []parseCase{
		{"https", URL, "", "https://x.com/a?b=c#d", "https://x.com/a?b=c#d", ""},
		{"http trimmed", URL, "", " http://x.com ", "http://x.com", ""},
		{"markdown form", URL, "", "(http://x.com)<Label>", "(http://x.com)<Label>", ""},
		{"markdown with bad url", URL, "", "(javascript:x)<Label>", nil, "invalid"},
		{"relative rejected", URL, "", "/a/b", nil, "invalid"},
		{"no scheme rejected", URL, "", "www.x.com", nil, "invalid"},
		{"ftp rejected", URL, "", "ftp://x.com", nil, "invalid"},
		{"javascript rejected", URL, "", "javascript:alert(1)", nil, "invalid"},
		{"space rejected", URL, "", "http://x.com/a b", nil, "invalid"},
		{"bool rejected", URL, "", true, nil, "invalid"},
	})
}

func TestParsePhone(t *testing.T) {
	runParseCases(t, []parseCase{
		{"as given", Phone, "", "1-702-845-9380", "1-702-845-9380", ""},
		{"trim and collapse spaces", Phone, "", "  +1  (702)   845.9380 ", "+1 (702) 845.9380", ""},
		{"number coerced", Phone, "", num("5551234"), "5551234", ""},
		{"letters rejected", Phone, "", "555-CALL", nil, "invalid"},
		{"extension word rejected", Phone, "", "555 ext 2", nil, "invalid"},
		{"tab rejected", Phone, "", "555\t1234", nil, "invalid"},
		{"no digits rejected", Phone, "", "+-()", nil, "invalid"},
		{"object rejected", Phone, "", map[string]any{}, nil, "invalid"},
	})
}

func TestParseMaskedText(t *testing.T) {
	const mask = `{"mask": "999-aaa"}`
	runParseCases(t, []parseCase{
		{"raw formatted", MaskedText, mask, "350KWM", "350-KWM", ""},
		{"formatted kept", MaskedText, mask, "350-KWM", "350-KWM", ""},
		{"trimmed", MaskedText, mask, " 350KWM ", "350-KWM", ""},
		{"letters keep case", MaskedText, mask, "350kwm", "350-kwm", ""},
		{"wrong class", MaskedText, mask, "35AKWM", nil, "invalid"},
		{"too short", MaskedText, mask, "350KW", nil, "invalid"},
		{"too long", MaskedText, mask, "350KWMX", nil, "invalid"},
		{"wrong literal", MaskedText, mask, "350.KWM", nil, "invalid"},
		{"alnum placeholder", MaskedText, `{"mask": "(ww) 9"}`, "A1 2", nil, "invalid"},
		{"alnum raw", MaskedText, `{"mask": "(ww) 9"}`, "a12", "(a1) 2", ""},
		{"literal that is a digit", MaskedText, `{"mask": "1-999"}`, "234", "1-234", ""},
		{"literal that is a digit formatted", MaskedText, `{"mask": "1-999"}`, "1-234", "1-234", ""},
		{"no mask is text", MaskedText, "", "anything", "anything", ""},
		{"number coerced", MaskedText, `{"mask": "999"}`, num("123"), "123", ""},
	})
}

func TestParseInteger(t *testing.T) {
	runParseCases(t, []parseCase{
		{"number", Integer, "", num("8"), int64(8), ""},
		{"negative", Integer, "", num("-42"), int64(-42), ""},
		{"integral float", Integer, "", num("0.0"), int64(0), ""},
		{"exponent", Integer, "", num("1e3"), int64(1000), ""},
		{"numeric string", Integer, "", " 12 ", int64(12), ""},
		{"go float", Integer, "", 3.0, int64(3), ""},
		{"go int", Integer, "", 7, int64(7), ""},
		{"max int64", Integer, "", num("9223372036854775807"), int64(math.MaxInt64), ""},
		{"fraction", Integer, "", num("1.5"), nil, "invalid"},
		{"text", Integer, "", "abc", nil, "invalid"},
		{"bool", Integer, "", true, nil, "invalid"},
		{"hex", Integer, "", "0x10", nil, "invalid"},
		{"overflow", Integer, "", num("9223372036854775808"), nil, "outOfRange"},
		{"huge exponent", Integer, "", num("1e400"), nil, "outOfRange"},
		{"blank", Integer, "", "", nil, ""},
		{"autoIncrement like integer", AutoIncrement, "", num("5"), int64(5), ""},
	})
}

func TestParseFloatTypes(t *testing.T) {
	runParseCases(t, []parseCase{
		{"decimal", Decimal, "", num("3.2"), 3.2, ""},
		{"decimal string", Decimal, "", "-0.5", -0.5, ""},
		{"decimal integer", Decimal, "", num("3"), 3.0, ""},
		{"decimal exponent", Decimal, "", num("1.5E2"), 150.0, ""},
		{"negative zero is zero", Decimal, "", num("-0"), 0.0, ""},
		{"decimal text", Decimal, "", "12abc", nil, "invalid"},
		{"NaN string", Decimal, "", "NaN", nil, "invalid"},
		{"Inf string", Decimal, "", "Inf", nil, "invalid"},
		{"Go NaN", Decimal, "", math.NaN(), nil, "invalid"},
		{"too large", Decimal, "", num("1e400"), nil, "outOfRange"},
		{"money", Money, "", num("80000.0"), 80000.0, ""},
		{"money bool", Money, "", false, nil, "invalid"},
		{"percentage fraction", Percentage, "", num("0.7"), 0.7, ""},
		{"percentage array", Percentage, "", []any{}, nil, "invalid"},
	})
}

func TestParseBigNumber(t *testing.T) {
	runParseCases(t, []parseCase{
		{"string", BigNumber, "", "8.9977381997", "8.9977381997", ""},
		{"number", BigNumber, "", num("8.9977381997"), "8.9977381997", ""},
		{"trailing zeros dropped", BigNumber, "", "1.2300", "1.23", ""},
		{"integer zeros kept", BigNumber, "", "100", "100", ""},
		{"exponent expanded", BigNumber, "", num("1.5e3"), "1500", ""},
		{"small exponent", BigNumber, "", "-12e-4", "-0.0012", ""},
		{"negative zero", BigNumber, "", "-0.00", "0", ""},
		{"34 digits", BigNumber, "", "1234567890123456789012345678901234", "1234567890123456789012345678901234", ""},
		{"35 digits", BigNumber, "", "12345678901234567890123456789012345", nil, "invalid"},
		{"too many fraction digits", BigNumber, "", "1e-35", nil, "invalid"},
		{"text", BigNumber, "", "1,5", nil, "invalid"},
		{"bool", BigNumber, "", true, nil, "invalid"},
	})
}

func TestParseBoolean(t *testing.T) {
	runParseCases(t, []parseCase{
		{"true", Boolean, "", true, true, ""},
		{"false", Boolean, "", false, false, ""},
		{"string true", Boolean, "", "TRUE", true, ""},
		{"string false", Boolean, "", " false ", false, ""},
		{"null is false", Boolean, "", nil, false, ""},
		{"blank is false", Boolean, "", "", false, ""},
		{"number rejected", Boolean, "", num("1"), nil, "invalid"},
		{"yes rejected", Boolean, "", "yes", nil, "invalid"},
	})
}

func TestParseChoice(t *testing.T) {
	const values = `{"possibleValues": [{"name": "active", "label": "Active"}, {"name": "onHold", "label": "On hold"}]}`
	runParseCases(t, []parseCase{
		{"name", Choice, values, "active", "active", ""},
		{"name ignoring case", Choice, values, "ONHOLD", "onHold", ""},
		{"label fallback", Choice, values, "on HOLD", "onHold", ""},
		{"trimmed", Choice, values, " active ", "active", ""},
		{"unknown", Choice, values, "deleted", nil, "invalid"},
		{"number unknown", Choice, values, num("1"), nil, "invalid"},
		{"object", Choice, values, map[string]any{"name": "active"}, nil, "invalid"},
		{"exact name wins over label", Choice, `{"possibleValues": [{"name": "a", "label": "B"}, {"name": "b", "label": "A"}]}`, "b", "b", ""},
	})
}

func TestParseDynamicChoice(t *testing.T) {
	opt := func(name, label string) map[string]any { return map[string]any{"name": name, "label": label} }
	runParseCases(t, []parseCase{
		{"string", DynamicChoice, "", "AZ",
			map[string]any{"options": []any{opt("AZ", "AZ")}, "selectedValue": "AZ"}, ""},
		{"object", DynamicChoice, "", map[string]any{"options": []any{opt("AZ", "Arizona"), map[string]any{"name": "CA"}}, "selectedValue": "CA"},
			map[string]any{"options": []any{opt("AZ", "Arizona"), opt("CA", "CA")}, "selectedValue": "CA"}, ""},
		{"nothing selected", DynamicChoice, "", map[string]any{"options": []any{opt("AZ", "Arizona")}},
			map[string]any{"options": []any{opt("AZ", "Arizona")}, "selectedValue": nil}, ""},
		{"selected not an option", DynamicChoice, "", map[string]any{"options": []any{opt("AZ", "Arizona")}, "selectedValue": "CA"}, nil, "invalid"},
		{"option without name", DynamicChoice, "", map[string]any{"options": []any{map[string]any{"label": "x"}}}, nil, "invalid"},
		{"options not array", DynamicChoice, "", map[string]any{"options": "AZ"}, nil, "invalid"},
		{"selected not string", DynamicChoice, "", map[string]any{"options": []any{}, "selectedValue": num("1")}, nil, "invalid"},
		{"number", DynamicChoice, "", num("1"), nil, "invalid"},
	})
}

func TestParseDates(t *testing.T) {
	runParseCases(t, []parseCase{
		{"date", Date, "", "2016-07-12", "2016-07-12", ""},
		{"date leap day", Date, "", "2016-02-29", "2016-02-29", ""},
		{"date not leap", Date, "", "2015-02-29", nil, "invalid"},
		{"date bad month", Date, "", "2016-13-01", nil, "invalid"},
		{"date short", Date, "", "2016-7-12", nil, "invalid"},
		{"date with time", Date, "", "2016-07-12T00:00:00Z", nil, "invalid"},
		{"date number", Date, "", num("20160712"), nil, "invalid"},

		{"dateTime ms", DateTime, "", num("1484578380000"), int64(1484578380000), ""},
		{"dateTime ms string", DateTime, "", "1484578380000", int64(1484578380000), ""},
		{"dateTime integral float", DateTime, "", num("1484578380000.0"), int64(1484578380000), ""},
		{"dateTime ISO", DateTime, "", "2017-01-16T14:53:00Z", int64(1484578380000), ""},
		{"dateTime ISO offset", DateTime, "", "2017-01-16T11:53:00-03:00", int64(1484578380000), ""},
		{"dateTime ISO millis", DateTime, "", "2024-05-31T18:30:00.123Z", int64(1717180200123), ""},
		{"dateTime local as UTC", DateTime, "", "2017-01-16 14:53", int64(1484578380000), ""},
		{"dateTime fractional ms", DateTime, "", num("1.5"), nil, "invalid"},
		{"dateTime text", DateTime, "", "yesterday", nil, "invalid"},
		{"dateTime beyond year 9999", DateTime, "", num("253402300800000"), nil, "invalid"},
		{"dateTime bool", DateTime, "", true, nil, "invalid"},
		{"created like dateTime", RecordCreated, "", "2017-01-16 14:53", int64(1484578380000), ""},
		{"modified like dateTime", RecordModified, "", num("5"), int64(5), ""},

		{"no timezone", DateTimeNoTimezone, "", "2016-11-05 19:00", "2016-11-05 19:00", ""},
		{"no timezone T and seconds", DateTimeNoTimezone, "", "2016-11-05T19:00:30", "2016-11-05 19:00", ""},
		{"no timezone bad hour", DateTimeNoTimezone, "", "2016-11-05 24:00", nil, "invalid"},
		{"no timezone zone", DateTimeNoTimezone, "", "2016-11-05 19:00Z", nil, "invalid"},

		{"time", Time, "", "08:00", "08:00", ""},
		{"time seconds dropped", Time, "", "23:59:59", "23:59", ""},
		{"time bad minute", Time, "", "08:60", nil, "invalid"},
		{"time one digit hour", Time, "", "8:00", nil, "invalid"},
		{"time bad second", Time, "", "08:00:61", nil, "invalid"},

		{"monthDay", MonthDay, "", "04-16", "04-16", ""},
		{"monthDay feb 29", MonthDay, "", "02-29", "02-29", ""},
		{"monthDay feb 30", MonthDay, "", "02-30", nil, "invalid"},
		{"monthDay apr 31", MonthDay, "", "04-31", nil, "invalid"},
		{"monthDay month 13", MonthDay, "", "13-01", nil, "invalid"},
		{"monthDay alias", "monthDay", "", "12-31", "12-31", ""},

		{"yearMonth", YearMonth, "", "2016-07", "2016-07", ""},
		{"yearMonth month 0", YearMonth, "", "2016-00", nil, "invalid"},
		{"yearMonth full date", YearMonth, "", "2016-07-01", nil, "invalid"},
		{"yearMonth alias", "yearMonth", "", "2016-12", "2016-12", ""},
	})
}

func TestParseDuration(t *testing.T) {
	runParseCases(t, []parseCase{
		{"ms", Duration, "", num("10800000"), int64(10800000), ""},
		{"ms string", Duration, "", "1000", int64(1000), ""},
		{"units", Duration, "", "1d 2h 30m 15s", int64(((24+2)*3600 + 30*60 + 15) * 1000), ""},
		{"units no spaces and case", Duration, "", "2H30M", int64(9000000), ""},
		{"unit with space", Duration, "", "40 h", int64(144000000), ""},
		{"milliseconds unit", Duration, "", "1s 500ms", int64(1500), ""},
		{"negative", Duration, "", num("-1"), nil, "invalid"},
		{"unknown unit", Duration, "", "3w", nil, "invalid"},
		{"no number", Duration, "", "h", nil, "invalid"},
		{"overflow", Duration, "", "999999999999999d", nil, "invalid"},
		{"bool", Duration, "", false, nil, "invalid"},
	})
}

func TestParseColorGeoAndPassThrough(t *testing.T) {
	geo := func(lat, lon float64) map[string]any { return map[string]any{"latitude": lat, "longitude": lon} }
	rel := map[string]any{"id": "5506fc44c2eee3b1a7025c01"}
	runParseCases(t, []parseCase{
		{"color long", Color, "", "#F5A9A9", "#f5a9a9", ""},
		{"color short", Color, "", "#AbC", "#abc", ""},
		{"color no hash", Color, "", "f5a9a9", nil, "invalid"},
		{"color bad hex", Color, "", "#f5a9ag", nil, "invalid"},
		{"color 4 digits", Color, "", "#abcd", nil, "invalid"},

		{"geo", GeoPoint, "", map[string]any{"latitude": num("10.5"), "longitude": num("12")}, geo(10.5, 12), ""},
		{"geo limits", GeoPoint, "", map[string]any{"latitude": num("-90"), "longitude": num("180")}, geo(-90, 180), ""},
		{"geo numeric strings", GeoPoint, "", map[string]any{"latitude": "1", "longitude": "2"}, geo(1, 2), ""},
		{"geo lat range", GeoPoint, "", map[string]any{"latitude": num("90.1"), "longitude": num("0")}, nil, "outOfRange"},
		{"geo lon range", GeoPoint, "", map[string]any{"latitude": num("0"), "longitude": num("-181")}, nil, "outOfRange"},
		{"geo missing", GeoPoint, "", map[string]any{"latitude": num("0")}, nil, "invalid"},
		{"geo string", GeoPoint, "", "10,12", nil, "invalid"},

		{"relationship unchanged", Relationship, `{"entity": "companies"}`, rel, rel, ""},
		{"relationship string unchanged", Relationship, `{"entity": "companies"}`, "Acme", "Acme", ""},
		{"group unchanged", Group, "", "admins", "admins", ""},
		{"file unchanged", File, "", rel, rel, ""},
		{"file alias unchanged", "file", "", "abc", "abc", ""},
		{"nested unchanged", Nested, "", map[string]any{"street": "x"}, map[string]any{"street": "x"}, ""},
	})
}

func TestParseUnknownType(t *testing.T) {
	if _, p := Parse("nope", nil, "x"); p == nil || p.Code != "invalid" {
		t.Fatalf("want invalid for an unknown type, got %v", p)
	}
}

func TestParseNilRules(t *testing.T) {
	got, p := Parse(Integer, nil, num("3"))
	assertResult(t, got, p, int64(3), "")
}

func TestParseProblemCarriesRejectedValue(t *testing.T) {
	in := num("1.5")
	_, p := Parse(Integer, nil, in)
	if p == nil || p.Info["rejectedValue"] != in {
		t.Fatalf("want rejectedValue %v, got %#v", in, p)
	}
	if !strings.Contains(p.Message, "integer") {
		t.Fatalf("message should say what was expected: %q", p.Message)
	}
}
