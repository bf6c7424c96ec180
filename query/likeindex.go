package query

import (
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"

	"runway/types"
)

// Trigram prefilters for like (contains, starts with, ends with, regular
// expressions). A store keeps, per record, the lowercased text (LikeText)
// of the record's label and of its like-indexed fields (LikeIndexable) in a
// trigram index; a like condition on one of them then reads only the
// records whose text contains the pattern's needle (LikeNeedle), and the
// exact condition rechecks those. Lowercasing is strings.ToLower on both
// sides, the same as Match and the SQLite like function, so the index is a
// superset of the matches whatever the case folding of the index itself.

// MinTrigram is the shortest needle a trigram index can look up.
const MinTrigram = 3

// LikeIndexable reports whether a field of type kind gets a trigram index
// when it is indexable: text-valued types whose like compares the stored
// value as is.
func LikeIndexable(kind string) bool {
	switch kind {
	case types.Text, types.LongText, types.Email, types.URL, types.QR, types.Choice, types.Color:
		return ComparedAs(kind, Like) == AsIs
	}
	return false
}

// LikeText is the text a like condition on the value at names (a path of
// single steps) of a record's values sees, lowercased; ok is false when
// the value is missing (like never holds then).
func LikeText(values map[string]any, names []string) (string, bool) {
	t, ok := goText(sqlValue(extract(values, names)))
	return strings.ToLower(t), ok
}

// LikeLabel is LikeText of a record's label.
func LikeLabel(label string) string { return strings.ToLower(goString(label)) }

// LikeNeedle is the lowercased text every value matching like pattern p
// contains (its text for contains/starts with/ends with, a literal run the
// regular expression requires), or "" when there is none of MinTrigram
// characters or more.
func LikeNeedle(p string) string {
	if strings.IndexByte(p, 0) >= 0 {
		return ""
	}
	var n string
	switch {
	case isRegex(p):
		n = regexLiteral("(?i)" + p[1:len(p)-1])
	case strings.HasPrefix(p, "/"):
		n = strings.ToLower(p[1:])
	case strings.HasSuffix(p, "/"):
		n = strings.ToLower(p[:len(p)-1])
	default:
		n = strings.ToLower(p)
	}
	if utf8.RuneCountInString(n) < MinTrigram || !utf8.ValidString(n) {
		return ""
	}
	return n
}

// regexLiteral is the longest literal run that every match of the regular
// expression re contains, lowercased, or "". Only characters whose whole
// case-folding orbit lowercases to one character count: a match of the
// literal under (?i) then lowercases to the literal lowercased (ſ matches s
// but lowercases to itself, so s ends a run).
func regexLiteral(re string) string {
	r, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return ""
	}
	best := ""
	var walk func(r *syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpCapture:
			walk(r.Sub[0])
		case syntax.OpPlus:
			walk(r.Sub[0])
		case syntax.OpRepeat:
			if r.Min >= 1 {
				walk(r.Sub[0])
			}
		case syntax.OpConcat:
			// adjacent literals join into one run
			var run []rune
			flush := func() {
				if len(run) > utf8.RuneCountInString(best) {
					best = string(run)
				}
				run = run[:0]
			}
			for _, s := range r.Sub {
				if s.Op == syntax.OpLiteral {
					for _, c := range s.Rune {
						if !foldSafe(c) {
							flush()
							continue
						}
						run = append(run, unicode.ToLower(c))
					}
					continue
				}
				flush()
				walk(s)
			}
			flush()
		case syntax.OpLiteral:
			var run []rune
			for _, c := range r.Rune {
				if !foldSafe(c) {
					if len(run) > utf8.RuneCountInString(best) {
						best = string(run)
					}
					run = run[:0]
					continue
				}
				run = append(run, unicode.ToLower(c))
			}
			if len(run) > utf8.RuneCountInString(best) {
				best = string(run)
			}
		}
	}
	walk(r)
	return best
}

// foldSafe reports whether every character that case-folds to c lowercases
// to the same character as c.
func foldSafe(c rune) bool {
	if c == utf8.RuneError || c == 0 {
		return false
	}
	l := unicode.ToLower(c)
	for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
		if unicode.ToLower(f) != l {
			return false
		}
	}
	return true
}
