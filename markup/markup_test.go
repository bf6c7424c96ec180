package markup

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTextAndMarkdown(t *testing.T) {
	if got := TextToHTML("a < b\nc & d\r\n"); got != "a &lt; b<br>c &amp; d<br>" {
		t.Errorf("TextToHTML: %q", got)
	}
	got, err := MarkdownToHTML("**This is sparta**\n\n- a\n- b\n\n<script>x()</script>")
	if err != nil || !strings.Contains(got, "<p><strong>This is sparta</strong></p>") || !strings.Contains(got, "<li>a</li>") || strings.Contains(got, "<script>") {
		t.Errorf("MarkdownToHTML: %q %v", got, err)
	}
}

func TestHTMLToMarkdown(t *testing.T) {
	cases := []struct{ in, want string }{
		{"<strong>This is sparta</strong><br/>", "**This is sparta**"},
		{"<h2>Title</h2><p>Some <em>text</em> and <a href=\"https://x.org/a\">a link</a>.</p>", "## Title\n\nSome *text* and [a link](https://x.org/a)."},
		{"<ul><li>one</li><li>two<ol><li>sub</li></ol></li></ul>", "- one\n- two\n  1. sub"},
		{"<p>a*b_c</p><script>alert(1)</script>", `a\*b\_c`},
		{"<pre><code>x := 1\n</code></pre>", "```\nx := 1\n```"},
		{"<blockquote>quoted</blockquote>", "> quoted"},
		{"<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>", "| A | B |\n| --- | --- |\n| 1 | 2 |"},
		{"<img src=\"p.png\" alt=\"pic\"> <code>c</code> <del>x</del>", "![pic](p.png) `c` ~~x~~"},
	}
	for _, c := range cases {
		got, err := HTMLToMarkdown(c.in)
		if err != nil || got != c.want {
			t.Errorf("HTMLToMarkdown(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(Values(v))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestXMLToJSON(t *testing.T) {
	cases := []struct{ in, want string }{
		{"<note><to>Tove</to><from>Jani</from></note>", `{"note":{"from":"Jani","to":"Tove"}}`},
		{`<a id="7" x:y="z"><b>1</b><b>2.5</b><b>true</b><c/>text</a>`, `{"a":{"b":[1,2.5,true],"c":"","content":"text","id":7,"x:y":"z"}}`},
		{"<?xml version=\"1.0\"?><!-- c --><r><![CDATA[<raw>]]> &amp; 007</r>", `{"r":"\u003craw\u003e \u0026 007"}`},
	}
	for _, c := range cases {
		o, err := XMLToJSON(c.in)
		if err != nil {
			t.Errorf("XMLToJSON(%q): %v", c.in, err)
			continue
		}
		if got := jsonOf(t, o); got != c.want {
			t.Errorf("XMLToJSON(%q)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	o, _ := XMLToJSON("<note><to>Tove</to><from>Jani</from></note>")
	note := o.Values["note"].(*Object)
	if strings.Join(note.Keys, ",") != "to,from" {
		t.Errorf("order: %v", note.Keys)
	}
	for _, bad := range []string{"<a>", "<a></b>", "text", "<a>&nope;</a>", strings.Repeat("<a>", 600) + strings.Repeat("</a>", 600)} {
		if _, err := XMLToJSON(bad); err == nil {
			t.Errorf("XMLToJSON(%q) accepted", bad)
		}
	}
}

func TestJSONToXML(t *testing.T) {
	note := &Object{Keys: []string{"to", "from"}, Values: map[string]any{"to": "Tove", "from": "Jani & co"}}
	in := &Object{Keys: []string{"note"}, Values: map[string]any{"note": note}}
	got, err := JSONToXML(in)
	if err != nil || got != "<note><to>Tove</to><from>Jani &amp; co</from></note>" {
		t.Errorf("JSONToXML: %q %v", got, err)
	}
	got, err = JSONToXML(map[string]any{"r": map[string]any{"b": []any{json.Number("1"), true}, "content": "t", "n": nil}})
	if err != nil || got != "<r><b>1</b><b>true</b>t<n/></r>" {
		t.Errorf("JSONToXML map: %q %v", got, err)
	}
	if _, err := JSONToXML(map[string]any{"bad name": 1}); err == nil {
		t.Error("invalid element name accepted")
	}
	// A round trip keeps the document.
	src := `<a><b>1</b><b>2</b><c>x</c></a>`
	o, _ := XMLToJSON(src)
	if back, _ := JSONToXML(o); back != src {
		t.Errorf("round trip: %q", back)
	}
}

func FuzzXMLToJSON(f *testing.F) {
	f.Add("<note><to>Tove</to></note>")
	f.Add(`<a id="1"><b/>x</a>`)
	f.Fuzz(func(t *testing.T, s string) {
		o, err := XMLToJSON(s)
		if err != nil {
			return
		}
		_, _ = JSONToXML(o)
	})
}

func FuzzHTMLToMarkdown(f *testing.F) {
	f.Add("<p>a <b>b</b></p><ul><li>x</li></ul>")
	f.Fuzz(func(t *testing.T, s string) { _, _ = HTMLToMarkdown(s) })
}
