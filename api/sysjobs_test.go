package api_test

import (
	"strings"
	"testing"
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
