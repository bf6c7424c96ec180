package types

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseRulesEmpty(t *testing.T) {
	for _, raw := range []string{"", "null", " null ", "{}"} {
		r, err := ParseRules(Text, json.RawMessage(raw))
		if err != nil || r == nil {
			t.Fatalf("%q: got %v, %v", raw, r, err)
		}
		if !r.LabelUpdatePolicy || !r.CopiedFieldsUpdatePolicy {
			t.Fatalf("%q: update policies must default to true", raw)
		}
	}
	if r, err := ParseRules(Text, nil); err != nil || r == nil {
		t.Fatalf("nil raw: %v, %v", r, err)
	}
}

func TestParseRulesText(t *testing.T) {
	r := rules(t, Text, `{"minLength": 2, "maxLength": 10, "exactLength": 5,
		"regularExpression": {"expression": "[a-z]+", "hint": "lower case only", "caseInsensitive": true}}`)
	if *r.MinLength != 2 || *r.MaxLength != 10 || *r.ExactLength != 5 {
		t.Fatalf("lengths: %v %v %v", *r.MinLength, *r.MaxLength, *r.ExactLength)
	}
	want := &Regex{Expression: "[a-z]+", Hint: "lower case only", CaseInsensitive: true}
	if !reflect.DeepEqual(r.Regex, want) {
		t.Fatalf("regex: %#v", r.Regex)
	}
	if r.regex == nil || !r.regex.MatchString("ABC") || r.regex.MatchString("abc1") {
		t.Fatalf("compiled regex must be a case-insensitive full match")
	}
	if r := rules(t, QR, `{"regularExpression": "x+"}`); r.Regex == nil || r.Regex.Expression != "x+" {
		t.Fatalf("bare pattern form: %#v", r.Regex)
	}
}

func TestParseRulesNumbers(t *testing.T) {
	r := rules(t, Decimal, `{"minValue": 0, "maxValue": "10.5", "limitNumberOfDecimals": true,
		"numberOfDecimals": 2, "decimalLimitRuleType": "TRUNCATE"}`)
	if *r.MinValue != "0" || *r.MaxValue != "10.5" {
		t.Fatalf("bounds: %v %v", *r.MinValue, *r.MaxValue)
	}
	if !r.LimitNumberOfDecimals || *r.NumberOfDecimals != 2 || r.DecimalLimitRuleType != "truncate" {
		t.Fatalf("decimals: %+v", r)
	}
	if r := rules(t, Money, `{}`); r.DecimalLimitRuleType != "round" {
		t.Fatalf("rule type default: %q", r.DecimalLimitRuleType)
	}
	if r := rules(t, AutoIncrement, `{"minValue": 1000, "maxValue": 1}`); *r.MinValue != "1000" || r.MaxValue != nil {
		t.Fatalf("autoIncrement reads only its floor: %+v", r)
	}
}

func TestParseRulesChoice(t *testing.T) {
	r := rules(t, Choice, `{"possibleValues": [{"name": "active", "label": "Active", "color": "success",
		"condition": {"type": "a"}}, {"name": "x"}]}`)
	if len(r.PossibleValues) != 2 {
		t.Fatalf("values: %+v", r.PossibleValues)
	}
	first := r.PossibleValues[0]
	if first.Name != "active" || first.Label != "Active" || first.Color != "success" || string(first.Condition) != `{"type": "a"}` {
		t.Fatalf("first value: %+v", first)
	}
	if r.PossibleValues[1].Label != "x" {
		t.Fatalf("a missing label defaults to the name: %+v", r.PossibleValues[1])
	}
}

func TestParseRulesRelationship(t *testing.T) {
	r := rules(t, Relationship, `{"entity": "companies", "filteringRules": {"filters": {"status": "active"}},
		"copiedFields": ["type"], "deletePolicy": "deleteRecord", "labelUpdatePolicy": false}`)
	if r.Entity != "companies" || string(r.FilteringRules) != `{"status": "active"}` {
		t.Fatalf("entity/filters: %q %s", r.Entity, r.FilteringRules)
	}
	if !reflect.DeepEqual(r.CopiedFields, []string{"type"}) || r.DeletePolicy != DeleteRecord {
		t.Fatalf("copied/delete: %+v", r)
	}
	if r.LabelUpdatePolicy || !r.CopiedFieldsUpdatePolicy {
		t.Fatalf("update policies: %v %v", r.LabelUpdatePolicy, r.CopiedFieldsUpdatePolicy)
	}
	bare := rules(t, Relationship, `{"entity": "sys.users", "filteringRules": {"status": "active"}}`)
	if string(bare.FilteringRules) != `{"status": "active"}` || bare.DeletePolicy != DeleteNone {
		t.Fatalf("bare filters / default delete policy: %s %q", bare.FilteringRules, bare.DeletePolicy)
	}
}

func TestParseRulesOtherTypes(t *testing.T) {
	if r := rules(t, Phone, `{"international": true, "defaultInternationalPrefix": "+1"}`); !r.International || r.DefaultInternationalPrefix != "+1" {
		t.Fatalf("phone: %+v", r)
	}
	if r := rules(t, MaskedText, `{"mask": "999-aaa"}`); r.Mask != "999-aaa" {
		t.Fatalf("mask: %q", r.Mask)
	}
	if r := rules(t, Group, `{"groups": ["admins", "sales"]}`); !reflect.DeepEqual(r.Groups, []string{"admins", "sales"}) {
		t.Fatalf("groups: %v", r.Groups)
	}
	if r := rules(t, "nestedFields", `{"nestedLabel": "fields/street"}`); r.NestedLabel != "fields/street" {
		t.Fatalf("nestedLabel: %q", r.NestedLabel)
	}
	if r := rules(t, Integer, `{"minLength": "x", "mask": 5}`); r.MinLength != nil || r.Mask != "" {
		t.Fatalf("keys of other types are ignored: %+v", r)
	}
}

func TestParseRulesErrors(t *testing.T) {
	cases := []struct {
		kind, raw, wantInMsg string
	}{
		{Text, `[1]`, "object"},
		{Text, `"x"`, "object"},
		{"unknownType", `{}`, "unknown"},
		{Text, `{"minLength": "5"}`, "minLength"},
		{Text, `{"maxLength": -1}`, "maxLength"},
		{Text, `{"maxLength": 1.5}`, "maxLength"},
		{Text, `{"minLength": 5, "maxLength": 2}`, "greater"},
		{Text, `{"regularExpression": {"expression": "(a"}}`, "RE2"},
		{Text, `{"regularExpression": {"expression": "a)|(b"}}`, "RE2"},
		{Text, `{"regularExpression": {"expression": "(?<=a)b"}}`, "RE2"},
		{Text, `{"regularExpression": 5}`, "regularExpression"},
		{Decimal, `{"numberOfDecimals": 5}`, "numberOfDecimals"},
		{Decimal, `{"numberOfDecimals": -1}`, "numberOfDecimals"},
		{Decimal, `{"decimalLimitRuleType": "ceil"}`, "decimalLimitRuleType"},
		{Decimal, `{"limitNumberOfDecimals": "yes"}`, "limitNumberOfDecimals"},
		{Integer, `{"minValue": "ten"}`, "minValue"},
		{Integer, `{"minValue": true}`, "minValue"},
		{Integer, `{"minValue": 10, "maxValue": 1}`, "greater"},
		{Choice, `{}`, "possibleValues"},
		{Choice, `{"possibleValues": []}`, "possibleValues"},
		{Choice, `{"possibleValues": [{"label": "x"}]}`, "name"},
		{Choice, `{"possibleValues": [{"name": ""}]}`, "name"},
		{Choice, `{"possibleValues": [{"name": "a"}, {"name": "a"}]}`, "duplicate"},
		{Choice, `{"possibleValues": {"name": "a"}}`, "possibleValues"},
		{Relationship, `{}`, "entity"},
		{Relationship, ``, "entity"},
		{Relationship, `{"entity": 5}`, "entity"},
		{Relationship, `{"entity": "a", "deletePolicy": "cascade"}`, "deletePolicy"},
		{Relationship, `{"entity": "a", "copiedFields": "type"}`, "copiedFields"},
		{Relationship, `{"entity": "a", "labelUpdatePolicy": "no"}`, "labelUpdatePolicy"},
		{Phone, `{"international": "yes"}`, "international"},
		{Phone, `{"defaultInternationalPrefix": "+1a"}`, "defaultInternationalPrefix"},
		{MaskedText, `{"mask": "---"}`, "placeholder"},
		{Group, `{"groups": "admins"}`, "groups"},
	}
	for _, c := range cases {
		t.Run(c.kind+c.raw, func(t *testing.T) {
			r, err := ParseRules(c.kind, json.RawMessage(c.raw))
			if err == nil {
				t.Fatalf("want error, got %+v", r)
			}
			if !strings.Contains(err.Error(), c.wantInMsg) {
				t.Fatalf("error %q should mention %q", err, c.wantInMsg)
			}
		})
	}
}
