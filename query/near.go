package query

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// EarthRadius is the mean Earth radius in metres (IUGG) used by Distance.
const EarthRadius = 6371008.8

// Distance is the great-circle (haversine) distance in metres between two
// points given in degrees. Stores compute near with this very function, so
// a store and Match agree to the last bit.
func Distance(lat1, lng1, lat2, lng2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLng := (lng2 - lng1) * rad
	sLat := math.Sin(dLat / 2)
	sLng := math.Sin(dLng / 2)
	h := sLat*sLat + math.Cos(lat1*rad)*math.Cos(lat2*rad)*sLng*sLng
	h = math.Min(1, math.Max(0, h))
	return 2 * EarthRadius * math.Asin(math.Sqrt(h))
}

// NearBand is the latitude band (degrees) holding every point within max
// metres of latitude lat0: a great circle is never shorter than its
// meridian difference. Widened a little for rounding. Stores filter a
// latitude index with it; Match applies it too, so the two agree even on
// out-of-range stored latitudes.
func NearBand(lat0, max float64) (lo, hi float64) {
	band := max/(EarthRadius*math.Pi/180)*(1+1e-9) + 1e-9
	return lat0 - band, lat0 + band
}

// nearValues reads the arguments of near(lat,lng[,min[,max]]): plain
// decimal numbers, latitude in [-90,90], longitude in [-180,180], distances
// non-negative with min ≤ max.
func nearValues(args []string) ([]any, error) {
	names := []string{"latitude", "longitude", "minimum distance", "maximum distance"}
	out := make([]any, len(args))
	for i, s := range args {
		f, err := nearNumber(s)
		if err != nil {
			return nil, fmt.Errorf("near: %s %q is not a number", names[i], s)
		}
		switch {
		case i == 0 && (f < -90 || f > 90):
			return nil, fmt.Errorf("near: latitude %v is outside [-90, 90]", f)
		case i == 1 && (f < -180 || f > 180):
			return nil, fmt.Errorf("near: longitude %v is outside [-180, 180]", f)
		case i >= 2 && f < 0:
			return nil, fmt.Errorf("near: %s %v is negative", names[i], f)
		case i == 3 && f < out[2].(float64):
			return nil, fmt.Errorf("near: minimum distance %v is greater than the maximum distance %v", out[2], f)
		}
		out[i] = f
	}
	return out, nil
}

// nearNumber accepts [+-]digits[.digits] (also ".5" and "5.") and an
// optional exponent; no hex, no inf or nan.
func nearNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E':
		default:
			return 0, strconv.ErrSyntax
		}
	}
	if digits == 0 {
		return 0, strconv.ErrSyntax
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, strconv.ErrSyntax
	}
	return f, nil
}

// nearConds returns the near conditions of x, in order.
func nearConds(x Expr) []*Cond {
	var out []*Cond
	walk(x, func(c *Cond) {
		if c.Op == Near {
			out = append(out, c)
		}
	})
	return out
}

// NearOf returns the near condition of x, or nil (a parsed query holds at
// most one). Callers building a Select set Select.Near from it unless the
// client asked for an explicit sort.
func NearOf(x Expr) *Cond {
	if cs := nearConds(x); len(cs) > 0 {
		return cs[0]
	}
	return nil
}

// walk calls fn for every condition of x.
func walk(x Expr, fn func(*Cond)) {
	switch x := x.(type) {
	case And:
		for _, y := range x {
			walk(y, fn)
		}
	case Or:
		for _, y := range x {
			walk(y, fn)
		}
	case *Cond:
		if x != nil {
			fn(x)
		}
	}
}

// checkOneNear rejects a query with more than one near condition, naming
// the field of the second one.
func checkOneNear(x Expr) error {
	if cs := nearConds(x); len(cs) > 1 {
		return badParam(cs[1].PathString(), fmt.Sprintf("only one near filter per query, got %d", len(cs)))
	}
	return nil
}

// PathString is the dotted path of a target as a client writes it
// ("owner.id", "addresses.state", "id").
func (t *Target) PathString() string {
	if t.System != "" {
		return t.System
	}
	names := make([]string, 0, len(t.Path)+1)
	for _, s := range t.Path {
		names = append(names, s.Name)
	}
	if t.Sub != "" && t.Field != nil && t.Sub != naturalMember(t.Field) {
		names = append(names, t.Sub)
	}
	return strings.Join(names, ".")
}
