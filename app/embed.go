package app

import (
	"embed"
	"io/fs"
)

// builtinFS holds the platform's own entity definitions (sys.users).
//
//go:embed builtin
var builtinFS embed.FS

//go:embed all:demo
var demoFS embed.FS

// Demo is the built-in demo app (the companies / contacts / skills app of the
// API documentation) in the on-disk layout, for Load.
func Demo() fs.FS {
	sub, err := fs.Sub(demoFS, "demo")
	if err != nil {
		panic(err)
	}
	return sub
}
