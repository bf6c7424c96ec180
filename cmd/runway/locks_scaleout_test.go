package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestLocksAcrossProcesses: two "runway serve" processes on one PostgreSQL
// database (the authority test app, whose append action waits for a gate
// note before it appends its mark). A script on A holding a named lock
// keeps B's scripts from taking it. An action holding a record on A keeps
// B's scripts from locking it and makes an action on B wait: they run one
// after the other. The lock of a process that is SIGKILLed lapses after
// --lock-lease.
func TestLocksAcrossProcesses(t *testing.T) {
	dbURL := sharedDatabase(t)
	env := []string{"RUNWAY_ADMIN_PASSWORD=admin-password-1"}
	args := []string{"--app", testdata(t, "authority"), "--db", dbURL, "--db-pool", "4", "--addr", "127.0.0.1:0", "--lock-lease", "1s"}
	serveOn := func() *server { return startServe(t, env, append([]string{"--data", t.TempDir()}, args...)...) }
	a := serveOn()
	b := serveOn()
	tok := a.token("admin@localhost", "admin-password-1")

	_, note := a.call("POST", "/data/notes", tok, map[string]any{"title": "x"})
	id, _ := note["id"].(string)
	_, gate := a.call("POST", "/data/notes", tok, map[string]any{"title": "gate", "body": "closed"})
	gateID, _ := gate["id"].(string)
	if id == "" || gateID == "" {
		t.Fatalf("notes: %v %v", note, gate)
	}
	appendOn := func(s *server, mark string) <-chan int {
		done := make(chan int, 1)
		go func() {
			code, _, _ := rawCall("PUT", s.URL+"/data/notes/"+id+"/append", tok, map[string]any{"mark": mark, "gate": "gate"})
			done <- code
		}()
		return done
	}
	started := func(mark string) bool {
		_, p := b.call("GET", "/data/logs?message="+url.QueryEscape("started "+mark), tok, nil)
		return p["total"] != float64(0)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(stopTimeout)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	runOn := func(s *server, code string) string {
		t.Helper()
		status, body, err := rawCall("PUT", s.URL+"/data/notes/run", tok, map[string]any{"code": strings.ReplaceAll(code, "ID", id)})
		if err != nil || status != http.StatusOK {
			t.Fatalf("run %s: %d %s %v", code, status, body, err)
		}
		return string(body)
	}

	setGate := func(body string) {
		t.Helper()
		if code, resp := b.call("PUT", "/data/notes/"+gateID, tok, map[string]any{"body": body}); code != http.StatusOK {
			t.Fatalf("gate %s: %d %v", body, code, resp)
		}
	}

	// A named lock (sys.utils.concurrency) that a script on A holds until
	// the gate opens: B's scripts cannot take it until A's execution ends.
	named := make(chan int, 1)
	go func() {
		code, _, _ := rawCall("PUT", a.URL+"/data/notes/run", tok, map[string]any{"code": `sys.utils.concurrency.lock('shared');
			var l = sys.data.createRecord('logs'); l.field('message').val('started N'); sys.data.save(l);
			while (sys.data.findOne('notes', {title: 'gate'}).field('body').val() !== 'open') { sys.utils.script.wait(10); }
			return true;`})
		named <- code
	}()
	waitFor("A to hold the named lock", func() bool { return started("N") })
	if got := runOn(b, `return sys.utils.concurrency.tryLock('shared');`); got != "false" {
		t.Fatalf("B took a named lock A holds: %s", got)
	}
	setGate("open")
	if code := <-named; code != http.StatusOK {
		t.Fatalf("A's script holding the named lock: %d", code)
	}
	if got := runOn(b, `return sys.utils.concurrency.tryLock('shared', 5);`); got != "true" {
		t.Fatalf("B could not take the named lock A's ended script held: %s", got)
	}
	setGate("closed")

	doneA := appendOn(a, "A")
	waitFor("A to start", func() bool { return started("A") })
	if got := runOn(b, `return sys.data.tryLockById('notes', 'ID', 0);`); got != "null" {
		t.Fatalf("B locked a record A holds: %s", got)
	}
	doneB := appendOn(b, "B")
	b.waitLog("waiting for a record lock")
	if started("B") {
		t.Fatal("B's action started while A held the record")
	}
	setGate("open")
	if ca, cb := <-doneA, <-doneB; ca != http.StatusOK || cb != http.StatusOK {
		t.Fatalf("actions: A %d, B %d", ca, cb)
	}
	if _, rec := b.call("GET", "/data/notes/"+id, tok, nil); rec["body"] != "AB" || rec["counter"] != float64(2) {
		t.Fatalf("after the actions: %v", rec)
	}

	// A takes the record again and dies holding it: the lock lapses.
	setGate("closed")
	appendOn(a, "C")
	waitFor("C to start", func() bool { return started("C") })
	a.kill()
	if got := runOn(b, `return sys.data.lockById('notes', 'ID', 20000).label();`); got != `"x"` {
		t.Fatalf("lock after the holder crashed: %s", got)
	}
}
