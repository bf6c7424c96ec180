package query

import (
	"strings"
	"testing"
)

func TestLikeNeedle(t *testing.T) {
	for p, want := range map[string]string{
		"ACME": "acme", "/Acme": "acme", "Corp/": "corp", "ab": "", "/ab": "", "MÜLLER": "müller",
		"/^(acme|beta)/": "", "/ac.e corp/": "e corp", "/thing 1[0-9]/": "thing 1", "/sol(ar)+ p/": "", "/wol(far)+ p/": "wol",
		`/\d+/`: "", "/sun/": "", "/(?-i)Acme/": "acme", "/x{2,}abc/": "abc", "/a\x00bc/": "",
	} {
		if got := LikeNeedle(p); got != want {
			t.Errorf("LikeNeedle(%q) = %q, want %q", p, got, want)
		}
	}
}

// The needle of a pattern is in the lowercased text of every value the
// pattern matches: the trigram index never loses a match.
func FuzzLikeNeedle(f *testing.F) {
	for _, s := range [][2]string{{"ACME corp", "corp/"}, {"ſun", "/sun/"}, {"Kelvin", "/kel/"}, {"MÜLLER", "/müller/"},
		{"İstanbul", "/istanbul/"}, {"abc", "/a(b)c/"}, {"ΣΑΣ", "σας"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, v, p string) {
		n := LikeNeedle(p)
		if n == "" || !likeAny(v, []any{p}) {
			return
		}
		if !strings.Contains(strings.ToLower(goString(v)), n) {
			t.Fatalf("%q matches %q but its text lacks the needle %q", v, p, n)
		}
	})
}
