// Package console is Runway's web console: static ES modules and CSS,
// embedded in the binary and served under /{env}/console/. The console is a
// client of the public REST API like any other: it reads the app's shape
// from {base}/openapi.json and everything else with the user's token, so a
// user sees exactly what their permissions allow.
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// Files are the console's assets (index.html, *.js, *.css).
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return sub
}

// csp lets the page load its own scripts, styles and images and talk to its
// own origin (the API), nothing else.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// Handler serves the console at prefix ("/dev/console/"): GET and HEAD of
// its files, index.html for the prefix itself. The bare prefix without its
// slash is redirected to it, so relative module paths resolve.
func Handler(prefix string) http.Handler {
	files := http.FileServerFS(Files())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == strings.TrimSuffix(prefix, "/") {
			http.Redirect(w, r, prefix, http.StatusMovedPermanently)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, prefix)
		if name == "" || name == "index.html" {
			// FileServer redirects /index.html to ./ : serve it directly.
			b, err := fs.ReadFile(Files(), "index.html")
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			h.Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(b)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		files.ServeHTTP(w, r2)
	})
}
