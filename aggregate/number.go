package aggregate

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"

	"runway/types"
)

// numberText is the decimal text of a value sum and avg add: a JSON number,
// or for bigNumber (whose JSON form is a string) a decimal string too.
func numberText(kind string, v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		return x.String(), true
	case string:
		return x, kind == types.BigNumber
	}
	return "", false
}

// exactSum adds decimal numbers exactly: in an int64 scaled by 10^scale
// while the values fit (the common case, no allocation), then as a
// rational.
type exactSum struct {
	n     int64 // numbers added
	small int64
	scale int
	big   *big.Rat // non-nil once small no longer holds the sum
}

// maxExp bounds the exponent of a number text (1e999999 is not a value a
// record holds; it would make huge rationals).
const maxExp = 400

// add adds one number; false (nothing added) when text is not one.
func (s *exactSum) add(text string) bool {
	if s.big == nil {
		if m, sc, ok := smallDecimal(text); ok && s.addSmall(m, sc) {
			s.n++
			return true
		}
	}
	r, ok := ratOf(text)
	if !ok {
		return false
	}
	if s.big == nil {
		s.big = s.smallRat()
	}
	s.big.Add(s.big, r)
	s.n++
	return true
}

// addSmall adds m × 10^-sc to the scaled sum; false when it would not fit.
func (s *exactSum) addSmall(m int64, sc int) bool {
	sum, scale := s.small, s.scale
	for scale < sc {
		if sum > math.MaxInt64/10 || sum < math.MinInt64/10 {
			return false
		}
		sum, scale = sum*10, scale+1
	}
	for sc < scale {
		if m > math.MaxInt64/10 || m < math.MinInt64/10 {
			return false
		}
		m, sc = m*10, sc+1
	}
	if m > 0 && sum > math.MaxInt64-m || m < 0 && sum < math.MinInt64-m {
		return false
	}
	s.small, s.scale = sum+m, scale
	return true
}

func (s *exactSum) smallRat() *big.Rat {
	return new(big.Rat).SetFrac(big.NewInt(s.small), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(s.scale)), nil))
}

// rat is the sum as a rational.
func (s *exactSum) rat() *big.Rat {
	if s.big != nil {
		return s.big
	}
	return s.smallRat()
}

// text is the sum as exact decimal text.
func (s *exactSum) text() string {
	if s.big != nil {
		return ratText(s.big)
	}
	return scaledText(s.small, s.scale)
}

// mean is the average as a JSON value of the kind (nil without numbers):
// the float64 nearest to the exact mean; bigNumber a decimal string
// rounded half away from zero to 34 significant and 34 fraction digits.
func (s *exactSum) mean(kind string) any {
	if s.n == 0 {
		return nil
	}
	m := new(big.Rat).Quo(s.rat(), new(big.Rat).SetInt64(s.n))
	if kind == types.BigNumber {
		return roundedText(m, 34)
	}
	f, _ := m.Float64()
	return floatNumber(f)
}

// floatNumber is a float as a JSON number, written as the records write
// floats.
func floatNumber(f float64) json.Number {
	return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
}

// smallDecimal reads [-]digits[.digits] with at most 18 digits into a
// scaled int64.
func smallDecimal(s string) (int64, int, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac, point := strings.Cut(s, ".")
	if intPart == "" || point && frac == "" || len(intPart)+len(frac) > 18 {
		return 0, 0, false
	}
	var m int64
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return 0, 0, false
			}
			m = m*10 + int64(c-'0')
		}
	}
	if neg {
		m = -m
	}
	return m, len(frac), true
}

// ratOf reads a decimal number text ([-]digits[.digits][e[+-]digits],
// exponent within ±maxExp).
func ratOf(s string) (*big.Rat, bool) {
	body := strings.TrimPrefix(s, "-")
	mant, exp, hasExp := strings.Cut(strings.ToLower(body), "e")
	intPart, frac, hasPoint := strings.Cut(mant, ".")
	if intPart == "" || hasPoint && frac == "" || !digits(intPart) || !digits(frac) {
		return nil, false
	}
	if hasExp {
		e, err := strconv.Atoi(strings.TrimPrefix(exp, "+"))
		if err != nil || e > maxExp || e < -maxExp || exp == "" || !digits(strings.TrimLeft(exp, "+-")) {
			return nil, false
		}
	}
	return new(big.Rat).SetString(s)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// scaledText writes m × 10^-scale without trailing fraction zeros.
func scaledText(m int64, scale int) string {
	s := strconv.FormatInt(m, 10)
	if scale == 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	s = trimFraction(s[:len(s)-scale] + "." + s[len(s)-scale:])
	if neg && s != "0" {
		s = "-" + s
	}
	return s
}

// trimFraction drops trailing fraction zeros (and a bare point).
func trimFraction(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// ratText writes a rational whose denominator divides a power of ten (a
// sum of decimals) exactly; others are rounded to 34 fraction digits.
func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	d := new(big.Int).Set(r.Denom())
	n := 0
	two, five, ten := big.NewInt(2), big.NewInt(5), big.NewInt(10)
	mod := new(big.Int)
	for d.Cmp(big.NewInt(1)) != 0 && n <= maxExp*2 {
		switch {
		case mod.Mod(d, ten).Sign() == 0:
			d.Quo(d, ten)
		case mod.Mod(d, two).Sign() == 0:
			d.Quo(d, two)
		case mod.Mod(d, five).Sign() == 0:
			d.Quo(d, five)
		default:
			return roundedText(r, 34)
		}
		n++
	}
	return trimFraction(r.FloatString(n))
}

// roundedText writes r rounded half away from zero to at most sig
// significant digits and at most sig fraction digits, without trailing
// fraction zeros.
func roundedText(r *big.Rat, sig int) string {
	abs := new(big.Rat).Abs(r)
	intDigits := 0
	if q := new(big.Int).Quo(abs.Num(), abs.Denom()); q.Sign() > 0 {
		intDigits = len(q.String())
	}
	frac := min(sig, max(0, sig-intDigits))
	scaled := new(big.Rat).Mul(abs, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(frac)), nil)))
	q, rem := new(big.Int).QuoRem(scaled.Num(), scaled.Denom(), new(big.Int))
	if new(big.Int).Mul(rem, big.NewInt(2)).Cmp(scaled.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	out := new(big.Rat).SetFrac(q, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(frac)), nil))
	if r.Sign() < 0 {
		out.Neg(out)
	}
	s := trimFraction(out.FloatString(frac))
	if s == "-0" {
		s = "0"
	}
	return s
}

// numberKey is a number's identity for grouping and joining: equal values
// have equal keys ("3", "3.0" and "3e0" are one).
func numberKey(s string) string {
	if d := strings.TrimPrefix(s, "-"); d != "" && digits(d) && (d[0] != '0' || s == "0") {
		return s
	}
	if r, ok := ratOf(s); ok {
		return r.RatString()
	}
	return s
}
