package data

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"runway/aggregate"
	"runway/app"
	"runway/apperr"
	"runway/query"
	"runway/store"
)

// Aggregated is the answer of an aggregate pipeline: its items, each
// encoded as JSON in the pipeline's output shape.
type Aggregated struct {
	Items [][]byte
}

// aggregatePage is how many records an aggregate reads from the store at
// a time.
const aggregatePage = 500

// Aggregate runs an aggregate pipeline (query-language.md §6, rest-api.md
// §6.8) over e as c. The pipeline is parsed and validated (400), every
// field it names — in any stage, lookups included — must be readable by c
// on every record, and every lookup's entity readable at all (403); a
// field with a part c may not read (a hidden nested field inside it) keeps
// the pipeline off the SQL path, which reads stored values. The
// records are read through the same path as a list, a page at a time in
// id order: the caller's read condition ANDed with the pipeline's leading
// match stages in the store, fields the caller may not read on a record
// removed; the stages then run in Go over that stream
// (aggregate.Eval), holding at most the configured number of documents.
func (s *Service) Aggregate(ctx context.Context, c *Caller, e *app.Entity, body []byte) (*Aggregated, error) {
	g := s.perms(c, e)
	if err := g.allow(opRead); err != nil {
		return nil, err
	}
	p, err := aggregate.Parse(s.app, e, body)
	if err != nil {
		return nil, err
	}
	whole, err := s.restrictPipeline(ctx, c, g, p)
	if err != nil {
		return nil, err
	}
	env := aggregate.Env{MaxItems: s.opts.AggregateMaxItems, Lookup: func(ctx context.Context, st *aggregate.Lookup, values []any) aggregate.Cursor {
		return s.lookupRecords(ctx, c, st, values)
	}}
	run := func(src aggregate.Cursor, start int) ([]aggregate.Doc, error) {
		return aggregate.Collect(aggregate.Eval(ctx, p.Stages[start:], src, env), s.opts.AggregateMaxItems)
	}
	var docs []aggregate.Doc
	done := false
	if sq, n := s.sqlPrefix(c, g, p); n > 0 && whole {
		docs, err = run(sq.Aggregate(ctx, p, n, s.opts.AggregateMaxItems), n)
		// the database may refuse what Go does (an integer sum beyond 64
		// bits): then Go does it all
		done = !errors.Is(err, store.ErrAggregateInGo)
	} else if sq, n := s.sqlRecords(g, p); n > 0 {
		docs, err = run(s.windowRecords(ctx, g, sq, p, n), n)
		done = !errors.Is(err, store.ErrAggregateInGo)
	}
	if !done {
		where, start := p.Source()
		docs, err = run(s.scan(ctx, g, where), start)
	}
	if err != nil {
		return nil, err
	}
	out := &Aggregated{Items: make([][]byte, len(docs))}
	for i, d := range docs {
		out.Items[i] = p.Out.Encode(d)
	}
	return out, nil
}

// sqlPrefix returns the store's aggregator and how many leading stages of
// p it runs in SQL (0: none; the records are then read a page at a time).
// A read condition with scripts decides record by record, so it keeps the
// pipeline in Go — c's on the entity, or on a lookup's foreign entity when
// the statement would join it.
func (s *Service) sqlPrefix(c *Caller, g *perms, p *aggregate.Pipeline) (store.Aggregator, int) {
	sq, ok := s.store.(store.Aggregator)
	if !ok || s.opts.AggregateInGo || g.readScripted() || query.HasScript(p.Where) {
		return nil, 0
	}
	n := sq.PlanAggregate(p)
	for _, st := range p.Stages[:n] {
		if l, ok := st.(*aggregate.Lookup); ok && (s.perms(c, l.Foreign).readScripted() || query.HasScript(l.Where)) {
			return nil, 0
		}
	}
	return sq, n
}

// sqlRecords returns the store's aggregator and how many leading stages
// of p pick a bounded window of records in SQL (a sort, skip, limit: see
// store.Aggregator.PlanRecords); 0: none. As sqlPrefix, never with a read
// condition that has scripts.
func (s *Service) sqlRecords(g *perms, p *aggregate.Pipeline) (store.Aggregator, int) {
	sq, ok := s.store.(store.Aggregator)
	if !ok || s.opts.AggregateInGo || g.readScripted() || query.HasScript(p.Where) {
		return nil, 0
	}
	return sq, sq.PlanRecords(p)
}

// windowRecords streams the records stages [0, n) of p emit: their ids
// from the store's statement, the records read with one GetMany and
// rendered as scan renders them, in the statement's order.
func (s *Service) windowRecords(ctx context.Context, g *perms, sq store.Aggregator, p *aggregate.Pipeline, n int) aggregate.Cursor {
	return func(yield func(aggregate.Doc) bool) error {
		ids, err := sq.RecordIDs(ctx, p, n, s.opts.AggregateMaxItems)
		if err != nil || len(ids) == 0 {
			return err
		}
		rows, err := s.store.GetMany(ctx, g.e, ids)
		if err != nil {
			return err
		}
		at := make(map[string]int, len(ids))
		for i, id := range ids {
			at[id] = i
		}
		slices.SortFunc(rows, func(a, b store.Row) int { return cmp.Compare(at[a.ID], at[b.ID]) })
		_, err = s.yieldRendered(ctx, g, rows, yield)
		return err
	}
}

// yieldRendered renders rows as the caller of g may read them and yields
// them as aggregate documents; stopped when yield asked to stop.
func (s *Service) yieldRendered(ctx context.Context, g *perms, rows []store.Row, yield func(aggregate.Doc) bool) (stopped bool, err error) {
	docs, err := s.render(ctx, g, rows, nil)
	if err != nil {
		return false, err
	}
	for i, doc := range docs {
		d, err := decodeAggregateDoc(doc)
		if err != nil {
			return false, fmt.Errorf("data: decode %s %s: %w", g.e.FullName, rows[i].ID, err)
		}
		if !yield(d) {
			return true, nil
		}
	}
	return false, nil
}

// restrictPipeline checks what the pipeline reads against c's permissions
// and ANDs c's read conditions into its sources (their script parts taken
// as true: scan decides them record by record).
func (s *Service) restrictPipeline(ctx context.Context, c *Caller, g *perms, p *aggregate.Pipeline) (whole bool, err error) {
	access := map[*app.Entity]*perms{g.e: g}
	for _, l := range p.Lookups() {
		if access[l.Foreign] == nil {
			access[l.Foreign] = s.perms(c, l.Foreign)
		}
		if err := access[l.Foreign].allow(opRead); err != nil {
			return false, err
		}
	}
	whole = true
	for _, r := range p.Reads() {
		lg := access[r.Entity]
		if lg.ea.AllReadable() {
			continue
		}
		for f := r.Field; f != nil; f = f.Parent {
			if !lg.ea.Field(f).Read.All() {
				return false, apperr.New(apperr.Forbidden, "Not allowed to aggregate on field %s of %s", r.Field.Path(), r.Entity.FullName)
			}
		}
		whole = whole && nestedReadable(lg, r.Field)
	}
	where, err := g.where(ctx, opRead)
	if err != nil {
		return false, err
	}
	p.Restrict(query.WithoutScripts(where))
	for _, l := range p.Lookups() {
		where, err := access[l.Foreign].where(ctx, opRead)
		if err != nil {
			return false, err
		}
		l.Restrict(query.WithoutScripts(where))
	}
	return whole, nil
}

// nestedReadable reports whether every field inside f (a nested field's
// fields, at any depth) is readable on every record: then f's stored value
// is what the caller may read of it. The SQL path reads stored values, so a
// pipeline naming a field with a part hidden from the caller runs in Go,
// over the records as the caller may read them.
func nestedReadable(g *perms, f *app.Field) bool {
	for _, sub := range f.Nested {
		if !g.ea.Field(sub).Read.All() || !nestedReadable(g, sub) {
			return false
		}
	}
	return true
}

// lookupValues is how many values one query of a lookup's records binds.
const lookupValues = 500

// lookupRecords streams the records of a lookup's foreign entity whose
// foreign path equals one of values, as c may read them: one query per
// lookupValues values (a record may come once per query).
func (s *Service) lookupRecords(ctx context.Context, c *Caller, st *aggregate.Lookup, values []any) aggregate.Cursor {
	g := s.perms(c, st.Foreign)
	return func(yield func(aggregate.Doc) bool) error {
		stopped := false
		for len(values) > 0 && !stopped {
			n := min(len(values), lookupValues)
			match := &query.Cond{Target: st.ForeignTarget, Op: query.Equals, Values: values[:n]}
			values = values[n:]
			var where query.Expr = match
			if st.Where != nil {
				where = query.And{match, st.Where}
			}
			err := s.scan(ctx, g, where)(func(d aggregate.Doc) bool {
				stopped = !yield(d)
				return !stopped
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// scan streams the records of g's entity matching where (already holding
// the caller's read condition without its scripts), in id order, as the
// caller may read them, a page at a time: a read condition with scripts
// decides each record (perms.readableRow).
func (s *Service) scan(ctx context.Context, g *perms, where query.Expr) aggregate.Cursor {
	return func(yield func(aggregate.Doc) bool) error {
		sel := query.Select{Where: where, Sort: query.Sort{Target: idTarget}, Limit: aggregatePage}
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			rows, err := s.store.Find(ctx, g.e, &sel)
			if err != nil {
				return err
			}
			read := len(rows)
			if read > 0 {
				sel.After = rows[read-1].ID
			}
			if rows, err = g.readable(ctx, rows); err != nil {
				return err
			}
			if stopped, err := s.yieldRendered(ctx, g, rows, yield); stopped || err != nil {
				return err
			}
			if read < aggregatePage {
				return nil
			}
		}
	}
}

// decodeAggregateDoc reads a record's JSON as an aggregate document.
func decodeAggregateDoc(doc []byte) (aggregate.Doc, error) {
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var out aggregate.Doc
	err := d.Decode(&out)
	return out, err
}
