package sqlstore

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// DB runs statements: a store's connection pool or one of its
// transactions. Each store adapts its driver (database/sql for SQLite, pgx
// for PostgreSQL) to it. Statements use numbered parameters ($1, $2, …),
// which both databases read, and may repeat one.
type DB interface {
	// Exec runs a statement and returns the number of rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query of one row; its Scan returns ErrNoRows when
	// there is none.
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows are the rows of a query (pgx.Rows has this shape).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Close()
	Err() error
}

// Row is the one row of QueryRow.
type Row interface {
	Scan(dest ...any) error
}

// ErrNoRows is what Row.Scan returns when the query found no row (the
// adapters translate their driver's own).
var ErrNoRows = errors.New("sqlstore: no rows")

// Dialect is what differs between the databases in the statements this
// package writes. Everything else is written once, here.
type Dialect struct {
	// Name prefixes errors ("sqlite", "postgres").
	Name string
	// Bytewise follows the type of a text column that must compare
	// bytewise (SQLite's default): ` COLLATE "C"` on PostgreSQL.
	Bytewise string
	// MaxIdent is the longest identifier the database keeps (0: no
	// limit); longer names of tables and indexes are cut with a hash.
	MaxIdent int
	// TextList binds a list of strings as one parameter, and In is the
	// condition "col is one of the list bound as param".
	TextList func(values []string) any
	In       func(col, param string) string
	// SkipLocked ends the inner SELECT of a job claim when several
	// processes claim at once ("" for a single writer).
	SkipLocked string
	// SerializeClaims is run first in the transaction of a claim with
	// queue limits, so that claims count the queues one at a time (""
	// for a single writer; queues.go).
	SerializeClaims string
	// RowLocks: several processes write, so statements lock the rows they
	// rely on (FOR SHARE, FOR UPDATE; files.go); false for a single writer.
	RowLocks bool
	// IsUniqueViolation reports whether err is a unique constraint's.
	IsUniqueViolation func(err error) bool
	// Indexes writes the expression indexes of entity tables.
	Indexes Indexes
	// ContainsFold is the condition "col contains param", Unicode
	// case-insensitively (param lower-cased), or nil when the database
	// cannot say it exactly: then job logs are filtered in Go.
	ContainsFold func(col, param string) string
	// DocText appends to dst the JSON text of an entity table's doc
	// column as read, and DocValue is the parameter storing the JSON text
	// doc there, refusing what is not JSON (nil and nil: the column holds
	// the text as is).
	DocText  func(dst, doc []byte) ([]byte, error)
	DocValue func(doc []byte) (any, error)
	// Param is the n-th parameter (from 1) of a statement whose
	// parameters appear in the order of its arguments (VALUES lists):
	// "?" on SQLite, where "$n" is a named parameter and binding k named
	// ones looks each up in a list (k² steps: a 200-row INSERT bound for
	// longer than it inserted).
	Param func(n int) string

	// statements every write runs, written once (written)
	statements sync.Map
}

// statement names a statement of the dialect written once: its kind
// ('i' a record's INSERT, 'u' its UPDATE, 'h' the history INSERT of n
// entries), and the table or n it is for.
type statement struct {
	kind  byte
	table string
	n     int
}

// written is the SQL of statement k, made by sql the first time: creates
// and updates run these on every write, and the string is the key of
// their prepared statement.
func (d *Dialect) written(k statement, sql func() string) string {
	if q, ok := d.statements.Load(k); ok {
		return q.(string)
	}
	q, _ := d.statements.LoadOrStore(k, sql())
	return q.(string)
}

// valueRows is the VALUES list of rows rows of cols parameters each, the
// parameters in argument order.
func (d *Dialect) valueRows(rows, cols int) string {
	var b strings.Builder
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			n++
			b.WriteString(d.Param(n))
		}
		b.WriteByte(')')
	}
	return b.String()
}
