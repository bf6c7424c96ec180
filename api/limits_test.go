package api_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"runway/api/apitest"
	"runway/query"
)

// numberList is the comma list "from,from+1,…" of n numbers.
func numberList(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

// orOfFilters is a _query value: or() of n filters on numberOfEmployees.
func orOfFilters(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("filter('numberOfEmployees','%d')", i)
	}
	return "or(" + strings.Join(parts, ",") + ")"
}

// companies creates companies with these numbers of employees and returns
// their ids in the same order.
func companies(t *testing.T, s *apitest.Server, employees ...int) []string {
	t.Helper()
	ids := make([]string, len(employees))
	for i, n := range employees {
		ids[i] = create(t, s, "companies", obj{"name": fmt.Sprintf("c%d-%d", i, n), "numberOfEmployees": n})["id"].(string)
	}
	return ids
}

// names are the record names of a list, sorted.
func names(p page) []string {
	out := make([]string, len(p.Items))
	for i, it := range p.Items {
		out[i], _ = it["name"].(string)
	}
	slices.Sort(out)
	return out
}

// Over a stated limit a query is a 400 that names the limit, on every
// endpoint that takes one; nothing is read, deleted or run.
func TestQueryLimits(t *testing.T) {
	t.Parallel()
	s := demo(t)
	companies(t, s, 1, 2)
	limit := func(r *apitest.Response, fragments ...string) {
		t.Helper()
		m := r.Error(400, "badRequest")
		for _, f := range fragments {
			if !strings.Contains(m["message"].(string), f) {
				t.Fatalf("message %q does not name %q", m["message"], f)
			}
		}
	}
	conds := strconv.Itoa(query.MaxConditions)
	tooManyOr := "_query=" + orOfFilters(query.MaxConditions+1)
	limit(s.As("GET", "/data/companies?"+tooManyOr, nil), "_query", conds)
	limit(s.As("DELETE", "/data/companies?"+tooManyOr, nil), conds)
	limit(s.As("PUT", "/data/companies/employeeSummary?"+tooManyOr, nil), conds)
	limit(s.As("DELETE", "/data/companies?_async=true&"+tooManyOr, nil), conds)

	filters := make([]string, query.MaxConditions+1)
	for i := range filters {
		filters[i] = "numberOfEmployees=notEquals(" + strconv.Itoa(i+10) + ")"
	}
	limit(s.As("GET", "/data/companies?"+strings.Join(filters, "&"), nil), conds)
	// filters and _query count together
	half := query.MaxConditions / 2
	limit(s.As("GET", "/data/companies?"+strings.Join(filters[:half+1], "&")+"&_query="+orOfFilters(half), nil), conds)

	values := strconv.Itoa(query.MaxValues)
	limit(s.As("GET", "/data/companies?numberOfEmployees="+numberList(0, query.MaxValues+1), nil), "numberOfEmployees", values)
	limit(s.As("DELETE", "/data/companies?numberOfEmployees=notEquals("+numberList(0, query.MaxValues+1)+")", nil), "numberOfEmployees", values)
	limit(s.As("GET", "/data/companies?_query=filter('numberOfEmployees','"+numberList(0, query.MaxValues+1)+"')", nil), "_query", values)
	limit(s.As("GET", "/data/companies?name=like("+strings.Repeat("x,", query.MaxPatterns)+"x)", nil), "name", strconv.Itoa(query.MaxPatterns))

	limit(s.As("GET", "/data/companies?name="+strings.Repeat("a", query.MaxURL), nil), strconv.Itoa(query.MaxURL))
	limit(s.As("DELETE", "/data/companies/"+strings.Repeat("a", query.MaxURL), nil), strconv.Itoa(query.MaxURL))

	if got := list(t, s, "companies", "").Total; got != 2 {
		t.Fatalf("%d companies after the refused requests, want the 2 created", got)
	}
	// at the limits, the same requests work
	if got := list(t, s, "companies", strings.Join(filters[:query.MaxConditions], "&")).Total; got != 2 {
		t.Fatalf("%d conditions: total %d, want 2", query.MaxConditions, got)
	}
	if got := list(t, s, "companies", "_query="+orOfFilters(query.MaxConditions)).Total; got != 2 {
		t.Fatalf("or() of %d filters: total %d, want 2", query.MaxConditions, got)
	}
}

// A value list longer than what either database takes as parameters
// (SQLite 32,766, PostgreSQL 65,535) is one parameter: it selects exactly
// the records it names, for reads and for deletes.
func TestHugeValueLists(t *testing.T) {
	t.Parallel()
	s := demo(t)
	const n = 35_000 // two lists: 70,000 values
	ids := companies(t, s, 10, 20, 30, 40_000)
	// numberOfEmployees in 0…34,999 and in 20…35,019: 10 is only in the
	// first, 40,000 in neither
	both := "numberOfEmployees=" + numberList(0, n) + "&_query=filter('numberOfEmployees','" + numberList(20, n) + "')"
	if got := names(list(t, s, "companies", both+"&_size=100")); !slices.Equal(got, []string{"c1-20", "c2-30"}) {
		t.Fatalf("two lists of %d values selected %v, want c1-20 and c2-30", n, got)
	}
	if got := list(t, s, "companies", "numberOfEmployees=notEquals("+numberList(0, n)+")").Total; got != 1 {
		t.Fatalf("notEquals of %d values: total %d, want 1", n, got)
	}

	// an id list of 15,000 ids, four of them real
	var idList []string
	for range 15_000 - len(ids) {
		idList = append(idList, fmt.Sprintf("%024x", rand.Uint64()))
	}
	idList = append(idList, ids...)
	if got := list(t, s, "companies", "id="+strings.Join(idList, ",")+"&_size=100").Total; got != 4 {
		t.Fatalf("list of %d ids: total %d, want 4", len(idList), got)
	}

	// the delete touches exactly what the filter selects
	s.As("DELETE", "/data/companies?"+both, nil).Status(200)
	if got := names(list(t, s, "companies", "")); !slices.Equal(got, []string{"c0-10", "c3-40000"}) {
		t.Fatalf("after the delete over two lists: %v, want c0-10 and c3-40000", got)
	}
}

// A statement that runs longer than --query-timeout is stopped and
// answered 400 naming the limit; meanwhile a plain read is answered.
func TestQueryTimeout(t *testing.T) {
	t.Parallel()
	// A second: long enough for a plain read on a machine busy with the
	// slow queries (200 ms was not, on PostgreSQL under load), far shorter
	// than the slow query (seconds).
	const limit = time.Second
	s := apitest.Start(t, nil, apitest.Options{QueryTimeout: limit})
	// 200 companies with 30 KB of notes each: 100 regular expressions
	// without a literal prefix over all of them take seconds.
	words := strings.Fields("Lorem ipsum Dolor sit Amet consectetur Adipiscing elit sed do Eiusmod tempor")
	var ids []string
	for i := range 200 {
		var b strings.Builder
		for b.Len() < 30_000 {
			b.WriteString(words[(i+b.Len())%len(words)])
			b.WriteByte(' ')
		}
		ids = append(ids, create(t, s, "companies", obj{"name": fmt.Sprintf("slow%d", i), "notes": b.String()})["id"].(string))
	}
	parts := make([]string, 100)
	for i := range parts {
		parts[i] = fmt.Sprintf("filter('notes','like(/[0-9]x%dq/)')", i)
	}
	slow := "/data/companies?_query=or(" + strings.Join(parts, ",") + ")"

	const clients = 12 // more than either store's connections
	answers := make([]*apitest.Response, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = s.Call("GET", slow, s.Token, nil)
		}()
	}
	got := s.As("GET", "/data/companies/"+ids[7], nil).Status(200).JSON()
	if got["name"] != "slow7" {
		t.Fatalf("plain read while slow queries run: %v", got["name"])
	}
	res, err := s.Client.Get(s.Root + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/healthz while slow queries run: %v %v", res, err)
	}
	res.Body.Close()
	wg.Wait()
	for i, r := range answers {
		if errs[i] != nil {
			t.Fatalf("slow request %d: %v", i, errs[i])
		}
		m := r.Error(400, "badRequest")
		if msg := m["message"].(string); !strings.Contains(msg, limit.String()) || !strings.Contains(msg, "time limit") {
			t.Fatalf("slow request %d: message %q does not name the limit %s", i, msg, limit)
		}
	}
}
