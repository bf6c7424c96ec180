package aggregate

import (
	"encoding/json"
	"sort"
	"strconv"

	"runway/query"
	"runway/types"
)

// groupState is one group being accumulated.
type groupState struct {
	keys []any // key values, for the order of the groups
	outs []any // by values as written in the output
	acc  []accState
}

// accState is the running value of one accumulator.
type accState struct {
	n   int64    // count()
	sum exactSum // sum, avg
	val any      // first, last, min, max
	set bool
}

func evalGroup(st *Group, in Cursor, maxItems int) Cursor {
	keyNames := make([][]string, len(st.By))
	for i, k := range st.By {
		keyNames[i] = k.Key.Names()
	}
	argNames := make([][]string, len(st.Acc))
	for i, a := range st.Acc {
		if a.Arg != nil {
			argNames[i] = a.Arg.Names()
		}
	}
	return func(yield func(Doc) bool) error {
		groups := map[string]*groupState{}
		var failed error
		var buf []byte
		err := in(func(d Doc) bool {
			buf = buf[:0]
			keys := make([]any, len(st.By))
			for i, ns := range keyNames {
				keys[i] = valueAt(d, ns)
				buf = key(buf, keys[i])
			}
			g := groups[string(buf)]
			if g == nil {
				if len(groups) == maxItems {
					failed = tooMany(&st.StageInfo, maxItems)
					return false
				}
				g = &groupState{keys: keys, outs: byOutputs(st.By, d, keys), acc: make([]accState, len(st.Acc))}
				groups[string(buf)] = g
			}
			for i := range st.Acc {
				var v any
				if argNames[i] != nil {
					v = valueAt(d, argNames[i])
				}
				g.acc[i].add(&st.Acc[i], v)
			}
			return true
		})
		if err = firstErr(failed, err); err != nil {
			return err
		}
		if len(st.By) == 0 && len(groups) == 0 {
			groups[""] = &groupState{acc: make([]accState, len(st.Acc))} // one group, also over nothing
		}
		list := make([]*groupState, 0, len(groups))
		for _, g := range groups {
			list = append(list, g)
		}
		sortGroups(st, list)
		for _, g := range list {
			if !yield(groupDoc(st, g)) {
				break
			}
		}
		return nil
	}
}

// sortGroups orders groups by their key values ascending.
func sortGroups(st *Group, list []*groupState) {
	sort.Slice(list, func(i, j int) bool {
		for k, by := range st.By {
			if c := query.Compare(by.Key.Kind, list[i].keys[k], list[j].keys[k]); c != 0 {
				return c < 0
			}
		}
		return false
	})
}

// byOutputs are the values a group's first document gives its by members:
// {id, label} (or {id, name}) of a bare relationship, group or file, else
// the key value itself.
func byOutputs(by []GroupKey, d Doc, keys []any) []any {
	out := make([]any, len(by))
	for i, k := range by {
		out[i] = keys[i]
		if k.Identity == nil {
			continue
		}
		v, ok := valueAt(d, k.Path.Names()).(map[string]any)
		if !ok {
			out[i] = nil
			continue
		}
		id := map[string]any{}
		for _, m := range k.Identity {
			id[m] = v[m]
		}
		out[i] = id
	}
	return out
}

// groupDoc is the output document of a group: by members, then the
// accumulators, every one present.
func groupDoc(st *Group, g *groupState) Doc {
	d := make(Doc, len(st.By)+len(st.Acc))
	for i, k := range st.By {
		writeAt(d, k.Out, g.outs[i])
	}
	for i := range st.Acc {
		d[st.Acc[i].Name] = g.acc[i].result(&st.Acc[i])
	}
	return d
}

// add accumulates one document's value v of the argument.
func (s *accState) add(a *Accumulator, v any) {
	switch a.Op {
	case AccCount:
		s.n++
	case AccSum, AccAvg:
		if t, ok := numberText(a.Arg.Kind, v); ok {
			s.sum.add(t)
		}
	case AccFirst:
		if !s.set {
			s.val, s.set = v, true
		}
	case AccLast:
		s.val, s.set = v, true
	case AccMin, AccMax:
		if v == nil {
			return
		}
		c := query.Compare(a.Arg.Kind, v, s.val)
		if !s.set || a.Op == AccMin && c < 0 || a.Op == AccMax && c > 0 {
			s.val, s.set = v, true
		}
	}
}

// result is the accumulator's value in its kind's JSON form.
func (s *accState) result(a *Accumulator) any {
	switch a.Op {
	case AccCount:
		return json.Number(strconv.FormatInt(s.n, 10))
	case AccSum:
		t := s.sum.text()
		if a.Kind == types.BigNumber {
			return t
		}
		return json.Number(t)
	case AccAvg:
		return s.sum.mean(a.Kind)
	}
	return s.val
}
