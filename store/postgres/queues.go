package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"runway/store"
)

// Job queues (store.JobClaim.Limits): the queue of each job that has one,
// and the queues a claim must skip because they run as many jobs as they
// may. Processes claim concurrently, so a claim with limits holds a
// transaction-level advisory lock while it counts and claims: two workers
// cannot both see the last free place of a queue.

// queuesMigration creates _job_queues (migration 4).
var queuesMigration = []string{
	`CREATE TABLE _job_queues (job_id text PRIMARY KEY, queue text NOT NULL)`,
	`CREATE INDEX _job_queues_queue ON _job_queues (queue)`,
}

// lockQueues is the advisory lock key held while a claim counts queues.
const lockQueues int64 = 0x52756e7761795100 // "RunwayQ\0"

// SetJobQueue puts a job in a queue (store.JobTx).
func (t *tx) SetJobQueue(ctx context.Context, jobID, queue string) error {
	if _, err := t.tx.Exec(ctx, `INSERT INTO _job_queues (job_id, queue) VALUES ($1, $2)
		ON CONFLICT (job_id) DO UPDATE SET queue = excluded.queue`, jobID, queue); err != nil {
		return fmt.Errorf("postgres: job queue of %s: %w", jobID, err)
	}
	return nil
}

// fullQueues takes the queues' advisory lock in q's transaction and returns
// the queues of c.Limits that run as many jobs as they may now.
func fullQueues(ctx context.Context, q pgx.Tx, c *store.JobClaim) ([]string, error) {
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockQueues); err != nil {
		return nil, fmt.Errorf("postgres: lock job queues: %w", err)
	}
	full := []string{}
	for queue, max := range c.Limits {
		var n int
		err := q.QueryRow(ctx, `SELECT count(*) FROM _job_queues q JOIN _jobs j ON j.id = q.job_id
			WHERE q.queue = $1 AND j.status IN ('RUNNING', 'STOPPING') AND j.owner <> '' AND j.heartbeat >= $2`,
			queue, c.StaleBefore).Scan(&n)
		if err != nil {
			return nil, fmt.Errorf("postgres: count jobs of queue %s: %w", queue, err)
		}
		if n >= max {
			full = append(full, queue)
		}
	}
	return full, nil
}
