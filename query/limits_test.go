package query

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"runway/apperr"
)

// numbers is the comma list "1,2,…,n".
func numbers(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(i))
	}
	return b.String()
}

// orOf is the _query or() of n filters on integer.
func orOf(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = "filter('integer','" + strconv.Itoa(i) + "')"
	}
	return "or(" + strings.Join(parts, ",") + ")"
}

// badRequestWith fails unless err is a badRequest whose message holds each
// of the fragments.
func badRequestWith(t *testing.T, err error, fragments ...string) {
	t.Helper()
	ae := apperr.As(err)
	if ae == nil || ae.Code != apperr.BadRequest {
		t.Fatalf("error %v, want a badRequest", err)
	}
	for _, f := range fragments {
		if !strings.Contains(ae.Message, f) {
			t.Fatalf("message %q does not hold %q", ae.Message, f)
		}
	}
}

func TestConditionLimit(t *testing.T) {
	a, e := kitchen(t)
	limit := strconv.Itoa(MaxConditions)
	where := func(v url.Values) error {
		_, err := ParseWhere(a, e, v)
		return err
	}
	if err := where(url.Values{"_query": {orOf(MaxConditions)}}); err != nil {
		t.Fatalf("_query of %d filters: %v", MaxConditions, err)
	}
	badRequestWith(t, where(url.Values{"_query": {orOf(MaxConditions + 1)}}), "_query", limit)

	filters := make([]string, MaxConditions+1)
	for i := range filters {
		filters[i] = strconv.Itoa(i)
	}
	if err := where(url.Values{"integer": filters[:MaxConditions]}); err != nil {
		t.Fatalf("%d filters: %v", MaxConditions, err)
	}
	badRequestWith(t, where(url.Values{"integer": filters}), limit)
	// filters and _query count together
	badRequestWith(t, where(url.Values{"integer": filters[:MaxConditions/2], "_query": {orOf(MaxConditions/2 + 1)}}), limit)

	m := map[string]any{}
	ors := make([]any, MaxConditions+1)
	for i := range ors {
		ors[i] = map[string]any{"integer": "greater(" + strconv.Itoa(i) + ")"}
	}
	m["_or"] = ors
	_, err := ParseMap(a, e, m, MapOptions{Param: "match"})
	badRequestWith(t, err, "match", limit)
	m["_or"] = ors[:MaxConditions]
	if _, err := ParseMap(a, e, m, MapOptions{Param: "match"}); err != nil {
		t.Fatalf("map of %d conditions: %v", MaxConditions, err)
	}

	many := make(And, MaxConditions+1)
	for i := range many {
		many[i] = &Cond{Op: Empty}
	}
	badRequestWith(t, CheckConditions(Or{many}), limit)
	if err := CheckConditions(many[:MaxConditions]); err != nil {
		t.Fatalf("CheckConditions of %d: %v", MaxConditions, err)
	}
}

func TestValueLimit(t *testing.T) {
	a, e := kitchen(t)
	limit := strconv.Itoa(MaxValues)
	c, err := ParseFilter(a, e, "integer", numbers(MaxValues))
	if err != nil || len(c.Values) != MaxValues {
		t.Fatalf("a list of %d values: %v", MaxValues, err)
	}
	_, err = ParseFilter(a, e, "integer", numbers(MaxValues+1))
	badRequestWith(t, err, "integer", limit)
	_, err = ParseFilter(a, e, "integer", "notEquals("+numbers(MaxValues+1)+")")
	badRequestWith(t, err, "integer", limit)
	_, err = ParseComplex(a, e, "filter('integer','"+numbers(MaxValues+1)+"')")
	badRequestWith(t, err, "_query", limit)

	list := make([]any, MaxValues+1)
	for i := range list {
		list[i] = int64(i)
	}
	_, err = ParseMap(a, e, map[string]any{"integer": list}, MapOptions{Param: "query"})
	badRequestWith(t, err, "query", limit)
}

func TestPatternLimit(t *testing.T) {
	a, e := kitchen(t)
	limit := strconv.Itoa(MaxPatterns)
	patterns := strings.Repeat("x,", MaxPatterns-1) + "x"
	if _, err := ParseFilter(a, e, "text", "like("+patterns+")"); err != nil {
		t.Fatalf("like of %d patterns: %v", MaxPatterns, err)
	}
	_, err := ParseFilter(a, e, "text", "like("+patterns+",y)")
	badRequestWith(t, err, "text", "like", limit)

	if _, err := TextTerms(strings.Repeat("w ", MaxPatterns)); err != nil {
		t.Fatalf("%d terms: %v", MaxPatterns, err)
	}
	if _, err := TextTerms(strings.Repeat("w ", MaxPatterns+1)); err == nil || !strings.Contains(err.Error(), limit) {
		t.Fatalf("%d terms: %v, want the limit", MaxPatterns+1, err)
	}
}

// An array of plain values in a query map is one equals list (one
// condition, bound as one parameter by the stores), whatever its length.
func TestMapArrayIsOneList(t *testing.T) {
	a, e := kitchen(t)
	list := make([]any, MaxConditions*2)
	for i := range list {
		list[i] = strconv.Itoa(i)
	}
	x, err := ParseMap(a, e, map[string]any{"text": list}, MapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := x.(*Cond)
	if !ok || c.Op != Equals || len(c.Values) != len(list) || c.Values[7] != "7" {
		t.Fatalf("array of %d values parsed as %#v", len(list), x)
	}
	// comma lists inside merge too; operators and objects keep the OR
	x, err = ParseMap(a, e, map[string]any{"text": []any{"a,b", "c"}}, MapOptions{})
	if c, ok := x.(*Cond); err != nil || !ok || len(c.Values) != 3 {
		t.Fatalf(`["a,b","c"] parsed as %#v, %v`, x, err)
	}
	for _, v := range [][]any{{"a", "like(b)"}, {"a", "notEquals(b)"}} {
		x, err := ParseMap(a, e, map[string]any{"text": v}, MapOptions{})
		if _, ok := x.(Or); err != nil || !ok {
			t.Fatalf("%v parsed as %#v, %v; want an Or", v, x, err)
		}
	}
	x, err = ParseMap(a, e, map[string]any{"address": []any{map[string]any{"street": "a"}, map[string]any{"street": "b"}}}, MapOptions{})
	if _, ok := x.(Or); err != nil || !ok {
		t.Fatalf("objects parsed as %#v, %v; want an Or", x, err)
	}
}
