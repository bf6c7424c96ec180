package app

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"path"
	"strings"
	"time"

	"runway/cron"
	"runway/types"
)

// ---- listeners (§5) ----

var (
	listenerTypes      = set("data", "time", "job", "custom")
	listenerEventTypes = set("recordCreated", "recordChanged", "recordDeleted", "actionPerformed", "conditionMet")
	listenerSources    = set("userEvents", "scriptEvents", "systemEvents")
)

func (l *loader) loadListeners() {
	names := map[string]string{}
	l.walk(listenersDir, func(p string) {
		switch {
		case strings.HasSuffix(p, ".json"):
			if li := l.parseListener(p); li != nil {
				if prev, dup := names[li.Name]; dup {
					l.errf(p, "name", "duplicate listener %q (also in %s)", li.Name, prev)
					return
				}
				names[li.Name] = p
				l.app.Listeners = append(l.app.Listeners, li)
			}
		case strings.HasSuffix(p, ".js"):
			if !l.exists(strings.TrimSuffix(p, ".js") + ".json") {
				l.warn(p, "", "script without a listener definition next to it; ignored")
			}
		}
	})
}

func (l *loader) parseListener(file string) *Listener {
	raw, ok := l.readJSON(file)
	if !ok {
		return nil
	}
	o, ok := l.object(file, "", raw)
	if !ok {
		return nil
	}
	li := &Listener{File: file, Raw: raw}
	li.Name = o.str("name")
	if li.Name == "" {
		li.Name = strings.TrimSuffix(path.Base(file), ".json")
	}
	li.Label = o.str("label")
	if li.Label == "" {
		li.Label = li.Name
	}
	li.Type = o.str("type")
	if li.Type == "" {
		li.Type = "data"
	}
	if !listenerTypes[li.Type] {
		l.warn(file, "type", "listener type %q is not supported; the listener is disabled", li.Type)
		return nil
	}
	li.Entity = o.str("entity")
	li.Events = o.raw("events")
	li.ExecuteInBackground = o.boolean("executeInBackground")
	li.Action = o.str("action")
	li.Script = l.script(siblingJS(file))
	args := ArgsListener
	if li.Type == "data" {
		args = ArgsDataListener
	}
	if li.Action == "" {
		l.errf(file, "action", "listener needs an action script")
	} else {
		l.checkRef(file, "action", li.Script, li.Action, args)
	}
	events := o.array("events")
	switch li.Type {
	case "data":
		if li.Entity == "" {
			l.errf(file, "entity", "data listener needs an entity")
		}
		if len(events) == 0 {
			l.errf(file, "events", "data listener needs at least one event")
		}
		for i, ev := range events {
			eo, ok := l.object(file, idx("events", i), ev)
			if !ok {
				continue
			}
			t := eo.str("type")
			if !listenerEventTypes[t] {
				l.errf(file, eo.at("type"), "unknown event type %q", t)
			}
			if c := eo.raw("condition"); c != nil {
				if s, ok := rawString(c); ok && s == "none" {
					if t == "conditionMet" {
						l.errf(file, eo.at("condition"), "conditionMet needs a condition")
					}
				} else {
					l.checkCond(file, eo.at("condition"), c, li.Script, ArgsListenerCond)
				}
			} else if t == "conditionMet" {
				l.errf(file, eo.at("condition"), "conditionMet needs a condition")
			}
			for k, src := range eo.strings("events") {
				if !listenerSources[src] {
					l.errf(file, idx(eo.at("events"), k), "unknown event source %q (userEvents, scriptEvents or systemEvents)", src)
				}
			}
			eo.strings("actions")
			eo.done()
		}
	case "time":
		li.Expression, li.Timezone = o.str("expression"), o.str("timezone")
		if li.Expression == "" {
			l.errf(file, "expression", "time listener needs a cron expression")
		} else if sc, err := cron.Parse(li.Expression); err != nil {
			l.errf(file, "expression", "%v", err)
		} else if !sc.EveryMinuteAtMost() {
			l.errf(file, "expression", "a time listener may fire at most once a minute (one value in the seconds field)")
		}
		if li.Timezone != "" {
			if _, err := time.LoadLocation(li.Timezone); err != nil {
				l.errf(file, "timezone", "unknown timezone %q", li.Timezone)
			}
		}
	case "job":
		li.JobType, li.JobEvent = o.str("jobType"), o.str("jobEvent")
	case "custom":
		li.CustomEvent = o.str("customEvent")
		if li.CustomEvent == "" {
			li.CustomEvent = li.Name
		}
	}
	o.ignore("queue", "dynamic", "avoidTriggerUiEvents", "forUpdateCalculatedRecords", "timezone",
		"expression", "jobType", "jobEvent", "customEvent", "description")
	o.done()
	return li
}

// ---- libraries (§7) ----

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

// ---- app-wide display options ----

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

// ---- groups (§6.2) ----

// GroupID is the id of a group without an explicit "id" (§8 Q12): the first
// 24 hex characters of SHA-1("group:" + name).
func GroupID(name string) string {
	sum := sha1.Sum([]byte("group:" + name))
	return hex.EncodeToString(sum[:])[:24]
}

func (l *loader) loadGroups() {
	ids := map[string]string{}
	l.walk(groupsDir, func(p string) {
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
		g := &Group{File: p, Name: o.str("name")}
		if g.Name == "" {
			g.Name = strings.TrimSuffix(path.Base(p), ".json")
		}
		g.Label = o.str("label")
		if g.Label == "" {
			g.Label = g.Name
		}
		g.ID = strings.ToLower(o.str("id"))
		if g.ID == "" {
			g.ID = GroupID(g.Name)
		} else if !isHex24(g.ID) {
			l.errf(p, "id", "group id %q must be 24 hexadecimal characters", g.ID)
		}
		for i, r := range o.array("entityPermissions") {
			eo, ok := l.object(p, idx("entityPermissions", i), r)
			if !ok {
				continue
			}
			g.EntityPermissions = append(g.EntityPermissions, EntityPermission{
				Entity:    eo.str("entity"),
				Read:      eo.raw("read"),
				Create:    eo.raw("create"),
				Update:    eo.raw("update"),
				Delete:    eo.raw("delete"),
				AuditLogs: eo.raw("auditLogs"),
				Import:    eo.boolean("import"),
				Export:    eo.boolean("export"),
				Fields:    eo.raw("fields"),
				Actions:   eo.raw("actions"),
			})
			eo.done()
		}
		g.Security = o.raw("security")
		if g.Security != nil {
			var sec struct {
				PasswordPolicies struct {
					Require2FA bool `json:"require2FA"`
				} `json:"passwordPolicies"`
			}
			if json.Unmarshal(g.Security, &sec) != nil {
				l.errf(p, "security", "must be a JSON object")
			} else if sec.PasswordPolicies.Require2FA {
				l.warn(p, "security.passwordPolicies.require2FA", "two-factor authentication is not supported; require2FA is ignored")
			}
		}
		g.UserImpersonate = o.boolean("userImpersonate")
		o.ignore("viewPermissions", "description")
		o.done()
		if prev, dup := l.app.Groups[g.Name]; dup {
			l.errf(p, "name", "duplicate group %q (also in %s)", g.Name, prev.File)
			return
		}
		if prev, dup := ids[g.ID]; dup {
			l.errf(p, "id", "duplicate group id %q (also in %s)", g.ID, prev)
			return
		}
		ids[g.ID] = p
		l.app.Groups[g.Name] = g
		l.app.GroupNames = append(l.app.GroupNames, g.Name)
	})
}

func isHex24(s string) bool {
	if len(s) != 24 {
		return false
	}
	for _, c := range s {
		if !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
			return false
		}
	}
	return true
}

// ---- cross checks ----

// entity returns a usable (non-abstract) entity by full name.
func (l *loader) entity(name string) *rawEntity {
	re := l.byName[name]
	if re == nil || re.abstract {
		return nil
	}
	return re
}

// relTarget is the typeRules.entity of a relationship field.
func (l *loader) relTarget(f *Field) string {
	if m := l.meta[f]; m != nil {
		s, _ := rawString(m.rules["entity"])
		return s
	}
	return f.Rules.Entity
}

func last(fs []*Field) *Field { return fs[len(fs)-1] }

func (l *loader) crossCheck() {
	// field references to other entities and groups
	for _, f := range l.metaOrder {
		m := l.meta[f]
		rulesAt := join(m.path, "typeRules")
		switch f.Type {
		case types.Relationship:
			target, ok := rawString(m.rules["entity"])
			if !ok || target == "" {
				continue // reported while parsing
			}
			t := l.entity(target)
			if t == nil {
				l.errf(m.file, join(rulesAt, "entity"), "unknown entity %q", target)
				continue
			}
			var copied []string
			if r := m.rules["copiedFields"]; !isNull(r) && json.Unmarshal(r, &copied) != nil {
				l.errf(m.file, join(rulesAt, "copiedFields"), "must be an array of field paths")
			}
			for k, c := range copied {
				if t.e.Resolve(c) == nil {
					l.errf(m.file, join(rulesAt, idx("copiedFields", k)), "unknown field %q in %q", c, target)
				}
			}
		case types.Group:
			var groups []string
			if r := m.rules["groups"]; !isNull(r) && json.Unmarshal(r, &groups) != nil {
				l.errf(m.file, join(rulesAt, "groups"), "must be an array of group names")
			}
			for k, g := range groups {
				if l.app.Groups[g] == nil {
					l.errf(m.file, join(rulesAt, idx("groups", k)), "unknown group %q", g)
				}
			}
		}
		if f.Calculated() {
			l.checkAggregate(f, m)
		}
	}

	// entity-level field references, on the flattened entities
	for _, re := range l.ents {
		e := re.e
		if rest, ok := strings.CutPrefix(e.RecordLabel, "fields/"); ok {
			if fs := e.Resolve(rest); fs == nil {
				if re.has["recordLabel"] {
					l.errf(re.file, "recordLabel", "unknown field %q", rest)
				}
			} else {
				e.LabelPath = strings.Split(rest, ".")
			}
		} else if e.RecordLabel == "" {
			e.LabelPath = defaultLabelPath(e)
		}
		if re.has["lookupFields"] {
			for k, name := range e.LookupFields {
				fs := e.Resolve(name)
				switch {
				case fs == nil:
					l.errf(re.file, idx("lookupFields", k), "unknown field %q", name)
				case !last(fs).Unique:
					l.errf(re.file, idx("lookupFields", k), "lookup field %q is not unique", name)
				}
			}
		}
		for i, ix := range re.ownIndexes {
			for k, p := range ix.Fields {
				if e.Resolve(p) == nil {
					l.errf(re.file, idx(idx("indexes", i)+".fields", k), "unknown field %q", p)
				}
			}
		}
	}

	// listeners
	for _, li := range l.app.Listeners {
		if li.Type != "data" || li.Entity == "" {
			continue
		}
		t := l.entity(li.Entity)
		if t == nil {
			l.errf(li.File, "entity", "unknown entity %q", li.Entity)
			continue
		}
		var events []struct {
			Actions []string `json:"actions"`
		}
		_ = json.Unmarshal(li.Events, &events)
		for i, ev := range events {
			for k, a := range ev.Actions {
				if t.e.Action(a) == nil {
					l.errf(li.File, idx(idx("events", i)+".actions", k), "unknown action %q of %q", a, li.Entity)
				}
			}
		}
	}

	// groups: references are warnings (a group may list what the app dropped)
	for _, name := range l.app.GroupNames {
		g := l.app.Groups[name]
		for i, ep := range g.EntityPermissions {
			at := idx("entityPermissions", i)
			t := l.entity(ep.Entity)
			if t == nil {
				l.warn(g.File, join(at, "entity"), "unknown entity %q", ep.Entity)
				continue
			}
			var fields []struct {
				Field string `json:"field"`
			}
			_ = json.Unmarshal(ep.Fields, &fields)
			for k, f := range fields {
				if t.e.Resolve(f.Field) == nil {
					l.warn(g.File, join(at, idx("fields", k)+".field"), "unknown field %q of %q", f.Field, ep.Entity)
				}
			}
			var actions []struct {
				Action string `json:"action"`
			}
			_ = json.Unmarshal(ep.Actions, &actions)
			for k, a := range actions {
				if t.e.Action(a.Action) == nil {
					l.warn(g.File, join(at, idx("actions", k)+".action"), "unknown action %q of %q", a.Action, ep.Entity)
				}
			}
		}
	}
}

// defaultLabelPath is §8 Q14: the first single-valued, stored top-level text
// field, or nil (the id).
func defaultLabelPath(e *Entity) []string {
	for _, f := range e.Fields {
		if f.Type == types.Text && !f.Many && !f.Transient {
			return []string{f.Name}
		}
	}
	return nil
}

var numericTypes = set(types.Integer, types.Decimal, types.Money, types.Percentage, types.BigNumber)

// checkAggregate checks an aggregate valueCalculation: the entity exists,
// field is a relationship of it pointing at this entity, the operation is
// known and sum/avg name a numeric aggregateField.
func (l *loader) checkAggregate(f *Field, m *fieldMeta) {
	var vc struct {
		Aggregate *struct {
			Entity         string `json:"entity"`
			Field          string `json:"field"`
			Operation      string `json:"operation"`
			AggregateField string `json:"aggregateField"`
		} `json:"aggregate"`
	}
	if json.Unmarshal(f.ValueCalculation, &vc) != nil || vc.Aggregate == nil {
		return
	}
	a := vc.Aggregate
	at := join(m.path, "valueCalculation.aggregate")
	t := l.entity(a.Entity)
	if t == nil {
		l.errf(m.file, join(at, "entity"), "unknown entity %q", a.Entity)
		return
	}
	rel := t.e.Resolve(a.Field)
	if rel == nil || last(rel).Type != types.Relationship || l.relTarget(last(rel)) != m.entity.e.FullName {
		l.errf(m.file, join(at, "field"), "%q is not a relationship of %q to %q", a.Field, a.Entity, m.entity.e.FullName)
	}
	switch a.Operation {
	case "count":
	case "sum", "avg":
		af := t.e.Resolve(a.AggregateField)
		if af == nil || !numericTypes[last(af).Type] {
			l.errf(m.file, join(at, "aggregateField"), "%q is not a number field of %q", a.AggregateField, a.Entity)
		}
	default:
		l.errf(m.file, join(at, "operation"), "operation %q must be count, sum or avg", a.Operation)
	}
}
