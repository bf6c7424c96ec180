package query

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"runway/app"
	"runway/apperr"
	"runway/record"
	"runway/types"
)

// Page sizes of record lists (query-language.md §5).
const (
	DefaultSize = 20
	MaxSize     = 1000
)

// List is a parsed list request: which records, in which order, and how
// to render them (Output: fields, format, relationships fetched along).
type List struct {
	Select Select
	Output
}

// ParseList reads the query string of GET /data/{entity}: field filters
// (AND-ed; comma = OR) and the system parameters _size, _offset, _sortField,
// _sortType, and those of ParseOutput. Unknown system parameters are ignored
// (endpoints add their own, e.g. _async).
func ParseList(a *app.App, e *app.Entity, v url.Values) (*List, error) {
	l := &List{Select: Select{Sort: ByID, Limit: DefaultSize}}
	where, err := ParseWhere(a, e, v)
	if err != nil {
		return nil, err
	}
	l.Select.Where = where
	if l.Select.Limit, err = parseSize(v.Get("_size")); err != nil {
		return nil, err
	}
	if l.Select.Sort, err = parseSort(e, v.Get("_sortField"), v.Get("_sortType")); err != nil {
		return nil, err
	}
	if v.Get("_sortField") == "" {
		l.Select.Near = NearOf(where) // nearest first (query-language.md §2.3)
	}
	if err := parseOffset(&l.Select, v.Get("_offset")); err != nil {
		return nil, err
	}
	if l.Output, err = ParseOutput(e, v); err != nil {
		return nil, err
	}
	return l, nil
}

func badParam(param, msg string) error {
	return apperr.New(apperr.BadRequest, "Invalid parameter %s: %s", param, msg)
}

func parseSize(s string) (int, error) { return parseSizeOr(s, DefaultSize) }

// parseSizeOr reads a _size: a positive integer up to MaxSize, def when
// empty.
func parseSizeOr(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, badParam("_size", fmt.Sprintf("%q is not a positive integer", s))
	}
	if n > MaxSize {
		return 0, badParam("_size", fmt.Sprintf("%d is more than the maximum of %d", n, MaxSize))
	}
	return n, nil
}

func parseSort(e *app.Entity, field, typ string) (Sort, error) {
	s := ByID
	switch typ {
	case "", "desc":
	case "asc":
		s.Desc = false
	default:
		return s, badParam("_sortType", fmt.Sprintf("%q is not asc or desc", typ))
	}
	if field == "" || field == SysID {
		return s, nil
	}
	if field == SysLabel {
		s.Target = Target{System: SysLabel}
		return s, nil
	}
	t, err := resolveTarget(e, field, false)
	if err != nil {
		return s, badParam("_sortField", err.Error())
	}
	for _, st := range t.Path {
		if st.Many {
			return s, badParam("_sortField", fmt.Sprintf("cannot sort by %q: it is or crosses a multi-valued field", field))
		}
	}
	if t.Field.Type == types.Nested || t.Field.Type == types.GeoPoint || t.Field.SensitiveData {
		return s, badParam("_sortField", fmt.Sprintf("cannot sort by %q", field))
	}
	if t.Field.Type == types.Relationship && t.Sub == "" {
		t.Sub = SysLabel
	}
	s.Target = t
	return s, nil
}

func parseOffset(sel *Select, s string) error {
	if s == "" {
		return nil
	}
	if record.IsID(s) {
		if NearOf(sel.Where) != nil {
			return badParam("_offset", "a record id offset cannot be used with near (results are ordered by distance); use a numeric offset")
		}
		if sel.Sort.System != SysID {
			return badParam("_offset", "a record id offset needs the sort on id")
		}
		sel.After = s
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return badParam("_offset", fmt.Sprintf("%q is neither a record id nor a non-negative integer", s))
	}
	sel.Offset = n
	return nil
}

// ParseFields reads _fields: a comma list of field paths; a parent path
// selects all its inner fields.
func ParseFields(e *app.Entity, s string) (record.FieldSet, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	set := record.FieldSet{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" || p == SysID || p == "version" || p == SysLabel {
			continue
		}
		fields := e.Resolve(p)
		if fields == nil {
			return nil, badParam("_fields", fmt.Sprintf("unknown field %q", p))
		}
		addFieldPath(set, strings.Split(p, "."))
	}
	return set, nil
}

// addFieldPath adds a path to a set; a nil inner set means "all of it".
func addFieldPath(set record.FieldSet, path []string) {
	head := path[0]
	inner, seen := set[head]
	if len(path) == 1 {
		set[head] = nil
		return
	}
	if seen && inner == nil {
		return // already whole
	}
	if inner == nil {
		inner = record.FieldSet{}
		set[head] = inner
	}
	addFieldPath(inner, path[1:])
}

// ParseWhere reads which records a query string selects: its field
// filters, its _query and its text index search (_indexedFilter), AND-ed
// (nil when there are none). A query holds at most one near filter.
func ParseWhere(a *app.App, e *app.Entity, v url.Values) (Expr, error) {
	where, err := ParseFilters(a, e, v)
	if err != nil {
		return nil, err
	}
	var extra []Expr
	if q := v.Get("_query"); strings.TrimSpace(q) != "" {
		complex, err := ParseComplex(a, e, q)
		if err != nil {
			return nil, err
		}
		extra = append(extra, complex)
	}
	text, err := parseIndexed(e, v)
	if err != nil {
		return nil, err
	}
	if text != nil {
		extra = append(extra, text)
	}
	switch {
	case where == nil && len(extra) == 0:
		return nil, nil
	case where == nil && len(extra) == 1:
		where = extra[0]
	case where == nil:
		where = And(extra)
	default:
		where = append(where.(And), extra...)
	}
	if err := CheckConditions(where); err != nil {
		return nil, err
	}
	if err := checkOneNear(where); err != nil {
		return nil, err
	}
	return where, nil
}

// ParseFilters reads the field filters of a query string into an And of
// conditions (nil when there are none).
func ParseFilters(a *app.App, e *app.Entity, v url.Values) (Expr, error) {
	keys := make([]string, 0, len(v))
	for k := range v {
		if !strings.HasPrefix(k, "_") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var and And
	for _, k := range keys {
		for _, raw := range v[k] {
			c, err := ParseFilter(a, e, k, raw)
			if err != nil {
				return nil, err
			}
			and = append(and, c)
		}
	}
	if len(and) == 0 {
		return nil, nil
	}
	return and, nil
}

// ParseFilter reads one simple filter "path=value" (query-language.md §2–3);
// errors are badRequest naming the path as the parameter.
func ParseFilter(a *app.App, e *app.Entity, path, raw string) (*Cond, error) {
	c, err := parseFilter(a, e, path, raw)
	if err != nil {
		return nil, badParam(path, err.Error())
	}
	return c, nil
}

func parseFilter(a *app.App, e *app.Entity, path, raw string) (*Cond, error) {
	return parseFilterWith(a, e, path, raw, nil)
}

// filterOpts tune the parsing of one filter.
type filterOpts struct {
	// fold: a metadata expression (app-model.md §8 Q2): field paths and
	// choice values match case-insensitively.
	fold bool
	// users, when set, allows currentUserField(path) arguments, resolved
	// against this entity (sys.users).
	users *app.Entity
}

func parseFilterWith(a *app.App, e *app.Entity, path, raw string, o *filterOpts) (*Cond, error) {
	if o == nil {
		o = &filterOpts{}
	}
	var t Target
	if path == SysID || o.fold && strings.EqualFold(path, SysID) {
		t = Target{System: SysID}
	} else {
		var err error
		if t, err = resolveTarget(e, path, o.fold); err != nil {
			return nil, err
		}
	}
	if isGroupTarget(t) && strings.HasPrefix(strings.TrimSpace(raw), "{") {
		m, err := decodeObject(raw)
		if err != nil {
			return nil, err
		}
		return objectCond(a, t, []map[string]any{m}, o)
	}
	op, args, quoted, err := splitOperatorQ(raw)
	if err != nil {
		return nil, err
	}
	if err := checkArity(op, args); err != nil {
		return nil, err
	}
	if op == Like && len(args) > MaxPatterns {
		return nil, tooManyPatterns(len(args))
	}
	switch {
	case t.System != "" && op == Near:
		return nil, fmt.Errorf("near needs a geo point field, not %s", t.System)
	case t.System == "" && !supported(t, op):
		return nil, fmt.Errorf("operator %s is not supported for fields of type %s", op, t.Field.Type)
	}
	if op == Near {
		vals, err := nearValues(args)
		if err != nil {
			return nil, err
		}
		return &Cond{Target: t, Op: Near, Values: vals}, nil
	}
	if isGroupTarget(t) && (op == Equals || op == NotEquals) {
		return nil, fmt.Errorf(`a nested group is compared with a JSON object of inner field values, e.g. {"%s":"…"}`, firstInner(t.Field))
	}
	if (op == Empty || op == NotEmpty) && t.Field != nil && strings.Count(path, ".")+1 == len(t.Path) {
		switch t.Field.Type {
		case types.Relationship, types.File, types.Group:
			// A bare path asks whether the field is set, not whether its
			// label or name is (a file's name may be unknown).
			t.Sub = SubWhole
		}
	}
	c := &Cond{Target: t, Op: op}
	for i, s := range args {
		if !quoted[i] && isUserRef(s) {
			if o.users == nil {
				return nil, fmt.Errorf("%s is only allowed in group permission conditions (quote the value to search for the text)", s)
			}
			ref, err := userRef(o.users, s, o.fold)
			if err != nil {
				return nil, err
			}
			c.User = append(c.User, ref)
			continue
		}
		val, err := queryValue(a, t, op, s, o.fold)
		if err != nil {
			return nil, err
		}
		c.Values = append(c.Values, val)
	}
	if len(c.User) > 0 && op == Between {
		return nil, fmt.Errorf("currentUserField cannot be a bound of between")
	}
	if t.Field != nil && t.Field.Type == types.Group && t.Sub == "" && op != Like {
		c.Target.Sub = SysID // group values were resolved to ids; like compares labels
	}
	return c, nil
}

// isGroupTarget reports whether t is a nested group as a whole.
func isGroupTarget(t Target) bool {
	return t.Field != nil && t.Field.Type == types.Nested && t.Sub == ""
}

func firstInner(f *app.Field) string {
	if len(f.Nested) > 0 {
		return f.Nested[0].Name
	}
	return "field"
}

// resolveTarget resolves a field path against the metadata, including the
// sub-paths of relationships (id, label, copied fields), files (id) and
// groups (id).
func resolveTarget(e *app.Entity, path string, fold bool) (Target, error) {
	parts := strings.Split(path, ".")
	fields := e.Fields
	var t Target
	for i, name := range parts {
		f := fieldNamed(fields, name, fold)
		if f == nil {
			return t, fmt.Errorf("unknown field %q", path)
		}
		t.Path = append(t.Path, Step{Name: f.Name, Many: f.Many})
		t.Field = f
		rest := parts[i+1:]
		switch f.Type {
		case types.Relationship, types.Group, types.File:
			return subTarget(t, f, rest, path, fold)
		case types.Nested:
			fields = f.Nested
		default:
			if len(rest) > 0 {
				return t, fmt.Errorf("unknown field %q", path)
			}
		}
	}
	return t, nil
}

func subTarget(t Target, f *app.Field, rest []string, path string, fold bool) (Target, error) {
	eq := func(a, b string) bool { return a == b || fold && strings.EqualFold(a, b) }
	switch {
	case len(rest) == 0:
		switch f.Type {
		case types.Relationship:
			t.Sub = SysLabel
		case types.File:
			t.Sub = "name"
		}
		return t, nil
	case len(rest) == 1 && eq(rest[0], SysID):
		t.Sub = SysID
		return t, nil
	case len(rest) == 1 && eq(rest[0], SysLabel) && f.Type != types.File:
		t.Sub = SysLabel
		return t, nil
	case f.Type == types.Relationship:
		joined := strings.Join(rest, ".")
		for _, cf := range f.Rules.CopiedFields {
			if eq(cf, joined) {
				t.Sub = cf
				return t, nil
			}
		}
	}
	return t, fmt.Errorf("unknown field %q", path)
}

func findField(fields []*app.Field, name string) *app.Field {
	return fieldNamed(fields, name, false)
}

// fieldNamed finds a field by name; fold also accepts another case when no
// field has the exact name.
func fieldNamed(fields []*app.Field, name string, fold bool) *app.Field {
	for _, f := range fields {
		if f.Name == name {
			return f
		}
	}
	if fold {
		for _, f := range fields {
			if strings.EqualFold(f.Name, name) {
				return f
			}
		}
	}
	return nil
}

func supported(t Target, op Op) bool {
	if t.Sub == SysID || (t.Sub != "" && t.Field.Type == types.Relationship) {
		return op == Equals || op == NotEquals || op == Empty || op == NotEmpty || op == Like && t.Sub != SysID
	}
	return types.Supports(t.Field.Type, string(op))
}

// queryValue converts one literal for comparison with the stored value.
func queryValue(a *app.App, t Target, op Op, s string, fold bool) (any, error) {
	if op == Like {
		if strings.IndexByte(s, 0) >= 0 {
			return nil, fmt.Errorf("a like pattern cannot contain a NUL character")
		}
		if isRegex(s) {
			if _, err := regexp.Compile("(?i)" + s[1:len(s)-1]); err != nil {
				return nil, fmt.Errorf("invalid regular expression %s: %v", s, err)
			}
		}
		return s, nil
	}
	if t.System == SysID || t.Sub == SysID {
		if t.Field != nil && t.Field.Type == types.Group {
			return groupID(a, s), nil
		}
		return s, nil
	}
	if t.System == SysLabel || t.Sub != "" {
		return s, nil
	}
	if t.Field.Type == types.Group {
		return groupID(a, s), nil
	}
	if fold && t.Field.Type == types.Choice {
		s = choiceName(t.Field, s)
	}
	v, p := types.ParseQuery(t.Field.Type, t.Field.Rules, s)
	if t.Field.Type == types.MaskedText || t.Field.Type == types.Phone {
		// Stored in their written (formatted) form: compare with the literal
		// in that form (the store compares phones by their digits).
		v, p = types.Parse(t.Field.Type, t.Field.Rules, s)
	}
	if p != nil {
		return nil, fmt.Errorf("%q: %s", s, p.Message)
	}
	return v, nil
}

// groupID finds a group by id, then name, then label; an unknown group
// matches nothing (its text is compared as is).
func groupID(a *app.App, s string) string {
	for _, g := range a.Groups {
		if g.ID == s {
			return g.ID
		}
	}
	for _, g := range a.Groups {
		if g.Name == s {
			return g.ID
		}
	}
	for _, g := range a.Groups {
		if g.Label == s {
			return g.ID
		}
	}
	return s
}

// choiceName returns the name of f's choice value equal to s ignoring case,
// or s.
func choiceName(f *app.Field, s string) string {
	if f.Rules == nil {
		return s
	}
	for _, cv := range f.Rules.PossibleValues {
		if cv.Name == s {
			return s
		}
	}
	for _, cv := range f.Rules.PossibleValues {
		if strings.EqualFold(cv.Name, s) {
			return cv.Name
		}
	}
	return s
}
