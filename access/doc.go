// Package access resolves who may do what (app-model.md §6): a user's role
// (developer, super user, system user, ordinary user) and groups become one
// Policy that the services and the HTTP layer ask.
//
// It is pure code: Compile reads the groups of an app definition once at
// start (parsing and validating each group's "security" block), and
// Rules.For combines a user's groups into a Policy, cached per role and group
// set, so a request costs a map lookup.
//
// What a Policy answers today:
//
//   - AllowsAPI: restApiPermissions, ORed across groups; a group without a
//     security block allows every API; developers, super users and the system
//     bypass them.
//   - AllowsIP: allowedIPs (IPs or CIDRs); any entry of any group matches;
//     no group lists any → every address. Developers and the system bypass it.
//   - Password: the password policy of the primary group (with the floor of
//     6 characters), including maximumLoginAttempts and passwordExpires.
//   - Session: the session policy of the primary group, except
//     automaticLogoutTime, the shortest across groups.
//   - MayImpersonate: developers anyone; super users and members of a group
//     with userImpersonate ordinary users only.
//
// Adding entity, field and action permissions (the next step of issue 4):
// parse each group's EntityPermissions in compileGroup into a new field of
// groupRules (conditions compiled once), combine them in build (union over
// the subject's groups: allowed if any group allows, conditions ORed, the
// most permissive field level) into a new unexported field of Policy, and
// add the questions as methods of Policy (e.g. Entity(name) *EntityAccess).
// Privileged() tells which roles bypass them; build already has the role, so
// a privileged Policy can simply carry "everything allowed".
package access
