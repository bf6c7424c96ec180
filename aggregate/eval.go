package aggregate

import (
	"container/heap"
	"context"
	"encoding/json"
	"sort"
	"strconv"

	"runway/apperr"
	"runway/query"
	"runway/record"
)

// Cursor streams documents: it calls yield with each document in order
// until yield returns false, and returns the error that ended it early
// (nil at the end, or when yield stopped it).
type Cursor func(yield func(Doc) bool) error

// DefaultMaxItems is the default of Env.MaxItems.
const DefaultMaxItems = 100_000

// Env is what Eval needs besides the documents.
type Env struct {
	// MaxItems is the most documents a stage holds at once (sort, group,
	// geoNear, the foreign records of a lookup batch); 0 means
	// DefaultMaxItems. One more is a badRequest naming the stage.
	MaxItems int
	// Lookup streams the records of st.Foreign, as the caller may read them,
	// that match st.Where and whose st.ForeignTarget equals one of values
	// (decoded JSON scalars: string, json.Number, bool), in any order, a
	// record possibly more than once. Eval calls it once per batch of
	// documents (LookupBatch) with the batch's distinct local values, never
	// with none. It may return more records than match exactly (e.g.
	// emails compared case-insensitively): Eval keeps the exact matches.
	Lookup func(ctx context.Context, st *Lookup, values []any) Cursor
}

// LookupBatch is how many documents a lookup joins per call of Env.Lookup.
const LookupBatch = 100

func (env *Env) max() int {
	if env.MaxItems > 0 {
		return env.MaxItems
	}
	return DefaultMaxItems
}

// tooMany is the error of a stage that would hold more than max documents.
func tooMany(info *StageInfo, max int) error {
	return apperr.New(apperr.BadRequest,
		"Aggregate %s would hold more than %d documents in memory; narrow the pipeline first (match, limit, project)", info, max)
}

// Eval streams src — the documents entering stages[0], e.g. the entity's
// records restricted by Pipeline.Source — through stages. Documents are
// never changed in place: a stage that changes one copies what it changes,
// so documents may share values.
func Eval(ctx context.Context, stages []Stage, src Cursor, env Env) Cursor {
	c := src
	for i := 0; i < len(stages); i++ {
		switch st := stages[i].(type) {
		case *Match:
			c = evalMatch(st, c)
		case *Sort:
			c = evalSort(st, topK(stages[i+1:]), c, env.max())
		case *Skip:
			c = evalSkip(st, c)
		case *Limit:
			c = evalLimit(st, c)
		case *Project:
			c = evalProject(st, c)
		case *Group:
			c = evalGroup(st, c, env.max())
		case *Count:
			c = evalCount(st, c)
		case *Unwind:
			c = evalUnwind(st, c)
		case *Lookup:
			c = evalLookup(ctx, st, c, env)
		case *GeoNear:
			c = evalGeoNear(st, c, env.max())
		}
	}
	return c
}

// Collect reads a cursor to its end: at most max documents (0:
// DefaultMaxItems), a badRequest beyond.
func Collect(c Cursor, max int) ([]Doc, error) {
	if max <= 0 {
		max = DefaultMaxItems
	}
	var out []Doc
	var over bool
	err := c(func(d Doc) bool {
		if len(out) == max {
			over = true
			return false
		}
		out = append(out, d)
		return true
	})
	if err != nil {
		return nil, err
	}
	if over {
		return nil, apperr.New(apperr.BadRequest, "The aggregate answer has more than %d items; add a limit stage", max)
	}
	return out, nil
}

// filter is a cursor of the documents of in that keep accepts, stopping at
// keep's first error.
func filter(in Cursor, keep func(Doc) (bool, error)) Cursor {
	return func(yield func(Doc) bool) error {
		var failed error
		err := in(func(d Doc) bool {
			ok, err := keep(d)
			if err != nil {
				failed = err
				return false
			}
			return !ok || yield(d)
		})
		return firstErr(failed, err)
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func evalMatch(st *Match, in Cursor) Cursor {
	return filter(in, func(d Doc) (bool, error) {
		id, _ := d[query.SysID].(string)
		label, _ := d[query.SysLabel].(string)
		return query.Match(st.Where, d, id, label)
	})
}

func evalSkip(st *Skip, in Cursor) Cursor {
	return func(yield func(Doc) bool) error {
		var n int64
		return in(func(d Doc) bool {
			n++
			return n <= st.N || yield(d)
		})
	}
}

func evalLimit(st *Limit, in Cursor) Cursor {
	return func(yield func(Doc) bool) error {
		var n int64
		return in(func(d Doc) bool {
			n++
			return yield(d) && n < st.N
		})
	}
}

// evalProject keeps the projected paths; see Project.
func evalProject(st *Project, in Cursor) Cursor {
	set := record.FieldSet{}
	if st.KeepID {
		set[query.SysID] = nil
	}
	for _, p := range st.Paths {
		addPath(set, p.Names())
	}
	return mapped(in, func(d Doc) Doc { return projectMap(d, set) })
}

// mapped is in with every document replaced by fn's.
func mapped(in Cursor, fn func(Doc) Doc) Cursor {
	return func(yield func(Doc) bool) error {
		return in(func(d Doc) bool { return yield(fn(d)) })
	}
}

func projectMap(src map[string]any, set record.FieldSet) map[string]any {
	out := make(map[string]any, len(set))
	for name, inner := range set {
		v, ok := src[name]
		switch x := v.(type) {
		case nil:
			if ok {
				out[name] = nil
			}
		case map[string]any:
			if inner == nil {
				out[name] = x
			} else {
				out[name] = projectMap(x, inner)
			}
		case []any:
			if inner == nil {
				out[name] = x
				continue
			}
			list := make([]any, 0, len(x))
			for _, el := range x {
				if m, ok := el.(map[string]any); ok {
					list = append(list, projectMap(m, inner))
				}
			}
			out[name] = list
		default:
			if inner == nil {
				out[name] = x
			}
		}
	}
	return out
}

func evalCount(st *Count, in Cursor) Cursor {
	return func(yield func(Doc) bool) error {
		var n int64
		if err := in(func(Doc) bool { n++; return true }); err != nil {
			return err
		}
		yield(Doc{st.Name: json.Number(strconv.FormatInt(n, 10))})
		return nil
	}
}

// ---- values at paths ----

// valueAt is the value at member names (nil when a member is missing or
// not inside an object).
func valueAt(d any, names []string) any {
	for _, n := range names {
		m, ok := d.(map[string]any)
		if !ok {
			return nil
		}
		d = m[n]
	}
	return d
}

// eachValue calls fn with every value at p, through the arrays of its
// Many steps (a non-array value there counts as one element); nulls are
// skipped.
func eachValue(d any, p *Path, fn func(any)) {
	var walk func(v any, i int)
	walk = func(v any, i int) {
		if i == len(p.Steps) {
			if v = valueAt(v, p.Sub); v != nil {
				fn(v)
			}
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		v = m[p.Steps[i].Name]
		if list, ok := v.([]any); ok && p.Steps[i].Many {
			for _, el := range list {
				walk(el, i+1)
			}
			return
		}
		walk(v, i+1)
	}
	walk(d, 0)
}

// setAt returns d with the value at names set to v, copying the objects
// on the way; d itself when a container on the way is missing.
func setAt(d Doc, names []string, v any) Doc {
	out := make(Doc, len(d)+1)
	for k, x := range d {
		out[k] = x
	}
	if len(names) == 1 {
		out[names[0]] = v
		return out
	}
	inner, ok := d[names[0]].(map[string]any)
	if !ok {
		return d
	}
	out[names[0]] = setAt(inner, names[1:], v)
	return out
}

// writeAt writes v at names into a document under construction, making
// the objects on the way.
func writeAt(d Doc, names []string, v any) {
	for _, n := range names[:len(names)-1] {
		inner, ok := d[n].(map[string]any)
		if !ok {
			inner = Doc{}
			d[n] = inner
		}
		d = inner
	}
	d[names[len(names)-1]] = v
}

// key is the identity of a tuple of values for grouping and joining:
// numbers by value, text by bytes, null a value of its own.
func key(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, 0)
	case json.Number:
		b = append(b, 'n')
		b = strconv.AppendQuote(b, numberKey(x.String()))
	case string:
		b = append(b, 's')
		b = strconv.AppendQuote(b, x)
	case bool:
		b = append(b, 'b')
		b = strconv.AppendBool(b, x)
	default:
		j, _ := json.Marshal(x)
		b = append(b, 'j')
		b = strconv.AppendQuote(b, string(j))
	}
	return b
}

// ---- sort ----

// topK is how many documents a sort must keep when a limit follows it
// (with or without a skip in between): skip + limit; 0 for all.
func topK(next []Stage) int64 {
	var skip int64
	for _, s := range next {
		switch s := s.(type) {
		case *Skip:
			if skip != 0 {
				return 0
			}
			skip = s.N
		case *Limit:
			if s.N > (1<<62)-skip {
				return 0
			}
			return skip + s.N
		default:
			return 0
		}
	}
	return 0
}

// sorted is a document with its sort values and arrival number (ties keep
// input order).
type sorted struct {
	d    Doc
	keys []any
	seq  int
}

// evalSort holds every document (at most maxItems), or with keep (a limit
// follows) only the keep first ones in a heap whose top is the last of
// them, then emits them in order.
func evalSort(st *Sort, keep int64, in Cursor, maxItems int) Cursor {
	names := make([][]string, len(st.Keys))
	for i, k := range st.Keys {
		names[i] = k.Path.Names()
	}
	less := func(a, b *sorted) bool {
		for i, k := range st.Keys {
			c := query.Compare(k.Path.Kind, a.keys[i], b.keys[i])
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return a.seq < b.seq
	}
	if keep > int64(maxItems) {
		keep = 0 // a heap that large would break the bound: hold and fail like a full sort
	}
	return func(yield func(Doc) bool) error {
		top := &lastFirst{less: less}
		var buf []*sorted
		var failed error
		n := 0
		err := in(func(d Doc) bool {
			s := &sorted{d: d, keys: make([]any, len(names)), seq: n}
			n++
			for i, ns := range names {
				s.keys[i] = orderValue(valueAt(d, ns))
			}
			switch {
			case keep > 0 && int64(len(top.items)) < keep:
				heap.Push(top, s)
			case keep > 0:
				if less(s, top.items[0]) {
					top.items[0] = s
					heap.Fix(top, 0)
				}
			case len(buf) == maxItems:
				failed = tooMany(&st.StageInfo, maxItems)
				return false
			default:
				buf = append(buf, s)
			}
			return true
		})
		if err = firstErr(failed, err); err != nil {
			return err
		}
		if keep > 0 {
			buf = top.items
		}
		sort.Slice(buf, func(i, j int) bool { return less(buf[i], buf[j]) })
		for _, s := range buf {
			if !yield(s.d) {
				break
			}
		}
		return nil
	}
}

// lastFirst is a heap of sorted documents whose top is the one that sorts
// last (container/heap).
type lastFirst struct {
	items []*sorted
	less  func(a, b *sorted) bool
}

func (h *lastFirst) Len() int           { return len(h.items) }
func (h *lastFirst) Less(i, j int) bool { return h.less(h.items[j], h.items[i]) }
func (h *lastFirst) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *lastFirst) Push(x any)         { h.items = append(h.items, x.(*sorted)) }
func (h *lastFirst) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// orderValue reads a number once for the many comparisons of a sort, the
// way query.Compare reads it (an integer when it is one, else a float).
func orderValue(v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if i, err := n.Int64(); err == nil {
		return i
	}
	if f, err := n.Float64(); err == nil {
		return f
	}
	return v
}

// ---- unwind ----

func evalUnwind(st *Unwind, in Cursor) Cursor {
	names := st.Path.Names()
	return func(yield func(Doc) bool) error {
		return in(func(d Doc) bool {
			switch x := valueAt(d, names).(type) {
			case []any:
				for _, el := range x {
					if !yield(setAt(d, names, el)) {
						return false
					}
				}
				if len(x) > 0 || !st.IncludeEmpty {
					return true
				}
			case nil:
				if !st.IncludeEmpty {
					return true
				}
			default:
				return yield(setAt(d, names, x)) // one value: one element
			}
			return yield(setAt(d, names, nil))
		})
	}
}
