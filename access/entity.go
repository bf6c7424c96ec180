package access

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"runway/app"
	"runway/apperr"
	"runway/query"
	"runway/record"
)

// EntityAccess is what a user may do with the records of one entity
// (app-model.md §6.2): the entity permissions, field permissions and action
// permissions of their groups combined, together with the fields' own
// readAccess / writeAccess, which apply to everyone. Shared; never modify.
type EntityAccess struct {
	// Read, Create, Update, Delete and AuditLogs say which records each
	// operation is granted on. Read is already a prerequisite of Update,
	// Delete and AuditLogs (ANDed in per group).
	Read, Create, Update, Delete, AuditLogs Perm
	// Import and Export are the groups' flags; Import needs create and
	// Export read (import over existing records also needs Update).
	Import, Export bool

	bypass  bool                     // the role bypasses group permissions
	fields  map[*app.Field]FieldPerm // by field (nested fields too); missing = readWrite when bypass, else none
	actions map[string]*ActionAccess
	// open: every field readable by every record (no projection needed);
	// openWrite: every field writable.
	open, openWrite bool
	readSet         record.FieldSet // fields readable on some record (nil = all)
	condRead        []*app.Field    // fields readable on some records only
}

// FieldPerm is the permission of one field: which records it may be read
// on and which written on. readWrite is {Always, Always}, readOnly
// {Always, Never}, none {Never, Never}; advanced permissions and the field's
// readAccess/writeAccess make conditions.
type FieldPerm struct {
	Read, Write Perm
}

var (
	fieldReadWrite = FieldPerm{Always, Always}
	fieldReadOnly  = FieldPerm{Always, Never}
	fieldNone      = FieldPerm{}
)

func (f FieldPerm) or(g FieldPerm) FieldPerm {
	return FieldPerm{f.Read.Or(g.Read), f.Write.Or(g.Write)}
}
func (f FieldPerm) and(g FieldPerm) FieldPerm {
	return FieldPerm{f.Read.And(g.Read), f.Write.And(g.Write)}
}

// ActionAccess is the permission to run one action of an entity and the
// permissions of its parameters (readWrite, readOnly or none; a readOnly or
// none parameter's value is not taken from the caller).
type ActionAccess struct {
	Run    Perm
	params map[*app.Field]FieldPerm
	bypass bool
}

// Bypass reports whether the caller's role bypasses group permissions
// (developers, super users, the system). Field readAccess/writeAccess still
// apply to them.
func (a *EntityAccess) Bypass() bool { return a.bypass }

// Field is the permission of a field (top level or nested) of the entity.
func (a *EntityAccess) Field(f *app.Field) FieldPerm {
	if p, ok := a.fields[f]; ok {
		return p
	}
	if a.bypass {
		return fieldReadWrite
	}
	return fieldNone
}

// AllReadable reports whether every field may be read on every record the
// user may read (no field is hidden, by level or condition).
func (a *EntityAccess) AllReadable() bool { return a.open }

// AllWritable reports whether every field may be written on every record.
func (a *EntityAccess) AllWritable() bool { return a.openWrite }

// ReadFields is the projection of the fields that may be read on some
// record (nil: every field). Fields of CondRead are in it; they must be
// removed from the records whose values do not match their condition.
func (a *EntityAccess) ReadFields() record.FieldSet { return a.readSet }

// CondRead lists the fields (top level or nested) whose read permission
// is a condition on the record, outer fields first.
func (a *EntityAccess) CondRead() []*app.Field { return a.condRead }

// Action is the permission to run an action (by name) of the entity: an
// action no group lists is not allowed (app-model.md §8 Q7).
func (a *EntityAccess) Action(name string) *ActionAccess {
	if a.bypass {
		return &ActionAccess{Run: Always, bypass: true}
	}
	if x := a.actions[name]; x != nil {
		return x
	}
	return &ActionAccess{}
}

// Param is the permission of a parameter of the action.
func (x *ActionAccess) Param(f *app.Field) FieldPerm {
	if x.bypass {
		return fieldReadWrite
	}
	if p, ok := x.params[f]; ok {
		return p
	}
	return fieldNone
}

// groupEntity is one group's compiled entityPermissions entry.
type groupEntity struct {
	read, create, update, delete, auditLogs Perm
	imp, exp                                bool
	fields                                  map[*app.Field]FieldPerm
	actions                                 map[string]*ActionAccess
}

// entityPerms compiles the entityPermissions of a group. An entry that has
// errors grants nothing (fail closed); unknown entities, fields and actions
// are left to the loader's warnings.
func (p *parser) entityPerms(a *app.App, g *app.Group) map[string]*groupEntity {
	out := map[string]*groupEntity{}
	for i, ep := range g.EntityPermissions {
		e := a.Entity(ep.Entity)
		if e == nil {
			continue
		}
		at := fmt.Sprintf("entityPermissions[%d]", i)
		failed := p.failed
		p.failed = false
		ge := p.entityEntry(a, e, at, ep)
		if p.failed {
			ge = &groupEntity{fields: noFields(e), actions: map[string]*ActionAccess{}}
		}
		p.failed = p.failed || failed
		if prev := out[e.FullName]; prev != nil {
			// The same entity listed twice in one group: their union.
			ge = unionEntities(prev, ge)
		}
		out[e.FullName] = ge
	}
	return out
}

func (p *parser) entityEntry(a *app.App, e *app.Entity, at string, ep app.EntityPermission) *groupEntity {
	ge := &groupEntity{}
	ge.read = p.condition(a, e, at+".read", ep.Read, "read")
	ge.create = p.condition(a, e, at+".create", ep.Create, "create")
	ge.update = ge.read.And(p.condition(a, e, at+".update", ep.Update, "update"))
	ge.delete = ge.read.And(p.condition(a, e, at+".delete", ep.Delete, "delete"))
	ge.auditLogs = ge.read.And(p.condition(a, e, at+".auditLogs", ep.AuditLogs, "auditLogs"))
	ge.exp = ep.Export && ge.read.Some()
	ge.imp = ep.Import && ge.create.Some()

	// Unlisted fields (app-model.md §6.2): readWrite if the group may
	// create or update, else readOnly if it may read, else none.
	derived := fieldNone
	switch {
	case ge.create.Some() || ge.update.Some():
		derived = fieldReadWrite
	case ge.read.Some():
		derived = fieldReadOnly
	}
	listed := p.fieldList(a, e, at+".fields", ep.Fields)
	ge.fields = map[*app.Field]FieldPerm{}
	resolveFields(e.Fields, nil, derived, listed, ge.fields)
	ge.actions = p.actionList(a, e, at+".actions", ep.Actions)
	return ge
}

// fieldSpec is one entry of a group's "fields": a level or an advanced
// permission; parent inherits from the containing nested field.
type fieldSpec struct {
	parent bool
	perm   FieldPerm
}

// resolveFields gives every field of the list its permission in one group:
// a listed field its level ("parent": its container's, readWrite at the top
// level); an unlisted top-level field the derived level; an unlisted inner
// field its container's permission.
func resolveFields(fields []*app.Field, container *FieldPerm, derived FieldPerm, listed map[*app.Field]fieldSpec, out map[*app.Field]FieldPerm) {
	for _, f := range fields {
		var perm FieldPerm
		spec, ok := listed[f]
		switch {
		case ok && !spec.parent:
			perm = spec.perm
		case ok && container == nil:
			perm = fieldReadWrite // top-level parent
		case container != nil:
			perm = *container
		default:
			perm = derived
		}
		out[f] = perm
		if len(f.Nested) > 0 {
			resolveFields(f.Nested, &perm, derived, listed, out)
		}
	}
}

func noFields(e *app.Entity) map[*app.Field]FieldPerm {
	out := map[*app.Field]FieldPerm{}
	resolveFields(e.Fields, nil, fieldNone, nil, out)
	return out
}

// fieldList reads a group's "fields": [{"field": path, "permission": …}].
func (p *parser) fieldList(a *app.App, e *app.Entity, at string, raw json.RawMessage) map[*app.Field]fieldSpec {
	out := map[*app.Field]fieldSpec{}
	if isNullJSON(raw) {
		return out
	}
	var list []struct {
		Field      string          `json:"field"`
		Permission json.RawMessage `json:"permission"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		p.errf(at, "must be an array of {\"field\", \"permission\"}")
		return out
	}
	for i, it := range list {
		here := fmt.Sprintf("%s[%d]", at, i)
		path := e.Resolve(it.Field)
		if path == nil {
			continue // the loader warns
		}
		out[path[len(path)-1]] = p.fieldSpec(a, e, here+".permission", it.Permission)
	}
	return out
}

// fieldSpec reads a field permission: "readWrite", "readOnly", "none",
// "parent" or {"read": cond, "write": cond}.
func (p *parser) fieldSpec(a *app.App, e *app.Entity, at string, raw json.RawMessage) fieldSpec {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "readWrite":
			return fieldSpec{perm: fieldReadWrite}
		case "readOnly":
			return fieldSpec{perm: fieldReadOnly}
		case "none":
			return fieldSpec{perm: fieldNone}
		case "parent":
			return fieldSpec{parent: true}
		}
		p.errf(at, "unknown field permission %q (readWrite, readOnly, none, parent or {\"read\", \"write\"})", s)
		return fieldSpec{perm: fieldNone}
	}
	var adv map[string]json.RawMessage
	if err := json.Unmarshal(raw, &adv); err != nil || adv == nil {
		p.errf(at, "must be readWrite, readOnly, none, parent or {\"read\": condition, \"write\": condition}")
		return fieldSpec{perm: fieldNone}
	}
	var perm FieldPerm
	for _, k := range sortedKeys(adv) {
		switch k {
		case "read":
			perm.Read = p.condition(a, e, at+".read", adv[k], "read")
		case "write":
			perm.Write = p.condition(a, e, at+".write", adv[k], "write")
		default:
			p.warn(at+"."+k, "unknown key %q ignored", k)
		}
	}
	return fieldSpec{perm: perm}
}

// actionList reads a group's "actions": [{"action", "permission":
// {"value": cond}, "parameters": [{"parameter", "permission"}]}].
func (p *parser) actionList(a *app.App, e *app.Entity, at string, raw json.RawMessage) map[string]*ActionAccess {
	out := map[string]*ActionAccess{}
	if isNullJSON(raw) {
		return out
	}
	var list []struct {
		Action     string          `json:"action"`
		Permission json.RawMessage `json:"permission"`
		Parameters []struct {
			Parameter  string          `json:"parameter"`
			Permission json.RawMessage `json:"permission"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		p.errf(at, "must be an array of {\"action\", \"permission\", \"parameters\"}")
		return out
	}
	for i, it := range list {
		here := fmt.Sprintf("%s[%d]", at, i)
		act := e.Action(it.Action)
		if act == nil {
			continue // the loader warns
		}
		run := Never
		var perm struct {
			Value json.RawMessage `json:"value"`
		}
		switch {
		case isNullJSON(it.Permission):
		case json.Unmarshal(it.Permission, &perm) != nil:
			// A bare condition is accepted too.
			run = p.condition(a, e, here+".permission", it.Permission, "action")
		default:
			run = p.condition(a, e, here+".permission.value", perm.Value, "action")
		}
		if act.Type != "oneRecord" && !run.All() && run.Some() {
			p.errf(here+".permission", "a condition on the record needs a oneRecord action; %q is %s", act.Name, act.Type)
			run = Never
		}
		// Unlisted parameters: readWrite when the action may run.
		derived := fieldNone
		if run.Some() {
			derived = fieldReadWrite
		}
		listed := map[*app.Field]fieldSpec{}
		for k, prm := range it.Parameters {
			f := findParam(act.Parameters, prm.Parameter)
			at := fmt.Sprintf("%s.parameters[%d]", here, k)
			if f == nil {
				p.warn(at+".parameter", "unknown parameter %q of action %q", prm.Parameter, act.Name)
				continue
			}
			spec := p.fieldSpec(a, e, at+".permission", prm.Permission)
			if !spec.parent && (spec.perm.Read.Some() && !spec.perm.Read.All() || spec.perm.Write.Some() && !spec.perm.Write.All()) {
				p.errf(at+".permission", "parameter permissions are readWrite, readOnly, none or parent")
				spec = fieldSpec{perm: fieldNone}
			}
			listed[f] = spec
		}
		x := &ActionAccess{Run: run, params: map[*app.Field]FieldPerm{}}
		resolveFields(act.Parameters, nil, derived, listed, x.params)
		if prev := out[act.Name]; prev != nil {
			x = unionActions(prev, x)
		}
		out[act.Name] = x
	}
	return out
}

// findParam finds an action parameter by dotted path.
func findParam(params []*app.Field, path string) *app.Field {
	var f *app.Field
	fields := params
	for _, name := range strings.Split(path, ".") {
		f = nil
		for _, c := range fields {
			if c.Name == name {
				f = c
				break
			}
		}
		if f == nil {
			return nil
		}
		fields = f.Nested
	}
	return f
}

// condition reads "always", "never", true, false, a query map or a
// "js/<fn>" script condition (resolved in the group's .js).
func (p *parser) condition(a *app.App, e *app.Entity, at string, raw json.RawMessage, param string) Perm {
	return p.cond(a, e, at, raw, param, true)
}

// cond is condition; user allows currentUserField references.
func (p *parser) cond(a *app.App, e *app.Entity, at string, raw json.RawMessage, param string, user bool) Perm {
	if isNullJSON(raw) {
		return Never
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch {
		case s == "always":
			return Always
		case s == "never":
			return Never
		case strings.HasPrefix(s, "js/"):
			return p.scriptCond(at, s)
		}
		p.errf(at, "must be \"always\", \"never\" or a condition object, got %q", s)
		return Never
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		if b {
			return Always
		}
		return Never
	}
	m, ok := decodeMap(raw)
	if !ok {
		p.errf(at, "must be \"always\", \"never\" or a condition object")
		return Never
	}
	x, err := query.ParseMap(a, e, m, query.MapOptions{Param: param, Metadata: true, CurrentUser: user})
	if err != nil {
		msg := err.Error()
		if ae := apperr.As(err); ae != nil {
			msg = ae.Message
		}
		p.errf(at, "%s", msg)
		return Never
	}
	if near := query.NearOf(x); near != nil {
		p.errf(at, "near cannot be part of a permission condition")
		return Never
	}
	return When(x)
}

// decodeMap decodes a JSON object keeping numbers exact.
func decodeMap(raw json.RawMessage) (map[string]any, bool) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

func isNullJSON(r json.RawMessage) bool {
	t := bytes.TrimSpace(r)
	return len(t) == 0 || string(t) == "null"
}

// unionEntities combines the entries of several groups for one entity
// (app-model.md §6.2, §8 Q8): permissions ORed, flags ORed, each field and
// parameter the most permissive of the groups'.
func unionEntities(a, b *groupEntity) *groupEntity {
	out := &groupEntity{
		read: a.read.Or(b.read), create: a.create.Or(b.create), update: a.update.Or(b.update),
		delete: a.delete.Or(b.delete), auditLogs: a.auditLogs.Or(b.auditLogs),
		imp: a.imp || b.imp, exp: a.exp || b.exp,
		fields:  make(map[*app.Field]FieldPerm, len(a.fields)),
		actions: map[string]*ActionAccess{},
	}
	for f, p := range a.fields {
		out.fields[f] = p.or(b.fields[f])
	}
	for f, p := range b.fields {
		if _, ok := a.fields[f]; !ok {
			out.fields[f] = p
		}
	}
	for n, x := range a.actions {
		out.actions[n] = x
	}
	for n, x := range b.actions {
		if prev := out.actions[n]; prev != nil {
			x = unionActions(prev, x)
		}
		out.actions[n] = x
	}
	return out
}

func unionActions(a, b *ActionAccess) *ActionAccess {
	out := &ActionAccess{Run: a.Run.Or(b.Run), params: make(map[*app.Field]FieldPerm, len(a.params))}
	for f, p := range a.params {
		out.params[f] = p.or(b.params[f])
	}
	for f, p := range b.params {
		if _, ok := a.params[f]; !ok {
			out.params[f] = p
		}
	}
	return out
}

// fieldAccess compiles the readAccess / writeAccess of every field of an
// entity (app-model.md §1.4): per-record conditions for everyone, scripts
// and privileged roles included. Fields without them are absent. A nested
// field's access also limits its inner fields.
func (p *parser) fieldAccess(a *app.App, e *app.Entity) map[*app.Field]FieldPerm {
	out := map[*app.Field]FieldPerm{}
	var walk func(fields []*app.Field, container FieldPerm, limited bool)
	walk = func(fields []*app.Field, container FieldPerm, limited bool) {
		for _, f := range fields {
			perm, has := container, limited
			if f.ReadAccess != nil || f.WriteAccess != nil {
				own := FieldPerm{p.access(a, e, f, "readAccess", f.ReadAccess), p.access(a, e, f, "writeAccess", f.WriteAccess)}
				perm, has = perm.and(own), true
			}
			if has {
				out[f] = perm
			}
			walk(f.Nested, perm, has)
		}
	}
	walk(e.Fields, fieldReadWrite, false)
	return out
}

// access reads a readAccess / writeAccess value; absent is always; a
// "js/<fn>" script condition resolves in the entity's .js.
func (p *parser) access(a *app.App, e *app.Entity, f *app.Field, key string, raw json.RawMessage) Perm {
	if isNullJSON(raw) {
		return Always
	}
	return p.cond(a, e, f.Path()+"."+key, raw, key, false)
}

// scriptCond is a "js/<fn>" condition: a query.Script the data service has
// the script engine decide record by record (record, parentField,
// action). A reference that does not resolve is an error and grants
// nothing.
func (p *parser) scriptCond(at, ref string) Perm {
	fn, ok := app.ScriptRef(ref)
	switch {
	case !ok:
		p.errf(at, "script reference %q must be \"js/<function>\"", ref)
		return Never
	case p.script == nil:
		p.errf(at, "script reference %q: no script file next to %s", ref, path.Base(p.file))
		return Never
	}
	if _, ok := p.script.Resolve(fn, app.ArgsValue...); !ok {
		p.errf(at, "script reference %q: no such function in %s", ref, p.script.File)
		return Never
	}
	return When(&query.Script{File: p.script, Ref: ref})
}

// Unrestricted is the access of the system: everything, on every record,
// with no field hidden (not even by readAccess/writeAccess).
var Unrestricted = &EntityAccess{Read: Always, Create: Always, Update: Always, Delete: Always, AuditLogs: Always,
	Import: true, Export: true, bypass: true, open: true, openWrite: true}

// noAccess is the access to an entity no group of the user lists.
var noAccess = &EntityAccess{fields: map[*app.Field]FieldPerm{}}

// entityAccess builds the access to e from the union of the user's groups'
// entries (nil: a role that bypasses group permissions), limited by the
// fields' readAccess/writeAccess.
func (r *Rules) entityAccess(e *app.Entity, ge *groupEntity) *EntityAccess {
	fa := r.fieldAccess[e.FullName]
	ea := &EntityAccess{fields: map[*app.Field]FieldPerm{}, open: true, openWrite: true}
	if ge == nil {
		ea.Read, ea.Create, ea.Update, ea.Delete, ea.AuditLogs = Always, Always, Always, Always, Always
		ea.Import, ea.Export, ea.bypass = true, true, true
	} else {
		ea.Read, ea.Create, ea.Update, ea.Delete, ea.AuditLogs = ge.read, ge.create, ge.update, ge.delete, ge.auditLogs
		ea.Import, ea.Export, ea.actions = ge.imp, ge.exp, ge.actions
	}
	var walk func(fields []*app.Field)
	walk = func(fields []*app.Field) {
		for _, f := range fields {
			p := fieldReadWrite
			if ge != nil {
				p = ge.fields[f]
			}
			if own, ok := fa[f]; ok {
				p = p.and(own)
			}
			ea.fields[f] = p
			ea.open = ea.open && p.Read.All()
			ea.openWrite = ea.openWrite && p.Write.All()
			walk(f.Nested)
		}
	}
	walk(e.Fields)
	if !ea.open {
		ea.readSet, _ = readSet(e.Fields, ea.fields)
		var cond func(fields []*app.Field)
		cond = func(fields []*app.Field) {
			for _, f := range fields {
				if r := ea.fields[f].Read; r.Some() && !r.All() {
					ea.condRead = append(ea.condRead, f)
				}
				cond(f.Nested)
			}
		}
		cond(e.Fields)
	}
	return ea
}

// readSet is the projection of the fields readable on some record, and
// whether it leaves anything out (else nil, all).
func readSet(fields []*app.Field, perms map[*app.Field]FieldPerm) (record.FieldSet, bool) {
	set := record.FieldSet{}
	restricted := false
	for _, f := range fields {
		if perms[f].Read.None() {
			restricted = true
			continue
		}
		var sub record.FieldSet
		if len(f.Nested) > 0 {
			s, r := readSet(f.Nested, perms)
			if r {
				sub, restricted = s, true
			}
		}
		set[f.Name] = sub
	}
	if !restricted {
		return nil, false
	}
	return set, true
}

// Privileged is the access of developers and super users to e: every
// record, with only the fields' readAccess/writeAccess applying.
func (r *Rules) Privileged(e *app.Entity) *EntityAccess {
	if r == nil {
		return Unrestricted
	}
	if ea := r.privileged[e.FullName]; ea != nil {
		return ea
	}
	return Unrestricted
}
