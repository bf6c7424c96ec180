package query

import (
	"runway/app"
	"runway/record"
)

// Script is a "js/<function>" condition of the app's metadata — a group
// permission, a field's readAccess/writeAccess — inside a metadata
// expression: a function of File that decides one record at a time. No
// store compiles it and Match refuses it: the data service evaluates an
// expression holding one record by record (with the script engine), and
// gives stores WithoutScripts instead.
type Script struct {
	File *app.Script // the .js the reference resolves in
	Ref  string      // "js/<function>"
}

func (*Script) isExpr() {}

// HasScript reports whether x holds a Script.
func HasScript(x Expr) bool {
	switch x := x.(type) {
	case And:
		for _, y := range x {
			if HasScript(y) {
				return true
			}
		}
	case Or:
		for _, y := range x {
			if HasScript(y) {
				return true
			}
		}
	case *Script:
		return x != nil
	}
	return false
}

// WithoutScripts is x with every Script taken as true: the records it
// selects are a superset of x's (the AST has no negation), so a store can
// narrow the candidates and the scripts decide each one. x itself is
// returned when it holds no Script.
func WithoutScripts(x Expr) Expr {
	if !HasScript(x) {
		return x
	}
	switch x := x.(type) {
	case And:
		out := make(And, 0, len(x))
		for _, y := range x {
			if _, isScript := y.(*Script); !isScript {
				out = append(out, WithoutScripts(y))
			}
		}
		return out
	case Or:
		out := make(Or, 0, len(x))
		for _, y := range x {
			if _, isScript := y.(*Script); isScript {
				return And{} // one branch holds for every record
			}
			out = append(out, WithoutScripts(y))
		}
		return out
	}
	return And{} // a Script alone
}

// Decide evaluates x on one record like Match, with script deciding each
// Script (in order, And and Or short-circuiting, so a script runs only when
// its answer matters).
func Decide(x Expr, values record.Values, id, label string, script func(*Script) (bool, error)) (bool, error) {
	if !HasScript(x) {
		return Match(x, values, id, label)
	}
	return decide(x, values, id, label, script)
}

func decide(x Expr, values record.Values, id, label string, script func(*Script) (bool, error)) (bool, error) {
	switch y := x.(type) {
	case And:
		for _, z := range y {
			if ok, err := decide(z, values, id, label, script); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case Or:
		for _, z := range y {
			if ok, err := decide(z, values, id, label, script); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case *Script:
		return script(y)
	}
	return Match(x, values, id, label)
}
