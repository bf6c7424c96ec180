package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// lenientQueryReaders read a request's query string again, leniently:
// url.ParseQuery and everything built on it drop a parameter they cannot
// parse (issue 10 item 1). Handlers read parameters with params(r), which
// ServeHTTP filled strictly.
var lenientQueryReaders = map[string]bool{
	"FormValue": true, "PostFormValue": true, "ParseForm": true, "ParseMultipartForm": true,
	"Form": true, "PostForm": true,
}

// readsQueryLeniently: x.URL.Query, url.ParseQuery, or a selector of
// lenientQueryReaders.
func readsQueryLeniently(sel *ast.SelectorExpr) bool {
	switch x := sel.X.(type) {
	case *ast.SelectorExpr:
		if sel.Sel.Name == "Query" && x.Sel.Name == "URL" {
			return true
		}
	case *ast.Ident:
		if sel.Sel.Name == "ParseQuery" && x.Name == "url" {
			return true
		}
	}
	return lenientQueryReaders[sel.Sel.Name]
}

// TestNoLenientQueryReading fails when code of package api reads the query
// string any other way than through params(r).
func TestNoLenientQueryReading(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if ok && readsQueryLeniently(sel) {
				t.Errorf("%s: %s reads the query string leniently; use params(r)", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
	if checked == 0 {
		t.Fatal("no source files checked")
	}
}
