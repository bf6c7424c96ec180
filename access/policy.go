package access

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"runway/app"
)

// Role is what a user is beyond their groups (app-model.md §6.1).
type Role uint8

const (
	// Member is an ordinary user: their groups decide everything.
	Member Role = iota
	// SuperUser bypasses entity, field and action permissions and
	// restApiPermissions, and logs in during maintenance.
	SuperUser
	// Developer bypasses every permission (allowed IPs included), logs in
	// during maintenance and may impersonate anyone.
	Developer
	// System is background work with no user (and the CLI): everything is
	// allowed; a system user cannot log in.
	System
)

func (r Role) String() string {
	switch r {
	case SuperUser:
		return "superUser"
	case Developer:
		return "developer"
	case System:
		return "system"
	}
	return "user"
}

// Subject is whom a Policy is for: a role and group names.
type Subject struct {
	Role    Role
	Groups  []string // group names; names the app does not define are ignored
	Primary string   // the primary group's name ("" = the first group)
}

// Policy is what one user may do: their role and groups resolved. Policies
// are shared between users with the same role and groups; never modify one.
// A nil *Policy is a member of no group (every API, any IP, default
// password and session rules).
type Policy struct {
	role     Role
	groups   []string
	primary  string
	apis     API
	ips      []netip.Prefix // nil = any address
	password PasswordPolicy
	session  SessionPolicy
	imperson bool

	rules    *Rules                   // nil for SystemPolicy
	entities map[string]*EntityAccess // members: by entity name; missing = no access
}

// SessionPolicy is the session behaviour of a user.
type SessionPolicy struct {
	// IdleTimeout is the inactivity timeout of the user's tokens: 0 when no
	// group sets one (the server default applies), NoTimeout for "never".
	IdleTimeout time.Duration
	// Login notifications: accepted, logged only.
	LoginNotification, NotifyNewIP, NotifyNewLocation bool
}

// SystemPolicy is the policy of the system caller (CLI, background work).
var SystemPolicy = &Policy{role: System, apis: AllAPIs, password: PasswordPolicy{MinLength: MinPasswordLength}}

// For returns the policy of a subject, building it on first use.
func (r *Rules) For(s Subject) *Policy {
	key := cacheKey(s)
	r.mu.Lock()
	p := r.cache[key]
	r.mu.Unlock()
	if p != nil {
		return p
	}
	p = r.build(s)
	r.mu.Lock()
	if len(r.cache) >= maxCached {
		clear(r.cache)
	}
	r.cache[key] = p
	r.mu.Unlock()
	return p
}

// cacheKey keeps the groups' order: without a primary group the first one
// is primary.
func cacheKey(s Subject) string {
	return string(rune('0'+s.Role)) + "\x00" + s.Primary + "\x00" + strings.Join(s.Groups, "\x00")
}

// build combines the subject's groups (app-model.md §6.2 and §8 Q8):
// restApiPermissions and allowedIPs are unions, userImpersonate any group,
// password and session policies the primary group's except the logout time,
// which is the shortest any group sets.
func (r *Rules) build(s Subject) *Policy {
	p := &Policy{role: s.Role, password: PasswordPolicy{MinLength: MinPasswordLength}, rules: r}
	var groups []*groupRules
	for _, name := range s.Groups {
		if g := r.groups[name]; g != nil && !slices.Contains(p.groups, name) {
			groups = append(groups, g)
			p.groups = append(p.groups, name)
		}
	}
	var primary *groupRules
	if g := r.groups[s.Primary]; g != nil && slices.Contains(p.groups, s.Primary) {
		primary = g
	} else if len(groups) > 0 {
		primary = groups[0]
	}
	if len(groups) == 0 {
		// No group restricts a user who is in none.
		p.apis = AllAPIs
	}
	listsIPs := false
	for _, g := range groups {
		p.apis |= g.apis
		p.imperson = p.imperson || g.impersonate
		if g.ips != nil {
			listsIPs = true
			p.ips = append(p.ips, g.ips...)
		}
		if g.session != nil && g.session.IdleTimeout > 0 &&
			(p.session.IdleTimeout == 0 || g.session.IdleTimeout < p.session.IdleTimeout) {
			p.session.IdleTimeout = g.session.IdleTimeout
		}
	}
	if listsIPs && p.ips == nil {
		p.ips = []netip.Prefix{} // a failed group: no address matches
	}
	if primary != nil {
		p.primary = primary.name
		if primary.password != nil {
			p.password = *primary.password
		}
		if primary.session != nil {
			p.session.LoginNotification = primary.session.LoginNotification
			p.session.NotifyNewIP = primary.session.NotifyNewIP
			p.session.NotifyNewLocation = primary.session.NotifyNewLocation
		}
	}
	if s.Role == Member {
		p.entities = r.memberEntities(groups)
	}
	switch s.Role {
	case SuperUser:
		p.apis = AllAPIs
	case Developer, System:
		p.apis, p.ips = AllAPIs, nil
	}
	return p
}

// Role is the user's role.
func (p *Policy) Role() Role {
	if p == nil {
		return Member
	}
	return p.role
}

// Groups are the names of the user's groups the app defines, in the user's
// order.
func (p *Policy) Groups() []string {
	if p == nil {
		return nil
	}
	return slices.Clone(p.groups)
}

// Primary is the name of the primary group ("" when the user has none).
func (p *Policy) Primary() string {
	if p == nil {
		return ""
	}
	return p.primary
}

// Privileged reports whether the user bypasses entity, field and action
// permissions (developers, super users, the system).
func (p *Policy) Privileged() bool { return p.Role() != Member }

// AllowsAPI reports whether the user may call endpoints of every family in
// api (restApiPermissions).
func (p *Policy) AllowsAPI(api API) bool {
	if p == nil {
		return true
	}
	return p.apis&api == api
}

// AllowsIP reports whether the user may work from the address ip (text form,
// IPv4-mapped IPv6 addresses match their IPv4 form). A policy whose groups
// list no addresses allows any; an unparsable address matches no entry.
func (p *Policy) AllowsIP(ip string) bool {
	if p == nil || p.ips == nil {
		return true
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap().WithZone("")
	for _, pfx := range p.ips {
		if pfx.Contains(addr) {
			return true
		}
	}
	return false
}

// RestrictsIPs reports whether any of the user's groups lists allowed IPs
// (and the role does not bypass them).
func (p *Policy) RestrictsIPs() bool { return p != nil && p.ips != nil }

// Password is the password policy of the user's primary group.
func (p *Policy) Password() PasswordPolicy {
	if p == nil {
		return PasswordPolicy{MinLength: MinPasswordLength}
	}
	return p.password
}

// Session is the session policy of the user.
func (p *Policy) Session() SessionPolicy {
	if p == nil {
		return SessionPolicy{}
	}
	return p.session
}

// MayImpersonate reports whether the user may log in as a user whose role
// is target: developers anyone; super users and members of a group with
// userImpersonate ("manage groups") only ordinary users; nobody a system user.
func (p *Policy) MayImpersonate(target Role) bool {
	switch {
	case target == System:
		return false
	case p.Role() == Developer || p.Role() == System:
		return true
	case target != Member:
		return false
	}
	return p.Role() == SuperUser || (p != nil && p.imperson)
}

// memberEntities combines the entity permissions of a member's groups.
func (r *Rules) memberEntities(groups []*groupRules) map[string]*EntityAccess {
	union := map[string]*groupEntity{}
	for _, g := range groups {
		for name, ge := range g.entities {
			if prev := union[name]; prev != nil {
				ge = unionEntities(prev, ge)
			}
			union[name] = ge
		}
	}
	out := make(map[string]*EntityAccess, len(union))
	for name, ge := range union {
		if e := r.app.Entity(name); e != nil {
			out[name] = r.entityAccess(e, ge)
		}
	}
	return out
}

// Entity is what the user may do with the records of e (app-model.md
// §6.2): for developers and super users everything but what the fields'
// readAccess/writeAccess restrict, for the system everything, for members
// the union of their groups' permissions; an entity no group lists (and
// every entity for a member of no group) is no access at all.
func (p *Policy) Entity(e *app.Entity) *EntityAccess {
	switch {
	case p == nil:
		return noAccess
	case p.role == System:
		return Unrestricted
	case p.role != Member:
		return p.rules.Privileged(e)
	}
	if ea := p.entities[e.FullName]; ea != nil {
		return ea
	}
	return noAccess
}

// Action is the permission to run an action of an entity (with its
// parameters' permissions); an action no group lists is not allowed.
func (p *Policy) Action(e *app.Entity, name string) *ActionAccess {
	return p.Entity(e).Action(name)
}
