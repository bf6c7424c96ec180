package sqlstore

import (
	"context"
	"fmt"

	"runway/store"
)

// Job queues (store.JobClaim.Limits): the queue of each job that has one,
// and the queues a claim must skip because they run as many jobs as they
// may. Counting and claiming must be one step: on SQLite the single
// writer's transaction makes them so, on PostgreSQL the claim runs in a
// transaction that first takes the dialect's SerializeClaims lock, so two
// workers cannot both see the last free place of a queue.

// JobQueuesDDL creates _job_queues; a store runs it as one of its
// migrations.
func (d *Dialect) JobQueuesDDL() []string {
	return []string{
		`CREATE TABLE _job_queues (job_id text` + d.Bytewise + ` PRIMARY KEY, queue text NOT NULL)`,
		`CREATE INDEX _job_queues_queue ON _job_queues (queue)`,
	}
}

// SetJobQueue puts a job in a queue (store.JobTx).
func (d *Dialect) SetJobQueue(ctx context.Context, db DB, jobID, queue string) error {
	if _, err := db.Exec(ctx, `INSERT INTO _job_queues (job_id, queue) VALUES ($1, $2)
		ON CONFLICT (job_id) DO UPDATE SET queue = excluded.queue`, jobID, queue); err != nil {
		return fmt.Errorf("%s: job queue of %s: %w", d.Name, jobID, err)
	}
	return nil
}

// fullQueues returns the queues of c.Limits that run as many jobs as they
// may now: jobs RUNNING or STOPPING with an owner whose heartbeat is not
// stale (a stale one is claimable, so not counted). db must be the claim's
// transaction.
func (d *Dialect) fullQueues(ctx context.Context, db DB, c *store.JobClaim) ([]string, error) {
	if d.SerializeClaims != "" {
		if _, err := db.Exec(ctx, d.SerializeClaims); err != nil {
			return nil, fmt.Errorf("%s: lock job queues: %w", d.Name, err)
		}
	}
	full := []string{}
	for queue, max := range c.Limits {
		var n int
		err := db.QueryRow(ctx, `SELECT count(*) FROM _job_queues q JOIN _jobs j ON j.id = q.job_id
			WHERE q.queue = $1 AND j.`+live+` AND j.owner <> '' AND j.heartbeat >= $2`,
			queue, c.StaleBefore).Scan(&n)
		if err != nil {
			return nil, fmt.Errorf("%s: count jobs of queue %s: %w", d.Name, queue, err)
		}
		if n >= max {
			full = append(full, queue)
		}
	}
	return full, nil
}
