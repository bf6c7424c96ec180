package freemarker

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// expr is a parsed expression.
type expr interface{}

type (
	literal  struct{ v any }
	variable struct{ name string }
	dot      struct {
		x    expr
		name string
	}
	index  struct{ x, i expr }
	rangeX struct {
		from, to  expr // to nil: open (1..)
		exclusive bool
	}
	binary struct {
		op   string
		l, r expr
	}
	unary struct {
		op string
		x  expr
	}
	defaulted struct{ x, def expr } // x!def (def nil: x!)
	exists    struct{ x expr }      // x??
	builtin   struct {
		x    expr
		name string
		args []expr
		call bool // written with parentheses
	}
	seqLit  struct{ items []expr }
	hashLit struct{ keys, vals []expr }
)

// maxDepth bounds expression nesting (and directive nesting).
const maxDepth = 200

type etok struct {
	kind byte // 'n' number, 's' string, 'i' identifier, 'o' operator, 0 end
	s    string
	pos  int // offset in the template
}

// exprParser parses one expression (or a directive's parameters).
type exprParser struct {
	src   string // the template (for positions)
	toks  []etok
	i     int
	depth int
}

var operators = []string{"..<", "..!", "..", "==", "!=", "<=", ">=", "&&", "||", "??", "+=", "-=", "++", "--",
	"+", "-", "*", "/", "%", "<", ">", "=", "!", "(", ")", "[", "]", "{", "}", ",", ".", "?", ":", ";", "&", "|"}

// tokenize splits s, found at offset base of the template.
func tokenize(src, s string, base int) ([]etok, error) {
	var out []etok
	for i := 0; i < len(s); {
		c := s[i]
		pos := base + i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j+1 < len(s) && s[j] == '.' && s[j+1] >= '0' && s[j+1] <= '9' {
				j++
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
			}
			out = append(out, etok{'n', s[i:j], pos})
			i = j
		case c == '"' || c == '\'' || c == 'r' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\''):
			raw := c == 'r'
			q := i
			if raw {
				q++
			}
			end, ok := stringEnd(s, q)
			if !ok {
				return nil, errAt(src, pos, "unclosed string literal")
			}
			body := s[q+1 : end]
			if !raw {
				var err error
				if body, err = unescape(body); err != nil {
					return nil, errAt(src, pos, "%v", err)
				}
			}
			out = append(out, etok{'s', body, pos})
			i = end + 1
		case c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			j := i
			for j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r >= 0x80) {
					break
				}
				j += n
			}
			out = append(out, etok{'i', s[i:j], pos})
			i = j
		default:
			op := ""
			for _, o := range operators {
				if strings.HasPrefix(s[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return nil, errAt(src, pos, "unexpected character %q", c)
			}
			out = append(out, etok{'o', op, pos})
			i += len(op)
		}
	}
	return append(out, etok{0, "", base + len(s)}), nil
}

func errAt(src string, pos int, format string, args ...any) *Error {
	line, col := position(src, pos)
	return &Error{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// unescape reads the escapes of a FreeMarker string literal.
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'l':
			b.WriteByte('<')
		case 'g':
			b.WriteByte('>')
		case 'a':
			b.WriteByte('&')
		case 'x':
			j := i + 1
			for j < len(s) && j < i+5 && strings.IndexByte("0123456789abcdefABCDEF", s[j]) >= 0 {
				j++
			}
			n, err := strconv.ParseUint(s[i+1:j], 16, 32)
			if err != nil {
				return "", fmt.Errorf("bad \\x escape")
			}
			b.WriteRune(rune(n))
			i = j - 1
		default: // \" \' \\ \{ \=
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

func newExprParser(src, s string, base int) (*exprParser, error) {
	toks, err := tokenize(src, s, base)
	if err != nil {
		return nil, err
	}
	return &exprParser{src: src, toks: toks}, nil
}

func (p *exprParser) peek() etok { return p.toks[p.i] }

// peekAt is the token k places ahead (the end token past the end).
func (p *exprParser) peekAt(k int) etok {
	if p.i+k >= len(p.toks) {
		return p.toks[len(p.toks)-1]
	}
	return p.toks[p.i+k]
}
func (p *exprParser) next() etok  { t := p.toks[p.i]; p.i++; return t }
func (p *exprParser) atEnd() bool { return p.peek().kind == 0 }

func (p *exprParser) is(op string) bool {
	t := p.peek()
	return t.kind == 'o' && t.s == op || t.kind == 'i' && t.s == op && isWordOp(op)
}

func isWordOp(s string) bool {
	switch s {
	case "as", "in", "using", "lt", "lte", "gt", "gte":
		return true
	}
	return false
}

func (p *exprParser) accept(op string) bool {
	if p.is(op) {
		p.i++
		return true
	}
	return false
}

func (p *exprParser) expect(op string) error {
	if !p.accept(op) {
		return p.errHere("expected %q", op)
	}
	return nil
}

func (p *exprParser) errHere(format string, args ...any) error {
	t := p.peek()
	msg := fmt.Sprintf(format, args...)
	if t.kind == 0 {
		msg += ", found the end of the expression"
	} else {
		msg += fmt.Sprintf(", found %q", t.s)
	}
	return errAt(p.src, t.pos, "%s", msg)
}

// parseExpr parses an expression at the lowest precedence.
func (p *exprParser) parseExpr() (expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errHere("the expression is nested too deeply")
	}
	return p.parseOr()
}

func (p *exprParser) parseOr() (expr, error) {
	l, err := p.parseAnd()
	for err == nil && (p.is("||") || p.is("|")) {
		p.next()
		var r expr
		if r, err = p.parseAnd(); err == nil {
			l = binary{"||", l, r}
		}
	}
	return l, err
}

func (p *exprParser) parseAnd() (expr, error) {
	l, err := p.parseCompare()
	for err == nil && (p.is("&&") || p.is("&")) {
		p.next()
		var r expr
		if r, err = p.parseCompare(); err == nil {
			l = binary{"&&", l, r}
		}
	}
	return l, err
}

var compareOps = map[string]string{"==": "==", "=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
	"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}

func (p *exprParser) parseCompare() (expr, error) {
	l, err := p.parseRange()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if op, ok := compareOps[t.s]; ok && (t.kind == 'o' || t.kind == 'i' && isWordOp(t.s)) {
		p.next()
		r, err := p.parseRange()
		if err != nil {
			return nil, err
		}
		return binary{op, l, r}, nil
	}
	return l, nil
}

func (p *exprParser) parseRange() (expr, error) {
	l, err := p.parseAdd()
	if err != nil {
		return nil, err
	}
	for _, op := range []string{"..<", "..!", ".."} {
		if p.accept(op) {
			r := rangeX{from: l, exclusive: op != ".."}
			if op == ".." && !p.startsOperand() {
				return r, nil // 1..: open
			}
			if r.to, err = p.parseAdd(); err != nil {
				return nil, err
			}
			return r, nil
		}
	}
	return l, nil
}

func (p *exprParser) parseAdd() (expr, error) {
	l, err := p.parseMul()
	for err == nil && (p.is("+") || p.is("-")) {
		op := p.next().s
		var r expr
		if r, err = p.parseMul(); err == nil {
			l = binary{op, l, r}
		}
	}
	return l, err
}

func (p *exprParser) parseMul() (expr, error) {
	l, err := p.parseUnary()
	for err == nil && (p.is("*") || p.is("/") || p.is("%")) {
		op := p.next().s
		var r expr
		if r, err = p.parseUnary(); err == nil {
			l = binary{op, l, r}
		}
	}
	return l, err
}

func (p *exprParser) parseUnary() (expr, error) {
	for _, op := range []string{"!", "-", "+"} {
		if p.accept(op) {
			p.depth++
			defer func() { p.depth-- }()
			if p.depth > maxDepth {
				return nil, p.errHere("the expression is nested too deeply")
			}
			x, err := p.parseUnary()
			if err != nil {
				return nil, err
			}
			return unary{op, x}, nil
		}
	}
	return p.parsePostfix()
}

// startsOperand reports whether the next token can begin an operand (for
// the optional right side of x! and of an open range).
func (p *exprParser) startsOperand() bool {
	t := p.peek()
	switch t.kind {
	case 'n', 's':
		return true
	case 'i':
		return !isWordOp(t.s)
	case 'o':
		return t.s == "(" || t.s == "[" || t.s == "{"
	}
	return false
}

func (p *exprParser) parsePostfix() (expr, error) {
	x, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.accept("."):
			t := p.next()
			if t.kind != 'i' {
				p.i--
				return nil, p.errHere("expected a name after '.'")
			}
			x = dot{x, t.s}
		case p.accept("["):
			i, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			x = index{x, i}
		case p.accept("??"):
			x = exists{x}
		case p.accept("?"):
			t := p.next()
			if t.kind != 'i' {
				p.i--
				return nil, p.errHere("expected a built-in name after '?'")
			}
			b := builtin{x: x, name: t.s}
			if nt := p.peekAt(1); t.s == "string" && p.is(".") && nt.kind == 'i' {
				// The legacy ?string.currency form.
				p.i += 2
				b.args, b.call = []expr{literal{nt.s}}, true
			} else if p.accept("(") {
				b.call = true
				if b.args, err = p.parseArgs(")"); err != nil {
					return nil, err
				}
			}
			x = b
		case p.is("!"):
			p.next()
			d := defaulted{x: x}
			if p.startsOperand() {
				if d.def, err = p.parsePostfix(); err != nil {
					return nil, err
				}
			}
			return d, nil
		default:
			return x, nil
		}
	}
}

// parseArgs reads a comma list up to closer.
func (p *exprParser) parseArgs(closer string) ([]expr, error) {
	var out []expr
	if p.accept(closer) {
		return out, nil
	}
	for {
		a, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
		if p.accept(closer) {
			return out, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}

func (p *exprParser) parsePrimary() (expr, error) {
	t := p.next()
	switch t.kind {
	case 'n':
		f, err := strconv.ParseFloat(t.s, 64)
		if err != nil {
			return nil, errAt(p.src, t.pos, "bad number %q", t.s)
		}
		return literal{f}, nil
	case 's':
		return literal{t.s}, nil
	case 'i':
		switch t.s {
		case "true":
			return literal{true}, nil
		case "false":
			return literal{false}, nil
		}
		if isWordOp(t.s) {
			break
		}
		return variable{t.s}, nil
	case 'o':
		switch t.s {
		case "(":
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			return x, p.expect(")")
		case "[":
			items, err := p.parseArgs("]")
			return seqLit{items}, err
		case "{":
			return p.parseHash()
		}
	}
	p.i--
	return nil, p.errHere("expected a value")
}

func (p *exprParser) parseHash() (expr, error) {
	var h hashLit
	if p.accept("}") {
		return h, nil
	}
	for {
		k, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		v, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		h.keys, h.vals = append(h.keys, k), append(h.vals, v)
		if p.accept("}") {
			return h, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}

// parseWhole parses s as one expression and nothing more.
func parseWhole(src, s string, base int) (expr, error) {
	p, err := newExprParser(src, s, base)
	if err != nil {
		return nil, err
	}
	if p.atEnd() {
		return nil, errAt(src, base, "an expression is missing")
	}
	x, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if !p.atEnd() {
		return nil, p.errHere("unexpected text after the expression")
	}
	return x, nil
}
