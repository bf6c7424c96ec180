package markup

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Object is a JSON object whose keys keep their order.
type Object struct {
	Keys   []string
	Values map[string]any
}

func newObject() *Object { return &Object{Values: map[string]any{}} }

// add sets key; a repeated key becomes an array of its values.
func (o *Object) add(key string, v any) {
	old, seen := o.Values[key]
	if !seen {
		o.Keys = append(o.Keys, key)
		o.Values[key] = v
		return
	}
	if arr, ok := old.(repeated); ok {
		o.Values[key] = append(arr, v)
		return
	}
	o.Values[key] = repeated{old, v}
}

// repeated marks arrays made of repeated elements (not of one element's
// value).
type repeated []any

// maxXMLDepth bounds element nesting.
const maxXMLDepth = 512

// XMLToJSON reads XML into JSON-like values (org.json's convention): an
// element with only text is its text, one with attributes or children an
// object of them (its text under "content"), repeated elements an array;
// texts that read as numbers or true/false/null become those values.
// Namespace prefixes stay part of the names; comments, processing
// instructions and the doctype are left out.
func XMLToJSON(s string) (*Object, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	root := newObject()
	type frame struct {
		name string
		obj  *Object
		text strings.Builder
	}
	stack := []*frame{{obj: root}}
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("xml: %w", err)
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) > maxXMLDepth {
				return nil, fmt.Errorf("xml: elements nested deeper than %d", maxXMLDepth)
			}
			f := &frame{name: qname(t.Name), obj: newObject()}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					continue
				}
				f.obj.add(qname(a.Name), scalar(a.Value))
			}
			stack = append(stack, f)
		case xml.EndElement:
			if len(stack) == 1 || qname(t.Name) != top.name {
				return nil, fmt.Errorf("xml: unexpected </%s>", qname(t.Name))
			}
			stack = stack[:len(stack)-1]
			text := strings.TrimSpace(top.text.String())
			var v any
			switch {
			case len(top.obj.Keys) == 0:
				v = scalar(text)
			default:
				if text != "" {
					top.obj.add("content", scalar(text))
				}
				v = top.obj
			}
			stack[len(stack)-1].obj.add(top.name, v)
		case xml.CharData:
			if len(stack) > 1 {
				top.text.Write(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, errors.New("xml: text outside the root element")
			}
		}
	}
	if len(stack) != 1 {
		return nil, fmt.Errorf("xml: <%s> is not closed", stack[len(stack)-1].name)
	}
	return root, nil
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// scalar reads a text as org.json does: true, false, null, a number that
// prints back the same, else the text.
func scalar(s string) any {
	switch s {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if s == "" || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		return s
	}
	digits := strings.TrimPrefix(s, "-")
	if len(digits) > 1 && digits[0] == '0' && digits[1] != '.' {
		return s // 007 stays text
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return json.Number(strconv.FormatInt(n, 10))
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && strings.ContainsAny(s, ".eE") {
		return json.Number(s)
	}
	return s
}

// Values returns v with *Object and repeated arrays as plain maps and
// slices (for callers that do not need the key order).
func Values(v any) any {
	switch x := v.(type) {
	case *Object:
		m := make(map[string]any, len(x.Keys))
		for _, k := range x.Keys {
			m[k] = Values(x.Values[k])
		}
		return m
	case repeated:
		return Values([]any(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Values(e)
		}
		return out
	}
	return v
}

// Each calls fn with the keys and values of an *Object in order (values
// of repeated elements as []any).
func (o *Object) Each(fn func(key string, v any)) {
	for _, k := range o.Keys {
		v := o.Values[k]
		if r, ok := v.(repeated); ok {
			v = []any(r)
		}
		fn(k, v)
	}
}

// JSONToXML writes JSON-like values as XML (org.json's convention): each
// key an element, an array repeated elements, the key "content" the text
// of its element, null an empty element. v is an *Object, a
// map[string]any (keys sorted) or an array of them.
func JSONToXML(v any) (string, error) {
	var b strings.Builder
	if err := writeXML(&b, "", v, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeXML(b *strings.Builder, name string, v any, depth int) error {
	if depth > maxXMLDepth {
		return fmt.Errorf("xml: values nested deeper than %d", maxXMLDepth)
	}
	if name != "" && name != "content" && !validName(name) {
		return fmt.Errorf("xml: %q is not a valid element name", name)
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if err := writeXML(b, name, e, depth+1); err != nil {
				return err
			}
		}
		return nil
	case repeated:
		return writeXML(b, name, []any(x), depth)
	case *Object, map[string]any:
		keys, vals := entries(x)
		if name != "" {
			b.WriteString("<" + name + ">")
		}
		for i, k := range keys {
			if k == "content" {
				if err := writeText(b, vals[i]); err != nil {
					return err
				}
				continue
			}
			if err := writeXML(b, k, vals[i], depth+1); err != nil {
				return err
			}
		}
		if name != "" {
			b.WriteString("</" + name + ">")
		}
		return nil
	}
	if name == "" {
		return writeText(b, v)
	}
	if v == nil {
		b.WriteString("<" + name + "/>")
		return nil
	}
	b.WriteString("<" + name + ">")
	if err := writeText(b, v); err != nil {
		return err
	}
	b.WriteString("</" + name + ">")
	return nil
}

func entries(v any) ([]string, []any) {
	if o, ok := v.(*Object); ok {
		vals := make([]any, len(o.Keys))
		for i, k := range o.Keys {
			vals[i] = o.Values[k]
		}
		return o.Keys, vals
	}
	m := v.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	vals := make([]any, len(keys))
	for i, k := range keys {
		vals[i] = m[k]
	}
	return keys, vals
}

func writeText(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return xml.EscapeText(b, []byte(x))
	case json.Number:
		b.WriteString(x.String())
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int:
		b.WriteString(strconv.Itoa(x))
	case []any:
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeText(b, e); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("xml: %T cannot be text", v)
	}
	return nil
}

// validName reports whether s is an XML name (letters, digits, _ - . and
// one ':' prefix separator; not starting with a digit, '-' or '.').
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r == '_' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0xC0 && r != 0xD7 && r != 0xF7
		if i == 0 && !letter {
			return false
		}
		if !letter && !(r == '-' || r == '.' || r >= '0' && r <= '9' || r == 0xB7) {
			return false
		}
	}
	return true
}
