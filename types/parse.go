package types

import (
	"encoding/json"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// valueParser turns one REST write value (never nil, never a blank string)
// into the native value of a type.
type valueParser func(r *Rules, v any) (any, *Problem)

var parsers map[string]valueParser

func init() {
	parsers = map[string]valueParser{
		Boolean: func(_ *Rules, v any) (any, *Problem) { return parseBoolean(v) },
		Text:    parseText, LongText: parseText, QR: parseText, Rank: parseText,
		HTML: parseHTML, Email: parseEmail, URL: parseURL,
		Phone: parsePhone, MaskedText: parseMasked,
		Integer: parseInteger, AutoIncrement: parseInteger,
		Decimal: parseFloat, Money: parseFloat, Percentage: parseFloat,
		BigNumber: parseBigNumber,
		Choice:    parseChoice, DynamicChoice: parseDynamicChoice,
		Date: parseDateValue, DateTime: parseDateTimeValue,
		RecordCreated: parseDateTimeValue, RecordModified: parseDateTimeValue,
		DateTimeNoTimezone: parseLocalDateTimeValue, Time: parseTimeValue,
		Duration: parseDurationValue, MonthDay: parseMonthDayValue,
		YearMonth: parseYearMonthValue,
		Color:     parseColor, GeoPoint: parseGeoPoint,
		Relationship: passThrough, Group: passThrough, File: passThrough,
		Nested: passThrough,
	}
}

func parse(kind string, r *Rules, v any) (any, *Problem) {
	kind = norm(kind)
	if r == nil {
		r = &Rules{}
	}
	p, ok := parsers[kind]
	switch {
	case !ok:
		return nil, invalid(v, "unknown field type %q", kind)
	case kind == Boolean || isPassThrough(kind):
		return p(r, v)
	case v == nil || isBlank(v):
		// A blank string is how forms send "no value": it clears the field.
		return nil, nil
	}
	return p(r, v)
}

// isPassThrough: values the data service resolves against the app or store.
func isPassThrough(kind string) bool {
	switch kind {
	case Relationship, Group, File, Nested:
		return true
	}
	return false
}

func passThrough(_ *Rules, v any) (any, *Problem) { return v, nil }

func isBlank(v any) bool {
	s, ok := v.(string)
	return ok && strings.TrimSpace(s) == ""
}

// stringInput accepts only a JSON string.
func stringInput(v any, want string) (string, *Problem) {
	s, ok := v.(string)
	if !ok {
		return "", invalid(v, "expected %s", want)
	}
	if why := TextProblem(s); why != "" {
		return "", invalid(v, "expected %s %s", want, why)
	}
	return s, nil
}

// TextProblem says why s cannot be stored as text ("" when it can): it is
// not valid UTF-8, or it holds a NUL, which PostgreSQL text cannot hold
// and SQLite would (issue 10: one behaviour on every store, the field
// invalid).
func TextProblem(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "in valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "without NUL characters"
	}
	return ""
}

// textInput accepts a string, or a number or boolean coerced to its JSON text
// (app-model.md §2: "number/bool coerced").
func textInput(v any) (string, *Problem) {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x), nil
	case string:
		return stringInput(x, "a string")
	}
	if s, ok := numberText(v); ok {
		return s, nil
	}
	return "", invalid(v, "expected a string")
}

func parseText(_ *Rules, v any) (any, *Problem) {
	s, p := textInput(v)
	if p != nil {
		return nil, p
	}
	return s, nil
}

// parseHTML stores the sanitized markup; markup without visible text
// ("<p></p>", "<br>") is empty, as editors send it for a cleared field.
func parseHTML(_ *Rules, v any) (any, *Problem) {
	s, p := stringInput(v, "an HTML string")
	if p != nil {
		return nil, p
	}
	clean := SanitizeHTML(s)
	if HTMLText(clean) == "" {
		return nil, nil
	}
	return clean, nil
}

// parseEmail accepts a bare addr-spec only: "Ann <a@x.com>" is a mail header,
// not an address, and would break uniqueness and mail sending.
func parseEmail(_ *Rules, v any) (any, *Problem) {
	s, p := stringInput(v, "an email address")
	if p != nil {
		return nil, p
	}
	s = strings.TrimSpace(s)
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s || !strings.Contains(s, "@") {
		return nil, invalid(v, "expected an email address like name@example.com")
	}
	return s, nil
}

// markdownLink is the (http://x.com)<Label> form of the url type.
var markdownLink = regexp.MustCompile(`^\(([^()\s]+)\)<([^<>]*)>$`)

func parseURL(_ *Rules, v any) (any, *Problem) {
	s, p := stringInput(v, "a URL")
	if p != nil {
		return nil, p
	}
	s = strings.TrimSpace(s)
	target := s
	if m := markdownLink.FindStringSubmatch(s); m != nil {
		target = m[1]
	}
	if !isAbsoluteHTTPURL(target) {
		return nil, invalid(v, "expected an absolute http(s) URL or (http://x.com)<Label>")
	}
	return s, nil
}

func isAbsoluteHTTPURL(s string) bool {
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

func parseMasked(r *Rules, v any) (any, *Problem) {
	s, p := textInput(v)
	if p != nil {
		return nil, p
	}
	s = strings.TrimSpace(s)
	if r.Mask == "" {
		return s, nil
	}
	formatted, ok := applyMask(r.Mask, s)
	if !ok {
		return nil, invalid(v, "expected a value matching the mask %s", r.Mask)
	}
	return formatted, nil
}

func parseBoolean(v any) (any, *Problem) {
	switch x := v.(type) {
	case nil:
		return false, nil // booleans are never null (app-model.md §2)
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, nil
		case "false", "":
			return false, nil
		}
	}
	return nil, invalid(v, "expected true or false")
}

func parseChoice(r *Rules, v any) (any, *Problem) {
	s, p := textInput(v)
	if p != nil {
		return nil, p
	}
	s = strings.TrimSpace(s)
	if len(r.PossibleValues) == 0 {
		return s, nil
	}
	cv := r.findChoice(s)
	if cv == nil {
		return nil, invalid(v, "unknown value %q; expected one of %s", s, r.choiceNames())
	}
	return cv.Name, nil
}

// findChoice resolves a written choice: the exact name, then the name
// ignoring case, then the label ignoring case (app-model.md §2 [P]).
func (r *Rules) findChoice(s string) *ChoiceValue {
	for i := range r.PossibleValues {
		if r.PossibleValues[i].Name == s {
			return &r.PossibleValues[i]
		}
	}
	for i := range r.PossibleValues {
		if strings.EqualFold(r.PossibleValues[i].Name, s) {
			return &r.PossibleValues[i]
		}
	}
	for i := range r.PossibleValues {
		if strings.EqualFold(r.PossibleValues[i].Label, s) {
			return &r.PossibleValues[i]
		}
	}
	return nil
}

func (r *Rules) choiceNames() string {
	names := make([]string, len(r.PossibleValues))
	for i, cv := range r.PossibleValues {
		names[i] = cv.Name
	}
	return strings.Join(names, ", ")
}

// parseDynamicChoice normalizes to {"options":[{name,label}], "selectedValue"}.
func parseDynamicChoice(_ *Rules, v any) (any, *Problem) {
	if s, ok := v.(string); ok {
		if why := TextProblem(s); why != "" {
			return nil, invalid(v, "expected a string %s", why)
		}
		option := map[string]any{"name": s, "label": s}
		return map[string]any{"options": []any{option}, "selectedValue": s}, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, invalid(v, "expected a string or {\"options\": [...], \"selectedValue\": ...}")
	}
	options, p := dynamicOptions(v, obj["options"])
	if p != nil {
		return nil, p
	}
	selected, p := selectedValue(v, obj["selectedValue"], options)
	if p != nil {
		return nil, p
	}
	return map[string]any{"options": options, "selectedValue": selected}, nil
}

func dynamicOptions(v, raw any) ([]any, *Problem) {
	if raw == nil {
		return []any{}, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, invalid(v, "options must be an array of {name, label}")
	}
	out := make([]any, 0, len(list))
	for _, item := range list {
		opt, p := dynamicOption(v, item)
		if p != nil {
			return nil, p
		}
		out = append(out, opt)
	}
	return out, nil
}

func dynamicOption(v, item any) (map[string]any, *Problem) {
	if s, ok := item.(string); ok && TextProblem(s) == "" {
		return map[string]any{"name": s, "label": s}, nil
	}
	m, ok := item.(map[string]any)
	if !ok {
		return nil, invalid(v, "each option must be {name, label}")
	}
	name, okName := m["name"].(string)
	if !okName || name == "" || TextProblem(name) != "" {
		return nil, invalid(v, "each option needs a non-empty string name (UTF-8, no NUL)")
	}
	label, okLabel := m["label"].(string)
	if m["label"] == nil {
		label, okLabel = name, true
	}
	if !okLabel || TextProblem(label) != "" {
		return nil, invalid(v, "option labels must be strings (UTF-8, no NUL)")
	}
	return map[string]any{"name": name, "label": label}, nil
}

// selectedValue must name one of the options (a string alone creates one).
func selectedValue(v, raw any, options []any) (any, *Problem) {
	if raw == nil || raw == "" {
		return nil, nil
	}
	s, ok := raw.(string)
	if !ok {
		return nil, invalid(v, "selectedValue must be a string")
	}
	for _, o := range options {
		if o.(map[string]any)["name"] == s {
			return s, nil
		}
	}
	return nil, invalid(v, "selectedValue %q is not one of the options", s)
}

// hexColor is #rgb or #rrggbb.
var hexColor = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

func parseColor(_ *Rules, v any) (any, *Problem) {
	s, p := stringInput(v, "a color like #a1b2c3")
	if p != nil {
		return nil, p
	}
	s = strings.TrimSpace(s)
	if !hexColor.MatchString(s) {
		return nil, invalid(v, "expected a color like #a1b2c3 or #abc")
	}
	return strings.ToLower(s), nil
}

func parseGeoPoint(_ *Rules, v any) (any, *Problem) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, invalid(v, "expected {\"latitude\": number, \"longitude\": number}")
	}
	lat, p := coordinate(v, obj["latitude"], "latitude", 90)
	if p != nil {
		return nil, p
	}
	lon, p := coordinate(v, obj["longitude"], "longitude", 180)
	if p != nil {
		return nil, p
	}
	return map[string]any{"latitude": lat, "longitude": lon}, nil
}

func coordinate(v, raw any, name string, limit float64) (float64, *Problem) {
	d, ok := toDecimal(raw)
	if !ok {
		return 0, invalid(v, "%s must be a number", name)
	}
	f, ok := d.toFloat()
	if !ok || f < -limit || f > limit {
		return 0, outOfRange(v, -limit, limit, name+" must be between "+
			strconv.FormatFloat(-limit, 'f', -1, 64)+" and "+strconv.FormatFloat(limit, 'f', -1, 64))
	}
	return f, nil
}

// numberText returns the decimal text of a numeric Go value (json.Number
// from the REST decoder; ints and floats from scripts and defaults).
func numberText(v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		return string(x), true
	case float64:
		return floatText(x)
	case float32:
		return floatText(float64(x))
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	}
	return "", false
}

func floatText(f float64) (string, bool) {
	if f != f || f > maxFloat || f < -maxFloat { // NaN or ±Inf
		return "", false
	}
	return strconv.FormatFloat(f, 'g', -1, 64), true
}
