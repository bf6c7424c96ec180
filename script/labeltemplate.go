package script

import (
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
	"github.com/dop251/goja/token"

	"runway/app"
	"runway/record"
	"runway/types"
)

// A nestedLabel script is run for every item of every save (an import of a
// million companies with an address each: a million calls). Most of them
// only join inner values and literals:
//
//	function addressLabel(record, nested) {
//	    return nested.field('state').val() + ' - ' + nested.field('zipCode').val();
//	}
//
// Such a function is read once into a labelTemplate and evaluated in Go,
// with JavaScript's answer, without a runtime. Anything else — another
// statement, another expression, a value whose JavaScript form is not a
// string or null, a file whose top level does more than declare
// functions (it could rebind the name) — runs in JavaScript as before.

// labelTemplate is a nestedLabel function that returns string literals
// and inner values read as nested.field('<inner>').val(), joined with +:
// a literal (field nil, left nil), an inner value (field) or a + (left,
// right).
type labelTemplate struct {
	lit         string
	field       *app.Field
	left, right *labelTemplate
}

// noTemplate marks, in Engine.labels, a function that is not a template.
var noTemplate = &labelTemplate{}

// labelTemplate returns the template of the nestedLabel function fi of
// field f, nil when it is not one (read once per function and field).
func (e *Engine) labelTemplate(fi *fnInfo, f *app.Field) *labelTemplate {
	key := labelKey{fi, f}
	if v, ok := e.labels.Load(key); ok {
		if t := v.(*labelTemplate); t != noTemplate {
			return t
		}
		return nil
	}
	t := readLabelTemplate(e.app.Scripts[fi.file], fi, f)
	if t == nil {
		e.labels.Store(key, noTemplate)
		return nil
	}
	e.labels.Store(key, t)
	return t
}

type labelKey struct {
	fi *fnInfo
	f  *app.Field
}

// readLabelTemplate parses the script file of fi and reads the function
// as a template, nil when it is not one.
func readLabelTemplate(sc *app.Script, fi *fnInfo, f *app.Field) *labelTemplate {
	if sc == nil || f.Type != types.Nested {
		return nil
	}
	prog, err := parser.ParseFile(nil, fi.file, sc.Source, 0)
	if err != nil {
		return nil
	}
	var fn *ast.FunctionLiteral
	for _, st := range prog.Body {
		switch st := st.(type) {
		case *ast.EmptyStatement:
		case *ast.FunctionDeclaration:
			if st.Function.Name != nil && st.Function.Name.Name.String() == fi.name {
				fn = st.Function // the last declaration is the function
			}
		default:
			return nil
		}
	}
	if fn == nil || fn.Async || fn.Generator || fn.ParameterList.Rest != nil || len(fn.Body.List) != 1 {
		return nil
	}
	nested := nestedParam(fn.ParameterList.List, fi.bind)
	ret, ok := fn.Body.List[0].(*ast.ReturnStatement)
	if nested == "" || !ok || ret.Argument == nil {
		return nil
	}
	return readTemplate(ret.Argument, nested, f)
}

// nestedParam is the name of the parameter that receives the nested item
// (the second argument of app.ArgsNestedLabel), "" when none does or the
// parameters are not distinct plain names.
func nestedParam(params []*ast.Binding, bind []int) string {
	name := ""
	seen := map[string]bool{}
	for i, p := range params {
		id, ok := p.Target.(*ast.Identifier)
		if !ok || p.Initializer != nil || seen[id.Name.String()] {
			return ""
		}
		seen[id.Name.String()] = true
		arg := i
		if bind != nil {
			arg = bind[i]
		}
		if arg == 1 {
			name = id.Name.String()
		}
	}
	return name
}

// readTemplate reads x as a template: a string literal,
// <nested>.field('<inner>').val() or a + of those; nil when it is not one.
func readTemplate(x ast.Expression, nested string, f *app.Field) *labelTemplate {
	switch x := x.(type) {
	case *ast.StringLiteral:
		s := x.Value.String()
		if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
			return nil // a lone surrogate: JavaScript's string is not Go's
		}
		return &labelTemplate{lit: s}
	case *ast.BinaryExpression:
		if x.Operator != token.PLUS {
			return nil
		}
		l, r := readTemplate(x.Left, nested, f), readTemplate(x.Right, nested, f)
		if l == nil || r == nil {
			return nil
		}
		return &labelTemplate{left: l, right: r}
	case *ast.CallExpression:
		if inner := innerValue(x, nested, f); inner != nil {
			return &labelTemplate{field: inner}
		}
	}
	return nil
}

// innerValue is the inner field of f that x reads as
// <nested>.field('<inner>').val(), nil when x is something else or the
// field's value may be other than a string or null in JavaScript.
func innerValue(x *ast.CallExpression, nested string, f *app.Field) *app.Field {
	val, ok := x.Callee.(*ast.DotExpression)
	if !ok || len(x.ArgumentList) != 0 || val.Identifier.Name != "val" {
		return nil
	}
	call, ok := val.Left.(*ast.CallExpression)
	if !ok || len(call.ArgumentList) != 1 {
		return nil
	}
	field, ok := call.Callee.(*ast.DotExpression)
	if !ok || field.Identifier.Name != "field" {
		return nil
	}
	obj, ok := field.Left.(*ast.Identifier)
	name, isLit := call.ArgumentList[0].(*ast.StringLiteral)
	if !ok || !isLit || obj.Name.String() != nested {
		return nil
	}
	for _, inner := range f.Nested {
		if inner.Name == name.Value.String() && !inner.Many && stringTypes[inner.Type] {
			return inner
		}
	}
	return nil
}

// stringTypes are the types whose stored string values val() gives as
// JavaScript strings (scalarJS: plainJS).
var stringTypes = map[string]bool{
	types.Text: true, types.LongText: true, types.Email: true, types.URL: true,
	types.Phone: true, types.MaskedText: true, types.Choice: true,
}

// label is the label of item as the function gives it (null: ""); ok
// false when JavaScript must decide (a value neither a string nor absent,
// null + null).
func (t *labelTemplate) label(item record.Values) (string, bool) {
	s, null, ok := t.eval(item)
	if null {
		return "", ok
	}
	return s, ok
}

// eval is the value of t: a string, or null.
func (t *labelTemplate) eval(item record.Values) (s string, null, ok bool) {
	switch {
	case t.field != nil:
		switch v := item[t.field.Name].(type) {
		case nil:
			return "", true, true
		case string:
			return v, false, utf8.ValidString(v)
		}
		return "", false, false
	case t.left == nil:
		return t.lit, false, true
	}
	l, lnull, lok := t.left.eval(item)
	r, rnull, rok := t.right.eval(item)
	if !lok || !rok || lnull && rnull {
		return "", false, false // null + null is 0 in JavaScript
	}
	if lnull {
		l = "null"
	}
	if rnull {
		r = "null"
	}
	return l + r, false, true
}
