package aggregate

import (
	"fmt"
	"strings"

	"runway/app"
	"runway/query"
)

// Doc is one document flowing between stages: decoded JSON with numbers as
// json.Number, objects as map[string]any, arrays as []any.
type Doc = map[string]any

// Pipeline is a parsed, validated aggregate pipeline over Entity.
type Pipeline struct {
	Entity *app.Entity
	// Where is the condition on the entity's records before the first
	// stage (nil: every record): the caller's read condition, ANDed in by
	// Restrict. The source of the documents applies it (in SQL the base
	// select's WHERE); Eval does not.
	Where  query.Expr
	Stages []Stage
	// In is the shape of the entity's records, Out the shape of the
	// answer's items (In when there are no stages).
	In, Out *Shape

	reads []Read
}

// Stage is one stage: *Match, *Sort, *Skip, *Limit, *Project, *Group,
// *Count, *Unwind, *Lookup or *GeoNear.
type Stage interface {
	Info() *StageInfo
}

// StageInfo is what every stage has: where it is and what it emits.
type StageInfo struct {
	Index int    // position in the pipeline, from 0
	Op    string // operation name as written ("match", …)
	Out   *Shape // shape of the documents it emits
}

// Info returns the stage's common part.
func (s *StageInfo) Info() *StageInfo { return s }

// String names the stage in messages: "stage 2 (group)" (counted from 1).
func (s *StageInfo) String() string { return fmt.Sprintf("stage %d (%s)", s.Index+1, s.Op) }

// Match keeps the documents Where accepts (query.Match). Where's targets are
// resolved against the incoming shape: Target.Path names members from the
// document root, a System target the document's "id" (or "label") member.
type Match struct {
	StageInfo
	Where query.Expr
}

// Sort orders documents by Keys, stably.
type Sort struct {
	StageInfo
	Keys []SortKey
}

// SortKey is one sort key: the value at Path (Path.Kind gives its order).
type SortKey struct {
	Path Path
	Desc bool
}

// Skip drops the first N documents.
type Skip struct {
	StageInfo
	N int64
}

// Limit keeps the first N documents.
type Limit struct {
	StageInfo
	N int64
}

// Project keeps Paths (field paths, Sub empty) and id when KeepID.
type Project struct {
	StageInfo
	Paths  []Path
	KeepID bool
}

// Group makes one document per distinct tuple of By values.
type Group struct {
	StageInfo
	By  []GroupKey
	Acc []Accumulator
}

// GroupKey is one by path. The key value is the value at Key.Names();
// the output value is written at Out (member names from the root): the
// value itself, or for a bare relationship or group {id, label} and for a
// bare file {id, name}, taken from the group's first document.
type GroupKey struct {
	Path Path
	// Key is Path, extended to the "id" member for a bare relationship,
	// group or file.
	Key Path
	// Identity lists the members of the output value of a bare
	// relationship, group or file ("id", "label" / "name"); nil: the value
	// as found.
	Identity []string
	Out      []string
}

// AccOp is an accumulator operation (query-language.md §6.3).
type AccOp string

// Accumulator operations.
const (
	AccCount AccOp = "count"
	AccSum   AccOp = "sum"
	AccAvg   AccOp = "avg"
	AccFirst AccOp = "first"
	AccLast  AccOp = "last"
	AccMin   AccOp = "min"
	AccMax   AccOp = "max"
)

// Accumulator is one output member of a group: Name = Op(Arg).
type Accumulator struct {
	Name string
	Op   AccOp
	Arg  *Path // nil for count
	// Kind is the type of the result: integer for count, the argument's
	// kind for sum (integer for autoIncrement), decimal for avg (bigNumber
	// for a bigNumber argument), the argument's kind otherwise.
	Kind string
}

// Count replaces its input by one document {Name: number of documents}.
type Count struct {
	StageInfo
	Name string
}

// Unwind emits one document per element of the array at Path.
type Unwind struct {
	StageInfo
	Path         Path // its last step, and only that one, is Many
	IncludeEmpty bool
}

// Lookup adds As: the Foreign records whose ForeignPath equals Local.
type Lookup struct {
	StageInfo
	// Local is resolved against the incoming shape, ForeignPath against
	// Foreign's records; a bare relationship, group or file stands for
	// its id (Sub ["id"]).
	Local       Path
	Foreign     *app.Entity
	ForeignPath Path
	// ForeignTarget is ForeignPath as a query target on Foreign, for
	// fetching the matches with a filter (Equals on the local values).
	ForeignTarget query.Target
	As            string
	// Where restricts the foreign records (the caller's read condition on
	// Foreign, ANDed in by Restrict); nil: all.
	Where query.Expr
}

// GeoNear keeps documents with a point near (Latitude, Longitude), nearest
// first.
type GeoNear struct {
	StageInfo
	Key                 Path // a geoPoint field (possibly multi-valued or inside arrays)
	Latitude, Longitude float64
	DistanceField       string
	Multiplier          float64 // 1 when not given
	IncludeLocs         string  // "" when not given
	// MinDistance and MaxDistance are in metres; NaN when not given.
	MinDistance, MaxDistance float64
}

// Path is a resolved field path of the documents entering a stage.
type Path struct {
	Text  string       // as written
	Steps []query.Step // members from the document root to Field; Many marks arrays
	Field *app.Field   // the field at the end of Steps (metadata or synthetic)
	// Sub are the members inside Field's value the path goes on to
	// (relationship "id" / "label" / copied field, file "id" / "name",
	// group "id" / "label", dynamic choice "selectedValue"); empty: the
	// value itself.
	Sub []string
	// Kind is the type the value is compared and accumulated as: Field's
	// type, or text under a Sub.
	Kind string
}

// Names are the JSON member names from the document root to the value.
func (p *Path) Names() []string {
	out := make([]string, 0, len(p.Steps)+len(p.Sub))
	for _, s := range p.Steps {
		out = append(out, s.Name)
	}
	return append(out, p.Sub...)
}

// Many reports whether the path crosses or ends at an array.
func (p *Path) Many() bool {
	for _, s := range p.Steps {
		if s.Many {
			return true
		}
	}
	return false
}

func (p *Path) String() string { return p.Text }

// Shape is the shape of the documents between two stages: their members
// in output order. System members (id, version, label) are synthetic fields
// with System set; members made by stages (accumulators, counts, distances)
// are synthetic fields of their result type; members copied from records
// keep their metadata field (or a copy of it, e.g. single-valued after an
// unwind). Nested fields list their inner members; nested items also carry
// "id" and "label" when they come from records.
type Shape struct {
	Fields []*app.Field
}

// Field returns the top-level member with that name, or nil.
func (s *Shape) Field(name string) *app.Field {
	for _, f := range s.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// String lists the members ("id,version,label,name,owner{…}"), for tests
// and messages.
func (s *Shape) String() string { return fieldList(s.Fields) }

func fieldList(fields []*app.Field) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.Name + ":" + f.Type
		if f.Many {
			parts[i] += "[]"
		}
		if len(f.Nested) > 0 {
			parts[i] += "{" + fieldList(f.Nested) + "}"
		}
	}
	return strings.Join(parts, ",")
}
