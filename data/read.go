package data

import (
	"context"

	"runway/app"
	"runway/query"
	"runway/record"
	"runway/store"
)

// Get reads one record as its native JSON, projected to fields (nil = all).
func (s *Service) Get(ctx context.Context, c *Caller, e *app.Entity, id string, fields record.FieldSet) ([]byte, error) {
	if err := s.authorize(c, e, opRead); err != nil {
		return nil, err
	}
	if !record.IsID(id) {
		return nil, notFound(e, id)
	}
	row, err := s.store.Get(ctx, e, id)
	if err != nil {
		return nil, storeErr(e, id, err)
	}
	return project(e, row, fields)
}

// project returns the stored document, re-encoded with only the selected
// fields when a projection is asked for.
func project(e *app.Entity, row *store.Row, fields record.FieldSet) ([]byte, error) {
	if fields == nil {
		return row.Doc, nil
	}
	id, version, label, v, err := record.Decode(row.Doc)
	if err != nil {
		return nil, err
	}
	return record.Encode(e, id, version, label, v, fields), nil
}

// Page is one page of a list.
type Page struct {
	Total  int64
	Offset any // next _offset (record id or position), nil on the last page
	Items  [][]byte
}

// List reads a page of records matching a query, and their total.
func (s *Service) List(ctx context.Context, c *Caller, e *app.Entity, l *query.List) (*Page, error) {
	if err := s.authorize(c, e, opRead); err != nil {
		return nil, err
	}
	sel := l.Select
	// Ask for one more than the page so the answer knows whether another
	// page follows without a second query.
	if sel.Limit > 0 {
		sel.Limit++
	}
	rows, err := s.store.Find(ctx, e, &sel)
	if err != nil {
		return nil, err
	}
	total, err := s.store.Count(ctx, e, sel.Where)
	if err != nil {
		return nil, err
	}
	more := l.Select.Limit > 0 && len(rows) > l.Select.Limit
	if more {
		rows = rows[:l.Select.Limit]
	}
	p := &Page{Total: total, Items: make([][]byte, 0, len(rows))}
	for i := range rows {
		doc, err := project(e, &rows[i], l.Fields)
		if err != nil {
			return nil, err
		}
		p.Items = append(p.Items, doc)
	}
	if more && len(rows) > 0 {
		if l.Select.Sort.System == query.SysID {
			p.Offset = rows[len(rows)-1].ID
		} else {
			p.Offset = l.Select.Offset + len(rows)
		}
	}
	return p, nil
}
