package history

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"runway/app"
	"runway/record"
	"runway/store"
)

// View is what one reader of history may see of an entity's records.
type View struct {
	// Fields are the fields the reader may read (nil: all of them); the
	// others are left out of every entry.
	Fields record.FieldSet
	// Loc is the time zone of the entries' texts (nil: UTC).
	Loc *time.Location
}

// Page is a page of history entries (rest-api.md §4.2): Offset is the id
// of the last entry when more follow.
type Page struct {
	Total  int64             `json:"total"`
	Offset *string           `json:"offset"`
	Items  []json.RawMessage `json:"items"`
}

// Read reads a page of e's history, newest first, rendered for v
// (rest-api.md §6.12.1): f.Limit is the page size (> 0); f.Entity is e.
func (s *Service) Read(ctx context.Context, e *app.Entity, f store.HistoryFilter, v View) (*Page, error) {
	f.Entity = e.FullName
	size := f.Limit
	f.Limit = size + 1
	rows, total, err := s.store.HistoryEntries(ctx, &f)
	if err != nil {
		return nil, err
	}
	rows, next := store.NextPage(rows, size, func(h *store.HistoryEntry) string { return h.ID })
	p := &Page{Total: total, Offset: next, Items: make([]json.RawMessage, 0, len(rows))}
	deleted, err := s.deletions(ctx, e, rows)
	if err != nil {
		return nil, err
	}
	r := &renderer{e: e, v: v, pt: &record.PlainText{Defaults: s.app.DisplayOptions, Loc: v.Loc}, deleted: deleted}
	for i := range rows {
		item, err := r.entry(&rows[i])
		if err != nil {
			return nil, err
		}
		p.Items = append(p.Items, item)
	}
	return p, nil
}

// deleted is when a record was deleted: 0 when its deletion is not in its
// history (not recorded), absent when the record exists.
type deletedAt = map[string]int64

// deletions finds which records of the entries no longer exist, and when
// their history says they were deleted: two round trips for the page.
func (s *Service) deletions(ctx context.Context, e *app.Entity, rows []store.HistoryEntry) (deletedAt, error) {
	var ids []string
	for i := range rows {
		if !slices.Contains(ids, rows[i].RecordID) {
			ids = append(ids, rows[i].RecordID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	live, err := s.store.GetMany(ctx, e, ids)
	if err != nil {
		return nil, err
	}
	out := deletedAt{}
	for _, id := range ids {
		out[id] = 0
	}
	for i := range live {
		delete(out, live[i].ID)
	}
	if len(out) == 0 {
		return out, nil
	}
	gone := make([]string, 0, len(out))
	for id := range out {
		gone = append(gone, id)
	}
	dels, _, err := s.store.HistoryEntries(ctx, &store.HistoryFilter{Entity: e.FullName, RecordIDs: gone,
		Events: store.DeletionEvents, NoTotal: true})
	if err != nil {
		return nil, err
	}
	for i := range dels {
		if out[dels[i].RecordID] == 0 {
			out[dels[i].RecordID] = dels[i].Time
		}
	}
	return out, nil
}

// Deleted is the record as its deletion entry holds it (the last state
// history knows of a deleted record); ok is false when its history has no
// deletion.
func (s *Service) Deleted(ctx context.Context, e *app.Entity, id string) (v record.Values, label string, ok bool, err error) {
	rows, _, err := s.store.HistoryEntries(ctx, &store.HistoryFilter{Entity: e.FullName, RecordIDs: []string{id},
		Events: store.DeletionEvents, Limit: 1, NoTotal: true})
	if err != nil || len(rows) == 0 {
		return nil, "", false, err
	}
	_, _, label, v, err = record.Decode(rows[0].Old)
	if err != nil {
		return nil, "", false, fmt.Errorf("history: decode entry %s: %w", rows[0].ID, err)
	}
	return v, label, true, nil
}

// renderer writes entries as the API shows them.
type renderer struct {
	e       *app.Entity
	v       View
	pt      *record.PlainText
	deleted deletedAt
	b       bytes.Buffer
}

func (r *renderer) entry(h *store.HistoryEntry) (json.RawMessage, error) {
	b := &r.b
	b.Reset()
	str := func(key, val string) {
		b.WriteString(`,"` + key + `":`)
		record.AppendString(b, val)
	}
	b.WriteString(`{"id":`)
	record.AppendString(b, h.ID)
	str("entityId", r.e.ID)
	str("entityName", h.Entity)
	b.WriteString(`,"entityVersion":` + strconv.FormatInt(h.EntityVersion, 10))
	str("recordId", h.RecordID)
	str("recordName", h.RecordLabel)
	str("user", h.User)
	b.WriteString(`,"timestamp":` + strconv.FormatInt(h.Time, 10))
	if h.IP == "" {
		b.WriteString(`,"ip":null`)
	} else {
		str("ip", h.IP)
	}
	str("eventType", string(h.Event))
	str("eventCategory", h.Event.Category())
	str("contextPath", h.ContextPath)
	if at, gone := r.deleted[h.RecordID]; gone {
		b.WriteString(`,"recordDeleted":true,"deletionDate":`)
		if at == 0 {
			b.WriteString("null")
		} else {
			b.WriteString(strconv.FormatInt(at, 10))
		}
	} else {
		b.WriteString(`,"recordDeleted":null,"deletionDate":null`)
	}
	for _, side := range []struct {
		key string
		doc []byte
	}{{"oldRecord", h.Old}, {"newRecord", h.New}} {
		b.WriteString(`,"` + side.key + `":`)
		if err := r.side(h, side.doc); err != nil {
			return nil, fmt.Errorf("history: entry %s: %w", h.ID, err)
		}
	}
	b.WriteByte('}')
	return bytes.Clone(b.Bytes()), nil
}

// side writes oldRecord or newRecord: a whole record (creation,
// deletion) projected to the reader's fields, or the changed fields each as
// {json, text}. Fields the entity no longer defines are left out.
func (r *renderer) side(h *store.HistoryEntry, doc []byte) error {
	whole := h.Event == store.UserRecordCreated || h.Event == store.ScriptRecordCreated ||
		slices.Contains(store.DeletionEvents, h.Event)
	if len(doc) == 0 || string(doc) == "{}" {
		r.b.WriteString("{}")
		return nil
	}
	if whole {
		if r.v.Fields == nil {
			r.b.Write(doc)
			return nil
		}
		id, version, label, v, err := record.Decode(doc)
		if err != nil {
			return err
		}
		r.b.Write(record.Encode(r.e, id, version, label, v, r.v.Fields))
		return nil
	}
	_, _, _, v, err := record.Decode(doc)
	if err != nil {
		return err
	}
	r.b.WriteByte('{')
	n := 0
	for _, f := range r.e.Fields {
		val, ok := v[f.Name]
		if !ok {
			continue
		}
		sub, readable := r.v.Fields[f.Name]
		if r.v.Fields != nil && !readable {
			continue
		}
		if n > 0 {
			r.b.WriteByte(',')
		}
		n++
		record.AppendString(&r.b, f.Name)
		r.b.WriteString(`:{"json":`)
		start := r.b.Len()
		record.AppendValue(&r.b, f, val, sub)
		if sub != nil && val != nil { // the text of what the reader sees
			d := json.NewDecoder(bytes.NewReader(r.b.Bytes()[start:]))
			d.UseNumber()
			if err := d.Decode(&val); err != nil {
				return err
			}
		}
		r.b.WriteString(`,"text":`)
		record.AppendString(&r.b, r.pt.Text(f, val))
		r.b.WriteByte('}')
	}
	r.b.WriteByte('}')
	return nil
}

// Events are the event types of entries, in the order of the docs.
var Events = store.HistoryEvents

// ParseEvents reads a comma list of event types (any case); an unknown one
// is an error naming it.
func ParseEvents(list string) ([]store.HistoryEvent, error) {
	var out []store.HistoryEvent
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		i := slices.IndexFunc(store.HistoryEvents, func(e store.HistoryEvent) bool { return strings.EqualFold(string(e), raw) })
		if i < 0 {
			return nil, fmt.Errorf("%q is not an event type (%s)", raw, eventNames)
		}
		if !slices.Contains(out, store.HistoryEvents[i]) {
			out = append(out, store.HistoryEvents[i])
		}
	}
	return out, nil
}

var eventNames = func() string {
	names := make([]string, len(store.HistoryEvents))
	for i, e := range store.HistoryEvents {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}()
