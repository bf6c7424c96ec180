package sqlite

import (
	"context"

	"runway/store"
	"runway/store/sqlstore"
)

// Files: the statements are sqlstore's. Reads run on the read pool,
// writes on the write connection outside the writer — each a statement of
// its own, or a select and a delete that need no lock between them: the
// delete checks the references again, and no other write runs between
// statements of this single writer; references change in the writer's
// transaction.

func (s *Store) InsertFile(ctx context.Context, f *store.File) error {
	return dialect.InsertFile(ctx, sqlDB{s.wdb}, f)
}

func (s *Store) Files(ctx context.Context, ids []string) (out []store.File, err error) {
	err = s.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		out, err = dialect.Files(ctx, db, ids)
		return err
	})
	return out, err
}

func (s *Store) DeleteUnreferencedFiles(ctx context.Context, ids []string) ([]string, error) {
	return dialect.DeleteUnreferencedFiles(ctx, sqlDB{s.wdb}, ids)
}

func (s *Store) DeleteTemporaryFiles(ctx context.Context, createdBefore int64, limit int) ([]string, error) {
	return dialect.DeleteTemporaryFiles(ctx, sqlDB{s.wdb}, createdBefore, limit)
}

func (s *Store) InsertSharedFile(ctx context.Context, sh *store.SharedFile) error {
	return dialect.InsertSharedFile(ctx, sqlDB{s.wdb}, sh)
}

func (s *Store) SharedFile(ctx context.Context, id string) (sh *store.SharedFile, err error) {
	err = s.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		sh, err = dialect.SharedFile(ctx, db, id)
		return err
	})
	return sh, err
}

func (s *Store) DeleteSharedFiles(ctx context.Context, fileID string) error {
	return dialect.DeleteSharedFiles(ctx, sqlDB{s.wdb}, fileID)
}

func (s *Store) DeleteExpiredSharedFiles(ctx context.Context, now int64) (int64, error) {
	return dialect.DeleteExpiredSharedFiles(ctx, sqlDB{s.wdb}, now)
}

func (t *tx) SetFileRefs(ctx context.Context, entity, recordID string, fileIDs []string) error {
	return dialect.SetFileRefs(ctx, t.w(), entity, recordID, fileIDs)
}

func (t *tx) DeleteFileRefs(ctx context.Context, entity string, recordIDs []string) error {
	return dialect.DeleteFileRefs(ctx, t.w(), entity, recordIDs)
}
