package query

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"runway/app"
	"runway/record"
	"runway/types"
)

// Match evaluates x against one record in memory (its native values, id and
// label) with exactly the semantics of the SQL stores (store/sqlite doc.go):
// permission and listener conditions on single records use it, so a record
// Match accepts is one a Find with the same expression returns.
//
// Values model what a store's json_extract yields: JSON numbers that are
// integral become integers (so 3.0 equals 3), booleans are 1/0, strings
// compare bytewise, numbers sort before text, a missing value is NULL and
// fails every comparison. The checks a store makes before running SQL (arity,
// value types, regular expressions, unbound currentUserField) give the same
// errors here, whatever the record.
func Match(x Expr, values record.Values, id, label string) (bool, error) {
	if err := validate(x, 0); err != nil {
		return false, err
	}
	r := &matcher{root: map[string]any(values), id: id, label: label}
	return r.expr(x), nil
}

// Errors of Match for expressions a store would reject too.
var (
	ErrUnbound = errors.New("query: currentUserField is not bound (use Bind)")
)

type matcher struct {
	root  map[string]any
	id    string
	label string
}

// ---- validation (mirrors the store compiler's errors) ----

func validate(x Expr, depth int) error {
	if depth > 10000 {
		return errors.New("query: expression nested too deep")
	}
	switch x := x.(type) {
	case nil:
		return nil
	case And:
		for _, y := range x {
			if err := validate(y, depth+1); err != nil {
				return err
			}
		}
		return nil
	case Or:
		for _, y := range x {
			if err := validate(y, depth+1); err != nil {
				return err
			}
		}
		return nil
	case *Cond:
		if x == nil {
			return errors.New("nil condition")
		}
		return validateCond(x)
	case *Text:
		if x == nil || len(x.Terms) == 0 {
			return errors.New("text search without terms")
		}
		return nil
	}
	return fmt.Errorf("unsupported expression %T", x)
}

// ValidIdent reports whether s is a name the stores may write into SQL
// text: ASCII letters, digits and underscores only (all names come from
// metadata; values are always bound parameters). Match refuses the others
// as the stores do.
func ValidIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func validateCond(k *Cond) error {
	if len(k.User) > 0 {
		return ErrUnbound
	}
	switch k.System {
	case "":
		if len(k.Path) == 0 || k.Field == nil {
			return errors.New("condition without a field path")
		}
		for _, s := range k.Path {
			if !ValidIdent(s.Name) {
				return fmt.Errorf("invalid field name %q", s.Name)
			}
		}
		if sub := leafSub(&k.Target); sub != "" {
			for _, n := range strings.Split(sub, ".") {
				if !ValidIdent(n) {
					return fmt.Errorf("invalid field name %q", n)
				}
			}
		}
	case SysID, SysLabel:
	default:
		return fmt.Errorf("unknown system field %q", k.System)
	}
	need := func(n int) error {
		if len(k.Values) != n {
			return fmt.Errorf("operator %s takes %d value(s), got %d", k.Op, n, len(k.Values))
		}
		return nil
	}
	switch k.Op {
	case Equals, NotEquals:
		if len(k.Values) == 0 {
			return errors.New("equals needs at least one value")
		}
		for _, v := range k.Values {
			if m, ok := v.(map[string]any); ok {
				if err := validateObject(k, m); err != nil {
					return err
				}
				continue
			}
			if err := checkScalar(v); err != nil {
				return err
			}
		}
	case Empty, NotEmpty:
		return need(0)
	case Greater, GreaterOrEquals, Less, LessOrEquals:
		if err := need(1); err != nil {
			return err
		}
		return checkScalar(k.Values[0])
	case Between:
		if err := need(2); err != nil {
			return err
		}
		if err := checkScalar(k.Values[0]); err != nil {
			return err
		}
		return checkScalar(k.Values[1])
	case Like:
		if len(k.Values) == 0 {
			return errors.New("like needs at least one pattern")
		}
		for _, v := range k.Values {
			s, ok := v.(string)
			if !ok {
				return fmt.Errorf("like pattern must be a string, got %T", v)
			}
			if strings.IndexByte(s, 0) >= 0 {
				return errors.New("like pattern contains a NUL character")
			}
			if isRegex(s) {
				if _, err := regexp.Compile("(?i)" + s[1:len(s)-1]); err != nil {
					return fmt.Errorf("invalid regular expression %q: %w", s, err)
				}
			}
		}
	case Near:
		if k.System != "" || k.Field.Type != types.GeoPoint || k.Sub != "" {
			return errors.New("near needs a geo point field")
		}
		if _, err := NearArgs(k); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unsupported operator %q", k.Op)
	}
	return nil
}

func validateObject(k *Cond, m map[string]any) error {
	if len(m) == 0 {
		return errors.New("equals with an empty object")
	}
	for name, v := range m {
		f := innerField(&k.Target, name)
		if f == nil {
			return fmt.Errorf("equals: %q is not an inner field of %s", name, k.PathString())
		}
		if !ValidIdent(name) {
			return fmt.Errorf("invalid field name %q", name)
		}
		if v == nil {
			continue
		}
		if _, nested := v.(map[string]any); nested {
			return fmt.Errorf("equals: nested object for %q", name)
		}
		if err := checkScalar(v); err != nil {
			return err
		}
	}
	return nil
}

// innerField is the inner field name of a nested group target, or nil.
func innerField(t *Target, name string) *app.Field {
	if t.System != "" || t.Field == nil || t.Field.Type != types.Nested || t.Sub != "" {
		return nil
	}
	for _, f := range t.Field.Nested {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// checkScalar accepts the value types a store binds.
func checkScalar(v any) error {
	switch x := v.(type) {
	case nil, string, int64, float64, bool, int, int8, int16, int32, uint8, uint16, uint32, float32, json.Number:
		return nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return fmt.Errorf("value %d out of range", x)
		}
		return nil
	case uint64:
		if x > math.MaxInt64 {
			return fmt.Errorf("value %d out of range", x)
		}
		return nil
	}
	return fmt.Errorf("unsupported query value of type %T", v)
}

// NearArgs returns the latitude, longitude and the optional minimum and
// maximum distance (NaN when absent) of a near condition.
func NearArgs(k *Cond) ([4]float64, error) {
	out := [4]float64{0, 0, math.NaN(), math.NaN()}
	if len(k.Values) < 2 || len(k.Values) > 4 {
		return out, fmt.Errorf("near takes 2 to 4 values, got %d", len(k.Values))
	}
	for i, v := range k.Values {
		f, ok := v.(float64)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return out, fmt.Errorf("near value %d must be a finite float64, got %T", i+1, v)
		}
		out[i] = f
	}
	return out, nil
}

// ---- evaluation ----

func (r *matcher) expr(x Expr) bool {
	switch x := x.(type) {
	case nil:
		return true
	case And:
		for _, y := range x {
			if !r.expr(y) {
				return false
			}
		}
		return true
	case Or:
		for _, y := range x {
			if r.expr(y) {
				return true
			}
		}
		return false
	case *Cond:
		return r.cond(x)
	case *Text:
		return TextContains(LowerTerms(x.Terms), TextColumns(x.Fields, r.root))
	}
	return false
}

func (r *matcher) cond(k *Cond) bool {
	if k.System != "" {
		v := r.id
		if k.System == SysLabel {
			v = r.label
		}
		return leaf(k, v, v)
	}
	if hasManyStep(k.Path) {
		switch k.Op {
		case NotEquals:
			pos := *k
			pos.Op = Equals
			return !at(&pos, r.root, k.Path)
		case Empty:
			pos := *k
			pos.Op = NotEmpty
			return !at(&pos, r.root, k.Path)
		}
	}
	return at(k, r.root, k.Path)
}

func hasManyStep(steps []Step) bool {
	for _, s := range steps {
		if s.Many {
			return true
		}
	}
	return false
}

// at mirrors the store's json_extract / EXISTS(json_each) walk: single steps
// are followed, a many step holds when any element matches the rest.
func at(k *Cond, base any, steps []Step) bool {
	i := 0
	for i < len(steps) && !steps[i].Many {
		i++
	}
	names := make([]string, 0, len(steps)+1)
	for _, s := range steps[:min(i+1, len(steps))] {
		names = append(names, s.Name)
	}
	if i == len(steps) {
		if k.Op == Near {
			return nearLeaf(k, extract(base, append(names, "latitude")), extract(base, append(names, "longitude")))
		}
		if sub := leafSub(&k.Target); sub != "" {
			names = append(names, strings.Split(sub, ".")...)
		}
		raw := extract(base, names)
		return leaf(k, raw, sqlValue(raw))
	}
	for _, el := range jsonEach(extract(base, names)) {
		if at(k, el, steps[i+1:]) {
			return true
		}
	}
	return false
}

// extract is json_extract(base, '$.n1.n2…'): nil unless every step is an
// object member.
func extract(base any, names []string) any {
	for _, n := range names {
		m, ok := plain(base).(map[string]any)
		if !ok {
			return nil
		}
		base = m[n]
	}
	return plain(base)
}

// plain turns containers of other Go types ([]string, map[string]string,
// structs…) into the []any / map[string]any shape of decoded JSON, the way
// the record encoder would write them; other values are returned as is.
func plain(v any) any {
	switch v.(type) {
	case nil, string, bool, int64, float64, json.Number, map[string]any, []any:
		return v
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct, reflect.Pointer:
		b, err := json.Marshal(v)
		if err != nil {
			return nil
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var out any
		if d.Decode(&out) != nil {
			return nil
		}
		return out
	}
	return v
}

// jsonEach is json_each: the elements of an array, the member values of an
// object, a scalar itself, nothing for null.
func jsonEach(v any) []any {
	switch x := plain(v).(type) {
	case nil:
		return nil
	case []any:
		return x
	case map[string]any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			out = append(out, e)
		}
		return out
	}
	return []any{v}
}

// leafSub is the member of a structured value a target addresses (as the
// store's leafSub).
func leafSub(t *Target) string {
	if t.Sub == SubWhole {
		return ""
	}
	if t.Sub != "" || t.Field == nil {
		return t.Sub
	}
	return naturalMember(t.Field)
}

// leafKind is the type a target's value is compared as.
func leafKind(t *Target) string {
	if t.System != "" || t.Field == nil || t.Sub != "" {
		return types.Text
	}
	return t.Field.Type
}

// leaf applies k's operator to one value: raw as found in the record, e as
// SQL sees it.
func leaf(k *Cond, raw, e any) bool {
	kind := leafKind(&k.Target)
	switch ComparedAs(kind, k.Op) {
	case VisibleText:
		if s, ok := goText(e); ok {
			e = types.HTMLText(s)
		}
		kind = types.Text
	case Digits:
		if s, ok := goText(e); ok {
			e = digitsOf(s)
		} else {
			e = nil
		}
		k = &Cond{Target: k.Target, Op: k.Op, Values: PhoneLikePatterns(k.Values)}
	case MaskRaw:
		if s, ok := goText(e); ok {
			e = types.MaskRaw(k.Field.Rules.Mask, s)
		} else {
			e = nil
		}
	}
	switch k.Op {
	case Equals:
		return equalsAny(&k.Target, raw, e, kind, k.Values)
	case NotEquals:
		return e == nil || !equalsAny(&k.Target, raw, e, kind, k.Values)
	case Empty:
		return e == nil || isEmptyText(e)
	case NotEmpty:
		return e != nil && !isEmptyText(e)
	case Greater, GreaterOrEquals, Less, LessOrEquals:
		p := bound(k.Values[0])
		c, ok := compareAs(kind, e, p)
		if !ok {
			return false
		}
		switch k.Op {
		case Greater:
			return c > 0
		case GreaterOrEquals:
			return c >= 0
		case Less:
			return c < 0
		}
		return c <= 0
	case Between:
		lo, hi := bound(k.Values[0]), bound(k.Values[1])
		c1, ok1 := compareAs(kind, e, lo)
		c2, ok2 := compareAs(kind, e, hi)
		return ok1 && ok2 && c1 >= 0 && c2 <= 0
	case Like:
		return likeAny(e, k.Values)
	}
	return false
}

// compareAs orders e and p as the store does: big numbers, decimal strings
// under the decimal collation, exactly; everything else by SQLite's rules.
func compareAs(kind string, e, p any) (int, bool) {
	if kind == types.BigNumber && e != nil && p != nil && class(e) == 2 && class(p) == 2 {
		return CompareDecimals(textOf(e), textOf(p)), true
	}
	return sqlCompare(e, p)
}

func isEmptyText(e any) bool {
	s, ok := e.(string)
	return ok && s == ""
}

// equalsAny is "e IN (values)" with the store's per-kind rules: email
// compares ASCII-lowercased, phone by digits; an object value is nested-group
// equality.
func equalsAny(t *Target, raw, e any, kind string, values []any) bool {
	for _, v := range values {
		if m, ok := v.(map[string]any); ok {
			if objectEquals(t, raw, m) {
				return true
			}
			continue
		}
		if scalarEquals(e, kind, v) {
			return true
		}
	}
	return false
}

func scalarEquals(e any, kind string, v any) bool {
	p := bound(v)
	switch kind {
	case types.Email:
		e, p = sqlLower(e), sqlLower(p)
	case types.Phone:
		if s, ok := v.(string); ok {
			p = digitsOf(s)
		}
		if s, ok := goText(e); ok {
			e = digitsOf(s)
		} else {
			e = nil
		}
	}
	c, ok := sqlCompare(e, p)
	return ok && c == 0
}

// objectEquals: every listed inner field of the item e equals its value
// (nil: the inner field is missing); many-valued inner fields hold when any
// element equals.
func objectEquals(t *Target, e any, m map[string]any) bool {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range keys {
		f := innerField(t, name)
		x := extract(e, []string{name})
		if m[name] == nil {
			if x != nil {
				return false
			}
			continue
		}
		kind, member := f.Type, ObjectMember(f)
		if member != "" {
			kind = types.Text
		}
		one := func(el any) bool {
			if member != "" {
				el = extract(el, []string{member})
			}
			return scalarEquals(sqlValue(el), kind, m[name])
		}
		ok := false
		if f.Many {
			for _, el := range jsonEach(x) {
				if one(el) {
					ok = true
					break
				}
			}
		} else {
			ok = one(x)
		}
		if !ok {
			return false
		}
	}
	return true
}

func likeAny(e any, patterns []any) bool {
	for _, v := range patterns {
		s := v.(string)
		if isRegex(s) {
			re, err := compileRegexp("(?i)" + s[1:len(s)-1])
			if err != nil {
				continue // the store errors out the same way at run time
			}
			if t, ok := goText(e); ok && re.MatchString(t) {
				return true
			}
			continue
		}
		mode := 0
		switch {
		case strings.HasPrefix(s, "/"):
			mode, s = 1, s[1:]
		case strings.HasSuffix(s, "/"):
			mode, s = 2, s[:len(s)-1]
		}
		pat := strings.ToLower(s)
		t, ok := goText(e)
		if !ok {
			continue
		}
		t = strings.ToLower(t)
		switch mode {
		case 1:
			ok = strings.HasPrefix(t, pat)
		case 2:
			ok = strings.HasSuffix(t, pat)
		default:
			ok = strings.Contains(t, pat)
		}
		if ok {
			return true
		}
	}
	return false
}

func nearLeaf(k *Cond, lat, lng any) bool {
	args, _ := NearArgs(k)
	if !math.IsNaN(args[3]) {
		// the store's latitude band (index range)
		lo, hi := NearBand(args[0], args[3])
		c1, ok1 := sqlCompare(sqlValue(lat), lo)
		c2, ok2 := sqlCompare(sqlValue(lat), hi)
		if !ok1 || !ok2 || c1 < 0 || c2 > 0 {
			return false
		}
	}
	d, ok := DistanceOf(sqlValue(lat), sqlValue(lng), args[0], args[1])
	if !ok {
		return false
	}
	if !math.IsNaN(args[2]) && d < args[2] {
		return false
	}
	if !math.IsNaN(args[3]) && d > args[3] {
		return false
	}
	return true
}

// DistanceOf is Distance for SQL values: latitude and longitude must be
// numbers (int64 or float64), else there is no distance.
func DistanceOf(lat, lng any, lat0, lng0 float64) (float64, bool) {
	la, ok1 := number(lat)
	lo, ok2 := number(lng)
	if !ok1 || !ok2 {
		return 0, false
	}
	return Distance(la, lo, lat0, lng0), true
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// ---- the SQL value model ----

// jsonText is an object or array as json_extract returns it: JSON text.
type jsonText struct{ v any }

func (j jsonText) text() string {
	b, err := json.Marshal(j.v)
	if err != nil {
		return ""
	}
	return string(b)
}

// sqlValue converts a native or decoded JSON value to what json_extract of
// the stored document yields: nil, int64, float64, string or jsonText.
func sqlValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return x
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case int64:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float64:
		return floatValue(x)
	case float32:
		return floatValue(float64(x))
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return nil
	case map[string]any, []any:
		return jsonText{x}
	}
	// other types go through JSON as the record encoder does
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var back any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if d.Decode(&back) != nil {
		return nil
	}
	return sqlValue(back)
}

// floatValue: a float written to JSON without a fraction reads back as an
// integer when it fits.
func floatValue(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil // written as null
	}
	if f == math.Trunc(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0 {
		return int64(f)
	}
	return f
}

// bound converts a condition value as the store binds it (nil when it
// cannot be bound).
func bound(v any) any {
	b, _ := BindValue(v)
	return b
}

// sqlCompare compares two SQL values as SQLite does without affinity:
// numbers (integer and real compared exactly) before text, text bytewise.
// ok is false when either is NULL.
func sqlCompare(a, b any) (int, bool) {
	if a == nil || b == nil {
		return 0, false
	}
	ca, cb := class(a), class(b)
	if ca != cb {
		if ca < cb {
			return -1, true
		}
		return 1, true
	}
	if ca == 2 {
		return strings.Compare(textOf(a), textOf(b)), true
	}
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmpInt(x, y), true
		case float64:
			return intFloatCompare(x, y), true
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return -intFloatCompare(y, x), true
		case float64:
			return cmpFloat(x, y), true
		}
	}
	return 0, false
}

func class(v any) int {
	switch v.(type) {
	case int64, float64:
		return 1
	}
	return 2
}

func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case jsonText:
		return x.text()
	}
	return ""
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// intFloatCompare is SQLite's sqlite3IntFloatCompare.
func intFloatCompare(i int64, r float64) int {
	if math.IsNaN(r) {
		return 1
	}
	if r < -9223372036854775808.0 {
		return 1
	}
	if r >= 9223372036854775808.0 {
		return -1
	}
	y := int64(r)
	if i < y {
		return -1
	}
	if i > y {
		return 1
	}
	return cmpFloat(float64(i), r)
}

// sqlLower is SQLite's built-in lower(): ASCII only, numbers as text.
func sqlLower(v any) any {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		s = x
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = sqliteReal(x)
	case jsonText:
		s = x.text()
	}
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// sqliteReal renders a REAL as SQLite's text conversion does ("%!.15g").
func sqliteReal(f float64) string {
	s := strconv.FormatFloat(f, 'g', 15, 64)
	if !strings.ContainsAny(s, ".eEnN") {
		s += ".0"
	}
	return s
}

// goText renders a SQL value as the store's Go functions receive it: text
// up to its first NUL byte, numbers formatted; false for NULL.
func goText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return goString(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case jsonText:
		return goString(x.text()), true
	}
	return "", false
}

// goString is a string as it reaches a Go function registered in SQLite (C
// string: up to the first NUL).
func goString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// Compiled regular expressions, shared, bounded (emptied when full).
var reCache = struct {
	sync.RWMutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

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
	if len(reCache.m) >= 256 {
		clear(reCache.m)
	}
	reCache.m[pat] = re
	reCache.Unlock()
	return re, nil
}

// Leaf returns the member names from the record root to the value a
// condition on the field target t compares, and the type Match compares
// it as (a store compiling a condition over other columns reads the same
// value); nil names for a system target.
func (t *Target) Leaf() (names []string, kind string) {
	if t.System != "" {
		return nil, types.Text
	}
	for _, s := range t.Path {
		names = append(names, s.Name)
	}
	if sub := leafSub(t); sub != "" {
		names = append(names, strings.Split(sub, ".")...)
	}
	return names, leafKind(t)
}
