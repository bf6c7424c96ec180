package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"runway/app"
	"runway/query"
	"runway/store"
	"runway/store/sqlstore"
	"runway/types"
)

// jsonPath is the text[] literal '{a,b}' of names (checked identifiers).
func jsonPath(names []string) (string, error) {
	for _, n := range names {
		if !query.ValidIdent(n) {
			return "", fmt.Errorf("invalid field name %q", n)
		}
	}
	return "'{" + strings.Join(names, ",") + "}'", nil
}

// jsonAt is the jsonb value at names under base (a jsonb expression).
func jsonAt(base string, names []string) (string, error) {
	if len(names) == 0 {
		return base, nil
	}
	p, err := jsonPath(names)
	if err != nil {
		return "", err
	}
	return "(" + base + " #> " + p + ")", nil
}

// textAt is the text of the value at names under base (strings unquoted).
func textAt(base string, names []string) (string, error) {
	p, err := jsonPath(names)
	if err != nil {
		return "", err
	}
	if len(names) == 0 {
		p = "'{}'"
	}
	return "(" + base + " #>> " + p + ")", nil
}

func tableDDL(table string) []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS ` + sqlstore.QuoteIdent(table) + ` (
			id text COLLATE "C" PRIMARY KEY,
			version bigint NOT NULL,
			label text COLLATE "C" NOT NULL DEFAULT '',
			doc text NOT NULL,
			j jsonb GENERATED ALWAYS AS (replace(doc, '\u0000', '\ufffd')::jsonb) STORED,
			created bigint,
			modified bigint)`,
		`CREATE INDEX IF NOT EXISTS ` + sqlstore.QuoteIdent(dialect.Ident("l_"+table)) + ` ON ` + sqlstore.QuoteIdent(table) + ` (label)`,
	}
}

// indexExpr is the expression an index on field f (at path, no many step)
// is built on; queries use the very same text. Relationships and groups by
// their referenced id, emails lowercased (ASCII, as SQLite's lower()).
func indexExpr(f *app.Field, path []string) (string, error) {
	names := path
	switch f.Type {
	case types.Relationship, types.Group:
		names = append(append([]string(nil), path...), "id")
	}
	e, err := textAt("j", names)
	if err != nil {
		return "", err
	}
	if f.Type == types.Email {
		e = emailLower(e)
	}
	return e, nil
}

func emailLower(e string) string { return `lower(` + e + ` COLLATE "C")` }

// likeLower is the text like conditions compare: ASCII-lowercased (as
// strings.ToLower for ASCII text; other text is rechecked).
func likeLower(T string) string { return `lower(` + T + ` COLLATE "C")` }

// likeRecheck is the predicate of the values like's SQL cannot decide: not
// a string, or text beyond ASCII (whose lowercasing is Go's). One CASE, so
// it is one term of the OR it ends (and matches its index).
func likeRecheck(J, T string) string {
	return "(CASE WHEN jsonb_typeof(" + J + ") = 'string' THEN " + likeRecheckColumn(T) + " ELSE " + J + " IS NOT NULL END)"
}

// likeRecheckColumn is likeRecheck of a text column (a CASE too: the
// planner reads the statistics of its index for a boolean expression, not
// for an operator).
func likeRecheckColumn(T string) string {
	return "(CASE WHEN octet_length(" + T + ") <> char_length(" + T + ") THEN TRUE ELSE FALSE END)"
}

// likeIndex is the trigram index of like on the label (path nil) or the
// indexable text field at path (sqlstore.Indexes.Like), and the expression
// of the records like rechecks there.
func likeIndex(path []string) (expr, using, recheck string, err error) {
	if path == nil {
		expr = likeLower("label")
		return expr, "gin (" + expr + " gin_trgm_ops)", likeRecheckColumn("label"), nil
	}
	J, err := jsonAt("j", path)
	if err != nil {
		return "", "", "", err
	}
	T, err := textAt("j", path)
	if err != nil {
		return "", "", "", err
	}
	expr = likeLower(T)
	return expr, "gin (" + expr + " gin_trgm_ops)", likeRecheck(J, T), nil
}

// Sync brings the schema in step with the app (as the SQLite store: a table
// per entity, u_/i_/x_ expression indexes), under the advisory lock so
// processes starting together do not race. Text indexes need no tables:
// text searches are decided in Go (see doc.go).
func (s *Store) Sync(ctx context.Context, a *app.App) error {
	plans, err := dialect.PlanTables(a)
	if err != nil {
		return err
	}
	if !s.trigrams(ctx) {
		// without pg_trgm like conditions are still SQL, read from the table
		for i := range plans {
			specs := plans[i].Specs[:0]
			for _, sp := range plans[i].Specs {
				if !strings.HasPrefix(sp.Name, sqlstore.PrefixTrigram) && !strings.HasPrefix(sp.Name, sqlstore.PrefixRecheck) {
					specs = append(specs, sp)
				}
			}
			plans[i].Specs = specs
		}
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockSchema(ctx, tx); err != nil {
			return err
		}
		for _, p := range plans {
			if err := syncTable(ctx, tx, p); err != nil {
				return fmt.Errorf("sync %s: %w", p.Table, err)
			}
		}
		return nil
	})
	if err != nil {
		var ue *store.UniqueError
		if errors.As(err, &ue) {
			return fmt.Errorf("postgres: %w", err)
		}
		return fmt.Errorf("postgres: sync: %w", err)
	}
	s.schemaMu.Lock()
	for _, p := range plans {
		s.uniques[p.Table] = sqlstore.UniqueFields(p.Specs)
		texts := map[string]bool{}
		for _, ix := range p.Entity.Indexes {
			if ix.Type == "text" {
				texts[ix.Name] = true
			}
		}
		s.texts[p.Table] = texts
		indexed := map[string]bool{}
		for _, sp := range p.Specs {
			indexed[sp.Expr] = true
		}
		s.indexed[p.Table] = indexed
	}
	s.schemaMu.Unlock()
	return nil
}

// trigrams makes sure the database has the pg_trgm extension (the like
// indexes' operator class) and reports whether it has.
func (s *Store) trigrams(ctx context.Context) bool {
	const have = "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')"
	var ok bool
	if err := s.pool.QueryRow(ctx, have).Scan(&ok); err == nil && ok {
		return true
	}
	if _, err := s.pool.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm"); err == nil {
		return true
	}
	// not available, not allowed, or created by another process meanwhile
	err := s.pool.QueryRow(ctx, have).Scan(&ok)
	return err == nil && ok
}

// syncTable creates the table of p if needed and brings its indexes in
// step, remembering the SQL of each managed index in _indexes.
func syncTable(ctx context.Context, tx pgx.Tx, p sqlstore.TablePlan) error {
	for _, q := range tableDDL(p.Table) {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("create table: %w", err)
		}
	}
	if err := dialect.InitCount(ctx, pgDB{tx}, p.Table); err != nil {
		return err
	}
	if err := syncValueCounts(ctx, tx, p.Table, sqlstore.ValueCounted(p.Entity)); err != nil {
		return err
	}
	have := map[string]string{}
	rows, err := tx.Query(ctx, `SELECT name, sql FROM _indexes WHERE tbl = $1`, p.Table)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n, q string
		if err := rows.Scan(&n, &q); err != nil {
			rows.Close()
			return err
		}
		have[n] = q
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	created, _, err := dialect.SyncIndexes(ctx, pgDB{tx}, p.Table, p.Specs, have, func(name string, created *sqlstore.IndexSpec) error {
		if created == nil {
			_, err := tx.Exec(ctx, `DELETE FROM _indexes WHERE name = $1`, name)
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO _indexes (name, tbl, sql) VALUES ($1, $2, $3)`, name, p.Table, created.SQL)
		return err
	})
	if err != nil {
		return err
	}
	stats, err := syncTypeStats(ctx, tx, p)
	if err != nil {
		return fmt.Errorf("statistics: %w", err)
	}
	if created == 0 && stats == 0 {
		return nil
	}
	// statistics of the new expressions (the r_ recheck expressions keep
	// the planner on the like indexes), unless there is nothing to sample
	var nonEmpty bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+sqlstore.QuoteIdent(p.Table)+")").Scan(&nonEmpty); err != nil || !nonEmpty {
		return err
	}
	_, err = tx.Exec(ctx, "ANALYZE "+sqlstore.QuoteIdent(p.Table))
	return err
}

// PrefixTypeStats names the statistics objects of syncTypeStats.
const PrefixTypeStats = "s_"

// syncTypeStats keeps, for each indexable field of p (PostgreSQL 14 and
// later), statistics of the JSON type of its value: an equality reads
// "jsonb_typeof(value) = 'string' AND text = value", and without them the
// planner takes the first term for a 1-in-200 filter, estimates a few
// records where there are thousands, and sorts them rather than reading a
// c_ index in order (or walks the wrong index). Statistics of other
// fields named s_ are dropped. It returns how many it created.
func syncTypeStats(ctx context.Context, tx pgx.Tx, p sqlstore.TablePlan) (int, error) {
	var version int
	if err := tx.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil || version < 140000 {
		return 0, err
	}
	want := map[string]string{}
	err := sqlstore.WalkIndexable(p.Entity.Fields, nil, func(f *app.Field, path []string) error {
		if f.Type == types.Nested || f.Type == types.GeoPoint || !f.Indexable && !f.Unique {
			return nil
		}
		names := path
		if f.Type == types.Relationship || f.Type == types.Group {
			names = append(append([]string(nil), path...), "id")
		}
		J, err := jsonAt("j", names)
		if err != nil {
			return err
		}
		n := dialect.Ident(PrefixTypeStats + p.Table + "_" + strings.Join(path, "_"))
		want[n] = "CREATE STATISTICS IF NOT EXISTS " + sqlstore.QuoteIdent(n) + " ON (jsonb_typeof(" + J + ")) FROM " + sqlstore.QuoteIdent(p.Table)
		return nil
	})
	if err != nil {
		return 0, err
	}
	rows, err := tx.Query(ctx, `SELECT stxname FROM pg_statistic_ext WHERE stxrelid = $1::regclass AND starts_with(stxname, $2)`,
		sqlstore.QuoteIdent(p.Table), PrefixTypeStats)
	if err != nil {
		return 0, err
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	for _, n := range have {
		if _, ok := want[n]; ok {
			delete(want, n)
			continue
		}
		if _, err := tx.Exec(ctx, "DROP STATISTICS IF EXISTS "+sqlstore.QuoteIdent(n)); err != nil {
			return 0, err
		}
	}
	for _, q := range want {
		if _, err := tx.Exec(ctx, q); err != nil {
			return 0, err
		}
	}
	return len(want), nil
}
