// Package app is the metadata model of an app definition (app-model.md §1):
// entities with typed fields, actions, groups, listeners and libraries, loaded
// from the on-disk layout and checked for errors. It does no I/O beyond
// reading the definition.
package app

import (
	"encoding/json"
	"strings"

	"runway/types"
)

// App is a loaded, validated app definition.
type App struct {
	Name            string
	Label           string
	Version         string
	DefaultLanguage string
	DefaultTimezone string

	// Entities by full name ("companies", "sys.users"); EntityNames in load order.
	Entities    map[string]*Entity
	EntityNames []string

	Groups    map[string]*Group // by name
	Listeners []*Listener
	Libraries []*Library
	Services  []*Service // extensions/services (extensions.go)
	Packages  []*Package // extensions/packages

	// Scripts by file path relative to the app dir ("model/entities/contacts.js").
	Scripts map[string]*Script

	// InitializationScript is app.json "initializationScript" ("js/<fn>" in app.js).
	InitializationScript string
	JobQueues            []JobQueue
	Script               *Script // app.js, or nil
	// GroupNames lists the groups in load order.
	GroupNames []string
	// Namespaces maps an entity namespace ("sys") to its descriptor label.
	Namespaces map[string]string
	// DisplayOptions are the app-wide default display options per canonical
	// type id (model/types/typesDisplayOptions, the "rules" object).
	DisplayOptions map[string]types.Display
	// Translations are the app's texts by language name ("english") and
	// key (i18n/<language>.json), for sys.i18n.translate.
	Translations map[string]map[string]string
}

// JobQueue is an entry of app.json "jobQueues".
type JobQueue struct {
	Name       string
	MaxThreads int
}

// GroupByID returns the group with that id, or nil.
func (a *App) GroupByID(id string) *Group {
	for _, g := range a.Groups {
		if g.ID == id {
			return g
		}
	}
	return nil
}

// Entity returns the entity with that full name, or nil.
func (a *App) Entity(fullName string) *Entity { return a.Entities[fullName] }

// Entity is one entity definition (app-model.md §1.3).
type Entity struct {
	ID          string // "id" of the definition, or EntityID(FullName)
	Name        string
	FullName    string
	Label       string
	Type        string // data | system
	System      bool
	Fields      []*Field
	Actions     []*Action
	RecordLabel string // raw reference: "fields/<path>" | "js/<fn>" | ""
	// LabelPath is the field path the label comes from when RecordLabel is a
	// field reference or missing (§8 Q14); nil means the label is the id
	// (or a script, once scripting lands).
	LabelPath []string

	EnableDetailedLogging bool
	AuditLogs             json.RawMessage // settings.auditLogs; history is on iff present
	Audit                 *Audit          // AuditLogs read (audit.go); nil without history
	Indexes               []Index
	LookupFields          []string
	GlobalSearch          bool
	RecordValidations     string

	File   string  // definition file, relative to the app dir
	Script *Script // sibling .js, or nil

	byName map[string]*Field
}

// Field returns the top-level field with that name, or nil.
func (e *Entity) Field(name string) *Field {
	if e.byName == nil {
		e.byName = indexFields(e.Fields)
	}
	return e.byName[name]
}

// Resolve walks a dotted path ("contactInformation.email") through nested
// fields and returns the fields along it, or nil if any step is unknown.
func (e *Entity) Resolve(path string) []*Field {
	return resolve(e.Fields, strings.Split(path, "."))
}

// StripIndexes turns "addresses[1].zipCode" into "addresses.zipCode", a
// path Resolve takes.
func StripIndexes(p string) string {
	var b strings.Builder
	depth := 0
	for _, r := range p {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Action returns the action with that name, or nil.
func (e *Entity) Action(name string) *Action {
	for _, a := range e.Actions {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// HistoryEnabled reports whether the entity keeps audit logs (§8 Q6).
func (e *Entity) HistoryEnabled() bool { return len(e.AuditLogs) > 0 }

// HasFiles reports whether fields hold a file field, nested ones included.
func HasFiles(fields []*Field) bool {
	for _, f := range fields {
		if f.Type == types.File || f.Type == types.Nested && HasFiles(f.Nested) {
			return true
		}
	}
	return false
}

// Index is an extra index of an entity.
type Index struct {
	Name   string
	Fields []string
	Unique bool
	Type   string // normal | text
}

// Field is a field, nested field or action parameter (app-model.md §1.4).
type Field struct {
	Name  string
	Label string
	Type  string // canonical type id (types.Text, …)
	Many  bool   // multiplicity "many"

	// Required is "never", "always", "js/<fn>" or an expression (raw JSON).
	Required      json.RawMessage
	Unique        bool
	Indexable     bool
	Transient     bool
	SensitiveData bool
	System        bool

	// DefaultValue: Default holds the parsed native literal when
	// DefaultKind is DefaultLiteral.
	DefaultKind   DefaultKind
	Default       any
	DefaultScript string

	ValueCalculation json.RawMessage // "js/<fn>" or aggregate object
	ReadAccess       json.RawMessage
	WriteAccess      json.RawMessage
	Validation       string

	Rules          *types.Rules // never nil after load
	Nested         []*Field     // for types.Nested
	DisplayOptions map[string]any
	UIOptions      map[string]any

	Parent *Field // containing nested field, nil at top level

	byName map[string]*Field
}

// DefaultKind says what a field's defaultValue is.
type DefaultKind int

const (
	DefaultNone        DefaultKind = iota
	DefaultLiteral                 // Field.Default
	DefaultCurrentDate             // "$currentDate"
	DefaultScript                  // Field.DefaultScript, run by the scripting issue
)

// Calculated reports whether the field is computed (client writes dropped).
func (f *Field) Calculated() bool { return len(f.ValueCalculation) > 0 }

// IsRequired reports whether the field is always required. Script and
// expression conditions are evaluated by the data service.
func (f *Field) IsRequired() bool {
	// the usual spellings without decoding JSON (every write asks, per field)
	switch string(f.Required) {
	case `"always"`, "true":
		return true
	case "", `"never"`, "false", "null":
		return false
	}
	var s string
	if json.Unmarshal(f.Required, &s) == nil {
		return s == "always"
	}
	var b bool
	return json.Unmarshal(f.Required, &b) == nil && b
}

// ReadOnlyType reports whether client writes to the field are always dropped
// (autoIncrement, record created/modified dates, calculated fields; §8 Q25).
func (f *Field) ReadOnlyType() bool {
	switch f.Type {
	case types.AutoIncrement, types.RecordCreated, types.RecordModified:
		return true
	}
	return f.Calculated()
}

// Child returns the nested field with that name, or nil.
func (f *Field) Child(name string) *Field {
	if f.byName == nil {
		f.byName = indexFields(f.Nested)
	}
	return f.byName[name]
}

// Path is the dotted path of the field from the entity root.
func (f *Field) Path() string {
	if f.Parent == nil {
		return f.Name
	}
	return f.Parent.Path() + "." + f.Name
}

// Action is an entity action (app-model.md §4).
type Action struct {
	Name                  string
	Label                 string
	Type                  string // oneRecord | manyRecords | global
	Parameters            []*Field
	Precondition          json.RawMessage
	Script                string // "js/<fn>"
	SaveDataBeforeRunning bool
	ResultAsResponse      bool
	ExecuteInBackground   bool
	Queue                 string
	OnlyOneRecord         bool
	CustomValidations     string
	System                bool
}

// Group is a security group (app-model.md §6.2). Permissions are kept as
// raw JSON here and enforced by the security issue.
type Group struct {
	ID                string
	Name              string
	Label             string
	EntityPermissions []EntityPermission
	Security          json.RawMessage
	UserImpersonate   bool
	File              string
	// Script is the .js beside the group's file (its "js/<fn>"
	// permission conditions resolve there), or nil.
	Script *Script
}

// EntityPermission is one entry of a group's entityPermissions.
type EntityPermission struct {
	Entity    string
	Read      json.RawMessage
	Create    json.RawMessage
	Update    json.RawMessage
	Delete    json.RawMessage
	AuditLogs json.RawMessage
	Import    bool
	Export    bool
	Fields    json.RawMessage
	Actions   json.RawMessage
}

// Listener is a listener definition (app-model.md §5), run by the scripting issue.
type Listener struct {
	Name                string
	Label               string
	Type                string
	Entity              string
	Events              json.RawMessage
	ExecuteInBackground bool
	Action              string
	// Queue is the job queue of its background runs ("": mix).
	Queue string
	// Time listeners: a Quartz cron expression and its IANA timezone ("":
	// the app's). Job listeners: the job type and event ("" = any).
	// Custom listeners: the event name of sys.events.triggerEvent.
	Expression, Timezone string
	JobType, JobEvent    string
	CustomEvent          string
	Raw                  json.RawMessage
	File                 string
	Script               *Script
}

// Library is a script library (app-model.md §7, "app.<dotted.name>").
type Library struct {
	Name   string // dotted
	File   string
	Script *Script
}

// Script is a .js file of the app with its top-level function names.
type Script struct {
	File      string
	Source    string
	Functions map[string][]string // function name → parameter names
}

func indexFields(fs []*Field) map[string]*Field {
	m := make(map[string]*Field, len(fs))
	for _, f := range fs {
		m[f.Name] = f
	}
	return m
}

func resolve(fs []*Field, path []string) []*Field {
	var out []*Field
	cur := fs
	for _, name := range path {
		var f *Field
		for _, c := range cur {
			if c.Name == name {
				f = c
				break
			}
		}
		if f == nil {
			return nil
		}
		out = append(out, f)
		cur = f.Nested
	}
	return out
}
