// Package types knows every field type of app-model.md §2: how a REST write
// value becomes the native (stored and returned) value, which type rules apply,
// how a query literal is read, and how plainText renders a value.
//
// Values handed to Parse come from encoding/json with UseNumber, so numbers
// arrive as json.Number. Native values are plain Go values that encode to the
// type's native JSON: string, int64, float64, bool, map[string]any, []any.
//
// Relationship, group, fileUpload and nestedFields values need the app or the
// store to resolve; the data service handles them and only asks this package
// for their rules.
package types

import (
	"encoding/json"
	"regexp"
	"time"
)

// Canonical type ids (app-model.md §2, §8 Q27).
const (
	Text               = "text"
	LongText           = "longText"
	HTML               = "html"
	Email              = "email"
	URL                = "url"
	Phone              = "phone"
	MaskedText         = "maskedText"
	QR                 = "qr"
	Integer            = "integer"
	Decimal            = "decimal"
	Money              = "money"
	Percentage         = "percentage"
	BigNumber          = "bigNumber"
	AutoIncrement      = "autoIncrement"
	Boolean            = "boolean"
	Choice             = "choice"
	DynamicChoice      = "dynamicChoice"
	Date               = "date"
	DateTime           = "dateTime"
	DateTimeNoTimezone = "dateTimeNoTimezone"
	Time               = "time"
	Duration           = "duration"
	MonthDay           = "dateMonthDay"
	YearMonth          = "dateYearMonth"
	RecordCreated      = "dateRecordCreated"
	RecordModified     = "dateRecordModified"
	Color              = "color"
	Rank               = "rank"
	GeoPoint           = "geoPoint"
	File               = "fileUpload"
	Group              = "group"
	Relationship       = "relationship"
	Nested             = "nestedFields"
)

// Rules are the parsed typeRules of a field. Only the keys of the field's type
// are set.
type Rules struct {
	// text family
	MinLength   *int
	MaxLength   *int
	ExactLength *int
	Regex       *Regex

	// phone
	International              bool
	DefaultInternationalPrefix string

	// maskedText
	Mask string

	// numbers (and autoIncrement's floor); decimal strings so bigNumber keeps precision
	MinValue              *json.Number
	MaxValue              *json.Number
	LimitNumberOfDecimals bool
	NumberOfDecimals      *int   // 0..4
	DecimalLimitRuleType  string // round | truncate | error

	// choice
	PossibleValues []ChoiceValue

	// relationship
	Entity                   string
	FilteringRules           json.RawMessage // query-map expression over the target
	CopiedFields             []string
	DeletePolicy             string // none | removeRelationship | deleteRecord
	LabelUpdatePolicy        bool
	CopiedFieldsUpdatePolicy bool

	// group
	Groups []string

	// nestedFields
	NestedLabel string // "fields/<inner>" | "js/<fn>" | ""

	regex *regexp.Regexp // Regex compiled by ParseRules (full match)
}

// Regex is a regularExpression rule.
type Regex struct {
	Expression      string
	Hint            string
	CaseInsensitive bool
}

// ChoiceValue is one possible value of a choice field.
type ChoiceValue struct {
	Name      string
	Label     string
	Color     string
	Condition json.RawMessage
}

// Problem is a value that fails its type: Code is a per-field code of
// rest-api.md §12 D2 (invalid, outOfRange, tooLong, tooShort), Info its
// additionalInfo (rejectedValue, min, max, maxLength, minLength).
type Problem struct {
	Code    string
	Message string
	Info    map[string]any
}

// Display holds plainText display options (field displayOptions over the app
// defaults over the built-in defaults).
type Display map[string]any

// Canonical resolves a type id or alias to its canonical id.
func Canonical(id string) (string, bool) { return canonical(id) }

// ParseRules reads a field's typeRules JSON for its (canonical) type.
func ParseRules(kind string, raw json.RawMessage) (*Rules, error) { return parseRules(kind, raw) }

// Parse converts a REST write value into the native value of the type, or
// reports why it cannot. nil input gives nil (empty). Type rules are not
// applied here: see Check.
func Parse(kind string, r *Rules, v any) (any, *Problem) { return parse(kind, r, v) }

// Check applies the type rules (lengths, regex, ranges, decimals, possible
// values) to a native value already produced by Parse. It may return an
// adjusted value (decimals rounded or truncated per the rules).
func Check(kind string, r *Rules, native any) (any, *Problem) { return check(kind, r, native) }

// IsEmpty reports whether a native value counts as empty for required checks:
// nil, "" for text-like types.
func IsEmpty(kind string, native any) bool { return isEmpty(kind, native) }

// ParseQuery reads one literal of a REST query filter (query-language.md §7)
// into a value comparable with the stored native value.
func ParseQuery(kind string, r *Rules, s string) (any, *Problem) { return parseQuery(kind, r, s) }

// Format renders a native value as plainText.
func Format(kind string, r *Rules, d Display, native any, loc *time.Location) string {
	return format(kind, r, d, native, loc)
}

// Supports reports whether the type supports a query operator (query-language.md §7.1).
func Supports(kind, op string) bool { return supports(kind, op) }
