package data

import (
	"context"

	"runway/app"
	"runway/record"
)

// Data events (app-model.md §5): what the write paths and actions tell the
// listeners after their commit.

// EventType is the type of a data event (app-model.md §5).
type EventType string

// Data event types.
const (
	RecordCreated   EventType = "RECORD_CREATED"
	RecordChanged   EventType = "RECORD_CHANGED"
	RecordDeleted   EventType = "RECORD_DELETED"
	ActionPerformed EventType = "ACTION_PERFORMED"
)

// Event sources (app-model.md §5, §8 Q21).
const (
	UserEvents   = "userEvents"
	ScriptEvents = "scriptEvents"
	SystemEvents = "systemEvents"
)

// Event is a committed data event, for listeners (issue 7 item 4) and
// history: what happened to which record, by whom and through what.
type Event struct {
	Type    EventType
	Entity  *app.Entity
	ID      string
	Version int64
	Label   string
	Record  record.Values // after (nil for a manyRecords action)
	Old     record.Values // before
	Action  string        // ACTION_PERFORMED: the action's name
	Caller  *Caller
	Source  string // UserEvents, ScriptEvents or SystemEvents
}

// EventSource is the source of the events c causes: scriptEvents through
// a script, systemEvents for the system's own writes (no caller, or the
// system outside scripts), userEvents otherwise.
func EventSource(c *Caller) string {
	switch {
	case c == nil:
		return SystemEvents
	case c.Script:
		return ScriptEvents
	case c.System:
		return SystemEvents
	}
	return UserEvents
}

// Events receives the data events (app-model.md §5) of a service
// (Options.Events): package script implements it for the listeners.
type Events interface {
	// ListensTo reports whether events of e are wanted: writes of other
	// entities build no event.
	ListensTo(e *app.Entity) bool
	// DataEvent is called after the commit, on the goroutine of the
	// operation: record events from the write paths (RECORD_CREATED,
	// RECORD_CHANGED, RECORD_DELETED) and ACTION_PERFORMED from actions.
	DataEvent(ctx context.Context, ev *Event)
}

// Listening reports whether events of e have a receiver (writes of other
// entities build no event).
func (s *Service) Listening(e *app.Entity) bool {
	return s.js != nil && s.js.events != nil && s.js.events.ListensTo(e)
}

type noEventsKey struct{}

// WithoutEvents marks ctx so that writes under it fire no listeners
// (_triggerEvents=false).
func WithoutEvents(ctx context.Context) context.Context {
	return context.WithValue(ctx, noEventsKey{}, true)
}

func (s *Service) emit(ctx context.Context, ev *Event) {
	if off, _ := ctx.Value(noEventsKey{}).(bool); off {
		return
	}
	if s.Listening(ev.Entity) {
		s.js.events.DataEvent(ctx, ev)
	}
}

// written runs what follows a committed write of c: the user hook, and
// the record event for listeners (ev without Entity, Caller and Source;
// its Record holds the write's values, transient ones included). Without
// events (triggerEvents: false, lite) only the user hook runs.
func (s *Service) written(ctx context.Context, c *Caller, e *app.Entity, ev *Event, o WriteOptions) {
	if e.FullName == usersEntity && s.opts.OnUserWrite != nil {
		s.opts.OnUserWrite(ev.ID, ev.Type == RecordDeleted)
	}
	if o.events() && s.Listening(e) {
		ev.Entity, ev.Caller, ev.Source = e, c, EventSource(c)
		s.emit(ctx, ev)
	}
}

// afterDelete is written for a deleted record as it was stored (doc):
// record and oldRecord are both the deleted record (app-model.md §5).
func (s *Service) afterDelete(ctx context.Context, c *Caller, e *app.Entity, id string, doc []byte, o WriteOptions) {
	ev := &Event{Type: RecordDeleted, ID: id}
	if o.events() && s.Listening(e) {
		_, version, label, v, err := record.Decode(doc)
		if err != nil {
			s.log.Error("decode a deleted record for listeners", "entity", e.FullName, "id", id, "err", err)
		}
		ev.Version, ev.Label, ev.Record, ev.Old = version, label, v, v
	}
	s.written(ctx, c, e, ev, o)
}
