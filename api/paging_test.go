package api_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"runway/api/apitest"
)

// Walking an entity by id offset while records are inserted
// (query-language.md §5: "ID offsets are the safe way to walk an entity
// while it changes").

const (
	pagingN    = 2500
	pagingPool = 8
)

// createMany creates n things (integer = first+i) with a bounded pool of
// concurrent clients and returns their ids.
func createMany(t *testing.T, s *apitest.Server, first, n int) []string {
	t.Helper()
	return createManyPool(t, s, first, n, pagingPool)
}

func createManyPool(t *testing.T, s *apitest.Server, first, n, pool int) []string {
	t.Helper()
	out := make([]string, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range pool {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = createThing(s, first+i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("create %d: %v", first+i, err)
		}
	}
	return out
}

// createThing creates one thing from any goroutine and returns its id.
func createThing(s *apitest.Server, n int) (string, error) {
	r, err := s.Call("POST", "/data/things", s.Token, obj{"requiredText": "r", "integer": n})
	if err != nil {
		return "", err
	}
	if r.Code != 200 {
		return "", fmt.Errorf("status %d: %s", r.Code, r.Body)
	}
	var m struct{ ID string }
	if err := decodeJSON(r.Body, &m); err != nil || !isID(m.ID) {
		return "", fmt.Errorf("no id in %s (%v)", r.Body, err)
	}
	return m.ID, nil
}

// inserter creates records until stop is closed (at most max of them),
// counting from first; wait returns the ids it created.
type inserter struct {
	stop chan struct{}
	done chan struct{}
	ids  []string
	err  error
	n    atomic.Int64
}

func startInserter(s *apitest.Server, first, max int) *inserter {
	in := &inserter{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(in.done)
		for i := 0; i < max; i++ {
			select {
			case <-in.stop:
				return
			default:
			}
			id, err := createThing(s, first+i)
			if err != nil {
				in.err = err
				return
			}
			in.ids = append(in.ids, id)
			in.n.Add(1)
		}
	}()
	return in
}

// waitBeyond waits until more than n records were inserted (or the
// inserter stopped, or 10 s passed) and returns the count.
func (in *inserter) waitBeyond(n int64) int64 {
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := in.n.Load()
		select {
		case <-in.done:
			return got
		default:
		}
		if got > n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func (in *inserter) wait() ([]string, error) {
	close(in.stop)
	<-in.done
	return in.ids, in.err
}

func TestPagingByIDWhileInserting(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	existing := createMany(t, s, 0, pagingN)
	if p := list(t, s, "things", "_size=1"); p.Total != pagingN {
		t.Fatalf("total %d after %d creates", p.Total, pagingN)
	}
	// The largest page: 1,000 of the 2,500, total unchanged.
	if p := list(t, s, "things", "_size=1000"); len(p.Items) != 1000 || p.Total != pagingN || p.Offset != p.Items[999]["id"] {
		t.Fatalf("_size=1000: %d items, total %d, offset %v", len(p.Items), p.Total, p.Offset)
	}

	next := pagingN
	for _, dir := range []string{"desc", "asc"} {
		before := map[string]bool{}
		for _, id := range existing {
			before[id] = true
		}
		// Every page is read after at least one more insert.
		in := startInserter(s, next, 2000)
		inserted := in.waitBeyond(0)
		seen := map[string]int{}
		var last string
		offset := ""
		pages := 0
		for {
			query := q("_size", "97", "_sortType", dir)
			if dir == "desc" && pages%2 == 0 {
				query = q("_size", "97") // desc is the default
			}
			if offset != "" {
				query += "&" + q("_offset", offset)
			}
			p := list(t, s, "things", query)
			pages++
			for _, id := range ids(p.Items) {
				seen[id]++
				if seen[id] > 1 {
					t.Fatalf("%s: %s seen twice (page %d)", dir, id, pages)
				}
				if last != "" && (dir == "desc" && id >= last || dir == "asc" && id <= last) {
					t.Fatalf("%s: %s after %s: not in id order", dir, id, last)
				}
				last = id
			}
			if p.Offset == nil {
				break
			}
			if p.Offset != p.Items[len(p.Items)-1]["id"] {
				t.Fatalf("%s: offset %v is not the last id of the page", dir, p.Offset)
			}
			offset = p.Offset.(string)
			inserted = in.waitBeyond(inserted)
			if pages > 100 {
				t.Fatalf("%s: no end after %d pages", dir, pages)
			}
		}
		added, err := in.wait()
		if err != nil {
			t.Fatalf("%s: concurrent create: %v", dir, err)
		}
		if len(added) < pages {
			t.Fatalf("%s: %d records inserted during a walk of %d pages", dir, len(added), pages)
		}
		missed := 0
		for id := range before {
			if seen[id] != 1 {
				missed++
			}
		}
		if missed > 0 {
			t.Fatalf("%s: %d of the %d records that existed before the walk were not seen", dir, missed, len(before))
		}
		newSeen := 0
		isNew := map[string]bool{}
		for _, id := range added {
			isNew[id] = true
		}
		for id := range seen {
			switch {
			case isNew[id]:
				newSeen++
			case !before[id]:
				t.Fatalf("%s: walk saw %s, which is neither old nor inserted", dir, id)
			}
		}
		t.Logf("%s: %d pages, %d old records, %d inserted during the walk (%d of them seen)",
			dir, pages, len(before), len(added), newSeen)
		existing = append(existing, added...)
		next += len(added)
	}
	if p := list(t, s, "things", "_size=1"); p.Total != int64(len(existing)) {
		t.Fatalf("total %d, want %d", p.Total, len(existing))
	}
}
