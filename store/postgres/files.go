package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"runway/store"
)

// filesMigration creates the file tables (migration 3): file metadata, the
// references records hold to files, share links.
var filesMigration = []string{
	`CREATE TABLE _files (
		id text COLLATE "C" PRIMARY KEY,
		name text NOT NULL,
		content_type text NOT NULL,
		size bigint NOT NULL,
		owner text NOT NULL DEFAULT '',
		created bigint NOT NULL)`,
	`CREATE INDEX _files_created ON _files (created)`,
	`CREATE TABLE _file_refs (
		file_id text COLLATE "C" NOT NULL,
		entity text NOT NULL,
		record_id text COLLATE "C" NOT NULL,
		PRIMARY KEY (file_id, entity, record_id))`,
	`CREATE INDEX _file_refs_record ON _file_refs (entity, record_id)`,
	`CREATE TABLE _shared_files (
		id text COLLATE "C" PRIMARY KEY,
		file_id text COLLATE "C" NOT NULL,
		created bigint NOT NULL,
		expires bigint NOT NULL)`,
	`CREATE INDEX _shared_files_file ON _shared_files (file_id)`,
}

func ids(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

func (s *Store) InsertFile(ctx context.Context, f *store.File) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO _files (id, name, content_type, size, owner, created)
		VALUES ($1, $2, $3, $4, $5, $6)`, f.ID, f.Name, f.ContentType, f.Size, f.Owner, f.Created)
	if err != nil {
		return fmt.Errorf("postgres: insert file %s: %w", f.ID, err)
	}
	return nil
}

func (s *Store) Files(ctx context.Context, list []string) ([]store.File, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, content_type, size, owner, created
		FROM _files WHERE id = ANY($1)`, ids(list))
	if err != nil {
		return nil, fmt.Errorf("postgres: read files: %w", err)
	}
	defer rows.Close()
	var out []store.File
	for rows.Next() {
		var f store.File
		if err := rows.Scan(&f.ID, &f.Name, &f.ContentType, &f.Size, &f.Owner, &f.Created); err != nil {
			return nil, fmt.Errorf("postgres: read files: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func collectIDs(rows pgx.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

const unreferenced = `NOT EXISTS (SELECT 1 FROM _file_refs r WHERE r.file_id = _files.id)`

// deleteLocked deletes, in one transaction, the files the lock query
// selects and locks (FOR UPDATE) that no record references. The check
// runs in a statement after the locks are held: a transaction adding a
// reference locks the file FOR SHARE (SetFileRefs), so it either
// committed before — and this statement's snapshot sees its reference —
// or waits, and then finds the file gone.
func (s *Store) deleteLocked(ctx context.Context, lock string, args ...any) ([]string, error) {
	var gone []string
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		cands, err := collectIDs(tx.Query(ctx, lock, args...))
		if err != nil || len(cands) == 0 {
			return err
		}
		gone, err = collectIDs(tx.Query(ctx, `DELETE FROM _files WHERE id = ANY($1) AND `+unreferenced+` RETURNING id`, cands))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: delete files: %w", err)
	}
	return gone, nil
}

func (s *Store) DeleteUnreferencedFiles(ctx context.Context, list []string) ([]string, error) {
	return s.deleteLocked(ctx, `SELECT id FROM _files WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids(list))
}

func (s *Store) DeleteTemporaryFiles(ctx context.Context, createdBefore int64, limit int) ([]string, error) {
	return s.deleteLocked(ctx, `SELECT id FROM _files WHERE created < $1 AND `+unreferenced+`
		ORDER BY created LIMIT $2 FOR UPDATE SKIP LOCKED`, createdBefore, limit)
}

func (s *Store) InsertSharedFile(ctx context.Context, sh *store.SharedFile) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO _shared_files (id, file_id, created, expires) VALUES ($1, $2, $3, $4)`,
		sh.ID, sh.FileID, sh.Created, sh.Expires)
	if err != nil {
		return fmt.Errorf("postgres: insert shared file: %w", err)
	}
	return nil
}

func (s *Store) SharedFile(ctx context.Context, id string) (*store.SharedFile, error) {
	sh := &store.SharedFile{}
	err := s.pool.QueryRow(ctx, `SELECT id, file_id, created, expires FROM _shared_files WHERE id = $1`, id).
		Scan(&sh.ID, &sh.FileID, &sh.Created, &sh.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: read shared file: %w", err)
	}
	return sh, nil
}

func (s *Store) DeleteSharedFiles(ctx context.Context, fileID string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM _shared_files WHERE file_id = $1`, fileID); err != nil {
		return fmt.Errorf("postgres: delete shared files: %w", err)
	}
	return nil
}

// DeleteExpiredSharedFiles also removes the links of deleted files.
func (s *Store) DeleteExpiredSharedFiles(ctx context.Context, now int64) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM _shared_files WHERE expires <> 0 AND expires <= $1
		OR NOT EXISTS (SELECT 1 FROM _files f WHERE f.id = _shared_files.file_id)`, now)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired shared files: %w", err)
	}
	return tag.RowsAffected(), nil
}

// SetFileRefs locks the files FOR SHARE first (in id order): a concurrent
// delete of one of them waits for this transaction, or has happened and
// the file is missing.
func (t *tx) SetFileRefs(ctx context.Context, entity, recordID string, fileIDs []string) error {
	list := ids(fileIDs)
	found, err := collectIDs(t.tx.Query(ctx, `SELECT id FROM _files WHERE id = ANY($1) ORDER BY id FOR SHARE`, list))
	if err != nil {
		return fmt.Errorf("postgres: file references: %w", err)
	}
	var missing []string
	for _, id := range list {
		if !slices.Contains(found, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return &store.MissingFilesError{IDs: missing}
	}
	if _, err := t.tx.Exec(ctx, `DELETE FROM _file_refs WHERE entity = $1 AND record_id = $2 AND NOT (file_id = ANY($3))`,
		entity, recordID, list); err != nil {
		return fmt.Errorf("postgres: file references: %w", err)
	}
	if _, err := t.tx.Exec(ctx, `INSERT INTO _file_refs (file_id, entity, record_id)
		SELECT unnest($3::text[]), $1, $2 ON CONFLICT DO NOTHING`, entity, recordID, list); err != nil {
		return fmt.Errorf("postgres: file references: %w", err)
	}
	return nil
}

func (t *tx) DeleteFileRefs(ctx context.Context, entity string, recordIDs []string) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM _file_refs WHERE entity = $1 AND record_id = ANY($2)`, entity, ids(recordIDs)); err != nil {
		return fmt.Errorf("postgres: delete file references: %w", err)
	}
	return nil
}
