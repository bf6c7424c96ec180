package types

import (
	"strings"
	"testing"
)

func TestSupportsMatrix(t *testing.T) {
	const (
		EQ  = "eq ne em"
		ORD = "eq ne em cmp btw"
		ALL = "eq ne em lk cmp btw"
	)
	want := map[string]string{
		Text: ALL, LongText: ALL, QR: ALL, Email: ALL, URL: ALL, HTML: ALL,
		MaskedText: ALL, Phone: ALL, Rank: ALL,
		Integer: ORD, AutoIncrement: ORD, Decimal: ORD, Money: ORD, Percentage: ORD,
		BigNumber: ORD, Date: ORD, YearMonth: ORD, MonthDay: ORD, DateTime: ORD,
		RecordCreated: ORD, RecordModified: ORD, DateTimeNoTimezone: ORD, Time: ORD,
		Duration:      ORD,
		Boolean:       "eq ne",
		Choice:        EQ,
		DynamicChoice: EQ + " lk",
		Relationship:  EQ + " lk",
		Group:         EQ + " lk",
		File:          EQ + " lk",
		Color:         EQ + " lk",
		Nested:        "eq em-only",
		GeoPoint:      "near",
	}
	groups := map[string][]string{
		"eq":  {OpEquals},
		"ne":  {OpNotEquals},
		"em":  {OpEmpty, OpNotEmpty},
		"lk":  {OpLike},
		"cmp": {OpGreater, OpGreaterOrEquals, OpLess, OpLessOrEquals},
		"btw": {OpBetween},
	}
	allOps := []string{OpEquals, OpNotEquals, OpEmpty, OpNotEmpty, OpLike, OpGreater,
		OpGreaterOrEquals, OpLess, OpLessOrEquals, OpBetween, OpNear}
	for _, kind := range Types() {
		spec, ok := want[kind]
		if !ok {
			t.Fatalf("type %s missing from the expected matrix", kind)
		}
		expected := map[string]bool{}
		for _, g := range strings.Fields(spec) {
			switch g {
			case "em-only":
				expected[OpEmpty], expected[OpNotEmpty] = true, true
			case "near":
				expected[OpNear] = true
			default:
				for _, op := range groups[g] {
					expected[op] = true
				}
			}
		}
		for _, op := range allOps {
			if got := Supports(kind, op); got != expected[op] {
				t.Errorf("Supports(%s, %s) = %v, want %v", kind, op, got, expected[op])
			}
		}
	}
	if Supports(Text, "currentUserField") || Supports("nope", OpEquals) {
		t.Error("unknown operators and types are not supported")
	}
	if !Supports("file", OpLike) {
		t.Error("aliases resolve")
	}
}
