package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"runway/store"
	"runway/store/storetest"
)

// openEmpty opens a fresh SQLite store in a temporary directory.
func openEmpty(t testing.TB) store.Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "db", "runway.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestMatchAgreesWithSQL(t *testing.T) { storetest.MatchAgreesWithSQL(t, openEmpty) }
func TestMatchErrorsLikeSQL(t *testing.T) { storetest.MatchErrorsLikeSQL(t, openEmpty) }
func FuzzMatchAgreesWithSQL(f *testing.F) { storetest.FuzzMatchAgreesWithSQL(f, openEmpty) }

func TestFindOperators(t *testing.T) { storetest.FindOperators(t, openEmpty) }
func TestCompileErrors(t *testing.T) { storetest.CompileErrors(t, openEmpty) }
func TestSort(t *testing.T)          { storetest.Sort(t, openEmpty) }
func TestPaging(t *testing.T)        { storetest.Paging(t, openEmpty) }

func BenchmarkGet(b *testing.B)            { storetest.BenchmarkGet(b, openEmpty) }
func BenchmarkGetParallel(b *testing.B)    { storetest.BenchmarkGetParallel(b, openEmpty) }
func BenchmarkInsert(b *testing.B)         { storetest.BenchmarkInsert(b, openEmpty) }
func BenchmarkInsertBatch(b *testing.B)    { storetest.BenchmarkInsertBatch(b, openEmpty) }
func BenchmarkInsertParallel(b *testing.B) { storetest.BenchmarkInsertParallel(b, openEmpty) }

func TestNear(t *testing.T)                 { storetest.Near(t, openEmpty) }
func TestTextIndex(t *testing.T)            { storetest.TextIndex(t, openEmpty) }
func TestTextIndexInOneWrite(t *testing.T)  { storetest.TextIndexInOneWrite(t, openEmpty) }
func TestNestedObjectEquality(t *testing.T) { storetest.NestedObjectEquality(t, openEmpty) }

func TestClaimJob(t *testing.T)          { storetest.ClaimJob(t, openEmpty) }
func TestCheckpointFencing(t *testing.T) { storetest.CheckpointFencing(t, openEmpty) }
func TestTransitionJob(t *testing.T)     { storetest.TransitionJob(t, openEmpty) }
func TestStopStaleJobs(t *testing.T)     { storetest.StopStaleJobs(t, openEmpty) }
func TestDeleteIDs(t *testing.T)         { storetest.DeleteIDs(t, openEmpty) }

func TestCRUD(t *testing.T)               { storetest.CRUD(t, openEmpty) }
func TestUniqueIndexes(t *testing.T)      { storetest.UniqueIndexes(t, openEmpty) }
func TestUniqueConcurrent(t *testing.T)   { storetest.UniqueConcurrent(t, openEmpty) }
func TestSessionsAndSecrets(t *testing.T) { storetest.SessionsAndSecrets(t, openEmpty) }
func TestNextSequence(t *testing.T)       { storetest.NextSequence(t, openEmpty) }

// reopenable: every call opens the same database file.
func reopenable(t testing.TB) func() store.Store {
	path := filepath.Join(t.TempDir(), "db", "runway.db")
	return func() store.Store {
		s, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

func TestAppState(t *testing.T)          { storetest.AppState(t, reopenable) }
func TestJobsSurviveReopen(t *testing.T) { storetest.JobsSurviveReopen(t, reopenable) }
