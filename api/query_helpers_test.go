package api_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"runway/api/apitest"
)

// matchIDs lists every record of entity that the raw (encoded) query
// selects, checking that total counts exactly the items answered.
func matchIDs(t *testing.T, s *apitest.Server, entity, query string) []string {
	t.Helper()
	if query != "" {
		query += "&"
	}
	p := list(t, s, entity, query+"_size=1000")
	if p.Total != int64(len(p.Items)) {
		t.Errorf("?%s: total %d for %d items", query, p.Total, len(p.Items))
	}
	return ids(p.Items)
}

// badQuery checks that GET /data/{entity}?query is a 400 badRequest whose
// message names param.
func badQuery(t *testing.T, s *apitest.Server, entity, query, param string) {
	t.Helper()
	r := s.As("GET", "/data/"+entity+"?"+query, nil)
	if r.Code != 400 {
		t.Errorf("?%s: status %d, want 400 badRequest: %s", query, r.Code, short(string(r.Body)))
		return
	}
	m := r.Error(400, "badRequest")
	if msg, _ := m["message"].(string); !strings.Contains(msg, param) {
		t.Errorf("?%s: message %q does not name the parameter %q", query, msg, param)
	}
}

// fixture names records r0, r1, … so that expected sets read as "1,3".
type fixture struct {
	ids  []string       // index → id
	name map[string]int // id → index
}

func newFixture(recs []obj) *fixture {
	f := &fixture{name: map[string]int{}}
	for i, r := range recs {
		id := r["id"].(string)
		f.ids = append(f.ids, id)
		f.name[id] = i
	}
	return f
}

// set turns "1,3" into those records' ids ("" = none).
func (f *fixture) set(want string) []string {
	var out []string
	for _, p := range strings.Split(want, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		var i int
		if _, err := fmt.Sscan(p, &i); err != nil || i < 0 || i >= len(f.ids) {
			panic("bad record index " + p)
		}
		out = append(out, f.ids[i])
	}
	return out
}

// names turns ids into a sorted "1,3" form for messages (unknown ids as is).
func (f *fixture) names(got []string) string {
	var out []string
	for _, id := range got {
		if i, ok := f.name[id]; ok {
			out = append(out, fmt.Sprint(i))
		} else {
			out = append(out, "?"+id)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// order turns ids into their indexes, in order.
func (f *fixture) order(got []string) []string {
	out := make([]string, len(got))
	for i, id := range got {
		if n, ok := f.name[id]; ok {
			out[i] = fmt.Sprint(n)
		} else {
			out[i] = "?" + id
		}
	}
	return out
}

func decodeJSON(b []byte, v any) error { return json.Unmarshal(b, v) }

// isErrorBody reports whether b is an error body of rest-api.md §2.1:
// a JSON object with a code, a message and an errors array.
func isErrorBody(b []byte) bool {
	var m struct {
		Code    *string
		Message *string
		Errors  *[]json.RawMessage
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return false
	}
	return m.Code != nil && *m.Code != "" && m.Message != nil && *m.Message != "" && m.Errors != nil
}
