package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"runway/app"
	"runway/store/sqlstore"
	"runway/types"
)

// migrations[i] moves the system tables from version i-1 to i; the last
// index is the schema version this binary writes (_meta.schema_version).
// Append only.
var migrations = [][]string{
	1: {
		`CREATE TABLE _secrets (user_id TEXT PRIMARY KEY, hash TEXT NOT NULL)`,
		`CREATE TABLE _sessions (
			token_hash TEXT PRIMARY KEY,
			user_id TEXT NOT NULL,
			admin_user_id TEXT NOT NULL DEFAULT '',
			ip TEXT NOT NULL DEFAULT '',
			created INTEGER NOT NULL,
			last_active INTEGER NOT NULL,
			idle_timeout INTEGER NOT NULL)`,
		`CREATE INDEX _sessions_user_id ON _sessions (user_id)`,
		`CREATE TABLE _sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
	},
	2: {
		`CREATE TABLE _app_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, modified INTEGER NOT NULL)`,
	},
	3: dialect.JobsDDL(),      // the job queue (sqlstore)
	4: dialect.KeyValuesDDL(), // sys.storage and sys.cache (sqlstore)
	5: dialect.FilesDDL(),     // files, their references, share links (sqlstore)
	6: dialect.HistoryDDL(),   // the history of records and the app log (sqlstore)
	7: dialect.JobQueuesDDL(), // job queues (sqlstore)
	8: dialect.CountsDDL(),    // exact row counts of entity tables (sqlstore)
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer tx.Rollback()
	if err := dialect.Migrate(ctx, sqlDB{tx}, migrations); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: commit: %w", err)
	}
	return nil
}

// geoLatitude is the expression of a geo point's latitude; g_ indexes are
// built on it and near with a maximum distance filters a latitude band with
// the very same text.
func geoLatitude(base string, names []string) (string, error) {
	return jsonExtract(base, append(append([]string(nil), names...), "latitude"))
}

// tableDDL is the CREATE TABLE statement of an entity table.
func tableDDL(table string) []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS ` + sqlstore.QuoteIdent(table) + ` (
			id TEXT PRIMARY KEY,
			version INTEGER NOT NULL,
			label TEXT,
			doc TEXT NOT NULL,
			created INTEGER,
			modified INTEGER)`,
		`CREATE INDEX IF NOT EXISTS ` + sqlstore.QuoteIdent("l_"+table) + ` ON ` + sqlstore.QuoteIdent(table) + ` (label)`,
	}
}

// indexExpr is the SQL expression an index on field f (at path, no many
// step) is built on. Queries use the very same text so the planner matches
// the expression index: relationships and groups are indexed by their
// referenced id, emails lowercased.
func indexExpr(f *app.Field, path []string) (string, error) {
	names := path
	switch f.Type {
	case types.Relationship, types.Group:
		names = append(append([]string(nil), path...), "id")
	}
	e, err := jsonExtract("doc", names)
	if err != nil {
		return "", err
	}
	if f.Type == types.Email {
		e = "lower(" + e + ")"
	}
	return e, nil
}

// toJSONB stores the records of table as JSONB, once (_meta
// "jsonb:<table>"): a table of an older version holds JSON text, which the
// json functions read too, but parse on every read. Expression indexes keep
// their values.
func toJSONB(ctx context.Context, tx *sql.Tx, table string) error {
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM _meta WHERE key = ?`, "jsonb:"+table).Scan(&done); err != nil || done > 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE "+sqlstore.QuoteIdent(table)+" SET doc = jsonb(doc) WHERE typeof(doc) = 'text'"); err != nil {
		return fmt.Errorf("store records as JSONB: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO _meta (key, value) VALUES (?, '1')`, "jsonb:"+table)
	return err
}

// sortedByIndex reports whether orderBy sorts field f by indexExpr's very
// expression (not relationships and groups, sorted by label, nor emails,
// lowercased in the index, nor big numbers, sorted under a collation).
func sortedByIndex(f *app.Field) bool {
	switch f.Type {
	case types.Relationship, types.Group, types.Email, types.BigNumber, types.File, types.DynamicChoice, types.Nested, types.GeoPoint:
		return false
	}
	return true
}

// syncStats counts what a Sync did (for tests and logs).
type syncStats struct {
	tablesCreated, indexesCreated, indexesDropped int
}

// Sync brings the schema in step with the app: a table per entity, an index
// on label, the managed expression indexes (sqlstore.DesiredIndexes) and the
// text indexes. Managed indexes no longer wanted (or whose definition
// changed) are dropped; tables and data of removed entities and fields are
// kept. A unique index that existing records violate fails Sync with an
// error wrapping a *store.UniqueError.
func (s *Store) Sync(ctx context.Context, a *app.App) error {
	_, err := s.sync(ctx, a)
	return err
}

func (s *Store) sync(ctx context.Context, a *app.App) (syncStats, error) {
	var st syncStats
	plans, err := dialect.PlanTables(a)
	if err != nil {
		return st, err
	}
	texts := make([][]textIndex, len(plans))
	for i, p := range plans {
		if texts[i], err = desiredTexts(p.Entity, p.Table); err != nil {
			return st, fmt.Errorf("sqlite: sync %s: %w", p.Entity.FullName, err)
		}
	}

	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("sqlite: sync: begin: %w", err)
	}
	defer tx.Rollback()
	for i, p := range plans {
		if err := s.syncTable(ctx, tx, p, texts[i], &st); err != nil {
			return st, fmt.Errorf("sqlite: sync %s: %w", p.Table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return st, fmt.Errorf("sqlite: sync: commit: %w", err)
	}

	s.schemaMu.Lock()
	for i, p := range plans {
		s.uniques[p.Table] = sqlstore.UniqueFields(p.Specs)
		byName := map[string]textIndex{}
		for _, ix := range texts[i] {
			byName[ix.name] = ix
		}
		s.texts[p.Table] = byName
	}
	s.schemaMu.Unlock()

	// Prepare the write-side statements now: a transaction holds the only
	// write connection and cannot prepare cached statements itself.
	for _, n := range []int{1, sqlstore.HistoryChunk} {
		if _, err := s.wstmt(ctx, dialect.AddHistoryQuery(n)); err != nil {
			return st, fmt.Errorf("sqlite: sync: prepare: %w", err)
		}
	}
	for i, p := range plans {
		for _, q := range append(writeQueries(p.Table), textQueries(p.Table, texts[i])...) {
			if _, err := s.wstmt(ctx, q); err != nil {
				return st, fmt.Errorf("sqlite: sync %s: prepare: %w", p.Table, err)
			}
		}
	}
	return st, nil
}

// syncTable creates the table of p if needed and brings its indexes in step.
func (s *Store) syncTable(ctx context.Context, tx *sql.Tx, p sqlstore.TablePlan, texts []textIndex, st *syncStats) error {
	var exists int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, p.Table).Scan(&exists); err != nil {
		return err
	}
	if exists == 0 {
		st.tablesCreated++
	}
	for _, q := range tableDDL(p.Table) {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create table: %w", err)
		}
	}
	if err := dialect.InitCount(ctx, sqlDB{tx}, p.Table); err != nil {
		return err
	}
	if err := toJSONB(ctx, tx, p.Table); err != nil {
		return err
	}
	if err := syncValueCounts(ctx, tx, p.Table, valueCounted(p.Entity)); err != nil {
		return err
	}
	have, err := managedIndexes(ctx, tx, p.Table)
	if err != nil {
		return fmt.Errorf("list indexes: %w", err)
	}
	created, dropped, err := dialect.SyncIndexes(ctx, sqlDB{tx}, p.Table, p.Specs, have, func(string, *sqlstore.IndexSpec) error { return nil })
	if err != nil {
		return err
	}
	st.indexesCreated += created
	st.indexesDropped += dropped
	if created, dropped, err = syncTexts(ctx, tx, p.Table, texts); err != nil {
		return fmt.Errorf("text indexes: %w", err)
	}
	st.indexesCreated += created
	st.indexesDropped += dropped
	return nil
}

// managedIndexes maps the managed indexes of table to their SQL.
func managedIndexes(ctx context.Context, tx *sql.Tx, table string) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]string{}
	for rows.Next() {
		var n, q string
		if err := rows.Scan(&n, &q); err != nil {
			return nil, err
		}
		if sqlstore.ManagedIndex(n) {
			have[n] = q
		}
	}
	return have, rows.Err()
}

// uniqueField maps a unique index of table to the dotted field path.
func (s *Store) uniqueField(table, index string) string {
	s.schemaMu.RLock()
	defer s.schemaMu.RUnlock()
	if f, ok := s.uniques[table][index]; ok {
		return f
	}
	return index
}
