package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"runway/types"
)

// LoadDir loads the app definition in dir (Load over os.DirFS). Without an
// app.json name the app is named after the folder.
func LoadDir(dir string) (*App, []Problem, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, nil, err
	} else if !st.IsDir() {
		return nil, nil, fmt.Errorf("%s is not a directory", dir)
	}
	a, probs, err := Load(os.DirFS(dir))
	if a != nil && a.Name == "" {
		if abs, aerr := filepath.Abs(dir); aerr == nil {
			a.Name = filepath.Base(abs)
		}
		if a.Label == "" {
			a.Label = a.Name
		}
	}
	return a, probs, err
}

const (
	entitiesDir  = "model/entities"
	listenersDir = "model/listeners"
	librariesDir = "model/libraries"
	displayDir   = "model/types/typesDisplayOptions"
	groupsDir    = "security/groups"
	usersJSON    = "model/entities/sys/users.json"
	usersJS      = "model/entities/sys/users.js"
)

type loader struct {
	fsys     fs.FS
	app      *App
	problems []Problem

	ents   []*rawEntity // load order, abstract ones included
	byName map[string]*rawEntity

	meta      map[*Field]*fieldMeta
	metaOrder []*Field // fields as declared in files, for the cross checks

	builtinUsers *Script
}

// rawEntity is an entity as read from its file, before inheritance and the
// sys.users merge.
type rawEntity struct {
	e        *Entity
	file     string
	parent   string
	abstract bool
	has      map[string]bool // top-level keys present in the JSON
	script   *Script         // the script references resolve in

	actionPaths map[*Action]string
	ownIndexes  []Index // indexes declared in the file
	state       int     // flatten: 0 todo, 1 in progress, 2 done
}

// fieldMeta remembers where a declared field came from.
type fieldMeta struct {
	file, path string
	entity     *rawEntity // the entity whose file declares the field
	rules      map[string]json.RawMessage
}

func load(fsys fs.FS) (*App, []Problem, error) {
	l := &loader{
		fsys: fsys,
		app: &App{
			Entities:       map[string]*Entity{},
			Groups:         map[string]*Group{},
			Scripts:        map[string]*Script{},
			Namespaces:     map[string]string{},
			DisplayOptions: map[string]types.Display{},
		},
		byName: map[string]*rawEntity{},
		meta:   map[*Field]*fieldMeta{},
	}
	l.builtinUsers = ParseScript(usersJS, string(mustRead(builtinFS, "builtin/sys/users.js")))

	l.loadAppJSON()
	l.loadEntities()
	l.loadListeners()
	l.loadLibraries()
	l.loadDisplayOptions()
	l.loadTranslations()
	l.loadGroups()
	l.loadExtensions()
	if len(l.byName) == 0 {
		// Likely a mistyped --app: the app would serve only sys.users.
		l.warn("model/entities", "", "the app defines no entities")
	}
	l.addUsers()
	l.flattenAll()
	l.parseAudits()
	l.crossCheck()
	l.assemble()

	var nerr int
	var first Problem
	for _, p := range l.problems {
		if !p.Warning {
			if nerr == 0 {
				first = p
			}
			nerr++
		}
	}
	if nerr > 0 {
		return l.app, l.problems, fmt.Errorf("app definition has %d error(s), first: %s", nerr, first)
	}
	return l.app, l.problems, nil
}

// ---- problems ----

func (l *loader) errf(file, p, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: file, Path: p, Message: fmt.Sprintf(format, args...)})
}

func (l *loader) warn(file, p, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: file, Path: p, Message: fmt.Sprintf(format, args...), Warning: true})
}

func join(p, key string) string {
	if p == "" {
		return key
	}
	return p + "." + key
}

func idx(p string, i int) string { return fmt.Sprintf("%s[%d]", p, i) }

// ---- files ----

func mustRead(fsys fs.FS, name string) []byte {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		panic(err)
	}
	return b
}

func (l *loader) exists(name string) bool {
	_, err := fs.Stat(l.fsys, name)
	return err == nil
}

// readJSON reads a JSON file; syntax errors are reported with line:column.
func (l *loader) readJSON(file string) (json.RawMessage, bool) {
	b, err := fs.ReadFile(l.fsys, file)
	if err != nil {
		l.errf(file, "", "cannot read: %v", err)
		return nil, false
	}
	return l.checkJSON(file, b)
}

// readObject reads a file that holds one JSON object.
func (l *loader) readObject(file string) (*object, bool) {
	raw, ok := l.readJSON(file)
	if !ok {
		return nil, false
	}
	return l.object(file, "", raw)
}

func (l *loader) checkJSON(file string, b []byte) (json.RawMessage, bool) {
	var v json.RawMessage
	if err := json.Unmarshal(b, &v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(b[:se.Offset], []byte("\n"))
			col := int(se.Offset) - bytes.LastIndexByte(b[:se.Offset], '\n') - 1
			l.errf(file, "", "invalid JSON at line %d, column %d: %v", line, col, err)
		} else {
			l.errf(file, "", "invalid JSON: %v", err)
		}
		return nil, false
	}
	return v, true
}

// script reads and scans a .js file once; nil if it does not exist.
func (l *loader) script(file string) *Script {
	if s, ok := l.app.Scripts[file]; ok {
		return s
	}
	b, err := fs.ReadFile(l.fsys, file)
	if err != nil {
		return nil
	}
	s := ParseScript(file, string(b))
	l.app.Scripts[file] = s
	return s
}

// walk visits the regular files under dir (if it exists) in lexical order,
// skipping hidden entries.
func (l *loader) walk(dir string, fn func(p string)) {
	if !l.exists(dir) {
		return
	}
	err := fs.WalkDir(l.fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			l.errf(p, "", "cannot read: %v", err)
			return nil
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			fn(p)
		}
		return nil
	})
	if err != nil {
		l.errf(dir, "", "cannot read: %v", err)
	}
}

// ---- JSON objects ----

// object is a JSON object being read: accessors report type errors at the
// key's path and mark keys as known; done warns about the rest.
type object struct {
	l          *loader
	file, path string
	m          map[string]json.RawMessage
	used       map[string]bool
}

func (l *loader) object(file, p string, raw json.RawMessage) (*object, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		l.errf(file, p, "must be a JSON object")
		return nil, false
	}
	return &object{l: l, file: file, path: p, m: m, used: map[string]bool{}}, true
}

func isNull(r json.RawMessage) bool { return len(r) == 0 || string(r) == "null" }

func (o *object) at(key string) string { return join(o.path, key) }

func (o *object) raw(key string) json.RawMessage {
	o.used[key] = true
	r := o.m[key]
	if isNull(r) {
		return nil
	}
	return r
}

func (o *object) has(key string) bool { return o.raw(key) != nil }

func (o *object) ignore(keys ...string) {
	for _, k := range keys {
		o.used[k] = true
	}
}

func (o *object) str(key string) string {
	r := o.raw(key)
	if r == nil {
		return ""
	}
	var s string
	if json.Unmarshal(r, &s) != nil {
		o.l.errf(o.file, o.at(key), "must be a string")
	}
	return s
}

func (o *object) boolean(key string) bool {
	r := o.raw(key)
	if r == nil {
		return false
	}
	var b bool
	if json.Unmarshal(r, &b) != nil {
		o.l.errf(o.file, o.at(key), "must be true or false")
	}
	return b
}

func (o *object) integer(key string) int {
	r := o.raw(key)
	if r == nil {
		return 0
	}
	var n int
	if json.Unmarshal(r, &n) != nil {
		o.l.errf(o.file, o.at(key), "must be an integer")
	}
	return n
}

func (o *object) array(key string) []json.RawMessage {
	r := o.raw(key)
	if r == nil {
		return nil
	}
	var a []json.RawMessage
	if json.Unmarshal(r, &a) != nil {
		o.l.errf(o.file, o.at(key), "must be an array")
	}
	return a
}

func (o *object) strings(key string) []string {
	r := o.raw(key)
	if r == nil {
		return nil
	}
	var a []string
	if json.Unmarshal(r, &a) != nil {
		o.l.errf(o.file, o.at(key), "must be an array of strings")
	}
	return a
}

func (o *object) anyMap(key string) map[string]any {
	r := o.raw(key)
	if r == nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(r, &m) != nil {
		o.l.errf(o.file, o.at(key), "must be a JSON object")
	}
	return m
}

func (o *object) sub(key string) *object {
	r := o.raw(key)
	if r == nil {
		return nil
	}
	s, _ := o.l.object(o.file, o.at(key), r)
	return s
}

func (o *object) done() {
	var unknown []string
	for k := range o.m {
		if !o.used[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		o.l.warn(o.file, o.at(k), "unknown key %q ignored", k)
	}
}

// validName: letters and digits only, starting with a letter.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// checkRef checks a script reference value at file/p: "js/<fn>" must resolve
// in sc with the context args.
func (l *loader) checkRef(file, p string, sc *Script, ref string, args []string) {
	fn, ok := ScriptRef(ref)
	if !ok {
		l.errf(file, p, "script reference %q must be \"js/<function>\"", ref)
		return
	}
	if sc == nil {
		l.errf(file, p, "script reference %q: no script file next to %s", ref, path.Base(file))
		return
	}
	if _, ok := sc.Resolve(fn, args...); !ok {
		l.errf(file, p, "script reference %q: no such function in %s", ref, sc.File)
	}
}

// siblingJS is the .js next to a .json file.
func siblingJS(file string) string { return strings.TrimSuffix(file, ".json") + ".js" }

// ---- app.json ----

func (l *loader) loadAppJSON() {
	l.app.Script = l.script("app.js")
	if !l.exists("app.json") {
		return
	}
	raw, ok := l.readJSON("app.json")
	if !ok {
		return
	}
	o, ok := l.object("app.json", "", raw)
	if !ok {
		return
	}
	a := l.app
	a.Name = o.str("name")
	a.Label = o.str("label")
	a.Version = o.str("version")
	a.DefaultLanguage = o.str("defaultLanguage")
	a.DefaultTimezone = o.str("defaultTimezone")
	if s := o.str("initializationScript"); s != "" {
		a.InitializationScript = s
		l.checkRef("app.json", "initializationScript", a.Script, s, nil)
	}
	for i, q := range o.array("jobQueues") {
		qo, ok := l.object("app.json", idx("jobQueues", i), q)
		if !ok {
			continue
		}
		jq := JobQueue{Name: qo.str("name"), MaxThreads: qo.integer("maxThreads")}
		if jq.Name == "" {
			l.errf("app.json", qo.at("name"), "job queue needs a name")
		}
		qo.done()
		a.JobQueues = append(a.JobQueues, jq)
	}
	o.ignore("description")
	o.done()
}

// assemble fills App.Entities/EntityNames and defaults.
func (l *loader) assemble() {
	a := l.app
	if a.Label == "" {
		a.Label = a.Name
	}
	if a.DefaultTimezone == "" {
		a.DefaultTimezone = "UTC"
	}
	if a.DefaultLanguage == "" {
		a.DefaultLanguage = "english"
	}
	for _, re := range l.ents {
		if re.abstract {
			continue
		}
		if _, dup := a.Entities[re.e.FullName]; dup {
			continue
		}
		a.Entities[re.e.FullName] = re.e
		a.EntityNames = append(a.EntityNames, re.e.FullName)
	}
}

// canonicalType resolves a type id or alias (§8 Q27).
func canonicalType(id string) (string, bool) { return types.Canonical(id) }

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
