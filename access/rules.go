package access

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"runway/app"
)

// API is a family of REST endpoints a group may be denied
// (restApiPermissions, app-model.md §6.2). Values combine as a bit set.
type API uint8

const (
	DataAPI        API = 1 << iota // /data/**
	FilesReadAPI                   // file downloads and share reads
	FilesUploadAPI                 // POST /files
	JobsAPI                        // /status/jobs/**
	UIAPI                          // UI endpoints (none in Runway)

	AllAPIs = DataAPI | FilesReadAPI | FilesUploadAPI | JobsAPI | UIAPI
)

// apiKeys are the keys of restApiPermissions.
var apiKeys = []struct {
	key string
	api API
}{
	{"allowDataApi", DataAPI},
	{"allowFilesReadApi", FilesReadAPI},
	{"allowFilesUploadApi", FilesUploadAPI},
	{"allowJobsApi", JobsAPI},
	{"allowUiApi", UIAPI},
}

func (a API) String() string {
	var names []string
	for _, k := range apiKeys {
		if a&k.api != 0 {
			names = append(names, strings.TrimSuffix(strings.TrimPrefix(k.key, "allow"), "Api"))
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "+")
}

// NoTimeout is the session idle timeout "never": the session does not expire
// for inactivity.
const NoTimeout = time.Duration(1<<63 - 1)

// logoutTimes are the values of sessionPolicies.automaticLogoutTime.
var logoutTimes = map[string]time.Duration{
	"never":          NoTimeout,
	"fifteenMinutes": 15 * time.Minute,
	"thirtyMinutes":  30 * time.Minute,
	"oneHour":        time.Hour,
	"twoHours":       2 * time.Hour,
	"fourHours":      4 * time.Hour,
	"eightHours":     8 * time.Hour,
	"twelveHours":    12 * time.Hour,
	"oneDay":         24 * time.Hour,
	"oneWeek":        7 * 24 * time.Hour,
}

// day is the unit of passwordExpires.
const day = 24 * time.Hour

// passwordLifetimes are the values of passwordPolicies.passwordExpires
// (0 = never).
var passwordLifetimes = map[string]time.Duration{
	"never":       0,
	"oneMonth":    30 * day,
	"threeMonths": 90 * day,
	"sixMonths":   180 * day,
	"oneYear":     365 * day,
}

// groupRules is the compiled security of one group.
type groupRules struct {
	name        string
	apis        API            // allowed REST API families
	ips         []netip.Prefix // allowedIPs; empty = the group lists none
	password    *PasswordPolicy
	session     *SessionPolicy
	impersonate bool
	entities    map[string]*groupEntity // entityPermissions by entity name
}

// Rules is the compiled security of an app's groups; it hands out Policies.
// It is safe for concurrent use.
type Rules struct {
	groups map[string]*groupRules // by group name
	app    *app.App
	// fieldAccess holds the fields' readAccess/writeAccess by entity name;
	// privileged the access of roles that bypass group permissions.
	fieldAccess map[string]map[*app.Field]FieldPerm
	privileged  map[string]*EntityAccess

	mu    sync.Mutex
	cache map[string]*Policy
}

// maxCached bounds the policy cache: one entry per distinct role and group
// set in use, so the bound is only reached by apps with very many groups.
const maxCached = 4096

// Compile reads the security of every group of a. Like app.Load it returns
// every problem (with file and JSON path) and an error when any is an error.
// The Rules are usable even then: a group whose security block is invalid
// allows no REST API and no IP address, so a bad definition fails closed.
func Compile(a *app.App) (*Rules, []app.Problem, error) {
	r := &Rules{groups: map[string]*groupRules{}, cache: map[string]*Policy{}, app: a,
		fieldAccess: map[string]map[*app.Field]FieldPerm{}, privileged: map[string]*EntityAccess{}}
	var problems []app.Problem
	for _, name := range a.EntityNames {
		e := a.Entities[name]
		p := &parser{file: e.File, script: e.Script}
		r.fieldAccess[name] = p.fieldAccess(a, e)
		r.privileged[name] = r.entityAccess(e, nil)
		problems = append(problems, p.problems...)
	}
	for _, name := range a.GroupNames {
		g := a.Groups[name]
		gr, ps := compileGroup(a, g)
		r.groups[name] = gr
		problems = append(problems, ps...)
	}
	for _, p := range problems {
		if !p.Warning {
			return r, problems, errors.New("the security of some groups has errors")
		}
	}
	return r, problems, nil
}

// compileGroup parses the entity permissions, the security block and
// userImpersonate of a group.
func compileGroup(a *app.App, g *app.Group) (*groupRules, []app.Problem) {
	gr := &groupRules{name: g.Name, apis: AllAPIs, impersonate: g.UserImpersonate}
	p := &parser{file: g.File, script: g.Script}
	gr.entities = p.entityPerms(a, g)
	p.failed = false // a broken entity entry fails closed on its own
	if len(g.Security) == 0 || bytes.Equal(bytes.TrimSpace(g.Security), []byte("null")) {
		return gr, p.problems
	}
	sec, ok := p.object("security", g.Security)
	if ok {
		for _, k := range sortedKeys(sec) {
			v, at := sec[k], "security."+k
			switch k {
			case "passwordPolicies":
				gr.password = p.passwordPolicy(at, v)
			case "sessionPolicies":
				gr.session = p.sessionPolicy(at, v)
			case "restApiPermissions":
				gr.apis = p.restAPI(at, v)
			case "allowedIPs":
				gr.ips = p.allowedIPs(at, v)
			default:
				p.warn(at, "unknown key %q ignored", k)
			}
		}
	}
	if p.failed {
		// Fail closed: nothing of a group we could not read is granted.
		gr.apis, gr.ips = 0, []netip.Prefix{}
		gr.impersonate = false
	}
	return gr, p.problems
}

// parser collects problems of one group's security block (or of an
// entity's readAccess/writeAccess).
type parser struct {
	file     string
	script   *app.Script // the .js beside file: "js/<fn>" conditions resolve there
	problems []app.Problem
	failed   bool
}

func (p *parser) errf(path, format string, args ...any) {
	p.failed = true
	p.problems = append(p.problems, app.Problem{File: p.file, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) warn(path, format string, args ...any) {
	p.problems = append(p.problems, app.Problem{File: p.file, Path: path, Message: fmt.Sprintf(format, args...), Warning: true})
}

func (p *parser) object(path string, raw json.RawMessage) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		p.errf(path, "must be a JSON object")
		return nil, false
	}
	return m, true
}

func (p *parser) boolean(path string, raw json.RawMessage) bool {
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		p.errf(path, "must be true or false, got %s", raw)
	}
	return b
}

func (p *parser) integer(path string, raw json.RawMessage, min, max int) int {
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] == '"' || d.Decode(&n) != nil {
		p.errf(path, "must be an integer, got %s", raw)
		return 0
	}
	i, err := n.Int64()
	if err != nil || i < int64(min) || i > int64(max) {
		p.errf(path, "must be an integer from %d to %d, got %s", min, max, raw)
		return 0
	}
	return int(i)
}

// choice reads a string that must be a key of values.
func choice[T any](p *parser, path string, raw json.RawMessage, values map[string]T) (T, bool) {
	var s string
	var zero T
	if err := json.Unmarshal(raw, &s); err != nil {
		p.errf(path, "must be a string, got %s", raw)
		return zero, false
	}
	v, ok := values[s]
	if !ok {
		p.errf(path, "unknown value %q (one of %s)", s, strings.Join(sortedKeys(values), ", "))
		return zero, false
	}
	return v, true
}

func (p *parser) passwordPolicy(path string, raw json.RawMessage) *PasswordPolicy {
	m, ok := p.object(path, raw)
	if !ok {
		return nil
	}
	pp := &PasswordPolicy{MinLength: MinPasswordLength}
	validateMin, minLength := true, 0
	for _, k := range sortedKeys(m) {
		v, at := m[k], path+"."+k
		switch k {
		case "passwordExpires":
			pp.Expires, _ = choice(p, at, v, passwordLifetimes)
		case "maximumLoginAttempts":
			pp.MaxLoginAttempts = p.integer(at, v, 0, 1000)
		case "requireCapital":
			pp.RequireCapital = p.boolean(at, v)
		case "requireLowerCase":
			pp.RequireLowerCase = p.boolean(at, v)
		case "requireNumber":
			pp.RequireNumber = p.boolean(at, v)
		case "requireSymbol":
			pp.RequireSymbol = p.boolean(at, v)
		case "validateMinimumLength":
			validateMin = p.boolean(at, v)
		case "minimumLength":
			minLength = p.integer(at, v, 0, MaxPasswordLength)
		case "require2FA":
			p.boolean(at, v) // not supported; app loading warns when true
		default:
			p.warn(at, "unknown key %q ignored", k)
		}
	}
	if validateMin && minLength > pp.MinLength {
		pp.MinLength = minLength
	}
	return pp
}

func (p *parser) sessionPolicy(path string, raw json.RawMessage) *SessionPolicy {
	m, ok := p.object(path, raw)
	if !ok {
		return nil
	}
	sp := &SessionPolicy{}
	for _, k := range sortedKeys(m) {
		v, at := m[k], path+"."+k
		switch k {
		case "automaticLogoutTime":
			sp.IdleTimeout, _ = choice(p, at, v, logoutTimes)
		case "loginNotification":
			sp.LoginNotification = p.boolean(at, v)
		case "notifyAuthNewIP":
			sp.NotifyNewIP = p.boolean(at, v)
		case "notifyLoginFromNewLocation":
			sp.NotifyNewLocation = p.boolean(at, v)
		default:
			p.warn(at, "unknown key %q ignored", k)
		}
	}
	return sp
}

// restAPI reads restApiPermissions; a key left out allows its API, like a
// group without a security block.
func (p *parser) restAPI(path string, raw json.RawMessage) API {
	m, ok := p.object(path, raw)
	if !ok {
		return 0
	}
	apis := AllAPIs
	known := map[string]API{}
	for _, k := range apiKeys {
		known[k.key] = k.api
	}
	for _, k := range sortedKeys(m) {
		api, ok := known[k]
		if !ok {
			p.warn(path+"."+k, "unknown key %q ignored", k)
			continue
		}
		if !p.boolean(path+"."+k, m[k]) {
			apis &^= api
		}
	}
	return apis
}

// allowedIPs reads a list of IP addresses and CIDR prefixes.
func (p *parser) allowedIPs(path string, raw json.RawMessage) []netip.Prefix {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		p.errf(path, "must be an array of IP addresses or CIDR ranges")
		return nil
	}
	var out []netip.Prefix
	for i, el := range list {
		at := fmt.Sprintf("%s[%d]", path, i)
		var s string
		if err := json.Unmarshal(el, &s); err != nil {
			p.errf(at, "must be a string, got %s", el)
			continue
		}
		pfx, err := ParseIPOrCIDR(s)
		if err != nil {
			p.errf(at, "%v", err)
			continue
		}
		out = append(out, pfx)
	}
	return out
}

// ParseIPOrCIDR reads "10.0.0.7", "10.0.0.0/8", "2001:db8::/32" or
// "2001:db8::1" as a prefix (an address is a prefix of its full length).
func ParseIPOrCIDR(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR range (like 10.0.0.0/8)", s)
		}
		return pfx.Masked(), nil
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR range", s)
	}
	ip = ip.Unmap()
	return netip.PrefixFrom(ip, ip.BitLen()), nil
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
