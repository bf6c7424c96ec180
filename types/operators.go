package types

// Query operators (query-language.md §2.3).
const (
	OpEquals          = "equals"
	OpNotEquals       = "notEquals"
	OpEmpty           = "empty"
	OpNotEmpty        = "notEmpty"
	OpLike            = "like"
	OpGreater         = "greater"
	OpGreaterOrEquals = "greaterOrEquals"
	OpLess            = "less"
	OpLessOrEquals    = "lessOrEquals"
	OpBetween         = "between"
	OpNear            = "near"
)

type opSet map[string]bool

func ops(names ...string) opSet {
	s := opSet{}
	for _, n := range names {
		s[n] = true
	}
	return s
}

// The operator sets of app-model.md §2.
var (
	opsEQ  = ops(OpEquals, OpNotEquals, OpEmpty, OpNotEmpty)
	opsORD = ops(OpEquals, OpNotEquals, OpEmpty, OpNotEmpty,
		OpGreater, OpGreaterOrEquals, OpLess, OpLessOrEquals, OpBetween)
	opsALL = ops(OpEquals, OpNotEquals, OpEmpty, OpNotEmpty, OpLike,
		OpGreater, OpGreaterOrEquals, OpLess, OpLessOrEquals, OpBetween)
	opsEQLike = ops(OpEquals, OpNotEquals, OpEmpty, OpNotEmpty, OpLike)
)

// typeOps is the table of query-language.md §7.1 with its resolutions:
// boolean has no empty/notEmpty, nested no notEquals, color accepts like.
var typeOps = map[string]opSet{
	Text: opsALL, LongText: opsALL, QR: opsALL, Email: opsALL, URL: opsALL,
	HTML: opsALL, MaskedText: opsALL, Phone: opsALL, Rank: opsALL,

	Integer: opsORD, AutoIncrement: opsORD, Decimal: opsORD, Money: opsORD,
	Percentage: opsORD, BigNumber: opsORD,
	Date: opsORD, YearMonth: opsORD, MonthDay: opsORD, DateTime: opsORD,
	RecordCreated: opsORD, RecordModified: opsORD, DateTimeNoTimezone: opsORD,
	Time: opsORD, Duration: opsORD,

	Boolean:       ops(OpEquals, OpNotEquals),
	Choice:        opsEQ,
	DynamicChoice: opsEQLike,
	Relationship:  opsEQLike,
	Group:         opsEQLike,
	File:          opsEQLike,
	Color:         opsEQLike,
	Nested:        ops(OpEquals, OpEmpty, OpNotEmpty),
	GeoPoint:      ops(OpNear),
}

func supports(kind, op string) bool { return typeOps[norm(kind)][op] }
