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

// Sync brings the schema in step with the app (as the SQLite store: a table
// per entity, u_/i_/x_ expression indexes), under the advisory lock so
// processes starting together do not race. Text indexes need no tables:
// text searches are decided in Go (see doc.go).
func (s *Store) Sync(ctx context.Context, a *app.App) error {
	plans, err := dialect.PlanTables(a)
	if err != nil {
		return err
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

// syncTable creates the table of p if needed and brings its indexes in
// step, remembering the SQL of each managed index in _indexes.
func syncTable(ctx context.Context, tx pgx.Tx, p sqlstore.TablePlan) error {
	for _, q := range tableDDL(p.Table) {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("create table: %w", err)
		}
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
	_, _, err = dialect.SyncIndexes(ctx, pgDB{tx}, p.Table, p.Specs, have, func(name string, created *sqlstore.IndexSpec) error {
		if created == nil {
			_, err := tx.Exec(ctx, `DELETE FROM _indexes WHERE name = $1`, name)
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO _indexes (name, tbl, sql) VALUES ($1, $2, $3)`, name, p.Table, created.SQL)
		return err
	})
	return err
}
