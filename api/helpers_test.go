package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"runway/api/apitest"
)

// kitchen starts a server on the test app that has one field of every type.
func kitchen(t *testing.T) *apitest.Server {
	t.Helper()
	return apitest.Start(t, os.DirFS("../app/testdata/kitchen"))
}

// demo starts a server on the built-in demo app.
func demo(t *testing.T, opts ...apitest.Options) *apitest.Server {
	t.Helper()
	return apitest.Start(t, nil, opts...)
}

var idRE = regexp.MustCompile(`^[0-9a-f]{24}$`)

func isID(v any) bool {
	s, ok := v.(string)
	return ok && idRE.MatchString(s)
}

// obj is a JSON object literal.
type obj = map[string]any

// arr is a JSON array literal.
type arr = []any

// create creates a record and returns it, failing unless the answer is 200.
func create(t *testing.T, s *apitest.Server, entity string, body obj) obj {
	t.Helper()
	return s.As("POST", "/data/"+entity, body).Status(200).JSON()
}

// thing creates a kitchen "things" record; requiredText is filled in unless
// the body has it.
func thing(t *testing.T, s *apitest.Server, body obj) obj {
	t.Helper()
	return create(t, s, "things", withRequired(body))
}

func withRequired(body obj) obj {
	out := obj{"requiredText": "required"}
	for k, v := range body {
		out[k] = v
	}
	return out
}

// get reads one record.
func get(t *testing.T, s *apitest.Server, entity string, id any) obj {
	t.Helper()
	return s.As("GET", fmt.Sprintf("/data/%s/%s", entity, id), nil).Status(200).JSON()
}

// update updates one record and returns it, failing unless the answer is 200.
func update(t *testing.T, s *apitest.Server, entity string, id any, body obj) obj {
	t.Helper()
	return s.As("PUT", fmt.Sprintf("/data/%s/%s", entity, id), body).Status(200).JSON()
}

// page is a list envelope.
type page struct {
	Total  int64            `json:"total"`
	Offset any              `json:"offset"`
	Items  []map[string]any `json:"items"`
}

// list reads a page of an entity with a raw query string (already encoded).
func list(t *testing.T, s *apitest.Server, entity, query string) page {
	t.Helper()
	path := "/data/" + entity
	if query != "" {
		path += "?" + query
	}
	r := s.As("GET", path, nil).Status(200)
	var keys map[string]json.RawMessage
	r.Decode(&keys)
	for _, k := range []string{"total", "offset", "items"} {
		if _, ok := keys[k]; !ok {
			t.Fatalf("list envelope without %q: %s", k, r.Body)
		}
	}
	if len(keys) != 3 {
		t.Fatalf("list envelope has keys other than total, offset, items: %s", r.Body)
	}
	var p page
	r.Decode(&p)
	if p.Items == nil {
		t.Fatalf("items is null: %s", r.Body)
	}
	return p
}

// q encodes query parameters given as name, value pairs.
func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// ids returns the ids of list items.
func ids(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i], _ = it["id"].(string)
	}
	return out
}

// sameSet reports whether two id lists hold the same ids, ignoring order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
		if m[x] < 0 {
			return false
		}
	}
	return true
}

// at reads a dotted path ("a.b", "items.0.name") of decoded JSON.
func at(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			var i int
			if _, err := fmt.Sscanf(p, "%d", &i); err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// jsonEq compares decoded JSON values after normalising both through JSON.
func jsonEq(a, b any) bool {
	return reflect.DeepEqual(norm(a), norm(b))
}

func norm(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("unencodable %T", v)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Sprintf("undecodable %s", b)
	}
	return out
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// wantKeys fails unless the object has exactly these keys.
func wantKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	if len(m) != len(keys) {
		t.Fatalf("keys of %s, want exactly %v", js(m), keys)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Fatalf("no key %q in %s, want exactly %v", k, js(m), keys)
		}
	}
}

func mustReq(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
