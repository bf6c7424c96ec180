package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"runway/store"
)

func file(i int, created int64) *store.File {
	return &store.File{ID: ID(1000 + i), Name: fmt.Sprintf("f%d.txt", i), ContentType: "text/plain", Size: int64(i), Owner: "u", Created: created}
}

func setRefs(ctx context.Context, s store.Store, rec string, ids ...string) error {
	return s.Write(ctx, func(tx store.Tx) error { return tx.SetFileRefs(ctx, "companies", rec, ids) })
}

// Files: metadata, references (set, replaced, removed with records), the
// deletes that spare referenced files, share links.
func Files(t *testing.T, open Opener) {
	s, _ := Open(t, open)
	ctx := context.Background()
	for i := 1; i <= 4; i++ {
		if err := s.InsertFile(ctx, file(i, int64(i*100))); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Files(ctx, []string{ID(1001), ID(1003), ID(9)})
	if err != nil || len(got) != 2 {
		t.Fatalf("Files: %v %v", got, err)
	}
	slices.SortFunc(got, func(a, b store.File) int { return int(a.Size - b.Size) })
	if got[0] != *file(1, 100) || got[1] != *file(3, 300) {
		t.Fatalf("Files: %+v", got)
	}
	if got, err := s.Files(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("Files(nil): %v %v", got, err)
	}
	// References: a missing file fails the whole call.
	err = setRefs(ctx, s, ID(1), ID(1001), ID(9))
	if m := store.MissingFiles(err); len(m) != 1 || m[0] != ID(9) {
		t.Fatalf("missing file: %v", err)
	}
	if err := setRefs(ctx, s, ID(1), ID(1001), ID(1002)); err != nil {
		t.Fatal(err)
	}
	if err := setRefs(ctx, s, ID(2), ID(1002)); err != nil {
		t.Fatal(err)
	}
	// Record 1 drops file 1002 (record 2 still holds it) and file 1001.
	if err := setRefs(ctx, s, ID(1), ID(1003)); err != nil {
		t.Fatal(err)
	}
	gone, err := s.DeleteUnreferencedFiles(ctx, []string{ID(1001), ID(1002), ID(1003)})
	if err != nil || !slices.Equal(gone, []string{ID(1001)}) {
		t.Fatalf("DeleteUnreferencedFiles: %v %v", gone, err)
	}
	// Temporary files: unreferenced and older than the time (1004, not 1003).
	gone, err = s.DeleteTemporaryFiles(ctx, 10_000, 10)
	if err != nil || !slices.Equal(gone, []string{ID(1004)}) {
		t.Fatalf("DeleteTemporaryFiles: %v %v", gone, err)
	}
	// Deleting records removes their references.
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.DeleteFileRefs(ctx, "companies", []string{ID(1), ID(2)}) }); err != nil {
		t.Fatal(err)
	}
	gone, err = s.DeleteTemporaryFiles(ctx, 10_000, 1) // limit 1: the oldest first
	if err != nil || !slices.Equal(gone, []string{ID(1002)}) {
		t.Fatalf("DeleteTemporaryFiles after the records went: %v %v", gone, err)
	}
	// Share links.
	if err := s.InsertFile(ctx, file(5, 500)); err != nil {
		t.Fatal(err)
	}
	for i, exp := range []int64{1000, 0, 3000} {
		if err := s.InsertSharedFile(ctx, &store.SharedFile{ID: ID(2000 + i), FileID: ID(1005), Created: 1, Expires: exp}); err != nil {
			t.Fatal(err)
		}
	}
	if sh, err := s.SharedFile(ctx, ID(2001)); err != nil || sh.FileID != ID(1005) || sh.Expires != 0 {
		t.Fatalf("SharedFile: %+v %v", sh, err)
	}
	if _, err := s.SharedFile(ctx, ID(2999)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing shared file: %v", err)
	}
	if n, err := s.DeleteExpiredSharedFiles(ctx, 2000); err != nil || n != 1 {
		t.Fatalf("expired at 2000: %d %v", n, err)
	}
	// The links of a deleted file go with the next sweep.
	if gone, err := s.DeleteUnreferencedFiles(ctx, []string{ID(1005)}); err != nil || len(gone) != 1 {
		t.Fatalf("delete 1005: %v %v", gone, err)
	}
	if n, err := s.DeleteExpiredSharedFiles(ctx, 0); err != nil || n != 2 {
		t.Fatalf("links of a deleted file: %d %v", n, err)
	}
	if err := s.InsertFile(ctx, file(6, 600)); err != nil {
		t.Fatal(err)
	}
	_ = s.InsertSharedFile(ctx, &store.SharedFile{ID: ID(2010), FileID: ID(1006), Created: 1})
	if err := s.DeleteSharedFiles(ctx, ID(1006)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SharedFile(ctx, ID(2010)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unshared: %v", err)
	}
}

// FileRefsRace: references are added while other callers delete the same
// files when unreferenced. A reference that committed always has its file:
// no committed record points to a deleted file.
func FileRefsRace(t *testing.T, open Opener) {
	s, _ := Open(t, open)
	ctx := context.Background()
	const n = 60
	ids := make([]string, n)
	for i := range n {
		ids[i] = ID(3000 + i)
		if err := s.InsertFile(ctx, &store.File{ID: ids[i], Name: "x", ContentType: "text/plain", Created: 1}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	attached := map[string]bool{}
	errs := make(chan error, n+4)
	for i := range n {
		wg.Go(func() {
			err := setRefs(ctx, s, ID(5000+i), ids[i])
			switch {
			case err == nil:
				mu.Lock()
				attached[ids[i]] = true
				mu.Unlock()
			case store.MissingFiles(err) == nil:
				errs <- err
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 5 {
				if _, err := s.DeleteUnreferencedFiles(ctx, ids); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var want []string
	for id := range attached {
		want = append(want, id)
	}
	got, err := s.Files(ctx, want)
	if err != nil || len(got) != len(want) {
		t.Fatalf("%d files referenced by committed writes, %d still there: %v", len(want), len(got), err)
	}
}
