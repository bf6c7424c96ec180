package sqlstore

import (
	"slices"
	"strconv"
	"strings"

	"runway/aggregate"
)

// OrderForm is how a column of a group's statement holds the value a sort
// after the group orders by (AggDialect.GroupOrder).
type OrderForm int

const (
	// OrderKey: a Key expression, a by key's value
	OrderKey OrderForm = iota
	// OrderJSON: JSON text (First, Last)
	OrderJSON
	// OrderMinMax: a MinMax aggregate
	OrderMinMax
	// OrderCount: count(*)
	OrderCount
	// OrderSum: a Sum aggregate, exact decimal text or an integer; NULL
	// (no numbers) is the sum 0
	OrderSum
	// OrderAvg: a Sum aggregate and its count (two columns)
	OrderAvg
)

// groupTail is what the statement runs after its group, over the groups'
// documents: matches (a WHERE over the groups, before any project),
// sorts, windows (skip and limit stages, folded) and a count; projects
// keeping what the stages after them read, which change no order, run in
// Go over the last window (Eval). A match or sort after a window starts a
// level of its own: a select over the window before it.
type groupTail struct {
	stages int // how many stages after the group it covers
	// inner are the levels before the last one, innermost first, each
	// ending in a window
	inner []tailLevel
	tailLevel
	count    *aggregate.Count
	projects []aggregate.Stage
	// fetch are the values read from a record (by the id the grouping
	// gives: a first / last, the label or name of an {id, label} key)
	// that a match or sort reads: each is read right after grouping, for
	// every group, as the column fetchRef.name
	fetch []fetchRef
}

// fetchRef is a value read from the record whose id the column col of a
// grouping holds: the column's value, or the member of it (an {id, label}
// key's label or name).
type fetchRef struct {
	col    int
	member string
}

// name is the column that holds the value after grouping.
func (f fetchRef) name() string {
	if f.member == "" {
		return "f" + strconv.Itoa(f.col)
	}
	return "f" + strconv.Itoa(f.col) + "_" + f.member
}

// fetched is told of a value the tail reads from a record.
func (t *groupTail) fetched(f fetchRef) {
	if !slices.Contains(t.fetch, f) {
		t.fetch = append(t.fetch, f)
	}
}

// tailLevel is one select over the groups (or the window of the level
// before): its matches, then its order and window.
type tailLevel struct {
	// matches are ANDed over the groups before their order and window
	// (having)
	matches []*aggregate.Match
	// order is the ORDER BY of the groups (over the columns of the
	// grouping select, "grp"): the last sort's keys, the earlier sorts',
	// then the order of the level before (for the first level the group
	// keys ascending) — Eval's order, a stable sort of the groups in key
	// order
	order         []string
	offset, limit int64 // limit < 0: none
	windowed      bool
}

// tailStages are the stages after a group its statement may run: matches
// before any project (a project may drop what a match reads), sorts,
// skips, limits and projects, a count ending them.
func tailStages(after []aggregate.Stage) []aggregate.Stage {
	projected := false
	for i, st := range after {
		switch st.(type) {
		case *aggregate.Match:
			if projected {
				return after[:i]
			}
		case *aggregate.Sort, *aggregate.Skip, *aggregate.Limit:
		case *aggregate.Project:
			projected = true
		case *aggregate.Count:
			return after[:i+1]
		default:
			return after[:i]
		}
	}
	return after
}

// orderFreeCount reports whether the stages after a group end in a count
// whose answer does not depend on the groups' order: no match follows a
// skip or limit (the windows then hold as many groups whatever the order,
// and fold into one).
func orderFreeCount(after []aggregate.Stage) bool {
	if len(after) == 0 {
		return false
	}
	if _, ok := after[len(after)-1].(*aggregate.Count); !ok {
		return false
	}
	windowed := false
	for _, st := range after {
		switch st.(type) {
		case *aggregate.Skip, *aggregate.Limit:
			windowed = true
		case *aggregate.Match:
			if windowed {
				return false
			}
		}
	}
	return true
}

// planTail plans the stages after the group st (tailStages) over the
// columns of its statement: as many as the dialect orders and matches
// exactly as Eval does. A count of the groups needs no order when no match
// follows a window (orderFreeCount): its sorts are left out and its
// windows folded into one.
func (d *AggDialect) planTail(st *aggregate.Group, cols []aggColumn, after []aggregate.Stage) groupTail {
	t := groupTail{tailLevel: tailLevel{limit: -1}}
	counted := orderFreeCount(after)
	var base, sorts []string // the order of the level before, this level's sorts
	if !counted {
		for i, by := range st.By {
			term, ok := d.GroupOrder(OrderKey, []string{"grp.k" + strconv.Itoa(i)}, by.Key.Kind, false)
			if !ok {
				return t
			}
			base = append(base, term)
		}
	}
	// next starts a level over the window of this one
	next := func() {
		t.inner = append(t.inner, t.tailLevel)
		base, sorts = t.order, nil
		t.tailLevel = tailLevel{order: base, limit: -1}
	}
	for i, s := range after {
		fetched := len(t.fetch)
		fail := func() groupTail {
			t.fetch = t.fetch[:fetched] // read for a stage left to Go
			return t
		}
		switch s := s.(type) {
		case *aggregate.Match:
			h := having{d: d, st: st, cols: cols, param: func(any) string { return "?" }, fetch: t.fetched}
			if d.Compare == nil {
				return fail()
			}
			if _, ok := h.where(s.Where); !ok {
				return fail()
			}
			if t.windowed {
				next()
			}
			t.matches = append(t.matches, s)
		case *aggregate.Sort:
			if counted {
				break
			}
			terms, ok := d.sortTerms(st, cols, s, t.fetched)
			if !ok {
				return fail()
			}
			if t.windowed {
				next()
			}
			sorts = append(terms, sorts...)
		case *aggregate.Skip:
			if t.offset > 1<<62-s.N {
				return t
			}
			t.offset += s.N
			if t.limit >= 0 {
				t.limit = max(t.limit-s.N, 0)
			}
			t.windowed = true
		case *aggregate.Limit:
			if t.limit < 0 || s.N < t.limit {
				t.limit = s.N
			}
			t.windowed = true
		case *aggregate.Project:
			if !keepsReads(s, after[i+1:]) {
				return t
			}
			t.projects = append(t.projects, s)
		case *aggregate.Count:
			t.count = s
		}
		t.stages = i + 1
		t.order = append(slices.Clone(sorts), base...)
	}
	return t
}

// sortTerms are the ORDER BY terms of a sort of st's documents: by keys
// (a bare relationship, group or file by its id) and accumulators.
func (d *AggDialect) sortTerms(st *aggregate.Group, cols []aggColumn, s *aggregate.Sort, fetch func(fetchRef)) ([]string, bool) {
	var terms []string
	for _, k := range s.Keys {
		if k.Path.Many() || objectKind(k.Path.Kind) {
			return nil, false
		}
		form, at, ok := groupMember(st, cols, k.Path.Names(), fetch)
		if !ok {
			return nil, false
		}
		term, ok := d.GroupOrder(form, at, k.Path.Kind, k.Desc)
		if !ok {
			return nil, false
		}
		terms = append(terms, term)
	}
	return terms, true
}

// groupMember finds the columns that hold the member names of st's
// documents and their form; false for a member no column holds as is
// (the label of a relationship key after an unwind or a sort). A value
// read from its record after grouping — a first or last, the label or
// name of an {id, label} key — is a column read before the tail
// (groupTail.fetch): fetch is told of it.
func groupMember(st *aggregate.Group, cols []aggColumn, names []string, fetch func(fetchRef)) (OrderForm, []string, bool) {
	for i, by := range st.By {
		if by.Identity == nil && slices.Equal(names, by.Out) ||
			by.Identity != nil && slices.Equal(names, append(slices.Clone(by.Out), "id")) {
			return OrderKey, []string{"grp.k" + strconv.Itoa(i)}, true
		}
		// the by keys' columns come first, one each
		if by.Identity != nil && len(names) == len(by.Out)+1 && slices.Equal(names[:len(by.Out)], by.Out) &&
			slices.Contains(by.Identity, names[len(by.Out)]) && cols[i].member != nil {
			f := fetchRef{col: i, member: names[len(by.Out)]}
			fetch(f)
			return OrderJSON, []string{"grp." + f.name()}, true
		}
	}
	if len(names) != 1 {
		return 0, nil, false
	}
	for i, a := range st.Acc {
		if a.Name != names[0] {
			continue
		}
		var at []string
		for j, c := range cols {
			switch {
			case c.acc == i && c.fetch != "":
				f := fetchRef{col: j}
				fetch(f)
				at = append(at, "grp."+f.name())
			case c.acc == i:
				at = append(at, "grp.c"+strconv.Itoa(j))
			}
		}
		switch a.Op {
		case aggregate.AccCount:
			return OrderCount, at, true
		case aggregate.AccSum:
			return OrderSum, at, true
		case aggregate.AccAvg:
			return OrderAvg, at, true
		case aggregate.AccMin, aggregate.AccMax:
			return OrderMinMax, at, true
		case aggregate.AccFirst, aggregate.AccLast:
			return OrderJSON, at, true
		}
	}
	return 0, nil, false
}

// where is the condition of the level's matches over the groups, its
// arguments after args.
func (t *tailLevel) where(d *AggDialect, st *aggregate.Group, cols []aggColumn, args []any) (string, []any, bool) {
	args = slices.Clone(args)
	h := having{d: d, st: st, cols: cols, param: func(v any) string {
		args = append(args, v)
		return d.Param(len(args))
	}, fetch: func(fetchRef) {}}
	var parts []string
	for _, m := range t.matches {
		c, ok := h.where(m.Where)
		if !ok {
			return "", nil, false
		}
		parts = append(parts, c)
	}
	return strings.Join(parts, " AND "), args, true
}
