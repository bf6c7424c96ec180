package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"runway/app"
	"runway/query"
	"runway/store"
	"runway/types"
)

// Migrate brings the system tables from the version _meta.schema_version
// records to the last one: migrations[i] moves them from version i-1 to i
// (append only; each store keeps its own list, built from the DDL here and
// its own). Run it in one transaction: a failed migration leaves nothing.
func (d *Dialect) Migrate(ctx context.Context, db DB, migrations [][]string) error {
	last := len(migrations) - 1
	if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS _meta (key text PRIMARY KEY, value text NOT NULL)`); err != nil {
		return fmt.Errorf("%s: migrate: create _meta: %w", d.Name, err)
	}
	cur := 0
	var v string
	switch err := db.QueryRow(ctx, `SELECT value FROM _meta WHERE key = 'schema_version'`).Scan(&v); {
	case err == nil:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%s: migrate: bad schema_version %q", d.Name, v)
		}
		cur = n
	case errors.Is(err, ErrNoRows):
	default:
		return fmt.Errorf("%s: migrate: read schema_version: %w", d.Name, err)
	}
	if cur > last {
		return fmt.Errorf("%s: migrate: database schema version %d is newer than this binary's (%d)", d.Name, cur, last)
	}
	if cur == last {
		return nil
	}
	for i := cur + 1; i <= last; i++ {
		for _, q := range migrations[i] {
			if _, err := db.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: migrate to version %d: %w", d.Name, i, err)
			}
		}
	}
	if _, err := db.Exec(ctx, `INSERT INTO _meta (key, value) VALUES ('schema_version', $1)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.Itoa(last)); err != nil {
		return fmt.Errorf("%s: migrate: write schema_version: %w", d.Name, err)
	}
	return nil
}

// Ready reports whether the database answers and its system tables are at
// the version migrations brings them to (another process, of a newer
// binary, may have moved them on).
func (d *Dialect) Ready(ctx context.Context, db DB, migrations [][]string) error {
	var v string
	if err := db.QueryRow(ctx, `SELECT value FROM _meta WHERE key = 'schema_version'`).Scan(&v); err != nil {
		return fmt.Errorf("%s: read schema_version: %w", d.Name, err)
	}
	if want := strconv.Itoa(len(migrations) - 1); v != want {
		return fmt.Errorf("%s: schema version %s, this server's is %s", d.Name, v, want)
	}
	return nil
}

// IndexSpec is one index Sync wants on an entity table.
type IndexSpec struct {
	Name   string
	SQL    string // the full CREATE statement
	Unique bool
	Field  string // dotted path(s) reported in a UniqueError
	Expr   string // the expression of its first column (an equality on it can use the index)
}

// Index name prefixes managed by Sync; any other index is left alone.
const (
	PrefixUnique = "u_"
	PrefixIndex  = "i_"
	PrefixEntity = "x_"
	PrefixGeo    = "g_"
	// PrefixTrigram: the trigram index of like on the label or an
	// indexable text field (Indexes.Like), PrefixRecheck: the index of
	// whether like must recheck a record there (its statistics tell the
	// planner how few they are).
	PrefixComposite = "c_"
	PrefixTrigram   = "t_"
	PrefixRecheck   = "r_"
)

// ManagedIndex reports whether Sync manages the index name.
func ManagedIndex(name string) bool {
	for _, p := range []string{PrefixUnique, PrefixIndex, PrefixEntity, PrefixGeo, PrefixComposite, PrefixTrigram, PrefixRecheck} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// Indexes is how a dialect writes the expression indexes of entity tables.
type Indexes struct {
	// Expr is the expression an index on field f (at path, no many step)
	// is built on; queries use the very same text so the planner matches
	// the index: relationships and groups by their referenced id, emails
	// lowercased.
	Expr func(f *app.Field, path []string) (string, error)
	// Column writes an expression as an index column.
	Column func(expr string) string
	// Geo is the latitude expression a geo point's g_ index is built on
	// (near with a maximum distance reads a band of it); nil: none.
	Geo func(path []string) (string, error)
	// Like is, for the label (path nil) or the indexable text field at
	// path, the expression of its trigram index, the index's method and
	// column ("gin (expr gin_trgm_ops)") and the predicate of the records
	// a like condition there rechecks (nil: no trigram indexes; SQLite
	// keeps them in an FTS5 table).
	Like func(path []string) (expr, using, recheck string, err error)
	// Sorted reports whether a sort on field f reads the very expression
	// Expr indexes it by; nil: never. Then an indexable field with few
	// values (Composite) gets a c_ index (filter, sort key, id) with every
	// such field, which decides a filter on the first with a sort on (or a
	// range of) the second from the index alone.
	Sorted func(f *app.Field) bool
	// SortColumns are the index columns a sort on field f (at path) reads,
	// when they are not Column(Expr): PostgreSQL sorts by typed keys
	// (missing first, numbers, then text), which its c_ indexes hold after
	// the filter column. nil: Column(Expr).
	SortColumns func(f *app.Field, path []string) ([]string, error)
}

// Composite reports whether an indexable field of type kind leads c_
// indexes: equality filters on it leave many records to sort.
func Composite(kind string) bool {
	switch kind {
	case types.Choice, types.Boolean, types.Relationship:
		return true
	}
	return false
}

// WalkIndexable walks the fields that can carry an index: not many, not
// inside a many-valued group. Nested single groups are walked into.
func WalkIndexable(fields []*app.Field, prefix []string, fn func(f *app.Field, path []string) error) error {
	for _, f := range fields {
		if f == nil || f.Many {
			continue
		}
		path := append(append([]string(nil), prefix...), f.Name)
		if err := fn(f, path); err != nil {
			return err
		}
		if f.Type == types.Nested {
			if err := WalkIndexable(f.Nested, path, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// DesiredIndexes lists the managed indexes entity e needs on table: u_
// unique ones for unique fields, i_ ones (with id as a second column, so a
// sort on the field with the id tie-breaker needs no sort step) for
// indexable fields, g_ ones for geo points, x_ ones for the entity's normal
// indexes.
func (d *Dialect) DesiredIndexes(e *app.Entity, table string) ([]IndexSpec, error) {
	var out []IndexSpec
	used := map[string]bool{}
	name := func(prefix string, parts []string) string {
		base := prefix + table + "_" + strings.Join(parts, "_")
		n := base
		for i := 2; used[n]; i++ {
			n = base + "_" + strconv.Itoa(i)
		}
		used[n] = true
		return d.Ident(n)
	}
	create := func(unique bool, name string, columns ...string) string {
		kw := "CREATE INDEX "
		if unique {
			kw = "CREATE UNIQUE INDEX "
		}
		return kw + QuoteIdent(name) + " ON " + QuoteIdent(table) + " (" + strings.Join(columns, ", ") + ")"
	}
	ix := &d.Indexes
	err := WalkIndexable(e.Fields, nil, func(f *app.Field, path []string) error {
		if f.Type == types.GeoPoint {
			if ix.Geo == nil {
				return nil
			}
			lat, err := ix.Geo(path)
			if err != nil {
				return fmt.Errorf("field %s: %w", strings.Join(path, "."), err)
			}
			n := name(PrefixGeo, path)
			out = append(out, IndexSpec{Name: n, Field: strings.Join(path, "."), Expr: lat, SQL: create(false, n, lat)})
			return nil
		}
		if !f.Unique && !f.Indexable || f.Type == types.Nested { // a group as a whole is never indexed
			return nil
		}
		expr, err := ix.Expr(f, path)
		if err != nil {
			return fmt.Errorf("field %s: %w", strings.Join(path, "."), err)
		}
		spec := IndexSpec{Unique: f.Unique, Field: strings.Join(path, "."), Expr: expr}
		if f.Unique {
			spec.Name = name(PrefixUnique, path)
			spec.SQL = create(true, spec.Name, ix.Column(expr))
		} else {
			spec.Name = name(PrefixIndex, path)
			spec.SQL = create(false, spec.Name, ix.Column(expr), "id")
		}
		out = append(out, spec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if ix.Sorted != nil {
		type col struct {
			f    *app.Field
			path []string
			expr string
		}
		var lead, sorted []col
		err := WalkIndexable(e.Fields, nil, func(f *app.Field, path []string) error {
			if f.Type == types.Nested || f.Type == types.GeoPoint || !f.Indexable && !f.Unique {
				return nil
			}
			expr, err := ix.Expr(f, path)
			if err != nil {
				return fmt.Errorf("field %s: %w", strings.Join(path, "."), err)
			}
			c := col{f, path, expr}
			if f.Indexable && !f.Unique && Composite(f.Type) {
				lead = append(lead, c)
			}
			if ix.Sorted(f) {
				sorted = append(sorted, c)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, a := range lead {
			for _, b := range sorted {
				if a.expr == b.expr {
					continue
				}
				cols := []string{ix.Column(a.expr), ix.Column(b.expr)}
				if ix.SortColumns != nil {
					keys, err := ix.SortColumns(b.f, b.path)
					if err != nil {
						return nil, fmt.Errorf("field %s: %w", strings.Join(b.path, "."), err)
					}
					cols = append(cols[:1], keys...)
				}
				n := name(PrefixComposite, append(append([]string(nil), a.path...), b.path...))
				out = append(out, IndexSpec{Name: n, Field: strings.Join(a.path, ".") + "," + strings.Join(b.path, "."), Expr: a.expr,
					SQL: create(false, n, append(cols, "id")...)})
			}
		}
	}
	if ix.Like != nil {
		like := func(path []string) error {
			expr, using, recheck, err := ix.Like(path)
			if err != nil {
				return fmt.Errorf("like index %s: %w", strings.Join(path, "."), err)
			}
			parts := path
			if path == nil {
				parts = []string{"label"}
			}
			n := name(PrefixTrigram, parts)
			out = append(out, IndexSpec{Name: n, Field: strings.Join(path, "."), Expr: expr,
				SQL: "CREATE INDEX " + QuoteIdent(n) + " ON " + QuoteIdent(table) + " USING " + using})
			n = name(PrefixRecheck, parts)
			out = append(out, IndexSpec{Name: n, Field: strings.Join(path, "."), Expr: recheck,
				SQL: create(false, n, ix.Column(recheck))})
			return nil
		}
		if err := like(nil); err != nil {
			return nil, err
		}
		err := WalkIndexable(e.Fields, nil, func(f *app.Field, path []string) error {
			if (f.Indexable || f.Unique) && query.LikeIndexable(f.Type) {
				return like(path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, x := range e.Indexes {
		if x.Type != "" && x.Type != "normal" {
			continue // text indexes are not expression indexes
		}
		spec, ok, err := d.entityIndex(e, x, ix)
		if err != nil {
			return nil, err
		}
		if ok {
			spec.Name = name(PrefixEntity, []string{x.Name})
			spec.SQL = create(x.Unique, spec.Name, spec.SQL)
			out = append(out, spec)
		}
	}
	return out, nil
}

// entityIndex is the spec of an entity's normal index (its SQL the column
// list); ok is false for one over a many-valued field or a group, which
// check rejects.
func (d *Dialect) entityIndex(e *app.Entity, x app.Index, ix *Indexes) (IndexSpec, bool, error) {
	if !query.ValidIdent(x.Name) || len(x.Fields) == 0 {
		return IndexSpec{}, false, fmt.Errorf("index %q: invalid name or no fields", x.Name)
	}
	var columns, exprs []string
	for _, p := range x.Fields {
		fs := e.Resolve(p)
		if fs == nil {
			return IndexSpec{}, false, nil
		}
		for _, f := range fs {
			if f.Many {
				return IndexSpec{}, false, nil
			}
		}
		leaf := fs[len(fs)-1]
		if leaf.Type == types.Nested {
			return IndexSpec{}, false, nil
		}
		expr, err := ix.Expr(leaf, strings.Split(p, "."))
		if err != nil {
			return IndexSpec{}, false, fmt.Errorf("index %s: %w", x.Name, err)
		}
		columns = append(columns, ix.Column(expr))
		exprs = append(exprs, expr)
	}
	return IndexSpec{Unique: x.Unique, Field: strings.Join(x.Fields, ","), Expr: exprs[0], SQL: strings.Join(columns, ", ")}, true, nil
}

// TablePlan is what Sync makes of one entity: its table and indexes.
type TablePlan struct {
	Entity *app.Entity
	Table  string
	Specs  []IndexSpec
}

// PlanTables lists the tables and managed indexes of an app's entities, in
// name order.
func (d *Dialect) PlanTables(a *app.App) ([]TablePlan, error) {
	names := make([]string, 0, len(a.Entities))
	for n := range a.Entities {
		names = append(names, n)
	}
	sort.Strings(names)
	plans := make([]TablePlan, 0, len(names))
	for _, n := range names {
		e := a.Entities[n]
		table, err := d.TableName(e)
		if err != nil {
			return nil, fmt.Errorf("%s: sync: %w", d.Name, err)
		}
		specs, err := d.DesiredIndexes(e, table)
		if err != nil {
			return nil, fmt.Errorf("%s: sync %s: %w", d.Name, e.FullName, err)
		}
		plans = append(plans, TablePlan{Entity: e, Table: table, Specs: specs})
	}
	return plans, nil
}

// SyncIndexes makes the managed indexes of table those of specs: an index
// no longer wanted, or whose SQL changed, is dropped; a missing one is
// created. have maps the managed indexes the table has to their SQL; done
// is told of each index dropped or created (bookkeeping). A unique index
// that existing records violate fails with an error wrapping a
// *store.UniqueError.
func (d *Dialect) SyncIndexes(ctx context.Context, db DB, table string, specs []IndexSpec, have map[string]string,
	done func(name string, created *IndexSpec) error) (created, dropped int, err error) {
	want := map[string]IndexSpec{}
	for _, sp := range specs {
		want[sp.Name] = sp
	}
	for n, q := range have {
		if sp, ok := want[n]; ok && sp.SQL == q {
			continue
		}
		if _, err := db.Exec(ctx, "DROP INDEX IF EXISTS "+QuoteIdent(n)); err != nil {
			return created, dropped, fmt.Errorf("drop index %s: %w", n, err)
		}
		if err := done(n, nil); err != nil {
			return created, dropped, err
		}
		delete(have, n)
		dropped++
	}
	for _, sp := range specs {
		if _, ok := have[sp.Name]; ok {
			continue
		}
		if _, err := db.Exec(ctx, sp.SQL); err != nil {
			err = fmt.Errorf("create index %s: %w", sp.Name, err)
			if d.IsUniqueViolation(err) {
				err = fmt.Errorf("%w (existing records share a value): %w", &store.UniqueError{Field: sp.Field}, err)
			}
			return created, dropped, err
		}
		if err := done(sp.Name, &sp); err != nil {
			return created, dropped, err
		}
		created++
	}
	return created, dropped, nil
}

// UniqueFields maps the unique indexes of specs to their fields' dotted
// paths (what a *store.UniqueError names).
func UniqueFields(specs []IndexSpec) map[string]string {
	m := map[string]string{}
	for _, sp := range specs {
		if sp.Unique {
			m[sp.Name] = sp.Field
		}
	}
	return m
}
