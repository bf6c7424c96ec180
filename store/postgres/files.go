package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"runway/store"
)

// Files: the statements are sqlstore's; the deletes of files run in a
// transaction of their own (they lock the rows, then check references).

func (s *Store) InsertFile(ctx context.Context, f *store.File) error {
	return dialect.InsertFile(ctx, pgDB{s.pool}, f)
}

func (s *Store) Files(ctx context.Context, ids []string) (out []store.File, err error) {
	err = s.read(ctx, func(ctx context.Context, db dbtx) error {
		out, err = dialect.Files(ctx, pgDB{db}, ids)
		return err
	})
	return out, err
}

// inTx runs fn in a READ COMMITTED transaction.
func (s *Store) inTx(ctx context.Context, fn func(pgDB) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error { return fn(pgDB{tx}) })
}

func (s *Store) DeleteUnreferencedFiles(ctx context.Context, ids []string) (gone []string, err error) {
	err = s.inTx(ctx, func(db pgDB) error {
		gone, err = dialect.DeleteUnreferencedFiles(ctx, db, ids)
		return err
	})
	return gone, err
}

func (s *Store) DeleteTemporaryFiles(ctx context.Context, createdBefore int64, limit int) (gone []string, err error) {
	err = s.inTx(ctx, func(db pgDB) error {
		gone, err = dialect.DeleteTemporaryFiles(ctx, db, createdBefore, limit)
		return err
	})
	return gone, err
}

func (s *Store) InsertSharedFile(ctx context.Context, sh *store.SharedFile) error {
	return dialect.InsertSharedFile(ctx, pgDB{s.pool}, sh)
}

func (s *Store) SharedFile(ctx context.Context, id string) (sh *store.SharedFile, err error) {
	err = s.read(ctx, func(ctx context.Context, db dbtx) error {
		sh, err = dialect.SharedFile(ctx, pgDB{db}, id)
		return err
	})
	return sh, err
}

func (s *Store) DeleteSharedFiles(ctx context.Context, fileID string) error {
	return dialect.DeleteSharedFiles(ctx, pgDB{s.pool}, fileID)
}

func (s *Store) DeleteExpiredSharedFiles(ctx context.Context, now int64) (int64, error) {
	return dialect.DeleteExpiredSharedFiles(ctx, pgDB{s.pool}, now)
}

func (t *tx) SetFileRefs(ctx context.Context, entity, recordID string, fileIDs []string) error {
	return dialect.SetFileRefs(ctx, pgDB{t.p}, entity, recordID, fileIDs)
}

func (t *tx) DeleteFileRefs(ctx context.Context, entity string, recordIDs []string) error {
	return dialect.DeleteFileRefs(ctx, pgDB{t.p}, entity, recordIDs)
}
