// Package access resolves who may do what (app-model.md §6): a user's role
// (developer, super user, system user, ordinary user) and groups become one
// Policy that the services and the HTTP layer ask.
//
// It is pure code: Compile reads the groups of an app definition once at
// start (parsing and validating each group's entity permissions and
// "security" block, and the fields' readAccess/writeAccess), and
// Rules.For combines a user's groups into a Policy, cached per role and group
// set, so a request costs a map lookup.
//
// What a Policy answers today:
//
//   - AllowsAPI: restApiPermissions, ORed across groups; a group without a
//     security block allows every API; developers, super users and the system
//     bypass them.
//
//   - AllowsIP: allowedIPs (IPs or CIDRs); any entry of any group matches;
//     no group lists any → every address. Developers and the system bypass it.
//
//   - Password: the password policy of the primary group (with the floor of
//     6 characters), including maximumLoginAttempts and passwordExpires.
//
//   - Session: the session policy of the primary group, except
//     automaticLogoutTime, the shortest across groups.
//
//   - MayImpersonate: developers anyone; super users and members of a group
//     with userImpersonate ordinary users only.
//
//   - Entity(e): the entity permissions of the groups (app-model.md §6.2)
//     as an EntityAccess — Read, Create, Update, Delete and AuditLogs as
//     Perms (always, never or a condition; read ANDed into update, delete
//     and auditLogs per group), Import/Export flags, a FieldPerm per field
//     (read and write Perms: readWrite, readOnly, none, parent, advanced
//     {"read", "write"}; unlisted fields derived from the group's entity
//     access, unlisted inner fields inherit their container's) and action
//     permissions with parameter permissions (Action). Several groups are
//     a union: Perms ORed, flags ORed, each field the most permissive.
//     Fields' readAccess/writeAccess (for everyone) are ANDed into every
//     FieldPerm; developers and super users get only those (Rules.
//     Privileged), the system nothing (Unrestricted). An entity no group
//     lists, and every entity for a member of no group, is no access.
//
// Conditions are query expressions (query.ParseMap, metadata form, with
// currentUserField allowed in group conditions), compiled once; the data
// service binds the current user (query.Bind) and turns them into SQL for
// lists, counts and deletes over a query, or evaluates them with
// query.Match on single records.
package access
