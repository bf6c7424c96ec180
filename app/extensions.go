package app

import (
	"encoding/json"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Extensions (issue 18): the services and packages of an exported app.
//
//	extensions/services/<name>.json   a service instance, svc.<name> in scripts
//	extensions/packages/<name>.json   a package: its configuration and the services it uses
//	extensions/packages/<name>.js     the app's functions for it (dynamicConfig)
//	extensions/packages/<name>/       the package's code: package.json and its scripts
//
// An export carries a package's configuration, not its code: the code is
// read from extensions/packages/<name>/ (a copy of the package's
// repository), else from the packages built into Runway (builtin/packages).

const (
	servicesDir       = "extensions/services"
	packagesDir       = "extensions/packages"
	builtinPackages   = "builtin/packages"
	packageDescriptor = "package.json"
)

// ServiceTypes are the service types Runway runs; an instance of another
// type loads, with a warning, and its calls throw.
var ServiceTypes = set("http")

// Service is a service instance of the app (extensions/services/<name>.json).
type Service struct {
	Name   string // svc.<Name>
	Label  string
	Type   string         // serviceType: "http"
	Config map[string]any // its configuration; strings may hold ${VAR} placeholders
	File   string
}

// Package is a package of the app (extensions/packages/<name>.json).
type Package struct {
	Name    string // pkg.<Name>
	Label   string
	Version string
	// Config is the package's configuration: the defaults of its
	// package.json, overridden by the app's values; strings may hold
	// ${VAR} placeholders. Scripts read it with config.get(key).
	Config map[string]any
	// DynamicConfig is the "js/<fn>" of the app's file next to the
	// descriptor (Script) that may adjust Config before use.
	DynamicConfig string
	Script        *Script
	// Services maps the service dependencies of the package's code (its
	// dependencies.<name>) to the app's service instances; Packages lists
	// the packages it uses (dependencies.<name> = pkg.<name>).
	Services map[string]string
	Packages []string
	// Libraries are the package's scripts: pkg.<Name>.<Namespace>, each a
	// module with exports, like a library. Nil when Code is "".
	Libraries []*PackageLibrary
	// Code is where the package's code was read from: its folder in the
	// app, "builtin" for Runway's own, or "" when there is none (its calls
	// throw).
	Code string
	File string
}

// PackageLibrary is one script of a package.
type PackageLibrary struct {
	Namespace string
	Script    *Script // File names it: "extensions/packages/http/scripts/api.js" or "builtin/packages/…"
}

func (l *loader) loadExtensions() {
	if !l.exists("extensions") {
		return
	}
	l.loadServices()
	l.loadPackages()
	entries, _ := fs.ReadDir(l.fsys, "extensions")
	for _, d := range entries {
		if n := d.Name(); n != "services" && n != "packages" && !strings.HasPrefix(n, ".") {
			l.warn(path.Join("extensions", n), "", "extensions other than services and packages (plugins, legacy endpoints) are not supported and are ignored")
		}
	}
}

func (l *loader) loadServices() {
	names := map[string]string{}
	l.topFiles(servicesDir, func(p string, dir bool) {
		if dir || !strings.HasSuffix(p, ".json") {
			l.warn(p, "", "not a service definition (extensions/services/<name>.json); ignored")
			return
		}
		o, ok := l.readObject(p)
		if !ok {
			return
		}
		s := &Service{File: p, Name: o.str("name"), Label: o.str("label"), Type: o.str("serviceType"), Config: o.anyMap("config")}
		if s.Name == "" {
			s.Name = strings.TrimSuffix(path.Base(p), ".json")
		}
		if !validName(s.Name) {
			l.errf(p, "name", "invalid service name %q: letters and digits only", s.Name)
			return
		}
		if prev, dup := names[s.Name]; dup {
			l.errf(p, "name", "duplicate service %q (also in %s)", s.Name, prev)
			return
		}
		names[s.Name] = p
		switch {
		case s.Type == "":
			l.errf(p, "serviceType", "a service needs its serviceType")
		case !ServiceTypes[s.Type]:
			l.warn(p, "serviceType", "service type %q is not supported by Runway: calls to svc.%s throw", s.Type, s.Name)
		}
		if s.Config == nil {
			s.Config = map[string]any{}
		}
		o.ignore("instanceType", "svcConfigurationType", "desiredStatus", "upgradePolicy", "version",
			"forceUsersConfiguration", "profile", "hideLogsContent", "icon", "description")
		o.done()
		l.app.Services = append(l.app.Services, s)
	})
}

func (l *loader) loadPackages() {
	names := map[string]string{}
	l.topFiles(packagesDir, func(p string, dir bool) {
		switch {
		case dir:
			if !l.exists(p + ".json") {
				l.warn(p, "", "package code without a package definition %s.json; ignored", p)
			}
		case strings.HasSuffix(p, ".json"):
			pk := l.parsePackage(p)
			if pk == nil {
				return
			}
			if prev, dup := names[pk.Name]; dup {
				l.errf(p, "name", "duplicate package %q (also in %s)", pk.Name, prev)
				return
			}
			names[pk.Name] = p
			l.app.Packages = append(l.app.Packages, pk)
		case strings.HasSuffix(p, ".js"):
			if !l.exists(strings.TrimSuffix(p, ".js") + ".json") {
				l.warn(p, "", "script without a package definition next to it; ignored")
			}
		default:
			l.warn(p, "", "not a package definition (extensions/packages/<name>.json); ignored")
		}
	})
	for _, pk := range l.app.Packages {
		for _, dep := range pk.Packages {
			if names[dep] == "" {
				l.errf(pk.File, "", "package %q uses the package %q, which the app does not have", pk.Name, dep)
			}
		}
	}
}

// parsePackage reads a package descriptor and its code.
func (l *loader) parsePackage(p string) *Package {
	o, ok := l.readObject(p)
	if !ok {
		return nil
	}
	pk := &Package{File: p, Name: o.str("name"), Label: o.str("label"), Version: o.str("version"),
		Script: l.script(siblingJS(p)), Services: map[string]string{}}
	if pk.Name == "" {
		pk.Name = strings.TrimSuffix(path.Base(p), ".json")
	}
	if !validName(pk.Name) {
		l.errf(p, "name", "invalid package name %q: letters and digits only", pk.Name)
		return nil
	}
	appConfig := o.anyMap("config")
	if s := o.str("dynamicConfig"); s != "" {
		pk.DynamicConfig = s
		l.checkRef(p, "dynamicConfig", pk.Script, s, nil)
	}
	// The app's choice of service instance for each service type.
	instances := map[string]string{}
	for i, d := range o.array("dependencies") {
		do, ok := l.object(p, idx("dependencies", i), d)
		if !ok {
			continue
		}
		typ, inst := do.str("serviceType"), do.str("serviceInstance")
		do.ignore("serviceName", "version")
		do.done()
		if typ == "" || inst == "" {
			l.errf(p, do.path, "a dependency names its serviceType and serviceInstance")
			continue
		}
		if l.service(inst) == nil {
			l.errf(p, do.at("serviceInstance"), "no service %q in %s", inst, servicesDir)
			continue
		}
		instances[typ] = inst
	}
	o.ignore("upgradePolicy", "icon", "description")
	o.done()

	defaults := l.packageCode(pk)
	pk.Config = map[string]any{}
	for k, v := range defaults.config {
		pk.Config[k] = v
	}
	for k, v := range appConfig {
		pk.Config[k] = v
	}
	for _, svcType := range defaults.services {
		inst := instances[svcType]
		if inst == "" {
			inst = l.onlyServiceOf(svcType)
		}
		if inst == "" {
			l.errf(p, "dependencies", "package %q uses a %q service: name the instance in dependencies ({\"serviceType\": %q, \"serviceInstance\": …})", pk.Name, svcType, svcType)
			continue
		}
		pk.Services[svcType] = inst
	}
	pk.Packages = defaults.packages
	if pk.Code == "" {
		l.warn(p, "", "package %q has no code: neither %s/%s/%s nor a package built into Runway; calls to pkg.%s throw",
			pk.Name, packagesDir, pk.Name, packageDescriptor, pk.Name)
	}
	return pk
}

// packageSource is what a package's own package.json says.
type packageSource struct {
	config   map[string]any // defaultValue of each configuration entry
	services []string       // service dependencies (by type)
	packages []string       // package dependencies
}

// packageCode reads the code of pk: its folder in the app, else Runway's
// built-in copy. It fills pk.Libraries and pk.Code.
func (l *loader) packageCode(pk *Package) packageSource {
	dir := path.Join(packagesDir, pk.Name)
	fsys := l.fsys
	if !l.exists(path.Join(dir, packageDescriptor)) {
		dir = path.Join(builtinPackages, pk.Name)
		if _, err := fs.Stat(builtinFS, path.Join(dir, packageDescriptor)); err != nil {
			return packageSource{}
		}
		fsys = builtinFS
		pk.Code = "builtin"
	} else {
		pk.Code = dir
	}
	file := path.Join(dir, packageDescriptor)
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		l.errf(file, "", "cannot read: %v", err)
		return packageSource{}
	}
	raw, ok := l.checkJSON(file, b)
	if !ok {
		return packageSource{}
	}
	o, ok := l.object(file, "", raw)
	if !ok {
		return packageSource{}
	}
	var src packageSource
	for i, c := range o.array("configuration") {
		var entry struct {
			Name         string `json:"name"`
			DefaultValue any    `json:"defaultValue"`
		}
		if json.Unmarshal(c, &entry) != nil {
			l.errf(file, idx("configuration", i), "must be a JSON object")
			continue
		}
		if entry.Name != "" && entry.DefaultValue != nil {
			if src.config == nil {
				src.config = map[string]any{}
			}
			src.config[entry.Name] = entry.DefaultValue
		}
	}
	for i, d := range o.array("dependencies") {
		var dep struct{ Type, Name string }
		if json.Unmarshal(d, &dep) != nil || dep.Name == "" {
			l.errf(file, idx("dependencies", i), "a dependency is {\"type\": \"service\"|\"package\", \"name\": …}")
			continue
		}
		switch dep.Type {
		case "service":
			src.services = append(src.services, dep.Name)
		case "package":
			src.packages = append(src.packages, dep.Name)
		default:
			l.errf(file, idx("dependencies", i)+".type", "unknown dependency type %q", dep.Type)
		}
	}
	for i, m := range o.array("metadata") {
		var md struct{ Type, Namespace, Path string }
		if json.Unmarshal(m, &md) != nil {
			l.errf(file, idx("metadata", i), "must be a JSON object")
			continue
		}
		if md.Type != "script" {
			l.warn(file, idx("metadata", i), "package %s (%s) are not supported by Runway and are ignored", md.Type+"s", md.Namespace)
			continue
		}
		if !validName(md.Namespace) {
			l.errf(file, idx("metadata", i)+".namespace", "invalid namespace %q", md.Namespace)
			continue
		}
		sp := path.Join(dir, strings.TrimPrefix(md.Path, "/"))
		code, err := fs.ReadFile(fsys, sp)
		if err != nil {
			l.errf(file, idx("metadata", i)+".path", "cannot read the script: %v", err)
			continue
		}
		pk.Libraries = append(pk.Libraries, &PackageLibrary{Namespace: md.Namespace, Script: ParseScript(sp, string(code))})
	}
	o.ignore("name", "label", "description", "configurationBuilder", "events", "functions", "icon", "version")
	o.done()
	return src
}

// topFiles visits the entries directly inside dir (hidden ones skipped),
// in name order.
func (l *loader) topFiles(dir string, fn func(p string, isDir bool)) {
	entries, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		if l.exists(dir) {
			l.errf(dir, "", "cannot read: %v", err)
		}
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, d := range entries {
		if !strings.HasPrefix(d.Name(), ".") {
			fn(path.Join(dir, d.Name()), d.IsDir())
		}
	}
}

func (l *loader) service(name string) *Service {
	for _, s := range l.app.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// onlyServiceOf names the app's one service of a type ("" when it has none
// or several).
func (l *loader) onlyServiceOf(typ string) string {
	found := ""
	for _, s := range l.app.Services {
		if s.Type == typ {
			if found != "" {
				return ""
			}
			found = s.Name
		}
	}
	return found
}
