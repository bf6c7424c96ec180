// Package markup converts between the text formats of sys.utils.text and
// sys.utils.xml: plain text, HTML, Markdown, XML and JSON-like values. It
// does no I/O.
package markup

import (
	"bytes"
	"html"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// TextToHTML makes plain text safe HTML: characters escaped, line breaks
// as <br>.
func TextToHTML(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>")
}

var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

// MarkdownToHTML renders CommonMark with GitHub's extensions (tables,
// strikethrough, autolinks, task lists). Raw HTML in the input is left
// out (goldmark's safe default), so the output carries no script.
func MarkdownToHTML(s string) (string, error) {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(s), &b); err != nil {
		return "", err
	}
	return b.String(), nil
}
