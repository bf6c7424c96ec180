package api_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
)

// shop starts a server on the scripting test app (orders with actions of
// every type, customers, the clerks group).
func shop(t *testing.T, opts ...apitest.Options) *apitest.Server {
	t.Helper()
	return apitest.Start(t, os.DirFS("../app/testdata/shop"), opts...)
}

// order creates an order.
func order(t *testing.T, s *apitest.Server, number string, extra obj) obj {
	t.Helper()
	body := obj{"number": number}
	for k, v := range extra {
		body[k] = v
	}
	return create(t, s, "orders", body)
}

func TestActionOneRecord(t *testing.T) {
	t.Parallel()
	s := shop(t)
	o := order(t, s, "A1", obj{"amount": 40})
	id := o["id"].(string)
	path := "/data/orders/" + id + "/close"

	// Parameters are validated like fields, with their paths.
	s.As("PUT", path, nil).FieldError("reason", "required")
	s.As("PUT", path, obj{}).FieldError("reason", "required")
	s.As("PUT", path, obj{"reason": "done", "extra": 1}).FieldError("extra", "invalid")
	s.As("PUT", path, obj{"reason": arr{"a"}}).FieldError("reason", "invalid")
	s.As("PUT", path, `{"reason":`).Error(400, "badRequest")

	// Runs: the answer is the record after the action (a read's shape).
	r := s.As("PUT", path, obj{"reason": "customer paid"}).Status(200).JSON()
	if r["status"] != "closed" || r["note"] != "customer paid" || r["version"] != 1.0 || r["label"] != "A1 (closed)" {
		t.Fatalf("after close: %s", js(r))
	}
	if !jsonEq(r, get(t, s, "orders", id)) {
		t.Errorf("the answer differs from the stored record")
	}
	if _, has := r["reason"]; has {
		t.Errorf("a transient parameter was stored")
	}
	// The precondition ({"status": "open"}) is not met any more: 400.
	s.As("PUT", path, obj{"reason": "again"}).Error(400, "badRequest")

	// Unknown action, record, entity: 404.
	s.As("PUT", "/data/orders/"+id+"/frobnicate", nil).Error(404, "notFound")
	s.As("PUT", "/data/orders/"+strings.Repeat("0", 24)+"/summary", nil).Error(404, "notFound")
	s.As("PUT", "/data/orders/nope/summary", nil).Error(404, "notFound")
	s.As("PUT", "/data/nope/"+id+"/summary", nil).Error(404, "notFound")

	// resultAsResponse: the script's value is the answer.
	m := s.As("PUT", "/data/orders/"+id+"/summary", nil).Status(200).JSON()
	if m["number"] != "A1" || m["amount"] != 40.0 || m["tax"] != 4.0 || m["label"] != "A1 (closed)" || len(m) != 4 {
		t.Errorf("summary: %s", js(m))
	}

	// A script precondition.
	small := order(t, s, "A2", obj{"amount": 50})
	big := order(t, s, "A3", obj{"amount": 500})
	s.As("PUT", "/data/orders/"+small["id"].(string)+"/bigOnly", nil).Error(400, "badRequest")
	if m := s.As("PUT", "/data/orders/"+big["id"].(string)+"/bigOnly", nil).Status(200).JSON(); m["number"] != "A3" {
		t.Errorf("bigOnly: %s", js(m))
	}

	// saveDataBeforeRunning: the linked parameter is saved before the
	// script, which sees the saved record (and the one before).
	m = s.As("PUT", "/data/orders/"+small["id"].(string)+"/setAmount", obj{"amount": 75}).Status(200).JSON()
	if m["amount"] != 75.0 || m["before"] != 50.0 || m["version"] != 1.0 {
		t.Errorf("setAmount: %s", js(m))
	}
	if g := get(t, s, "orders", small["id"]); g["amount"] != 75.0 || g["tax"] != 7.5 {
		t.Errorf("after setAmount: %s", js(g))
	}
	// Without saveDataBeforeRunning a script change is saved by the script.
	s.As("PUT", "/data/orders/"+small["id"].(string)+"/touch", nil).Status(200)
	if g := get(t, s, "orders", small["id"]); g["note"] != "touched" || g["version"] != 2.0 {
		t.Errorf("after touch: %s", js(g))
	}
	// A no-op action answers the record unchanged.
	if m := s.As("PUT", "/data/orders/"+small["id"].(string)+"/noop", nil).Status(200).JSON(); m["version"] != 2.0 {
		t.Errorf("noop: %s", js(m))
	}
	// Parameters of every form: a date, a nested list (errors keep paths).
	s.As("PUT", "/data/orders/"+id+"/tooLate", obj{"when": "2024-13-01"}).FieldError("when", "invalid")
	s.As("PUT", "/data/orders/"+id+"/tooLate", obj{"when": "2024-01-01", "lines": arr{obj{"qty": 1}, obj{}}}).FieldError("lines[1].qty", "required")
	m = s.As("PUT", "/data/orders/"+id+"/tooLate", obj{"when": "2024-01-02", "lines": arr{obj{"qty": 3}}}).Status(200).JSON()
	if m["when"] != 1704153600000.0 || m["lines"] != 1.0 || m["qty"] != 3.0 {
		t.Errorf("params: %s", js(m))
	}
	// A global action cannot run on records.
	s.As("PUT", "/data/orders/"+id+"/stats", nil).Error(400, "badRequest")
}

func TestActionManyIDs(t *testing.T) {
	t.Parallel()
	s := shop(t)
	a := order(t, s, "M1", obj{"amount": 10})
	b := order(t, s, "M2", obj{"amount": 20, "status": "closed"})
	c := order(t, s, "M3", obj{"amount": 30})
	missing := strings.Repeat("0", 24)
	ids := strings.Join([]string{a["id"].(string), b["id"].(string), missing, "bogus", c["id"].(string)}, ",")

	// oneRecord over many ids: a result map, each record on its own.
	res := s.As("PUT", "/data/orders/"+ids+"/close", obj{"reason": "batch"}).Status(200).JSON()
	if len(res) != 5 {
		t.Fatalf("result map: %s", js(res))
	}
	for _, id := range []any{a["id"], c["id"]} {
		e := res[id.(string)].(obj)
		if e["status"] != "ok" || at(e, "response.status") != "closed" || at(e, "response.note") != "batch" {
			t.Errorf("%v: %s", id, js(e))
		}
	}
	for _, id := range []string{b["id"].(string), missing, "bogus"} {
		e := res[id].(obj)
		if e["status"] != "error" || e["errorMessage"] == "" || e["response"] != nil {
			t.Errorf("%s: %s", id, js(e))
		}
	}
	if msg := at(res, b["id"].(string)+".errorMessage").(string); !strings.Contains(msg, "precondition") {
		t.Errorf("precondition message: %s", msg)
	}
	// With resultAsResponse the entries hold the custom responses.
	res = s.As("PUT", "/data/orders/"+a["id"].(string)+","+c["id"].(string)+"/summary", nil).Status(200).JSON()
	if at(res, a["id"].(string)+".response.number") != "M1" || at(res, c["id"].(string)+".response.tax") != 3.0 {
		t.Errorf("summary map: %s", js(res))
	}
	// A script error fails only its record.
	res = s.As("PUT", "/data/orders/"+a["id"].(string)+","+c["id"].(string)+"/refuse", nil).Status(200).JSON()
	if at(res, a["id"].(string)+".errorMessage") != "Nope: M1" || at(res, c["id"].(string)+".status") != "error" {
		t.Errorf("refuse map: %s", js(res))
	}
	// manyRecords over ids: the one custom response.
	m := s.As("PUT", "/data/orders/"+ids+"/total", nil).Status(200).JSON()
	if m["count"] != 3.0 || m["sum"] != 60.0 || m["counted"] != 3.0 {
		t.Errorf("total over ids: %s", js(m))
	}
	// … also over a single id; nothing returned is {}.
	if m := s.As("PUT", "/data/orders/"+a["id"].(string)+"/total", nil).Status(200).JSON(); m["count"] != 1.0 {
		t.Errorf("total over one id: %s", js(m))
	}
	if r := s.As("PUT", "/data/orders/"+ids+"/empty", nil).Status(200); string(r.Body) != "{}" {
		t.Errorf("empty response: %s", r.Body)
	}
	// onlyOneRecord refuses lists.
	s.As("PUT", "/data/orders/"+a["id"].(string)+","+c["id"].(string)+"/single", nil).Error(400, "badRequest")
	if m := s.As("PUT", "/data/orders/"+a["id"].(string)+"/single", nil).Status(200).JSON(); m["id"] != a["id"] {
		t.Errorf("single: %s", js(m))
	}
}

func TestActionOverQuery(t *testing.T) {
	t.Parallel()
	s := shop(t)
	for i := 1; i <= 6; i++ {
		st := "open"
		if i%2 == 0 {
			st = "closed"
		}
		order(t, s, fmt.Sprintf("Q%d", i), obj{"amount": i * 10, "status": st})
	}
	// oneRecord over a query: the result map of the matches.
	res := s.As("PUT", "/data/orders/close?status=open&amount=greater(10)", obj{"reason": "query"}).Status(200).JSON()
	if len(res) != 2 {
		t.Fatalf("close over query: %s", js(res))
	}
	for id, e := range res {
		if at(e, "status") != "ok" || get(t, s, "orders", id)["status"] != "closed" {
			t.Errorf("%s: %s", id, js(e))
		}
	}
	// manyRecords over a query (and over everything): the custom response.
	if m := s.As("PUT", "/data/orders/total?amount=lessOrEquals(30)", nil).Status(200).JSON(); m["count"] != 3.0 || m["sum"] != 60.0 {
		t.Errorf("total over query: %s", js(m))
	}
	if m := s.As("PUT", "/data/orders/total", nil).Status(200).JSON(); m["count"] != 6.0 || m["sum"] != 210.0 {
		t.Errorf("total over all: %s", js(m))
	}
	if m := s.As("PUT", "/data/orders/total?_size=2&_sortField=amount&_sortType=desc", nil).Status(200).JSON(); m["sum"] != 110.0 {
		t.Errorf("total over a capped query: %s", js(m))
	}
	// global: no records; its response.
	if m := s.As("PUT", "/data/orders/stats", nil).Status(200).JSON(); m["orders"] != 6.0 || m["open"] != 1.0 {
		t.Errorf("stats: %s", js(m))
	}
	s.As("PUT", "/data/orders/stats?status=open", nil).Error(400, "badRequest")
	// JSON of what scripts return: dates in ms, BigNumbers as strings,
	// functions and undefined left out.
	if r := s.As("PUT", "/data/orders/values", nil).Status(200); string(r.Body) != `{"big":"2.5","date":1000,"list":[1,"a",null],"nested":{"x":true}}` {
		t.Errorf("values: %s", r.Body)
	}
	// Bad queries are 400; unknown action names 404; reserved words are not
	// actions; an id is an update.
	s.As("PUT", "/data/orders/total?amount=abc", nil).Error(400, "badRequest")
	s.As("PUT", "/data/orders/frobnicate", nil).Error(404, "notFound")
	if r := s.As("PUT", "/data/orders/aggregate", arr{obj{"count": "n"}}).Status(200); string(r.Body) != `{"total":1,"items":[{"n":6}]}` {
		t.Errorf("aggregate: %s", r.Body)
	}
	asyncRef(t, s.As("PUT", "/data/orders/export", obj{})) // the CSV export (a job), not an action
	o := order(t, s, "U1", nil)
	if m := update(t, s, "orders", o["id"], obj{"amount": 5}); m["tax"] != 0.5 {
		t.Errorf("update through the same route: %s", js(m))
	}
}

func TestActionScriptErrors(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	s := shop(t, apitest.Options{ScriptTimeout: 200 * time.Millisecond, Log: &log})
	o := order(t, s, "E1", nil)
	id := o["id"].(string)
	// An uncaught exception: 500 naming file, function and line; the stack
	// in the server log.
	m := s.As("PUT", "/data/orders/"+id+"/boom", nil).Error(500, "internalError")
	msg := m["message"].(string)
	if !strings.HasPrefix(msg, "Script error in model/entities/orders.js (function boomAction, line ") || !strings.Contains(msg, "TypeError") {
		t.Errorf("message: %s", msg)
	}
	if !strings.Contains(log.String(), "uncaught exception") || !strings.Contains(log.String(), "boomAction") {
		t.Errorf("log: %s", log.String())
	}
	// A business error of sys.exceptions: its code and message.
	m = s.As("PUT", "/data/orders/"+id+"/refuse", nil).Error(400, "badRequest")
	if m["message"] != "Nope: E1" {
		t.Errorf("refuse: %v", m["message"])
	}
	// The time limit stops an infinite loop.
	start := time.Now()
	m = s.As("PUT", "/data/orders/loop", nil).Error(500, "internalError")
	if !strings.Contains(m["message"].(string), "did not finish within 200ms") || time.Since(start) > 10*time.Second {
		t.Errorf("loop: %v after %s", m["message"], time.Since(start))
	}
	// The server still works.
	s.As("PUT", "/data/orders/"+id+"/summary", nil).Status(200)
	// Validation errors of a save inside an action are the action's (here
	// the record validation script refuses a negative amount).
	s.As("PUT", "/data/orders/"+id+"/setAmount", obj{"amount": -5}).FieldError("amount", "invalid")
	if g := get(t, s, "orders", id); g["version"] != 0.0 {
		t.Errorf("a refused action changed the record: %s", js(g))
	}
}

func TestActionPermissions(t *testing.T) {
	t.Parallel()
	s := shop(t)
	member(s, "clerk@example.org", "clerk-password", "clerks")
	tok := s.Login("clerk@example.org", "clerk-password")
	open := order(t, s, "P1", obj{"amount": 10})
	closed := order(t, s, "P2", obj{"amount": 20, "status": "closed"})
	do := func(method, path string, body any) *apitest.Response { return s.Do(method, path, tok, body) }

	// Listed and always: runs (the script saves through sys.data, which
	// bypasses group permissions).
	do("PUT", "/data/orders/"+open["id"].(string)+"/close", obj{"reason": "clerk"}).Status(200)
	// Not listed: 403, before parameters or records are looked at.
	do("PUT", "/data/orders/stats", nil).Error(403, "forbidden")
	do("PUT", "/data/orders/"+open["id"].(string)+"/boom", nil).Error(403, "forbidden")
	do("PUT", "/data/orders/nope/boom", nil).Error(403, "forbidden")
	// A condition on the record ({"status": "open"}): per record.
	p3 := order(t, s, "P3", nil)
	do("PUT", "/data/orders/"+p3["id"].(string)+"/summary", nil).Status(200)
	do("PUT", "/data/orders/"+closed["id"].(string)+"/summary", nil).Error(403, "forbidden")
	res := do("PUT", "/data/orders/"+p3["id"].(string)+","+closed["id"].(string)+"/summary", nil).Status(200).JSON()
	if at(res, p3["id"].(string)+".status") != "ok" || at(res, closed["id"].(string)+".status") != "error" {
		t.Errorf("conditional permission per record: %s", js(res))
	}
	// A readOnly parameter is not taken from the clerk (so required fails).
	do("PUT", "/data/orders/"+p3["id"].(string)+"/setAmount", obj{"amount": 5}).FieldError("amount", "required")
	// Developers run everything.
	s.As("PUT", "/data/orders/stats", nil).Status(200)
	// No token: 401.
	s.Do("PUT", "/data/orders/stats", "", nil).Error(401, "unauthorized")
}

func TestActionAsync(t *testing.T) {
	t.Parallel()
	s := shop(t)
	var list []string
	for i := 0; i < 30; i++ {
		list = append(list, order(t, s, fmt.Sprintf("J%02d", i), obj{"amount": i})["id"].(string))
	}
	// oneRecord over ids in the background: EXECUTE_ACTION with the map.
	id := asyncRef(t, s.As("PUT", "/data/orders/"+strings.Join(list[:3], ",")+"/close?_async=true", obj{"reason": "later"}))
	j := waitStatus(t, s, id, "FINISHED")
	if j["type"] != "EXECUTE_ACTION" || at(j, "data.entityName") != "orders" || at(j, "data.actionName") != "close" ||
		j["recordsCount"] != 3.0 || j["recordsProcessed"] != 3.0 || j["hasErrors"] != false {
		t.Fatalf("job: %s", js(j))
	}
	for _, rid := range list[:3] {
		if at(j, "results."+rid+".status") != "ok" || get(t, s, "orders", rid)["note"] != "later" {
			t.Errorf("%s: %s", rid, js(at(j, "results."+rid)))
		}
	}
	// Over a query, with a failing record; resultAsResponse puts the
	// response in the results.
	s.As("PUT", "/data/orders/"+list[5]+"/close", obj{"reason": "before"}).Status(200)
	id = asyncRef(t, s.As("PUT", "/data/orders/summary?_async=true&amount=between(4,6)", nil))
	j = waitStatus(t, s, id, "FINISHED")
	if j["recordsCount"] != 3.0 || at(j, "results."+list[4]+".response.number") != "J04" {
		t.Errorf("summary job: %s", js(j))
	}
	id = asyncRef(t, s.As("PUT", "/data/orders/close?_async=true&amount=between(4,6)", obj{"reason": "q"}))
	j = waitStatus(t, s, id, "FINISHED")
	if j["hasErrors"] != true || at(j, "results."+list[5]+".status") != "error" || at(j, "results."+list[4]+".status") != "ok" {
		t.Errorf("close job: %s", js(j))
	}
	// manyRecords in the background: {status, response}.
	id = asyncRef(t, s.As("PUT", "/data/orders/total?_async=true&amount=lessOrEquals(2)", nil))
	j = waitStatus(t, s, id, "FINISHED")
	if at(j, "results.status") != "ok" || at(j, "results.response.count") != 3.0 || at(j, "results.response.sum") != 3.0 {
		t.Errorf("total job: %s", js(j))
	}
	// executeInBackground is the default; _async=false overrides it.
	id = asyncRef(t, s.As("PUT", "/data/orders/"+list[10]+"/background", nil))
	waitStatus(t, s, id, "FINISHED")
	if get(t, s, "orders", list[10])["note"] != "touched" {
		t.Errorf("background action did not run")
	}
	if m := s.As("PUT", "/data/orders/"+list[11]+"/background?_async=false", nil).Status(200).JSON(); m["note"] != "touched" {
		t.Errorf("background run synchronously: %s", js(m))
	}
	// Checked before the job exists: unknown action, parameters, permission.
	before := len(jobsList(t, s))
	s.As("PUT", "/data/orders/"+list[0]+"/nope?_async=true", nil).Error(404, "notFound")
	s.As("PUT", "/data/orders/"+list[0]+"/close?_async=true", nil).FieldError("reason", "required")
	s.As("PUT", "/data/orders/"+list[0]+"/close?_async=maybe", nil).Error(400, "badRequest")
	if after := len(jobsList(t, s)); after != before {
		t.Errorf("refused requests created jobs: %d → %d", before, after)
	}
}

func jobsList(t *testing.T, s *apitest.Server) []any {
	t.Helper()
	return s.As("GET", "/status/jobs?_size=1000", nil).Status(200).JSON()["items"].([]any)
}

// The demo app: script-calculated names and labels, and its actions.
func TestDemoScripts(t *testing.T) {
	t.Parallel()
	s := demo(t)
	co := create(t, s, "companies", obj{"name": "Blogpad", "numberOfEmployees": 12, "isCustomer": true,
		"addresses": arr{obj{"addressLine": "1 Main St", "city": "Las Vegas", "state": "NV", "zipCode": "89145"}}})
	if at(co, "addresses.0.label") != "NV - 89145" {
		t.Errorf("address label: %s", js(co["addresses"]))
	}
	c := create(t, s, "contacts", obj{"firstName": "Ana", "lastName": "Lima", "company": co["id"]})
	if c["fullName"] != "Ana Lima" || c["label"] != "Ana Lima" {
		t.Errorf("contact: %s", js(c))
	}
	// addNote: a one-record action with a parameter; the new note gets its
	// date default.
	n := s.As("PUT", "/data/contacts/"+c["id"].(string)+"/addNote", obj{"note": "Called"}).Status(200).JSON()
	if at(n, "notes.0.note") != "Called" || at(n, "notes.0.label") != "Called" || at(n, "notes.0.date") == nil {
		t.Errorf("addNote: %s", js(n))
	}
	// changeState: parameters, the old record, a save.
	m := s.As("PUT", "/data/companies/"+co["id"].(string)+"/changeState", obj{"state": "inactive", "reason": "closed down"}).Status(200).JSON()
	if m["state"] != "inactive" || !strings.Contains(fmt.Sprint(m["notes"]), "closed down") {
		t.Errorf("changeState: %s", js(m))
	}
	s.As("PUT", "/data/companies/"+co["id"].(string)+"/changeState", obj{"state": "gone"}).FieldError("state", "invalid")
	// employeeSummary: many records, a custom response.
	create(t, s, "companies", obj{"name": "Fivechat", "numberOfEmployees": 30})
	if m := s.As("PUT", "/data/companies/employeeSummary", nil).Status(200).JSON(); m["companies"] != 2.0 || m["employees"] != 42.0 || m["customers"] != 1.0 {
		t.Errorf("employeeSummary: %s", js(m))
	}
	if m := s.As("PUT", "/data/companies/employeeSummary?isCustomer=true", nil).Status(200).JSON(); m["companies"] != 1.0 {
		t.Errorf("employeeSummary of customers: %s", js(m))
	}
	// Ordinary users of the demo's group may run them.
	member(s, "user@example.org", "user-password-1", "users")
	tok := s.Login("user@example.org", "user-password-1")
	s.Do("PUT", "/data/contacts/"+c["id"].(string)+"/addNote", tok, obj{"note": "by a user"}).Status(200)
	s.Do("PUT", "/data/companies/employeeSummary", tok, nil).Status(200)
}
