package history

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"runway/app"
	"runway/record"
	"runway/store"
)

// histApp is the history test app (app/testdata/history) and a service
// that plans its entities (no store: entries are built, not written).
func histApp(t *testing.T) (*app.App, *Service) {
	t.Helper()
	a, probs, err := app.Load(os.DirFS("../app/testdata/history"))
	if err != nil {
		t.Fatalf("load: %v %v", err, probs)
	}
	s := &Service{app: a, plans: map[*app.Entity]*plan{}}
	for _, name := range a.EntityNames {
		if e := a.Entity(name); e.Audit != nil {
			s.plans[e] = newPlan(e, 3)
		}
	}
	return a, s
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}

func vals(t *testing.T, js string) record.Values {
	t.Helper()
	_, _, _, v, err := record.Decode([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEntryOfAChangeHoldsOnlyWhatChanged(t *testing.T) {
	a, s := histApp(t)
	e := a.Entity("notes")
	old := vals(t, `{"title": "A", "status": "open", "amount": 10, "tags": ["x"], "pin": "1234", "scratch": "s1",
		"address": {"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "label": "Address", "street": "Main 1", "zip": "111"}}`)
	cases := []struct {
		name     string
		new      string
		script   bool
		old, neu map[string]any // nil: no entry
	}{
		{"one field", `{"title": "A", "status": "closed", "amount": 10, "tags": ["x"], "pin": "1234", "scratch": "s1",
			"address": {"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "label": "Address", "street": "Main 1", "zip": "111"}}`, false,
			map[string]any{"status": "open"}, map[string]any{"status": "closed"}},
		{"cleared and added", `{"title": "A", "status": "open", "tags": [], "pin": "1234", "scratch": "s1", "due": "2024-01-02",
			"address": {"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "label": "Address", "street": "Main 1", "zip": "111"}}`, false,
			map[string]any{"amount": 10.0, "tags": []any{"x"}, "due": nil}, map[string]any{"amount": nil, "tags": []any{}, "due": "2024-01-02"}},
		{"sensitive: masked", `{"title": "A", "status": "open", "amount": 10, "tags": ["x"], "pin": "9999", "scratch": "s1",
			"address": {"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "label": "Address", "street": "Main 1", "zip": "111"}}`, false,
			map[string]any{"pin": "****"}, map[string]any{"pin": "****"}},
		{"ignored fields only: no entry", `{"title": "A", "status": "open", "amount": 10, "tags": ["x"], "pin": "1234", "scratch": "s2",
			"address": {"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "label": "Address", "street": "Main 1", "zip": "222"}}`, false, nil, nil},
		{"ignored by users, not by scripts", `{"title": "A", "status": "open", "amount": 10, "tags": ["x"], "pin": "1234", "scratch": "s2",
			"address": {"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "label": "Address", "street": "Main 1", "zip": "111"}}`, true,
			map[string]any{"scratch": "s1"}, map[string]any{"scratch": "s2"}},
		{"nested: ignored inner left out", `{"title": "A", "status": "open", "amount": 10, "tags": ["x"], "pin": "1234", "scratch": "s1",
			"address": {"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "label": "Address", "street": "Main 2", "zip": "333"}}`, false,
			map[string]any{"address": map[string]any{"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "label": "Address", "street": "Main 1"}},
			map[string]any{"address": map[string]any{"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "label": "Address", "street": "Main 2"}}},
		{"nothing changed", `{"title": "A", "status": "open", "amount": 10, "tags": ["x"], "pin": "1234", "scratch": "s1",
			"address": {"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "label": "Address", "street": "Main 1", "zip": "111"}}`, true, nil, nil},
	}
	for _, c := range cases {
		en := s.Entry(&Change{Entity: e, Kind: Changed, Script: c.script, User: "u@x", RecordID: "bbbbbbbbbbbbbbbbbbbbbbbb",
			Label: "A", Old: old, New: vals(t, c.new)})
		if c.old == nil {
			if en != nil {
				t.Errorf("%s: entry %s → %s, want none", c.name, en.Old, en.New)
			}
			continue
		}
		if en == nil {
			t.Errorf("%s: no entry", c.name)
			continue
		}
		if got := decode(t, en.Old); !reflect.DeepEqual(got, c.old) {
			t.Errorf("%s: old %s, want %v", c.name, en.Old, c.old)
		}
		if got := decode(t, en.New); !reflect.DeepEqual(got, c.neu) {
			t.Errorf("%s: new %s, want %v", c.name, en.New, c.neu)
		}
		want := store.UserRecordChanged
		if c.script {
			want = store.ScriptRecordChanged
		}
		if en.Event != want || en.EntityVersion != 3 || en.User != "u@x" || !record.IsID(en.ID) {
			t.Errorf("%s: %+v", c.name, en)
		}
	}
	// The values handed in are not changed by masking or ignoring.
	if old["pin"] != "1234" || old["scratch"] != "s1" {
		t.Errorf("old values changed: %v", old)
	}
}

func TestEntryOfCreationAndDeletion(t *testing.T) {
	a, s := histApp(t)
	e := a.Entity("notes")
	v := vals(t, `{"title": "A", "pin": "1234", "scratch": "s", "address": {"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "label": "Address", "street": "S", "zip": "Z"}}`)
	doc := record.Encode(e, "bbbbbbbbbbbbbbbbbbbbbbbb", 0, "A", v, nil)
	en := s.Entry(&Change{Entity: e, Kind: Created, RecordID: "bbbbbbbbbbbbbbbbbbbbbbbb", Label: "A", New: v, Doc: doc})
	if string(en.Old) != "{}" || en.Event != store.UserRecordCreated {
		t.Fatalf("created: %+v", en)
	}
	want := map[string]any{"id": "bbbbbbbbbbbbbbbbbbbbbbbb", "version": 0.0, "label": "A", "title": "A", "pin": "****",
		"address": map[string]any{"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "label": "Address", "street": "S"}}
	if got := decode(t, en.New); !reflect.DeepEqual(got, want) {
		t.Errorf("created record %s, want %v", en.New, want)
	}
	// Scripts ignore nothing: only the sensitive value is masked.
	en = s.Entry(&Change{Entity: e, Kind: Deleted, Script: true, RecordID: "bbbbbbbbbbbbbbbbbbbbbbbb", Label: "A", Old: v, Doc: doc})
	if string(en.New) != "{}" || en.Event != store.ScriptRecordDeleted {
		t.Fatalf("deleted: %+v", en)
	}
	if got := decode(t, en.Old); got["scratch"] != "s" || got["pin"] != "****" {
		t.Errorf("deleted record %s", en.Old)
	}
	// An entity that hides nothing keeps the stored document as is.
	f := a.Entity("followups")
	fv := vals(t, `{"text": "t"}`)
	fdoc := record.Encode(f, "cccccccccccccccccccccccc", 0, "t", fv, nil)
	if en := s.Entry(&Change{Entity: f, Kind: Created, RecordID: "cccccccccccccccccccccccc", New: fv, Doc: fdoc}); string(en.New) != string(fdoc) {
		t.Errorf("followups creation %s", en.New)
	}
}

func TestEntrySettingsDecide(t *testing.T) {
	a, s := histApp(t)
	q := a.Entity("quiet")
	old, v := vals(t, `{"name": "a"}`), vals(t, `{"name": "b"}`)
	if en := s.Entry(&Change{Entity: q, Kind: Changed, Old: old, New: v}); en != nil {
		t.Error("quiet: user changes are not recorded")
	}
	if en := s.Entry(&Change{Entity: q, Kind: Changed, Script: true, Old: old, New: v}); en == nil {
		t.Error("quiet: script changes are recorded")
	}
	if en := s.Entry(&Change{Entity: q, Kind: Created, Script: true, New: v}); en != nil {
		t.Error("quiet: script creations are not recorded")
	}
	if en := s.Entry(&Change{Entity: q, Kind: ActionPerformed, RecordID: "cccccccccccccccccccccccc"}); en == nil ||
		en.Event != store.UserActionPerformed || string(en.Old) != "{}" || string(en.New) != "{}" {
		t.Errorf("quiet action: %+v", en)
	}
	if s.Tracks(a.Entity("plain")) || s.Entry(&Change{Entity: a.Entity("plain"), Kind: Created, New: v}) != nil {
		t.Error("plain keeps no history")
	}
	var none *Service
	if none.Tracks(q) {
		t.Error("a nil service tracks nothing")
	}
}

func TestCategories(t *testing.T) {
	for _, e := range store.HistoryEvents {
		c := e.Category()
		if c != "USER" && c != "SCRIPT" && c != "SYSTEM" {
			t.Errorf("%s: category %q", e, c)
		}
	}
	got, err := ParseEvents(" user_record_created,SCRIPT_RECORD_DELETED,USER_RECORD_CREATED")
	if err != nil || !reflect.DeepEqual(got, []store.HistoryEvent{store.UserRecordCreated, store.ScriptRecordDeleted}) {
		t.Errorf("ParseEvents: %v %v", got, err)
	}
	if _, err := ParseEvents("USER_RECORD_EATEN"); err == nil {
		t.Error("unknown event type accepted")
	}
	if got, err := ParseEvents(""); err != nil || got != nil {
		t.Errorf("empty: %v %v", got, err)
	}
}
