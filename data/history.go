package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"runway/app"
	"runway/apperr"
	"runway/history"
	"runway/record"
	"runway/store"
)

// The history of records (rest-api.md §6.12): every write path hands its
// change to the history service inside its write transaction (so the entry
// commits with the change or neither does); the reads check the auditLogs
// permission and show only the fields the caller may read.

// Context paths of the changes made through the API (a script's changes
// carry the script's location instead).
const (
	pathCreate = "create"
	pathUpdate = "update"
	pathDelete = "delete"
	pathAction = "actions."
)

// historyChange is the change c makes to a record of e, ready for the
// history service (nil when e keeps no history).
func (s *Service) historyChange(c *Caller, e *app.Entity, kind history.Kind, op string) *history.Change {
	if !s.opts.History.Tracks(e) {
		return nil
	}
	if c == nil {
		c = SystemCaller
	}
	ch := &history.Change{Entity: e, Kind: kind, Script: c.Script, User: c.Email, IP: c.IP,
		ContextPath: "entities." + e.FullName + "." + op}
	if c.Script && c.Source != "" {
		ch.ContextPath = c.Source
	}
	return ch
}

// historyEntries are the entries of changes (nil changes, and those the
// entity's settings do not record, have none). Built before a write
// transaction where they can be, so that it holds the store no longer.
func (s *Service) historyEntries(changes ...*history.Change) []store.HistoryEntry {
	var entries []store.HistoryEntry
	for _, ch := range changes {
		if ch == nil {
			continue
		}
		if en := s.opts.History.Entry(ch); en != nil {
			entries = append(entries, *en)
		}
	}
	return entries
}

// addHistory writes entries in the transaction of their changes: an
// error fails the write (no change without its entry).
func addHistory(ctx context.Context, tx store.Tx, entries []store.HistoryEntry) error {
	if len(entries) == 0 {
		return nil
	}
	if err := tx.AddHistory(ctx, entries...); err != nil {
		return fmt.Errorf("data: write history of %s: %w", entries[0].Entity, err)
	}
	return nil
}

// deleted is the history change of deleting a stored record.
func (s *Service) deleted(c *Caller, e *app.Entity, row *store.Row, now int64) *history.Change {
	ch := s.historyChange(c, e, history.Deleted, pathDelete)
	if ch != nil {
		ch.Time, ch.RecordID, ch.Label, ch.Version, ch.Doc = now, row.ID, row.Label, row.Version, row.Doc
	}
	return ch
}

// actionPerformed writes the ACTION_PERFORMED entry of a oneRecord action
// run on a record, in a transaction of its own once the action's script
// has run (its changes were recorded by its own saves).
func (s *Service) actionPerformed(ctx context.Context, c *Caller, call *ActionCall) error {
	ch := s.historyChange(c, call.Entity, history.ActionPerformed, pathAction+call.Action.Name)
	if ch == nil || call.ID == "" {
		return nil
	}
	ch.Time, ch.RecordID, ch.Label, ch.Version = s.nowMillis(), call.ID, call.Label, call.Version
	entries := s.historyEntries(ch)
	if len(entries) == 0 {
		return nil
	}
	return s.store.Write(ctx, func(tx store.Tx) error { return addHistory(ctx, tx, entries) })
}

// HistoryFilter selects a page of history (rest-api.md §6.12); Limit is
// the page size (> 0).
type HistoryFilter = store.HistoryFilter

// noHistory is the page of a record that has none the caller may see.
func noHistory() *history.Page { return &history.Page{Items: []json.RawMessage{}} }

// historyAccess checks that e keeps history (400) and that c may read it
// (403), and returns c's permissions.
func (s *Service) historyAccess(c *Caller, e *app.Entity) (*perms, error) {
	if !s.opts.History.Tracks(e) {
		return nil, apperr.New(apperr.BadRequest, "Entity %s keeps no history (it has no settings.auditLogs)", e.FullName)
	}
	g := s.perms(c, e)
	if g.ea.AuditLogs.None() {
		return nil, apperr.New(apperr.Forbidden, "Not allowed to read the history of records of %s", e.FullName)
	}
	return g, nil
}

// RecordHistory reads a page of the history of one record, newest first
// (rest-api.md §6.12.1). The record may be deleted; an id that names no
// record, or one the caller may not read, has an empty history. With an
// auditLogs permission that is a condition, the record (as stored, or as
// its deletion left it) must meet it (403).
func (s *Service) RecordHistory(ctx context.Context, c *Caller, e *app.Entity, id string, f HistoryFilter) (*history.Page, error) {
	g, err := s.historyAccess(c, e)
	if err != nil {
		return nil, err
	}
	if !record.IsID(id) {
		return nil, apperr.New(apperr.BadRequest, "%q is not a record id", id)
	}
	if !g.ea.AuditLogs.All() {
		v, label, found, err := s.lastState(ctx, e, id)
		if err != nil {
			return nil, err
		}
		if !found {
			return noHistory(), nil
		}
		if ok, err := g.match(ctx, g.ea.Read, v, id, label); err != nil {
			return nil, err
		} else if !ok {
			return noHistory(), nil
		}
		if ok, err := g.match(ctx, g.ea.AuditLogs, v, id, label); err != nil {
			return nil, err
		} else if !ok {
			return nil, apperr.New(apperr.Forbidden, "Not allowed to read the history of record %q of %s", id, e.FullName)
		}
	}
	f.RecordIDs = []string{id}
	return s.readHistory(ctx, g, f)
}

// lastState is a record as stored, or as its deletion left it.
func (s *Service) lastState(ctx context.Context, e *app.Entity, id string) (record.Values, string, bool, error) {
	row, err := s.store.Get(ctx, e, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return s.opts.History.Deleted(ctx, e, id)
	case err != nil:
		return nil, "", false, err
	}
	_, _, label, v, err := record.Decode(row.Doc)
	if err != nil {
		return nil, "", false, fmt.Errorf("data: decode %s %s: %w", e.FullName, id, err)
	}
	return v, label, true, nil
}

// EntityHistory reads a page of the history of every record of e, newest
// first (rest-api.md §6.12.2). It needs the auditLogs permission on every
// record: a permission that is a condition is 403 here (each record's
// history stays readable on its own).
func (s *Service) EntityHistory(ctx context.Context, c *Caller, e *app.Entity, f HistoryFilter) (*history.Page, error) {
	g, err := s.historyAccess(c, e)
	if err != nil {
		return nil, err
	}
	if !g.ea.AuditLogs.All() || !g.ea.Read.All() {
		return nil, apperr.New(apperr.Forbidden, "Not allowed to read the history of every record of %s: the permission covers some records only; read each record's history", e.FullName)
	}
	f.RecordIDs = nil
	return s.readHistory(ctx, g, f)
}

func (s *Service) readHistory(ctx context.Context, g *perms, f HistoryFilter) (*history.Page, error) {
	loc, err := s.location(ctx, g.c, "")
	if err != nil {
		return nil, err
	}
	return s.opts.History.Read(ctx, g.e, f, history.View{Fields: g.historyFields(), Loc: loc})
}

// historyFields are the fields c sees in history: those they may read on
// every record (a field readable on some records only is left out: an
// entry holds too little of the record to decide).
func (g *perms) historyFields() record.FieldSet {
	fs := g.fields(nil)
	cond := g.ea.CondRead()
	if len(cond) == 0 {
		return fs
	}
	if fs == nil {
		fs = allFields(g.e.Fields)
	}
	for _, f := range cond {
		fs = withoutPath(fs, g.e.Fields, fieldPath(f))
	}
	return fs
}

// allFields selects every field explicitly, down through nested fields.
func allFields(fields []*app.Field) record.FieldSet {
	fs := make(record.FieldSet, len(fields))
	for _, f := range fields {
		fs[f.Name] = nil
	}
	return fs
}

// withoutPath is a copy of fs without the field at path.
func withoutPath(fs record.FieldSet, fields []*app.Field, path []string) record.FieldSet {
	out := make(record.FieldSet, len(fs))
	for k, v := range fs {
		out[k] = v
	}
	if len(path) == 1 {
		delete(out, path[0])
		return out
	}
	sub, ok := out[path[0]]
	f := findField(fields, path[0])
	if !ok || f == nil {
		return out
	}
	if sub == nil {
		sub = allFields(f.Nested)
	}
	out[path[0]] = withoutPath(sub, f.Nested, path[1:])
	return out
}
