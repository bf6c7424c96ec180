package sqlstore

import (
	"context"
	"errors"
)

// ErrClosed is what Committer.Submit returns once the committer is closed.
var ErrClosed = errors.New("store is closed")

// Committer runs writes in groups, one group at a time on one goroutine:
// every write submitted while a group runs waits, and the next group takes
// all that wait (at most size), so concurrent writes share one transaction
// and its commit (SQLite: every write of the process; PostgreSQL: the
// writes whose statements need no answer before the commit). run answers
// each write of the group itself.
type Committer[W any] struct {
	in      chan W
	quit    chan struct{}
	stopped chan struct{}
}

// NewCommitter starts the goroutine that runs the groups with run.
func NewCommitter[W any](size int, run func(group []W)) *Committer[W] {
	c := &Committer[W]{in: make(chan W), quit: make(chan struct{}), stopped: make(chan struct{})}
	go c.loop(size, run)
	return c
}

func (c *Committer[W]) loop(size int, run func([]W)) {
	defer close(c.stopped)
	for {
		var first W
		select {
		case first = <-c.in:
		case <-c.quit:
			return
		}
		group := []W{first}
	drain:
		for len(group) < size {
			select {
			case w := <-c.in:
				group = append(group, w)
			default:
				break drain
			}
		}
		run(group)
	}
}

// Submit hands w to the committer: ErrClosed once it is closed, ctx's
// error when ctx ends before a group takes w (w is then not run).
func (c *Committer[W]) Submit(ctx context.Context, w W) error {
	select {
	case c.in <- w:
		return nil
	case <-c.stopped:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the committer once the group running (if any) is done;
// writes submitted later get ErrClosed. Call it once.
func (c *Committer[W]) Close() {
	close(c.quit)
	<-c.stopped
}
