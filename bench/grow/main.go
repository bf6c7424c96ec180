// Command grow multiplies the companies a bench run seeded through the API
// into up to N records directly in the database (seeding a million through
// the API takes most of an hour on a small machine): each copy k of a record
// gets an id starting with k's two hex digits and " rk" after its name and
// label. Runway must be stopped; its next start counts the table again
// (_counts) and, on SQLite, rebuilds the like index.
//
//	grow -sqlite bench/out/data/runway.db -n 1000000
//	grow -postgres postgres://…/runway_bench -n 1000000
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"
)

const table = "e_companies"

func main() {
	var (
		sqlitePath = flag.String("sqlite", "", "SQLite database file")
		pgURL      = flag.String("postgres", "", "PostgreSQL URL")
		n          = flag.Int("n", 1000000, "records wanted")
	)
	flag.Parse()
	ctx := context.Background()
	var err error
	switch {
	case *sqlitePath != "":
		err = growSQLite(ctx, *sqlitePath, *n)
	case *pgURL != "":
		err = growPostgres(ctx, *pgURL, *n)
	default:
		err = errors.New("-sqlite or -postgres is required")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "grow:", err)
		os.Exit(1)
	}
}

// copies is how many copies of the seeded records make n.
func copies(have, n int) int {
	if have == 0 {
		return 0
	}
	k := (n - have + have - 1) / have
	return min(max(k, 0), 15)
}

func growSQLite(ctx context.Context, path string, n int) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var have int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&have); err != nil {
		return err
	}
	var fts []string
	rows, err := db.QueryContext(ctx, `SELECT json_extract(value, '$.table'), substr(key, 5) FROM _meta WHERE key LIKE 'fts:%'`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var t, name string
		if err := rows.Scan(&t, &name); err != nil {
			rows.Close()
			return err
		}
		if t == table {
			fts = append(fts, name)
		}
	}
	rows.Close()
	stmts := []string{"PRAGMA synchronous = OFF"}
	for _, f := range fts { // rebuilt by the next start
		stmts = append(stmts, `DROP TABLE "`+f+`"`, `DELETE FROM _meta WHERE key = 'fts:`+f+`'`)
	}
	stmts = append(stmts, `DELETE FROM _counts WHERE tbl = '`+table+`'`)
	for k := 1; k <= copies(have, n); k++ {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO %s (id, version, label, doc, created, modified)
			SELECT printf('%%02x', %d) || substr(id, 3), version, label || ' r%d', jsonb_set(doc, '$.name', (doc->>'name') || ' r%d'), created, modified
			FROM %s WHERE substr(id, 1, 2) > '0f'`, table, k, k, k, table))
	}
	return run(ctx, have, stmts, func(q string) error { _, err := db.ExecContext(ctx, q); return err })
}

func growPostgres(ctx context.Context, url string, n int) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var have int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&have); err != nil {
		return err
	}
	stmts := []string{`DELETE FROM _counts WHERE tbl = '` + table + `'`}
	for k := 1; k <= copies(have, n); k++ {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO %s (id, version, label, doc, created, modified)
			SELECT lpad(to_hex(%d), 2, '0') || substr(id, 3), version, label || ' r%d', jsonb_set(doc::jsonb, '{name}', to_jsonb((doc::jsonb->>'name') || ' r%d'))::text, created, modified
			FROM %s WHERE substr(id, 1, 2) > '0f'`, table, k, k, k, table))
	}
	stmts = append(stmts, "ANALYZE "+table)
	return run(ctx, have, stmts, func(q string) error { _, err := conn.Exec(ctx, q); return err })
}

func run(_ context.Context, have int, stmts []string, exec func(string) error) error {
	start := time.Now()
	fmt.Printf("grow: %d records seeded\n", have)
	for _, q := range stmts {
		t := time.Now()
		if err := exec(q); err != nil {
			return fmt.Errorf("%.80s: %w", q, err)
		}
		fmt.Printf("grow: %6.1f s  %.100s\n", time.Since(t).Seconds(), q)
	}
	fmt.Printf("grow: done in %.0f s\n", time.Since(start).Seconds())
	return nil
}
