package script_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"runway/apperr"
	"runway/data"
	"runway/store"
)

// sys.data goes through the data service over a real SQLite store.
func TestSysDataCRUD(t *testing.T) {
	v := shop(t)
	got := v.mustEval(`
		var c = sys.data.createRecord('customers');
		c.field('name').val('Acme');
		var isNew = c.isNew();
		sys.data.save(c);
		var o = sys.data.createRecord('orders');
		o.field('number').val('N1');
		o.field('amount').val(100);
		o.field('customer').val(c);
		o.field('due').val(new Date(Date.UTC(2024, 4, 31)));
		o.field('tags').val(['a', 'b']);
		sys.data.save(o);
		var back = sys.data.findById('orders', o.id());
		return {isNew: isNew, saved: !c.isNew(), entity: o.entityName(), label: back.label(), version: back.version(),
			status: back.field('status').val(), tax: back.field('tax').val(), code: back.field('code').val(),
			customer: back.field('customer').label(), customerId: back.field('customer').id() === c.id(),
			fetched: back.field('customer').fetch().field('name').val(),
			link: back.field('customer').val().link.indexOf('/data/customers/') === 0,
			due: back.field('due').val().toISOString(), tags: back.field('tags').val(),
			statusLabel: back.field('status').label(), missing: sys.data.findById('orders', '000000000000000000000000')};`)
	m := decode(t, got)
	want := map[string]any{"isNew": true, "saved": true, "entity": "orders", "label": "N1 (open)", "version": 0.0,
		"status": "open", "tax": 10.0, "code": "ORD-N1", "customer": "ACME", "customerId": true, "fetched": "Acme",
		"link": true, "due": "2024-05-31T00:00:00.000Z", "statusLabel": "Open", "missing": nil}
	for k, w := range want {
		if fmt.Sprint(m[k]) != fmt.Sprint(w) {
			t.Errorf("%s = %v, want %v (%s)", k, m[k], w, got)
		}
	}
	if fmt.Sprint(m["tags"]) != "[a b]" {
		t.Errorf("tags %v", m["tags"])
	}
	// Update, optimistic locking, remove.
	got = v.mustEval(`
		var o = sys.data.findOne('orders', {number: 'N1'});
		var stale = sys.data.findById('orders', o.id());
		o.field('amount').val(250);
		sys.data.save(o);
		var code;
		stale.field('amount').val(1);
		try { sys.data.save(stale); } catch (e) { code = sys.exceptions.getCode(e); }
		var fresh = sys.data.refresh(stale);
		sys.data.remove(fresh);
		return {version: o.version(), tax: o.field('tax').val(), lock: code, after: sys.data.findById('orders', o.id()),
			removed: fresh.field('number').val()};`)
	if got != `{"after":null,"lock":"optimisticLocking","removed":"N1","tax":25,"version":1}` {
		t.Errorf("update/remove: %s", got)
	}
	// Bad arguments are badRequest.
	for _, src := range []string{
		`sys.data.findById('orders', 'x')`, `sys.data.createRecord('nope')`, `sys.data.find('orders', {nope: 1})`,
		`sys.data.createRecord('orders').field('nope')`, `sys.data.createRecord('orders').field('lines.qty')`,
		`sys.data.aggregate('orders', [{nope: 1}])`, `sys.data.createQuery('orders').field('nope')`,
	} {
		if _, err := v.eval(src); !apperr.Is(err, apperr.BadRequest) {
			t.Errorf("%s: %v", src, err)
		}
	}
}

func TestSysDataFindAndQueries(t *testing.T) {
	v := shop(t)
	ctx := context.Background()
	orders := v.app.Entity("orders")
	for i := 1; i <= 450; i++ {
		in := map[string]any{"number": fmt.Sprintf("Q%03d", i), "amount": i}
		if i%3 == 0 {
			in["status"] = "closed"
		}
		if _, err := v.d.Create(ctx, dev, orders, in); err != nil {
			t.Fatal(err)
		}
	}
	// The cursor pages through everything (several pages of 200).
	got := v.mustEval(`
		var rs = sys.data.find('orders', {}), n = 0, sum = 0;
		while (rs.hasNext()) { var r = rs.next(); n++; sum += r.field('amount').val(); }
		var past;
		try { rs.next(); } catch (e) { past = sys.exceptions.getCode(e); }
		return [n, sum, rs.count(), past, sys.data.count('orders', {status: 'closed'})];`)
	if got != `[450,101475,450,"badRequest",150]` {
		t.Errorf("cursor: %s", got)
	}
	// Query maps with system keys; toArray; the size caps the cursor.
	got = v.mustEval(`
		var a = sys.data.find('orders', {amount: 'greater(440)', _sortField: 'amount', _sortType: 'asc'}).toArray();
		var b = sys.data.find('orders', {status: 'open', _size: 3, _sortField: 'number', _sortType: 'desc'});
		var names = [];
		while (b.hasNext()) { names.push(b.next().field('number').val()); }
		return [a.length, a[0].field('amount').val(), names, b.count()];`)
	if got != `[10,441,["Q449","Q448","Q446"],300]` {
		t.Errorf("maps: %s", got)
	}
	// The query builder.
	got = v.mustEval(`
		var q = sys.data.createQuery('orders').field('amount').between(10, 20).field('status').equals('open')
			.sortBy('amount', 'desc').size(5);
		var first = sys.data.findOne(q);
		var ors = sys.data.createQuery('orders').field('number').equals('Q001').or().field('number').equals('Q002');
		var fn = sys.data.createQuery('orders').query(function (q) {
			return q.or(q.field('number').like('Q01'), q.field('amount').lessOrEquals(2));
		});
		var empty = sys.data.createQuery('orders').field('note').empty().field('number').equals(['Q005', 'Q006', 'nope']);
		return [sys.data.count(q), first.field('amount').val(), sys.data.count(ors), sys.data.count(fn), sys.data.count(empty),
			sys.data.count(sys.data.createQuery('orders').field('amount').greater(449)),
			sys.data.count(sys.data.createQuery('orders').field('number').like('/^Q00[1-3]$/'))];`)
	if got != `[8,20,2,12,2,1,3]` {
		t.Errorf("builder: %s", got)
	}
	// Relationship filters take Records and ids.
	got = v.mustEval(`
		var c = sys.data.createRecord('customers');
		c.field('name').val('Zed');
		sys.data.save(c);
		var o = sys.data.findOne('orders', {number: 'Q007'});
		o.field('customer').val(c.id());
		sys.data.save(o);
		return [sys.data.count('orders', {customer: c}), sys.data.count(sys.data.createQuery('orders').field('customer').equals(c)),
			sys.data.count(sys.data.createQuery('orders').field('customer').equals(c.id())),
			sys.data.count('orders', {customer: 'ZED'}), o.field('customer').label()];`)
	if got != `[1,1,1,1,"ZED"]` {
		t.Errorf("relationships: %s", got)
	}
}

func TestSysDataWrappers(t *testing.T) {
	v := shop(t)
	got := v.mustEval(`
		var o = sys.data.createRecord('orders');
		o.field('number').val('W1');
		var tags = o.field('tags');
		tags.add('b'); tags.add(0, 'a'); tags.add('c'); tags.add('dd');
		tags.remove('c');
		tags.remove(function (el) { return el.val() === 'dd'; });
		var seen = [];
		tags.each(function (el, i) { seen.push(i + ':' + el.val()); });
		var lines = o.field('lines');
		lines.add({product: 'pen', price: 2.5, qty: 4});
		lines.add({product: 'ink'});
		o.field('lines[1].price').val(10);
		sys.data.save(o);
		var l = o.field('lines');
		return {tags: tags.val(), seen: seen, size: tags.size(), first: tags.first().val(), last: tags.last().val(),
			contains: tags.contains('b'), none: tags.get(5), lines: l.size(),
			labels: [l.get(0).label(), l.get(1).label()], subtotal: o.field('lines[0].subtotal').val(),
			qtyDefault: o.field('lines[1].qty').val(), addedBy: o.field('lines[0].addedBy').val(),
			inner: l.first().field('product').val(), ids: typeof l.get(0).id() === 'string',
			empty: o.field('note').isEmpty(), equals: o.field('number').equals('W1'),
			removed: (function () { tags.removeAt(0); tags.removeAll(); return tags.isEmpty(); })()};`)
	m := decode(t, got)
	want := map[string]string{"tags": "[a b]", "seen": "[0:a 1:b]", "size": "2", "first": "a", "last": "b",
		"contains": "true", "none": "<nil>", "lines": "2", "labels": "[4 × pen 1 × ink]", "subtotal": "10",
		"qtyDefault": "1", "addedBy": "dev@example.org on W1", "inner": "pen", "ids": "true", "empty": "true",
		"equals": "true", "removed": "true"}
	for k, w := range want {
		if fmt.Sprint(m[k]) != w {
			t.Errorf("%s = %v, want %s", k, m[k], w)
		}
	}
	// Dates, numbers, copies, JSON.
	got = v.mustEval(`
		var o = sys.data.createRecord('orders');
		o.field('number').val('W2');
		o.field('placed').val(new Date(1700000000000));
		o.field('amount').val('not a number');
		var invalid = o.field('amount').val();
		o.field('amount').val('12.5');
		sys.data.save(o);
		var cp = o.copy();
		var j = o.toJson();
		var only = o.toJson({fields: ['number']});
		return {placed: o.field('placed').toMillis(), invalid: invalid, amount: o.field('amount').val(), copyNew: cp.isNew(),
			copyNumber: cp.field('number').val(), json: j.number + '/' + j.label, only: Object.keys(only).sort().join(','),
			str: o.field('amount').toString(), fmt: o.field('placed').format('yyyy-MM-dd HH:mm')};`)
	if got != `{"amount":12.5,"copyNew":true,"copyNumber":"W2","fmt":"2023-11-14 22:13","invalid":null,"json":"W2/W2 (open)","only":"id,label,number,version","placed":1700000000000,"str":"12.5"}` {
		t.Errorf("values: %s", got)
	}
	// fromJson merges.
	got = v.mustEval(`
		var o = sys.data.createRecord('orders');
		o.fromJson({number: 'W3', amount: 7, nope: 1});
		return [o.field('number').val(), o.field('amount').val()];`)
	if got != `["W3",7]` {
		t.Errorf("fromJson: %s", got)
	}
}

func TestSysContextAndUsers(t *testing.T) {
	v := shop(t)
	ctx := context.Background()
	users := v.app.Entity("sys.users")
	mk := func(email string, extra map[string]any) string {
		in := map[string]any{"firstName": "T", "lastName": "U", "email": email,
			"authentication": map[string]any{"newPassword": "pass-word-1", "passwordConfirmation": "pass-word-1"}}
		for k, x := range extra {
			in[k] = x
		}
		doc, err := v.d.Create(ctx, data.SystemCaller, users, in)
		if err != nil {
			t.Fatal(err)
		}
		return decode(t, string(doc))["id"].(string)
	}
	clerk := mk("clerk@example.org", map[string]any{"groups": []any{map[string]any{"group": "clerks", "primary": true}}})
	other := mk("other@example.org", nil)
	u, err := v.d.UserByID(ctx, clerk)
	if err != nil {
		t.Fatal(err)
	}
	c := u.Caller("10.0.0.1", "")
	got, err := v.evalAs(c, `
		var before = sys.context.getCurrentUserId();
		var rec = sys.context.getCurrentUserRecord();
		var u = sys.context.getCurrentUser();
		var r = [before === rec.id(), rec.field('email').val(), sys.context.getCurrentIp(), u.email(), u.containsGroup('clerks'),
			u.isPrimaryGroup('Clerks'), sys.users.containsGroup(rec, 'clerks'), sys.users.getPrimaryGroup(rec).name];
		sys.context.setCurrentUserRecordByEmail('other@example.org');
		r.push(sys.context.getCurrentUser().email());
		return r;`)
	if err != nil || got != `[true,"clerk@example.org","10.0.0.1","clerk@example.org",true,true,true,"clerks"]` && !strings.HasPrefix(got, `[true,"clerk@example.org","10.0.0.1","clerk@example.org",true,true,true,"clerks","other@example.org"]`) {
		t.Errorf("context: %s %v", got, err)
	}
	// sys.users actions (the same operations as the REST user actions).
	got = v.mustEval(fmt.Sprintf(`
		var u = sys.data.findById('sys.users', '%s');
		sys.users.deactivate(u);
		var s1 = sys.data.refresh(u).field('status').val();
		var back = sys.internal.users.activate(u);
		var rp = sys.users.resetPassword('other@example.org', {notifyUser: true});
		sys.users.addGroup(u, 'clerks', true);
		var has = sys.users.containsGroup(u, 'clerks');
		sys.users.removeGroup(u, 'clerks');
		return [s1, back.field('status').val(), rp.userEmail, rp.resetCode, has, sys.users.containsGroup(u, 'clerks'),
			sys.internal.oauth.generateClientId().length];`, other))
	if got != `["INACTIVE","ACTIVE","other@example.org",null,true,false,32]` {
		t.Errorf("users: %s", got)
	}
}

func TestSysUtilsAndApp(t *testing.T) {
	v := shop(t)
	got := v.mustEval(`
		var u = sys.utils, B = u.numbers.BigNumber;
		return [u.base64.encode('héllo'), u.base64.decode('aMOpbGxv'),
			new B('0.1').plus('0.2').toString(), B(10).div(3).toString(), new B('2.5').times(4).toFixed(2),
			new B('1234567.891').toFormat(2), new B(1).comparedTo(2), new B('5').minus(7).toNumber(),
			u.numbers.format(1234.5, {thousandsSeparator: true, numberOfDecimals: 2}),
			u.time.format(new Date(Date.UTC(2024, 0, 2, 3, 4)), 'yyyy-MM-dd HH:mm'),
			u.time.format(new Date(Date.UTC(2024, 0, 2, 3, 4)), 'dd/MM/yyyy HH:mm', 'America/New_York'),
			u.time.parse('02/01/2024 03:04', 'dd/MM/yyyy HH:mm').getTime(),
			u.time.getTimeZoneOffset('Europe/Paris', new Date(Date.UTC(2024, 6, 1))),
			u.text.processTemplate('Hi ${name}, ${order.number}! ${missing!}', {model: {name: 'Ana', order: {number: 7}}}),
			u.text.htmlToText('<p>a <b>b</b></p>'),
			u.crypto.sha1('abc'), u.crypto.hashHmac('data', 'key', 'sha256').length,
			sys.app.getName(), sys.app.getLabel(), sys.app.getVersion(), sys.app.getEnv(), sys.app.getDefaultTimezone()];`)
	want := `["aMOpbGxv","héllo","0.3","3.33333333333333333333","10.00","1,234,567.89",-1,-2,"1,234.50","2024-01-02 03:04","01/01/2024 22:04",1704164640000,7200000,"Hi Ana, 7! ","a b","a9993e364706816aba3e25717850c26c9cd0d89d",64,"shop","Shop","2.1.0","dev","UTC"]`
	if got != want {
		t.Errorf("utils:\n got %s\nwant %s", got, want)
	}
	// Logs go to the server log with the script location.
	v.mustEval(`sys.logs.info('hello from a script'); log('plain log'); sys.logs.error('bad', new Error('why'));`)
	for _, s := range []string{"hello from a script", "plain log", "script=test.js:test", "why"} {
		if !strings.Contains(v.log.String(), s) {
			t.Errorf("log has no %q: %s", s, v.log.String())
		}
	}
}

// sys.data.delete, background actions and sys.jobs through the job service.
func TestSysJobs(t *testing.T) {
	v := shop(t)
	ctx := context.Background()
	orders := v.app.Entity("orders")
	var ids []string
	for i := 0; i < 3; i++ {
		doc, err := v.d.Create(ctx, dev, orders, map[string]any{"number": fmt.Sprint("J", i), "amount": i})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, decode(t, string(doc))["id"].(string))
	}
	got := v.mustEval(`
		var id = sys.data.executeAction('orders', {amount: 'lessOrEquals(1)'}, 'whereAmI', {});
		sys.jobs.waitForJob(id, 'FINISHED', 20000);
		var j = sys.jobs.findById(id);
		var sync = sys.data.executeAction('orders', {number: 'J2'}, 'whereAmI', {}, {executeInBackground: false});
		var g = sys.data.executeGlobalAction('orders', 'stats', {}, {async: false});
		var many = sys.data.executeAction(sys.data.createQuery('orders').field('amount').greater(0), 'total', {});
		sys.jobs.waitForJob(many, ['FINISHED'], 20000);
		var del = sys.data.delete('orders', {number: 'J2'});
		sys.jobs.waitForJob(del, 'FINISHED', 20000);
		var late;
		try { sys.jobs.waitForJob(id, 'STOPPED', 50); } catch (e) { late = sys.exceptions.getCode(e); }
		return {type: j.type(), status: j.status(), progress: j.progress(), errors: j.hasErrors(), data: j.data(),
			results: j.results(), sync: sync, stats: g, many: sys.jobs.findById(many).results(),
			left: sys.data.count('orders', {}), late: late, none: sys.jobs.findById('000000000000000000000000'),
			current: sys.jobs.getCurrentJobId()};`)
	m := decode(t, got)
	if m["type"] != "EXECUTE_ACTION" || m["status"] != "FINISHED" || m["progress"] != 100.0 || m["errors"] != false ||
		at(m, "data.actionName") != "whereAmI" || m["left"] != 2.0 || m["late"] != "timeout" || m["none"] != nil || m["current"] != nil {
		t.Fatalf("jobs: %s", got)
	}
	jobID := at(m, "results."+ids[0]+".response.job")
	if jobID == nil || at(m, "results."+ids[0]+".response.type") != "EXECUTE_ACTION" || at(m, "results."+ids[1]+".status") != "ok" {
		t.Errorf("results: %v", m["results"])
	}
	if at(m, "sync."+ids[2]+".response.job") != nil || at(m, "stats.orders") != 3.0 {
		t.Errorf("synchronous runs: %v %v", m["sync"], m["stats"])
	}
	if at(m, "many.status") != "ok" || at(m, "many.response.count") != 2.0 {
		t.Errorf("manyRecords job: %v", m["many"])
	}
	// The job's log has the script's lines.
	logs, err := v.js.Logs(ctx, dev, jobID.(string), store.JobLogFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range logs.Items {
		lines = append(lines, l.Message)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "hello from J0") {
		t.Errorf("job log: %v", lines)
	}
}

func TestWrapperExtras(t *testing.T) {
	v := newEnv(t, os.DirFS("../app/testdata/kitchen"))
	got := v.mustEval(`
		var r = sys.data.createRecord('things');
		r.field('requiredText').val('x');
		r.field('date').val(new Date(Date.UTC(2024, 0, 30)));
		r.field('date').addDays(3);
		r.field('dynamicChoice').options([{name: 'a', label: 'Alpha'}, {name: 'b', label: 'Beta'}]);
		r.field('dynamicChoice').selectedValue('b');
		return [r.field('date').val().toISOString().substring(0, 10), r.field('dynamicChoice').selectedValue(),
			r.field('dynamicChoice').selectedLabel(), r.field('dynamicChoice').options().length];`)
	if got != `["2024-02-02","b","Beta",2]` {
		t.Errorf("extras: %s", got)
	}
	// A relationship's field(path) reads the target's copied fields; a
	// nested item's record walks up with parent().
	w := shop(t)
	got = w.mustEval(`
		var c = sys.data.createRecord('customers');
		c.field('name').val('Acme');
		sys.data.save(c);
		var o = sys.data.createRecord('orders');
		o.field('number').val('X');
		o.field('customer').val(c);
		sys.data.save(o);
		var ro;
		try { o.field('customer').field('name').val('B'); } catch (e) { ro = sys.exceptions.getCode(e); }
		return [o.field('customer').field('name').isEmpty(), ro];`)
	if got != `[true,"badRequest"]` {
		t.Errorf("relationship field: %s", got)
	}
}

// Scripts act as their user with the user's permissions (issue 7: group
// permissions and fields' readAccess/writeAccess); the system's scripts
// may do everything.
func TestScriptPermissions(t *testing.T) {
	v := shop(t)
	ctx := context.Background()
	doc, err := v.d.Create(ctx, data.SystemCaller, v.app.Entity("sys.users"), map[string]any{"firstName": "C", "lastName": "L",
		"email": "clerk@example.org", "groups": []any{map[string]any{"group": "clerks", "primary": true}},
		"authentication": map[string]any{"newPassword": "pass-word-1", "passwordConfirmation": "pass-word-1"}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := v.d.UserByID(ctx, decode(t, string(doc))["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	clerk := u.Caller("", "")
	o, err := v.d.Create(ctx, clerk, v.app.Entity("orders"), map[string]any{"number": "P1"})
	if err != nil {
		t.Fatal(err)
	}
	id := decode(t, string(o))["id"].(string)
	// The clerks group may not delete orders, and neither may the clerk's
	// script; the system's may.
	if _, err := v.d.Delete(ctx, clerk, v.app.Entity("orders"), id); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("clerk delete over the service: %v", err)
	}
	got, err := v.evalAs(clerk, fmt.Sprintf(`
		var code = null;
		try { sys.data.remove(sys.data.findById('orders', '%s')); } catch (e) { code = sys.exceptions.getCode(e); }
		return [code, sys.data.findById('orders', '%s') !== null];`, id, id))
	if err != nil || got != `["forbidden",true]` {
		t.Errorf("script as clerk deleting: %s %v", got, err)
	}
	if got, err := v.evalAs(nil, fmt.Sprintf(`
		sys.data.remove(sys.data.findById('orders', '%s'));
		return sys.data.findById('orders', '%s');`, id, id)); err != nil || got != `null` {
		t.Errorf("system script deleting: %s %v", got, err)
	}
	got, err = v.evalAs(clerk, fmt.Sprintf(`
		var c = sys.data.createRecord('customers');
		c.field('name').val('S');
		c.field('secret').val('hidden');
		sys.data.save(c);
		return [sys.data.findById('orders', '%s'), c.field('secret').isEmpty(),
			sys.data.findById('customers', c.id()).field('secret').isEmpty(), sys.context.getCurrentUser().email()];`, id))
	if err != nil || got != `[null,true,true,"clerk@example.org"]` {
		t.Errorf("script as clerk: %s %v", got, err)
	}
}

// A query map honours every system key of the query language and refuses
// unknown ones, so a map never selects more records than it names (issue
// 18 item 1): an indexed-filter map passed to sys.data.delete deletes only
// its matches.
func TestSysDataQueryMapSystemKeys(t *testing.T) {
	v := shop(t)
	ctx := context.Background()
	orders := v.app.Entity("orders")
	for i := 1; i <= 6; i++ {
		in := map[string]any{"number": fmt.Sprintf("K%d", i), "amount": i}
		if i <= 2 {
			in["note"] = "urgent delivery"
		}
		if _, err := v.d.Create(ctx, dev, orders, in); err != nil {
			t.Fatal(err)
		}
	}
	got := v.mustEval(`
		var idx = {_indexedFilter: 'search', _indexedFilterQuery: 'urgent'};
		var one = sys.data.findOne('orders', {_fields: 'number', number: 'K3'});
		var q = sys.data.count('orders', {_query: "filter('amount','greater(4)')"});
		var ignored = sys.data.count('orders', {_format: 'plainText', _formatForUser: 'x', _relationshipsToFetch: 'customer'});
		var before = sys.data.count('orders', idx);
		var del = sys.data.delete('orders', idx);
		sys.jobs.waitForJob(del, 'FINISHED', 20000);
		return {matched: before, left: sys.data.count('orders', {}), urgent: sys.data.count('orders', idx),
			projected: one.field('amount').val(), number: one.field('number').val(), query: q, ignored: ignored};`)
	want := `{"ignored":6,"left":4,"matched":2,"number":"K3","projected":null,"query":2,"urgent":0}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, src := range []string{
		`sys.data.find('orders', {_indexedFiltr: 'search', number: 'K3'})`,
		`sys.data.count('orders', {_nope: 1})`,
		`sys.data.delete('orders', {_indexedFilterEmbedding: [0.1]})`,
		`sys.data.find('orders', {_fields: 'nope'})`,
	} {
		if _, err := v.eval(src); !apperr.Is(err, apperr.BadRequest) {
			t.Errorf("%s: %v, want badRequest", src, err)
		}
	}
	if got := v.mustEval(`return sys.data.count('orders', {})`); got != "4" {
		t.Errorf("records after the refused calls: %s", got)
	}
}

// Scripts' queries have the limits of REST ones (query.MaxConditions):
// over them a badRequest naming the limit, at them an answer; an array of
// values is one list whatever its length.
func TestSysDataQueryLimits(t *testing.T) {
	v := shop(t)
	for _, in := range []map[string]any{{"number": "Q1", "amount": 3}, {"number": "Q2", "amount": 600}} {
		if _, err := v.d.Create(context.Background(), dev, v.app.Entity("orders"), in); err != nil {
			t.Fatal(err)
		}
	}
	for _, src := range []string{
		`var m = {_or: []}; for (var i = 0; i <= 500; i++) { m._or.push({amount: 'greater(' + i + ')'}); }
		 sys.data.count('orders', m)`,
		`var q = sys.data.createQuery('orders').field('amount').equals(0);
		 for (var i = 1; i <= 500; i++) { q = q.or().field('amount').equals(i); }
		 sys.data.count(q)`,
	} {
		_, err := v.eval(src)
		if !apperr.Is(err, apperr.BadRequest) || !strings.Contains(err.Error(), "500") {
			t.Errorf("%s: %v, want a badRequest naming the limit of 500", src, err)
		}
	}
	got := v.mustEval(`
		var m = {_or: []}; for (var i = 0; i < 500; i++) { m._or.push({amount: 'greater(' + i + ')'}); }
		var q = sys.data.createQuery('orders').field('amount').equals(0);
		for (var i = 1; i < 500; i++) { q = q.or().field('amount').equals(i); }
		var ids = []; for (var i = 0; i < 40000; i++) { ids.push('Q' + i); }
		return [sys.data.count('orders', m), sys.data.count(q), sys.data.count('orders', {number: ids})];`)
	if got != `[2,1,2]` {
		t.Errorf("at the limits: %s", got)
	}
}
