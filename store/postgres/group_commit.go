package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"runway/store"
	"runway/store/sqlstore"
)

// Group commit: the writes whose statements all waited until their
// function returned (creates: an insert and its history; see pipe) share
// one transaction, sent as one batch — BEGIN, each write's statements,
// the notifications, COMMIT — by one goroutine (sqlstore.Committer), while
// the writes that need answers on the way run in transactions of their
// own. A write returns once the group's COMMIT has answered: an
// acknowledged write is committed, as alone.
//
// A statement that fails (a unique violation) aborts the whole batch: its
// write gets its error, and the others are sent again without it. No
// savepoints are needed: a write's statements are known in full before the
// batch is sent.

// maxGroup bounds the writes of one group (one batch, one transaction).
const maxGroup = 64

// groupWrite is a write waiting for the group commit.
type groupWrite struct {
	ctx    context.Context
	stmts  []deferred
	tables map[string]bool
	done   chan error
}

// groupCommit submits a write's statements and waits for its group.
func (s *Store) groupCommit(ctx context.Context, stmts []deferred, tables map[string]bool) error {
	w := &groupWrite{ctx: ctx, stmts: stmts, tables: tables, done: make(chan error, 1)}
	if err := s.committer.Submit(ctx, w); err != nil {
		if errors.Is(err, sqlstore.ErrClosed) {
			return errors.New("postgres: store is closed")
		}
		return err
	}
	return <-w.done
}

// runGroup commits a group, answering each write.
func (s *Store) runGroup(group []*groupWrite) {
	live := group[:0:0]
	for _, w := range group {
		if err := w.ctx.Err(); err != nil {
			w.done <- err // gone before it was sent: not written
			continue
		}
		live = append(live, w)
	}
	for len(live) > 0 {
		failed, err := s.commitGroup(live)
		if err == nil || failed < 0 {
			for _, w := range live {
				w.done <- err
			}
			return
		}
		live[failed].done <- err
		live = slices.Delete(live, failed, failed+1)
	}
}

// commitGroup sends one group's batch on a connection of the pool. On the
// failure of one write's statement it returns that write's index and
// error, else -1.
func (s *Store) commitGroup(group []*groupWrite) (int, error) {
	// No caller's cancellation stops a batch holding others' writes; the
	// statement timeout still bounds it.
	ctx := context.Background()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return -1, fmt.Errorf("postgres: begin: %w", err)
	}
	defer conn.Release()
	defer rollback(conn)
	tables := map[string]bool{}
	parts := make([][]deferred, len(group), len(group)+1)
	for i, w := range group {
		parts[i] = w.stmts
		maps.Copy(tables, w.tables)
	}
	if n, ok := notify(writesChannel, keys(tables)); ok {
		parts = append(parts, []deferred{n})
	}
	failed, err := commitBatch(ctx, conn, true, parts)
	if failed >= len(group) {
		failed = -1 // the notification's: nobody's own
	}
	if failed < 0 {
		for table := range tables {
			s.counts.Bump(table) // even when the commit's outcome is unknown
		}
	}
	if err != nil && !errors.As(err, new(*store.UniqueError)) {
		err = s.mapWriteErr("", err)
	}
	return failed, err
}
