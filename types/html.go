package types

import (
	"html"
	"strings"
)

// The html type keeps a small allow-list of tags (app-model.md §2), each
// with at most a class attribute (and href on links). Everything else is
// dropped: unknown tags lose their markup but keep their text, script-like
// elements lose their content too, comments and doctypes disappear. The
// output is re-tokenizable to itself, so sanitizing is idempotent.

var allowedTags = map[string]bool{
	"p": true, "br": true, "b": true, "i": true, "u": true, "strong": true,
	"em": true, "ul": true, "ol": true, "li": true, "a": true, "span": true,
	"div": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true,
	"h6": true, "blockquote": true, "code": true, "pre": true,
}

// rawTextTags hold content that is not text to show (code, styles, frames).
var rawTextTags = map[string]bool{
	"script": true, "style": true, "textarea": true, "title": true,
	"xmp": true, "iframe": true, "noembed": true, "noframes": true,
	"noscript": true, "plaintext": true,
}

// inlineTags do not separate words when HTMLText removes them.
var inlineTags = map[string]bool{
	"b": true, "i": true, "u": true, "strong": true, "em": true, "span": true,
	"a": true, "code": true, "small": true, "big": true, "sub": true,
	"sup": true, "font": true, "mark": true, "s": true, "strike": true,
	"abbr": true, "label": true,
}

type tokenKind int

const (
	textToken tokenKind = iota
	startTagToken
	endTagToken
	skippedToken // comment, doctype, processing instruction, raw-text element
)

type attr struct{ name, value string } // value already unescaped

type token struct {
	kind  tokenKind
	text  string // textToken: raw text (entities still escaped)
	name  string // tags: lower-case name
	attrs []attr
}

// htmlScanner splits markup into tokens following the HTML tokenizer closely
// enough for sanitizing: quoted attribute values may contain '>', a '<' that
// starts no tag is text, an unterminated tag swallows the rest.
type htmlScanner struct {
	s string
	i int
}

func (sc *htmlScanner) next() (token, bool) {
	if sc.i >= len(sc.s) {
		return token{}, false
	}
	if sc.s[sc.i] != '<' {
		return sc.text(), true
	}
	if tok, ok := sc.markup(); ok {
		return tok, true
	}
	sc.i++ // a '<' that starts nothing is text
	return token{kind: textToken, text: "<"}, true
}

func (sc *htmlScanner) text() token {
	end := strings.IndexByte(sc.s[sc.i:], '<')
	if end < 0 {
		end = len(sc.s) - sc.i
	}
	t := token{kind: textToken, text: sc.s[sc.i : sc.i+end]}
	sc.i += end
	return t
}

// markup reads the construct at a '<'; false when it is plain text.
func (sc *htmlScanner) markup() (token, bool) {
	rest := sc.s[sc.i+1:]
	switch {
	case rest != "" && isASCIILetter(rest[0]):
		return sc.startTag(), true
	case strings.HasPrefix(rest, "/") && len(rest) > 1 && isASCIILetter(rest[1]):
		return sc.endTag(), true
	case strings.HasPrefix(rest, "!--"):
		sc.skipPast(sc.i+4, "-->")
		return token{kind: skippedToken}, true
	case strings.HasPrefix(rest, "!") || strings.HasPrefix(rest, "?") || strings.HasPrefix(rest, "/"):
		sc.skipPast(sc.i+1, ">") // doctype, bogus comment, "</>"
		return token{kind: skippedToken}, true
	}
	return token{}, false
}

func (sc *htmlScanner) startTag() token {
	name, j := readTagName(sc.s, sc.i+1)
	attrs, end, closed := readAttributes(sc.s, j)
	sc.i = end
	if !closed {
		return token{kind: skippedToken} // a tag cut off by the end of input
	}
	if rawTextTags[name] {
		sc.skipRawText(name)
		return token{kind: skippedToken}
	}
	return token{kind: startTagToken, name: name, attrs: attrs}
}

func (sc *htmlScanner) endTag() token {
	name, j := readTagName(sc.s, sc.i+2)
	_, sc.i, _ = readAttributes(sc.s, j)
	return token{kind: endTagToken, name: name}
}

// skipPast moves after the first occurrence of end at or after from, or to
// the end of the input.
func (sc *htmlScanner) skipPast(from int, end string) {
	if from > len(sc.s) {
		from = len(sc.s)
	}
	k := strings.Index(sc.s[from:], end)
	if k < 0 {
		sc.i = len(sc.s)
		return
	}
	sc.i = from + k + len(end)
}

// skipRawText drops everything up to and including </name ...>.
func (sc *htmlScanner) skipRawText(name string) {
	closing := "</" + name
	for k := sc.i; k+len(closing) <= len(sc.s); k++ {
		if asciiEqualFold(sc.s[k:k+len(closing)], closing) {
			sc.skipPast(k, ">")
			return
		}
	}
	sc.i = len(sc.s)
}

func readTagName(s string, i int) (string, int) {
	j := i
	for j < len(s) && !isHTMLSpace(s[j]) && s[j] != '/' && s[j] != '>' {
		j++
	}
	return strings.ToLower(s[i:j]), j
}

// readAttributes reads attributes up to the closing '>' and returns the
// index after it; closed is false when the input ends first.
func readAttributes(s string, j int) (attrs []attr, end int, closed bool) {
	for {
		for j < len(s) && (isHTMLSpace(s[j]) || s[j] == '/') {
			j++
		}
		if j >= len(s) {
			return attrs, len(s), false
		}
		if s[j] == '>' {
			return attrs, j + 1, true
		}
		var a attr
		a, j = readAttribute(s, j)
		attrs = append(attrs, a)
	}
}

func readAttribute(s string, j int) (attr, int) {
	start := j
	j++ // the first character belongs to the name, even '='
	for j < len(s) && !isHTMLSpace(s[j]) && s[j] != '/' && s[j] != '>' && s[j] != '=' {
		j++
	}
	a := attr{name: strings.ToLower(s[start:j])}
	k := skipHTMLSpace(s, j)
	if k >= len(s) || s[k] != '=' {
		return a, j
	}
	k = skipHTMLSpace(s, k+1)
	value, end := readAttributeValue(s, k)
	a.value = html.UnescapeString(value)
	return a, end
}

func readAttributeValue(s string, k int) (string, int) {
	if k < len(s) && (s[k] == '"' || s[k] == '\'') {
		q := s[k]
		end := strings.IndexByte(s[k+1:], q)
		if end < 0 {
			return s[k+1:], len(s)
		}
		return s[k+1 : k+1+end], k + 2 + end
	}
	e := k
	for e < len(s) && !isHTMLSpace(s[e]) && s[e] != '>' {
		e++
	}
	return s[k:e], e
}

func skipHTMLSpace(s string, j int) int {
	for j < len(s) && isHTMLSpace(s[j]) {
		j++
	}
	return j
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if isASCIILetter(x) {
			x |= 0x20
		}
		if isASCIILetter(y) {
			y |= 0x20
		}
		if x != y {
			return false
		}
	}
	return true
}

// SanitizeHTML reduces markup to the html type's allow-list.
func SanitizeHTML(s string) string {
	var b strings.Builder
	sc := htmlScanner{s: s}
	for tok, ok := sc.next(); ok; tok, ok = sc.next() {
		switch tok.kind {
		case textToken:
			writeSafeText(&b, tok.text)
		case startTagToken:
			writeStartTag(&b, tok)
		case endTagToken:
			if allowedTags[tok.name] && tok.name != "br" {
				b.WriteString("</" + tok.name + ">")
			}
		}
	}
	return b.String()
}

// writeSafeText keeps entities as written but escapes the characters that
// could start or end markup; NUL is dropped as browsers do.
func writeSafeText(b *strings.Builder, text string) {
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case 0:
		default:
			b.WriteByte(c)
		}
	}
}

func writeStartTag(b *strings.Builder, tok token) {
	if !allowedTags[tok.name] {
		return
	}
	b.WriteString("<" + tok.name)
	seen := map[string]bool{}
	for _, a := range tok.attrs {
		if seen[a.name] || !allowedAttribute(tok.name, a) {
			continue
		}
		seen[a.name] = true
		b.WriteString(" " + a.name + `="` + html.EscapeString(a.value) + `"`)
	}
	b.WriteString(">")
}

func allowedAttribute(tag string, a attr) bool {
	switch a.name {
	case "class":
		return true
	case "href":
		return tag == "a" && safeHref(a.value)
	}
	return false
}

// safeHref allows relative links and http, https, mailto and tel; it looks at
// the scheme after removing whitespace and controls, which browsers ignore
// ("java\tscript:" is javascript:).
func safeHref(v string) bool {
	u := strings.ToLower(strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, v))
	colon := strings.IndexByte(u, ':')
	if colon < 0 {
		return true
	}
	if k := strings.IndexAny(u, "/?#"); k >= 0 && k < colon {
		return true // the colon is in the path or query of a relative link
	}
	switch u[:colon] {
	case "http", "https", "mailto", "tel":
		return true
	}
	return false
}

// HTMLText returns the visible text of markup: tags removed, entities
// decoded, block boundaries as spaces, whitespace collapsed. html values are
// shown (plainText) and matched by queries on this text.
func HTMLText(s string) string {
	var b strings.Builder
	sc := htmlScanner{s: s}
	for tok, ok := sc.next(); ok; tok, ok = sc.next() {
		switch tok.kind {
		case textToken:
			b.WriteString(html.UnescapeString(tok.text))
		case startTagToken, endTagToken:
			if !inlineTags[tok.name] {
				b.WriteByte(' ')
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
