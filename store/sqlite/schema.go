package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"runway/app"
	"runway/store"
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
	3: jobsMigration,    // jobs.go
	4: historyMigration, // history.go
}

func schemaVersion() int { return len(migrations) - 1 }

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrate: create _meta: %w", err)
	}
	var v string
	cur := 0
	switch err := tx.QueryRowContext(ctx, `SELECT value FROM _meta WHERE key = 'schema_version'`).Scan(&v); err {
	case nil:
		if cur, err = strconv.Atoi(v); err != nil {
			return fmt.Errorf("sqlite: migrate: bad schema_version %q", v)
		}
	case sql.ErrNoRows:
	default:
		return fmt.Errorf("sqlite: migrate: read schema_version: %w", err)
	}
	if cur > schemaVersion() {
		return fmt.Errorf("sqlite: migrate: database schema version %d is newer than this binary's (%d)", cur, schemaVersion())
	}
	if cur == schemaVersion() {
		return nil
	}
	for i := cur + 1; i <= schemaVersion(); i++ {
		for _, q := range migrations[i] {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("sqlite: migrate to version %d: %w", i, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO _meta (key, value) VALUES ('schema_version', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.Itoa(schemaVersion())); err != nil {
		return fmt.Errorf("sqlite: migrate: write schema_version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: commit: %w", err)
	}
	return nil
}

// indexSpec is one index Sync wants on an entity table.
type indexSpec struct {
	name   string
	sql    string // full CREATE statement
	unique bool
	field  string // dotted path(s) reported in a UniqueError
}

// Index name prefixes managed by Sync; any other index is left alone.
const (
	prefixUnique = "u_"
	prefixIndex  = "i_"
	prefixEntity = "x_"
	prefixGeo    = "g_"
)

func managedIndex(name string) bool {
	return strings.HasPrefix(name, prefixUnique) || strings.HasPrefix(name, prefixIndex) || strings.HasPrefix(name, prefixEntity) ||
		strings.HasPrefix(name, prefixGeo)
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
		`CREATE TABLE IF NOT EXISTS ` + quoteIdent(table) + ` (
			id TEXT PRIMARY KEY,
			version INTEGER NOT NULL,
			label TEXT,
			doc TEXT NOT NULL,
			created INTEGER,
			modified INTEGER)`,
		`CREATE INDEX IF NOT EXISTS ` + quoteIdent("l_"+table) + ` ON ` + quoteIdent(table) + ` (label)`,
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

// walkIndexable walks the fields that can carry an index: not many, not inside
// a many-valued group. Nested single groups are walked into.
func walkIndexable(fields []*app.Field, prefix []string, fn func(f *app.Field, path []string) error) error {
	for _, f := range fields {
		if f == nil || f.Many {
			continue
		}
		path := append(append([]string(nil), prefix...), f.Name)
		if err := fn(f, path); err != nil {
			return err
		}
		if f.Type == types.Nested {
			if err := walkIndexable(f.Nested, path, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// desiredIndexes lists the managed indexes entity e needs.
func desiredIndexes(e *app.Entity, table string) ([]indexSpec, error) {
	var out []indexSpec
	used := map[string]bool{}
	name := func(prefix string, parts []string) string {
		base := prefix + table + "_" + strings.Join(parts, "_")
		n := base
		for i := 2; used[n]; i++ {
			n = base + "_" + strconv.Itoa(i)
		}
		used[n] = true
		return n
	}
	err := walkIndexable(e.Fields, nil, func(f *app.Field, path []string) error {
		if f.Type == types.GeoPoint {
			// near with a maximum distance scans a latitude band of it
			lat, err := geoLatitude("doc", path)
			if err != nil {
				return fmt.Errorf("field %s: %w", strings.Join(path, "."), err)
			}
			n := name(prefixGeo, path)
			out = append(out, indexSpec{name: n, field: strings.Join(path, "."),
				sql: "CREATE INDEX " + quoteIdent(n) + " ON " + quoteIdent(table) + " (" + lat + ")"})
			return nil
		}
		if !f.Unique && !f.Indexable {
			return nil
		}
		if f.Type == types.Nested {
			return nil // a group as a whole is never indexed
		}
		expr, err := indexExpr(f, path)
		if err != nil {
			return fmt.Errorf("field %s: %w", strings.Join(path, "."), err)
		}
		spec := indexSpec{unique: f.Unique, field: strings.Join(path, ".")}
		if f.Unique {
			spec.name = name(prefixUnique, path)
			spec.sql = "CREATE UNIQUE INDEX " + quoteIdent(spec.name) + " ON " + quoteIdent(table) + " (" + expr + ")"
		} else {
			// id as a second column: a sort on the field with the id
			// tie-breaker is a plain index scan, no sort step.
			spec.name = name(prefixIndex, path)
			spec.sql = "CREATE INDEX " + quoteIdent(spec.name) + " ON " + quoteIdent(table) + " (" + expr + ", id)"
		}
		out = append(out, spec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, ix := range e.Indexes {
		if ix.Type != "" && ix.Type != "normal" {
			continue // text indexes are not expression indexes
		}
		if !validIdent(ix.Name) || len(ix.Fields) == 0 {
			return nil, fmt.Errorf("index %q: invalid name or no fields", ix.Name)
		}
		var exprs, paths []string
		ok := true
		for _, p := range ix.Fields {
			fs := e.Resolve(p)
			if fs == nil {
				ok = false
				break
			}
			for _, f := range fs {
				if f.Many {
					ok = false // cannot index inside arrays
				}
			}
			leaf := fs[len(fs)-1]
			if leaf.Type == types.Nested {
				ok = false
			}
			if !ok {
				break
			}
			expr, err := indexExpr(leaf, strings.Split(p, "."))
			if err != nil {
				return nil, fmt.Errorf("index %s: %w", ix.Name, err)
			}
			exprs = append(exprs, expr)
			paths = append(paths, p)
		}
		if !ok {
			continue // defensive: check rejects these
		}
		spec := indexSpec{name: name(prefixEntity, []string{ix.Name}), unique: ix.Unique, field: strings.Join(paths, ",")}
		kw := "CREATE INDEX "
		if ix.Unique {
			kw = "CREATE UNIQUE INDEX "
		}
		spec.sql = kw + quoteIdent(spec.name) + " ON " + quoteIdent(table) + " (" + strings.Join(exprs, ", ") + ")"
		out = append(out, spec)
	}
	return out, nil
}

// syncStats counts what a Sync did (for tests and logs).
type syncStats struct {
	tablesCreated, indexesCreated, indexesDropped int
}

// Sync brings the schema in step with the app: a table per entity, an index
// on label, unique expression indexes (u_…) for unique fields, plain ones
// (i_…) for indexable fields and x_… for the entity's normal indexes.
// Managed indexes no longer wanted (or whose definition changed) are
// dropped; tables and data of removed entities and fields are kept. A unique
// index that existing records violate fails Sync with an error wrapping a
// *store.UniqueError.
func (s *Store) Sync(ctx context.Context, a *app.App) error {
	_, err := s.sync(ctx, a)
	return err
}

func (s *Store) sync(ctx context.Context, a *app.App) (syncStats, error) {
	var st syncStats
	names := make([]string, 0, len(a.Entities))
	for n := range a.Entities {
		names = append(names, n)
	}
	sort.Strings(names)

	type plan struct {
		table string
		specs []indexSpec
		texts []textIndex
	}
	plans := make([]plan, 0, len(names))
	for _, n := range names {
		e := a.Entities[n]
		table, err := tableName(e)
		if err != nil {
			return st, fmt.Errorf("sqlite: sync: %w", err)
		}
		specs, err := desiredIndexes(e, table)
		if err != nil {
			return st, fmt.Errorf("sqlite: sync %s: %w", e.FullName, err)
		}
		texts, err := desiredTexts(e, table)
		if err != nil {
			return st, fmt.Errorf("sqlite: sync %s: %w", e.FullName, err)
		}
		plans = append(plans, plan{table, specs, texts})
	}

	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("sqlite: sync: begin: %w", err)
	}
	defer tx.Rollback()
	for _, p := range plans {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, p.table).Scan(&exists); err != nil {
			return st, fmt.Errorf("sqlite: sync %s: %w", p.table, err)
		}
		if exists == 0 {
			st.tablesCreated++
		}
		for _, q := range tableDDL(p.table) {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return st, fmt.Errorf("sqlite: sync %s: create table: %w", p.table, err)
			}
		}
		have := map[string]string{}
		rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, p.table)
		if err != nil {
			return st, fmt.Errorf("sqlite: sync %s: list indexes: %w", p.table, err)
		}
		for rows.Next() {
			var n, q string
			if err := rows.Scan(&n, &q); err != nil {
				rows.Close()
				return st, fmt.Errorf("sqlite: sync %s: list indexes: %w", p.table, err)
			}
			if managedIndex(n) {
				have[n] = q
			}
		}
		if err := rows.Close(); err != nil {
			return st, fmt.Errorf("sqlite: sync %s: list indexes: %w", p.table, err)
		}
		want := map[string]indexSpec{}
		for _, sp := range p.specs {
			want[sp.name] = sp
		}
		for n, q := range have {
			if sp, ok := want[n]; ok && sp.sql == q {
				continue
			}
			if _, err := tx.ExecContext(ctx, "DROP INDEX "+quoteIdent(n)); err != nil {
				return st, fmt.Errorf("sqlite: sync %s: drop index %s: %w", p.table, n, err)
			}
			delete(have, n)
			st.indexesDropped++
		}
		for _, sp := range p.specs {
			if _, ok := have[sp.name]; ok {
				continue
			}
			if _, err := tx.ExecContext(ctx, sp.sql); err != nil {
				err = fmt.Errorf("sqlite: sync %s: create index %s: %w", p.table, sp.name, err)
				if isUniqueViolation(err) {
					err = fmt.Errorf("%w (existing records share a value): %w", &store.UniqueError{Field: sp.field}, err)
				}
				return st, err
			}
			st.indexesCreated++
		}
		created, dropped, err := syncTexts(ctx, tx, p.table, p.texts)
		if err != nil {
			return st, fmt.Errorf("sqlite: sync %s: text indexes: %w", p.table, err)
		}
		st.indexesCreated += created
		st.indexesDropped += dropped
	}
	if err := tx.Commit(); err != nil {
		return st, fmt.Errorf("sqlite: sync: commit: %w", err)
	}

	s.schemaMu.Lock()
	for _, p := range plans {
		m := map[string]string{}
		for _, sp := range p.specs {
			if sp.unique {
				m[sp.name] = sp.field
			}
		}
		s.uniques[p.table] = m
		texts := map[string]textIndex{}
		for _, ix := range p.texts {
			texts[ix.name] = ix
		}
		s.texts[p.table] = texts
	}
	s.schemaMu.Unlock()

	// Prepare the write-side statements now: a transaction holds the only
	// write connection and cannot prepare cached statements itself.
	if _, err := s.wstmt(ctx, addHistoryQuery); err != nil {
		return st, fmt.Errorf("sqlite: sync: prepare: %w", err)
	}
	for _, p := range plans {
		for _, q := range append(writeQueries(p.table), textQueries(p.table, p.texts)...) {
			if _, err := s.wstmt(ctx, q); err != nil {
				return st, fmt.Errorf("sqlite: sync %s: prepare: %w", p.table, err)
			}
		}
	}
	return st, nil
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
