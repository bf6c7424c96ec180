// Package storetest is the conformance suite of store.Store: the tests every
// implementation (store/sqlite, store/postgres) must pass, and the fixtures
// they share. Each implementation calls them from its own test files with a
// function opening a fresh, empty store; tests needing an implementation's
// internals stay in its package.
package storetest

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"runway/app"
	"runway/store"
)

// Opener opens a fresh, empty store for one test, closed at the test's
// cleanup (or skips the test when the implementation is not available).
type Opener func(t testing.TB) store.Store

// repoDir is the repository's root directory.
func repoDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// openSynced opens a store with open and syncs it with a.
func openSynced(t testing.TB, open Opener, a *app.App) store.Store {
	t.Helper()
	s := open(t)
	if err := s.Sync(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return s
}

// Insert stores rows in e in one write transaction.
func Insert(t testing.TB, s store.Store, e *app.Entity, rows ...*store.Row) {
	t.Helper()
	err := s.Write(context.Background(), func(tx store.Tx) error {
		for _, r := range rows {
			if err := tx.Insert(context.Background(), e, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Open opens a store with open, synced with App(); it returns the app too.
func Open(t testing.TB, open Opener) (store.Store, *app.App) {
	t.Helper()
	a := App()
	return openSynced(t, open, a), a
}

// Run runs every conformance test of the suite as a subtest of t.
func Run(t *testing.T, open Opener, reopen Reopener) {
	for _, c := range []struct {
		name string
		test func(*testing.T, Opener)
	}{
		{"CRUD", CRUD}, {"UniqueIndexes", UniqueIndexes}, {"UniqueConcurrent", UniqueConcurrent}, {"GroupCommit", GroupCommit},
		{"SessionsAndSecrets", SessionsAndSecrets}, {"NextSequence", NextSequence},
		{"FindOperators", FindOperators}, {"CompileErrors", CompileErrors}, {"Sort", Sort}, {"Paging", Paging},
		{"Near", Near}, {"TextIndex", TextIndex}, {"TextIndexInOneWrite", TextIndexInOneWrite},
		{"NestedObjectEquality", NestedObjectEquality},
		{"ClaimJob", ClaimJob}, {"ClaimQueueLimits", ClaimQueueLimits}, {"CheckpointFencing", CheckpointFencing},
		{"TransitionJob", TransitionJob}, {"StopStaleJobs", StopStaleJobs}, {"DeleteIDs", DeleteIDs},
		{"KeyValues", KeyValues}, {"BadNames", BadNames}, {"Files", Files}, {"FileRefsRace", FileRefsRace},
		{"History", History}, {"AppLogs", AppLogs}, {"Locks", Locks}, {"Counts", Counts},
		{"MatchAgreesWithSQL", MatchAgreesWithSQL}, {"SortAgreesWithCompare", SortAgreesWithCompare},
		{"AggregateAgreesWithGo", AggregateAgreesWithGo}, {"MatchErrorsLikeSQL", MatchErrorsLikeSQL},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, open) })
	}
	t.Run("AppState", func(t *testing.T) { AppState(t, reopen) })
	t.Run("JobsSurviveReopen", func(t *testing.T) { JobsSurviveReopen(t, reopen) })
}

// Bench runs every benchmark of the suite as a sub-benchmark of b.
func Bench(b *testing.B, open Opener) {
	for _, c := range []struct {
		name  string
		bench func(*testing.B, Opener)
	}{
		{"Get", BenchmarkGet}, {"GetParallel", BenchmarkGetParallel}, {"Insert", BenchmarkInsert},
		{"InsertBatch", BenchmarkInsertBatch}, {"InsertParallel", BenchmarkInsertParallel}, {"ImportBatch", BenchmarkImportBatch},
	} {
		b.Run(c.name, func(b *testing.B) { c.bench(b, open) })
	}
}
