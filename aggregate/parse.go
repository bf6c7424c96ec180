package aggregate

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"runway/app"
	"runway/apperr"
	"runway/query"
	"runway/record"
	"runway/types"
)

// MaxStages bounds the length of a pipeline.
const MaxStages = 100

// Parse reads an aggregate pipeline over e (query-language.md §6.1): a
// JSON array of stages, each an object with one operation, or one object
// whose members are the stages in document order. Every error is a
// badRequest; errors in a stage name it ("stage 2 (group): …", counted
// from 1).
func Parse(a *app.App, e *app.Entity, body []byte) (*Pipeline, error) {
	v, err := decodeOrdered(body)
	if err != nil {
		return nil, invalid("malformed JSON: %v", err)
	}
	list, err := stageList(v)
	if err != nil {
		return nil, err
	}
	p := &parser{a: a, e: e, origin: map[*app.Field]origin{}}
	p.register(e, e.Fields)
	pl := &Pipeline{Entity: e, In: recordShape(e)}
	shape := pl.In
	for i, s := range list {
		info := StageInfo{Index: i, Op: s.op}
		st, err := p.stage(info, shape, s.val)
		if err != nil {
			return nil, invalid("%s: %v", &info, err)
		}
		pl.Stages = append(pl.Stages, st)
		shape = st.Info().Out
	}
	pl.Out = shape
	pl.reads = p.reads
	return pl, nil
}

func invalid(format string, args ...any) error {
	return apperr.New(apperr.BadRequest, "Invalid aggregate pipeline: "+format, args...)
}

type rawStage struct {
	op  string
	val any
}

// stageList reads the body's stages.
func stageList(v any) ([]rawStage, error) {
	var out []rawStage
	switch x := v.(type) {
	case []any:
		for i, el := range x {
			o, ok := el.(*object)
			if !ok || len(o.keys) != 1 {
				what := kindOf(el)
				if ok && len(o.keys) == 0 {
					what = "an empty object"
				} else if ok {
					what = fmt.Sprintf("%d operations (%s)", len(o.keys), strings.Join(o.keys, ", "))
				}
				return nil, invalid("stage %d: a stage is an object with one operation, got %s", i+1, what)
			}
			out = append(out, rawStage{o.keys[0], o.vals[0]})
		}
	case *object:
		for i, k := range x.keys {
			out = append(out, rawStage{k, x.vals[i]})
		}
	default:
		return nil, invalid("the body must be a JSON array of stages (or one object of stages), got %s", kindOf(v))
	}
	if len(out) > MaxStages {
		return nil, invalid("%d stages, more than the maximum of %d", len(out), MaxStages)
	}
	return out, nil
}

// parser reads the stages of one pipeline, keeping where the members of
// the shapes come from (for Reads).
type parser struct {
	a      *app.App
	e      *app.Entity
	origin map[*app.Field]origin
	reads  []Read
}

// origin is the metadata field (of the entity or of a lookup's foreign
// entity) whose values a shape member holds.
type origin struct {
	e *app.Entity
	f *app.Field
}

// register notes the fields of an entity (inner ones included) as their
// own origins.
func (p *parser) register(e *app.Entity, fields []*app.Field) {
	for _, f := range fields {
		p.origin[f] = origin{e, f}
		p.register(e, f.Nested)
	}
}

// same makes a copy of a member come from where the member came from.
func (p *parser) same(old, copy *app.Field) {
	if o, ok := p.origin[old]; ok {
		p.origin[copy] = o
	}
}

// read records that the stage reads the value at path.
func (p *parser) read(info StageInfo, f *app.Field, path string) {
	if o, ok := p.origin[f]; ok {
		p.reads = append(p.reads, Read{Stage: info.Index, Entity: o.e, Field: o.f, Path: path})
	}
}

// resolve resolves a path against a shape and records the read.
func (p *parser) resolve(info StageInfo, s *Shape, text string) (Path, error) {
	path, err := resolve(p.e, s, text)
	if err != nil {
		return Path{}, err
	}
	p.read(info, path.Field, path.Text)
	return path, nil
}

var operations = []string{"count", "geoNear", "group", "limit", "lookup", "match", "project", "skip", "sort", "unwind"}

// stage reads one stage, its output shape in its StageInfo.
func (p *parser) stage(info StageInfo, in *Shape, v any) (Stage, error) {
	var st Stage
	var err error
	switch info.Op {
	case "match":
		st, err = p.match(info, in, v)
	case "sort":
		st, err = p.sort(info, in, v)
	case "skip":
		var n int64
		n, err = positive(v)
		st = &Skip{StageInfo: info, N: n}
	case "limit":
		var n int64
		n, err = positive(v)
		st = &Limit{StageInfo: info, N: n}
	case "project":
		st, err = p.project(info, in, v)
	case "group":
		st, err = p.group(info, in, v)
	case "count":
		st, err = count(info, v)
	case "unwind":
		st, err = p.unwind(info, in, v)
	case "lookup":
		st, err = p.lookup(info, in, v)
	case "geoNear":
		st, err = p.geoNear(info, in, v)
	default:
		return nil, fmt.Errorf("unknown operation %q (%s)", info.Op, strings.Join(operations, ", "))
	}
	if err != nil {
		return nil, err
	}
	if st.Info().Out == nil {
		st.Info().Out = in
	}
	return st, nil
}

// ---- match ----

// matchParam is the parameter name the filter parser's messages carry; it
// is cut from them (the stage is named instead).
const matchParam = "match"

func (p *parser) match(info StageInfo, in *Shape, v any) (Stage, error) {
	o, ok := v.(*object)
	if !ok {
		return nil, fmt.Errorf("expected a filter map (an object), got %s", kindOf(v))
	}
	x, err := query.ParseMap(p.a, entityOf(p.e, in), plainJSON(o).(map[string]any), query.MapOptions{Param: matchParam})
	if err != nil {
		if e := apperr.As(err); e != nil {
			return nil, errors.New(strings.TrimPrefix(e.Message, "Invalid parameter "+matchParam+": "))
		}
		return nil, err
	}
	for _, c := range conds(x) {
		if c.System == query.SysID && in.Field(query.SysID) == nil {
			return nil, errors.New(`unknown field "id": the documents have no id here`)
		}
		if c.Field != nil {
			p.read(info, c.Field, c.PathString())
		}
		if len(c.Path) == 1 && c.Field.System && c.Field.Name == query.SysLabel {
			// The label member, as filters name it: the store's label column.
			c.Target = query.Target{System: query.SysLabel}
		}
	}
	return &Match{StageInfo: info, Where: x}, nil
}

// conds lists the conditions of an expression.
func conds(x query.Expr) []*query.Cond {
	switch x := x.(type) {
	case query.And:
		var out []*query.Cond
		for _, y := range x {
			out = append(out, conds(y)...)
		}
		return out
	case query.Or:
		var out []*query.Cond
		for _, y := range x {
			out = append(out, conds(y)...)
		}
		return out
	case *query.Cond:
		return []*query.Cond{x}
	}
	return nil
}

// ---- sort ----

func (p *parser) sort(info StageInfo, in *Shape, v any) (Stage, error) {
	o, ok := v.(*object)
	if !ok || len(o.keys) == 0 {
		return nil, fmt.Errorf(`expected an object of field paths and "asc" or "desc", got %s`, kindOf(v))
	}
	if d := o.duplicate(); d != "" {
		return nil, fmt.Errorf("%q is given twice", d)
	}
	st := &Sort{StageInfo: info}
	for i, k := range o.keys {
		dir, _ := o.vals[i].(string)
		if dir != "asc" && dir != "desc" {
			return nil, fmt.Errorf(`%s: expected "asc" or "desc", got %s`, k, describe(o.vals[i]))
		}
		path, err := p.resolve(info, in, k)
		if err != nil {
			return nil, err
		}
		if path, err = sortable(path); err != nil {
			return nil, err
		}
		st.Keys = append(st.Keys, SortKey{Path: path, Desc: dir == "desc"})
	}
	return st, nil
}

// sortable checks a sort key (as the list's _sortField): single-valued, not
// a nested group, geo point or sensitive field; a bare structured value
// sorts by its natural member.
func sortable(p Path) (Path, error) {
	switch {
	case p.Many():
		return p, fmt.Errorf("cannot sort by %s: it is or crosses a multi-valued field", p.Text)
	case p.bare() && (p.Field.Type == types.Nested || p.Field.Type == types.GeoPoint):
		return p, fmt.Errorf("cannot sort by %s, a %s field", p.Text, p.Field.Type)
	case p.Field.SensitiveData:
		return p, fmt.Errorf("cannot sort by %s, a sensitive field", p.Text)
	}
	if m := natural(p.Field); p.bare() && m != "" {
		p = p.withSub(m)
	}
	return p, nil
}

// describe renders a JSON value briefly for messages.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case json.Number:
		return x.String()
	}
	return kindOf(v)
}

// ---- skip, limit, count ----

// positive reads the integer of skip and limit (≥ 1).
func positive(v any) (int64, error) {
	n, ok := v.(json.Number)
	if ok {
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err == nil && i >= 1 {
			return i, nil
		}
	}
	return 0, fmt.Errorf("expected a positive integer, got %s", describe(v))
}

func count(info StageInfo, v any) (Stage, error) {
	name, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("expected the name of the output field, got %s", kindOf(v))
	}
	if err := validName(name); err != nil {
		return nil, err
	}
	info.Out = &Shape{Fields: []*app.Field{synthetic(name, types.Integer)}}
	return &Count{StageInfo: info, Name: name}, nil
}

// ---- project ----

func (p *parser) project(info StageInfo, in *Shape, v any) (Stage, error) {
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("expected a comma list of field paths, got %s", kindOf(v))
	}
	st := &Project{StageInfo: info, KeepID: in.Field(query.SysID) != nil}
	set := record.FieldSet{}
	if st.KeepID {
		set[query.SysID] = nil
	}
	for _, text := range strings.Split(s, ",") {
		if strings.TrimSpace(text) == "" {
			continue
		}
		path, err := p.resolve(info, in, text)
		if err != nil {
			return nil, err
		}
		if !path.bare() {
			return nil, fmt.Errorf("%s is inside a %s value; project takes field paths", path.Text, path.Field.Type)
		}
		st.Paths = append(st.Paths, path)
		addPath(set, path.Names())
	}
	if len(st.Paths) == 0 {
		return nil, errors.New("no field paths")
	}
	info.Out = &Shape{Fields: projectFields(in.Fields, set)}
	st.StageInfo = info
	return st, nil
}

// addPath adds member names to a projection; a nil inner set is "all of
// it".
func addPath(set record.FieldSet, names []string) {
	inner, seen := set[names[0]]
	switch {
	case len(names) == 1:
		set[names[0]] = nil
	case seen && inner == nil:
		// already whole
	default:
		if inner == nil {
			inner = record.FieldSet{}
			set[names[0]] = inner
		}
		addPath(inner, names[1:])
	}
}

// projectFields is the members of fields a projection keeps, in order.
func projectFields(fields []*app.Field, set record.FieldSet) []*app.Field {
	var out []*app.Field
	for _, f := range fields {
		inner, ok := set[f.Name]
		switch {
		case !ok:
		case inner == nil:
			out = append(out, f)
		default:
			out = append(out, clone(f, f.Name, f.Many, projectFields(f.Nested, inner)))
		}
	}
	return out
}

// ---- group ----

func (p *parser) group(info StageInfo, in *Shape, v any) (Stage, error) {
	o, ok := v.(*object)
	if !ok {
		return nil, fmt.Errorf("expected an object (by and accumulators), got %s", kindOf(v))
	}
	if d := o.duplicate(); d != "" {
		return nil, fmt.Errorf("%q is given twice", d)
	}
	st := &Group{StageInfo: info}
	var out []*app.Field
	taken := map[string]bool{}
	if by, ok := o.get("by"); ok {
		s, ok := by.(string)
		if !ok {
			return nil, fmt.Errorf("by: expected a comma list of field paths, got %s", kindOf(by))
		}
		var err error
		if st.By, out, err = p.groupKeys(info, in, s); err != nil {
			return nil, err
		}
		for _, k := range st.By {
			taken[k.Out[0]] = true
		}
	}
	for i, name := range o.keys {
		if name == "by" {
			continue
		}
		if err := validName(name); err != nil {
			return nil, err
		}
		if taken[name] {
			return nil, fmt.Errorf("%s is both a by field and an accumulator", name)
		}
		acc, f, err := p.accumulator(info, in, name, o.vals[i])
		if err != nil {
			return nil, err
		}
		st.Acc = append(st.Acc, acc)
		out = append(out, f)
	}
	if len(st.By) == 0 && len(st.Acc) == 0 {
		return nil, errors.New("expected by or at least one accumulator")
	}
	st.Out = &Shape{Fields: out}
	return st, nil
}

// groupKeys reads by: its keys and the members they make.
func (p *parser) groupKeys(info StageInfo, in *Shape, s string) ([]GroupKey, []*app.Field, error) {
	var keys []GroupKey
	var out []*app.Field
	for _, text := range strings.Split(s, ",") {
		path, err := p.resolve(info, in, text)
		if err != nil {
			return nil, nil, fmt.Errorf("by: %v", err)
		}
		switch {
		case path.Many():
			return nil, nil, fmt.Errorf("by %s: it is or crosses a multi-valued field; unwind it first", path.Text)
		case path.bare() && (path.Field.Type == types.Nested || path.Field.Type == types.GeoPoint ||
			path.Field.Type == types.DynamicChoice):
			return nil, nil, fmt.Errorf("cannot group by %s, a %s field", path.Text, path.Field.Type)
		}
		k := GroupKey{Path: path, Key: path, Identity: identity(&path), Out: path.Names()}
		if k.Identity != nil {
			k.Key = path.withSub(query.SysID)
		}
		for _, o := range keys {
			if prefixOf(o.Out, k.Out) || prefixOf(k.Out, o.Out) {
				return nil, nil, fmt.Errorf("by %s and %s overlap", o.Path.Text, k.Path.Text)
			}
		}
		keys = append(keys, k)
		out = p.keyMember(out, path)
	}
	if len(keys) == 0 {
		return nil, nil, errors.New("by: no field paths")
	}
	return keys, out, nil
}

// keyMember adds the member a by path writes to the group's output
// fields: containers along the path, then the key's field (a copy, coming
// from the same place).
func (p *parser) keyMember(out []*app.Field, path Path) []*app.Field {
	names := make([]string, len(path.Steps))
	for i, s := range path.Steps {
		names[i] = s.Name
	}
	return replaceAt(out, names, func(old *app.Field) *app.Field {
		if old != nil {
			return old // another member of the same value (owner.id, owner.label)
		}
		c := clone(path.Field, path.Field.Name, false, path.Field.Nested)
		p.same(path.Field, c)
		return c
	}, func(_, _ *app.Field) {})
}

func prefixOf(a, b []string) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// accumulatorOps lists the accumulators with the kinds each accepts (nil:
// any kind but dynamic choice and geo point).
var accumulatorOps = map[AccOp]func(kind string) bool{
	AccCount: nil,
	AccSum:   summable,
	AccAvg:   summable,
	AccFirst: nil,
	AccLast:  nil,
	AccMin:   ordered,
	AccMax:   ordered,
}

// summable kinds: the number-like types of query-language.md §7.2.
func summable(kind string) bool {
	switch kind {
	case types.Integer, types.AutoIncrement, types.Decimal, types.Money, types.Percentage, types.BigNumber, types.Duration:
		return true
	}
	return false
}

// ordered kinds have min and max (§7.2): text family, numbers, date/time
// family, boolean, choice, color, rank.
func ordered(kind string) bool {
	switch kind {
	case types.Boolean, types.Choice, types.Color, types.Rank, types.Date, types.YearMonth, types.MonthDay,
		types.DateTime, types.DateTimeNoTimezone, types.RecordCreated, types.RecordModified, types.Time:
		return true
	}
	return summable(kind) || types.IsTextLike(kind)
}

// accumulator reads one "op(path)" of a group and the member it makes.
func (p *parser) accumulator(info StageInfo, in *Shape, name string, v any) (Accumulator, *app.Field, error) {
	s, ok := v.(string)
	if !ok {
		return Accumulator{}, nil, fmt.Errorf(`%s: expected an accumulator such as "sum(field)", got %s`, name, kindOf(v))
	}
	op, arg, err := splitCall(s)
	if err != nil {
		return Accumulator{}, nil, fmt.Errorf("%s: %v", name, err)
	}
	kinds, known := accumulatorOps[op]
	if !known {
		return Accumulator{}, nil, fmt.Errorf("%s: unknown accumulator %q (count, sum, avg, first, last, min, max)", name, string(op))
	}
	acc := Accumulator{Name: name, Op: op}
	if op == AccCount {
		if arg != "" {
			return acc, nil, fmt.Errorf("%s: count() takes no field", name)
		}
		acc.Kind = types.Integer
		return acc, synthetic(name, acc.Kind), nil
	}
	if arg == "" {
		return acc, nil, fmt.Errorf("%s: %s() needs a field path", name, op)
	}
	path, err := p.resolve(info, in, arg)
	if err != nil {
		return acc, nil, fmt.Errorf("%s: %v", name, err)
	}
	if err := accepts(op, kinds, &path); err != nil {
		return acc, nil, fmt.Errorf("%s: %v", name, err)
	}
	acc.Arg = &path
	acc.Kind = path.Kind
	switch {
	case op == AccSum && path.Kind == types.AutoIncrement:
		acc.Kind = types.Integer
	case op == AccAvg && path.Kind != types.BigNumber:
		acc.Kind = types.Decimal
	}
	if op == AccSum || op == AccAvg || !path.bare() {
		return acc, synthetic(name, acc.Kind), nil
	}
	return acc, clone(path.Field, name, path.Field.Many, path.Field.Nested), nil
}

// accepts checks an accumulator's argument.
func accepts(op AccOp, kinds func(string) bool, path *Path) error {
	switch {
	case path.Many():
		return fmt.Errorf("%s(%s): it is or crosses a multi-valued field; unwind it first", op, path.Text)
	case path.Kind == types.DynamicChoice || path.Kind == types.GeoPoint:
		return fmt.Errorf("%s(%s): not supported for %s fields", op, path.Text, path.Kind)
	case kinds != nil && !kinds(path.Kind):
		return fmt.Errorf("%s(%s): not supported for %s fields", op, path.Text, path.Kind)
	case op != AccFirst && op != AccLast && path.Field.SensitiveData:
		return fmt.Errorf("%s(%s): not supported for sensitive fields", op, path.Text)
	}
	return nil
}

// splitCall reads "op(arg)" (blanks allowed around the parts).
func splitCall(s string) (AccOp, string, error) {
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '(')
	if open <= 0 || !strings.HasSuffix(s, ")") {
		return "", "", fmt.Errorf("%q is not an accumulator such as \"sum(field)\"", s)
	}
	return AccOp(strings.TrimSpace(s[:open])), strings.TrimSpace(s[open+1 : len(s)-1]), nil
}

// ---- unwind ----

func (p *parser) unwind(info StageInfo, in *Shape, v any) (Stage, error) {
	o, err := options(v, "fieldPath", "includeEmpty")
	if err != nil {
		return nil, err
	}
	text, err := stringOption(o, "fieldPath", true)
	if err != nil {
		return nil, err
	}
	st := &Unwind{StageInfo: info}
	if x, ok := o.get("includeEmpty"); ok {
		if st.IncludeEmpty, ok = x.(bool); !ok {
			return nil, fmt.Errorf("includeEmpty: expected true or false, got %s", kindOf(x))
		}
	}
	if st.Path, err = p.resolve(info, in, text); err != nil {
		return nil, err
	}
	steps := st.Path.Steps
	switch {
	case !st.Path.bare() || !steps[len(steps)-1].Many:
		return nil, fmt.Errorf("%s is not a multi-valued field", st.Path.Text)
	case (&Path{Steps: steps[:len(steps)-1]}).Many():
		return nil, fmt.Errorf("%s is inside a multi-valued field; unwind that first", st.Path.Text)
	}
	names := st.Path.Names()
	st.Out = &Shape{Fields: replaceAt(in.Fields, names, func(old *app.Field) *app.Field {
		c := clone(old, old.Name, false, old.Nested)
		p.same(old, c)
		return c
	}, p.same)}
	return st, nil
}

// options reads a settings object with known keys only.
func options(v any, known ...string) (*object, error) {
	o, ok := v.(*object)
	if !ok {
		return nil, fmt.Errorf("expected an object (%s), got %s", strings.Join(known, ", "), kindOf(v))
	}
	if d := o.duplicate(); d != "" {
		return nil, fmt.Errorf("%q is given twice", d)
	}
	for _, k := range o.keys {
		if !contains(known, k) {
			return nil, fmt.Errorf("unknown setting %q (%s)", k, strings.Join(known, ", "))
		}
	}
	return o, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// stringOption reads a string setting ("" when absent and not required).
func stringOption(o *object, key string, required bool) (string, error) {
	v, ok := o.get(key)
	if !ok {
		if required {
			return "", fmt.Errorf("%s is required", key)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok || strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("%s: expected a non-empty string, got %s", key, describe(v))
	}
	return s, nil
}

// ---- lookup ----

func (p *parser) lookup(info StageInfo, in *Shape, v any) (Stage, error) {
	o, err := options(v, "localFieldPath", "foreignFieldPath", "foreignEntityName", "as")
	if err != nil {
		return nil, err
	}
	var text [4]string
	for i, k := range []string{"localFieldPath", "foreignFieldPath", "foreignEntityName", "as"} {
		if text[i], err = stringOption(o, k, true); err != nil {
			return nil, err
		}
	}
	st := &Lookup{StageInfo: info, As: text[3]}
	if st.Foreign = p.a.Entity(text[2]); st.Foreign == nil {
		return nil, fmt.Errorf("foreignEntityName: unknown entity %q", text[2])
	}
	if err := validName(st.As); err != nil {
		return nil, fmt.Errorf("as: %v", err)
	}
	if st.Local, err = p.joinPath(info, in, p.e, text[0]); err != nil {
		return nil, fmt.Errorf("localFieldPath: %v", err)
	}
	p.register(st.Foreign, st.Foreign.Fields)
	foreign := recordShape(st.Foreign)
	if st.ForeignPath, err = p.joinPath(info, foreign, st.Foreign, text[1]); err != nil {
		return nil, fmt.Errorf("foreignFieldPath: %v", err)
	}
	st.ForeignTarget = target(st.ForeignPath)
	if st.ForeignTarget.Field == sysVersion {
		return nil, errors.New("foreignFieldPath: cannot join on version")
	}
	records := synthetic(st.As, types.Nested)
	records.Many, records.Nested = true, foreign.Fields
	st.Out = &Shape{Fields: replaceAt(in.Fields, []string{st.As}, func(*app.Field) *app.Field { return records }, p.same)}
	return st, nil
}

// joinPath reads a lookup path: a value compared for equality — a bare
// relationship, group or file stands for its id.
func (p *parser) joinPath(info StageInfo, s *Shape, e *app.Entity, text string) (Path, error) {
	path, err := resolve(e, s, text)
	if err != nil {
		return path, err
	}
	p.read(info, path.Field, path.Text)
	if path.bare() {
		switch path.Field.Type {
		case types.Relationship, types.Group, types.File:
			return path.withSub(query.SysID), nil
		case types.Nested, types.GeoPoint, types.DynamicChoice, types.HTML:
			return path, fmt.Errorf("cannot join on %s, a %s field", path.Text, path.Field.Type)
		}
	}
	return path, nil
}

// target is a path of a foreign entity's records as a filter target.
func target(p Path) query.Target {
	switch p.Field {
	case sysID:
		return query.Target{System: query.SysID}
	case sysLabel:
		return query.Target{System: query.SysLabel}
	}
	return query.Target{Path: p.Steps, Field: p.Field, Sub: strings.Join(p.Sub, ".")}
}

// ---- geoNear ----

func (p *parser) geoNear(info StageInfo, in *Shape, v any) (Stage, error) {
	if info.Index != 0 {
		return nil, errors.New("geoNear must be the first stage")
	}
	o, err := options(v, "coordinates", "distanceField", "distanceMultiplier", "includeLocs", "key", "minDistance", "maxDistance")
	if err != nil {
		return nil, err
	}
	st := &GeoNear{StageInfo: info, Multiplier: 1, MinDistance: math.NaN(), MaxDistance: math.NaN()}
	if st.Latitude, st.Longitude, err = coordinates(o); err != nil {
		return nil, err
	}
	if st.DistanceField, err = stringOption(o, "distanceField", true); err != nil {
		return nil, err
	}
	if err := validName(st.DistanceField); err != nil {
		return nil, fmt.Errorf("distanceField: %v", err)
	}
	if st.IncludeLocs, err = stringOption(o, "includeLocs", false); err != nil {
		return nil, err
	}
	if st.IncludeLocs != "" {
		if err := validName(st.IncludeLocs); err != nil {
			return nil, fmt.Errorf("includeLocs: %v", err)
		}
		if st.IncludeLocs == st.DistanceField {
			return nil, errors.New("includeLocs and distanceField name the same field")
		}
	}
	numbers := []struct {
		key string
		dst *float64
	}{{"distanceMultiplier", &st.Multiplier}, {"minDistance", &st.MinDistance}, {"maxDistance", &st.MaxDistance}}
	for _, n := range numbers {
		key, dst := n.key, n.dst
		if x, ok := o.get(key); ok {
			f, ok := finite(x)
			if !ok || f < 0 || key == "distanceMultiplier" && f == 0 {
				return nil, fmt.Errorf("%s: expected a positive number, got %s", key, describe(x))
			}
			*dst = f
		}
	}
	if st.MinDistance > st.MaxDistance {
		return nil, fmt.Errorf("minDistance %v is greater than maxDistance %v", st.MinDistance, st.MaxDistance)
	}
	if st.Key, err = p.geoKey(info, in, o); err != nil {
		return nil, err
	}
	out := replaceAt(in.Fields, []string{st.DistanceField}, func(*app.Field) *app.Field {
		return synthetic(st.DistanceField, types.Decimal)
	}, p.same)
	if st.IncludeLocs != "" {
		out = replaceAt(out, []string{st.IncludeLocs}, func(*app.Field) *app.Field {
			c := clone(st.Key.Field, st.IncludeLocs, false, nil)
			p.same(st.Key.Field, c)
			return c
		}, p.same)
	}
	st.Out = &Shape{Fields: out}
	return st, nil
}

// geoKey is the key option, or the entity's only geo point field.
func (p *parser) geoKey(info StageInfo, in *Shape, o *object) (Path, error) {
	key, err := stringOption(o, "key", false)
	if err != nil {
		return Path{}, err
	}
	if key == "" {
		geo := geoFields(in.Fields, "")
		switch len(geo) {
		case 0:
			return Path{}, fmt.Errorf("entity %s has no geoPoint field", p.e.FullName)
		case 1:
			key = geo[0]
		default:
			sort.Strings(geo)
			return Path{}, fmt.Errorf("entity %s has several geoPoint fields (%s): choose one with key", p.e.FullName, strings.Join(geo, ", "))
		}
	}
	path, err := p.resolve(info, in, key)
	if err != nil {
		return path, fmt.Errorf("key: %v", err)
	}
	if !path.bare() || path.Field.Type != types.GeoPoint {
		return path, fmt.Errorf("key: %s is not a geoPoint field", path.Text)
	}
	return path, nil
}

// coordinates reads {latitude, longitude}.
func coordinates(o *object) (float64, float64, error) {
	v, ok := o.get("coordinates")
	if !ok {
		return 0, 0, errors.New("coordinates is required")
	}
	c, err := options(v, "latitude", "longitude")
	if err != nil {
		return 0, 0, fmt.Errorf("coordinates: %v", err)
	}
	var ll [2]float64
	for i, k := range []string{"latitude", "longitude"} {
		x, ok := c.get(k)
		f, num := finite(x)
		limit := 90.0 * float64(i+1)
		if !ok || !num || f < -limit || f > limit {
			return 0, 0, fmt.Errorf("coordinates: %s must be a number in [-%v, %v], got %s", k, limit, limit, describe(x))
		}
		ll[i] = f
	}
	return ll[0], ll[1], nil
}

// finite reads a JSON number as a finite float64.
func finite(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}
