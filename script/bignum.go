package script

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"runway/apperr"
)

// dec is an exact decimal: coef × 10^-scale.
type dec struct {
	coef  *big.Int
	scale int
}

// divPlaces is the precision of division (bignumber.js DECIMAL_PLACES).
const divPlaces = 20

func parseDec(s string) (dec, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return dec{}, false
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		n, err := strconv.Atoi(s[i+1:])
		if err != nil {
			return dec{}, false
		}
		mant, exp = s[:i], n
	}
	neg := false
	switch {
	case strings.HasPrefix(mant, "-"):
		neg, mant = true, mant[1:]
	case strings.HasPrefix(mant, "+"):
		mant = mant[1:]
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	if digits == "" {
		return dec{}, false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return dec{}, false
		}
	}
	c, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return dec{}, false
	}
	if neg {
		c.Neg(c)
	}
	d := dec{coef: c, scale: len(frac) - exp}
	if d.scale < 0 {
		d.coef.Mul(d.coef, pow10(-d.scale))
		d.scale = 0
	}
	return d, true
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

func decOfFloat(f float64) (dec, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dec{}, false
	}
	return parseDec(strconv.FormatFloat(f, 'f', -1, 64))
}

// align returns the coefficients of a and b at a common scale.
func align(a, b dec) (*big.Int, *big.Int, int) {
	x, y := new(big.Int).Set(a.coef), new(big.Int).Set(b.coef)
	switch {
	case a.scale < b.scale:
		x.Mul(x, pow10(b.scale-a.scale))
		return x, y, b.scale
	case b.scale < a.scale:
		y.Mul(y, pow10(a.scale-b.scale))
	}
	return x, y, max(a.scale, b.scale)
}

func (a dec) add(b dec) dec { x, y, s := align(a, b); return dec{x.Add(x, y), s}.trim() }
func (a dec) sub(b dec) dec { x, y, s := align(a, b); return dec{x.Sub(x, y), s}.trim() }
func (a dec) mul(b dec) dec {
	return dec{new(big.Int).Mul(a.coef, b.coef), a.scale + b.scale}.trim()
}

// div divides with divPlaces decimals, rounding half up.
func (a dec) div(b dec) (dec, bool) {
	if b.coef.Sign() == 0 {
		return dec{}, false
	}
	// a/b = (ac × 10^(bs - as + p)) / bc at scale p
	num := new(big.Int).Set(a.coef)
	shift := b.scale - a.scale + divPlaces + 1
	if shift >= 0 {
		num.Mul(num, pow10(shift))
	} else {
		num.Quo(num, pow10(-shift))
	}
	q := new(big.Int).Quo(num, b.coef)
	return dec{q, divPlaces + 1}.round(divPlaces), true
}

func (a dec) cmp(b dec) int { x, y, _ := align(a, b); return x.Cmp(y) }

// round rounds to n decimals, half away from zero (bignumber.js ROUND_HALF_UP).
func (a dec) round(n int) dec {
	if a.scale <= n {
		return a
	}
	p := pow10(a.scale - n)
	q, r := new(big.Int).QuoRem(a.coef, p, new(big.Int))
	r.Abs(r).Mul(r, big.NewInt(2))
	if r.Cmp(p) >= 0 {
		if a.coef.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return dec{q, n}
}

// trim drops trailing fraction zeros.
func (a dec) trim() dec {
	c := new(big.Int).Set(a.coef)
	s := a.scale
	ten, r := big.NewInt(10), new(big.Int)
	for s > 0 && c.Sign() != 0 {
		q, rem := new(big.Int).QuoRem(c, ten, r)
		if rem.Sign() != 0 {
			break
		}
		c, s = q, s-1
	}
	if c.Sign() == 0 {
		s = 0
	}
	return dec{c, s}
}

// fixed renders a with exactly n decimals.
func (a dec) fixed(n int) string {
	r := a.round(n)
	c := new(big.Int).Set(r.coef)
	if r.scale < n {
		c.Mul(c, pow10(n-r.scale))
	}
	neg := c.Sign() < 0
	digits := c.Abs(c).String()
	if n > 0 {
		for len(digits) <= n {
			digits = "0" + digits
		}
		digits = digits[:len(digits)-n] + "." + digits[len(digits)-n:]
	}
	if neg && strings.Trim(digits, "0.") != "" {
		digits = "-" + digits
	}
	return digits
}

func (a dec) String() string {
	t := a.trim()
	return t.fixed(t.scale)
}

func (a dec) float() float64 {
	f, _ := strconv.ParseFloat(a.String(), 64)
	return f
}

// grouped inserts thousands separators in a fixed rendering.
func grouped(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if hasFrac {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// bigHost is a sys.utils.numbers.BigNumber (a bignumber.js-compatible
// subset, app-model.md §7).
type bigHost struct {
	base
	d dec
}

func (rt *runtime) newBig(d dec) *goja.Object {
	o := rt.object(&bigHost{base: base{rt.m["big"]}, d: d})
	return o
}

// decArg reads a number, numeric string or BigNumber.
func (rt *runtime) decArg(v goja.Value) dec {
	if b, ok := hostOf[*bigHost](v); ok {
		return b.d
	}
	if isNothing(v) {
		rt.throwf(apperr.BadRequest, "BigNumber: not a number: %v", v)
	}
	var d dec
	var ok bool
	switch x := v.Export().(type) {
	case int64:
		d, ok = dec{big.NewInt(x), 0}, true
	case float64:
		d, ok = decOfFloat(x)
	default:
		d, ok = parseDec(v.String())
	}
	if !ok {
		rt.throwf(apperr.BadRequest, "BigNumber: not a number: %s", v.String())
	}
	return d
}

func (rt *runtime) bigNumberMethods() {
	self := func(c goja.FunctionCall) dec { return this[*bigHost](rt, c, "BigNumber").d }
	places := func(c goja.FunctionCall, i int) (int, bool) {
		v := arg(c, i)
		if isNothing(v) {
			return 0, false
		}
		n := int(v.ToInteger())
		if n < 0 || n > 1000 {
			rt.throwf(apperr.BadRequest, "BigNumber: decimal places out of range: %d", n)
		}
		return n, true
	}
	rt.define("big", map[string]func(goja.FunctionCall) goja.Value{
		"plus":  func(c goja.FunctionCall) goja.Value { return rt.newBig(self(c).add(rt.decArg(arg(c, 0)))) },
		"minus": func(c goja.FunctionCall) goja.Value { return rt.newBig(self(c).sub(rt.decArg(arg(c, 0)))) },
		"times": func(c goja.FunctionCall) goja.Value { return rt.newBig(self(c).mul(rt.decArg(arg(c, 0)))) },
		"div": func(c goja.FunctionCall) goja.Value {
			q, ok := self(c).div(rt.decArg(arg(c, 0)))
			if !ok {
				rt.throwf(apperr.BadRequest, "BigNumber: division by zero")
			}
			return rt.newBig(q.trim())
		},
		"comparedTo": func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(self(c).cmp(rt.decArg(arg(c, 0)))) },
		"eq":         func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(self(c).cmp(rt.decArg(arg(c, 0))) == 0) },
		"gt":         func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(self(c).cmp(rt.decArg(arg(c, 0))) > 0) },
		"lt":         func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(self(c).cmp(rt.decArg(arg(c, 0))) < 0) },
		"toString":   func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(self(c).String()) },
		"valueOf":    func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(self(c).String()) },
		"toJSON":     func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(self(c).String()) },
		"toNumber":   func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(self(c).float()) },
		"toFixed": func(c goja.FunctionCall) goja.Value {
			d := self(c)
			if n, ok := places(c, 0); ok {
				return rt.vm.ToValue(d.fixed(n))
			}
			return rt.vm.ToValue(d.String())
		},
		"toFormat": func(c goja.FunctionCall) goja.Value {
			d := self(c)
			if n, ok := places(c, 0); ok {
				return rt.vm.ToValue(grouped(d.fixed(n)))
			}
			return rt.vm.ToValue(grouped(d.String()))
		},
	})
}

// bigConstructor is sys.utils.numbers.BigNumber: callable with or without
// new.
func (rt *runtime) bigConstructor() goja.Value {
	return rt.vm.ToValue(func(c goja.ConstructorCall) *goja.Object {
		var v goja.Value = goja.Undefined()
		if len(c.Arguments) > 0 {
			v = c.Arguments[0]
		}
		if len(c.Arguments) > 1 && !isNothing(c.Arguments[1]) {
			base := c.Arguments[1].ToInteger()
			d, ok := parseBase(v.String(), int(base))
			if !ok {
				rt.throwf(apperr.BadRequest, "BigNumber: %q is not a number in base %d", v.String(), base)
			}
			return rt.newBig(d)
		}
		return rt.newBig(rt.decArg(v))
	})
}

// parseBase reads a number written in base 2…36 ("zz.9" in base 36),
// with its fraction divided out to divPlaces decimals (bignumber.js).
func parseBase(s string, base int) (dec, bool) {
	if base < 2 || base > 36 {
		return dec{}, false
	}
	s = strings.ToLower(strings.TrimSpace(s))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	intPart, frac, _ := strings.Cut(s, ".")
	digits := intPart + frac
	if digits == "" {
		return dec{}, false
	}
	n, ok := new(big.Int).SetString(digits, base)
	if !ok || strings.ContainsAny(digits, "+-_") {
		return dec{}, false
	}
	if neg {
		n.Neg(n)
	}
	den := new(big.Int).Exp(big.NewInt(int64(base)), big.NewInt(int64(len(frac))), nil)
	q, _ := dec{n, 0}.div(dec{den, 0})
	return q.trim(), true
}
