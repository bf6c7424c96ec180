package files

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"runway/store"
)

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":              "report.pdf",
		"../../etc/passwd":        "passwd",
		`C:\Users\ana\cv.docx`:    "cv.docx",
		"dir/":                    "file",
		"..":                      "file",
		"...":                     "file",
		"  spaced  ":              "spaced",
		"a\nb\r\nc\td.txt":        "a b  c d.txt",
		"right\u202Eto\u200Bleft": "righttoleft",
		"bad \xff utf8":           "bad \uFFFD utf8",
		"Résumé 日本.pdf":           "Résumé 日本.pdf",
		`say "hi" 'there'`:        `say "hi" 'there'`,
		"line\u2028sep":           "line sep",
	} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
	long := SafeName(strings.Repeat("日", 200))
	if len(long) > maxName || !utf8.ValidString(long) {
		t.Errorf("long name: %d bytes, valid %v", len(long), utf8.ValidString(long))
	}
}

func FuzzSafeName(f *testing.F) {
	f.Add("../a\n.txt")
	f.Add("\xff\u202e")
	f.Fuzz(func(t *testing.T, in string) {
		got := SafeName(in)
		if got == "" || len(got) > maxName || !utf8.ValidString(got) || strings.ContainsAny(got, "/\\") ||
			strings.Trim(got, ".") == "" || got != strings.TrimSpace(got) {
			t.Fatalf("SafeName(%q) = %q", in, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("SafeName(%q) = %q keeps %U", in, got, r)
			}
		}
		if SafeName(got) != got {
			t.Fatalf("SafeName is not idempotent on %q", got)
		}
	})
}

func TestSafeContentType(t *testing.T) {
	for _, c := range []struct{ ct, name, want string }{
		{"text/csv", "a.csv", "text/csv"},
		{"Text/CSV; Charset=UTF-8", "a", "text/csv; charset=UTF-8"},
		{"", "a.PDF", "application/pdf"},
		{"not a type", "a.unknownext", "application/octet-stream"},
		{"text/plain\r\nX-Evil: 1", "a", "application/octet-stream"},
		{"", "noext", "application/octet-stream"},
	} {
		if got := SafeContentType(c.ct, c.name); got != c.want {
			t.Errorf("SafeContentType(%q, %q) = %q, want %q", c.ct, c.name, got, c.want)
		}
	}
}

func TestValueName(t *testing.T) {
	for size, want := range map[int64]string{0: "a.txt (0B)", 120_400: "a.txt (120.4kB)", 41_500: "a.txt (41.5kB)", 4000: "a.txt (4kB)"} {
		if got := ValueName(&store.File{Name: "a.txt", Size: size}); got != want {
			t.Errorf("ValueName(%d) = %q, want %q", size, got, want)
		}
	}
}

func TestLimited(t *testing.T) {
	for _, c := range []struct {
		n, max int
		tooBig bool
	}{{0, 0, false}, {5, 5, false}, {6, 5, true}, {1 << 20, 1<<20 - 1, true}, {1 << 20, 1 << 20, false}} {
		l := &limited{r: strings.NewReader(strings.Repeat("x", c.n)), left: int64(c.max)}
		var err error
		buf := make([]byte, 4096)
		for err == nil {
			_, err = l.Read(buf)
		}
		if (err == errTooLarge) != c.tooBig {
			t.Errorf("%d bytes, limit %d: %v", c.n, c.max, err)
		}
	}
}
