package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/jackc/pgx/v5"

	"runway/app"
	"runway/query"
	"runway/record"
	"runway/store"
)

func scanRow(sc pgx.Row, r *store.Row) error {
	var created, modified *int64
	var doc string
	if err := sc.Scan(&r.ID, &r.Version, &r.Label, &doc, &created, &modified); err != nil {
		return err
	}
	r.Doc = []byte(doc)
	if created != nil {
		r.Created = *created
	}
	if modified != nil {
		r.Modified = *modified
	}
	return nil
}

// reader implements store.Reader over the pool or a transaction.
type reader struct {
	s     *Store
	db    dbtx
	cache bool // use the count cache (not inside a transaction)
}

func (r *reader) Get(ctx context.Context, e *app.Entity, id string) (*store.Row, error) {
	table, err := tableName(e)
	if err != nil {
		return nil, fmt.Errorf("postgres: get: %w", err)
	}
	if strings.IndexByte(id, 0) >= 0 { // PostgreSQL text never holds NUL
		return nil, fmt.Errorf("postgres: get %s: %w", e.FullName, store.ErrNotFound)
	}
	var row store.Row
	bctx, done := r.s.bound(ctx)
	err = done(scanRow(r.db.QueryRow(bctx, "SELECT "+rowColumns+" FROM "+quoteIdent(table)+" WHERE id = $1", id), &row))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("postgres: get %s %s: %w", e.FullName, id, store.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("postgres: get %s %s: %w", e.FullName, id, err)
	}
	return &row, nil
}

func (r *reader) GetMany(ctx context.Context, e *app.Entity, ids []string) (_ []store.Row, err error) {
	table, err := tableName(e)
	if err != nil {
		return nil, fmt.Errorf("postgres: get many: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	ctx, done := r.s.bound(ctx)
	defer func() { err = done(err) }()
	rows, err := r.db.Query(ctx, "SELECT "+rowColumns+" FROM "+quoteIdent(table)+" WHERE id = ANY($1)", ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: get many %s: %w", e.FullName, err)
	}
	defer rows.Close()
	var out []store.Row
	for rows.Next() {
		var row store.Row
		if err := scanRow(rows, &row); err != nil {
			return nil, fmt.Errorf("postgres: get many %s: %w", e.FullName, err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: get many %s: %w", e.FullName, err)
	}
	return out, nil
}

// run executes a plan, calling fn for each row that passes (Match when the
// plan is inexact, with paging applied here); fn returns false to stop.
func (r *reader) run(ctx context.Context, pl *plan, where query.Expr, fn func(row *store.Row) bool) (err error) {
	ctx, done := r.s.bound(ctx)
	defer func() { err = done(err) }()
	rows, err := r.db.Query(ctx, pl.sql, pl.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	skip := pl.offset
	taken := 0
	for rows.Next() {
		var row store.Row
		if err := scanRow(rows, &row); err != nil {
			return err
		}
		if !pl.exact {
			if err := ctx.Err(); err != nil {
				return err // Match may take long: the limit applies here too
			}
			_, _, _, values, err := record.Decode(row.Doc)
			if err != nil {
				return fmt.Errorf("record %s: %w", row.ID, err)
			}
			ok, err := query.Match(where, values, row.ID, row.Label)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
		}
		if !fn(&row) {
			break
		}
		taken++
		if !pl.exact && pl.limit > 0 && taken >= pl.limit {
			break
		}
	}
	return rows.Err()
}

func (r *reader) Find(ctx context.Context, e *app.Entity, sel *query.Select) ([]store.Row, error) {
	table, err := tableName(e)
	if err != nil {
		return nil, fmt.Errorf("postgres: find: %w", err)
	}
	pl, err := compileSelect(table, r.s.indexedExprs(table), sel)
	if err == nil && sel != nil {
		err = r.s.checkTexts(table, sel.Where)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: find %s: %w", e.FullName, err)
	}
	var where query.Expr
	if sel != nil {
		where = sel.Where
	}
	var out []store.Row
	if err := r.run(ctx, pl, where, func(row *store.Row) bool { out = append(out, *row); return true }); err != nil {
		return nil, fmt.Errorf("postgres: find %s: %w", e.FullName, err)
	}
	return out, nil
}

func (r *reader) Count(ctx context.Context, e *app.Entity, where query.Expr) (int64, error) {
	table, err := tableName(e)
	if err != nil {
		return 0, fmt.Errorf("postgres: count: %w", err)
	}
	pl, err := compileCount(table, r.s.indexedExprs(table), where)
	if err == nil {
		err = r.s.checkTexts(table, where)
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: count %s: %w", e.FullName, err)
	}
	var key string
	var gen uint64
	// Only exact plans: an inexact one's SQL does not say what Match keeps.
	cache := r.cache && pl.exact
	if cache {
		key = countKey(pl.sql, pl.args)
		var n int64
		var hit bool
		if n, gen, hit = r.s.counts.lookup(table, key); hit {
			return n, nil
		}
	}
	var n int64
	if pl.exact {
		bctx, done := r.s.bound(ctx)
		if err := done(r.db.QueryRow(bctx, pl.sql, pl.args...).Scan(&n)); err != nil {
			return 0, fmt.Errorf("postgres: count %s: %w", e.FullName, err)
		}
	} else if err := r.run(ctx, pl, where, func(*store.Row) bool { n++; return true }); err != nil {
		return 0, fmt.Errorf("postgres: count %s: %w", e.FullName, err)
	}
	if cache {
		r.s.counts.store(table, key, gen, n)
	}
	return n, nil
}

func (s *Store) reader() *reader { return &reader{s: s, db: s.pool, cache: true} }

// Get reads one record by id.
func (s *Store) Get(ctx context.Context, e *app.Entity, id string) (*store.Row, error) {
	return s.reader().Get(ctx, e, id)
}

// GetMany reads the records with these ids in one query.
func (s *Store) GetMany(ctx context.Context, e *app.Entity, ids []string) ([]store.Row, error) {
	return s.reader().GetMany(ctx, e, ids)
}

// Find reads a page of records.
func (s *Store) Find(ctx context.Context, e *app.Entity, sel *query.Select) ([]store.Row, error) {
	return s.reader().Find(ctx, e, sel)
}

// Count counts the records matching where (no cache: other processes write
// too).
func (s *Store) Count(ctx context.Context, e *app.Entity, where query.Expr) (int64, error) {
	return s.reader().Count(ctx, e, where)
}

// Write runs fn in one READ COMMITTED transaction: committed when fn
// returns nil, rolled back otherwise (or on panic). Updates are guarded by
// WHERE id AND version, inserts by unique indexes, so concurrent writers in
// any process cannot lose each other's changes.
func (s *Store) Write(ctx context.Context, fn func(tx store.Tx) error) error {
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	t := &tx{reader: reader{s: s, db: ptx}, tx: ptx, touched: map[string]bool{}, users: map[string]bool{}}
	if err := callFn(fn, t); err != nil {
		_ = ptx.Rollback(context.Background())
		return err
	}
	// Other processes forget their counts of the tables written, when (and
	// only if) the transaction commits.
	for table := range t.touched {
		if _, err := ptx.Exec(ctx, "SELECT pg_notify($1, $2)", writesChannel, table); err != nil {
			_ = ptx.Rollback(context.Background())
			return fmt.Errorf("postgres: notify: %w", err)
		}
	}
	// Every process drops its cached sessions of the users written (and
	// DeleteUserSessions in the transaction notified too).
	keys := make([]string, 0, len(t.users))
	for id := range t.users {
		keys = append(keys, id)
	}
	wait := s.watch.expect(keys...)
	for id := range t.users {
		if _, err := ptx.Exec(ctx, "SELECT pg_notify($1, $2)", sessionsChannel, id); err != nil {
			_ = ptx.Rollback(context.Background())
			wait(false)
			return fmt.Errorf("postgres: notify: %w", err)
		}
	}
	err = ptx.Commit(ctx)
	wait(err == nil)
	for table := range t.touched {
		s.counts.bumpOne(table) // even when the commit's outcome is unknown
	}
	if err != nil {
		return fmt.Errorf("postgres: commit: %w", s.mapWriteErr("", err))
	}
	return nil
}

func callFn(fn func(store.Tx) error, t *tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("postgres: panic in write: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(t)
}

type tx struct {
	reader
	tx      pgx.Tx
	touched map[string]bool // entity tables written (Write's callback runs in one goroutine)
	users   map[string]bool // sys.users records (or passwords) written: sessions to drop
}

// usersTable is the table of sys.users, whose writes invalidate sessions.
const usersTable = "e_sys__users"

func (t *tx) userWritten(table string, ids ...string) {
	if table != usersTable {
		return
	}
	for _, id := range ids {
		t.users[id] = true
	}
}

var _ store.Tx = (*tx)(nil)

func checkRow(r *store.Row) error {
	if r == nil || r.ID == "" {
		return errors.New("row without id")
	}
	if !json.Valid(r.Doc) {
		return errors.New("doc is not valid JSON")
	}
	return nil
}

// Insert stores a new record; *store.UniqueError on a unique index.
func (t *tx) Insert(ctx context.Context, e *app.Entity, r *store.Row) error {
	table, err := tableName(e)
	if err != nil {
		return fmt.Errorf("postgres: insert: %w", err)
	}
	if err := checkRow(r); err != nil {
		return fmt.Errorf("postgres: insert %s: %w", e.FullName, err)
	}
	if _, err := t.tx.Exec(ctx, "INSERT INTO "+quoteIdent(table)+" (id, version, label, doc, created, modified) VALUES ($1, $2, $3, $4, $5, $6)",
		r.ID, r.Version, r.Label, string(r.Doc), r.Created, r.Modified); err != nil {
		return fmt.Errorf("postgres: insert %s %s: %w", e.FullName, r.ID, t.s.mapWriteErr(table, err))
	}
	t.touched[table] = true
	return nil
}

// Update replaces record r.ID if its stored version is prevVersion.
func (t *tx) Update(ctx context.Context, e *app.Entity, r *store.Row, prevVersion int64) error {
	table, err := tableName(e)
	if err != nil {
		return fmt.Errorf("postgres: update: %w", err)
	}
	if err := checkRow(r); err != nil {
		return fmt.Errorf("postgres: update %s: %w", e.FullName, err)
	}
	tag, err := t.tx.Exec(ctx, "UPDATE "+quoteIdent(table)+" SET version = $1, label = $2, doc = $3, modified = $4 WHERE id = $5 AND version = $6",
		r.Version, r.Label, string(r.Doc), r.Modified, r.ID, prevVersion)
	if err != nil {
		return fmt.Errorf("postgres: update %s %s: %w", e.FullName, r.ID, t.s.mapWriteErr(table, err))
	}
	if tag.RowsAffected() == 1 {
		t.touched[table] = true
		t.userWritten(table, r.ID)
		return nil
	}
	var v int64
	switch err := t.tx.QueryRow(ctx, "SELECT version FROM "+quoteIdent(table)+" WHERE id = $1", r.ID).Scan(&v); {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("postgres: update %s %s: %w", e.FullName, r.ID, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("postgres: update %s %s: %w", e.FullName, r.ID, err)
	}
	return fmt.Errorf("postgres: update %s %s: stored version %d, expected %d: %w", e.FullName, r.ID, v, prevVersion, store.ErrVersion)
}

// Delete removes a record.
func (t *tx) Delete(ctx context.Context, e *app.Entity, id string) error {
	table, err := tableName(e)
	if err != nil {
		return fmt.Errorf("postgres: delete: %w", err)
	}
	tag, err := t.tx.Exec(ctx, "DELETE FROM "+quoteIdent(table)+" WHERE id = $1", id)
	if err != nil {
		return fmt.Errorf("postgres: delete %s %s: %w", e.FullName, id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete %s %s: %w", e.FullName, id, store.ErrNotFound)
	}
	t.touched[table] = true
	t.userWritten(table, id)
	return nil
}

// DeleteIDs removes records by id in one statement.
func (t *tx) DeleteIDs(ctx context.Context, e *app.Entity, ids []string) (int64, error) {
	table, err := tableName(e)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := t.tx.Exec(ctx, "DELETE FROM "+quoteIdent(table)+" WHERE id = ANY($1)", ids)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete %d records of %s: %w", len(ids), e.FullName, err)
	}
	if tag.RowsAffected() > 0 {
		t.touched[table] = true
		t.userWritten(table, ids...)
	}
	return tag.RowsAffected(), nil
}

// SetPassword stores (or replaces) a user's password hash.
func (t *tx) SetPassword(ctx context.Context, userID, hash string) error {
	if _, err := t.tx.Exec(ctx, `INSERT INTO _secrets (user_id, hash) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash`, userID, hash); err != nil {
		return fmt.Errorf("postgres: set password %s: %w", userID, err)
	}
	t.users[userID] = true
	return nil
}

// DeletePassword forgets a user's password hash.
func (t *tx) DeletePassword(ctx context.Context, userID string) error {
	t.users[userID] = true
	return deletePassword(ctx, t.tx, userID)
}

// DeleteUserSessions revokes every session of a user.
func (t *tx) DeleteUserSessions(ctx context.Context, userID string) error {
	t.users[userID] = true // waited for by Write once committed
	return deleteUserSessions(ctx, t.tx, userID)
}

// NextSequence advances a named counter: max(previous+1, floor, 1).
func (t *tx) NextSequence(ctx context.Context, name string, floor int64) (int64, error) {
	var v int64
	err := t.tx.QueryRow(ctx, `INSERT INTO _sequences (name, value) VALUES ($1, greatest($2::bigint, 1))
		ON CONFLICT (name) DO UPDATE SET value = greatest(_sequences.value + 1, excluded.value)
		RETURNING value`, name, floor).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("postgres: next sequence %s: %w", name, err)
	}
	return v, nil
}

// checkTexts refuses a text search on an index the entity does not have
// (as the SQLite store does).
func (s *Store) checkTexts(table string, x query.Expr) error {
	switch x := x.(type) {
	case query.And:
		for _, y := range x {
			if err := s.checkTexts(table, y); err != nil {
				return err
			}
		}
	case query.Or:
		for _, y := range x {
			if err := s.checkTexts(table, y); err != nil {
				return err
			}
		}
	case *query.Text:
		s.schemaMu.RLock()
		ok := s.texts[table][x.Index]
		s.schemaMu.RUnlock()
		if !ok {
			return fmt.Errorf("no text index %q (is the store synced with the app?)", x.Index)
		}
	}
	return nil
}

// indexedExprs are the expressions of table's indexes (read only).
func (s *Store) indexedExprs(table string) map[string]bool {
	s.schemaMu.RLock()
	defer s.schemaMu.RUnlock()
	return s.indexed[table]
}
