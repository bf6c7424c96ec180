package sqlite

import (
	"bytes"
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"runway/app"
	"runway/query"
)

// Text indexes (_indexedFilter) are FTS5 tables with the trigram tokenizer,
// one per index: f_<table>_<index>_<hash> (id UNINDEXED, c0, c1, …), one
// column per indexed field holding query.TextColumns of the record. Their
// rowids come from the entity's map table m_<table> (rid INTEGER PRIMARY
// KEY, id UNIQUE), which entity tables (TEXT primary key, rowids that VACUUM
// may renumber) cannot provide. Insert, Update and Delete keep both in step
// inside the write's own transaction. _meta holds each FTS table's
// definition ("fts:<name>" → {"table", "def"}); Sync rebuilds a table whose
// definition changed and drops those no longer wanted.

// textIndex is one text index of an entity table.
type textIndex struct {
	name    string         // app.Index.Name
	fts     string         // FTS5 table
	columns int            // c0 … c<columns-1>
	fields  []query.Target // what each column holds
	def     string         // definition; a change rebuilds the table
}

// textDefVersion changes when the content of text columns changes meaning,
// so every FTS table is rebuilt.
const textDefVersion = 1

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
		if validIdent(ix.Name) {
			name += ix.Name + "_"
		}
		name += hex.EncodeToString(sum[:4])
		def, _ := json.Marshal(map[string]any{"v": textDefVersion, "fields": ix.Fields})
		out = append(out, textIndex{name: ix.Name, fts: name, columns: len(fields), fields: fields, def: string(def)})
	}
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
		if !validIdent(name) {
			return 0, 0, fmt.Errorf("invalid text index table %q in _meta", name)
		}
		if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+quoteIdent(name)); err != nil {
			return 0, 0, fmt.Errorf("drop text index %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM _meta WHERE key = ?`, "fts:"+name); err != nil {
			return 0, 0, err
		}
		delete(have, name)
		dropped++
	}
	if len(want) == 0 {
		if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+quoteIdent(mapTable(table))); err != nil {
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
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+quoteIdent(mapTable(table))+
		" (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)"); err != nil {
		return 0, 0, fmt.Errorf("create %s: %w", mapTable(table), err)
	}
	if len(build) == 0 {
		return created, dropped, nil
	}
	// Every record gets a row id; rows of deleted records go.
	m, t := quoteIdent(mapTable(table)), quoteIdent(table)
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
		if _, err := tx.ExecContext(ctx, "CREATE VIRTUAL TABLE "+quoteIdent(ix.fts)+" USING fts5(id UNINDEXED, "+
			strings.Join(cols, ", ")+", tokenize = 'trigram')"); err != nil {
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
	q := "SELECT m.rid, t.id, t.doc FROM " + quoteIdent(table) + " AS t JOIN " + quoteIdent(mapTable(table)) +
		" AS m ON m.id = t.id WHERE m.rid > ? ORDER BY m.rid LIMIT " + strconv.Itoa(batch)
	type rec struct {
		rid int64
		id  string
		doc []byte
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
			if err := rows.Scan(&r.rid, &r.id, &r.doc); err != nil {
				rows.Close()
				return err
			}
			recs = append(recs, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, r := range recs {
			values, err := decodeDoc(r.doc)
			if err != nil {
				return fmt.Errorf("record %s: %w", r.id, err)
			}
			for _, ix := range build {
				if _, err := tx.ExecContext(ctx, ftsInsert(ix), ftsArgs(ix, r.rid, r.id, values)...); err != nil {
					return fmt.Errorf("text index %s: %w", ix.name, err)
				}
			}
			last = r.rid
		}
		if len(recs) < batch {
			return nil
		}
	}
}

func decodeDoc(doc []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func ftsInsert(ix textIndex) string {
	cols := make([]string, ix.columns)
	marks := make([]string, ix.columns)
	for i := range cols {
		cols[i] = "c" + strconv.Itoa(i)
		marks[i] = "?"
	}
	return "INSERT INTO " + quoteIdent(ix.fts) + " (rowid, id, " + strings.Join(cols, ", ") + ") VALUES (?, ?, " + strings.Join(marks, ", ") + ")"
}

func ftsArgs(ix textIndex, rid int64, id string, values map[string]any) []any {
	args := []any{rid, id}
	for _, c := range query.TextColumns(ix.fields, values) {
		args = append(args, c)
	}
	return args
}

func ftsSelect(ix textIndex) string {
	cols := make([]string, ix.columns)
	for i := range cols {
		cols[i] = "c" + strconv.Itoa(i)
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + quoteIdent(ix.fts) + " WHERE rowid = ?"
}

func ftsDelete(ix textIndex) string {
	return "DELETE FROM " + quoteIdent(ix.fts) + " WHERE rowid = ?"
}

// mapQueries: insert a record's row id, look it up, delete it.
func mapQueries(table string) [3]string {
	m := quoteIdent(mapTable(table))
	return [3]string{
		"INSERT INTO " + m + " (id) VALUES (?) RETURNING rid",
		"SELECT rid FROM " + m + " WHERE id = ?",
		"DELETE FROM " + m + " WHERE rid = ?",
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
		out = append(out, ftsInsert(ix), ftsSelect(ix), ftsDelete(ix))
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

// Write kinds of syncText.
const (
	textInsert = iota
	textUpdate
	textDelete
)

// syncText updates the text indexes of table for one written record, in the
// write's transaction.
func (t *tx) syncText(ctx context.Context, table, id string, doc []byte, kind int) error {
	ixs := t.s.textIndexes(table)
	if len(ixs) == 0 {
		return nil
	}
	qs := mapQueries(table)
	var values map[string]any
	if kind != textDelete {
		var err error
		if values, err = decodeDoc(doc); err != nil {
			return fmt.Errorf("text index: %w", err)
		}
	}
	// Look the row id up even on insert: a row id left by an earlier
	// record with this id is reused rather than duplicated.
	var rid int64
	found := false
	st, err := t.stmt(ctx, qs[1])
	if err != nil {
		return err
	}
	switch err := st.QueryRowContext(ctx, id).Scan(&rid); {
	case err == nil:
		found = true
	case errors.Is(err, sql.ErrNoRows):
		if kind == textDelete {
			return nil
		}
	default:
		return err
	}
	if !found {
		st, err := t.stmt(ctx, qs[0])
		if err != nil {
			return err
		}
		if err := st.QueryRowContext(ctx, id).Scan(&rid); err != nil {
			return err
		}
	}
	for _, ix := range sortedTexts(ixs) {
		if found {
			if kind != textDelete {
				same, err := t.sameText(ctx, ix, rid, values)
				if err != nil {
					return err
				}
				if same {
					continue
				}
			}
			st, err := t.stmt(ctx, ftsDelete(ix))
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, rid); err != nil {
				return err
			}
		}
		if kind == textDelete {
			continue
		}
		st, err := t.stmt(ctx, ftsInsert(ix))
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, ftsArgs(ix, rid, id, values)...); err != nil {
			return err
		}
	}
	if kind == textDelete {
		st, err := t.stmt(ctx, qs[2])
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, rid); err != nil {
			return err
		}
	}
	return nil
}

// sameText reports whether the indexed text of rid is already values'.
func (t *tx) sameText(ctx context.Context, ix textIndex, rid int64, values map[string]any) (bool, error) {
	st, err := t.stmt(ctx, ftsSelect(ix))
	if err != nil {
		return false, err
	}
	old := make([]sql.NullString, ix.columns)
	dest := make([]any, ix.columns)
	for i := range old {
		dest[i] = &old[i]
	}
	switch err := st.QueryRowContext(ctx, rid).Scan(dest...); {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, err
	}
	for i, c := range query.TextColumns(ix.fields, values) {
		if !old[i].Valid || old[i].String != c {
			return false, nil
		}
	}
	return true, nil
}

func sortedTexts(m map[string]textIndex) []textIndex {
	out := make([]textIndex, 0, len(m))
	for _, ix := range m {
		out = append(out, ix)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].fts < out[j-1].fts; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
