package freemarker

import (
	"strings"
)

// Template is a parsed template, safe for concurrent use.
type Template struct {
	src  string
	body []node
}

type node interface{}

type (
	textNode   struct{ s string }
	interpNode struct {
		x   expr
		pos int
	}
	ifNode struct {
		conds  []expr
		bodies [][]node // one per cond, then the <#else> body (if any)
		pos    []int
	}
	listNode struct {
		seq        expr
		key, value string // value "": one loop variable (key)
		body, els  []node
		pos        int
	}
	sepNode    struct{ body []node }
	breakNode  struct{}
	assignNode struct {
		names []string
		ops   []string // "=", "+=", "-=", "++", "--"
		vals  []expr   // nil for ++ and --
		pos   int
	}
	switchNode struct {
		x      expr
		cases  [][]expr // nil: <#default>
		bodies [][]node
		pos    int
	}
)

// Parse reads a template; an error names the line and column.
func Parse(src string) (*Template, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	body, end, err := p.block(nil)
	if err != nil {
		return nil, err
	}
	if end != nil {
		return nil, p.errTok(*end, "unexpected %s", tagText(*end))
	}
	return &Template{src: src, body: body}, nil
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
	loops int // <#list> nesting (for <#sep> and <#break>)
}

func (p *parser) errTok(t token, format string, args ...any) error {
	return errAt(p.src, t.pos, format, args...)
}

func tagText(t token) string {
	if t.kind == tokClose {
		return "</#" + t.name + ">"
	}
	return "<#" + t.name + ">"
}

// block parses nodes until a token that stop accepts (returned, not
// consumed beyond it) or the end (nil).
func (p *parser) block(stop func(token) bool) ([]node, *token, error) {
	p.depth++
	defer func() { p.depth-- }()
	var out []node
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		if stop != nil && stop(t) {
			p.i++
			return out, &t, nil
		}
		if p.depth > maxDepth {
			return nil, nil, p.errTok(t, "directives are nested too deeply")
		}
		p.i++
		switch t.kind {
		case tokText:
			out = append(out, textNode{t.val})
		case tokComment:
		case tokInterp:
			x, err := parseWhole(p.src, t.val, t.pos+2)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, interpNode{x, t.pos})
		case tokClose:
			return nil, nil, p.errTok(t, "unexpected %s", tagText(t))
		case tokOpen:
			n, err := p.directive(t)
			if err != nil {
				return nil, nil, err
			}
			if n != nil {
				out = append(out, n)
			}
		}
	}
	return out, nil, nil
}

// isTag matches a start or end tag by name.
func isTag(kind tokKind, names ...string) func(token) bool {
	return func(t token) bool {
		if t.kind != kind {
			return false
		}
		for _, n := range names {
			if t.name == n {
				return true
			}
		}
		return false
	}
}

func either(fs ...func(token) bool) func(token) bool {
	return func(t token) bool {
		for _, f := range fs {
			if f(t) {
				return true
			}
		}
		return false
	}
}

func (p *parser) expr(t token) (expr, error) {
	return parseWhole(p.src, t.val, t.pos+2+len(t.name))
}

func (p *parser) directive(t token) (node, error) {
	switch t.name {
	case "if":
		return p.ifDirective(t)
	case "list":
		return p.listDirective(t)
	case "sep":
		if p.loops == 0 {
			return nil, p.errTok(t, "<#sep> must be inside <#list>")
		}
		body, end, err := p.block(either(isTag(tokClose, "sep", "list"), isTag(tokOpen, "else")))
		if err != nil {
			return nil, err
		}
		if end != nil && (end.kind != tokClose || end.name != "sep") {
			p.i-- // </#list> or <#else> ends the sep and its list
		}
		return sepNode{body}, nil
	case "break":
		if p.loops == 0 {
			return nil, p.errTok(t, "<#break> must be inside <#list> or <#switch>")
		}
		return breakNode{}, nil
	case "assign", "global", "local":
		return p.assignDirective(t)
	case "switch":
		return p.switchDirective(t)
	case "elseif", "else", "case", "default", "items":
		return nil, p.errTok(t, "unexpected <#%s>", t.name)
	}
	return nil, p.errTok(t, "<#%s> is not supported (supported: if, elseif, else, list, sep, break, assign, switch, case, default, noparse, comments)", t.name)
}

func (p *parser) ifDirective(t token) (node, error) {
	var n ifNode
	cond, err := p.expr(t)
	if err != nil {
		return nil, err
	}
	n.conds, n.pos = append(n.conds, cond), append(n.pos, t.pos)
	for {
		body, end, err := p.block(either(isTag(tokOpen, "elseif", "else"), isTag(tokClose, "if")))
		if err != nil {
			return nil, err
		}
		if end == nil {
			return nil, p.errTok(t, "unclosed <#if>")
		}
		n.bodies = append(n.bodies, body)
		switch {
		case end.kind == tokClose:
			return n, nil
		case end.name == "elseif":
			if len(n.bodies) > len(n.conds) {
				return nil, p.errTok(*end, "<#elseif> after <#else>")
			}
			cond, err := p.expr(*end)
			if err != nil {
				return nil, err
			}
			n.conds, n.pos = append(n.conds, cond), append(n.pos, end.pos)
		default: // else
			if len(n.bodies) > len(n.conds) {
				return nil, p.errTok(*end, "a second <#else>")
			}
		}
	}
}

func (p *parser) listDirective(t token) (node, error) {
	n := listNode{pos: t.pos}
	// "seq as x" or "hash as k, v": split at the last top-level " as ".
	ep, err := newExprParser(p.src, t.val, t.pos+6)
	if err != nil {
		return nil, err
	}
	if n.seq, err = ep.parseExpr(); err != nil {
		return nil, err
	}
	if !ep.accept("as") {
		return nil, ep.errHere("<#list> needs \"as\" and a loop variable")
	}
	name := ep.next()
	if name.kind != 'i' {
		ep.i--
		return nil, ep.errHere("expected a loop variable name")
	}
	n.key = name.s
	if ep.accept(",") {
		v := ep.next()
		if v.kind != 'i' {
			ep.i--
			return nil, ep.errHere("expected a second loop variable name")
		}
		n.value = v.s
	}
	if !ep.atEnd() {
		return nil, ep.errHere("unexpected text in <#list>")
	}
	p.loops++
	body, end, err := p.block(either(isTag(tokOpen, "else"), isTag(tokClose, "list")))
	p.loops--
	if err != nil {
		return nil, err
	}
	if end == nil {
		return nil, p.errTok(t, "unclosed <#list>")
	}
	n.body = body
	if end.kind == tokOpen { // <#else>
		if n.els, end, err = p.block(isTag(tokClose, "list")); err != nil {
			return nil, err
		}
		if end == nil {
			return nil, p.errTok(t, "unclosed <#list>")
		}
	}
	return n, nil
}

func (p *parser) assignDirective(t token) (node, error) {
	n := assignNode{pos: t.pos}
	ep, err := newExprParser(p.src, t.val, t.pos+2+len(t.name))
	if err != nil {
		return nil, err
	}
	for !ep.atEnd() {
		name := ep.next()
		if name.kind != 'i' && name.kind != 's' {
			ep.i--
			return nil, ep.errHere("expected a variable name")
		}
		n.names = append(n.names, name.s)
		switch {
		case ep.accept("++"):
			n.ops, n.vals = append(n.ops, "++"), append(n.vals, nil)
		case ep.accept("--"):
			n.ops, n.vals = append(n.ops, "--"), append(n.vals, nil)
		default:
			op := ""
			for _, o := range []string{"=", "+=", "-="} {
				if ep.accept(o) {
					op = o
				}
			}
			if op == "" {
				return nil, ep.errHere("expected '=' in <#%s>", t.name)
			}
			v, err := ep.parseExpr()
			if err != nil {
				return nil, err
			}
			n.ops, n.vals = append(n.ops, op), append(n.vals, v)
		}
		ep.accept(",")
	}
	if len(n.names) == 0 {
		return nil, p.errTok(t, "<#%s> needs a variable", t.name)
	}
	return n, nil
}

func (p *parser) switchDirective(t token) (node, error) {
	n := switchNode{pos: t.pos}
	var err error
	if n.x, err = p.expr(t); err != nil {
		return nil, err
	}
	// Only whitespace and comments before the first case.
	for p.i < len(p.toks) && (p.toks[p.i].kind == tokComment || p.toks[p.i].kind == tokText && strings.TrimSpace(p.toks[p.i].val) == "") {
		p.i++
	}
	if p.i == len(p.toks) || !isTag(tokOpen, "case", "default")(p.toks[p.i]) {
		if p.i < len(p.toks) && isTag(tokClose, "switch")(p.toks[p.i]) {
			p.i++
			return n, nil
		}
		return nil, p.errTok(t, "<#switch> must start with <#case> or <#default>")
	}
	head := p.toks[p.i]
	p.i++
	p.loops++ // <#break> leaves the switch
	defer func() { p.loops-- }()
	for {
		var vals []expr
		if head.name == "case" {
			if vals, err = caseValues(p.src, head); err != nil {
				return nil, err
			}
		}
		body, end, err := p.block(either(isTag(tokOpen, "case", "default"), isTag(tokClose, "switch")))
		if err != nil {
			return nil, err
		}
		if end == nil {
			return nil, p.errTok(t, "unclosed <#switch>")
		}
		n.cases, n.bodies = append(n.cases, vals), append(n.bodies, body)
		if end.kind == tokClose {
			return n, nil
		}
		head = *end
	}
}

// caseValues reads the comma-separated values of <#case a, b>.
func caseValues(src string, t token) ([]expr, error) {
	ep, err := newExprParser(src, t.val, t.pos+6)
	if err != nil {
		return nil, err
	}
	var out []expr
	for {
		x, err := ep.parseExpr()
		if err != nil {
			return nil, err
		}
		out = append(out, x)
		if ep.atEnd() {
			return out, nil
		}
		if err := ep.expect(","); err != nil {
			return nil, err
		}
	}
}
