package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"runway/app"
	"runway/store"
)

// Reads of one record by id (a GET of one record, the most frequent
// request) are gathered as writes are group-committed: a Get that finds
// fewer than getsInFlight statements of its entity on the way sends its
// own at once (so an idle server answers in one round trip, as before);
// one that finds them busy joins the batch waiting behind them, which the
// first of its members sends as one statement (id = ANY) when a running
// one ends. Under many concurrent readers one round trip and one index
// scan on the server serve a whole batch, where each of them took a
// statement and a round trip of their own — most of a GET's cost on
// PostgreSQL. A batch is sent after each of its members asked, so each
// sees every write committed before it asked, as its own statement did.

// getsInFlight is how many Get statements of one entity run at a time
// before the next ones wait to go together.
const getsInFlight = 2

// maxGetBatch bounds the ids of one statement; more readers wait for the
// next batch.
const maxGetBatch = 256

// getBatcher holds, per entity table, the statements running and the
// batches waiting.
type getBatcher struct {
	mu     sync.Mutex
	tables map[string]*tableGets
}

type tableGets struct {
	busy    int         // statements running
	waiting []*getBatch // in order; the last one takes new ids until full
}

// getBatch is the ids of one statement and, once done is closed, its
// answer. lead is closed when the batch's turn comes: its first member
// sends it.
type getBatch struct {
	e    *app.Entity
	ids  []string
	lead chan struct{}
	done chan struct{}
	rows map[string]*store.Row
	err  error
}

// batchedGet reads the record id of e through the batcher.
func (s *Store) batchedGet(ctx context.Context, e *app.Entity, id string) (*store.Row, error) {
	table, err := dialect.TableName(e)
	if err != nil {
		return nil, fmt.Errorf("postgres: get: %w", err)
	}
	b, first := s.gets.join(table, e, id)
	if b == nil { // nothing running: alone, at once
		row, err := s.getOne(ctx, e, id)
		s.gets.finished(table)
		return row, err
	}
	if first {
		select {
		case <-b.lead:
		case <-ctx.Done():
			// its members wait for it: it goes in its turn without
			// this reader
			go func() {
				<-b.lead
				s.sendBatch(context.WithoutCancel(ctx), table, b)
			}()
			return nil, ctx.Err()
		}
		s.sendBatch(context.WithoutCancel(ctx), table, b)
	}
	select {
	case <-b.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if b.err != nil {
		return nil, b.err
	}
	if row := b.rows[id]; row != nil {
		return row, nil
	}
	return nil, fmt.Errorf("postgres: get %s %s: %w", e.FullName, id, store.ErrNotFound)
}

// join counts a statement of table as running and returns nil when fewer
// than getsInFlight were; else it adds id to the last batch waiting (a new
// one when there is none or it is full, first then true: the caller sends
// it when its lead is closed).
func (g *getBatcher) join(table string, e *app.Entity, id string) (b *getBatch, first bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.tables == nil {
		g.tables = map[string]*tableGets{}
	}
	t := g.tables[table]
	if t == nil {
		t = &tableGets{}
		g.tables[table] = t
	}
	if t.busy < getsInFlight {
		t.busy++
		return nil, false
	}
	if n := len(t.waiting); n > 0 && len(t.waiting[n-1].ids) < maxGetBatch {
		b = t.waiting[n-1]
		b.ids = append(b.ids, id)
		return b, false
	}
	b = &getBatch{e: e, ids: []string{id}, lead: make(chan struct{}), done: make(chan struct{})}
	t.waiting = append(t.waiting, b)
	return b, true
}

// finished ends a running statement of table: the first batch waiting
// takes its place.
func (g *getBatcher) finished(table string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.tables[table]
	if len(t.waiting) == 0 {
		t.busy--
		if t.busy == 0 {
			delete(g.tables, table)
		}
		return
	}
	next := t.waiting[0]
	t.waiting = t.waiting[1:]
	close(next.lead)
}

// sendBatch runs b's statement, publishes its answer and lets the next
// batch go. Its members ids were added under the lock before lead was
// closed, so they are all in.
func (s *Store) sendBatch(ctx context.Context, table string, b *getBatch) {
	defer close(b.done)
	defer s.gets.finished(table)
	b.rows = make(map[string]*store.Row, len(b.ids))
	if len(b.ids) == 1 {
		row, err := s.getOne(ctx, b.e, b.ids[0])
		if err == nil {
			b.rows[row.ID] = row
		} else if !errors.Is(err, store.ErrNotFound) {
			b.err = err
		}
		return
	}
	var rows []store.Row
	b.err = s.readOne(ctx, func(ctx context.Context, db dbtx) (err error) {
		rows, err = dialect.GetMany(ctx, pgDB{db}, b.e, b.ids)
		return err
	})
	for i := range rows {
		b.rows[rows[i].ID] = &rows[i]
	}
}

// getOne reads one record in a statement of its own.
func (s *Store) getOne(ctx context.Context, e *app.Entity, id string) (row *store.Row, err error) {
	err = s.readOne(ctx, func(ctx context.Context, db dbtx) error {
		row, err = dialect.Get(ctx, pgDB{db}, e, id)
		return err
	})
	return row, err
}
