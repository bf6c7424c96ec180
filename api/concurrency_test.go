package api_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"testing"
	"testing/fstest"

	"runway/api/apitest"
)

const racers = 20

// race sends n requests at once (released together) and returns the answers
// in the test goroutine.
func race(t *testing.T, s *apitest.Server, n int, req func(i int) (method, path string, body any)) []*apitest.Response {
	t.Helper()
	out := make([]*apitest.Response, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		method, path, body := req(i)
		wg.Go(func() {
			<-start
			out[i], errs[i] = s.Call(method, path, s.Token, body)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	return out
}

// codes counts answers by "status code" (e.g. "400 validationErrors").
func codes(rs []*apitest.Response) map[string]int {
	out := map[string]int{}
	for _, r := range rs {
		var m struct{ Code string }
		_ = json.Unmarshal(r.Body, &m)
		out[fmt.Sprintf("%d %s", r.Code, m.Code)]++
	}
	return out
}

// Concurrent creates of one unique value: exactly one wins, every other
// gets the unique validation error, none a 500.
func TestConcurrentUniqueCreates(t *testing.T) {
	t.Parallel()
	for _, app := range []string{"kitchen", "demo"} {
		t.Run(app, func(t *testing.T) {
			t.Parallel()
			var s *apitest.Server
			entity, field := "things", "uniqueCode"
			if app == "kitchen" {
				s = kitchen(t)
			} else {
				s = demo(t)
				entity, field = "companies", "name"
			}
			for round := range 3 {
				value := fmt.Sprintf("same-%d", round)
				rs := race(t, s, racers, func(i int) (string, string, any) {
					if app == "kitchen" {
						return "POST", "/data/things", withRequired(obj{field: value, "text": fmt.Sprint(i)})
					}
					return "POST", "/data/companies", obj{field: value, "numberOfEmployees": i}
				})
				c := codes(rs)
				if c["200 "] != 1 || c["400 validationErrors"] != racers-1 {
					t.Fatalf("round %d: answers %v, want 1 × 200 and %d × 400 validationErrors", round, c, racers-1)
				}
				var winner obj
				for _, r := range rs {
					if r.Code == 200 {
						winner = r.JSON()
						continue
					}
					fe := r.FieldError(field, "unique")
					if at(fe, "additionalInfo.rejectedValue") == nil {
						t.Errorf("no rejectedValue: %s", r.Body)
					}
				}
				p := list(t, s, entity, q(field, fmt.Sprint(winner[field])))
				if p.Total != 1 || p.Items[0]["id"] != winner["id"] {
					t.Fatalf("round %d: stored %v, want only the winner %v", round, ids(p.Items), winner["id"])
				}
			}
		})
	}
}

// Concurrent updaters that all send the version they read: exactly one wins
// per version, the others get 409; the winner's write is what is stored.
func TestConcurrentOptimisticLocking(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	rec := thing(t, s, obj{"text": "start", "integer": 0})
	id := rec["id"].(string)
	for version := range 4 {
		rs := race(t, s, racers, func(i int) (string, string, any) {
			return "PUT", "/data/things/" + id, obj{"version": version, "text": fmt.Sprintf("v%d-writer%d", version, i), "integer": i}
		})
		c := codes(rs)
		if c["200 "] != 1 || c["409 optimisticLocking"] != racers-1 {
			t.Fatalf("version %d: answers %v, want 1 × 200 and %d × 409 optimisticLocking", version, c, racers-1)
		}
		var winner obj
		for _, r := range rs {
			if r.Code == 200 {
				winner = r.JSON()
			} else {
				r.Error(409, "optimisticLocking")
			}
		}
		if winner["version"] != float64(version+1) {
			t.Fatalf("winner has version %v, want %d", winner["version"], version+1)
		}
		got := get(t, s, "things", id)
		if got["version"] != float64(version+1) || got["text"] != winner["text"] || got["integer"] != winner["integer"] {
			t.Fatalf("stored %v/%v/%v, want the winner's %v/%v/%v", got["version"], got["text"], got["integer"],
				winner["version"], winner["text"], winner["integer"])
		}
	}
	// Without a version every writer wins, one after the other.
	rs := race(t, s, racers, func(i int) (string, string, any) {
		return "PUT", "/data/things/" + id, obj{"integer": i}
	})
	if c := codes(rs); c["200 "] != racers {
		t.Fatalf("updates without version: %v, want all 200", c)
	}
	seen := map[float64]bool{}
	for _, r := range rs {
		seen[r.JSON()["version"].(float64)] = true
	}
	if len(seen) != racers {
		t.Errorf("%d distinct versions among %d writes without version, want one each", len(seen), racers)
	}
	if got := get(t, s, "things", id); got["version"] != float64(4+racers) {
		t.Errorf("final version %v, want %d", got["version"], 4+racers)
	}
}

// Concurrent creates of a kitchen record get distinct autoIncrement values
// and ranks, and distinct ids.
func TestConcurrentSequences(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	rs := race(t, s, racers, func(i int) (string, string, any) {
		return "POST", "/data/things", withRequired(obj{"text": fmt.Sprint(i)})
	})
	nums, ranks, idset := map[float64]bool{}, map[string]bool{}, map[string]bool{}
	for _, r := range rs {
		m := r.Status(200).JSON()
		nums[m["autoIncrement"].(float64)] = true
		ranks[fmt.Sprint(m["rank"])] = true
		idset[m["id"].(string)] = true
	}
	if len(nums) != racers || len(ranks) != racers || len(idset) != racers {
		t.Errorf("distinct autoIncrement %d, ranks %d, ids %d; want %d each", len(nums), len(ranks), len(idset), racers)
	}
	for n := 1; n <= racers; n++ {
		if !nums[float64(n)] {
			t.Errorf("autoIncrement %d missing: %v", n, nums)
		}
	}
}

// Actions carry no version, so no check (issue 10 item 6): concurrent
// actions on one record all succeed, each save landing on the one before.
func TestConcurrentVersionlessActions(t *testing.T) {
	t.Parallel()
	s := demo(t)
	id := create(t, s, "companies", obj{"name": "Acme", "state": "active"})["id"].(string)
	states := []string{"active", "pending", "inactive"}
	rs := race(t, s, racers, func(i int) (string, string, any) {
		return "PUT", "/data/companies/" + id + "/changeState", obj{"state": states[i%3]}
	})
	if c := codes(rs); c["200 "] != racers {
		t.Fatalf("answers %v, want %d × 200", c, racers)
	}
	got := get(t, s, "companies", id)
	if got["version"] != float64(racers) {
		t.Errorf("version %v after %d actions that each saved once", got["version"], racers)
	}
}

// An action's save writes what its script changed onto the record as
// stored then: a write that landed after the action read the record is
// kept, not overwritten with what the action read, and is no conflict.
func TestActionSaveMergesOntoAConcurrentWrite(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, withSource(t, "../app/testdata/shop", "model/entities/orders.js", `
function touchAction(record, oldRecord, action) {
    var other = sys.data.findById('orders', record.id());
    other.field('amount').val(9);
    sys.data.save(other);
    record.field('note').val('touched');
    sys.data.save(record);
}`))
	id := create(t, s, "orders", obj{"number": "N1", "amount": 1})["id"].(string)
	out := s.As("PUT", "/data/orders/"+id+"/touch", nil).Status(200).JSON()
	if out["note"] != "touched" || out["amount"] != 9.0 || out["version"] != 2.0 {
		t.Errorf("after the action: %v", out)
	}
}

// withSource is the app in dir with src added to the end of one file (a
// later JavaScript function declaration replaces an earlier one).
func withSource(t *testing.T, dir, file, src string) fs.FS {
	t.Helper()
	fsys := fstest.MapFS{}
	base := os.DirFS(dir)
	err := fs.WalkDir(base, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(base, p)
		fsys[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil || fsys[file] == nil {
		t.Fatalf("copy %s: %v (has %s: %v)", dir, err, file, fsys[file] != nil)
	}
	fsys[file].Data = append(fsys[file].Data, src...)
	return fsys
}
