package app

import (
	"path"
	"strings"
	"time"

	"runway/cron"
)

// Listeners (app-model.md §5): model/listeners/*.json and their scripts.

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
	li.Queue = o.str("queue")
	o.ignore("dynamic", "avoidTriggerUiEvents", "forUpdateCalculatedRecords", "timezone",
		"expression", "jobType", "jobEvent", "customEvent", "description")
	o.done()
	return li
}
