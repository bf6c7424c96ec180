package api_test

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
	"runway/clock"
	"runway/jobs"
)

// The history of records (rest-api.md §6.12) over the history test app
// (app/testdata/history): notes keep history with ignored and sensitive
// fields, followups are written by a listener, plain keeps none.

// entryKeys are the keys of a history entry (rest-api.md §6.12.1).
var entryKeys = []string{"id", "entityId", "entityName", "entityVersion", "recordId", "recordName", "user",
	"timestamp", "ip", "eventType", "eventCategory", "contextPath", "recordDeleted", "deletionDate",
	"oldRecord", "newRecord"}

const histPassword = "history-password-1"

// hist is a server of the history test app on a manual clock, with a user
// per group.
type hist struct {
	s     *apitest.Server
	clk   *clock.Manual
	tok   map[string]string // by user: auditor, noAudit, openAudit, nobody, super, dev
	email map[string]string
}

var histT0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func histServer(t *testing.T, opts ...apitest.Options) *hist {
	t.Helper()
	var o apitest.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	clk := clock.NewManual(histT0)
	o.Clock = clk
	s := apitest.Start(t, os.DirFS("../app/testdata/history"), o)
	h := &hist{s: s, clk: clk, tok: map[string]string{"dev": s.Token}, email: map[string]string{"dev": apitest.AdminEmail}}
	for user, extra := range map[string]obj{
		"auditor":   {"groups": arr{obj{"group": "auditors"}}},
		"noAudit":   {"groups": arr{obj{"group": "noAudit"}}},
		"openAudit": {"groups": arr{obj{"group": "openAudit"}}},
		"nobody":    nil,
		"super":     {"permissions": obj{"superUser": true}},
	} {
		h.email[user] = strings.ToLower(user) + "@example.org"
		s.CreateUser(h.email[user], histPassword, extra)
		h.tok[user] = s.Login(h.email[user], histPassword)
	}
	return h
}

// as sends a request as a user.
func (h *hist) as(user, method, path string, body any) *apitest.Response {
	return h.s.Do(method, path, h.tok[user], body)
}

// entries reads a history page as a user, checking the envelope and the
// keys of every entry.
func (h *hist) entries(t *testing.T, user, path string) page {
	t.Helper()
	r := h.as(user, "GET", path, nil).Status(200)
	var p page
	r.Decode(&p)
	wantKeys(t, r.JSON(), "total", "offset", "items")
	for _, it := range p.Items {
		wantKeys(t, it, entryKeys...)
	}
	if p.Items == nil {
		t.Fatalf("items is null: %s", r.Body)
	}
	return p
}

func eventTypes(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = fmt.Sprint(it["eventType"])
	}
	return out
}

func ms(t time.Time) float64 { return float64(t.UnixMilli()) }

// TestRecordHistoryThroughREST: a note created, changed twice (once only
// in ignored fields) and deleted over REST has three entries, newest
// first, with every key of rest-api.md §6.12.1: the acting user and IP,
// the clock's timestamps, changed fields only as {json, text}, the
// creation as {} → the plain record (masked, without the fields the reader
// may not read), and the deletion on every entry of the record.
func TestRecordHistoryThroughREST(t *testing.T) {
	t.Parallel()
	h := histServer(t)
	s := h.s
	note := h.as("auditor", "POST", "/data/notes", obj{"title": "Plan", "status": "open", "amount": 10, "pin": "1234",
		"tags": arr{"a"}, "address": obj{"street": "Main 1", "zip": "111"}}).Status(200).JSON()
	id := note["id"].(string)
	t1 := histT0
	h.clk.Advance(time.Minute)
	h.as("auditor", "PUT", "/data/notes/"+id, obj{"status": "closed", "amount": 12.5, "tags": arr{"a", "b"}}).Status(200)
	h.clk.Advance(time.Minute)
	// Only ignored fields (scratch, address.zip): no entry.
	h.as("auditor", "PUT", "/data/notes/"+id, obj{"scratch": "x", "address": obj{"id": note["address"].(obj)["id"], "zip": "222"}}).Status(200)
	h.clk.Advance(time.Minute)
	t3 := histT0.Add(3 * time.Minute)
	h.as("auditor", "DELETE", "/data/notes/"+id, nil).Status(200)

	p := h.entries(t, "auditor", "/data/notes/"+id+"/auditLogs")
	if p.Total != 3 || p.Offset != nil || !reflect.DeepEqual(eventTypes(p.Items), []string{"USER_RECORD_DELETED", "USER_RECORD_CHANGED", "USER_RECORD_CREATED"}) {
		t.Fatalf("history: %d %v %v", p.Total, p.Offset, eventTypes(p.Items))
	}
	del, chg, crt := p.Items[0], p.Items[1], p.Items[2]
	for _, it := range p.Items {
		if !isID(it["id"]) || !isID(it["entityId"]) || it["entityName"] != "notes" || it["entityVersion"] != 1.0 ||
			it["recordId"] != id || it["recordName"] != "Plan" || it["user"] != h.email["auditor"] ||
			it["ip"] != "127.0.0.1" || it["eventCategory"] != "USER" || it["recordDeleted"] != true || it["deletionDate"] != ms(t3) {
			t.Errorf("entry %s", js(it))
		}
	}
	if crt["timestamp"] != ms(t1) || crt["contextPath"] != "entities.notes.create" || keysOf(crt["oldRecord"]) != "" {
		t.Errorf("creation %s", js(crt))
	}
	created := crt["newRecord"].(obj)
	if created["title"] != "Plan" || created["pin"] != "****" || created["id"] != id || created["hidden"] != nil ||
		created["address"].(obj)["zip"] != nil || created["address"].(obj)["street"] != "Main 1" {
		t.Errorf("created record %s (pin masked, hidden unreadable, zip ignored)", js(created))
	}
	if chg["timestamp"] != ms(t1.Add(time.Minute)) || chg["contextPath"] != "entities.notes.update" {
		t.Errorf("change %s", js(chg))
	}
	wantOld := obj{"status": obj{"json": "open", "text": "Open"}, "amount": obj{"json": 10.0, "text": "$10.00"},
		"tags": obj{"json": arr{"a"}, "text": "a"}}
	wantNew := obj{"status": obj{"json": "closed", "text": "Closed"}, "amount": obj{"json": 12.5, "text": "$12.50"},
		"tags": obj{"json": arr{"a", "b"}, "text": "a, b"}}
	if !reflect.DeepEqual(chg["oldRecord"], wantOld) || !reflect.DeepEqual(chg["newRecord"], wantNew) {
		t.Errorf("change old %s new %s", js(chg["oldRecord"]), js(chg["newRecord"]))
	}
	if del["timestamp"] != ms(t3) || del["contextPath"] != "entities.notes.delete" || keysOf(del["newRecord"]) != "" ||
		del["oldRecord"].(obj)["status"] != "closed" || del["oldRecord"].(obj)["pin"] != "****" {
		t.Errorf("deletion %s", js(del))
	}
	// The older name of the endpoint answers the same.
	alias := s.Do("GET", "/data/notes/"+id+"/history", h.tok["auditor"], nil).Status(200)
	orig := s.Do("GET", "/data/notes/"+id+"/auditLogs", h.tok["auditor"], nil).Status(200)
	if string(alias.Body) != string(orig.Body) {
		t.Errorf("/history differs:\n%s\n%s", alias.Body, orig.Body)
	}
	// Fields the reader may not read are left out: auditors do not see
	// hidden, a developer does; pin stays masked for both.
	other := h.as("dev", "POST", "/data/notes", obj{"title": "Other", "hidden": "h", "pin": "1"}).Status(200).JSON()["id"].(string)
	for user, hidden := range map[string]any{"dev": "h", "auditor": nil} {
		p := h.entries(t, user, "/data/notes/"+other+"/auditLogs")
		if rec := p.Items[0]["newRecord"].(obj); p.Total != 1 || rec["hidden"] != hidden || rec["pin"] != "****" || rec["title"] != "Other" {
			t.Errorf("%s's view of a creation: %s", user, js(p.Items))
		}
	}
}

// TestHistoryPaging: newest first, _size (default 20, at most 1000),
// _offset the id of the last entry of the previous page, offset null on
// the last page.
func TestHistoryPaging(t *testing.T) {
	t.Parallel()
	h := histServer(t)
	id := h.as("dev", "POST", "/data/notes", obj{"title": "P", "amount": 0}).Status(200).JSON()["id"].(string)
	for i := 1; i <= 24; i++ {
		h.as("dev", "PUT", "/data/notes/"+id, obj{"amount": i}).Status(200)
	}
	base := "/data/notes/" + id + "/auditLogs"
	first := h.entries(t, "dev", base)
	if first.Total != 25 || len(first.Items) != 20 || first.Offset != first.Items[19]["id"] {
		t.Fatalf("first page: total %d, %d items, offset %v", first.Total, len(first.Items), first.Offset)
	}
	if first.Items[0]["newRecord"].(obj)["amount"].(obj)["json"] != 24.0 {
		t.Errorf("newest first: %s", js(first.Items[0]))
	}
	rest := h.entries(t, "dev", base+"?_offset="+first.Offset.(string))
	if rest.Total != 25 || len(rest.Items) != 5 || rest.Offset != nil || rest.Items[4]["eventType"] != "USER_RECORD_CREATED" {
		t.Fatalf("second page: %d %d %v", rest.Total, len(rest.Items), rest.Offset)
	}
	seen := map[any]bool{}
	for _, it := range append(first.Items, rest.Items...) {
		if seen[it["id"]] {
			t.Errorf("entry %v twice", it["id"])
		}
		seen[it["id"]] = true
	}
	if p := h.entries(t, "dev", base+"?_size=3"); len(p.Items) != 3 || p.Offset != p.Items[2]["id"] {
		t.Errorf("_size=3: %d %v", len(p.Items), p.Offset)
	}
	if p := h.entries(t, "dev", base+"?_size=1000"); len(p.Items) != 25 || p.Offset != nil {
		t.Errorf("_size=1000: %d %v", len(p.Items), p.Offset)
	}
	for _, bad := range []string{"_size=0", "_size=1001", "_size=x", "_offset=nope", "_size=1&_size=2"} {
		h.as("dev", "GET", base+"?"+bad, nil).Error(400, "badRequest")
		h.as("dev", "GET", "/data/notes/auditLogs?"+bad, nil).Error(400, "badRequest")
	}
}

// TestHistoryErrorsAndPermissions: rest-api.md §6.12's errors and the
// auditLogs group permission (app-model.md §6.2).
func TestHistoryErrorsAndPermissions(t *testing.T) {
	t.Parallel()
	h := histServer(t)
	open := h.as("dev", "POST", "/data/notes", obj{"title": "Open one", "status": "open"}).Status(200).JSON()["id"].(string)
	closed := h.as("dev", "POST", "/data/notes", obj{"title": "Closed one", "status": "closed"}).Status(200).JSON()["id"].(string)
	gone := h.as("dev", "POST", "/data/notes", obj{"title": "Gone", "status": "open"}).Status(200).JSON()["id"].(string)
	h.as("dev", "DELETE", "/data/notes/"+gone, nil).Status(200)
	h.as("dev", "POST", "/data/plain", obj{"name": "x"}).Status(200)

	for _, path := range []string{"/data/nope/auditLogs", "/data/nope/" + open + "/auditLogs", "/data/nope/history"} {
		h.as("dev", "GET", path, nil).Error(404, "notFound")
	}
	// An entity without history.
	h.as("dev", "GET", "/data/plain/auditLogs", nil).Error(400, "badRequest")
	h.as("auditor", "GET", "/data/plain/"+open+"/history", nil).Error(400, "badRequest")
	// A malformed record id; an unknown one has an empty history.
	h.as("dev", "GET", "/data/notes/12345/auditLogs", nil).Error(400, "badRequest")
	if p := h.entries(t, "dev", "/data/notes/0123456789abcdef01234567/auditLogs"); p.Total != 0 || len(p.Items) != 0 || p.Offset != nil {
		t.Errorf("unknown record: %+v", p)
	}
	// A deleted record's history stays readable.
	if p := h.entries(t, "auditor", "/data/notes/"+gone+"/auditLogs"); p.Total != 2 || p.Items[0]["recordDeleted"] != true {
		t.Errorf("deleted record: %+v", p)
	}
	// Bad filters of the entity history.
	for _, bad := range []string{"eventTypes=USER_RECORD_EATEN", "eventTypes=USER_RECORD_CREATED,nope", "from=yesterday", "to=1.5"} {
		h.as("dev", "GET", "/data/notes/auditLogs?"+bad, nil).Error(400, "badRequest")
	}

	// Who may read which history.
	for _, c := range []struct {
		user                 string
		openRec, closedRec   int
		goneRec, wholeEntity int
	}{
		{"dev", 200, 200, 200, 200},
		{"super", 200, 200, 200, 200},
		{"auditor", 200, 200, 200, 200},
		{"noAudit", 403, 403, 403, 403}, // auditLogs never
		{"nobody", 403, 403, 403, 403},  // no group grants notes
		// auditLogs {"status": "open"}: records that meet it (a deleted
		// one as its deletion left it); never the whole entity.
		{"openAudit", 200, 403, 200, 403},
	} {
		for _, r := range []struct {
			path string
			want int
		}{{"/data/notes/" + open + "/auditLogs", c.openRec}, {"/data/notes/" + closed + "/history", c.closedRec},
			{"/data/notes/" + gone + "/auditLogs", c.goneRec}, {"/data/notes/auditLogs", c.wholeEntity}, {"/data/notes/history", c.wholeEntity}} {
			res := h.as(c.user, "GET", r.path, nil)
			if r.want == 200 {
				res.Status(200)
			} else {
				res.Error(r.want, "forbidden")
			}
		}
	}
	h.s.Do("GET", "/data/notes/auditLogs", "", nil).Error(401, "unauthorized")
}

// TestEntityHistoryFilters: the history of every record of an entity, with
// eventTypes, from and to.
func TestEntityHistoryFilters(t *testing.T) {
	t.Parallel()
	h := histServer(t)
	a := h.as("dev", "POST", "/data/notes", obj{"title": "A"}).Status(200).JSON()["id"].(string)
	h.clk.Advance(time.Hour)
	b := h.as("dev", "POST", "/data/notes", obj{"title": "B"}).Status(200).JSON()["id"].(string)
	h.clk.Advance(time.Hour)
	h.as("dev", "PUT", "/data/notes/"+a, obj{"status": "open"}).Status(200)
	h.clk.Advance(time.Hour)
	h.as("dev", "DELETE", "/data/notes/"+b, nil).Status(200)

	all := h.entries(t, "dev", "/data/notes/auditLogs")
	if all.Total != 4 || !reflect.DeepEqual(eventTypes(all.Items), []string{"USER_RECORD_DELETED", "USER_RECORD_CHANGED", "USER_RECORD_CREATED", "USER_RECORD_CREATED"}) {
		t.Fatalf("entity history: %v", eventTypes(all.Items))
	}
	if all.Items[0]["recordId"] != b || all.Items[1]["recordId"] != a || all.Items[3]["recordDeleted"] != nil || all.Items[2]["recordDeleted"] != true {
		t.Errorf("records: %s", js(all.Items))
	}
	for q, want := range map[string][]string{
		"eventTypes=USER_RECORD_CREATED":                                                                       {"USER_RECORD_CREATED", "USER_RECORD_CREATED"},
		"eventTypes=user_record_deleted,USER_RECORD_CHANGED":                                                   {"USER_RECORD_DELETED", "USER_RECORD_CHANGED"},
		"eventTypes=SCRIPT_RECORD_CREATED":                                                                     {},
		fmt.Sprintf("from=%d", histT0.Add(time.Hour).UnixMilli()):                                              {"USER_RECORD_DELETED", "USER_RECORD_CHANGED", "USER_RECORD_CREATED"},
		fmt.Sprintf("to=%d", histT0.Add(time.Hour).UnixMilli()):                                                {"USER_RECORD_CREATED", "USER_RECORD_CREATED"},
		fmt.Sprintf("from=%d&to=%d", histT0.Add(time.Hour).UnixMilli(), histT0.Add(2*time.Hour).UnixMilli()):   {"USER_RECORD_CHANGED", "USER_RECORD_CREATED"},
		fmt.Sprintf("from=%d&eventTypes=USER_RECORD_CREATED&_size=1", histT0.Add(time.Minute).UnixMilli()):     {"USER_RECORD_CREATED"},
		fmt.Sprintf("from=%d&to=%d", histT0.Add(5*time.Hour).UnixMilli(), histT0.Add(6*time.Hour).UnixMilli()): {},
	} {
		p := h.entries(t, "dev", "/data/notes/auditLogs?"+q)
		if got := eventTypes(p.Items); !reflect.DeepEqual(got, want) || p.Total != int64(len(want)) {
			t.Errorf("%s: %v (total %d), want %v", q, got, p.Total, want)
		}
	}
	// The record endpoint takes the same filters.
	if p := h.entries(t, "dev", "/data/notes/"+a+"/auditLogs?eventTypes=USER_RECORD_CHANGED"); p.Total != 1 {
		t.Errorf("record filter: %d", p.Total)
	}
}

// TestHistoryOfScriptsActionsAndListeners: a script's writes are SCRIPT
// events with the script's location as contextPath; an action adds
// USER_ACTION_PERFORMED; a listener's writes are the listener's script's.
// Entries name the acting user, the impersonated one when impersonating.
func TestHistoryOfScriptsActionsAndListeners(t *testing.T) {
	t.Parallel()
	h := histServer(t)
	// A script creates, changes and deletes a note.
	res := h.as("auditor", "PUT", "/data/notes/scripted", obj{"title": "By script"}).Status(200).JSON()
	id := res["id"].(string)
	p := h.entries(t, "auditor", "/data/notes/"+id+"/auditLogs")
	if !reflect.DeepEqual(eventTypes(p.Items), []string{"SCRIPT_RECORD_DELETED", "SCRIPT_RECORD_CHANGED", "SCRIPT_RECORD_CREATED"}) {
		t.Fatalf("script writes: %v", eventTypes(p.Items))
	}
	for _, it := range p.Items {
		if it["eventCategory"] != "SCRIPT" || it["user"] != h.email["auditor"] || it["contextPath"] != "model/entities/notes.js:scriptedAction" {
			t.Errorf("script entry %s", js(it))
		}
	}
	if !reflect.DeepEqual(p.Items[1]["newRecord"], obj{"amount": obj{"json": 12.5, "text": "$12.50"}}) {
		t.Errorf("script change %s", js(p.Items[1]["newRecord"]))
	}

	// An action on a record: its script's save, then the action itself.
	note := h.as("dev", "POST", "/data/notes", obj{"title": "Act", "status": "open"}).Status(200).JSON()["id"].(string)
	h.as("auditor", "PUT", "/data/notes/"+note+"/close", obj{}).Status(200)
	p = h.entries(t, "auditor", "/data/notes/"+note+"/auditLogs")
	if !reflect.DeepEqual(eventTypes(p.Items), []string{"USER_ACTION_PERFORMED", "SCRIPT_RECORD_CHANGED", "USER_RECORD_CREATED"}) {
		t.Fatalf("action: %v", eventTypes(p.Items))
	}
	act, saved := p.Items[0], p.Items[1]
	if act["contextPath"] != "entities.notes.actions.close" || act["user"] != h.email["auditor"] ||
		keysOf(act["oldRecord"]) != "" || keysOf(act["newRecord"]) != "" || act["recordName"] != "Act" {
		t.Errorf("action entry %s", js(act))
	}
	if saved["contextPath"] != "model/entities/notes.js:closeAction" ||
		!reflect.DeepEqual(saved["newRecord"], obj{"status": obj{"json": "closed", "text": "Closed"}}) {
		t.Errorf("action's save %s", js(saved))
	}

	// A listener on notes creates a follow-up.
	h.as("auditor", "POST", "/data/notes", obj{"title": "follow me"}).Status(200)
	f := h.entries(t, "auditor", "/data/followups/auditLogs")
	if f.Total != 1 || f.Items[0]["eventType"] != "SCRIPT_RECORD_CREATED" || f.Items[0]["user"] != h.email["auditor"] ||
		f.Items[0]["contextPath"] != "model/listeners/noteCreated.js:onNoteCreated" ||
		f.Items[0]["newRecord"].(obj)["text"] != "follow follow me" {
		t.Errorf("listener's write: %s", js(f.Items))
	}

	// Impersonating: the entry names the impersonated user.
	r := h.s.Do("POST", "/auth/login", "", obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword,
		"emailImpersonatedUser": h.email["auditor"]}).Status(200).JSON()
	imp := r["token"].(string)
	id = h.s.Do("POST", "/data/notes", imp, obj{"title": "Impersonated"}).Status(200).JSON()["id"].(string)
	p = h.entries(t, "dev", "/data/notes/"+id+"/auditLogs")
	if p.Total != 1 || p.Items[0]["user"] != h.email["auditor"] {
		t.Errorf("impersonated write: %s", js(p.Items))
	}
}

// TestHistoryOfAsyncDelete: an asynchronous delete writes one
// USER_RECORD_DELETED per deleted record, by the user who started the job
// (rest-api.md D10).
func TestHistoryOfAsyncDelete(t *testing.T) {
	t.Parallel()
	h := histServer(t, apitest.Options{Jobs: jobs.Config{BatchSize: 5}})
	want := map[string]bool{}
	for i := 0; i < 12; i++ {
		id := h.as("auditor", "POST", "/data/notes", obj{"title": fmt.Sprintf("bulk %02d", i)}).Status(200).JSON()["id"].(string)
		want[id] = true
	}
	h.as("auditor", "POST", "/data/notes", obj{"title": "keep"}).Status(200)
	job := asyncRef(t, h.as("auditor", "DELETE", "/data/notes?title=like(bulk)&_async=true", nil))
	waitStatus(t, h.s, job, "FINISHED")
	p := h.entries(t, "auditor", "/data/notes/auditLogs?eventTypes=USER_RECORD_DELETED&_size=100")
	if p.Total != 12 {
		t.Fatalf("%d deletion entries, want 12", p.Total)
	}
	for _, it := range p.Items {
		if !want[it["recordId"].(string)] || it["user"] != h.email["auditor"] || it["contextPath"] != "entities.notes.delete" ||
			it["recordDeleted"] != true || it["deletionDate"] != it["timestamp"] {
			t.Errorf("deletion entry %s", js(it))
		}
		delete(want, it["recordId"].(string))
	}
	if len(want) != 0 {
		t.Errorf("records without a deletion entry: %v", want)
	}
}

// TestHistoryOfAFailedWrite: a write refused in its transaction (a unique
// value taken) leaves no entry.
func TestHistoryOfAFailedWrite(t *testing.T) {
	t.Parallel()
	h := histServer(t)
	a := h.as("dev", "POST", "/data/notes", obj{"title": "Same"}).Status(200).JSON()["id"].(string)
	b := h.as("dev", "POST", "/data/notes", obj{"title": "Other"}).Status(200).JSON()["id"].(string)
	h.as("dev", "POST", "/data/notes", obj{"title": "Same"}).FieldError("title", "unique")
	h.as("dev", "PUT", "/data/notes/"+b, obj{"title": "Same"}).FieldError("title", "unique")
	p := h.entries(t, "dev", "/data/notes/auditLogs")
	if p.Total != 2 || p.Items[0]["recordId"] != b || p.Items[1]["recordId"] != a {
		t.Errorf("entries after failed writes: %s", js(p.Items))
	}
}

// TestRecordAuditLogsInScripts: record.auditLogs() — find with options,
// createLog, lastModifiedLog — as the script's user.
func TestRecordAuditLogsInScripts(t *testing.T) {
	t.Parallel()
	h := histServer(t)
	id := h.as("auditor", "POST", "/data/notes", obj{"title": "S", "status": "open"}).Status(200).JSON()["id"].(string)
	h.clk.Advance(time.Second)
	h.as("dev", "PUT", "/data/notes/"+id, obj{"status": "closed"}).Status(200)
	probe := func(user string, find any) obj {
		body := obj{"id": id}
		if find != nil {
			body["find"] = js(find)
		}
		return h.as(user, "PUT", "/data/notes/probe", body).Status(200).JSON()
	}
	r := probe("auditor", nil)
	if !reflect.DeepEqual(r["types"], arr{"USER_RECORD_CHANGED", "USER_RECORD_CREATED"}) ||
		!reflect.DeepEqual(r["users"], arr{apitest.AdminEmail, h.email["auditor"]}) ||
		!reflect.DeepEqual(r["categories"], arr{"USER", "USER"}) ||
		r["creator"] != h.email["auditor"] || r["createdType"] != "USER_RECORD_CREATED" || r["modifiedBy"] != apitest.AdminEmail {
		t.Errorf("probe: %s", js(r))
	}
	first := r["first"].(obj)
	if !reflect.DeepEqual(first["old"], obj{"status": obj{"json": "open", "text": "Open"}}) || first["ip"] != "127.0.0.1" ||
		first["timestamp"] != ms(histT0.Add(time.Second)) {
		t.Errorf("first entry: %s", js(first))
	}
	ids := r["ids"].(arr)
	if r := probe("auditor", obj{"eventType": "USER_RECORD_CREATED"}); !reflect.DeepEqual(r["types"], arr{"USER_RECORD_CREATED"}) {
		t.Errorf("find eventType: %s", js(r))
	}
	if r := probe("auditor", obj{"size": 1, "offset": ids[0]}); !reflect.DeepEqual(r["ids"], arr{ids[1]}) {
		t.Errorf("find size/offset: %s", js(r))
	}
	if r := probe("auditor", obj{"from": histT0.Add(time.Second).UnixMilli()}); !reflect.DeepEqual(r["types"], arr{"USER_RECORD_CHANGED"}) {
		t.Errorf("find from: %s", js(r))
	}
	for _, bad := range []any{obj{"eventType": "NOPE"}, obj{"size": 0}, obj{"offset": "x"}} {
		h.as("auditor", "PUT", "/data/notes/probe", obj{"id": id, "find": js(bad)}).Error(400, "badRequest")
	}
	// The script's user needs the auditLogs permission.
	h.s.Do("PUT", "/data/notes/probe", h.tok["noAudit"], obj{"id": id}).Error(403, "forbidden")
}

// TestHistoryRetention: entries older than --history-retention go, and a
// deleted record's history goes its entity's dataExpiration after the
// deletion; what is younger stays.
func TestHistoryRetention(t *testing.T) {
	t.Parallel()
	h := histServer(t, apitest.Options{HistoryRetention: 30 * 24 * time.Hour, IdleTimeout: 1000 * 24 * time.Hour})
	old := h.as("dev", "POST", "/data/followups", obj{"text": "old"}).Status(200).JSON()["id"].(string)
	note := h.as("dev", "POST", "/data/notes", obj{"title": "N"}).Status(200).JSON()["id"].(string)
	h.clk.Advance(20 * 24 * time.Hour)
	young := h.as("dev", "POST", "/data/followups", obj{"text": "young"}).Status(200).JSON()["id"].(string)
	kept := h.as("dev", "POST", "/data/notes", obj{"title": "Kept"}).Status(200).JSON()["id"].(string)
	h.as("dev", "DELETE", "/data/notes/"+note, nil).Status(200)
	total := func(path string) int64 { return h.entries(t, "dev", path).Total }
	h.clk.Advance(24 * time.Hour)
	if err := h.s.Runtime.Prune(t.Context()); err != nil {
		t.Fatal(err)
	}
	if total("/data/notes/"+note+"/auditLogs") != 2 || total("/data/followups/"+old+"/auditLogs") != 1 {
		t.Fatal("pruned too early")
	}
	// Three days after the deletion: notes keep a deleted record's history
	// two days.
	h.clk.Advance(2 * 24 * time.Hour)
	if err := h.s.Runtime.Prune(t.Context()); err != nil {
		t.Fatal(err)
	}
	if total("/data/notes/"+note+"/auditLogs") != 0 || total("/data/notes/"+kept+"/auditLogs") != 1 {
		t.Error("dataExpiration: the deleted note's history must go, the live one's stay")
	}
	// Past 30 days: the first entries go, the younger ones stay.
	h.clk.Advance(10 * 24 * time.Hour)
	if err := h.s.Runtime.Prune(t.Context()); err != nil {
		t.Fatal(err)
	}
	if total("/data/followups/"+old+"/auditLogs") != 0 || total("/data/followups/"+young+"/auditLogs") != 1 {
		t.Error("retention: the old entry must go, the young one stay")
	}
}
