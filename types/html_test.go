package types

import "testing"

func TestSanitizeHTML(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain text", "hello", "hello"},
		{"allowed tags normalized", `<P CLASS='big'>a<BR/>b</P>`, `<p class="big">a<br>b</p>`},
		{"all allowed", `<h1>a</h1><h6>b</h6><ul><li>c</li></ul><ol><li>d</li></ol><blockquote><pre><code>e</code></pre></blockquote><span><u><i><em><strong>f</strong></em></i></u></span>`,
			`<h1>a</h1><h6>b</h6><ul><li>c</li></ul><ol><li>d</li></ol><blockquote><pre><code>e</code></pre></blockquote><span><u><i><em><strong>f</strong></em></i></u></span>`},
		{"unknown tag keeps text", `<font color=red>hi</font>`, `hi`},
		{"image dropped", `a<img src=x onerror=alert(1)>b`, `ab`},
		{"script content dropped", `a<script>alert("<b>")</script>b`, `ab`},
		{"script end tag case", `a<SCRIPT>x</ScRiPt >b`, `ab`},
		{"unterminated script drops rest", `a<script>alert(1)`, `a`},
		{"style dropped", `<style>p{}</style>x`, `x`},
		{"iframe dropped", `<iframe src="http://e"></iframe>x`, `x`},
		{"event handlers dropped", `<div onclick="x()" class="c" style="color:red">a</div>`, `<div class="c">a</div>`},
		{"href kept on a", `<a href="https://x.com/?a=1&amp;b=2" target="_blank">x</a>`, `<a href="https://x.com/?a=1&amp;b=2">x</a>`},
		{"relative href", `<a href="/path:x">x</a>`, `<a href="/path:x">x</a>`},
		{"mailto href", `<a href="mailto:u@x.com">x</a>`, `<a href="mailto:u@x.com">x</a>`},
		{"javascript href dropped", `<a href="javascript:alert(1)">x</a>`, `<a>x</a>`},
		{"obfuscated javascript href", `<a href="  JaVa&#x09;script:alert(1)">x</a>`, `<a>x</a>`},
		{"entity javascript href", `<a href="jav&#97;script:alert(1)">x</a>`, `<a>x</a>`},
		{"data href dropped", `<a href="data:text/html,x">x</a>`, `<a>x</a>`},
		{"href only on a", `<p href="http://x">x</p>`, `<p>x</p>`},
		{"quoted gt in attribute", `<p class="a>b">x</p>`, `<p class="a&gt;b">x</p>`},
		{"quote escaped in attribute", `<p class='a"b'>x</p>`, `<p class="a&#34;b">x</p>`},
		{"duplicate attribute first wins", `<p class="a" class="b">x</p>`, `<p class="a">x</p>`},
		{"comment dropped", `a<!-- <script>x</script> -->b`, `ab`},
		{"doctype dropped", `<!DOCTYPE html>a`, `a`},
		{"processing instruction dropped", `<?xml version="1.0"?>a`, `a`},
		{"stray lt escaped", `1 < 2 > 0`, `1 &lt; 2 &gt; 0`},
		{"lt before non letter", `a<3`, `a&lt;3`},
		{"entities kept", `&lt;b&gt; &amp; &copy;`, `&lt;b&gt; &amp; &copy;`},
		{"unterminated tag dropped", `a<p class="x`, `a`},
		{"empty end tag dropped", `a</>b`, `ab`},
		{"end tag of disallowed", `a</font>b`, `ab`},
		{"nul dropped", "a\x00b", "ab"},
		{"attribute without value", `<p hidden class=x>a</p>`, `<p class="x">a</p>`},
		{"unquoted value", `<span class=big>a</span>`, `<span class="big">a</span>`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := SanitizeHTML(c.in)
			if got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if again := SanitizeHTML(got); again != got {
				t.Fatalf("not idempotent: %q → %q", got, again)
			}
		})
	}
}

func TestHTMLText(t *testing.T) {
	cases := map[string]string{
		"<p>Hello <b>wor</b>ld</p><p>next</p>": "Hello world next",
		"a<br>b":                               "a b",
		"&lt;tag&gt; &amp; &#39;q&#39;":        "<tag> & 'q'",
		"  <div>\n spaced \t out </div> ":      "spaced out",
		"<script>hidden</script>shown":         "shown",
		"<p></p>":                              "",
	}
	for in, want := range cases {
		if got := HTMLText(in); got != want {
			t.Errorf("HTMLText(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSanitizeHTML(f *testing.F) {
	for _, s := range []string{
		`<p class="x">a</p>`, `<a href="javascript:x">y</a>`, `<script>x</script>`, `a<b`, `<!-- x`,
		`<p class='a>b' onclick=x>`, `</p foo=">">`, `<A HREF=http://x>y</A>`, "<p\x00>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := SanitizeHTML(s)
		if again := SanitizeHTML(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, again)
		}
		sc := htmlScanner{s: out}
		for tok, ok := sc.next(); ok; tok, ok = sc.next() {
			switch tok.kind {
			case startTagToken, endTagToken:
				if !allowedTags[tok.name] {
					t.Fatalf("tag %q survived in %q", tok.name, out)
				}
				for _, a := range tok.attrs {
					if !allowedAttribute(tok.name, a) {
						t.Fatalf("attribute %q survived in %q", a.name, out)
					}
				}
			case skippedToken:
				t.Fatalf("comment or raw text survived in %q", out)
			}
		}
	})
}
