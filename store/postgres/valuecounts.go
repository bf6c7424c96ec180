package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"runway/app"
	"runway/query"
	"runway/store/sqlstore"
)

// Value counts (as store/sqlite's): for an indexable choice field, _counts
// also holds how many records hold each value (text values only), kept by
// a row trigger on the entity table in the transaction that writes the
// record, so the total of a list filtered by one value ("type=a") is read,
// not counted, even right after a write. Rows: tbl =
// "<table>\x1f<path>\x1f<value>", spread over the shards as the row
// counts (concurrent writers rarely wait on one row); the row
// "<table>\x1f<path>", shard -1, says the field is counted. Sync creates
// the triggers (vc_<table>_<path>, _u for updates) and counts the field
// once.

const vcSep = sqlstore.ValueCountSep

// valueCountFn is the trigger function: TG_ARGV[0] the field's path
// (text[]), TG_ARGV[1] the prefix of its value rows.
const valueCountFn = `CREATE OR REPLACE FUNCTION _runway_value_count() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
	p text[] := TG_ARGV[0]::text[];
	s integer := floor(random() * ` + "16" + `)::integer;
BEGIN
	IF TG_OP <> 'INSERT' AND jsonb_typeof(OLD.j #> p) = 'string' THEN
		INSERT INTO _counts (tbl, shard, n) VALUES (TG_ARGV[1] || (OLD.j #>> p), s, -1)
			ON CONFLICT (tbl, shard) DO UPDATE SET n = _counts.n - 1;
	END IF;
	IF TG_OP <> 'DELETE' AND jsonb_typeof(NEW.j #> p) = 'string' THEN
		INSERT INTO _counts (tbl, shard, n) VALUES (TG_ARGV[1] || (NEW.j #>> p), s, 1)
			ON CONFLICT (tbl, shard) DO UPDATE SET n = _counts.n + 1;
	END IF;
	RETURN NULL;
END $f$`

func init() {
	if sqlstore.CountShards != 16 {
		panic("postgres: valueCountFn spreads value counts over 16 shards")
	}
}

func vcKey(table string, path []string) string { return table + vcSep + strings.Join(path, ".") }

func vcTrigger(table string, path []string) string {
	return dialect.Ident("vc_" + table + "_" + strings.Join(path, "_"))
}

// literal is s as an SQL string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// syncValueCounts brings the triggers and counts of table in step with the
// fields of want, inside Sync's transaction (under its lock).
func syncValueCounts(ctx context.Context, tx pgx.Tx, table string, want [][]string) error {
	rows, err := tx.Query(ctx, `SELECT substr(tbl, length($1) + 1) FROM _counts WHERE shard = -1 AND tbl > $1 AND tbl < $2`,
		table+vcSep, table+"\x20")
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, p := range list {
		have[p] = true
	}
	wanted := map[string][]string{}
	for _, p := range want {
		wanted[strings.Join(p, ".")] = p
	}
	t := sqlstore.QuoteIdent(table)
	for p := range have {
		if _, ok := wanted[p]; ok {
			continue
		}
		path := strings.Split(p, ".")
		for _, s := range []string{"", "_u"} {
			if _, err := tx.Exec(ctx, "DROP TRIGGER IF EXISTS "+sqlstore.QuoteIdent(vcTrigger(table, path)+s)+" ON "+t); err != nil {
				return err
			}
		}
		key := vcKey(table, path)
		if _, err := tx.Exec(ctx, `DELETE FROM _counts WHERE tbl = $1 OR (tbl > $2 AND tbl < $3)`, key, key+vcSep, key+"\x20"); err != nil {
			return err
		}
	}
	created := false
	for p, path := range wanted {
		if have[p] {
			continue
		}
		if !created {
			if _, err := tx.Exec(ctx, valueCountFn); err != nil {
				return err
			}
			created = true
		}
		if err := createValueCount(ctx, tx, table, path); err != nil {
			return fmt.Errorf("value counts of %s: %w", p, err)
		}
	}
	return nil
}

// createValueCount creates the triggers of one field and counts it, the
// table locked against writes meanwhile.
func createValueCount(ctx context.Context, tx pgx.Tx, table string, path []string) error {
	jp, err := jsonPath(path)
	if err != nil {
		return err
	}
	key := vcKey(table, path)
	t, trig := sqlstore.QuoteIdent(table), vcTrigger(table, path)
	fn := "_runway_value_count(" + jp + ", " + literal(key+vcSep) + ")"
	for _, q := range []string{
		"LOCK TABLE " + t + " IN SHARE MODE",
		"DROP TRIGGER IF EXISTS " + sqlstore.QuoteIdent(trig) + " ON " + t,
		"DROP TRIGGER IF EXISTS " + sqlstore.QuoteIdent(trig+"_u") + " ON " + t,
		"CREATE TRIGGER " + sqlstore.QuoteIdent(trig) + " AFTER INSERT OR DELETE ON " + t + " FOR EACH ROW EXECUTE FUNCTION " + fn,
		"CREATE TRIGGER " + sqlstore.QuoteIdent(trig+"_u") + " AFTER UPDATE ON " + t +
			" FOR EACH ROW WHEN (OLD.j #> " + jp + " IS DISTINCT FROM NEW.j #> " + jp + ") EXECUTE FUNCTION " + fn,
		"DELETE FROM _counts WHERE tbl = " + literal(key) + " OR (tbl > " + literal(key+vcSep) + " AND tbl < " + literal(key+"\x20") + ")",
		"INSERT INTO _counts (tbl, shard, n) SELECT " + literal(key+vcSep) + " || (j #>> " + jp + "), 0, count(*) FROM " + t +
			" WHERE jsonb_typeof(j #> " + jp + ") = 'string' GROUP BY j #>> " + jp,
		"INSERT INTO _counts (tbl, shard, n) VALUES (" + literal(key) + ", -1, 0)",
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// valueCountQuery is the statement reading the count of records of table
// whose field holds exactly the text value of where, when where is such an
// equality on a value-counted field: it returns whether the field is
// counted (0 or 1) and the count.
func valueCountQuery(e *app.Entity, table string, where query.Expr) (q string, args []any, ok bool) {
	field, value, ok := sqlstore.ValueCountKeys(e, table, where)
	return `SELECT (SELECT count(*) FROM _counts WHERE tbl = $1 AND shard = -1), coalesce((SELECT sum(n) FROM _counts WHERE tbl = $2), 0)::bigint`, []any{field, value}, ok
}
