package postgres

import (
	"context"
)

// SetJobQueue puts a job in a queue (store.JobTx; sqlstore queues.go).
func (t *tx) SetJobQueue(ctx context.Context, jobID, queue string) error {
	return dialect.SetJobQueue(ctx, pgDB{t.p}, jobID, queue)
}

// lockQueues is the advisory lock key a claim with queue limits holds
// while it counts the queues (Dialect.SerializeClaims).
const lockQueues int64 = 0x52756e7761795100 // "RunwayQ\0"
