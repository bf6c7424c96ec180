package script

import (
	"context"
	"testing"

	"github.com/dop251/goja"

	"runway/app"
	"runway/data"
	"runway/record"
)

// What the external tests (package script_test) reach inside the engine.

// EvalAs runs src as the body of a function, as c, under ctx, and returns
// what it returned as JSON ("undefined" for nothing), or the operation's
// error.
func (e *Engine) EvalAs(ctx context.Context, t testing.TB, c *data.Caller, src string) (string, error) {
	t.Helper()
	l := e.acquire(ctx, c, false)
	defer l.release()
	p, err := goja.Compile("test.js", "(function(){"+src+"\n})", false)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	fv, err := l.rt.vm.RunProgram(p)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	fn, _ := goja.AssertFunction(fv)
	fi := &fnInfo{file: "test.js", name: "test"}
	l.x.source = fi.String()
	r, err := l.rt.invoke(fn, goja.Undefined(), nil)
	if err != nil {
		return "", l.failure(err, fi)
	}
	if goja.IsUndefined(r) {
		return "undefined", nil
	}
	b, err := l.rt.toJSON(r)
	return string(b), err
}

// Executions is the number of top-level executions started.
func (e *Engine) Executions() int64 { return e.executions.Load() }

// IdleRuntimes is the number of idle runtimes in the pool, and the most
// the pool keeps.
func (e *Engine) IdleRuntimes() (n, most int) { return len(e.pool), e.opts.MaxIdle }

// SetMaxToArray sets the most records toArray reads, until the returned
// function restores it.
func SetMaxToArray(n int) (restore func()) {
	was := maxToArray
	maxToArray = n
	return func() { maxToArray = was }
}

// UnsupportedEntry is an entry of the unsupported list (unsupported.go).
type UnsupportedEntry struct {
	Path, Reason string
	Later        bool
}

// UnsupportedAPIs is the unsupported list.
func UnsupportedAPIs() []UnsupportedEntry {
	out := make([]UnsupportedEntry, len(unsupportedAPIs))
	for i, u := range unsupportedAPIs {
		out[i] = UnsupportedEntry{u.path, u.reason, u.later}
	}
	return out
}

// NestedLabels gives the label of item by the nestedLabel function ref of
// field f of ent both ways: read as a template (isTemplate false when it
// is not one, ok false when JavaScript must decide) and run in JavaScript.
func (e *Engine) NestedLabels(ctx context.Context, c *data.Caller, ent *app.Entity, ref string, f *app.Field, item record.Values) (tmpl string, isTemplate, ok bool, js string, err error) {
	fi, err := e.function(ent.Script, ref, app.ArgsNestedLabel)
	if err != nil {
		return "", false, false, "", err
	}
	if t := e.labelTemplate(fi, f); t != nil {
		isTemplate = true
		tmpl, ok = t.label(item)
	}
	rs := &recordScripts{e: e, ctx: ctx, c: c, ent: ent}
	defer rs.End()
	js, err = rs.nestedLabelJS(ref, f, item)
	return tmpl, isTemplate, ok, js, err
}
