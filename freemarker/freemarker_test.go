package freemarker

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func render(t *testing.T, src string, model any) string {
	t.Helper()
	tpl, err := Parse(src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	out, err := tpl.Execute(model, Options{})
	if err != nil {
		t.Fatalf("execute %q: %v", src, err)
	}
	return out
}

func model(t *testing.T, js string) any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(js))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestListAndIf(t *testing.T) {
	m := model(t, `{"contact": {"firstName": "Ana", "vip": true},
		"items": [{"name": "pen", "qty": 2, "price": 1.5}, {"name": "ink", "qty": 1, "price": 1234.5}],
		"empty": []}`)
	src := `Hi ${contact.firstName}<#if contact.vip> (VIP)</#if>:
<#list items as it>
  ${it?counter}. ${it.name?cap_first} x${it.qty}: ${it.price?string("0.00")}<#if it?has_next>,</#if>
</#list>
<#list empty as e>
never
<#else>
no extras
</#list>
Total: ${items?size} <#if items?size gt 1>items<#elseif items?size == 1>item<#else>none</#if>
`
	want := "Hi Ana (VIP):\n  1. Pen x2: 1.50,\n  2. Ink x1: 1234.50\nno extras\nTotal: 2 items\n"
	if got := render(t, src, m); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestExpressions(t *testing.T) {
	m := model(t, `{"n": 1234567.891, "i": 3, "s": "Hello World", "b": false, "list": ["b", "a", "c"],
		"people": [{"name": "Zoe", "age": 30}, {"name": "Al", "age": 25}], "h": {"x": 1}, "nul": null}`)
	cases := []struct{ src, want string }{
		{`${n}`, "1,234,567.891"},
		{`${n?c}`, "1234567.891"},
		{`${i * 2 + 1} ${i / 2} ${i % 2} ${-i}`, "7 1.5 1 -3"},
		{`${n?string("#,##0.0")} ${0.125?string("0.00")} ${0.5?string("percent")} ${1234.5?string.currency}`, "1,234,567.9 0.12 50% $1,234.50"},
		{`${s?upper_case} ${s?lower_case} ${s?length} ${s?replace("World", "You")} ${s?index_of("o")}`, "HELLO WORLD hello world 11 Hello You 4"},
		{`${b?string("yes", "no")} ${b?c} ${(!b)?then("T", "F")}`, "no false T"},
		{`${list?join(", ")} ${list?sort?join("")} ${list?reverse?first} ${list[1]} ${list?size}`, "b, a, c abc c a 3"},
		{`<#list people?sort_by("age") as p>${p.name}<#sep>, </#list>`, "Al, Zoe"},
		{`${missing!"none"} ${nul!"null too"} ${h.y!} [${(h.a.b)!"deep"}] ${missing??} ${h.x??}`, "none null too  [deep] false true"},
		{`<#assign x = 2 y = "z"><#assign x += 3>${x}${y} <#assign x++>${x}`, "5z 6"},
		{`<#list 1..3 as k>${k}</#list> <#list 0..<3 as k>${k}</#list> <#list 3..1 as k>${k}</#list>`, "123 012 321"},
		{`<#list h as k, v>${k}=${v}</#list> <#list {"a": 1, "b": 2} as k, v>${k}${v}<#sep>;</#list>`, "x=1 a1;b2"},
		{`<#list 1..5 as k><#if k == 3><#break></#if>${k}</#list>`, "12"},
		{`<#switch i><#case 1>one<#break><#case 3>three<#case 4>four<#break><#default>many</#switch>`, "threefour"},
		{`<#switch "x"><#case "y">y<#break><#default>default</#switch>`, "default"},
		{`<#-- a comment -->${"a" + 1 + true}<#noparse>${raw} <#if></#noparse>`, "a1true${raw} <#if>"},
		{`${"it's"} ${'say "hi"'} ${r"C:\dir"} ${"tab\there"}`, "it's say \"hi\" C:\\dir tab\there"},
		{`${"  x "?trim}|${"abc"?left_pad(5, "-")}|${"abc"?right_pad(5)}|`, "x|--abc|abc  |"},
		{`<#list list as x>${x?index}${x_has_next?c}${x?is_last?c}${x?item_parity} </#list>`, "0truefalseodd 1truefalseeven 2falsetrueodd "},
		{`${s?has_content?c} ${""?has_content?c} ${missing?has_content?c} ${list?has_content?c}`, "true false false true"},
		{`${"<a href='x'>"?html} ${"a b&c"?url} ${"3.5"?number + 1}`, "&lt;a href=&#39;x&#39;&gt; a+b%26c 4.5"},
		{`${h?keys?join(",")} ${people[0].name?starts_with("Z")?c} ${s?split(" ")[1]}`, "x true World"},
		{`${1700000000000?number_to_datetime?string("yyyy-MM-dd HH:mm")}`, "2023-11-14 22:13"},
	}
	for _, c := range cases {
		if got := render(t, c.src, m); got != c.want {
			t.Errorf("%s\n got %q\nwant %q", c.src, got, c.want)
		}
	}
}

func TestOrderedHash(t *testing.T) {
	h := Hash{Keys: []string{"z", "a"}, Values: map[string]any{"z": 1, "a": "x"}}
	if got := render(t, `<#list h as k, v>${k}=${v};</#list>${h.z + 1}`, map[string]any{"h": h}); got != "z=1;a=x;2" {
		t.Errorf("ordered hash: %q", got)
	}
}

func TestWhitespaceStripping(t *testing.T) {
	src := "<ul>\n  <#list xs as x>\n  <li>${x}</li>\n  </#list>\n</ul>\n<#-- gone -->\nend"
	want := "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\nend"
	if got := render(t, src, map[string]any{"xs": []any{1, 2}}); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestErrors(t *testing.T) {
	parse := []struct{ src, msg string }{
		{"${", "unclosed ${"},
		{"<#if x>", "unclosed <#if>"},
		{"<#list xs>x</#list>", `needs "as"`},
		{"<#macro m></#macro>", "<#macro> is not supported"},
		{"<#include 'x.ftl'>", "<#include> is not supported"},
		{"a </#if>", "unexpected </#if>"},
		{"${a +}", "expected a value"},
		{"${a b}", "unexpected text"},
		{"<#else>", "unexpected <#else>"},
		{"x\n  ${'abc}", "line 2, column 5: unclosed string"},
	}
	for _, c := range parse {
		_, err := Parse(c.src)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Parse(%q) = %v, want %q", c.src, err, c.msg)
		}
	}
	run := []struct{ src, msg string }{
		{"Hi ${name}", "line 1, column 4: name is missing"},
		{"${user.address.city}", "user.address.city is missing"},
		{"<#if flag>x</#if>", "flag is missing"},
		{"<#if 'yes'>x</#if>", "must be a boolean"},
		{"${xs}", "cannot be printed"},
		{"${1 == 'a'}", "cannot compare"},
		{"${'x'?round}", "?round: expected a number"},
		{"${'x'?nope}", "unknown built-in ?nope"},
		{"${1/0}", "division by zero"},
		{"<#list 1..100000000 as i></#list>", "longer than"},
		{"${i?index}", "only applies to a <#list> loop variable"},
	}
	for _, c := range run {
		tpl, err := Parse(c.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.src, err)
			continue
		}
		_, err = tpl.Execute(map[string]any{"xs": []any{1}}, Options{})
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Execute(%q) = %v, want %q", c.src, err, c.msg)
		}
	}
}

func TestLimits(t *testing.T) {
	tpl, err := Parse(`<#list 1..1000 as a><#list 1..1000 as b>${a}</#list></#list>`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tpl.Execute(nil, Options{MaxOutput: 1000}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("output limit: %v", err)
	}
	stop := make(chan struct{})
	close(stop)
	if _, err := tpl.Execute(nil, Options{Stop: stop}); !errors.Is(err, ErrStopped) {
		t.Errorf("stop: %v", err)
	}
	if _, err := tpl.Execute(nil, Options{MaxSteps: 5000}); !errors.Is(err, ErrTooLong) {
		t.Errorf("step limit: %v", err)
	}
	deep := strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500)
	if _, err := Parse("${" + deep + "}"); err == nil || !strings.Contains(err.Error(), "too deeply") {
		t.Errorf("deep expression: %v", err)
	}
}

func TestDates(t *testing.T) {
	d := time.Date(2024, 3, 5, 14, 7, 0, 0, time.UTC)
	tpl, _ := Parse(`${d} ${d?string("dd/MM/yyyy HH:mm")} ${d?long?c}`)
	ny, _ := time.LoadLocation("America/New_York")
	out, err := tpl.Execute(map[string]any{"d": d}, Options{Location: ny})
	if err != nil || out != "2024-03-05 09:07:00 05/03/2024 09:07 1709647620000" {
		t.Errorf("dates: %q %v", out, err)
	}
}

var tenth = 0.1 // a variable: 0.1 + 0.2 in constants is exactly 0.3

func TestNumberFormats(t *testing.T) {
	cases := []struct {
		n      float64
		format string
		want   string
	}{
		{1234.5678, "number", "1,234.568"},
		{0.0005, "number", "0"},
		{-0.0004, "number", "0"},
		{2.5, "0", "2"},
		{3.5, "0", "4"},
		{0.125, "0.00", "0.12"},
		{0.135, "0.00", "0.14"},
		{9.999, "0.00", "10.00"},
		{1234567, "#,##0.00", "1,234,567.00"},
		{5, "000", "005"},
		{0.5, ".00", ".50"},
		{0.256, "0.#%", "25.6%"},
		{12, "'#'0", "#12"},
		{1e21, "computer", "1000000000000000000000"},
		{tenth + 0.2, "computer", "0.30000000000000004"},
	}
	for _, c := range cases {
		got, err := formatNumber(c.n, c.format)
		if err != nil || got != c.want {
			t.Errorf("formatNumber(%v, %q) = %q %v, want %q", c.n, c.format, got, err, c.want)
		}
	}
	if _, err := formatNumber(1, "abc"); err == nil {
		t.Error("bad pattern accepted")
	}
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"${a.b!'x'}", "<#list xs as x>${x?index}<#sep>,</#list>", "<#if a??>${a}<#else>b</#if>",
		"<#switch 1><#case 1>a<#break><#default>b</#switch>", "<#assign x = [1, 2] + [3]>${x?size}", "${1..3}",
		"${'a'?left_pad(3)}", "<#noparse>${x}</#noparse>", "${{'a': 1}.a}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Parse(src)
		if err != nil {
			return
		}
		_, _ = tpl.Execute(map[string]any{"a": map[string]any{"b": 1}, "xs": []any{1, "two", nil}}, Options{MaxOutput: 1 << 16, MaxSteps: 100_000})
	})
}
