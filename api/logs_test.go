package api_test

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
)

// The app log (rest-api.md §8): GET and POST /status/logs, the LOGIN
// entry of every login, sys.logs from scripts, retention.

// logKeys are the keys of an app log (rest-api.md §8.1).
var logKeys = []string{"id", "type", "subType", "level", "message", "userEmail", "adminUserEmail", "timestamp", "ip", "additionalInfo"}

// logs reads a page of the app log as a user, checking its shape.
func (h *hist) logs(t *testing.T, user, query string) page {
	t.Helper()
	r := h.as(user, "GET", "/status/logs?"+query, nil).Status(200)
	wantKeys(t, r.JSON(), "total", "offset", "items")
	var p page
	r.Decode(&p)
	for _, it := range p.Items {
		wantKeys(t, it, logKeys...)
	}
	if p.Items == nil {
		t.Fatalf("items is null: %s", r.Body)
	}
	return p
}

func messages(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = fmt.Sprint(it["message"])
	}
	return out
}

// TestCreateLog: POST /status/logs writes an EXTERNAL log as the caller,
// now; its body is checked (rest-api.md §8.3).
func TestCreateLog(t *testing.T) {
	t.Parallel()
	h := histServer(t)
	r := h.as("dev", "POST", "/status/logs", obj{"level": "WARN", "message": "Nightly sync skipped",
		"additionalInfo": obj{"reason": "upstream down", "tries": 3}, "type": "APP", "timestamp": 5}).Status(200).JSON()
	wantKeys(t, r, logKeys...)
	want := obj{"id": r["id"], "type": "EXTERNAL", "subType": nil, "level": "WARN", "message": "Nightly sync skipped",
		"userEmail": apitest.AdminEmail, "adminUserEmail": nil, "timestamp": ms(histT0), "ip": "127.0.0.1",
		"additionalInfo": obj{"reason": "upstream down", "tries": 3.0}}
	if !isID(r["id"]) || !reflect.DeepEqual(r, want) {
		t.Errorf("created log %s", js(r))
	}
	// The level defaults to INFO and is read in any case; no additionalInfo
	// is {}.
	if r := h.as("dev", "POST", "/status/logs", obj{"message": "plain"}).Status(200).JSON(); r["level"] != "INFO" || keysOf(r["additionalInfo"]) != "" {
		t.Errorf("default level: %s", js(r))
	}
	if r := h.as("dev", "POST", "/status/logs", obj{"message": "x", "level": "error"}).Status(200).JSON(); r["level"] != "ERROR" {
		t.Errorf("level error: %s", js(r))
	}
	// Validation errors.
	for _, c := range []struct {
		body        obj
		field, code string
	}{
		{obj{}, "message", "required"},
		{obj{"message": ""}, "message", "required"},
		{obj{"message": "   "}, "message", "required"},
		{obj{"message": 5}, "message", "invalid"},
		{obj{"message": "a\x00b"}, "message", "invalid"},
		{obj{"message": strings.Repeat("x", 64<<10+1)}, "message", "tooLong"},
		{obj{"message": "m", "level": "LOUD"}, "level", "invalid"},
		{obj{"message": "m", "level": "DEBUG"}, "level", "invalid"},
		{obj{"message": "m", "level": 1}, "level", "invalid"},
		{obj{"message": "m", "additionalInfo": "text"}, "additionalInfo", "invalid"},
	} {
		fe := h.as("dev", "POST", "/status/logs", c.body).FieldError(c.field, c.code)
		if c.field == "message" && fe["fieldLabel"] != nil {
			t.Errorf("message error fieldLabel %v, want null", fe["fieldLabel"])
		}
	}
	// Malformed bodies.
	for _, body := range []string{"", "{", "[]", `{"message": "a"} x`} {
		h.s.Raw("POST", "/status/logs", h.tok["dev"], "application/json", body).Error(400, "badRequest")
	}
	// Developers only, whatever the body.
	for _, user := range []string{"super", "auditor", "nobody"} {
		h.as(user, "POST", "/status/logs", obj{"message": "m"}).Error(403, "forbidden")
		h.s.Raw("POST", "/status/logs", h.tok[user], "application/json", "{").Error(403, "forbidden")
		h.as(user, "GET", "/status/logs", nil).Error(403, "forbidden")
	}
	h.s.Do("GET", "/status/logs", "", nil).Error(401, "unauthorized")
	// Nothing the refused calls sent was written.
	var external []string
	for _, it := range h.logs(t, "dev", "").Items {
		if it["type"] == "EXTERNAL" {
			external = append(external, fmt.Sprint(it["message"]))
		}
	}
	if !reflect.DeepEqual(external, []string{"x", "plain", "Nightly sync skipped"}) {
		t.Errorf("external logs: %q", external)
	}
}

// TestListLogs: every filter of rest-api.md §8.2, newest first, paging.
func TestListLogs(t *testing.T) {
	t.Parallel()
	h := histServer(t)
	post := func(level, msg string) {
		h.as("dev", "POST", "/status/logs", obj{"level": level, "message": msg}).Status(200)
	}
	post("INFO", "Sync started")    // T0
	h.clk.Advance(time.Hour)        //
	post("WARN", "sync slow")       // T0+1h
	h.clk.Advance(time.Hour)        //
	post("ERROR", "Import failed")  // T0+2h
	h.clk.Advance(30 * time.Minute) //
	post("INFO", "SYNC done")       // T0+2h30
	h.clk.Advance(2 * time.Hour)    // now T0+4h30

	only := func(q string) []string {
		t.Helper()
		p := h.logs(t, "dev", q+"&type=EXTERNAL")
		var out []string
		for _, it := range p.Items {
			if it["type"] == "EXTERNAL" {
				out = append(out, fmt.Sprint(it["message"]))
			}
		}
		return out
	}
	for q, want := range map[string][]string{
		"":                                       {"SYNC done", "Import failed", "sync slow", "Sync started"},
		"message=sync":                           {"SYNC done", "sync slow", "Sync started"},
		"message=" + url.QueryEscape("IMPORT F"): {"Import failed"},
		"level=ERROR":                            {"Import failed"},
		"level=warn,error":                       {"Import failed", "sync slow"},
		fmt.Sprintf("from=%d", histT0.Add(time.Hour).UnixMilli()):                                            {"SYNC done", "Import failed", "sync slow"},
		fmt.Sprintf("to=%d", histT0.Add(time.Hour).UnixMilli()):                                              {"sync slow", "Sync started"},
		fmt.Sprintf("from=%d&to=%d", histT0.Add(time.Hour).UnixMilli(), histT0.Add(2*time.Hour).UnixMilli()): {"Import failed", "sync slow"},
		// period is relative to now (T0+4h30) and overrides from/to.
		"period=" + url.QueryEscape("2h 30m"): {"SYNC done", "Import failed"},
		"period=3h&from=0&to=1":               {"SYNC done", "Import failed"},
		"period=" + url.QueryEscape("1d"):     {"SYNC done", "Import failed", "sync slow", "Sync started"},
		"period=today":                        {"SYNC done", "Import failed", "sync slow", "Sync started"},
		"period=yesterday":                    {},
		"message=sync&level=INFO&period=" + url.QueryEscape("3h") + "&_size=5": {"SYNC done"},
	} {
		if got := only(q); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%s: %q, want %q", q, got, want)
		}
	}
	// userEmail: partial, any case; the login of the auditor is an APP/LOGIN
	// entry of theirs.
	p := h.logs(t, "dev", "userEmail=AUDITOR@")
	if p.Total != 1 || p.Items[0]["type"] != "APP" || p.Items[0]["subType"] != "LOGIN" || p.Items[0]["level"] != "INFO" ||
		p.Items[0]["userEmail"] != h.email["auditor"] || p.Items[0]["ip"] != "127.0.0.1" {
		t.Errorf("auditor's logs: %s", js(p.Items))
	}
	// Paging: newest first, _size, _offset, offset null on the last page.
	all := h.logs(t, "dev", "")
	first := h.logs(t, "dev", "_size=2")
	if first.Total != all.Total || len(first.Items) != 2 || first.Offset != first.Items[1]["id"] ||
		first.Items[0]["id"] != all.Items[0]["id"] {
		t.Fatalf("first page: %+v", first)
	}
	next := h.logs(t, "dev", "_size=1000&_offset="+first.Offset.(string))
	if int64(len(next.Items)) != all.Total-2 || next.Offset != nil || next.Items[0]["id"] != all.Items[2]["id"] {
		t.Errorf("next page: %+v", next)
	}
	for i := 1; i < len(all.Items); i++ {
		if all.Items[i-1]["id"].(string) <= all.Items[i]["id"].(string) {
			t.Errorf("not newest first: %s", js(all.Items))
		}
	}
	for _, bad := range []string{"level=LOUD", "from=x", "to=1.5", "period=3x", "period=" + url.QueryEscape("3h -1m"),
		"_size=0", "_size=1001", "_offset=zz", "message=a&message=b"} {
		h.as("dev", "GET", "/status/logs?"+bad, nil).Error(400, "badRequest")
	}
}

// TestDefaultLogPageSize: 200 logs a page unless _size says otherwise.
func TestDefaultLogPageSize(t *testing.T) {
	t.Parallel()
	h := histServer(t)
	for i := 0; i < 205; i++ {
		h.as("dev", "POST", "/status/logs", obj{"message": fmt.Sprintf("zq%03d", i)}).Status(200)
	}
	p := h.logs(t, "dev", "message=zq")
	if p.Total != 205 || len(p.Items) != 200 || p.Items[0]["message"] != "zq204" || p.Offset != p.Items[199]["id"] {
		t.Errorf("default page: total %d, %d items, first %v", p.Total, len(p.Items), p.Items[0]["message"])
	}
}

// TestLoginAndScriptLogs: a login writes APP/LOGIN (impersonation names
// both users); sys.logs writes SCRIPT logs at its level (debug in dev
// only), with the script and the stack in additionalInfo, and still the
// server log.
func TestLoginAndScriptLogs(t *testing.T) {
	t.Parallel()
	serverLog := &syncBuffer{}
	h := histServer(t, apitest.Options{Log: serverLog})
	r := h.s.Do("POST", "/auth/login", "", obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword,
		"emailImpersonatedUser": h.email["auditor"]}).Status(200).JSON()
	p := h.logs(t, "dev", "userEmail="+url.QueryEscape(h.email["auditor"]))
	if p.Total != 2 { // the auditor's own login (histServer) and this one
		t.Fatalf("logins: %s", js(p.Items))
	}
	imp := p.Items[0]
	if imp["subType"] != "LOGIN" || imp["adminUserEmail"] != apitest.AdminEmail || imp["userEmail"] != h.email["auditor"] ||
		!strings.Contains(imp["message"].(string), apitest.AdminEmail) {
		t.Errorf("impersonating login: %s", js(imp))
	}

	id := h.as("dev", "POST", "/data/notes", obj{"title": "L"}).Status(200).JSON()["id"].(string)
	h.s.Do("PUT", "/data/notes/probe", r["token"].(string), obj{"id": id}).Status(200)
	p = h.logs(t, "dev", "message=probe")
	if !reflect.DeepEqual(messages(p.Items), []string{"probe error", "probe warn", "probe debug"}) {
		t.Fatalf("script logs: %s", js(p.Items))
	}
	for i, level := range []string{"ERROR", "WARN", "DEBUG"} {
		it := p.Items[i]
		info := it["additionalInfo"].(obj)
		if it["type"] != "APP" || it["subType"] != "SCRIPT" || it["level"] != level || it["userEmail"] != h.email["auditor"] ||
			it["adminUserEmail"] != apitest.AdminEmail || info["script"] != "model/entities/notes.js:probeAction" {
			t.Errorf("script log %s", js(it))
		}
		if _, has := info["stack"]; has != (level == "WARN") {
			t.Errorf("stack of %s: %s", level, js(info))
		}
	}
	if p := h.logs(t, "dev", "level=DEBUG"); p.Total != 1 {
		t.Errorf("level=DEBUG: %d", p.Total)
	}
	if out := serverLog.String(); !strings.Contains(out, "probe warn") || !strings.Contains(out, "probe error") {
		t.Errorf("the server log lacks the script's lines:\n%s", out)
	}
}

// TestLogRetention: logs older than --log-retention go when pruned.
func TestLogRetention(t *testing.T) {
	t.Parallel()
	h := histServer(t, apitest.Options{LogRetention: 7 * 24 * time.Hour, IdleTimeout: 1000 * 24 * time.Hour})
	h.as("dev", "POST", "/status/logs", obj{"message": "old"}).Status(200)
	h.clk.Advance(5 * 24 * time.Hour)
	h.as("dev", "POST", "/status/logs", obj{"message": "young"}).Status(200)
	h.clk.Advance(3 * 24 * time.Hour)
	if err := h.s.Runtime.Prune(t.Context()); err != nil {
		t.Fatal(err)
	}
	if h.logs(t, "dev", "message=old").Total != 0 || h.logs(t, "dev", "message=young").Total != 1 {
		t.Error("after pruning, the old log must be gone and the young one kept")
	}
}
