package data

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"runway/aggregate"
	"runway/app"
	"runway/apperr"
	"runway/blob"
	"runway/files"
	"runway/query"
	"runway/record"
	"runway/store"
	"runway/store/sqlite"
)

// obj is a record or an input as JSON objects decode.
type obj = map[string]any

// bundle is the data service under test over a fresh SQLite store, with
// the callers tests act as and helpers that make fixtures (River's setup
// style: one function builds it all, tests take what they need).
type bundle struct {
	t     testing.TB
	ctx   context.Context
	svc   *Service
	app   *app.App
	store *watchedStore // the SQLite store, reads counted, writes interceptable
	log   *syncBuffer   // the service's log (the mails it writes instead of sending)
	now   time.Time     // the service's clock: tests move it between writes
	opts  Options       // the service's options (with rebuilds the service on them)

	dev    *Caller // a developer (no sys.users record)
	system *Caller
}

// testNow is where the service's clock starts.
var testNow = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// storeOptions are the options of the stores setup opens (benchmarks over
// a million records lift the query time limit).
var storeOptions sqlite.Options

// setup serves the app in fsys over a fresh SQLite store in a temporary
// directory.
func setup(t testing.TB, fsys fs.FS) *bundle {
	t.Helper()
	a, _, err := app.Load(fsys)
	if err != nil {
		t.Fatalf("load app: %v", err)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "runway.db"), storeOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	b := &bundle{t: t, ctx: ctx, app: a, store: &watchedStore{Store: st}, log: &syncBuffer{}, now: testNow,
		dev: &Caller{UserID: record.NewID(), Email: "dev@example.org", Name: "Dev", Developer: true}, system: SystemCaller}
	b.store.reset()
	blobs, err := blob.OpenDir(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	b.opts = Options{Clock: bundleClock{b}, Files: files.New(blobs, st, bundleClock{b}, nil, files.Options{})}
	b.with(func(*Options) {})
	return b
}

// with changes the service's options and builds the service again on the
// same store (the service keeps no state a test relies on between builds).
func (b *bundle) with(change func(*Options)) {
	change(&b.opts)
	b.svc = New(b.app, b.store, slog.New(slog.NewTextHandler(b.log, nil)), b.opts)
}

// bundleClock is the service's clock: the bundle's now, which tests move.
type bundleClock struct{ b *bundle }

func (c bundleClock) Now() time.Time                         { return c.b.now }
func (c bundleClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// eventFunc receives data events in a function, of the entities listens
// accepts (nil: all).
type eventFunc struct {
	fn      func(ctx context.Context, ev *Event)
	listens func(e *app.Entity) bool
}

func (f eventFunc) ListensTo(e *app.Entity) bool             { return f.listens == nil || f.listens(e) }
func (f eventFunc) DataEvent(ctx context.Context, ev *Event) { f.fn(ctx, ev) }

// user creates a sys.users record in those groups (the first primary) and
// returns the caller acting as that user, as a session would build it.
func (b *bundle) user(email string, groups ...string) *Caller {
	b.t.Helper()
	doc, err := b.svc.CreateUser(b.ctx, NewUser{Email: email, FirstName: "F", LastName: strings.Split(email, "@")[0],
		Password: "password-123", Groups: groups})
	if err != nil {
		b.t.Fatalf("create user %s: %v", email, err)
	}
	u, err := b.svc.UserByID(b.ctx, decodeDoc(b.t, doc)["id"].(string))
	if err != nil || u == nil {
		b.t.Fatalf("read user %s back: %v", email, err)
	}
	return u.Caller("", "")
}

func (b *bundle) entity(name string) *app.Entity {
	b.t.Helper()
	e := b.app.Entity(name)
	if e == nil {
		b.t.Fatalf("no entity %s", name)
	}
	return e
}

// create stores a record as the system and returns it.
func (b *bundle) create(entity string, in obj) obj {
	b.t.Helper()
	return b.ok(b.svc.Create(b.ctx, b.system, b.entity(entity), in))
}

// get reads a record as c.
func (b *bundle) get(c *Caller, entity, id string) obj {
	b.t.Helper()
	return b.ok(b.svc.Get(b.ctx, c, b.entity(entity), id, nil))
}

// ok decodes the answer of an operation, failing the test on an error.
func (b *bundle) ok(doc []byte, err error) obj {
	b.t.Helper()
	if err != nil {
		b.t.Fatalf("unexpected error: %v", err)
	}
	return decodeDoc(b.t, doc)
}

// page is a list answer, decoded.
type page struct {
	total  int64
	offset any
	items  []obj
}

// ids are the ids of the page's records, in order.
func (p *page) ids() []string {
	out := make([]string, len(p.items))
	for i, it := range p.items {
		out[i], _ = it["id"].(string)
	}
	return out
}

// list lists records of entity as c with the query string of GET /data/{entity}.
func (b *bundle) list(c *Caller, entity, params string) (*page, error) {
	b.t.Helper()
	v, err := url.ParseQuery(params)
	if err != nil {
		b.t.Fatal(err)
	}
	e := b.entity(entity)
	l, err := query.ParseList(b.app, e, v)
	if err != nil {
		b.t.Fatalf("parse %q: %v", params, err)
	}
	p, err := b.svc.List(b.ctx, c, e, l)
	if err != nil {
		return nil, err
	}
	out := &page{total: p.Total, offset: p.Offset}
	for _, doc := range p.Items {
		out.items = append(out.items, decodeDoc(b.t, doc))
	}
	return out, nil
}

// mustList is list failing the test on an error.
func (b *bundle) mustList(c *Caller, entity, params string) *page {
	b.t.Helper()
	p, err := b.list(c, entity, params)
	if err != nil {
		b.t.Fatalf("list %s?%s: %v", entity, params, err)
	}
	return p
}

// bulk parses the query string of an operation over a query (delete,
// action), whose _size only caps the set.
func (b *bundle) bulk(entity, params string) *query.Select {
	b.t.Helper()
	v, err := url.ParseQuery(params)
	if err != nil {
		b.t.Fatal(err)
	}
	sel, err := query.ParseBulk(b.app, b.entity(entity), v)
	if err != nil {
		b.t.Fatalf("parse %q: %v", params, err)
	}
	return sel
}

// output parses the rendering parameters of a read (_fields, _format,
// _formatForUser, _relationshipsToFetch).
func (b *bundle) output(entity, params string) *query.Output {
	b.t.Helper()
	v, err := url.ParseQuery(params)
	if err != nil {
		b.t.Fatal(err)
	}
	out, err := query.ParseOutput(b.entity(entity), v)
	if err != nil {
		b.t.Fatalf("parse %q: %v", params, err)
	}
	return &out
}

// events installs a receiver of the service's data events and returns what
// it received so far, each time it is called.
func (b *bundle) events() func() []*Event {
	var mu sync.Mutex
	var got []*Event
	b.with(func(o *Options) {
		o.Events = eventFunc{fn: func(_ context.Context, ev *Event) {
			mu.Lock()
			got = append(got, ev)
			mu.Unlock()
		}}
	})
	return func() []*Event {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
}

// wantCode checks that err is an API error with that code.
func wantCode(t testing.TB, err error, code string) *apperr.Error {
	t.Helper()
	ae := apperr.As(err)
	if ae == nil || ae.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
	return ae
}

// wantFields checks that err is a validationErrors error with exactly these
// field errors, each "path code", in order.
func wantFields(t testing.TB, err error, want ...string) []apperr.FieldError {
	t.Helper()
	ae := wantCode(t, err, apperr.ValidationErrors)
	got := make([]string, len(ae.Errors))
	for i, fe := range ae.Errors {
		got[i] = fe.Field + " " + fe.Code
	}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("field errors %q, want %q (%v)", got, want, err)
	}
	return ae.Errors
}

// js renders a value as JSON, for comparisons and messages.
func js(v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(out)
}

// watchedStore is the store under test, counting the reads that reach it
// by entity; beforeWrite, when set, runs once before the next write starts
// (another write slipping in between an update's read and its write).
type watchedStore struct {
	store.Store
	mu          sync.Mutex
	getMany     map[string]int
	get         map[string]int
	find        map[string]int
	beforeWrite func()
	unprepared  []string // records inserted or updated without Store.PrepareRow
}

func (w *watchedStore) count(m map[string]int, e *app.Entity) {
	w.mu.Lock()
	m[e.FullName]++
	w.mu.Unlock()
}

func (w *watchedStore) reset() {
	w.mu.Lock()
	w.getMany, w.get, w.find = map[string]int{}, map[string]int{}, map[string]int{}
	w.mu.Unlock()
}

func (w *watchedStore) GetMany(ctx context.Context, e *app.Entity, ids []string) ([]store.Row, error) {
	w.count(w.getMany, e)
	return w.Store.GetMany(ctx, e, ids)
}

func (w *watchedStore) Get(ctx context.Context, e *app.Entity, id string) (*store.Row, error) {
	w.count(w.get, e)
	return w.Store.Get(ctx, e, id)
}

func (w *watchedStore) Find(ctx context.Context, e *app.Entity, sel *query.Select) ([]store.Row, error) {
	w.count(w.find, e)
	return w.Store.Find(ctx, e, sel)
}

func (w *watchedStore) Write(ctx context.Context, fn func(tx store.Tx) error) error {
	w.mu.Lock()
	hook := w.beforeWrite
	w.beforeWrite = nil
	w.mu.Unlock()
	if hook != nil {
		hook()
	}
	return w.Store.Write(ctx, func(tx store.Tx) error { return fn(watchedTx{tx, w}) })
}

// watchedTx notes the records a write stores that were not prepared
// (store.Row.Stored: the store's writer converts them itself).
type watchedTx struct {
	store.Tx
	w *watchedStore
}

func (t watchedTx) note(r *store.Row) {
	if r.Stored == nil {
		t.w.mu.Lock()
		t.w.unprepared = append(t.w.unprepared, r.ID)
		t.w.mu.Unlock()
	}
}

func (t watchedTx) Insert(ctx context.Context, e *app.Entity, r *store.Row) error {
	t.note(r)
	return t.Tx.Insert(ctx, e, r)
}

func (t watchedTx) Update(ctx context.Context, e *app.Entity, r *store.Row, prevVersion int64) error {
	t.note(r)
	return t.Tx.Update(ctx, e, r, prevVersion)
}

// slipIn makes fn run before the next write, as a write of another client
// that lands between an operation's read and its write.
func (w *watchedStore) slipIn(fn func()) {
	w.mu.Lock()
	w.beforeWrite = fn
	w.mu.Unlock()
}

// syncBuffer is a log destination tests read while the service writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func decodeDoc(t testing.TB, doc []byte) obj {
	t.Helper()
	var m obj
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("%v: %s", err, doc)
	}
	return m
}

// PlanAggregate and Aggregate pass store.Aggregator through.
func (w *watchedStore) PlanAggregate(p *aggregate.Pipeline) int {
	return w.Store.(store.Aggregator).PlanAggregate(p)
}

func (w *watchedStore) Aggregate(ctx context.Context, p *aggregate.Pipeline, n, maxItems int) aggregate.Cursor {
	return w.Store.(store.Aggregator).Aggregate(ctx, p, n, maxItems)
}

// PlanRecords and RecordIDs pass store.Aggregator through.
func (w *watchedStore) PlanRecords(p *aggregate.Pipeline) int {
	return w.Store.(store.Aggregator).PlanRecords(p)
}

func (w *watchedStore) RecordIDs(ctx context.Context, p *aggregate.Pipeline, n, maxItems int) ([]string, error) {
	return w.Store.(store.Aggregator).RecordIDs(ctx, p, n, maxItems)
}
