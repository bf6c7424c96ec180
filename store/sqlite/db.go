package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"runway/store/sqlstore"
)

// readDB runs reads on the read pool, through the prepared-statement cache
// (parsing and planning a query costs as much as running it on an index).
type readDB struct{ s *Store }

var errReadOnly = errors.New("sqlite: the read pool does not write")

func (r readDB) Exec(context.Context, string, ...any) (int64, error) { return 0, errReadOnly }

func (r readDB) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	st, err := r.s.queries.get(ctx, r.s.rdb, q)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (r readDB) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	st, err := r.s.queries.get(ctx, r.s.rdb, q)
	if err != nil {
		return errRow{err}
	}
	return sqlRow{st.QueryRowContext(ctx, args...)}
}

// txDB runs statements in the write transaction, prepared once per
// transaction (or at Sync). Only reads may be cancelled: SQLite undoes the
// whole transaction when a write statement is interrupted, and the
// transaction holds other requests' writes too (group commit). The reads
// of a transaction's store.Reader are interruptible (reads set): SQLite
// undoes nothing for an interrupted SELECT.
type txDB struct {
	t     *tx
	reads bool
}

func (d txDB) ctx(ctx context.Context) context.Context {
	if d.reads {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

func (d txDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	st, err := d.t.stmt(ctx, q)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(d.ctx(ctx), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (d txDB) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	st, err := d.t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(d.ctx(ctx), args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (d txDB) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	st, err := d.t.stmt(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return sqlRow{st.QueryRowContext(d.ctx(ctx), args...)}
}

type sqlRows struct{ rows *sql.Rows }

func (r sqlRows) Next() bool             { return r.rows.Next() }
func (r sqlRows) Scan(dest ...any) error { return r.rows.Scan(dest...) }
func (r sqlRows) Close()                 { _ = r.rows.Close() }
func (r sqlRows) Err() error             { return r.rows.Err() }

type sqlRow struct{ row *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// sqlDB runs statements on the write connection: in a transaction of Open
// or Sync, or alone (sessions, app state).
type sqlDB struct{ db execer }

// execer is what a database/sql connection pool and transaction share.
type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (d sqlDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := d.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (d sqlDB) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (d sqlDB) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return sqlRow{d.db.QueryRowContext(ctx, q, args...)}
}
