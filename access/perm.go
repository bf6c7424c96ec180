package access

import "runway/query"

// Perm is a permission on records (app-model.md §6.2): granted for every
// record, for the records that match a condition, or for none. The zero
// Perm grants nothing.
//
// A condition is a query expression over the entity's records (a query map
// of the group, read case-insensitively as metadata) and may hold
// currentUserField references: Cond returns it unbound, and the data service
// binds it to the caller with query.Bind before it becomes SQL (lists,
// counts, deletes over a query) or is evaluated with query.Match (single
// records), so both sides agree.
type Perm struct {
	all  bool
	cond query.Expr // nil unless some records are granted (and not all)
	user bool       // cond holds currentUserField references
}

var (
	// Always grants every record.
	Always = Perm{all: true}
	// Never grants nothing.
	Never = Perm{}
)

// When grants the records matching x (nil x: none).
func When(x query.Expr) Perm {
	if x == nil {
		return Never
	}
	return Perm{cond: x, user: query.HasUser(x)}
}

// All reports whether every record is granted.
func (p Perm) All() bool { return p.all }

// None reports whether no record is granted.
func (p Perm) None() bool { return !p.all && p.cond == nil }

// Some reports whether any record may be granted (always or a condition).
func (p Perm) Some() bool { return !p.None() }

// Cond is the condition a record must match: nil when every record is
// granted; an empty query.Or (matching nothing) when none is.
func (p Perm) Cond() query.Expr {
	switch {
	case p.all:
		return nil
	case p.cond == nil:
		return query.Or{}
	}
	return p.cond
}

// HasUser reports whether the condition refers to the current user (it
// must be bound with query.Bind first).
func (p Perm) HasUser() bool { return p.user }

// Or is the union of two permissions (several groups: allowed if any
// group allows, conditions ORed).
func (p Perm) Or(q Perm) Perm {
	switch {
	case p.all || q.all:
		return Always
	case p.cond == nil:
		return q
	case q.cond == nil:
		return p
	}
	return Perm{cond: orOf(p.cond, q.cond), user: p.user || q.user}
}

// And is the intersection of two permissions (read as a prerequisite of
// update, delete and auditLogs within one group).
func (p Perm) And(q Perm) Perm {
	switch {
	case p.None() || q.None():
		return Never
	case p.all:
		return q
	case q.all:
		return p
	}
	return Perm{cond: andOf(p.cond, q.cond), user: p.user || q.user}
}

func orOf(a, b query.Expr) query.Expr {
	var out query.Or
	for _, x := range []query.Expr{a, b} {
		if o, ok := x.(query.Or); ok {
			out = append(out, o...)
		} else {
			out = append(out, x)
		}
	}
	return out
}

func andOf(a, b query.Expr) query.Expr {
	var out query.And
	for _, x := range []query.Expr{a, b} {
		if o, ok := x.(query.And); ok {
			out = append(out, o...)
		} else {
			out = append(out, x)
		}
	}
	return out
}
