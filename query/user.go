package query

import (
	"fmt"
	"strings"

	"runway/app"
	"runway/record"
	"runway/types"
)

// UsersEntity is the entity currentUserField paths are resolved against.
const UsersEntity = "sys.users"

// UserRef is a currentUserField(path) reference: System (the user's id or
// label) or a path into the user's record. A bare relationship, group or
// file path (Sub "") stands for the whole value, so binding can compare ids.
type UserRef struct {
	Target
}

// CurrentUser is the user whose record binds currentUserField references.
type CurrentUser struct {
	ID     string
	Label  string
	Values record.Values // the user's record (sys.users), native values
}

func isUserRef(s string) bool {
	return strings.HasPrefix(s, "currentUserField(") && strings.HasSuffix(s, ")")
}

// userRef resolves currentUserField(path) against the users entity.
func userRef(users *app.Entity, s string, fold bool) (UserRef, error) {
	path := strings.TrimSpace(s[len("currentUserField(") : len(s)-1])
	switch {
	case path == "":
		return UserRef{}, fmt.Errorf("currentUserField() needs a field path of %s", UsersEntity)
	case path == SysID || fold && strings.EqualFold(path, SysID):
		return UserRef{Target{System: SysID}}, nil
	case path == SysLabel || fold && strings.EqualFold(path, SysLabel):
		return UserRef{Target{System: SysLabel}}, nil
	}
	t, err := resolveTarget(users, path, fold)
	if err != nil {
		return UserRef{}, fmt.Errorf("currentUserField(%s): %v of %s", path, err, UsersEntity)
	}
	if strings.Count(path, ".")+1 == len(t.Path) {
		t.Sub = "" // the whole value
	}
	return UserRef{t}, nil
}

// HasUser reports whether x holds currentUserField references (so it must
// go through Bind before a store or Match can evaluate it).
func HasUser(x Expr) bool {
	found := false
	walk(x, func(c *Cond) {
		if len(c.User) > 0 {
			found = true
		}
	})
	return found
}

// Bind returns x with every currentUserField reference replaced by the
// values of u's record at that path, for a store (SQL) or Match alike; x
// itself is not changed, and is returned as is when it has no reference.
//
// A user value that is an id (currentUserField(id), a path ending in .id, or
// a relationship, group or file value) compares with the id of a
// relationship, group or file field, or with the record id; otherwise the
// value (a relationship's label, a file's name) is read as a literal of the
// condition's field. Values that do not convert are dropped. A many-valued
// path gives all its values. With no value left, a condition holds for no
// record, except notEquals, which then holds for every record.
func Bind(a *app.App, x Expr, u *CurrentUser) Expr {
	if !HasUser(x) {
		return x
	}
	return bind(a, x, u)
}

func bind(a *app.App, x Expr, u *CurrentUser) Expr {
	switch x := x.(type) {
	case And:
		out := make(And, len(x))
		for i, y := range x {
			out[i] = bind(a, y, u)
		}
		return out
	case Or:
		out := make(Or, len(x))
		for i, y := range x {
			out[i] = bind(a, y, u)
		}
		return out
	case *Cond:
		if x == nil || len(x.User) == 0 {
			return x
		}
		return bindCond(a, x, u)
	}
	return x
}

// userValue is one value read from the user's record.
type userValue struct {
	id    string // set when the value is (or carries) an id
	value any    // the scalar to compare otherwise (a label or name for structured values)
}

func bindCond(a *app.App, c *Cond, u *CurrentUser) Expr {
	type part struct {
		t    Target
		vals []any
	}
	var parts []*part
	add := func(t Target, v any) {
		for _, p := range parts {
			if p.t.Sub == t.Sub {
				p.vals = append(p.vals, v)
				return
			}
		}
		parts = append(parts, &part{t: t, vals: []any{v}})
	}
	if len(c.Values) > 0 {
		parts = append(parts, &part{t: c.Target, vals: append([]any(nil), c.Values...)})
	}
	for _, ref := range c.User {
		for _, uv := range readUser(ref, u) {
			if t, v, ok := bindOne(a, c, uv); ok {
				add(t, v)
			}
		}
	}
	out := []Expr{}
	for _, p := range parts {
		switch c.Op {
		case Greater, GreaterOrEquals, Less, LessOrEquals:
			for _, v := range p.vals {
				out = append(out, &Cond{Target: p.t, Op: c.Op, Values: []any{v}})
			}
		default:
			out = append(out, &Cond{Target: p.t, Op: c.Op, Values: p.vals})
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	if c.Op == NotEquals {
		return And(out) // equals none of them (empty: always)
	}
	return Or(out) // empty: never
}

// bindOne converts one user value for condition c.
func bindOne(a *app.App, c *Cond, uv userValue) (Target, any, bool) {
	t := c.Target
	if uv.id != "" && c.Op != Like {
		switch {
		case t.System == SysID || t.Sub == SysID:
			return t, uv.id, true
		case t.System == "" && t.Field != nil && (t.Field.Type == types.Relationship || t.Field.Type == types.Group || t.Field.Type == types.File):
			t.Sub = SysID
			return t, uv.id, true
		}
	}
	v := uv.value
	if v == nil && uv.id != "" {
		v = uv.id
	}
	s, ok := literal(v)
	if !ok {
		return t, nil, false
	}
	val, err := queryValue(a, t, c.Op, s, false)
	if err != nil {
		return t, nil, false
	}
	return t, val, true
}

// readUser reads the values of u at ref (every element along many steps).
func readUser(ref UserRef, u *CurrentUser) []userValue {
	if u == nil {
		return nil
	}
	switch ref.System {
	case SysID:
		if u.ID == "" {
			return nil
		}
		return []userValue{{id: u.ID}}
	case SysLabel:
		return []userValue{{value: u.Label}}
	}
	var leaves []any
	collectLeaves(map[string]any(u.Values), ref.Path, &leaves)
	var out []userValue
	for _, v := range leaves {
		if ref.Sub != "" {
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			member := extract(m, strings.Split(ref.Sub, "."))
			if ref.Sub == SysID {
				if s, ok := member.(string); ok && s != "" {
					out = append(out, userValue{id: s})
				}
				continue
			}
			out = append(out, userValue{value: member})
			continue
		}
		if m, ok := v.(map[string]any); ok {
			uv := userValue{}
			uv.id, _ = m[SysID].(string)
			if l, ok := m[SysLabel]; ok {
				uv.value = l
			} else if n, ok := m["name"]; ok {
				uv.value = n
			}
			if uv.id != "" || uv.value != nil {
				out = append(out, uv)
			}
			continue
		}
		out = append(out, userValue{value: v})
	}
	return out
}

// collectLeaves appends the values at steps below base, flattening arrays
// of many-valued steps (and of a many-valued leaf).
func collectLeaves(base any, steps []Step, out *[]any) {
	base = plain(base)
	if len(steps) == 0 {
		if list, ok := base.([]any); ok {
			*out = append(*out, list...)
			return
		}
		if base != nil {
			*out = append(*out, base)
		}
		return
	}
	m, ok := base.(map[string]any)
	if !ok {
		return
	}
	val := m[steps[0].Name]
	if steps[0].Many && len(steps) > 1 {
		if list, ok := val.([]any); ok {
			for _, el := range list {
				collectLeaves(el, steps[1:], out)
			}
		}
		return
	}
	collectLeaves(val, steps[1:], out)
}
