package app

import (
	"encoding/json"
	"strings"
	"time"
)

// Audit is an entity's settings.auditLogs (app-model.md §1.3): which
// changes its history records, and how long a deleted record's history is
// kept. An entity without history has none (Entity.Audit is nil).
type Audit struct {
	// User: changes made through the REST API (and jobs a user started);
	// Script: changes made by scripts (sys.data).
	User, Script AuditContext
	// CascadeUpdates and Refactorings are the SYSTEM events
	// (systemContext; default false).
	CascadeUpdates, Refactorings bool
	// KeepDeleted is how long the history of a deleted record is kept after
	// its deletion (dataExpiration); 0 keeps it (until --history-retention).
	KeepDeleted time.Duration
}

// AuditContext is which events of one category are recorded (userContext,
// scriptContext). Missing flags are true (app-model.md §8 Q6).
type AuditContext struct {
	RecordCreated, RecordChanged, RecordDeleted, ActionExecuted bool
	// IgnoreFields are field paths ("notes", "address.city") whose changes
	// are not tracked: left out of entries, and a change of only these
	// fields writes none.
	IgnoreFields []string
}

// Days in the units of dataExpiration.customDeletionPolicyType.
var expirationUnits = map[string]time.Duration{
	"days": 24 * time.Hour, "weeks": 7 * 24 * time.Hour, "months": 30 * 24 * time.Hour,
}

// parseAudits reads settings.auditLogs of every entity that has it, once
// inheritance and the sys.users override have settled it.
func (l *loader) parseAudits() {
	for _, re := range l.ents {
		if e := re.e; e.AuditLogs != nil {
			e.Audit = l.parseAudit(e, e.File, "settings.auditLogs", e.AuditLogs)
		}
	}
}

func (l *loader) parseAudit(e *Entity, file, p string, raw json.RawMessage) *Audit {
	a := &Audit{}
	o, ok := l.object(file, p, raw)
	if !ok {
		return a
	}
	a.User = l.auditContext(e, o.sub("userContext"), p+".userContext")
	a.Script = l.auditContext(e, o.sub("scriptContext"), p+".scriptContext")
	if so := o.sub("systemContext"); so != nil {
		a.CascadeUpdates, a.Refactorings = so.boolean("cascadeUpdates"), so.boolean("refactorings")
		so.done()
	}
	if xo := o.sub("dataExpiration"); xo != nil {
		n := xo.integer("customDeletion")
		unit := xo.str("customDeletionPolicyType")
		if unit == "" {
			unit = "days"
		}
		d, known := expirationUnits[unit]
		switch {
		case !known:
			l.errf(file, xo.at("customDeletionPolicyType"), "unknown unit %q (days, weeks or months)", unit)
		case n < 0:
			l.errf(file, xo.at("customDeletion"), "must be 0 or more")
		default:
			a.KeepDeleted = time.Duration(n) * d
		}
		xo.done()
	}
	o.done()
	return a
}

// auditContext reads userContext or scriptContext (nil: every event).
func (l *loader) auditContext(e *Entity, o *object, p string) AuditContext {
	c := AuditContext{RecordCreated: true, RecordChanged: true, RecordDeleted: true, ActionExecuted: true}
	if o == nil {
		return c
	}
	flag := func(key string, dst *bool) {
		if o.has(key) {
			*dst = o.boolean(key)
		}
	}
	flag("recordCreated", &c.RecordCreated)
	flag("recordChanged", &c.RecordChanged)
	flag("recordDeleted", &c.RecordDeleted)
	flag("actionExecuted", &c.ActionExecuted)
	for _, path := range o.strings("ignoreFields") {
		if e.Resolve(StripIndexes(path)) == nil {
			l.warn(e.File, p+".ignoreFields", "unknown field %q ignored", path)
			continue
		}
		c.IgnoreFields = append(c.IgnoreFields, strings.TrimSpace(path))
	}
	o.done()
	return c
}
