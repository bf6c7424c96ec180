package script_test

import (
	"context"
	"fmt"
	"testing"

	"runway/apperr"
)

// sys.data.aggregate runs the pipeline through the data service: the same
// answers as REST, the key order of the script's objects kept, a ResultSet
// of plain objects.
func TestSysDataAggregate(t *testing.T) {
	v := shop(t)
	ctx := context.Background()
	orders := v.app.Entity("orders")
	for i, amount := range []string{"0.1", "0.2", "0.3", "5"} {
		in := map[string]any{"number": fmt.Sprintf("A%d", i), "amount": amount}
		if i == 3 {
			in["status"] = "closed"
		}
		if _, err := v.d.Create(ctx, dev, orders, in); err != nil {
			t.Fatal(err)
		}
	}
	got := v.mustEval(`
		var rs = sys.data.aggregate('orders', [
			{group: {by: 'status', total: 'sum(amount)', n: 'count()'}},
			{sort: {n: 'desc', status: 'asc'}}]);
		var out = {count: rs.count(), items: []};
		while (rs.hasNext()) { out.items.push(rs.next()); }
		var again = sys.data.aggregate('orders', {match: {status: 'open'}, count: 'n'}).toArray();
		out.single = again;
		out.empty = sys.data.aggregate('orders', [{match: {number: 'nope'}}]).hasNext();
		return out;`)
	want := `{"count":2,"empty":false,"items":[{"n":3,"status":"open","total":0.6},{"n":1,"status":"closed","total":5}],"single":[{"n":3}]}`
	if got != want {
		t.Errorf("aggregate:\n got %s\nwant %s", got, want)
	}
	// Invalid pipelines are the badRequest exception, with the REST message.
	_, err := v.eval(`sys.data.aggregate('orders', [{sort: {amount: 'up'}}])`)
	if e := apperr.As(err); e == nil || e.Code != apperr.BadRequest ||
		e.Message != `Invalid aggregate pipeline: stage 1 (sort): amount: expected "asc" or "desc", got "up"` {
		t.Errorf("invalid pipeline: %v", err)
	}
	if _, err := v.eval(`sys.data.aggregate('orders', [{limit: 1}]).next(); return 1`); err != nil {
		t.Errorf("next: %v", err)
	}
	if _, err := v.eval(`var rs = sys.data.aggregate('orders', [{limit: 1}]); rs.next(); rs.next()`); !apperr.Is(err, apperr.BadRequest) {
		t.Errorf("next past the end: %v", err)
	}
}
