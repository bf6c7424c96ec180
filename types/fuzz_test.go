package types

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// fuzzRules gives the fuzzers rules that make Parse and Check do real work.
var fuzzRules = map[string]string{
	Text:          `{"maxLength": 20, "regularExpression": {"expression": "[a-z ]*", "caseInsensitive": true}}`,
	LongText:      `{"minLength": 2}`,
	Phone:         `{"international": true, "defaultInternationalPrefix": "+1"}`,
	MaskedText:    `{"mask": "(99) aw-9"}`,
	Integer:       `{"minValue": -100, "maxValue": 100}`,
	Decimal:       `{"limitNumberOfDecimals": true, "numberOfDecimals": 2, "minValue": -1000, "maxValue": 1000}`,
	BigNumber:     `{"limitNumberOfDecimals": true, "numberOfDecimals": 3, "decimalLimitRuleType": "truncate"}`,
	Percentage:    `{"limitNumberOfDecimals": true, "numberOfDecimals": 4, "decimalLimitRuleType": "error"}`,
	Choice:        `{"possibleValues": [{"name": "active", "label": "Active"}, {"name": "b", "label": "A"}]}`,
	Relationship:  `{"entity": "companies"}`,
	AutoIncrement: `{"minValue": 5}`,
}

func fuzzKind(i uint8) string {
	ids := Types()
	return ids[int(i)%len(ids)]
}

func fuzzKindRules(t *testing.T, kind string) *Rules {
	return rules(t, kind, fuzzRules[kind])
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		`"abc"`, `"  "`, `null`, `true`, `12`, `-0.5`, `1e400`, `"1e3"`, `"0.0"`,
		`"9223372036854775808"`, `"<p onclick=x>a<script>b</script></p>"`, `"<a href='javascript:x'>y</a>"`,
		`"u@x.com"`, `"Ann <u@x.com>"`, `"(http://x.com)<L>"`, `"+1 (702)  845-9380"`, `"(12) b3-4"`,
		`"12b34"`, `"Active"`, `{"options": [{"name": "AZ", "label": "Arizona"}], "selectedValue": "AZ"}`,
		`"2016-02-29"`, `"2017-01-16T14:53:00Z"`, `"2016-11-05 19:00"`, `"23:59:59"`, `"1d 2h 30m 15s"`,
		`"02-29"`, `"2016-07"`, `"#ABC"`, `{"latitude": 10.5, "longitude": 12}`, `{"id": "x"}`, `[1, 2]`,
		`"1.005"`, `"12345678901234567890123456789012345"`, `"\u0000"`,
	}
	for i, s := range seeds {
		for k := range 4 {
			f.Add(uint8(i*4+k), s)
		}
	}
	f.Fuzz(func(t *testing.T, kindIndex uint8, input string) {
		var v any
		if decodeUseNumber([]byte(input), &v) != nil {
			return
		}
		kind := fuzzKind(kindIndex)
		r := fuzzKindRules(t, kind)
		native, p := Parse(kind, r, v)
		if p != nil {
			assertProblem(t, p)
			return
		}
		assertReparses(t, kind, r, native)
		checked, p := Check(kind, r, native)
		if p != nil {
			assertProblem(t, p)
		} else if again, p := Check(kind, r, checked); p != nil || !reflect.DeepEqual(again, checked) {
			t.Fatalf("Check not idempotent for %s: %#v → %#v (%v)", kind, checked, again, p)
		}
		_ = Format(kind, r, Display{"numberOfDecimals": 2, "thousandsSeparator": true}, native, time.UTC)
		_ = IsEmpty(kind, native)
	})
}

// assertReparses checks that a native value encodes to JSON and that parsing
// that JSON again gives the same native value (Parse is idempotent).
func assertReparses(t *testing.T, kind string, r *Rules, native any) {
	t.Helper()
	b, err := json.Marshal(native)
	if err != nil {
		t.Fatalf("native %#v of %s does not marshal: %v", native, kind, err)
	}
	var decoded any
	if err := decodeUseNumber(b, &decoded); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	again, p := Parse(kind, r, decoded)
	if p != nil {
		t.Fatalf("%s: native %s does not parse again: %s", kind, b, p.Message)
	}
	if !reflect.DeepEqual(again, native) {
		t.Fatalf("%s: not idempotent: %#v → %#v", kind, native, again)
	}
}

func assertProblem(t *testing.T, p *Problem) {
	t.Helper()
	switch p.Code {
	case CodeInvalid, CodeOutOfRange, CodeTooLong, CodeTooShort:
	default:
		t.Fatalf("unexpected problem code %q", p.Code)
	}
	if p.Message == "" {
		t.Fatal("problem without message")
	}
	if _, err := json.Marshal(p.Info); err != nil {
		t.Fatalf("problem info does not marshal: %v", err)
	}
}

func FuzzParseQuery(f *testing.F) {
	seeds := []string{
		"abc", "", "8", "80000.00", "2.5", "-0", "1e30", "1e400", "true", "FALSE", "active", "Active",
		"2016-07-12", "2016-02-30", "02-29", "2016-07", "1484578380000", "2017-01-16 14:53", "08:00",
		"23:59:59", "40h", "144000000", "#F5A9A9", "(12) b3-4", "12b34", "+1 (702) 845-9380", "8.99770",
	}
	for i, s := range seeds {
		for k := range 4 {
			f.Add(uint8(i*4+k), s)
		}
	}
	f.Fuzz(func(t *testing.T, kindIndex uint8, s string) {
		kind := fuzzKind(kindIndex)
		r := fuzzKindRules(t, kind)
		got, p := ParseQuery(kind, r, s)
		if p != nil {
			assertProblem(t, p)
			return
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("query value %#v does not marshal: %v", got, err)
		}
		text, ok := literalText(got)
		if !ok {
			t.Fatalf("unexpected query value type %T", got)
		}
		again, p := ParseQuery(kind, r, text)
		if p != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("%s: %q → %#v, its text %q → %#v (%v)", kind, s, got, text, again, p)
		}
	})
}

// literalText writes a query value back as a literal.
func literalText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}
