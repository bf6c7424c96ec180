package script

import (
	"encoding/json"
	"errors"
	"html"
	"regexp"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/freemarker"
	"runway/markup"
	"runway/types"
)

// sysText is sys.utils.text.
func (rt *runtime) sysText() *goja.Object {
	convert := func(name string, f func(string) (string, error)) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			out, err := f(str(c, 0))
			if err != nil {
				rt.throwf(apperr.BadRequest, "%s: %v", name, err)
			}
			return rt.vm.ToValue(out)
		}
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"findTokens":      func(c goja.FunctionCall) goja.Value { return rt.orderedJS(findTokens(str(c, 0))) },
		"processTemplate": func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(rt.processTemplate(str(c, 0), arg(c, 1))) },
		"htmlToText":      func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(types.HTMLText(str(c, 0))) },
		"textToHtml":      func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(markup.TextToHTML(str(c, 0))) },
		"markdownToHtml":  convert("markdownToHtml", markup.MarkdownToHTML),
		"htmlToMarkdown":  convert("htmlToMarkdown", markup.HTMLToMarkdown),
		// Not in the reference, but its sys.context sample calls it.
		"recordToString": func(c goja.FunctionCall) goja.Value {
			b, err := rt.toJSON(arg(c, 0))
			if err != nil {
				rt.throwf(apperr.BadRequest, "recordToString: %v", err)
			}
			return rt.vm.ToValue(string(b))
		},
	})
}

// tokenPattern is one #name or #name:value token of findTokens, at the
// start of the text or after white space.
var tokenPattern = regexp.MustCompile(`(?:^|\s)#([\p{L}\p{N}_\-.]+)(?::(\S+))?`)

// findTokens collects the #name:value tokens of a text: a token without
// value is true, a comma list or a repeated token an array.
func findTokens(text string) *markup.Object {
	out := &markup.Object{Values: map[string]any{}}
	for _, m := range tokenPattern.FindAllStringSubmatch(text, -1) {
		name, raw := m[1], m[2]
		var val any = true
		if raw != "" {
			if parts := strings.Split(raw, ","); len(parts) > 1 {
				list := []any{}
				for _, p := range parts {
					if p != "" {
						list = append(list, p)
					}
				}
				val = list
			} else {
				val = raw
			}
		}
		old, seen := out.Values[name]
		if !seen {
			out.Keys = append(out.Keys, name)
			out.Values[name] = val
			continue
		}
		out.Values[name] = mergeToken(old, val)
	}
	return out
}

func mergeToken(old, val any) any {
	if val == true {
		return old
	}
	if old == true {
		return val
	}
	var list []any
	for _, v := range []any{old, val} {
		if l, ok := v.([]any); ok {
			list = append(list, l...)
		} else {
			list = append(list, v)
		}
	}
	return list
}

// processTemplate renders a FreeMarker template (package freemarker) with
// options {model, unescapeHtml, throwErrors}. An error returns "" and is
// logged, or with throwErrors is thrown (badRequest).
func (rt *runtime) processTemplate(src string, opts goja.Value) string {
	var model goja.Value = goja.Undefined()
	unescape, throw := false, false
	if o, ok := opts.(*goja.Object); ok {
		model = o.Get("model")
		unescape = !isNothing(o.Get("unescapeHtml")) && o.Get("unescapeHtml").ToBoolean()
		throw = !isNothing(o.Get("throwErrors")) && o.Get("throwErrors").ToBoolean()
	}
	out, err := rt.renderTemplate(src, model)
	if err != nil {
		if errors.Is(err, freemarker.ErrStopped) {
			return "" // the time limit: the interrupt stops the script next
		}
		if throw {
			rt.throwf(apperr.BadRequest, "Template error: %v", err)
		}
		rt.e.log.Error("script: processTemplate failed", "script", rt.x.source, "err", err.Error())
		return ""
	}
	if unescape {
		out = html.UnescapeString(out)
	}
	return out
}

func (rt *runtime) renderTemplate(src string, model goja.Value) (string, error) {
	tpl, err := freemarker.Parse(src)
	if err != nil {
		return "", err
	}
	m, err := rt.templateValue(model, 0)
	if err != nil {
		return "", err
	}
	if m == nil {
		m = freemarker.Hash{}
	}
	if _, ok := m.(freemarker.Hash); !ok {
		return "", errors.New("the model must be an object")
	}
	return tpl.Execute(m, freemarker.Options{Location: rt.e.data.Location(), Stop: rt.x.done})
}

// templateValue converts a JS value into a template model value: objects
// keep their key order, Dates stay dates, Records are their native JSON,
// functions are left out.
func (rt *runtime) templateValue(v goja.Value, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("the model is nested too deeply (a cycle?)")
	}
	if isNothing(v) {
		return nil, nil
	}
	if t, ok := dateOf(v); ok {
		return t, nil
	}
	o, isObj := v.(*goja.Object)
	if !isObj {
		return exportJSON(v), nil
	}
	switch h := o.Export().(type) {
	case *recordHost:
		return orderedJSON(h.json())
	case *wrapperHost:
		return rt.templateValue(rt.wrapperJS(h), depth+1)
	case *bigHost:
		return h.d.float(), nil
	case goja.DynamicObject:
		return nil, nil
	}
	if _, isFn := goja.AssertFunction(o); isFn {
		return nil, nil
	}
	if o.ClassName() == "Array" {
		n := int(o.Get("length").ToInteger())
		out := make([]any, n)
		for i := range out {
			x, err := rt.templateValue(o.Get(strconv.Itoa(i)), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	h := freemarker.Hash{Values: map[string]any{}}
	for _, k := range o.Keys() {
		x, err := rt.templateValue(o.Get(k), depth+1)
		if err != nil {
			return nil, err
		}
		h.Keys = append(h.Keys, k)
		h.Values[k] = x
	}
	return h, nil
}

// orderedJSON decodes a JSON document keeping the key order of objects.
func orderedJSON(b []byte) (any, error) {
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	return orderedValue(d)
}

func orderedValue(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			h := freemarker.Hash{Values: map[string]any{}}
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := orderedValue(d)
				if err != nil {
					return nil, err
				}
				h.Keys = append(h.Keys, k)
				h.Values[k] = v
			}
			_, err := d.Token()
			return h, err
		case '[':
			out := []any{}
			for d.More() {
				v, err := orderedValue(d)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			_, err := d.Token()
			return out, err
		}
	}
	return tok, nil
}

// orderedJS converts a markup value (objects in key order) to JavaScript.
func (rt *runtime) orderedJS(v any) goja.Value {
	switch x := v.(type) {
	case *markup.Object:
		o := rt.vm.NewObject()
		x.Each(func(k string, e any) { _ = o.Set(k, rt.orderedJS(e)) })
		return o
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = rt.orderedJS(e)
		}
		return rt.vm.NewArray(out...)
	}
	return rt.plainJS(v)
}

// hashToObject turns the ordered objects of orderedJSON into markup's.
func hashToObject(v any) any {
	switch x := v.(type) {
	case freemarker.Hash:
		o := &markup.Object{Keys: x.Keys, Values: make(map[string]any, len(x.Keys))}
		for _, k := range x.Keys {
			o.Values[k] = hashToObject(x.Values[k])
		}
		return o
	case []any:
		for i, e := range x {
			x[i] = hashToObject(e)
		}
		return x
	}
	return v
}
