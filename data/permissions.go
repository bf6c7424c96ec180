package data

import (
	"context"
	"errors"
	"fmt"

	"runway/access"
	"runway/app"
	"runway/apperr"
	"runway/query"
	"runway/record"
	"runway/store"
	"runway/types"
)

// Operations a caller may be allowed or not.
const (
	opRead   = "read"
	opCreate = "create"
	opUpdate = "update"
	opDelete = "delete"
)

// entityAccess is what c may do with records of e (app-model.md §6): the
// system everything; developers, super users and calls with the app's
// authority (scripts, issue 16) everything but the fields'
// readAccess/writeAccess; members what their groups allow (no group listing
// the entity: nothing). A script of the system (time listeners, jobs
// without a user) is the system.
func (s *Service) entityAccess(c *Caller, e *app.Entity) *access.EntityAccess {
	switch {
	case c == nil:
		return (*access.Policy)(nil).Entity(e)
	case c.System:
		return access.Unrestricted
	case c.privileged():
		return s.access.Privileged(e)
	}
	return c.Policy.Entity(e)
}

func opAllowed(ea *access.EntityAccess, e *app.Entity, op string) error {
	if opPerm(ea, op).None() {
		return apperr.New(apperr.Forbidden, "Not allowed to %s records of %s", op, e.FullName)
	}
	return nil
}

func opPerm(ea *access.EntityAccess, op string) access.Perm {
	switch op {
	case opRead:
		return ea.Read
	case opCreate:
		return ea.Create
	case opUpdate:
		return ea.Update
	case opDelete:
		return ea.Delete
	}
	return access.Never
}

// perms is one caller's access to one entity during one operation: the
// entity's permissions with their conditions bound to the caller.
type perms struct {
	s  *Service
	c  *Caller
	e  *app.Entity
	ea *access.EntityAccess

	user *query.CurrentUser // the caller as currentUserField sees it, loaded on first need
}

func (s *Service) perms(c *Caller, e *app.Entity) *perms {
	return &perms{s: s, c: c, e: e, ea: s.entityAccess(c, e)}
}

// allow is the entity-level check (403).
func (g *perms) allow(op string) error { return opAllowed(g.ea, g.e, op) }

// where is the condition records must match for op, bound to the caller:
// nil when every record is granted.
func (g *perms) where(ctx context.Context, op string) (query.Expr, error) {
	return g.bind(ctx, opPerm(g.ea, op))
}

// bind returns p's condition bound to the caller (nil: every record).
func (g *perms) bind(ctx context.Context, p access.Perm) (query.Expr, error) {
	x := p.Cond()
	if x == nil || !p.HasUser() {
		return x, nil
	}
	u, err := g.currentUser(ctx, x)
	if err != nil {
		return nil, err
	}
	return query.Bind(g.s.app, x, u), nil
}

// currentUser is the caller for currentUserField: id and label from the
// session, the sys.users record read only when x needs one of its fields.
func (g *perms) currentUser(ctx context.Context, x query.Expr) (*query.CurrentUser, error) {
	if g.user != nil && (g.user.Values != nil || !needsUserRecord(x)) {
		return g.user, nil
	}
	u := &query.CurrentUser{ID: g.c.UserID, Label: g.c.Name}
	if users := g.s.app.Entity(usersEntity); users != nil && record.IsID(g.c.UserID) && needsUserRecord(x) {
		row, err := g.s.store.Get(ctx, users, g.c.UserID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			u.Values = record.Values{}
		case err != nil:
			return nil, err
		default:
			_, _, label, v, err := record.Decode(row.Doc)
			if err != nil {
				return nil, fmt.Errorf("data: decode user %s: %w", g.c.UserID, err)
			}
			u.Label, u.Values = label, v
		}
	}
	g.user = u
	return u, nil
}

// needsUserRecord reports whether x refers to a field of the current
// user's record (not only to their id or label).
func needsUserRecord(x query.Expr) bool {
	switch x := x.(type) {
	case query.And:
		for _, y := range x {
			if needsUserRecord(y) {
				return true
			}
		}
	case query.Or:
		for _, y := range x {
			if needsUserRecord(y) {
				return true
			}
		}
	case *query.Cond:
		for _, r := range x.User {
			if r.System == "" {
				return true
			}
		}
	}
	return false
}

// match evaluates p on one record in memory (query.Match: the semantics of
// the SQL the same condition compiles to; its script conditions run on the
// record).
func (g *perms) match(ctx context.Context, p access.Perm, v record.Values, id, label string) (bool, error) {
	if p.All() {
		return true, nil
	}
	if p.None() {
		return false, nil
	}
	x, err := g.bind(ctx, p)
	if err != nil {
		return false, err
	}
	return g.decide(ctx, x, v, id, label)
}

// decide evaluates a bound condition on one record, its "js/<fn>" parts
// (query.Script) run by the script engine, read-only, as the caller, on one
// runtime for the whole condition. Without an engine a script condition
// holds for no record (fail closed).
func (g *perms) decide(ctx context.Context, x query.Expr, v record.Values, id, label string) (bool, error) {
	var rs RecordScripts
	defer func() {
		if rs != nil {
			rs.End()
		}
	}()
	return query.Decide(x, v, id, label, func(sc *query.Script) (bool, error) {
		if g.s.js == nil || g.s.js.run == nil {
			return false, nil
		}
		if rs == nil {
			rs = g.s.js.run.Record(ReadOnly(ctx), g.c, g.e, id, v)
		}
		return rs.Condition(sc.File, sc.Ref)
	})
}

// matchDoc is match on a stored document.
func (g *perms) matchDoc(ctx context.Context, p access.Perm, doc []byte) (bool, error) {
	if p.All() || p.None() {
		return p.All(), nil
	}
	id, _, label, v, err := record.Decode(doc)
	if err != nil {
		return false, fmt.Errorf("data: decode %s %s: %w", g.e.FullName, id, err)
	}
	return g.match(ctx, p, v, id, label)
}

// matchNew is match on a record about to be written: the values as the
// store will hold them (encoded and read back), so the answer is the one
// SQL would give once it is stored.
func (g *perms) matchNew(ctx context.Context, p access.Perm, id string, version int64, label string, v record.Values) (bool, error) {
	if p.All() || p.None() {
		return p.All(), nil
	}
	return g.matchDoc(ctx, p, record.Encode(g.e, id, version, label, v, nil))
}

// checkStored applies the permissions of op to a stored record: a record
// the caller may not read does not exist for them (404); one they may read
// but not op is 403.
func (g *perms) checkStored(ctx context.Context, op string, row *store.Row) error {
	_, err := g.checkDecode(ctx, op, row)
	return err
}

// checkDecode is checkStored that also hands back the record it decoded to
// check (nil when the permissions needed no decoding), so a caller that
// renders it next need not decode it again. The values are as stored,
// not masked.
func (g *perms) checkDecode(ctx context.Context, op string, row *store.Row) (*decoded, error) {
	if g.ea.Read.All() && opPerm(g.ea, op).All() {
		return nil, nil
	}
	id, version, label, v, err := record.Decode(row.Doc)
	if err != nil {
		return nil, fmt.Errorf("data: decode %s %s: %w", g.e.FullName, row.ID, err)
	}
	ok, err := g.match(ctx, g.ea.Read, v, id, label)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound(g.e, row.ID)
	}
	if op != opRead {
		if ok, err = g.match(ctx, opPerm(g.ea, op), v, id, label); err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.New(apperr.Forbidden, "Not allowed to %s record %q of %s", op, row.ID, g.e.FullName)
		}
	}
	return &decoded{id: id, version: version, label: label, v: v}, nil
}

// restrict ANDs the read condition into a query's where (what a list, a
// count or an operation over a query may see), after checking that the
// query only filters on fields the caller may read. Script parts of the
// condition are left to find, count and scan (scan.go).
func (g *perms) restrict(ctx context.Context, where query.Expr, sort *query.Sort) (query.Expr, error) {
	if err := g.checkQuery(where, sort); err != nil {
		return nil, err
	}
	cond, err := g.where(ctx, opRead)
	if err != nil || cond == nil {
		return where, err
	}
	cond = query.WithoutScripts(cond)
	switch w := where.(type) {
	case nil:
		return cond, nil
	case query.And:
		out := make(query.And, 0, len(w)+1)
		return append(append(out, w...), cond), nil
	}
	return query.And{where, cond}, nil
}

// checkQuery refuses (403) filters and sorts on fields the caller may not
// read on every record: a field with permission none, or whose read
// permission is a condition (its values would show through the order or
// the matches of records where it is hidden) — query-language.md §1.
func (g *perms) checkQuery(where query.Expr, sort *query.Sort) error {
	if g.ea.AllReadable() {
		return nil
	}
	if sort != nil {
		if err := g.checkTarget(sort.Target, "sort"); err != nil {
			return err
		}
	}
	return g.checkExpr(where)
}

func (g *perms) checkExpr(x query.Expr) error {
	switch x := x.(type) {
	case query.And:
		for _, y := range x {
			if err := g.checkExpr(y); err != nil {
				return err
			}
		}
	case query.Or:
		for _, y := range x {
			if err := g.checkExpr(y); err != nil {
				return err
			}
		}
	case *query.Cond:
		if x != nil {
			return g.checkTarget(x.Target, "filter")
		}
	case *query.Text:
		if x != nil {
			for _, t := range x.Fields {
				if err := g.checkTarget(t, "search"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (g *perms) checkTarget(t query.Target, verb string) error {
	if t.System != "" || len(t.Path) == 0 {
		return nil
	}
	fields := g.e.Fields
	for _, st := range t.Path {
		f := findField(fields, st.Name)
		if f == nil {
			return nil // the parser resolved it; nothing of ours
		}
		if !g.ea.Field(f).Read.All() {
			return apperr.New(apperr.Forbidden, "Not allowed to %s on field %s of %s", verb, f.Path(), g.e.FullName)
		}
		fields = f.Nested
	}
	return nil
}

// fields is the projection a read renders: the caller's readable fields
// intersected with the one asked for (nil: everything).
func (g *perms) fields(asked record.FieldSet) record.FieldSet {
	return intersect(g.ea.ReadFields(), asked)
}

// intersect is the projection of the fields both a and b select (nil: all).
func intersect(a, b record.FieldSet) record.FieldSet {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	out := record.FieldSet{}
	for name, sa := range a {
		if sb, ok := b[name]; ok {
			out[name] = intersect(sa, sb)
		}
	}
	return out
}

// masked reports whether records need a per-record pass (mask) before they
// are rendered.
func (g *perms) masked() bool { return len(g.ea.CondRead()) > 0 }

// mask removes from one decoded record the values of fields whose read
// condition it does not match.
func (g *perms) mask(ctx context.Context, v record.Values, id, label string) error {
	for _, f := range g.ea.CondRead() {
		ok, err := g.match(ctx, g.ea.Field(f).Read, v, id, label)
		if err != nil {
			return err
		}
		if !ok {
			removePath(v, fieldPath(f))
		}
	}
	return nil
}

// fieldPath is the names from the record root to f.
func fieldPath(f *app.Field) []string {
	if f.Parent == nil {
		return []string{f.Name}
	}
	return append(fieldPath(f.Parent), f.Name)
}

// removePath deletes the value at path from v, in every item of the
// nested fields along it.
func removePath(v record.Values, path []string) {
	if len(path) == 1 {
		delete(v, path[0])
		return
	}
	for _, item := range items(v[path[0]]) {
		removePath(item, path[1:])
	}
}

// writable drops from a write's input the fields the caller may not write
// (app-model.md §6.2: readOnly and none fields are silently dropped):
// fields whose write permission is never, and those whose write permission
// is a condition that stored (the record as stored, nil on create) does
// not match. On create, conditional fields are kept here and checked on
// the new record by condWrites. A non-privileged caller never writes the
// permissions of sys.users.
func (g *perms) writable(ctx context.Context, in map[string]any, stored record.Values, id, label string) (map[string]any, error) {
	guardUsers := g.e.FullName == usersEntity && !g.privileged()
	if g.ea.AllWritable() && !guardUsers {
		return in, nil
	}
	out, err := g.strip(ctx, g.e.Fields, in, func(f *app.Field) (bool, error) {
		if guardUsers && f.Parent == nil && f.Name == "permissions" {
			return false, nil
		}
		w := g.ea.Field(f).Write
		if w.All() || w.None() || stored == nil {
			return !w.None(), nil
		}
		return g.match(ctx, w, stored, id, label)
	})
	return out, err
}

// privileged reports whether the caller bypasses group permissions.
func (g *perms) privileged() bool { return g.ea.Bypass() }

// condWrites lists the input fields whose write permission is a condition
// the new record v does not match (create).
func (g *perms) condWrites(ctx context.Context, in map[string]any, id, label string, v record.Values) (map[string]any, bool, error) {
	if g.ea.AllWritable() {
		return in, false, nil
	}
	var doc record.Values
	changed := false
	out, err := g.strip(ctx, g.e.Fields, in, func(f *app.Field) (bool, error) {
		w := g.ea.Field(f).Write
		if w.All() || w.None() {
			return true, nil
		}
		if doc == nil {
			_, _, _, d, err := record.Decode(record.Encode(g.e, id, 0, label, v, nil))
			if err != nil {
				return false, err
			}
			doc = d
		}
		ok, err := g.match(ctx, w, doc, id, label)
		changed = changed || !ok
		return ok, err
	})
	return out, changed, err
}

// strip copies an input object without the keys of fields keep refuses,
// through nested objects and arrays of objects. Unknown keys stay (the
// writer reports them).
func (g *perms) strip(ctx context.Context, fields []*app.Field, in map[string]any, keep func(*app.Field) (bool, error)) (map[string]any, error) {
	out := make(map[string]any, len(in))
	for k, v := range in {
		out[k] = v
	}
	for _, f := range fields {
		raw, sent := in[f.Name]
		if !sent {
			continue
		}
		ok, err := keep(f)
		if err != nil {
			return nil, err
		}
		if !ok {
			delete(out, f.Name)
			continue
		}
		if f.Type != types.Nested {
			continue
		}
		switch x := raw.(type) {
		case map[string]any:
			if out[f.Name], err = g.strip(ctx, f.Nested, x, keep); err != nil {
				return nil, err
			}
		case []any:
			list := make([]any, len(x))
			for i, it := range x {
				list[i] = it
				if m, ok := it.(map[string]any); ok {
					if list[i], err = g.strip(ctx, f.Nested, m, keep); err != nil {
						return nil, err
					}
				}
			}
			out[f.Name] = list
		}
	}
	return out, nil
}

// output renders a document a write answers with as the caller may read
// it (the stored document itself when nothing is hidden).
func (g *perms) output(ctx context.Context, doc []byte) ([]byte, error) {
	if g.ea.AllReadable() {
		return doc, nil
	}
	id, version, label, v, err := record.Decode(doc)
	if err != nil {
		return nil, fmt.Errorf("data: decode %s %s: %w", g.e.FullName, id, err)
	}
	if err := g.mask(ctx, v, id, label); err != nil {
		return nil, err
	}
	return record.Encode(g.e, id, version, label, v, g.fields(nil)), nil
}
