package app

import "strings"

// Canonical argument lists of the script contexts (app-model.md §7). They are
// what a function's parameter list is compared with by the last step of
// script resolution (§8 Q1) and the names by which arguments are bound (§8 Q4).
var (
	ArgsLabel            = []string{"record"}                                   // recordLabel
	ArgsValue            = []string{"record", "parentField", "action"}          // default, calculation, required, access, option condition
	ArgsFieldValidation  = []string{"record", "parentField", "field", "action"} // field validation
	ArgsRecordValidation = []string{"record"}                                   // recordValidations
	ArgsNestedLabel      = []string{"record", "nested"}                         // typeRules.nestedLabel
	ArgsPrecondition     = []string{"record"}                                   // action precondition
	ArgsOneRecord        = []string{"record", "oldRecord", "action"}            // oneRecord action
	ArgsManyRecords      = []string{"query", "action"}                          // manyRecords action
	ArgsGlobal           = []string{"action"}                                   // global action
	ArgsDataListener     = []string{"event", "record", "oldRecord"}             // data listener
	ArgsListener         = []string{"event"}                                    // time, job and custom listeners
	ArgsListenerCond     = []string{"record", "oldRecord"}                      // listener events[].condition
)

// ScriptRef reports whether v is a script reference "js/<fn>" and returns the
// function name.
func ScriptRef(v string) (fn string, ok bool) {
	fn, ok = strings.CutPrefix(v, "js/")
	return fn, ok && fn != ""
}

// Resolve finds the function a script reference names (app-model.md §8 Q1):
// the exact name; for a name ending in "Actions" the singular "…Action"; for
// "<x>RecordLabel" "<x>RecordNameScript"; else, when args (the canonical
// argument list of the reference's context) is given, the single function
// whose parameter list equals it. ref may carry the "js/" prefix. A nil
// script resolves nothing.
func (s *Script) Resolve(ref string, args ...string) (fn string, ok bool) {
	if s == nil {
		return "", false
	}
	name := strings.TrimPrefix(ref, "js/")
	if name == "" {
		return "", false
	}
	if _, ok := s.Functions[name]; ok {
		return name, true
	}
	if base, cut := strings.CutSuffix(name, "Actions"); cut && base != "" {
		if _, ok := s.Functions[base+"Action"]; ok {
			return base + "Action", true
		}
	}
	if base, cut := strings.CutSuffix(name, "RecordLabel"); cut && base != "" {
		if _, ok := s.Functions[base+"RecordNameScript"]; ok {
			return base + "RecordNameScript", true
		}
	}
	if len(args) == 0 {
		return "", false
	}
	found := ""
	for f, params := range s.Functions {
		if equalStrings(params, args) {
			if found != "" {
				return "", false // ambiguous
			}
			found = f
		}
	}
	return found, found != ""
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ParseScript reads a .js source and records its top-level function
// declarations. It is a scanner, not a parser: it skips comments, string,
// template and regular-expression literals and counts brackets, so functions
// nested in other functions, blocks or expressions are not top-level.
func ParseScript(file, source string) *Script {
	sc := &jsScanner{src: source, funcs: map[string][]string{}}
	sc.code(false)
	return &Script{File: file, Source: source, Functions: sc.funcs}
}

type jsToken struct {
	kind byte // 0 none, 'i' identifier/keyword, 'n' number, 's' string, 't' template, 'r' regex, 'p' punctuator
	text string
	nl   bool // a line break precedes the token
}

type jsScanner struct {
	src   string
	i     int
	funcs map[string][]string
}

// exprKeywords are keywords after which a `function` is an expression and a
// `/` starts a regular expression.
var exprKeywords = map[string]bool{
	"return": true, "typeof": true, "instanceof": true, "in": true, "of": true,
	"new": true, "delete": true, "void": true, "throw": true, "case": true,
	"do": true, "else": true, "yield": true, "await": true, "export": true,
	"default": true,
}

// code scans code up to the end of input or, when nested (inside a template
// `${`), up to the matching `}`; top-level function declarations are
// recorded only when not nested.
func (s *jsScanner) code(nested bool) {
	depth := 0
	var prev, prev2 jsToken
	nl := false
	push := func(t jsToken) {
		t.nl = nl
		prev2, prev = prev, t
		nl = false
	}
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '\n':
			nl = true
			s.i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			s.i++
		case c == '/' && s.peek(1) == '/':
			s.skipLineComment()
		case c == '/' && s.peek(1) == '*':
			if s.skipBlockComment() {
				nl = true
			}
		case c == '\'' || c == '"':
			s.skipString(c)
			push(jsToken{kind: 's'})
		case c == '`':
			s.skipTemplate()
			push(jsToken{kind: 't'})
		case c == '/':
			if regexAllowed(prev) {
				s.skipRegex()
				push(jsToken{kind: 'r'})
			} else {
				s.i++
				push(jsToken{kind: 'p', text: "/"})
			}
		case c == '{' || c == '(' || c == '[':
			depth++
			s.i++
			push(jsToken{kind: 'p', text: string(c)})
		case c == '}' || c == ')' || c == ']':
			s.i++
			if nested && c == '}' && depth == 0 {
				return
			}
			if depth > 0 {
				depth--
			}
			push(jsToken{kind: 'p', text: string(c)})
		case isIdentStart(c):
			word := s.ident()
			if word == "function" && !nested && depth == 0 && declStart(prev, prev2, nl) {
				s.function()
				push(jsToken{kind: 'p', text: ")"})
				continue
			}
			push(jsToken{kind: 'i', text: word})
		case c >= '0' && c <= '9':
			for s.i < len(s.src) && (isIdentPart(s.src[s.i]) || s.src[s.i] == '.') {
				s.i++
			}
			push(jsToken{kind: 'n'})
		default:
			s.i++
			push(jsToken{kind: 'p', text: string(c)})
		}
	}
}

// declStart reports whether a `function` keyword after prev (and prev2) is in
// statement position, i.e. a declaration rather than an expression.
func declStart(prev, prev2 jsToken, nl bool) bool {
	if prev.kind == 'i' && prev.text == "async" {
		return declStart(prev2, jsToken{}, prev.nl)
	}
	switch prev.kind {
	case 0:
		return true
	case 'p':
		switch prev.text {
		case ";", "}":
			return true
		case ")", "]":
			return nl
		}
		return false
	case 'i':
		return nl && !exprKeywords[prev.text]
	default:
		return nl
	}
}

func regexAllowed(prev jsToken) bool {
	switch prev.kind {
	case 0:
		return true
	case 'p':
		return prev.text != ")" && prev.text != "]"
	case 'i':
		return exprKeywords[prev.text]
	}
	return false
}

func (s *jsScanner) peek(n int) byte {
	if s.i+n < len(s.src) {
		return s.src[s.i+n]
	}
	return 0
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func (s *jsScanner) ident() string {
	start := s.i
	for s.i < len(s.src) && isIdentPart(s.src[s.i]) {
		s.i++
	}
	return s.src[start:s.i]
}

func (s *jsScanner) skipLineComment() {
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		s.i++
	}
}

// skipBlockComment skips /* … */ and reports whether it spans a line break.
func (s *jsScanner) skipBlockComment() bool {
	end := strings.Index(s.src[s.i+2:], "*/")
	var body string
	if end < 0 {
		body = s.src[s.i:]
		s.i = len(s.src)
	} else {
		body = s.src[s.i : s.i+2+end]
		s.i += 2 + end + 2
	}
	return strings.ContainsRune(body, '\n')
}

func (s *jsScanner) skipString(q byte) {
	s.i++
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case '\\':
			s.i += 2
			continue
		case q:
			s.i++
			return
		case '\n':
			return // unterminated
		}
		s.i++
	}
}

func (s *jsScanner) skipTemplate() {
	s.i++
	for s.i < len(s.src) {
		switch {
		case s.src[s.i] == '\\':
			s.i += 2
		case s.src[s.i] == '`':
			s.i++
			return
		case s.src[s.i] == '$' && s.peek(1) == '{':
			s.i += 2
			s.code(true)
		default:
			s.i++
		}
	}
}

func (s *jsScanner) skipRegex() {
	s.i++
	inClass := false
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '\\':
			s.i += 2
			continue
		case c == '\n':
			return
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '/' && !inClass:
			s.i++
			for s.i < len(s.src) && isIdentPart(s.src[s.i]) {
				s.i++
			}
			return
		}
		s.i++
	}
}

// skipSpace skips white space and comments.
func (s *jsScanner) skipSpace() {
	for s.i < len(s.src) {
		switch c := s.src[s.i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v':
			s.i++
		case c == '/' && s.peek(1) == '/':
			s.skipLineComment()
		case c == '/' && s.peek(1) == '*':
			s.skipBlockComment()
		default:
			return
		}
	}
}

// function reads the rest of a declaration after the `function` keyword:
// optional `*`, the name and the parameter list. The body is left to the
// caller's scan (it only raises the bracket depth).
func (s *jsScanner) function() {
	s.skipSpace()
	if s.peek(0) == '*' {
		s.i++
		s.skipSpace()
	}
	if s.i >= len(s.src) || !isIdentStart(s.src[s.i]) {
		return
	}
	name := s.ident()
	s.skipSpace()
	if s.peek(0) != '(' {
		return
	}
	s.i++
	params, cur := []string{}, strings.Builder{}
	flush := func() {
		p := strings.TrimSpace(cur.String())
		cur.Reset()
		if eq := strings.IndexByte(p, '='); eq >= 0 && !strings.HasPrefix(p, "{") && !strings.HasPrefix(p, "[") {
			p = strings.TrimSpace(p[:eq])
		}
		if p != "" {
			params = append(params, p)
		}
	}
	depth := 0
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '/' && (s.peek(1) == '/' || s.peek(1) == '*'):
			s.skipSpace()
			cur.WriteByte(' ')
			continue
		case c == '\'' || c == '"' || c == '`':
			start := s.i
			if c == '`' {
				s.skipTemplate()
			} else {
				s.skipString(c)
			}
			cur.WriteString(s.src[start:s.i])
			continue
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		case c == ')':
			if depth == 0 {
				s.i++
				flush()
				s.funcs[name] = params
				return
			}
			depth--
		case c == ',' && depth == 0:
			s.i++
			flush()
			continue
		}
		cur.WriteByte(c)
		s.i++
	}
}
