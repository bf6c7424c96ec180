// Package openapi is the model of an OpenAPI 3.1 document (the parts Runway
// writes) and the JSON schemas of an app's records: the native JSON of each
// field type, what may be written, the plainText rendering and action
// parameters (app-model.md §2). Package api describes its endpoints with it.
package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Version is the OpenAPI version of the documents.
const Version = "3.1.0"

// Document is an OpenAPI document.
type Document struct {
	OpenAPI    string               `json:"openapi"`
	Info       Info                 `json:"info"`
	Servers    []Server             `json:"servers,omitempty"`
	Security   []Requirement        `json:"security,omitempty"`
	Tags       []Tag                `json:"tags,omitempty"`
	Paths      map[string]*PathItem `json:"paths"`
	Components Components           `json:"components"`
}

// Info is the document's info object.
type Info struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

// Server is a base URL; a relative one is relative to the document's.
type Server struct {
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
}

// Requirement names security schemes an operation needs.
type Requirement map[string][]string

// Tag groups operations.
type Tag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// PathItem holds the operations of one path.
type PathItem struct {
	// Servers replaces the document's servers for this path (the probes
	// outside the API base).
	Servers []Server   `json:"servers,omitempty"`
	Get     *Operation `json:"get,omitempty"`
	Put     *Operation `json:"put,omitempty"`
	Post    *Operation `json:"post,omitempty"`
	Delete  *Operation `json:"delete,omitempty"`
}

// Operations are the item's operations by HTTP method.
func (p *PathItem) Operations() map[string]*Operation {
	m := map[string]*Operation{}
	for method, op := range map[string]*Operation{"GET": p.Get, "PUT": p.Put, "POST": p.Post, "DELETE": p.Delete} {
		if op != nil {
			m[method] = op
		}
	}
	return m
}

func (p *PathItem) slot(method string) (**Operation, error) {
	switch method {
	case "GET":
		return &p.Get, nil
	case "PUT":
		return &p.Put, nil
	case "POST":
		return &p.Post, nil
	case "DELETE":
		return &p.Delete, nil
	}
	return nil, fmt.Errorf("openapi: method %s is not described", method)
}

// Add adds an operation at path; a second one for the same path and
// method is an error.
func (d *Document) Add(method, path string, op *Operation) error {
	item := d.Paths[path]
	if item == nil {
		item = &PathItem{}
		d.Paths[path] = item
	}
	slot, err := item.slot(method)
	if err != nil {
		return err
	}
	if *slot != nil {
		return fmt.Errorf("openapi: %s %s is described twice (%s, %s)", method, path, (*slot).OperationID, op.OperationID)
	}
	*slot = op
	return nil
}

// Operation is one method on one path.
type Operation struct {
	OperationID string       `json:"operationId"`
	Summary     string       `json:"summary,omitempty"`
	Description string       `json:"description,omitempty"`
	Tags        []string     `json:"tags,omitempty"`
	Parameters  []*Parameter `json:"parameters,omitempty"`
	RequestBody *RequestBody `json:"requestBody,omitempty"`
	// Responses by status ("200", "404").
	Responses map[string]*Response `json:"responses"`
	// Security replaces the document's; Public() makes it empty (no token).
	Security *[]Requirement `json:"security,omitempty"`
	// Action names the app action an operation runs, for tools that
	// offer actions as buttons (the console).
	Action *Action `json:"x-runway-action,omitempty"`
}

// Action is what a tool needs to offer an action: its name, label and
// type ("oneRecord", "manyRecords", "global").
type Action struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Type  string `json:"type,omitempty"`
}

// Public marks the operation as needing no token.
func (o *Operation) Public() *Operation {
	none := []Requirement{}
	o.Security = &none
	return o
}

// Parameter is a path, query or header parameter, or a reference to one.
type Parameter struct {
	Ref         string  `json:"$ref,omitempty"`
	Name        string  `json:"name,omitempty"`
	In          string  `json:"in,omitempty"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Schema      *Schema `json:"schema,omitempty"`
	// Style and Explode: a comma list is style form, explode false.
	Style   string `json:"style,omitempty"`
	Explode *bool  `json:"explode,omitempty"`
	Example any    `json:"example,omitempty"`
	// Operators lists the filter operators of a field filter
	// (query-language.md §2.3), for tools that build queries.
	Operators []string `json:"x-operators,omitempty"`
}

// RequestBody is an operation's body.
type RequestBody struct {
	Description string               `json:"description,omitempty"`
	Required    bool                 `json:"required,omitempty"`
	Content     map[string]MediaType `json:"content"`
}

// MediaType is the schema of a body in one content type.
type MediaType struct {
	Schema *Schema `json:"schema"`
}

// Response is an answer of an operation, or a reference to one.
type Response struct {
	Ref         string               `json:"$ref,omitempty"`
	Description string               `json:"description,omitempty"`
	Headers     map[string]*Header   `json:"headers,omitempty"`
	Content     map[string]MediaType `json:"content,omitempty"`
}

// Header is a response header, or a reference to one.
type Header struct {
	Ref         string  `json:"$ref,omitempty"`
	Description string  `json:"description,omitempty"`
	Schema      *Schema `json:"schema,omitempty"`
}

// Components are the reusable parts of the document.
type Components struct {
	Schemas         map[string]*Schema         `json:"schemas,omitempty"`
	Responses       map[string]*Response       `json:"responses,omitempty"`
	Parameters      map[string]*Parameter      `json:"parameters,omitempty"`
	Headers         map[string]*Header         `json:"headers,omitempty"`
	SecuritySchemes map[string]*SecurityScheme `json:"securitySchemes,omitempty"`
}

// SecurityScheme is how a client authenticates.
type SecurityScheme struct {
	Type        string `json:"type"`
	In          string `json:"in,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

// Schema is a JSON Schema (2020-12, the dialect of OpenAPI 3.1).
type Schema struct {
	Ref         string `json:"$ref,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// Type is a type name, or a list of them (["string", "null"]).
	Type   any    `json:"type,omitempty"`
	Format string `json:"format,omitempty"`
	// Pattern is an ECMA-262 regular expression the string matches.
	Pattern              string       `json:"pattern,omitempty"`
	Enum                 []any        `json:"enum,omitempty"`
	Const                any          `json:"const,omitempty"`
	Properties           Properties   `json:"properties,omitempty"`
	Required             []string     `json:"required,omitempty"`
	AdditionalProperties any          `json:"additionalProperties,omitempty"` // false or a *Schema
	Items                *Schema      `json:"items,omitempty"`
	AnyOf                []*Schema    `json:"anyOf,omitempty"`
	Minimum              *json.Number `json:"minimum,omitempty"`
	Maximum              *json.Number `json:"maximum,omitempty"`
	MinLength            *int         `json:"minLength,omitempty"`
	MaxLength            *int         `json:"maxLength,omitempty"`
	MinProperties        *int         `json:"minProperties,omitempty"`
	MaxProperties        *int         `json:"maxProperties,omitempty"`
	ReadOnly             bool         `json:"readOnly,omitempty"`
	WriteOnly            bool         `json:"writeOnly,omitempty"`
	Default              any          `json:"default,omitempty"`
	// FieldType is the app field type a field's schema describes
	// (app-model.md §2), and RefEntity the entity a relationship field
	// points to: for tools that build forms (the console).
	FieldType string `json:"x-runway-type,omitempty"`
	RefEntity string `json:"x-runway-entity,omitempty"`
	// LabelField is the field path a record's label is read from
	// ("name", "contact.email"), for tools that search records by label.
	LabelField string `json:"x-runway-label-field,omitempty"`
}

// Property is one named property of an object schema.
type Property struct {
	Name   string
	Schema *Schema
}

// Properties are an object's properties in the order they are given (the
// order of the fields in the app definition), which the JSON keeps.
type Properties []Property

// MarshalJSON writes the properties as one JSON object, in order.
func (ps Properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(p.Name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(p.Schema)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Ref is a reference to the component schema name.
func Ref(name string) *Schema { return &Schema{Ref: "#/components/schemas/" + name} }

// Type is a schema of one JSON type ("string", "integer", "object", …).
func Type(t string) *Schema { return &Schema{Type: t} }

// Object is a closed object schema with these properties in order.
func Object(props ...Property) *Schema {
	return &Schema{Type: "object", Properties: props, AdditionalProperties: false}
}

// Prop is a named property.
func Prop(name string, s *Schema) Property { return Property{Name: name, Schema: s} }

// ArrayOf is an array of items.
func ArrayOf(items *Schema) *Schema { return &Schema{Type: "array", Items: items} }

// AnyOf is a schema that holds when one of these does.
func AnyOf(ss ...*Schema) *Schema { return &Schema{AnyOf: ss} }

// Any is the schema every JSON value satisfies.
func Any() *Schema { return &Schema{} }

// Nullable is s that also takes null: "null" joins a type list, anything
// else (a reference, an anyOf) becomes one branch of an anyOf.
func Nullable(s *Schema) *Schema {
	t, ok := s.Type.(string)
	if !ok || s.Ref != "" || s.AnyOf != nil {
		return AnyOf(s, Type("null"))
	}
	c := *s
	c.Type = []string{t, "null"}
	if c.Enum != nil {
		c.Enum = append(append([]any(nil), c.Enum...), nil) // an enum holds only what it lists
	}
	return &c
}

// Describe sets the description of s and returns it.
func (s *Schema) Describe(format string, args ...any) *Schema {
	s.Description = fmt.Sprintf(format, args...)
	return s
}

// JSONMedia is the JSON content of a body.
func JSONMedia(s *Schema) map[string]MediaType {
	return map[string]MediaType{"application/json": {Schema: s}}
}
