package aggregate

import (
	"runway/app"
	"runway/query"
)

// Read is a field a pipeline reads. The data service refuses (403) a
// pipeline that reads a field the caller may not read on every record, in
// any stage (query-language.md §6.1).
type Read struct {
	Stage  int         // index of the stage that names it
	Entity *app.Entity // the pipeline's entity, or a lookup's foreign entity
	// Field is a metadata field of Entity; its Parent chain leads to the
	// record root, and each field on it must be readable.
	Field *app.Field
	Path  string // as written in the stage
}

// Reads lists every field the pipeline names, in every stage — filters,
// sort keys, projections, group keys and accumulator arguments, unwound
// fields, both sides of each lookup, geoNear keys — traced back through
// earlier stages to the metadata field whose values they hold (a member a
// stage computed, like a sum, reads nothing new). System members (id,
// version, label) are not listed: they are always readable.
func (p *Pipeline) Reads() []Read { return p.reads }

// Lookups lists the lookup stages, whose foreign entities the caller must
// be allowed to read (403) and whose records Restrict narrows.
func (p *Pipeline) Lookups() []*Lookup {
	var out []*Lookup
	for _, s := range p.Stages {
		if l, ok := s.(*Lookup); ok {
			out = append(out, l)
		}
	}
	return out
}

// Restrict ANDs cond — the caller's read condition on the entity, nil when
// every record is readable — into the condition on the records entering
// the first stage.
func (p *Pipeline) Restrict(cond query.Expr) { p.Where = and(p.Where, cond) }

// Restrict ANDs cond — the caller's read condition on the foreign entity —
// into the condition on the records the lookup joins.
func (l *Lookup) Restrict(cond query.Expr) { l.Where = and(l.Where, cond) }

// Source returns what the source of the documents must select — Where
// ANDed with the filters of the match stages at the start of the pipeline
// (they read the entity's own records, so a store evaluates them with its
// indexes) — and the index of the first stage left for Eval. A match on
// the version member stays for Eval: store filters do not read it.
func (p *Pipeline) Source() (query.Expr, int) {
	where := p.Where
	i := 0
	for ; i < len(p.Stages); i++ {
		m, ok := p.Stages[i].(*Match)
		if !ok || readsVersion(m.Where) {
			break
		}
		where = and(where, m.Where)
	}
	return where, i
}

// readsVersion reports whether a filter names the version member.
func readsVersion(x query.Expr) bool {
	for _, c := range conds(x) {
		if c.Field == sysVersion {
			return true
		}
	}
	return false
}

// and is x AND y, either of which may be nil (true).
func and(x, y query.Expr) query.Expr {
	switch {
	case x == nil:
		return y
	case y == nil:
		return x
	}
	out := query.And{}
	for _, e := range []query.Expr{x, y} {
		if a, ok := e.(query.And); ok {
			out = append(out, a...)
		} else {
			out = append(out, e)
		}
	}
	return out
}
