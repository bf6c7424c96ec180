package types

import (
	"math"
	"strings"
)

const maxFloat = math.MaxFloat64

// bigNumberDigits is the precision of bigNumber (decimal128, app-model.md §2).
const bigNumberDigits = 34

// toDecimal reads a numeric input: a number, or a string holding one.
func toDecimal(v any) (decimal, bool) {
	text, ok := numberText(v)
	if !ok {
		s, isString := v.(string)
		if !isString {
			return decimal{}, false
		}
		text = strings.TrimSpace(s)
	}
	return parseDecimal(text)
}

// parseInteger accepts integers, numeric strings and integral fractions
// ("0.0" in the sample's defaults, "1e3").
func parseInteger(_ *Rules, v any) (any, *Problem) {
	d, ok := toDecimal(v)
	if !ok {
		return nil, invalid(v, "expected an integer")
	}
	if d.exp < 0 {
		return nil, invalid(v, "expected an integer, got a fraction")
	}
	n, ok := d.toInt64()
	if !ok {
		return nil, outOfRange(v, int64(math.MinInt64), int64(math.MaxInt64), "is outside the integer range")
	}
	return n, nil
}

func parseFloat(_ *Rules, v any) (any, *Problem) {
	d, ok := toDecimal(v)
	if !ok {
		return nil, invalid(v, "expected a number")
	}
	f, ok := d.toFloat()
	if !ok {
		return nil, outOfRange(v, -maxFloat, maxFloat, "is too large for a number")
	}
	return f, nil
}

// parseBigNumber keeps the exact decimal as a canonical string: no exponent,
// no trailing fraction zeros, at most 34 significant digits and at most 34
// digits on each side of the point (so the text stays bounded).
func parseBigNumber(_ *Rules, v any) (any, *Problem) {
	d, ok := toDecimal(v)
	if !ok {
		return nil, invalid(v, "expected a decimal number")
	}
	if len(d.digits) > bigNumberDigits || d.intDigits() > bigNumberDigits || d.fracDigits() > bigNumberDigits {
		return nil, invalid(v, "expected at most %d significant digits and %d digits on each side of the decimal point", bigNumberDigits, bigNumberDigits)
	}
	return d.String(), nil
}
