package data

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"testing/fstest"

	"runway/access"
	"runway/app"
	"runway/record"
)

// An export reads each next page ahead while the current one is written:
// every record comes once, in order, across page boundaries; a limit and a
// callback that stops the scan end it where they say.
func TestExportReadsAheadInOrder(t *testing.T) {
	b := setup(t, app.Demo())
	var want []string
	for i := range 2*aheadPage + 17 {
		want = append(want, b.create("companies", obj{"name": fmt.Sprintf("Company %04d", i)})["id"].(string))
	}
	slices.Sort(want)
	e := b.entity("companies")
	export := func(params string, stopAt int) ([]string, error) {
		var got []string
		err := b.svc.Export(b.ctx, b.dev, e, b.bulk("companies", "_sortField=id&_sortType=asc&"+params), nil, 50, func(recs []ExportRecord) error {
			for _, r := range recs {
				got = append(got, r.ID)
				if len(got) == stopAt {
					return errStop
				}
			}
			return nil
		})
		return got, err
	}
	got, err := export("", 0)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("export: %d records (err %v), want the %d in id order", len(got), err, len(want))
	}
	if got, err := export("_size=333", 0); err != nil || !slices.Equal(got, want[:333]) {
		t.Errorf("export of 333: %d records (err %v)", len(got), err)
	}
	if got, err := export("", aheadPage+10); !errors.Is(err, errStop) || !slices.Equal(got, want[:aheadPage+10]) {
		t.Errorf("export stopped by its callback: %d records, err %v", len(got), err)
	}
}

var errStop = errors.New("stop")

// exportApp has a field one group may not read and a relationship an
// export can read the target of.
var exportApp = fstest.MapFS{
	"app.json": {Data: []byte(`{"name": "exportdata"}`)},
	"model/entities/people.json": {Data: []byte(`{"name": "people", "label": "People", "recordLabel": "fields/name",
		"fields": [{"name": "name", "type": "text"}, {"name": "city", "type": "text"}]}`)},
	"model/entities/items.json": {Data: []byte(`{"name": "items", "label": "Items", "recordLabel": "fields/name",
		"fields": [{"name": "name", "type": "text"}, {"name": "secret", "type": "text"},
			{"name": "note", "type": "text", "readAccess": {"name": "box"}},
			{"name": "owner", "type": "relationship", "typeRules": {"entity": "people"}}]}`)},
	"security/groups/staff.json": {Data: []byte(`{"name": "staff", "entityPermissions": [
		{"entity": "items", "read": "always", "create": "never", "update": "never", "delete": "never", "export": true,
		 "fields": [{"field": "secret", "permission": "none"}]},
		{"entity": "people", "read": "always", "create": "never", "update": "never", "delete": "never"}]}`)},
}

// An export's documents hold what the caller may read: the stored
// document when that is all of it, without the fields it may not read
// otherwise (a group's field permission, a field's readAccess on the
// record), fetched relationships as the target's values.
func TestExportDocuments(t *testing.T) {
	b := setup(t, exportApp)
	ann := b.create("people", obj{"name": "Ann", "city": "Rome"})
	b.create("items", obj{"name": "box", "secret": "s3", "note": "n1", "owner": ann["id"]})
	b.create("items", obj{"name": "crate", "note": "n2"})
	staff := &Caller{UserID: record.NewID(), Email: "staff@example.org", Policy: b.svc.Access().For(access.Subject{Groups: []string{"staff"}})}
	export := func(c *Caller, fetch ...string) map[string]obj { // by name
		t.Helper()
		docs := map[string]obj{}
		err := b.svc.Export(b.ctx, c, b.entity("items"), b.bulk("items", ""), fetch, 10, func(recs []ExportRecord) error {
			for _, r := range recs {
				d := decodeDoc(t, r.Doc)
				docs[d["name"].(string)] = d
			}
			return nil
		})
		if err != nil || len(docs) != 2 {
			t.Fatalf("export: %v %v", docs, err)
		}
		return docs
	}
	// the developer may read every field, the note on the box only
	if d := export(b.dev); d["box"]["secret"] != "s3" || d["box"]["note"] != "n1" || d["crate"]["note"] != nil {
		t.Errorf("the developer's export %v", d)
	}
	if d := export(staff)["box"]; d["secret"] != nil || d["note"] != "n1" {
		t.Errorf("staff's export %v: secret shown or note missing", d)
	}
	d := export(staff, "owner")["box"]
	if o, _ := d["owner"].(map[string]any); o["city"] != "Rome" || o["id"] != ann["id"] || o["label"] != "Ann" || d["secret"] != nil {
		t.Errorf("staff's export with the owner fetched %v", d)
	}
}
