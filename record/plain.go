package record

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"runway/app"
	"runway/types"
)

// PlainText renders records in the plainText format (app-model.md §2,
// rest-api.md §6.1): every field value becomes the string the UI shows,
// using the field's display options over the app-wide defaults for its
// type; multi-valued fields give arrays of strings, nested fields objects
// of formatted inner values with their id and label; id, version and label
// of the record stay native. It does no I/O: fetched relationships arrive
// already rendered, as json.RawMessage values.
//
// A PlainText caches the merged display options of the fields it met, so
// use one per request (it is not safe for concurrent use).
type PlainText struct {
	// Defaults are the app-wide display options by canonical type id
	// (app.App.DisplayOptions); nil means none.
	Defaults map[string]types.Display
	// Loc is the time zone dateTime values are shown in; nil means UTC.
	Loc *time.Location

	display map[*app.Field]types.Display
}

// uiDisplayKeys are the uiOptions keys plainText reads (app-model.md §1.4:
// the date pattern and the number display keys).
var uiDisplayKeys = []string{"format", "thousandsSeparator", "showThousandsSeparator",
	"numberOfDecimals", "decimalLimitRuleType", "symbol"}

// Display returns the display options of a field: its displayOptions over
// the display keys of its uiOptions over the app defaults of its type (nil
// when there are none; types.Format then applies the built-in defaults).
func (p *PlainText) Display(f *app.Field) types.Display {
	if d, ok := p.display[f]; ok {
		return d
	}
	var d types.Display
	set := func(k string, v any) {
		if d == nil {
			d = types.Display{}
		}
		d[k] = v
	}
	for k, v := range p.Defaults[f.Type] {
		set(k, v)
	}
	for _, k := range uiDisplayKeys {
		if v, ok := f.UIOptions[k]; ok {
			set(k, v)
		}
	}
	for k, v := range f.DisplayOptions {
		set(k, v)
	}
	if p.display == nil {
		p.display = map[*app.Field]types.Display{}
	}
	p.display[f] = d
	return d
}

// Encode writes a record in plainText: id, version and label first (native),
// then the selected fields in definition order, as Encode does for native
// JSON. Fields with no value are left out.
func (p *PlainText) Encode(e *app.Entity, id string, version int64, label string, v Values, only FieldSet) []byte {
	var b bytes.Buffer
	b.Grow(256)
	b.WriteString(`{"id":`)
	writeString(&b, id)
	b.WriteString(`,"version":`)
	b.WriteString(strconv.FormatInt(version, 10))
	b.WriteString(`,"label":`)
	writeString(&b, label)
	p.writeFields(&b, e.Fields, v, only)
	b.WriteByte('}')
	return b.Bytes()
}

func (p *PlainText) writeFields(b *bytes.Buffer, fields []*app.Field, v Values, only FieldSet) {
	for _, f := range fields {
		if f.Transient {
			continue
		}
		sub, selected := only[f.Name]
		if only != nil && !selected {
			continue
		}
		val, ok := v[f.Name]
		if !ok || val == nil {
			continue
		}
		b.WriteString(`,`)
		writeString(b, f.Name)
		b.WriteByte(':')
		p.writeValue(b, f, val, sub)
	}
}

func (p *PlainText) writeValue(b *bytes.Buffer, f *app.Field, val any, only FieldSet) {
	list, isList := val.([]any)
	if !isList {
		p.writeOne(b, f, val, only)
		return
	}
	b.WriteByte('[')
	for i, item := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		p.writeOne(b, f, item, only)
	}
	b.WriteByte(']')
}

// writeOne writes one value (one element of a multi-valued field).
func (p *PlainText) writeOne(b *bytes.Buffer, f *app.Field, val any, only FieldSet) {
	switch x := val.(type) {
	case json.RawMessage: // already rendered (a fetched relationship)
		b.Write(x)
		return
	case nil:
		b.WriteString(`null`)
		return
	}
	switch f.Type {
	case types.Nested:
		m, ok := val.(Values)
		if !ok {
			writeJSON(b, val)
			return
		}
		b.WriteString(`{"id":`)
		writeJSON(b, m["id"])
		b.WriteString(`,"label":`)
		writeJSON(b, m["label"])
		p.writeFields(b, f.Nested, m, only)
		b.WriteByte('}')
	case types.File:
		writeString(b, FileText(val))
	default:
		writeString(b, types.Format(f.Type, f.Rules, p.Display(f), val, p.Loc))
	}
}

// Text is one value of f as a single readable string (history's "text"):
// its plainText, the elements of a multi-valued field joined with ", ",
// a nested group as "Label: text" of its inner fields with a value, ""
// for no value.
func (p *PlainText) Text(f *app.Field, val any) string {
	if list, ok := val.([]any); ok {
		parts := make([]string, 0, len(list))
		for _, item := range list {
			if s := p.Text(f, item); s != "" {
				parts = append(parts, s)
			}
		}
		sep := ", "
		if f.Type == types.Nested {
			sep = "; "
		}
		return strings.Join(parts, sep)
	}
	switch x := val.(type) {
	case nil:
		return ""
	case Values:
		if f.Type != types.Nested {
			break
		}
		var parts []string
		for _, inner := range f.Nested {
			if inner.Transient {
				continue
			}
			if s := p.Text(inner, x[inner.Name]); s != "" {
				parts = append(parts, inner.Label+": "+s)
			}
		}
		return strings.Join(parts, ", ")
	}
	if f.Type == types.File {
		return FileText(val)
	}
	return types.Format(f.Type, f.Rules, p.Display(f), val, p.Loc)
}

// FileText is the plainText of a file value (app-model.md §8 Q17): its name,
// followed by its human size when the value knows it ("logo.png (41.5kB)").
// A file whose name is not known yet shows its id.
func FileText(val any) string {
	m, ok := val.(Values)
	if !ok {
		s, _ := val.(string)
		return s
	}
	name, _ := m["name"].(string)
	if name == "" {
		name, _ = m["id"].(string)
	}
	if size, ok := fileSize(m["size"]); ok {
		return name + " (" + HumanSize(size) + ")"
	}
	return name
}

func fileSize(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		return n, err == nil && n >= 0
	case int64:
		return x, x >= 0
	case int:
		return int64(x), x >= 0
	case float64:
		return int64(x), x >= 0
	}
	return 0, false
}

// HumanSize shows a byte count in decimal units with at most one decimal:
// 512B, 41.5kB, 3MB, 1.2GB.
func HumanSize(n int64) string {
	if n < 1000 {
		return strconv.FormatInt(n, 10) + "B"
	}
	x := float64(n)
	for _, unit := range []string{"kB", "MB", "GB", "TB"} {
		x /= 1000
		if x < 999.95 || unit == "TB" {
			s := strconv.FormatFloat(x, 'f', 1, 64)
			return strings.TrimSuffix(s, ".0") + unit
		}
	}
	return "" // unreachable
}
