package app

import (
	"path"
	"strings"
)

// Libraries (app-model.md §7): the JavaScript of model/libraries, by dotted name.

func (l *loader) loadLibraries() {
	names := map[string]string{}
	add := func(lib *Library) {
		if prev, dup := names[lib.Name]; dup {
			l.errf(lib.File, "name", "duplicate library %q (also in %s)", lib.Name, prev)
			return
		}
		names[lib.Name] = lib.File
		l.app.Libraries = append(l.app.Libraries, lib)
	}
	l.walk(librariesDir, func(p string) {
		derived := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(p, librariesDir+"/"), path.Ext(p)), "/", ".")
		switch {
		case strings.HasSuffix(p, ".json"):
			raw, ok := l.readJSON(p)
			if !ok {
				return
			}
			o, ok := l.object(p, "", raw)
			if !ok {
				return
			}
			lib := &Library{Name: o.str("name"), File: p, Script: l.script(siblingJS(p))}
			if lib.Name == "" {
				lib.Name = derived
			}
			for _, seg := range strings.Split(lib.Name, ".") {
				if !validName(seg) {
					l.errf(p, "name", "invalid library name %q: dot-separated names of letters and digits", lib.Name)
					break
				}
			}
			if lib.Script == nil {
				l.warn(p, "", "library has no script %s", siblingJS(p))
			}
			o.ignore("description", "label")
			o.done()
			add(lib)
		case strings.HasSuffix(p, ".js"):
			if !l.exists(strings.TrimSuffix(p, ".js") + ".json") {
				add(&Library{Name: derived, File: p, Script: l.script(p)})
			}
		}
	})
}
