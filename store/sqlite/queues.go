package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"runway/store"
)

// Job queues (store.JobClaim.Limits): the queue of each job that has one,
// and the queues a claim must skip because they run as many jobs as they
// may. The claim runs in the single writer's transaction, so counting and
// claiming are one step.

// queuesMigration creates _job_queues (migration 4).
var queuesMigration = []string{
	`CREATE TABLE _job_queues (job_id TEXT PRIMARY KEY, queue TEXT NOT NULL)`,
	`CREATE INDEX _job_queues_queue ON _job_queues (queue)`,
}

// SetJobQueue puts a job in a queue (store.JobTx).
func (t *tx) SetJobQueue(ctx context.Context, jobID, queue string) error {
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO _job_queues (job_id, queue) VALUES (?, ?)
		ON CONFLICT (job_id) DO UPDATE SET queue = excluded.queue`, jobID, queue); err != nil {
		return fmt.Errorf("sqlite: job queue of %s: %w", jobID, err)
	}
	return nil
}

// fullQueues is the JSON array of the queues of c.Limits that run as many
// jobs as they may now ("[]" without limits).
func fullQueues(ctx context.Context, t *tx, c *store.JobClaim) (string, error) {
	var full []string
	for queue, max := range c.Limits {
		var n int
		err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM _job_queues q JOIN _jobs j ON j.id = q.job_id
			WHERE q.queue = ? AND j.status IN ('RUNNING', 'STOPPING') AND j.owner != '' AND j.heartbeat >= ?`,
			queue, c.StaleBefore).Scan(&n)
		if err != nil {
			return "", fmt.Errorf("sqlite: count jobs of queue %s: %w", queue, err)
		}
		if n >= max {
			full = append(full, queue)
		}
	}
	if full == nil {
		return "[]", nil
	}
	b, err := json.Marshal(full)
	return string(b), err
}
