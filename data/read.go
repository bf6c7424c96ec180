package data

import (
	"context"

	"runway/app"
	"runway/query"
	"runway/record"
	"runway/store"
)

// Get reads one record, rendered as out says (projection, format,
// relationships fetched along; nil = the stored native JSON as is).
func (s *Service) Get(ctx context.Context, c *Caller, e *app.Entity, id string, out *query.Output) ([]byte, error) {
	g := s.perms(c, e)
	if err := g.allow(opRead); err != nil {
		return nil, err
	}
	if !record.IsID(id) {
		return nil, notFound(e, id)
	}
	row, err := s.store.Get(ctx, e, id)
	if err != nil {
		return nil, storeErr(e, id, err)
	}
	// A record outside the read condition does not exist for the caller.
	pre, err := g.checkDecode(ctx, opRead, row)
	if err != nil {
		return nil, err
	}
	docs, err := s.renderDecoded(ctx, g, []store.Row{*row}, []*decoded{pre}, out)
	if err != nil {
		return nil, err
	}
	return docs[0], nil
}

// Page is one page of a list.
type Page struct {
	Total  int64
	Offset any // next _offset (record id or position), nil on the last page
	Items  [][]byte
}

// List reads a page of records matching a query, and their total, each
// record rendered as l.Output says.
func (s *Service) List(ctx context.Context, c *Caller, e *app.Entity, l *query.List) (*Page, error) {
	g := s.perms(c, e)
	if err := g.allow(opRead); err != nil {
		return nil, err
	}
	sel := l.Select
	// The caller lists, and counts, only what they may read.
	where, err := g.restrict(ctx, sel.Where, &sel.Sort)
	if err != nil {
		return nil, err
	}
	sel.Where = where
	// Ask for one more than the page so the answer knows whether another
	// page follows without a second query.
	if sel.Limit > 0 {
		sel.Limit++
	}
	rows, err := g.find(ctx, &sel)
	if err != nil {
		return nil, err
	}
	total, err := g.count(ctx, sel.Where)
	if err != nil {
		return nil, err
	}
	more := l.Select.Limit > 0 && len(rows) > l.Select.Limit
	if more {
		rows = rows[:l.Select.Limit]
	}
	items, err := s.render(ctx, g, rows, &l.Output)
	if err != nil {
		return nil, err
	}
	p := &Page{Total: total, Items: items}
	if more && len(rows) > 0 {
		if l.Select.Sort.System == query.SysID && l.Select.Near == nil {
			p.Offset = rows[len(rows)-1].ID
		} else {
			p.Offset = l.Select.Offset + len(rows)
		}
	}
	return p, nil
}
