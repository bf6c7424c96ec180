package data

import (
	"runway/access"
	"runway/app"
	"runway/apperr"
)

// WriteOptions change what one write does (app-model.md §7: the options of
// sys.data.save and sys.data.remove). The zero value is a standard write.
// They belong to the data service's write operations, so any caller —
// scripts, REST, imports, jobs — passes them the same way.
type WriteOptions struct {
	// NoCalculations: valueCalculation scripts are not run
	// (calculateFields: false); calculated fields keep what they hold
	// (nothing, on a new record).
	NoCalculations bool
	// NoValidations: required fields, required conditions, field
	// validation scripts and record validations are not checked
	// (performValidations: false). Values are still converted and checked
	// against their type and its rules, and unique fields stay unique.
	NoValidations bool
	// NoFieldAccess: the fields' readAccess/writeAccess do not apply
	// (filterByReadWriteAccess: false): every field is written and the
	// answer shows every field. Only for callers that bypass group
	// permissions (scripts with the app's authority, developers, super
	// users, the system); anyone else gets badRequest.
	NoFieldAccess bool
	// NoEvents: no listener hears of the write (triggerEvents: false).
	// Sessions still learn of a changed user.
	NoEvents bool
	// NoDefaults: default values are not set, neither on a new record nor
	// on new nested items (defaultValues: false).
	NoDefaults bool
	// NoCascades: cascade updates are not run (cascadeOperations: false).
	// Runway has no cascades yet: it changes nothing.
	NoCascades bool
	// NoLock: the write does not take the record's lock (lockRecord:
	// false), so it does not wait for a script or an action holding it.
	NoLock bool
	// Lite stores the record as given (mode: "lite"): all of the above and
	// no script at all — no default, calculation, validation or label
	// script (the label comes from the label field, or is the id) — and no
	// history entry. Types
	// are still converted and checked, system values (ids, versions,
	// dates, autoIncrement) filled, and a sent version still guards the
	// update. Like NoFieldAccess it needs a caller that bypasses group
	// permissions; sys.users records are never written lite (their
	// password and group rules always hold).
	Lite bool
}

// optionsOf is the options of a write (none given: a standard write).
func optionsOf(opts []WriteOptions) WriteOptions {
	if len(opts) == 0 {
		return WriteOptions{}
	}
	return opts[0]
}

func (o WriteOptions) events() bool      { return !o.NoEvents && !o.Lite }
func (o WriteOptions) validations() bool { return !o.NoValidations && !o.Lite }
func (o WriteOptions) defaults() bool    { return !o.NoDefaults && !o.Lite }
func (o WriteOptions) calculations() bool {
	return !o.NoCalculations && !o.Lite
}
func (o WriteOptions) lock() bool    { return !o.NoLock && !o.Lite }
func (o WriteOptions) history() bool { return !o.Lite }

// writePerms is the caller's access for a write with options o: the usual
// one, or — when the fields' readAccess/writeAccess are switched off —
// unrestricted, which only a caller that bypasses group permissions may
// ask for.
func (s *Service) writePerms(c *Caller, e *app.Entity, o WriteOptions) (*perms, error) {
	if o.Lite && e.FullName == usersEntity {
		return nil, apperr.New(apperr.BadRequest, "Records of %s cannot be written in lite mode", usersEntity)
	}
	if !o.NoFieldAccess && !o.Lite {
		return s.perms(c, e), nil
	}
	if c == nil || !c.privileged() {
		return nil, apperr.New(apperr.BadRequest,
			"filterByReadWriteAccess: false and mode lite need the app's authority (not with checkPermissions)")
	}
	return &perms{s: s, c: c, e: e, ea: access.Unrestricted}, nil
}
