package types

import (
	"strings"
)

// queryReader reads one REST filter literal (query-language.md §7.1) into a
// value comparable with the stored native value.
type queryReader func(r *Rules, s string) (any, *Problem)

var queryReaders map[string]queryReader

func init() {
	queryReaders = map[string]queryReader{
		Phone: func(_ *Rules, s string) (any, *Problem) { return PhoneDigits(s), nil },
		MaskedText: func(r *Rules, s string) (any, *Problem) {
			return MaskRaw(r.Mask, s), nil
		},
		Color:   func(_ *Rules, s string) (any, *Problem) { return strings.ToLower(s), nil },
		Integer: queryInteger, AutoIncrement: queryInteger,
		Decimal: queryFloat, Money: queryFloat, Percentage: queryFloat,
		BigNumber: queryBigNumber,
		Boolean:   queryBoolean,
		Choice:    queryChoice,
		Date:      queryString(readDate, "a date yyyy-MM-dd"),
		MonthDay:  queryString(readMonthDay, "a month and day MM-dd"),
		YearMonth: queryString(readYearMonth, "a year and month yyyy-MM"),
		Time:      queryString(readTime, "a time HH:mm"),
		DateTimeNoTimezone: queryString(readLocalDateTime,
			"a date and time yyyy-MM-dd HH:mm"),
		DateTime: queryDateTime, RecordCreated: queryDateTime, RecordModified: queryDateTime,
		Duration: queryDuration,
	}
}

// parseQuery returns text-like, relationship, group, file, nested, dynamic
// choice and geo literals unchanged: the data service interprets them. No
// stored text holds a NUL or invalid UTF-8 (TextProblem): such a literal
// is refused rather than compared (PostgreSQL could not even bind it).
func parseQuery(kind string, r *Rules, s string) (any, *Problem) {
	kind = norm(kind)
	if r == nil {
		r = &Rules{}
	}
	if why := TextProblem(s); why != "" {
		return nil, invalid(s, "expected a value %s", why)
	}
	if q := queryReaders[kind]; q != nil {
		return q(r, s)
	}
	if _, known := canonical(kind); !known {
		return nil, invalid(s, "unknown field type %q", kind)
	}
	return s, nil
}

// queryInteger gives int64 for integral literals and float64 otherwise
// (greater(2.5) on an integer field is a valid filter).
func queryInteger(_ *Rules, s string) (any, *Problem) {
	d, ok := parseDecimal(strings.TrimSpace(s))
	if !ok {
		return nil, invalid(s, "expected a number")
	}
	if n, ok := d.toInt64(); ok {
		return n, nil
	}
	return floatLiteral(s, d)
}

func queryFloat(_ *Rules, s string) (any, *Problem) {
	d, ok := parseDecimal(strings.TrimSpace(s))
	if !ok {
		return nil, invalid(s, "expected a number")
	}
	return floatLiteral(s, d)
}

func floatLiteral(s string, d decimal) (any, *Problem) {
	f, ok := d.toFloat()
	if !ok {
		return nil, invalid(s, "expected a number within the float range")
	}
	return f, nil
}

func queryBigNumber(_ *Rules, s string) (any, *Problem) {
	v, p := parseBigNumber(nil, s)
	if p != nil || v == nil {
		return nil, invalid(s, "expected a decimal number")
	}
	return v, nil
}

func queryBoolean(_ *Rules, s string) (any, *Problem) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return nil, invalid(s, "expected true or false")
}

// queryChoice takes the value name, exactly (query-language.md §7.1: name,
// not label; REST queries are case-sensitive, app-model.md §8 Q2).
func queryChoice(r *Rules, s string) (any, *Problem) {
	if len(r.PossibleValues) == 0 {
		return s, nil
	}
	for _, cv := range r.PossibleValues {
		if cv.Name == s {
			return s, nil
		}
	}
	return nil, invalid(s, "expected one of %s", r.choiceNames())
}

func queryString(read func(string) (string, bool), want string) queryReader {
	return func(_ *Rules, s string) (any, *Problem) {
		out, ok := read(strings.TrimSpace(s))
		if !ok {
			return nil, invalid(s, "expected %s", want)
		}
		return out, nil
	}
}

func queryDateTime(_ *Rules, s string) (any, *Problem) {
	ms, ok := readDateTime(s)
	if !ok {
		return nil, invalid(s, "expected epoch milliseconds or yyyy-MM-dd HH:mm (UTC)")
	}
	return ms, nil
}

func queryDuration(_ *Rules, s string) (any, *Problem) {
	ms, ok := readDuration(s)
	if !ok {
		return nil, invalid(s, "expected a duration in milliseconds")
	}
	return ms, nil
}
