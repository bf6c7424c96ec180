package data

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"time"

	"runway/app"
	"runway/apperr"
	"runway/query"
	"runway/record"
	"runway/types"
)

// Scripts runs the JavaScript of the app's metadata for the data service
// (app-model.md §1.4, §4, §7). Package script implements it; data does not
// import script: the engine is given at construction (Options.Scripts).
// Without it, script references are not run (script defaults stay empty, script labels fall back to the
// id) and actions with a script answer 500.
type Scripts interface {
	// Record starts the script work of one save of a record of e by c: v is
	// the record as the save pipeline builds it (scripts read it as it is
	// at each call), id its id ("" while new). Every call of one save runs
	// on one JavaScript runtime, taken on the first call; End gives it back.
	Record(ctx context.Context, c *Caller, e *app.Entity, id string, v record.Values) RecordScripts
	// Action runs the script of an action (app-model.md §4) and returns
	// the JSON of what it returned (nil when it returned nothing).
	Action(ctx context.Context, c *Caller, call *ActionCall) (json.RawMessage, error)
}

// RecordScripts are the script calls of one save. item is the nested item
// that holds the field (the script's parentField), nil at the top level.
// Errors are the operation's: a script exception becomes its API error.
type RecordScripts interface {
	// Value runs a defaultValue or valueCalculation script
	// (record, parentField, action) and returns the value as REST input.
	Value(ref string, f *app.Field, item record.Values) (any, error)
	// Required runs a required script (record, parentField, action).
	Required(ref string, f *app.Field, item record.Values) (bool, error)
	// Validate runs a field validation script (record, parentField,
	// field, action) for one value; nil when the value is valid.
	Validate(ref string, f *app.Field, item record.Values, value any) (*ScriptProblem, error)
	// RecordValidations runs a recordValidations script (record).
	RecordValidations(ref string) ([]ScriptProblem, error)
	// NestedLabel runs a nestedLabel script (record, nested).
	NestedLabel(ref string, f *app.Field, item record.Values) (string, error)
	// Label runs a recordLabel script (record).
	Label(ref string) (string, error)
	// Precondition runs an action precondition script (record).
	Precondition(ref string) (bool, error)
	// Condition runs a "js/<fn>" permission or access condition of the
	// script file (a group permission, a field's readAccess/writeAccess)
	// on the record: (record, parentField null, action null). The
	// condition runs read-only (ReadOnly): it decides, it does not write.
	Condition(file *app.Script, ref string) (bool, error)
	// End gives the runtime back.
	End()
}

// ScriptProblem is a validation problem a script reported: Path is the
// field path (record validations), Code and Message what it said.
type ScriptProblem struct {
	Path    string
	Code    string
	Message string
}

// scriptHooks is the script side of a Service.
type scriptHooks struct {
	run    Scripts  // nil: no script runs
	events Events   // nil: no event is built
	logic  sync.Map // *app.Entity → bool: the entity has script or expression field logic
	conds  sync.Map // *app.Field or *app.Action → query.Expr (or error) of a metadata expression
}

// ScriptCaller is c acting through a script (app-model.md §6, §8 Q21):
// the same user (nil: the system) with the app's authority (group
// permissions do not apply; fields' readAccess/writeAccess do), its writes
// SCRIPT-category events, source the script ("<file>:<function>").
func ScriptCaller(c *Caller, source string) *Caller {
	if c == nil {
		c = SystemCaller
	}
	sc := *c
	sc.Script, sc.Source, sc.AppAuthority = true, source, true
	return &sc
}

// WithUserPermissions is c bound by its user's own permissions again (a
// script call with checkPermissions: true): group permissions apply as over
// REST. The system stays the system.
func (c *Caller) WithUserPermissions() *Caller {
	u := *c
	u.AppAuthority = false
	return &u
}

type readOnlyKey struct{}

// ReadOnly marks ctx so that writes under it are refused: a permission
// condition decides whether a record may be read or written, and may run
// inside a write transaction (a delete checks the record it deletes there),
// where a write of its own could never commit.
func ReadOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, readOnlyKey{}, true)
}

// CheckWritable is badRequest when ctx is read-only (ReadOnly).
func CheckWritable(ctx context.Context) error {
	if ro, _ := ctx.Value(readOnlyKey{}).(bool); ro {
		return apperr.New(apperr.BadRequest, "A permission condition cannot change data")
	}
	return nil
}

// hasLogic reports whether saves of e run script or expression field logic
// (the fast path: entities without any take no runtime and no extra walk).
func (s *Service) hasLogic(e *app.Entity) bool {
	if s.js == nil {
		return false
	}
	if v, ok := s.js.logic.Load(e); ok {
		return v.(bool)
	}
	has := isScriptRef(e.RecordLabel) || e.RecordValidations != "" || fieldsHaveLogic(e.Fields)
	s.js.logic.Store(e, has)
	return has
}

func fieldsHaveLogic(fields []*app.Field) bool {
	for _, f := range fields {
		if f.DefaultKind == app.DefaultScript || f.Validation != "" || scriptRefOf(f.ValueCalculation) != "" ||
			conditionalRequired(f) || (f.Rules != nil && isScriptRef(f.Rules.NestedLabel)) {
			return true
		}
		if fieldsHaveLogic(f.Nested) {
			return true
		}
	}
	return false
}

// scriptRefOf returns the "js/<fn>" a raw metadata value holds, or "".
// It runs for fields of every save: a string without escapes is read
// as it is, and anything else than a reference allocates nothing.
func scriptRefOf(raw json.RawMessage) string {
	if len(raw) < 2 || raw[0] != '"' {
		return ""
	}
	if inner := raw[1 : len(raw)-1]; raw[len(raw)-1] == '"' && bytes.IndexByte(inner, '\\') < 0 {
		if !bytes.HasPrefix(inner, []byte("js/")) || len(inner) == len("js/") {
			return ""
		}
		return string(inner)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || !isScriptRef(s) {
		return ""
	}
	return s
}

// conditionalRequired reports whether f's required is a script or an
// expression (not a constant).
func conditionalRequired(f *app.Field) bool {
	if len(f.Required) == 0 {
		return false
	}
	return scriptRefOf(f.Required) != "" || f.Required[0] == '{'
}

// scriptState is the script-based field logic of one save.
type scriptState struct {
	rs       RecordScripts
	defaults []pendingDefault // script defaults of the new record and new nested items
	err      error            // a script failure: the save fails with it
	label    string
	hasLabel bool
}

type pendingDefault struct {
	f    *app.Field
	item record.Values // the object that holds f (the record or a nested item)
}

// logic returns the save's script state, nil when the entity has no logic
// or the write runs none (lite).
func (w *writer) logic() *scriptState {
	if w.sc == nil && !w.o.Lite && w.s.hasLogic(w.e) {
		w.sc = &scriptState{}
	}
	return w.sc
}

// scripts returns the save's script calls, beginning them on first use
// (nil without a script engine).
func (w *writer) scripts(v record.Values) RecordScripts {
	st := w.logic()
	if st.rs == nil && w.s.js != nil && w.s.js.run != nil {
		st.rs = w.s.js.run.Record(w.ctx, w.c, w.e, w.id, v)
	}
	return st.rs
}

// scriptErr is the script failure of the save, if any.
func (w *writer) scriptErr() error {
	if w.sc == nil {
		return nil
	}
	return w.sc.err
}

// fatal records a script failure (the first one wins).
func (w *writer) fatal(err error) {
	if w.sc.err == nil {
		w.sc.err = err
	}
}

// scriptDefault queues a script defaultValue of a new record or nested
// item: it runs once the whole record is built (scriptValues).
func (w *writer) scriptDefault(f *app.Field, item record.Values) {
	if st := w.logic(); st != nil {
		st.defaults = append(st.defaults, pendingDefault{f: f, item: item})
	}
}

// scriptValues runs, in the save pipeline's order (app-model.md §1.4), the
// queued script defaults, then the script calculations of the record and
// of its nested items (definition order, outer fields first).
func (w *writer) scriptValues(v record.Values) {
	st := w.logic()
	if st == nil {
		return
	}
	for _, d := range st.defaults {
		if st.err != nil {
			return
		}
		if !isEmptyValue(d.f, d.item[d.f.Name]) {
			continue
		}
		w.runValue(v, d.f.DefaultScript, d.f, d.item, pathOf(v, d.item, d.f))
	}
	st.defaults = nil
	if w.o.calculations() {
		w.calculate(v, w.e.Fields, v, "")
	}
}

// calculate runs the script valueCalculations of fields of one object.
func (w *writer) calculate(v record.Values, fields []*app.Field, obj record.Values, prefix string) {
	for _, f := range fields {
		if w.sc.err != nil {
			return
		}
		if ref := scriptRefOf(f.ValueCalculation); ref != "" && !nativeCalculation(w.e, obj, v, f) {
			w.runValue(v, ref, f, obj, prefix+f.Name)
		}
		if f.Type != types.Nested {
			continue
		}
		if f.Many {
			for i, item := range items(obj[f.Name]) {
				w.calculate(v, f.Nested, item, indexed(prefix+f.Name, i)+".")
			}
		} else if item, ok := obj[f.Name].(record.Values); ok {
			w.calculate(v, f.Nested, item, prefix+f.Name+".")
		}
	}
}

// nativeCalculation: sys.users computes fullName and emailStandardized
// natively (decisions.md); their scripted equivalents are not run.
func nativeCalculation(e *app.Entity, obj, root record.Values, f *app.Field) bool {
	return e.FullName == usersEntity && isSameMap(obj, root) && (f.Name == "fullName" || f.Name == "emailStandardized")
}

// runValue runs a default or calculation script of f and stores its
// result, converted like REST input (type errors are field errors).
func (w *writer) runValue(v record.Values, ref string, f *app.Field, obj record.Values, path string) {
	rs := w.scripts(v)
	if rs == nil {
		return
	}
	var item record.Values
	if !isSameMap(obj, v) {
		item = obj
	}
	raw, err := rs.Value(ref, f, item)
	if err != nil {
		w.fatal(err)
		return
	}
	val := w.value(f, raw, obj[f.Name], path)
	if val == nil {
		delete(obj, f.Name)
	} else {
		obj[f.Name] = val
	}
}

// scriptChecks runs what follows the required checks (app-model.md §1.4):
// required scripts and expressions, script nested labels, field and record
// validation scripts, and the script record label. It ends the save's
// script calls.
func (w *writer) scriptChecks(v record.Values) {
	st := w.logic()
	if st == nil {
		return
	}
	defer func() {
		if st.rs != nil {
			st.rs.End()
			st.rs = nil
		}
	}()
	w.checkFields(v, w.e.Fields, v, "")
	if st.err != nil {
		return
	}
	if w.e.RecordValidations != "" && len(w.errs) == 0 && w.o.validations() {
		if rs := w.scripts(v); rs != nil {
			probs, err := rs.RecordValidations(w.e.RecordValidations)
			if err != nil {
				w.fatal(err)
				return
			}
			for _, p := range probs {
				var f *app.Field
				if fs := w.e.Resolve(app.StripIndexes(p.Path)); len(fs) > 0 {
					f = fs[len(fs)-1]
				}
				w.fail(p.Path, f, orDefault(p.Code, apperr.FieldInvalid), orDefault(p.Message, "Not valid"), nil)
			}
		}
	}
	if isScriptRef(w.e.RecordLabel) && len(w.errs) == 0 {
		if rs := w.scripts(v); rs != nil {
			label, err := rs.Label(w.e.RecordLabel)
			if err != nil {
				w.fatal(err)
				return
			}
			w.checkLabel("label", nil, label)
			st.label, st.hasLabel = label, true
		}
	}
}

// checkFields runs the per-field checks of one object: conditional
// required, field validation scripts and script nested labels.
func (w *writer) checkFields(v record.Values, fields []*app.Field, obj record.Values, prefix string) {
	for _, f := range fields {
		if w.sc.err != nil {
			return
		}
		val := obj[f.Name]
		validate := w.o.validations()
		if validate && conditionalRequired(f) && isEmptyValue(f, val) {
			req, err := w.requiredWhen(v, f, obj)
			if err != nil {
				w.fatal(err)
				return
			}
			if req {
				w.fail(prefix+f.Name, f, apperr.FieldRequired, fieldName(f)+" must be filled in", nil)
			}
		}
		if validate && isScriptRef(f.Validation) && !isEmptyValue(f, val) {
			w.validate(v, f, obj, val, prefix+f.Name)
		}
		if f.Type != types.Nested {
			continue
		}
		list := items(val)
		for i, item := range list {
			p := prefix + f.Name + "."
			if f.Many {
				p = indexed(prefix+f.Name, i) + "."
			}
			w.checkFields(v, f.Nested, item, p)
			if w.sc.err != nil {
				return
			}
			if isScriptRef(f.Rules.NestedLabel) {
				if rs := w.scripts(v); rs != nil {
					label, err := rs.NestedLabel(f.Rules.NestedLabel, f, item)
					if err != nil {
						w.fatal(err)
						return
					}
					w.checkLabel(p+"label", f, label)
					item["label"] = label
				}
			}
		}
	}
}

// checkLabel refuses a label a script made that no store can hold as text
// (a NUL: issue 10), as the field values it may be made of are refused.
func (w *writer) checkLabel(path string, f *app.Field, label string) {
	if why := types.TextProblem(label); why != "" {
		w.fail(path, f, apperr.FieldInvalid, "The label script must give a text "+why, rejected(label))
	}
}

// validate runs a field validation script once per value (per element of a
// many-valued field).
func (w *writer) validate(v record.Values, f *app.Field, obj record.Values, val any, path string) {
	rs := w.scripts(v)
	if rs == nil {
		return
	}
	var item record.Values
	if !isSameMap(obj, v) {
		item = obj
	}
	values, paths := []any{val}, []string{path}
	if list, ok := val.([]any); ok && f.Many {
		values, paths = list, make([]string, len(list))
		for i := range list {
			paths[i] = indexed(path, i)
		}
	}
	for i, x := range values {
		p, err := rs.Validate(f.Validation, f, item, x)
		if err != nil {
			w.fatal(err)
			return
		}
		if p != nil {
			w.fail(paths[i], f, orDefault(p.Code, apperr.FieldInvalid), orDefault(p.Message, fieldName(f)+" is not valid"), nil)
		}
	}
}

// requiredWhen evaluates a required script or expression of f.
func (w *writer) requiredWhen(v record.Values, f *app.Field, obj record.Values) (bool, error) {
	if ref := scriptRefOf(f.Required); ref != "" {
		rs := w.scripts(v)
		if rs == nil {
			return false, nil
		}
		var item record.Values
		if !isSameMap(obj, v) {
			item = obj
		}
		return rs.Required(ref, f, item)
	}
	x, err := w.s.condition(w.e, f, f.Required)
	if err != nil {
		return false, err
	}
	return query.Match(x, v, w.id, "")
}

// scriptLabel is the label a recordLabel script gave (the id when it gave
// nothing).
func (w *writer) scriptLabel(id string) (string, bool) {
	if w.sc == nil || !w.sc.hasLabel {
		return "", false
	}
	if w.sc.label == "" {
		return id, true
	}
	return w.sc.label, true
}

// condition parses a metadata expression (a query map, app-model.md §1.4)
// once per owner.
func (s *Service) condition(e *app.Entity, owner any, raw json.RawMessage) (query.Expr, error) {
	if s.js != nil {
		if v, ok := s.js.conds.Load(owner); ok {
			if err, isErr := v.(error); isErr {
				return nil, err
			}
			return v.(query.Expr), nil
		}
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("data: expression of %s: %w", e.FullName, err)
	}
	x, err := query.ParseMap(s.app, e, m, query.MapOptions{Param: "condition", Metadata: true})
	if s.js != nil {
		if err != nil {
			s.js.conds.Store(owner, err)
		} else {
			s.js.conds.Store(owner, exprOrAll(x))
		}
	}
	return exprOrAll(x), err
}

// exprOrAll stores a nil expression (an empty map: always) as an empty And.
func exprOrAll(x query.Expr) query.Expr {
	if x == nil {
		return query.And{}
	}
	return x
}

// pathOf is the error path of f inside item of v ("" prefix at the top;
// the item's index in its list otherwise).
func pathOf(v, item record.Values, f *app.Field) string {
	if isSameMap(v, item) {
		return f.Name
	}
	if p := findItem(v, item, ""); p != "" {
		return p + "." + f.Name
	}
	return f.Name
}

func findItem(obj, item record.Values, prefix string) string {
	for k, val := range obj {
		switch x := val.(type) {
		case record.Values:
			if isSameMap(x, item) {
				return prefix + k
			}
			if p := findItem(x, item, prefix+k+"."); p != "" {
				return p
			}
		case []any:
			for i, el := range x {
				m, ok := el.(record.Values)
				if !ok {
					continue
				}
				if isSameMap(m, item) {
					return indexed(prefix+k, i)
				}
				if p := findItem(m, item, indexed(prefix+k, i)+"."); p != "" {
					return p
				}
			}
		}
	}
	return ""
}

// isSameMap reports whether a and b are the same map (not equal ones).
func isSameMap(a, b record.Values) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

func isScriptRef(s string) bool {
	_, ok := app.ScriptRef(s)
	return ok
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Location is the app's default time zone (scripts format dates in it).
func (s *Service) Location() *time.Location { return s.tz }
