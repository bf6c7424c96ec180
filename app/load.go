package app

import (
	"fmt"
	"io/fs"
)

// Problem is one finding of the loader: an error makes the definition
// unusable, a warning is reported by `runway check` only.
type Problem struct {
	File    string // relative to the app dir
	Path    string // JSON path inside the file, e.g. "fields[3].typeRules.entity"
	Message string
	Warning bool
}

func (p Problem) String() string {
	kind := "error"
	if p.Warning {
		kind = "warning"
	}
	if p.Path == "" {
		return fmt.Sprintf("%s: %s: %s", kind, p.File, p.Message)
	}
	return fmt.Sprintf("%s: %s: %s: %s", kind, p.File, p.Path, p.Message)
}

// Load reads and validates the app definition in fsys. It returns the app,
// every problem found (errors and warnings), and a non-nil error when any
// problem is an error.
func Load(fsys fs.FS) (*App, []Problem, error) { return load(fsys) }
