package app

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"path"
	"strings"
)

// Groups (app-model.md §6.2): security/groups/*.json.

// GroupID is the id of a group without an explicit "id" (§8 Q12): the first
// 24 hex characters of SHA-1("group:" + name).
func GroupID(name string) string { return derivedID("group:" + name) }

// EntityID is the id of an entity without an explicit "id" (decisions.md):
// derived from its full name the way GroupID is.
func EntityID(fullName string) string { return derivedID("entity:" + fullName) }

func derivedID(key string) string {
	sum := sha1.Sum([]byte(key))
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
		g := &Group{File: p, Name: o.str("name"), Script: l.script(siblingJS(p))}
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
