// Package freemarker renders text templates written in a documented subset
// of FreeMarker (https://freemarker.apache.org), the template language of
// sys.utils.text.processTemplate:
//
//   - interpolations ${expr};
//   - directives <#if>/<#elseif>/<#else>, <#list … as x> (with <#sep>,
//     <#else> and <#break>, over sequences, hashes and ranges),
//     <#assign>, <#switch>/<#case>/<#default>, <#noparse>, comments <#-- -->;
//   - expressions: literals (strings, numbers, booleans, [sequences],
//     {hashes}), a.b, a["b"], a[0], ranges (1..3, 0..<n), arithmetic,
//     comparisons (== != < > <= >= lt lte gt gte), && || !, the default
//     operator x!"default" and the missing test x??;
//   - the common built-ins (?string, ?c, ?upper_case, ?size, ?has_content,
//     ?html, ?replace, ?split, ?join, ?keys, ?number, ?round, ?index,
//     ?has_next, … — see builtins in eval.go).
//
// As in FreeMarker, using a missing value is an error (unless defaulted),
// numbers print in the default number format (grouping, at most three
// decimals, 1,234.5), and lines holding only directives leave no blank line.
// Anything outside the subset is an error at parse time: an unknown
// directive never reaches the output. The package does no I/O.
package freemarker

import (
	"fmt"
	"strings"
)

// Error is a template error with its position (1-based line and column).
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg) }

type tokKind int

const (
	tokText    tokKind = iota
	tokInterp          // ${ … }: val is the expression
	tokOpen            // <#name …>: name, val the rest
	tokClose           // </#name>
	tokComment         // <#-- … -->
)

type token struct {
	kind tokKind
	name string // directive name
	val  string // text, expression or directive parameters
	pos  int    // byte offset in the source
	// selfClosed: <#name …/>
	selfClosed bool
}

// lexer splits a template into text, interpolations and directives.
type lexer struct {
	src  string
	toks []token
}

func (l *lexer) errAt(pos int, format string, args ...any) error {
	line, col := position(l.src, pos)
	return &Error{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// position is the line and column of a byte offset.
func position(src string, pos int) (int, int) {
	if pos > len(src) {
		pos = len(src)
	}
	line := 1 + strings.Count(src[:pos], "\n")
	col := pos - strings.LastIndexByte(src[:pos], '\n')
	return line, col
}

func lex(src string) ([]token, error) {
	l := &lexer{src: src}
	text := 0 // start of the pending text
	flush := func(end int) {
		if end > text {
			l.toks = append(l.toks, token{kind: tokText, val: src[text:end], pos: text})
		}
	}
	for i := 0; i < len(src); {
		switch {
		case strings.HasPrefix(src[i:], "${"):
			flush(i)
			end, err := l.exprEnd(i+2, '}')
			if err != nil {
				return nil, err
			}
			l.toks = append(l.toks, token{kind: tokInterp, val: src[i+2 : end], pos: i})
			i = end + 1
			text = i
		case strings.HasPrefix(src[i:], "<#--"):
			flush(i)
			end := strings.Index(src[i+4:], "-->")
			if end < 0 {
				return nil, l.errAt(i, "unclosed comment <#--")
			}
			l.toks = append(l.toks, token{kind: tokComment, pos: i})
			i += 4 + end + 3
			text = i
		case strings.HasPrefix(src[i:], "<#"):
			flush(i)
			next, err := l.open(i)
			if err != nil {
				return nil, err
			}
			i, text = next, next
			if t := l.toks[len(l.toks)-1]; t.name == "noparse" {
				// Everything up to </#noparse> is text.
				end := strings.Index(src[i:], "</#noparse>")
				if end < 0 {
					return nil, l.errAt(t.pos, "unclosed <#noparse>")
				}
				l.toks = l.toks[:len(l.toks)-1]
				l.toks = append(l.toks, token{kind: tokText, val: src[i : i+end], pos: i})
				i += end + len("</#noparse>")
				text = i
			}
		case strings.HasPrefix(src[i:], "</#"):
			flush(i)
			end := strings.IndexByte(src[i:], '>')
			if end < 0 {
				return nil, l.errAt(i, "unclosed end tag")
			}
			name := strings.TrimSpace(src[i+3 : i+end])
			if !isName(name) {
				return nil, l.errAt(i, "malformed end tag %q", src[i:i+end+1])
			}
			l.toks = append(l.toks, token{kind: tokClose, name: name, pos: i})
			i += end + 1
			text = i
		default:
			i++
		}
	}
	flush(len(src))
	return stripLines(l.toks), nil
}

// open reads a start tag at i: <#name params> or <#name params/>.
func (l *lexer) open(i int) (int, error) {
	j := i + 2
	for j < len(l.src) && isNameByte(l.src[j]) {
		j++
	}
	name := l.src[i+2 : j]
	if name == "" {
		return 0, l.errAt(i, "a directive name must follow <#")
	}
	end, err := l.exprEnd(j, '>')
	if err != nil {
		return 0, err
	}
	params := l.src[j:end]
	self := strings.HasSuffix(params, "/")
	if self {
		params = params[:len(params)-1]
	}
	l.toks = append(l.toks, token{kind: tokOpen, name: name, val: strings.TrimSpace(params), pos: i, selfClosed: self})
	return end + 1, nil
}

// exprEnd finds the closing byte of an expression starting at i, skipping
// string literals and bracketed parts.
func (l *lexer) exprEnd(i int, closer byte) (int, error) {
	depth := 0
	for j := i; j < len(l.src); j++ {
		c := l.src[j]
		switch {
		case c == '"' || c == '\'':
			end, ok := stringEnd(l.src, j)
			if !ok {
				return 0, l.errAt(j, "unclosed string literal")
			}
			j = end
		case c == '(' || c == '[' || c == '{':
			depth++
		case (c == ')' || c == ']' || c == '}') && depth > 0:
			depth--
		case c == closer && depth == 0:
			return j, nil
		}
	}
	if closer == '}' {
		return 0, l.errAt(i-2, "unclosed ${")
	}
	return 0, l.errAt(i, "unclosed directive")
}

// stringEnd returns the index of the quote closing the string at i.
func stringEnd(s string, i int) (int, bool) {
	q := s[i]
	raw := i > 0 && s[i-1] == 'r'
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if !raw {
				j++
			}
		case q:
			return j, true
		}
	}
	return 0, false
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}

// stripLines removes the lines that hold only directives and comments
// (FreeMarker's white-space stripping): their indentation and line break
// do not reach the output.
func stripLines(toks []token) []token {
	// Split text at line breaks, each piece keeping its "\n".
	var split []token
	for _, t := range toks {
		if t.kind != tokText {
			split = append(split, t)
			continue
		}
		s, pos := t.val, t.pos
		for s != "" {
			n := strings.IndexByte(s, '\n') + 1
			if n == 0 {
				n = len(s)
			}
			split = append(split, token{kind: tokText, val: s[:n], pos: pos})
			s, pos = s[n:], pos+n
		}
	}
	var out []token
	for start := 0; start < len(split); {
		end := start
		for end < len(split) && !(split[end].kind == tokText && strings.HasSuffix(split[end].val, "\n")) {
			end++
		}
		if end < len(split) {
			end++ // include the line break
		}
		line := split[start:end]
		if directivesOnly(line) {
			for _, t := range line {
				if t.kind != tokText {
					out = append(out, t)
				}
			}
		} else {
			out = append(out, line...)
		}
		start = end
	}
	return out
}

func directivesOnly(line []token) bool {
	tags := 0
	for _, t := range line {
		switch t.kind {
		case tokInterp:
			return false
		case tokText:
			if strings.TrimSpace(t.val) != "" {
				return false
			}
		default:
			tags++
		}
	}
	return tags > 0
}
