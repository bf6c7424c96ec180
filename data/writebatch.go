package data

import (
	"context"

	"runway/store"
)

// WriteBatch gathers the writes of several Create and Update calls so that
// they commit in one transaction together with the caller's own work — a
// job's checkpoint (CSV import: the rows of a batch and the row they reach
// are one commit, so no row is imported twice or skipped across stops and
// crashes).
//
// A Create or Update given a context from WithWriteBatch does everything it
// does alone — permissions, conversion, validation, scripts, the stored
// record built — except the store write, which it appends to the batch; it
// returns no document (Create: only {"id"}). What happens after a commit (events, released files,
// record locks) waits for CommitBatch. Nested writes (a script's
// sys.data.save inside the field logic) do not join the batch.
type WriteBatch struct {
	writes  []func(store.Tx) error
	after   []func()
	release []func()
}

type batchKey struct{}

// WithWriteBatch makes the next Create or Update called with the returned
// context write into b.
func WithWriteBatch(ctx context.Context, b *WriteBatch) context.Context {
	return context.WithValue(ctx, batchKey{}, b)
}

// takeBatch is the batch a write joins (nil: it writes alone) and the
// context its own nested calls use, which no longer carries it.
func takeBatch(ctx context.Context) (*WriteBatch, context.Context) {
	b, _ := ctx.Value(batchKey{}).(*WriteBatch)
	if b == nil {
		return nil, ctx
	}
	return b, context.WithValue(ctx, batchKey{}, (*WriteBatch)(nil))
}

// Len is the number of writes waiting.
func (b *WriteBatch) Len() int { return len(b.writes) }

// Append moves the writes of o to the end of b (o is left empty).
func (b *WriteBatch) Append(o *WriteBatch) {
	b.writes = append(b.writes, o.writes...)
	b.after = append(b.after, o.after...)
	b.release = append(b.release, o.release...)
	*o = WriteBatch{}
}

// Discard drops the waiting writes (nothing of them is stored) and lets
// go of what they held.
func (b *WriteBatch) Discard() {
	for _, fn := range b.release {
		fn()
	}
	*b = WriteBatch{}
}

// write runs fn in its own transaction, or appends it to b.
func (s *Service) write(ctx context.Context, b *WriteBatch, fn func(store.Tx) error) error {
	if b == nil {
		return s.store.Write(ctx, fn)
	}
	b.writes = append(b.writes, fn)
	return nil
}

// afterWrite runs fn now, or once b has committed.
func afterWrite(b *WriteBatch, fn func()) {
	if b == nil {
		fn()
		return
	}
	b.after = append(b.after, fn)
}

// CommitBatch stores the writes of b and then runs also (when not nil) in
// the same transaction: all of them or none. After a commit the writes'
// events and file releases run; either way their record locks are
// released and b is empty. A write that fails (a unique value taken, a
// record changed since it was read) fails the whole batch: the caller may
// redo its writes one per batch to find it.
func (s *Service) CommitBatch(ctx context.Context, b *WriteBatch, also func(tx store.Tx) error) error {
	writes, after, release := b.writes, b.after, b.release
	*b = WriteBatch{}
	defer func() {
		for _, fn := range release {
			fn()
		}
	}()
	err := s.store.Write(ctx, func(tx store.Tx) error {
		for _, fn := range writes {
			if err := fn(tx); err != nil {
				return err
			}
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, fn := range after {
		fn()
	}
	return nil
}
