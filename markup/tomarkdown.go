package markup

import (
	"regexp"
	"strconv"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToMarkdown writes HTML as Markdown: headings, paragraphs, line
// breaks, emphasis, links, images, lists (nested), code, blockquotes,
// rules and tables; other elements give their text; script and style are
// dropped.
func HTMLToMarkdown(s string) (string, error) {
	nodes, err := xhtml.ParseFragment(strings.NewReader(s), &xhtml.Node{Type: xhtml.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return "", err
	}
	w := &mdWriter{}
	for _, n := range nodes {
		w.node(n)
	}
	out := blankLines.ReplaceAllString(w.b.String(), "\n\n")
	return strings.TrimSpace(out), nil
}

var blankLines = regexp.MustCompile(`\n[ \t]*\n(?:[ \t]*\n)+`)

type mdWriter struct {
	b      strings.Builder
	lists  []int // per open list: 0 for bullets, else the next number
	quote  int   // blockquote depth
	inPre  bool
	inLink bool
}

// block starts a block: a blank line before it.
func (w *mdWriter) block() {
	w.b.WriteString("\n\n")
	w.prefix()
}

// prefix writes the blockquote markers of a new line.
func (w *mdWriter) prefix() {
	if w.quote > 0 {
		w.b.WriteString(strings.Repeat("> ", w.quote))
	}
}

func (w *mdWriter) children(n *xhtml.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
}

// wrap writes the children of n between two markers (**bold**); an element
// without text writes nothing.
func (w *mdWriter) wrap(n *xhtml.Node, mark string) {
	if strings.TrimSpace(textOf(n)) == "" {
		w.children(n)
		return
	}
	w.b.WriteString(mark)
	w.children(n)
	w.b.WriteString(mark)
}

func (w *mdWriter) node(n *xhtml.Node) {
	switch n.Type {
	case xhtml.TextNode:
		w.text(n.Data)
		return
	case xhtml.ElementNode:
	default:
		w.children(n)
		return
	}
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Head, atom.Template:
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.block()
		level := int(n.Data[1] - '0')
		w.b.WriteString(strings.Repeat("#", level) + " ")
		w.b.WriteString(strings.Join(strings.Fields(escapeMarkdown(textOf(n))), " "))
		w.block()
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Main, atom.Nav:
		w.block()
		w.children(n)
		w.block()
	case atom.Br:
		w.b.WriteString("  \n")
		w.prefix()
	case atom.Hr:
		w.block()
		w.b.WriteString("---")
		w.block()
	case atom.Strong, atom.B:
		w.wrap(n, "**")
	case atom.Em, atom.I:
		w.wrap(n, "*")
	case atom.Del, atom.S, atom.Strike:
		w.wrap(n, "~~")
	case atom.Code:
		if w.inPre {
			w.children(n)
			return
		}
		code := textOf(n)
		fence := "`"
		if strings.Contains(code, "`") {
			fence = "`` "
			w.b.WriteString(fence + code + " ``")
			return
		}
		w.b.WriteString(fence + code + fence)
	case atom.Pre:
		w.block()
		w.b.WriteString("```\n")
		w.b.WriteString(strings.TrimRight(textOf(n), "\n"))
		w.b.WriteString("\n```")
		w.block()
	case atom.A:
		href := attr(n, "href")
		if href == "" || w.inLink {
			w.children(n)
			return
		}
		w.inLink = true
		w.b.WriteString("[")
		w.children(n)
		w.b.WriteString("](" + linkTarget(href) + ")")
		w.inLink = false
	case atom.Img:
		w.b.WriteString("![" + escapeMarkdown(attr(n, "alt")) + "](" + linkTarget(attr(n, "src")) + ")")
	case atom.Ul, atom.Ol:
		w.list(n)
	case atom.Li:
		w.item(n)
	case atom.Blockquote:
		w.quote++
		w.block()
		w.children(n)
		w.quote--
		w.block()
	case atom.Table:
		w.table(n)
	default:
		w.children(n)
	}
}

func (w *mdWriter) text(s string) {
	if w.inPre {
		w.b.WriteString(s)
		return
	}
	// HTML collapses white space; Markdown must not read it as structure.
	words := strings.Fields(s)
	lead := s != "" && isSpace(s[0])
	trail := s != "" && isSpace(s[len(s)-1])
	if (lead || len(words) == 0) && w.b.Len() > 0 && !strings.HasSuffix(w.b.String(), " ") && !strings.HasSuffix(w.b.String(), "\n") {
		w.b.WriteByte(' ')
	}
	if len(words) == 0 {
		return
	}
	w.b.WriteString(escapeMarkdown(strings.Join(words, " ")))
	if trail {
		w.b.WriteByte(' ')
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func (w *mdWriter) list(n *xhtml.Node) {
	start := 0
	if n.DataAtom == atom.Ol {
		start = 1
		if v, err := strconv.Atoi(attr(n, "start")); err == nil {
			start = v
		}
	}
	if len(w.lists) == 0 {
		w.block()
	}
	w.lists = append(w.lists, start)
	w.children(n)
	w.lists = w.lists[:len(w.lists)-1]
	if len(w.lists) == 0 {
		w.block()
	}
}

func (w *mdWriter) item(n *xhtml.Node) {
	if len(w.lists) == 0 {
		w.lists = append(w.lists, 0)
		defer func() { w.lists = w.lists[:0] }()
	}
	depth := len(w.lists) - 1
	if !strings.HasSuffix(w.b.String(), "\n") {
		w.b.WriteByte('\n')
	}
	w.prefix()
	w.b.WriteString(strings.Repeat("  ", depth))
	if k := w.lists[depth]; k > 0 {
		w.b.WriteString(strconv.Itoa(k) + ". ")
		w.lists[depth]++
	} else {
		w.b.WriteString("- ")
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == xhtml.ElementNode && c.DataAtom == atom.P {
			w.children(c) // a paragraph inside an item stays on its line
			continue
		}
		w.node(c)
	}
}

func (w *mdWriter) table(n *xhtml.Node) {
	var rows [][]string
	var walk func(*xhtml.Node)
	walk = func(x *xhtml.Node) {
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != xhtml.ElementNode {
				continue
			}
			if c.DataAtom == atom.Tr {
				var row []string
				for cell := c.FirstChild; cell != nil; cell = cell.NextSibling {
					if cell.Type == xhtml.ElementNode && (cell.DataAtom == atom.Td || cell.DataAtom == atom.Th) {
						t := strings.Join(strings.Fields(textOf(cell)), " ")
						row = append(row, strings.ReplaceAll(escapeMarkdown(t), "|", `\|`))
					}
				}
				rows = append(rows, row)
				continue
			}
			walk(c)
		}
	}
	walk(n)
	if len(rows) == 0 {
		return
	}
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	w.block()
	for i, r := range rows {
		for len(r) < cols {
			r = append(r, "")
		}
		w.b.WriteString("| " + strings.Join(r, " | ") + " |\n")
		if i == 0 {
			w.b.WriteString("|" + strings.Repeat(" --- |", cols) + "\n")
		}
	}
	w.block()
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *xhtml.Node) string {
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(x *xhtml.Node) {
		if x.Type == xhtml.TextNode {
			b.WriteString(x.Data)
		}
		if x.Type == xhtml.ElementNode && x.DataAtom == atom.Br {
			b.WriteByte('\n')
		}
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func linkTarget(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, " ()") {
		return "<" + s + ">"
	}
	return s
}

// markdownSpecial are the characters escaped in text so that it stays text.
var markdownSpecial = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`)

func escapeMarkdown(s string) string { return markdownSpecial.Replace(s) }
