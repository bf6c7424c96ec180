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

// Expr is a boolean expression over records: And, Or or *Cond.
type Expr interface{ isExpr() }

// And holds when every element holds (an empty And holds always).
type And []Expr

// Or holds when any element holds (an empty Or never holds).
type Or []Expr

// Cond is one filter on one field path.
type Cond struct {
	Target
	Op     Op
	Values []any // native values; for Equals/NotEquals any of them (OR)
}

func (And) isExpr()   {}
func (Or) isExpr()    {}
func (*Cond) isExpr() {}

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
}

// Sort is a single sort key; the zero value is "id desc" by convention of the
// callers (query-language.md §5), spelled out with Target.System = SysID.
type Sort struct {
	Target
	Desc bool
}

// ByID is the default sort: id descending.
var ByID = Sort{Target: Target{System: SysID}, Desc: true}
