package types

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

type checkCase struct {
	name  string
	kind  string
	rules string
	in    any
	want  any
	code  string
}

func runCheckCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.kind+"/"+c.name, func(t *testing.T) {
			got, p := Check(c.kind, rules(t, c.kind, c.rules), c.in)
			assertResult(t, got, p, c.want, c.code)
		})
	}
}

func TestCheckTextLengths(t *testing.T) {
	long300 := strings.Repeat("é", 300)
	runCheckCases(t, []checkCase{
		{"nil passes", Text, `{"minLength": 3}`, nil, nil, ""},
		{"300 chars ok", Text, "", long300, long300, ""},
		{"301 chars too long", Text, "", long300 + "x", nil, "tooLong"},
		{"maxLength lowers cap", Text, `{"maxLength": 3}`, "abcd", nil, "tooLong"},
		{"maxLength cannot raise cap", Text, `{"maxLength": 1000}`, long300 + "x", nil, "tooLong"},
		{"maxLength inclusive", Text, `{"maxLength": 3}`, "abc", "abc", ""},
		{"minLength", Text, `{"minLength": 6}`, "abcde", nil, "tooShort"},
		{"minLength inclusive", Text, `{"minLength": 6}`, "abcdef", "abcdef", ""},
		{"minLength counts characters", Text, `{"minLength": 3}`, "äöü", "äöü", ""},
		{"exactLength short", Text, `{"exactLength": 4}`, "abc", nil, "tooShort"},
		{"exactLength long", Text, `{"exactLength": 4}`, "abcde", nil, "tooLong"},
		{"exactLength ok", Text, `{"exactLength": 4}`, "abcd", "abcd", ""},
		{"longText beyond 300", LongText, "", long300 + "x", long300 + "x", ""},
		{"longText maxLength", LongText, `{"maxLength": 2}`, "abc", nil, "tooLong"},
		{"longText 1 MiB cap", LongText, "", strings.Repeat("a", 1<<20+1), nil, "tooLong"},
		{"html 1 MiB cap", HTML, "", strings.Repeat("a", 1<<20+1), nil, "tooLong"},
		{"qr lengths", QR, `{"minLength": 2}`, "a", nil, "tooShort"},
		{"wrong Go type", Text, "", int64(5), nil, "invalid"},
	})
}

func TestCheckLengthInfo(t *testing.T) {
	_, p := Check(Text, rules(t, Text, `{"maxLength": 3}`), "abcd")
	if p == nil || p.Info["maxLength"] != 3 {
		t.Fatalf("tooLong needs maxLength info: %#v", p)
	}
	_, p = Check(Text, rules(t, Text, `{"minLength": 3}`), "ab")
	if p == nil || p.Info["minLength"] != 3 {
		t.Fatalf("tooShort needs minLength info: %#v", p)
	}
}

func TestCheckRegex(t *testing.T) {
	const withHint = `{"regularExpression": {"expression": "[a-z]+\\d", "hint": "letters then a digit"}}`
	runCheckCases(t, []checkCase{
		{"match", Text, withHint, "abc1", "abc1", ""},
		{"full match only", Text, withHint, "abc1x", nil, "invalid"},
		{"case sensitive", Text, withHint, "ABC1", nil, "invalid"},
		{"case insensitive", Text, `{"regularExpression": {"expression": "[a-z]+", "caseInsensitive": true}}`, "ABC", "ABC", ""},
		{"alternation anchored", Text, `{"regularExpression": {"expression": "a|b"}}`, "ab", nil, "invalid"},
		{"qr regex", QR, `{"regularExpression": "x+"}`, "xy", nil, "invalid"},
	})
	_, p := Check(Text, rules(t, Text, withHint), "nope")
	if p == nil || p.Message != "letters then a digit" {
		t.Fatalf("the hint is the message: %#v", p)
	}
	_, p = Check(Text, rules(t, Text, `{"regularExpression": {"expression": "x"}}`), "y")
	if p == nil || p.Message == "" {
		t.Fatalf("a default message without hint: %#v", p)
	}
}

func TestCheckRegexOnHandBuiltRules(t *testing.T) {
	r := &Rules{Regex: &Regex{Expression: "[0-9]+"}}
	if _, p := Check(Text, r, "12a"); p == nil {
		t.Fatal("regex of Rules built without ParseRules must still apply")
	}
	if v, p := Check(Text, r, "12"); p != nil || v != "12" {
		t.Fatalf("got %v, %v", v, p)
	}
}

func TestCheckIntegerRange(t *testing.T) {
	const rng = `{"minValue": 1, "maxValue": 10}`
	runCheckCases(t, []checkCase{
		{"inside", Integer, rng, int64(5), int64(5), ""},
		{"min inclusive", Integer, rng, int64(1), int64(1), ""},
		{"max inclusive", Integer, rng, int64(10), int64(10), ""},
		{"below", Integer, rng, int64(0), nil, "outOfRange"},
		{"above", Integer, rng, int64(11), nil, "outOfRange"},
		{"fractional bound", Integer, `{"minValue": 1.5}`, int64(1), nil, "outOfRange"},
		{"json.Number native", Integer, rng, num("7"), int64(7), ""},
		{"huge values compare exactly", Integer, `{"maxValue": 9223372036854775806}`, int64(math.MaxInt64), nil, "outOfRange"},
		{"not integral", Integer, "", 1.5, nil, "invalid"},
		{"autoIncrement has no range check", AutoIncrement, `{"minValue": 100}`, int64(1), int64(1), ""},
	})
	_, p := Check(Integer, rules(t, Integer, rng), int64(0))
	if p.Info["min"] != json.Number("1") || p.Info["max"] != json.Number("10") {
		t.Fatalf("outOfRange info: %#v", p.Info)
	}
	_, p = Check(Integer, rules(t, Integer, `{"maxValue": 3}`), int64(4))
	if _, has := p.Info["min"]; has || p.Info["max"] != json.Number("3") {
		t.Fatalf("only the set bound is reported: %#v", p.Info)
	}
}

func TestCheckDecimals(t *testing.T) {
	const round2 = `{"limitNumberOfDecimals": true, "numberOfDecimals": 2}`
	const trunc2 = `{"limitNumberOfDecimals": true, "numberOfDecimals": 2, "decimalLimitRuleType": "truncate"}`
	const error2 = `{"limitNumberOfDecimals": true, "numberOfDecimals": 2, "decimalLimitRuleType": "error"}`
	runCheckCases(t, []checkCase{
		{"round default", Decimal, round2, 1.005, 1.01, ""},
		{"round half away from zero", Decimal, round2, -2.345, -2.35, ""},
		{"round down", Decimal, round2, 1.004, 1.0, ""},
		{"round zero decimals", Decimal, `{"limitNumberOfDecimals": true, "numberOfDecimals": 0}`, 2.5, 3.0, ""},
		{"truncate", Decimal, trunc2, 1.009, 1.0, ""},
		{"truncate negative", Decimal, trunc2, -1.009, -1.0, ""},
		{"error over limit", Decimal, error2, 1.001, nil, "invalid"},
		{"error within limit", Decimal, error2, 1.5, 1.5, ""},
		{"no limit flag keeps value", Decimal, `{"numberOfDecimals": 2}`, 1.23456, 1.23456, ""},
		{"range after rounding", Decimal, `{"maxValue": 10, "limitNumberOfDecimals": true, "numberOfDecimals": 1}`, 10.04, 10.0, ""},
		{"decimal range", Decimal, `{"minValue": 0.5}`, 0.25, nil, "outOfRange"},
		{"money four decimals always", Money, "", 1.23456, 1.2346, ""},
		{"money rule", Money, round2, 1215.499, 1215.5, ""},
		{"money range", Money, `{"minValue": 0}`, -1.0, nil, "outOfRange"},
		{"percentage range", Percentage, `{"maxValue": 1}`, 1.5, nil, "outOfRange"},
		{"percentage decimals", Percentage, round2, 0.125, 0.13, ""},
		{"float from string rejected", Decimal, "", "1.5", nil, "invalid"},
		{"bigNumber round", BigNumber, round2, "1.005", "1.01", ""},
		{"bigNumber truncate", BigNumber, trunc2, "99.999", "99.99", ""},
		{"bigNumber error", BigNumber, error2, "0.001", nil, "invalid"},
		{"bigNumber range exact", BigNumber, `{"maxValue": "12345678901234567890.5"}`, "12345678901234567890.51", nil, "outOfRange"},
		{"bigNumber range inclusive", BigNumber, `{"maxValue": "12345678901234567890.5"}`, "12345678901234567890.50", "12345678901234567890.5", ""},
		{"bigNumber not a number", BigNumber, "", "abc", nil, "invalid"},
	})
}

func TestCheckChoice(t *testing.T) {
	const values = `{"possibleValues": [{"name": "active", "label": "Active"}]}`
	runCheckCases(t, []checkCase{
		{"listed", Choice, values, "active", "active", ""},
		{"canonical name returned", Choice, values, "ACTIVE", "active", ""},
		{"not listed", Choice, values, "gone", nil, "invalid"},
		{"not a string", Choice, values, int64(1), nil, "invalid"},
	})
}

func TestCheckPhoneInternational(t *testing.T) {
	runCheckCases(t, []checkCase{
		{"not international", Phone, `{"international": false}`, "555 1234", "555 1234", ""},
		{"international with plus", Phone, `{"international": true}`, "+54 11 5555", "+54 11 5555", ""},
		{"default prefix added", Phone, `{"international": true, "defaultInternationalPrefix": "1"}`, "702 845", "+1 702 845", ""},
		{"missing prefix", Phone, `{"international": true}`, "702 845", nil, "invalid"},
	})
}

func TestCheckOtherTypesUnchanged(t *testing.T) {
	for _, c := range []struct {
		kind string
		v    any
	}{{Date, "2016-07-12"}, {DateTime, int64(5)}, {Boolean, true}, {GeoPoint, map[string]any{"latitude": 1.0}}} {
		got, p := Check(c.kind, nil, c.v)
		assertResult(t, got, p, c.v, "")
	}
}

func TestIsEmpty(t *testing.T) {
	cases := []struct {
		kind string
		v    any
		want bool
	}{
		{Text, nil, true},
		{Text, "", true},
		{Text, "  ", true},
		{Text, "a", false},
		{Integer, int64(0), false},
		{Boolean, false, false},
		{Text, []any{}, true},
		{Text, []any{"a"}, false},
		{Nested, map[string]any{}, true},
		{Relationship, map[string]any{"id": "x"}, false},
		{DynamicChoice, map[string]any{"options": []any{}, "selectedValue": nil}, true},
		{DynamicChoice, map[string]any{"options": []any{}, "selectedValue": "AZ"}, false},
	}
	for _, c := range cases {
		if got := IsEmpty(c.kind, c.v); got != c.want {
			t.Errorf("IsEmpty(%s, %#v) = %v, want %v", c.kind, c.v, got, c.want)
		}
	}
}
