package types

import (
	"strconv"
	"strings"
)

// decimal is an exact base-10 number: (-1)^neg × digits × 10^exp. digits has
// no leading or trailing zeros; zero is digits == "" (never negative). Every
// number goes through it so that rounding, range checks and bigNumber work on
// the decimal text the client sent, not on a binary float approximation.
type decimal struct {
	neg    bool
	digits string
	exp    int
}

// maxExponent bounds the exponent of a literal so that no operation has to
// build absurdly long strings (1e999999999 is rejected, not expanded).
const maxExponent = 100000

// parseDecimal reads [+-]digits[.digits][e[+-]digits] (also ".5" and "5.").
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	if s != "" && (s[0] == '+' || s[0] == '-') {
		d.neg = s[0] == '-'
		s = s[1:]
	}
	mant, expPart, hasExp := cutAny(s, "eE")
	intPart, fracPart, _ := strings.Cut(mant, ".")
	if intPart == "" && fracPart == "" || !allDigits(intPart) || !allDigits(fracPart) {
		return decimal{}, false
	}
	exp := 0
	if hasExp {
		e, ok := parseExponent(expPart)
		if !ok {
			return decimal{}, false
		}
		exp = e
	}
	return newDecimal(d.neg, intPart+fracPart, exp-len(fracPart)), true
}

// newDecimal normalises a digit string and exponent into a decimal.
func newDecimal(neg bool, digits string, exp int) decimal {
	digits = strings.TrimLeft(digits, "0")
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	if trimmed == "" {
		return decimal{}
	}
	return decimal{neg: neg, digits: trimmed, exp: exp}
}

func parseExponent(s string) (int, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || !allDigits(s) {
		return 0, false
	}
	s = strings.TrimLeft(s, "0")
	if len(s) > 6 {
		return 0, false
	}
	e, _ := strconv.Atoi("0" + s)
	if e > maxExponent {
		return 0, false
	}
	if neg {
		e = -e
	}
	return e, true
}

func cutAny(s, chars string) (before, after string, found bool) {
	if i := strings.IndexAny(s, chars); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (d decimal) isZero() bool { return d.digits == "" }

// intDigits is the number of digits before the decimal point (0 for |d| < 1).
func (d decimal) intDigits() int { return max(0, len(d.digits)+d.exp) }

// fracDigits is the number of digits after the decimal point.
func (d decimal) fracDigits() int { return max(0, -d.exp) }

// String renders the plain notation without exponent ("-12.5", "0.001", "100").
func (d decimal) String() string { return d.fixed(d.fracDigits()) }

// fixed renders the plain notation with exactly n fraction digits (n must be
// at least fracDigits, so this only pads).
func (d decimal) fixed(n int) string {
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	all := d.digits + strings.Repeat("0", max(0, d.exp))
	point := len(d.digits) + d.exp // position of the point inside all
	if point <= 0 {
		b.WriteString("0")
		frac := strings.Repeat("0", -point) + all
		writeFraction(&b, frac, n)
		return b.String()
	}
	if d.isZero() {
		b.WriteString("0")
	} else {
		b.WriteString(all[:point])
	}
	writeFraction(&b, all[point:], n)
	return b.String()
}

func writeFraction(b *strings.Builder, frac string, n int) {
	if n == 0 {
		return
	}
	b.WriteByte('.')
	b.WriteString(frac)
	b.WriteString(strings.Repeat("0", n-len(frac)))
}

// sci renders digits×10^exp for strconv.ParseFloat.
func (d decimal) sci() string {
	if d.isZero() {
		return "0"
	}
	s := d.digits + "e" + strconv.Itoa(d.exp)
	if d.neg {
		return "-" + s
	}
	return s
}

// cmp compares two decimals: -1, 0 or +1.
func (d decimal) cmp(o decimal) int {
	if d.neg != o.neg {
		if d.neg {
			return -1
		}
		return 1
	}
	c := d.cmpAbs(o)
	if d.neg {
		return -c
	}
	return c
}

func (d decimal) cmpAbs(o decimal) int {
	switch {
	case d.isZero() && o.isZero():
		return 0
	case d.isZero():
		return -1
	case o.isZero():
		return 1
	}
	// Compare the position of the leading digit first, then the digits.
	da, oa := len(d.digits)+d.exp, len(o.digits)+o.exp
	if da != oa {
		if da < oa {
			return -1
		}
		return 1
	}
	n := max(len(d.digits), len(o.digits))
	a := d.digits + strings.Repeat("0", n-len(d.digits))
	b := o.digits + strings.Repeat("0", n-len(o.digits))
	return strings.Compare(a, b)
}

// Rounding modes of decimalLimitRuleType.
const (
	roundHalfUp = "round"
	truncate    = "truncate"
)

// round limits d to n fraction digits, rounding half away from zero or
// truncating toward zero.
func (d decimal) round(n int, mode string) decimal {
	if d.fracDigits() <= n {
		return d
	}
	keep := len(d.digits) + d.exp + n // digits that stay
	if keep < 0 {
		return decimal{}
	}
	kept := d.digits[:keep]
	if mode != truncate && d.digits[keep] >= '5' {
		kept = incrementDigits(kept)
	}
	return newDecimal(d.neg, kept, -n)
}

// incrementDigits adds one to a digit string ("199" → "200", "" → "1").
func incrementDigits(s string) string {
	b := []byte(s)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return "1" + string(b)
}

// toInt64 converts an integral decimal that fits in int64.
func (d decimal) toInt64() (int64, bool) {
	if d.exp < 0 || len(d.digits)+d.exp > 19 {
		return 0, false
	}
	n, err := strconv.ParseInt(d.String(), 10, 64)
	return n, err == nil
}

// toFloat converts to the nearest float64; false when out of float range.
func (d decimal) toFloat() (float64, bool) {
	f, err := strconv.ParseFloat(d.sci(), 64)
	if err != nil {
		return 0, false
	}
	return f + 0, true // + 0 turns -0 into 0
}

// shift multiplies by 10^n (percentages display ×100 exactly).
func (d decimal) shift(n int) decimal {
	if d.isZero() {
		return d
	}
	d.exp += n
	return d
}
