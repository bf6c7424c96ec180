package script_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"runway/apperr"
)

// The aggregate query builder writes the pipeline of query-language.md §6:
// each case runs the builder and the pipeline it stands for, which must
// answer the same, and the pipeline the builder wrote is the one given.
func TestAggregateQueryBuilder(t *testing.T) {
	v := shop(t)
	ctx := context.Background()
	customers, orders := v.app.Entity("customers"), v.app.Entity("orders")
	var ids []string
	for _, n := range []string{"Acme", "Globex"} {
		doc, err := v.d.Create(ctx, dev, customers, map[string]any{"name": n})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, decode(t, string(doc))["id"].(string))
	}
	for i, o := range []map[string]any{
		{"amount": "10", "priority": 1, "tags": []any{"a", "b"}},
		{"amount": "20", "priority": 3, "tags": []any{}},
		{"amount": "30", "priority": 2, "tags": []any{"c"}, "status": "closed"},
		{"amount": "5", "priority": 5, "tags": []any{"a"}},
	} {
		o["number"] = fmt.Sprintf("N%d", i)
		o["customer"] = ids[i%2]
		if _, err := v.d.Create(ctx, dev, orders, o); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ builder, pipeline string }{
		{`q.group().by('customer').accumulate('total').sum('amount').accumulate('n').count()
			.accumulate('avg').avg('priority').accumulate('lo').min('priority').accumulate('hi').max('priority');
		  q.sort().by('total', 'desc');`,
			`[{group: {by: 'customer', total: 'sum(amount)', n: 'count()', avg: 'avg(priority)', lo: 'min(priority)', hi: 'max(priority)'}}, {sort: {total: 'desc'}}]`},
		{`q.sort().by('priority', 'desc'); q.group().by('status').accumulate('first').first('number').accumulate('last').last('number');
		  q.sort().by('status', 'asc');`,
			`[{sort: {priority: 'desc'}}, {group: {by: 'status', first: 'first(number)', last: 'last(number)'}}, {sort: {status: 'asc'}}]`},
		{`q.match().field('priority').greater(1).field('priority').less(5).field('status').equals('open'); q.project().field('number').field('priority');`,
			`[{match: {priority: 'greater(1)', status: 'open', _and: {priority: 'less(5)'}}}, {project: 'number,priority'}]`},
		{`q.match().field('number').equals(['N0', 'N3']); q.count().counterName('hits');`,
			`[{match: {number: 'N0,N3'}}, {count: 'hits'}]`},
		{`q.match().field('amount').between(10, 20).field('tags').notEmpty(); q.count();`,
			`[{match: {amount: 'between(10,20)', tags: 'notEmpty()'}}, {count: 'count'}]`},
		{`q.sort().by('priority'); q.skip().step(1); q.limit().step('2'); q.project().field('number');`,
			`[{sort: {priority: 'asc'}}, {skip: 1}, {limit: 2}, {project: 'number'}]`},
		{`q.unwind().path('tags').includeEmpty(true); q.project().field('tags');`,
			`[{unwind: {fieldPath: 'tags', includeEmpty: true}}, {project: 'tags'}]`},
		{`q.lookup().localField('customer.id').foreignField('id').foreignEntity('customers').as('buyer'); q.match().field('buyer.name').like('glo'); q.project().field('number');`,
			`[{lookup: {localFieldPath: 'customer.id', foreignFieldPath: 'id', foreignEntityName: 'customers', as: 'buyer'}}, {match: {'buyer.name': 'like(glo)'}}, {project: 'number'}]`},
	}
	for _, c := range cases {
		got := v.mustEval(`var q = sys.data.createAggregateQuery('orders');` + c.builder + `
			return {items: sys.data.aggregate(q).toArray(), pipeline: q.toJSON()};`)
		want := v.mustEval(`return sys.data.aggregate('orders', ` + c.pipeline + `).toArray();`)
		m := decode(t, got)
		items := v.mustEval(`return ` + fmt.Sprint(jsonOf(t, m["items"])) + `;`)
		if items != want || want == "[]" {
			t.Errorf("%s\n builder  %s\n pipeline %s", c.builder, items, want)
		}
		t.Logf("%s → %s", strings.Join(strings.Fields(c.builder), " "), jsonOf(t, m["pipeline"]))
	}
	// Wrong arguments are badRequest, at once or when the pipeline runs.
	for _, src := range []string{
		`sys.data.createAggregateQuery('nope')`,
		`sys.data.createAggregateQuery('orders').sort().by('number', 'up')`,
		`sys.data.createAggregateQuery('orders').limit().step(0)`,
		`sys.data.createAggregateQuery('orders').group().accumulate('x').sum()`,
		`var q = sys.data.createAggregateQuery('orders'); q.group().accumulate('x').sum('number'); sys.data.aggregate(q)`,
		`var q = sys.data.createAggregateQuery('orders'); q.skip(); sys.data.aggregate(q)`,
	} {
		if _, err := v.eval(src); !apperr.Is(err, apperr.BadRequest) {
			t.Errorf("%s: %v", src, err)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	return mustJSON(t, v)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
