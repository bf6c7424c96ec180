package sqlite

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"runway/app"
	"runway/query"
	"runway/record"
	"runway/store"
	"runway/store/sqlstore"
)

// Text indexes (_indexedFilter) are FTS5 tables with the trigram tokenizer,
// one per index: f_<table>_<index>_<hash> (id UNINDEXED, c0, c1, …), one
// column per indexed field holding query.TextColumns of the record. Their
// rowids come from the entity's map table m_<table> (rid INTEGER PRIMARY
// KEY, id UNIQUE), which entity tables (TEXT primary key, rowids that VACUUM
// may renumber) cannot provide. Insert, Update and Delete queue the record;
// a write that succeeds hands its queue to its batch, and before the batch
// commits, finishBatch applies the final state of every queued record with
// a few JSON-array statements per index (FTS5 flushes its pending data at
// each statement savepoint, so one statement per record would cost a
// segment per record); a text search inside a write flushes the batch's
// queue first, so it sees its own and the batch's records, and if that
// write then fails, the earlier writes' records flushed inside its
// savepoint go back to the batch's queue. Unchanged text is not rewritten
// (except in the contentless like index, whose text cannot be read back).
// A failed write drops its queue with its savepoint. _meta holds
// each FTS table's definition ("fts:<name>" → {"table", "def"}); Sync
// rebuilds a table whose definition changed and drops those no longer
// wanted.

// textIndex is one text index of an entity table.
type textIndex struct {
	name    string         // app.Index.Name
	fts     string         // FTS5 table
	columns int            // c0 … c<columns-1>
	fields  []query.Target // what each column holds
	def     string         // definition; a change rebuilds the table
	// like: the like index (likeIndexName), whose columns hold
	// query.LikeText of these paths (nil: the label) instead of fields.
	// It is contentless (content='', contentless_delete=1): only the
	// trigrams are stored, no id column; its rowids are those of the map
	// table (mapTable), through which queries reach the record ids.
	like [][]string
	// labelCol is the like column of the field the entity's label shows
	// (its label path), 0 when there is none. A record whose label reads
	// as that column's text leaves the label column empty (the label is
	// the same trigrams again: half the index's work for a label such as
	// the demo's fields/name), and a label condition looks in both
	// columns (likeFilter): still every record whose label holds the
	// needle, whatever labels are stored.
	labelCol int
	// the entity's map table (row id → record id)
	mapTable string
}

// contentless reports whether ix stores no content (the like index): no
// id column, its text cannot be read back.
func (ix textIndex) contentless() bool { return ix.like != nil }

// likeIndexName names the entity's like index among its text indexes (no
// app index can be named so): the trigram prefilter of like conditions on
// the label and on indexable text fields (query.LikeNeedle).
const likeIndexName = "#like"

// likeKey is the key of a like column: the dotted path, "" for the label.
func likeKey(names []string) string { return strings.Join(names, ".") }

// likeColumn is the column of the like index that holds the text of
// target t, if there is one.
func (ix textIndex) likeColumn(t *query.Target) (int, bool) {
	var key string
	switch {
	case t.System == query.SysLabel:
	case t.System != "" || t.Field == nil || len(t.Path) == 0 || sqlstore.HasMany(t.Path):
		return 0, false
	case query.ComparedAs(sqlstore.LeafKind(t), query.Like) != query.AsIs:
		return 0, false
	default:
		key = likeKey(sqlstore.LeafNames(t))
		if key == "" {
			return 0, false
		}
	}
	for i, names := range ix.like {
		if likeKey(names) == key && (names == nil) == (t.System == query.SysLabel) {
			return i, true
		}
	}
	return 0, false
}

// columnsOf is the text of a record in the columns of ix.
func (ix textIndex) columnsOf(values map[string]any, label string) []string {
	if ix.like == nil {
		return query.TextColumns(ix.fields, values)
	}
	out := make([]string, len(ix.like))
	for i, names := range ix.like {
		if names == nil {
			out[i] = query.LikeLabel(label)
			continue
		}
		out[i], _ = query.LikeText(values, names)
	}
	if ix.labelCol > 0 && out[0] == out[ix.labelCol] {
		out[0] = ""
	}
	return out
}

// likeFilter is the FTS5 column filter of like column col: the label's
// looks in the column of its field too (labelCol).
func (ix textIndex) likeFilter(col int) string {
	if col == 0 && ix.labelCol > 0 {
		return "{c0 c" + strconv.Itoa(ix.labelCol) + "}"
	}
	return "c" + strconv.Itoa(col)
}

// labelColumn is the column of like that holds the field at the entity's
// label path, 0 when none does.
func labelColumn(e *app.Entity, like [][]string) int {
	if len(e.LabelPath) == 0 {
		return 0
	}
	key := likeKey(e.LabelPath)
	for i, names := range like {
		if names != nil && likeKey(names) == key {
			return i
		}
	}
	return 0
}

// likePaths lists the columns of the like index of e: the label, then the
// indexable fields of a type query.LikeIndexable.
func likePaths(e *app.Entity) [][]string {
	out := [][]string{nil}
	_ = sqlstore.WalkIndexable(e.Fields, nil, func(f *app.Field, path []string) error {
		if (f.Indexable || f.Unique) && query.LikeIndexable(f.Type) {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// textDefVersion changes when the content of text columns changes meaning,
// so every FTS table is rebuilt; likeDefVersion likewise for like indexes
// (2: contentless). A like index's definition names its labelCol when
// there is one: a table written with another leaves other label columns
// empty, so it is rebuilt (one without holds every label, which a search
// of two columns reads as well).
const (
	textDefVersion = 1
	likeDefVersion = 2
)

func mapTable(table string) string { return "m_" + table }

// desiredTexts lists the text indexes entity e needs.
func desiredTexts(e *app.Entity, table string) ([]textIndex, error) {
	var out []textIndex
	for i := range e.Indexes {
		ix := &e.Indexes[i]
		if ix.Type != "text" {
			continue
		}
		fields, err := query.TextIndexFields(e, ix)
		if err != nil {
			return nil, err
		}
		sum := sha1.Sum([]byte(table + "\x00" + ix.Name))
		name := "f_" + table + "_"
		if query.ValidIdent(ix.Name) {
			name += ix.Name + "_"
		}
		name += hex.EncodeToString(sum[:4])
		def, _ := json.Marshal(map[string]any{"v": textDefVersion, "fields": ix.Fields})
		out = append(out, textIndex{name: ix.Name, fts: name, columns: len(fields), fields: fields, def: string(def), mapTable: mapTable(table)})
	}
	like := likePaths(e)
	labelCol := labelColumn(e, like)
	sum := sha1.Sum([]byte(table + "\x00" + likeIndexName))
	defs := map[string]any{"v": likeDefVersion, "like": like}
	if labelCol > 0 {
		defs["labelCol"] = labelCol
	}
	def, _ := json.Marshal(defs)
	out = append(out, textIndex{name: likeIndexName, fts: "f_" + table + "_" + hex.EncodeToString(sum[:4]), columns: len(like), like: like,
		labelCol: labelCol, def: string(def), mapTable: mapTable(table)})
	return out, nil
}

type ftsMeta struct {
	Table string `json:"table"`
	Def   string `json:"def"`
}

// syncTexts brings the FTS tables of one entity table in step with want,
// inside Sync's transaction. Tables are built from the stored records.
func syncTexts(ctx context.Context, tx *sql.Tx, table string, want []textIndex) (created, dropped int, err error) {
	have := map[string]ftsMeta{}
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM _meta WHERE key LIKE 'fts:%'`)
	if err != nil {
		return 0, 0, err
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return 0, 0, err
		}
		var m ftsMeta
		if json.Unmarshal([]byte(v), &m) == nil && m.Table == table {
			have[strings.TrimPrefix(k, "fts:")] = m
		}
	}
	if err := rows.Close(); err != nil {
		return 0, 0, err
	}
	wanted := map[string]textIndex{}
	for _, ix := range want {
		wanted[ix.fts] = ix
	}
	for name, m := range have {
		if ix, ok := wanted[name]; ok && ix.def == m.Def {
			continue
		}
		if !query.ValidIdent(name) {
			return 0, 0, fmt.Errorf("invalid text index table %q in _meta", name)
		}
		if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+sqlstore.QuoteIdent(name)); err != nil {
			return 0, 0, fmt.Errorf("drop text index %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM _meta WHERE key = ?`, "fts:"+name); err != nil {
			return 0, 0, err
		}
		delete(have, name)
		dropped++
	}
	if len(want) == 0 {
		if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+sqlstore.QuoteIdent(mapTable(table))); err != nil {
			return 0, 0, fmt.Errorf("drop %s: %w", mapTable(table), err)
		}
		return created, dropped, nil
	}
	var build []textIndex
	for _, ix := range want {
		if _, ok := have[ix.fts]; !ok {
			build = append(build, ix)
		}
	}
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+sqlstore.QuoteIdent(mapTable(table))+
		" (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)"); err != nil {
		return 0, 0, fmt.Errorf("create %s: %w", mapTable(table), err)
	}
	if len(build) == 0 {
		return created, dropped, nil
	}
	// Every record gets a row id; rows of deleted records go.
	m, t := sqlstore.QuoteIdent(mapTable(table)), sqlstore.QuoteIdent(table)
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+m+" WHERE id NOT IN (SELECT id FROM "+t+")"); err != nil {
		return 0, 0, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+m+" (id) SELECT id FROM "+t+" WHERE id NOT IN (SELECT id FROM "+m+") ORDER BY id"); err != nil {
		return 0, 0, err
	}
	for _, ix := range build {
		cols := make([]string, ix.columns)
		for i := range cols {
			cols[i] = "c" + strconv.Itoa(i)
		}
		def := "id UNINDEXED, " + strings.Join(cols, ", ") + ", tokenize = 'trigram'"
		if ix.contentless() {
			def = strings.Join(cols, ", ") + ", content = '', contentless_delete = 1, tokenize = 'trigram'"
		}
		if _, err := tx.ExecContext(ctx, "CREATE VIRTUAL TABLE "+sqlstore.QuoteIdent(ix.fts)+" USING fts5("+def+")"); err != nil {
			return 0, 0, fmt.Errorf("create text index %s: %w", ix.name, err)
		}
		meta, _ := json.Marshal(ftsMeta{Table: table, Def: ix.def})
		if _, err := tx.ExecContext(ctx, `INSERT INTO _meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, "fts:"+ix.fts, string(meta)); err != nil {
			return 0, 0, err
		}
		created++
	}
	if err := fillTexts(ctx, tx, table, build); err != nil {
		return 0, 0, err
	}
	return created, dropped, nil
}

// fillTexts indexes every stored record of table in the new FTS tables, a
// batch of rows at a time.
func fillTexts(ctx context.Context, tx *sql.Tx, table string, build []textIndex) error {
	const batch = 1000
	q := "SELECT m.rid, t.id, coalesce(t.label, ''), t.doc FROM " + sqlstore.QuoteIdent(table) + " AS t JOIN " + sqlstore.QuoteIdent(mapTable(table)) +
		" AS m ON m.id = t.id WHERE m.rid > ? ORDER BY m.rid LIMIT " + strconv.Itoa(batch)
	type rec struct {
		rid       int64
		id, label string
		doc       []byte
	}
	var last int64
	for {
		rows, err := tx.QueryContext(ctx, q, last)
		if err != nil {
			return err
		}
		var recs []rec
		for rows.Next() {
			var r rec
			if err := rows.Scan(&r.rid, &r.id, &r.label, &r.doc); err != nil {
				rows.Close()
				return err
			}
			recs = append(recs, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, ix := range build {
			rows := make([][]any, 0, len(recs))
			for _, r := range recs {
				doc, err := jsonbText(nil, r.doc)
				if err != nil {
					return fmt.Errorf("record %s: %w", r.id, err)
				}
				_, _, _, values, err := record.Decode(doc)
				if err != nil {
					return fmt.Errorf("record %s: %w", r.id, err)
				}
				rows = append(rows, ix.row(r.rid, r.id, ix.columnsOf(values, r.label)))
			}
			if len(rows) == 0 {
				continue
			}
			arg, err := json.Marshal(rows)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, ftsInsertQuery(ix), string(arg)); err != nil {
				return fmt.Errorf("text index %s: %w", ix.name, err)
			}
		}
		if len(recs) > 0 {
			last = recs[len(recs)-1].rid
		}
		if len(recs) < batch {
			return nil
		}
	}
}

// Statements of the batched text index writes; every list is a JSON array
// bound once (json_each), so a write of many records costs a few statements
// per index, not a few per record (FTS5 flushes its pending data at every
// statement savepoint).
func ftsRowsQuery(ix textIndex) string {
	return "SELECT rowid, " + ftsColumns(ix) + " FROM " + sqlstore.QuoteIdent(ix.fts) + " WHERE rowid IN (SELECT value FROM json_each(?1))"
}

func ftsDeleteQuery(ix textIndex) string {
	return "DELETE FROM " + sqlstore.QuoteIdent(ix.fts) + " WHERE rowid IN (SELECT value FROM json_each(?1))"
}

func ftsInsertQuery(ix textIndex) string {
	lead, into, first := "value->>0, value->>1, ", "rowid, id, ", 2
	if ix.contentless() {
		lead, into, first = "value->>0, ", "rowid, ", 1
	}
	sel := make([]string, ix.columns)
	for i := range sel {
		sel[i] = "value->>" + strconv.Itoa(i+first)
	}
	return "INSERT INTO " + sqlstore.QuoteIdent(ix.fts) + " (" + into + ftsColumns(ix) + ") SELECT " + lead +
		strings.Join(sel, ", ") + " FROM json_each(?1)"
}

// row is the JSON array ftsInsertQuery reads for one record: its row id,
// its id (unless contentless), the text of each column.
func (ix textIndex) row(rid int64, id string, cols []string) []any {
	row := make([]any, 0, 2+len(cols))
	row = append(row, rid)
	if !ix.contentless() {
		row = append(row, id)
	}
	for _, c := range cols {
		row = append(row, c)
	}
	return row
}

func ftsColumns(ix textIndex) string {
	cols := make([]string, ix.columns)
	for i := range cols {
		cols[i] = "c" + strconv.Itoa(i)
	}
	return strings.Join(cols, ", ")
}

// mapQueries: the row ids of some record ids, new row ids for record ids
// (the one it has for an id the map table holds already, which only a
// record deleted without the text indexes knowing could leave: its
// like row then matches where it should not, and the exact condition
// after the prefilter drops it), forget row ids.
func mapQueries(table string) [3]string {
	m := sqlstore.QuoteIdent(mapTable(table))
	return [3]string{
		"SELECT id, rid FROM " + m + " WHERE id IN (SELECT value FROM json_each(?1))",
		"INSERT INTO " + m + " (id) SELECT value FROM json_each(?1) WHERE true ON CONFLICT (id) DO UPDATE SET id = excluded.id RETURNING id, rid",
		"DELETE FROM " + m + " WHERE rid IN (SELECT value FROM json_each(?1))",
	}
}

// textQueries are the statements the writes of a table with text indexes
// use (prepared by Sync).
func textQueries(table string, ixs []textIndex) []string {
	if len(ixs) == 0 {
		return nil
	}
	mq := mapQueries(table)
	out := mq[:]
	for _, ix := range ixs {
		if !ix.contentless() {
			out = append(out, ftsRowsQuery(ix))
		}
		out = append(out, ftsDeleteQuery(ix), ftsInsertQuery(ix))
	}
	return out
}

// textIndexes returns the text indexes of a table (by index name for the
// compiler).
func (s *Store) textIndexes(table string) map[string]textIndex {
	s.schemaMu.RLock()
	defer s.schemaMu.RUnlock()
	return s.texts[table]
}

// textOp is a record write the text indexes have yet to follow.
type textOp struct {
	table, id, label string
	doc              []byte // nil: deleted (and values nil)
	// created: an Insert, so the record has no row id in the map table
	// yet (the first write of it the flush sees decides)
	created bool
	// values: the record's values as the writer gave them (store.Row),
	// read instead of decoding doc
	values map[string]any
}

// queueText notes a written record (nil: deleted) for the text indexes of
// table; they follow at the end of the batch (finishBatch), still inside
// its transaction, or at the next text search of the transaction
// (flushText).
func (t *tx) queueText(table, id string, r *store.Row, created bool) {
	if len(t.s.textIndexes(table)) == 0 {
		return
	}
	op := textOp{table: table, id: id, created: created}
	if r != nil {
		op.label, op.doc, op.values = r.Label, r.Doc, r.Values
		if op.values == nil {
			// kept as it is now: the writer's buffer may change once the
			// write returns (with values, neither may: store.Row)
			op.doc = append([]byte(nil), r.Doc...)
		}
	}
	t.mu.Lock()
	t.pendingText = append(t.pendingText, op)
	t.mu.Unlock()
}

// flushText brings the text indexes in step with every write of the
// batch so far, the current one included (a text search inside a write).
func (t *tx) flushText(ctx context.Context) error {
	t.mu.Lock()
	ops := append(t.batchText, t.pendingText...)
	t.flushedBatch = append(t.flushedBatch, t.batchText...)
	t.batchText, t.pendingText = nil, nil
	t.mu.Unlock()
	return t.flushOps(ctx, ops)
}

// flushOps applies the final state of each record written in ops, table
// by table.
func (t *tx) flushOps(ctx context.Context, ops []textOp) error {
	if len(ops) == 0 {
		return nil
	}
	var tables []string
	final := map[string]map[string]int{} // table → id → index in states
	states := map[string][]textOp{}
	for _, op := range ops {
		ids, ok := final[op.table]
		if !ok {
			ids = map[string]int{}
			final[op.table] = ids
			tables = append(tables, op.table)
		}
		if i, ok := ids[op.id]; ok {
			op.created = states[op.table][i].created
			states[op.table][i] = op
			continue
		}
		ids[op.id] = len(states[op.table])
		states[op.table] = append(states[op.table], op)
	}
	for _, table := range tables {
		if err := t.flushTable(ctx, table, states[table]); err != nil {
			return fmt.Errorf("text index of %s: %w", table, err)
		}
	}
	return nil
}

func (t *tx) flushTable(ctx context.Context, table string, recs []textOp) error {
	ixs := sortedTexts(t.s.textIndexes(table))
	if len(ixs) == 0 {
		return nil
	}
	mq := mapQueries(table)
	// the row ids of records written before: a record created since has
	// none to look up
	var ids []string
	for _, r := range recs {
		if !r.created {
			ids = append(ids, r.id)
		}
	}
	rids := map[string]int64{}
	if len(ids) > 0 {
		if err := t.scanIDs(ctx, mq[0], ids, rids); err != nil {
			return err
		}
	}
	var missing []string
	values := make([]map[string]any, len(recs))
	for i, r := range recs {
		if r.doc == nil {
			continue
		}
		if values[i] = r.values; values[i] == nil {
			_, _, _, v, err := record.Decode(r.doc)
			if err != nil {
				return fmt.Errorf("record %s: %w", r.id, err)
			}
			values[i] = v
		}
		if _, ok := rids[r.id]; !ok {
			missing = append(missing, r.id)
		}
	}
	var known []int64
	for _, r := range recs {
		if rid, ok := rids[r.id]; ok {
			known = append(known, rid)
		}
	}
	if len(missing) > 0 {
		if err := t.scanIDs(ctx, mq[1], missing, rids); err != nil {
			return err
		}
	}
	for _, ix := range ixs {
		var old map[int64][]string
		var err error
		if ix.contentless() {
			// its text cannot be read back: every record indexed
			// before is deleted and indexed anew
			old = make(map[int64][]string, len(known))
			for _, rid := range known {
				old[rid] = nil
			}
		} else if old, err = t.ftsRows(ctx, ix, known); err != nil {
			return err
		}
		var del []int64
		var ins [][]any
		for i, r := range recs {
			rid, ok := rids[r.id]
			if !ok {
				continue // deleted, never indexed
			}
			before, had := old[rid]
			if r.doc == nil {
				if had {
					del = append(del, rid)
				}
				continue
			}
			cols := ix.columnsOf(values[i], r.label)
			if had && before != nil && reflect.DeepEqual(before, cols) {
				continue
			}
			if had {
				del = append(del, rid)
			}
			ins = append(ins, ix.row(rid, r.id, cols))
		}
		if err := t.execJSON(ctx, ftsDeleteQuery(ix), del, len(del)); err != nil {
			return err
		}
		if err := t.execJSON(ctx, ftsInsertQuery(ix), ins, len(ins)); err != nil {
			return err
		}
	}
	var gone []int64
	for _, r := range recs {
		if rid, ok := rids[r.id]; ok && r.doc == nil {
			gone = append(gone, rid)
		}
	}
	return t.execJSON(ctx, mq[2], gone, len(gone))
}

// scanIDs runs q (one JSON array of ids) and collects its (id, rid) rows.
func (t *tx) scanIDs(ctx context.Context, q string, ids []string, into map[string]int64) error {
	arg, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	st, err := t.stmt(ctx, q)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, string(arg))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var rid int64
		if err := rows.Scan(&id, &rid); err != nil {
			return err
		}
		into[id] = rid
	}
	return rows.Err()
}

// ftsRows reads the indexed text of some row ids.
func (t *tx) ftsRows(ctx context.Context, ix textIndex, rids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(rids) == 0 {
		return out, nil
	}
	arg, err := json.Marshal(rids)
	if err != nil {
		return nil, err
	}
	st, err := t.stmt(ctx, ftsRowsQuery(ix))
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, string(arg))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var rid int64
		cols := make([]sql.NullString, ix.columns)
		dest := []any{&rid}
		for i := range cols {
			dest = append(dest, &cols[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		vals := make([]string, ix.columns)
		for i, c := range cols {
			vals[i] = c.String
		}
		out[rid] = vals
	}
	return out, rows.Err()
}

// execJSON runs q with list as its JSON array argument, unless it is empty.
func (t *tx) execJSON(ctx context.Context, q string, list any, n int) error {
	if n == 0 {
		return nil
	}
	arg, err := json.Marshal(list)
	if err != nil {
		return err
	}
	_, err = t.w().Exec(ctx, q, string(arg)) // a write: never cancelled (txDB)
	return err
}

// hasText reports whether x searches a text index (like conditions may
// read the like index).
func hasText(x query.Expr) bool {
	switch x := x.(type) {
	case query.And:
		for _, y := range x {
			if hasText(y) {
				return true
			}
		}
	case query.Or:
		for _, y := range x {
			if hasText(y) {
				return true
			}
		}
	case *query.Text:
		return true
	case *query.Cond:
		return x != nil && x.Op == query.Like
	}
	return false
}

func sortedTexts(m map[string]textIndex) []textIndex {
	out := make([]textIndex, 0, len(m))
	for _, ix := range m {
		out = append(out, ix)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].fts < out[j].fts })
	return out
}
