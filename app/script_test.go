package app

import (
	"reflect"
	"testing"
)

func TestParseScriptTopLevelFunctions(t *testing.T) {
	src := `/* header
function inBlockComment(a) {}
*/
// function inLineComment(b) {}
'use strict';

function first(record, parentField, action) {
    var s = "function inDoubleQuotes(x) { {";
    var q = 'function inSingleQuotes(y) } }';
    var esc = "quote \" function inEscaped() {";
    function nestedHelper(z) { return z; }
    if (s) { function inBlock() {} }
    return s + q;
}

var expr = function notADeclaration(a) {};
var obj = { m: function method(a) {}, n: 1 };
(function iife(x) {})(1);
var tpl = ` + "`" + `function inTemplate() { ${ (function inTemplateExpr() { return "}"; })() } } ` + "`" + `;
var re = /[}"'` + "`" + `]/g, ratio = 4 / 2;
var x = 1
function afterASI(a, b = 2, ...rest) { return a / b; }

async function asyncOne(event) {}
function* gen(query, /* comment */ action) {}
function destructure({a, b}, [c], d = {e: 1}) {}
function   spaced   (  record  ,  nested  )
{
    return ` + "`" + `${nested.field('a').val()} - {` + "`" + `;
}
function last() {}
`
	s := ParseScript("x.js", src)
	want := map[string][]string{
		"first":       {"record", "parentField", "action"},
		"afterASI":    {"a", "b", "...rest"},
		"asyncOne":    {"event"},
		"gen":         {"query", "action"},
		"destructure": {"{a, b}", "[c]", "d"},
		"spaced":      {"record", "nested"},
		"last":        {},
	}
	if !reflect.DeepEqual(s.Functions, want) {
		t.Errorf("functions:\n got  %v\n want %v", s.Functions, want)
	}
	if s.File != "x.js" || s.Source != src {
		t.Error("File/Source not kept")
	}
}

func TestParseScriptUnterminated(t *testing.T) {
	// must not loop or panic on broken input
	for _, src := range []string{"function a(", "/* open", "'open", "`open ${", "function b() { ", "/re", "function"} {
		ParseScript("x.js", src)
	}
	if s := ParseScript("x.js", "function ok(a) {}\nvar s = 'unterminated\nfunction next(b) {}"); s.Functions["ok"] == nil || s.Functions["next"] == nil {
		t.Errorf("recovery after an unterminated string: %v", s.Functions)
	}
}

func TestResolveQ1(t *testing.T) {
	s := &Script{Functions: map[string][]string{
		"exact":                    {"record"},
		"activateAction":           {"record", "oldRecord", "action"},
		"contactsRecordNameScript": {"record"},
		"onlyMany":                 {"query", "action"},
		"labelScript":              {"record", "nested"},
	}}
	cases := []struct {
		ref  string
		args []string
		want string
	}{
		{"js/exact", nil, "exact"},
		{"exact", nil, "exact"},
		{"js/activateActions", nil, "activateAction"},
		{"js/activateAction", nil, "activateAction"},
		{"js/contactsRecordLabel", nil, "contactsRecordNameScript"},
		{"js/somethingElse", ArgsManyRecords, "onlyMany"},
		{"js/somethingElse", ArgsOneRecord, "activateAction"},
		{"js/addressLabel", ArgsNestedLabel, "labelScript"},
		{"js/somethingElse", nil, ""},
		{"js/somethingElse", ArgsGlobal, ""},
		{"js/Actions", nil, ""},
		{"js/", nil, ""},
	}
	for _, c := range cases {
		got, ok := s.Resolve(c.ref, c.args...)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Resolve(%q, %v) = %q, %v; want %q", c.ref, c.args, got, ok, c.want)
		}
	}
	// the exact name wins over the fallbacks
	s.Functions["fooActions"] = []string{"x"}
	s.Functions["fooAction"] = []string{"record", "oldRecord", "action"}
	if got, _ := s.Resolve("js/fooActions", ArgsOneRecord...); got != "fooActions" {
		t.Errorf("exact match must win, got %q", got)
	}
	// two functions matching the context: ambiguous
	if got, ok := s.Resolve("js/other", ArgsOneRecord...); ok {
		t.Errorf("ambiguous context match resolved to %q", got)
	}
	var nilScript *Script
	if _, ok := nilScript.Resolve("js/exact"); ok {
		t.Error("nil script resolved")
	}
}

func TestScriptRef(t *testing.T) {
	if fn, ok := ScriptRef("js/abc"); !ok || fn != "abc" {
		t.Error("js/abc")
	}
	for _, s := range []string{"abc", "js/", "fields/x", ""} {
		if _, ok := ScriptRef(s); ok {
			t.Errorf("ScriptRef(%q) ok", s)
		}
	}
}
