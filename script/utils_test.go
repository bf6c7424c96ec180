package script_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"runway/apperr"
	"runway/clock"
	"runway/script"
)

// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
func TestHMACVectors(t *testing.T) {
	v := shop(t)
	got := v.mustEval(`
		var c = sys.utils.crypto, m = 'what do ya want for nothing?';
		return [c.hashHmac(m, 'Jefe', 'HmacSHA256'), c.hashHmac(m, 'Jefe', 'HmacSHA256', 'BASE64'),
			c.hashHmac(m, 'Jefe', 'HmacSHA224'), c.hashHmac(m, 'Jefe', 'HmacSHA384', 'base64'),
			c.hashHmac(m, 'Jefe', 'HmacSHA512').substring(0, 16), c.hashHmac(m, 'Jefe', 'HmacSHA1'),
			c.hashHmac(m, 'Jefe', 'HmacMD5'), c.hs256(m, 'Jefe'), c.hs256(m, 'Jefe', 'BASE64'),
			c.verifySignatureWithHmac(m, '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'Jefe', 'HmacSHA256'),
			c.verifySignatureWithHmac(m, 'W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=', 'Jefe', 'HmacSHA256'),
			c.jwt.verifySignatureWithHmac(m, 'W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=', 'other', 'HmacSHA256'),
			c.sha3('abc'), c.sha3('abc', 512).length, c.keccak(''), c.sha1('abc')];`)
	want := `["5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",` +
		`"W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=",` +
		`"a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",` +
		`"r0XS43ZIQDFhf3jStYprG5x+9GT1oBtH5C7Dc2MiRF6OIkDKXmnix4syOez6shZJ",` +
		`"164b7a7bfcf819e2","effcdf6ae5eb2fa2d27416d5f184df9c259a7c79","750c783e6ab0b503eaa86e310a5db738",` +
		`"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843","W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=",` +
		`true,true,false,` +
		`"3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",128,` +
		`"c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470","a9993e364706816aba3e25717850c26c9cd0d89d"]`
	if got != want {
		t.Errorf("crypto:\n got %s\nwant %s", got, want)
	}
	for _, src := range []string{`sys.utils.crypto.hashHmac('m', 'k', 'HmacSHA999')`, `sys.utils.crypto.hashHmac('m', 'k', 'HmacSHA256', 'HEXX')`,
		`sys.utils.crypto.keccak('m', 384)`} {
		if _, err := v.eval(src); !apperr.Is(err, apperr.BadRequest) {
			t.Errorf("%s: %v", src, err)
		}
	}
}

func TestJWT(t *testing.T) {
	clk := clock.NewManual(time.Unix(1700000000, 0))
	v := shop(t, script.Options{Clock: clk})
	got := v.mustEval(`
		var jwt = sys.utils.crypto.jwt, now = new Date(1700000000000);
		var tok = jwt.generate({iss: '123', sub: '456', iat: now.getTime(), exp: new Date(now.getTime() + 600000)}, 'secret', 'HS256');
		var parts = tok.split('.');
		var forged = parts[0] + '.' + sys.utils.base64.encode('{"iss":"123","sub":"admin"}').replace(/=+$/, '') + '.' + parts[2];
		return [tok.split('.').length, jwt.verify(tok, 'secret'), jwt.verify(tok, 'wrong'), jwt.verify(forged, 'secret'),
			JSON.parse(jwt.decodeToken(tok)), jwt.verify('garbage', 'secret')];`)
	want := `[3,true,false,false,{"exp":1700000600,"iat":1700000000,"iss":"123","sub":"456"},false]`
	if got != want {
		t.Errorf("jwt:\n got %s\nwant %s", got, want)
	}
	// Expired once the clock passes exp.
	tok := strings.Trim(v.mustEval(`return sys.utils.crypto.jwt.generate({exp: 1700000060}, 'k', 'HS512');`), `"`)
	clk.Advance(2 * time.Minute)
	if got := v.mustEval(`return sys.utils.crypto.jwt.verify('` + tok + `', 'k');`); got != "false" {
		t.Errorf("expired token verified: %s", got)
	}
	for _, src := range []string{`sys.utils.crypto.jwt.generate({a: 1}, 'k', 'none')`, `sys.utils.crypto.jwt.decodeToken('x')`,
		`sys.utils.crypto.jwt.generate({a: 1}, 'not a pem', 'RS256')`} {
		if _, err := v.eval(src); !apperr.Is(err, apperr.BadRequest) {
			t.Errorf("%s: %v", src, err)
		}
	}
}

func TestProcessTemplate(t *testing.T) {
	v := shop(t)
	got := v.mustEval(`
		var model = {contact: {firstName: 'Ana', vip: true},
			items: [{name: 'pen', price: 1.5}, {name: 'ink', price: 1234.5}], when: new Date(Date.UTC(2024, 0, 2, 3, 4))};
		var tpl = 'Hi ${contact.firstName}<#if contact.vip> (VIP)</#if>:\n' +
			'<#list items as it>\n' +
			'- ${it.name?upper_case}: ${it.price?string("#,##0.00")}<#sep>;</#sep>\n' +
			'</#list>\n' +
			'${items?size} items, ${when?string("yyyy-MM-dd")}, ${missing!"n/a"}';
		return sys.utils.text.processTemplate(tpl, {model: model});`)
	want := `"Hi Ana (VIP):\n- PEN: 1.50;\n- INK: 1,234.50\n2 items, 2024-01-02, n/a"`
	if got != want {
		t.Errorf("template:\n got %s\nwant %s", got, want)
	}
	// A Record in the model is its native JSON; unescapeHtml.
	got = v.mustEval(`
		var c = sys.data.createRecord('customers'); c.field('name').val('Acme & Co');
		return sys.utils.text.processTemplate('${c.name?html}', {model: {c: c}, unescapeHtml: true});`)
	if got = unquote(t, got); got != "Acme & Co" {
		t.Errorf("record model, unescapeHtml: %s", got)
	}
	// Errors: empty and logged, or thrown with throwErrors.
	if got := v.mustEval(`return sys.utils.text.processTemplate('Hi ${name}', {model: {}});`); got != `""` {
		t.Errorf("missing value: %s", got)
	}
	if !strings.Contains(v.log.String(), "name is missing") {
		t.Errorf("template error not logged: %s", v.log.String())
	}
	_, err := v.eval(`sys.utils.text.processTemplate('<#macro x></#macro>', {throwErrors: true});`)
	if ae := apperr.As(err); ae == nil || ae.Code != apperr.BadRequest || !strings.Contains(ae.Message, "<#macro> is not supported") {
		t.Errorf("throwErrors: %v", err)
	}
}

func TestNumberAndTimeFormats(t *testing.T) {
	v := shop(t)
	got := v.mustEval(`
		var n = sys.utils.numbers, tm = sys.utils.time, d = new Date(Date.UTC(2024, 6, 1, 12, 30));
		var r = Math.random() < 2 && n.getRandomValue();
		return [n.format(12345.12345, {thousandsSeparator: true, limitNumberOfDecimals: true, numberOfDecimals: 3}),
			n.format(12345.12399, {limitNumberOfDecimals: true}),
			n.format(12345.129, {limitNumberOfDecimals: true, limitRuleType: 'ROUND'}),
			n.format(12345.5, {thousandsSeparator: true}), n.format(12345.5), n.format('7.25', {numberOfDecimals: 1}),
			n.format(new n.BigNumber('1234567.891'), {thousandsSeparator: true, numberOfDecimals: 2}),
			new n.BigNumber('zz.9', 36).plus(new n.BigNumber(1011, 2)).toString(), n.BigNumber('-ff', 16).toString(),
			r >= 0 && r < 1,
			tm.format(d, 'yyyy-MM-dd HH:mm Z', 'America/Buenos_Aires'), tm.format(d.getTime(), 'dd/MM/yy', {id: 'Asia/Tokyo'}),
			tm.parse('2020-07-17 13:30', 'yyyy-MM-dd HH:mm', 'America/Buenos_Aires').getTime(),
			tm.getTimeZoneOffset('America/Buenos_Aires', d) / 3600000,
			tm.setTimeZone(d, 'America/Buenos_Aires').getTime() - d.getTime()];`)
	want := `["12,345.123","12345.12","12345.13","12,345.5","12345.5","7.2","1,234,567.89","1306.25","-255",true,` +
		`"2024-07-01 09:30 -0300","01/07/24",1595003400000,-3,-10800000]`
	if got != want {
		t.Errorf("formats:\n got %s\nwant %s", got, want)
	}
	if _, err := v.eval(`sys.utils.time.format(new Date(), 'yyyy', 'Mars/Olympus')`); !apperr.Is(err, apperr.BadRequest) {
		t.Errorf("unknown zone: %v", err)
	}
}

func TestTextAndXML(t *testing.T) {
	v := shop(t)
	got := v.mustEval(`
		var t = sys.utils.text, x = sys.utils.xml;
		var tokens = t.findTokens('#project:test1\n#assignee:admin\n#watchers:user1,user2\n#important\n\nThis is important!\n\nAlso related to #project:test2');
		var json = x.xmlToJson('<note><to>Tove</to><from>Jani</from></note>');
		return JSON.stringify([tokens, t.textToHtml('This is <sparta>\n'), t.markdownToHtml('**This is sparta**'),
			t.htmlToMarkdown('<strong>This is sparta</strong><br/>'), t.htmlToText('<p>a <b>b</b></p>'),
			JSON.stringify(json), x.jsonToXml({note: {to: 'Tove', from: 'Jani'}}), x.jsonToXml('{"a": [1, 2]}')]);`)
	want := `[{"project":["test1","test2"],"assignee":"admin","watchers":["user1","user2"],"important":true},` +
		`"This is &lt;sparta&gt;<br>","<p><strong>This is sparta</strong></p>\n","**This is sparta**","a b",` +
		`"{\"note\":{\"to\":\"Tove\",\"from\":\"Jani\"}}","<note><to>Tove</to><from>Jani</from></note>","<a>1</a><a>2</a>"]`
	if got = unquote(t, got); got != want {
		t.Errorf("text/xml:\n got %s\nwant %s", got, want)
	}
	if _, err := v.eval(`sys.utils.xml.xmlToJson('<a>')`); !apperr.Is(err, apperr.BadRequest) {
		t.Errorf("bad xml: %v", err)
	}
}

func TestScriptEval(t *testing.T) {
	v := shop(t)
	got := v.mustEval(`
		var s = sys.utils.script;
		var a = s.eval('var leaked = 1; 2 + 3');
		var b = s.eval('x * factor + this.x', {x: 4, factor: 10});
		return [a, b, typeof leaked];`)
	if got != `[5,44,"undefined"]` {
		t.Errorf("eval: %s", got)
	}
	// Declarations stay in the call: the next execution on the pooled
	// runtime does not see them.
	if got := v.mustEval(`return typeof leaked;`); got != `"undefined"` {
		t.Errorf("eval leaked a global: %s", got)
	}
	_, err := v.eval(`sys.utils.script.eval('nope.x')`)
	if ae := apperr.As(err); ae == nil || ae.Status() != 500 || !strings.Contains(v.log.String(), "nope.x") {
		t.Errorf("eval error: %v (the code is logged: %v)", err, strings.Contains(v.log.String(), "nope.x"))
	}
}

func TestConcurrencyLocks(t *testing.T) {
	locks := script.NewLocalLocks()
	v := shop(t, script.Options{Locks: locks})
	got := v.mustEval(`
		var c = sys.utils.concurrency, r = [];
		r.push(c.tryLock('k1'), c.tryLock('k1'));   // reentrant for the same script
		c.unlock('k1'); c.unlock('k1');
		r.push(c.lock('k2', function() { return 'inside'; }));
		r.push(c.tryLock('k2'));                     // released after the callback
		c.lock('k3', 1);                             // held until the script ends
		return r;`)
	if got != `[true,true,"inside",true]` {
		t.Errorf("locks: %s", got)
	}
	// A lock held by another owner: tryLock fails at once, and waits for
	// its release when given a timeout.
	if !locks.Lock("shared", "another process", 0, nil) {
		t.Fatal("lock not taken")
	}
	if got := v.mustEval(`return sys.utils.concurrency.tryLock('shared');`); got != "false" {
		t.Errorf("tryLock of a held lock: %s", got)
	}
	go locks.Unlock("shared", "another process")
	if got := v.mustEval(`return sys.utils.concurrency.tryLock('shared', 30);`); got != "true" {
		t.Errorf("tryLock waiting for the release: %s", got)
	}
	// The script ended: its locks are free.
	for _, k := range []string{"shared", "k3"} {
		if !locks.Lock(k, "another process", 0, nil) {
			t.Errorf("%s still held after the script ended", k)
		}
	}
	_, err := v.eval(`sys.utils.concurrency.forceUnlock('x'); sys.utils.concurrency.lock('');`)
	if !apperr.Is(err, apperr.BadRequest) {
		t.Errorf("empty key: %v", err)
	}
}

// unquote reads a JSON string (eval's answer of a string: Go's JSON
// escapes <, > and &).
func unquote(t *testing.T, s string) string {
	t.Helper()
	var out string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("not a JSON string: %s", s)
	}
	return out
}

func TestRecordFormatting(t *testing.T) {
	v := newEnv(t, os.DirFS("../app/testdata/kitchen"))
	got := v.mustEval(`
		var p = sys.data.createRecord('people'); p.field('name').val('Ana'); sys.data.save(p);
		var t = sys.data.createRecord('things');
		t.field('decimal').val(12345.678); t.field('integer').val(1234567); t.field('euros').val(1234.56);
		t.field('money').val(-5); t.field('percentage').val(0.075); t.field('boolean').val(true);
		t.field('stamp').val(new Date(Date.UTC(2024, 0, 2, 3, 4))); t.field('when').val(new Date(Date.UTC(2024, 0, 2, 3, 4)));
		t.field('owner').val(p); t.field('choice').val('a');
		var pt = t.toJson({format: 'plainText'});
		var few = t.toJson({fields: 'decimal,owner', relationshipsToFetch: 'owner'});
		return JSON.stringify([
			pt.decimal, pt.integer, pt.euros, pt.money, pt.percentage, pt['boolean'], pt.stamp, pt.owner, pt.choice,
			Object.keys(few).sort().join(','), few.owner.name,
			t.field('decimal').format({thousandsSeparator: true, limitNumberOfDecimals: true, numberOfDecimals: 2}),
			t.field('decimal').format({numberOfDecimals: 1, limitRuleType: 'ROUND'}), t.field('decimal').format(),
			t.field('integer').format({thousandsSeparator: true}), t.field('euros').format(), t.field('euros').format({numberOfDecimals: 2}),
			t.field('when').format('dd/MM/yyyy HH:mm', 'America/New_York'), t.field('stamp').format(),
			t.field('integer').toHex(), t.field('decimal').toHex().substring(0, 8), t.field('money').toHex(), t.field('bigNumber').toHex()]);`)
	want := `["12345.678","1234567","€1,235","-$5.00","7.5%","Yes","02/01/2024 03:04","Ana","A",` +
		`"decimal,id,label,owner,version","Ana",` +
		`"12,345.67","12345.7","12345.678","1,234,567","€1,235","€1,234.56","01/01/2024 22:04","02/01/2024 03:04",` +
		`"12d687","3039.ad9","-5",""]`
	if got = unquote(t, got); got != want {
		t.Errorf("formatting:\n got %s\nwant %s", got, want)
	}
	if _, err := v.eval(`sys.data.createRecord('things').toJson({format: 'html'})`); !apperr.Is(err, apperr.BadRequest) {
		t.Errorf("unknown format: %v", err)
	}
}
