package types

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

const (
	// textMaxChars is the documented hard cap of text (app-model.md §8 Q24);
	// maxLength may only lower it.
	textMaxChars = 300
	// largeTextMaxBytes caps every other string type (longText, html after
	// sanitizing, and the rest so no value is unbounded).
	largeTextMaxBytes = 1 << 20
)

// TextMaxChars is the most characters a text value may have.
const TextMaxChars = textMaxChars

func check(kind string, r *Rules, native any) (any, *Problem) {
	kind = norm(kind)
	if r == nil {
		r = &Rules{}
	}
	if native == nil {
		return nil, nil
	}
	switch kind {
	case Integer:
		return checkInteger(r, native)
	case Decimal, Money, Percentage:
		return checkFloat(kind, r, native)
	case BigNumber:
		return checkBigNumber(r, native)
	case Choice:
		return checkChoice(r, native)
	}
	if IsTextLike(kind) {
		return checkText(kind, r, native)
	}
	return native, nil
}

func checkText(kind string, r *Rules, native any) (any, *Problem) {
	s, ok := native.(string)
	if !ok {
		return nil, invalid(native, "expected a string")
	}
	if kind == Phone {
		var p *Problem
		if s, p = checkInternational(r, s); p != nil {
			return nil, p
		}
	}
	if p := checkLength(kind, r, s); p != nil {
		return nil, p
	}
	if p := checkRegex(r, s); p != nil {
		return nil, p
	}
	return s, nil
}

// checkLength applies the hard caps, then exactLength, minLength and
// maxLength, counted in characters.
func checkLength(kind string, r *Rules, s string) *Problem {
	if kind != Text && len(s) > largeTextMaxBytes {
		return &Problem{Code: CodeTooLong, Message: fmt.Sprintf("must be at most %d bytes long", largeTextMaxBytes),
			Info: map[string]any{"rejectedValue": s, "maxLength": largeTextMaxBytes}}
	}
	n := utf8.RuneCountInString(s)
	if r.ExactLength != nil && n < *r.ExactLength {
		return tooShort(s, *r.ExactLength)
	}
	if r.ExactLength != nil && n > *r.ExactLength {
		return tooLong(s, *r.ExactLength)
	}
	if r.MinLength != nil && n < *r.MinLength {
		return tooShort(s, *r.MinLength)
	}
	if limit, ok := maxChars(kind, r); ok && n > limit {
		return tooLong(s, limit)
	}
	return nil
}

func maxChars(kind string, r *Rules) (int, bool) {
	limit, ok := 0, false
	if r.MaxLength != nil {
		limit, ok = *r.MaxLength, true
	}
	if kind == Text && (!ok || limit > textMaxChars) {
		limit, ok = textMaxChars, true
	}
	return limit, ok
}

// checkRegex reports a value the rule's pattern does not fully match; the
// rule's hint is the message users see.
func checkRegex(r *Rules, s string) *Problem {
	if r.Regex == nil {
		return nil
	}
	re, err := r.compiledRegex()
	if err != nil || re.MatchString(s) {
		return nil // a pattern RE2 rejects fails at load, not on every write
	}
	msg := r.Regex.Hint
	if msg == "" {
		msg = "does not match the expected pattern"
	}
	return invalid(s, "%s", msg)
}

func checkInteger(r *Rules, native any) (any, *Problem) {
	d, ok := toDecimal(native)
	if !ok || d.exp < 0 {
		return nil, invalid(native, "expected an integer")
	}
	n, ok := d.toInt64()
	if !ok {
		return nil, invalid(native, "expected an integer")
	}
	if p := checkRange(r, native, d); p != nil {
		return nil, p
	}
	return n, nil
}

// checkFloat limits decimals first and checks the range of the value that
// will be stored.
func checkFloat(kind string, r *Rules, native any) (any, *Problem) {
	d, ok := toDecimal(native)
	if _, isString := native.(string); !ok || isString {
		return nil, invalid(native, "expected a number")
	}
	d, p := limitDecimals(r, native, d)
	if p != nil {
		return nil, p
	}
	if kind == Money {
		d = d.round(maxNumberOfDecimals, roundHalfUp) // money keeps ≤ 4 decimals [D]
	}
	if p := checkRange(r, native, d); p != nil {
		return nil, p
	}
	f, _ := d.toFloat()
	return f, nil
}

func checkBigNumber(r *Rules, native any) (any, *Problem) {
	d, ok := toDecimal(native)
	if !ok {
		return nil, invalid(native, "expected a decimal number")
	}
	d, p := limitDecimals(r, native, d)
	if p != nil {
		return nil, p
	}
	if p := checkRange(r, native, d); p != nil {
		return nil, p
	}
	return d.String(), nil
}

// limitDecimals applies limitNumberOfDecimals/numberOfDecimals with the
// decimalLimitRuleType: round (default), truncate, or error.
func limitDecimals(r *Rules, native any, d decimal) (decimal, *Problem) {
	if !r.LimitNumberOfDecimals || r.NumberOfDecimals == nil {
		return d, nil
	}
	n := *r.NumberOfDecimals
	if r.DecimalLimitRuleType == "error" {
		if d.fracDigits() > n {
			return d, invalid(native, "must have at most %d decimals", n)
		}
		return d, nil
	}
	return d.round(n, r.DecimalLimitRuleType), nil
}

// checkRange applies minValue/maxValue, both inclusive.
func checkRange(r *Rules, native any, d decimal) *Problem {
	below := r.MinValue != nil && d.cmp(mustDecimal(*r.MinValue)) < 0
	above := r.MaxValue != nil && d.cmp(mustDecimal(*r.MaxValue)) > 0
	if !below && !above {
		return nil
	}
	var min, max any
	var parts []string
	if r.MinValue != nil {
		min = *r.MinValue
		parts = append(parts, "at least "+string(*r.MinValue))
	}
	if r.MaxValue != nil {
		max = *r.MaxValue
		parts = append(parts, "at most "+string(*r.MaxValue))
	}
	return outOfRange(native, min, max, "must be "+strings.Join(parts, " and "))
}

// mustDecimal reads a rule bound; ParseRules validated it, and a bound built
// by hand that is not a number is treated as zero.
func mustDecimal(n json.Number) decimal {
	d, _ := parseDecimal(string(n))
	return d
}

func checkChoice(r *Rules, native any) (any, *Problem) {
	s, ok := native.(string)
	if !ok {
		return nil, invalid(native, "expected a choice value name")
	}
	if len(r.PossibleValues) == 0 {
		return s, nil
	}
	cv := r.findChoice(s)
	if cv == nil {
		return nil, invalid(native, "unknown value %q; expected one of %s", s, r.choiceNames())
	}
	return cv.Name, nil
}

func isEmpty(kind string, native any) bool {
	switch x := native.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		if norm(kind) == DynamicChoice {
			sv, _ := x["selectedValue"].(string)
			return sv == "" // options offered but none selected
		}
		return len(x) == 0
	}
	return false
}
