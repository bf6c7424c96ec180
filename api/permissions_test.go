package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
)

// The permission matrix (issue 4): every route the server registers is
// called as each kind of user of the permission test app
// (app/testdata/perms), asserting status, body and which fields appear.
// TestRouteCoverage fails when a registered route has no case here, so an
// issue that adds a route must add its case (with an expectation for every
// user) to matrixCases.
//
// The groups of the app:
//
//   - allowAll: projects and teams always, every field.
//   - forbid: projects never; no entry for teams.
//   - openOnly: projects whose status is open (read, create, update; no
//     delete); secret and contract none, budget readOnly, address parent
//     (readWrite) with city readOnly and zip none; teams read only, code none.
//   - owners: projects whose owner is the current user (read, update,
//     delete; no create); secret readOnly, notes none, budget readable on
//     open projects only and never written; no entry for teams.
//
// Field review has readAccess {"status": "closed"}: everyone, developers
// included, sees it on closed projects only.

// who is a user of the matrix.
type who string

const (
	dev    who = "developer"    // the admin of every test server
	super  who = "superUser"    // no group
	allow  who = "allow"        // allowAll
	forbid who = "forbid"       // forbid
	cond   who = "cond"         // openOnly: a condition on the record
	own    who = "own"          // owners: a condition on the current user
	both   who = "both"         // openOnly + owners
	imp    who = "impersonated" // the developer impersonating own
)

var matrixUsers = []who{dev, super, allow, forbid, cond, own, both, imp}

// matrixCase is one row of the matrix: the routes it calls and what it
// does and expects as each user.
type matrixCase struct {
	name   string
	routes []string // "METHOD /path" relative to the API base, "GET /healthz", or "/"
	run    func(t *testing.T, m *matrix, w who)
}

// matrix is the world the cases run in.
type matrix struct {
	s     *apitest.Server
	base  string
	tok   map[who]string
	uid   map[who]string
	email map[who]string
	fx    map[string]string // fixture name → project id
	team  string
	cur   *matrixCase
	hit   map[string]bool
	seq   int
}

const matrixPassword = "matrix-password-1"

func newMatrix(t *testing.T) *matrix {
	t.Helper()
	s := apitest.Start(t, os.DirFS("../app/testdata/perms"))
	m := &matrix{s: s, base: strings.TrimPrefix(s.URL, s.Root), tok: map[who]string{}, uid: map[who]string{},
		email: map[who]string{}, fx: map[string]string{}, hit: map[string]bool{}}
	groups := map[who][]string{allow: {"allowAll"}, forbid: {"forbid"}, cond: {"openOnly"}, own: {"owners"},
		both: {"openOnly", "owners"}}
	for _, w := range []who{super, allow, forbid, cond, own, both} {
		extra := obj{"firstName": string(w), "lastName": "User"}
		gs := arr{}
		for _, g := range groups[w] {
			gs = append(gs, obj{"group": g})
		}
		extra["groups"] = gs
		if w == super {
			extra["permissions"] = obj{"superUser": true}
		}
		m.email[w] = string(w) + "@example.org"
		u := s.CreateUser(m.email[w], matrixPassword, extra)
		m.uid[w] = u["id"].(string)
		m.tok[w] = s.Login(m.email[w], matrixPassword)
	}
	m.email[dev], m.tok[dev] = apitest.AdminEmail, s.Token
	m.uid[dev] = list(t, s, "sys.users", q("email", apitest.AdminEmail)).Items[0]["id"].(string)
	r := s.Do("POST", "/auth/login", "", obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword,
		"emailImpersonatedUser": m.email[own]}).Status(200).JSON()
	m.tok[imp], m.uid[imp], m.email[imp] = r["token"].(string), m.uid[own], m.email[own]

	m.team = create(t, s, "teams", obj{"name": "Core", "code": "C-1"})["id"].(string)
	for _, f := range []struct {
		name, status string
		owner        who
	}{
		{"fx-open-own", "open", own},
		{"fx-closed-own", "closed", own},
		{"fx-open-allow", "open", allow},
		{"fx-closed-allow", "closed", allow},
		{"fx-closed-both", "closed", both},
	} {
		m.fx[f.name] = m.project(t, f.name, f.status, f.owner)
	}
	return m
}

// project creates a project with every field filled, as the developer.
func (m *matrix) project(t *testing.T, name, status string, owner who) string {
	t.Helper()
	return create(t, m.s, "projects", obj{"name": name, "status": status, "budget": 10, "secret": "s-" + name,
		"notes": "n-" + name, "owner": m.uid[owner], "team": m.team, "review": "r-" + name,
		"address": obj{"street": "Main 1", "city": "Lyon", "zip": "69001"}})["id"].(string)
}

// fresh creates a project for one case and user (its name is unique).
func (m *matrix) fresh(t *testing.T, prefix string, w who, status string, owner who) (string, string) {
	t.Helper()
	m.seq++
	name := fmt.Sprintf("%s-%s-%d", prefix, w, m.seq)
	return m.project(t, name, status, owner), name
}

// route is the normalized pattern of the route serving req.
func (m *matrix) route(req *http.Request) string {
	return strings.Replace(m.s.API.Route(req), m.base, "", 1)
}

// send sends a request as w, checking that its route is one the case
// declares, and records the route as covered.
func (m *matrix) send(t *testing.T, w who, req *http.Request) *apitest.Response {
	t.Helper()
	if tok := m.tok[w]; tok != "" && req.Header.Get("token") == "" {
		req.Header.Set("token", tok)
	}
	route := m.route(req)
	if !slices.Contains(m.cur.routes, route) {
		t.Errorf("case %q calls %s %s, served by %q, which it does not declare", m.cur.name, req.Method, req.URL.Path, route)
	}
	m.hit[route] = true
	return m.s.For(t).Send(req)
}

// do sends a request to the API as w.
func (m *matrix) do(t *testing.T, w who, method, path string, body any) *apitest.Response {
	t.Helper()
	req, err := m.s.NewRequest(method, path, m.tok[w], body)
	if err != nil {
		t.Fatal(err)
	}
	return m.send(t, w, req)
}

// root sends a request to a path outside the API base as w.
func (m *matrix) root(t *testing.T, w who, method, path string) *apitest.Response {
	t.Helper()
	req, err := http.NewRequest(method, m.s.Root+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m.send(t, w, req)
}

// asDev reads a project as the developer (nil when it does not exist).
func (m *matrix) asDev(t *testing.T, id string) obj {
	t.Helper()
	r := m.s.For(t).As("GET", "/data/projects/"+id, nil)
	if r.Code == 404 {
		return nil
	}
	return r.Status(200).JSON()
}

// ---- expectations ----

// keysOf lists an object's keys, sorted, comma-separated.
func keysOf(v any) string {
	o, _ := v.(map[string]any)
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func sortedList(s string) string {
	if s == "" {
		return ""
	}
	parts := strings.Split(s, ",")
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// wantFields checks the keys of a record and of its address.
func wantFields(t *testing.T, what string, rec obj, keys, address string) {
	t.Helper()
	if got := keysOf(rec); got != sortedList(keys) {
		t.Errorf("%s: fields %s, want %s", what, got, sortedList(keys))
	}
	if address != "" {
		if got := keysOf(rec["address"]); got != sortedList(address) {
			t.Errorf("%s: address fields %s, want %s", what, got, sortedList(address))
		}
	}
}

const (
	sysKeys     = "id,version,label"
	allKeys     = sysKeys + ",name,status,budget,secret,notes,owner,team,address"
	condKeys    = sysKeys + ",name,status,budget,notes,owner,team,address"  // no secret
	ownOpenKeys = sysKeys + ",name,status,budget,secret,owner,team,address" // no notes
	fullAddress = "id,label,street,city,zip"
	condAddress = "id,label,street,city"
)

// projectKeys are the fields w sees of a fixture project (open or closed).
func projectKeys(w who, closed bool) (keys, address string) {
	switch w {
	case cond:
		return condKeys, condAddress
	case own, imp:
		if closed {
			return sysKeys + ",name,status,secret,owner,team,address,review", fullAddress // budget: open only
		}
		return ownOpenKeys, fullAddress
	}
	if closed {
		return allKeys + ",review", fullAddress
	}
	return allKeys, fullAddress
}

// readable are the fixtures w may read.
func readable(w who) []string {
	switch w {
	case cond:
		return []string{"fx-open-allow", "fx-open-own"}
	case own, imp:
		return []string{"fx-closed-own", "fx-open-own"}
	case both:
		return []string{"fx-closed-both", "fx-open-allow", "fx-open-own"}
	case forbid:
		return nil
	}
	return []string{"fx-closed-allow", "fx-closed-both", "fx-closed-own", "fx-open-allow", "fx-open-own"}
}

// readsProjects: the users who may read some projects.
func readsProjects(w who) bool { return w != forbid }

// pageOf decodes a list answer.
func pageOf(t *testing.T, r *apitest.Response) page {
	t.Helper()
	var p page
	r.Status(200).Decode(&p)
	return p
}

func labels(items []map[string]any) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, fmt.Sprint(it["label"]))
	}
	sort.Strings(out)
	return out
}

// ---- the matrix ----

var matrixCases = []matrixCase{
	{
		name:   "health",
		routes: []string{"GET /healthz", "GET /readyz"},
		run: func(t *testing.T, m *matrix, w who) {
			m.root(t, w, "GET", "/healthz").Status(200)
			m.root(t, w, "GET", "/readyz").Status(200)
		},
	},
	{
		// The document describes the app, not the caller: the same for
		// everyone, with a token or without.
		name:   "OpenAPI document",
		routes: []string{"GET /openapi.json"},
		run: func(t *testing.T, m *matrix, w who) {
			mine := m.do(t, w, "GET", "/openapi.json", nil).Status(200)
			anon := m.s.For(t).Do("GET", "/openapi.json", "", nil).Status(200)
			if !bytes.Equal(mine.Body, anon.Body) || !bytes.Contains(mine.Body, []byte(`"/data/projects"`)) {
				t.Errorf("%s gets another document than a caller without token", w)
			}
		},
	},
	{
		name:   "unknown route",
		routes: []string{"/"},
		run: func(t *testing.T, m *matrix, w who) {
			m.do(t, w, "GET", "/nowhere", nil).Error(404, "notFound")
			m.do(t, w, "PATCH", "/data/projects", nil).Error(404, "notFound")
		},
	},
	{
		name:   "login and logout",
		routes: []string{"POST /auth/login", "POST /auth/logout"},
		run: func(t *testing.T, m *matrix, w who) {
			body := obj{"email": m.email[w], "password": matrixPassword}
			if w == dev || w == imp {
				body = obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword}
			}
			if w == imp {
				body["emailImpersonatedUser"] = m.email[own]
			}
			r := m.do(t, w, "POST", "/auth/login", body).Status(200).JSON()
			if r["userId"] != m.uid[w] {
				t.Errorf("login: userId %v, want %s", r["userId"], m.uid[w])
			}
			if (w == imp) != (r["adminUserEmail"] != nil) {
				t.Errorf("login: adminUserEmail %v", r["adminUserEmail"])
			}
			tok := r["token"].(string)
			req, _ := m.s.NewRequest("POST", "/auth/logout", tok, nil)
			m.send(t, w, req).Status(200)
			// The token is gone.
			req, _ = m.s.NewRequest("POST", "/auth/logout", tok, nil)
			m.send(t, w, req).Error(401, "unauthorized")
		},
	},
	{
		name:   "list: only readable records, counted, readable fields",
		routes: []string{"GET /data/{entity}"},
		run: func(t *testing.T, m *matrix, w who) {
			r := m.do(t, w, "GET", "/data/projects", nil)
			if !readsProjects(w) {
				r.Error(403, "forbidden")
				return
			}
			p := pageOf(t, r)
			if want := readable(w); p.Total != int64(len(want)) || !slices.Equal(labels(p.Items), want) {
				t.Errorf("total %d, items %v; want %v", p.Total, labels(p.Items), want)
			}
			for _, it := range p.Items {
				keys, address := projectKeys(w, it["status"] == "closed")
				wantFields(t, fmt.Sprint(it["label"]), it, keys, address)
			}
			// The count of a filtered list counts readable records only.
			p = pageOf(t, m.do(t, w, "GET", "/data/projects?status=open&_size=1", nil))
			want := map[who]int64{cond: 2, own: 1, imp: 1, both: 2}[w]
			if want == 0 {
				want = 2
			}
			if p.Total != want || len(p.Items) != 1 {
				t.Errorf("status=open: total %d, %d items; want %d, 1", p.Total, len(p.Items), want)
			}
		},
	},
	{
		name:   "list: filters, sorts and _fields on restricted fields",
		routes: []string{"GET /data/{entity}"},
		run: func(t *testing.T, m *matrix, w who) {
			type call struct {
				query string
				deny  []who // 403 for these (and forbid, who reads nothing)
			}
			for _, c := range []call{
				{"secret=s-fx-open-own", []who{cond}},                              // none
				{"_sortField=secret", []who{cond}},                                 // none
				{"notes=n-fx-open-own", []who{own, imp}},                           // none
				{"_sortField=notes&_sortType=asc", []who{own, imp}},                // none
				{"budget=10", []who{own, imp}},                                     // readable on some records only
				{"address.zip=69001", []who{cond}},                                 // none, inside a nested field
				{"_query=" + url.QueryEscape("filter('secret','x')"), []who{cond}}, // _query too
				{"review=r-fx-closed-own", matrixUsers},                            // readAccess: a condition for everyone
				{"name=fx-open-own", nil},
				{"_sortField=address.city", nil}, // readOnly is readable
			} {
				r := m.do(t, w, "GET", "/data/projects?"+c.query, nil)
				if !readsProjects(w) || slices.Contains(c.deny, w) {
					r.Error(403, "forbidden")
					continue
				}
				r.Status(200)
			}
			// _fields leaves out what the caller may not read.
			r := m.do(t, w, "GET", "/data/projects?"+q("_fields", "name,secret,notes,address.zip", "name", "fx-open-own"), nil)
			if !readsProjects(w) {
				r.Error(403, "forbidden")
				return
			}
			p := pageOf(t, r)
			if len(p.Items) != 1 {
				t.Fatalf("_fields: %d items", len(p.Items))
			}
			want, address := map[who][2]string{
				cond: {sysKeys + ",name,notes,address", "id,label"},
				own:  {sysKeys + ",name,secret,address", "id,label,zip"},
				imp:  {sysKeys + ",name,secret,address", "id,label,zip"},
			}[w][0], map[who][2]string{
				cond: {"", "id,label"}, own: {"", "id,label,zip"}, imp: {"", "id,label,zip"},
			}[w][1]
			if want == "" {
				want, address = sysKeys+",name,secret,notes,address", "id,label,zip"
			}
			wantFields(t, "_fields", p.Items[0], want, address)
		},
	},
	{
		name:   "list: other entities",
		routes: []string{"GET /data/{entity}"},
		run: func(t *testing.T, m *matrix, w who) {
			r := m.do(t, w, "GET", "/data/teams", nil)
			switch w {
			case dev, super, allow:
				p := pageOf(t, r)
				if p.Total != 1 {
					t.Fatalf("teams: %d", p.Total)
				}
				wantFields(t, "team", p.Items[0], sysKeys+",name,code", "")
			case cond, both:
				p := pageOf(t, r)
				if p.Total != 1 {
					t.Fatalf("teams: %d", p.Total)
				}
				wantFields(t, "team", p.Items[0], sysKeys+",name", "")
			default:
				r.Error(403, "forbidden")
			}
			r = m.do(t, w, "GET", "/data/sys.users?_size=1", nil)
			if w == dev || w == super {
				r.Status(200)
			} else {
				r.Error(403, "forbidden")
			}
		},
	},
	{
		name:   "read one",
		routes: []string{"GET /data/{entity}/{id}"},
		run: func(t *testing.T, m *matrix, w who) {
			for _, name := range []string{"fx-open-own", "fx-closed-allow", "fx-closed-own"} {
				r := m.do(t, w, "GET", "/data/projects/"+m.fx[name], nil)
				switch {
				case !readsProjects(w):
					r.Error(403, "forbidden")
				case !slices.Contains(readable(w), name):
					r.Error(404, "notFound") // outside the read condition: it does not exist
				default:
					rec := r.Status(200).JSON()
					keys, address := projectKeys(w, strings.Contains(name, "closed"))
					wantFields(t, name, rec, keys, address)
					if rec["name"] != name || rec["status"] == nil {
						t.Errorf("%s: %v", name, rec)
					}
					// plainText shows the same fields.
					pt := m.do(t, w, "GET", "/data/projects/"+m.fx[name]+"?_format=plainText", nil).Status(200).JSON()
					wantFields(t, name+" plainText", pt, keys, address)
				}
			}
			// An id that does not exist, and one that is not an id.
			r := m.do(t, w, "GET", "/data/projects/"+strings.Repeat("0", 24), nil)
			if readsProjects(w) {
				r.Error(404, "notFound")
			} else {
				r.Error(403, "forbidden")
			}
		},
	},
	{
		name:   "read one: fetched relationships",
		routes: []string{"GET /data/{entity}/{id}"},
		run: func(t *testing.T, m *matrix, w who) {
			r := m.do(t, w, "GET", "/data/projects/"+m.fx["fx-open-own"]+"?_relationshipsToFetch=team,owner", nil)
			if !readsProjects(w) {
				r.Error(403, "forbidden")
				return
			}
			rec := r.Status(200).JSON()
			team, owner := rec["team"], rec["owner"]
			switch w {
			case dev, super, allow:
				wantFields(t, "team", team.(map[string]any), sysKeys+",name,code", "")
			case cond, both:
				wantFields(t, "team", team.(map[string]any), sysKeys+",name", "") // code none
			default:
				wantFields(t, "team", team.(map[string]any), "id,label", "") // no access to teams
			}
			if w == dev || w == super {
				if o, _ := owner.(map[string]any); o["email"] != m.email[own] {
					t.Errorf("owner not fetched: %v", owner)
				}
			} else {
				wantFields(t, "owner", owner.(map[string]any), "id,label", "")
			}
		},
	},
	{
		name:   "actions: permission, condition on the record, parameter permissions",
		routes: []string{"PUT /data/{entity}/{ids}/{action}", "PUT /data/{entity}/{id}"},
		run: func(t *testing.T, m *matrix, w who) {
			params := obj{"reason": "r", "notify": true}
			// On one record.
			for _, name := range []string{"fx-open-own", "fx-closed-allow"} {
				r := m.do(t, w, "PUT", "/data/projects/"+m.fx[name]+"/archive", params)
				closed := strings.Contains(name, "closed")
				switch {
				case w == dev || w == super || w == allow:
					got := r.Status(200).JSON()
					if got["name"] != name || got["reason"] != "r" || got["notify"] != true {
						t.Errorf("%s: %v", name, got)
					}
				case w == forbid || w == own || w == imp:
					r.Error(403, "forbidden") // no group of theirs lists the action
				case closed:
					r.Error(404, "notFound") // cond and both cannot read it
				default:
					// openOnly: the action on open records, reason readOnly
					// (not taken from the body), notify unlisted (readWrite).
					got := r.Status(200).JSON()
					if got["name"] != name || got["reason"] != nil || got["notify"] != true {
						t.Errorf("%s: %v", name, got)
					}
				}
			}
			// Over a query: only the records the caller may read.
			r := m.do(t, w, "PUT", "/data/projects/archive?"+q("name", "like(fx-)"), params)
			switch w {
			case forbid, own, imp:
				r.Error(403, "forbidden")
			default:
				res := r.Status(200).JSON()
				want := readable(w)
				if w == both {
					want = []string{"fx-open-allow", "fx-open-own"} // fx-closed-both: outside the action's condition
				}
				var got []string
				for _, x := range res {
					if e, _ := x.(map[string]any); e["status"] == "ok" {
						got = append(got, e["response"].(map[string]any)["name"].(string))
					}
				}
				sort.Strings(got)
				if !slices.Equal(got, want) || (w != both && len(res) != len(want)) {
					t.Errorf("ran on %v (%d results), want %v: %v", got, len(res), want, res)
				}
			}
		},
	},
	{
		name:   "create",
		routes: []string{"POST /data/{entity}"},
		run: func(t *testing.T, m *matrix, w who) {
			name := "new-" + string(w)
			r := m.do(t, w, "POST", "/data/projects", obj{"name": name, "status": "open", "budget": 5,
				"secret": "x", "notes": "n", "review": "r", "address": obj{"street": "S", "city": "C", "zip": "Z"}})
			switch w {
			case forbid, own, imp:
				r.Error(403, "forbidden") // no create permission
			default:
				rec := r.Status(200).JSON()
				stored := m.asDev(t, rec["id"].(string))
				addr, _ := stored["address"].(map[string]any)
				// What was written: the fields the caller may write.
				got := fmt.Sprintf("budget=%v secret=%v notes=%v street=%v city=%v zip=%v",
					stored["budget"], stored["secret"], stored["notes"], addr["street"], addr["city"], addr["zip"])
				want := map[who]string{
					cond: "budget=<nil> secret=<nil> notes=n street=S city=<nil> zip=<nil>",
					both: "budget=<nil> secret=<nil> notes=n street=S city=C zip=Z",
				}[w]
				if want == "" {
					want = "budget=5 secret=x notes=n street=S city=C zip=Z"
				}
				if got != want {
					t.Errorf("stored %s, want %s", got, want)
				}
				// review's writeAccess (= readAccess) holds on closed records only.
				if stored["review"] != nil {
					t.Errorf("review written on an open record: %v", stored["review"])
				}
				// The answer shows what was stored and the caller may read.
				keys := sysKeys + ",name,status,notes,address"
				if w != cond && w != both {
					keys += ",budget,secret"
				}
				wantFields(t, "created", rec, keys, "")
			}
			// The new record must meet the create condition.
			r = m.do(t, w, "POST", "/data/projects", obj{"name": name + "-closed", "status": "closed", "review": "rv"})
			switch w {
			case dev, super, allow:
				// review's writeAccess holds on the new (closed) record.
				if got := r.Status(200).JSON()["review"]; got != "rv" {
					t.Errorf("review on a closed record: %v", got)
				}
			default:
				r.Error(403, "forbidden")
			}
			// Invalid input still answers 403 before validation for those
			// who may not create.
			r = m.do(t, w, "POST", "/data/projects", obj{"status": "open"})
			switch w {
			case forbid, own, imp:
				r.Error(403, "forbidden")
			default:
				r.FieldError("name", "required")
			}
		},
	},
	{
		name:   "update",
		routes: []string{"PUT /data/{entity}/{id}"},
		run: func(t *testing.T, m *matrix, w who) {
			owner := w
			if w == imp {
				owner = own
			}
			id, name := m.fresh(t, "upd", w, "open", owner)
			r := m.do(t, w, "PUT", "/data/projects/"+id, obj{"name": "renamed", "budget": 99, "secret": "s1",
				"notes": "n1", "address": obj{"city": "Paris", "zip": "75001"}})
			if w == forbid {
				r.Error(403, "forbidden")
			} else {
				rec := r.Status(200).JSON()
				stored := m.asDev(t, id)
				addr, _ := stored["address"].(map[string]any)
				got := fmt.Sprintf("name=%v budget=%v secret=%v notes=%v city=%v zip=%v", stored["name"],
					stored["budget"], stored["secret"], stored["notes"], addr["city"], addr["zip"])
				// Fields the caller may not write keep their values.
				unchanged := fmt.Sprintf("budget=10 secret=s-%s", name)
				want := map[who]string{
					cond: "name=renamed " + unchanged + " notes=n1 city=Lyon zip=69001",
					own:  "name=renamed " + unchanged + " notes=n-" + name + " city=Paris zip=75001",
					imp:  "name=renamed " + unchanged + " notes=n-" + name + " city=Paris zip=75001",
					both: "name=renamed " + unchanged + " notes=n1 city=Paris zip=75001",
				}[w]
				if want == "" {
					want = "name=renamed budget=99 secret=s1 notes=n1 city=Paris zip=75001"
				}
				if got != want {
					t.Errorf("stored %s, want %s", got, want)
				}
				keys, address := projectKeys(w, false)
				wantFields(t, "updated", rec, keys, address)
			}
			// The result must still meet the update condition (Q9).
			id, _ = m.fresh(t, "upd", w, "open", owner)
			r = m.do(t, w, "PUT", "/data/projects/"+id, obj{"status": "closed"})
			switch w {
			case forbid, cond:
				r.Error(403, "forbidden")
			default:
				r.Status(200) // both: still their own record
			}
			// Someone else's closed record: outside every condition.
			id, _ = m.fresh(t, "upd", w, "closed", allow)
			r = m.do(t, w, "PUT", "/data/projects/"+id, obj{"name": "x"})
			switch w {
			case dev, super, allow:
				r.Status(200)
			case forbid:
				r.Error(403, "forbidden")
			default:
				r.Error(404, "notFound")
			}
		},
	},
	{
		name:   "delete one",
		routes: []string{"DELETE /data/{entity}/{ids}"},
		run: func(t *testing.T, m *matrix, w who) {
			owner := w
			if w == imp {
				owner = own
			}
			id, name := m.fresh(t, "del", w, "open", owner)
			r := m.do(t, w, "DELETE", "/data/projects/"+id, nil)
			switch w {
			case forbid, cond:
				r.Error(403, "forbidden") // no delete permission at all
				if m.asDev(t, id) == nil {
					t.Error("deleted anyway")
				}
			default:
				rec := r.Status(200).JSON()
				if rec["name"] != name || m.asDev(t, id) != nil {
					t.Errorf("delete answered %v", rec)
				}
				keys, _ := projectKeys(w, false)
				wantFields(t, "deleted", rec, keys, "")
			}
			// Readable but outside the delete condition: both reads open
			// records of others (openOnly) but deletes only their own.
			id, _ = m.fresh(t, "del", w, "open", allow)
			r = m.do(t, w, "DELETE", "/data/projects/"+id, nil)
			switch w {
			case dev, super, allow:
				r.Status(200)
			case forbid, cond, both:
				r.Error(403, "forbidden") // both reads it (openOnly) but deletes only their own
			default:
				r.Error(404, "notFound")
			}
		},
	},
	{
		name:   "delete many",
		routes: []string{"DELETE /data/{entity}/{ids}"},
		run: func(t *testing.T, m *matrix, w who) {
			owner := w
			if w == imp {
				owner = own
			}
			a, _ := m.fresh(t, "many", w, "open", owner)
			b, _ := m.fresh(t, "many", w, "closed", allow)
			r := m.do(t, w, "DELETE", "/data/projects/"+a+","+b, nil)
			if w == forbid || w == cond {
				r.Error(403, "forbidden")
				return
			}
			res := r.Status(200).JSON()
			status := func(id string) any { x, _ := res[id].(map[string]any); return x["status"] }
			wantB := "error"
			if w == dev || w == super || w == allow {
				wantB = "ok"
			}
			if status(a) != "ok" || status(b) != wantB {
				t.Errorf("results %v", res)
			}
			if (m.asDev(t, b) == nil) != (wantB == "ok") {
				t.Error("b deleted against the permissions")
			}
			if wantB == "error" {
				if msg := res[b].(map[string]any)["errorMessage"].(string); !strings.Contains(msg, "does not exist") {
					t.Errorf("unreadable record: %q", msg)
				}
			}
		},
	},
	{
		name:   "delete over a query",
		routes: []string{"DELETE /data/{entity}"},
		run: func(t *testing.T, m *matrix, w who) {
			owner := w
			if w == imp {
				owner = own
			}
			tag := "bulk-" + string(w)
			a := create(t, m.s, "projects", obj{"name": tag, "status": "open", "owner": m.uid[owner]})["id"].(string)
			b := create(t, m.s, "projects", obj{"name": tag, "status": "closed", "owner": m.uid[allow]})["id"].(string)
			r := m.do(t, w, "DELETE", "/data/projects?"+q("name", tag), nil)
			if w == forbid || w == cond {
				r.Error(403, "forbidden")
				return
			}
			res := r.Status(200).JSON()
			wantIDs := []string{a}
			if w == dev || w == super || w == allow {
				wantIDs = []string{a, b}
			}
			sort.Strings(wantIDs)
			var got []string
			for id := range res {
				got = append(got, id)
			}
			sort.Strings(got)
			if !slices.Equal(got, wantIDs) {
				t.Errorf("deleted %v, want %v", got, wantIDs)
			}
			// A query on a field the caller may not read.
			r = m.do(t, w, "DELETE", "/data/projects?notes=nothing", nil)
			if w == own || w == imp {
				r.Error(403, "forbidden")
			} else {
				r.Status(200)
			}
		},
	},
	{
		name:   "delete in the background",
		routes: []string{"DELETE /data/{entity}/{ids}", "GET /status/jobs/{id}"},
		run: func(t *testing.T, m *matrix, w who) {
			owner := w
			if w == imp {
				owner = own
			}
			id, _ := m.fresh(t, "async", w, "open", owner)
			r := m.do(t, w, "DELETE", "/data/projects/"+id+"?_async=true", nil)
			if w == forbid || w == cond {
				r.Error(403, "forbidden")
				return
			}
			job := asyncRef(t, r)
			m.waitJob(t, w, job)
			if m.asDev(t, id) != nil {
				t.Error("the job did not delete the record")
			}
			// Someone else's closed record: the job acts with the caller's
			// permissions (a delete of one answers 404 at once).
			other, _ := m.fresh(t, "async", w, "closed", allow)
			r = m.do(t, w, "DELETE", "/data/projects/"+other+",ffffffffffffffffffffffff?_async=true", nil)
			job = asyncRef(t, r)
			j := m.waitJob(t, w, job)
			gone := m.asDev(t, other) == nil
			if want := w == dev || w == super || w == allow; gone != want {
				t.Errorf("someone else's record deleted: %v, want %v (job %v)", gone, want, j)
			}
		},
	},
	{
		name: "CSV export and import: the groups' export and import flags, field permissions in the columns",
		routes: []string{"PUT /data/{entity}/export", "POST /data/{entity}/import", "GET /status/jobs/{id}",
			"GET /files/{id}"},
		run: func(t *testing.T, m *matrix, w who) {
			r := m.do(t, w, "PUT", "/data/projects/export?_useFieldNames=true&name=like(fx-)", nil)
			if w == forbid || w == own || w == imp { // owners has no export flag
				r.Error(403, "forbidden")
			} else {
				j := m.waitJob(t, w, r.Status(200).JSON()["jobId"].(string))
				res, _ := j["results"].(map[string]any)
				fileID, _ := res["fileId"].(string)
				body := m.do(t, w, "GET", "/files/"+fileID, nil).Status(200).Body
				rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
				if err != nil || len(rows)-1 != len(readable(w)) {
					t.Fatalf("export %v (%v), want the rows of %v", rows, err, readable(w))
				}
				header := strings.Join(rows[0], ",")
				hidden := []string{"internal"}
				if w == cond {
					hidden = append(hidden, "secret", "contract", "address.zip")
				}
				for _, h := range hidden {
					if slices.Contains(rows[0], h) {
						t.Errorf("column %s exported: %s", h, header)
					}
				}
				if !strings.Contains(header, "name,status") {
					t.Errorf("header %s", header)
				}
			}
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			fw, _ := mw.CreateFormFile("file", "projects.csv")
			fmt.Fprintf(fw, "name,status\nimported-%s,open\n", w)
			_ = mw.Close()
			req, err := http.NewRequest("POST", m.s.URL+"/data/projects/import", &b)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", mw.FormDataContentType())
			r = m.send(t, w, req)
			if w != dev && w != super && w != allow { // only allowAll has the import flag
				r.Error(403, "forbidden")
				return
			}
			j := m.waitJob(t, w, r.Status(200).JSON()["jobId"].(string))
			if res, _ := j["results"].(map[string]any); res["rowsImported"] != float64(1) {
				t.Errorf("import %v", j)
			}
		},
	},
	{
		name:   "aggregate: read conditions, field permissions in every stage, lookups, sys.data.aggregate",
		routes: []string{"PUT /data/{entity}/aggregate", "PUT /data/{entity}/{id}"},
		run: func(t *testing.T, m *matrix, w who) {
			agg := func(entity, body string) *apitest.Response {
				t.Helper()
				return m.do(t, w, "PUT", "/data/"+entity+"/aggregate", body)
			}
			counts := func(r *apitest.Response) map[string]float64 {
				t.Helper()
				var p struct{ Items []obj }
				r.Status(200).Decode(&p)
				out := map[string]float64{}
				for _, it := range p.Items {
					out[fmt.Sprint(it["status"])] = it["n"].(float64)
				}
				return out
			}
			// Groups count the records the caller may read.
			byStatus := `[{"match":{"name":"like(fx-)"}},{"group":{"by":"status","n":"count()"}}]`
			r := agg("projects", byStatus)
			if !readsProjects(w) {
				r.Error(403, "forbidden")
				agg("projects", `[]`).Error(403, "forbidden")
			} else {
				want := map[string]float64{}
				for _, name := range readable(w) {
					want[strings.Split(name, "-")[1]]++
				}
				if got := counts(r); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("by status: %v, want %v", got, want)
				}
			}
			// A field the caller may not read on every record, named in any
			// stage, is 403 (review: a condition for everyone).
			for _, c := range []struct {
				body string
				deny []who
			}{
				{`[{"group":{"x":"first(secret)"}}]`, []who{cond}},
				{`[{"sort":{"secret":"asc"}},{"limit":1}]`, []who{cond}},
				{`[{"match":{"address.zip":"1"}}]`, []who{cond}},
				{`[{"project":"notes"}]`, []who{own, imp}},
				{`[{"group":{"by":"status","b":"sum(budget)"}}]`, []who{own, imp}},
				{`[{"match":{"name":"x"}},{"project":"name,review"}]`, matrixUsers},
				{`[{"match":{"name":"x"}},{"lookup":{"localFieldPath":"team","foreignFieldPath":"id","foreignEntityName":"teams","as":"t"}},{"project":"t.code"}]`,
					[]who{cond, both, own, imp}}, // code is none for openOnly; owners do not read teams
				{`[{"match":{"name":"fx-open-own"}},{"project":"name,address.city"},{"count":"n"}]`, nil},
			} {
				r := agg("projects", c.body)
				if !readsProjects(w) || slices.Contains(c.deny, w) {
					r.Error(403, "forbidden")
				} else {
					r.Status(200)
				}
			}
			// sys.data.aggregate: with the app's authority, every record;
			// with checkPermissions, the caller's own answer.
			scripted := func(check bool) map[string]float64 {
				t.Helper()
				got := m.do(t, w, "PUT", "/data/projects/probe", obj{"op": "aggregate", "check": check}).Status(200).JSON()
				items, _ := got["items"].([]any)
				out := map[string]float64{}
				for _, it := range items {
					out[fmt.Sprint(at(it, "status"))] = at(it, "n").(float64)
				}
				return out
			}
			all := map[string]float64{}
			for _, name := range readable(dev) {
				all[strings.Split(name, "-")[1]]++
			}
			if got := scripted(false); fmt.Sprint(got) != fmt.Sprint(all) {
				t.Errorf("sys.data.aggregate: %v, want %v", got, all)
			}
			if readsProjects(w) {
				if got, want := scripted(true), counts(agg("projects", byStatus)); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("sys.data.aggregate with checkPermissions: %v, want %v", got, want)
				}
			}
			if !readsProjects(w) {
				return
			}
			// Whole records come out as the caller may read them.
			var p struct{ Items []obj }
			agg("projects", `[{"match":{"name":"fx-open-own"}}]`).Status(200).Decode(&p)
			if want := slices.Contains(readable(w), "fx-open-own"); len(p.Items) != 1 && want {
				t.Fatalf("fx-open-own: %v", p.Items)
			} else if want {
				keys, address := projectKeys(w, false)
				wantFields(t, "whole record", p.Items[0], keys, address)
			}
			// A field with a part the caller may not read (address.zip is
			// none for openOnly) comes out without it from a group too,
			// which reads stored values when it runs in SQL.
			var g struct{ Items []obj }
			agg("projects", `[{"match":{"name":"fx-open-own"}},{"group":{"by":"status","a":"first(address)"}}]`).Status(200).Decode(&g)
			if want := slices.Contains(readable(w), "fx-open-own"); want && len(g.Items) != 1 {
				t.Fatalf("first(address) of fx-open-own: %v", g.Items)
			} else if want {
				_, address := projectKeys(w, false)
				a, _ := g.Items[0]["a"].(obj)
				var keys []string
				for k := range a {
					keys = append(keys, k)
				}
				want := strings.Split(address, ",")
				sort.Strings(keys)
				sort.Strings(want)
				if !slices.Equal(keys, want) {
					t.Errorf("first(address): %v, want the keys %v", a, address)
				}
			}
			// A lookup's records are those the caller may read of its
			// entity: unwound and matched (in Go), or unwound and grouped
			// (one join in the SQL statement).
			lookup := `[{"lookup":{"localFieldPath":"id","foreignFieldPath":"team","foreignEntityName":"projects","as":"p"}},{"unwind":{"fieldPath":"p"}},`
			for _, rest := range []string{`{"match":{"p.name":"like(fx-)"}},{"project":"p.name"}]`, `{"group":{"by":"p.name","n":"count()"}}]`} {
				r = agg("teams", lookup+rest)
				if w == own || w == imp { // no access to teams
					r.Error(403, "forbidden")
					continue
				}
				var p struct{ Items []obj }
				r.Status(200).Decode(&p)
				var names []string
				for _, it := range p.Items {
					if name := fmt.Sprint(at(it, "p.name")); strings.HasPrefix(name, "fx-") {
						names = append(names, name)
					}
				}
				sort.Strings(names)
				if !slices.Equal(names, readable(w)) {
					t.Errorf("lookup of projects then %s: %v, want %v", rest, names, readable(w))
				}
			}
		},
	},
	{
		// sys.data in a script acts with the app's authority (issue 16,
		// app-model.md §6): whoever may run the action — the door is the
		// REST caller's action permission — has its script read and write
		// every record and field, but the fields' readAccess/writeAccess
		// (review: closed projects only; internal: never) hold for
		// everyone unless a save says filterByReadWriteAccess: false. The
		// current user stays the caller.
		name:   "sys.data in scripts: the app's authority",
		routes: []string{"PUT /data/{entity}/{id}"},
		run: func(t *testing.T, m *matrix, w who) {
			probe := func(op, target string) obj {
				t.Helper()
				return m.do(t, w, "PUT", "/data/projects/probe", obj{"op": op, "target": target}).Status(200).JSON()
			}
			// The door: an action the user's groups do not list is 403 before
			// any script runs (probeAllowed: allowAll only).
			r := m.do(t, w, "PUT", "/data/projects/probeAllowed", obj{"op": "me"})
			if w == dev || w == super || w == allow {
				if got := r.Status(200).JSON()["email"]; got != m.email[w] {
					t.Errorf("current user in the script: %v, want %s", got, m.email[w])
				}
			} else {
				r.Error(403, "forbidden")
			}
			if got := probe("me", "")["email"]; got != m.email[w] {
				t.Errorf("current user in the script: %v, want %s", got, m.email[w])
			}
			// findById: every record, every field but what readAccess hides.
			for _, name := range []string{"fx-open-own", "fx-closed-allow"} {
				rec, _ := probe("findById", m.fx[name])["record"].(map[string]any)
				keys := allKeys
				if strings.Contains(name, "closed") {
					keys += ",review"
				}
				wantFields(t, "findById "+name, rec, keys, fullAddress)
			}
			// find and count: every record.
			got := probe("find", "")
			var names []string
			for _, n := range got["names"].([]any) {
				names = append(names, n.(string))
			}
			sort.Strings(names)
			if want := readable(dev); !slices.Equal(names, want) || got["count"] != float64(len(want)) {
				t.Errorf("find: %v (count %v), want %v", names, got["count"], want)
			}
			// save of a changed record, of anyone's, open or closed.
			for _, status := range []string{"open", "closed"} {
				id, name := m.fresh(t, "sda", w, status, allow)
				if got := probe("update", id); got["saved"] != true || m.asDev(t, id)["name"] != name+"!" {
					t.Errorf("update %s: %v", name, got)
				}
			}
			// create: every field is written (secret too).
			id, _ := probe("create", "a-"+string(w))["created"].(string)
			if stored := m.asDev(t, id); stored == nil || stored["secret"] != "from-script" {
				t.Errorf("create: %v", stored)
			}
			// readAccess never: dropped by a save, written with
			// filterByReadWriteAccess: false, still unreadable.
			if got := probe("internal", string(w)); got["dropped"] != true || got["kept"] != "kept" || got["hidden"] != true {
				t.Errorf("internal (readAccess never): %v", got)
			}
			// A team no group but allowAll may update; anyone's script does.
			team := create(t, m.s, "teams", obj{"name": "TA-" + string(w)})["id"].(string)
			got = probe("updateTeam", team)
			if r := m.s.For(t).As("GET", "/data/teams/"+team, nil).Status(200).JSON(); got["saved"] != true || r["name"] != "TA-"+string(w)+"!" {
				t.Errorf("update team: %v (%v)", got, r["name"])
			}
			// remove: anyone's record.
			del, _ := m.fresh(t, "sda-del", w, "closed", allow)
			if got := probe("remove", del); got["removed"] != true || m.asDev(t, del) != nil {
				t.Errorf("remove: %v", got)
			}
		},
	},
	{
		// sys.data with checkPermissions: true acts with the caller's own
		// permissions, as over REST: the global action probe runs one
		// sys.data operation and answers what the script saw or the
		// exception code.
		name:   "sys.data in scripts with checkPermissions: the user's permissions",
		routes: []string{"PUT /data/{entity}/{id}"},
		run: func(t *testing.T, m *matrix, w who) {
			probe := func(op, target string) obj {
				t.Helper()
				return m.do(t, w, "PUT", "/data/projects/probe", obj{"op": op, "target": target, "check": true}).Status(200).JSON()
			}
			// findById: null for a record the user may not read, the fields
			// they may read (none ones absent), forbidden without any read.
			for _, name := range []string{"fx-open-own", "fx-closed-allow"} {
				got := probe("findById", m.fx[name])
				switch {
				case w == forbid:
					if got["error"] != "forbidden" {
						t.Errorf("findById %s: %v, want forbidden", name, got)
					}
				case !slices.Contains(readable(w), name):
					if rec, ok := got["record"]; !ok || rec != nil {
						t.Errorf("findById %s: %v, want a null record", name, got)
					}
				default:
					rec, _ := got["record"].(map[string]any)
					keys, addr := projectKeys(w, strings.Contains(name, "closed"))
					wantFields(t, "findById "+name, rec, keys, addr)
				}
			}
			// find and count: only the readable records.
			got := probe("find", "")
			if w == forbid {
				if got["error"] != "forbidden" {
					t.Errorf("find: %v, want forbidden", got)
				}
			} else {
				var names []string
				for _, n := range got["names"].([]any) {
					names = append(names, n.(string))
				}
				sort.Strings(names)
				if want := readable(w); !slices.Equal(names, want) || got["count"] != float64(len(want)) {
					t.Errorf("find: %v (count %v), want %v", names, got["count"], want)
				}
			}
			// save of a changed record: per the update permission.
			owner := w
			if w == imp {
				owner = own
			}
			open, openName := m.fresh(t, "sd", w, "open", owner)
			closed, closedName := m.fresh(t, "sd", w, "closed", own)
			for _, c := range []struct{ id, name string }{{open, openName}, {closed, closedName}} {
				got := probe("update", c.id)
				renamed := m.asDev(t, c.id)["name"] == c.name+"!"
				var want string
				switch {
				case w == forbid:
					want = "forbidden"
				case w == dev || w == super || w == allow || w == own || w == imp:
					want = "saved"
				case c.id == open: // cond, both: open records
					want = "saved"
				default: // cond, both: a closed record of own's is unreadable
					want = "null"
				}
				switch {
				case want == "saved" && (got["saved"] != true || !renamed),
					want == "null" && (got["record"] != nil || renamed),
					want == "forbidden" && (got["error"] != "forbidden" || renamed):
					t.Errorf("update %s: %v (renamed %v), want %s", c.name, got, renamed, want)
				}
			}
			// create: per the create permission; fields the user may not
			// write (secret for cond and both) are dropped.
			got = probe("create", string(w))
			switch w {
			case forbid, own, imp:
				if got["error"] != "forbidden" {
					t.Errorf("create: %v, want forbidden", got)
				}
			default:
				id, _ := got["created"].(string)
				stored := m.asDev(t, id)
				if stored == nil {
					t.Fatalf("create: %v", got)
				}
				if wantSecret := w != cond && w != both; (stored["secret"] == "from-script") != wantSecret {
					t.Errorf("create: secret %v stored", stored["secret"])
				}
			}
			// A record the user may read but not update (teams: openOnly
			// reads them, may not update them): the save is the forbidden
			// exception and changes nothing.
			team := create(t, m.s, "teams", obj{"name": "T-" + string(w)})["id"].(string)
			got = probe("updateTeam", team)
			renamed := m.s.For(t).As("GET", "/data/teams/"+team, nil).Status(200).JSON()["name"] == "T-"+string(w)+"!"
			switch w {
			case dev, super, allow:
				if got["saved"] != true || !renamed {
					t.Errorf("update team: %v (renamed %v)", got, renamed)
				}
			default: // cond, both: 403 on update; forbid, own, imp: no access to teams
				if got["error"] != "forbidden" || renamed {
					t.Errorf("update team: %v (renamed %v), want forbidden", got, renamed)
				}
			}
			// remove: per the delete permission (openOnly may read open
			// records but not delete them: forbidden, as a script exception).
			del, _ := m.fresh(t, "sd-del", w, "open", owner)
			got = probe("remove", del)
			gone := m.asDev(t, del) == nil
			switch w {
			case forbid, cond:
				if got["error"] != "forbidden" || gone {
					t.Errorf("remove: %v (gone %v), want forbidden", got, gone)
				}
			default:
				if got["removed"] != true || !gone {
					t.Errorf("remove: %v (gone %v)", got, gone)
				}
			}
		},
	},
	{
		name: "jobs",
		routes: []string{"GET /status/jobs", "GET /status/jobs/{id}", "GET /status/jobs/{id}/logs",
			"GET /status/job/{id}/logs", "PUT /status/jobs/{id}/{command}", "DELETE /data/{entity}/{ids}"},
		run: func(t *testing.T, m *matrix, w who) {
			// A job of allow's.
			id, _ := m.fresh(t, "job", w, "open", allow)
			req, _ := m.s.NewRequest("DELETE", "/data/projects/"+id+"?_async=true", m.tok[allow], nil)
			job := asyncRef(t, m.send(t, allow, req))
			for {
				j := m.s.For(t).As("GET", "/status/jobs/"+job, nil).Status(200).JSON()
				if j["status"] == "FINISHED" {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			sees := w == dev || w == allow // developers see every job, others their own
			r := m.do(t, w, "GET", "/status/jobs?_size=1000", nil).Status(200).JSON()
			items, _ := r["items"].([]any)
			found := false
			for _, it := range items {
				if it.(map[string]any)["id"] == job {
					found = true
				}
			}
			if found != sees {
				t.Errorf("job listed: %v, want %v", found, sees)
			}
			for _, path := range []string{"/status/jobs/" + job, "/status/jobs/" + job + "/logs", "/status/job/" + job + "/logs"} {
				r := m.do(t, w, "GET", path, nil)
				if sees {
					r.Status(200)
				} else {
					r.Error(404, "notFound")
				}
			}
			r2 := m.do(t, w, "PUT", "/status/jobs/"+job+"/stop", nil)
			if sees {
				r2.Error(400, "badRequest") // finished: nothing to stop
			} else {
				r2.Error(403, "forbidden")
			}
		},
	},
	{
		name:   "sys.users actions",
		routes: []string{"PUT /data/{entity}/{ids}/{action}"},
		run: func(t *testing.T, m *matrix, w who) {
			r := m.do(t, w, "PUT", "/data/sys.users/"+m.uid[allow]+"/activate", nil)
			if w == dev || w == super {
				r.Error(400, "badRequest") // allow is ACTIVE already
			} else {
				r.Error(403, "forbidden")
			}
		},
	},
	{
		name: "history of records",
		routes: []string{"GET /data/{entity}/{id}/auditLogs", "GET /data/{entity}/{id}/history",
			"GET /data/{entity}/auditLogs", "GET /data/{entity}/history"},
		run: func(t *testing.T, m *matrix, w who) {
			// The creation of a project w may read: the auditLogs permission
			// (owners: their own projects), the fields w may read on every
			// record (review's readAccess is a condition: never shown).
			for _, path := range []string{"/data/projects/" + m.fx["fx-open-own"] + "/auditLogs", "/data/projects/" + m.fx["fx-open-own"] + "/history"} {
				r := m.do(t, w, "GET", path, nil)
				switch w {
				case forbid, cond, both:
					r.Error(403, "forbidden")
					continue
				}
				p := pageOf(t, r)
				if p.Total < 1 || p.Items[len(p.Items)-1]["eventType"] != "USER_RECORD_CREATED" {
					t.Fatalf("%s: %s", path, r.Body)
				}
				keys := allKeys
				if w == own || w == imp {
					keys = sysKeys + ",name,status,secret,owner,team,address" // budget: readable on open ones only
				}
				wantFields(t, "created", p.Items[len(p.Items)-1]["newRecord"].(obj), keys, fullAddress)
			}
			// A project w may not read has no history for them.
			r := m.do(t, w, "GET", "/data/projects/"+m.fx["fx-open-allow"]+"/auditLogs", nil)
			switch w {
			case forbid, cond:
				r.Error(403, "forbidden")
			case both:
				r.Error(403, "forbidden") // readable, but not theirs
			case own, imp:
				if p := pageOf(t, r); p.Total != 0 || len(p.Items) != 0 {
					t.Errorf("unreadable project's history: %s", r.Body)
				}
			default:
				pageOf(t, r)
			}
			// The whole entity: the permission on every record.
			for _, path := range []string{"/data/projects/auditLogs", "/data/projects/history"} {
				r := m.do(t, w, "GET", path, nil)
				if w == dev || w == super || w == allow {
					if p := pageOf(t, r); p.Total < 5 {
						t.Errorf("%s: total %d", path, p.Total)
					}
				} else {
					r.Error(403, "forbidden")
				}
			}
			// teams keep no history.
			m.do(t, w, "GET", "/data/teams/auditLogs", nil).Error(400, "badRequest")
		},
	},
	{
		name:   "app log",
		routes: []string{"GET /status/logs", "POST /status/logs"},
		run: func(t *testing.T, m *matrix, w who) {
			r := m.do(t, w, "POST", "/status/logs", obj{"message": "matrix " + string(w)})
			r2 := m.do(t, w, "GET", "/status/logs?message=matrix", nil)
			if w != dev {
				r.Error(403, "forbidden")
				r2.Error(403, "forbidden")
				return
			}
			r.Status(200)
			if p := pageOf(t, r2); p.Total < 1 {
				t.Errorf("app log: %s", r2.Body)
			}
		},
	},
	{
		// Every signed-in user may open the stream of their own console
		// messages (what reaches it: ui_test.go).
		name:   "console messages",
		routes: []string{"GET /ui/messages"},
		run: func(t *testing.T, m *matrix, w who) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, err := m.s.NewRequest("GET", "/ui/messages", m.tok[w], nil)
			if err != nil {
				t.Fatal(err)
			}
			m.hit[m.route(req)] = true
			resp, err := m.s.Client.Do(req.WithContext(ctx))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
				t.Errorf("GET /ui/messages: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		},
	},
	{
		name:   "maintenance",
		routes: []string{"GET /maintenance", "PUT /maintenance"},
		run: func(t *testing.T, m *matrix, w who) {
			r := m.do(t, w, "GET", "/maintenance", nil)
			r2 := m.do(t, w, "PUT", "/maintenance", obj{"enabled": false})
			if w == dev {
				if r.Status(200).JSON()["enabled"] != false || r2.Status(200).JSON()["enabled"] != false {
					t.Errorf("maintenance: %s %s", r.Body, r2.Body)
				}
				return
			}
			r.Error(403, "forbidden")
			r2.Error(403, "forbidden")
		},
	},
	{
		name: "files: upload, download, share, shared link, a record's file",
		routes: []string{"POST /files", "GET /files/{id}", "PUT /files/{id}/share", "GET /files/shared/{id}",
			"GET /data/{entity}/{id}/files/{fileId}"},
		run: func(t *testing.T, m *matrix, w who) {
			// Anyone may upload (no group limits the upload API here).
			req, err := m.s.UploadRequest(m.tok[w], "file", "c.txt", "text/plain", strings.NewReader("contract of "+string(w)))
			if err != nil {
				t.Fatal(err)
			}
			mine := m.send(t, w, req).Status(200).JSON()["fileId"].(string)
			// By id: developers only (rest-api.md §7.2, §7.4).
			if w == dev {
				if r := m.do(t, w, "GET", "/files/"+mine, nil).Status(200); string(r.Body) != "contract of developer" {
					t.Errorf("download: %q", r.Body)
				}
				sh := m.do(t, w, "PUT", "/files/"+mine+"/share", nil).Status(200).JSON()
				if r := m.do(t, w, "GET", "/files/shared/"+sh["sharedFileId"].(string), nil).Status(200); string(r.Body) != "contract of developer" {
					t.Errorf("shared: %q", r.Body)
				}
			} else {
				m.do(t, w, "GET", "/files/"+mine, nil).Error(403, "forbidden")
				m.do(t, w, "PUT", "/files/"+mine+"/share", nil).Error(403, "forbidden")
			}
			// The public link works with any token, or none.
			devFile := m.s.UploadBytes("d.txt", "text/plain", []byte("shared"))
			sh := m.s.For(t).As("PUT", "/files/"+devFile+"/share", nil).Status(200).JSON()["sharedFileId"].(string)
			if r := m.do(t, w, "GET", "/files/shared/"+sh, nil).Status(200); string(r.Body) != "shared" {
				t.Errorf("shared as %s: %q", w, r.Body)
			}
			// Through a record: record and field permissions. An open
			// project of own's, its contract attached by the developer.
			id, _ := m.fresh(t, "file", w, "open", own)
			update(t, m.s.For(t), "projects", id, obj{"contract": devFile})
			path := "/data/projects/" + id + "/files/" + devFile
			switch w {
			case dev, super, allow, own, both, imp:
				if r := m.do(t, w, "GET", path, nil).Status(200); string(r.Body) != "shared" {
					t.Errorf("record file: %q", r.Body)
				}
			case cond: // reads the record, not the field
				m.do(t, w, "GET", path, nil).Error(403, "forbidden")
			case forbid: // may not read projects
				m.do(t, w, "GET", path, nil).Error(403, "forbidden")
			}
			// A file the record does not hold: 404 for whoever reads it.
			if w != forbid {
				m.do(t, w, "GET", "/data/projects/"+id+"/files/"+mine, nil).Error(404, "notFound")
			}
		},
	},
}

// waitJob waits for a job of w's to end and returns it.
func (m *matrix) waitJob(t *testing.T, w who, id string) obj {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j := m.do(t, w, "GET", "/status/jobs/"+id, nil).Status(200).JSON()
		if s := j["status"]; s == "FINISHED" || s == "CANCELED" || s == "STOPPED" {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s did not end: %v", id, j)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	m := newMatrix(t)
	for i := range matrixCases {
		c := &matrixCases[i]
		m.cur = c
		t.Run(c.name, func(t *testing.T) {
			for _, w := range matrixUsers {
				t.Run(string(w), func(t *testing.T) { c.run(t, m, w) })
			}
		})
	}
	// Every route a case declares was called.
	for _, c := range matrixCases {
		for _, r := range c.routes {
			if !m.hit[r] {
				t.Errorf("case %q declares %q but never calls it", c.name, r)
			}
		}
	}
}

// TestRouteCoverage fails when a registered route has no case in the
// permission matrix: a new endpoint must say what every kind of user gets.
func TestRouteCoverage(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, os.DirFS("../app/testdata/perms"))
	base := strings.TrimPrefix(s.URL, s.Root)
	covered := map[string]bool{}
	for _, c := range matrixCases {
		for _, r := range c.routes {
			covered[r] = true
		}
	}
	registered := map[string]bool{}
	for _, p := range s.API.Routes() {
		r := strings.Replace(p, base, "", 1)
		registered[r] = true
		if !covered[r] {
			t.Errorf("route %q is not covered by the permission matrix (api/permissions_test.go)", r)
		}
	}
	for r := range covered {
		if !registered[r] {
			t.Errorf("the permission matrix names %q, which is not a registered route", r)
		}
	}
	if len(registered) < 10 {
		t.Errorf("only %d routes registered: %v", len(registered), s.API.Routes())
	}
}
