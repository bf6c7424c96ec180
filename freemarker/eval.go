package freemarker

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Hash is a model object whose keys keep their order (a map[string]any is
// also accepted; its keys are listed sorted).
type Hash struct {
	Keys   []string
	Values map[string]any
}

// Options tune one rendering.
type Options struct {
	// Location is the time zone dates print in (nil: UTC).
	Location *time.Location
	// Stop, when closed, ends the rendering with ErrStopped.
	Stop <-chan struct{}
	// MaxOutput bounds the output in bytes (0: 16 MiB).
	MaxOutput int
	// MaxSteps bounds the work: directives, text and interpolations run
	// (0: 10 million).
	MaxSteps int
}

// Errors that end a rendering early.
var (
	ErrStopped  = errors.New("freemarker: rendering stopped")
	ErrTooLarge = errors.New("freemarker: the output is too large")
	ErrTooLong  = errors.New("freemarker: the template does too much work (loops too long)")
)

// Model values: nil (missing), string, float64, bool, time.Time, []any,
// Hash, map[string]any. Input numbers (json.Number, ints) are read as
// float64.

// missing is an undefined or null value, with the expression it came from.
type missing struct{ desc string }

// loopVar is a <#list> loop variable.
type loopVar struct {
	name, alias   string // alias: the second variable of a hash listing
	val, aliasVal any
	index, size   int
}

type state struct {
	t       *Template
	model   any
	globals map[string]any
	loops   []*loopVar
	out     strings.Builder
	opts    Options
	steps   int
}

// errBreak is how <#break> leaves its loop or switch.
var errBreak = errors.New("break")

// Execute renders t with model (a Hash or map[string]any; nil: empty).
func (t *Template) Execute(model any, opts Options) (string, error) {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.MaxOutput <= 0 {
		opts.MaxOutput = 16 << 20
	}
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = 10_000_000
	}
	s := &state{t: t, model: model, globals: map[string]any{}, opts: opts}
	if err := s.run(t.body); err != nil && !errors.Is(err, errBreak) {
		return "", err
	}
	return s.out.String(), nil
}

// tick counts work: every 1024 steps it looks at Stop.
func (s *state) tick() error {
	s.steps++
	if s.steps&1023 == 0 && s.opts.Stop != nil {
		select {
		case <-s.opts.Stop:
			return ErrStopped
		default:
		}
	}
	if s.out.Len() > s.opts.MaxOutput {
		return ErrTooLarge
	}
	if s.steps > s.opts.MaxSteps {
		return ErrTooLong
	}
	return nil
}

// charge counts n steps of work done inside one expression (a range
// built, a sequence sorted or joined).
func (s *state) charge(n int) error {
	s.steps += n
	if s.steps > s.opts.MaxSteps {
		return ErrTooLong
	}
	return s.tick()
}

func (s *state) errAt(pos int, err error) error {
	if err == nil {
		return nil
	}
	var fe *Error
	if errors.As(err, &fe) || errors.Is(err, ErrStopped) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrTooLong) || errors.Is(err, errBreak) {
		return err
	}
	return errAt(s.t.src, pos, "%v", err)
}

func (s *state) run(nodes []node) error {
	for _, n := range nodes {
		if err := s.tick(); err != nil {
			return err
		}
		if err := s.node(n); err != nil {
			return err
		}
	}
	return nil
}

func (s *state) node(n node) error {
	switch n := n.(type) {
	case textNode:
		s.out.WriteString(n.s)
	case interpNode:
		v, err := s.eval(n.x)
		if err == nil {
			var str string
			if str, err = s.display(v); err == nil {
				s.out.WriteString(str)
			}
		}
		return s.errAt(n.pos, err)
	case ifNode:
		for i, c := range n.conds {
			ok, err := s.truth(c)
			if err != nil {
				return s.errAt(n.pos[i], err)
			}
			if ok {
				return s.run(n.bodies[i])
			}
		}
		if len(n.bodies) > len(n.conds) {
			return s.run(n.bodies[len(n.conds)])
		}
	case listNode:
		return s.list(n)
	case sepNode:
		if len(s.loops) == 0 {
			return nil
		}
		if lv := s.loops[len(s.loops)-1]; lv.index < lv.size-1 {
			return s.run(n.body)
		}
	case breakNode:
		return errBreak
	case assignNode:
		return s.errAt(n.pos, s.assign(n))
	case switchNode:
		return s.switchOn(n)
	}
	return nil
}

func (s *state) list(n listNode) error {
	v, err := s.eval(n.seq)
	if err != nil {
		return s.errAt(n.pos, err)
	}
	lv := &loopVar{name: n.key, alias: n.value}
	var keys []string
	var vals []any
	var h Hash
	switch x := v.(type) {
	case []any:
		vals = x
	case Hash, map[string]any:
		h = asHash(x)
		keys = h.Keys
	case missing:
		return s.errAt(n.pos, missingErr(x))
	default:
		return s.errAt(n.pos, fmt.Errorf("<#list> needs a sequence or a hash, got %s", typeName(v)))
	}
	if n.value != "" && keys == nil {
		return s.errAt(n.pos, fmt.Errorf("<#list … as %s, %s> needs a hash", n.key, n.value))
	}
	lv.size = len(vals) + len(keys)
	if lv.size == 0 {
		return s.run(n.els)
	}
	s.loops = append(s.loops, lv)
	defer func() { s.loops = s.loops[:len(s.loops)-1] }()
	for i := 0; i < lv.size; i++ {
		lv.index = i
		if keys != nil {
			lv.val = keys[i]
			lv.aliasVal = h.Values[keys[i]]
		} else {
			lv.val = vals[i]
		}
		if err := s.run(n.body); err != nil {
			if errors.Is(err, errBreak) {
				return nil
			}
			return err
		}
	}
	return nil
}

func (s *state) assign(n assignNode) error {
	for i, name := range n.names {
		var v any
		var err error
		if n.vals[i] != nil {
			if v, err = s.eval(n.vals[i]); err != nil {
				return err
			}
		}
		switch n.ops[i] {
		case "=":
			if m, ok := v.(missing); ok {
				return missingErr(m)
			}
		case "+=", "-=", "++", "--":
			cur, err := s.eval(variable{name})
			if err != nil {
				return err
			}
			switch n.ops[i] {
			case "++":
				v = 1.0
			case "--":
				v = -1.0
			}
			op := "+"
			if n.ops[i] == "-=" {
				op = "-"
			}
			if v, err = arith(op, cur, v); err != nil {
				return err
			}
		}
		s.globals[name] = v
	}
	return nil
}

func (s *state) switchOn(n switchNode) error {
	v, err := s.eval(n.x)
	if err != nil {
		return s.errAt(n.pos, err)
	}
	if m, ok := v.(missing); ok {
		return s.errAt(n.pos, missingErr(m))
	}
	start := -1
	for i, vals := range n.cases {
		for _, cx := range vals {
			cv, err := s.eval(cx)
			if err != nil {
				return s.errAt(n.pos, err)
			}
			if eq, err := equal(v, cv); err != nil {
				return s.errAt(n.pos, err)
			} else if eq {
				start = i
				break
			}
		}
		if start >= 0 {
			break
		}
	}
	if start < 0 {
		for i, vals := range n.cases {
			if vals == nil {
				start = i
				break
			}
		}
	}
	if start < 0 {
		return nil
	}
	for _, body := range n.bodies[start:] { // falls through until <#break>
		if err := s.run(body); err != nil {
			if errors.Is(err, errBreak) {
				return nil
			}
			return err
		}
	}
	return nil
}

// truth evaluates a condition, which must be a boolean.
func (s *state) truth(x expr) (bool, error) {
	v, err := s.eval(x)
	if err != nil {
		return false, err
	}
	switch b := v.(type) {
	case bool:
		return b, nil
	case missing:
		return false, missingErr(b)
	}
	return false, fmt.Errorf("a condition must be a boolean, got %s", typeName(v))
}

func missingErr(m missing) error {
	return fmt.Errorf("%s is missing or null (give a default with %s!\"…\" or test it with %s??)", m.desc, m.desc, m.desc)
}

// display is how ${…} prints a value.
func (s *state) display(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return formatNumber(x, "number")
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case time.Time:
		return formatDate(x, "yyyy-MM-dd HH:mm:ss", s.opts.Location), nil
	case missing:
		return "", missingErr(x)
	}
	return "", fmt.Errorf("%s cannot be printed: list it, or pick a value from it", typeName(v))
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date"
	case []any:
		return "a sequence"
	case Hash, map[string]any:
		return "a hash"
	case missing:
		return "a missing value"
	}
	return fmt.Sprintf("%T", v)
}

// describe is an expression as text, for messages about missing values.
func describe(x expr) string {
	switch x := x.(type) {
	case variable:
		return x.name
	case dot:
		return describe(x.x) + "." + x.name
	case index:
		return describe(x.x) + "[…]"
	case builtin:
		return describe(x.x) + "?" + x.name
	}
	return "the value"
}

// normalize reads an input value into the model's kinds.
func normalize(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case float32:
		return float64(x)
	}
	return v
}

func asHash(v any) Hash {
	switch x := v.(type) {
	case Hash:
		return x
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return Hash{Keys: keys, Values: x}
	}
	return Hash{}
}

func (s *state) lookup(name string) any {
	for i := len(s.loops) - 1; i >= 0; i-- {
		lv := s.loops[i]
		switch name {
		case lv.name:
			return normalize(lv.val)
		case lv.alias:
			return normalize(lv.aliasVal)
		case lv.name + "_index":
			return float64(lv.index)
		case lv.name + "_has_next":
			return lv.index < lv.size-1
		}
	}
	if v, ok := s.globals[name]; ok {
		return v
	}
	if s.model != nil {
		h := asHash(s.model)
		if v, ok := h.Values[name]; ok && v != nil {
			return normalize(v)
		}
	}
	return missing{name}
}

func (s *state) loopOf(x expr) *loopVar {
	v, ok := x.(variable)
	if !ok {
		return nil
	}
	for i := len(s.loops) - 1; i >= 0; i-- {
		if lv := s.loops[i]; lv.name == v.name || lv.alias == v.name {
			return lv
		}
	}
	return nil
}

func (s *state) eval(x expr) (any, error) {
	switch x := x.(type) {
	case literal:
		return x.v, nil
	case variable:
		return s.lookup(x.name), nil
	case dot:
		return s.member(x.x, literal{x.name}, describe(x))
	case index:
		return s.member(x.x, x.i, describe(x))
	case seqLit:
		out := make([]any, len(x.items))
		for i, it := range x.items {
			v, err := s.eval(it)
			if err != nil {
				return nil, err
			}
			if m, ok := v.(missing); ok {
				return nil, missingErr(m)
			}
			out[i] = v
		}
		return out, nil
	case hashLit:
		h := Hash{Values: map[string]any{}}
		for i := range x.keys {
			k, err := s.eval(x.keys[i])
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("a hash key must be a string, got %s", typeName(k))
			}
			v, err := s.eval(x.vals[i])
			if err != nil {
				return nil, err
			}
			if _, seen := h.Values[ks]; !seen {
				h.Keys = append(h.Keys, ks)
			}
			h.Values[ks] = v
		}
		return h, nil
	case rangeX:
		return s.rangeOf(x)
	case unary:
		return s.unary(x)
	case binary:
		return s.binary(x)
	case defaulted:
		v, err := s.eval(x.x)
		if err != nil {
			return nil, err
		}
		if _, isMissing := v.(missing); !isMissing {
			return v, nil
		}
		if x.def == nil {
			return "", nil
		}
		return s.eval(x.def)
	case exists:
		v, err := s.eval(x.x)
		if err != nil {
			return nil, err
		}
		_, isMissing := v.(missing)
		return !isMissing, nil
	case builtin:
		return s.builtin(x)
	}
	return nil, fmt.Errorf("unknown expression %T", x)
}

// member reads key of the value of x (a hash key or a sequence index); a
// missing container gives a missing member.
func (s *state) member(x, key expr, desc string) (any, error) {
	v, err := s.eval(x)
	if err != nil {
		return nil, err
	}
	k, err := s.eval(key)
	if err != nil {
		return nil, err
	}
	switch c := v.(type) {
	case missing:
		return missing{desc}, nil
	case Hash, map[string]any:
		ks, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("%s: a hash is indexed by a string", desc)
		}
		if m, ok := c.(map[string]any); ok {
			if e, ok := m[ks]; ok && e != nil {
				return normalize(e), nil
			}
			return missing{desc}, nil
		}
		if e, ok := c.(Hash).Values[ks]; ok && e != nil {
			return normalize(e), nil
		}
		return missing{desc}, nil
	case []any:
		if r, ok := k.([]any); ok { // seq[1..2]
			return r, nil
		}
		f, ok := k.(float64)
		if !ok {
			return nil, fmt.Errorf("%s: a sequence is indexed by a number", desc)
		}
		i := int(f)
		if i < 0 || i >= len(c) || c[i] == nil {
			return missing{desc}, nil
		}
		return normalize(c[i]), nil
	case string:
		f, ok := k.(float64)
		if !ok {
			return nil, fmt.Errorf("%s: a string is indexed by a number", desc)
		}
		r := []rune(c)
		if i := int(f); i >= 0 && i < len(r) {
			return string(r[i]), nil
		}
		return nil, fmt.Errorf("%s: index %d is out of the string", desc, int(f))
	}
	return nil, fmt.Errorf("%s: %s has no members", desc, typeName(v))
}

// maxRange bounds a range's length (ranges are made into sequences).
const maxRange = 1 << 20

func (s *state) rangeOf(x rangeX) (any, error) {
	from, err := s.number(x.from)
	if err != nil {
		return nil, err
	}
	if x.to == nil {
		return nil, fmt.Errorf("an open range (%v..) can only slice a sequence", from)
	}
	to, err := s.number(x.to)
	if err != nil {
		return nil, err
	}
	a, b := int(from), int(to)
	step := 1
	if b < a {
		step = -1
	}
	if x.exclusive {
		if a == b {
			return []any{}, nil
		}
		b -= step
	}
	if (b-a)*step+1 > maxRange {
		return nil, fmt.Errorf("the range %d..%d is longer than %d", a, b, maxRange)
	}
	if err := s.charge((b-a)*step + 1); err != nil {
		return nil, err
	}
	out := make([]any, 0, (b-a)*step+1)
	for i := a; ; i += step {
		out = append(out, float64(i))
		if i == b {
			break
		}
	}
	return out, nil
}

func (s *state) number(x expr) (float64, error) {
	v, err := s.eval(x)
	if err != nil {
		return 0, err
	}
	switch n := v.(type) {
	case float64:
		return n, nil
	case missing:
		return 0, missingErr(n)
	}
	return 0, fmt.Errorf("expected a number, got %s", typeName(v))
}

func (s *state) unary(x unary) (any, error) {
	if x.op == "!" {
		b, err := s.truth(x.x)
		return !b, err
	}
	n, err := s.number(x.x)
	if x.op == "-" {
		n = -n
	}
	return n, err
}

func (s *state) binary(x binary) (any, error) {
	switch x.op {
	case "&&", "||":
		l, err := s.truth(x.l)
		if err != nil || l == (x.op == "||") {
			return l, err
		}
		return s.truth(x.r)
	}
	l, err := s.eval(x.l)
	if err != nil {
		return nil, err
	}
	r, err := s.eval(x.r)
	if err != nil {
		return nil, err
	}
	for _, v := range []any{l, r} {
		if m, ok := v.(missing); ok {
			return nil, missingErr(m)
		}
	}
	switch x.op {
	case "==", "!=":
		eq, err := equal(l, r)
		return eq == (x.op == "=="), err
	case "<", "<=", ">", ">=":
		c, err := compare(l, r)
		if err != nil {
			return nil, err
		}
		switch x.op {
		case "<":
			return c < 0, nil
		case "<=":
			return c <= 0, nil
		case ">":
			return c > 0, nil
		}
		return c >= 0, nil
	}
	if err := s.charge(sizeOf(l) + sizeOf(r)); err != nil {
		return nil, err
	}
	out, err := arith(x.op, l, r)
	if err != nil {
		return nil, err
	}
	return out, s.bounded(out)
}

// bounded refuses a string value longer than the output may be (a
// template doubling a string in a loop would exhaust memory first).
func (s *state) bounded(v any) error {
	if str, ok := v.(string); ok && len(str) > s.opts.MaxOutput {
		return ErrTooLarge
	}
	return nil
}

// sizeOf is the number of elements of a sequence or hash (0 otherwise).
func sizeOf(v any) int {
	switch x := v.(type) {
	case []any:
		return len(x)
	case Hash:
		return len(x.Keys)
	case map[string]any:
		return len(x)
	case string:
		return len(x) / 64
	}
	return 0
}

func arith(op string, l, r any) (any, error) {
	if op == "+" {
		switch a := l.(type) {
		case []any:
			if b, ok := r.([]any); ok {
				return append(append([]any{}, a...), b...), nil
			}
		case Hash, map[string]any:
			if _, ok := r.(Hash); ok || isMap(r) {
				ha, hb := asHash(a), asHash(r)
				out := Hash{Keys: append([]string{}, ha.Keys...), Values: map[string]any{}}
				for k, v := range ha.Values {
					out.Values[k] = v
				}
				for _, k := range hb.Keys {
					if _, seen := out.Values[k]; !seen {
						out.Keys = append(out.Keys, k)
					}
					out.Values[k] = hb.Values[k]
				}
				return out, nil
			}
		}
		_, ln := l.(float64)
		_, rn := r.(float64)
		if !ln || !rn {
			ls, err := concatText(l)
			if err != nil {
				return nil, err
			}
			rs, err := concatText(r)
			if err != nil {
				return nil, err
			}
			return ls + rs, nil
		}
	}
	a, ok1 := l.(float64)
	b, ok2 := r.(float64)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%q needs numbers, got %s and %s", op, typeName(l), typeName(r))
	}
	switch op {
	case "+":
		return a + b, nil
	case "-":
		return a - b, nil
	case "*":
		return a * b, nil
	case "/":
		if b == 0 {
			return nil, errors.New("division by zero")
		}
		return a / b, nil
	case "%":
		if b == 0 {
			return nil, errors.New("division by zero")
		}
		return math.Mod(a, b), nil
	}
	return nil, fmt.Errorf("unknown operator %q", op)
}

func isMap(v any) bool { _, ok := v.(map[string]any); return ok }

func concatText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return formatNumber(x, "number")
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("%s cannot be added to a string", typeName(v))
}

func equal(l, r any) (bool, error) {
	switch a := l.(type) {
	case string:
		if b, ok := r.(string); ok {
			return a == b, nil
		}
	case float64:
		if b, ok := r.(float64); ok {
			return a == b, nil
		}
	case bool:
		if b, ok := r.(bool); ok {
			return a == b, nil
		}
	case time.Time:
		if b, ok := r.(time.Time); ok {
			return a.Equal(b), nil
		}
	}
	return false, fmt.Errorf("cannot compare %s with %s", typeName(l), typeName(r))
}

func compare(l, r any) (int, error) {
	switch a := l.(type) {
	case float64:
		if b, ok := r.(float64); ok {
			switch {
			case a < b:
				return -1, nil
			case a > b:
				return 1, nil
			}
			return 0, nil
		}
	case string:
		if b, ok := r.(string); ok {
			return strings.Compare(a, b), nil
		}
	case time.Time:
		if b, ok := r.(time.Time); ok {
			return a.Compare(b), nil
		}
	}
	return 0, fmt.Errorf("cannot compare %s with %s", typeName(l), typeName(r))
}
