package api_test

import (
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
)

// Record locks (issue 16 item 3), black-box. The authority app's append
// action logs "started <mark>", waits until a gate note's body is "open",
// then appends its mark to the record's body and counts: slow on purpose,
// so two can run on one record at once.

// eventually waits until ok holds (the server does things in the
// background), failing the test after 20 s.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// started reports whether the append action with that mark logged its
// start.
func started(t *testing.T, s *apitest.Server, mark string) bool {
	return list(t, s, "logs", q("message", "started "+mark)).Total > 0
}

// appendAsync runs the append action on a record in the background and
// returns a channel with the answer.
func appendAsync(s *apitest.Server, id, mark, gate string) <-chan *apitest.Response {
	out := make(chan *apitest.Response, 1)
	go func() {
		r, err := s.Call("PUT", "/data/notes/"+id+"/append", s.Token, obj{"mark": mark, "gate": gate})
		if err != nil {
			r = &apitest.Response{Code: -1, Body: []byte(err.Error())}
		}
		out <- r
	}()
	return out
}

func TestLocksSerializeActionsOnARecord(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	s := authority(t, apitest.Options{Log: &log})
	waits := func() int { return strings.Count(log.String(), "waiting for a record lock") }
	id := create(t, s, "notes", obj{"title": "x"})["id"].(string)
	gate := create(t, s, "notes", obj{"title": "gate-1", "body": "closed"})["id"].(string)

	a := appendAsync(s, id, "A", "gate-1")
	eventually(t, "A to start", func() bool { return started(t, s, "A") })
	// A holds the record: another execution cannot take its lock.
	if got := string(runJS(s, s.Token, `return sys.data.tryLockById('notes', '`+id+`', 0);`).Status(200).Body); got != "null" {
		t.Errorf("tryLock while A holds the record: %s, want null", got)
	}
	waiting := waits()
	b := appendAsync(s, id, "B", "gate-1")
	// B waits for A's lock before its script starts; so does a REST update.
	eventually(t, "B to wait", func() bool { return waits() > waiting })
	if started(t, s, "B") {
		t.Fatal("B started while A held the record")
	}
	upd := make(chan *apitest.Response, 1)
	go func() {
		r, _ := s.Call("PUT", "/data/notes/"+id, s.Token, obj{"title": "x2"})
		upd <- r
	}()
	eventually(t, "the update to wait", func() bool { return waits() > waiting+1 })
	update(t, s, "notes", gate, obj{"body": "open"})
	ra, rb, ru := <-a, <-b, <-upd
	if ra.Code != 200 || rb.Code != 200 || ru == nil || ru.Code != 200 {
		t.Fatalf("A %d %s, B %d %s, update %v", ra.Code, ra.Body, rb.Code, rb.Body, ru)
	}
	rec := get(t, s, "notes", id)
	if body := rec["body"]; body != "AB" && body != "BA" || rec["counter"] != float64(2) || rec["title"] != "x2" {
		t.Errorf("after two actions and an update: %v", rec)
	}
}

func TestLockAPI(t *testing.T) {
	t.Parallel()
	s := authority(t)
	id := create(t, s, "notes", obj{"title": "lockme"})["id"].(string)
	gate := create(t, s, "notes", obj{"title": "gate-2", "body": "closed"})["id"].(string)
	js := func(code string) string {
		t.Helper()
		return string(runJS(s.For(t), s.Token, strings.ReplaceAll(code, "ID", id)).Status(200).Body)
	}
	// Reentrant within an execution; the locked record comes back read
	// again; the locks of an execution end with it.
	if got := js(`var r = sys.data.findById('notes', 'ID');
		var a = sys.data.lock(r), b = sys.data.lockById('notes', 'ID', 10), c = sys.data.tryLock(r, 0);
		sys.data.unlock(r); sys.data.unlockById('notes', 'ID');
		var d = sys.data.findByIdAndLock('notes', 'ID'), e = sys.data.findOneAndLock('notes', {title: 'lockme'});
		var f = sys.data.findOneAndLock(sys.data.createQuery('notes').field('title').equals('lockme'));
		var g = sys.data.find('notes', {title: 'lockme'}).nextAndLock();
		var seen = null;
		r.lock(function (rec) { seen = rec.field('title').val(); });
		r.unlock();
		return [a.id() === r.id(), b.label(), c.label(), d.label(), e.label(), f.label(), g.label(), seen,
			sys.data.findByIdAndLock('notes', '000000000000000000000000')];`); got != `[true,"lockme","lockme","lockme","lockme","lockme","lockme","lockme",null]` {
		t.Errorf("lock calls: %s", got)
	}
	if got := js(`return sys.data.tryLockById('notes', 'ID', 0) !== null;`); got != "true" {
		t.Errorf("the previous execution's locks were not released: %s", got)
	}
	// Held by a running action: lock times out, tryLock answers null, a
	// save with lockRecord: false does not wait.
	a := appendAsync(s, id, "A", "gate-2")
	eventually(t, "A to start", func() bool { return started(t, s, "A") })
	if got := js(`var code = null;
		try { sys.data.lockById('notes', 'ID', 30); } catch (e) { code = sys.exceptions.getCode(e); }
		var r = sys.data.findById('notes', 'ID');
		r.field('trail').val('no wait');
		sys.data.save(r, {lockRecord: false});
		return [code, sys.data.tryLock(r, 30), r.version()];`); got != `["timeout",null,1]` {
		t.Errorf("while an action holds the record: %s", got)
	}
	update(t, s, "notes", gate, obj{"body": "open"})
	// The action's record was read when it took the lock, before the
	// unlocked save: its own save carries no version, so what it changed
	// is merged onto the record as stored (data.ActionCall.Stored).
	(<-a).Status(200)
	if rec := get(t, s, "notes", id); rec["body"] != "A" || rec["counter"] != float64(1) || rec["trail"] != "no wait" {
		t.Errorf("after the action and the unlocked save: %v", rec)
	}
	// Bad arguments.
	for _, code := range []string{
		`sys.data.lockById('notes', 'nope')`,
		`sys.data.lockById('notes', '000000000000000000000000')`,
		`sys.data.lock(sys.data.createRecord('notes'))`,
		`sys.data.lockById('notes', 'ID', -1)`,
		`sys.data.lockById('notes', 'ID', 'soon')`,
	} {
		r := runJS(s.For(t), s.Token, strings.ReplaceAll(code, "ID", id))
		if r.Code != 400 && r.Code != 404 {
			t.Errorf("%s: %d %s", code, r.Code, r.Body)
		}
	}
}
