package freemarker

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"runway/types"
)

// Number formats, as FreeMarker names them with the en-US locale.
var namedFormats = map[string]string{
	"number":   "#,##0.###",
	"currency": "$#,##0.00",
	"percent":  "#,##0%",
}

// formatNumber prints n in a named format ("number", "computer",
// "currency", "percent") or a Java DecimalFormat pattern ("0.00",
// "#,##0.##", "0%"; prefixes and suffixes are kept).
func formatNumber(n float64, format string) (string, error) {
	if math.IsNaN(n) {
		return "NaN", nil
	}
	if math.IsInf(n, 0) {
		if n > 0 {
			return "∞", nil
		}
		return "-∞", nil
	}
	if format == "computer" || format == "c" {
		if n == math.Trunc(n) && math.Abs(n) < 1e21 {
			return strconv.FormatFloat(n, 'f', 0, 64), nil
		}
		return strconv.FormatFloat(n, 'f', -1, 64), nil
	}
	if p, ok := namedFormats[format]; ok {
		format = p
	}
	df, err := parseDecimalFormat(format)
	if err != nil {
		return "", err
	}
	return df.format(n), nil
}

// decimalFormat is a parsed DecimalFormat pattern (its positive part).
type decimalFormat struct {
	prefix, suffix   string
	grouping         int // group size, 0: none
	minInt           int
	minFrac, maxFrac int
	multiplier       float64
}

func parseDecimalFormat(p string) (decimalFormat, error) {
	df := decimalFormat{multiplier: 1}
	if i := strings.IndexByte(p, ';'); i >= 0 {
		p = p[:i]
	}
	start := patternStart(p)
	if start < 0 {
		return df, fmt.Errorf("%q is not a number format (e.g. \"0.00\", \"#,##0.##\", \"number\", \"computer\", \"currency\", \"percent\")", p)
	}
	end := start
	for end < len(p) && strings.IndexByte("#0,.", p[end]) >= 0 {
		end++
	}
	df.prefix, df.suffix = literalPart(p[:start]), literalPart(p[end:])
	for _, affix := range []string{p[:start], p[end:]} {
		if strings.Contains(affix, "%") {
			df.multiplier = 100
		} else if strings.Contains(affix, "‰") {
			df.multiplier = 1000
		}
	}
	body := p[start:end]
	intPart, frac, _ := strings.Cut(body, ".")
	if strings.Contains(frac, ".") || strings.Contains(frac, ",") {
		return df, fmt.Errorf("%q is not a number format", p)
	}
	if i := strings.LastIndexByte(intPart, ','); i >= 0 {
		df.grouping = len(intPart) - i - 1
	}
	df.minInt = strings.Count(intPart, "0")
	df.minFrac = strings.Count(frac, "0")
	df.maxFrac = len(frac)
	if df.maxFrac > 20 || df.minInt > 40 {
		return df, fmt.Errorf("%q asks for too many digits", p)
	}
	return df, nil
}

// patternStart is the index of the first digit placeholder outside quotes.
func patternStart(p string) int {
	quoted := false
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\'':
			quoted = !quoted
		case !quoted && strings.IndexByte("#0,.", p[i]) >= 0:
			return i
		}
	}
	return -1
}

// literalPart drops the quotes of a pattern's literal text.
func literalPart(s string) string {
	s = strings.ReplaceAll(s, "''", "\x00")
	s = strings.ReplaceAll(s, "'", "")
	return strings.ReplaceAll(s, "\x00", "'")
}

func (df decimalFormat) format(n float64) string {
	n *= df.multiplier
	neg := n < 0
	digits := roundHalfEven(strconv.FormatFloat(math.Abs(n), 'f', -1, 64), df.maxFrac)
	intPart, frac, _ := strings.Cut(digits, ".")
	frac = strings.TrimRight(frac, "0")
	for len(frac) < df.minFrac {
		frac += "0"
	}
	intPart = strings.TrimLeft(intPart, "0")
	for len(intPart) < df.minInt {
		intPart = "0" + intPart
	}
	if intPart == "" && frac == "" {
		intPart = "0"
	}
	if df.grouping > 0 {
		intPart = group(intPart, df.grouping)
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.,") != "" {
		out = "-" + out
	}
	return df.prefix + out + df.suffix
}

func group(s string, size int) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%size == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// roundHalfEven rounds a plain decimal string ("123.4567") to n decimals.
func roundHalfEven(s string, n int) string {
	intPart, frac, _ := strings.Cut(s, ".")
	if len(frac) <= n {
		return s
	}
	keep, rest := frac[:n], frac[n:]
	up := rest[0] > '5' || rest[0] == '5' && strings.Trim(rest[1:], "0") != ""
	if rest[0] == '5' && !up { // a tie: to the even neighbour
		last := intPart[len(intPart)-1]
		if n > 0 {
			last = keep[n-1]
		}
		up = (last-'0')%2 == 1
	}
	all := []byte(intPart + keep)
	if up {
		i := len(all) - 1
		for ; i >= 0; i-- {
			if all[i] == '9' {
				all[i] = '0'
				continue
			}
			all[i]++
			break
		}
		if i < 0 {
			all = append([]byte{'1'}, all...)
		}
	}
	cut := len(all) - n
	if n == 0 {
		return string(all)
	}
	return string(all[:cut]) + "." + string(all[cut:])
}

// formatDate prints t in a Java date pattern in loc.
func formatDate(t time.Time, pattern string, loc *time.Location) string {
	return types.Format(types.DateTime, nil, types.Display{"format": pattern}, t.UnixMilli(), loc)
}
