package postgres

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"runway/app"
	"runway/store"
	"runway/types"
)

// validIdent reports whether s is a safe identifier: ASCII letters, digits
// and underscores only. Only such names (all from metadata) reach SQL text.
func validIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func quoteIdent(s string) string { return `"` + s + `"` }

// truncIdent keeps a name within PostgreSQL's 63 bytes: a longer one is cut
// and ends with a hash of the whole.
func truncIdent(s string) string {
	if len(s) <= 63 {
		return s
	}
	sum := sha1.Sum([]byte(s))
	return s[:54] + "_" + hex.EncodeToString(sum[:4])
}

// tableName is the table of an entity: "e_" + full name with "." as "__".
func tableName(e *app.Entity) (string, error) {
	if e == nil {
		return "", fmt.Errorf("nil entity")
	}
	parts := strings.Split(e.FullName, ".")
	for _, p := range parts {
		if !validIdent(p) {
			return "", fmt.Errorf("invalid entity name %q", e.FullName)
		}
	}
	return truncIdent("e_" + strings.Join(parts, "__")), nil
}

// jsonPath is the text[] literal '{a,b}' of names (checked identifiers).
func jsonPath(names []string) (string, error) {
	for _, n := range names {
		if !validIdent(n) {
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
		`CREATE TABLE IF NOT EXISTS ` + quoteIdent(table) + ` (
			id text COLLATE "C" PRIMARY KEY,
			version bigint NOT NULL,
			label text COLLATE "C" NOT NULL DEFAULT '',
			doc text NOT NULL,
			j jsonb GENERATED ALWAYS AS (replace(doc, '\u0000', '\ufffd')::jsonb) STORED,
			created bigint,
			modified bigint)`,
		`CREATE INDEX IF NOT EXISTS ` + quoteIdent(truncIdent("l_"+table)) + ` ON ` + quoteIdent(table) + ` (label)`,
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

type indexSpec struct {
	name   string
	sql    string
	unique bool
	field  string
	expr   string // the expression an equality can use the index for (its first)
}

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
		return truncIdent(n)
	}
	t := quoteIdent(table)
	err := walkIndexable(e.Fields, nil, func(f *app.Field, path []string) error {
		if !f.Unique && !f.Indexable || f.Type == types.Nested || f.Type == types.GeoPoint {
			return nil
		}
		expr, err := indexExpr(f, path)
		if err != nil {
			return fmt.Errorf("field %s: %w", strings.Join(path, "."), err)
		}
		spec := indexSpec{unique: f.Unique, field: strings.Join(path, "."), expr: expr}
		if f.Unique {
			spec.name = name("u_", path)
			spec.sql = "CREATE UNIQUE INDEX " + quoteIdent(spec.name) + " ON " + t + " ((" + expr + "))"
		} else {
			spec.name = name("i_", path)
			spec.sql = "CREATE INDEX " + quoteIdent(spec.name) + " ON " + t + " ((" + expr + "), id)"
		}
		out = append(out, spec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, ix := range e.Indexes {
		if ix.Type != "" && ix.Type != "normal" {
			continue
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
					ok = false
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
			exprs = append(exprs, "("+expr+")")
			paths = append(paths, p)
		}
		if !ok {
			continue
		}
		spec := indexSpec{name: name("x_", []string{ix.Name}), unique: ix.Unique, field: strings.Join(paths, ","), expr: exprs[0][1 : len(exprs[0])-1]}
		kw := "CREATE INDEX "
		if ix.Unique {
			kw = "CREATE UNIQUE INDEX "
		}
		spec.sql = kw + quoteIdent(spec.name) + " ON " + t + " (" + strings.Join(exprs, ", ") + ")"
		out = append(out, spec)
	}
	return out, nil
}

// Sync brings the schema in step with the app (as the SQLite store: a table
// per entity, u_/i_/x_ expression indexes), under the advisory lock so
// processes starting together do not race. Text indexes need no tables:
// text searches are decided in Go (see doc.go).
func (s *Store) Sync(ctx context.Context, a *app.App) error {
	names := make([]string, 0, len(a.Entities))
	for n := range a.Entities {
		names = append(names, n)
	}
	sort.Strings(names)
	type plan struct {
		table string
		specs []indexSpec
		texts map[string]bool
	}
	var plans []plan
	for _, n := range names {
		e := a.Entities[n]
		table, err := tableName(e)
		if err != nil {
			return fmt.Errorf("postgres: sync: %w", err)
		}
		specs, err := desiredIndexes(e, table)
		if err != nil {
			return fmt.Errorf("postgres: sync %s: %w", e.FullName, err)
		}
		texts := map[string]bool{}
		for _, ix := range e.Indexes {
			if ix.Type == "text" {
				texts[ix.Name] = true
			}
		}
		plans = append(plans, plan{table, specs, texts})
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// indexes over large tables may take longer than a query may
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(lockMigrate)); err != nil {
			return err
		}
		for _, p := range plans {
			for _, q := range tableDDL(p.table) {
				if _, err := tx.Exec(ctx, q); err != nil {
					return fmt.Errorf("sync %s: create table: %w", p.table, err)
				}
			}
			have := map[string]string{}
			rows, err := tx.Query(ctx, `SELECT name, sql FROM _indexes WHERE tbl = $1`, p.table)
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
			want := map[string]indexSpec{}
			for _, sp := range p.specs {
				want[sp.name] = sp
			}
			for n, q := range have {
				if sp, ok := want[n]; ok && sp.sql == q {
					continue
				}
				if _, err := tx.Exec(ctx, "DROP INDEX IF EXISTS "+quoteIdent(n)); err != nil {
					return fmt.Errorf("sync %s: drop index %s: %w", p.table, n, err)
				}
				if _, err := tx.Exec(ctx, `DELETE FROM _indexes WHERE name = $1`, n); err != nil {
					return err
				}
				delete(have, n)
			}
			for _, sp := range p.specs {
				if _, ok := have[sp.name]; ok {
					continue
				}
				if _, err := tx.Exec(ctx, sp.sql); err != nil {
					err = fmt.Errorf("sync %s: create index %s: %w", p.table, sp.name, err)
					if isUniqueViolation(err) {
						err = fmt.Errorf("%w (existing records share a value): %w", &store.UniqueError{Field: sp.field}, err)
					}
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO _indexes (name, tbl, sql) VALUES ($1, $2, $3)`, sp.name, p.table, sp.sql); err != nil {
					return err
				}
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
		m := map[string]string{}
		for _, sp := range p.specs {
			if sp.unique {
				m[sp.name] = sp.field
			}
		}
		s.uniques[p.table] = m
		s.texts[p.table] = p.texts
		indexed := map[string]bool{}
		for _, sp := range p.specs {
			indexed[sp.expr] = true
		}
		s.indexed[p.table] = indexed
	}
	s.schemaMu.Unlock()
	return nil
}
