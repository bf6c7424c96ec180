package api_test

import (
	"fmt"
	"slices"
	"sort"
	"testing"

	"runway/api/apitest"
)

// Script conditions in group permissions and in fields' readAccess /
// writeAccess (issue 16 item 3), black-box. The authority app's jsReaders
// group reads notes of kind public or shared (and those titled with the
// reader's email) — js/canRead —, updates and deletes shared ones, sees body where
// counter > 5 and may bump a note whose counter is below 3; trail is
// readAccess "js/trailVisible" (not on private notes) for everyone.

// jsReader logs in a member of jsReaders and returns the token and email.
func jsReader(t testing.TB, s *apitest.Server) (string, string) {
	t.Helper()
	email := "reader@example.org"
	s.CreateUser(email, "reader-password-1", obj{"groups": arr{obj{"group": "jsReaders"}}})
	return s.Login(email, "reader-password-1"), email
}

func TestScriptConditionsOnRecords(t *testing.T) {
	t.Parallel()
	s := authority(t)
	tok, email := jsReader(t, s)
	// 250 notes (more than one page of candidates): every third public.
	kinds := map[string]string{}
	var public []string
	for i := 0; i < 250; i++ {
		kind := "private"
		if i%3 == 0 {
			kind = "public"
		}
		title := fmt.Sprintf("n%03d", i)
		id := create(t, s, "notes", obj{"title": title, "kind": kind})["id"].(string)
		kinds[id] = kind
		if kind == "public" {
			public = append(public, title)
		}
	}
	mine := create(t, s, "notes", obj{"title": email, "kind": "private"})["id"].(string)
	public = append(public, email)
	sort.Strings(public)

	// A list pages through the readable notes only, its total counts them:
	// by id (the default order), and by a field.
	for _, order := range []string{"", "&_sortField=title&_sortType=asc"} {
		var titles []string
		offset := ""
		for n := 0; ; n++ {
			r := s.Do("GET", "/data/notes?_size=40"+order+offset, tok, nil).Status(200)
			var p page
			r.Decode(&p)
			if p.Total != int64(len(public)) {
				t.Fatalf("total %d, want %d", p.Total, len(public))
			}
			for _, it := range p.Items {
				titles = append(titles, it["title"].(string))
			}
			if p.Offset == nil {
				break
			}
			offset = fmt.Sprintf("&_offset=%v", p.Offset)
			if n > 10 {
				t.Fatal("paging does not end")
			}
		}
		sort.Strings(titles)
		if !slices.Equal(titles, public) {
			t.Errorf("order %q: %d titles read, want %d (%v…)", order, len(titles), len(public), titles[:min(5, len(titles))])
		}
	}
	// Filters narrow the candidates; the script decides the rest.
	var p page
	s.Do("GET", "/data/notes?title=n003,n004,n006&_sortField=title&_sortType=asc", tok, nil).Status(200).Decode(&p)
	if p.Total != 2 || len(p.Items) != 2 || p.Items[0]["title"] != "n003" || p.Items[1]["title"] != "n006" {
		t.Errorf("filtered list: %+v", p)
	}
	// An aggregate reads the same records: counted, and grouped by kind.
	var agg struct{ Items []obj }
	s.Do("PUT", "/data/notes/aggregate", tok, `[{"group":{"by":"kind","n":"count()"}},{"sort":{"kind":"asc"}}]`).Status(200).Decode(&agg)
	if got := fmt.Sprint(agg.Items); got != fmt.Sprintf("[map[kind:private n:1] map[kind:public n:%d]]", len(public)-1) {
		t.Errorf("aggregate by kind: %s", got)
	}
	// One record: a note outside the condition does not exist for the
	// reader; the condition saw the reader as the current user.
	for id, kind := range kinds {
		r := s.Do("GET", "/data/notes/"+id, tok, nil)
		if kind == "public" {
			r.Status(200)
		} else {
			r.Error(404, "notFound")
		}
		break
	}
	s.Do("GET", "/data/notes/"+mine, tok, nil).Status(200)
	// Update: shared notes only (readable but not updatable: 403).
	shared := create(t, s, "notes", obj{"title": "shared", "kind": "shared"})["id"].(string)
	pub := create(t, s, "notes", obj{"title": "pub", "kind": "public"})["id"].(string)
	s.Do("PUT", "/data/notes/"+shared, tok, obj{"title": "shared!"}).Status(200)
	s.Do("PUT", "/data/notes/"+pub, tok, obj{"title": "pub!"}).Error(403, "forbidden")
	// The developer is not bound by group conditions.
	if got := list(t, s, "notes", "_size=1").Total; got != 253 {
		t.Errorf("developer total %d", got)
	}
	// A synchronous delete over a query sees only readable records (the
	// reader may delete shared notes only: an error entry per readable
	// public record, none for the private ones).
	r := s.Do("DELETE", "/data/notes?title=n000,n001,n003", tok, nil).Status(200).JSON()
	if len(r) != 2 || r[pubID(t, s, "n000")] == nil || r[pubID(t, s, "n003")] == nil {
		t.Errorf("delete over a query: %v", r)
	}
}

// pubID is the id of the note with that title (as the developer).
func pubID(t *testing.T, s *apitest.Server, title string) string {
	t.Helper()
	p := list(t, s, "notes", q("title", title))
	if len(p.Items) != 1 {
		t.Fatalf("note %s: %d found", title, len(p.Items))
	}
	return p.Items[0]["id"].(string)
}

func TestScriptConditionsOnFields(t *testing.T) {
	t.Parallel()
	s := authority(t)
	tok, _ := jsReader(t, s)
	low := create(t, s, "notes", obj{"title": "low", "kind": "public", "body": "b-low", "counter": 1, "trail": "t-low"})["id"].(string)
	high := create(t, s, "notes", obj{"title": "high", "kind": "shared", "body": "b-high", "counter": 9, "trail": "t-high"})["id"].(string)
	// A group's field condition: body where counter > 5.
	if r := s.Do("GET", "/data/notes/"+low, tok, nil).Status(200).JSON(); r["body"] != nil || r["trail"] != "t-low" {
		t.Errorf("low as reader: %v", r)
	}
	if r := s.Do("GET", "/data/notes/"+high, tok, nil).Status(200).JSON(); r["body"] != "b-high" {
		t.Errorf("high as reader: %v", r)
	}
	var p page
	s.Do("GET", "/data/notes?_sortField=title&_sortType=asc", tok, nil).Status(200).Decode(&p)
	if len(p.Items) != 2 || p.Items[0]["body"] != "b-high" || p.Items[1]["body"] != nil {
		t.Errorf("list as reader: %+v", p.Items)
	}
	// Filtering or sorting on it is refused (its values would show through).
	s.Do("GET", "/data/notes?body=b-low", tok, nil).Error(403, "forbidden")
	// Writes follow the same condition: dropped where it does not hold.
	s.Do("PUT", "/data/notes/"+high, tok, obj{"body": "b-high2"}).Status(200)
	if got := get(t, s, "notes", high)["body"]; got != "b-high2" {
		t.Errorf("body written where allowed: %v", got)
	}
	// readAccess js: trail is hidden and not written on private notes,
	// for the developer too.
	priv := create(t, s, "notes", obj{"title": "priv", "kind": "private", "trail": "t-priv"})["id"].(string)
	if r := get(t, s, "notes", priv); r["trail"] != nil {
		t.Errorf("trail of a private note: %v", r)
	}
	update(t, s, "notes", priv, obj{"kind": "plain"})
	if r := get(t, s, "notes", priv); r["trail"] != nil {
		t.Errorf("trail was written on a private note: %v", r)
	}
	update(t, s, "notes", priv, obj{"trail": "t-now"})
	if r := get(t, s, "notes", priv); r["trail"] != "t-now" {
		t.Errorf("trail of a plain note: %v", r)
	}
}

func TestScriptConditionsOnActions(t *testing.T) {
	t.Parallel()
	s := authority(t)
	tok, _ := jsReader(t, s)
	n := create(t, s, "notes", obj{"title": "b", "kind": "public", "counter": 1})["id"].(string)
	s.Do("PUT", "/data/notes/"+n+"/bump", tok, nil).Status(200)
	s.Do("PUT", "/data/notes/"+n+"/bump", tok, nil).Status(200)
	s.Do("PUT", "/data/notes/"+n+"/bump", tok, nil).Error(403, "forbidden") // counter is 3
	if got := get(t, s, "notes", n)["counter"]; got != float64(3) {
		t.Errorf("counter %v", got)
	}
}

// A condition decides; it may not write (it can run inside the write
// transaction of a delete): the operation that needed it answers
// badRequest, and nothing was written.
func TestScriptConditionsCannotWrite(t *testing.T) {
	t.Parallel()
	s := authority(t)
	tok, _ := jsReader(t, s)
	trap := create(t, s, "notes", obj{"title": "trap", "kind": "trap"})["id"].(string)
	s.Do("GET", "/data/notes/"+trap, tok, nil).Error(400, "badRequest")
	s.Do("GET", "/data/notes", tok, nil).Error(400, "badRequest")
	if got := list(t, s, "logs", q("message", "written by a condition")).Total; got != 0 {
		t.Errorf("a condition wrote %d logs", got)
	}
}
