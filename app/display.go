package app

import (
	"strings"

	"runway/types"
)

// App-wide display options per field type (model/types/typesDisplayOptions).

func (l *loader) loadDisplayOptions() {
	isDefault := map[string]bool{}
	l.walk(displayDir, func(p string) {
		if !strings.HasSuffix(p, ".json") {
			return
		}
		raw, ok := l.readJSON(p)
		if !ok {
			return
		}
		o, ok := l.object(p, "", raw)
		if !ok {
			return
		}
		t := o.str("type")
		if t == "" {
			t, _, _ = strings.Cut(strings.TrimPrefix(p, displayDir+"/"), "/")
		}
		def := o.boolean("defaultSettings")
		rules := o.anyMap("rules")
		o.ignore("name", "label", "description")
		o.done()
		c, ok := canonicalType(t)
		if !ok {
			l.warn(p, "type", "unknown type %q; display options ignored", t)
			return
		}
		if _, seen := l.app.DisplayOptions[c]; seen && (isDefault[c] || !def) {
			return
		}
		if rules == nil {
			rules = map[string]any{}
		}
		l.app.DisplayOptions[c] = types.Display(rules)
		isDefault[c] = def
	})
}
