package sqlite

import (
	"database/sql/driver"
	"fmt"
	"regexp"
	"runway/types"
	"strconv"
	"strings"
	"sync"

	sqlite "modernc.org/sqlite"

	"runway/query"
)

// SQL functions implemented in Go, registered once for every connection of
// the "sqlite" driver. They are used in queries only, never in indexes, so
// the database file stays readable by plain sqlite3 tools.
const (
	fnRegexp   = "runway_regexp"    // (pattern, value) → 1/0, NULL for NULL value; RE2
	fnLike     = "runway_like"      // (value, lowercased pattern, mode) → 1/0; Unicode case-insensitive
	fnDigits   = "runway_digits"    // (value) → the value's digits only
	fnHTMLText = "runway_html_text" // (html) → its visible text
	fnMaskRaw  = "runway_mask_raw"  // (value, mask) → the value without the mask's literals

	collDecimal = "runway_decimal" // orders decimal strings exactly (bigNumber)
	// (lat, lng, lat0, lng0) → metres between the points (query.Distance);
	// NULL unless lat and lng are numbers
	fnDistance = "runway_distance"
	// (n, term1…termn, col1…) → 1/0: every lower-cased term is contained
	// in one of the columns (query.TextContains)
	fnText = "runway_text"
)

// like modes
const (
	likeContains = iota
	likePrefix
	likeSuffix
)

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(fnRegexp, 2, sqlRegexp)
	sqlite.MustRegisterDeterministicScalarFunction(fnLike, 3, sqlLike)
	sqlite.MustRegisterDeterministicScalarFunction(fnDigits, 1, sqlDigits)
	sqlite.MustRegisterDeterministicScalarFunction(fnHTMLText, 1, sqlHTMLText)
	sqlite.MustRegisterDeterministicScalarFunction(fnMaskRaw, 2, sqlMaskRaw)
	sqlite.MustRegisterCollationUtf8(collDecimal, query.CompareDecimals)
	sqlite.MustRegisterDeterministicScalarFunction(fnDistance, 4, sqlDistance)
	sqlite.MustRegisterDeterministicScalarFunction(fnText, -1, sqlText)
}

func sqlDistance(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	lat0, ok1 := args[2].(float64)
	lng0, ok2 := args[3].(float64)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: the reference point must be two REAL values", fnDistance)
	}
	d, ok := query.DistanceOf(args[0], args[1], lat0, lng0)
	if !ok {
		return nil, nil
	}
	return d, nil
}

func sqlText(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("%s: no arguments", fnText)
	}
	n, ok := args[0].(int64)
	if !ok || n < 0 || int(n) > len(args)-1 {
		return nil, fmt.Errorf("%s: bad term count", fnText)
	}
	terms := make([]string, n)
	for i := range terms {
		terms[i], _ = text(args[1+i])
	}
	cols := make([]string, 0, len(args)-1-int(n))
	for _, a := range args[1+n:] {
		s, _ := text(a)
		cols = append(cols, s)
	}
	return boolValue(query.TextContains(terms, cols)), nil
}

// text renders a SQL value as a string; ok is false for NULL.
func text(v driver.Value) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case []byte:
		return string(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	default:
		return fmt.Sprint(x), true
	}
}

func boolValue(b bool) driver.Value {
	if b {
		return int64(1)
	}
	return int64(0)
}

func sqlRegexp(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	pat, ok := text(args[0])
	if !ok {
		return nil, nil
	}
	v, ok := text(args[1])
	if !ok {
		return nil, nil
	}
	re, err := compileRegexp(pat)
	if err != nil {
		return nil, err
	}
	return boolValue(re.MatchString(v)), nil
}

func sqlLike(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	v, ok := text(args[0])
	if !ok {
		return nil, nil
	}
	pat, _ := text(args[1])
	mode, _ := args[2].(int64)
	v = strings.ToLower(v) // no allocation for ASCII text without upper case
	switch mode {
	case likePrefix:
		return boolValue(strings.HasPrefix(v, pat)), nil
	case likeSuffix:
		return boolValue(strings.HasSuffix(v, pat)), nil
	default:
		return boolValue(strings.Contains(v, pat)), nil
	}
}

func sqlDigits(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	v, ok := text(args[0])
	if !ok {
		return nil, nil
	}
	return digits(v), nil
}

func sqlHTMLText(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	v, ok := text(args[0])
	if !ok {
		return nil, nil
	}
	return types.HTMLText(v), nil
}

func sqlMaskRaw(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	v, ok := text(args[0])
	if !ok {
		return nil, nil
	}
	mask, _ := text(args[1])
	return types.MaskRaw(mask, v), nil
}

func digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// Compiled regular expressions, shared by all connections. Bounded: when
// full it is simply emptied.
var reCache = struct {
	sync.RWMutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

const reCacheSize = 256

func compileRegexp(pat string) (*regexp.Regexp, error) {
	reCache.RLock()
	re := reCache.m[pat]
	reCache.RUnlock()
	if re != nil {
		return re, nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, err
	}
	reCache.Lock()
	if len(reCache.m) >= reCacheSize {
		clear(reCache.m)
	}
	reCache.m[pat] = re
	reCache.Unlock()
	return re, nil
}
