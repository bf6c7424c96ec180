package aggregate

import (
	"context"
	"sort"
)

// evalLookup joins LookupBatch documents at a time: one Env.Lookup call
// with the batch's distinct local values, the foreign records indexed by
// their values at the foreign path, then each document gets the records
// matching any of its own values, each once (by id), in id order.
func evalLookup(ctx context.Context, st *Lookup, in Cursor, env Env) Cursor {
	return func(yield func(Doc) bool) error {
		batch := make([]Doc, 0, LookupBatch)
		stopped := false
		flush := func() error {
			out, err := joinBatch(ctx, st, batch, env)
			batch = batch[:0]
			if err != nil {
				return err
			}
			for _, d := range out {
				if !yield(d) {
					stopped = true
					break
				}
			}
			return nil
		}
		var failed error
		err := in(func(d Doc) bool {
			batch = append(batch, d)
			if len(batch) < LookupBatch {
				return true
			}
			failed = flush()
			return failed == nil && !stopped
		})
		if err = firstErr(failed, err); err != nil || stopped || len(batch) == 0 {
			return err
		}
		return flush()
	}
}

// joinBatch adds the lookup's array to each document of a batch.
func joinBatch(ctx context.Context, st *Lookup, batch []Doc, env Env) ([]Doc, error) {
	local := make([][]string, len(batch)) // each document's value keys
	var values []any
	seen := map[string]bool{}
	for i, d := range batch {
		eachValue(d, &st.Local, func(v any) {
			k := string(key(nil, v))
			local[i] = append(local[i], k)
			if !seen[k] {
				seen[k] = true
				values = append(values, v)
			}
		})
	}
	var foreign []Doc
	index := map[string][]int{} // value key → positions in foreign
	if len(values) > 0 {
		maxItems := env.max()
		var failed error
		err := env.Lookup(ctx, st, values)(func(f Doc) bool {
			if len(foreign) == maxItems {
				failed = tooMany(&st.StageInfo, maxItems)
				return false
			}
			pos := len(foreign)
			foreign = append(foreign, f)
			eachValue(f, &st.ForeignPath, func(v any) {
				k := string(key(nil, v))
				if l := index[k]; len(l) == 0 || l[len(l)-1] != pos {
					index[k] = append(l, pos)
				}
			})
			return true
		})
		if err = firstErr(failed, err); err != nil {
			return nil, err
		}
	}
	out := make([]Doc, len(batch))
	for i, d := range batch {
		var matches []Doc
		seen := map[string]bool{}
		for _, k := range local[i] {
			for _, p := range index[k] {
				id, _ := foreign[p][sysName].(string)
				if !seen[id] {
					seen[id] = true
					matches = append(matches, foreign[p])
				}
			}
		}
		sort.Slice(matches, func(a, b int) bool {
			x, _ := matches[a][sysName].(string)
			y, _ := matches[b][sysName].(string)
			return x < y
		})
		list := make([]any, len(matches))
		for j, m := range matches {
			list[j] = m
		}
		out[i] = setAt(d, []string{st.As}, list)
	}
	return out, nil
}
