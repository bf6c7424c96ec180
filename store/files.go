package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// File is the metadata of an uploaded file; its content is the blob of the
// same id (package blob). A file no record references is temporary.
type File struct {
	ID          string
	Name        string // the name given at upload, made safe (package files)
	ContentType string
	Size        int64
	Owner       string // id of the user who uploaded it ("" for the system)
	Created     int64  // ms
}

// SharedFile is a public link to a file (rest-api.md §7.4).
type SharedFile struct {
	ID      string
	FileID  string
	Created int64 // ms
	Expires int64 // ms; 0 = never
}

// Files keeps file metadata, the references records hold to files, and
// share links. References change in the write transaction of the record
// that holds them (FileTx), so a committed record never points to a file
// that is gone: a file is deleted only by a statement that finds no
// reference to it, and a reference is added only to a file still there.
type Files interface {
	// InsertFile stores the metadata of a file whose blob is written.
	InsertFile(ctx context.Context, f *File) error
	// Files reads the files with these ids, in no particular order;
	// missing ids are absent. One round trip.
	Files(ctx context.Context, ids []string) ([]File, error)
	// DeleteUnreferencedFiles deletes, of the files with these ids, those
	// no record references, and returns their ids (their blobs are the
	// caller's to delete).
	DeleteUnreferencedFiles(ctx context.Context, ids []string) ([]string, error)
	// DeleteTemporaryFiles deletes up to limit files created before the
	// time (ms) that no record references, and returns their ids.
	DeleteTemporaryFiles(ctx context.Context, createdBefore int64, limit int) ([]string, error)

	// InsertSharedFile stores a share link.
	InsertSharedFile(ctx context.Context, s *SharedFile) error
	// SharedFile reads a share link (ErrNotFound when missing).
	SharedFile(ctx context.Context, id string) (*SharedFile, error)
	// DeleteSharedFiles removes every share link of a file.
	DeleteSharedFiles(ctx context.Context, fileID string) error
	// DeleteExpiredSharedFiles removes the links expired at now (ms).
	DeleteExpiredSharedFiles(ctx context.Context, now int64) (int64, error)
}

// FileTx changes the file references of records, in the transaction that
// writes the records.
type FileTx interface {
	// SetFileRefs makes fileIDs the files the record references (its
	// other references are removed). A file that does not exist fails
	// the call with a *MissingFilesError.
	SetFileRefs(ctx context.Context, entity, recordID string, fileIDs []string) error
	// DeleteFileRefs removes every reference of these records.
	DeleteFileRefs(ctx context.Context, entity string, recordIDs []string) error
}

// MissingFilesError is the error of a reference to files that do not
// exist (never uploaded, or deleted in the meantime).
type MissingFilesError struct{ IDs []string }

func (e *MissingFilesError) Error() string {
	return fmt.Sprintf("store: no file %s", strings.Join(e.IDs, ", "))
}

// MissingFiles returns the ids of a *MissingFilesError in err (nil if none).
func MissingFiles(err error) []string {
	var m *MissingFilesError
	if errors.As(err, &m) {
		return m.IDs
	}
	return nil
}
