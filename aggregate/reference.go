package aggregate

import (
	"context"
	"sort"

	"runway/app"
	"runway/query"
)

// Reference evaluates a whole pipeline over records held in memory:
// records(e) gives an entity's records as stored (native JSON, any order),
// Pipeline.Where and every Lookup.Where are decided with query.Match, and
// the stages run with Eval. It is the answer a store's compiled pipeline
// must reproduce (a differential test feeds both the same records), and
// what the unit tests run. It does not mask fields: give it what the
// caller may read.
func Reference(ctx context.Context, p *Pipeline, records func(e *app.Entity) []Doc, maxItems int) ([]Doc, error) {
	env := Env{MaxItems: maxItems, Lookup: func(_ context.Context, st *Lookup, values []any) Cursor {
		match := &query.Cond{Target: st.ForeignTarget, Op: query.Equals, Values: values}
		return memory(records(st.Foreign), and(match, st.Where))
	}}
	return Collect(Eval(ctx, p.Stages, memory(records(p.Entity), p.Where), env), maxItems)
}

// memory streams the docs where accepts, in id order.
func memory(docs []Doc, where query.Expr) Cursor {
	sorted := append([]Doc(nil), docs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, _ := sorted[i][sysName].(string)
		b, _ := sorted[j][sysName].(string)
		return a < b
	})
	return filter(func(yield func(Doc) bool) error {
		for _, d := range sorted {
			if !yield(d) {
				return nil
			}
		}
		return nil
	}, func(d Doc) (bool, error) {
		if where == nil {
			return true, nil
		}
		id, _ := d[sysName].(string)
		label, _ := d[query.SysLabel].(string)
		return query.Match(where, d, id, label)
	})
}
