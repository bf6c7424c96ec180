package data

import "testing"

func TestRankAfter(t *testing.T) {
	for _, max := range []string{"", "iiiii00000", "iiiiz00000", "zzzzz", "zzzzzzzzzz", "a0", "Z", "ZZZ", "0", "iiiii00000i", "~", "abc~~"} {
		next := rankAfter(max)
		if next <= max {
			t.Errorf("rankAfter(%q) = %q, not after it", max, next)
		}
	}
	if got := rankAfter("iiiiz00000"); got != "iiij000000" {
		t.Errorf("carry: got %q", got)
	}
	if got := rankAfter(""); got != firstRank {
		t.Errorf("first rank %q", got)
	}
}
