package api_test

import (
	"net/url"
	"testing"
)

// HTML fields are filtered on their visible text (tags and attributes
// ignored); phone fields match like patterns on their digits
// (query-language.md §7.1).
func TestHTMLAndPhoneComparisons(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	bold := thing(t, s, obj{"html": `<p>Hello <b class="x">world</b></p>`, "phone": "1-702-845-9380"})
	plain := thing(t, s, obj{"html": "<p>classic</p>", "phone": "+54 (11) 4444-5555"})
	cases := []struct {
		filter, value string
		want          []string
	}{
		{"html", "Hello world", []string{bold["id"].(string)}},
		{"html", "like(lo wor)", []string{bold["id"].(string)}},
		{"html", "like(class)", []string{plain["id"].(string)}}, // the attribute of the first is not text
		{"html", "like(/hello/)", []string{bold["id"].(string)}},
		{"phone", "like(702845)", []string{bold["id"].(string)}},
		{"phone", "like(702-845)", []string{bold["id"].(string)}},
		{"phone", "like(/5411)", []string{plain["id"].(string)}},
		{"phone", "like(9380/)", []string{bold["id"].(string)}},
		{"phone", "17028459380", []string{bold["id"].(string)}},
	}
	for _, c := range cases {
		p := list(t, s, "things", url.Values{c.filter: {c.value}}.Encode())
		if got := ids(p.Items); !sameSet(got, c.want) {
			t.Errorf("%s=%s: got %v, want %v", c.filter, c.value, got, c.want)
		}
	}
}
