package query

import (
	"fmt"
	"sort"
	"strings"

	"runway/app"
)

// MapOptions tune ParseMap.
type MapOptions struct {
	// Param names the parameter in error messages ("match", "read", …);
	// "query" when empty.
	Param string
	// Metadata reads a metadata expression (app-model.md §1.4, §8 Q2): field
	// paths, inner field names and choice values match case-insensitively.
	Metadata bool
	// CurrentUser allows currentUserField(path) arguments (group
	// conditions, app-model.md §6.2), resolved against sys.users. The result
	// is unbound (HasUser) until Bind supplies the user.
	CurrentUser bool
}

// ParseMap reads a query map (query-language.md §6.5), the JSON form used by
// the aggregate match stage, metadata conditions and scripts. Entries are
// AND-ed; a value is
//
//   - a string: a simple filter value, operators and comma-OR included
//     ("open,paused", "greater(1000)");
//   - a number or boolean: equals that literal;
//   - null: empty();
//   - an array: any of its elements (each read as above);
//   - an object, for a nested group: one item equal to those inner values.
//
// Keys "_or" / "_and" hold an object whose entries are OR-ed / AND-ed (or an
// array of such objects, each AND-ed inside), nested up to 32 levels; other
// keys starting with "_" are ignored. Errors are badRequest naming
// opts.Param and the entry.
func ParseMap(a *app.App, e *app.Entity, m map[string]any, opts MapOptions) (Expr, error) {
	p := &mapParser{a: a, e: e, o: &filterOpts{fold: opts.Metadata}, param: opts.Param}
	if p.param == "" {
		p.param = "query"
	}
	if opts.CurrentUser {
		if p.o.users = a.Entity(UsersEntity); p.o.users == nil {
			return nil, badParam(p.param, "currentUserField needs the "+UsersEntity+" entity")
		}
	}
	x, err := p.object(m, false, 0, "")
	if err != nil {
		return nil, err
	}
	if countConditions(x) > MaxConditions {
		return nil, p.fail("", errTooManyConditions)
	}
	if cs := nearConds(x); len(cs) > 1 {
		return nil, p.fail(cs[1].PathString(), fmt.Errorf("only one near filter per query, got %d", len(cs)))
	}
	return x, nil
}

type mapParser struct {
	a     *app.App
	e     *app.Entity
	o     *filterOpts
	param string
}

func (p *mapParser) fail(at string, err error) error {
	if at == "" {
		return badParam(p.param, err.Error())
	}
	return badParam(p.param, fmt.Sprintf("%s: %v", at, err))
}

// object reads the entries of m, OR-ed when or is set, else AND-ed.
func (p *mapParser) object(m map[string]any, or bool, depth int, at string) (Expr, error) {
	if depth > maxDepth {
		return nil, p.fail(at, fmt.Errorf("nested deeper than %d levels", maxDepth))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]Expr, 0, len(keys))
	for _, k := range keys {
		here := k
		if at != "" {
			here = at + "." + k
		}
		var x Expr
		var err error
		switch {
		case k == "_or" || k == "_and":
			x, err = p.group(m[k], k == "_or", depth+1, here)
		case strings.HasPrefix(k, "_"):
			continue // system parameters are ignored (query-language.md §6.2)
		default:
			x, err = p.value(k, m[k], depth+1, here)
		}
		if err != nil {
			return nil, err
		}
		parts = append(parts, x)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	if or {
		return Or(parts), nil
	}
	return And(parts), nil
}

// group reads the value of _or / _and.
func (p *mapParser) group(v any, or bool, depth int, at string) (Expr, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return nil, p.fail(at, fmt.Errorf("empty object"))
		}
		return p.object(x, or, depth, at)
	case []any:
		if len(x) == 0 {
			return nil, p.fail(at, fmt.Errorf("empty array"))
		}
		parts := make([]Expr, 0, len(x))
		for i, el := range x {
			m, ok := el.(map[string]any)
			if !ok || len(m) == 0 {
				return nil, p.fail(fmt.Sprintf("%s[%d]", at, i), fmt.Errorf("expected a non-empty object, got %s", jsonKind(el)))
			}
			y, err := p.object(m, false, depth+1, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			parts = append(parts, y)
		}
		if len(parts) == 1 {
			return parts[0], nil
		}
		if or {
			return Or(parts), nil
		}
		return And(parts), nil
	}
	return nil, p.fail(at, fmt.Errorf("expected an object (or an array of objects), got %s", jsonKind(v)))
}

// value reads the filter of one field path.
func (p *mapParser) value(path string, v any, depth int, at string) (Expr, error) {
	if depth > maxDepth {
		return nil, p.fail(at, fmt.Errorf("nested deeper than %d levels", maxDepth))
	}
	var c *Cond
	var err error
	switch x := v.(type) {
	case string:
		c, err = parseFilterWith(p.a, p.e, path, x, p.o)
	case nil:
		c, err = parseFilterWith(p.a, p.e, path, "empty()", p.o)
	case []any:
		if len(x) == 0 {
			return nil, p.fail(at, fmt.Errorf("an empty array matches nothing"))
		}
		if len(x) > MaxValues {
			return nil, p.fail(at, tooManyValues())
		}
		parts := make(Or, 0, len(x))
		for i, el := range x {
			y, err := p.value(path, el, depth+1, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			parts = append(parts, y)
		}
		if len(parts) == 1 {
			return parts[0], nil
		}
		if c := mergeEquals(parts); c != nil {
			return c, nil
		}
		return parts, nil
	case map[string]any:
		c, err = p.object1(path, x)
	default:
		s, ok := literal(v)
		if !ok {
			return nil, p.fail(at, fmt.Errorf("unsupported value %s", jsonKind(v)))
		}
		c, err = parseFilterWith(p.a, p.e, path, quote(s), p.o)
	}
	if err != nil {
		return nil, p.fail(at, err)
	}
	return c, nil
}

// object1 reads an object value: equality of a nested group.
func (p *mapParser) object1(path string, m map[string]any) (*Cond, error) {
	t, err := resolveTarget(p.e, path, p.o.fold)
	if err != nil {
		return nil, err
	}
	if !isGroupTarget(t) {
		return nil, fmt.Errorf("an object value needs a nested group field, %s is not one", path)
	}
	return objectCond(p.a, t, []map[string]any{m}, p.o)
}

// quote makes s one literal filter value (no operator, no comma-OR).
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// mergeEquals turns the conditions of an array value into one equals list
// when each is an equals of scalars on the same target: a list of ids is
// then one condition whose values the store binds as one parameter. nil
// when they are not all such.
func mergeEquals(parts Or) *Cond {
	first, ok := parts[0].(*Cond)
	if !ok {
		return nil
	}
	var values []any
	for _, x := range parts {
		c, ok := x.(*Cond)
		if !ok || c.Op != Equals || len(c.User) > 0 || !sameTarget(&c.Target, &first.Target) {
			return nil
		}
		for _, v := range c.Values {
			if _, object := v.(map[string]any); object {
				return nil
			}
		}
		values = append(values, c.Values...)
	}
	return &Cond{Target: first.Target, Op: Equals, Values: values}
}

// sameTarget reports whether a and b address the same value.
func sameTarget(a, b *Target) bool {
	if a.System != b.System || a.Field != b.Field || a.Sub != b.Sub || len(a.Path) != len(b.Path) {
		return false
	}
	for i := range a.Path {
		if a.Path[i] != b.Path[i] {
			return false
		}
	}
	return true
}
