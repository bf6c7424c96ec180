package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pipe is a write transaction on one connection that sends its statements
// in as few round trips as it can (pgx batches: one pipeline, one Sync).
// BEGIN is sent with the first statement whose answer the write needs;
// statements whose only answer is success or an error (an insert, history
// entries: later) wait and go with the next statement that is sent, or
// with the COMMIT. A create is thus BEGIN, its inserts, the notifications
// and COMMIT in one round trip, where each was one before.
//
// An error of a deferred statement is reported by the call that sent it
// (a later statement of the write, or the commit), already wrapped as its
// own call would have: the transaction is aborted by then whichever call
// reports it, as it would have been had the statement run at once.
//
// A write whose statements all wait until fn returns never took a
// connection: Write hands them to the group commit (group_commit.go).
type pipe struct {
	pool  *pgxpool.Pool
	conn  *pgxpool.Conn // taken by the first statement sent
	begun bool          // BEGIN was sent
	queue []deferred
}

// deferred is a statement waiting to be sent; wrap turns its error into
// what its call would have returned.
type deferred struct {
	sql  string
	args []any
	wrap func(error) error
}

const beginSQL = "BEGIN ISOLATION LEVEL READ COMMITTED"

var _ dbtx = (*pipe)(nil)

// later queues a statement whose only answer is an error.
func (p *pipe) later(wrap func(error) error, sql string, args ...any) {
	p.queue = append(p.queue, deferred{sql: sql, args: args, wrap: wrap})
}

// send sends what waits (BEGIN, deferred statements) and then sql in one
// batch, and returns the batch's results positioned at sql's. With nothing
// waiting it returns nil: the caller runs sql on the connection.
func (p *pipe) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	if p.conn == nil {
		conn, err := p.pool.Acquire(ctx)
		if err != nil {
			return nil, fmt.Errorf("postgres: begin: %w", err)
		}
		p.conn = conn
	}
	if p.begun && len(p.queue) == 0 {
		return nil, nil
	}
	b := &pgx.Batch{}
	begin := !p.begun
	if begin {
		b.Queue(beginSQL)
	}
	queue := p.queue
	for _, d := range queue {
		b.Queue(d.sql, d.args...)
	}
	b.Queue(sql, args...)
	p.begun, p.queue = true, nil
	br := p.conn.SendBatch(ctx, b)
	if _, err := readDeferred(br, begin, queue); err != nil {
		_ = br.Close()
		return nil, err
	}
	return br, nil
}

// readDeferred reads the results of BEGIN and of the deferred statements
// at the head of a batch. refused says the server reported the error (so
// the transaction cannot commit), rather than the connection failing.
func readDeferred(br pgx.BatchResults, begin bool, queue []deferred) (refused bool, err error) {
	if begin {
		if _, err := br.Exec(); err != nil {
			return false, fmt.Errorf("postgres: begin: %w", err)
		}
	}
	for _, d := range queue {
		if _, err := br.Exec(); err != nil {
			code, _ := pgCode(err)
			return code != "", d.wrap(err)
		}
	}
	return false, nil
}

func (p *pipe) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	br, err := p.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	if br == nil {
		return p.conn.Exec(ctx, sql, args...)
	}
	tag, err := br.Exec()
	return tag, firstErr(err, br.Close())
}

func (p *pipe) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	br, err := p.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	if br == nil {
		return p.conn.Query(ctx, sql, args...)
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (p *pipe) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	br, err := p.send(ctx, sql, args)
	if err != nil {
		return errRow{err}
	}
	if br == nil {
		return p.conn.QueryRow(ctx, sql, args...)
	}
	return batchRow{row: br.QueryRow(), br: br}
}

// commit sends what waits, the statements of tail (notifications) and
// COMMIT in one batch. The pipe has a connection.
func (p *pipe) commit(ctx context.Context, tail []deferred) error {
	queue := append(p.queue, tail...)
	begin := !p.begun
	p.begun, p.queue = true, nil
	_, err := commitBatch(ctx, p.conn, begin, [][]deferred{queue})
	return err
}

// commitBatch sends, in one batch, BEGIN (when begin), the statements of
// each write of parts in turn and COMMIT. On an error of a statement of
// parts that the server reported (so nothing committed) it returns the
// index of its part (else -1) and the statement's error as its call would
// have.
func commitBatch(ctx context.Context, conn *pgxpool.Conn, begin bool, parts [][]deferred) (int, error) {
	b := &pgx.Batch{}
	if begin {
		b.Queue(beginSQL)
	}
	for _, part := range parts {
		for _, d := range part {
			b.Queue(d.sql, d.args...)
		}
	}
	b.Queue("COMMIT")
	br := conn.SendBatch(ctx, b)
	failed := -1
	_, err := readDeferred(br, begin, nil)
	for i := 0; err == nil && i < len(parts); i++ {
		var refused bool
		if refused, err = readDeferred(br, false, parts[i]); refused {
			failed = i // the transaction did not commit; else the outcome is unknown
		}
	}
	if err == nil {
		var tag pgconn.CommandTag
		if tag, err = br.Exec(); err == nil && tag.String() != "COMMIT" {
			err = fmt.Errorf("postgres: commit: the transaction was rolled back (%s)", tag)
		} else if err != nil {
			err = fmt.Errorf("postgres: commit: %w", err)
		}
	}
	return failed, firstErr(err, br.Close())
}

// firstErr is err, else the error of closing what it came from (which
// repeats err when there was one).
func firstErr(err, closeErr error) error {
	if err != nil {
		return err
	}
	return closeErr
}

// release ends a transaction that did not commit, if the connection is
// still in one, so it returns to the pool clean (pgxpool destroys a
// connection left in a transaction), and returns the connection.
func (p *pipe) release() {
	if p.conn == nil {
		return
	}
	rollback(p.conn)
	p.conn.Release()
	p.conn = nil
}

// rollback ends the transaction a connection may still be in.
func rollback(conn *pgxpool.Conn) {
	if conn.Conn().PgConn().TxStatus() != 'I' {
		_, _ = conn.Exec(context.Background(), "ROLLBACK")
	}
}

// batchRows are the rows of the last statement of a batch: closing them
// closes the batch.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r *batchRows) Close() {
	r.Rows.Close()
	_ = r.br.Close()
}

// batchRow is the row of the last statement of a batch.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	return firstErr(err, r.br.Close())
}

// errRow is a row whose query could not be sent.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// deferDB runs the shared statements (sqlstore) of a write whose answer is
// only an error: their Exec waits in the pipe (and reports 0 rows).
type deferDB struct {
	p    *pipe
	wrap func(error) error
}

func (d deferDB) Exec(_ context.Context, q string, args ...any) (pgconn.CommandTag, error) {
	d.p.later(d.wrap, q, args...)
	return pgconn.CommandTag{}, nil
}

func (d deferDB) Query(ctx context.Context, q string, args ...any) (pgx.Rows, error) {
	return d.p.Query(ctx, q, args...)
}

func (d deferDB) QueryRow(ctx context.Context, q string, args ...any) pgx.Row {
	return d.p.QueryRow(ctx, q, args...)
}
