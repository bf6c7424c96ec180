// Package sqlite is the embedded SQLite implementation of store.Store
// (modernc.org/sqlite, pure Go).
//
// # Files, connections, locking
//
// Open(ctx, path, opts) creates the file (and its directory) if needed, takes an
// exclusive flock on "<path>.lock" (a second Open of the same file, in this
// or another process, fails with an error wrapping ErrLocked) and migrates the
// system tables (_meta holds schema_version; _secrets, _sessions,
// _sequences, _app_state). Connections: one write *sql.DB with a single connection —
// every Write is a BEGIN IMMEDIATE transaction, so writers queue in Go rather
// than meet SQLITE_BUSY — and a query_only read pool of 4 connections; WAL,
// synchronous=FULL (Options.Sync: SyncNormal syncs at checkpoints only),
// busy_timeout. Reads run under Options.QueryTimeout, interrupted through
// their context. The statements this store shares with store/postgres are
// store/sqlstore's; db.go adapts database/sql to it.
//
// Do not call Write, Sync or the writing session/password methods of Store
// from inside a Write callback: the callback's transaction holds the only
// write connection and the call would wait for it forever. The transaction
// passed to the callback also offers DeletePassword and DeleteUserSessions
// (not in store.Tx; use a type assertion) for that reason.
//
// # Schema
//
// Sync(ctx, app) creates a table per entity, e_<full name with "." as "__">
// (id TEXT PRIMARY KEY, version, label, doc TEXT (the native JSON), created,
// modified) with an index on label, text indexes (FTS5 tables, text.go),
// and manages expression indexes:
//
//   - u_<table>_<path with "_">: UNIQUE on json_extract(doc, '$.<path>') for
//     unique fields; lower(json_extract(…)) for email fields;
//   - i_<table>_<path with "_">: (json_extract(…), id) for indexable fields;
//   - x_<table>_<index name>: the entity's "normal" indexes (UNIQUE when the
//     index says so; its UniqueError.Field is the comma-joined paths);
//   - g_<table>_<path with "_">: on the latitude of every geo point field
//     (near with a maximum distance scans a latitude band of it).
//
// Relationship and group fields are indexed by their referenced id
// ('$.<path>.id'), so filters on <path>.id use the index. Fields that are
// many or inside a many-valued group are never indexed. Indexes no longer
// wanted, or whose expression changed, are dropped; tables and data of removed
// entities and fields are kept. Making a field unique while records share a
// value fails Sync with an error wrapping *store.UniqueError.
//
// # Writes
//
// Insert maps a unique index violation to *store.UniqueError{Field: dotted
// path} ("id" for a duplicate id). Update sets version, label, doc and
// modified (created is kept) WHERE id = ? AND version = ?; otherwise
// store.ErrNotFound or store.ErrVersion. Docs must be valid JSON and are
// stored as text. NextSequence returns max(previous+1, floor, 1).
//
// # Queries (query.Expr → SQL)
//
// Values are always bound parameters (numbered ?N); only metadata names
// checked to be [A-Za-z0-9_]+ reach the SQL text. A target's JSON path is its
// step names plus Sub (dotted copied fields split); when Sub is empty,
// relationships and groups compare their label, files their name, dynamic
// choices their selectedValue. A path with a many step becomes EXISTS
// (SELECT 1 FROM json_each(…) AS jN WHERE …), nested for further many steps:
// the condition holds when any element matches. query.Match evaluates the
// same semantics in memory; match_diff_test.go holds the two together.
//
//   - equals: IN (…). Text is binary; email compares lower(x) IN (lower(?), …)
//     (ASCII lowercasing, the unique index's expression); phone compares
//     digits only. Booleans bind as 1/0. Integer and float values compare
//     numerically (json.Number is accepted). A map[string]any value (nested
//     group equality) holds when every listed inner field equals its value
//     (nil: missing) with that inner field's own equality (email, phone;
//     relationships by label, groups by id, files by name, dynamic choices
//     by selected value; a many inner field: any element); over a many group
//     the whole object is inside one EXISTS, so one item must hold every key.
//   - notEquals: none of the values; a missing value counts as not equal. On
//     a many path: no element equals.
//   - empty / notEmpty: NULL, missing or "" is empty. On a many path, empty
//     is "no element is non-empty" (an empty or missing array is empty), so
//     empty and notEmpty always partition the records.
//   - greater, greaterOrEquals, less, lessOrEquals, between (inclusive):
//     SQLite comparison of the JSON value; bigNumber (JSON strings) compares
//     as REAL.
//   - like: each value is a string pattern, OR-ed: "/re/" (length ≥ 2) is an
//     RE2 regular expression, "/x" starts with x, "x/" ends with x, anything
//     else contains x; all case-insensitive (Unicode, via Go functions
//     registered in SQLite); %, _ and \ are ordinary characters. An invalid
//     regular expression is an error before any SQL runs.
//   - near (geo point paths only): runway_distance (query.Distance,
//     haversine metres, a Go function) of the location's latitude and
//     longitude within the optional inclusive bounds; a missing or
//     non-numeric location never matches; over a many path any element.
//     With a maximum distance the latitude must also lie in
//     query.NearBand (a range of the g_ index). Select.Near orders by that
//     distance first (the smallest over a many path; NULLS LAST), then by
//     Sort; an After offset is refused with it.
//   - query.Text (text indexes): id IN (SELECT id FROM <fts> WHERE <fts>
//     MATCH '"t1" AND …' AND runway_text(…)). The FTS5 trigram MATCH over
//     the terms of 3+ characters narrows candidates through the index;
//     runway_text (query.TextContains over the same columns) decides, so
//     shorter terms work and the result is exactly Match's. See text.go for
//     the FTS tables and how writes keep them in step.
//   - a condition with unbound currentUserField references: query.ErrUnbound.
//   - And / Or nest; an empty And is true, an empty Or false.
//
// Sort: one key then id in the same direction; NULL/missing first ascending,
// last descending (rest-api.md D6); the zero query.Sort is id desc; sorting by
// a many path or a group is an error. After (an id) needs a sort on id: id < ?
// descending, id > ? ascending. Offset and Limit (0 = none) are applied last.
//
// # Count cache
//
// Store.Count results are cached per (SQL, arguments) and entity generation;
// a committed Write that inserted, updated or deleted records of an entity
// bumps its generation. Counts inside a transaction are never cached. Exact
// because this process is the database's only writer (the flock).
package sqlite
