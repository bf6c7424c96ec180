package script

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/dop251/goja"

	"runway/app"
	"runway/apperr"
)

// Services and packages (issue 18): svc.<name> is a service instance of
// the app, pkg.<name>.<namespace> a script of a package, loaded like a
// library (a module with exports, run once per runtime) with two more
// globals of its own: config (its configuration) and dependencies (the
// services and packages it uses, by the names its package.json gives
// them).

// svcCode is the code an uncaught failure of a service call carries: a
// 500, as any script failure that is not the caller's fault.
const svcCode = "serviceException"

// extensions is what the engine prepares once for the app's services and
// packages: their configuration with the placeholders resolved, and the
// compiled package scripts.
type extensions struct {
	services map[string]*serviceDef
	packages map[string]*packageDef
	names    []string // service names, sorted (svc's keys)
	pkgNames []string
}

type serviceDef struct {
	s    *app.Service
	http *httpService // nil for a type Runway does not run
}

type packageDef struct {
	p      *app.Package
	config map[string]any
	libs   map[string]*goja.Program // namespace → (function(exports, module, config, dependencies){…})
}

// envPlaceholder is an environment variable in configuration: ${NAME}.
var envPlaceholder = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// loadExtensions resolves the configuration of the app's services and
// packages and compiles the packages' scripts.
func (e *Engine) loadExtensions() ([]error, error) {
	x := &extensions{services: map[string]*serviceDef{}, packages: map[string]*packageDef{}}
	e.ext = x
	var errs []error
	for _, s := range e.app.Services {
		d := &serviceDef{s: s}
		if s.Type == "http" {
			h, err := newHTTPService(s.Name, e.resolve(s.File, s.Config))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.File, err)
			}
			d.http = h
		}
		x.services[s.Name] = d
		x.names = append(x.names, s.Name)
	}
	for _, p := range e.app.Packages {
		d := &packageDef{p: p, config: e.resolve(p.File, p.Config), libs: map[string]*goja.Program{}}
		for _, l := range p.Libraries {
			prog, err := goja.Compile(l.Script.File, wrapPackage(l.Script.Source), false)
			if err != nil {
				errs = append(errs, compileError(l.Script.File, err))
				continue
			}
			d.libs[l.Namespace] = prog
		}
		x.packages[p.Name] = d
		x.pkgNames = append(x.pkgNames, p.Name)
	}
	sort.Strings(x.names)
	sort.Strings(x.pkgNames)
	return errs, nil
}

// wrapPackage makes a package script a module function with its globals.
func wrapPackage(src string) string {
	return "(function(exports, module, config, dependencies){" + src + "\n;return module.exports;})"
}

// checkPackages compiles the scripts of the app's packages (runway check).
func checkPackages(a *app.App) []app.Problem {
	var out []app.Problem
	for _, p := range a.Packages {
		for _, l := range p.Libraries {
			if _, err := goja.Compile(l.Script.File, wrapPackage(l.Script.Source), false); err != nil {
				out = append(out, app.Problem{File: l.Script.File, Message: "does not compile: " +
					strings.TrimPrefix(compileError(l.Script.File, err).Error(), l.Script.File+": ")})
			}
		}
	}
	return out
}

// systemVars are the platform's own environment variables.
func (e *Engine) systemVars() map[string]string {
	return map[string]string{"APP_NAME": e.app.Name, "APP_ENV": e.opts.Env, "APP_URL": e.opts.URL, "APP_VERSION": e.app.Version}
}

// resolve copies a configuration with its ${NAME} placeholders replaced:
// the platform's variables (APP_NAME, APP_ENV, APP_URL, APP_VERSION), else
// the process environment, never Runway's own RUNWAY_* settings. A value
// naming a variable that is not set becomes null, with a warning.
func (e *Engine) resolve(file string, cfg map[string]any) map[string]any {
	sys := e.systemVars()
	lookup := e.opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var walk func(key string, v any) any
	walk = func(key string, v any) any {
		switch x := v.(type) {
		case string:
			missing, why := "", ""
			out := envPlaceholder.ReplaceAllStringFunc(x, func(m string) string {
				name := m[2 : len(m)-1]
				if s, ok := sys[name]; ok {
					return s
				}
				if strings.HasPrefix(name, "RUNWAY_") {
					missing, why = name, "Runway's own settings are never read"
				} else if s, ok := lookup(name); ok {
					return s
				} else {
					missing, why = name, "it is not set"
				}
				return ""
			})
			if missing != "" {
				e.log.Warn("configuration names an environment variable it cannot have; the value is null",
					"file", file, "key", key, "variable", missing, "why", why)
				return nil
			}
			return out
		case map[string]any:
			m := make(map[string]any, len(x))
			for k, el := range x {
				m[k] = walk(key+"."+k, el)
			}
			return m
		case []any:
			l := make([]any, len(x))
			for i, el := range x {
				l[i] = walk(fmt.Sprintf("%s[%d]", key, i), el)
			}
			return l
		}
		return v
	}
	out := make(map[string]any, len(cfg))
	for k, v := range cfg {
		out[k] = walk(k, v)
	}
	return out
}

// ---- in a runtime ----

// svcRoot is the global svc: the app's service instances by name; any
// other name throws (a typo is not a TypeError on undefined later).
func (rt *runtime) svcRoot() goja.Value {
	x := rt.e.ext
	return rt.namedRoot("svc", "service", "extensions/services", x.names, rt.service)
}

// pkgRoot is the global pkg: the app's packages by name.
func (rt *runtime) pkgRoot() goja.Value {
	x := rt.e.ext
	return rt.namedRoot("pkg", "package", "extensions/packages", x.pkgNames, rt.pkg)
}

func (rt *runtime) namedRoot(global, kind, dir string, names []string, get func(string) goja.Value) goja.Value {
	return rt.object(&namedObjects{keys: names, get: func(name string) goja.Value {
		if !slices.Contains(names, name) {
			rt.throwf(apperr.BadRequest, "%s.%s: the app has no %s %q (%s)", global, name, kind, name, dir)
		}
		return get(name)
	}})
}

// namedObjects is a read-only object whose members are made on first use.
type namedObjects struct {
	keys  []string
	get   func(string) goja.Value
	cache map[string]goja.Value
}

func (n *namedObjects) Get(k string) goja.Value {
	if v, ok := n.cache[k]; ok {
		return v
	}
	if k == "toJSON" || k == "constructor" || k == "valueOf" || k == "toString" || strings.HasPrefix(k, "@@") {
		return nil // asked by JSON.stringify, String(): not a member
	}
	v := n.get(k)
	if n.cache == nil {
		n.cache = map[string]goja.Value{}
	}
	n.cache[k] = v
	return v
}
func (n *namedObjects) Set(string, goja.Value) bool { return false }
func (n *namedObjects) Has(k string) bool           { return slices.Contains(n.keys, k) }
func (n *namedObjects) Delete(string) bool          { return false }
func (n *namedObjects) Keys() []string              { return n.keys }

// memo is the value of key in this runtime, made once.
func (rt *runtime) memo(key string, make func() goja.Value) goja.Value {
	if v, ok := rt.libs[key]; ok {
		return v
	}
	v := make()
	rt.libs[key] = v
	return v
}

// service is svc.<name> in this runtime (one object per runtime).
func (rt *runtime) service(name string) goja.Value {
	return rt.memo("svc:"+name, func() goja.Value {
		d := rt.e.ext.services[name]
		if d.http != nil {
			return rt.httpServiceObject(d)
		}
		typ := d.s.Type
		return rt.object(&namedObjects{get: func(fn string) goja.Value {
			return rt.fnValue(func(goja.FunctionCall) goja.Value {
				rt.throwf(svcCode, "svc.%s.%s: service type %q is not supported by Runway", name, fn, typ)
				return nil
			})
		}})
	})
}

// pkg is pkg.<name>: its namespaces, each loaded on first use.
func (rt *runtime) pkg(name string) goja.Value {
	return rt.memo("pkg:"+name, func() goja.Value {
		d := rt.e.ext.packages[name]
		if d.p.Code == "" {
			return rt.object(&namedObjects{get: func(ns string) goja.Value {
				rt.throwf(svcCode, "pkg.%s.%s: package %q has no code (extensions/packages/%s/package.json) and is not built into Runway", name, ns, name, name)
				return nil
			}})
		}
		o := rt.vm.NewObject()
		for _, l := range d.p.Libraries {
			ns := l.Namespace
			_ = o.DefineAccessorProperty(ns, rt.fnValue(func(goja.FunctionCall) goja.Value {
				return rt.pkgModule(d, ns)
			}), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
		}
		return o
	})
}

// pkgModule runs a package script once in this runtime and returns its
// exports.
func (rt *runtime) pkgModule(d *packageDef, ns string) goja.Value {
	key := "pkg:" + d.p.Name + "." + ns
	if v, ok := rt.libs[key]; ok {
		return v
	}
	exports := rt.vm.NewObject()
	module := rt.vm.NewObject()
	_ = module.Set("exports", exports)
	rt.libs[key] = exports // a script that reaches itself while loading sees its exports
	fnv, err := rt.vm.RunProgram(d.libs[ns])
	if err == nil {
		fn, _ := goja.AssertFunction(fnv)
		var v goja.Value
		v, err = fn(goja.Undefined(), exports, module, rt.pkgConfig(d), rt.pkgDependencies(d))
		if err == nil {
			if isNothing(v) {
				v = exports
			}
			rt.libs[key] = v
			return v
		}
	}
	delete(rt.libs, key)
	panic(err)
}

// pkgConfig is a package's config object: get() the whole configuration,
// get(key) one value (null when unset). The app's dynamicConfig(config),
// when it has one, adjusts it first (once per runtime).
func (rt *runtime) pkgConfig(d *packageDef) goja.Value {
	return rt.memo("pkgconfig:"+d.p.Name, func() goja.Value {
		cfg := rt.plainJS(jsonify(deepCopy(d.config)))
		if d.p.DynamicConfig != "" {
			fi, err := rt.e.function(d.p.Script, d.p.DynamicConfig, nil)
			if err != nil {
				rt.throw(err)
			}
			fn, err := rt.function(fi)
			if err != nil {
				rt.throw(err)
			}
			v, err := fn(goja.Undefined(), cfg)
			if err != nil {
				panic(err)
			}
			if o, ok := v.(*goja.Object); ok {
				cfg = o
			}
		}
		return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
			"get": func(c goja.FunctionCall) goja.Value {
				if isNothing(arg(c, 0)) {
					return cfg
				}
				if co, ok := cfg.(*goja.Object); ok {
					if v := co.Get(str(c, 0)); !isNothing(v) {
						return v
					}
				}
				return goja.Null()
			},
		})
	})
}

// pkgDependencies is a package's dependencies object.
func (rt *runtime) pkgDependencies(d *packageDef) goja.Value {
	o := rt.vm.NewObject()
	for depName, instance := range d.p.Services {
		inst := instance
		_ = o.DefineAccessorProperty(depName, rt.fnValue(func(goja.FunctionCall) goja.Value {
			return rt.service(inst)
		}), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
	}
	for _, p := range d.p.Packages {
		name := p
		_ = o.DefineAccessorProperty(name, rt.fnValue(func(goja.FunctionCall) goja.Value {
			return rt.pkg(name)
		}), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
	}
	return o
}

// deepCopy copies a JSON-like value (jsonify converts in place).
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, el := range x {
			out[k] = deepCopy(el)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = deepCopy(el)
		}
		return out
	}
	return v
}
