package freemarker

import (
	"fmt"
	"html"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// builtinFn is a built-in applied to a present value.
type builtinFn func(s *state, v any, args []any) (any, error)

// loopBuiltins read the state of a <#list> loop variable.
var loopBuiltins = map[string]func(lv *loopVar, args []any) (any, error){
	"index":        func(lv *loopVar, _ []any) (any, error) { return float64(lv.index), nil },
	"counter":      func(lv *loopVar, _ []any) (any, error) { return float64(lv.index + 1), nil },
	"has_next":     func(lv *loopVar, _ []any) (any, error) { return lv.index < lv.size-1, nil },
	"is_first":     func(lv *loopVar, _ []any) (any, error) { return lv.index == 0, nil },
	"is_last":      func(lv *loopVar, _ []any) (any, error) { return lv.index == lv.size-1, nil },
	"is_odd_item":  func(lv *loopVar, _ []any) (any, error) { return lv.index%2 == 0, nil },
	"is_even_item": func(lv *loopVar, _ []any) (any, error) { return lv.index%2 == 1, nil },
	"item_parity": func(lv *loopVar, _ []any) (any, error) {
		return map[bool]string{true: "odd", false: "even"}[lv.index%2 == 0], nil
	},
	"item_parity_cap": func(lv *loopVar, _ []any) (any, error) {
		return map[bool]string{true: "Odd", false: "Even"}[lv.index%2 == 0], nil
	},
	"item_cycle": func(lv *loopVar, args []any) (any, error) {
		if len(args) == 0 {
			return nil, fmt.Errorf("?item_cycle needs at least one value")
		}
		return args[lv.index%len(args)], nil
	},
}

// builtins are the value built-ins by name.
var builtins map[string]builtinFn

func init() {
	str := func(f func(string) string) builtinFn {
		return func(_ *state, v any, _ []any) (any, error) {
			s, err := asString(v)
			return f(s), err
		}
	}
	strArg := func(f func(s, a string) any) builtinFn {
		return func(_ *state, v any, args []any) (any, error) {
			s, err := asString(v)
			if err != nil {
				return nil, err
			}
			a, err := stringArg(args, 0)
			if err != nil {
				return nil, err
			}
			return f(s, a), nil
		}
	}
	num := func(f func(float64) float64) builtinFn {
		return func(_ *state, v any, _ []any) (any, error) {
			n, ok := v.(float64)
			if !ok {
				return nil, fmt.Errorf("expected a number, got %s", typeName(v))
			}
			return f(n), nil
		}
	}
	is := func(f func(any) bool) builtinFn {
		return func(_ *state, v any, _ []any) (any, error) { return f(v), nil }
	}
	builtins = map[string]builtinFn{
		"string":           toString,
		"c":                computer,
		"cn":               computer,
		"upper_case":       str(strings.ToUpper),
		"lower_case":       str(strings.ToLower),
		"cap_first":        str(func(s string) string { return mapFirst(s, unicode.ToUpper) }),
		"uncap_first":      str(func(s string) string { return mapFirst(s, unicode.ToLower) }),
		"capitalize":       str(capitalize),
		"trim":             str(strings.TrimSpace),
		"html":             str(html.EscapeString),
		"xhtml":            str(html.EscapeString),
		"xml":              str(html.EscapeString),
		"url":              str(url.QueryEscape),
		"url_path":         str(func(s string) string { return strings.ReplaceAll(url.PathEscape(s), "%2F", "/") }),
		"js_string":        str(jsString),
		"json_string":      str(jsString),
		"chop_linebreak":   str(func(s string) string { return strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r") }),
		"word_list":        wordList,
		"length":           length,
		"contains":         strArg(func(s, a string) any { return strings.Contains(s, a) }),
		"starts_with":      strArg(func(s, a string) any { return strings.HasPrefix(s, a) }),
		"ends_with":        strArg(func(s, a string) any { return strings.HasSuffix(s, a) }),
		"index_of":         strArg(func(s, a string) any { return float64(runeIndex(s, strings.Index(s, a))) }),
		"last_index_of":    strArg(func(s, a string) any { return float64(runeIndex(s, strings.LastIndex(s, a))) }),
		"keep_before":      strArg(func(s, a string) any { b, _, _ := strings.Cut(s, a); return b }),
		"keep_after":       strArg(func(s, a string) any { _, after, _ := strings.Cut(s, a); return after }),
		"remove_beginning": strArg(func(s, a string) any { return strings.TrimPrefix(s, a) }),
		"remove_ending":    strArg(func(s, a string) any { return strings.TrimSuffix(s, a) }),
		"ensure_starts_with": strArg(func(s, a string) any {
			if strings.HasPrefix(s, a) {
				return s
			}
			return a + s
		}),
		"ensure_ends_with": strArg(func(s, a string) any {
			if strings.HasSuffix(s, a) {
				return s
			}
			return s + a
		}),
		"split":        split,
		"replace":      replace,
		"left_pad":     pad(true),
		"right_pad":    pad(false),
		"number":       toNumber,
		"boolean":      toBoolean,
		"round":        num(func(n float64) float64 { return math.Floor(n + 0.5) }),
		"floor":        num(math.Floor),
		"ceiling":      num(math.Ceil),
		"abs":          num(math.Abs),
		"int":          num(math.Trunc),
		"is_nan":       is(func(v any) bool { n, ok := v.(float64); return ok && math.IsNaN(n) }),
		"is_infinite":  is(func(v any) bool { n, ok := v.(float64); return ok && math.IsInf(n, 0) }),
		"is_string":    is(func(v any) bool { _, ok := v.(string); return ok }),
		"is_number":    is(func(v any) bool { _, ok := v.(float64); return ok }),
		"is_boolean":   is(func(v any) bool { _, ok := v.(bool); return ok }),
		"is_date":      is(func(v any) bool { _, ok := v.(time.Time); return ok }),
		"is_date_like": is(func(v any) bool { _, ok := v.(time.Time); return ok }),
		"is_sequence":  is(func(v any) bool { _, ok := v.([]any); return ok }),
		"is_hash":      is(func(v any) bool { _, h := v.(Hash); return h || isMap(v) }),
		"then":         then,
		"size":         size,
		"first":        func(_ *state, v any, _ []any) (any, error) { return nth(v, 0) },
		"last":         func(_ *state, v any, _ []any) (any, error) { return nth(v, -1) },
		"join":         join,
		"reverse":      reverse,
		"sort":         sortSeq,
		"sort_by":      sortBy,
		"seq_contains": seqContains,
		"seq_index_of": seqIndexOf,
		"min":          minMax(-1),
		"max":          minMax(1),
		"keys":         keys,
		"values":       values,
		"long":         long,
		"date":         dateOnly,
		"time":         dateOnly,
		"datetime":     dateOnly,
		"number_to_datetime": func(_ *state, v any, _ []any) (any, error) {
			n, ok := v.(float64)
			if !ok {
				return nil, fmt.Errorf("expected a number of milliseconds, got %s", typeName(v))
			}
			return time.UnixMilli(int64(n)).UTC(), nil
		},
	}
	builtins["number_to_date"] = builtins["number_to_datetime"]
	builtins["number_to_time"] = builtins["number_to_datetime"]
}

func (s *state) builtin(b builtin) (any, error) {
	args := make([]any, len(b.args))
	for i, a := range b.args {
		v, err := s.eval(a)
		if err != nil {
			return nil, err
		}
		if m, ok := v.(missing); ok {
			return nil, missingErr(m)
		}
		args[i] = v
	}
	if lb := loopBuiltins[b.name]; lb != nil {
		lv := s.loopOf(b.x)
		if lv == nil {
			return nil, fmt.Errorf("?%s only applies to a <#list> loop variable", b.name)
		}
		return lb(lv, args)
	}
	v, err := s.eval(b.x)
	if err != nil {
		return nil, err
	}
	if b.name == "has_content" {
		return hasContent(v), nil
	}
	f := builtins[b.name]
	if f == nil {
		return nil, fmt.Errorf("unknown built-in ?%s", b.name)
	}
	if m, ok := v.(missing); ok {
		return nil, missingErr(m)
	}
	// Sorting costs n log n; other built-ins at most n per element.
	if err := s.charge(sizeOf(v) * 20); err != nil {
		return nil, err
	}
	out, err := f(s, v, args)
	if err != nil {
		return nil, fmt.Errorf("?%s: %w", b.name, err)
	}
	return out, s.bounded(out)
}

func hasContent(v any) bool {
	switch x := v.(type) {
	case missing:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case Hash:
		return len(x.Keys) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

func asString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return formatNumber(x, "number")
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("expected a string, got %s", typeName(v))
}

func stringArg(args []any, i int) (string, error) {
	if i >= len(args) {
		return "", fmt.Errorf("argument %d is missing", i+1)
	}
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("argument %d must be a string, got %s", i+1, typeName(args[i]))
	}
	return s, nil
}

func numberArg(args []any, i int) (int, error) {
	if i >= len(args) {
		return 0, fmt.Errorf("argument %d is missing", i+1)
	}
	n, ok := args[i].(float64)
	if !ok {
		return 0, fmt.Errorf("argument %d must be a number, got %s", i+1, typeName(args[i]))
	}
	return int(n), nil
}

// toString is ?string: a number or date in a format, a boolean as one of
// two texts, a string as is.
func toString(s *state, v any, args []any) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		format := "number"
		if len(args) > 0 {
			var err error
			if format, err = stringArg(args, 0); err != nil {
				return nil, err
			}
		}
		return formatNumber(x, format)
	case bool:
		if len(args) == 0 {
			return strconv.FormatBool(x), nil
		}
		if len(args) != 2 {
			return nil, fmt.Errorf("a boolean needs two texts: ?string(\"yes\", \"no\")")
		}
		pick := args[1]
		if x {
			pick = args[0]
		}
		return asString(pick)
	case time.Time:
		pattern := "yyyy-MM-dd HH:mm:ss"
		if len(args) > 0 {
			var err error
			if pattern, err = stringArg(args, 0); err != nil {
				return nil, err
			}
		}
		return formatDate(x, pattern, s.opts.Location), nil
	}
	return nil, fmt.Errorf("%s has no text form", typeName(v))
}

// computer is ?c: numbers without grouping and with all their decimals,
// booleans as true/false.
func computer(_ *state, v any, _ []any) (any, error) {
	switch x := v.(type) {
	case float64:
		return formatNumber(x, "computer")
	case bool:
		return strconv.FormatBool(x), nil
	case string:
		return x, nil
	}
	return nil, fmt.Errorf("expected a number or a boolean, got %s", typeName(v))
}

func mapFirst(s string, f func(rune) rune) string {
	t := strings.TrimLeftFunc(s, unicode.IsSpace)
	r, n := utf8.DecodeRuneInString(t)
	if n == 0 {
		return s
	}
	lead := len(s) - len(t)
	return s[:lead] + string(f(r)) + t[n:]
}

func capitalize(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		if unicode.IsSpace(r) {
			start = true
			b.WriteRune(r)
			continue
		}
		if start {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		start = false
	}
	return b.String()
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `'`, `\'`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "<", `\u003C`, ">", `\u003E`)
	return r.Replace(s)
}

func runeIndex(s string, byteIndex int) int {
	if byteIndex < 0 {
		return -1
	}
	return utf8.RuneCountInString(s[:byteIndex])
}

func length(_ *state, v any, _ []any) (any, error) {
	s, err := asString(v)
	return float64(utf8.RuneCountInString(s)), err
}

func wordList(_ *state, v any, _ []any) (any, error) {
	s, err := asString(v)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, w := range strings.Fields(s) {
		out = append(out, w)
	}
	return out, nil
}

func split(_ *state, v any, args []any) (any, error) {
	s, err := asString(v)
	if err != nil {
		return nil, err
	}
	sep, err := stringArg(args, 0)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, p := range strings.Split(s, sep) {
		out = append(out, p)
	}
	return out, nil
}

func replace(st *state, v any, args []any) (any, error) {
	s, err := asString(v)
	if err != nil {
		return nil, err
	}
	from, err := stringArg(args, 0)
	if err != nil {
		return nil, err
	}
	to, err := stringArg(args, 1)
	if err != nil {
		return nil, err
	}
	n := strings.Count(s, from) // for "": one more than the runes
	if len(s)+n*len(to) > st.opts.MaxOutput {
		return nil, ErrTooLarge
	}
	return strings.ReplaceAll(s, from, to), nil
}

func pad(left bool) builtinFn {
	return func(_ *state, v any, args []any) (any, error) {
		s, err := asString(v)
		if err != nil {
			return nil, err
		}
		n, err := numberArg(args, 0)
		if err != nil {
			return nil, err
		}
		fill := " "
		if len(args) > 1 {
			if fill, err = stringArg(args, 1); err != nil || fill == "" {
				return nil, fmt.Errorf("the padding must be a non-empty string")
			}
		}
		missingRunes := n - utf8.RuneCountInString(s)
		if missingRunes <= 0 {
			return s, nil
		}
		if missingRunes > maxRange {
			return nil, fmt.Errorf("padding to %d characters is too much", n)
		}
		p := []rune(strings.Repeat(fill, missingRunes/utf8.RuneCountInString(fill)+1))[:missingRunes]
		if left {
			return string(p) + s, nil
		}
		return s + string(p), nil
	}
}

func toNumber(_ *state, v any, _ []any) (any, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", x)
		}
		return f, nil
	}
	return nil, fmt.Errorf("expected a string, got %s", typeName(v))
}

func toBoolean(_ *state, v any, _ []any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch x {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not true or false", x)
	}
	return nil, fmt.Errorf("expected a string, got %s", typeName(v))
}

func then(_ *state, v any, args []any) (any, error) {
	b, ok := v.(bool)
	if !ok {
		return nil, fmt.Errorf("expected a boolean, got %s", typeName(v))
	}
	if len(args) != 2 {
		return nil, fmt.Errorf("?then needs two values")
	}
	if b {
		return args[0], nil
	}
	return args[1], nil
}

func size(_ *state, v any, _ []any) (any, error) {
	switch x := v.(type) {
	case []any:
		return float64(len(x)), nil
	case Hash:
		return float64(len(x.Keys)), nil
	case map[string]any:
		return float64(len(x)), nil
	}
	return nil, fmt.Errorf("expected a sequence or a hash, got %s", typeName(v))
}

func seqOf(v any) ([]any, error) {
	x, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("expected a sequence, got %s", typeName(v))
	}
	return x, nil
}

func nth(v any, i int) (any, error) {
	seq, err := seqOf(v)
	if err != nil {
		return nil, err
	}
	if i < 0 {
		i += len(seq)
	}
	if i < 0 || i >= len(seq) || seq[i] == nil {
		return missing{"the element"}, nil
	}
	return normalize(seq[i]), nil
}

func join(_ *state, v any, args []any) (any, error) {
	seq, err := seqOf(v)
	if err != nil {
		return nil, err
	}
	sep, err := stringArg(args, 0)
	if err != nil {
		return nil, err
	}
	parts := make([]string, 0, len(seq))
	for _, e := range seq {
		if e == nil {
			continue
		}
		s, err := asString(normalize(e))
		if err != nil {
			return nil, err
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 && len(args) > 1 {
		return asString(args[1])
	}
	out := strings.Join(parts, sep)
	if len(parts) > 0 && len(args) > 2 {
		suffix, err := asString(args[2])
		if err != nil {
			return nil, err
		}
		out += suffix
	}
	return out, nil
}

func reverse(_ *state, v any, _ []any) (any, error) {
	seq, err := seqOf(v)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(seq))
	for i, e := range seq {
		out[len(seq)-1-i] = e
	}
	return out, nil
}

func sortValues(seq []any, key func(any) (any, error)) ([]any, error) {
	out := make([]any, len(seq))
	keys := make([]any, len(seq))
	for i, e := range seq {
		out[i] = normalize(e)
		k, err := key(out[i])
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	var cmpErr error
	sort.SliceStable(idx, func(a, b int) bool {
		c, err := compare(keys[idx[a]], keys[idx[b]])
		if err != nil && cmpErr == nil {
			cmpErr = err
		}
		return c < 0
	})
	if cmpErr != nil {
		return nil, cmpErr
	}
	sorted := make([]any, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted, nil
}

func sortSeq(_ *state, v any, _ []any) (any, error) {
	seq, err := seqOf(v)
	if err != nil {
		return nil, err
	}
	return sortValues(seq, func(e any) (any, error) { return e, nil })
}

func sortBy(_ *state, v any, args []any) (any, error) {
	seq, err := seqOf(v)
	if err != nil {
		return nil, err
	}
	var path []string
	switch a := firstArg(args).(type) {
	case string:
		path = []string{a}
	case []any:
		for _, p := range a {
			s, ok := p.(string)
			if !ok {
				return nil, fmt.Errorf("?sort_by takes key names")
			}
			path = append(path, s)
		}
	default:
		return nil, fmt.Errorf("?sort_by needs a key name")
	}
	return sortValues(seq, func(e any) (any, error) {
		for _, k := range path {
			h, ok := e.(Hash)
			if !ok && !isMap(e) {
				return nil, fmt.Errorf("?sort_by: an element is not a hash")
			}
			if !ok {
				h = asHash(e)
			}
			e = normalize(h.Values[k])
		}
		return e, nil
	})
}

func firstArg(args []any) any {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

func seqContains(_ *state, v any, args []any) (any, error) {
	i, err := seqIndexOf(nil, v, args)
	return i.(float64) >= 0, err
}

func seqIndexOf(_ *state, v any, args []any) (any, error) {
	seq, err := seqOf(v)
	if err != nil {
		return -1.0, err
	}
	for i, e := range seq {
		if eq, err := equal(normalize(e), firstArg(args)); err == nil && eq {
			return float64(i), nil
		}
	}
	return -1.0, nil
}

func minMax(sign int) builtinFn {
	return func(_ *state, v any, _ []any) (any, error) {
		seq, err := seqOf(v)
		if err != nil {
			return nil, err
		}
		var best any
		for _, e := range seq {
			e = normalize(e)
			if e == nil {
				continue
			}
			if best == nil {
				best = e
				continue
			}
			c, err := compare(e, best)
			if err != nil {
				return nil, err
			}
			if c*sign > 0 {
				best = e
			}
		}
		if best == nil {
			return missing{"the minimum or maximum of an empty sequence"}, nil
		}
		return best, nil
	}
}

func keys(_ *state, v any, _ []any) (any, error) {
	if _, ok := v.(Hash); !ok && !isMap(v) {
		return nil, fmt.Errorf("expected a hash, got %s", typeName(v))
	}
	h := asHash(v)
	out := make([]any, len(h.Keys))
	for i, k := range h.Keys {
		out[i] = k
	}
	return out, nil
}

func values(_ *state, v any, _ []any) (any, error) {
	if _, ok := v.(Hash); !ok && !isMap(v) {
		return nil, fmt.Errorf("expected a hash, got %s", typeName(v))
	}
	h := asHash(v)
	out := make([]any, len(h.Keys))
	for i, k := range h.Keys {
		out[i] = h.Values[k]
	}
	return out, nil
}

func long(_ *state, v any, _ []any) (any, error) {
	switch x := v.(type) {
	case time.Time:
		return float64(x.UnixMilli()), nil
	case float64:
		return math.Trunc(x), nil
	}
	return nil, fmt.Errorf("expected a date, got %s", typeName(v))
}

func dateOnly(_ *state, v any, _ []any) (any, error) {
	if _, ok := v.(time.Time); !ok {
		return nil, fmt.Errorf("expected a date, got %s", typeName(v))
	}
	return v, nil
}
