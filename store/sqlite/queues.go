package sqlite

import (
	"context"
)

// SetJobQueue puts a job in a queue (store.JobTx; sqlstore queues.go).
func (t *tx) SetJobQueue(ctx context.Context, jobID, queue string) error {
	return dialect.SetJobQueue(ctx, t.w(), jobID, queue)
}
