package api_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"runway/api/apitest"
)

// seedCompanies creates n demo companies with predictable values:
// state cycles active/pending/inactive, numberOfEmployees = (i*7)%n, the
// contact email is c<i>@example.org, and every third company has an address
// in NV (plus one in CA).
func seedCompanies(t *testing.T, s *apitest.Server, n int) []obj {
	t.Helper()
	states := []string{"active", "pending", "inactive"}
	out := make([]obj, 0, n)
	for i := range n {
		body := obj{
			"name":               fmt.Sprintf("Company %02d", i),
			"state":              states[i%3],
			"numberOfEmployees":  (i * 7) % n,
			"contactInformation": obj{"email": fmt.Sprintf("c%d@example.org", i)},
			"addresses":          arr{obj{"city": "Sacramento", "state": "CA"}},
		}
		if i%3 == 0 {
			body["addresses"] = arr{obj{"city": "Sacramento", "state": "CA"}, obj{"city": "Reno", "state": "NV"}}
		}
		out = append(out, create(t, s, "companies", body))
	}
	return out
}

// idsWhere returns the ids of the seeded records that pass f, newest first
// (the default order, id desc).
func idsWhere(recs []obj, f func(obj) bool) []string {
	var out []string
	for i := len(recs) - 1; i >= 0; i-- {
		if f(recs[i]) {
			out = append(out, recs[i]["id"].(string))
		}
	}
	return out
}

func TestListEnvelopeAndFilters(t *testing.T) {
	t.Parallel()
	s := demo(t)
	if p := list(t, s, "companies", ""); p.Total != 0 || len(p.Items) != 0 || p.Offset != nil {
		t.Fatalf("empty entity: %+v", p)
	}
	recs := seedCompanies(t, s, 25)
	all := idsWhere(recs, func(obj) bool { return true })

	// Default: 20 newest first, total ignores paging, offset = last id.
	p := list(t, s, "companies", "")
	if p.Total != 25 || len(p.Items) != 20 {
		t.Fatalf("default page: total %d, %d items", p.Total, len(p.Items))
	}
	if got := ids(p.Items); strings.Join(got, ",") != strings.Join(all[:20], ",") {
		t.Errorf("default order is not id desc:\n got %v\nwant %v", got, all[:20])
	}
	if p.Offset != all[19] {
		t.Errorf("offset %v, want the last id %s", p.Offset, all[19])
	}
	if !jsonEq(p.Items[0], recs[24]) {
		t.Errorf("list item differs from the record:\n%s\n%s", js(p.Items[0]), js(recs[24]))
	}

	cases := []struct {
		query string
		want  func(obj) bool
	}{
		{q("state", "active"), func(r obj) bool { return r["state"] == "active" }},
		{q("state", "active,pending"), func(r obj) bool { return r["state"] != "inactive" }},
		{q("name", "Company 03"), func(r obj) bool { return r["name"] == "Company 03" }},
		{q("name", `Company 03,"Company 04",Company 99`), func(r obj) bool { return r["name"] == "Company 03" || r["name"] == "Company 04" }},
		{q("contactInformation.email", "c7@example.org"), func(r obj) bool { return r["name"] == "Company 07" }},
		{q("contactInformation.email", "c7@example.org,c8@example.org"), func(r obj) bool { return r["name"] == "Company 07" || r["name"] == "Company 08" }},
		{q("addresses.state", "NV"), func(r obj) bool { return len(r["addresses"].([]any)) == 2 }},
		{q("addresses.state", "CA"), func(obj) bool { return true }},
		{q("addresses.city", "Reno", "state", "pending"), func(r obj) bool { return len(r["addresses"].([]any)) == 2 && r["state"] == "pending" }},
		{q("addresses.state", "TX"), func(obj) bool { return false }},
		{q("state", "active", "numberOfEmployees", "0"), func(r obj) bool { return r["state"] == "active" && r["numberOfEmployees"] == 0.0 }},
		{q("numberOfEmployees", "7,14"), func(r obj) bool { n := r["numberOfEmployees"]; return n == 7.0 || n == 14.0 }},
		{q("id", recs[1]["id"].(string)+","+recs[2]["id"].(string)), func(r obj) bool { return r["id"] == recs[1]["id"] || r["id"] == recs[2]["id"] }},
		{q("isCustomer", "false"), func(obj) bool { return true }},
		{q("isCustomer", "true"), func(obj) bool { return false }},
	}
	for _, c := range cases {
		want := idsWhere(recs, c.want)
		p := list(t, s, "companies", c.query+"&_size=1000")
		if p.Total != int64(len(want)) || strings.Join(ids(p.Items), ",") != strings.Join(want, ",") {
			t.Errorf("?%s: total %d, ids %v; want %d, %v", c.query, p.Total, ids(p.Items), len(want), want)
		}
	}
	// total ignores _size.
	if p := list(t, s, "companies", q("state", "active", "_size", "2")); p.Total != 9 || len(p.Items) != 2 {
		t.Errorf("filtered page of 2: total %d, %d items", p.Total, len(p.Items))
	}
	// The total follows writes.
	create(t, s, "companies", obj{"name": "Late", "state": "active"})
	if p := list(t, s, "companies", q("state", "active", "_size", "2")); p.Total != 10 {
		t.Errorf("total after a create: %d, want 10", p.Total)
	}
	s.As("DELETE", "/data/companies/"+recs[0]["id"].(string), nil).Status(200)
	if p := list(t, s, "companies", q("state", "active", "_size", "2")); p.Total != 9 {
		t.Errorf("total after a delete: %d, want 9", p.Total)
	}

	// Bad filters.
	for _, bad := range []string{
		q("nosuchfield", "x"),
		q("contactInformation.fax", "x"),
		q("name.first", "x"),
		q("numberOfEmployees", "abc"),
		q("isCustomer", "maybe"),
		q("lastMeeting", "yesterday"),
		q("state", "unknownop(1)x"),
		q("numberOfEmployees", "between(1)"),
	} {
		s.As("GET", "/data/companies?"+bad, nil).Error(400, "badRequest")
	}
	s.As("GET", "/data/nosuchentity", nil).Error(404, "notFound")
}

func TestListSizeAndOffset(t *testing.T) {
	t.Parallel()
	s := demo(t)
	recs := seedCompanies(t, s, 25)
	all := idsWhere(recs, func(obj) bool { return true })

	for _, size := range []string{"1", "7", "25", "1000"} {
		p := list(t, s, "companies", "_size="+size)
		var n int
		fmt.Sscan(size, &n)
		if n > 25 {
			n = 25
		}
		if p.Total != 25 || len(p.Items) != n {
			t.Errorf("_size=%s: total %d, %d items", size, p.Total, len(p.Items))
		}
		if n == 25 && p.Offset != nil {
			t.Errorf("_size=%s: offset %v on the last page, want null", size, p.Offset)
		}
	}
	for _, bad := range []string{"1001", "0", "-1", "abc", "1.5", "", " 5"} {
		if bad == "" {
			continue // empty means the default
		}
		s.As("GET", "/data/companies?"+q("_size", bad), nil).Error(400, "badRequest")
	}

	// Numeric offsets.
	p := list(t, s, "companies", "_offset=20")
	if p.Total != 25 || strings.Join(ids(p.Items), ",") != strings.Join(all[20:], ",") || p.Offset != nil {
		t.Errorf("_offset=20: total %d ids %v offset %v", p.Total, ids(p.Items), p.Offset)
	}
	p = list(t, s, "companies", "_offset=3&_size=4")
	if strings.Join(ids(p.Items), ",") != strings.Join(all[3:7], ",") {
		t.Errorf("_offset=3&_size=4: %v, want %v", ids(p.Items), all[3:7])
	}
	p = list(t, s, "companies", "_offset=100")
	if p.Total != 25 || len(p.Items) != 0 || p.Offset != nil {
		t.Errorf("_offset past the end: %+v", p)
	}
	for _, bad := range []string{"-1", "abc", "1.5", strings.Repeat("g", 24)} {
		s.As("GET", "/data/companies?"+q("_offset", bad), nil).Error(400, "badRequest")
	}

	// Id offsets: start right after that record, in either direction.
	p = list(t, s, "companies", q("_offset", all[4], "_size", "3"))
	if strings.Join(ids(p.Items), ",") != strings.Join(all[5:8], ",") || p.Offset != all[7] {
		t.Errorf("id offset desc: %v offset %v, want %v", ids(p.Items), p.Offset, all[5:8])
	}
	p = list(t, s, "companies", q("_offset", all[4], "_size", "3", "_sortType", "asc"))
	if strings.Join(ids(p.Items), ",") != strings.Join([]string{all[3], all[2], all[1]}, ",") {
		t.Errorf("id offset asc: %v, want %v", ids(p.Items), []string{all[3], all[2], all[1]})
	}
	// An id offset needs the sort on id.
	s.As("GET", "/data/companies?"+q("_offset", all[4], "_sortField", "name"), nil).Error(400, "badRequest")
	// The offset of a numeric sort is a position.
	p = list(t, s, "companies", q("_sortField", "name", "_sortType", "asc", "_size", "10", "_offset", "5"))
	if p.Offset != 15.0 {
		t.Errorf("offset of a name-sorted page: %v, want 15", p.Offset)
	}
}

// Walking an entity with id offsets sees every record exactly once.
func TestListWalkWithIDOffsets(t *testing.T) {
	t.Parallel()
	s := demo(t)
	want := map[string]bool{}
	for i := range 50 {
		want[create(t, s, "skills", obj{"name": fmt.Sprintf("skill %02d", i)})["id"].(string)] = true
	}
	for _, dir := range []string{"desc", "asc"} {
		seen := map[string]bool{}
		var order []string
		offset := ""
		pages := 0
		for {
			query := q("_size", "7", "_sortType", dir)
			if offset != "" {
				query += "&" + q("_offset", offset)
			}
			p := list(t, s, "skills", query)
			pages++
			if p.Total != 50 {
				t.Fatalf("%s: total %d on page %d", dir, p.Total, pages)
			}
			for _, id := range ids(p.Items) {
				if seen[id] {
					t.Fatalf("%s: %s seen twice", dir, id)
				}
				seen[id] = true
				order = append(order, id)
			}
			if p.Offset == nil {
				break
			}
			next, ok := p.Offset.(string)
			if !ok || !isID(next) || next != p.Items[len(p.Items)-1]["id"] {
				t.Fatalf("%s: offset %v, want the last id of the page", dir, p.Offset)
			}
			offset = next
			if pages > 20 {
				t.Fatalf("%s: no end after %d pages", dir, pages)
			}
		}
		if len(seen) != 50 || pages != 8 {
			t.Fatalf("%s: saw %d records in %d pages, want 50 in 8", dir, len(seen), pages)
		}
		for id := range want {
			if !seen[id] {
				t.Fatalf("%s: missed %s", dir, id)
			}
		}
		if !sort.SliceIsSorted(order, func(i, j int) bool {
			if dir == "asc" {
				return order[i] < order[j]
			}
			return order[i] > order[j]
		}) {
			t.Errorf("%s: walk not in id order: %v", dir, order)
		}
	}
}

func TestListSort(t *testing.T) {
	t.Parallel()
	s := demo(t)
	recs := seedCompanies(t, s, 12)
	create(t, s, "companies", obj{"name": "Zeta"}) // no numberOfEmployees, no contact email

	nums := func(p page) []float64 {
		var out []float64
		for _, it := range p.Items {
			if n, ok := it["numberOfEmployees"].(float64); ok {
				out = append(out, n)
			}
		}
		return out
	}
	p := list(t, s, "companies", q("_sortField", "numberOfEmployees", "_sortType", "asc"))
	if p.Items[0]["name"] != "Zeta" {
		t.Errorf("asc: the record without a value is not first: %v", p.Items[0]["name"])
	}
	if n := nums(p); len(n) != 12 || !sort.Float64sAreSorted(n) {
		t.Errorf("asc by numberOfEmployees: %v", n)
	}
	p = list(t, s, "companies", q("_sortField", "numberOfEmployees", "_sortType", "desc"))
	n := nums(p)
	if len(n) != 12 || !sort.SliceIsSorted(n, func(i, j int) bool { return n[i] > n[j] }) {
		t.Errorf("desc by numberOfEmployees: %v", n)
	}
	if p.Items[len(p.Items)-1]["name"] != "Zeta" {
		t.Errorf("desc: the record without a value is not last")
	}
	// Default sort type is desc.
	p2 := list(t, s, "companies", q("_sortField", "numberOfEmployees"))
	if strings.Join(ids(p2.Items), ",") != strings.Join(ids(p.Items), ",") {
		t.Errorf("default _sortType is not desc")
	}
	p = list(t, s, "companies", q("_sortField", "name", "_sortType", "asc", "_size", "3"))
	if got := []any{p.Items[0]["name"], p.Items[1]["name"], p.Items[2]["name"]}; !jsonEq(got, arr{"Company 00", "Company 01", "Company 02"}) {
		t.Errorf("by name asc: %v", got)
	}
	p = list(t, s, "companies", q("_sortField", "contactInformation.email", "_sortType", "desc", "_size", "2"))
	if got := []any{p.Items[0]["name"], p.Items[1]["name"]}; !jsonEq(got, arr{"Company 09", "Company 08"}) {
		t.Errorf("by contactInformation.email desc: %v", got)
	}
	p = list(t, s, "companies", q("_sortField", "id", "_sortType", "asc", "_size", "1"))
	if p.Items[0]["id"] != recs[0]["id"] {
		t.Errorf("by id asc: first %v, want the oldest", p.Items[0]["id"])
	}

	for _, bad := range []string{
		q("_sortType", "up"),
		q("_sortType", "ASCENDING"),
		q("_sortField", "nosuchfield"),
		q("_sortField", "addresses.state"),
		q("_sortField", "addresses"),
		q("_sortField", "contactInformation"),
		q("_sortField", "name", "_sortType", "sideways"),
	} {
		s.As("GET", "/data/companies?"+bad, nil).Error(400, "badRequest")
	}
}

func TestListFields(t *testing.T) {
	t.Parallel()
	s := demo(t)
	seedCompanies(t, s, 3)

	p := list(t, s, "companies", q("_fields", "name"))
	if len(p.Items) != 3 {
		t.Fatalf("_fields=name: %d items, want 3", len(p.Items))
	}
	for _, it := range p.Items {
		wantKeys(t, it, "id", "version", "label", "name")
	}
	p = list(t, s, "companies", q("_fields", "name,state,id,version,label"))
	wantKeys(t, p.Items[0], "id", "version", "label", "name", "state")
	// Nested path: only that inner field (items keep their id and label).
	p = list(t, s, "companies", q("_fields", "addresses.state"))
	it := p.Items[0]
	wantKeys(t, it, "id", "version", "label", "addresses")
	for _, a := range it["addresses"].([]any) {
		wantKeys(t, a.(map[string]any), "id", "label", "state")
	}
	// Parent path: every inner field.
	p = list(t, s, "companies", q("_fields", "addresses,contactInformation.email"))
	it = p.Items[0]
	wantKeys(t, it, "id", "version", "label", "addresses", "contactInformation")
	if a := it["addresses"].([]any)[0].(map[string]any); a["city"] != "Sacramento" || a["state"] != "CA" {
		t.Errorf("parent path lost inner fields: %v", a)
	}
	wantKeys(t, it["contactInformation"].(map[string]any), "id", "label", "email")
	// A selected field without a value stays absent.
	p = list(t, s, "companies", q("_fields", "notes,name"))
	wantKeys(t, p.Items[0], "id", "version", "label", "name")

	for _, bad := range []string{"nosuchfield", "name,nosuchfield", "addresses.nosuch", "name.first"} {
		s.As("GET", "/data/companies?"+q("_fields", bad), nil).Error(400, "badRequest")
	}
}

// An id offset stays valid when that record is deleted and records are
// added meanwhile: the walk neither repeats nor misses a record that existed
// when it started.
func TestListWalkWhileChanging(t *testing.T) {
	t.Parallel()
	s := demo(t)
	var all []string
	for i := range 30 {
		all = append(all, create(t, s, "skills", obj{"name": fmt.Sprintf("s%02d", i)})["id"].(string))
	}
	seen := map[string]bool{}
	offset := ""
	deleted := map[string]bool{}
	for pages := 0; ; pages++ {
		query := q("_size", "7")
		if offset != "" {
			query += "&" + q("_offset", offset)
		}
		p := list(t, s, "skills", query)
		for _, id := range ids(p.Items) {
			if seen[id] || deleted[id] {
				t.Fatalf("%s seen twice or after its delete", id)
			}
			seen[id] = true
		}
		if p.Offset == nil {
			break
		}
		offset = p.Offset.(string)
		// The offset record goes away, and a new (newer) record arrives.
		s.As("DELETE", "/data/skills/"+offset, nil).Status(200)
		deleted[offset] = true
		create(t, s, "skills", obj{"name": fmt.Sprintf("new %d", pages)})
		if pages > 10 {
			t.Fatalf("no end")
		}
	}
	for _, id := range all {
		if !seen[id] {
			t.Errorf("missed %s", id)
		}
	}
	if len(seen) != len(all) {
		t.Errorf("saw %d records, want the %d that existed at the start (newer ones sort before the offset)", len(seen), len(all))
	}
}

// Totals follow every kind of write (they may be cached).
func TestListTotalsFollowWrites(t *testing.T) {
	t.Parallel()
	s := demo(t)
	recs := seedCompanies(t, s, 9) // 3 active
	total := func(query string) int64 { return list(t, s, "companies", query).Total }
	active := q("state", "active")
	if total(active) != 3 || total("") != 9 {
		t.Fatalf("start: %d active of %d", total(active), total(""))
	}
	update(t, s, "companies", recs[1]["id"], obj{"state": "active"})
	if n := total(active); n != 4 {
		t.Errorf("after an update into the filter: %d, want 4", n)
	}
	update(t, s, "companies", recs[0]["id"], obj{"state": "pending"})
	if n := total(active); n != 3 {
		t.Errorf("after an update out of the filter: %d, want 3", n)
	}
	s.As("DELETE", "/data/companies/"+recs[3]["id"].(string)+","+recs[6]["id"].(string), nil).Status(200)
	if n, all := total(active), total(""); n != 1 || all != 7 {
		t.Errorf("after delete many: %d active of %d, want 1 of 7", n, all)
	}
	// A rejected write changes nothing.
	s.As("POST", "/data/companies", obj{"name": recs[2]["name"], "state": "active"}).FieldError("name", "unique")
	if n, all := total(active), total(""); n != 1 || all != 7 {
		t.Errorf("after a rejected create: %d active of %d, want 1 of 7", n, all)
	}
	// Another entity's writes do not count here.
	create(t, s, "skills", obj{"name": "Go"})
	if all := total(""); all != 7 {
		t.Errorf("companies total %d after a skills create", all)
	}
}

// D6: nulls first in asc and last in desc; text by code point; choices by
// value name; relationships by label.
func TestListSortByType(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	create(t, s, "people", obj{"name": "zed"})
	create(t, s, "people", obj{"name": "Amy"})
	rows := []obj{
		{"text": "b", "choice": "c", "owner": "zed", "dateTime": 3000},
		{"text": "B", "choice": "a", "owner": "Amy", "dateTime": 1000},
		{"text": "a", "choice": "b", "dateTime": 2000},
		{},
	}
	byText := map[string]string{}
	for _, r := range rows {
		m := thing(t, s, r)
		txt, _ := r["text"].(string)
		byText[m["id"].(string)] = "'" + txt + "'"
	}
	order := func(query string) []string {
		var out []string
		for _, id := range ids(list(t, s, "things", query).Items) {
			out = append(out, byText[id])
		}
		return out
	}
	for _, c := range []struct{ query, want string }{
		{q("_sortField", "text", "_sortType", "asc"), "'' 'B' 'a' 'b'"},
		{q("_sortField", "text", "_sortType", "desc"), "'b' 'a' 'B' ''"},
		{q("_sortField", "choice", "_sortType", "asc"), "'' 'B' 'a' 'b'"},
		{q("_sortField", "dateTime", "_sortType", "asc"), "'' 'B' 'a' 'b'"},
		{q("_sortField", "label", "_sortType", "asc"), "'' 'B' 'a' 'b'"},
	} {
		if got := strings.Join(order(c.query), " "); got != c.want {
			t.Errorf("?%s: %s, want %s", c.query, got, c.want)
		}
	}
	// By relationship label: Amy ('B') before zed ('b'); the two records
	// without owner (in any order between them) first in asc, last in desc.
	asc := order(q("_sortField", "owner", "_sortType", "asc"))
	if len(asc) != 4 || !sameSet(asc[:2], []string{"''", "'a'"}) || asc[2] != "'B'" || asc[3] != "'b'" {
		t.Errorf("by owner asc: %v", asc)
	}
	desc := order(q("_sortField", "owner", "_sortType", "desc"))
	if len(desc) != 4 || desc[0] != "'b'" || desc[1] != "'B'" || !sameSet(desc[2:], []string{"''", "'a'"}) {
		t.Errorf("by owner desc: %v", desc)
	}
	s.As("GET", "/data/things?"+q("_sortField", "geoPoint"), nil).Error(400, "badRequest")
	s.As("GET", "/data/things?"+q("_sortField", "tags"), nil).Error(400, "badRequest")
	s.As("GET", "/data/things?"+q("_sortField", "items.name"), nil).Error(400, "badRequest")
}
