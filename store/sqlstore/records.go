package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"runway/app"
	"runway/store"
)

// The statements on an entity table (one per entity: id, version, label,
// the native JSON doc, created, modified).

// GetSQL reads one record by id.
func (d *Dialect) GetSQL(table string) string {
	return "SELECT " + RowColumns + " FROM " + QuoteIdent(table) + " WHERE id = $1"
}

// InsertSQL stores a record (parameters: id, version, label, doc, created,
// modified), in the dialect's parameters (Param: positional on SQLite,
// where "$n" would be looked up by name at each bind).
func (d *Dialect) InsertSQL(table string) string {
	return d.written(statement{kind: 'i', table: table}, func() string {
		return "INSERT INTO " + QuoteIdent(table) + " (id, version, label, doc, created, modified) VALUES " + d.valueRows(1, 6)
	})
}

// UpdateSQL replaces a record of a version (parameters: version, label,
// doc, modified, id, the version expected), as InsertSQL.
func (d *Dialect) UpdateSQL(table string) string {
	return d.written(statement{kind: 'u', table: table}, func() string {
		return "UPDATE " + QuoteIdent(table) + " SET version = " + d.Param(1) + ", label = " + d.Param(2) + ", doc = " + d.Param(3) +
			", modified = " + d.Param(4) + " WHERE id = " + d.Param(5) + " AND version = " + d.Param(6)
	})
}

// VersionSQL reads the version of a record.
func VersionSQL(table string) string {
	return "SELECT version FROM " + QuoteIdent(table) + " WHERE id = $1"
}

// DeleteSQL removes one record.
func DeleteSQL(table string) string {
	return "DELETE FROM " + QuoteIdent(table) + " WHERE id = $1"
}

// ScanRow reads a row of RowColumns, its document as JSON text (DocText).
func (d *Dialect) ScanRow(sc Row, r *store.Row) error {
	if err := sc.Scan(&r.ID, &r.Version, &r.Label, &r.Doc, &r.Created, &r.Modified); err != nil {
		return err
	}
	if d.DocText == nil {
		return nil
	}
	doc, err := d.DocText(make([]byte, 0, len(r.Doc)+len(r.Doc)/4), r.Doc)
	if err != nil {
		return fmt.Errorf("record %s: %w", r.ID, err)
	}
	r.Doc = doc
	return nil
}

// docArg checks a row and gives its document's parameter: a row needs an
// id, and a document that is JSON — checked here where the dialect keeps
// the text as is, by the conversion where it has one (DocValue).
func (d *Dialect) docArg(r *store.Row) (any, error) {
	if r == nil || r.ID == "" {
		return nil, errors.New("row without id")
	}
	if r.Stored != nil {
		return r.Stored, nil // checked by PrepareRow
	}
	if d.DocValue != nil {
		return d.DocValue(r.Doc)
	}
	if !json.Valid(r.Doc) {
		return nil, errors.New("doc is not valid JSON")
	}
	return string(r.Doc), nil
}

// PrepareRow converts a row's document ahead of its write where the
// dialect converts it (store.Store.PrepareRow); where it keeps the text,
// the write checks it.
func (d *Dialect) PrepareRow(r *store.Row) error {
	if d.DocValue == nil {
		return nil
	}
	v, err := d.DocValue(r.Doc)
	if err != nil {
		return fmt.Errorf("%s: record %s: %w", d.Name, r.ID, err)
	}
	r.Stored = v
	return nil
}

// Get reads one record by id (store.ErrNotFound when missing).
func (d *Dialect) Get(ctx context.Context, db DB, e *app.Entity, id string) (*store.Row, error) {
	table, err := d.TableName(e)
	if err != nil {
		return nil, fmt.Errorf("%s: get: %w", d.Name, err)
	}
	var row store.Row
	switch err := d.ScanRow(db.QueryRow(ctx, d.GetSQL(table), id), &row); {
	case errors.Is(err, ErrNoRows):
		return nil, fmt.Errorf("%s: get %s %s: %w", d.Name, e.FullName, id, store.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("%s: get %s %s: %w", d.Name, e.FullName, id, err)
	}
	return &row, nil
}

// GetMany reads the records with these ids in one statement; missing ids
// are absent, duplicates read once.
func (d *Dialect) GetMany(ctx context.Context, db DB, e *app.Entity, ids []string) ([]store.Row, error) {
	table, err := d.TableName(e)
	if err != nil {
		return nil, fmt.Errorf("%s: get many: %w", d.Name, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := d.Collect(ctx, db, nil, "SELECT "+RowColumns+" FROM "+QuoteIdent(table)+" WHERE "+d.In("id", "$1"), d.TextList(ids))
	if err != nil {
		return nil, fmt.Errorf("%s: get many %s: %w", d.Name, e.FullName, err)
	}
	return out, nil
}

// Collect appends the rows of a query of RowColumns to out.
func (d *Dialect) Collect(ctx context.Context, db DB, out []store.Row, q string, args ...any) ([]store.Row, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var row store.Row
		if err := d.ScanRow(rows, &row); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// DeleteIDs removes the records with these ids in one statement and
// returns the table and how many existed.
func (d *Dialect) DeleteIDs(ctx context.Context, db DB, e *app.Entity, ids []string) (string, int64, error) {
	table, err := d.TableName(e)
	if err != nil {
		return "", 0, fmt.Errorf("%s: delete: %w", d.Name, err)
	}
	if len(ids) == 0 {
		return table, 0, nil
	}
	n, err := db.Exec(ctx, "DELETE FROM "+QuoteIdent(table)+" WHERE "+d.In("id", "$1"), d.TextList(ids))
	if err != nil {
		return "", 0, fmt.Errorf("%s: delete %d records of %s: %w", d.Name, len(ids), e.FullName, err)
	}
	return table, n, nil
}

// Update replaces record r of table if its stored version is prevVersion:
// store.ErrVersion when another version is stored, store.ErrNotFound when
// there is no such record. mapErr names the unique field of a violation.
func (d *Dialect) Update(ctx context.Context, db DB, e *app.Entity, table string, r *store.Row, prevVersion int64, mapErr func(string, error) error) error {
	doc, err := d.docArg(r)
	if err != nil {
		return fmt.Errorf("%s: update %s: %w", d.Name, e.FullName, err)
	}
	n, err := db.Exec(ctx, d.UpdateSQL(table), r.Version, r.Label, doc, r.Modified, r.ID, prevVersion)
	if err != nil {
		return fmt.Errorf("%s: update %s %s: %w", d.Name, e.FullName, r.ID, mapErr(table, err))
	}
	if n == 1 {
		return nil
	}
	var v int64
	switch err := db.QueryRow(ctx, VersionSQL(table), r.ID).Scan(&v); {
	case errors.Is(err, ErrNoRows):
		return fmt.Errorf("%s: update %s %s: %w", d.Name, e.FullName, r.ID, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("%s: update %s %s: %w", d.Name, e.FullName, r.ID, err)
	}
	return fmt.Errorf("%s: update %s %s: stored version %d, expected %d: %w", d.Name, e.FullName, r.ID, v, prevVersion, store.ErrVersion)
}

// Insert stores a new record of table (mapErr: as for Update).
func (d *Dialect) Insert(ctx context.Context, db DB, e *app.Entity, table string, r *store.Row, mapErr func(string, error) error) error {
	doc, err := d.docArg(r)
	if err != nil {
		return fmt.Errorf("%s: insert %s: %w", d.Name, e.FullName, err)
	}
	if _, err := db.Exec(ctx, d.InsertSQL(table), r.ID, r.Version, r.Label, doc, r.Created, r.Modified); err != nil {
		return fmt.Errorf("%s: insert %s %s: %w", d.Name, e.FullName, r.ID, mapErr(table, err))
	}
	return nil
}

// Delete removes a record of table (store.ErrNotFound when there is none).
func (d *Dialect) Delete(ctx context.Context, db DB, e *app.Entity, table, id string) error {
	n, err := db.Exec(ctx, DeleteSQL(table), id)
	if err != nil {
		return fmt.Errorf("%s: delete %s %s: %w", d.Name, e.FullName, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: delete %s %s: %w", d.Name, e.FullName, id, store.ErrNotFound)
	}
	return nil
}
