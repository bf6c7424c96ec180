package script

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/dop251/goja"

	"runway/app"
	"runway/cron"
	"runway/data"
	"runway/jobs"
	"runway/query"
	"runway/record"
	"runway/store"
)

// Listeners (app-model.md §5): data listeners on record and action events,
// time listeners on a cron schedule, job listeners on job transitions and
// custom listeners on sys.events.triggerEvent.

// MaxListenerDepth is how deep listeners may trigger listeners (a listener's
// write firing a listener counts one level).
const MaxListenerDepth = 16

// listener is one listener of the app, ready to fire.
type listener struct {
	def   *app.Listener
	rules []rule
	sched *cron.Schedule
	loc   *time.Location
}

// rule is one events[] entry of a data listener.
type rule struct {
	typ          data.EventType
	conditionMet bool
	cond         query.Expr // query-map condition; nil: none
	condJS       string     // "js/<fn>" condition
	sources      map[string]bool
	actions      map[string]bool // actionPerformed: names (empty: any)
}

var dataEventTypes = map[string]data.EventType{
	"recordCreated": data.RecordCreated, "recordChanged": data.RecordChanged, "recordDeleted": data.RecordDeleted,
	"actionPerformed": data.ActionPerformed, "conditionMet": data.RecordChanged,
}

// listenerSet is every listener of the app by kind, each list in name order.
type listenerSet struct {
	byName map[string]*listener
	data   map[*app.Entity][]*listener
	time   []*listener
	job    []*listener
	custom map[string][]*listener
}

// loadListeners reads the listeners of the app; one whose rules cannot be
// read is left out with an error in the log (runway check reports it).
func (e *Engine) loadListeners() {
	set := &listenerSet{byName: map[string]*listener{}, data: map[*app.Entity][]*listener{}, custom: map[string][]*listener{}}
	defs := append([]*app.Listener(nil), e.app.Listeners...)
	sort.Slice(defs, func(i, j int) bool { return defs[i].Name < defs[j].Name })
	for _, def := range defs {
		li := &listener{def: def}
		var err error
		switch def.Type {
		case "data":
			ent := e.app.Entity(def.Entity)
			if ent == nil {
				err = fmt.Errorf("entity %q does not exist", def.Entity)
				break
			}
			if li.rules, err = parseRules(e.app, ent, def.Events); err == nil {
				set.data[ent] = append(set.data[ent], li)
			}
		case "time":
			if li.sched, err = cron.Parse(def.Expression); err != nil {
				break
			}
			li.loc = e.data.Location()
			if def.Timezone != "" {
				li.loc, err = time.LoadLocation(def.Timezone)
			}
			if err == nil {
				set.time = append(set.time, li)
			}
		case "job":
			set.job = append(set.job, li)
		case "custom":
			set.custom[def.CustomEvent] = append(set.custom[def.CustomEvent], li)
		}
		if err != nil {
			e.log.Error("listener disabled", "listener", def.Name, "file", def.File, "err", err)
			continue
		}
		set.byName[def.Name] = li
	}
	e.listeners = set
}

// ListensTo reports whether ent has data listeners (data.Events): writes
// of other entities build no event.
func (e *Engine) ListensTo(ent *app.Entity) bool { return len(e.listeners.data[ent]) > 0 }

func parseRules(a *app.App, ent *app.Entity, raw json.RawMessage) ([]rule, error) {
	var in []struct {
		Type      string          `json:"type"`
		Condition json.RawMessage `json:"condition"`
		Events    []string        `json:"events"`
		Actions   []string        `json:"actions"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	out := make([]rule, 0, len(in))
	for i, r := range in {
		typ, ok := dataEventTypes[r.Type]
		if !ok {
			return nil, fmt.Errorf("events[%d]: unknown type %q", i, r.Type)
		}
		ru := rule{typ: typ, conditionMet: r.Type == "conditionMet", sources: map[string]bool{}}
		if len(r.Events) == 0 {
			r.Events = []string{data.UserEvents, data.ScriptEvents}
		}
		for _, s := range r.Events {
			ru.sources[s] = true
		}
		if len(r.Actions) > 0 {
			ru.actions = map[string]bool{}
			for _, x := range r.Actions {
				ru.actions[x] = true
			}
		}
		var s string
		switch {
		case len(r.Condition) == 0 || string(r.Condition) == "null":
		case json.Unmarshal(r.Condition, &s) == nil:
			if s != "none" && s != "" {
				if _, ok := app.ScriptRef(s); !ok {
					return nil, fmt.Errorf("events[%d].condition: %q", i, s)
				}
				ru.condJS = s
			}
		default:
			var m map[string]any
			if err := json.Unmarshal(r.Condition, &m); err != nil {
				return nil, fmt.Errorf("events[%d].condition: %w", i, err)
			}
			x, err := query.ParseMap(a, ent, m, query.MapOptions{Param: "condition", Metadata: true})
			if err != nil {
				return nil, fmt.Errorf("events[%d].condition: %w", i, err)
			}
			if x == nil {
				x = query.And{}
			}
			ru.cond = x
		}
		if ru.conditionMet && ru.cond == nil && ru.condJS == "" {
			return nil, fmt.Errorf("events[%d]: conditionMet needs a condition", i)
		}
		out = append(out, ru)
	}
	return out, nil
}

type depthKey struct{}

func listenerDepth(ctx context.Context) int {
	d, _ := ctx.Value(depthKey{}).(int)
	return d
}

// DataEvent receives the data service's committed events (data.Events):
// the listeners of the entity whose rules match run in name order,
// synchronously or as EXECUTE_LISTENER jobs. A failure is logged; the
// write stands.
func (e *Engine) DataEvent(ctx context.Context, ev *data.Event) {
	ls := e.listeners.data[ev.Entity]
	if len(ls) == 0 {
		return
	}
	depth := listenerDepth(ctx)
	if x := fromContext(ctx); x != nil && x.depth > depth {
		depth = x.depth
	}
	for _, li := range ls {
		dataEvent, err := e.matches(ctx, li, ev)
		if err != nil {
			e.log.Error("listener condition failed", "listener", li.def.Name, "entity", ev.Entity.FullName, "id", ev.ID, "err", err)
			e.listenerFailed(li.def.Name)
			continue
		}
		if dataEvent == "" {
			continue
		}
		if depth >= MaxListenerDepth {
			e.log.Error("listener not run: listeners triggered listeners more than 16 levels deep", "listener", li.def.Name,
				"entity", ev.Entity.FullName, "id", ev.ID, "event", dataEvent)
			e.listenerFailed(li.def.Name)
			continue
		}
		c := plainCaller(ev.Caller)
		if li.def.ExecuteInBackground {
			e.enqueue(ctx, c, li, dataEventJSON(ev, dataEvent))
			continue
		}
		if err := e.runData(ctx, c, li, depth+1, dataEvent, ev); err != nil {
			e.log.Error("listener failed", "listener", li.def.Name, "entity", ev.Entity.FullName, "id", ev.ID,
				"event", dataEvent, "err", err)
			e.listenerFailed(li.def.Name)
		}
	}
}

// plainCaller is the user behind c (a listener runs as the triggering
// user; its own writes are scriptEvents again through sys.data).
func plainCaller(c *data.Caller) *data.Caller {
	if c == nil {
		return data.SystemCaller
	}
	if !c.Script {
		return c
	}
	u := *c
	u.Script, u.Source = false, ""
	return &u
}

// matches returns the dataEvent a listener fires with for ev ("" none):
// the first of its rules that matches.
func (e *Engine) matches(ctx context.Context, li *listener, ev *data.Event) (string, error) {
	for i := range li.rules {
		r := &li.rules[i]
		if r.typ != ev.Type || !r.sources[ev.Source] {
			continue
		}
		if r.actions != nil && !r.actions[ev.Action] {
			continue
		}
		if r.cond == nil && r.condJS == "" {
			return string(ev.Type), nil
		}
		now, err := e.condition(ctx, li, r, ev, ev.Record, ev.Old)
		if err != nil || !now {
			if err != nil {
				return "", err
			}
			continue
		}
		if !r.conditionMet {
			return string(ev.Type), nil
		}
		before, err := e.condition(ctx, li, r, ev, ev.Old, ev.Old)
		if err != nil {
			return "", err
		}
		if !before {
			return "CONDITION_MET", nil
		}
	}
	return "", nil
}

// condition evaluates a rule's condition on v (old: the record before).
func (e *Engine) condition(ctx context.Context, li *listener, r *rule, ev *data.Event, v, old record.Values) (bool, error) {
	if v == nil {
		return false, nil
	}
	if r.cond != nil {
		return query.Match(r.cond, v, ev.ID, ev.Label)
	}
	fi, err := e.function(li.def.Script, r.condJS, app.ArgsListenerCond)
	if err != nil {
		return false, err
	}
	l := e.acquire(ctx, plainCaller(ev.Caller), data.InBackground(ctx))
	defer l.release()
	rec := l.rt.newRecord(ev.Entity, ev.ID, ev.Version, ev.Label, v, nil)
	rec.readOnly = true
	oldV := goja.Value(goja.Null())
	if old != nil {
		o := l.rt.newRecord(ev.Entity, ev.ID, ev.Version, ev.Label, old, nil)
		o.readOnly = true
		oldV = l.rt.object(o)
	}
	res, err := l.call(fi, l.rt.object(rec), oldV)
	if err != nil {
		return false, err
	}
	return res != nil && res.ToBoolean(), nil
}

// runData runs a data listener's script as c at depth.
func (e *Engine) runData(ctx context.Context, c *data.Caller, li *listener, depth int, dataEvent string, ev *data.Event) error {
	return e.runListener(ctx, c, li, depth, app.ArgsDataListener, func(rt *runtime) []goja.Value {
		event := rt.plainJS(map[string]any{"type": "DATA", "dataEvent": dataEvent})
		rec, old := goja.Value(goja.Null()), goja.Value(goja.Null())
		if ev.Record != nil {
			rec = rt.object(rt.newRecord(ev.Entity, ev.ID, ev.Version, ev.Label, ev.Record, nil))
		}
		if ev.Old != nil && ev.Type != data.RecordCreated {
			o := rt.newRecord(ev.Entity, ev.ID, ev.Version, ev.Label, ev.Old, nil)
			o.readOnly = true
			old = rt.object(o)
		}
		return []goja.Value{event, rec, old}
	})
}

// runListener runs li's script as c with the arguments args builds, at
// depth (what writes inside it count from).
func (e *Engine) runListener(ctx context.Context, c *data.Caller, li *listener, depth int, canon []string,
	args func(rt *runtime) []goja.Value) error {
	fi, err := e.function(li.def.Script, li.def.Action, canon)
	if err != nil {
		return fmt.Errorf("script: listener %s: %w", li.def.Name, err)
	}
	ctx = data.WithOperation(ctx, data.Operation{Kind: data.OpListener, Listener: li.def.Name})
	l := e.acquire(context.WithValue(ctx, depthKey{}, depth), c, data.InBackground(ctx))
	defer l.release()
	prevDepth, prevCaller, prevSource := l.x.depth, l.x.caller, l.x.source
	l.x.depth, l.x.caller, l.x.source = depth, c, fi.String()
	defer func() { l.x.depth, l.x.caller, l.x.source = prevDepth, prevCaller, prevSource }()
	_, err = l.call(fi, args(l.rt)...)
	return err
}

// ---- background listeners ----

// listenerEvent is an event as an EXECUTE_LISTENER job carries it.
type listenerEvent struct {
	Type        string          `json:"type"` // DATA, TIME, JOB, CUSTOM
	DataEvent   string          `json:"dataEvent,omitempty"`
	Entity      string          `json:"entity,omitempty"`
	ID          string          `json:"id,omitempty"`
	Record      json.RawMessage `json:"record,omitempty"`    // native JSON, transient values included
	OldRecord   json.RawMessage `json:"oldRecord,omitempty"` // native JSON
	JobType     string          `json:"jobType,omitempty"`
	JobEvent    string          `json:"jobEvent,omitempty"`
	JobID       string          `json:"jobId,omitempty"`
	CustomEvent string          `json:"customEvent,omitempty"`
	CustomData  json.RawMessage `json:"customData,omitempty"`
	Depth       int             `json:"depth,omitempty"`
}

func dataEventJSON(ev *data.Event, dataEvent string) *listenerEvent {
	le := &listenerEvent{Type: "DATA", DataEvent: dataEvent, Entity: ev.Entity.FullName, ID: ev.ID}
	if ev.Record != nil {
		le.Record = encodeWithTransient(ev.Entity, ev.ID, ev.Version, ev.Label, ev.Record)
	}
	if ev.Old != nil && ev.Type != data.RecordCreated {
		le.OldRecord = record.Encode(ev.Entity, ev.ID, ev.Version, ev.Label, ev.Old, nil)
	}
	return le
}

// encodeWithTransient is the record's native JSON with its transient
// top-level values too (they are never stored, but a listener sees them),
// except sensitive ones: a job's parameters are stored, so those stay out
// (a background listener sees them empty).
func encodeWithTransient(e *app.Entity, id string, version int64, label string, v record.Values) []byte {
	has := false
	for _, f := range e.Fields {
		has = has || f.Transient && !f.SensitiveData
	}
	if !has {
		return record.Encode(e, id, version, label, v, nil)
	}
	shadow := &app.Entity{Name: e.Name, FullName: e.FullName}
	for _, f := range e.Fields {
		g := *f
		g.Transient = f.Transient && f.SensitiveData
		shadow.Fields = append(shadow.Fields, &g)
	}
	return record.Encode(shadow, id, version, label, v, nil)
}

// enqueue starts li as an EXECUTE_LISTENER job of c.
func (e *Engine) enqueue(ctx context.Context, c *data.Caller, li *listener, ev *listenerEvent) {
	if e.jobs == nil {
		e.log.Error("background listener not run: no job service", "listener", li.def.Name)
		e.listenerFailed(li.def.Name)
		return
	}
	ev.Depth = listenerDepth(ctx)
	if x := fromContext(ctx); x != nil && x.depth > ev.Depth {
		ev.Depth = x.depth
	}
	raw, err := json.Marshal(ev)
	if err == nil {
		_, err = e.jobs.ExecuteListener(ctx, c, li.def.Name, raw, "")
	}
	if err != nil {
		e.log.Error("background listener not started", "listener", li.def.Name, "err", err)
		e.listenerFailed(li.def.Name)
	}
}

// RunListenerJob runs the listener of an EXECUTE_LISTENER job
// (jobs.Listeners).
func (e *Engine) RunListenerJob(ctx context.Context, c *data.Caller, name string, raw json.RawMessage) (err error) {
	defer func() {
		if err != nil {
			e.listenerFailed(name)
		}
	}()
	li := e.listeners.byName[name]
	if li == nil {
		return fmt.Errorf("listener %q does not exist any more", name)
	}
	var ev listenerEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return fmt.Errorf("listener event: %w", err)
	}
	depth := ev.Depth + 1
	switch ev.Type {
	case "DATA":
		ent := e.app.Entity(ev.Entity)
		if ent == nil {
			return fmt.Errorf("entity %q does not exist any more", ev.Entity)
		}
		de := &data.Event{Type: data.EventType(ev.DataEvent), Entity: ent, ID: ev.ID}
		if len(ev.OldRecord) > 0 {
			_, _, _, v, err := record.Decode(ev.OldRecord)
			if err != nil {
				return fmt.Errorf("listener event: %w", err)
			}
			de.Old = v
		}
		if len(ev.Record) > 0 {
			// The record's own version and label (the old one's are older).
			_, version, label, v, err := record.Decode(ev.Record)
			if err != nil {
				return fmt.Errorf("listener event: %w", err)
			}
			de.Record, de.Version, de.Label = v, version, label
		}
		return e.runData(ctx, c, li, depth, ev.DataEvent, de)
	default:
		return e.runOther(ctx, c, li, depth, &ev)
	}
}

// runOther runs a time, job or custom listener with its event object.
func (e *Engine) runOther(ctx context.Context, c *data.Caller, li *listener, depth int, ev *listenerEvent) error {
	return e.runListener(ctx, c, li, depth, app.ArgsListener, func(rt *runtime) []goja.Value {
		m := map[string]any{"type": ev.Type}
		switch ev.Type {
		case "JOB":
			m["jobType"], m["jobEvent"], m["jobId"] = ev.JobType, ev.JobEvent, ev.JobID
		case "CUSTOM":
			m["customEvent"] = ev.CustomEvent
			var d any
			if len(ev.CustomData) > 0 {
				_ = json.Unmarshal(ev.CustomData, &d)
			}
			m["customData"] = d
		}
		return []goja.Value{rt.plainJS(m)}
	})
}

// ---- job listeners ----

// JobEvent fires the job listeners of a transition of j (jobs.Listeners):
// those naming its type (or none: any type but EXECUTE_LISTENER, so a
// background listener's own job does not fire it again) and the event.
func (e *Engine) JobEvent(ctx context.Context, c *data.Caller, j *store.Job, event store.JobStatus) {
	for _, li := range e.listeners.job {
		d := li.def
		if d.JobType == "" && j.Type == store.JobExecuteListener || d.JobType != "" && d.JobType != string(j.Type) ||
			d.JobEvent != "" && d.JobEvent != string(event) {
			continue
		}
		ev := &listenerEvent{Type: "JOB", JobType: string(j.Type), JobEvent: string(event), JobID: j.ID}
		if d.ExecuteInBackground {
			e.enqueue(ctx, c, li, ev)
			continue
		}
		if err := e.runOther(data.Background(ctx), c, li, 1, ev); err != nil {
			e.log.Error("job listener failed", "listener", d.Name, "job", j.ID, "err", err)
			e.listenerFailed(d.Name)
		}
	}
}

// listenerFailed tells the observer of a listener that failed or could
// not run.
func (e *Engine) listenerFailed(name string) {
	if e.opts.Observer != nil {
		e.opts.Observer.ListenerFailed(name)
	}
}

// ---- custom listeners ----

// triggerEvent fires the custom listeners of name (sys.events.triggerEvent)
// in the execution in progress.
func (rt *runtime) triggerEvent(name string, payload json.RawMessage) {
	e := rt.e
	x := rt.x
	if x.depth >= MaxListenerDepth {
		e.log.Error("custom listeners not run: listeners triggered listeners more than 16 levels deep", "event", name)
		for _, li := range e.listeners.custom[name] {
			e.listenerFailed(li.def.Name)
		}
		return
	}
	for _, li := range e.listeners.custom[name] {
		ev := &listenerEvent{Type: "CUSTOM", CustomEvent: name, CustomData: payload}
		c := plainCaller(x.caller)
		if li.def.ExecuteInBackground {
			e.enqueue(x.ctx, c, li, ev)
			continue
		}
		if err := e.runOther(x.ctx, c, li, x.depth+1, ev); err != nil {
			e.listenerFailed(li.def.Name)
			rt.throw(err)
		}
	}
}

// ---- time listeners ----

// tickID is the job id of one tick of a time listener: the tick's time
// then a digest of the listener's name, so every process claiming the
// same tick names the same job and only the first creation succeeds.
func tickID(name string, tick time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[0:4], uint32(tick.Unix()))
	sum := sha256.Sum256([]byte(name))
	copy(b[4:], sum[:8])
	return hex.EncodeToString(b[:])
}

// FireTimers claims the ticks of the time listeners in (from, to] — each
// an EXECUTE_LISTENER job run as the system, created once whichever
// process claims it — and returns how many this call claimed.
func (e *Engine) FireTimers(ctx context.Context, from, to time.Time) (int, error) {
	if e.jobs == nil || e.listeners == nil {
		return 0, nil
	}
	n := 0
	for _, li := range e.listeners.time {
		for t := li.sched.Next(from, li.loc); !t.IsZero() && !t.After(to); t = li.sched.Next(t, li.loc) {
			raw, _ := json.Marshal(&listenerEvent{Type: "TIME"})
			_, err := e.jobs.ExecuteListener(ctx, data.SystemCaller, li.def.Name, raw, tickID(li.def.Name, t))
			switch {
			case errors.Is(err, jobs.ErrClaimed):
			case err != nil:
				return n, err
			default:
				n++
			}
		}
	}
	return n, nil
}

// nextTick is the first tick of any time listener after t.
func (e *Engine) nextTick(t time.Time) time.Time {
	var next time.Time
	for _, li := range e.listeners.time {
		if n := li.sched.Next(t, li.loc); !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
	}
	return next
}

// clock runs the time listeners from now until the job service drains.
// Ticks missed while no process ran are not run afterwards.
func (e *Engine) clock(stop <-chan struct{}) {
	clk := e.opts.Clock
	last := clk.Now()
	for {
		next := e.nextTick(last)
		if next.IsZero() {
			return
		}
		select {
		case <-stop:
			return
		case <-clk.After(next.Sub(clk.Now())):
		}
		now := clk.Now()
		if now.Before(next) {
			continue // woken early: wait again
		}
		if _, err := e.FireTimers(context.Background(), last, now); err != nil {
			e.log.Error("time listeners", "err", err)
		}
		last = now
	}
}
