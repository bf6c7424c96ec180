package query

import (
	"fmt"
	"strings"
	"unicode"

	"runway/app"
)

// maxDepth bounds the nesting of and()/or() in _query and of _and/_or in a
// query map, so hostile input cannot exhaust the stack.
const maxDepth = 32

// ParseComplex reads the value of the _query parameter (query-language.md
// §4): and(…), or(…) and filter('path','value') nested freely.
func ParseComplex(a *app.App, e *app.Entity, s string) (Expr, error) {
	p := &complexParser{a: a, e: e, src: s}
	x, err := p.expr(0)
	if err == nil {
		p.space()
		if p.pos < len(p.src) {
			err = p.errorf("unexpected %q after the expression", p.rest())
		}
	}
	if err != nil {
		return nil, badParam("_query", err.Error())
	}
	return x, nil
}

type complexParser struct {
	a     *app.App
	e     *app.Entity
	src   string
	pos   int
	conds int // filter()s read so far
}

func (p *complexParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at character %d: %s", p.pos+1, fmt.Sprintf(format, args...))
}

func (p *complexParser) rest() string {
	r := p.src[p.pos:]
	if len(r) > 20 {
		r = r[:20] + "…"
	}
	return r
}

func (p *complexParser) space() {
	for p.pos < len(p.src) && unicode.IsSpace(rune(p.src[p.pos])) {
		p.pos++
	}
}

// expect consumes c after optional blanks.
func (p *complexParser) expect(c byte) error {
	p.space()
	if p.pos >= len(p.src) || p.src[p.pos] != c {
		if p.pos >= len(p.src) {
			return p.errorf("expected %q, got the end", c)
		}
		return p.errorf("expected %q, got %q", c, p.rest())
	}
	p.pos++
	return nil
}

func (p *complexParser) word() string {
	p.space()
	start := p.pos
	for p.pos < len(p.src) && unicode.IsLetter(rune(p.src[p.pos])) {
		p.pos++
	}
	return p.src[start:p.pos]
}

func (p *complexParser) expr(depth int) (Expr, error) {
	if depth > maxDepth {
		return nil, p.errorf("nested deeper than %d levels", maxDepth)
	}
	at := p.pos
	switch w := p.word(); w {
	case "and", "or":
		return p.group(w, depth)
	case "filter":
		return p.filter()
	case "":
		p.pos = at
		if p.pos >= len(p.src) {
			return nil, p.errorf("expected and(, or( or filter(, got the end")
		}
		return nil, p.errorf("expected and(, or( or filter(, got %q", p.rest())
	default:
		return nil, p.errorf("unknown function %q (and, or, filter)", w)
	}
}

func (p *complexParser) group(kind string, depth int) (Expr, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	var parts []Expr
	for {
		x, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		parts = append(parts, x)
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if err := p.expect(')'); err != nil {
			return nil, err
		}
		break
	}
	if kind == "and" {
		return And(parts), nil
	}
	return Or(parts), nil
}

func (p *complexParser) filter() (Expr, error) {
	if p.conds++; p.conds > MaxConditions {
		return nil, errTooManyConditions
	}
	if err := p.expect('('); err != nil {
		return nil, err
	}
	path, err := p.quoted()
	if err != nil {
		return nil, err
	}
	if err := p.expect(','); err != nil {
		return nil, err
	}
	value, err := p.quoted()
	if err != nil {
		return nil, err
	}
	if err := p.expect(')'); err != nil {
		return nil, err
	}
	c, err := parseFilter(p.a, p.e, path, value)
	if err != nil {
		return nil, fmt.Errorf("filter('%s', …): %w", path, err)
	}
	return c, nil
}

// quoted reads a single-quoted string where \' and \\ escape.
func (p *complexParser) quoted() (string, error) {
	if err := p.expect('\''); err != nil {
		return "", err
	}
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		p.pos++
		switch c {
		case '\\':
			if p.pos >= len(p.src) {
				return "", p.errorf("unterminated string")
			}
			b.WriteByte(p.src[p.pos])
			p.pos++
		case '\'':
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", p.errorf("unterminated string")
}
