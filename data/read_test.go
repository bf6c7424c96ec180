package data

import (
	"testing"

	"runway/apperr"
)

func TestListPagesAndCounts(t *testing.T) {
	b := kitchen(t)
	var ids []string
	for _, n := range []int{3, 1, 5, 2, 4} {
		ids = append(ids, b.create("things", obj{"requiredText": "r", "integer": n})["id"].(string))
	}
	type want struct {
		ids    []string
		offset any
		total  int64
	}
	for params, w := range map[string]want{
		"": {[]string{ids[4], ids[3], ids[2], ids[1], ids[0]}, nil, 5},
		// Sorted by id, the next offset is the last id of the page.
		"_size=2":                   {[]string{ids[4], ids[3]}, ids[3], 5},
		"_size=2&_offset=" + ids[3]: {[]string{ids[2], ids[1]}, ids[1], 5},
		"_size=2&_offset=" + ids[1]: {[]string{ids[0]}, nil, 5},
		"_sortType=asc&_size=3":     {[]string{ids[0], ids[1], ids[2]}, ids[2], 5},
		// Sorted by a field, it is a position.
		"_sortField=integer&_sortType=asc&_size=2":           {[]string{ids[1], ids[3]}, 2.0, 5},
		"_sortField=integer&_sortType=asc&_size=2&_offset=2": {[]string{ids[0], ids[4]}, 4.0, 5},
		"_sortField=integer&_sortType=asc&_size=2&_offset=4": {[]string{ids[2]}, nil, 5},
		"_sortField=integer&_offset=9":                       {[]string{}, nil, 5},
		// The total counts what the filter selects, not the page.
		"integer=greater(2)&_size=1&_sortField=integer": {[]string{ids[2]}, 1.0, 3},
	} {
		p := b.mustList(b.dev, "things", params)
		offset := p.offset
		if n, isInt := offset.(int); isInt {
			offset = float64(n)
		}
		if js(p.ids()) != js(w.ids) || offset != w.offset || p.total != w.total {
			t.Errorf("%q: %v offset %v total %d\nwant %v offset %v total %d", params, p.ids(), p.offset, p.total, w.ids, w.offset, w.total)
		}
	}
}

func TestPlainTextInTheUserTimeZone(t *testing.T) {
	b := kitchen(t)
	things := b.entity("things")
	users := b.entity(usersEntity)
	id := b.create("things", obj{"requiredText": "r", "dateTime": testNow.UnixMilli(), "money": 12.5, "choice": "a"})["id"].(string)
	ana := b.user("ana@example.org", "everyone")
	bob := b.user("bob@example.org", "everyone")
	cy := b.user("cy@example.org", "everyone")
	b.ok(b.svc.Update(b.ctx, b.system, users, ana.UserID, obj{"localization": obj{"timezoneMode": "MANUAL", "timezone": "Asia/Tokyo"}}))
	b.ok(b.svc.Update(b.ctx, b.system, users, bob.UserID, obj{"localization": obj{"timezoneMode": "AUTO", "timezone": "Asia/Tokyo"}}))
	b.ok(b.svc.Update(b.ctx, b.system, users, cy.UserID, obj{"localization": obj{"timezoneMode": "MANUAL", "timezone": "Not/AZone"}}))
	read := func(c *Caller, params string) (obj, error) {
		doc, err := b.svc.Get(b.ctx, c, things, id, b.output("things", params))
		if err != nil {
			return nil, err
		}
		return decodeDoc(t, doc), nil
	}
	for _, tc := range []struct {
		c      *Caller
		params string
		want   string
	}{
		{ana, "_format=plainText", "2024-05-06 16:08"},                                  // her own zone
		{bob, "_format=plainText", "2024-05-06 07:08"},                                  // an unknown zone: the app's (UTC)
		{b.dev, "_format=plainText", "2024-05-06 07:08"},                                // no user record: the app's
		{b.dev, "_format=plainText&_formatForUser=ANA@example.org", "2024-05-06 16:08"}, // by email
		{b.dev, "_format=plainText&_formatForUser=" + ana.UserID, "2024-05-06 16:08"},   // by id
		{ana, "_format=plainText&_formatForUser=ana@example.org", "2024-05-06 16:08"},   // herself
	} {
		got, err := read(tc.c, tc.params)
		if err != nil {
			t.Errorf("%s %s: %v", tc.c.Email, tc.params, err)
			continue
		}
		if got["dateTime"] != tc.want || got["money"] != "$12.50" || got["choice"] != "A" {
			t.Errorf("%s %s: dateTime %v money %v choice %v, want %s", tc.c.Email, tc.params, got["dateTime"], got["money"], got["choice"], tc.want)
		}
	}
	_, err := read(ana, "_format=plainText&_formatForUser=bob@example.org")
	if ae := wantCode(t, err, apperr.Forbidden); ae.Message != "Not allowed to use _formatForUser with another user: it needs read access to sys.users" {
		t.Errorf("message %q", ae.Message)
	}
	_, err = read(b.dev, "_format=plainText&_formatForUser=nobody@example.org")
	if ae := wantCode(t, err, apperr.BadRequest); ae.Message != `Invalid parameter _formatForUser: no user with id or email "nobody@example.org"` {
		t.Errorf("message %q", ae.Message)
	}
	// A list renders every record the same way.
	if p := b.mustList(ana, "things", "_format=plainText&_fields=dateTime"); p.items[0]["dateTime"] != "2024-05-06 16:08" || len(p.items[0]) != 4 {
		t.Errorf("list: %v", p.items[0])
	}
}

func TestFetchShowsWhatTheCallerMayReadOfTheTarget(t *testing.T) {
	b := projectsApp(t)
	projects := b.entity("projects")
	member := b.user("member@example.org", "openOnly")
	team := b.create("teams", obj{"name": "Core", "code": "C1"})
	p := b.create("projects", obj{"name": "p", "status": "open", "team": team["id"],
		"address": obj{"street": "Main", "zip": "1"}})
	id := p["id"].(string)

	got := b.ok(b.svc.Get(b.ctx, member, projects, id, b.output("projects", "_relationshipsToFetch=team&_fields=team,address.street")))
	want := obj{"id": id, "version": 0.0, "label": "p",
		"team":    obj{"id": team["id"], "version": 0.0, "label": "Core", "name": "Core"}, // no code for openOnly
		"address": obj{"id": p["address"].(obj)["id"], "label": "Address", "street": "Main"}}
	if js(got) != js(want) {
		t.Errorf("member: %s\nwant %s", js(got), js(want))
	}
	got = b.ok(b.svc.Get(b.ctx, b.dev, projects, id, b.output("projects", "_relationshipsToFetch=team&_fields=team")))
	if js(got["team"]) != js(team) {
		t.Errorf("developer: %s, want %s", js(got["team"]), js(team))
	}
	// In plainText the fetched record is rendered in plainText too.
	got = b.ok(b.svc.Get(b.ctx, b.dev, projects, id, b.output("projects", "_relationshipsToFetch=team&_fields=team,status&_format=plainText")))
	if got["status"] != "Open" || got["team"].(obj)["code"] != "C1" {
		t.Errorf("plainText: %s", js(got))
	}
}
