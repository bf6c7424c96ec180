// Package script runs the JavaScript of an app (app-model.md §1, §4, §7):
// script-based field logic (defaults, calculations, required, labels,
// validations), actions and, later, listeners, with the sys.* API backed by
// the data service.
//
// Every .js file of the app is compiled once when the engine is built (a
// syntax error stops the start with file and line). Scripts run on goja
// runtimes taken from a pool: a runtime serves one goroutine at a time and
// loads a file's functions (and a library's exports) the first time that
// runtime needs them. Each file runs in its own function scope, so two
// entity scripts may declare functions of the same name.
//
// An execution — a save's field logic, an action — takes one runtime for
// all its calls; a script that saves a record runs that record's field
// logic on the same runtime (re-entrantly), under the same time limit.
// The limit is enforced with goja's Interrupt (30 s for synchronous work by
// default). A thrown sys.exceptions business error becomes that API error;
// any other exception a 500 naming the file, function and line, with the
// stack in the server log.
package script

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"

	"runway/app"
	"runway/applog"
	"runway/clock"
	"runway/data"
	"runway/jobs"
	"runway/store"
)

// Defaults.
const (
	DefaultSyncTimeout = 30 * time.Second
	// DefaultTimerCatchUp is how far back the ticks a time listener missed
	// while no process ran are caught up at start (once per listener).
	DefaultTimerCatchUp = time.Hour
)

// Options tune the engine.
type Options struct {
	// SyncTimeout limits one synchronous execution (a save's field logic,
	// an action run from a request); 0 = DefaultSyncTimeout.
	SyncTimeout time.Duration
	// BackgroundTimeout limits one execution in a background job; 0 = no
	// limit (app-model.md §4: background scripts are not limited).
	BackgroundTimeout time.Duration
	// Env is the environment (sys.app.getEnv; sys.logs.debug is logged in
	// "dev" only). URL is the app's base URL (sys.app.getUrl).
	Env string
	URL string
	// MaxIdle is how many idle runtimes the pool keeps (0: 2 × GOMAXPROCS).
	MaxIdle int
	// ManualTimers: time listeners fire only through FireTimers (tests
	// drive the clock), not on the wall clock.
	ManualTimers bool
	// Clock drives the time listeners and sys.utils' dates (nil: the wall
	// clock).
	Clock clock.Clock
	// TimerCatchUp is how far back a time listener's ticks missed while no
	// process ran are caught up when the clock loop starts: each listener
	// runs once, for its latest missed tick (0: DefaultTimerCatchUp;
	// negative: none).
	TimerCatchUp time.Duration
	// LookupEnv reads the environment variables that ${NAME} placeholders
	// of services' and packages' configuration name (nil: the process
	// environment).
	LookupEnv func(name string) (string, bool)
	// UIMessages receives sys.ui.sendMessage's messages (nil: they are
	// only logged at debug; ui.go).
	UIMessages UIMessages
	// Storage is the key/value table of sys.storage and sys.cache (the
	// store; nil: their calls throw). SecretKey (32 bytes) seals the
	// entries sys.storage encrypts (nil: encrypting throws).
	Storage   store.KeyValues
	SecretKey []byte
	// Callbacks keep sys.events' registered callbacks (nil: in memory,
	// NewMemoryCallbacks).
	Callbacks Callbacks
	// AppLog receives sys.logs lines (besides the server log; nil: only
	// the server log).
	AppLog *applog.Service
	// Observer hears of executions and of listeners that fail (metrics;
	// nil: nobody).
	Observer Observer
}

// Observer is told of every top-level script execution and of every
// listener that fails or cannot run.
type Observer interface {
	// ScriptExecuted: an execution ended after d; background is a job's,
	// timedOut whether its time limit stopped it.
	ScriptExecuted(background bool, d time.Duration, timedOut bool)
	ListenerFailed(listener string)
}

// Engine runs the scripts of one app. It implements data.Scripts.
type Engine struct {
	app  *app.App
	data *data.Service
	log  *slog.Logger
	opts Options

	files map[string]*goja.Program // entity, listener and app scripts: (function(){…; return {fns}})()
	libs  map[string]*goja.Program // library file → (function(exports, module){…})
	tree  *libNode                 // the app.<dotted.name> tree
	boot  *goja.Program

	fns sync.Map // fnKey → *fnInfo
	// labels: labelKey → *labelTemplate (noTemplate: run in JavaScript)
	labels sync.Map
	pool   chan *runtime
	jobs   *jobs.Service // nil: no background jobs

	listeners *listenerSet // the app's listeners (listeners.go)
	ext       *extensions  // the app's services and packages (services.go)
	callbacks Callbacks    // sys.events.registerCallback

	executions atomic.Int64 // top-level executions started (tests: the fast path takes none)
}

// bootFile names the engine's own JavaScript in stacks.
const bootFile = "<runway>"

// New compiles every script of a and returns the engine. d is the data
// service sys.data works through, js the job service of sys.jobs,
// sys.data.delete and background actions and listeners (nil: none). The
// engine implements what d and js call back (data.Scripts, data.Events,
// jobs.Listeners); whoever builds them gives it to them (package runtime).
// A script that does not compile is an error naming the file and line.
func New(a *app.App, d *data.Service, js *jobs.Service, log *slog.Logger, opts Options) (*Engine, error) {
	if opts.SyncTimeout <= 0 {
		opts.SyncTimeout = DefaultSyncTimeout
	}
	if opts.MaxIdle <= 0 {
		opts.MaxIdle = 2 * goruntime.GOMAXPROCS(0)
	}
	if opts.Env == "" {
		opts.Env = "dev"
	}
	opts.Clock = clock.OrSystem(opts.Clock)
	if opts.TimerCatchUp == 0 {
		opts.TimerCatchUp = DefaultTimerCatchUp
	}
	if opts.Callbacks == nil {
		opts.Callbacks = NewMemoryCallbacks(opts.Clock)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{app: a, data: d, jobs: js, log: log, opts: opts, callbacks: opts.Callbacks,
		files: map[string]*goja.Program{}, libs: map[string]*goja.Program{},
		pool: make(chan *runtime, opts.MaxIdle)}
	var errs []error
	isLib := map[string]bool{}
	for _, l := range a.Libraries {
		if l.Script != nil {
			isLib[l.Script.File] = true
		}
	}
	files := make([]string, 0, len(a.Scripts))
	for f := range a.Scripts {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		sc := a.Scripts[f]
		var err error
		if isLib[f] {
			e.libs[f], err = goja.Compile(f, wrapLibrary(sc.Source), false)
		} else {
			e.files[f], err = goja.Compile(f, wrapFile(sc), false)
		}
		if err != nil {
			errs = append(errs, compileError(f, err))
		}
	}
	var err error
	if e.boot, err = goja.Compile(bootFile, bootJS, true); err != nil {
		return nil, fmt.Errorf("script: bootstrap: %w", err)
	}
	more, err := e.loadExtensions()
	if err != nil {
		return nil, err
	}
	if errs = append(errs, more...); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	e.tree = buildTree(a.Libraries)
	e.loadListeners()
	return e, nil
}

// Check compiles the scripts of a and reports each one that does not
// compile, with its line (for runway check).
func Check(a *app.App) []app.Problem {
	var out []app.Problem
	files := make([]string, 0, len(a.Scripts))
	for f := range a.Scripts {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		if _, err := goja.Compile(f, wrapFile(a.Scripts[f]), false); err != nil {
			out = append(out, app.Problem{File: f, Message: "does not compile: " + strings.TrimPrefix(compileError(f, err).Error(), f+": ")})
		}
	}
	out = append(out, checkPackages(a)...)
	return append(out, unsupportedRefs(a)...)
}

func compileError(file string, err error) error {
	msg := err.Error()
	var ce *goja.CompilerSyntaxError
	if errors.As(err, &ce) {
		msg = ce.Error()
	}
	return fmt.Errorf("%s: %s", file, strings.TrimPrefix(msg, file+": "))
}

// wrapFile makes a file one expression whose value is an object of its
// top-level functions: its declarations stay local to it, and line numbers
// stay those of the file (the prefix shares the first line).
func wrapFile(sc *app.Script) string {
	names := make([]string, 0, len(sc.Functions))
	for n := range sc.Functions {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.Grow(len(sc.Source) + 64 + 40*len(names))
	b.WriteString("(function(){")
	b.WriteString(sc.Source)
	b.WriteString("\n;return {")
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q: typeof %s === 'function' ? %s : undefined", n, n, n)
	}
	b.WriteString("};})()")
	return b.String()
}

// wrapLibrary makes a library a module function (exports, module).
func wrapLibrary(src string) string {
	return "(function(exports, module){" + src + "\n;return module.exports;})"
}

// libNode is a namespace of the app tree: app.commons is a node,
// app.commons.stringUtils a library (file set).
type libNode struct {
	file     string // library file ("" for a pure namespace)
	name     string // dotted name
	children map[string]*libNode
}

func buildTree(libs []*app.Library) *libNode {
	root := &libNode{children: map[string]*libNode{}}
	for _, l := range libs {
		if l.Script == nil {
			continue
		}
		n := root
		for _, seg := range strings.Split(l.Name, ".") {
			c := n.children[seg]
			if c == nil {
				c = &libNode{children: map[string]*libNode{}}
				if n.name == "" {
					c.name = seg
				} else {
					c.name = n.name + "." + seg
				}
				n.children[seg] = c
			}
			n = c
		}
		n.file = l.Script.File
	}
	return root
}

// ---- functions and argument binding ----

type fnKey struct {
	file, ref, args string
}

// fnInfo is a resolved script reference with its argument binding.
type fnInfo struct {
	file string // script file
	name string // function name
	// bind maps the function's parameters to the context's canonical
	// arguments (-1: undefined); nil: positional (all canonical
	// arguments in order).
	bind []int
}

func (f *fnInfo) String() string { return f.file + ":" + f.name }

// extraNames are names by-name binding also accepts in a context that does
// not have them (app-model.md §8 Q5: manyRecords and global actions take
// record/oldRecord-style functions, which get null).
var extraNames = map[string]bool{"record": true, "oldRecord": true}

// function resolves a script reference of the script sc in the context of
// the canonical argument list args (app-model.md §8 Q1, Q4).
func (e *Engine) function(sc *app.Script, ref string, args []string) (*fnInfo, error) {
	if sc == nil {
		return nil, fmt.Errorf("script reference %q: no script file", ref)
	}
	key := fnKey{sc.File, ref, strings.Join(args, ",")}
	if v, ok := e.fns.Load(key); ok {
		return v.(*fnInfo), nil
	}
	name, ok := sc.Resolve(ref, args...)
	if !ok {
		return nil, fmt.Errorf("script reference %q: no such function in %s", ref, sc.File)
	}
	fi := &fnInfo{file: sc.File, name: name, bind: binding(sc.Functions[name], args)}
	e.fns.Store(key, fi)
	return fi, nil
}

// binding is §8 Q4: by the declared names when all of them are context
// names, else positional (nil).
func binding(params, args []string) []int {
	if len(params) == 0 {
		return nil
	}
	idx := make([]int, len(params))
	for i, p := range params {
		idx[i] = -1
		found := false
		for j, a := range args {
			if p == a {
				idx[i], found = j, true
				break
			}
		}
		if !found && !extraNames[p] {
			return nil
		}
	}
	// Names in canonical order are positional anyway.
	same := len(params) <= len(args)
	for i := range idx {
		if idx[i] != i {
			same = false
		}
	}
	if same {
		return nil
	}
	return idx
}

func (f *fnInfo) args(vals []goja.Value) []goja.Value {
	if f.bind == nil {
		return vals
	}
	out := make([]goja.Value, len(f.bind))
	for i, j := range f.bind {
		if j < 0 || j >= len(vals) {
			out[i] = goja.Null()
		} else {
			out[i] = vals[j]
		}
	}
	return out
}

// ---- the runtime pool and executions ----

type execKey struct{}

// fromContext returns the execution in progress whose context ctx is (a
// nested call on the same goroutine reuses its runtime), or nil.
func fromContext(ctx context.Context) *execution {
	x, _ := ctx.Value(execKey{}).(*execution)
	if x == nil || x.rt.x != x {
		return nil // that execution is over
	}
	return x
}

func (e *Engine) get() *runtime {
	select {
	case rt := <-e.pool:
		return rt
	default:
		return e.newRuntime()
	}
}

func (e *Engine) put(rt *runtime) {
	select {
	case e.pool <- rt:
	default: // enough idle runtimes
	}
}

// errTimeout is the interrupt value of the time limit.
type errTimeout struct{ limit time.Duration }

func (t errTimeout) Error() string {
	return fmt.Sprintf("the script did not finish within %s", t.limit)
}

// execution is one top-level run: what the scripts it runs see.
type execution struct {
	rt         *runtime
	ctx        context.Context // carries the execution for nested calls
	caller     *data.Caller    // the current user (sys.context may switch it)
	background bool
	source     string // the function running at the top
	depth      int    // listeners: how deep the listener running is (writes inside fire at depth+1)

	mu       sync.Mutex
	done     chan struct{} // closed when interrupted (wakes script.wait)
	over     bool
	timedOut bool      // the time limit interrupted it
	started  time.Time // the top-level execution's start
	closers  []func()  // files the scripts left open (files.go)
}

// lease is a runtime held by a caller: the top of an execution (taken from
// the pool, timed) or a nested call inside one.
type lease struct {
	e     *Engine
	rt    *runtime
	top   bool
	x     *execution
	ctx   context.Context // the context of the work (its operations: sys.context)
	timer *time.Timer
	stop  func() bool
	locks func() // ends the execution's lock scope (the locks it still holds are released)
}

// acquire takes a runtime for work as c: the one of the execution in
// progress when ctx carries one, else a pooled one with the time limit.
func (e *Engine) acquire(ctx context.Context, c *data.Caller, background bool) *lease {
	if x := fromContext(ctx); x != nil {
		return &lease{e: e, rt: x.rt, x: x, ctx: ctx}
	}
	e.executions.Add(1)
	rt := e.get()
	x := &execution{rt: rt, caller: c, background: background, done: make(chan struct{}), started: time.Now()}
	// Record locks and named locks taken by the execution's scripts are
	// reentrant within it and released when it ends (sys.data.lock,
	// sys.utils.concurrency, app-model.md §7).
	ctx, endLocks := e.data.LockScope(ctx)
	x.ctx = context.WithValue(ctx, execKey{}, x)
	l := &lease{e: e, rt: rt, top: true, x: x, ctx: x.ctx, locks: endLocks}
	rt.x = x
	limit := e.opts.SyncTimeout
	if background {
		limit = e.opts.BackgroundTimeout
	}
	if limit > 0 {
		l.timer = time.AfterFunc(limit, func() { l.interrupt(errTimeout{limit}) })
	}
	if ctx.Done() != nil {
		l.stop = context.AfterFunc(ctx, func() { l.interrupt(context.Cause(ctx)) })
	}
	return l
}

// interrupt stops the execution if it still runs.
func (l *lease) interrupt(reason any) {
	x := l.x
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.over {
		return
	}
	x.over = true
	_, x.timedOut = reason.(errTimeout)
	close(x.done)
	l.rt.vm.Interrupt(reason)
}

// release ends the lease: a top lease stops its timers and gives the
// runtime back, clean.
func (l *lease) release() {
	if !l.top {
		return
	}
	x := l.x
	x.mu.Lock()
	interrupted, timedOut := x.over, x.timedOut
	x.over = true
	x.mu.Unlock()
	if o := l.e.opts.Observer; o != nil {
		o.ScriptExecuted(x.background, time.Since(x.started), timedOut)
	}
	if l.timer != nil {
		l.timer.Stop()
	}
	if l.stop != nil {
		l.stop()
	}
	l.locks()
	x.closeFiles()
	l.rt.x = nil
	l.rt.vm.ClearInterrupt()
	if interrupted || l.rt.broken {
		// A runtime stopped in the middle of a script may hold half-done
		// state (e.g. a library's module variables): do not reuse it.
		return
	}
	l.e.put(l.rt)
}

// call runs a resolved function with the context's canonical arguments.
func (l *lease) call(fi *fnInfo, vals ...goja.Value) (goja.Value, error) {
	fn, err := l.rt.function(fi)
	if err != nil {
		return nil, err
	}
	x := l.x
	prevSource, prevCaller, prevCtx := x.source, x.caller, x.ctx
	if l.top || x.source == "" {
		x.source = fi.String()
	}
	// A nested call runs inside the operation that made it (its context
	// carries that operation for sys.context and the sys calls it makes).
	x.ctx = l.ctx
	v, err := l.rt.invoke(fn, goja.Undefined(), fi.args(vals))
	x.source, x.ctx = prevSource, prevCtx
	x.caller = prevCaller // sys.context.setCurrentUser* lasts until the function returns
	if err != nil {
		return nil, l.failure(err, fi)
	}
	return v, nil
}
