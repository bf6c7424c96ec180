package app

import "io/fs"

// Temporary stub; replaced by the real loader.
func load(fsys fs.FS) (*App, []Problem, error) { return &App{}, nil, nil }
