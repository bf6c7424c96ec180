package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"runway/app"
	"runway/query"
	"runway/record"
	"runway/store"
	"runway/store/sqlstore"
)

// reader implements store.Reader over the pool or a transaction.
type reader struct {
	s    *Store
	db   dbtx // the transaction (nil on the pool)
	pool bool // on the pool: use the count cache
}

// read runs fn under the query timeout, on a connection of the pool or in
// the transaction.
func (r *reader) read(ctx context.Context, fn func(context.Context, dbtx) error) error {
	if r.pool {
		return r.s.read(ctx, fn)
	}
	ctx, done := r.s.bound(ctx)
	return done(fn(ctx, r.db))
}

func (r *reader) Get(ctx context.Context, e *app.Entity, id string) (row *store.Row, err error) {
	if strings.IndexByte(id, 0) >= 0 { // PostgreSQL text never holds NUL
		return nil, fmt.Errorf("postgres: get %s: %w", e.FullName, store.ErrNotFound)
	}
	if r.pool && !r.s.alone {
		return r.s.batchedGet(ctx, e, id)
	}
	err = r.read(ctx, func(ctx context.Context, db dbtx) error {
		row, err = dialect.Get(ctx, pgDB{db}, e, id)
		return err
	})
	return row, err
}

func (r *reader) GetMany(ctx context.Context, e *app.Entity, ids []string) (rows []store.Row, err error) {
	err = r.read(ctx, func(ctx context.Context, db dbtx) error {
		rows, err = dialect.GetMany(ctx, pgDB{db}, e, ids)
		return err
	})
	return rows, err
}

// run executes a plan, calling fn for each row that passes (Match when the
// plan is inexact, with paging applied here); fn returns false to stop.
func (r *reader) run(ctx context.Context, pl *plan, where query.Expr, fn func(row *store.Row) bool) error {
	return r.read(ctx, func(ctx context.Context, db dbtx) error {
		m := matcher{pl: pl, where: where, fn: fn, skip: pl.offset}
		if !pl.exact && pl.limit > 0 {
			return r.runCursor(ctx, db, pl, &m)
		}
		rows, err := db.Query(ctx, pl.sql, pl.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		_, err = m.take(ctx, rows)
		return err
	})
}

// matcher takes a plan's rows: those Match passes when the plan is
// inexact, after its offset, up to its limit, each given to fn.
type matcher struct {
	pl    *plan
	where query.Expr
	fn    func(row *store.Row) bool
	skip  int
	taken int
}

// take reads rows to their end or until it has all it needs (done).
func (m *matcher) take(ctx context.Context, rows pgx.Rows) (done bool, err error) {
	for rows.Next() {
		var row store.Row
		if err := dialect.ScanRow(rows, &row); err != nil {
			return true, err
		}
		if !m.pl.exact {
			if err := ctx.Err(); err != nil {
				return true, err // Match may take long: the limit applies here too
			}
			_, _, _, values, err := record.Decode(row.Doc)
			if err != nil {
				return true, fmt.Errorf("record %s: %w", row.ID, err)
			}
			ok, err := query.Match(m.where, values, row.ID, row.Label)
			if err != nil {
				return true, err
			}
			if !ok {
				continue
			}
			if m.skip > 0 {
				m.skip--
				continue
			}
		}
		if !m.fn(&row) {
			return true, rows.Err()
		}
		m.taken++
		if !m.pl.exact && m.pl.limit > 0 && m.taken >= m.pl.limit {
			return true, rows.Err()
		}
	}
	return false, rows.Err()
}

// cursorName is the cursor of a paged inexact read; the transaction holds
// one at a time.
const cursorName = "runway_candidates"

// runCursor reads the candidates of a paged inexact plan through a cursor,
// a chunk at a time, until Match has passed the page. A plain statement's
// rows would all be sent whatever the page needs — pgx reads a result to
// its end before the connection is free again — so a page of a
// contains-search matching most of a large table read all of it. On the
// pool the cursor lives in a read-only transaction of its own; in a
// write's transaction it is closed after.
func (r *reader) runCursor(ctx context.Context, db dbtx, pl *plan, m *matcher) error {
	return r.snapshot(ctx, db, func() (err error) {
		if _, err := db.Exec(ctx, "DECLARE "+cursorName+" NO SCROLL CURSOR FOR "+pl.sql, pl.args...); err != nil {
			return err
		}
		if !r.pool {
			defer func() {
				if _, cerr := db.Exec(ctx, "CLOSE "+cursorName); err == nil {
					err = cerr
				}
			}()
		}
		return fetchChunks(ctx, db, pl, m)
	})
}

// snapshot runs fn, whose statements on db see one snapshot: on the pool
// in a read-only REPEATABLE READ transaction of its own; in a write's
// transaction (READ COMMITTED) as they come.
func (r *reader) snapshot(ctx context.Context, db dbtx, fn func() error) (err error) {
	if !r.pool {
		return fn()
	}
	if _, err := db.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
		return err
	}
	defer func() {
		// a failed ROLLBACK leaves the connection in a transaction: the
		// pool closes it rather than reuse it
		if _, rerr := db.Exec(ctx, "ROLLBACK"); err == nil {
			err = rerr
		}
	}()
	return fn()
}

// fetchChunks reads the cursor's rows into m until it is done.
func fetchChunks(ctx context.Context, db dbtx, pl *plan, m *matcher) error {
	// the first chunk holds the page when few candidates fail Match
	chunk := min(max(2*(pl.offset+pl.limit), 64), maxCursorChunk)
	for {
		rows, err := db.Query(ctx, "FETCH "+strconv.Itoa(chunk)+" FROM "+cursorName)
		if err != nil {
			return err
		}
		done, err := m.take(ctx, rows)
		rows.Close() // the rest of the chunk
		if err == nil {
			err = rows.Err()
		}
		if err != nil || done || rows.CommandTag().RowsAffected() < int64(chunk) {
			return err
		}
		chunk = min(2*chunk, maxCursorChunk)
	}
}

// maxCursorChunk bounds the rows of one FETCH.
const maxCursorChunk = 4096

func (r *reader) Find(ctx context.Context, e *app.Entity, sel *query.Select) ([]store.Row, error) {
	table, err := dialect.TableName(e)
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
	table, err := dialect.TableName(e)
	if err != nil {
		return 0, fmt.Errorf("postgres: count: %w", err)
	}
	if where == nil && r.pool {
		// kept in the write transactions (_counts): no need of the cache
		var n int64
		var known bool
		err = r.read(ctx, func(ctx context.Context, db dbtx) (err error) {
			n, known, err = dialect.Total(ctx, pgDB{db}, table)
			return err
		})
		if err != nil {
			return 0, err
		}
		if known {
			return n, nil
		}
	}
	if q, args, ok := valueCountQuery(e, table, where); ok && r.pool {
		var n, counted int64
		err = r.read(ctx, func(ctx context.Context, db dbtx) error { return db.QueryRow(ctx, q, args...).Scan(&counted, &n) })
		if err != nil {
			return 0, fmt.Errorf("postgres: count %s: %w", e.FullName, err)
		}
		if counted > 0 {
			return n, nil
		}
	}
	pl, err := compileCount(table, r.s.indexedExprs(table), where)
	if err == nil {
		err = r.s.checkTexts(table, where)
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: count %s: %w", e.FullName, err)
	}
	run := func() (n int64, err error) {
		if !pl.exact && pl.sure != "" {
			err = r.read(ctx, func(ctx context.Context, db dbtx) error {
				return r.snapshot(ctx, db, func() error {
					if err := db.QueryRow(ctx, pl.sure, pl.args...).Scan(&n); err != nil {
						return err
					}
					rows, err := db.Query(ctx, pl.sql, pl.args...)
					if err != nil {
						return err
					}
					defer rows.Close()
					m := matcher{pl: pl, where: where, fn: func(*store.Row) bool { n++; return true }}
					_, err = m.take(ctx, rows)
					return err
				})
			})
			return n, err
		}
		if !pl.exact {
			err = r.run(ctx, pl, where, func(*store.Row) bool { n++; return true })
			return n, err
		}
		err = r.read(ctx, func(ctx context.Context, db dbtx) error { return db.QueryRow(ctx, pl.sql, pl.args...).Scan(&n) })
		return n, err
	}
	var n int64
	switch {
	case r.pool && pl.exact:
		n, err = r.s.counts.Count(table, pl.sql, pl.args, run)
	case r.pool:
		// an inexact plan's SQL does not say what Match keeps: the
		// condition itself is in the key
		n, err = r.s.counts.Count(table, pl.sure+"\x00"+pl.sql+"\x00"+query.Key(where), pl.args, run)
	default:
		n, err = run()
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: count %s: %w", e.FullName, err)
	}
	return n, nil
}

func (s *Store) reader() *reader { return &reader{s: s, pool: true} }

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

// PrepareRow (store.Store): PostgreSQL converts the JSON text itself;
// nothing to do before the write, which checks the text.
func (s *Store) PrepareRow(r *store.Row) error { return dialect.PrepareRow(r) }

// Write runs fn in one READ COMMITTED transaction: committed when fn
// returns nil, rolled back otherwise (or on panic). Updates are guarded by
// WHERE id AND version, inserts by unique indexes, so concurrent writers in
// any process cannot lose each other's changes. The transaction's
// statements go in as few round trips as they can (pipe); a write that
// needed no answer before its commit (a create) is group-committed with the
// others waiting (group_commit.go). Write returns once its transaction
// committed (or failed).
func (s *Store) Write(ctx context.Context, fn func(tx store.Tx) error) error {
	p := &pipe{pool: s.pool}
	defer p.release()
	t := &tx{reader: reader{s: s, db: p}, p: p, touched: map[string]bool{}, users: map[string]bool{}, deltas: sqlstore.CountDeltas{}}
	if err := callFn(fn, t); err != nil {
		return err
	}
	var written sqlstore.CountDeltas // for the analyzer, once committed
	if s.analyze.on && len(t.deltas) > 0 {
		written = maps.Clone(t.deltas)
	}
	t.queueCounts()
	if p.conn == nil && len(t.users) == 0 && !s.alone {
		if len(p.queue) == 0 {
			return nil // nothing written
		}
		err := s.groupCommit(ctx, p.queue, t.touched)
		if err == nil {
			s.noteWrites(written)
		}
		return err
	}
	// Other processes forget their counts of the tables written, and
	// every process drops its cached sessions of the users written (and
	// DeleteUserSessions in the transaction notified too), when (and only
	// if) the transaction commits.
	var tail []deferred
	if n, ok := notify(writesChannel, keys(t.touched)); ok {
		tail = append(tail, n)
	}
	users := keys(t.users)
	if n, ok := notify(sessionsChannel, users); ok {
		tail = append(tail, n)
	}
	wait := s.watch.expect(users...)
	if p.conn == nil { // a write of users that sent nothing yet
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			wait(false)
			return fmt.Errorf("postgres: begin: %w", err)
		}
		p.conn = conn
	}
	err := p.commit(ctx, tail)
	wait(err == nil)
	for table := range t.touched {
		s.counts.Bump(table) // even when the commit's outcome is unknown
	}
	if err != nil {
		if errors.As(err, new(*store.UniqueError)) {
			return err // a deferred insert's, named
		}
		return s.mapWriteErr("", err)
	}
	s.noteWrites(written)
	return nil
}

// keys lists a set.
func keys(set map[string]bool) []string {
	list := make([]string, 0, len(set))
	for k := range set {
		list = append(list, k)
	}
	return list
}

// notify is the statement notifying channel of each key, in the
// transaction (it is delivered when and only if that commits).
func notify(channel string, keys []string) (deferred, bool) {
	if len(keys) == 0 {
		return deferred{}, false
	}
	return deferred{sql: "SELECT pg_notify($1, k) FROM unnest($2::text[]) k", args: []any{channel, keys},
		wrap: func(err error) error { return fmt.Errorf("postgres: notify: %w", err) }}, true
}

// queueCounts queues the write's row count changes (_counts) to go in with
// its commit, grouped or not.
func (t *tx) queueCounts() {
	shard := dialect.Shard()
	for _, table := range t.deltas.Tables() {
		wrap := func(err error) error { return fmt.Errorf("postgres: count of %s: %w", table, err) }
		t.p.later(wrap, sqlstore.AddCountSQL, table, shard, t.deltas[table])
	}
	clear(t.deltas)
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
	p       *pipe
	touched map[string]bool // entity tables written (Write's callback runs in one goroutine)
	deltas  sqlstore.CountDeltas
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

// Insert stores a new record; *store.UniqueError on a unique index.
func (t *tx) Insert(ctx context.Context, e *app.Entity, r *store.Row) error {
	table, err := dialect.TableName(e)
	if err != nil {
		return fmt.Errorf("postgres: insert: %w", err)
	}
	// Its only answer is an error: it waits in the pipe (deferDB), whose
	// error is what Insert would have returned.
	db := deferDB{p: t.p, wrap: func(err error) error {
		return fmt.Errorf("postgres: insert %s %s: %w", e.FullName, r.ID, t.s.mapWriteErr(table, err))
	}}
	if err := dialect.Insert(ctx, pgDB{db}, e, table, r, t.s.mapWriteErr); err != nil {
		return err
	}
	t.touched[table] = true
	t.deltas.Add(table, 1)
	return nil
}

// Update replaces record r.ID if its stored version is prevVersion.
func (t *tx) Update(ctx context.Context, e *app.Entity, r *store.Row, prevVersion int64) error {
	table, err := dialect.TableName(e)
	if err != nil {
		return fmt.Errorf("postgres: update: %w", err)
	}
	if err := dialect.Update(ctx, pgDB{t.p}, e, table, r, prevVersion, t.s.mapWriteErr); err != nil {
		return err
	}
	t.touched[table] = true
	t.userWritten(table, r.ID)
	return nil
}

// Delete removes a record.
func (t *tx) Delete(ctx context.Context, e *app.Entity, id string) error {
	table, err := dialect.TableName(e)
	if err != nil {
		return fmt.Errorf("postgres: delete: %w", err)
	}
	if err := dialect.Delete(ctx, pgDB{t.p}, e, table, id); err != nil {
		return err
	}
	t.touched[table] = true
	t.deltas.Add(table, -1)
	t.userWritten(table, id)
	return nil
}

// DeleteIDs removes records by id in one statement.
func (t *tx) DeleteIDs(ctx context.Context, e *app.Entity, ids []string) (int64, error) {
	table, n, err := dialect.DeleteIDs(ctx, pgDB{t.p}, e, ids)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		t.touched[table] = true
		t.deltas.Add(table, -n)
		t.userWritten(table, ids...)
	}
	return n, nil
}

// SetPassword stores (or replaces) a user's password hash.
func (t *tx) SetPassword(ctx context.Context, userID, hash string) error {
	if err := dialect.SetPassword(ctx, pgDB{t.p}, userID, hash); err != nil {
		return err
	}
	t.users[userID] = true
	return nil
}

// DeletePassword forgets a user's password hash.
func (t *tx) DeletePassword(ctx context.Context, userID string) error {
	t.users[userID] = true
	return deletePassword(ctx, t.p, userID)
}

// DeleteUserSessions revokes every session of a user.
func (t *tx) DeleteUserSessions(ctx context.Context, userID string) error {
	t.users[userID] = true // waited for by Write once committed
	return deleteUserSessions(ctx, t.p, userID)
}

// NextSequence advances a named counter: max(previous+1, floor, 1).
func (t *tx) NextSequence(ctx context.Context, name string, floor int64) (int64, error) {
	return dialect.NextSequence(ctx, pgDB{t.p}, name, floor)
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
