// Package sqlstore is the SQL both stores share: store/sqlite and
// store/postgres run the same statements for the job queue and job log,
// secrets, sessions, sequences, app state, the rows of entity tables, the
// schema bookkeeping (migrations, managed expression indexes) and the
// count cache; the helpers of their query compilers (sort keys, near
// order, target paths) live here too. Each store keeps only its dialect:
// how to connect and run a transaction (SQLite's single writer with group
// commit, PostgreSQL's pool and NOTIFY), its query compiler's expressions
// (json_extract vs jsonb operators), its entity table DDL, text indexes
// (SQLite FTS5) and error codes.
//
// The statements use numbered parameters ($1, $2, …), which both databases
// read, and run on a DB (a pool or a transaction) that each store adapts
// from its driver. What the databases say differently is a Dialect field:
// how a list of values is one parameter (TextList, In), identifier length,
// bytewise text columns, SKIP LOCKED, a case-insensitive contains, unique
// violations and how index expressions are written.
//
// Adding a table and its queries to both stores is written once:
//
//  1. its DDL as a Dialect method here, in PostgreSQL's types (text,
//     bigint, boolean; d.Bytewise after a text key that sorts), which SQLite
//     reads with its affinities (JobsDDL is the model);
//  2. the next migration of each store's list calling it
//     (`4: dialect.HistoryDDL()` in store/sqlite/schema.go and
//     store/postgres/postgres.go);
//  3. its statements as Dialect methods taking a DB (jobs.go, state.go);
//  4. one-line methods in each store: reads on its read DB (SQLite
//     readDB{s}, PostgreSQL pgDB{s.pool}), writes on its write transaction
//     (SQLite t.w(), PostgreSQL pgDB{t.tx});
//  5. the behaviour tested once in store/storetest, which both stores run.
package sqlstore
