package api

import (
	"context"
	"net/http"
	"net/url"
	"path"
	"strings"

	"runway/apperr"
	"runway/query"
)

// readRequest refuses a request the routes would misread (issue 10), and
// reads its query string once, strictly, for params:
//
//   - CONNECT: never served (the mux would answer it with a text 404);
//   - a path with empty, "." or ".." segments: ServeMux would redirect it
//     to its clean form, and a client that follows redirects would then
//     DELETE /data/skills for DELETE /data/skills/. — so it is a 400, and
//     no answer of this server is ever a redirect;
//   - a query string that does not parse (query.ParseQueryString): 400
//     naming the parameter, where r.URL.Query() would drop the parameter
//     and the request run with fewer conditions.
func readRequest(r *http.Request) (*http.Request, error) {
	if r.Method == http.MethodConnect {
		return r, apperr.New(apperr.NotFound, "No endpoint CONNECT %s", r.RequestURI)
	}
	if !isCanonical(r.URL.Path) {
		return r, apperr.New(apperr.BadRequest, "Invalid path %q: empty, \".\" and \"..\" segments are not allowed", r.URL.Path)
	}
	v, err := query.ParseQueryString(r.URL.RawQuery)
	if err != nil {
		return r, err
	}
	return r.WithContext(context.WithValue(r.Context(), paramsKey{}, v)), nil
}

// isCanonical reports whether p is a path ServeMux serves as it is, rather
// than redirecting it to path.Clean's form (a trailing slash kept).
func isCanonical(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean == p
}

type paramsKey struct{}

// params are the request's query parameters as readRequest read them: the
// one way handlers read parameters (api_test checks that nothing in the
// package calls URL.Query, FormValue or ParseForm, which would read the
// query string again, leniently).
func params(r *http.Request) url.Values {
	v, ok := r.Context().Value(paramsKey{}).(url.Values)
	if !ok {
		// Only a request that did not pass ServeHTTP lacks them: reading
		// none would drop every filter.
		panic("api: query parameters read from a request that did not pass Server.ServeHTTP")
	}
	return v
}

// param reads a parameter that takes one value: given more than once is a
// 400 (which one was meant?), absent is "".
func param(r *http.Request, name string) (string, error) {
	return query.Single(params(r), name)
}
