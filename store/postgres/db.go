package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"runway/store/sqlstore"
)

// pgDB runs the shared statements (sqlstore) on the pool or a transaction.
type pgDB struct{ db dbtx }

func (p pgDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := p.db.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

func (p pgDB) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	rows, err := p.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (p pgDB) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return pgRow{p.db.QueryRow(ctx, q, args...)}
}

type pgRow struct{ row pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}
