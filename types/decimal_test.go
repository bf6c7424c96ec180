package types

import "testing"

func TestParseDecimal(t *testing.T) {
	valid := map[string]string{
		"0": "0", "-0": "0", "+5": "5", "007": "7", "1.50": "1.5", ".5": "0.5", "5.": "5",
		"1e3": "1000", "1E+3": "1000", "-1.25e-3": "-0.00125", "120": "120", "0.000": "0",
	}
	for in, want := range valid {
		d, ok := parseDecimal(in)
		if !ok || d.String() != want {
			t.Errorf("parseDecimal(%q) = %q, %v; want %q", in, d.String(), ok, want)
		}
	}
	for _, bad := range []string{"", "-", ".", "1..2", "1e", "e5", "1e+", "abc", "1,5", "0x10", "NaN", "Inf", " 1", "1e1000001", "1_000"} {
		if _, ok := parseDecimal(bad); ok {
			t.Errorf("parseDecimal(%q) should fail", bad)
		}
	}
}

func TestDecimalCmpAndRound(t *testing.T) {
	d := func(s string) decimal {
		v, ok := parseDecimal(s)
		if !ok {
			t.Fatalf("bad literal %q", s)
		}
		return v
	}
	cmps := []struct {
		a, b string
		want int
	}{
		{"1", "2", -1}, {"10", "9.99", 1}, {"-1", "1", -1}, {"-2", "-1", -1},
		{"0", "-0.0", 0}, {"1.10", "1.1", 0}, {"0.001", "0", 1}, {"-0.001", "0", -1},
		{"123456789012345678901234567890", "123456789012345678901234567891", -1},
	}
	for _, c := range cmps {
		if got := d(c.a).cmp(d(c.b)); got != c.want {
			t.Errorf("cmp(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	rounds := []struct {
		in   string
		n    int
		mode string
		want string
	}{
		{"1.005", 2, roundHalfUp, "1.01"}, {"1.004", 2, roundHalfUp, "1"}, {"9.995", 2, roundHalfUp, "10"},
		{"-1.005", 2, roundHalfUp, "-1.01"}, {"0.0049", 2, roundHalfUp, "0"}, {"0.005", 2, roundHalfUp, "0.01"},
		{"0.0004", 2, roundHalfUp, "0"}, {"1.999", 2, truncate, "1.99"}, {"-0.001", 2, truncate, "0"},
		{"12", 0, roundHalfUp, "12"}, {"0.5", 0, roundHalfUp, "1"},
	}
	for _, c := range rounds {
		if got := d(c.in).round(c.n, c.mode).String(); got != c.want {
			t.Errorf("round(%s, %d, %s) = %s, want %s", c.in, c.n, c.mode, got, c.want)
		}
	}
	if got := d("1.5").fixed(3); got != "1.500" {
		t.Errorf("fixed = %s", got)
	}
	if got := d("0").fixed(2); got != "0.00" {
		t.Errorf("fixed zero = %s", got)
	}
}
