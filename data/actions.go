package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"runway/access"
	"runway/app"
	"runway/apperr"
	"runway/query"
	"runway/record"
	"runway/store"
)

// ActionCall is one run of an action's script (app-model.md §4), as the
// data service hands it to the script engine.
type ActionCall struct {
	Entity *app.Entity
	Action *app.Action
	Params record.Values // the parameters, converted and validated

	// oneRecord: the record with the linked parameters merged (and saved
	// when saveDataBeforeRunning), and as it was stored before.
	ID      string
	Version int64
	Label   string
	Record  record.Values
	Old     record.Values
	// Stored is the record as stored when the script starts (Old, or
	// Record when the linked parameters were saved). An action carries no
	// version (rest-api.md §6.9), so no save of its record checks one:
	// what the script changed from Stored is merged onto the record as
	// stored then, like a versionless update (issue 10 item 6).
	Stored record.Values

	// manyRecords: the records the action runs over.
	Query *query.Select
}

// ActionTarget says what an action runs over (rest-api.md §6.9).
type ActionTarget struct {
	// IDs are the records of PUT /data/{e}/{ids}/{action}; List says the
	// ids came as a comma list (a oneRecord action answers a result map).
	IDs  []string
	List bool
	// Query selects the records of PUT /data/{e}/{action} (a nil Where:
	// every record); nil with IDs.
	Query *query.Select
	// Background: the run is a job's (no synchronous record limit).
	Background bool
}

// Reserved segments of /data/{e}/{x} that cannot name an action over a
// query (rest-api.md §3).
var reservedActionNames = map[string]bool{
	"aggregate": true, "export": true, "import": true, "auditLogs": true, "history": true, "files": true,
}

// IsReservedAction reports whether x is a reserved word of /data/{e}/{x}.
func IsReservedAction(x string) bool { return reservedActionNames[x] }

// ExecuteAction runs an action of e (rest-api.md §6.9, app-model.md §4)
// synchronously as c, with the parameters of the request body, and returns
// the answer's JSON:
//
//   - oneRecord on one id: the record after the action, or the script's
//     return value when the action has resultAsResponse;
//   - oneRecord on an id list or a query: the per-record result map
//     (rest-api.md §4.4), each record with its own precondition;
//   - manyRecords: the script's return value ({} when none), once for the
//     whole set;
//   - global (no records): the script's return value ({} when none).
//
// An unknown action is notFound, a caller without the action's permission
// forbidden, invalid parameters validationErrors with the parameters'
// paths, a precondition not met badRequest.
func (s *Service) ExecuteAction(ctx context.Context, c *Caller, e *app.Entity, name string, t ActionTarget, in map[string]any) (json.RawMessage, error) {
	if err := CheckWritable(ctx); err != nil {
		return nil, err
	}
	a := e.Action(name)
	if a == nil {
		return nil, apperr.New(apperr.NotFound, "Action %q does not exist in entity %q", name, e.FullName)
	}
	op := Operation{Kind: OpAction, Entity: e.FullName, Action: name}
	if len(t.IDs) == 1 {
		op.RecordID = t.IDs[0]
	}
	ctx = WithOperation(ctx, op)
	aa, err := s.actionAccess(c, e, a)
	if err != nil {
		return nil, err
	}
	if err := checkTarget(e, a, t); err != nil {
		return nil, err
	}
	params, err := s.actionParams(ctx, c, e, a, aa, in)
	if err != nil {
		return nil, err
	}
	switch a.Type {
	case "global":
		return s.runScript(ctx, c, &ActionCall{Entity: e, Action: a, Params: params}, true)
	case "manyRecords":
		sel := t.Query
		if sel == nil {
			sel = &query.Select{Where: idsCond(t.IDs), Sort: query.ByID}
		}
		if !t.Background {
			if err := s.checkSyncCount(ctx, c, e, sel); err != nil {
				return nil, err
			}
		}
		return s.runScript(ctx, c, &ActionCall{Entity: e, Action: a, Params: params, Query: sel}, true)
	}
	if t.Query == nil && !t.List {
		return s.runOne(ctx, c, e, a, aa, t.IDs[0], params)
	}
	ids := t.IDs
	if t.Query != nil {
		if ids, err = s.actionRecords(ctx, c, e, t.Query); err != nil {
			return nil, err
		}
		if a.OnlyOneRecord && len(ids) > 1 {
			return nil, apperr.New(apperr.BadRequest, "Action %q runs on one record only; the query selects %d", a.Name, len(ids))
		}
	}
	if len(ids) > MaxSyncRecords && !t.Background {
		return nil, tooManyForSync(len(ids))
	}
	results := make(map[string]Result, len(ids))
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		resp, err := s.runOne(ctx, c, e, a, aa, id, params)
		if err != nil {
			if ae := apperr.As(err); ae != nil {
				results[id] = Result{Status: "error", ErrorMessage: ae.Message}
				continue
			}
			return nil, err
		}
		results[id] = Result{Status: "ok", Response: resp}
	}
	return json.Marshal(results)
}

// checkTarget matches the request's form with the action's type.
func checkTarget(e *app.Entity, a *app.Action, t ActionTarget) error {
	switch {
	case a.Type == "global" && t.Query == nil:
		return apperr.New(apperr.BadRequest, "Action %q of %s is global: it runs without records (PUT /data/%s/%s)", a.Name, e.FullName, e.FullName, a.Name)
	case a.Type == "global" && (t.Query.Where != nil || t.Query.Limit > 0 || t.Query.Offset > 0 || t.Query.After != ""):
		return apperr.New(apperr.BadRequest, "Action %q of %s is global: it takes no query", a.Name, e.FullName)
	case t.Query == nil && len(t.IDs) == 0 && !t.List:
		return apperr.New(apperr.BadRequest, "No record ids given")
	case a.OnlyOneRecord && len(t.IDs) > 1:
		return apperr.New(apperr.BadRequest, "Action %q runs on one record only; %d ids given", a.Name, len(t.IDs))
	}
	return nil
}

// actionAccess is the caller's permission to run a (app-model.md §4,
// §6.2): none is 403 at once; a condition on the record is checked per
// record (runOne). Developers, super users, the system and scripts may run
// every action.
func (s *Service) actionAccess(c *Caller, e *app.Entity, a *app.Action) (*access.ActionAccess, error) {
	aa := s.entityAccess(c, e).Action(a.Name)
	if aa.Run.None() {
		return nil, apperr.New(apperr.Forbidden, "Not allowed to run action %q of %s", a.Name, e.FullName)
	}
	return aa, nil
}

// actionParams converts and validates the parameters of the request body
// like record fields (rest-api.md §6.9): unknown keys, type errors and
// required parameters are validationErrors with the parameters' paths.
//
// A parameter the caller's groups make readOnly or none is not taken from
// the body (like a field they may not write).
func (s *Service) actionParams(ctx context.Context, c *Caller, e *app.Entity, a *app.Action, aa *access.ActionAccess, in map[string]any) (record.Values, error) {
	for _, f := range a.Parameters {
		if _, sent := in[f.Name]; sent && aa.Param(f).Write.None() {
			in = withoutKey(in, f.Name)
		}
	}
	if err := s.storeInlineFiles(ctx, c, a.Parameters, in, ""); err != nil {
		return nil, err
	}
	w := s.newWriter(ctx, s.store, c, e, true)
	v := w.apply(a.Parameters, in, nil, "")
	w.resolveFiles()
	for _, f := range a.Parameters {
		if isEmptyValue(f, v[f.Name]) {
			switch f.DefaultKind {
			case app.DefaultLiteral:
				v[f.Name] = cloneValue(f.Default)
			case app.DefaultCurrentDate:
				v[f.Name] = w.currentDate(f)
			}
		}
	}
	normalize(a.Parameters, v)
	w.required(a.Parameters, v, "")
	if err := w.err(); err != nil {
		return nil, err
	}
	return v, nil
}

// checkSyncCount refuses a synchronous action over more than
// MaxSyncRecords records (rest-api.md §4.5).
func (s *Service) checkSyncCount(ctx context.Context, c *Caller, e *app.Entity, sel *query.Select) error {
	p, err := s.List(ctx, c, e, &query.List{Select: query.Select{Where: sel.Where, Sort: query.ByID, Limit: 1}})
	if err != nil {
		return err
	}
	n := p.Total
	if sel.Limit > 0 && int64(sel.Limit) < n {
		n = int64(sel.Limit)
	}
	if n > MaxSyncRecords {
		return tooManyForSync(int(n))
	}
	return nil
}

// actionRecords lists the ids of the records a oneRecord action over a
// query runs on (those the caller may read), at most MaxSyncRecords + 1.
func (s *Service) actionRecords(ctx context.Context, c *Caller, e *app.Entity, sel *query.Select) ([]string, error) {
	q := *sel
	if q.Limit == 0 || q.Limit > MaxSyncRecords {
		q.Limit = MaxSyncRecords + 1
	}
	p, err := s.List(ctx, c, e, &query.List{Select: q, Output: query.Output{Fields: record.FieldSet{}}})
	if err != nil {
		return nil, err
	}
	if len(p.Items) > MaxSyncRecords {
		n := p.Total
		if sel.Limit > 0 && int64(sel.Limit) < n {
			n = int64(sel.Limit)
		}
		return nil, tooManyForSync(int(n))
	}
	return docIDs(e, p.Items)
}

// docIDs reads the ids of rendered records.
func docIDs(e *app.Entity, docs [][]byte) ([]string, error) {
	ids := make([]string, 0, len(docs))
	for _, doc := range docs {
		var head struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(doc, &head); err != nil {
			return nil, fmt.Errorf("data: decode %s record: %w", e.FullName, err)
		}
		ids = append(ids, head.ID)
	}
	return ids, nil
}

// runOne runs a oneRecord action on one record: the caller must see the
// record (404)
// and, when the action's permission is a condition, the record must meet
// it (403); then the precondition (400). The action holds the record's
// lock for its whole run (two actions on one record do not interleave), so
// the record is read again once the lock is held.
func (s *Service) runOne(ctx context.Context, c *Caller, e *app.Entity, a *app.Action, aa *access.ActionAccess, id string, params record.Values) (json.RawMessage, error) {
	if !record.IsID(id) {
		return nil, notFound(e, id)
	}
	ctx, release, err := s.holdRecord(ctx, e, id)
	if err != nil {
		return nil, err
	}
	defer release()
	doc, err := s.Get(ctx, c, e, id, nil)
	if err != nil {
		return nil, err
	}
	_, version, label, old, err := record.Decode(doc)
	if err != nil {
		return nil, fmt.Errorf("data: decode %s %s: %w", e.FullName, id, err)
	}
	if !aa.Run.All() {
		allowed, err := s.perms(c, e).match(ctx, aa.Run, old, id, label)
		if err != nil {
			return nil, err
		}
		if !allowed {
			return nil, apperr.New(apperr.Forbidden, "Not allowed to run action %q on record %s", a.Name, id)
		}
	}
	ok, err := s.precondition(ctx, c, e, a, id, label, old)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.New(apperr.BadRequest, "Action %q cannot run on record %s: its precondition is not met", a.Name, id)
	}
	v, linked := mergeParams(e, a, old, params)
	stored := old
	if a.SaveDataBeforeRunning && len(linked) > 0 {
		// without a version, like every save of the action's record
		saved, err := s.Update(ctx, c, e, id, linked)
		if err != nil {
			return nil, err
		}
		doc = saved
		if _, version, label, v, err = record.Decode(saved); err != nil {
			return nil, fmt.Errorf("data: decode %s %s: %w", e.FullName, id, err)
		}
		stored = v
	}
	call := &ActionCall{Entity: e, Action: a, Params: params, ID: id, Version: version, Label: label, Record: v, Old: old, Stored: stored}
	resp, err := s.runScript(ctx, c, call, false)
	if err != nil {
		return nil, err
	}
	if err := s.actionEvent(ctx, c, call); err != nil {
		return nil, err
	}
	if a.ResultAsResponse && resp != nil {
		return resp, nil
	}
	after, err := s.Get(ctx, c, e, id, nil)
	if apperr.Is(err, apperr.NotFound) {
		return doc, nil // the action deleted it: the record as it was
	}
	return after, err
}

// actionEvent emits ACTION_PERFORMED for a oneRecord action: the record
// as the action left it (as it was, when the action deleted it), and as it
// was before (app-model.md §4).
func (s *Service) actionEvent(ctx context.Context, c *Caller, call *ActionCall) error {
	if !s.Listening(call.Entity) {
		return nil
	}
	ev := &Event{Type: ActionPerformed, Entity: call.Entity, ID: call.ID, Version: call.Version, Label: call.Label,
		Record: call.Record, Old: call.Old, Action: call.Action.Name, Caller: c, Source: EventSource(c)}
	row, err := s.store.Get(ctx, call.Entity, call.ID)
	switch {
	case err == nil:
		if _, ev.Version, ev.Label, ev.Record, err = record.Decode(row.Doc); err != nil {
			return fmt.Errorf("data: decode %s %s: %w", call.Entity.FullName, call.ID, err)
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	s.emit(ctx, ev)
	return nil
}

// runScript runs the action's script and writes the history entry of a
// oneRecord action (actionPerformed); manyRecords and global actions emit
// ACTION_PERFORMED here (oneRecord ones in actionEvent). custom: answer {}
// when the script returned nothing.
func (s *Service) runScript(ctx context.Context, c *Caller, call *ActionCall, custom bool) (json.RawMessage, error) {
	if call.Action.Script == "" {
		return nil, apperr.New(apperr.BadRequest, "Action %q of %s has no script", call.Action.Name, call.Entity.FullName)
	}
	if s.js == nil || s.js.run == nil {
		return nil, fmt.Errorf("data: action %s.%s: no script engine", call.Entity.FullName, call.Action.Name)
	}
	resp, err := s.js.run.Action(ctx, c, call)
	if err != nil {
		return nil, err
	}
	if err := s.actionPerformed(ctx, c, call); err != nil {
		return nil, err
	}
	if call.ID == "" {
		s.emit(ctx, &Event{Type: ActionPerformed, Entity: call.Entity, Action: call.Action.Name,
			Caller: c, Source: EventSource(c)})
	}
	if resp == nil && custom {
		resp = json.RawMessage(`{}`)
	}
	return resp, nil
}

// precondition evaluates an action's precondition on a record (app-model.md
// §4): an expression (query map, matched in memory), "js/<fn>" (record),
// or "always"/"never".
func (s *Service) precondition(ctx context.Context, c *Caller, e *app.Entity, a *app.Action, id, label string, v record.Values) (bool, error) {
	raw := a.Precondition
	if len(raw) == 0 || a.Type != "oneRecord" {
		return true, nil
	}
	if raw[0] == '"' {
		var str string
		_ = json.Unmarshal(raw, &str)
		switch {
		case str == "always":
			return true, nil
		case str == "never":
			return false, nil
		case isScriptRef(str):
			if s.js == nil || s.js.run == nil {
				return false, fmt.Errorf("data: precondition of %s.%s: no script engine", e.FullName, a.Name)
			}
			rs := s.js.run.Record(ctx, c, e, id, v)
			defer rs.End()
			return rs.Precondition(str)
		}
		return false, fmt.Errorf("data: precondition of %s.%s: %q", e.FullName, a.Name, str)
	}
	switch strings.TrimSpace(string(raw)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	x, err := s.condition(e, a, raw)
	if err != nil {
		return false, err
	}
	return query.Match(x, v, id, label)
}

// mergeParams returns the record with the parameters whose name and type
// match a field of the entity copied in ("linked" parameters, app-model.md
// §4), and those parameters alone.
func mergeParams(e *app.Entity, a *app.Action, old, params record.Values) (record.Values, map[string]any) {
	v := make(record.Values, len(old)+len(params))
	for k, x := range old {
		v[k] = x
	}
	var linked map[string]any
	for _, p := range a.Parameters {
		f := e.Field(p.Name)
		if f == nil || f.Type != p.Type || f.Many != p.Many || f.ReadOnlyType() {
			continue
		}
		val, ok := params[p.Name]
		if !ok {
			continue
		}
		if linked == nil {
			linked = map[string]any{}
		}
		linked[p.Name] = val
		if val == nil {
			delete(v, p.Name)
		} else {
			v[p.Name] = val
		}
	}
	return v, linked
}

func withoutKey(in map[string]any, key string) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// idsCond selects records by id.
func idsCond(ids []string) query.Expr {
	if len(ids) == 0 {
		return query.Or{} // nothing
	}
	vals := make([]any, len(ids))
	for i, id := range ids {
		vals[i] = id
	}
	return &query.Cond{Target: query.Target{System: query.SysID}, Op: query.Equals, Values: vals}
}

// CheckAction validates an action request without running it (before an
// EXECUTE_ACTION job is created, so the client gets 404, 403 and 400 at
// once): the action exists, the caller may run it, the request's form
// fits its type, the parameters are valid.
func (s *Service) CheckAction(ctx context.Context, c *Caller, e *app.Entity, name string, t ActionTarget, in map[string]any) (*app.Action, error) {
	a := e.Action(name)
	if a == nil {
		return nil, apperr.New(apperr.NotFound, "Action %q does not exist in entity %q", name, e.FullName)
	}
	op := Operation{Kind: OpAction, Entity: e.FullName, Action: name}
	if len(t.IDs) == 1 {
		op.RecordID = t.IDs[0]
	}
	ctx = WithOperation(ctx, op)
	aa, err := s.actionAccess(c, e, a)
	if err != nil {
		return nil, err
	}
	if err := checkTarget(e, a, t); err != nil {
		return nil, err
	}
	if _, err := s.actionParams(ctx, c, e, a, aa, in); err != nil {
		return nil, err
	}
	if a.Script == "" {
		return nil, apperr.New(apperr.BadRequest, "Action %q of %s has no script", a.Name, e.FullName)
	}
	return a, nil
}

// ActionIDs lists, for an action job over a query, up to n ids of the
// records of e that match where and that c may read, with after < id <=
// upTo (either bound empty: none), in id order; and, with count, how many
// there are from after on.
func (s *Service) ActionIDs(ctx context.Context, c *Caller, e *app.Entity, where query.Expr, after, upTo string, n int, count bool) ([]string, int64, error) {
	and := query.And{}
	if where != nil {
		and = append(and, where)
	}
	if after != "" {
		and = append(and, idCond(query.Greater, after))
	}
	if upTo != "" {
		and = append(and, idCond(query.LessOrEquals, upTo))
	}
	p, err := s.List(ctx, c, e, &query.List{Select: query.Select{Where: and, Sort: query.Sort{Target: idTarget}, Limit: n},
		Output: query.Output{Fields: record.FieldSet{}}})
	if err != nil {
		return nil, 0, err
	}
	ids, err := docIDs(e, p.Items)
	return ids, p.Total, err
}

// TopID is the highest record id of e now ("" when it has none): an action
// job over a query runs on the records that exist when it is created.
func (s *Service) TopID(ctx context.Context, e *app.Entity) (string, error) {
	rows, err := s.store.Find(ctx, e, &query.Select{Sort: query.ByID, Limit: 1})
	if err != nil || len(rows) == 0 {
		return "", err
	}
	return rows[0].ID, nil
}

// ActionResult is the entry of an action job's result map for one record
// (rest-api.md §9.4): the response only when the action answers with the
// script's value (resultAsResponse).
func ActionResult(a *app.Action, resp json.RawMessage, err error) (Result, error) {
	if err != nil {
		ae := apperr.As(err)
		if ae == nil {
			return Result{}, err
		}
		return Result{Status: "error", ErrorMessage: ae.Message}, nil
	}
	r := Result{Status: "ok"}
	if a.ResultAsResponse {
		r.Response = resp
	}
	return r, nil
}

type backgroundKey struct{}

// Background marks ctx as background work (a job): scripts run under it
// get the background time limit instead of the synchronous one.
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// InBackground reports whether ctx is background work.
func InBackground(ctx context.Context) bool {
	b, _ := ctx.Value(backgroundKey{}).(bool)
	return b
}
