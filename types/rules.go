package types

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Relationship delete policies (app-model.md §3).
const (
	DeleteNone               = "none"
	DeleteRemoveRelationship = "removeRelationship"
	DeleteRecord             = "deleteRecord"
)

// maxNumberOfDecimals is the numberOfDecimals limit of the §2 table.
const maxNumberOfDecimals = 4

// ruleReader decodes the keys of one typeRules object, remembering the first
// error so each reader stays a one-liner.
type ruleReader struct {
	keys map[string]json.RawMessage
	err  error
}

func parseRules(kind string, raw json.RawMessage) (*Rules, error) {
	k, ok := canonical(kind)
	if !ok {
		return nil, fmt.Errorf("unknown field type %q", kind)
	}
	rd, err := newRuleReader(raw)
	if err != nil {
		return nil, err
	}
	r := &Rules{LabelUpdatePolicy: true, CopiedFieldsUpdatePolicy: true}
	if read := ruleReaders[k]; read != nil {
		read(rd, r)
	}
	if rd.err != nil {
		return nil, fmt.Errorf("typeRules: %w", rd.err)
	}
	return r, nil
}

func newRuleReader(raw json.RawMessage) (*ruleReader, error) {
	rd := &ruleReader{}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return rd, nil
	}
	if err := json.Unmarshal(trimmed, &rd.keys); err != nil {
		return nil, fmt.Errorf("typeRules must be a JSON object")
	}
	return rd, nil
}

// ruleReaders reads the typeRules keys of each type (app-model.md §2); keys
// that do not belong to the type are ignored.
var ruleReaders = map[string]func(*ruleReader, *Rules){
	Text:          readTextRules,
	QR:            readTextRules,
	LongText:      readLengthRules,
	Phone:         readPhoneRules,
	MaskedText:    readMaskRules,
	Integer:       readRangeRules,
	AutoIncrement: readAutoIncrementRules,
	Decimal:       readDecimalRules,
	Money:         readDecimalRules,
	Percentage:    readDecimalRules,
	BigNumber:     readDecimalRules,
	Choice:        readChoiceRules,
	Relationship:  readRelationshipRules,
	Group:         readGroupRules,
	Nested:        readNestedRules,
}

func readTextRules(rd *ruleReader, r *Rules) {
	readLengthRules(rd, r)
	r.Regex = rd.regex("regularExpression")
	if r.Regex != nil && rd.err == nil {
		r.regex, rd.err = compileRegex(r.Regex)
	}
}

func readLengthRules(rd *ruleReader, r *Rules) {
	r.MinLength = rd.length("minLength")
	r.MaxLength = rd.length("maxLength")
	r.ExactLength = rd.length("exactLength")
	if rd.err == nil && r.MinLength != nil && r.MaxLength != nil && *r.MinLength > *r.MaxLength {
		rd.err = fmt.Errorf("minLength %d is greater than maxLength %d", *r.MinLength, *r.MaxLength)
	}
}

func readPhoneRules(rd *ruleReader, r *Rules) {
	rd.decode("international", &r.International, "a boolean")
	rd.decode("defaultInternationalPrefix", &r.DefaultInternationalPrefix, "a string")
	if rd.err == nil && r.DefaultInternationalPrefix != "" && !validPrefix(r.DefaultInternationalPrefix) {
		rd.err = fmt.Errorf("defaultInternationalPrefix %q must be digits with an optional leading +", r.DefaultInternationalPrefix)
	}
}

func readMaskRules(rd *ruleReader, r *Rules) {
	rd.decode("mask", &r.Mask, "a string")
	if rd.err == nil && r.Mask != "" && maskPlaceholders(r.Mask) == 0 {
		rd.err = fmt.Errorf("mask %q has no placeholder (9, a or w)", r.Mask)
	}
}

func readRangeRules(rd *ruleReader, r *Rules) {
	r.MinValue = rd.number("minValue")
	r.MaxValue = rd.number("maxValue")
	if rd.err == nil && r.MinValue != nil && r.MaxValue != nil && numberCmp(*r.MinValue, *r.MaxValue) > 0 {
		rd.err = fmt.Errorf("minValue %s is greater than maxValue %s", *r.MinValue, *r.MaxValue)
	}
}

// readAutoIncrementRules: minValue is the floor of the next value, not a check.
func readAutoIncrementRules(rd *ruleReader, r *Rules) {
	r.MinValue = rd.number("minValue")
}

func readDecimalRules(rd *ruleReader, r *Rules) {
	readRangeRules(rd, r)
	rd.decode("limitNumberOfDecimals", &r.LimitNumberOfDecimals, "a boolean")
	r.NumberOfDecimals = rd.length("numberOfDecimals")
	if rd.err == nil && r.NumberOfDecimals != nil && *r.NumberOfDecimals > maxNumberOfDecimals {
		rd.err = fmt.Errorf("numberOfDecimals must be between 0 and %d, got %d", maxNumberOfDecimals, *r.NumberOfDecimals)
	}
	r.DecimalLimitRuleType = rd.decimalLimitRule("decimalLimitRuleType")
}

func readChoiceRules(rd *ruleReader, r *Rules) {
	r.PossibleValues = rd.possibleValues("possibleValues")
	if rd.err == nil && len(r.PossibleValues) == 0 {
		rd.err = fmt.Errorf("possibleValues must list at least one value")
	}
}

func readRelationshipRules(rd *ruleReader, r *Rules) {
	rd.decode("entity", &r.Entity, "a string")
	if rd.err == nil && strings.TrimSpace(r.Entity) == "" {
		rd.err = fmt.Errorf("entity is required for a relationship")
	}
	r.FilteringRules = rd.filteringRules("filteringRules")
	rd.decode("copiedFields", &r.CopiedFields, "an array of strings")
	r.DeletePolicy = rd.deletePolicy("deletePolicy")
	rd.decode("labelUpdatePolicy", &r.LabelUpdatePolicy, "a boolean")
	rd.decode("copiedFieldsUpdatePolicy", &r.CopiedFieldsUpdatePolicy, "a boolean")
}

func readGroupRules(rd *ruleReader, r *Rules) {
	rd.decode("groups", &r.Groups, "an array of group names")
}

func readNestedRules(rd *ruleReader, r *Rules) {
	rd.decode("nestedLabel", &r.NestedLabel, "a string")
}

// value returns the raw value of a key, or nil when absent or null.
func (rd *ruleReader) value(key string) json.RawMessage {
	if rd.err != nil {
		return nil
	}
	v, ok := rd.keys[key]
	if !ok || string(bytes.TrimSpace(v)) == "null" {
		return nil
	}
	return v
}

// decode unmarshals key into dst when present; a type mismatch records an
// error naming the key and what was expected.
func (rd *ruleReader) decode(key string, dst any, want string) bool {
	v := rd.value(key)
	if v == nil {
		return false
	}
	if err := json.Unmarshal(v, dst); err != nil {
		rd.err = fmt.Errorf("%s must be %s", key, want)
		return false
	}
	return true
}

// length reads a non-negative integer (lengths and numberOfDecimals).
func (rd *ruleReader) length(key string) *int {
	var n json.Number
	if v := rd.value(key); v != nil && bytes.TrimSpace(v)[0] == '"' {
		rd.err = fmt.Errorf("%s must be a non-negative integer, not a string", key)
		return nil
	}
	if !rd.decode(key, &n, "a non-negative integer") {
		return nil
	}
	v, err := n.Int64()
	if err != nil || v < 0 || v > 1<<30 {
		rd.err = fmt.Errorf("%s must be a non-negative integer, got %s", key, n)
		return nil
	}
	i := int(v)
	return &i
}

// number reads a number given as a JSON number or a numeric string; the
// literal text is kept so bigNumber bounds keep their precision.
func (rd *ruleReader) number(key string) *json.Number {
	v := rd.value(key)
	if v == nil {
		return nil
	}
	text := string(bytes.TrimSpace(v))
	var quoted string
	if json.Unmarshal(v, &quoted) == nil {
		text = strings.TrimSpace(quoted)
	}
	if _, ok := parseDecimal(text); !ok {
		rd.err = fmt.Errorf("%s must be a number", key)
		return nil
	}
	n := json.Number(text)
	return &n
}

func (rd *ruleReader) decimalLimitRule(key string) string {
	var s string
	if !rd.decode(key, &s, "a string") {
		return roundHalfUp
	}
	switch mode := strings.ToLower(strings.TrimSpace(s)); mode {
	case roundHalfUp, truncate, "error":
		return mode
	}
	rd.err = fmt.Errorf("%s must be round, truncate or error, got %q", key, s)
	return ""
}

func (rd *ruleReader) regex(key string) *Regex {
	v := rd.value(key)
	if v == nil {
		return nil
	}
	var expr string
	if json.Unmarshal(v, &expr) == nil { // tolerate the bare pattern form
		return nonEmptyRegex(&Regex{Expression: expr})
	}
	var obj struct {
		Expression      string `json:"expression"`
		Hint            string `json:"hint"`
		CaseInsensitive bool   `json:"caseInsensitive"`
	}
	if !rd.decode(key, &obj, "an object {expression, hint, caseInsensitive}") {
		return nil
	}
	return nonEmptyRegex(&Regex{Expression: obj.Expression, Hint: obj.Hint, CaseInsensitive: obj.CaseInsensitive})
}

func nonEmptyRegex(re *Regex) *Regex {
	if re.Expression == "" {
		return nil
	}
	return re
}

func (rd *ruleReader) possibleValues(key string) []ChoiceValue {
	var items []struct {
		Name      *string         `json:"name"`
		Label     *string         `json:"label"`
		Color     string          `json:"color"`
		Condition json.RawMessage `json:"condition"`
	}
	if !rd.decode(key, &items, "an array of {name, label, color, condition}") {
		return nil
	}
	out := make([]ChoiceValue, 0, len(items))
	seen := map[string]bool{}
	for i, it := range items {
		if it.Name == nil || *it.Name == "" {
			rd.err = fmt.Errorf("%s[%d] has no name", key, i)
			return nil
		}
		if seen[*it.Name] {
			rd.err = fmt.Errorf("%s[%d]: duplicate value %q", key, i, *it.Name)
			return nil
		}
		seen[*it.Name] = true
		cv := ChoiceValue{Name: *it.Name, Label: *it.Name, Color: it.Color, Condition: it.Condition}
		if it.Label != nil {
			cv.Label = *it.Label
		}
		out = append(out, cv)
	}
	return out
}

// filteringRules keeps the query-map expression: the sample nests it as
// {"filters": {...}}, but a bare expression is accepted too.
func (rd *ruleReader) filteringRules(key string) json.RawMessage {
	v := rd.value(key)
	if v == nil {
		return nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(v, &obj) == nil {
		if f, ok := obj["filters"]; ok {
			if string(bytes.TrimSpace(f)) == "null" {
				return nil
			}
			return f
		}
	}
	return v
}

func (rd *ruleReader) deletePolicy(key string) string {
	var s string
	if !rd.decode(key, &s, "a string") {
		return DeleteNone
	}
	switch s {
	case DeleteNone, DeleteRemoveRelationship, DeleteRecord:
		return s
	}
	rd.err = fmt.Errorf("%s must be none, removeRelationship or deleteRecord, got %q", key, s)
	return ""
}

func validPrefix(p string) bool {
	p = strings.TrimPrefix(p, "+")
	return p != "" && allDigits(p)
}

// numberCmp compares two validated number literals.
func numberCmp(a, b json.Number) int {
	da, _ := parseDecimal(string(a))
	db, _ := parseDecimal(string(b))
	return da.cmp(db)
}

// compiledRegex returns the compiled full-match pattern of a rule: the copy
// made by ParseRules, else a shared cache (Rules built by hand).
func (r *Rules) compiledRegex() (*regexp.Regexp, error) {
	if r.regex != nil {
		return r.regex, nil
	}
	return compileRegex(r.Regex)
}
