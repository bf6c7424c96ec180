package script

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/dop251/goja"

	"runway/app"
)

// The documented functions Runway does not offer (issue 18). Calling one
// throws a ScriptException "<path> is not supported by Runway" naming the
// script's file and line — never a TypeError on undefined — and `runway
// check` warns where a script names one. The coverage test
// (coverage_test.go) holds every documented function to this list or to a
// working implementation, so the list shrinks as functions are built: a
// stub is only installed where nothing else is.

// notSupportedCode is the code of the stubs' exception: a 500 when
// uncaught (the app needs what Runway lacks; the client did nothing wrong).
const notSupportedCode = "notSupported"

// unsupportedAPI is a documented function (or a whole namespace) Runway does
// not offer.
type unsupportedAPI struct {
	// path is a function ("sys.jobs.find"), a method of a documented
	// object type ("sys.data.Record.embedding"), a whole type
	// ("sys.jobs.JobLog") or, with whole, a namespace ("sys.db": any
	// member throws).
	path   string
	reason string
	whole  bool
	// later: Runway means to offer it (the README counts it as to be
	// built, not as unsupported).
	later bool
}

// Reasons shared by several entries.
const (
	reasonEndpoint = "legacy endpoints were replaced by services and packages (svc.<name>, pkg.<name>)"
	reasonNoUI     = "Runway serves no platform UI"
)

var unsupportedAPIs = []unsupportedAPI{
	// Namespaces Runway will not offer.
	{path: "sys.db", whole: true, reason: "it is the platform's raw MongoDB access; Runway stores records in SQLite or PostgreSQL: use sys.data"},
	{path: "sys.ai", whole: true, reason: "it is the platform's AI service (embeddings)"},
	{path: "sys.monitoring", whole: true, reason: "it reads the platform's metrics; Runway has /healthz, /readyz and its logs"},
	{path: "sys.endpoints", whole: true, reason: reasonEndpoint},
	{path: "sys.endpoints.Endpoint", reason: reasonEndpoint},
	{path: "sys.dataCache", whole: true, reason: "it is the platform's in-memory copy of entities; read them with sys.data (PostgreSQL and SQLite cache pages themselves)"},
	{path: "sys.auth", whole: true, reason: "one-time codes and their tokens need 2FA, which Runway does not have (app-model.md §8 Q32)"},
	{path: "sys.data.Interaction", reason: reasonNoUI + " (interactions are UI objects)"},
	{path: "sys.data.Record.embedding", reason: "semantic indexes (AI embeddings) are not supported"},

	// Not offered, with the way to do the same.
	{path: "sys.jobs.executeInJob", reason: "a callback is a closure over the script's state, which a background job cannot carry: run the work in an action with executeInBackground or a listener"},
	{path: "sys.data.replaceRefs", reason: "rewriting every relationship of every entity without a way back is not offered: update the referencing records with sys.data.update over a query"},
}

// methodKinds maps a documented object type to the method table of its
// hosts (runtime.define), where its stubs go.
var methodKinds = map[string]string{
	"sys.data.Record": "record", "sys.data.Wrapper": "wrapper", "sys.data.ManyWrapper": "many",
	"sys.data.Query": "query", "sys.data.QueryField": "qfield", "sys.data.ComplexQueryHelper": "qbuilder",
	"sys.data.ComplexQueryCriteria": "qexpr", "sys.commons.ResultSet": "resultSet", "sys.data.Action": "action",
}

// isType reports whether a path segment names an object type (Record,
// ResultSet) rather than a namespace.
func isType(seg string) bool { return seg != "" && seg[0] >= 'A' && seg[0] <= 'Z' }

// split splits the entry's path into its owner (namespace or type) and
// member; member is "" for a whole namespace or type.
func (u unsupportedAPI) split() (owner, member string) {
	i := strings.LastIndex(u.path, ".")
	if u.whole || isType(u.path[i+1:]) {
		return u.path, ""
	}
	return u.path[:i], u.path[i+1:]
}

// installUnsupported puts the stubs where nothing else is: missing
// namespaces and functions on the sys tree, missing methods in the hosts'
// method tables.
func (rt *runtime) installUnsupported(global *goja.Object) {
	for _, u := range unsupportedAPIs {
		owner, member := u.split()
		segs := strings.Split(owner, ".")
		if isType(segs[len(segs)-1]) {
			if m := rt.m[methodKinds[owner]]; m != nil && member != "" {
				if _, ok := m[member]; !ok {
					m[member] = rt.unsupportedFn(u.path, u.reason)
				}
			}
			continue
		}
		parent := global
		for _, seg := range segs[:len(segs)-1] {
			parent = rt.child(parent, seg)
		}
		if member == "" {
			if isNothing(parent.Get(segs[len(segs)-1])) {
				_ = parent.Set(segs[len(segs)-1], rt.unsupportedNamespace(u.path, u.reason))
			}
			continue
		}
		o := rt.child(parent, segs[len(segs)-1])
		if isNothing(o.Get(member)) {
			_ = o.Set(member, rt.unsupportedFn(u.path, u.reason))
		}
	}
}

// child is o[name], made an object when missing.
func (rt *runtime) child(o *goja.Object, name string) *goja.Object {
	if c, ok := o.Get(name).(*goja.Object); ok {
		return c
	}
	c := rt.vm.NewObject()
	_ = o.Set(name, c)
	return c
}

// unsupportedNamespace is a namespace any member of which is a stub.
func (rt *runtime) unsupportedNamespace(path, reason string) goja.Value {
	return rt.object(&namedObjects{get: func(member string) goja.Value {
		return rt.unsupportedFn(path+"."+member, reason)
	}})
}

// unsupportedFn is a stub: it throws the not-supported exception with
// the caller's file and line. It carries __runwayUnsupported, which the
// coverage test reads.
func (rt *runtime) unsupportedFn(path, reason string) goja.Value {
	fn := rt.vm.ToValue(func(goja.FunctionCall) goja.Value {
		rt.throwUnsupported(path, reason)
		return nil
	}).(*goja.Object)
	_ = fn.DefineDataProperty("__runwayUnsupported", rt.vm.ToValue(true), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	return fn
}

// throwUnsupported throws the not-supported exception, naming the file
// and line of the script that asked.
func (rt *runtime) throwUnsupported(path, reason string) {
	where := ""
	for _, f := range rt.vm.CaptureCallStack(20, nil) {
		if src := f.SrcName(); src != "" && src != bootFile && src != "<native>" {
			where = fmt.Sprintf(" (%s, line %d)", src, f.Position().Line)
			break
		}
	}
	rt.throwf(notSupportedCode, "%s is not supported by Runway%s: %s", path, where, reason)
}

// fillUnsupported gives an object of a documented type made as a plain
// object (a Job) the stubs of its missing methods.
func (rt *runtime) fillUnsupported(typ string, o *goja.Object) *goja.Object {
	for _, u := range unsupportedAPIs {
		if owner, member := u.split(); owner == typ && member != "" && isNothing(o.Get(member)) {
			_ = o.Set(member, rt.unsupportedFn(u.path, u.reason))
		}
	}
	return o
}

// unsupportedRefs finds where the scripts of a name the unsupported
// namespaces and functions of the sys tree (and app.endpoints): the
// warnings of runway check. Methods of object types are not searched
// (their names, like find or logs, are too common to tell apart).
func unsupportedRefs(a *app.App) []app.Problem {
	type pattern struct {
		re     *regexp.Regexp
		path   string
		reason string
	}
	var pats []pattern
	for _, u := range unsupportedAPIs {
		if owner, _ := u.split(); isType(owner[strings.LastIndex(owner, ".")+1:]) {
			continue
		}
		pats = append(pats, pattern{regexp.MustCompile(`\b` + regexp.QuoteMeta(u.path) + `\b`), u.path, u.reason})
	}
	pats = append(pats, pattern{regexp.MustCompile(`\bapp\.endpoints\b`), "app.endpoints", reasonEndpoint})
	sources := map[string]string{}
	for f, sc := range a.Scripts {
		sources[f] = sc.Source
	}
	for _, p := range a.Packages {
		if p.Code == "builtin" {
			continue // Runway's own code knows what it may call
		}
		for _, l := range p.Libraries {
			sources[l.Script.File] = l.Script.Source
		}
	}
	files := make([]string, 0, len(sources))
	for f := range sources {
		files = append(files, f)
	}
	sort.Strings(files)
	var out []app.Problem
	for _, f := range files {
		src := sources[f]
		for _, p := range pats {
			// A longer name that is supported (sys.jobs.findById for
			// sys.jobs.find) does not match: \b wants no letter next.
			for _, loc := range p.re.FindAllStringIndex(src, -1) {
				line := 1 + strings.Count(src[:loc[0]], "\n")
				out = append(out, app.Problem{File: f, Path: fmt.Sprintf("line %d", line), Warning: true,
					Message: fmt.Sprintf("%s is not supported by Runway: %s", p.path, p.reason)})
			}
		}
	}
	return out
}
