package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"runway/app"
	"runway/apperr"
	"runway/history"
	"runway/query"
	"runway/record"
	"runway/store"
)

// Create validates REST input and stores it as a new record; it returns the
// stored record's JSON (version 0, defaults and system values filled).
// opts (at most one) change what the write does (WriteOptions).
//
// The input is converted and validated before the write transaction, which
// then only draws sequences, encodes and inserts: the store serializes
// writes, so the less each one holds it, the more creates per second.
func (s *Service) Create(ctx context.Context, c *Caller, e *app.Entity, in map[string]any, opts ...WriteOptions) ([]byte, error) {
	if err := CheckWritable(ctx); err != nil {
		return nil, err
	}
	batch, ctx := takeBatch(ctx)
	email, _ := in["email"].(string)
	ctx = WithOperation(ctx, Operation{Kind: OpCreate, Entity: e.FullName, Email: email})
	o := optionsOf(opts)
	g, err := s.writePerms(c, e, o)
	if err != nil {
		return nil, err
	}
	if err := g.allow(opCreate); err != nil {
		return nil, err
	}
	// Fields the caller may not write are dropped (app-model.md §6.2).
	in, err = g.writable(ctx, in, nil, "", "")
	if err != nil {
		return nil, err
	}
	if err := s.storeInlineFiles(ctx, c, e.Fields, in, ""); err != nil {
		return nil, err
	}
	id := record.NewID()
	build := func(in map[string]any) (*writer, record.Values, error) {
		pw, perrs, err := s.prepareUserPassword(e, in, true)
		if err != nil {
			return nil, nil, err
		}
		w := s.newWriter(ctx, s.store, c, e, true)
		w.o = o
		w.pw = pw
		w.errs = append(w.errs, perrs...)
		v := w.apply(e.Fields, in, nil, "")
		w.complete(v)
		return w, v, w.err()
	}
	w, v, err := build(in)
	if err != nil {
		return nil, err
	}
	// Fields writable only on some records: the new record decides.
	if in2, changed, err := g.condWrites(ctx, in, id, w.label(v, id), v); err != nil {
		return nil, err
	} else if changed {
		if w, v, err = build(in2); err != nil {
			return nil, err
		}
	}
	// The new record must satisfy the create permission.
	if ok, err := g.matchNew(ctx, g.ea.Create, id, 0, w.label(v, id), v); err != nil {
		return nil, err
	} else if !ok {
		return nil, apperr.New(apperr.Forbidden, "Not allowed to create this record of %s: it does not meet the create permission", e.FullName)
	}
	// The stored record and its history entry, built before the write
	// transaction unless sequence values drawn in it go in the record.
	var row *store.Row
	var entries []store.HistoryEntry
	stored := func() error {
		label := w.label(v, id)
		row = &store.Row{ID: id, Label: label, Doc: record.Encode(e, id, 0, label, v, nil), Created: w.now, Modified: w.now}
		if record.ReadsBack(e, row.Doc) {
			row.Values = v
		}
		entries = nil
		if ch := s.historyChange(c, e, history.Created, pathCreate); ch != nil && o.history() {
			ch.Time, ch.RecordID, ch.Label, ch.Doc, ch.New = w.now, id, label, row.Doc, v
			entries = s.historyEntries(ch)
		}
		return s.store.PrepareRow(row)
	}
	drawn := w.drawsSequences()
	if !drawn {
		if err := stored(); err != nil {
			return nil, err
		}
	}
	files := fileIDs(e.Fields, v) // outside the write transaction: the store's writer does less per row
	err = s.write(ctx, batch, func(tx store.Tx) error {
		if drawn {
			if err := w.fillSequences(tx, v); err != nil {
				return err
			}
			if err := stored(); err != nil {
				return err
			}
		}
		if err := tx.Insert(ctx, e, row); err != nil {
			return w.writeErr(err, v)
		}
		if err := w.setFileRefs(tx, id, nil, files); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, entries); err != nil {
			return err
		}
		return w.savePassword(tx, id)
	})
	if err != nil {
		// A store may report the insert's unique violation at the commit
		// (PostgreSQL sends the insert with it).
		return nil, w.writeErr(err, v)
	}
	afterWrite(batch, func() {
		s.written(ctx, c, e, &Event{Type: RecordCreated, ID: row.ID, Label: row.Label, Record: v}, o)
	})
	if batch != nil {
		// Only the new id is known before the batch commits.
		return []byte(`{"id":"` + id + `"}`), nil
	}
	return g.output(ctx, row.Doc)
}

// maxUpdateRetries bounds how often an update without a version is redone
// when another write slipped in between its read and its write.
const maxUpdateRetries = 20

// Update merges REST input into a stored record. When the input carries a
// version it must be the stored one (optimistic locking, rest-api.md §6.4).
//
// The record is read and the merge validated outside the write transaction;
// the write then succeeds only if the stored version is still the one read.
// If it is not, a client that sent a version gets 409, and one that did not
// (last writer wins) has its update merged again onto the newer record.
// opts (at most one) change what the write does (WriteOptions).
func (s *Service) Update(ctx context.Context, c *Caller, e *app.Entity, id string, in map[string]any, opts ...WriteOptions) ([]byte, error) {
	if err := CheckWritable(ctx); err != nil {
		return nil, err
	}
	batch, ctx := takeBatch(ctx)
	ctx = WithOperation(ctx, Operation{Kind: OpUpdate, Entity: e.FullName, RecordID: id})
	o := optionsOf(opts)
	g, err := s.writePerms(c, e, o)
	if err != nil {
		return nil, err
	}
	if err := g.allow(opUpdate); err != nil {
		return nil, err
	}
	if !record.IsID(id) {
		return nil, notFound(e, id)
	}
	want, hasVersion, err := inputVersion(in)
	if err != nil {
		return nil, err
	}
	// Fields the caller may never write are dropped before anything reads
	// the input (the password of sys.users included).
	if in, err = g.writable(ctx, in, nil, "", ""); err != nil {
		return nil, err
	}
	if err := s.storeInlineFiles(ctx, g.c, e.Fields, in, ""); err != nil {
		return nil, err
	}
	pw, perrs, err := s.prepareUserPassword(e, in, false)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, batch, g, id, in, want, hasVersion, pw, perrs, o)
}

// update is Update once the input is read: it merges and writes, again when
// another write slipped in and the input has no version.
// In a batch (WriteBatch) the write is appended to it, and the record
// stays locked until the batch commits.
func (s *Service) update(ctx context.Context, batch *WriteBatch, g *perms, id string, in map[string]any,
	want int64, hasVersion bool, pw *userPassword, perrs []apperr.FieldError, o WriteOptions) ([]byte, error) {
	e := g.e
	if o.lock() {
		// A script or an action holding the record: wait for it.
		var release func()
		var err error
		if ctx, release, err = s.holdRecord(ctx, e, id); err != nil {
			return nil, err
		}
		if batch != nil {
			batch.release = append(batch.release, release)
		} else {
			defer release()
		}
	}
	for attempt := 0; ; attempt++ {
		doc, ev, err := s.updateOnce(ctx, batch, g, id, in, want, hasVersion, pw, perrs, o)
		if errors.Is(err, store.ErrVersion) && !hasVersion && attempt < maxUpdateRetries {
			continue
		}
		if err != nil {
			return nil, storeErr(e, id, err)
		}
		afterWrite(batch, func() {
			s.releaseFiles(ctx, without(fileIDs(e.Fields, ev.Old), fileIDs(e.Fields, ev.Record)))
			s.written(ctx, g.c, e, ev, o)
		})
		if batch != nil {
			return nil, nil
		}
		return g.output(ctx, doc)
	}
}

func (s *Service) updateOnce(ctx context.Context, batch *WriteBatch, g *perms, id string, in map[string]any,
	want int64, hasVersion bool, pw *userPassword, perrs []apperr.FieldError, o WriteOptions) ([]byte, *Event, error) {
	c, e := g.c, g.e
	cur, err := s.store.Get(ctx, e, id)
	if err != nil {
		return nil, nil, err
	}
	if hasVersion && want != cur.Version {
		return nil, nil, store.ErrVersion
	}
	_, _, _, old, err := record.Decode(cur.Doc)
	if err != nil {
		return nil, nil, fmt.Errorf("data: decode %s %s: %w", e.FullName, id, err)
	}
	// The stored record must be one the caller may read (else 404) and
	// update (else 403); fields they may not write on it are dropped.
	if err := g.checkStored(ctx, opUpdate, cur); err != nil {
		return nil, nil, err
	}
	if in, err = g.writable(ctx, in, old, id, cur.Label); err != nil {
		return nil, nil, err
	}
	if auth, _ := in["authentication"].(map[string]any); pw != nil && pw.path != "" {
		if p, _ := passwordInput(auth); p == "" {
			pw, perrs = nil, nil // the password was not the caller's to set on this record
		}
	}
	w := s.newWriter(ctx, s.store, c, e, false)
	w.o = o
	w.id = id
	w.pw = pw
	oldFiles := fileIDs(e.Fields, old)
	w.keepFiles = make(map[string]bool, len(oldFiles))
	for _, f := range oldFiles {
		w.keepFiles[f] = true
	}
	w.errs = append(w.errs, perrs...)
	v := w.apply(e.Fields, in, old, "")
	w.complete(v)
	if err := w.err(); err != nil {
		return nil, nil, err
	}
	version := cur.Version + 1
	label := w.label(v, id)
	// ... and the record as updated must still meet the update permission
	// (app-model.md §8 Q9).
	if ok, err := g.matchNew(ctx, g.ea.Update, id, version, label, v); err != nil {
		return nil, nil, err
	} else if !ok {
		return nil, nil, apperr.New(apperr.Forbidden, "Not allowed to update record %q of %s this way: the result does not meet the update permission", id, e.FullName)
	}
	row := &store.Row{ID: id, Version: version, Label: label, Doc: record.Encode(e, id, version, label, v, nil),
		Created: cur.Created, Modified: w.now}
	if record.ReadsBack(e, row.Doc) {
		row.Values = v
	}
	if err := s.store.PrepareRow(row); err != nil {
		return nil, nil, err
	}
	var entries []store.HistoryEntry
	if ch := s.historyChange(c, e, history.Changed, pathUpdate); ch != nil && o.history() {
		ch.Time, ch.RecordID, ch.Label, ch.Version, ch.Old, ch.New = w.now, id, label, version, old, v
		entries = s.historyEntries(ch)
	}
	files := fileIDs(e.Fields, v)
	err = s.write(ctx, batch, func(tx store.Tx) error {
		if err := tx.Update(ctx, e, row, cur.Version); err != nil {
			return w.writeErr(err, v)
		}
		if err := w.setFileRefs(tx, id, oldFiles, files); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, entries); err != nil {
			return err
		}
		w.noteRanks(v)
		return w.savePassword(tx, id)
	})
	if err != nil {
		return nil, nil, err
	}
	return row.Doc, &Event{Type: RecordChanged, ID: id, Version: version, Label: label, Record: v, Old: old}, nil
}

// inputVersion reads the optional "version" of an update body.
func inputVersion(in map[string]any) (int64, bool, error) {
	raw, ok := in["version"]
	if !ok || raw == nil {
		return 0, false, nil
	}
	var n json.Number
	switch x := raw.(type) {
	case json.Number:
		n = x
	case string:
		n = json.Number(x)
	default:
		return 0, false, apperr.New(apperr.BadRequest, "version must be an integer")
	}
	v, err := n.Int64()
	if err != nil || v < 0 {
		return 0, false, apperr.New(apperr.BadRequest, "version must be a non-negative integer, got %q", n)
	}
	return v, true, nil
}

// Delete removes one record and returns it as it was. opts (at most one)
// change what the delete does (WriteOptions: events, lock, field access).
func (s *Service) Delete(ctx context.Context, c *Caller, e *app.Entity, id string, opts ...WriteOptions) ([]byte, error) {
	if err := CheckWritable(ctx); err != nil {
		return nil, err
	}
	ctx = WithOperation(ctx, Operation{Kind: OpDelete, Entity: e.FullName, RecordID: id})
	o := optionsOf(opts)
	o.Lite = false // a delete has no lite mode; its answer is the record
	g, err := s.writePerms(c, e, o)
	if err != nil {
		return nil, err
	}
	if err := g.allow(opDelete); err != nil {
		return nil, err
	}
	if !record.IsID(id) {
		return nil, notFound(e, id)
	}
	if o.lock() {
		var release func()
		if ctx, release, err = s.holdRecord(ctx, e, id); err != nil {
			return nil, err
		}
		defer release()
	}
	var doc []byte
	err = s.store.Write(ctx, func(tx store.Tx) error {
		row, err := tx.Get(ctx, e, id)
		if err != nil {
			return storeErr(e, id, err)
		}
		// Unreadable: 404; readable but outside the delete permission: 403.
		if err := g.checkStored(ctx, opDelete, row); err != nil {
			return err
		}
		doc = row.Doc
		if err := tx.Delete(ctx, e, id); err != nil {
			return storeErr(e, id, err)
		}
		if err := deleteFileRefs(ctx, tx, e, []string{id}); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, s.historyEntries(s.deleted(c, e, row, s.nowMillis()))); err != nil {
			return err
		}
		return forgetUser(ctx, tx, e, id)
	})
	if err != nil {
		return nil, err
	}
	s.releaseDeleted(ctx, e, [][]byte{doc})
	s.afterDelete(ctx, c, e, id, doc, o)
	return g.output(ctx, doc)
}

// Result is one entry of a per-record result map (rest-api.md §4.4).
type Result struct {
	Status       string          `json:"status"`
	Response     json.RawMessage `json:"response,omitempty"`
	ErrorMessage string          `json:"errorMessage,omitempty"`
}

// MaxSyncRecords is the most records a synchronous multi-record operation
// may touch (rest-api.md §4.5).
const MaxSyncRecords = 1000

// DeleteMany removes the records with these ids in one transaction; ids that
// do not exist get an error entry instead of failing the call.
func (s *Service) DeleteMany(ctx context.Context, c *Caller, e *app.Entity, ids []string) (map[string]Result, error) {
	g := s.perms(c, e)
	if err := g.allow(opDelete); err != nil {
		return nil, err
	}
	if len(ids) > MaxSyncRecords {
		return nil, tooManyForSync(len(ids))
	}
	return s.deleteIDs(ctx, g, ids)
}

func tooManyForSync(n int) error {
	return apperr.New(apperr.BadRequest, "Cannot process %d records synchronously (at most %d): use _async=true", n, MaxSyncRecords)
}

// DeleteQuery removes the records a query selects (rest-api.md §6.7),
// synchronously: more than MaxSyncRecords matches is a badRequest asking for
// _async. sel.Limit, when set, caps the set.
func (s *Service) DeleteQuery(ctx context.Context, c *Caller, e *app.Entity, sel *query.Select) (map[string]Result, error) {
	g := s.perms(c, e)
	if err := g.allow(opDelete); err != nil {
		return nil, err
	}
	// The query sees only what the caller may read; each record found must
	// then meet the delete permission (deleteIDs).
	where, err := g.restrict(ctx, sel.Where, &sel.Sort)
	if err != nil {
		return nil, err
	}
	q := *sel
	q.Where = where
	if q.Limit == 0 || q.Limit > MaxSyncRecords {
		q.Limit = MaxSyncRecords + 1 // one more tells whether there are too many
	}
	rows, err := g.find(ctx, &q)
	if err != nil {
		return nil, err
	}
	if len(rows) > MaxSyncRecords {
		n, err := g.count(ctx, where)
		if err != nil {
			return nil, err
		}
		if sel.Limit > 0 && int64(sel.Limit) < n {
			n = int64(sel.Limit)
		}
		return nil, tooManyForSync(int(n))
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	return s.deleteIDs(ctx, g, ids)
}

// deleteIDs deletes records by id in one transaction, with a result per id:
// records the caller may not read are "not found", those they may read but
// not delete a "not allowed" error; answers show what the caller may read.
func (s *Service) deleteIDs(ctx context.Context, g *perms, ids []string) (map[string]Result, error) {
	if err := CheckWritable(ctx); err != nil {
		return nil, err
	}
	e := g.e
	results := make(map[string]Result, len(ids))
	var valid []string
	for _, id := range ids {
		if record.IsID(id) {
			valid = append(valid, id)
		} else {
			results[id] = Result{Status: "error", ErrorMessage: fmt.Sprintf("%q is not a record id", id)}
		}
	}
	var deleted []string
	var docs [][]byte
	now := s.nowMillis()
	err := s.store.Write(ctx, func(tx store.Tx) error {
		deleted, docs = deleted[:0], docs[:0]
		var changes []*history.Change
		rows, err := tx.GetMany(ctx, e, valid)
		if err != nil {
			return err
		}
		found := make(map[string]*store.Row, len(rows))
		for i := range rows {
			found[rows[i].ID] = &rows[i]
		}
		for _, id := range valid {
			row := found[id]
			if row == nil {
				results[id] = Result{Status: "error", ErrorMessage: apperr.As(notFound(e, id)).Message}
				continue
			}
			if err := g.checkStored(ctx, opDelete, row); err != nil {
				ae := apperr.As(err)
				if ae == nil {
					return err
				}
				results[id] = Result{Status: "error", ErrorMessage: ae.Message}
				continue
			}
			doc, err := g.output(ctx, row.Doc)
			if err != nil {
				return err
			}
			if err := tx.Delete(ctx, e, id); err != nil {
				return storeErr(e, id, err)
			}
			if err := forgetUser(ctx, tx, e, id); err != nil {
				return err
			}
			results[id] = Result{Status: "ok", Response: doc}
			deleted, docs = append(deleted, id), append(docs, row.Doc)
			changes = append(changes, s.deleted(g.c, e, row, now))
		}
		if err := deleteFileRefs(ctx, tx, e, deleted); err != nil {
			return err
		}
		return addHistory(ctx, tx, s.historyEntries(changes...))
	})
	if err != nil {
		return nil, err
	}
	s.releaseDeleted(ctx, e, docs)
	for i, id := range deleted {
		s.afterDelete(ctx, g.c, e, id, docs[i], WriteOptions{})
	}
	return results, nil
}

// forgetUser removes, in the deleting transaction, a deleted user's
// password and sessions.
func forgetUser(ctx context.Context, tx store.Tx, e *app.Entity, id string) error {
	if e.FullName != usersEntity {
		return nil
	}
	if err := tx.DeletePassword(ctx, id); err != nil {
		return err
	}
	return tx.DeleteUserSessions(ctx, id)
}

// sortedKeys returns the keys of m in order, for deterministic error lists.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
