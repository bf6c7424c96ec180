package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"runway/app"
	"runway/query"
	"runway/store"
	"runway/store/sqlstore"
)

// writeQueries are the statements Sync prepares on the write connection.
func writeQueries(table string) []string {
	return []string{dialect.GetSQL(table), dialect.InsertSQL(table), dialect.UpdateSQL(table),
		sqlstore.VersionSQL(table), sqlstore.DeleteSQL(table)}
}

// reader implements store.Reader over the read pool (Store) or a
// transaction (tx). Each read runs under the query timeout.
type reader struct {
	s    *Store
	db   sqlstore.DB // the transaction's (nil on the read pool)
	pool bool        // on the read pool: use the count cache
}

// read runs fn under the query timeout, on the read pool or in the
// transaction.
func (r *reader) read(ctx context.Context, fn func(context.Context, sqlstore.DB) error) error {
	if r.pool {
		return r.s.read(ctx, fn)
	}
	ctx, done := r.s.bound(ctx)
	return done(fn(ctx, r.db))
}

func (r *reader) get(ctx context.Context, e *app.Entity, id string) (row *store.Row, err error) {
	err = r.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		row, err = dialect.Get(ctx, db, e, id)
		return err
	})
	return row, err
}

func (r *reader) getMany(ctx context.Context, e *app.Entity, ids []string) (rows []store.Row, err error) {
	err = r.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		rows, err = dialect.GetMany(ctx, db, e, ids)
		return err
	})
	return rows, err
}

func (r *reader) find(ctx context.Context, e *app.Entity, sel *query.Select) ([]store.Row, error) {
	table, err := dialect.TableName(e)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find: %w", err)
	}
	q, args, err := compileSelect(table, r.s.textIndexes(table), sel)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find %s: %w", e.FullName, err)
	}
	var out []store.Row
	err = r.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		out, err = dialect.Collect(ctx, db, nil, q, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: find %s: %w", e.FullName, err)
	}
	return out, nil
}

func (r *reader) count(ctx context.Context, e *app.Entity, where query.Expr) (int64, error) {
	table, err := dialect.TableName(e)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count: %w", err)
	}
	if where == nil && r.pool {
		// kept in the write transactions (_counts): no need of the cache
		var n int64
		var known bool
		err = r.read(ctx, func(ctx context.Context, db sqlstore.DB) (err error) {
			n, known, err = dialect.Total(ctx, db, table)
			return err
		})
		if err != nil {
			return 0, err
		}
		if known {
			return n, nil
		}
	}
	if q, args, ok := valueCountQuery(e, table, where); ok {
		// one value of a value-counted field: kept by triggers (valuecounts.go)
		var known, n int64
		err = r.read(ctx, func(ctx context.Context, db sqlstore.DB) error { return db.QueryRow(ctx, q, args...).Scan(&known, &n) })
		if err != nil {
			return 0, fmt.Errorf("sqlite: count %s: %w", e.FullName, err)
		}
		if known >= 0 {
			return n, nil
		}
	}
	q, args, err := compileCount(table, r.s.textIndexes(table), where)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count %s: %w", e.FullName, err)
	}
	run := func() (n int64, err error) {
		err = r.read(ctx, func(ctx context.Context, db sqlstore.DB) error { return db.QueryRow(ctx, q, args...).Scan(&n) })
		return n, err
	}
	var n int64
	if r.pool {
		n, err = r.s.counts.CountKept(table, q, args, where, run)
	} else {
		n, err = run()
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: count %s: %w", e.FullName, err)
	}
	return n, nil
}

func (s *Store) reader() *reader { return &reader{s: s, pool: true} }

// Get reads one record by id with a cached prepared statement.
func (s *Store) Get(ctx context.Context, e *app.Entity, id string) (*store.Row, error) {
	return s.reader().get(ctx, e, id)
}

// GetMany reads the records with these ids in one query; missing ids are
// absent, duplicates are read once.
func (s *Store) GetMany(ctx context.Context, e *app.Entity, ids []string) ([]store.Row, error) {
	return s.reader().getMany(ctx, e, ids)
}

// Find reads a page of records.
func (s *Store) Find(ctx context.Context, e *app.Entity, sel *query.Select) ([]store.Row, error) {
	return s.reader().find(ctx, e, sel)
}

// Count counts the records matching where, served from the count cache while
// no write transaction touched the entity.
func (s *Store) Count(ctx context.Context, e *app.Entity, where query.Expr) (int64, error) {
	return s.reader().count(ctx, e, where)
}

// PrepareRow (store.Store): SQLite keeps documents as JSONB, converted
// here on the caller's goroutine rather than by the writer.
func (s *Store) PrepareRow(r *store.Row) error { return dialect.PrepareRow(r) }

// Write runs fn in a write transaction on the write connection: its writes
// are committed when fn returns nil, undone (and fn's error returned as is)
// otherwise or on panic. Writes serialize; do not call Write or other writing
// Store methods from inside fn (they would wait for this transaction).
//
// Concurrent writes are group-committed: the writer goroutine runs every
// write waiting at the time in one transaction, each inside its own
// savepoint, so a failing write undoes only itself while the commit cost is
// shared. A write returns only once its transaction has committed.
func (s *Store) Write(ctx context.Context, fn func(tx store.Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	if err := s.writer.Submit(ctx, req); err != nil {
		if errors.Is(err, sqlstore.ErrClosed) {
			return errClosed
		}
		return err
	}
	return <-req.done
}

// tx is the store.Tx of Write.
type tx struct {
	reader  // over tx; its s is the Store
	tx      *sql.Tx
	mu      sync.Mutex
	touched map[string]struct{}
	local   map[string]*sql.Stmt
	// record writes the text indexes follow at the end of the batch
	// (finishBatch), or earlier when a text search in a write needs them
	// (flushText): the current write's, the earlier writes' of the
	// batch, and those of the earlier writes flushed inside the current
	// write's savepoint
	pendingText, batchText, flushedBatch []textOp
	// records written, for the kept counts (keptcounts.go): the current
	// write's and the batch's earlier writes'
	pendingChanges, batchChanges []countChange
	// row count differences of the current write and of the batch's
	// earlier writes, added to _counts at the end of the batch
	deltas, batchDeltas sqlstore.CountDeltas
	// the parameters of the current write's history entries, written
	// when it ends (flushHistory)
	pendingHistory []any
}

var _ store.Tx = (*tx)(nil)

// stmt binds a cached write-connection statement to the transaction once
// per transaction (or prepares it in the transaction when Sync did not).
func (t *tx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st, ok := t.local[q]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if g := t.s.lookupStmt("w" + q); g != nil {
		st = t.tx.StmtContext(ctx, g)
	} else {
		var err error
		if st, err = t.tx.PrepareContext(ctx, q); err != nil {
			return nil, err
		}
	}
	t.local[q] = st
	return st, nil
}

// touchedTables lists the tables the transaction wrote.
func (t *tx) touchedTables() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.touched))
	for table := range t.touched {
		out = append(out, table)
	}
	return out
}

func (t *tx) touch(table string) {
	t.mu.Lock()
	t.touched[table] = struct{}{}
	t.mu.Unlock()
}

func (t *tx) Get(ctx context.Context, e *app.Entity, id string) (*store.Row, error) {
	return t.get(ctx, e, id)
}

func (t *tx) GetMany(ctx context.Context, e *app.Entity, ids []string) ([]store.Row, error) {
	return t.getMany(ctx, e, ids)
}

func (t *tx) Find(ctx context.Context, e *app.Entity, sel *query.Select) ([]store.Row, error) {
	if sel != nil && hasText(sel.Where) {
		if err := t.flushText(ctx); err != nil {
			return nil, fmt.Errorf("sqlite: find %s: %w", e.FullName, err)
		}
	}
	return t.find(ctx, e, sel)
}

// Count inside a transaction sees its own writes and bypasses the cache.
func (t *tx) Count(ctx context.Context, e *app.Entity, where query.Expr) (int64, error) {
	if hasText(where) {
		if err := t.flushText(ctx); err != nil {
			return 0, fmt.Errorf("sqlite: count %s: %w", e.FullName, err)
		}
	}
	return t.count(ctx, e, where)
}

// w is the transaction's statement runner for writes (never cancelled).
func (t *tx) w() sqlstore.DB { return txDB{t: t} }

// Insert stores a new record; *store.UniqueError on a unique index (Field
// "id" for a duplicate id).
func (t *tx) Insert(ctx context.Context, e *app.Entity, r *store.Row) error {
	table, err := dialect.TableName(e)
	if err != nil {
		return fmt.Errorf("sqlite: insert: %w", err)
	}
	if err := dialect.Insert(ctx, t.w(), e, table, r, t.s.mapWriteErr); err != nil {
		return err
	}
	if err := t.noteChange(ctx, table, r.ID, r, nil); err != nil {
		return err
	}
	t.queueText(table, r.ID, r, true)
	t.touch(table)
	t.deltas.Add(table, 1)
	return nil
}

// Update replaces record r.ID if its stored version is prevVersion; created
// is kept as stored.
func (t *tx) Update(ctx context.Context, e *app.Entity, r *store.Row, prevVersion int64) error {
	table, err := dialect.TableName(e)
	if err != nil {
		return fmt.Errorf("sqlite: update: %w", err)
	}
	if err := t.noteChange(ctx, table, r.ID, r, t.beforeOf(ctx, e, r.ID)); err != nil {
		return err
	}
	if err := dialect.Update(ctx, t.w(), e, table, r, prevVersion, t.s.mapWriteErr); err != nil {
		return err
	}
	t.queueText(table, r.ID, r, false)
	t.touch(table)
	return nil
}

// Delete removes a record.
func (t *tx) Delete(ctx context.Context, e *app.Entity, id string) error {
	table, err := dialect.TableName(e)
	if err != nil {
		return fmt.Errorf("sqlite: delete: %w", err)
	}
	if err := t.noteChange(ctx, table, id, nil, t.beforeOf(ctx, e, id)); err != nil {
		return err
	}
	if err := dialect.Delete(ctx, t.w(), e, table, id); err != nil {
		return err
	}
	t.queueText(table, id, nil, false)
	t.touch(table)
	t.deltas.Add(table, -1)
	return nil
}

// SetPassword stores (or replaces) a user's password hash.
func (t *tx) SetPassword(ctx context.Context, userID, hash string) error {
	return dialect.SetPassword(ctx, t.w(), userID, hash)
}

// DeletePassword is Store.DeletePassword inside the transaction.
func (t *tx) DeletePassword(ctx context.Context, userID string) error {
	return deletePassword(ctx, t.w(), userID)
}

// DeleteUserSessions is Store.DeleteUserSessions inside the transaction.
func (t *tx) DeleteUserSessions(ctx context.Context, userID string) error {
	return deleteUserSessions(ctx, t.w(), userID)
}

// NextSequence atomically advances the named counter and returns
// max(previous+1, floor, 1); the first value is max(floor, 1).
func (t *tx) NextSequence(ctx context.Context, name string, floor int64) (int64, error) {
	return dialect.NextSequence(ctx, t.w(), name, floor)
}

// sqliteCode returns the extended result code of a driver error, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

func isUniqueViolation(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// mapWriteErr turns a unique constraint failure into *store.UniqueError
// naming the field's dotted path.
func (s *Store) mapWriteErr(table string, err error) error {
	if !isUniqueViolation(err) {
		return err
	}
	msg := err.Error()
	if i := strings.Index(msg, "index '"); i >= 0 {
		name := msg[i+len("index '"):]
		if j := strings.IndexByte(name, '\''); j >= 0 {
			return &store.UniqueError{Field: s.uniqueField(table, name[:j])}
		}
	}
	if strings.Contains(msg, table+".id") {
		return &store.UniqueError{Field: "id"}
	}
	return err
}
