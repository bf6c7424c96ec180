package aggregate

import (
	"errors"
	"fmt"
	"strings"

	"runway/app"
	"runway/query"
	"runway/types"
)

// System members of records, as synthetic fields of the shapes. They are
// shared and never changed.
var (
	sysID      = synthetic("id", types.Text)
	sysVersion = synthetic("version", types.Integer)
	sysLabel   = synthetic("label", types.Text)
)

// synthetic is a field made by the pipeline (no metadata behind it).
func synthetic(name, kind string) *app.Field {
	return &app.Field{Name: name, Label: name, Type: kind, Rules: &types.Rules{}, System: isSystemName(name)}
}

func isSystemName(name string) bool {
	return name == sysName || name == "version" || name == query.SysLabel
}

const sysName = query.SysID

// recordShape is the shape of an entity's records: id, version, label and
// the stored (non-transient) fields.
func recordShape(e *app.Entity) *Shape {
	s := &Shape{Fields: []*app.Field{sysID, sysVersion, sysLabel}}
	for _, f := range e.Fields {
		if !f.Transient {
			s.Fields = append(s.Fields, f)
		}
	}
	return s
}

// clone copies the parts of a field a shape needs, under another name,
// multiplicity and inner fields (the copy has no Parent: the parser keeps
// where its values come from).
func clone(f *app.Field, name string, many bool, nested []*app.Field) *app.Field {
	rules := f.Rules
	if rules == nil {
		rules = &types.Rules{}
	}
	return &app.Field{Name: name, Label: f.Label, Type: f.Type, Many: many, SensitiveData: f.SensitiveData,
		System: f.System, Rules: rules, Nested: nested}
}

// container is a synthetic single nested field holding inner members.
func container(name string, inner []*app.Field) *app.Field {
	f := synthetic(name, types.Nested)
	f.Nested = inner
	return f
}

// entityOf is a stand-in entity whose fields are a shape's members, so the
// filter parser resolves paths against the documents of that shape.
func entityOf(e *app.Entity, s *Shape) *app.Entity {
	return &app.Entity{Name: e.Name, FullName: e.FullName, Label: e.Label, Fields: s.Fields}
}

// resolve resolves a path against a shape. A bare relationship, group or
// file path keeps its value whole (Sub empty); the stages choose the member
// they use.
func resolve(e *app.Entity, s *Shape, text string) (Path, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Path{}, errors.New("empty field path")
	}
	t, err := query.ResolvePath(entityOf(e, s), text)
	if err != nil {
		return Path{}, err
	}
	p := Path{Text: text, Steps: t.Path, Field: t.Field, Kind: t.Field.Type}
	if strings.Count(text, ".")+1 > len(t.Path) {
		p.Sub = strings.Split(t.Sub, ".")
		p.Kind = types.Text
	}
	return p, nil
}

// bare reports whether p ends at a structured value as a whole.
func (p *Path) bare() bool { return len(p.Sub) == 0 }

// withSub is p going on to member names inside its value (compared as text).
func (p Path) withSub(names ...string) Path {
	p.Sub = append(append([]string(nil), p.Sub...), names...)
	p.Kind = types.Text
	return p
}

// identity returns the members that identify a bare structured value —
// {id, label} of a relationship or group, {id, name} of a file — or nil
// for any other path.
func identity(p *Path) []string {
	if !p.bare() {
		return nil
	}
	switch p.Field.Type {
	case types.Relationship, types.Group:
		return []string{query.SysID, query.SysLabel}
	case types.File:
		return []string{query.SysID, "name"}
	}
	return nil
}

// natural is the member a bare structured value sorts and compares by
// (relationship and group: label, file: name, dynamic choice: selected
// value); "" for other values.
func natural(f *app.Field) string {
	switch f.Type {
	case types.Relationship, types.Group:
		return query.SysLabel
	case types.File:
		return "name"
	case types.DynamicChoice:
		return "selectedValue"
	}
	return ""
}

// replaceAt returns fields with the member at steps replaced by leaf(old
// member) — or added at the end of its level when leaf is given nil because
// it does not exist — copying the containers on the way (shapes are
// shared). copied is told of every container copy.
func replaceAt(fields []*app.Field, names []string, leaf func(old *app.Field) *app.Field, copied func(old, new *app.Field)) []*app.Field {
	out := append([]*app.Field(nil), fields...)
	for i, f := range out {
		if f.Name != names[0] {
			continue
		}
		if len(names) == 1 {
			out[i] = leaf(f)
			return out
		}
		c := clone(f, f.Name, f.Many, replaceAt(f.Nested, names[1:], leaf, copied))
		copied(f, c)
		out[i] = c
		return out
	}
	if len(names) == 1 {
		return append(out, leaf(nil))
	}
	return append(out, container(names[0], replaceAt(nil, names[1:], leaf, copied)))
}

// geoFields lists the paths of the geoPoint members of a shape.
func geoFields(fields []*app.Field, prefix string) []string {
	var out []string
	for _, f := range fields {
		switch f.Type {
		case types.GeoPoint:
			out = append(out, prefix+f.Name)
		case types.Nested:
			out = append(out, geoFields(f.Nested, prefix+f.Name+".")...)
		}
	}
	return out
}

// validName: names of members a stage makes (count, as, distanceField,
// includeLocs, accumulators) are letters and digits (query-language.md
// §6.2), at most 100 of them, and not a system member's name.
func validName(s string) error {
	if s == "" || len(s) > 100 {
		return fmt.Errorf("%q is not a valid name (1 to 100 letters and digits)", s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return fmt.Errorf("%q is not a valid name (letters and digits only)", s)
		}
	}
	if isSystemName(s) {
		return fmt.Errorf("%q is the name of a system member", s)
	}
	return nil
}
