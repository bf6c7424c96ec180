package data

import (
	"context"

	"runway/apperr"
	"runway/query"
	"runway/store"
)

// Reads under a read permission with "js/<fn>" conditions (issue 16).
//
// A script cannot become SQL. restrict gives the store the read condition
// with its script parts taken as true (query.WithoutScripts, a superset),
// and find, count and scan read those candidates a page at a time, in the
// query's order, the scripts deciding each one: offset, limit and totals
// are applied here. Memory stays one page of candidates whatever the size
// of the entity; the cost is one script call per candidate, so such lists
// are only as fast as the condition and the rest of the query are narrow.
// Without script conditions each is one store call, as before.

// scanPage is how many candidates a scan reads at a time, and
// aheadPage how many a scan reading ahead does (an export: fewer, larger
// queries; the caller works through one page while the next is read).
const (
	scanPage  = 200
	aheadPage = 1000
)

// readScripted reports whether the caller's read permission has script
// conditions, decided record by record.
func (g *perms) readScripted() bool { return query.HasScript(g.ea.Read.Cond()) }

// find reads a page of the records sel selects that the caller may read
// (sel.Where restricted by restrict).
func (g *perms) find(ctx context.Context, sel *query.Select) ([]store.Row, error) {
	if !g.readScripted() {
		return g.s.store.Find(ctx, g.e, sel)
	}
	var out []store.Row
	err := g.scan(ctx, sel, func(row *store.Row) error {
		out = append(out, *row)
		return nil
	})
	return out, err
}

// count counts the records matching where (restricted by restrict) that
// the caller may read.
func (g *perms) count(ctx context.Context, where query.Expr) (int64, error) {
	if !g.readScripted() {
		return g.s.store.Count(ctx, g.e, where)
	}
	var n int64
	err := g.scan(ctx, &query.Select{Where: where, Sort: query.Sort{Target: idTarget}}, func(*store.Row) error {
		n++
		return nil
	})
	return n, err
}

// scan calls fn with each record sel selects that the caller may read, in
// sel's order, from sel.Offset on, at most sel.Limit (0: all). Pages
// sorted by id continue after the last id read; other orders by offset.
func (g *perms) scan(ctx context.Context, sel *query.Select, fn func(*store.Row) error) error {
	return g.scanPages(ctx, sel, false, fn)
}

// scanAhead is scan reading each next page while fn works through the
// current one, so the store and the caller each use a core: for readers
// that write nothing in fn (an export). A scan whose fn writes (a batch
// operation) must not read ahead: the next page would be read before the
// writes of this one.
func (g *perms) scanAhead(ctx context.Context, sel *query.Select, fn func(*store.Row) error) error {
	return g.scanPages(ctx, sel, true, fn)
}

// found is a page of a store read.
type found struct {
	rows []store.Row
	err  error
}

func (g *perms) scanPages(ctx context.Context, sel *query.Select, ahead bool, fn func(*store.Row) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // a read ahead still running when fn stops the scan
	skip, left := sel.Offset, sel.Limit
	size := scanPage
	if ahead {
		size = aheadPage
	}
	page := *sel
	page.Offset, page.Limit = 0, size
	byID := sel.ByID()
	read := func(p query.Select) <-chan found {
		ch := make(chan found, 1)
		go func() {
			rows, err := g.s.store.Find(ctx, g.e, &p)
			ch <- found{rows, err}
		}()
		return ch
	}
	rows, err := g.s.store.Find(ctx, g.e, &page)
	for {
		if err != nil {
			return err
		}
		more := len(rows) == size
		var next <-chan found
		if more {
			if byID {
				page.After = rows[len(rows)-1].ID
			} else {
				page.Offset += len(rows)
			}
			if ahead {
				next = read(page)
			}
		}
		for i := range rows {
			row := &rows[i]
			ok, err := g.readableRow(ctx, row)
			if err != nil {
				return err
			}
			switch {
			case !ok:
				continue
			case skip > 0:
				skip--
				continue
			}
			if err := fn(row); err != nil {
				return err
			}
			if left--; left == 0 {
				return nil
			}
		}
		switch {
		case !more:
			return nil
		case next != nil:
			f := <-next
			rows, err = f.rows, f.err
		default:
			rows, err = g.s.store.Find(ctx, g.e, &page)
		}
	}
}

// readable keeps the rows the caller may read, of rows the store found
// under the read condition without its scripts.
func (g *perms) readable(ctx context.Context, rows []store.Row) ([]store.Row, error) {
	if !g.readScripted() {
		return rows, nil
	}
	out := rows[:0]
	for i := range rows {
		ok, err := g.readableRow(ctx, &rows[i])
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, rows[i])
		}
	}
	return out, nil
}

// readableRow decides the read permission on one stored record.
func (g *perms) readableRow(ctx context.Context, row *store.Row) (bool, error) {
	_, err := g.checkDecode(ctx, opRead, row)
	if err == nil {
		return true, nil
	}
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	return false, err
}
