package query

import (
	"fmt"
	"strings"
)

var operators = map[string]Op{
	"equals": Equals, "notEquals": NotEquals, "like": Like, "between": Between,
	"greater": Greater, "greaterOrEquals": GreaterOrEquals, "less": Less, "lessOrEquals": LessOrEquals,
	"empty": Empty, "notEmpty": NotEmpty, "near": Near,
}

// splitOperator splits a filter value into its operator and arguments
// (query-language.md §3): "greater(5)" → greater, [5]; "a,b" → equals, [a b].
func splitOperator(raw string) (Op, []string, error) {
	op, args, _, err := splitOperatorQ(raw)
	return op, args, err
}

// splitOperatorQ is splitOperator also telling which arguments were
// double-quoted (always literal).
func splitOperatorQ(raw string) (Op, []string, []bool, error) {
	if open := strings.IndexByte(raw, '('); open > 0 && strings.HasSuffix(raw, ")") {
		if op, ok := operators[raw[:open]]; ok {
			inner := raw[open+1 : len(raw)-1]
			if op == Like && isRegex(inner) {
				return op, []string{inner}, []bool{false}, nil
			}
			args, quoted, err := splitValuesQ(inner)
			return op, args, quoted, err
		}
	}
	args, quoted, err := splitValuesQ(raw)
	return Equals, args, quoted, err
}

func isRegex(s string) bool { return len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/' }

// splitValues splits a comma list where double-quoted values may hold
// commas and \" and \\ escape inside quotes; bare values are trimmed.
func splitValues(s string) ([]string, error) {
	out, _, err := splitValuesQ(s)
	return out, err
}

func splitValuesQ(s string) ([]string, []bool, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil, nil
	}
	var out []string
	var quotes []bool
	var cur strings.Builder
	quoted, inQuotes, escaped := false, false, false
	flush := func() {
		v := cur.String()
		if !quoted {
			v = strings.TrimSpace(v)
		}
		out = append(out, v)
		quotes = append(quotes, quoted)
		cur.Reset()
		quoted = false
	}
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case inQuotes && r == '\\':
			escaped = true
		case inQuotes && r == '"':
			inQuotes = false
		case !inQuotes && r == '"' && strings.TrimSpace(cur.String()) == "":
			cur.Reset()
			inQuotes, quoted = true, true
		case !inQuotes && r == ',':
			flush()
			if len(out) > MaxValues {
				return nil, nil, tooManyValues()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if inQuotes {
		return nil, nil, fmt.Errorf("unterminated double quote in %q", s)
	}
	flush()
	if len(out) > MaxValues {
		return nil, nil, tooManyValues()
	}
	return out, quotes, nil
}

func checkArity(op Op, args []string) error {
	n := len(args)
	switch op {
	case Empty, NotEmpty:
		if n != 0 {
			return fmt.Errorf("%s takes no arguments", op)
		}
	case Between:
		if n != 2 {
			return fmt.Errorf("between takes 2 arguments, got %d", n)
		}
	case Greater, GreaterOrEquals, Less, LessOrEquals:
		if n != 1 {
			return fmt.Errorf("%s takes 1 argument, got %d", op, n)
		}
	case Near:
		if n < 2 || n > 4 {
			return fmt.Errorf("near takes 2 to 4 arguments, got %d", n)
		}
	default:
		if n == 0 {
			return fmt.Errorf("%s needs at least one value", op)
		}
	}
	return nil
}
