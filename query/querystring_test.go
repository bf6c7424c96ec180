package query

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"runway/apperr"
)

func TestParseQueryStringReadsWhatIsSent(t *testing.T) {
	for raw, want := range map[string]url.Values{
		"":                                {},
		"name=like(100%25)":               {"name": {"like(100%)"}},
		"a=1&a=2&b=x+y&&c":                {"a": {"1", "2"}, "b": {"x y"}, "c": {""}},
		"name=a%3Bb":                      {"name": {"a;b"}},
		"_query=filter('a','b')&n=%C3%A9": {"_query": {"filter('a','b')"}, "n": {"é"}},
		"=x":                              {"": {"x"}},
		"a/./..//=b/../c":                 {"a/./..//": {"b/../c"}},
		"name=a&name=b":                   {"name": {"a", "b"}}, // a repeated filter is AND-ed (query-language.md §1)
	} {
		got, err := ParseQueryString(raw)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseQueryString(%q) = %v, %v; want %v", raw, got, err, want)
		}
	}
}

// What it cannot read exactly: TestParseListErrorsNameTheParameter.

// FuzzParseQueryString checks the strict reader against url.ParseQuery:
// whatever Go's parser reports an error for, the strict one refuses (it
// never answers with fewer parameters), and whatever it accepts reads the
// same as Go's parser, with one value for each pair sent.
func FuzzParseQueryString(f *testing.F) {
	for _, s := range []string{
		"", "a=1", "a=1&b=2", "a=1;b=2", "name=like(100%)", "name=100%25", "%zz=1", "a=%", "a=%4", "a=%41",
		"_query=filter('name','a;b')", "_sortField=a;b", "_size=10%", "a=x+y", "a=/./../", "a//b=.", "=", "&&",
		"a", "a=1&a=2", "_a=1&_a=2", "a=%00", "a=%ff", "%2e%2e/=%2F", "a=b=c", "a=é;", "a=%;%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := ParseQueryString(raw)
		goV, goErr := url.ParseQuery(raw)
		if err != nil {
			if e := apperr.As(err); e == nil || e.Code != apperr.BadRequest || !strings.HasPrefix(e.Message, "Invalid ") {
				t.Fatalf("ParseQueryString(%q): %v is not a badRequest naming the parameter", raw, err)
			}
			return
		}
		if goErr != nil {
			t.Fatalf("ParseQueryString(%q) accepted what url.ParseQuery refuses (%v): %v", raw, goErr, got)
		}
		if !reflect.DeepEqual(got, goV) {
			t.Fatalf("ParseQueryString(%q) = %v, url.ParseQuery = %v", raw, got, goV)
		}
		n := 0
		for _, vs := range got {
			n += len(vs)
		}
		pairs := 0
		for _, p := range strings.Split(raw, "&") {
			if p != "" {
				pairs++
			}
		}
		if n != pairs {
			t.Fatalf("ParseQueryString(%q): %d values for %d pairs", raw, n, pairs)
		}
	})
}
