package data

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"runway/apperr"
	"runway/record"
)

func kitchen(t *testing.T) *bundle {
	t.Helper()
	return setup(t, os.DirFS("../app/testdata/kitchen"))
}

func TestCreateFillsDefaultsAndSystemValues(t *testing.T) {
	b := kitchen(t)
	first := b.create("things", obj{"requiredText": "r", "text": "first", "items": []any{obj{"name": "bolt"}}})
	if !record.IsID(first["id"].(string)) {
		t.Errorf("id %v", first["id"])
	}
	item := first["items"].([]any)[0].(obj)
	now := float64(testNow.UnixMilli())
	for path, want := range map[string]any{
		"version": 0.0, "label": "first", // the first text field labels (app-model.md §8 Q14)
		"autoIncrement": 1.0, "rank": firstRank,
		"defaultStatus": "draft", "when": now, "dateRecordCreated": now, "dateRecordModified": now,
		"boolean": false, "tags": "[]", "friends": "[]", // never null
	} {
		got := first[path]
		if s, isList := got.([]any); isList {
			got = js(s)
		}
		if got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if item["qty"] != 1.0 || item["label"] != "items" || !record.IsID(item["id"].(string)) || item["name"] != "bolt" {
		t.Errorf("new nested item: %v (want the default qty 1, the field's label, an id)", item)
	}
	if _, ok := first["integer"]; ok {
		t.Errorf("a field not sent and without default is stored: %v", first["integer"])
	}
	// The answer is the stored record.
	if got := b.get(b.dev, "things", first["id"].(string)); js(got) != js(first) {
		t.Errorf("stored %s\nanswered %s", js(got), js(first))
	}

	b.now = testNow.Add(time.Hour)
	second := b.create("things", obj{"requiredText": "r"})
	if second["autoIncrement"] != 2.0 || second["rank"] != "iiiij00000" || second["dateRecordCreated"] != float64(b.now.UnixMilli()) {
		t.Errorf("second record: autoIncrement %v, rank %v, created %v", second["autoIncrement"], second["rank"], second["dateRecordCreated"])
	}
}

func TestCreateConvertsValuesByType(t *testing.T) {
	b := kitchen(t)
	ana := b.create("people", obj{"name": "Ana"})
	bob := b.create("people", obj{"name": "Bob"})
	cy := b.create("people", obj{"name": "Cy"})
	file, err := b.svc.Files().Create(b.ctx, b.dev.UserID, "a.txt", "text/plain", strings.NewReader("abc"))
	if err != nil {
		t.Fatal(err)
	}
	got := b.create("things", obj{"requiredText": "r",
		"integer": "42", "decimal": 1.5, "boolean": true, "choice": "b", "tags": "solo",
		"group": "Everyone", "fileUpload": obj{"id": file.ID, "name": "ignored.txt"},
		// A relationship by label, by id, by lookup field, by explicit label.
		"owner":   "Ana",
		"friends": []any{bob["id"], obj{"name": "Cy"}, obj{"label": "Ana"}},
		"items":   []any{obj{"name": "a", "supplier": obj{"id": cy["id"]}}},
	})
	ref := func(p obj) string { return js(obj{"id": p["id"], "label": p["name"]}) }
	group := b.app.Groups["everyone"]
	for path, want := range map[string]string{
		"integer": "42", "decimal": "1.5", "boolean": "true", "choice": `"b"`, "tags": `["solo"]`,
		"group":      js(obj{"id": group.ID, "label": "Everyone"}),
		"fileUpload": `{"id":"` + file.ID + `","name":"a.txt (3B)"}`,
		"owner":      ref(ana),
		"friends":    "[" + ref(bob) + "," + ref(cy) + "," + ref(ana) + "]",
	} {
		if js(got[path]) != want {
			t.Errorf("%s = %s, want %s", path, js(got[path]), want)
		}
	}
	if sup := got["items"].([]any)[0].(obj)["supplier"]; js(sup) != ref(cy) {
		t.Errorf("items[0].supplier = %s", js(sup))
	}
}

func TestCreateReportsEveryInvalidField(t *testing.T) {
	b := kitchen(t)
	b.create("people", obj{"name": "Ana"})
	things := b.entity("things")
	_, err := b.svc.Create(b.ctx, b.dev, things, obj{
		"nope":       1,
		"integer":    "x",
		"choice":     "z",
		"group":      "nobody",
		"fileUpload": "not-an-id",
		"shortText":  "a",
		"code":       "abc",
		"age":        200,
		"tags":       []any{"ok", obj{}},
		"address":    "Main St",
		"items":      []any{obj{"qty": 2}, obj{"id": "6650a1b2c3d4e5f601234567", "name": "x"}, "bolt"},
		"owner":      "Nobody",
		"friends":    []any{"Ana", 7},
	})
	errs := wantFields(t, err,
		// Unknown keys first, then the fields in definition order, then
		// what is still missing once the record is complete.
		"nope invalid",
		"integer invalid",
		"choice invalid",
		"fileUpload invalid",
		"group invalid",
		"shortText tooShort",
		"code invalid",
		"age outOfRange",
		"tags[1] invalid",
		"address invalid",
		"items[1].id invalid",
		"items[2] invalid",
		"owner invalid",
		"friends[1] invalid",
		"requiredText required",
		"items[0].name required",
	)
	for i, want := range map[int]string{
		0:  `Unknown field "nope"`,
		10: "No item with id 6650a1b2c3d4e5f601234567 in items",
		12: "No people record matches Nobody",
		13: "Expected a record id, label or lookup value",
		14: "requiredText must be filled in",
	} {
		if errs[i].Message != want {
			t.Errorf("%s: message %q, want %q", errs[i].Field, errs[i].Message, want)
		}
	}
	if errs[0].AdditionalInfo["rejectedValue"] != 1 || errs[12].AdditionalInfo["rejectedValue"] != "Nobody" {
		t.Errorf("rejected values: %v, %v", errs[0].AdditionalInfo, errs[12].AdditionalInfo)
	}
	if n := b.mustList(b.dev, "things", "").total; n != 0 {
		t.Errorf("%d things stored after a failed create", n)
	}
}

func TestUniqueValueIsAFieldErrorAndDrawsNoNumber(t *testing.T) {
	b := kitchen(t)
	things := b.entity("things")
	first := b.create("things", obj{"requiredText": "r", "uniqueCode": "U1"})
	_, err := b.svc.Create(b.ctx, b.dev, things, obj{"requiredText": "r", "uniqueCode": "U1"})
	errs := wantFields(t, err, "uniqueCode unique")
	if errs[0].AdditionalInfo["rejectedValue"] != "U1" || errs[0].Message != "Value is already used by another record" {
		t.Errorf("unique error: %+v", errs[0])
	}
	// The failed insert rolled back its sequence draw with it.
	if got := b.create("things", obj{"requiredText": "r", "uniqueCode": "U2"}); got["autoIncrement"] != 2.0 {
		t.Errorf("autoIncrement after a failed create: %v, want 2", got["autoIncrement"])
	}
	// An update to a taken value too; the record keeps its own.
	_, err = b.svc.Update(b.ctx, b.dev, things, first["id"].(string), obj{"uniqueCode": "U2"})
	wantFields(t, err, "uniqueCode unique")
	if got := b.get(b.dev, "things", first["id"].(string)); got["uniqueCode"] != "U1" || got["version"] != 0.0 {
		t.Errorf("after a failed update: %v", got)
	}
}

func TestUpdateMergesIntoTheStoredRecord(t *testing.T) {
	b := kitchen(t)
	things := b.entity("things")
	old := b.create("things", obj{"requiredText": "r", "text": "t", "integer": 1, "tags": []any{"x"},
		"address": obj{"street": "Main", "zip": "1"},
		"items":   []any{obj{"name": "a"}, obj{"name": "b", "qty": 3}}})
	id := old["id"].(string)
	oldItems := old["items"].([]any)
	itemB := oldItems[1].(obj)["id"]

	b.now = testNow.Add(time.Minute)
	got := b.ok(b.svc.Update(b.ctx, b.dev, things, id, obj{
		"integer": 7,
		"text":    nil, // null clears
		"address": obj{"zip": "2"},
		// The sent list is the new list: b merged, a new item, a gone.
		"items": []any{obj{"id": itemB, "qty": 5}, obj{"name": "c"}},
		// System keys are ignored.
		"id": "6650a1b2c3d4e5f601234567", "label": "ignored",
	}))
	if got["id"] != id || got["version"] != 1.0 || got["integer"] != 7.0 || got["requiredText"] != "r" || js(got["tags"]) != `["x"]` {
		t.Errorf("merged record: %s", js(got))
	}
	if _, ok := got["text"]; ok {
		t.Errorf("text not cleared: %v", got["text"])
	}
	if got["label"] != "" {
		t.Errorf("label %q: the label field was cleared", got["label"])
	}
	addr := got["address"].(obj)
	if addr["street"] != "Main" || addr["zip"] != "2" || addr["id"] != old["address"].(obj)["id"] {
		t.Errorf("address %v: a single nested object merges", addr)
	}
	items := got["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("items %s", js(items))
	}
	if b0 := items[0].(obj); b0["id"] != itemB || b0["name"] != "b" || b0["qty"] != 5.0 {
		t.Errorf("merged item %v", b0)
	}
	if c := items[1].(obj); c["name"] != "c" || c["qty"] != 1.0 || c["id"] == itemB || !record.IsID(c["id"].(string)) {
		t.Errorf("new item %v", c)
	}
	if got["dateRecordCreated"] != float64(testNow.UnixMilli()) || got["dateRecordModified"] != float64(b.now.UnixMilli()) {
		t.Errorf("created %v, modified %v", got["dateRecordCreated"], got["dateRecordModified"])
	}
	if got["autoIncrement"] != 1.0 || got["rank"] != firstRank {
		t.Errorf("an update redrew autoIncrement %v / rank %v", got["autoIncrement"], got["rank"])
	}
	if stored := b.get(b.dev, "things", id); js(stored) != js(got) {
		t.Errorf("stored %s\nanswered %s", js(stored), js(got))
	}

	// Invalid input changes nothing.
	_, err := b.svc.Update(b.ctx, b.dev, things, id, obj{"integer": 8, "requiredText": nil, "items": []any{obj{"id": oldItems[0].(obj)["id"]}}})
	wantFields(t, err, "items[0].id invalid", "requiredText required")
	if stored := b.get(b.dev, "things", id); stored["version"] != 1.0 || stored["integer"] != 7.0 {
		t.Errorf("after a failed update: %s", js(stored))
	}
}

func TestUpdateOfAMissingRecordIsNotFound(t *testing.T) {
	b := kitchen(t)
	things := b.entity("things")
	for _, id := range []string{"6650a1b2c3d4e5f601234567", "not-an-id"} {
		_, err := b.svc.Update(b.ctx, b.dev, things, id, obj{"integer": 1})
		if ae := wantCode(t, err, apperr.NotFound); ae.Message != `Record "`+id+`" of entity "things" does not exist` {
			t.Errorf("message %q", ae.Message)
		}
	}
}

func TestUpdateWithAVersionIsOptimisticallyLocked(t *testing.T) {
	b := kitchen(t)
	things := b.entity("things")
	id := b.create("things", obj{"requiredText": "r"})["id"].(string)
	b.ok(b.svc.Update(b.ctx, b.dev, things, id, obj{"integer": 1, "version": json.Number("0")}))

	_, err := b.svc.Update(b.ctx, b.dev, things, id, obj{"integer": 2, "version": json.Number("0")})
	if ae := wantCode(t, err, apperr.OptimisticLocking); ae.Message != `Record "`+id+`" was modified by someone else; read it again and retry` {
		t.Errorf("message %q", ae.Message)
	}
	// The version may come as a string; null is no version.
	b.ok(b.svc.Update(b.ctx, b.dev, things, id, obj{"integer": 3, "version": "1"}))
	b.ok(b.svc.Update(b.ctx, b.dev, things, id, obj{"integer": 4, "version": nil}))
	if got := b.get(b.dev, "things", id); got["integer"] != 4.0 || got["version"] != 3.0 {
		t.Errorf("after the updates: integer %v version %v", got["integer"], got["version"])
	}
	for in, msg := range map[any]string{
		"abc":             `version must be a non-negative integer, got "abc"`,
		json.Number("-1"): `version must be a non-negative integer, got "-1"`,
		true:              "version must be an integer",
	} {
		_, err := b.svc.Update(b.ctx, b.dev, things, id, obj{"integer": 5, "version": in})
		if ae := wantCode(t, err, apperr.BadRequest); ae.Message != msg {
			t.Errorf("version %v: %q, want %q", in, ae.Message, msg)
		}
	}
}

// A write that lands between an update's read and its write: an update
// without a version is merged again onto the newer record, one with a
// version is refused. (The update holds the record's lock, so the write
// that slips in is one that does not wait for it: lockRecord false.)
func TestUpdateWithoutAVersionMergesOntoAWriteThatSlippedIn(t *testing.T) {
	b := kitchen(t)
	things := b.entity("things")
	id := b.create("things", obj{"requiredText": "r"})["id"].(string)
	slip := func(n int) func() {
		return func() {
			b.ok(b.svc.Update(b.ctx, b.dev, things, id, obj{"integer": n}, WriteOptions{NoLock: true}))
		}
	}

	b.store.slipIn(slip(1))
	got := b.ok(b.svc.Update(b.ctx, b.dev, things, id, obj{"text": "mine"}))
	if got["version"] != 2.0 || got["integer"] != 1.0 || got["text"] != "mine" {
		t.Errorf("versionless update over a slipped-in write: %s", js(got))
	}

	b.store.slipIn(slip(2))
	_, err := b.svc.Update(b.ctx, b.dev, things, id, obj{"text": "stale", "version": json.Number("2")})
	wantCode(t, err, apperr.OptimisticLocking)
	if got := b.get(b.dev, "things", id); got["version"] != 3.0 || got["integer"] != 2.0 || got["text"] != "mine" {
		t.Errorf("after a refused update: %s", js(got))
	}

	// An update that loses every race gives up, changing nothing.
	slips := 0
	var again func()
	again = func() {
		slips++
		slip(100 + slips)()
		b.store.slipIn(again)
	}
	b.store.slipIn(again)
	_, err = b.svc.Update(b.ctx, b.dev, things, id, obj{"text": "never"})
	b.store.slipIn(nil)
	wantCode(t, err, apperr.OptimisticLocking)
	if slips != maxUpdateRetries+1 {
		t.Errorf("%d attempts, want %d", slips, maxUpdateRetries+1)
	}
	if got := b.get(b.dev, "things", id); got["text"] != "mine" || got["integer"] != float64(100+slips) {
		t.Errorf("after giving up: %s", js(got))
	}
}

func TestDeleteAnswersTheRecordAsItWas(t *testing.T) {
	b := kitchen(t)
	things := b.entity("things")
	rec := b.create("things", obj{"requiredText": "r", "text": "gone"})
	id := rec["id"].(string)
	if got := b.ok(b.svc.Delete(b.ctx, b.dev, things, id)); js(got) != js(rec) {
		t.Errorf("delete answered %s, want %s", js(got), js(rec))
	}
	_, err := b.svc.Get(b.ctx, b.dev, things, id, nil)
	wantCode(t, err, apperr.NotFound)
	for _, id := range []string{id, "junk"} {
		_, err = b.svc.Delete(b.ctx, b.dev, things, id)
		if ae := wantCode(t, err, apperr.NotFound); ae.Message != `Record "`+id+`" of entity "things" does not exist` {
			t.Errorf("message %q", ae.Message)
		}
	}
}

func TestDeleteManyAnswersPerID(t *testing.T) {
	b := kitchen(t)
	things := b.entity("things")
	a := b.create("things", obj{"requiredText": "a"})
	keep := b.create("things", obj{"requiredText": "keep"})
	missing := "6650a1b2c3d4e5f601234567"
	res, err := b.svc.DeleteMany(b.ctx, b.dev, things, []string{a["id"].(string), missing, "junk"})
	if err != nil {
		t.Fatal(err)
	}
	want := obj{
		a["id"].(string): obj{"status": "ok", "response": a},
		missing:          obj{"status": "error", "errorMessage": `Record "` + missing + `" of entity "things" does not exist`},
		"junk":           obj{"status": "error", "errorMessage": `"junk" is not a record id`},
	}
	if js(decodeDoc(t, []byte(js(res)))) != js(want) {
		t.Errorf("results %s\nwant %s", js(res), js(want))
	}
	if p := b.mustList(b.dev, "things", ""); p.total != 1 || p.ids()[0] != keep["id"] {
		t.Errorf("left: %v", p.ids())
	}
	tooMany := make([]string, MaxSyncRecords+1)
	for i := range tooMany {
		tooMany[i] = record.NewID()
	}
	_, err = b.svc.DeleteMany(b.ctx, b.dev, things, tooMany)
	if ae := wantCode(t, err, apperr.BadRequest); ae.Message != "Cannot process 1001 records synchronously (at most 1000): use _async=true" {
		t.Errorf("message %q", ae.Message)
	}
}

func TestDeleteQueryDeletesWhatMatches(t *testing.T) {
	b := kitchen(t)
	things := b.entity("things")
	var ids []string
	for _, n := range []int{1, 2, 3, 4} {
		ids = append(ids, b.create("things", obj{"requiredText": "r", "integer": n})["id"].(string))
	}
	sel := b.bulk("things", "integer=greater(1)&_sortField=integer&_sortType=asc&_size=2")
	res, err := b.svc.DeleteQuery(b.ctx, b.dev, things, sel)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[ids[1]].Status != "ok" || res[ids[2]].Status != "ok" {
		t.Errorf("results %s: want integers 2 and 3 deleted", js(res))
	}
	if got := b.mustList(b.dev, "things", "_sortField=integer&_sortType=asc").ids(); js(got) != js([]string{ids[0], ids[3]}) {
		t.Errorf("left %v", got)
	}
	// Nothing matching: an empty result, no error.
	if res, err := b.svc.DeleteQuery(b.ctx, b.dev, things, b.bulk("things", "integer=99")); err != nil || len(res) != 0 {
		t.Errorf("no match: %v %v", res, err)
	}
}

func TestRanksFillAfterTheHighestStoredOrWritten(t *testing.T) {
	b := kitchen(t)
	things := b.entity("things")
	first := b.create("things", obj{"requiredText": "r"})
	if first["rank"] != firstRank {
		t.Errorf("first rank %v", first["rank"])
	}
	// A rank written by an update counts for the next fill.
	b.ok(b.svc.Update(b.ctx, b.dev, things, first["id"].(string), obj{"rank": "p"}))
	if got := b.create("things", obj{"requiredText": "r"}); got["rank"] != "p000100000" {
		t.Errorf("rank after an updated one: %v", got["rank"])
	}
	b.create("things", obj{"requiredText": "r", "rank": "q"})
	// A service started over the store reads the highest stored rank.
	again := New(b.app, b.store, b.svc.log)
	doc, err := again.Create(b.ctx, b.dev, things, obj{"requiredText": "r"})
	if got := b.ok(doc, err); got["rank"] != "q000100000" {
		t.Errorf("rank after a restart: %v", got["rank"])
	}
}

// Creates and updates hand the store rows it prepared (Store.PrepareRow)
// before their write, so its writer does not convert documents: outside
// the write transaction, or inside it for a record that draws sequence
// values there (things: autoIncrement, rank), in a batch too.
func TestWritesStorePreparedRows(t *testing.T) {
	b := kitchen(t)
	person := b.create("people", obj{"name": "Ana"})
	thing := b.create("things", obj{"requiredText": "r"})
	b.ok(b.svc.Update(b.ctx, b.system, b.entity("people"), person["id"].(string), obj{"name": "Bea"}))
	b.ok(b.svc.Update(b.ctx, b.system, b.entity("things"), thing["id"].(string), obj{"text": "t"}))
	batch := &WriteBatch{}
	for _, name := range []string{"Cy", "Di"} {
		if _, err := b.svc.Create(WithWriteBatch(b.ctx, batch), b.system, b.entity("people"), obj{"name": name}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.svc.CommitBatch(b.ctx, batch, nil); err != nil {
		t.Fatal(err)
	}
	if p, err := b.list(b.system, "people", ""); err != nil || p.total != 3 {
		t.Fatalf("people stored: %+v, %v (want 3)", p, err)
	}
	if len(b.store.unprepared) > 0 {
		t.Errorf("records written without PrepareRow: %v", b.store.unprepared)
	}
}
