package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"runway/record"
	"runway/store"
	"runway/store/sqlstore"
)

// entry is a history entry of record rec at time ts.
func entry(entity, rec string, event store.HistoryEvent, ts int64) store.HistoryEntry {
	return store.HistoryEntry{ID: record.NewID(), Entity: entity, EntityVersion: 3, RecordID: rec, RecordLabel: "label " + rec,
		Event: event, Time: ts, User: "ana@example.org", IP: "10.0.0.1", ContextPath: "entities." + entity + ".update",
		Old: []byte(`{"n":1}`), New: []byte(fmt.Sprintf(`{"n":%d,"s":"é"}`, ts))}
}

func addHistory(t *testing.T, s store.Store, entries ...store.HistoryEntry) {
	t.Helper()
	ctx := context.Background()
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.AddHistory(ctx, entries...) }); err != nil {
		t.Fatal(err)
	}
}

func entryIDs(es []store.HistoryEntry) []string {
	out := make([]string, len(es))
	for i := range es {
		out[i] = es[i].ID
	}
	return out
}

// History: entries commit with their transaction (or not at all), read
// back newest first with every filter and page of store.HistoryFilter, and
// are pruned by age and by record; entity versions follow fingerprints.
func History(t *testing.T, open Opener) {
	s, a := Open(t, open)
	ctx := context.Background()
	e := a.Entity("companies")
	a1, a2, b1 := ID(1), ID(2), ID(3)

	// An entry written in a transaction that fails is not kept, nor is
	// the record written with it.
	boom := errors.New("boom")
	err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.Insert(ctx, e, Row(9, nil)); err != nil {
			return err
		}
		if err := tx.AddHistory(ctx, entry("items", ID(9), store.UserRecordCreated, 1)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failed write: %v", err)
	}
	if got, n, err := s.HistoryEntries(ctx, &store.HistoryFilter{Entity: "items"}); err != nil || n != 0 || len(got) != 0 {
		t.Fatalf("after a failed write: %v %d %v", got, n, err)
	}

	// Ten entries in one statement's worth, and more than one chunk's.
	var all []store.HistoryEntry
	for i := 0; i < 10; i++ {
		rec := []string{a1, a2, b1}[i%3]
		ev := store.UserRecordChanged
		if i < 3 {
			ev = store.UserRecordCreated
		}
		all = append(all, entry("items", rec, ev, int64(100+i)))
	}
	addHistory(t, s, all[:1]...)
	addHistory(t, s, all[1:]...)
	big := make([]store.HistoryEntry, 450)
	for i := range big {
		big[i] = entry("other", ID(50), store.ScriptRecordChanged, int64(i))
	}
	addHistory(t, s, big...)

	// Entries added one at a time in one write, each from the buffer the
	// writer then reuses for the next, are kept as they were given.
	buf := make([]byte, 0, 64)
	reused := map[string]string{} // id → new record
	if err := s.Write(ctx, func(tx store.Tx) error {
		for i := range 250 {
			en := entry("reused", ID(60), store.UserRecordChanged, int64(i))
			buf = fmt.Appendf(buf[:0], `{"i":%d}`, i)
			en.New = buf
			reused[en.ID] = string(buf)
			if err := tx.AddHistory(ctx, en); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	kept, n, err := s.HistoryEntries(ctx, &store.HistoryFilter{Entity: "reused", Limit: 1000})
	if err != nil || n != 250 || len(kept) != 250 {
		t.Fatalf("entries from a reused buffer: %d of %d, %v", len(kept), n, err)
	}
	for _, h := range kept {
		if string(h.New) != reused[h.ID] {
			t.Fatalf("entry %s from a reused buffer holds %s, want %s", h.ID, h.New, reused[h.ID])
		}
	}
	if n, err := s.DeleteRecordHistory(ctx, "reused", []string{ID(60)}); err != nil || n != 250 {
		t.Fatalf("delete the reused buffer's entries: %d %v", n, err)
	}

	newest := func(es []store.HistoryEntry) []string {
		ids := entryIDs(es)
		for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
			ids[i], ids[j] = ids[j], ids[i]
		}
		return ids
	}
	at := func(i ...int) []store.HistoryEntry {
		var out []store.HistoryEntry
		for _, k := range i {
			out = append(out, all[k])
		}
		return out
	}
	int64p := func(v int64) *int64 { return &v }
	for _, c := range []struct {
		name  string
		f     store.HistoryFilter
		want  []string
		total int64
	}{
		{"entity", store.HistoryFilter{Entity: "items"}, newest(all), 10},
		{"record", store.HistoryFilter{Entity: "items", RecordIDs: []string{a1}}, newest(at(0, 3, 6, 9)), 4},
		{"records", store.HistoryFilter{Entity: "items", RecordIDs: []string{a2, b1}}, newest(at(1, 2, 4, 5, 7, 8)), 6},
		{"unknown record", store.HistoryFilter{Entity: "items", RecordIDs: []string{ID(77)}}, nil, 0},
		{"events", store.HistoryFilter{Entity: "items", Events: []store.HistoryEvent{store.UserRecordCreated}}, newest(at(0, 1, 2)), 3},
		{"two events", store.HistoryFilter{Entity: "items", Events: []store.HistoryEvent{store.UserRecordCreated, store.UserRecordChanged}}, newest(all), 10},
		{"from to", store.HistoryFilter{Entity: "items", From: int64p(103), To: int64p(105)}, newest(at(3, 4, 5)), 3},
		{"page", store.HistoryFilter{Entity: "items", Limit: 3}, newest(all)[:3], 10},
		{"next page", store.HistoryFilter{Entity: "items", Before: all[7].ID, Limit: 3}, newest(at(4, 5, 6)), 10},
		{"record page", store.HistoryFilter{Entity: "items", RecordIDs: []string{a1}, Before: all[9].ID, Limit: 2}, newest(at(3, 6)), 4},
		{"no total", store.HistoryFilter{Entity: "items", RecordIDs: []string{b1}, NoTotal: true}, newest(at(2, 5, 8)), 0},
		{"other entity", store.HistoryFilter{Entity: "other", Limit: 1}, newest(big)[:1], 450},
	} {
		got, total, err := s.HistoryEntries(ctx, &c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if ids := entryIDs(got); total != c.total || !(len(ids) == 0 && len(c.want) == 0) && !reflect.DeepEqual(ids, c.want) {
			t.Errorf("%s: %v (total %d), want %v (%d)", c.name, ids, total, c.want, c.total)
		}
	}
	// Every column reads back.
	got, _, err := s.HistoryEntries(ctx, &store.HistoryFilter{Entity: "items", Limit: 1})
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], all[9]) {
		t.Fatalf("entry read back: %+v %v, want %+v", got, err, all[9])
	}

	// Pruning by age: oldest first, at most limit, across entities.
	if n, err := s.PruneHistory(ctx, 103, 2); err != nil || n != 2 { // other's 0 and 1
		t.Fatalf("prune: %d %v", n, err)
	}
	if n, err := s.PruneHistory(ctx, 103, 1000); err != nil || n != 104 { // 3 of items, 101 more of other
		t.Fatalf("prune the rest: %d %v", n, err)
	}
	if _, total, _ := s.HistoryEntries(ctx, &store.HistoryFilter{Entity: "items"}); total != 7 {
		t.Errorf("items left: %d", total)
	}
	if _, total, _ := s.HistoryEntries(ctx, &store.HistoryFilter{Entity: "other"}); total != 450-103 {
		t.Errorf("other left: %d", total)
	}

	// Pruning deleted records: the records deleted before a time.
	addHistory(t, s, entry("items", a1, store.UserRecordDeleted, 200), entry("items", a2, store.ScriptRecordDeleted, 300),
		entry("other", ID(50), store.UserRecordDeleted, 100))
	ids, err := s.DeletedRecords(ctx, "items", 250, 10)
	if err != nil || !reflect.DeepEqual(ids, []string{a1}) {
		t.Fatalf("deleted before 250: %v %v", ids, err)
	}
	if ids, err := s.DeletedRecords(ctx, "items", 1000, 1); err != nil || !reflect.DeepEqual(ids, []string{a1}) {
		t.Fatalf("deleted, oldest first: %v %v", ids, err)
	}
	if n, err := s.DeleteRecordHistory(ctx, "items", []string{a1}); err != nil || n != 4 { // 3 left after pruning + the deletion
		t.Fatalf("delete a1's history: %d %v", n, err)
	}
	if ids, err := s.DeletedRecords(ctx, "items", 1000, 10); err != nil || !reflect.DeepEqual(ids, []string{a2}) {
		t.Fatalf("deleted records left: %v %v", ids, err)
	}
	if _, total, _ := s.HistoryEntries(ctx, &store.HistoryFilter{Entity: "other"}); total != 450-103+1 {
		t.Errorf("another entity's history touched: %d", total)
	}

	// Entity versions follow the fingerprints.
	v, err := s.EntityVersions(ctx, map[string]string{"items": "f1", "other": "g1"})
	if err != nil || v["items"] != 1 || v["other"] != 1 {
		t.Fatalf("first versions: %v %v", v, err)
	}
	v, err = s.EntityVersions(ctx, map[string]string{"items": "f1", "other": "g2", "third": "h1"})
	if err != nil || v["items"] != 1 || v["other"] != 2 || v["third"] != 1 {
		t.Fatalf("versions after a change: %v %v", v, err)
	}
}

// AppLogs: app logs read back newest first with every filter of
// store.AppLogFilter (partial matches Unicode case-insensitive), and are
// pruned by age.
func AppLogs(t *testing.T, open Opener) {
	s, _ := Open(t, open)
	ctx := context.Background()
	mk := func(ts int64, level store.LogLevel, user, msg string, info []byte) store.AppLog {
		return store.AppLog{ID: record.NewID(), Type: store.AppLogApp, SubType: store.AppLogScript, Level: level, Message: msg,
			UserEmail: user, Time: ts, IP: "10.0.0.2", AdditionalInfo: info}
	}
	logs := []store.AppLog{
		mk(10, store.LogInfo, "ana@example.org", "Été chaud", []byte(`{"k":1}`)),
		mk(20, store.LogWarn, "bob@example.org", "sync slow", nil),
		mk(30, store.LogError, "Ana@Example.org", "SYNC failed", nil),
		mk(40, store.LogDebug, "system", "debug line", nil),
	}
	logs[1].Type, logs[1].SubType, logs[1].AdminUserEmail = store.AppLogExternal, "", "root@example.org"
	if err := s.AddAppLogs(ctx, logs[:2]...); err != nil {
		t.Fatal(err)
	}
	if err := s.AddAppLogs(ctx, logs[2:]...); err != nil {
		t.Fatal(err)
	}
	ids := func(i ...int) []string {
		out := []string{}
		for _, k := range i {
			out = append(out, logs[k].ID)
		}
		return out
	}
	from, to := int64(20), int64(30)
	for _, c := range []struct {
		name  string
		f     store.AppLogFilter
		want  []string
		total int64
	}{
		{"all", store.AppLogFilter{}, ids(3, 2, 1, 0), 4},
		{"message", store.AppLogFilter{Message: "sync"}, ids(2, 1), 2},
		{"message unicode", store.AppLogFilter{Message: "éTÉ"}, ids(0), 1},
		{"user", store.AppLogFilter{UserEmail: "ANA@"}, ids(2, 0), 2},
		{"levels", store.AppLogFilter{Levels: []store.LogLevel{store.LogWarn, store.LogError}}, ids(2, 1), 2},
		{"window", store.AppLogFilter{From: &from, To: &to}, ids(2, 1), 2},
		{"page", store.AppLogFilter{Limit: 2}, ids(3, 2), 4},
		{"next page", store.AppLogFilter{Before: logs[2].ID, Limit: 2}, ids(1, 0), 4},
		{"filtered page", store.AppLogFilter{Message: "s", Before: logs[2].ID, Limit: 1}, ids(1), 2},
	} {
		got, total, err := s.AppLogs(ctx, &c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		gotIDs := []string{}
		for _, l := range got {
			gotIDs = append(gotIDs, l.ID)
		}
		if total != c.total || !reflect.DeepEqual(gotIDs, c.want) {
			t.Errorf("%s: %v (total %d), want %v (%d)", c.name, gotIDs, total, c.want, c.total)
		}
	}
	got, _, err := s.AppLogs(ctx, &store.AppLogFilter{To: &from})
	if err != nil || len(got) != 2 || !reflect.DeepEqual(got[0], logs[1]) || !reflect.DeepEqual(got[1], logs[0]) {
		t.Fatalf("logs read back: %+v %v", got, err)
	}
	if n, err := s.PruneAppLogs(ctx, 30, 1); err != nil || n != 1 {
		t.Fatalf("prune: %d %v", n, err)
	}
	if n, err := s.PruneAppLogs(ctx, 30, 10); err != nil || n != 1 {
		t.Fatalf("prune the rest: %d %v", n, err)
	}
	if _, total, _ := s.AppLogs(ctx, &store.AppLogFilter{}); total != 2 {
		t.Errorf("logs left: %d", total)
	}
}

// SeedHistory writes n entries of entity, perRecord per record, in
// transactions of 10,000, and returns the id of one of the records: target
// when given (for the tests of a store's query plan and the benchmarks).
func SeedHistory(t testing.TB, s store.Store, entity, target string, n, perRecord int) string {
	t.Helper()
	ctx := context.Background()
	records := make([]string, max(n/perRecord, 1))
	for i := range records {
		records[i] = record.NewID()
	}
	if target != "" {
		records[len(records)/2] = target
	}
	const perTx = 10_000
	for start := 0; start < n; start += perTx {
		batch := make([]store.HistoryEntry, 0, perTx)
		for i := start; i < start+perTx && i < n; i++ {
			batch = append(batch, entry(entity, records[i%len(records)], store.UserRecordChanged, int64(i)))
		}
		if err := s.Write(ctx, func(tx store.Tx) error { return tx.AddHistory(ctx, batch...) }); err != nil {
			t.Fatal(err)
		}
	}
	return records[len(records)/2]
}

// HistoryPlan: the first page of a record's history, among the entries of
// many records, reads an index (want, a line of the plan) and neither
// scans the table nor sorts (deny). explain runs the database's EXPLAIN of
// a query on the store (with fresh statistics) and returns its lines.
func HistoryPlan(t *testing.T, open Opener, explain func(s store.Store, query string, args ...any) ([]string, error), want string, deny ...string) {
	s := open(t)
	id := SeedHistory(t, s, "things", "", 20_000, 100)
	plan, err := explain(s, sqlstore.HistoryQueryPlan, "things", id, 20)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(plan, "; ")
	t.Logf("plan: %s", got)
	if !strings.Contains(got, want) {
		t.Errorf("the record's history page does not use the index (%s): %s", want, got)
	}
	for _, d := range deny {
		if strings.Contains(got, d) {
			t.Errorf("the record's history page plan has %s: %s", d, got)
		}
	}
}
