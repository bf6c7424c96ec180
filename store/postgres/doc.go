// Package postgres is the PostgreSQL implementation of store.Store (pgx v5,
// a pgxpool sized by Options.PoolSize), for one app served by several
// Runway processes. It answers exactly what store/sqlite answers for the
// same calls: query.Match defines the semantics of both.
//
// # Schema
//
// Open migrates the system tables inside a transaction holding an advisory
// lock (_meta.schema_version; _secrets, _sessions, _sequences, _app_state,
// _indexes, _jobs, _job_logs), so processes may start together. Sync (under
// the same lock) creates a table per entity, e_<full name with "." as "__">
// (id text COLLATE "C" PRIMARY KEY, version, label text COLLATE "C", doc
// text — the native JSON, returned byte for byte —, j jsonb GENERATED from
// doc, created, modified) and the managed expression indexes of the SQLite
// store on j: u_ (UNIQUE; emails lower(… COLLATE "C"), i.e. ASCII like
// SQLite's lower()), i_ (with id), x_ (the entity's normal indexes);
// relationships and groups by their id; c_ (an indexable choice, boolean or
// relationship, then the sort keys of another indexable field, then id);
// t_/r_ (like). Statistics s_ of each indexable field's JSON type, and the
// value-count triggers of indexable choices (valuecounts.go), are kept by
// Sync too. _indexes keeps the SQL each managed
// index was made with, so a changed definition is rebuilt. Names longer than
// 63 bytes end with a hash.
//
// # Queries
//
// The compiler (compile.go) turns the conditions it can decide exactly into
// SQL on j: id/label conditions, equality of text values (jsonb_typeof =
// 'string' AND j #>> '{path}' IN (…), the index's own expression),
// empty/notEmpty, and ordered comparisons with SQLite's rules (numbers and
// booleans as 1/0 before text, text bytewise). Every other condition — like
// (Unicode case-insensitive, RE2 regular expressions: PostgreSQL's POSIX
// regexes and lower() differ from Go's), phone digits, html visible text,
// masks, bigNumber decimal text bounds, near, text-index searches and any
// condition on a many-valued path — compiles to TRUE and the rows are
// decided by query.Match in Go, a second pass over the (narrowed) rows in
// SQL order, with offset and limit then applied in Go. The AST has no
// negation, so TRUE in place of a condition always selects a superset.
// Sorting uses keys that reproduce SQLite's order (NULL first ascending, then
// numbers, then text with COLLATE "C"; big numbers as exact decimals), over
// j for an indexable field so that they are the columns of its c_ indexes;
// Select.Near orders by a haversine SQL expression (NULLS LAST).
//
// # Writes and shared state
//
// Write is one READ COMMITTED transaction: updates are guarded by WHERE id
// = $ AND version = $, inserts by the unique indexes (violations become
// *store.UniqueError naming the field). Sessions, secrets, sequences, app
// state (the maintenance flag), jobs and job logs are tables, so every
// process sees the same; jobs are claimed with FOR UPDATE SKIP LOCKED and
// taken over once their heartbeat is stale. The count cache forgets an
// entity's counts on a NOTIFY of a write to it by any process (listener.go).
package postgres
