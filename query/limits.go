package query

import (
	"fmt"

	"runway/apperr"
)

// Limits of one query. A store turns a query into one statement, so an
// unbounded query would make statements the database refuses (too deep, too
// many parameters) or that hold a connection for minutes. A request over a
// limit is a 400 badRequest that names it; query maps of scripts and
// metadata get the same limits (docs/decisions.md).
const (
	// MaxConditions bounds the conditions of one query: its field
	// filters, the filter()s of _query, the entries of a query map and a
	// text search, all together.
	MaxConditions = 500
	// MaxValues bounds the values of one list: the comma list of a filter
	// or an array of a query map. Stores bind such a list as one
	// parameter, so its length costs no statement text.
	MaxValues = 50_000
	// MaxPatterns bounds the patterns of one like and the terms of one
	// text search: each is a parameter of its own.
	MaxPatterns = 50
	// MaxURL bounds the bytes of a request's URL (path and query string);
	// the HTTP layer checks it.
	MaxURL = 512 << 10
)

// CheckConditions refuses a query with more than MaxConditions conditions
// (badRequest). The parsers check what they read; a caller that combines
// parsed parts itself (the script query builder) checks the whole.
func CheckConditions(x Expr) error {
	if countConditions(x) > MaxConditions {
		return apperr.New(apperr.BadRequest, "A query holds at most %d conditions (the limit of one query: filters, _query and text search together)", MaxConditions)
	}
	return nil
}

// errTooManyConditions is the parsers' error, named after their parameter.
var errTooManyConditions = fmt.Errorf("a query holds at most %d conditions (the limit of one query)", MaxConditions)

// countConditions counts the conditions and text searches of x.
func countConditions(x Expr) int {
	switch x := x.(type) {
	case And:
		n := 0
		for _, y := range x {
			n += countConditions(y)
		}
		return n
	case Or:
		n := 0
		for _, y := range x {
			n += countConditions(y)
		}
		return n
	case *Cond, *Text:
		return 1
	}
	return 0
}

func tooManyValues() error {
	return fmt.Errorf("a list holds at most %d values (the limit of one list)", MaxValues)
}

func tooManyPatterns(n int) error {
	return fmt.Errorf("like takes at most %d patterns (the limit of one like), got %d", MaxPatterns, n)
}

func tooManyTerms(n int) error {
	return fmt.Errorf("a text search takes at most %d terms (the limit of one search), got %d", MaxPatterns, n)
}
