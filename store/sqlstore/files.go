package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"runway/store"
)

// Files (store.Files, store.FileTx) on tables _files (metadata),
// _file_refs (which record holds which file) and _shared_files (share
// links). A committed record never points to a missing file: a reference
// is added only to a file whose row is there, read in the record's write
// transaction (locked FOR SHARE where several processes write), and a
// file is deleted only by a statement that finds no reference to it,
// after its row was locked FOR UPDATE (so every reference that committed
// is seen, and one being added waits and then finds the file gone).

// FilesDDL creates the file tables; a store runs it as one of its
// migrations.
func (d *Dialect) FilesDDL() []string {
	id := "text" + d.Bytewise
	return []string{
		`CREATE TABLE _files (
			id ` + id + ` PRIMARY KEY,
			name text NOT NULL,
			content_type text NOT NULL,
			size bigint NOT NULL,
			owner text NOT NULL DEFAULT '',
			created bigint NOT NULL)`,
		`CREATE INDEX _files_created ON _files (created)`,
		`CREATE TABLE _file_refs (
			file_id ` + id + ` NOT NULL,
			entity text NOT NULL,
			record_id ` + id + ` NOT NULL,
			PRIMARY KEY (file_id, entity, record_id))`,
		`CREATE INDEX _file_refs_record ON _file_refs (entity, record_id)`,
		`CREATE TABLE _shared_files (
			id ` + id + ` PRIMARY KEY,
			file_id ` + id + ` NOT NULL,
			created bigint NOT NULL,
			expires bigint NOT NULL)`,
		`CREATE INDEX _shared_files_file ON _shared_files (file_id)`,
	}
}

// locked appends a row lock clause where several processes write (""
// for a single writer, whose statements never interleave).
func (d *Dialect) locked(clause string) string {
	if !d.RowLocks {
		return ""
	}
	return clause
}

const fileColumns = `id, name, content_type, size, owner, created`

// InsertFile stores the metadata of a file whose blob is written.
func (d *Dialect) InsertFile(ctx context.Context, db DB, f *store.File) error {
	if _, err := db.Exec(ctx, `INSERT INTO _files (`+fileColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		f.ID, f.Name, f.ContentType, f.Size, f.Owner, f.Created); err != nil {
		return fmt.Errorf("%s: insert file %s: %w", d.Name, f.ID, err)
	}
	return nil
}

// Files reads the files with these ids (missing ones are absent).
func (d *Dialect) Files(ctx context.Context, db DB, ids []string) ([]store.File, error) {
	rows, err := db.Query(ctx, `SELECT `+fileColumns+` FROM _files WHERE `+d.In("id", "$1"), d.TextList(ids))
	if err != nil {
		return nil, fmt.Errorf("%s: read files: %w", d.Name, err)
	}
	defer rows.Close()
	var out []store.File
	for rows.Next() {
		var f store.File
		if err := rows.Scan(&f.ID, &f.Name, &f.ContentType, &f.Size, &f.Owner, &f.Created); err != nil {
			return nil, fmt.Errorf("%s: read files: %w", d.Name, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func (d *Dialect) ids(ctx context.Context, db DB, q string, args ...any) ([]string, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return ScanStrings(rows)
}

const unreferenced = `NOT EXISTS (SELECT 1 FROM _file_refs r WHERE r.file_id = _files.id)`

// deleteUnreferenced deletes, of the files the candidate query selects
// (and locks), those no record references, and returns their ids. db
// must be a transaction where RowLocks holds: the check runs in a
// statement after the locks are taken.
func (d *Dialect) deleteUnreferenced(ctx context.Context, db DB, candidates string, args ...any) ([]string, error) {
	cands, err := d.ids(ctx, db, candidates, args...)
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	return d.ids(ctx, db, `DELETE FROM _files WHERE `+d.In("id", "$1")+` AND `+unreferenced+` RETURNING id`, d.TextList(cands))
}

// DeleteUnreferencedFiles deletes, of these files, those no record
// references (a transaction: see deleteUnreferenced).
func (d *Dialect) DeleteUnreferencedFiles(ctx context.Context, db DB, ids []string) ([]string, error) {
	gone, err := d.deleteUnreferenced(ctx, db, `SELECT id FROM _files WHERE `+d.In("id", "$1")+` ORDER BY id`+d.locked(" FOR UPDATE"),
		d.TextList(ids))
	if err != nil {
		return nil, fmt.Errorf("%s: delete files: %w", d.Name, err)
	}
	return gone, nil
}

// DeleteTemporaryFiles deletes up to limit files created before the time
// that no record references, oldest first (a transaction: see
// deleteUnreferenced; files another process is deleting are skipped).
func (d *Dialect) DeleteTemporaryFiles(ctx context.Context, db DB, createdBefore int64, limit int) ([]string, error) {
	gone, err := d.deleteUnreferenced(ctx, db, `SELECT id FROM _files WHERE created < $1 AND `+unreferenced+`
		ORDER BY created LIMIT $2`+d.locked(" FOR UPDATE SKIP LOCKED"), createdBefore, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: delete temporary files: %w", d.Name, err)
	}
	return gone, nil
}

// InsertSharedFile stores a share link.
func (d *Dialect) InsertSharedFile(ctx context.Context, db DB, sh *store.SharedFile) error {
	if _, err := db.Exec(ctx, `INSERT INTO _shared_files (id, file_id, created, expires) VALUES ($1, $2, $3, $4)`,
		sh.ID, sh.FileID, sh.Created, sh.Expires); err != nil {
		return fmt.Errorf("%s: insert shared file: %w", d.Name, err)
	}
	return nil
}

// SharedFile reads a share link (store.ErrNotFound when missing).
func (d *Dialect) SharedFile(ctx context.Context, db DB, id string) (*store.SharedFile, error) {
	sh := &store.SharedFile{}
	switch err := db.QueryRow(ctx, `SELECT id, file_id, created, expires FROM _shared_files WHERE id = $1`, id).
		Scan(&sh.ID, &sh.FileID, &sh.Created, &sh.Expires); {
	case errors.Is(err, ErrNoRows):
		return nil, store.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("%s: read shared file: %w", d.Name, err)
	}
	return sh, nil
}

// DeleteSharedFiles removes every share link of a file.
func (d *Dialect) DeleteSharedFiles(ctx context.Context, db DB, fileID string) error {
	if _, err := db.Exec(ctx, `DELETE FROM _shared_files WHERE file_id = $1`, fileID); err != nil {
		return fmt.Errorf("%s: delete shared files: %w", d.Name, err)
	}
	return nil
}

// DeleteExpiredSharedFiles removes the links expired at now, and those
// of deleted files.
func (d *Dialect) DeleteExpiredSharedFiles(ctx context.Context, db DB, now int64) (int64, error) {
	n, err := db.Exec(ctx, `DELETE FROM _shared_files WHERE expires <> 0 AND expires <= $1
		OR NOT EXISTS (SELECT 1 FROM _files f WHERE f.id = _shared_files.file_id)`, now)
	if err != nil {
		return 0, fmt.Errorf("%s: delete expired shared files: %w", d.Name, err)
	}
	return n, nil
}

// SetFileRefs makes ids the files a record references, in the record's
// write transaction; a file that does not exist (any more) fails it with
// a *store.MissingFilesError.
func (d *Dialect) SetFileRefs(ctx context.Context, db DB, entity, recordID string, ids []string) error {
	if ids == nil {
		ids = []string{} // an empty list, not NULL: every reference goes
	}
	list := d.TextList(ids)
	found, err := d.ids(ctx, db, `SELECT id FROM _files WHERE `+d.In("id", "$1")+` ORDER BY id`+d.locked(" FOR SHARE"), list)
	if err != nil {
		return fmt.Errorf("%s: file references: %w", d.Name, err)
	}
	var missing []string
	for _, id := range ids {
		if !slices.Contains(found, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return &store.MissingFilesError{IDs: missing}
	}
	if _, err := db.Exec(ctx, `DELETE FROM _file_refs WHERE entity = $1 AND record_id = $2 AND NOT (`+d.In("file_id", "$3")+`)`,
		entity, recordID, list); err != nil {
		return fmt.Errorf("%s: file references: %w", d.Name, err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO _file_refs (file_id, entity, record_id)
		SELECT id, $2, $3 FROM _files WHERE `+d.In("id", "$1")+` ON CONFLICT DO NOTHING`, list, entity, recordID); err != nil {
		return fmt.Errorf("%s: file references: %w", d.Name, err)
	}
	return nil
}

// DeleteFileRefs removes every reference of these records.
func (d *Dialect) DeleteFileRefs(ctx context.Context, db DB, entity string, recordIDs []string) error {
	if _, err := db.Exec(ctx, `DELETE FROM _file_refs WHERE entity = $1 AND `+d.In("record_id", "$2"),
		entity, d.TextList(recordIDs)); err != nil {
		return fmt.Errorf("%s: delete file references: %w", d.Name, err)
	}
	return nil
}
