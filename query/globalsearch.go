package query

import (
	"runway/app"
	"runway/types"
)

// GlobalSearch is the condition of a global search (sys.data.Query
// globalSearch): records where one of paths contains one of the words or
// "quoted phrases" of text (TextTerms), case-insensitively — the OR of
// like conditions.
func GlobalSearch(a *app.App, e *app.Entity, paths []string, text string) (Expr, error) {
	terms, err := TextTerms(text)
	if err != nil {
		return nil, err
	}
	var or Or
	for _, p := range paths {
		for _, t := range terms {
			x, err := ParseFilter(a, e, p, "like("+quote(t)+")")
			if err != nil {
				return nil, err
			}
			or = append(or, x)
		}
	}
	return or, CheckConditions(or)
}

// TextPaths are the paths of the text-like fields among fields (text,
// longText, html, email, url, phone; inside nested fields too) that keep
// accepts; keep sees nested fields before their children.
func TextPaths(fields []*app.Field, keep func(*app.Field) bool) []string {
	var out []string
	for _, f := range fields {
		if !keep(f) {
			continue
		}
		switch f.Type {
		case types.Text, types.LongText, types.HTML, types.Email, types.URL, types.Phone:
			out = append(out, f.Path())
		case types.Nested:
			out = append(out, TextPaths(f.Nested, keep)...)
		}
	}
	return out
}
