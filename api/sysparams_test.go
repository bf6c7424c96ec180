package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"runway/api/apitest"
)

// System parameters of query-language.md §5 on a list, with their edge
// cases. Text indexes (_indexedFilter) are tested elsewhere.

const sysN = 25

// seedSysParams creates Ana, Bob, Cy and sysN things: text t00…t24,
// integer = i, choice a/b/c by i%3, boolean = i even, address.zip = 25-i
// (5 digits), owner Ana (i even) or Bob, friends [Cy, Ana] when i%5 == 0
// else []. It returns the things in creation (= id) order and the people.
func seedSysParams(t *testing.T, s *apitest.Server) ([]obj, map[string]obj) {
	t.Helper()
	people := map[string]obj{}
	for _, n := range []string{"Ana", "Bob", "Cy"} {
		people[n] = create(t, s, "people", obj{"name": n, "balance": 10})
	}
	recs := make([]obj, sysN)
	for i := range sysN {
		body := obj{
			"text": fmt.Sprintf("t%02d", i), "integer": i, "choice": string(rune('a' + i%3)),
			"boolean": i%2 == 0, "address": obj{"zip": fmt.Sprintf("%05d", sysN-i)},
			"owner": []string{"Ana", "Bob"}[i%2], "money": float64(i) * 1.5,
			"dateTime": 1484577180000 + int64(i)*60000,
		}
		if i%5 == 0 {
			body["friends"] = arr{"Cy", "Ana"}
		}
		recs[i] = thing(t, s, body)
	}
	return recs, people
}

// idsOf returns the ids of recs that pass f, in recs' order (asc) or
// reversed (desc).
func idsOf(recs []obj, desc bool, f func(i int, r obj) bool) []string {
	var out []string
	for i, r := range recs {
		if f == nil || f(i, r) {
			out = append(out, r["id"].(string))
		}
	}
	if desc {
		slices.Reverse(out)
	}
	return out
}

func TestSystemParams(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	recs, people := seedSysParams(t, s)
	desc := idsOf(recs, true, nil) // the default order: id desc
	asc := idsOf(recs, false, nil)
	same := func(t *testing.T, query string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("?%s:\n got %v\nwant %v", query, got, want)
		}
	}

	t.Run("size", func(t *testing.T) {
		t.Parallel()
		s := s.For(t)
		p := list(t, s, "things", "")
		if p.Total != sysN || len(p.Items) != 20 || p.Offset != desc[19] {
			t.Errorf("default page: total %d, %d items, offset %v; want 25, 20, %s", p.Total, len(p.Items), p.Offset, desc[19])
		}
		same(t, "", ids(p.Items), desc[:20])
		for _, c := range []struct {
			size string
			n    int
		}{{"1", 1}, {"20", 20}, {"24", 24}, {"25", 25}, {"26", 25}, {"1000", 25}, {"007", 7}} {
			p := list(t, s, "things", q("_size", c.size))
			if p.Total != sysN || len(p.Items) != c.n {
				t.Errorf("_size=%s: total %d, %d items; want 25, %d", c.size, p.Total, len(p.Items), c.n)
			}
			same(t, "_size="+c.size, ids(p.Items), desc[:c.n])
			if last := c.n == sysN; last != (p.Offset == nil) {
				t.Errorf("_size=%s: offset %v (last page: %v)", c.size, p.Offset, last)
			}
		}
		for _, bad := range []string{"1001", "0", "-1", "x", "1.5", "1e3", "5x", "99999999999999999999", "1000000"} {
			badQuery(t, s, "things", q("_size", bad), "_size")
		}
	})

	t.Run("offset number", func(t *testing.T) {
		t.Parallel()
		s := s.For(t)
		// Default order (id desc) with a numeric offset.
		p := list(t, s, "things", q("_offset", "3", "_size", "5"))
		same(t, "_offset=3&_size=5", ids(p.Items), desc[3:8])
		if p.Total != sysN {
			t.Errorf("_offset=3: total %d", p.Total)
		}
		p = list(t, s, "things", q("_offset", "0"))
		same(t, "_offset=0", ids(p.Items), desc[:20])
		// Past the end: an empty page, the total unchanged.
		for _, off := range []string{"25", "26", "1000", "999999999", "9223372036854775807"} {
			p := list(t, s, "things", q("_offset", off))
			if p.Total != sysN || len(p.Items) != 0 || p.Offset != nil {
				t.Errorf("_offset=%s: total %d, %d items, offset %v; want 25, 0, null", off, p.Total, len(p.Items), p.Offset)
			}
		}
		p = list(t, s, "things", q("choice", "a", "_offset", "100"))
		if p.Total != 9 || len(p.Items) != 0 {
			t.Errorf("choice=a&_offset=100: total %d, %d items; want 9, 0", p.Total, len(p.Items))
		}
		// A walk by numeric offsets under another sort: the answer's offset
		// is the next position; every record once, in order.
		var walk []string
		off := any(0.0)
		for pages := 0; off != nil; pages++ {
			query := q("_sortField", "integer", "_sortType", "desc", "_size", "7", "_offset", fmt.Sprint(off))
			p := list(t, s, "things", query)
			walk = append(walk, ids(p.Items)...)
			if p.Offset != nil && p.Offset != float64(len(walk)) {
				t.Fatalf("?%s: offset %v, want %d", query, p.Offset, len(walk))
			}
			off = p.Offset
			if pages > 5 {
				t.Fatalf("no end of the walk")
			}
		}
		same(t, "walk by integer desc", walk, desc)
		for _, bad := range []string{"-1", "x", "1.5", strings.Repeat("g", 24), "6650a1b2c3d4e5f60123456", "1e2"} {
			badQuery(t, s, "things", q("_offset", bad), "_offset")
		}
	})

	t.Run("offset id", func(t *testing.T) {
		t.Parallel()
		s := s.For(t)
		// desc (default): smaller ids, after that record; asc: larger ones.
		p := list(t, s, "things", q("_offset", desc[4], "_size", "3"))
		same(t, "desc id offset", ids(p.Items), desc[5:8])
		if p.Offset != desc[7] || p.Total != sysN {
			t.Errorf("desc id offset: offset %v total %d; want %s 25", p.Offset, p.Total, desc[7])
		}
		p = list(t, s, "things", q("_offset", asc[4], "_size", "3", "_sortType", "asc"))
		same(t, "asc id offset", ids(p.Items), asc[5:8])
		p = list(t, s, "things", q("_offset", asc[4], "_sortField", "id", "_sortType", "asc", "_size", "1000"))
		same(t, "explicit _sortField=id", ids(p.Items), asc[5:])
		// The last record: nothing after it.
		p = list(t, s, "things", q("_offset", desc[sysN-1]))
		if len(p.Items) != 0 || p.Offset != nil || p.Total != sysN {
			t.Errorf("offset at the last record: %d items, offset %v, total %d", len(p.Items), p.Offset, p.Total)
		}
		// An id that is no record's still orders.
		p = list(t, s, "things", q("_offset", "ffffffffffffffffffffffff", "_size", "1000"))
		same(t, "desc after ffff…", ids(p.Items), desc)
		p = list(t, s, "things", q("_offset", "000000000000000000000000", "_size", "1000"))
		same(t, "desc after 0000…", ids(p.Items), nil)
		p = list(t, s, "things", q("_offset", "000000000000000000000000", "_sortType", "asc", "_size", "1000"))
		same(t, "asc after 0000…", ids(p.Items), asc)
		// With a filter: total counts the filter, not the page.
		p = list(t, s, "things", q("choice", "a", "_offset", desc[0], "_size", "1000"))
		same(t, "choice=a after the newest", ids(p.Items), idsOf(recs[:sysN-1], true, func(i int, _ obj) bool { return i%3 == 0 }))
		if p.Total != 9 {
			t.Errorf("choice=a with an id offset: total %d, want 9", p.Total)
		}
		// Only with the sort on id.
		for _, sf := range []string{"integer", "text", "label", "address.zip", "owner"} {
			badQuery(t, s, "things", q("_sortField", sf, "_offset", desc[3]), "_offset")
		}
	})

	t.Run("sort", func(t *testing.T) {
		t.Parallel()
		s := s.For(t)
		all := q("_size", "1000")
		p := list(t, s, "things", q("_sortType", "asc")+"&"+all)
		same(t, "_sortType=asc", ids(p.Items), asc)
		p = list(t, s, "things", q("_sortType", "desc", "_sortField", "id")+"&"+all)
		same(t, "_sortField=id", ids(p.Items), desc)
		// A nested single-valued path: address.zip = 25-i, so zip asc = id desc.
		p = list(t, s, "things", q("_sortField", "address.zip", "_sortType", "asc")+"&"+all)
		same(t, "_sortField=address.zip asc", ids(p.Items), desc)
		p = list(t, s, "things", q("_sortField", "address.zip")+"&"+all) // desc by default
		same(t, "_sortField=address.zip", ids(p.Items), asc)
		p = list(t, s, "things", q("_sortField", "integer", "_sortType", "asc", "_size", "3"))
		same(t, "_sortField=integer asc", ids(p.Items), asc[:3])
		p = list(t, s, "things", q("_sortField", "text", "_sortType", "desc", "choice", "b"))
		same(t, "choice=b by text desc", ids(p.Items), idsOf(recs, true, func(i int, _ obj) bool { return i%3 == 1 }))
		// Sorting a relationship orders by label (Ana before Bob); the ties
		// keep every record once.
		p = list(t, s, "things", q("_sortField", "owner", "_sortType", "asc")+"&"+all)
		got := ids(p.Items)
		if !sameSet(got[:13], idsOf(recs, false, func(i int, _ obj) bool { return i%2 == 0 })) || !sameSet(got, asc) {
			t.Errorf("by owner asc: Ana's records are not first: %v", got)
		}
		for _, c := range []struct{ key, val string }{
			{"_sortField", "tags"},              // multi-valued
			{"_sortField", "friends"},           // multi-valued relationship
			{"_sortField", "address"},           // a group
			{"_sortField", "items"},             // a multi-valued group
			{"_sortField", "items.name"},        // crossing a multi-valued group
			{"_sortField", "items.supplier"},    // idem
			{"_sortField", "nestedFields"},      // a group
			{"_sortField", "geoPoint"},          // not orderable
			{"_sortField", "nosuch"},            // unknown
			{"_sortField", "address.nosuch"},    // unknown
			{"_sortField", "text,integer"},      // one field only
			{"_sortField", "text.x"},            // no such path
			{"_sortType", "up"},                 // asc | desc
			{"_sortType", "ascending"},          // idem
			{"_sortType", "asc,desc"},           // idem
			{"_sortType", " sideways"},          // idem
			{"_sortType", "asc\x00"},            // idem
			{"_sortField", "text&_sortType=up"}, // encoded as one value
		} {
			badQuery(t, s, "things", q(c.key, c.val), c.key)
		}
	})

	t.Run("fields", func(t *testing.T) {
		t.Parallel()
		s := s.For(t)
		p := list(t, s, "things", q("_fields", "text", "_size", "3"))
		if len(p.Items) != 3 {
			t.Fatalf("_fields=text&_size=3: %d items, want 3", len(p.Items))
		}
		for _, it := range p.Items {
			wantKeys(t, it, "id", "version", "label", "text")
		}
		p = list(t, s, "things", q("_fields", "id,version,label", "_size", "1"))
		wantKeys(t, p.Items[0], "id", "version", "label")
		p = list(t, s, "things", q("_fields", " text , integer ,text", "_size", "1"))
		wantKeys(t, p.Items[0], "id", "version", "label", "text", "integer")
		if p.Items[0]["integer"] != float64(sysN-1) {
			t.Errorf("_fields=text,integer: integer %v", p.Items[0]["integer"])
		}
		// A nested path keeps that inner field; a parent keeps all of them.
		p = list(t, s, "things", q("_fields", "address.zip", "_size", "1"))
		wantKeys(t, p.Items[0], "id", "version", "label", "address")
		if at(p.Items[0], "address.zip") != "00001" {
			t.Errorf("_fields=address.zip: %s", js(p.Items[0]))
		}
		p = list(t, s, "things", q("_fields", "address,owner,friends", "_size", "1", "_sortType", "asc"))
		wantKeys(t, p.Items[0], "id", "version", "label", "address", "owner", "friends")
		if !jsonEq(p.Items[0]["owner"], obj{"id": people["Ana"]["id"], "label": "Ana"}) || len(p.Items[0]["friends"].([]any)) != 2 {
			t.Errorf("_fields=address,owner,friends: %s", js(p.Items[0]))
		}
		// Filtering and sorting on fields that are not returned.
		p = list(t, s, "things", q("_fields", "text", "integer", "greater(22)", "_sortField", "integer", "_sortType", "asc"))
		if got := []any{p.Items[0]["text"], p.Items[1]["text"]}; len(p.Items) != 2 || !jsonEq(got, arr{"t23", "t24"}) {
			t.Errorf("_fields=text&integer=greater(22): %s", js(p.Items))
		}
		for _, bad := range []string{"nosuch", "text,nosuch", "address.nosuch", "text.x", "owner.nosuch", "items.nosuch"} {
			badQuery(t, s, "things", q("_fields", bad), "_fields")
		}
	})

	t.Run("format", func(t *testing.T) {
		t.Parallel()
		s := s.For(t)
		one := q("text", "t03")
		native := list(t, s, "things", one)
		if got := list(t, s, "things", one+"&_format=native"); !jsonEq(got, native) {
			t.Errorf("_format=native differs from the default:\n%s\n%s", js(got), js(native))
		}
		if it := native.Items[0]; it["integer"] != 3.0 || it["boolean"] != false || it["money"] != 4.5 || it["dateTime"] != 1484577360000.0 {
			t.Errorf("native item: %s", js(it))
		}
		p := list(t, s, "things", one+"&_format=plainText")
		it := p.Items[0]
		for k, want := range map[string]any{"integer": "3", "boolean": "No", "money": "$4.50", "choice": "A",
			"dateTime": "2017-01-16 14:36", "owner": "Bob", "text": "t03", "id": native.Items[0]["id"], "version": 0.0} {
			if !jsonEq(it[k], want) {
				t.Errorf("plainText %s = %s, want %s", k, js(it[k]), js(want))
			}
		}
		// _formatForUser: that user's time zone.
		s.CreateUser("kolkata@example.org", "kolkata-password", obj{
			"localization": obj{"timezoneMode": "MANUAL", "timezone": "Asia/Kolkata"}})
		p = list(t, s, "things", one+"&"+q("_format", "plainText", "_formatForUser", "kolkata@example.org"))
		if got := p.Items[0]["dateTime"]; got != "2017-01-16 20:06" {
			t.Errorf("_formatForUser=kolkata: dateTime %v, want 2017-01-16 20:06", got)
		}
		// Native ignores it, even for a user who does not exist.
		if got := list(t, s, "things", one+"&"+q("_formatForUser", "nobody@example.org")); !jsonEq(got, native) {
			t.Errorf("native with _formatForUser: %s", js(got))
		}
		badQuery(t, s, "things", one+"&"+q("_format", "plainText", "_formatForUser", "nobody@example.org"), "_formatForUser")
		for _, bad := range []string{"xml", "plaintext", "PlainText", "native,plainText", " native"} {
			badQuery(t, s, "things", q("_format", bad), "_format")
		}
	})

	t.Run("relationshipsToFetch", func(t *testing.T) {
		t.Parallel()
		s := s.For(t)
		ana, cy := people["Ana"], people["Cy"]
		p := list(t, s, "things", q("_relationshipsToFetch", "owner,friends", "choice", "a", "boolean", "true", "_sortType", "asc"))
		// i%3 == 0 and even: 0, 6, 12, 18, 24.
		if want := idsOf(recs, false, func(i int, _ obj) bool { return i%6 == 0 }); !slices.Equal(ids(p.Items), want) {
			t.Fatalf("filtered page: %v, want %v", ids(p.Items), want)
		}
		for n, it := range p.Items {
			i := n * 6
			if !jsonEq(it["owner"], ana) {
				t.Errorf("t%02d owner %s, want the record %s", i, js(it["owner"]), js(ana))
			}
			want := arr{}
			if i%5 == 0 {
				want = arr{cy, ana}
			}
			if !jsonEq(it["friends"], want) {
				t.Errorf("t%02d friends %s, want %s", i, js(it["friends"]), js(want))
			}
		}
		for _, bad := range []string{"text", "nosuch", "owner,integer"} {
			badQuery(t, s, "things", q("_relationshipsToFetch", bad), "_relationshipsToFetch")
		}
	})

	t.Run("query", func(t *testing.T) {
		t.Parallel()
		s := s.For(t)
		for _, c := range []struct {
			query string
			want  func(i int) bool
		}{
			{q("_query", "or(filter('choice','a'),filter('integer','greater(20)'))"), func(i int) bool { return i%3 == 0 || i > 20 }},
			// AND-ed with the simple filters.
			{q("_query", "or(filter('choice','a'),filter('integer','greater(20)'))", "boolean", "true"),
				func(i int) bool { return (i%3 == 0 || i > 20) && i%2 == 0 }},
			{q("_query", "filter('integer','1,2,3')", "integer", "notEquals(2)"), func(i int) bool { return i == 1 || i == 3 }},
			{q("_query", " and( filter('text','like(/t1)') , or(filter('owner','Ana'),filter('address.zip','00014')) ) "),
				func(i int) bool { return i >= 10 && i < 20 && (i%2 == 0 || i == 11) }},
			{q("_query", "and(filter('friends','Cy'),filter('integer','between(5,20)'))"), func(i int) bool { return i == 5 || i == 10 || i == 15 || i == 20 }},
			{q("_query", "or(filter('text','\"t01\",t02'))"), func(i int) bool { return i == 1 || i == 2 }},
			{q("_query", "filter('text','t01')", "text", "t02"), func(int) bool { return false }},
			{q("_query", "  "), func(int) bool { return true }},
		} {
			var want []string
			for i := sysN - 1; i >= 0; i-- {
				if c.want(i) {
					want = append(want, recs[i]["id"].(string))
				}
			}
			p := list(t, s, "things", c.query+"&_size=1000")
			if p.Total != int64(len(want)) {
				t.Errorf("?%s: total %d, want %d", c.query, p.Total, len(want))
			}
			same(t, c.query, ids(p.Items), want)
		}
		for _, bad := range []string{
			"and(", "and()", "or(filter('text','a')", "filter('text')", "filter('text','a','b')",
			"xor(filter('text','a'))", "filter(text,a)", "filter('text','a'))", "filter('text','a') x",
			"filter('text',\"a\")", "filter('text','a)", `filter('te\'xt','a')`,
			strings.Repeat("and(", 100) + "filter('text','a')" + strings.Repeat(")", 100),
		} {
			badQuery(t, s, "things", q("_query", bad), "_query")
		}
		// A filter error inside _query names the parameter and the field.
		for _, c := range []struct{ query, field string }{
			{"filter('nosuch','1')", "nosuch"},
			{"filter('integer','abc')", "integer"},
			{"and(filter('text','a'),filter('boolean','empty()'))", "boolean"},
		} {
			badQuery(t, s, "things", q("_query", c.query), "_query")
			badQuery(t, s, "things", q("_query", c.query), c.field)
		}
	})

	t.Run("unknown params", func(t *testing.T) {
		t.Parallel()
		s := s.For(t)
		for _, extra := range []string{
			q("_x", "1"), q("_foo", "bar", "_", ""), q("_async", "true"), q("_sortfield", "text"),
			q("_SIZE", "5000"), q("_offset_", "x"), q("__query", "(("),
		} {
			p := list(t, s, "things", extra)
			if p.Total != sysN {
				t.Errorf("?%s: total %d", extra, p.Total)
			}
			same(t, extra, ids(p.Items), desc[:20])
		}
	})
}
