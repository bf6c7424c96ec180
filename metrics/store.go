package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"runway/aggregate"
	"runway/app"
	"runway/query"
	"runway/store"
)

// Store wraps st so that its operations are timed
// (runway_store_query_duration_seconds{op}); a write is timed whole, and
// each operation inside it too. Methods a later store adds pass through
// untimed until they are added here. A store that tells of session changes
// (store.SessionWatcher) still does through the wrapper. With a nil m, st
// itself is returned.
func (m *Metrics) Store(st store.Store) store.Store {
	if m == nil {
		return st
	}
	t := &timedStore{Store: st, ops: map[string]prometheus.Observer{}}
	for _, op := range storeOps {
		t.ops[op] = m.storeQueries.WithLabelValues(op)
	}
	if w, ok := st.(store.SessionWatcher); ok {
		return &timedWatchingStore{timedStore: t, SessionWatcher: w}
	}
	return t
}

// Unwrap returns the store a wrapper of Store times (or st itself).
func Unwrap(st store.Store) store.Store {
	switch t := st.(type) {
	case *timedStore:
		return t.Store
	case *timedWatchingStore:
		return t.Store
	}
	return st
}

var storeOps = []string{"Get", "GetMany", "Find", "Count", "Sync", "Write", "PasswordHash", "DeletePassword",
	"CreateSession", "Session", "TouchSession", "DeleteSession", "DeleteUserSessions", "DeleteExpiredSessions",
	"AppState", "SetAppState", "CreateJob", "Job", "ListJobs", "JobLogs", "ClaimJob", "HeartbeatJob",
	"TransitionJob", "StopStaleJobs", "AddJobLogs", "Insert", "Update", "Delete", "SetPassword", "NextSequence",
	"DeleteIDs", "InsertJob", "CheckpointJob", "Aggregate", "RecordIDs"}

type timedStore struct {
	store.Store
	ops map[string]prometheus.Observer // read only after Store
}

type timedWatchingStore struct {
	*timedStore
	store.SessionWatcher
}

func (s *timedStore) since(op string, t0 time.Time) { s.ops[op].Observe(time.Since(t0).Seconds()) }

func (s *timedStore) Get(ctx context.Context, e *app.Entity, id string) (*store.Row, error) {
	defer s.since("Get", time.Now())
	return s.Store.Get(ctx, e, id)
}

func (s *timedStore) GetMany(ctx context.Context, e *app.Entity, ids []string) ([]store.Row, error) {
	defer s.since("GetMany", time.Now())
	return s.Store.GetMany(ctx, e, ids)
}

func (s *timedStore) Find(ctx context.Context, e *app.Entity, sel *query.Select) ([]store.Row, error) {
	defer s.since("Find", time.Now())
	return s.Store.Find(ctx, e, sel)
}

func (s *timedStore) Count(ctx context.Context, e *app.Entity, where query.Expr) (int64, error) {
	defer s.since("Count", time.Now())
	return s.Store.Count(ctx, e, where)
}

func (s *timedStore) Sync(ctx context.Context, a *app.App) error {
	defer s.since("Sync", time.Now())
	return s.Store.Sync(ctx, a)
}

func (s *timedStore) Write(ctx context.Context, fn func(tx store.Tx) error) error {
	defer s.since("Write", time.Now())
	return s.Store.Write(ctx, func(tx store.Tx) error { return fn(&timedTx{Tx: tx, s: s}) })
}

func (s *timedStore) PasswordHash(ctx context.Context, userID string) (string, error) {
	defer s.since("PasswordHash", time.Now())
	return s.Store.PasswordHash(ctx, userID)
}

func (s *timedStore) DeletePassword(ctx context.Context, userID string) error {
	defer s.since("DeletePassword", time.Now())
	return s.Store.DeletePassword(ctx, userID)
}

func (s *timedStore) CreateSession(ctx context.Context, se *store.Session) error {
	defer s.since("CreateSession", time.Now())
	return s.Store.CreateSession(ctx, se)
}

func (s *timedStore) Session(ctx context.Context, tokenHash string) (*store.Session, error) {
	defer s.since("Session", time.Now())
	return s.Store.Session(ctx, tokenHash)
}

func (s *timedStore) TouchSession(ctx context.Context, tokenHash string, at int64) error {
	defer s.since("TouchSession", time.Now())
	return s.Store.TouchSession(ctx, tokenHash, at)
}

func (s *timedStore) DeleteSession(ctx context.Context, tokenHash string) error {
	defer s.since("DeleteSession", time.Now())
	return s.Store.DeleteSession(ctx, tokenHash)
}

func (s *timedStore) DeleteUserSessions(ctx context.Context, userID string) error {
	defer s.since("DeleteUserSessions", time.Now())
	return s.Store.DeleteUserSessions(ctx, userID)
}

func (s *timedStore) DeleteExpiredSessions(ctx context.Context, now int64) (int64, error) {
	defer s.since("DeleteExpiredSessions", time.Now())
	return s.Store.DeleteExpiredSessions(ctx, now)
}

func (s *timedStore) AppState(ctx context.Context, key string) (string, error) {
	defer s.since("AppState", time.Now())
	return s.Store.AppState(ctx, key)
}

func (s *timedStore) SetAppState(ctx context.Context, key, value string) error {
	defer s.since("SetAppState", time.Now())
	return s.Store.SetAppState(ctx, key, value)
}

func (s *timedStore) CreateJob(ctx context.Context, j *store.Job) error {
	defer s.since("CreateJob", time.Now())
	return s.Store.CreateJob(ctx, j)
}

func (s *timedStore) Job(ctx context.Context, id string) (*store.Job, error) {
	defer s.since("Job", time.Now())
	return s.Store.Job(ctx, id)
}

func (s *timedStore) ListJobs(ctx context.Context, f *store.JobFilter) ([]store.Job, int64, error) {
	defer s.since("ListJobs", time.Now())
	return s.Store.ListJobs(ctx, f)
}

func (s *timedStore) JobLogs(ctx context.Context, jobID string, f *store.JobLogFilter) ([]store.JobLog, int64, error) {
	defer s.since("JobLogs", time.Now())
	return s.Store.JobLogs(ctx, jobID, f)
}

func (s *timedStore) ClaimJob(ctx context.Context, c *store.JobClaim) (*store.Job, error) {
	defer s.since("ClaimJob", time.Now())
	return s.Store.ClaimJob(ctx, c)
}

func (s *timedStore) HeartbeatJob(ctx context.Context, id, owner string, now int64) (store.JobStatus, error) {
	defer s.since("HeartbeatJob", time.Now())
	return s.Store.HeartbeatJob(ctx, id, owner, now)
}

func (s *timedStore) TransitionJob(ctx context.Context, id string, ch *store.JobChange) (*store.Job, error) {
	defer s.since("TransitionJob", time.Now())
	return s.Store.TransitionJob(ctx, id, ch)
}

func (s *timedStore) StopStaleJobs(ctx context.Context, staleBefore, now int64, message string) ([]string, error) {
	defer s.since("StopStaleJobs", time.Now())
	return s.Store.StopStaleJobs(ctx, staleBefore, now, message)
}

func (s *timedStore) AddJobLogs(ctx context.Context, logs ...store.JobLog) error {
	defer s.since("AddJobLogs", time.Now())
	return s.Store.AddJobLogs(ctx, logs...)
}

// timedTx times the operations of a write transaction.
type timedTx struct {
	store.Tx
	s *timedStore
}

func (t *timedTx) Get(ctx context.Context, e *app.Entity, id string) (*store.Row, error) {
	defer t.s.since("Get", time.Now())
	return t.Tx.Get(ctx, e, id)
}

func (t *timedTx) GetMany(ctx context.Context, e *app.Entity, ids []string) ([]store.Row, error) {
	defer t.s.since("GetMany", time.Now())
	return t.Tx.GetMany(ctx, e, ids)
}

func (t *timedTx) Find(ctx context.Context, e *app.Entity, sel *query.Select) ([]store.Row, error) {
	defer t.s.since("Find", time.Now())
	return t.Tx.Find(ctx, e, sel)
}

func (t *timedTx) Count(ctx context.Context, e *app.Entity, where query.Expr) (int64, error) {
	defer t.s.since("Count", time.Now())
	return t.Tx.Count(ctx, e, where)
}

func (t *timedTx) Insert(ctx context.Context, e *app.Entity, r *store.Row) error {
	defer t.s.since("Insert", time.Now())
	return t.Tx.Insert(ctx, e, r)
}

func (t *timedTx) Update(ctx context.Context, e *app.Entity, r *store.Row, prevVersion int64) error {
	defer t.s.since("Update", time.Now())
	return t.Tx.Update(ctx, e, r, prevVersion)
}

func (t *timedTx) Delete(ctx context.Context, e *app.Entity, id string) error {
	defer t.s.since("Delete", time.Now())
	return t.Tx.Delete(ctx, e, id)
}

func (t *timedTx) SetPassword(ctx context.Context, userID, hash string) error {
	defer t.s.since("SetPassword", time.Now())
	return t.Tx.SetPassword(ctx, userID, hash)
}

func (t *timedTx) DeletePassword(ctx context.Context, userID string) error {
	defer t.s.since("DeletePassword", time.Now())
	return t.Tx.DeletePassword(ctx, userID)
}

func (t *timedTx) DeleteUserSessions(ctx context.Context, userID string) error {
	defer t.s.since("DeleteUserSessions", time.Now())
	return t.Tx.DeleteUserSessions(ctx, userID)
}

func (t *timedTx) NextSequence(ctx context.Context, name string, floor int64) (int64, error) {
	defer t.s.since("NextSequence", time.Now())
	return t.Tx.NextSequence(ctx, name, floor)
}

func (t *timedTx) DeleteIDs(ctx context.Context, e *app.Entity, ids []string) (int64, error) {
	defer t.s.since("DeleteIDs", time.Now())
	return t.Tx.DeleteIDs(ctx, e, ids)
}

func (t *timedTx) InsertJob(ctx context.Context, j *store.Job) error {
	defer t.s.since("InsertJob", time.Now())
	return t.Tx.InsertJob(ctx, j)
}

func (t *timedTx) CheckpointJob(ctx context.Context, id, owner string, p *store.JobProgress) (store.JobStatus, error) {
	defer t.s.since("CheckpointJob", time.Now())
	return t.Tx.CheckpointJob(ctx, id, owner, p)
}

func (t *timedTx) TransitionJob(ctx context.Context, id string, ch *store.JobChange) (*store.Job, error) {
	defer t.s.since("TransitionJob", time.Now())
	return t.Tx.TransitionJob(ctx, id, ch)
}

func (t *timedTx) AddJobLogs(ctx context.Context, logs ...store.JobLog) error {
	defer t.s.since("AddJobLogs", time.Now())
	return t.Tx.AddJobLogs(ctx, logs...)
}

// PlanAggregate, Aggregate, PlanRecords and RecordIDs pass
// store.Aggregator through (timed): a store that runs no aggregate in SQL
// plans no stage, so the others are not called.
func (s *timedStore) PlanAggregate(p *aggregate.Pipeline) int {
	if a, ok := s.Store.(store.Aggregator); ok {
		return a.PlanAggregate(p)
	}
	return 0
}

func (s *timedStore) Aggregate(ctx context.Context, p *aggregate.Pipeline, n, maxItems int) aggregate.Cursor {
	c := s.Store.(store.Aggregator).Aggregate(ctx, p, n, maxItems)
	return func(yield func(aggregate.Doc) bool) error {
		defer s.since("Aggregate", time.Now())
		return c(yield)
	}
}

func (s *timedStore) PlanRecords(p *aggregate.Pipeline) int {
	if a, ok := s.Store.(store.Aggregator); ok {
		return a.PlanRecords(p)
	}
	return 0
}

func (s *timedStore) RecordIDs(ctx context.Context, p *aggregate.Pipeline, n, maxItems int) ([]string, error) {
	defer s.since("RecordIDs", time.Now())
	return s.Store.(store.Aggregator).RecordIDs(ctx, p, n, maxItems)
}
