package script_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"runway/app"
	"runway/apperr"
	"runway/data"
	"runway/query"
	"runway/script"
)

func shop(t testing.TB, opts ...script.Options) *env {
	t.Helper()
	return newEnv(t, os.DirFS("../app/testdata/shop"), opts...)
}

func TestBindingThroughActions(t *testing.T) {
	v := shop(t)
	ctx := context.Background()
	orders := v.app.Entity("orders")
	doc, err := v.d.Create(ctx, dev, orders, map[string]any{"number": "A1", "amount": 10})
	if err != nil {
		t.Fatal(err)
	}
	id := decode(t, string(doc))["id"].(string)
	run := func(name string, tg data.ActionTarget) map[string]any {
		t.Helper()
		out, err := v.d.ExecuteAction(ctx, dev, orders, name, tg, map[string]any{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return decode(t, string(out))
	}
	one := data.ActionTarget{IDs: []string{id}}
	if m := run("names", one); m["action"] != "names" || m["number"] != "A1" {
		t.Errorf("by name (action, record): %v", m)
	}
	if m := run("positional", one); m["action"] != "positional" || m["same"] != true {
		t.Errorf("positional (r, old, a): %v", m)
	}
	if m := run("manyByName", one); m["recordIsNull"] != true || m["oldIsNull"] != true || m["action"] != "manyByName" {
		t.Errorf("manyRecords by name (record, oldRecord, action): %v", m)
	}
}

func TestLibraries(t *testing.T) {
	v := shop(t)
	if got := v.mustEval(`return app.commons.stringUtils.trim('  x  ');`); got != `"x"` {
		t.Errorf("trim: %s", got)
	}
	// A library calling itself through app.* at call time, and one library
	// calling another.
	if got := v.mustEval(`return [app.commons.stringUtils.shout('hi'), app.commons.format.money(3)];`); got != `["HI!","$3.00"]` {
		t.Errorf("shout/money: %s", got)
	}
	// Non-exported members are unreachable; a library runs once per runtime.
	if got := v.mustEval(`return [typeof app.commons.stringUtils.hidden, app.commons.format.loads(), app.commons.format.loads()];`); got != `["undefined",1,1]` {
		t.Errorf("hidden/loads: %s", got)
	}
	// Namespaces are objects; an unknown library is undefined; app.endpoints
	// (legacy endpoints) is not supported.
	if got := v.mustEval(`return [typeof app.commons, typeof app.nope];`); got != `["object","undefined"]` {
		t.Errorf("namespaces: %s", got)
	}
	if _, err := v.eval(`return app.endpoints;`); err == nil || !strings.Contains(err.Error(), "app.endpoints is not supported by Runway") {
		t.Errorf("app.endpoints: %v", err)
	}
	// A record label computed by a library (customers.js).
	doc, err := v.d.Create(context.Background(), dev, v.app.Entity("customers"), map[string]any{"name": "Acme"})
	if err != nil || decode(t, string(doc))["label"] != "ACME" {
		t.Errorf("library label: %s %v", doc, err)
	}
}

func TestInterruptInfiniteLoop(t *testing.T) {
	v := shop(t, script.Options{SyncTimeout: 100 * time.Millisecond})
	start := time.Now()
	_, err := v.eval("while (true) {}")
	if time.Since(start) > 5*time.Second {
		t.Fatalf("the loop ran %s", time.Since(start))
	}
	ae := apperr.As(err)
	if ae == nil || ae.Code != apperr.InternalError || !strings.Contains(ae.Message, "did not finish within 100ms") ||
		!strings.Contains(ae.Message, "test.js") {
		t.Fatalf("interrupted loop: %v", err)
	}
	if !strings.Contains(v.log.String(), "time limit reached") {
		t.Errorf("no log line: %s", v.log.String())
	}
	// The engine keeps working (a fresh runtime, no interrupt left over).
	if got := v.mustEval("return 1 + 1;"); got != "2" {
		t.Errorf("after the interrupt: %s", got)
	}
	// script.wait is cut short by the limit too.
	start = time.Now()
	if _, err := v.eval("sys.utils.script.wait(60000); return 1;"); !apperr.Is(err, apperr.InternalError) {
		t.Errorf("wait past the limit: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("wait was not interrupted: %s", time.Since(start))
	}
	// Within the limit it waits.
	start = time.Now()
	v.mustEval("sys.utils.script.wait(30); return 1;")
	if time.Since(start) < 30*time.Millisecond {
		t.Errorf("wait(30) returned after %s", time.Since(start))
	}
	// An action with an infinite loop is interrupted the same way.
	_, err = v.d.ExecuteAction(context.Background(), dev, v.app.Entity("orders"), "loop", data.ActionTarget{Query: emptySelect()}, nil)
	if ae := apperr.As(err); ae == nil || !strings.Contains(ae.Message, "model/entities/orders.js (function loopAction, line") {
		t.Errorf("loop action: %v", err)
	}
}

func TestCanceledContextStopsScript(t *testing.T) {
	v := shop(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := v.e.EvalAs(ctx, t, dev, "while(true){}"); err != context.DeadlineExceeded {
		t.Errorf("canceled: %v", err)
	}
}

func TestErrorLocation(t *testing.T) {
	v := shop(t)
	ctx := context.Background()
	orders := v.app.Entity("orders")
	doc, err := v.d.Create(ctx, dev, orders, map[string]any{"number": "B1"})
	if err != nil {
		t.Fatal(err)
	}
	id := decode(t, string(doc))["id"].(string)
	_, err = v.d.ExecuteAction(ctx, dev, orders, "boom", data.ActionTarget{IDs: []string{id}}, nil)
	ae := apperr.As(err)
	if ae == nil || ae.Code != apperr.InternalError {
		t.Fatalf("boom: %v", err)
	}
	line := lineOf(t, "../app/testdata/shop/model/entities/orders.js", "return nothing.field('number');")
	want := "Script error in model/entities/orders.js (function boomAction, line " + line + "): TypeError"
	if !strings.HasPrefix(ae.Message, want) {
		t.Errorf("message %q, want prefix %q", ae.Message, want)
	}
	if !strings.Contains(v.log.String(), "uncaught exception") || !strings.Contains(v.log.String(), "orders.js:"+line) {
		t.Errorf("stack not logged: %s", v.log.String())
	}
	// A syntax error is a compile error at start, with file and line.
	_, err = script.New(&app.App{Scripts: map[string]*app.Script{"model/entities/x.js": app.ParseScript("model/entities/x.js", "function f() {\n  return (;\n}")}}, v.d, nil, nil, script.Options{})
	if err == nil || !strings.Contains(err.Error(), "model/entities/x.js") || !strings.Contains(err.Error(), "2:") {
		t.Errorf("compile error: %v", err)
	}
	ps := script.Check(&app.App{Scripts: map[string]*app.Script{"app.js": app.ParseScript("app.js", "var = 1;")}})
	if len(ps) != 1 || ps[0].File != "app.js" {
		t.Errorf("Check: %v", ps)
	}
}

func lineOf(t *testing.T, file, text string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, text) {
			return strconv.Itoa(i + 1)
		}
	}
	t.Fatalf("%q not in %s", text, file)
	return ""
}

func TestExceptionsBecomeAPIErrors(t *testing.T) {
	v := shop(t)
	cases := []struct {
		src    string
		code   string
		status int
		msg    string
	}{
		{`sys.exceptions.throwException('badRequest', 'Bad thing')`, apperr.BadRequest, 400, "Bad thing"},
		{`sys.exceptions.throwException('notFound', 'No such thing')`, apperr.NotFound, 404, "No such thing"},
		{`sys.exceptions.throwException('forbidden', 'Not you')`, apperr.Forbidden, 403, "Not you"},
		{`sys.exceptions.throwException('optimisticLocking', 'Changed')`, apperr.OptimisticLocking, 409, "Changed"},
		{`sys.exceptions.throwException('someBusinessCode', 'Custom')`, apperr.BadRequest, 400, "Custom"},
		{`sys.exceptions.throwException('systemException', 'Broken')`, apperr.InternalError, 500, "Broken"},
		{`new sys.exceptions.ScriptException('notFound', 'Thrown by throw()').throw()`, apperr.NotFound, 404, "Thrown by throw()"},
		{`throw new sys.exceptions.ScriptException('forbidden', 'Thrown')`, apperr.Forbidden, 403, "Thrown"},
		{`throw new Error('plain')`, apperr.InternalError, 500, "Script error in test.js (function <anonymous>, line 1): Error: plain"},
		{`throw 'a string'`, apperr.InternalError, 500, "Script error in test.js (function <anonymous>, line 1): a string"},
	}
	for _, c := range cases {
		_, err := v.eval(c.src)
		ae := apperr.As(err)
		if ae == nil || ae.Code != c.code || ae.Status() != c.status || ae.Message != c.msg {
			t.Errorf("%s: got %v, want %s %d %q", c.src, err, c.code, c.status, c.msg)
		}
	}
	// validationErrors carry their fields.
	_, err := v.eval(`sys.exceptions.throwException('validationErrors', 'Check the fields', [{field: 'amount', code: 'outOfRange', message: 'Too much'}])`)
	ae := apperr.As(err)
	if ae == nil || ae.Code != apperr.ValidationErrors || len(ae.Errors) != 1 || ae.Errors[0].Field != "amount" || ae.Errors[0].Code != "outOfRange" {
		t.Errorf("validationErrors: %#v", err)
	}
	// Scripts catch API errors of sys calls and read them.
	got := v.mustEval(`
		try { sys.data.findById('nope', '000000000000000000000000'); } catch (e) {
			var a = [sys.exceptions.getCode(e), sys.exceptions.getMessage(e), e instanceof sys.exceptions.ScriptException, e.code()];
		}
		try { sys.data.save(sys.data.createRecord('orders')); } catch (e) {
			a.push(sys.exceptions.getCode(e), sys.exceptions.getAdditionalInfo(e)[0].field);
		}
		// Anything but a ScriptException has no code (null); getMessage reads
		// Errors, strings and objects; getAdditionalInfo is {} when there is none.
		try { null.x; } catch (e) { a.push(sys.exceptions.getCode(e), sys.exceptions.getMessage(e).indexOf('Cannot read property') === 0); }
		a.push(sys.exceptions.getMessage('plain'), sys.exceptions.getMessage({why: 'obj'}), sys.exceptions.getCode('plain'),
			sys.exceptions.getAdditionalInfo(new Error('x')), sys.exceptions.getAdditionalInfo(new sys.exceptions.ScriptException('c', 'm')));
		return a;`)
	if got != `["badRequest","Entity \"nope\" does not exist",true,"badRequest","validationErrors","number",null,true,"plain","{\"why\":\"obj\"}",null,{},{}]` {
		t.Errorf("caught: %s", got)
	}
	// A caught and rethrown validation error keeps its fields.
	_, err = v.eval(`try { sys.data.save(sys.data.createRecord('orders')); } catch (e) { throw e; }`)
	if ae := apperr.As(err); ae == nil || ae.Code != apperr.ValidationErrors || len(ae.Errors) == 0 || ae.Errors[0].Field != "number" {
		t.Errorf("rethrown: %v", err)
	}
}

func emptySelect() *query.Select { return &query.Select{} }

// Runtimes serve one goroutine at a time: parallel saves and actions get
// their own, nested calls reuse theirs.
func TestConcurrentExecutions(t *testing.T) {
	v := shop(t)
	ctx := context.Background()
	orders := v.app.Entity("orders")
	const workers, each = 8, 15
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		go func(w int) {
			for i := 0; i < each; i++ {
				doc, err := v.d.Create(ctx, dev, orders, map[string]any{"number": fmt.Sprintf("C%d-%d", w, i), "amount": i,
					"lines": []any{map[string]any{"product": "p", "price": 2}}})
				if err != nil {
					errs <- err
					return
				}
				id := decode(t, string(doc))["id"].(string)
				out, err := v.d.ExecuteAction(ctx, dev, orders, "close", data.ActionTarget{IDs: []string{id}}, map[string]any{"reason": "r"})
				if err != nil {
					errs <- err
					return
				}
				if m := decode(t, string(out)); m["label"] != fmt.Sprintf("C%d-%d (closed)", w, i) || at(m, "lines.0.label") != "1 × p" {
					errs <- fmt.Errorf("after close: %s", out)
					return
				}
			}
			errs <- nil
		}(w)
	}
	for w := 0; w < workers; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n, most := v.e.IdleRuntimes(); n > most {
		t.Errorf("%d idle runtimes, at most %d kept", n, most)
	}
}
