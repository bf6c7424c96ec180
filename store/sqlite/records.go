package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"runway/app"
	"runway/query"
	"runway/store"
)

// getManyChunk bounds the number of ids bound in one IN list.
const getManyChunk = 500

func getQuery(table string) string {
	return "SELECT " + rowColumns + " FROM " + quoteIdent(table) + " WHERE id = ?"
}

func insertQuery(table string) string {
	return "INSERT INTO " + quoteIdent(table) + " (id, version, label, doc, created, modified) VALUES (?, ?, ?, ?, ?, ?)"
}

func updateQuery(table string) string {
	return "UPDATE " + quoteIdent(table) + " SET version = ?, label = ?, doc = ?, modified = ? WHERE id = ? AND version = ?"
}

func versionQuery(table string) string {
	return "SELECT version FROM " + quoteIdent(table) + " WHERE id = ?"
}

func deleteQuery(table string) string {
	return "DELETE FROM " + quoteIdent(table) + " WHERE id = ?"
}

// writeQueries are the statements Sync prepares on the write connection.
func writeQueries(table string) []string {
	return []string{getQuery(table), insertQuery(table), updateQuery(table), versionQuery(table), deleteQuery(table)}
}

type scanner interface{ Scan(dest ...any) error }

func scanRow(sc scanner, r *store.Row) error {
	var label sql.NullString
	var created, modified sql.NullInt64
	if err := sc.Scan(&r.ID, &r.Version, &label, &r.Doc, &created, &modified); err != nil {
		return err
	}
	r.Label, r.Created, r.Modified = label.String, created.Int64, modified.Int64
	return nil
}

// querier is the read side shared by the read pool and a write transaction.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// reader implements store.Reader over the read pool (Store) or a
// transaction (tx).
type reader struct {
	s       *Store
	q       querier
	prepare func(ctx context.Context, q string) (*sql.Stmt, error)
	cache   bool // use the count cache (not inside a transaction)
}

func (r *reader) get(ctx context.Context, e *app.Entity, id string) (*store.Row, error) {
	table, err := tableName(e)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get: %w", err)
	}
	st, err := r.prepare(ctx, getQuery(table))
	if err != nil {
		return nil, fmt.Errorf("sqlite: get %s %s: %w", e.FullName, id, err)
	}
	var row store.Row
	bctx, done := r.s.bound(ctx)
	if err := done(scanRow(st.QueryRowContext(bctx, id), &row)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("sqlite: get %s %s: %w", e.FullName, id, store.ErrNotFound)
		}
		return nil, fmt.Errorf("sqlite: get %s %s: %w", e.FullName, id, err)
	}
	return &row, nil
}

func (r *reader) getMany(ctx context.Context, e *app.Entity, ids []string) ([]store.Row, error) {
	table, err := tableName(e)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get many: %w", err)
	}
	seen := make(map[string]bool, len(ids))
	uniq := make([]any, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	out := make([]store.Row, 0, len(uniq))
	for len(uniq) > 0 {
		n := min(len(uniq), getManyChunk)
		chunk := uniq[:n]
		uniq = uniq[n:]
		q := "SELECT " + rowColumns + " FROM " + quoteIdent(table) + " WHERE id IN (?" + strings.Repeat(", ?", len(chunk)-1) + ")"
		if out, err = r.collect(ctx, out, q, chunk); err != nil {
			return nil, fmt.Errorf("sqlite: get many %s: %w", e.FullName, err)
		}
	}
	return out, nil
}

// query runs a read: on the read pool through the prepared-statement cache,
// inside a transaction directly.
func (r *reader) query(ctx context.Context, q string, args []any) (*sql.Rows, error) {
	if !r.cache {
		return r.q.QueryContext(ctx, q, args...)
	}
	st, err := r.s.queries.get(ctx, r.s.rdb, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (r *reader) collect(ctx context.Context, out []store.Row, q string, args []any) (_ []store.Row, err error) {
	ctx, done := r.s.bound(ctx)
	defer func() { err = done(err) }()
	rows, err := r.query(ctx, q, args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var row store.Row
		if err := scanRow(rows, &row); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

func (r *reader) find(ctx context.Context, e *app.Entity, sel *query.Select) ([]store.Row, error) {
	table, err := tableName(e)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find: %w", err)
	}
	q, args, err := compileSelect(table, r.s.textIndexes(table), sel)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find %s: %w", e.FullName, err)
	}
	out, err := r.collect(ctx, nil, q, args)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find %s: %w", e.FullName, err)
	}
	return out, nil
}

func (r *reader) count(ctx context.Context, e *app.Entity, where query.Expr) (int64, error) {
	table, err := tableName(e)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count: %w", err)
	}
	q, args, err := compileCount(table, r.s.textIndexes(table), where)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count %s: %w", e.FullName, err)
	}
	var key string
	var gen uint64
	if r.cache {
		key = countKey(q, args)
		var n int64
		var hit bool
		if n, gen, hit = r.s.counts.lookup(table, key); hit {
			return n, nil
		}
	}
	n, err := r.scalar(ctx, q, args)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count %s: %w", e.FullName, err)
	}
	if r.cache {
		r.s.counts.store(table, key, gen, n)
	}
	return n, nil
}

// scalar runs a query of one integer.
func (r *reader) scalar(ctx context.Context, q string, args []any) (n int64, err error) {
	ctx, done := r.s.bound(ctx)
	defer func() { err = done(err) }()
	rows, err := r.query(ctx, q, args)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, err
		}
		return 0, errors.New("no result")
	}
	err = rows.Scan(&n)
	return n, err
}

func (s *Store) reader() *reader {
	return &reader{s: s, q: s.rdb, prepare: s.stmt, cache: true}
}

// Get reads one record by id with a cached prepared statement.
func (s *Store) Get(ctx context.Context, e *app.Entity, id string) (*store.Row, error) {
	return s.reader().get(ctx, e, id)
}

// GetMany reads the records with these ids in one query (IN list); missing
// ids are absent, duplicates are read once.
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
	select {
	case s.writes <- req:
	case <-s.stopped:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
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
	// record writes the text indexes follow at the end of the write
	// (flushText), or earlier when a text search in it needs them
	pendingText []textOp
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

func checkRow(r *store.Row) error {
	if r == nil || r.ID == "" {
		return errors.New("row without id")
	}
	if !json.Valid(r.Doc) {
		return errors.New("doc is not valid JSON")
	}
	return nil
}

// Insert stores a new record; *store.UniqueError on a unique index (Field
// "id" for a duplicate id).
func (t *tx) Insert(ctx context.Context, e *app.Entity, r *store.Row) error {
	table, err := tableName(e)
	if err != nil {
		return fmt.Errorf("sqlite: insert: %w", err)
	}
	if err := checkRow(r); err != nil {
		return fmt.Errorf("sqlite: insert %s: %w", e.FullName, err)
	}
	st, err := t.stmt(ctx, insertQuery(table))
	if err != nil {
		return fmt.Errorf("sqlite: insert %s %s: %w", e.FullName, r.ID, err)
	}
	// doc is bound as text: a BLOB would be read as JSONB by json_extract.
	if _, err := st.ExecContext(ctx, r.ID, r.Version, r.Label, string(r.Doc), r.Created, r.Modified); err != nil {
		return fmt.Errorf("sqlite: insert %s %s: %w", e.FullName, r.ID, t.s.mapWriteErr(table, err))
	}
	t.queueText(table, r.ID, r.Doc)
	t.touch(table)
	return nil
}

// Update replaces record r.ID if its stored version is prevVersion; created
// is kept as stored.
func (t *tx) Update(ctx context.Context, e *app.Entity, r *store.Row, prevVersion int64) error {
	table, err := tableName(e)
	if err != nil {
		return fmt.Errorf("sqlite: update: %w", err)
	}
	if err := checkRow(r); err != nil {
		return fmt.Errorf("sqlite: update %s: %w", e.FullName, err)
	}
	st, err := t.stmt(ctx, updateQuery(table))
	if err != nil {
		return fmt.Errorf("sqlite: update %s %s: %w", e.FullName, r.ID, err)
	}
	res, err := st.ExecContext(ctx, r.Version, r.Label, string(r.Doc), r.Modified, r.ID, prevVersion)
	if err != nil {
		return fmt.Errorf("sqlite: update %s %s: %w", e.FullName, r.ID, t.s.mapWriteErr(table, err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: update %s %s: %w", e.FullName, r.ID, err)
	} else if n == 1 {
		t.queueText(table, r.ID, r.Doc)
		t.touch(table)
		return nil
	}
	vst, err := t.stmt(ctx, versionQuery(table))
	if err != nil {
		return fmt.Errorf("sqlite: update %s %s: %w", e.FullName, r.ID, err)
	}
	var v int64
	switch err := vst.QueryRowContext(ctx, r.ID).Scan(&v); {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlite: update %s %s: %w", e.FullName, r.ID, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("sqlite: update %s %s: %w", e.FullName, r.ID, err)
	}
	return fmt.Errorf("sqlite: update %s %s: stored version %d, expected %d: %w", e.FullName, r.ID, v, prevVersion, store.ErrVersion)
}

// Delete removes a record.
func (t *tx) Delete(ctx context.Context, e *app.Entity, id string) error {
	table, err := tableName(e)
	if err != nil {
		return fmt.Errorf("sqlite: delete: %w", err)
	}
	st, err := t.stmt(ctx, deleteQuery(table))
	if err != nil {
		return fmt.Errorf("sqlite: delete %s %s: %w", e.FullName, id, err)
	}
	res, err := st.ExecContext(ctx, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete %s %s: %w", e.FullName, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: delete %s %s: %w", e.FullName, id, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: delete %s %s: %w", e.FullName, id, store.ErrNotFound)
	}
	t.queueText(table, id, nil)
	t.touch(table)
	return nil
}

// SetPassword stores (or replaces) a user's password hash.
func (t *tx) SetPassword(ctx context.Context, userID, hash string) error {
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO _secrets (user_id, hash) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash`, userID, hash); err != nil {
		return fmt.Errorf("sqlite: set password %s: %w", userID, err)
	}
	return nil
}

// DeletePassword is Store.DeletePassword inside the transaction (not part of
// store.Tx yet; reach it with a type assertion).
func (t *tx) DeletePassword(ctx context.Context, userID string) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM _secrets WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("sqlite: delete password %s: %w", userID, err)
	}
	return nil
}

// DeleteUserSessions is Store.DeleteUserSessions inside the transaction (not
// part of store.Tx yet; reach it with a type assertion).
func (t *tx) DeleteUserSessions(ctx context.Context, userID string) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM _sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("sqlite: delete sessions of %s: %w", userID, err)
	}
	return nil
}

// NextSequence atomically advances the named counter and returns
// max(previous+1, floor, 1); the first value is max(floor, 1).
func (t *tx) NextSequence(ctx context.Context, name string, floor int64) (int64, error) {
	var v int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO _sequences (name, value) VALUES (?, max(?, 1))
		ON CONFLICT (name) DO UPDATE SET value = max(value + 1, excluded.value)
		RETURNING value`, name, floor).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("sqlite: next sequence %s: %w", name, err)
	}
	return v, nil
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
