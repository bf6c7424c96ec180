package data

import (
	"runway/app"
	"runway/apperr"
	"runway/query"
)

// GlobalSearch is the condition of sys.data.Query globalSearch(text) for
// c (app-model.md §1.3 globalSearch): the text-like fields c may filter
// on — read on every record — each containing a word or phrase of text.
// The entity must enable it ("globalSearch": true).
func (s *Service) GlobalSearch(c *Caller, e *app.Entity, text string) (query.Expr, error) {
	if !e.GlobalSearch {
		return nil, apperr.New(apperr.BadRequest, "Global search is not enabled for entity %s (\"globalSearch\": true)", e.FullName)
	}
	ea := s.entityAccess(c, e)
	paths := query.TextPaths(e.Fields, func(f *app.Field) bool { return ea.Field(f).Read.All() })
	if len(paths) == 0 {
		return nil, apperr.New(apperr.BadRequest, "Entity %s has no text field to search", e.FullName)
	}
	x, err := query.GlobalSearch(s.app, e, paths, text)
	if err != nil {
		return nil, apperr.New(apperr.BadRequest, "globalSearch: %v", err)
	}
	return x, nil
}
