package store

import (
	"context"
	"strings"
)

// HistoryEvent is the type of a history entry (rest-api.md §6.12.1). Its
// category is the part before the first underscore.
type HistoryEvent string

// History event types.
const (
	UserRecordCreated     HistoryEvent = "USER_RECORD_CREATED"
	UserRecordChanged     HistoryEvent = "USER_RECORD_CHANGED"
	UserRecordDeleted     HistoryEvent = "USER_RECORD_DELETED"
	UserActionPerformed   HistoryEvent = "USER_ACTION_PERFORMED"
	ScriptRecordCreated   HistoryEvent = "SCRIPT_RECORD_CREATED"
	ScriptRecordChanged   HistoryEvent = "SCRIPT_RECORD_CHANGED"
	ScriptRecordDeleted   HistoryEvent = "SCRIPT_RECORD_DELETED"
	ScriptActionPerformed HistoryEvent = "SCRIPT_ACTION_PERFORMED"
	SystemCascadeUpdate   HistoryEvent = "SYSTEM_CASCADE_UPDATE"
	SystemRefactoring     HistoryEvent = "SYSTEM_REFACTORING"
)

// HistoryEvents are all the event types, in the order of the docs.
var HistoryEvents = []HistoryEvent{UserRecordCreated, UserRecordChanged, UserRecordDeleted, UserActionPerformed,
	ScriptRecordCreated, ScriptRecordChanged, ScriptRecordDeleted, ScriptActionPerformed,
	SystemCascadeUpdate, SystemRefactoring}

// DeletionEvents are the event types that say a record was deleted.
var DeletionEvents = []HistoryEvent{UserRecordDeleted, ScriptRecordDeleted}

// Category is USER, SCRIPT or SYSTEM.
func (e HistoryEvent) Category() string {
	c, _, _ := strings.Cut(string(e), "_")
	return c
}

// HistoryEntry is one entry of a record's history as stored. Old and New
// are JSON objects: the values of the fields that changed (by field name),
// or, for a creation (New) and a deletion (Old), the whole record.
type HistoryEntry struct {
	ID            string // 24-hex, time-ordered: id order is chronological
	Entity        string // full name
	EntityVersion int64  // the entity definition's version when written
	RecordID      string
	RecordLabel   string
	Event         HistoryEvent
	Time          int64 // ms
	User          string
	IP            string
	ContextPath   string
	Old, New      []byte
}

// HistoryFilter selects history entries of one entity (rest-api.md
// §6.12); nil bounds are open, bounds inclusive.
type HistoryFilter struct {
	Entity    string
	RecordIDs []string // only these records (nil: every record)
	Events    []HistoryEvent
	From, To  *int64
	Before    string // page: entries with a smaller id ("" = from the newest)
	Limit     int    // 0 = no limit
	// NoTotal skips counting (the total is then 0).
	NoTotal bool
}

// HistoryTx writes history in the transaction of the change it records.
type HistoryTx interface {
	AddHistory(ctx context.Context, entries ...HistoryEntry) error
}

// History reads and prunes the history of records.
type History interface {
	// HistoryEntries reads entries newest first (id descending) and how
	// many match ignoring Before and Limit.
	HistoryEntries(ctx context.Context, f *HistoryFilter) ([]HistoryEntry, int64, error)
	// PruneHistory deletes at most limit entries older than before (ms),
	// oldest first, and returns how many it deleted.
	PruneHistory(ctx context.Context, before int64, limit int) (int64, error)
	// DeletedRecords lists at most limit records of entity whose deletion
	// entry (DeletionEvents) is older than before (ms).
	DeletedRecords(ctx context.Context, entity string, before int64, limit int) ([]string, error)
	// DeleteRecordHistory deletes every entry of these records of entity.
	DeleteRecordHistory(ctx context.Context, entity string, recordIDs []string) (int64, error)
	// EntityVersions gives each entity its definition's version: the
	// stored one while its fingerprint is the same, one more when it
	// changed (1 for an entity never seen). fingerprints: full name →
	// fingerprint of the definition.
	EntityVersions(ctx context.Context, fingerprints map[string]string) (map[string]int64, error)
}
