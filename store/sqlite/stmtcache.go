package sqlite

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
)

// queryCacheSize bounds the prepared list/count statements kept on the read
// pool. Values are always bound, so the distinct texts are the query shapes
// clients use; the bound keeps odd shapes (long IN lists) from piling up.
const queryCacheSize = 256

// stmtLRU keeps prepared statements by SQL text, least recently used first
// out. Parsing and planning a list query costs as much as running it on an
// index, so reusing the plan roughly halves a page read.
type stmtLRU struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recent; values are *lruEntry
	byKey map[string]*list.Element
}

type lruEntry struct {
	key string
	st  *sql.Stmt
}

func newStmtLRU(max int) *stmtLRU {
	return &stmtLRU{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

// get returns the statement for q on db, preparing it when missing.
// Evicted statements are closed; database/sql finishes queries still
// running on them first.
func (c *stmtLRU) get(ctx context.Context, db *sql.DB, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	if el, ok := c.byKey[q]; ok {
		c.order.MoveToFront(el)
		st := el.Value.(*lruEntry).st
		c.mu.Unlock()
		return st, nil
	}
	c.mu.Unlock()
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[q]; ok { // prepared meanwhile by another reader
		st.Close()
		c.order.MoveToFront(el)
		return el.Value.(*lruEntry).st, nil
	}
	c.byKey[q] = c.order.PushFront(&lruEntry{key: q, st: st})
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		e := old.Value.(*lruEntry)
		delete(c.byKey, e.key)
		e.st.Close()
	}
	return st, nil
}

// closeAll closes every cached statement.
func (c *stmtLRU) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, el := range c.byKey {
		el.Value.(*lruEntry).st.Close()
		delete(c.byKey, k)
	}
	c.order.Init()
}
