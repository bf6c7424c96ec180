package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// Checkpoints copy the WAL's pages into the database file. SQLite runs
// them on the connection that committed, right after its commit, once the
// WAL holds 1,000 pages: on the writer goroutine, which every write of the
// process waits for (an import of a million rows: a seventh of the
// writer's CPU, with two fsyncs each). A checkpointer runs them instead on
// a connection of its own, after commits (at most every checkpointEvery):
// PASSIVE checkpoints, which never wait for a lock and never make the
// writer wait. The writer's own automatic checkpoint stays, at
// writerCheckpointPages, for when the checkpointer falls behind: a WAL is
// restarted (written again from its start) only by a write transaction
// beginning once every page of it was copied, which the writer's own
// checkpoint guarantees, so the WAL stays bounded.
const (
	checkpointEvery       = 200 * time.Millisecond
	writerCheckpointPages = 8000
)

// checkpointer runs PASSIVE checkpoints on its connection when poked.
type checkpointer struct {
	db   *sql.DB
	wake chan struct{}
	quit chan struct{}
	done chan struct{}
}

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// poke asks for a checkpoint (after a commit); it never blocks. Writes
// before the checkpointer starts (migrations) leave it to the writer.
func (c *checkpointer) poke() {
	if c == nil {
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop() {
	defer close(c.done)
	for {
		select {
		case <-c.wake:
		case <-c.quit:
			return
		}
		// A failed checkpoint (SQLITE_BUSY: the writer's own running)
		// leaves the pages for the next one.
		var busy, log, copied int
		_ = c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &copied)
		select {
		case <-time.After(checkpointEvery):
		case <-c.quit:
			return
		}
	}
}

// stop ends the checkpointer after the checkpoint running (if any) and
// closes its connection.
func (c *checkpointer) stop() error {
	close(c.quit)
	<-c.done
	return c.db.Close()
}
