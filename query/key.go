package query

import (
	"fmt"
	"strconv"
	"strings"
)

// Key is a canonical text of x: two expressions with the same key select
// the same records by the same rules (targets by path, values by type and
// value), whatever objects hold them. A store keys what it caches of a
// condition its SQL decides only in part (a count Match finishes) by it.
func Key(x Expr) string {
	var b strings.Builder
	writeKey(&b, x)
	return b.String()
}

func writeKey(b *strings.Builder, x Expr) {
	switch x := x.(type) {
	case nil:
		b.WriteString("true")
	case And:
		writeList(b, "and", x)
	case Or:
		writeList(b, "or", x)
	case *Cond:
		b.WriteString("cond(")
		writeTarget(b, &x.Target)
		b.WriteString(" " + string(x.Op))
		for _, v := range x.Values {
			b.WriteString(" " + fmt.Sprintf("%T:%#v", v, v)) // strings quoted
		}
		for _, u := range x.User {
			b.WriteString(" user:")
			writeTarget(b, &u.Target)
		}
		b.WriteByte(')')
	case *Text:
		b.WriteString("text(" + strconv.Quote(x.Index))
		for i := range x.Fields {
			b.WriteByte(' ')
			writeTarget(b, &x.Fields[i])
		}
		for _, t := range x.Terms {
			b.WriteString(" " + strconv.Quote(t))
		}
		b.WriteByte(')')
	default:
		fmt.Fprintf(b, "%T", x)
	}
}

func writeList(b *strings.Builder, op string, xs []Expr) {
	b.WriteString(op + "(")
	for i, y := range xs {
		if i > 0 {
			b.WriteByte(' ')
		}
		writeKey(b, y)
	}
	b.WriteByte(')')
}

// writeTarget writes a target as its system field or its path (a step
// holding many marked *), its member and its leaf's type.
func writeTarget(b *strings.Builder, t *Target) {
	if t.System != "" {
		b.WriteString("$" + t.System)
	}
	for i, s := range t.Path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Quote(s.Name))
		if s.Many {
			b.WriteByte('*')
		}
	}
	if t.Sub != "" {
		b.WriteString("/" + strconv.Quote(t.Sub))
	}
	if t.Field != nil {
		b.WriteString(":" + t.Field.Type)
	}
}
