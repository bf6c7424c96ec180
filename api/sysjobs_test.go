package api_test

import (
	"strconv"
	"strings"
	"testing"

	"runway/api/apitest"
	"runway/app"
	"runway/jobs"
)

// sys.jobs.find and sys.jobs.logs (issue 16 item 3): the jobs API's
// queries from a script, answered as ResultSets.
func TestSysJobsFindAndLogs(t *testing.T) {
	t.Parallel()
	s := authority(t)
	var deletes []string
	for _, title := range []string{"j1", "j2", "j3"} {
		create(t, s, "notes", obj{"title": title})
		id := asyncRef(t, s.As("DELETE", "/data/notes?title="+title+"&_async=true", nil))
		waitStatus(t, s, id, "FINISHED")
		deletes = append(deletes, id)
	}
	run := func(code string) string {
		t.Helper()
		return string(runJS(s.For(t), s.Token, strings.ReplaceAll(code, "J1", deletes[0])).Status(200).Body)
	}
	// Newest first; _size caps the set, count() does not; filters as the
	// jobs API reads them (any case, comma lists, booleans, Dates).
	if got := run(`var rs = sys.jobs.find({type: 'delete_records', status: ['FINISHED', 'CANCELED'], hasErrors: false, _size: 2});
		var ids = [];
		while (rs.hasNext()) { ids.push(rs.next().id()); }
		var all = sys.jobs.find({type: 'DELETE_RECORDS', createFrom: new Date(0)}).toArray();
		return {ids: ids, count: rs.count(), all: all.length, type: all[0].type(), status: all[0].status(),
			label: all[0].label(), progress: all[0].progress()};`); got != `{"all":3,"count":3,"ids":["`+deletes[2]+`","`+deletes[1]+`"],"label":"Deleting records of entity notes","progress":100,"status":"FINISHED","type":"DELETE_RECORDS"}` {
		t.Errorf("find: %s", got)
	}
	// Log lines oldest first, filtered; a job's own logs().
	if got := run(`var all = sys.jobs.logs('J1', {}).toArray().map(function (l) { return l.level() + ' ' + l.message(); });
		var first = sys.jobs.logs('J1', {level: 'info', _size: 1}).next();
		var job = sys.jobs.findById('J1');
		return {n: all.length, first: all[0], capped: first.message(), stamp: first.timeStamp() instanceof Date,
			matched: sys.jobs.logs('J1', {message: 'QUEUED', period: '1h'}).count(), own: job.logs({_size: 1}).count()};`); !strings.Contains(got, `"capped":"Queued: delete the records matching the query title=j1 of entity notes"`) ||
		!strings.Contains(got, `"matched":1`) || !strings.Contains(got, `"stamp":true`) || !strings.Contains(got, `"first":"INFO Queued`) {
		t.Errorf("logs: %s", got)
	}
	// Bad queries and unknown jobs.
	for code, want := range map[string]int{
		`sys.jobs.find({status: 'DONE'})`:                     400,
		`sys.jobs.find({_size: 5000})`:                        400,
		`sys.jobs.find('FINISHED')`:                           400,
		`sys.jobs.logs('J1', {period: 'soon'})`:               400,
		`sys.jobs.logs('000000000000000000000000', {})`:       404,
		`sys.jobs.find({}).next(); sys.jobs.find({_size: 1})`: 200,
	} {
		if r := runJS(s.For(t), s.Token, strings.ReplaceAll(code, "J1", deletes[0])); r.Code != want {
			t.Errorf("%s: %d %s, want %d", code, r.Code, r.Body, want)
		}
	}
}

// sys.jobs.setLowPriority / removeLowPriority move a pending job between
// lanes; a job's waiting() and duration() grow until it starts and ends.
func TestSysJobsPriorityAndTimes(t *testing.T) {
	t.Parallel()
	s := authority(t, apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1}})
	create(t, s, "notes", obj{"title": "p"})
	id := asyncRef(t, s.As("DELETE", "/data/notes?title=p&_async=true", nil))
	run := func(code string) string {
		t.Helper()
		return string(runJS(s.For(t), s.Token, strings.ReplaceAll(code, "J1", id)).Status(200).Body)
	}
	if got := run(`sys.jobs.setLowPriority('J1'); return sys.jobs.findById('J1').status();`); got != `"PENDING"` {
		t.Errorf("setLowPriority: %s", got)
	}
	if j := s.As("GET", "/status/jobs/"+id, nil).Status(200).JSON(); j["lowPriority"] != true {
		t.Errorf("after setLowPriority: %v", j["lowPriority"])
	}
	run(`sys.jobs.removeLowPriority('J1'); return null;`)
	if j := s.As("GET", "/status/jobs/"+id, nil).Status(200).JSON(); j["lowPriority"] != false {
		t.Errorf("after removeLowPriority: %v", j["lowPriority"])
	}
	if got := run(`var j = sys.jobs.findById('J1'); return [j.waiting() >= 0, j.duration()];`); got != `[true,0]` {
		t.Errorf("a pending job waits and has not run: %s", got)
	}
	for code, want := range map[string]int{
		`sys.jobs.setLowPriority('000000000000000000000000')`: 404,
		`sys.jobs.removeLowPriority('nope')`:                  404,
	} {
		if r := runJS(s.For(t), s.Token, code); r.Code != want {
			t.Errorf("%s: %d %s, want %d", code, r.Code, r.Body, want)
		}
	}
}

// Query.globalSearch matches words and "quoted phrases" in any text field,
// nested ones included, case-insensitively; an entity must enable it.
func TestQueryGlobalSearch(t *testing.T) {
	t.Parallel()
	s := authority(t)
	create(t, s, "notes", obj{"title": "Lacinia ipsum"})
	create(t, s, "notes", obj{"title": "other", "body": "sed ERAT volutpat"})
	create(t, s, "notes", obj{"title": "third", "items": []obj{{"what": "a solar panel kit"}}})
	create(t, s, "notes", obj{"title": "panel solar"})
	create(t, s, "notes", obj{"title": "fourth", "hidden": "zebra"}) // readAccess never: not searched
	run := func(code string) string {
		t.Helper()
		return string(runJS(s.For(t), s.Token, code).Status(200).Body)
	}
	titles := `var rs = sys.data.find(q.sortBy('title', 'asc')); var out = []; while (rs.hasNext()) { out.push(rs.next().field('title').val()); } return out;`
	for search, want := range map[string]string{
		`lacinia erat`:     `["Lacinia ipsum","other"]`,
		`"solar panel"`:    `["third"]`,
		`solar`:            `["panel solar","third"]`,
		`  nothingmatches`: `[]`,
		`zebra`:            `[]`,
	} {
		if got := run(`var q = sys.data.createQuery('notes').globalSearch(` + strconv.Quote(search) + `); ` + titles); got != want {
			t.Errorf("globalSearch(%q): %s, want %s", search, got, want)
		}
	}
	for code, want := range map[string]int{
		`sys.data.createQuery('notes').globalSearch('  ')`: 400,
		`sys.data.createQuery('notes').globalSearch(5)`:    400,
		`sys.data.createQuery('logs').globalSearch('x')`:   400,
	} {
		if r := runJS(s.For(t), s.Token, code); r.Code != want {
			t.Errorf("%s: %d %s, want %d", code, r.Code, r.Body, want)
		}
	}
}

// Record.entityId is the entity's id: the definition's "id", or one derived
// from its name.
func TestRecordEntityID(t *testing.T) {
	t.Parallel()
	s := authority(t)
	got := string(runJS(s.For(t), s.Token, `return sys.data.createRecord('notes').entityId();`).Status(200).Body)
	if got != strconv.Quote(app.EntityID("notes")) {
		t.Errorf("entityId: %s, want %q", got, app.EntityID("notes"))
	}
}
