package jobs

import (
	"context"

	"runway/store"
)

// WithJob is ctx inside the job j (jobs created under it are its
// children), for the external tests (package jobs_test).
func WithJob(ctx context.Context, j *store.Job) context.Context {
	return context.WithValue(ctx, ctxKey{}, j)
}

// NewLog is newLog, for the external tests.
var NewLog = newLog
