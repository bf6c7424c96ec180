package api_test

import (
	"net/url"
	"testing"
)

// A list ordered by distance pages by position: its next offset is a
// number, which the next request accepts (an id offset is refused with near).
func TestNearListPagesByPosition(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	var want []string
	for _, lat := range []float64{0.001, 0.002, 0.003} {
		rec := thing(t, s, obj{"geoPoint": obj{"latitude": lat, "longitude": 0}})
		want = append(want, rec["id"].(string))
	}
	near := url.Values{"geoPoint": {"near(0,0)"}, "_size": {"2"}}
	p := list(t, s, "things", near.Encode())
	if got := ids(p.Items); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("first page %v, want nearest first %v", got, want[:2])
	}
	if off, ok := p.Offset.(float64); !ok || off != 2 {
		t.Fatalf("next offset %v, want the position 2", p.Offset)
	}
	near.Set("_offset", "2")
	p = list(t, s, "things", near.Encode())
	if got := ids(p.Items); len(got) != 1 || got[0] != want[2] || p.Offset != nil {
		t.Fatalf("second page %v (offset %v), want [%s] and no next offset", got, p.Offset, want[2])
	}
}
