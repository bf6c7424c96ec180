package openapi

import (
	"encoding/json"
	"fmt"
	"strings"

	"runway/app"
	"runway/types"
)

// Patterns of the string forms (app-model.md §2); ECMA-262 syntax.
const (
	idPattern           = `^[0-9a-f]{24}$`
	dateTimeNoTZPattern = `^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$`
	timePattern         = `^\d{2}:\d{2}$`
	monthDayPattern     = `^\d{2}-\d{2}$`
	yearMonthPattern    = `^\d{4}-\d{2}$`
	decimalPattern      = `^-?\d+(\.\d+)?$`
)

// ID is the schema of a record, job or file id.
func ID() *Schema {
	return &Schema{Type: "string", Pattern: idPattern, Description: "24 lowercase hex characters"}
}

// Record is the schema of a record of e as reads answer it (rest-api.md
// §4.1, format native): id, version and label always, then every field
// that is stored. Fields are optional: unset ones, those the caller may not
// read and those _fields leaves out are absent.
func Record(e *app.Entity) *Schema {
	s := Object(systemProps(e.Label)...)
	s.Title = e.Label
	s.Required = []string{"id", "version", "label"}
	s.LabelField = strings.Join(e.LabelPath, ".")
	for _, f := range e.Fields {
		if !f.Transient {
			s.Properties = append(s.Properties, Prop(f.Name, Value(f)))
		}
	}
	return s
}

func systemProps(label string) []Property {
	return []Property{
		Prop("id", ID()),
		Prop("version", Type("integer").Describe("0 on create, +1 on every write; send it back on update to be told of a concurrent change (409)")),
		Prop("label", Type("string").Describe("The label of the %s record, computed", label)),
	}
}

// Value is the native JSON of a field's value: an array of values when the
// field is multi-valued.
func Value(f *app.Field) *Schema {
	s := one(f)
	if f.Many {
		s = ArrayOf(s)
	}
	annotate(s, f)
	if f.ReadOnlyType() {
		s.ReadOnly = true
	}
	return s
}

// annotate gives a field's schema its title and a description of the type.
func annotate(s *Schema, f *app.Field) {
	s.FieldType = f.Type
	if f.Type == types.Relationship {
		s.RefEntity = f.Rules.Entity
	}
	s.Title = f.Label
	if s.Title == "" {
		s.Title = f.Name
	}
	var notes []string
	notes = append(notes, "type "+f.Type)
	if f.Many {
		notes = append(notes, "multi-valued")
	}
	if f.IsRequired() {
		notes = append(notes, "required")
	}
	if f.Unique {
		notes = append(notes, "unique")
	}
	if f.Calculated() {
		notes = append(notes, "calculated")
	}
	if f.Transient {
		notes = append(notes, "transient: never stored nor returned")
	}
	if d := typeNote(f); d != "" {
		notes = append(notes, d)
	}
	s.Description = strings.Join(notes, "; ")
}

func typeNote(f *app.Field) string {
	switch f.Type {
	case types.DateTime, types.RecordCreated, types.RecordModified:
		return "milliseconds since 1970-01-01 UTC"
	case types.Duration:
		return "milliseconds"
	case types.Percentage:
		return "a fraction (0.7 is 70%)"
	case types.BigNumber:
		return "a decimal number as a string, up to 34 significant digits"
	case types.Relationship:
		return "a record of " + f.Rules.Entity
	}
	return ""
}

// one is the native JSON of a single value of f.
func one(f *app.Field) *Schema {
	switch f.Type {
	case types.Integer, types.AutoIncrement:
		return &Schema{Type: "integer", Format: "int64"}
	case types.Decimal, types.Money, types.Percentage:
		return Type("number")
	case types.BigNumber:
		return &Schema{Type: "string", Pattern: decimalPattern}
	case types.Boolean:
		return Type("boolean")
	case types.Choice:
		return &Schema{Type: "string", Enum: choiceNames(f)}
	case types.DynamicChoice:
		option := Object(Prop("name", Type("string")), Prop("label", Type("string")))
		return Object(Prop("options", ArrayOf(option)), Prop("selectedValue", Type("string")))
	case types.Date:
		return &Schema{Type: "string", Format: "date"}
	case types.DateTime, types.RecordCreated, types.RecordModified, types.Duration:
		return &Schema{Type: "integer", Format: "int64"}
	case types.DateTimeNoTimezone:
		return &Schema{Type: "string", Pattern: dateTimeNoTZPattern}
	case types.Time:
		return &Schema{Type: "string", Pattern: timePattern}
	case types.MonthDay:
		return &Schema{Type: "string", Pattern: monthDayPattern}
	case types.YearMonth:
		return &Schema{Type: "string", Pattern: yearMonthPattern}
	case types.GeoPoint:
		s := Object(Prop("latitude", Type("number")), Prop("longitude", Type("number")))
		s.Required = []string{"latitude", "longitude"}
		return s
	case types.File:
		s := Object(Prop("id", ID()), Prop("name", Type("string").Describe("the file name, possibly followed by its size")))
		s.Required = []string{"id"}
		return s
	case types.Group:
		s := Object(Prop("id", Type("string")), Prop("label", Type("string")))
		s.Required = []string{"id"}
		return s
	case types.Relationship:
		// Copied fields ride along, and _relationshipsToFetch replaces the
		// value by the whole referenced record: the object stays open.
		s := Object(Prop("id", ID()), Prop("label", Type("string")))
		s.Required = []string{"id"}
		s.AdditionalProperties = nil
		return s
	case types.Nested:
		s := Object(Prop("id", ID()), Prop("label", Type("string")))
		for _, in := range f.Nested {
			if !in.Transient {
				s.Properties = append(s.Properties, Prop(in.Name, Value(in)))
			}
		}
		return s
	}
	return Type("string") // the text family, color, rank
}

func choiceNames(f *app.Field) []any {
	out := make([]any, len(f.Rules.PossibleValues))
	for i, v := range f.Rules.PossibleValues {
		out[i] = v.Name
	}
	return out
}

// PlainText is the schema of a record of e read with _format=plainText:
// every value a string formatted for display (nested groups stay objects,
// multi-valued fields arrays).
func PlainText(e *app.Entity) *Schema {
	s := Object(systemProps(e.Label)...)
	s.Title = e.Label + " (plainText)"
	s.Required = []string{"id", "version", "label"}
	for _, f := range e.Fields {
		if !f.Transient {
			s.Properties = append(s.Properties, Prop(f.Name, plainValue(f)))
		}
	}
	return s
}

func plainValue(f *app.Field) *Schema {
	s := Type("string")
	if f.Type == types.Nested {
		s = Object(Prop("id", Type("string")), Prop("label", Type("string")))
		for _, in := range f.Nested {
			if !in.Transient {
				s.Properties = append(s.Properties, Prop(in.Name, plainValue(in)))
			}
		}
	}
	if f.Many {
		s = ArrayOf(s)
	}
	s.Title = f.Label
	return s
}

// Write is the schema of the body of a create (create true: required
// fields without a default are required) or an update of e (rest-api.md
// §6.3, §6.4): the fields a client may write, in their write forms; null
// clears a field. Calculated and server-set fields are left out (the
// server ignores them), as are id and label; an update may carry version.
func Write(a *app.App, e *app.Entity, create bool) *Schema {
	s := Object()
	if create {
		s.Title = "New " + e.Label
	} else {
		s.Title = e.Label + " changes"
		s.Properties = append(s.Properties, Prop("version",
			Type("integer").Describe("The version read; a different stored version answers 409 optimisticLocking")))
	}
	writeFields(a, s, e.Fields, create)
	return s
}

// Parameters is the schema of the body of action act: its parameters,
// written like fields (rest-api.md §6.9).
func Parameters(a *app.App, e *app.Entity, act *app.Action) *Schema {
	s := Object()
	s.Title = fmt.Sprintf("Parameters of %s", act.Label)
	writeFields(a, s, act.Parameters, true)
	return s
}

func writeFields(a *app.App, s *Schema, fields []*app.Field, create bool) {
	for _, f := range fields {
		if f.ReadOnlyType() {
			continue
		}
		s.Properties = append(s.Properties, Prop(f.Name, WriteValue(a, f, create)))
		if create && f.IsRequired() && f.DefaultKind == app.DefaultNone {
			s.Required = append(s.Required, f.Name)
		}
	}
}

// WriteValue is what a client may write into f: its write forms (array
// when multi-valued), or null to clear it.
func WriteValue(a *app.App, f *app.Field, create bool) *Schema {
	s := writeOne(a, f, create)
	if f.Many {
		s = ArrayOf(s)
	}
	s = Nullable(s)
	annotate(s, f)
	s.WriteOnly = f.Transient
	return s
}

func writeOne(a *app.App, f *app.Field, create bool) *Schema {
	r := f.Rules
	switch f.Type {
	case types.Text, types.LongText, types.QR:
		s := Type("string")
		s.MinLength, s.MaxLength = r.MinLength, r.MaxLength
		if r.ExactLength != nil {
			s.MinLength, s.MaxLength = r.ExactLength, r.ExactLength
		}
		if f.Type == types.Text && s.MaxLength == nil {
			limit := types.TextMaxChars
			s.MaxLength = &limit
		}
		if r.Regex != nil {
			s.Description = "must match " + r.Regex.Expression
		}
		return s
	case types.Integer:
		s := &Schema{Type: "integer", Format: "int64"}
		s.Minimum, s.Maximum = r.MinValue, r.MaxValue
		return s
	case types.Decimal, types.Money, types.Percentage:
		s := Type("number")
		s.Minimum, s.Maximum = r.MinValue, r.MaxValue
		return s
	case types.BigNumber:
		return AnyOf(&Schema{Type: "string", Pattern: decimalPattern}, Type("number"))
	case types.DynamicChoice:
		return AnyOf(Type("string").Describe("one option whose name and label are this string"), one(f))
	case types.DateTime:
		return AnyOf(&Schema{Type: "integer", Format: "int64"}, Type("string").Describe("ISO-8601, or yyyy-MM-dd HH:mm in UTC"))
	case types.Duration:
		return AnyOf(&Schema{Type: "integer", Format: "int64"}, Type("string").Describe("e.g. 1d 2h 30m 15s"))
	case types.GeoPoint:
		lat, lon := Type("number"), Type("number")
		lat.Minimum, lat.Maximum = number("-90"), number("90")
		lon.Minimum, lon.Maximum = number("-180"), number("180")
		s := Object(Prop("latitude", lat), Prop("longitude", lon))
		s.Required = []string{"latitude", "longitude"}
		return s
	case types.File:
		upload := Object(Prop("name", Type("string")), Prop("contentType", Type("string")),
			Prop("content", Type("string").Describe("the file's bytes in base64")))
		upload.Required = []string{"name", "content"}
		byID := Object(Prop("id", ID()))
		byID.Required = []string{"id"}
		return AnyOf(ID().Describe("the id of an uploaded file"), byID, upload)
	case types.Group:
		byID := Object(Prop("id", Type("string")))
		byID.Required = []string{"id"}
		return AnyOf(Type("string").Describe("a group id, name or label"), byID)
	case types.Relationship:
		return relationshipWrite(a, f)
	case types.Nested:
		s := Object()
		if f.Many {
			s.Properties = append(s.Properties, Prop("id", ID().Describe("an existing item's id: the item is kept and merged; none: a new item")))
		}
		writeFields(a, s, f.Nested, create)
		return s
	}
	return one(f)
}

// relationshipWrite: the referenced record by id, label or lookup field,
// as a string or an object (app-model.md §3).
func relationshipWrite(a *app.App, f *app.Field) *Schema {
	obj := Object(Prop("id", ID()), Prop("label", Type("string")))
	if target := a.Entity(f.Rules.Entity); target != nil {
		for _, name := range target.LookupFields {
			obj.Properties = append(obj.Properties, Prop(name, Any()))
		}
	}
	one := 1
	obj.MinProperties = &one
	return AnyOf(Type("string").Describe("the id, label or lookup value of a record of %s", f.Rules.Entity), obj)
}

func number(s string) *json.Number {
	n := json.Number(s)
	return &n
}
