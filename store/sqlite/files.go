package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"runway/store"
)

// filesMigration creates the file tables (migration 4): file metadata, the
// references records hold to files, share links.
var filesMigration = []string{
	`CREATE TABLE _files (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		content_type TEXT NOT NULL,
		size INTEGER NOT NULL,
		owner TEXT NOT NULL DEFAULT '',
		created INTEGER NOT NULL)`,
	`CREATE INDEX _files_created ON _files (created)`,
	`CREATE TABLE _file_refs (
		file_id TEXT NOT NULL,
		entity TEXT NOT NULL,
		record_id TEXT NOT NULL,
		PRIMARY KEY (file_id, entity, record_id)) WITHOUT ROWID`,
	`CREATE INDEX _file_refs_record ON _file_refs (entity, record_id)`,
	`CREATE TABLE _shared_files (
		id TEXT PRIMARY KEY,
		file_id TEXT NOT NULL,
		created INTEGER NOT NULL,
		expires INTEGER NOT NULL)`,
	`CREATE INDEX _shared_files_file ON _shared_files (file_id)`,
}

// idList binds a list of ids as one parameter (read with json_each).
func idList(ids []string) string {
	if ids == nil {
		ids = []string{}
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

const inList = `(SELECT value FROM json_each(?))`

func (s *Store) InsertFile(ctx context.Context, f *store.File) error {
	_, err := s.wdb.ExecContext(ctx, `INSERT INTO _files (id, name, content_type, size, owner, created)
		VALUES (?, ?, ?, ?, ?, ?)`, f.ID, f.Name, f.ContentType, f.Size, f.Owner, f.Created)
	if err != nil {
		return fmt.Errorf("sqlite: insert file %s: %w", f.ID, err)
	}
	return nil
}

func (s *Store) Files(ctx context.Context, ids []string) ([]store.File, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, name, content_type, size, owner, created
		FROM _files WHERE id IN `+inList, idList(ids))
	if err != nil {
		return nil, fmt.Errorf("sqlite: read files: %w", err)
	}
	defer rows.Close()
	var out []store.File
	for rows.Next() {
		var f store.File
		if err := rows.Scan(&f.ID, &f.Name, &f.ContentType, &f.Size, &f.Owner, &f.Created); err != nil {
			return nil, fmt.Errorf("sqlite: read files: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// deleteReturning runs a DELETE … RETURNING id on the write connection
// (one statement: atomic against every other write of this single writer).
func (s *Store) deleteReturning(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.wdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: delete files: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: delete files: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

const unreferenced = `NOT EXISTS (SELECT 1 FROM _file_refs r WHERE r.file_id = _files.id)`

func (s *Store) DeleteUnreferencedFiles(ctx context.Context, ids []string) ([]string, error) {
	return s.deleteReturning(ctx, `DELETE FROM _files WHERE id IN `+inList+` AND `+unreferenced+` RETURNING id`, idList(ids))
}

func (s *Store) DeleteTemporaryFiles(ctx context.Context, createdBefore int64, limit int) ([]string, error) {
	return s.deleteReturning(ctx, `DELETE FROM _files WHERE id IN (
		SELECT id FROM _files WHERE created < ? AND `+unreferenced+` ORDER BY created LIMIT ?) RETURNING id`, createdBefore, limit)
}

func (s *Store) InsertSharedFile(ctx context.Context, sh *store.SharedFile) error {
	_, err := s.wdb.ExecContext(ctx, `INSERT INTO _shared_files (id, file_id, created, expires) VALUES (?, ?, ?, ?)`,
		sh.ID, sh.FileID, sh.Created, sh.Expires)
	if err != nil {
		return fmt.Errorf("sqlite: insert shared file: %w", err)
	}
	return nil
}

func (s *Store) SharedFile(ctx context.Context, id string) (*store.SharedFile, error) {
	sh := &store.SharedFile{}
	err := s.rdb.QueryRowContext(ctx, `SELECT id, file_id, created, expires FROM _shared_files WHERE id = ?`, id).
		Scan(&sh.ID, &sh.FileID, &sh.Created, &sh.Expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: read shared file: %w", err)
	}
	return sh, nil
}

func (s *Store) DeleteSharedFiles(ctx context.Context, fileID string) error {
	if _, err := s.wdb.ExecContext(ctx, `DELETE FROM _shared_files WHERE file_id = ?`, fileID); err != nil {
		return fmt.Errorf("sqlite: delete shared files: %w", err)
	}
	return nil
}

// DeleteExpiredSharedFiles also removes the links of deleted files.
func (s *Store) DeleteExpiredSharedFiles(ctx context.Context, now int64) (int64, error) {
	res, err := s.wdb.ExecContext(ctx, `DELETE FROM _shared_files WHERE expires <> 0 AND expires <= ?
		OR NOT EXISTS (SELECT 1 FROM _files f WHERE f.id = _shared_files.file_id)`, now)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired shared files: %w", err)
	}
	return res.RowsAffected()
}

// SetFileRefs runs inside the single writer's transaction: no other write
// can delete a file between the check and the insert.
func (t *tx) SetFileRefs(ctx context.Context, entity, recordID string, fileIDs []string) error {
	list := idList(fileIDs)
	rows, err := t.tx.QueryContext(ctx, `SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM _files)`, list)
	if err != nil {
		return fmt.Errorf("sqlite: file references: %w", err)
	}
	var missing []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: file references: %w", err)
		}
		missing = append(missing, id)
	}
	rows.Close()
	if len(missing) > 0 {
		return &store.MissingFilesError{IDs: missing}
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM _file_refs WHERE entity = ? AND record_id = ? AND file_id NOT IN `+inList,
		entity, recordID, list); err != nil {
		return fmt.Errorf("sqlite: file references: %w", err)
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO _file_refs (file_id, entity, record_id)
		SELECT value, ?, ? FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`, entity, recordID, list); err != nil {
		return fmt.Errorf("sqlite: file references: %w", err)
	}
	return nil
}

func (t *tx) DeleteFileRefs(ctx context.Context, entity string, recordIDs []string) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM _file_refs WHERE entity = ? AND record_id IN `+inList,
		entity, idList(recordIDs)); err != nil {
		return fmt.Errorf("sqlite: delete file references: %w", err)
	}
	return nil
}
