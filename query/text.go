package query

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"runway/app"
	"runway/types"
)

// Semantic index parameters (query-language.md §5): not supported.
var semanticParams = []string{"_indexedFilterEmbedding", "_vectorSearchLimit", "_numCandidates", "_queryScoring", "_taskType"}

// parseIndexed reads _indexedFilter / _indexedFilterQuery into a *Text (nil
// when the query string has neither).
func parseIndexed(e *app.Entity, v url.Values) (Expr, error) {
	for _, p := range semanticParams {
		if _, ok := v[p]; ok {
			return nil, badParam(p, "semantic index search is not supported")
		}
	}
	_, hasIndex := v["_indexedFilter"]
	_, hasText := v["_indexedFilterQuery"]
	if !hasIndex && !hasText {
		return nil, nil
	}
	name := strings.TrimSpace(v.Get("_indexedFilter"))
	if name == "" {
		return nil, badParam("_indexedFilter", "missing: name the text index to search with _indexedFilterQuery")
	}
	ix := findIndex(e, name)
	if ix == nil {
		return nil, badParam("_indexedFilter", fmt.Sprintf("entity %s has no index %q", e.FullName, name))
	}
	if ix.Type != "text" {
		return nil, badParam("_indexedFilter", fmt.Sprintf("index %q is not a text index", name))
	}
	if !hasText {
		return nil, badParam("_indexedFilterQuery", "missing: the text to search for")
	}
	terms, err := TextTerms(v.Get("_indexedFilterQuery"))
	if err != nil {
		return nil, badParam("_indexedFilterQuery", err.Error())
	}
	fields, err := TextIndexFields(e, ix)
	if err != nil {
		return nil, badParam("_indexedFilter", err.Error())
	}
	return &Text{Index: ix.Name, Fields: fields, Terms: terms}, nil
}

func findIndex(e *app.Entity, name string) *app.Index {
	for i := range e.Indexes {
		if e.Indexes[i].Name == name {
			return &e.Indexes[i]
		}
	}
	return nil
}

// TextTerms splits the text of an index search into terms: words separated
// by blanks, and double-quoted phrases taken whole ("solar panel"; \" and
// \\ escape inside quotes). Empty phrases are dropped; no term at all, or an
// unterminated quote, is an error. NUL characters count as blanks.
func TextTerms(s string) ([]string, error) {
	var terms []string
	var cur strings.Builder
	inQuotes, escaped := false, false
	flush := func() {
		t := strings.TrimSpace(cur.String())
		if t != "" {
			terms = append(terms, t)
		}
		cur.Reset()
	}
	for _, r := range s {
		if r == 0 {
			r = ' '
		}
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case inQuotes && r == '\\':
			escaped = true
		case r == '"':
			flush()
			inQuotes = !inQuotes
		case !inQuotes && unicode.IsSpace(r):
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	if inQuotes {
		return nil, fmt.Errorf("unterminated double quote in %q", s)
	}
	flush()
	if len(terms) == 0 {
		return nil, fmt.Errorf("no text to search for")
	}
	if len(terms) > MaxPatterns {
		return nil, tooManyTerms(len(terms))
	}
	return terms, nil
}

// TextIndexFields resolves the field paths of a text index. Paths may cross
// multi-valued fields; relationships and groups contribute their label,
// files their name.
func TextIndexFields(e *app.Entity, ix *app.Index) ([]Target, error) {
	out := make([]Target, 0, len(ix.Fields))
	for _, p := range ix.Fields {
		t, err := resolveTarget(e, p, false)
		if err != nil {
			return nil, fmt.Errorf("text index %q: %v", ix.Name, err)
		}
		if t.Field.Type == types.Group && t.Sub == "" {
			t.Sub = SysLabel
		}
		out = append(out, t)
	}
	return out, nil
}

// TextColumns returns the searchable text of each field in a record's
// values: its string values (every element of multi-valued fields and
// groups, the label of relationships and groups, the name of files, the
// selected value of dynamic choices, the inner fields of nested groups),
// joined by "\n". Numbers and booleans are not text. NUL characters become
// blanks. A store fills its text index with exactly these columns.
func TextColumns(fields []Target, v map[string]any) []string {
	out := make([]string, len(fields))
	var parts []string
	for i, t := range fields {
		parts = parts[:0]
		collectText(t, v, t.Path, &parts)
		out[i] = strings.ReplaceAll(strings.Join(parts, "\n"), "\x00", " ")
	}
	return out
}

func collectText(t Target, base any, steps []Step, out *[]string) {
	if len(steps) == 0 {
		valueText(t.Field, t.Sub, base, out)
		return
	}
	m, ok := plain(base).(map[string]any)
	if !ok {
		return
	}
	val := plain(m[steps[0].Name])
	if steps[0].Many {
		if list, ok := val.([]any); ok {
			for _, el := range list {
				collectText(t, el, steps[1:], out)
			}
		}
		return
	}
	collectText(t, val, steps[1:], out)
}

// valueText appends the text of one value of field f (an element when f is
// many-valued).
func valueText(f *app.Field, sub string, v any, out *[]string) {
	switch x := plain(v).(type) {
	case string:
		*out = append(*out, x)
	case []any:
		for _, el := range x {
			valueText(f, sub, el, out)
		}
	case map[string]any:
		if f == nil {
			return
		}
		if f.Type == types.Nested && sub == "" {
			for _, in := range f.Nested {
				valueText(in, "", x[in.Name], out)
			}
			return
		}
		member := sub
		if member == "" {
			member = naturalMember(f)
		}
		for _, name := range strings.Split(member, ".") {
			m, ok := x[name].(map[string]any)
			if !ok {
				valueText(nil, "", x[name], out)
				return
			}
			x = m
		}
	}
}

// naturalMember is the member of a structured value a bare path compares:
// relationships and groups their label, files their name, dynamic choices
// their selected value.
func naturalMember(f *app.Field) string {
	switch f.Type {
	case types.Relationship, types.Group:
		return SysLabel
	case types.File:
		return "name"
	case types.DynamicChoice:
		return "selectedValue"
	}
	return ""
}

// TextContains reports whether every term (already lower-cased, see
// LowerTerms) is contained in one of the columns compared lower-cased. This
// is the exact text-index match; a store may narrow candidates with a real
// index first but decides with this function.
func TextContains(lowerTerms []string, columns []string) bool {
	lower := make([]string, len(columns))
	for i, c := range columns {
		lower[i] = strings.ToLower(c)
	}
	for _, t := range lowerTerms {
		found := false
		for _, c := range lower {
			if strings.Contains(c, t) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// LowerTerms lower-cases the terms of a text search.
func LowerTerms(terms []string) []string {
	out := make([]string, len(terms))
	for i, t := range terms {
		out[i] = strings.ToLower(t)
	}
	return out
}
