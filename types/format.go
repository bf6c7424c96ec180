package types

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// valueFormatter renders one non-nil native value as plainText.
type valueFormatter func(r *Rules, d Display, native any, loc *time.Location) string

var formatters map[string]valueFormatter

func init() {
	formatters = map[string]valueFormatter{
		HTML:          func(_ *Rules, _ Display, v any, _ *time.Location) string { return HTMLText(asString(v)) },
		Integer:       formatInteger,
		AutoIncrement: formatInteger,
		Decimal:       formatDecimal,
		BigNumber:     formatDecimal,
		Money:         formatMoney,
		Percentage:    formatPercentage,
		Boolean:       formatBoolean,
		Choice:        formatChoice,
		DynamicChoice: formatDynamicChoice,
		Date:          datePattern(dateLayout, "yyyy-MM-dd", ""),
		MonthDay:      datePattern("2006-01-02", "MM-dd", "2000-"),
		YearMonth:     datePattern("2006-01-02", "yyyy-MM", "-01"),
		DateTimeNoTimezone: datePattern(localDateTimeLayout,
			"yyyy-MM-dd HH:mm", ""),
		DateTime:       formatDateTime,
		RecordCreated:  formatDateTime,
		RecordModified: formatDateTime,
		Duration:       formatDuration,
		GeoPoint:       formatGeoPoint,
		Relationship:   mapKey("label"),
		Group:          mapKey("label"),
		Nested:         mapKey("label"),
		File:           mapKey("name"),
	}
}

// format renders text-like, time, color and rank values as stored.
func format(kind string, r *Rules, d Display, native any, loc *time.Location) string {
	kind = norm(kind)
	if r == nil {
		r = &Rules{}
	}
	if loc == nil {
		loc = time.UTC
	}
	switch x := native.(type) {
	case nil:
		return ""
	case []any: // a multi-valued field handed over whole
		parts := make([]string, len(x))
		for i, item := range x {
			parts[i] = format(kind, r, d, item, loc)
		}
		return strings.Join(parts, ", ")
	}
	if f := formatters[kind]; f != nil {
		return f(r, d, native, loc)
	}
	return asString(native)
}

func asString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// Display option lookups accept the JSON forms metadata and code produce.

func (d Display) text(key string) (string, bool) {
	s, ok := d[key].(string)
	return s, ok
}

func (d Display) flag(key string) (value, set bool) {
	switch x := d[key].(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(x)
		return b, err == nil
	}
	return false, false
}

func (d Display) count(key string) (int, bool) {
	dec, ok := toDecimal(d[key])
	if !ok {
		return 0, false
	}
	n, ok := dec.toInt64()
	if !ok || n < 0 || n > 20 {
		return 0, false
	}
	return int(n), true
}

// thousands reports the thousands separator option; the sample spells it
// both thousandsSeparator and showThousandsSeparator.
func (d Display) thousands(def bool) bool {
	if v, ok := d.flag("thousandsSeparator"); ok {
		return v
	}
	if v, ok := d.flag("showThousandsSeparator"); ok {
		return v
	}
	return def
}

// decimals is the number of decimals to show: display option, else the
// field's numberOfDecimals rule, else def (-1: as many as the value has).
func (d Display) decimals(r *Rules, def int) int {
	if n, ok := d.count("numberOfDecimals"); ok {
		return n
	}
	if r.NumberOfDecimals != nil {
		return *r.NumberOfDecimals
	}
	return def
}

func (d Display) roundingMode() string {
	if mode, _ := d.text("decimalLimitRuleType"); strings.EqualFold(mode, truncate) {
		return truncate
	}
	return roundHalfUp
}

// renderNumber prints a decimal with a fixed number of decimals (or as is
// for decimals < 0) and optional ',' thousands separators (D11).
func renderNumber(v decimal, decimals int, mode string, thousands bool) string {
	s := v.String()
	if decimals >= 0 {
		s = v.round(decimals, mode).fixed(decimals)
	}
	if thousands {
		s = groupThousands(s)
	}
	return s
}

func groupThousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

func formatInteger(_ *Rules, d Display, v any, _ *time.Location) string {
	n, ok := toDecimal(v)
	if !ok {
		return asString(v)
	}
	return renderNumber(n, -1, roundHalfUp, d.thousands(false))
}

func formatDecimal(r *Rules, d Display, v any, _ *time.Location) string {
	n, ok := toDecimal(v)
	if !ok {
		return asString(v)
	}
	return renderNumber(n, d.decimals(r, -1), d.roundingMode(), d.thousands(false))
}

// formatMoney is symbol then amount, no space, 2 decimals and ',' thousands
// by default ($1,215.50, D11); a negative amount reads -$5.00.
func formatMoney(r *Rules, d Display, v any, _ *time.Location) string {
	n, ok := toDecimal(v)
	if !ok {
		return asString(v)
	}
	symbol, ok := d.text("symbol")
	if !ok {
		symbol = "$"
	}
	decimals, mode := d.decimals(r, 2), d.roundingMode()
	rounded := n.round(decimals, mode) // round first: -0.001 shows as $0.00
	sign := ""
	if rounded.neg {
		sign, rounded.neg = "-", false
	}
	return sign + symbol + renderNumber(rounded, decimals, mode, d.thousands(true))
}

// formatPercentage shows the stored fraction ×100 (0.7 → 70%), computed in
// decimal so 0.07 is 7%, not 7.000000000000001%.
func formatPercentage(_ *Rules, d Display, v any, _ *time.Location) string {
	n, ok := toDecimal(v)
	if !ok {
		return asString(v)
	}
	decimals, set := d.count("numberOfDecimals")
	if !set {
		decimals = -1 // the rules' numberOfDecimals is about the fraction, not the %
	}
	return renderNumber(n.shift(2), decimals, d.roundingMode(), d.thousands(false)) + "%"
}

func formatBoolean(_ *Rules, _ Display, v any, _ *time.Location) string {
	if b, ok := v.(bool); ok {
		if b {
			return "Yes"
		}
		return "No"
	}
	return asString(v)
}

func formatChoice(r *Rules, _ Display, v any, _ *time.Location) string {
	s := asString(v)
	if cv := r.findChoice(s); cv != nil {
		return cv.Label
	}
	return s
}

func formatDynamicChoice(_ *Rules, _ Display, v any, _ *time.Location) string {
	m, ok := v.(map[string]any)
	if !ok {
		return asString(v)
	}
	selected, _ := m["selectedValue"].(string)
	options, _ := m["options"].([]any)
	for _, o := range options {
		if opt, ok := o.(map[string]any); ok && opt["name"] == selected {
			if label, ok := opt["label"].(string); ok {
				return label
			}
		}
	}
	return selected
}

// datePattern formats a date-like string with display["format"]; prefix and
// suffix complete partial values (MM-dd, yyyy-MM) into a full date.
func datePattern(layout, def, fill string) valueFormatter {
	return func(_ *Rules, d Display, v any, _ *time.Location) string {
		s := asString(v)
		full := s
		if strings.HasPrefix(fill, "-") {
			full = s + fill
		} else {
			full = fill + s
		}
		t, err := time.Parse(layout, full)
		if err != nil {
			return s
		}
		return formatJavaPattern(t, patternOr(d, def))
	}
}

func patternOr(d Display, def string) string {
	if p, ok := d.text("format"); ok && p != "" {
		return p
	}
	return def
}

// formatDateTime shows epoch ms in the caller's zone.
func formatDateTime(_ *Rules, d Display, v any, loc *time.Location) string {
	n, ok := toDecimal(v)
	if !ok {
		return asString(v)
	}
	ms, ok := n.toInt64()
	if !ok {
		return asString(v)
	}
	return formatJavaPattern(time.UnixMilli(ms).In(loc), patternOr(d, "yyyy-MM-dd HH:mm"))
}

// formatDuration is "1d 2h 30m 15s" with zero units left out; below one
// second it is "0s" (milliseconds are not shown).
func formatDuration(_ *Rules, _ Display, v any, _ *time.Location) string {
	n, ok := toDecimal(v)
	if !ok {
		return asString(v)
	}
	ms, ok := n.toInt64()
	if !ok {
		return asString(v)
	}
	sign := ""
	if ms < 0 {
		sign, ms = "-", -ms
	}
	var parts []string
	rest := ms / 1000
	for _, u := range []struct {
		secs int64
		unit string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}} {
		if q := rest / u.secs; q > 0 {
			parts = append(parts, strconv.FormatInt(q, 10)+u.unit)
			rest -= q * u.secs
		}
	}
	if len(parts) == 0 {
		return "0s"
	}
	return sign + strings.Join(parts, " ")
}

func formatGeoPoint(_ *Rules, _ Display, v any, _ *time.Location) string {
	m, ok := v.(map[string]any)
	if !ok {
		return asString(v)
	}
	return "(" + coordinateText(m["latitude"]) + "," + coordinateText(m["longitude"]) + ")"
}

func coordinateText(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	}
	return asString(v)
}

// mapKey renders reference values by one of their keys (label, file name).
func mapKey(key string) valueFormatter {
	return func(_ *Rules, _ Display, v any, _ *time.Location) string {
		if m, ok := v.(map[string]any); ok {
			if s, ok := m[key].(string); ok {
				return s
			}
			return ""
		}
		return asString(v)
	}
}
