package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"runway/app"
	"runway/query"
	"runway/store/sqlstore"
)

// Value counts: for an indexable choice field, _counts also holds how many
// records hold each value (text values only), kept by triggers on the
// entity table in the statement that writes the record, so the total of a
// list filtered by one value ("type=a") is read, not counted, even right
// after a write. Rows: tbl = "<table>\x1f<path>\x1f<value>", shard 0; the
// row "<table>\x1f<path>", shard -1, says the field is counted. Sync creates
// the triggers (vc_<table>_<path>_i/_u/_d) and counts the field once;
// _meta "vcount:<table>:<path>" remembers them.

const vcSep = sqlstore.ValueCountSep

// valueCounted lists the paths of e's fields with value counts.
func valueCounted(e *app.Entity) [][]string { return sqlstore.ValueCounted(e) }

func vcKey(table string, path []string) string { return table + vcSep + strings.Join(path, ".") }

// syncValueCounts brings the triggers and counts of table in step with the
// fields of want, inside Sync's transaction.
func syncValueCounts(ctx context.Context, tx *sql.Tx, table string, want [][]string) error {
	have := map[string]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT substr(key, length(?) + 1) FROM _meta WHERE key > ? AND key < ?`,
		"vcount:"+table+":", "vcount:"+table+":", "vcount:"+table+";")
	if err != nil {
		return err
	}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return err
		}
		have[p] = true
	}
	if err := rows.Close(); err != nil {
		return err
	}
	wanted := map[string][]string{}
	for _, p := range want {
		wanted[strings.Join(p, ".")] = p
	}
	for p := range have {
		if _, ok := wanted[p]; ok {
			continue
		}
		path := strings.Split(p, ".")
		for _, s := range []string{"_i", "_u", "_d"} {
			if _, err := tx.ExecContext(ctx, "DROP TRIGGER IF EXISTS "+sqlstore.QuoteIdent(vcTrigger(table, path)+s)); err != nil {
				return err
			}
		}
		key := vcKey(table, path)
		if _, err := tx.ExecContext(ctx, `DELETE FROM _counts WHERE tbl = ? OR (tbl > ? AND tbl < ?)`, key, key+vcSep, key+"\x20"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM _meta WHERE key = ?`, "vcount:"+table+":"+p); err != nil {
			return err
		}
	}
	for p, path := range wanted {
		if have[p] {
			continue
		}
		if err := createValueCount(ctx, tx, table, path); err != nil {
			return fmt.Errorf("value counts of %s: %w", p, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO _meta (key, value) VALUES (?, '1')`, "vcount:"+table+":"+p); err != nil {
			return err
		}
	}
	return nil
}

func vcTrigger(table string, path []string) string {
	return dialect.Ident("vc_" + table + "_" + strings.Join(path, "_"))
}

// createValueCount creates the triggers of one field and counts it.
func createValueCount(ctx context.Context, tx *sql.Tx, table string, path []string) error {
	jp, err := jsonPath(path)
	if err != nil {
		return err
	}
	key := vcKey(table, path)
	lit := "'" + strings.ReplaceAll(key+vcSep, "'", "''") + "'" // identifiers: no quote, but be safe
	t, trig := sqlstore.QuoteIdent(table), vcTrigger(table, path)
	add := func(row string) string {
		return "INSERT INTO _counts (tbl, shard, n) SELECT " + lit + " || json_extract(" + row + ".doc, " + jp + "), 0, 1 WHERE json_type(" + row + ".doc, " + jp + ") = 'text'" +
			" ON CONFLICT (tbl, shard) DO UPDATE SET n = n + 1;"
	}
	sub := func(row string) string {
		return "UPDATE _counts SET n = n - 1 WHERE json_type(" + row + ".doc, " + jp + ") = 'text' AND tbl = " + lit + " || json_extract(" + row + ".doc, " + jp + ") AND shard = 0;"
	}
	for _, q := range []string{
		"CREATE TRIGGER " + sqlstore.QuoteIdent(trig+"_i") + " AFTER INSERT ON " + t + " BEGIN " + add("NEW") + " END",
		"CREATE TRIGGER " + sqlstore.QuoteIdent(trig+"_d") + " AFTER DELETE ON " + t + " BEGIN " + sub("OLD") + " END",
		"CREATE TRIGGER " + sqlstore.QuoteIdent(trig+"_u") + " AFTER UPDATE OF doc ON " + t +
			" WHEN json_extract(OLD.doc, " + jp + ") IS NOT json_extract(NEW.doc, " + jp + ") OR json_type(OLD.doc, " + jp + ") IS NOT json_type(NEW.doc, " + jp + ")" +
			" BEGIN " + sub("OLD") + " " + add("NEW") + " END",
		"DELETE FROM _counts WHERE tbl = '" + strings.ReplaceAll(key, "'", "''") + "' OR (tbl > " + lit + " AND tbl < " + lit[:len(lit)-2] + "\x20')",
		"INSERT INTO _counts (tbl, shard, n) SELECT " + lit + " || json_extract(doc, " + jp + "), 0, count(*) FROM " + t +
			" WHERE json_type(doc, " + jp + ") = 'text' GROUP BY json_extract(doc, " + jp + ")",
		"INSERT INTO _counts (tbl, shard, n) VALUES ('" + strings.ReplaceAll(key, "'", "''") + "', -1, 0)",
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// valueCountQuery is the statement reading the count of records of table
// whose field holds exactly the text value of where, when where is such an
// equality on a value-counted field (args: the field's key, the value's).
func valueCountQuery(e *app.Entity, table string, where query.Expr) (q string, args []any, ok bool) {
	field, value, ok := sqlstore.ValueCountKeys(e, table, where)
	return `SELECT coalesce((SELECT n FROM _counts WHERE tbl = ?1 AND shard = -1), -1), coalesce((SELECT n FROM _counts WHERE tbl = ?2 AND shard = 0), 0)`, []any{field, value}, ok
}
