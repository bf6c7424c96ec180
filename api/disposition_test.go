package api

import (
	"mime"
	"strings"
	"testing"

	"runway/files"
)

// FuzzContentDisposition: whatever the name, the header holds no control
// character, and a stored (safe) name reads back exactly.
func FuzzContentDisposition(f *testing.F) {
	f.Add(`a "b" \c.txt`)
	f.Add("Résumé 日本.pdf")
	f.Add("x\r\nSet-Cookie: a=b")
	f.Fuzz(func(t *testing.T, name string) {
		cd := contentDisposition(name)
		for _, r := range cd {
			if r < 0x20 || r >= 0x7f {
				t.Fatalf("%q: header %q holds %U", name, cd, r)
			}
		}
		safe := files.SafeName(name)
		typ, params, err := mime.ParseMediaType(contentDisposition(safe))
		if err != nil || typ != "attachment" || params["filename"] != safe {
			t.Fatalf("%q: %q reads back %v %v", safe, contentDisposition(safe), params, err)
		}
		if !strings.HasPrefix(cd, `attachment; filename="`) {
			t.Fatalf("%q: %q", name, cd)
		}
	})
}
