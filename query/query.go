// Package query holds the query AST shared by every endpoint that selects
// records (list, delete over query, actions, export, aggregate match) and the
// parsers that build it from a REST query string. Paths in the AST are
// resolved against the entity's metadata and values are already converted to
// their native form, so a store can compile it to SQL with bound parameters
// and nothing else to check.
package query

import "runway/app"

// Op is a filter operator (query-language.md §2.3).
type Op string

const (
	Equals          Op = "equals"
	NotEquals       Op = "notEquals"
	Like            Op = "like"
	Between         Op = "between"
	Greater         Op = "greater"
	GreaterOrEquals Op = "greaterOrEquals"
	Less            Op = "less"
	LessOrEquals    Op = "lessOrEquals"
	Empty           Op = "empty"
	NotEmpty        Op = "notEmpty"
	Near            Op = "near"
)

// Expr is a boolean expression over records: And, Or, *Cond or *Text.
type Expr interface{ isExpr() }

// And holds when every element holds (an empty And holds always).
type And []Expr

// Or holds when any element holds (an empty Or never holds).
type Or []Expr

// Cond is one filter on one field path.
//
// Values by operator: Equals/NotEquals any of them (OR), each a native
// scalar or, on a nested group, a map[string]any of inner field name →
// native value (nil: the inner field is empty) that one item must match
// entirely; Like string patterns; Between two bounds; the comparisons one;
// Empty/NotEmpty none; Near float64 latitude, longitude and optionally the
// minimum and maximum distance in metres.
type Cond struct {
	Target
	Op     Op
	Values []any
	// User lists currentUserField(path) references of a metadata
	// expression (ParseMap with MapOptions.CurrentUser). Such a condition is
	// unbound: Bind turns it into plain Values for one user; stores and Match
	// reject it.
	User []UserRef
}

// Text is a search over a text index (_indexedFilter): it holds when every
// term is contained, case-insensitively, in the text of one of the index's
// fields (terms are words, or phrases taken whole).
type Text struct {
	Index  string   // index name (app.Index.Name, Type "text")
	Fields []Target // the indexed fields, in index order
	Terms  []string // as written; compared lower-cased
}

func (And) isExpr()   {}
func (Or) isExpr()    {}
func (*Cond) isExpr() {}
func (*Text) isExpr() {}

// SubWhole as a Target's Sub addresses a structured value (relationship,
// file, group) as a whole rather than its natural member (label, name).
const SubWhole = "$"

// System field names a Target may address instead of a field.
const (
	SysID    = "id"
	SysLabel = "label"
)

// Target is what a condition or sort addresses: a system column or a field
// path inside the record document.
type Target struct {
	System string     // SysID or SysLabel; empty for a field path
	Path   []Step     // from the record root to the leaf field
	Field  *app.Field // leaf field (nil for a system target)
	Sub    string     // relationship/group: "id" | "label"; file: "id" | "name"; "" = the value itself
}

// Step is one element of a field path.
type Step struct {
	Name string
	Many bool // the field at this step holds a JSON array (multiplicity many)
}

// Select describes a page of records.
type Select struct {
	Where Expr // nil = every record
	Sort  Sort
	// Offset skips that many records; After (a record id, only with a sort on
	// id) starts right after that record. At most one is set.
	Offset int
	After  string
	Limit  int // 0 = no limit
	// Near, when set, orders by the distance from its point first, nearest
	// first (records without a location last), then by Sort. It is the near
	// condition of Where (ParseList sets it unless _sortField is given).
	Near *Cond
}

// ByID reports whether s orders by id alone, so that After can page it.
func (s *Select) ByID() bool { return s.Sort.System == SysID && s.Near == nil }

// Sort is a single sort key; the zero value is "id desc" by convention of the
// callers (query-language.md §5), spelled out with Target.System = SysID.
type Sort struct {
	Target
	Desc bool
}

// ByID is the default sort: id descending.
var ByID = Sort{Target: Target{System: SysID}, Desc: true}
