package data

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"runway/app"
	"runway/apperr"
	"runway/query"
	"runway/record"
	"runway/store"
	"runway/types"
)

// writer carries one record write through the save pipeline of
// app-model.md §1.4: parse each input value by type, drop writes to
// read-only fields, defaults for new records and new nested items, system
// values, required checks, label. Field errors are collected so the client
// sees all of them at once.
type writer struct {
	s     *Service
	ctx   context.Context
	r     store.Reader // reads of the pipeline (relationship targets), outside the write transaction
	c     *Caller
	e     *app.Entity
	isNew bool
	now   int64
	errs  []apperr.FieldError
	pw    *userPassword // sys.users: the password this write sets
	id    string        // the record's id ("" while new)
	sc    *scriptState  // script-based field logic of this save (scripts.go)
	o     WriteOptions  // what this write leaves out (defaults, calculations, validations, scripts)

	files     []pendingFile   // file values to look up (files.go)
	keepFiles map[string]bool // files the stored record holds: kept without the attach rule
	ioErr     error           // a failed read of the pipeline (not the input's fault)
}

func (s *Service) newWriter(ctx context.Context, r store.Reader, c *Caller, e *app.Entity, isNew bool) *writer {
	return &writer{s: s, ctx: ctx, r: r, c: c, e: e, isNew: isNew, now: s.nowMillis()}
}

func (w *writer) fail(path string, f *app.Field, code, msg string, info map[string]any) {
	label := ""
	if f != nil {
		label = f.Label
	}
	w.errs = append(w.errs, apperr.FieldError{Field: path, FieldLabel: apperr.Label(label), Code: code, Message: msg, AdditionalInfo: info})
}

func (w *writer) err() error {
	if err := w.scriptErr(); err != nil {
		return err
	}
	if w.ioErr != nil {
		return w.ioErr
	}
	if len(w.errs) == 0 {
		return nil
	}
	return apperr.Validation(w.errs)
}

// apply converts the input keys of one object (the record, or a nested item)
// onto a copy of its old values. prefix is the error path of the object
// ("" at the root, "addresses[1]." inside an item).
func (w *writer) apply(fields []*app.Field, in map[string]any, old record.Values, prefix string) record.Values {
	out := make(record.Values, len(fields)+2)
	for k, v := range old {
		out[k] = v
	}
	if hasUnknown(fields, in) {
		// each unknown field's error, in the order of their names
		for _, key := range sortedKeys(in) {
			if !isSystemKey(key) && findField(fields, key) == nil {
				w.fail(prefix+key, nil, apperr.FieldInvalid, fmt.Sprintf("Unknown field %q", key), rejected(in[key]))
			}
		}
	}
	for _, f := range fields {
		raw, sent := in[f.Name]
		if !sent || f.ReadOnlyType() || isPasswordField(w.e, prefix, f.Name) {
			continue
		}
		v := w.value(f, raw, old[f.Name], prefix+f.Name)
		if v == nil {
			delete(out, f.Name)
		} else {
			out[f.Name] = v
		}
	}
	return out
}

// indexed is the path of the item at index i of the list at path.
func indexed(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// hasUnknown reports whether in has a key that names none of fields.
func hasUnknown(fields []*app.Field, in map[string]any) bool {
	for key := range in {
		if !isSystemKey(key) && findField(fields, key) == nil {
			return true
		}
	}
	return false
}

func isSystemKey(k string) bool { return k == "id" || k == "version" || k == "label" }

func findField(fields []*app.Field, name string) *app.Field {
	for _, f := range fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

func rejected(v any) map[string]any { return map[string]any{"rejectedValue": v} }

// value converts the input of one field.
func (w *writer) value(f *app.Field, raw, old any, path string) any {
	if f.Many {
		return w.many(f, raw, old, path)
	}
	switch f.Type {
	case types.Nested:
		return w.nestedOne(f, raw, old, path)
	case types.Relationship:
		if raw == nil {
			return nil
		}
		out := w.relationships(f, []any{raw}, old, path, false)
		if len(out) == 0 {
			return nil
		}
		return out[0]
	}
	return w.scalar(f, raw, path)
}

func (w *writer) many(f *app.Field, raw, old any, path string) any {
	if raw == nil {
		return []any{}
	}
	list, ok := raw.([]any)
	if !ok {
		list = []any{raw} // a single value stands for a list of one
	}
	switch f.Type {
	case types.Nested:
		return w.nestedMany(f, list, old, path)
	case types.Relationship:
		return w.relationships(f, list, old, path, true)
	}
	out := make([]any, 0, len(list))
	for i, el := range list {
		if v := w.scalar(f, el, indexed(path, i)); v != nil {
			out = append(out, v)
		}
	}
	return out
}

// scalar converts one single value of a field.
func (w *writer) scalar(f *app.Field, raw any, path string) any {
	switch f.Type {
	case types.Group:
		return w.group(f, raw, path)
	case types.File:
		return w.file(f, raw, path)
	}
	v, p := types.Parse(f.Type, f.Rules, raw)
	if p != nil {
		w.fail(path, f, p.Code, p.Message, p.Info)
		return nil
	}
	if v == nil {
		return nil
	}
	v, p = types.Check(f.Type, f.Rules, v)
	if p != nil {
		w.fail(path, f, p.Code, p.Message, p.Info)
		return nil
	}
	return v
}

// nestedOne merges an object into a single nested group (rest-api.md §12 D3).
func (w *writer) nestedOne(f *app.Field, raw, old any, path string) any {
	if raw == nil {
		return nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		w.fail(path, f, apperr.FieldInvalid, "Expected an object", rejected(raw))
		return nil
	}
	oldItem, _ := old.(record.Values)
	item := w.apply(f.Nested, m, oldItem, path+".")
	if oldItem == nil {
		item["id"] = record.NewID()
		w.defaults(f.Nested, item)
	}
	return item
}

// nestedMany makes the sent array the new list (rest-api.md §12 D4): items
// with the id of an existing item are merged into it, items without id are
// new, existing items left out are removed.
func (w *writer) nestedMany(f *app.Field, list []any, old any, path string) any {
	oldItems := map[string]record.Values{}
	if ol, ok := old.([]any); ok {
		for _, it := range ol {
			if m, ok := it.(record.Values); ok {
				if id, ok := m["id"].(string); ok {
					oldItems[id] = m
				}
			}
		}
	}
	out := make([]any, 0, len(list))
	for i, el := range list {
		itemPath := indexed(path, i)
		m, ok := el.(map[string]any)
		if !ok {
			w.fail(itemPath, f, apperr.FieldInvalid, "Expected an object", rejected(el))
			continue
		}
		var prev record.Values
		if id, has := m["id"]; has && id != nil {
			sid, _ := id.(string)
			prev = oldItems[sid]
			if prev == nil {
				w.fail(itemPath+".id", f, apperr.FieldInvalid, fmt.Sprintf("No item with id %v in %s", id, f.Name), rejected(id))
				continue
			}
		}
		item := w.apply(f.Nested, m, prev, itemPath+".")
		if prev == nil {
			item["id"] = record.NewID()
			w.defaults(f.Nested, item)
		}
		out = append(out, item)
	}
	return out
}

// complete fills what the client does not send: defaults of a new record,
// system dates, built-in calculations, never-null values, nested labels;
// then checks required fields.
func (w *writer) complete(v record.Values) {
	w.resolveFiles()
	if w.isNew {
		w.defaults(w.e.Fields, v)
	}
	for _, f := range w.e.Fields {
		switch f.Type {
		case types.RecordCreated:
			if w.isNew {
				v[f.Name] = w.now
			}
		case types.RecordModified:
			v[f.Name] = w.now
		}
	}
	if w.e.FullName == usersEntity {
		w.completeUser(v)
	}
	w.scriptValues(v)
	normalize(w.e.Fields, v)
	if w.o.validations() {
		w.required(w.e.Fields, v, "")
	}
	w.scriptChecks(v)
}

// defaults applies literal and $currentDate defaults to empty fields of a new
// record or nested item (app-model.md §8 Q33); script defaults are queued
// until the whole record is built (scripts.go). A write without defaults
// (WriteOptions) sets none.
func (w *writer) defaults(fields []*app.Field, v record.Values) {
	if !w.o.defaults() {
		return
	}
	for _, f := range fields {
		if !isEmptyValue(f, v[f.Name]) {
			continue
		}
		switch f.DefaultKind {
		case app.DefaultLiteral:
			v[f.Name] = cloneValue(f.Default)
		case app.DefaultCurrentDate:
			v[f.Name] = w.currentDate(f)
		case app.DefaultScript:
			w.scriptDefault(f, v)
		}
	}
}

// currentDate is "$currentDate" for a field's type.
func (w *writer) currentDate(f *app.Field) any {
	t := time.UnixMilli(w.now).In(w.s.tz)
	var v any
	switch f.Type {
	case types.Date:
		v = t.Format("2006-01-02")
	case types.DateTimeNoTimezone:
		v = t.Format("2006-01-02 15:04")
	case types.Time:
		v = t.Format("15:04")
	case types.MonthDay:
		v = t.Format("01-02")
	case types.YearMonth:
		v = t.Format("2006-01")
	default:
		v = w.now
	}
	if f.Many {
		return []any{v}
	}
	return v
}

// normalize gives many-valued fields [] and booleans false instead of
// nothing, and labels nested items, recursively.
func normalize(fields []*app.Field, v record.Values) {
	for _, f := range fields {
		val, ok := v[f.Name]
		switch {
		case f.Many && (!ok || val == nil):
			v[f.Name] = []any{}
		case f.Type == types.Boolean && !f.Many && (!ok || val == nil):
			v[f.Name] = false
		}
		if f.Type != types.Nested {
			continue
		}
		for _, item := range items(v[f.Name]) {
			normalize(f.Nested, item)
			item["label"] = nestedLabel(f, item)
		}
	}
}

// items returns the nested items of a nested field's value (one or many).
func items(val any) []record.Values {
	switch x := val.(type) {
	case record.Values:
		return []record.Values{x}
	case []any:
		out := make([]record.Values, 0, len(x))
		for _, it := range x {
			if m, ok := it.(record.Values); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// nestedLabel is the label of a nested item (rest-api.md §12 D5): the inner
// field named by nestedLabel "fields/<inner>", else the field's own label.
func nestedLabel(f *app.Field, item record.Values) string {
	if name, ok := fieldRef(f.Rules.NestedLabel); ok {
		if inner := f.Child(name); inner != nil {
			if s := labelText(inner, item[name]); s != "" {
				return s
			}
		}
	}
	if f.Label != "" {
		return f.Label
	}
	return f.Name
}

func fieldRef(ref string) (string, bool) {
	const p = "fields/"
	if len(ref) > len(p) && ref[:len(p)] == p {
		return ref[len(p):], true
	}
	return "", false
}

// required reports empty fields that must be filled, inside present nested
// items too.
func (w *writer) required(fields []*app.Field, v record.Values, prefix string) {
	for _, f := range fields {
		val := v[f.Name]
		if f.IsRequired() && isEmptyValue(f, val) {
			w.fail(prefix+f.Name, f, apperr.FieldRequired, fieldName(f)+" must be filled in", nil)
		}
		if f.Type != types.Nested {
			continue
		}
		if f.Many {
			for i, item := range items(val) {
				w.required(f.Nested, item, indexed(prefix+f.Name, i)+".")
			}
		} else if item, ok := val.(record.Values); ok {
			w.required(f.Nested, item, prefix+f.Name+".")
		}
	}
}

func fieldName(f *app.Field) string {
	if f.Label != "" {
		return f.Label
	}
	return f.Name
}

func isEmptyValue(f *app.Field, v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case record.Values:
		return len(x) == 0
	case string:
		return x == ""
	}
	return false
}

// cloneValue copies a default literal so records never share maps or slices.
func cloneValue(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneValue(e)
		}
		return out
	}
	return v
}

// drawsSequences reports whether fillSequences may set values of a new
// record (an autoIncrement field, or a single rank field).
func (w *writer) drawsSequences() bool {
	for _, f := range w.e.Fields {
		if f.Type == types.AutoIncrement || f.Type == types.Rank && !f.Many {
			return true
		}
	}
	return false
}

// fillSequences gives autoIncrement fields of a new record their next value,
// and empty rank fields a rank after the current maximum (app-model.md §2).
// It runs inside the write transaction.
func (w *writer) fillSequences(tx store.Tx, v record.Values) error {
	for _, f := range w.e.Fields {
		if f.Type == types.Rank && !f.Many {
			if !isEmptyValue(f, v[f.Name]) {
				w.s.ranks.note(w.e, f, v[f.Name])
				continue
			}
			r, err := w.nextRank(tx, f)
			if err != nil {
				return err
			}
			v[f.Name] = r
			continue
		}
		if f.Type != types.AutoIncrement {
			continue
		}
		var floor int64
		if f.Rules.MinValue != nil {
			floor, _ = f.Rules.MinValue.Int64()
		}
		n, err := tx.NextSequence(w.ctx, w.e.FullName+"."+f.Name, floor)
		if err != nil {
			return err
		}
		v[f.Name] = n
	}
	return nil
}

// noteRanks records the rank values an update writes (inside its write
// transaction), so later filled ranks sort after them.
func (w *writer) noteRanks(v record.Values) {
	for _, f := range w.e.Fields {
		if f.Type == types.Rank && !f.Many {
			w.s.ranks.note(w.e, f, v[f.Name])
		}
	}
}

// firstRank is the rank of the first record of an entity.
const firstRank = "iiiii00000"

// rankMax keeps, per rank field, a value that no stored rank of that field
// sorts after: the highest rank read or written since the first fill. A
// fill then costs no read (finding the highest stored rank scans the
// table when the field has no index, inside the serialized write
// transaction). Ranks are written only by this service, inside write
// transactions (which the store runs one at a time), and each write notes
// its ranks there, so the kept value never falls behind the store; a write
// rolled back or a record deleted leaves it higher than needed, which is
// harmless: a filled rank still sorts after every stored one.
type rankMax struct {
	mu  sync.Mutex
	max map[string]string // "entity.field" → highest rank
}

func rankKey(e *app.Entity, f *app.Field) string { return e.FullName + "." + f.Name }

// note raises the kept maximum to a written rank (nothing before the first
// fill: that fill reads the store, which has the value).
func (m *rankMax) note(e *app.Entity, f *app.Field, v any) {
	s, _ := v.(string)
	if s == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, known := m.max[rankKey(e, f)]; known && s > cur {
		m.max[rankKey(e, f)] = s
	}
}

// nextRank returns a rank after every stored rank of a field; the first
// time, it reads the highest one inside the write transaction.
func (w *writer) nextRank(tx store.Tx, f *app.Field) (string, error) {
	m := &w.s.ranks
	m.mu.Lock()
	defer m.mu.Unlock()
	key := rankKey(w.e, f)
	max, known := m.max[key]
	if !known {
		var err error
		if max, err = w.maxRank(tx, f); err != nil {
			return "", err
		}
	}
	next := rankAfter(max)
	if m.max == nil {
		m.max = map[string]string{}
	}
	m.max[key] = next
	return next, nil
}

// maxRank reads the highest stored rank of a field ("" when none).
func (w *writer) maxRank(tx store.Tx, f *app.Field) (string, error) {
	t := query.Target{Path: []query.Step{{Name: f.Name}}, Field: f}
	rows, err := tx.Find(w.ctx, w.e, &query.Select{
		Where: &query.Cond{Target: t, Op: query.NotEmpty},
		Sort:  query.Sort{Target: t, Desc: true},
		Limit: 1,
	})
	if err != nil || len(rows) == 0 {
		return "", err
	}
	_, _, _, doc, err := record.Decode(rows[0].Doc)
	if err != nil {
		return "", err
	}
	max, _ := doc[f.Name].(string)
	return max, nil
}

// rankAfter returns a rank that sorts after max (byte order): the first five
// characters as a base-36 number plus one, padded with zeros; when that does
// not sort after max (written ranks can be anything), max with one more
// character.
func rankAfter(max string) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	if max == "" {
		return firstRank
	}
	head := []byte((max + "00000")[:5])
	for i := len(head) - 1; i >= 0; i-- {
		d := strings.IndexByte(digits, head[i])
		if d < 0 {
			return max + "i"
		}
		if d < len(digits)-1 {
			head[i] = digits[d+1]
			if next := string(head) + "00000"; next > max {
				return next
			}
			return max + "i"
		}
		head[i] = '0'
	}
	return max + "i"
}

// label computes the record label (app-model.md §1.3, §8 Q14).
func (w *writer) label(v record.Values, id string) string {
	if l, ok := w.scriptLabel(id); ok {
		return l
	}
	if w.e.LabelPath == nil {
		return id
	}
	fields := w.e.Resolve(joinPath(w.e.LabelPath))
	if fields == nil {
		return id
	}
	var cur any = v
	for _, f := range fields {
		m, ok := cur.(record.Values)
		if !ok {
			return ""
		}
		cur = m[f.Name]
	}
	return labelText(fields[len(fields)-1], cur)
}

func joinPath(p []string) string {
	out := ""
	for i, s := range p {
		if i > 0 {
			out += "."
		}
		out += s
	}
	return out
}

// labelText renders a value for use as a label.
func labelText(f *app.Field, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case record.Values:
		if l, ok := x["label"].(string); ok {
			return l
		}
	}
	return types.Format(f.Type, f.Rules, nil, v, time.UTC)
}

// writeErr turns a store write error into the API error.
func (w *writer) writeErr(err error, v record.Values) error {
	var ue *store.UniqueError
	if errors.As(err, &ue) {
		fields := w.e.Resolve(ue.Field)
		var f *app.Field
		if len(fields) > 0 {
			f = fields[len(fields)-1]
		}
		w.fail(ue.Field, f, apperr.FieldUnique, "Value is already used by another record", rejected(valueAt(v, ue.Field)))
		return w.err()
	}
	return err
}

// valueAt reads a dotted path of single-valued fields.
func valueAt(v record.Values, path string) any {
	var cur any = v
	start := 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '.' {
			continue
		}
		m, ok := cur.(record.Values)
		if !ok {
			return nil
		}
		cur = m[path[start:i]]
		start = i + 1
	}
	return cur
}
