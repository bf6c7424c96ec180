package types

import (
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	const values = `{"possibleValues": [{"name": "active", "label": "Active"}]}`
	buenosAires := time.FixedZone("ART", -3*3600)
	opt := func(name, label string) map[string]any { return map[string]any{"name": name, "label": label} }
	cases := []struct {
		name    string
		kind    string
		rules   string
		display Display
		in      any
		loc     *time.Location
		want    string
	}{
		{"nil", Text, "", nil, nil, nil, ""},
		{"text", Text, "", nil, "abc", nil, "abc"},
		{"longText", LongText, "", nil, "a\nb", nil, "a\nb"},
		{"email", Email, "", nil, "u@x.com", nil, "u@x.com"},
		{"url", URL, "", nil, "(http://x.com)<X>", nil, "(http://x.com)<X>"},
		{"phone", Phone, "", nil, "1-702-845-9380", nil, "1-702-845-9380"},
		{"masked", MaskedText, `{"mask": "999-aaa"}`, nil, "862-SKB", nil, "862-SKB"},
		{"qr", QR, "", nil, "xyz", nil, "xyz"},
		{"rank", Rank, "", nil, "iiiii00000", nil, "iiiii00000"},
		{"color", Color, "", nil, "#f5a9a9", nil, "#f5a9a9"},
		{"html tags removed", HTML, "", nil, "<p>Hello <b>big</b></p><p>world &amp; co</p>", nil, "Hello big world & co"},

		{"integer", Integer, "", nil, int64(1234567), nil, "1234567"},
		{"integer thousands", Integer, "", Display{"thousandsSeparator": true}, int64(-1234567), nil, "-1,234,567"},
		{"integer json.Number", Integer, "", nil, num("42"), nil, "42"},
		{"autoIncrement", AutoIncrement, "", nil, int64(8), nil, "8"},
		{"decimal as is", Decimal, "", nil, 3.2, nil, "3.2"},
		{"decimal display decimals", Decimal, "", Display{"numberOfDecimals": 2}, 3.2, nil, "3.20"},
		{"decimal rule decimals", Decimal, `{"numberOfDecimals": 1}`, nil, 3.25, nil, "3.3"},
		{"decimal display over rule", Decimal, `{"numberOfDecimals": 1}`, Display{"numberOfDecimals": num("3")}, 3.25, nil, "3.250"},
		{"decimal thousands", Decimal, "", Display{"showThousandsSeparator": true}, 1234.5, nil, "1,234.5"},
		{"decimal truncate display", Decimal, "", Display{"numberOfDecimals": 1, "decimalLimitRuleType": "truncate"}, 3.29, nil, "3.2"},
		{"money default", Money, "", nil, 1215.5, nil, "$1,215.50"},
		{"money rounds", Money, "", nil, 0.125, nil, "$0.13"},
		{"money symbol", Money, "", Display{"symbol": "€"}, 80000.0, nil, "€80,000.00"},
		{"money negative", Money, "", nil, -5.0, nil, "-$5.00"},
		{"money tiny negative", Money, "", nil, -0.001, nil, "$0.00"},
		{"money no separator", Money, "", Display{"thousandsSeparator": false}, 1215.5, nil, "$1215.50"},
		{"money display decimals", Money, "", Display{"numberOfDecimals": 0}, 1215.5, nil, "$1,216"},
		{"percentage", Percentage, "", nil, 0.7, nil, "70%"},
		{"percentage exact", Percentage, "", nil, 0.07, nil, "7%"},
		{"percentage fraction", Percentage, "", nil, 0.125, nil, "12.5%"},
		{"percentage decimals", Percentage, "", Display{"numberOfDecimals": 1}, 0.5, nil, "50.0%"},
		{"bigNumber as is", BigNumber, "", nil, "8.9977381997", nil, "8.9977381997"},
		{"bigNumber decimals", BigNumber, "", Display{"numberOfDecimals": 2}, "8.9977381997", nil, "9.00"},
		{"boolean yes", Boolean, "", nil, true, nil, "Yes"},
		{"boolean no", Boolean, "", nil, false, nil, "No"},
		{"choice label", Choice, values, nil, "active", nil, "Active"},
		{"choice unknown name", Choice, values, nil, "gone", nil, "gone"},
		{"dynamicChoice label", DynamicChoice, "", nil, map[string]any{"options": []any{opt("AZ", "Arizona")}, "selectedValue": "AZ"}, nil, "Arizona"},
		{"dynamicChoice nothing selected", DynamicChoice, "", nil, map[string]any{"options": []any{opt("AZ", "Arizona")}, "selectedValue": nil}, nil, ""},

		{"date default", Date, "", nil, "2016-07-12", nil, "2016-07-12"},
		{"date pattern", Date, "", Display{"format": "dd/MM/yyyy"}, "2016-07-12", nil, "12/07/2016"},
		{"date names", Date, "", Display{"format": "EEE, d MMM yy"}, "2016-07-12", nil, "Tue, 12 Jul 16"},
		{"date full names quoted", Date, "", Display{"format": "EEEE d 'de' MMMM"}, "2016-07-12", nil, "Tuesday 12 de July"},
		{"dateTime default UTC", DateTime, "", nil, int64(1484578380000), nil, "2017-01-16 14:53"},
		{"dateTime in zone", DateTime, "", nil, int64(1484578380000), buenosAires, "2017-01-16 11:53"},
		{"dateTime sample pattern", DateTime, "", Display{"format": "dd-MM-yyyy HH:mm"}, int64(1484578380000), nil, "16-01-2017 14:53"},
		{"dateTime 12h", DateTime, "", Display{"format": "h:mm a"}, int64(1484578380000), nil, "2:53 PM"},
		{"dateTime seconds millis zone", DateTime, "", Display{"format": "HH:mm:ss.SSS XXX"}, int64(1484578380123), buenosAires, "11:53:00.123 -03:00"},
		{"dateTime json.Number", DateTime, "", nil, num("1484578380000"), nil, "2017-01-16 14:53"},
		{"created", RecordCreated, "", nil, int64(0), nil, "1970-01-01 00:00"},
		{"modified", RecordModified, "", nil, int64(0), buenosAires, "1969-12-31 21:00"},
		{"no timezone ignores zone", DateTimeNoTimezone, "", nil, "2016-11-05 19:00", buenosAires, "2016-11-05 19:00"},
		{"no timezone pattern", DateTimeNoTimezone, "", Display{"format": "MM/dd/yyyy hh:mm a"}, "2016-11-05 19:00", nil, "11/05/2016 07:00 PM"},
		{"time", Time, "", nil, "08:00", nil, "08:00"},
		{"monthDay default", MonthDay, "", nil, "02-29", nil, "02-29"},
		{"monthDay pattern", MonthDay, "", Display{"format": "d MMM"}, "04-16", nil, "16 Apr"},
		{"yearMonth default", YearMonth, "", nil, "2016-07", nil, "2016-07"},
		{"yearMonth pattern", YearMonth, "", Display{"format": "MMMM yyyy"}, "2016-07", nil, "July 2016"},
		{"duration", Duration, "", nil, int64(((24+2)*3600 + 30*60 + 15) * 1000), nil, "1d 2h 30m 15s"},
		{"duration zero units omitted", Duration, "", nil, int64(3*3600*1000 + 5000), nil, "3h 5s"},
		{"duration zero", Duration, "", nil, int64(999), nil, "0s"},
		{"geo", GeoPoint, "", nil, map[string]any{"latitude": 10.5, "longitude": 12.0}, nil, "(10.5,12)"},
		{"relationship label", Relationship, `{"entity": "companies"}`, nil, map[string]any{"id": "x", "label": "Acme"}, nil, "Acme"},
		{"group label", Group, "", nil, map[string]any{"id": "x", "label": "Admins"}, nil, "Admins"},
		{"file name", File, "", nil, map[string]any{"id": "x", "name": "logo.png"}, nil, "logo.png"},
		{"nested label", Nested, "", nil, map[string]any{"id": "x", "label": "Address"}, nil, "Address"},
		{"many values", Boolean, "", nil, []any{true, false}, nil, "Yes, No"},
	}
	for _, c := range cases {
		t.Run(c.kind+"/"+c.name, func(t *testing.T) {
			got := Format(c.kind, rules(t, c.kind, c.rules), c.display, c.in, c.loc)
			if got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestFormatJavaPatternLiterals(t *testing.T) {
	tm := time.Date(2024, 5, 3, 7, 4, 9, 0, time.UTC)
	cases := map[string]string{
		"yyyy-MM-dd'T'HH:mm:ss": "2024-05-03T07:04:09",
		"'it''s' H:m:s":         "it's 7:4:9",
		"''":                    "'",
		"d/M/y":                 "3/5/2024",
		"D":                     "124",
		"k K":                   "7 7",
		"Z z":                   "+0000 UTC",
		"X":                     "Z",
		"'unterminated":         "unterminated",
		"q":                     "q",
	}
	for pattern, want := range cases {
		if got := formatJavaPattern(tm, pattern); got != want {
			t.Errorf("%q: got %q, want %q", pattern, got, want)
		}
	}
}
