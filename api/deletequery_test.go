package api_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"runway/data"
)

func TestDeleteOverQuery(t *testing.T) {
	t.Parallel()
	s := demo(t)
	var pending, active []string
	for i := 0; i < 6; i++ {
		state := "pending"
		if i%2 == 1 {
			state = "active"
		}
		rec := create(t, s, "companies", obj{"name": fmt.Sprintf("dq %d", i), "state": state, "numberOfEmployees": i})
		if state == "pending" {
			pending = append(pending, rec["id"].(string))
		} else {
			active = append(active, rec["id"].(string))
		}
	}

	// A filter selects what goes; the answer is the per-record result map.
	res := s.As("DELETE", "/data/companies?state=pending", nil).Status(200).JSON()
	if len(res) != len(pending) {
		t.Fatalf("result map has %d entries, want %d: %v", len(res), len(pending), res)
	}
	for _, id := range pending {
		entry, _ := res[id].(map[string]any)
		if entry["status"] != "ok" || at(entry, "response.id") != id {
			t.Errorf("result of %s: %v", id, entry)
		}
		s.As("GET", "/data/companies/"+id, nil).Error(404, "notFound")
	}
	if p := list(t, s, "companies", ""); p.Total != int64(len(active)) {
		t.Fatalf("%d companies left, want %d", p.Total, len(active))
	}

	// _query and _size (a cap, in sort order) work as for lists.
	qs := url.Values{"_query": {"or(filter('numberOfEmployees','1'),filter('numberOfEmployees','3'))"}, "_size": {"1"}, "_sortField": {"numberOfEmployees"}, "_sortType": {"asc"}}
	res = s.As("DELETE", "/data/companies?"+qs.Encode(), nil).Status(200).JSON()
	if len(res) != 1 || res[active[0]] == nil {
		t.Fatalf("capped delete removed %v, want only %s", res, active[0])
	}

	// No filter: every record of the entity.
	res = s.As("DELETE", "/data/companies", nil).Status(200).JSON()
	if len(res) != len(active)-1 {
		t.Fatalf("delete all removed %d, want %d", len(res), len(active)-1)
	}
	if p := list(t, s, "companies", ""); p.Total != 0 {
		t.Fatalf("%d companies left after deleting all", p.Total)
	}
	// Nothing matches: an empty map, not an error.
	if res := s.As("DELETE", "/data/companies?state=pending", nil).Status(200).JSON(); len(res) != 0 {
		t.Fatalf("delete of nothing: %v", res)
	}
}

func TestDeleteOverQueryErrors(t *testing.T) {
	t.Parallel()
	s := demo(t)
	keep := create(t, s, "companies", obj{"name": "keep me", "state": "pending"})
	for _, path := range []string{
		"/data/companies?nope=1",
		"/data/companies?numberOfEmployees=abc",
		"/data/companies?_query=and(",
		"/data/companies?_size=0",
		"/data/companies?_sortType=up",
		"/data/companies?_async=maybe",
		"/data/companies?_triggerEvents=no",
		"/data/companies?_cascadeOperations=1",
		"/data/companies?_cascatdeOperations=x",
		"/data/companies?_lowPriority=2",
	} {
		s.As("DELETE", path, nil).Error(400, "badRequest")
	}
	s.As("DELETE", "/data/nope?state=pending", nil).Error(404, "notFound")
	s.Do("DELETE", "/data/companies", "", nil).Error(401, "unauthorized")
	get(t, s, "companies", keep["id"]) // nothing was deleted by the failed calls
	// The flags themselves are accepted.
	s.As("DELETE", "/data/companies?name=nobody&_triggerEvents=false&_cascadeOperations=false&_cascatdeOperations=true&_lowPriority=false&_async=false", nil).Status(200)
}

func TestDeleteOverQueryRefusesMoreThanTheSyncLimit(t *testing.T) {
	t.Parallel()
	s := demo(t)
	for i := 0; i <= data.MaxSyncRecords; i++ {
		create(t, s, "skills", obj{"name": fmt.Sprintf("skill %d", i)})
	}
	m := s.As("DELETE", "/data/skills", nil).Error(400, "badRequest")
	if msg := m["message"].(string); !contains(msg, "_async") {
		t.Fatalf("message does not point to _async: %q", msg)
	}
	if p := list(t, s, "skills", "_size=1"); p.Total != data.MaxSyncRecords+1 {
		t.Fatalf("a refused delete removed records: %d left", p.Total)
	}
	// A _size cap within the limit makes it synchronous again.
	res := s.As("DELETE", "/data/skills?_size=1000", nil).Status(200).JSON()
	if len(res) != data.MaxSyncRecords {
		t.Fatalf("capped delete removed %d", len(res))
	}
	if p := list(t, s, "skills", ""); p.Total != 1 {
		t.Fatalf("%d skills left, want 1", p.Total)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
