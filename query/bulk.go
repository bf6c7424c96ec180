package query

import (
	"fmt"
	"net/url"
	"strconv"

	"runway/app"
)

// ParseBulk reads the query string of an operation over a query (delete,
// action, export): filters, _query, _sortField/_sortType and _offset as for
// lists, but _size has no default and no maximum — it only caps the set
// (rest-api.md §6.7).
func ParseBulk(a *app.App, e *app.Entity, v url.Values) (*Select, error) {
	sel := &Select{Sort: ByID}
	var err error
	if sel.Where, err = ParseWhere(a, e, v); err != nil {
		return nil, err
	}
	if sel.Sort, err = parseSort(e, v.Get("_sortField"), v.Get("_sortType")); err != nil {
		return nil, err
	}
	if v.Get("_sortField") == "" {
		sel.Near = NearOf(sel.Where) // nearest first, as for lists
	}
	if err := parseOffset(sel, v.Get("_offset")); err != nil {
		return nil, err
	}
	if s := v.Get("_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return nil, badParam("_size", fmt.Sprintf("%q is not a positive integer", s))
		}
		sel.Limit = n
	}
	return sel, nil
}
