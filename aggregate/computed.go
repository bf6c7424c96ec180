package aggregate

import (
	"encoding/json"
	"fmt"

	"runway/types"
)

// A store that runs the first stages of a pipeline in SQL hands their
// result back in these forms; the package turns them into the documents
// Eval would have emitted, so both paths share the output rules (group
// order, {id, label} of relationships, each type's JSON form).

// TooMany is the error of stage st holding more than max documents (the
// 400 Eval answers).
func TooMany(st Stage, max int) error { return tooMany(st.Info(), max) }

// GroupRow is one group of a group stage as a store computed it.
type GroupRow struct {
	// Keys holds, per GroupKey, the key value as decoded JSON (nil,
	// string, json.Number, bool); for a key with Identity, the whole value
	// at its Path in the group's first document (id order), decoded.
	Keys []any
	Acc  []AccValue
}

// AccValue is the state of one accumulator of a group at its end.
type AccValue struct {
	// N is count()'s count, or for avg how many numbers were added.
	N int64
	// Sum is the exact decimal text of the sum of the numbers (sum, avg);
	// "" for none.
	Sum string
	// Val is first's, last's, min's or max's value, decoded JSON.
	Val any
}

// Docs builds the stage's documents from the groups a store computed, in
// the order Eval emits them. A group stage without by paths has one group
// even over no input: rows then holds that one row.
func (st *Group) Docs(rows []GroupRow) ([]Doc, error) {
	list, err := st.states(rows)
	if err != nil {
		return nil, err
	}
	sortGroups(st, list)
	return st.docs(list), nil
}

// OrderedDocs is Docs for groups a store has put in the order of the
// stages after the group (a sort of its output, a window of it): their
// order is kept.
func (st *Group) OrderedDocs(rows []GroupRow) ([]Doc, error) {
	list, err := st.states(rows)
	if err != nil {
		return nil, err
	}
	return st.docs(list), nil
}

func (st *Group) docs(list []*groupState) []Doc {
	out := make([]Doc, len(list))
	for i, g := range list {
		out[i] = groupDoc(st, g)
	}
	return out
}

// states are the groups of rows as Eval holds them.
func (st *Group) states(rows []GroupRow) ([]*groupState, error) {
	list := make([]*groupState, len(rows))
	for i, r := range rows {
		if len(r.Keys) != len(st.By) || len(r.Acc) != len(st.Acc) {
			return nil, fmt.Errorf("aggregate: %s: a computed group has %d keys and %d accumulators", &st.StageInfo, len(r.Keys), len(r.Acc))
		}
		g := &groupState{keys: make([]any, len(st.By)), outs: make([]any, len(st.By)), acc: make([]accState, len(st.Acc))}
		for k, by := range st.By {
			g.keys[k], g.outs[k] = r.Keys[k], r.Keys[k]
			if by.Identity == nil {
				continue
			}
			v, ok := r.Keys[k].(map[string]any)
			if !ok {
				g.keys[k], g.outs[k] = nil, nil
				continue
			}
			g.keys[k] = v[sysName]
			id := map[string]any{}
			for _, m := range by.Identity {
				id[m] = v[m]
			}
			g.outs[k] = id
		}
		for a := range st.Acc {
			v := r.Acc[a]
			s := &g.acc[a]
			s.n, s.val, s.set = v.N, v.Val, true
			if v.Sum != "" {
				if !s.sum.add(v.Sum) {
					return nil, fmt.Errorf("aggregate: %s: computed sum %q is not a number", &st.StageInfo, v.Sum)
				}
			}
			s.sum.n = v.N
		}
		list[i] = g
	}
	return list, nil
}

// CountDoc is the document of a count stage that counted n documents.
func (st *Count) CountDoc(n int64) Doc {
	return Doc{st.Name: json.Number(fmt.Sprint(n))}
}

// NumberLike reports whether sum and avg add the kind's values: the types
// whose JSON form is a number, and bigNumber (a decimal string).
func NumberLike(kind string) bool {
	return kind == types.BigNumber || types.NativeIsNumber(kind)
}

// Sum adds decimal number texts exactly, as the sum accumulator does (for
// a store's own sum function).
type Sum struct{ s exactSum }

// Add adds one number text; false (nothing added) when it is not one.
func (s *Sum) Add(text string) bool { return s.s.add(text) }

// Text is the sum as exact decimal text ("0" for no numbers).
func (s *Sum) Text() string { return s.s.text() }

// OrderNumber is the value a sort compares a number of the given text by,
// as Eval's sort reads it: an int64 when the text is an integer that fits,
// else the nearest float64; ok false when it is neither (the sort then
// takes it for null).
func OrderNumber(text string) (v any, ok bool) {
	v = orderValue(json.Number(text))
	switch v.(type) {
	case int64, float64:
		return v, true
	}
	return nil, false
}

// Mean is the value avg answers for the exact decimal sum text of n
// numbers (nil for none), in the JSON form of kind (see Accumulator.Kind).
func Mean(sum string, n int64, kind string) (any, error) {
	var s exactSum
	if sum != "" && !s.add(sum) {
		return nil, fmt.Errorf("aggregate: sum %q is not a number", sum)
	}
	s.n = n
	return s.mean(kind), nil
}
