package data

import (
	"context"
	"fmt"
	"sort"

	"runway/app"
	"runway/apperr"
	"runway/history"
	"runway/query"
	"runway/record"
	"runway/store"
)

// DeletePlan is the set of records an asynchronous delete over a query works
// through, fixed when the job is created so that records created later are
// never deleted and the job can go in id order: the records matching the
// query with From <= id <= UpTo, or, when the set had to be listed (a sort
// on a field with _size or _offset), exactly IDs.
type DeletePlan struct {
	IDs  []string `json:"ids,omitempty"` // sorted ascending
	From string   `json:"from,omitempty"`
	UpTo string   `json:"upTo,omitempty"`
	// Empty: nothing can match (the entity had no record in range).
	Empty bool `json:"empty,omitempty"`
}

var idTarget = query.Target{System: query.SysID}

func idCond(op query.Op, id string) *query.Cond {
	return &query.Cond{Target: idTarget, Op: op, Values: []any{id}}
}

// PlanDelete checks that c may delete records of e and fixes the set an
// asynchronous delete over sel will work through (rest-api.md §6.7).
//
// Sorted by id, the set is an id range: the highest id that exists now
// bounds it from above (later records get higher ids), and _size/_offset
// become the ids of the first and last record of the page they describe.
// Sorted by a field (or nearest first), a cap or an offset can only be
// honoured by listing the ids now.
//
// The query sees only what c may read (like a synchronous delete); each
// record must then meet the delete permission when its batch runs.
func (s *Service) PlanDelete(ctx context.Context, c *Caller, e *app.Entity, sel *query.Select) (*DeletePlan, error) {
	g := s.perms(c, e)
	if err := g.allow(opDelete); err != nil {
		return nil, err
	}
	where, err := g.restrict(ctx, sel.Where, &sel.Sort)
	if err != nil {
		return nil, err
	}
	restricted := *sel
	restricted.Where = where
	sel = &restricted
	paged := sel.Limit > 0 || sel.Offset > 0 || sel.After != ""
	byID := sel.Near == nil && (sel.Sort.System == query.SysID || (sel.Sort.System == "" && len(sel.Sort.Path) == 0))
	if paged && !byID || g.readScripted() {
		// The set is listed: a cap or offset in another order, or a read
		// permission that scripts decide (a range would hold records the
		// caller may not read).
		p := &DeletePlan{IDs: []string{}}
		err := g.scan(ctx, sel, func(row *store.Row) error {
			p.IDs = append(p.IDs, row.ID)
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(p.IDs)
		p.Empty = len(p.IDs) == 0
		return p, nil
	}
	top, err := s.edgeID(ctx, e, nil, query.ByID, 0, "")
	if err != nil || top == "" {
		return &DeletePlan{Empty: true}, err
	}
	if !paged {
		return &DeletePlan{UpTo: top}, nil
	}
	first, err := s.edgeID(ctx, e, sel.Where, sel.Sort, sel.Offset, sel.After)
	if err != nil || first == "" {
		return &DeletePlan{Empty: true}, err
	}
	last := ""
	if sel.Limit > 0 {
		if last, err = s.edgeID(ctx, e, sel.Where, sel.Sort, sel.Offset+sel.Limit-1, sel.After); err != nil {
			return nil, err
		}
	}
	if sel.Sort.Desc {
		return &DeletePlan{From: last, UpTo: first}, nil
	}
	if last == "" {
		last = top
	}
	return &DeletePlan{From: first, UpTo: last}, nil
}

// edgeID is the id of the record at position offset (after the id after)
// in that order, "" when there is none.
func (s *Service) edgeID(ctx context.Context, e *app.Entity, where query.Expr, sort query.Sort, offset int, after string) (string, error) {
	rows, err := s.store.Find(ctx, e, &query.Select{Where: where, Sort: sort, Offset: offset, After: after, Limit: 1})
	if err != nil || len(rows) == 0 {
		return "", err
	}
	return rows[0].ID, nil
}

// CountPlan counts the records of a plan that exist now and c may read
// (recordsCount of a delete job when it starts).
func (s *Service) CountPlan(ctx context.Context, c *Caller, e *app.Entity, where query.Expr, p *DeletePlan) (int64, error) {
	switch {
	case p.Empty:
		return 0, nil
	case p.IDs != nil:
		return int64(len(p.IDs)), nil
	}
	g := s.perms(c, e)
	where, err := g.restrict(ctx, where, nil)
	if err != nil {
		return 0, err
	}
	return g.count(ctx, planWhere(where, p, ""))
}

// planWhere is the query restricted to the plan's id range, after the
// cursor.
func planWhere(where query.Expr, p *DeletePlan, after string) query.Expr {
	and := query.And{}
	if where != nil {
		and = append(and, where)
	}
	if p.From != "" {
		and = append(and, idCond(query.GreaterOrEquals, p.From))
	}
	if after != "" {
		and = append(and, idCond(query.Greater, after))
	}
	if p.UpTo != "" {
		and = append(and, idCond(query.LessOrEquals, p.UpTo))
	}
	return and
}

// Outcome is the result of one record of a batch.
type Outcome struct {
	ID     string
	Result Result
}

// DeleteStep is one batch of an asynchronous delete: either IDs (the next
// ids of a listed set), or the next Limit records of a query plan after the
// cursor After, in id order.
type DeleteStep struct {
	IDs   []string
	Where query.Expr
	Plan  *DeletePlan
	After string
	Limit int
}

// DeleteBatch deletes one batch of records as c in one write transaction and
// calls checkpoint inside that same transaction, after the deletes, with
// the outcome of each record (in id order): the job's checkpoint commits
// with the work it accounts for, or neither does. An error from checkpoint
// undoes the batch. An empty outcome means nothing was left.
//
// Permissions are those of a synchronous delete: a query sees what c may
// read, a record c may not read is not found, one c may read but not
// delete is an error entry; responses show what c may read.
func (s *Service) DeleteBatch(ctx context.Context, c *Caller, e *app.Entity, st *DeleteStep,
	checkpoint func(tx store.Tx, done []Outcome) error) ([]Outcome, error) {
	g := s.perms(c, e)
	if err := g.allow(opDelete); err != nil {
		return nil, err
	}
	where := st.Where
	if st.IDs == nil {
		var err error
		if where, err = g.restrict(ctx, where, nil); err != nil {
			return nil, err
		}
	}
	var done []Outcome
	var deleted []string
	var docs [][]byte
	now := s.nowMillis()
	err := s.store.Write(ctx, func(tx store.Tx) error {
		done, deleted, docs = done[:0], deleted[:0], docs[:0]
		var changes []*history.Change
		var rows []store.Row
		var err error
		if st.IDs != nil {
			rows, err = tx.GetMany(ctx, e, validIDs(st.IDs))
		} else {
			rows, err = tx.Find(ctx, e, &query.Select{Where: planWhere(where, st.Plan, st.After),
				Sort: query.Sort{Target: idTarget}, Limit: st.Limit})
		}
		if err != nil {
			return err
		}
		found := make(map[string]*store.Row, len(rows))
		order := st.IDs
		if order == nil {
			order = make([]string, len(rows))
		}
		for i := range rows {
			found[rows[i].ID] = &rows[i]
			if st.IDs == nil {
				order[i] = rows[i].ID
			}
		}
		for _, id := range order {
			row := found[id]
			switch {
			case !record.IsID(id):
				done = append(done, Outcome{id, Result{Status: "error", ErrorMessage: fmt.Sprintf("%q is not a record id", id)}})
				continue
			case row == nil:
				done = append(done, Outcome{id, Result{Status: "error", ErrorMessage: apperr.As(notFound(e, id)).Message}})
				continue
			}
			if err := g.checkStored(ctx, opDelete, row); err != nil {
				ae := apperr.As(err)
				if ae == nil {
					return err
				}
				done = append(done, Outcome{id, Result{Status: "error", ErrorMessage: ae.Message}})
				continue
			}
			doc, err := g.output(ctx, row.Doc)
			if err != nil {
				return err
			}
			if err := forgetUser(ctx, tx, e, id); err != nil {
				return err
			}
			done = append(done, Outcome{id, Result{Status: "ok", Response: doc}})
			deleted, docs = append(deleted, id), append(docs, row.Doc)
			changes = append(changes, s.deleted(c, e, row, now))
		}
		// One statement for the batch: the rows were read in this
		// transaction, so each one is there.
		if n, err := tx.DeleteIDs(ctx, e, deleted); err != nil {
			return err
		} else if n != int64(len(deleted)) {
			return fmt.Errorf("data: deleted %d of %d records of %s", n, len(deleted), e.FullName)
		}
		if err := deleteFileRefs(ctx, tx, e, deleted); err != nil {
			return err
		}
		// One entry per deleted record, committed with the deletes and the
		// checkpoint: a batch replayed after a crash writes them once.
		if err := addHistory(ctx, tx, s.historyEntries(changes...)); err != nil {
			return err
		}
		return checkpoint(tx, done)
	})
	if err != nil {
		return nil, err
	}
	s.releaseDeleted(ctx, e, docs)
	for i, id := range deleted {
		s.afterDelete(ctx, c, e, id, docs[i], WriteOptions{})
	}
	return done, nil
}

func validIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if record.IsID(id) {
			out = append(out, id)
		}
	}
	return out
}

// AuthorizeDelete checks that c may delete records of e at all (before an
// asynchronous delete is accepted; each record is checked when deleted).
func (s *Service) AuthorizeDelete(c *Caller, e *app.Entity) error {
	return s.perms(c, e).allow(opDelete)
}

// CheckDelete checks that c may delete record id of e and that it exists:
// an asynchronous delete of one record answers 404 at once, like a
// synchronous one.
//
// As for Delete: a record c may not read is 404, one c may read but not
// delete 403.
func (s *Service) CheckDelete(ctx context.Context, c *Caller, e *app.Entity, id string) error {
	g := s.perms(c, e)
	if err := g.allow(opDelete); err != nil {
		return err
	}
	if !record.IsID(id) {
		return notFound(e, id)
	}
	row, err := s.store.Get(ctx, e, id)
	if err != nil {
		return storeErr(e, id, err)
	}
	return g.checkStored(ctx, opDelete, row)
}
