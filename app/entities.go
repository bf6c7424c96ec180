package app

import (
	"encoding/json"
	"path"
	"regexp"
	"sort"
	"strings"

	"runway/types"
)

// ---- entity files ----

func (l *loader) loadEntities() {
	l.walk(entitiesDir, func(p string) {
		rel := strings.TrimPrefix(p, entitiesDir+"/")
		dir, base := path.Split(rel)
		ns := strings.ReplaceAll(strings.TrimSuffix(dir, "/"), "/", ".")
		switch {
		case base == "descriptor.json":
			l.loadDescriptor(p, ns)
		case strings.HasSuffix(base, ".json"):
			raw, ok := l.readJSON(p)
			if !ok {
				return
			}
			if re := l.parseEntity(p, raw, ns, strings.TrimSuffix(base, ".json"), l.script(siblingJS(p)), false); re != nil {
				l.register(re)
			}
		case strings.HasSuffix(base, ".js"):
			if !l.exists(strings.TrimSuffix(p, ".js") + ".json") {
				l.warn(p, "", "script without an entity definition next to it; ignored")
			}
		}
	})
}

func (l *loader) loadDescriptor(file, ns string) {
	raw, ok := l.readJSON(file)
	if !ok {
		return
	}
	o, ok := l.object(file, "", raw)
	if !ok {
		return
	}
	label := o.str("label")
	o.ignore("name", "description")
	o.done()
	if ns == "" {
		l.warn(file, "", "descriptor.json outside a namespace folder; ignored")
		return
	}
	l.app.Namespaces[ns] = label
}

func (l *loader) register(re *rawEntity) {
	if prev, dup := l.byName[re.e.FullName]; dup {
		l.errf(re.file, "name", "duplicate entity %q (also defined in %s)", re.e.FullName, prev.file)
		return
	}
	l.byName[re.e.FullName] = re
	l.ents = append(l.ents, re)
}

// mergeScripts joins two scripts; functions of over win (it is evaluated
// last). The result has over's file name.
func mergeScripts(base, over *Script) *Script {
	if base == nil {
		return over
	}
	if over == nil {
		return base
	}
	fns := make(map[string][]string, len(base.Functions)+len(over.Functions))
	for k, v := range base.Functions {
		fns[k] = v
	}
	for k, v := range over.Functions {
		fns[k] = v
	}
	return &Script{File: over.File, Source: base.Source + "\n" + over.Source, Functions: fns}
}

// parseEntity reads one entity definition. sc is its sibling script.
func (l *loader) parseEntity(file string, raw json.RawMessage, ns, base string, sc *Script, builtin bool) *rawEntity {
	o, ok := l.object(file, "", raw)
	if !ok {
		return nil
	}
	e := &Entity{File: file}
	re := &rawEntity{e: e, file: file, has: map[string]bool{}, actionPaths: map[*Action]string{}}
	for k, v := range o.m {
		if !isNull(v) {
			re.has[k] = true
		}
	}

	e.Name = o.str("name")
	if e.Name == "" {
		e.Name = base
	}
	if !validName(e.Name) {
		l.errf(file, "name", "invalid entity name %q: letters and digits only, starting with a letter", e.Name)
	}
	e.FullName = e.Name
	if ns != "" {
		for _, seg := range strings.Split(ns, ".") {
			if !validName(seg) {
				l.errf(file, "", "invalid namespace folder %q: letters and digits only, starting with a letter", seg)
			}
		}
		e.FullName = ns + "." + e.Name
	}
	if fn := o.str("fullName"); fn != "" && fn != e.FullName {
		l.errf(file, "fullName", "fullName %q does not match %q (folder path + name)", fn, e.FullName)
	}
	if e.FullName == "sys.users" && !builtin {
		if sc != nil {
			var shadowed []string
			for fn := range sc.Functions {
				if _, ok := l.builtinUsers.Functions[fn]; ok {
					shadowed = append(shadowed, fn)
				}
			}
			sort.Strings(shadowed)
			for _, fn := range shadowed {
				l.warn(sc.File, "", "function %q is also defined by the built-in sys.users script, which wins", fn)
			}
		}
		sc = mergeScripts(sc, l.builtinUsers)
		l.app.Scripts[usersJS] = sc
	}
	re.script = sc
	e.Script = sc

	e.Label = o.str("label")
	if e.Label == "" {
		e.Label = e.Name
	}
	e.ID = strings.ToLower(o.str("id"))
	if e.ID == "" {
		e.ID = EntityID(e.FullName)
	} else if !isHex24(e.ID) {
		l.errf(file, "id", "entity id %q must be 24 hexadecimal characters", e.ID)
	}
	switch t := o.str("type"); t {
	case "", "data", "enum":
		e.Type = "data"
	case "system":
		e.Type = "system"
	case "calculated":
		e.Type = "data"
		l.errf(file, "type", "entity type \"calculated\" is not supported")
	default:
		e.Type = "data"
		l.errf(file, "type", "unknown entity type %q (data or system)", t)
	}
	e.System = o.boolean("system")
	e.EnableDetailedLogging = o.boolean("enableDetailedLogging")
	if so := o.sub("settings"); so != nil {
		if al := so.raw("auditLogs"); al != nil {
			if _, ok := l.object(file, so.at("auditLogs"), al); ok {
				e.AuditLogs = al
			}
		}
		so.done()
	}
	if o.boolean("history") && e.AuditLogs == nil {
		e.AuditLogs = json.RawMessage(`{}`)
	}

	e.Fields = l.parseFields(re, file, "fields", o.array("fields"), nil, sc, false)
	e.Actions = l.parseActions(re, file, o.array("actions"), sc)

	e.RecordLabel = o.str("recordLabel")
	switch rl := e.RecordLabel; {
	case rl == "", strings.HasPrefix(rl, "fields/"): // fields are checked after inheritance
	case strings.HasPrefix(rl, "js/"):
		l.checkRef(file, "recordLabel", sc, rl, ArgsLabel)
	default:
		l.errf(file, "recordLabel", "recordLabel %q must be \"fields/<path>\" or \"js/<function>\"", rl)
	}

	for i, r := range o.array("indexes") {
		io, ok := l.object(file, idx("indexes", i), r)
		if !ok {
			continue
		}
		ix := Index{Name: io.str("name"), Fields: io.strings("fields"), Unique: io.boolean("unique"), Type: io.str("type")}
		switch ix.Type {
		case "":
			ix.Type = "normal"
		case "normal", "text":
		default:
			l.errf(file, io.at("type"), "index type %q must be \"normal\" or \"text\"", ix.Type)
		}
		if ix.Name == "" {
			l.errf(file, io.at("name"), "index needs a name")
		}
		if len(ix.Fields) == 0 {
			l.errf(file, io.at("fields"), "index needs fields")
		}
		io.done()
		e.Indexes = append(e.Indexes, ix)
	}
	re.ownIndexes = e.Indexes

	e.LookupFields = o.strings("lookupFields")
	e.GlobalSearch = o.boolean("globalSearch")
	if rv := o.str("recordValidations"); rv != "" {
		e.RecordValidations = rv
		l.checkRef(file, "recordValidations", sc, rv, ArgsRecordValidation)
	}
	re.parent = o.str("parentEntity")
	re.abstract = o.boolean("abstract")
	o.ignore("description")
	o.done()
	return re
}

// ---- fields ----

func (l *loader) parseFields(re *rawEntity, file, p string, arr []json.RawMessage, parent *Field, sc *Script, underMany bool) []*Field {
	var out []*Field
	seen := map[string]bool{}
	for i, r := range arr {
		fp := idx(p, i)
		f := l.parseField(re, file, fp, r, parent, sc, underMany)
		if f == nil {
			continue
		}
		if seen[f.Name] {
			l.errf(file, join(fp, "name"), "duplicate field name %q", f.Name)
			continue
		}
		seen[f.Name] = true
		out = append(out, f)
	}
	return out
}

var currentDateTypes = set(types.Date, types.DateTime, types.DateTimeNoTimezone, types.Time, types.MonthDay, types.YearMonth)

func (l *loader) parseField(re *rawEntity, file, fp string, raw json.RawMessage, parent *Field, sc *Script, underMany bool) *Field {
	o, ok := l.object(file, fp, raw)
	if !ok {
		return nil
	}
	f := &Field{Parent: parent}
	f.Name = o.str("name")
	if !validName(f.Name) {
		l.errf(file, o.at("name"), "invalid field name %q: letters and digits only, starting with a letter", f.Name)
	}
	f.Label = o.str("label")
	if f.Label == "" {
		f.Label = f.Name
	}
	switch tid := o.str("type"); {
	case tid == "":
		l.errf(file, o.at("type"), "missing type")
	default:
		if c, ok := canonicalType(tid); ok {
			f.Type = c
		} else {
			l.errf(file, o.at("type"), "unknown type %q", tid)
		}
	}
	switch m := o.str("multiplicity"); m {
	case "", "one":
	case "many":
		f.Many = true
	default:
		l.errf(file, o.at("multiplicity"), "multiplicity %q must be \"one\" or \"many\"", m)
	}
	f.Required = o.raw("required")
	l.checkCond(file, o.at("required"), f.Required, sc, ArgsValue)
	f.Unique = o.boolean("unique")
	f.Indexable = o.boolean("indexable")
	f.Transient = o.boolean("transient")
	f.SensitiveData = o.boolean("sensitiveData")
	f.System = o.boolean("system")

	// typeRules: our own checks read the raw keys, the rules come from types.
	var rules map[string]json.RawMessage
	rawRules := o.raw("typeRules")
	if rawRules != nil && json.Unmarshal(rawRules, &rules) != nil {
		l.errf(file, o.at("typeRules"), "must be a JSON object")
		rawRules = nil
	}
	rulesAt := o.at("typeRules")
	reported := l.checkRegex(file, rulesAt, rules)
	if f.Type == types.Relationship && !l.checkRelEntity(file, rulesAt, rules) {
		reported = true
	}
	f.Rules = &types.Rules{}
	if f.Type != "" {
		r, err := types.ParseRules(f.Type, rawRules)
		switch {
		case err != nil:
			if !reported {
				l.errf(file, rulesAt, "%v", err)
			}
		case r != nil:
			f.Rules = r
		}
	}
	for k, pv := range rawArray(rules["possibleValues"]) {
		var v struct {
			Condition json.RawMessage `json:"condition"`
		}
		if json.Unmarshal(pv, &v) == nil {
			if s, ok := rawString(v.Condition); ok && strings.HasPrefix(s, "js/") {
				l.checkRef(file, join(rulesAt, idx("possibleValues", k)+".condition"), sc, s, ArgsValue)
			}
		}
	}

	nested := o.array("nestedFields")
	if f.Type == types.Nested {
		f.Nested = l.parseFields(re, file, o.at("nestedFields"), nested, f, sc, underMany || f.Many)
		if r, ok := rules["nestedLabel"]; ok && !isNull(r) {
			at := join(rulesAt, "nestedLabel")
			s, _ := rawString(r)
			switch {
			case strings.HasPrefix(s, "fields/"):
				if resolve(f.Nested, strings.Split(strings.TrimPrefix(s, "fields/"), ".")) == nil {
					l.errf(file, at, "nestedLabel %q: unknown field %q", s, strings.TrimPrefix(s, "fields/"))
				}
			case strings.HasPrefix(s, "js/"):
				l.checkRef(file, at, sc, s, ArgsNestedLabel)
			default:
				l.errf(file, at, "nestedLabel must be \"fields/<field>\" or \"js/<function>\"")
			}
		}
	} else if nested != nil {
		l.warn(file, o.at("nestedFields"), "nestedFields ignored: the field's type is not nestedFields")
	}

	l.parseDefault(f, o, file, sc)

	f.ValueCalculation = o.raw("valueCalculation")
	if vc := f.ValueCalculation; vc != nil {
		at := o.at("valueCalculation")
		if s, ok := rawString(vc); ok {
			l.checkRef(file, at, sc, s, ArgsValue)
		} else {
			var agg struct {
				Aggregate map[string]json.RawMessage `json:"aggregate"`
			}
			if json.Unmarshal(vc, &agg) != nil || agg.Aggregate == nil {
				l.errf(file, at, "valueCalculation must be \"js/<function>\" or {\"aggregate\": {…}}")
			}
		}
	}
	o.ignore("calculated")
	f.ReadAccess = o.raw("readAccess")
	l.checkCond(file, o.at("readAccess"), f.ReadAccess, sc, ArgsValue)
	f.WriteAccess = o.raw("writeAccess")
	l.checkCond(file, o.at("writeAccess"), f.WriteAccess, sc, ArgsValue)
	syncOff := o.has("syncAccess") && !o.boolean("syncAccess")
	if !syncOff && f.ReadAccess != nil && f.WriteAccess == nil {
		f.WriteAccess = f.ReadAccess
	}
	if v := o.str("validation"); v != "" {
		f.Validation = v
		l.checkRef(file, o.at("validation"), sc, v, ArgsFieldValidation)
	}
	f.UIOptions = o.anyMap("uiOptions")
	f.DisplayOptions = o.anyMap("displayOptions")
	o.ignore("description")
	o.done()

	if f.Type != "" {
		l.checkFlags(file, fp, f, underMany)
	}
	l.meta[f] = &fieldMeta{file: file, path: fp, entity: re, rules: rules}
	l.metaOrder = append(l.metaOrder, f)
	return f
}

// checkFlags applies the flag restrictions of app-model.md §2 and §8 Q34.
func (l *loader) checkFlags(file, fp string, f *Field, underMany bool) {
	at := func(k string) string { return join(fp, k) }
	if f.Unique && !types.AllowsUnique(f.Type) {
		l.errf(file, at("unique"), "unique is not allowed on type %s", f.Type)
	} else if f.Unique && f.Many {
		l.errf(file, at("unique"), "unique is not allowed on a many-valued field")
	} else if f.Unique && underMany {
		l.errf(file, at("unique"), "unique is not allowed inside a many-valued nested field")
	}
	if f.Many && !types.AllowsMany(f.Type) {
		l.errf(file, at("multiplicity"), "multiplicity many is not allowed on type %s", f.Type)
	}
	if condSet(f.Required) && !types.AllowsRequired(f.Type) {
		l.errf(file, at("required"), "required is not allowed on type %s", f.Type)
	}
	if f.Indexable && !types.AllowsIndexable(f.Type) {
		l.errf(file, at("indexable"), "indexable is not allowed on type %s", f.Type)
	}
	if f.Calculated() && !types.AllowsCalculation(f.Type) {
		l.errf(file, at("valueCalculation"), "valueCalculation is not allowed on type %s", f.Type)
	}
	if f.SensitiveData && !types.AllowsSensitive(f.Type) {
		l.errf(file, at("sensitiveData"), "sensitiveData is not allowed on type %s", f.Type)
	}
}

// condSet reports whether a required/access value is anything but never/false.
func condSet(r json.RawMessage) bool {
	if r == nil {
		return false
	}
	if s, ok := rawString(r); ok {
		return s != "never"
	}
	var b bool
	if json.Unmarshal(r, &b) == nil {
		return b
	}
	return true
}

// checkCond checks a condition value: "always", "never", "js/<fn>", a bool
// or an expression object.
func (l *loader) checkCond(file, p string, r json.RawMessage, sc *Script, args []string) {
	if r == nil {
		return
	}
	if s, ok := rawString(r); ok {
		switch {
		case s == "always" || s == "never":
		case strings.HasPrefix(s, "js/"):
			l.checkRef(file, p, sc, s, args)
		default:
			l.errf(file, p, "%q must be \"always\", \"never\", \"js/<function>\" or an expression", s)
		}
		return
	}
	switch r[0] {
	case '{', 't', 'f':
	default:
		l.errf(file, p, "must be \"always\", \"never\", \"js/<function>\" or an expression")
	}
}

// checkRegex compiles typeRules.regularExpression (RE2, §8 Q23) and reports
// whether it is invalid.
func (l *loader) checkRegex(file, rulesAt string, rules map[string]json.RawMessage) bool {
	r, ok := rules["regularExpression"]
	if !ok || isNull(r) {
		return false
	}
	at := join(rulesAt, "regularExpression")
	expr, ok := rawString(r)
	ci := false
	if !ok {
		var ro struct {
			Expression      string `json:"expression"`
			CaseInsensitive bool   `json:"caseInsensitive"`
		}
		if json.Unmarshal(r, &ro) != nil {
			l.errf(file, at, "must be {\"expression\", \"hint\", \"caseInsensitive\"}")
			return true
		}
		expr, ci, at = ro.Expression, ro.CaseInsensitive, join(at, "expression")
	}
	if ci {
		expr = "(?i)" + expr
	}
	if _, err := regexp.Compile(expr); err != nil {
		l.errf(file, at, "invalid regular expression: %v", err)
		return true
	}
	return false
}

// checkRelEntity checks that a relationship names its target entity; the
// entity's existence is checked once all entities are loaded.
func (l *loader) checkRelEntity(file, rulesAt string, rules map[string]json.RawMessage) bool {
	at := join(rulesAt, "entity")
	r := rules["entity"]
	target, ok := rawString(r)
	switch {
	case isNull(r) || (ok && target == ""):
		l.errf(file, at, "relationship needs typeRules.entity")
		return false
	case !ok:
		l.errf(file, at, "must be an entity name")
		return false
	}
	return true
}

// parseDefault reads defaultValue (§1.4, §8 Q26).
func (l *loader) parseDefault(f *Field, o *object, file string, sc *Script) {
	raw := o.raw("defaultValue")
	if raw == nil || f.Type == "" {
		return
	}
	at := o.at("defaultValue")
	if !types.AllowsDefault(f.Type) {
		l.errf(file, at, "defaultValue is not allowed on type %s", f.Type)
		return
	}
	if s, ok := rawString(raw); ok {
		if s == "$currentDate" {
			if !currentDateTypes[f.Type] {
				l.errf(file, at, "$currentDate needs a date or time type, not %s", f.Type)
				return
			}
			f.DefaultKind = DefaultCurrentDate
			return
		}
		if strings.HasPrefix(s, "js/") {
			f.DefaultKind = DefaultScript
			f.DefaultScript = s
			l.checkRef(file, at, sc, s, ArgsValue)
			return
		}
	}
	v, err := decodeNumbers(raw)
	if err != nil {
		l.errf(file, at, "invalid JSON: %v", err)
		return
	}
	if f.Many {
		list, ok := v.([]any)
		if !ok {
			list = []any{v}
		}
		out := make([]any, 0, len(list))
		for i, item := range list {
			n, msg := literal(f, item)
			if msg != "" {
				l.errf(file, at, "defaultValue item %d %s does not fit type %s: %s", i, jsonText(item), f.Type, msg)
				return
			}
			out = append(out, n)
		}
		f.DefaultKind, f.Default = DefaultLiteral, out
		return
	}
	n, msg := literal(f, v)
	if msg != "" {
		l.errf(file, at, "defaultValue %s does not fit type %s: %s", jsonText(v), f.Type, msg)
		return
	}
	f.DefaultKind, f.Default = DefaultLiteral, n
}

// literal parses a default literal with the field's REST write rules.
// Relationship and group values are resolved by the data service and kept
// as given.
func literal(f *Field, v any) (any, string) {
	if f.Type == types.Relationship || f.Type == types.Group {
		return v, ""
	}
	n, p := types.Parse(f.Type, f.Rules, v)
	if p != nil {
		return nil, problemText(p)
	}
	n, p = types.Check(f.Type, f.Rules, n)
	if p != nil {
		return nil, problemText(p)
	}
	return n, ""
}

func problemText(p *types.Problem) string {
	if p.Message != "" {
		return p.Message
	}
	return p.Code
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func decodeNumbers(r json.RawMessage) (any, error) {
	d := json.NewDecoder(strings.NewReader(string(r)))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

func rawString(r json.RawMessage) (string, bool) {
	if len(r) == 0 || r[0] != '"' {
		return "", false
	}
	var s string
	return s, json.Unmarshal(r, &s) == nil
}

func rawArray(r json.RawMessage) []json.RawMessage {
	var a []json.RawMessage
	if isNull(r) || json.Unmarshal(r, &a) != nil {
		return nil
	}
	return a
}

// ---- actions ----

func (l *loader) parseActions(re *rawEntity, file string, arr []json.RawMessage, sc *Script) []*Action {
	var out []*Action
	seen := map[string]bool{}
	for i, r := range arr {
		ap := idx("actions", i)
		o, ok := l.object(file, ap, r)
		if !ok {
			continue
		}
		a := &Action{Name: o.str("name")}
		if !validName(a.Name) {
			l.errf(file, o.at("name"), "invalid action name %q: letters and digits only, starting with a letter", a.Name)
		}
		a.Label = o.str("label")
		if a.Label == "" {
			a.Label = a.Name
		}
		args, cvArgs := ArgsOneRecord, []string{"record", "action"}
		switch t := o.str("type"); t {
		case "", "oneRecord", "ONE_RECORD":
			a.Type = "oneRecord"
		case "manyRecords", "MANY_RECORDS":
			a.Type, args, cvArgs = "manyRecords", ArgsManyRecords, []string{"query", "action"}
		case "global", "GLOBAL_ENTITY":
			a.Type, args, cvArgs = "global", ArgsGlobal, []string{"query", "action"}
		default:
			a.Type = "oneRecord"
			l.errf(file, o.at("type"), "unknown action type %q (oneRecord, manyRecords or global)", t)
		}
		a.Parameters = l.parseFields(re, file, o.at("parameters"), o.array("parameters"), nil, sc, false)
		a.Precondition = o.raw("precondition")
		if a.Precondition != nil {
			if a.Type != "oneRecord" {
				l.warn(file, o.at("precondition"), "precondition applies to oneRecord actions only; ignored")
			} else {
				l.checkCond(file, o.at("precondition"), a.Precondition, sc, ArgsPrecondition)
			}
		}
		key, script := "actions", o.str("actions")
		if s := o.str("script"); s != "" {
			if script != "" {
				l.warn(file, o.at("script"), "both \"actions\" and \"script\" given; \"actions\" is used")
			} else {
				key, script = "script", s
			}
		}
		if script != "" {
			a.Script = script
			l.checkRef(file, o.at(key), sc, script, args)
		}
		a.SaveDataBeforeRunning = o.boolean("saveDataBeforeRunning")
		a.ResultAsResponse = o.boolean("resultAsResponse")
		a.ExecuteInBackground = o.boolean("executeInBackground")
		a.Queue = o.str("queue")
		a.OnlyOneRecord = o.boolean("onlyOneRecord")
		if cv := o.str("customValidations"); cv != "" {
			a.CustomValidations = cv
			l.checkRef(file, o.at("customValidations"), sc, cv, cvArgs)
		}
		a.System = o.boolean("system")
		o.ignore("avoidTriggerUiEvents", "visible", "description")
		o.done()
		if seen[a.Name] {
			l.errf(file, join(ap, "name"), "duplicate action name %q", a.Name)
			continue
		}
		seen[a.Name] = true
		re.actionPaths[a] = ap
		out = append(out, a)
	}
	return out
}

// ---- sys.users, inheritance ----

// addUsers adds the built-in sys.users, merged with the app's definition
// when it has one: app fields and actions are added, system ones kept.
func (l *loader) addUsers() {
	b := l.parseEntity(usersJSON, json.RawMessage(mustRead(builtinFS, "builtin/sys/users.json")), "sys", "users", l.builtinUsers, true)
	app := l.byName["sys.users"]
	if app == nil {
		l.app.Scripts[usersJS] = l.builtinUsers
		l.register(b)
		return
	}
	e, a := b.e, app.e
	for _, f := range a.Fields {
		if e.Field(f.Name) != nil {
			if !f.System {
				l.warn(app.file, join(l.meta[f].path, "name"), "%q is a system field of sys.users; the built-in definition is kept", f.Name)
			}
			continue
		}
		e.Fields = append(e.Fields, f)
		e.byName = nil
	}
	for _, act := range a.Actions {
		if e.Action(act.Name) != nil {
			if !act.System {
				l.warn(app.file, join(app.actionPaths[act], "name"), "%q is a system action of sys.users; the built-in definition is kept", act.Name)
			}
			continue
		}
		e.Actions = append(e.Actions, act)
	}
	if app.has["label"] {
		e.Label = a.Label
	}
	if app.has["recordLabel"] {
		e.RecordLabel = a.RecordLabel
	}
	if a.AuditLogs != nil {
		e.AuditLogs = a.AuditLogs
	}
	if app.has["enableDetailedLogging"] {
		e.EnableDetailedLogging = a.EnableDetailedLogging
	}
	e.Indexes = append(e.Indexes, a.Indexes...)
	if app.has["lookupFields"] {
		e.LookupFields = a.LookupFields
	}
	if app.has["globalSearch"] {
		e.GlobalSearch = a.GlobalSearch
	}
	if app.has["recordValidations"] {
		e.RecordValidations = a.RecordValidations
	}
	e.File, e.Script = app.file, app.script
	app.e = e
}

func (l *loader) flattenAll() {
	for _, re := range l.ents {
		l.flatten(re)
	}
}

// flatten copies the parent's fields, actions and indexes into the entity
// (§8 Q28). recordLabel, lookupFields, audit logs and record validations are
// inherited when the entity does not set them.
func (l *loader) flatten(re *rawEntity) {
	if re.state != 0 {
		return
	}
	re.state = 1
	defer func() { re.state = 2 }()
	if re.parent == "" {
		return
	}
	p := l.byName[re.parent]
	switch {
	case p == nil:
		l.errf(re.file, "parentEntity", "unknown parent entity %q", re.parent)
		return
	case p.state == 1:
		l.errf(re.file, "parentEntity", "inheritance cycle through parent entity %q", re.parent)
		return
	}
	l.flatten(p)
	e, pe := re.e, p.e
	fields := make([]*Field, 0, len(pe.Fields)+len(e.Fields))
	names := map[string]bool{}
	for _, f := range pe.Fields {
		fields = append(fields, l.cloneField(f, nil))
		names[f.Name] = true
	}
	for _, f := range e.Fields {
		if names[f.Name] {
			l.errf(re.file, join(l.meta[f].path, "name"), "field %q is already inherited from %q", f.Name, pe.FullName)
			continue
		}
		fields = append(fields, f)
	}
	e.Fields, e.byName = fields, nil

	actions := make([]*Action, 0, len(pe.Actions)+len(e.Actions))
	anames := map[string]bool{}
	for _, a := range pe.Actions {
		c := *a
		actions = append(actions, &c)
		anames[a.Name] = true
	}
	for _, a := range e.Actions {
		if anames[a.Name] {
			l.errf(re.file, join(re.actionPaths[a], "name"), "action %q is already inherited from %q", a.Name, pe.FullName)
			continue
		}
		actions = append(actions, a)
	}
	e.Actions = actions
	e.Indexes = append(append([]Index(nil), pe.Indexes...), e.Indexes...)
	if !re.has["recordLabel"] {
		e.RecordLabel = pe.RecordLabel
	}
	if !re.has["lookupFields"] {
		e.LookupFields = pe.LookupFields
	}
	if e.AuditLogs == nil {
		e.AuditLogs = pe.AuditLogs
	}
	if !re.has["recordValidations"] {
		e.RecordValidations = pe.RecordValidations
	}
	e.Script = mergeScripts(pe.Script, e.Script)
}

// cloneField deep-copies an inherited field; the copy shares the original's
// metadata so cross checks run once, on the declaration.
func (l *loader) cloneField(f *Field, parent *Field) *Field {
	c := *f
	c.Parent, c.byName, c.Nested = parent, nil, nil
	for _, n := range f.Nested {
		c.Nested = append(c.Nested, l.cloneField(n, &c))
	}
	if m := l.meta[f]; m != nil {
		l.meta[&c] = m
	}
	return &c
}
