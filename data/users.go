package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"runway/access"

	"runway/query"
	"runway/store"

	"runway/app"
	"runway/apperr"
	"runway/record"
	"runway/secret"
)

const usersEntity = "sys.users"

// userPassword is a password being set on a sys.users record: hashed before
// the write transaction starts, since argon2id takes tens of milliseconds.
// The clear text stays in memory until the merged record is known, so the
// password policy of the user's final primary group can be checked.
type userPassword struct {
	hash      string
	plain     string
	path      string // input key it came from ("" when generated)
	generated string // set when Runway made the password up
	temporary bool   // resetPassword: passwordExpired becomes true
	email     string // the user's email, for the logged mail
}

// prepareUserPassword reads the password keys of a sys.users write
// (authentication.newPassword + passwordConfirmation, or the virtual
// authentication.password) and hashes the new password. On create without a
// password one is generated unless generatePassword is false.
func (s *Service) prepareUserPassword(e *app.Entity, in map[string]any, isNew bool) (*userPassword, []apperr.FieldError, error) {
	if e.FullName != usersEntity {
		return nil, nil, nil
	}
	auth, _ := in["authentication"].(map[string]any)
	var errs []apperr.FieldError
	authField := e.Field("authentication")
	fail := func(field, code, msg string, info map[string]any) {
		label := ""
		if authField != nil {
			if inner := authField.Child(field[len("authentication."):]); inner != nil {
				label = inner.Label
			}
		}
		errs = append(errs, apperr.FieldError{Field: field, FieldLabel: apperr.Label(label), Code: code, Message: msg, AdditionalInfo: info})
	}
	// Passwords are checked here, never by their field types, so no error
	// can echo them as a rejectedValue.
	for _, k := range passwordKeys {
		if v, ok := auth[k]; ok && v != nil {
			if _, isString := v.(string); !isString {
				fail("authentication."+k, apperr.FieldInvalid, "A password must be a string", nil)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs, nil
	}
	pw, path := passwordInput(auth)
	if pw == "" {
		if !isNew {
			return nil, nil, nil
		}
		if gen, ok := auth["generatePassword"].(bool); ok && !gen {
			fail("authentication.newPassword", apperr.FieldRequired, "A password is required when it is not generated", nil)
			return nil, errs, nil
		}
		generated := s.access.For(s.inputGroups(in["groups"])).Password().Generate()
		hash, err := secret.HashPassword(generated)
		return &userPassword{hash: hash, plain: generated, generated: generated}, nil, err
	}
	if path == "authentication.newPassword" {
		if conf, _ := auth["passwordConfirmation"].(string); conf != pw {
			fail("authentication.passwordConfirmation", apperr.FieldInvalid, "Password confirmation does not match", nil)
		}
	}
	if len(errs) > 0 {
		return nil, errs, nil
	}
	hash, err := secret.HashPassword(pw)
	return &userPassword{hash: hash, plain: pw, path: path}, nil, err
}

// inputGroups reads the group names of a sys.users "groups" input (the
// group as id, name or label, or an object with one of them), with the
// primary one: flagged, else the first.
func (s *Service) inputGroups(raw any) access.Subject {
	list, ok := raw.([]any)
	if !ok && raw != nil {
		list = []any{raw}
	}
	var sub access.Subject
	for _, it := range list {
		m, _ := it.(map[string]any)
		key := ""
		switch g := m["group"].(type) {
		case string:
			key = g
		case map[string]any:
			for _, k := range []string{"id", "name", "label"} {
				if key, _ = g[k].(string); key != "" {
					break
				}
			}
		}
		if g := s.findGroup(key); g != nil {
			sub.Groups = append(sub.Groups, g.Name)
			if p, _ := m["primary"].(bool); p && sub.Primary == "" {
				sub.Primary = g.Name
			}
		}
	}
	return sub
}

// storedGroups reads the groups of a stored (or merged) sys.users record.
func (s *Service) storedGroups(v record.Values) access.Subject {
	var sub access.Subject
	for _, it := range items(v["groups"]) {
		ref, _ := it["group"].(record.Values)
		id, _ := ref["id"].(string)
		g := s.app.GroupByID(id)
		if g == nil {
			continue // a group the app no longer defines
		}
		sub.Groups = append(sub.Groups, g.Name)
		if p, _ := it["primary"].(bool); p && sub.Primary == "" {
			sub.Primary = g.Name
		}
	}
	return sub
}

// checkPasswordPolicy applies the password policy of the user's primary
// group (in the merged record v) to the password being set. Messages name
// the rule, never the password.
func (w *writer) checkPasswordPolicy(v record.Values) {
	if w.pw == nil || w.pw.path == "" {
		return
	}
	pp := w.s.access.For(w.s.storedGroups(v)).Password()
	var f *app.Field
	if af := w.e.Field("authentication"); af != nil {
		f = af.Child(w.pw.path[len("authentication."):])
	}
	for _, viol := range pp.Check(w.pw.plain) {
		if viol.Rule == "minimumLength" {
			w.fail(w.pw.path, f, apperr.FieldTooShort, viol.Message, map[string]any{"minLength": max(pp.MinLength, access.MinPasswordLength)})
		} else {
			w.fail(w.pw.path, f, apperr.FieldInvalid, viol.Message, map[string]any{"rule": viol.Rule})
		}
	}
}

// passwordKeys are the keys of sys.users authentication that carry a
// password: the writer leaves them to prepareUserPassword.
var passwordKeys = []string{"newPassword", "passwordConfirmation", "password"}

// isPasswordField reports whether a field of an entity write carries a
// password (its prefix is the error path of the object it is in).
func isPasswordField(e *app.Entity, prefix, name string) bool {
	return e.FullName == usersEntity && prefix == "authentication." && contains(passwordKeys, name)
}

func passwordInput(auth map[string]any) (pw, path string) {
	if s, _ := auth["newPassword"].(string); s != "" {
		return s, "authentication.newPassword"
	}
	if s, _ := auth["password"].(string); s != "" {
		return s, "authentication.password"
	}
	return "", ""
}

// completeUser computes what sys.users derives: fullName and
// emailStandardized (calculated in the sample app; built in here), the
// slingr identity provider and a primary group, and keeps secrets out of the
// stored document.
func (w *writer) completeUser(v record.Values) {
	first, _ := v["firstName"].(string)
	last, _ := v["lastName"].(string)
	if full := strings.TrimSpace(first + " " + last); full != "" {
		v["fullName"] = full
	} else {
		delete(v, "fullName")
	}
	if email, ok := v["email"].(string); ok {
		v["emailStandardized"] = strings.ToLower(strings.TrimSpace(email))
	}
	auth, _ := v["authentication"].(record.Values)
	if auth == nil && w.isNew {
		auth = record.Values{"id": record.NewID()}
		w.defaults(w.e.Field("authentication").Nested, auth)
		v["authentication"] = auth
	}
	if auth != nil {
		for _, k := range []string{"password", "newPassword", "passwordConfirmation", "generatePassword", "resetPasswordCode", "twoFactorAuthenticationKey"} {
			delete(auth, k)
		}
		if w.pw != nil {
			auth["lastPasswordChange"] = w.now
			auth["passwordExpired"] = w.pw.temporary
		}
	}
	if w.isNew && isEmptyValue(nil, v["identityProviders"]) && w.e.Field("identityProviders") != nil {
		v["identityProviders"] = []any{record.Values{"id": record.NewID(), "name": "slingr"}}
	}
	w.markPrimaryGroup(v)
	if w.pw != nil {
		w.pw.email, _ = v["email"].(string)
	}
	w.checkPasswordPolicy(v)
}

// markPrimaryGroup makes the first group primary when none is, and rejects
// more than one primary group (app-model.md §6.1: exactly one).
func (w *writer) markPrimaryGroup(v record.Values) {
	groups := items(v["groups"])
	primary := -1
	for i, g := range groups {
		if p, _ := g["primary"].(bool); p {
			if primary >= 0 {
				var f *app.Field
				if gf := w.e.Field("groups"); gf != nil {
					f = gf.Child("primary")
				}
				w.fail(fmt.Sprintf("groups[%d].primary", i), f, apperr.FieldInvalid,
					fmt.Sprintf("Only one group can be primary; groups[%d] already is", primary), nil)
			} else {
				primary = i
			}
		}
	}
	if primary < 0 && len(groups) > 0 {
		groups[0]["primary"] = true
	}
}

// savePassword stores the hash of a new password inside the write.
func (w *writer) savePassword(tx store.Tx, userID string) error {
	if w.pw == nil {
		return nil
	}
	if err := tx.SetPassword(w.ctx, userID, w.pw.hash); err != nil {
		return err
	}
	if w.pw.generated != "" {
		w.s.logMail("welcome mail", userID, w.pw.email, w.pw.generated)
	}
	return nil
}

// logMail writes a mail with a password to the log: no mail is sent without
// SMTP settings (app-model.md §8 Q30). The password is masked unless
// ShowMailSecrets is set (the dev environment).
func (s *Service) logMail(kind, userID, email, password string) {
	if !s.opts.ShowMailSecrets {
		password = "********"
	}
	s.log.Info(kind, "user", userID, "email", email, "password", password)
}

// User is what login and sessions need to know of a sys.users record.
type User struct {
	ID         string
	Email      string
	Name       string
	Status     string // ACTIVE | BLOCKED | INACTIVE
	Developer  bool
	SuperUser  bool
	SystemUser bool

	// Groups are the names of the user's groups the app defines, in the
	// record's order; PrimaryGroup is the primary one ("" without groups).
	Groups       []string
	PrimaryGroup string
	// Policy is what the user may do: role and groups resolved.
	Policy *access.Policy

	FailedLoginAttempts int64 // authentication.failedLoginAttempts
	PasswordExpired     bool  // authentication.passwordExpired
	LastPasswordChange  int64 // authentication.lastPasswordChange, ms (0 = unknown)
}

// Role is the user's role (app-model.md §6.1).
func (u *User) Role() access.Role {
	switch {
	case u.SystemUser:
		return access.System
	case u.Developer:
		return access.Developer
	case u.SuperUser:
		return access.SuperUser
	}
	return access.Member
}

// Caller is the caller acting as this user.
func (u *User) Caller(ip, adminEmail string) *Caller {
	return &Caller{UserID: u.ID, Email: u.Email, Name: u.Name, AdminEmail: adminEmail, IP: ip,
		Developer: u.Developer, SuperUser: u.SuperUser,
		Groups: u.Groups, PrimaryGroup: u.PrimaryGroup, Policy: u.Policy}
}

// UserByEmail finds a user by email, case-insensitively; nil when none.
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	e := s.app.Entity(usersEntity)
	f := e.Field("emailStandardized")
	rows, err := s.store.Find(ctx, e, &query.Select{
		Where: &query.Cond{Target: query.Target{Path: []query.Step{{Name: f.Name}}, Field: f}, Op: query.Equals,
			Values: []any{strings.ToLower(strings.TrimSpace(email))}},
		Sort:  query.ByID,
		Limit: 1,
	})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return s.userFromRow(&rows[0])
}

// UserByID reads a user; nil when none.
func (s *Service) UserByID(ctx context.Context, id string) (*User, error) {
	row, err := s.store.Get(ctx, s.app.Entity(usersEntity), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.userFromRow(row)
}

func (s *Service) userFromRow(row *store.Row) (*User, error) {
	_, _, _, v, err := record.Decode(row.Doc)
	if err != nil {
		return nil, fmt.Errorf("data: decode user %s: %w", row.ID, err)
	}
	u := &User{ID: row.ID, Name: row.Label}
	u.Email, _ = v["email"].(string)
	u.Status, _ = v["status"].(string)
	if p, ok := v["permissions"].(record.Values); ok {
		u.Developer, _ = p["developer"].(bool)
		u.SuperUser, _ = p["superUser"].(bool)
		u.SystemUser, _ = p["systemUser"].(bool)
	}
	if a, ok := v["authentication"].(record.Values); ok {
		u.FailedLoginAttempts = toInt64(a["failedLoginAttempts"])
		u.PasswordExpired, _ = a["passwordExpired"].(bool)
		u.LastPasswordChange = toInt64(a["lastPasswordChange"])
	}
	sub := s.storedGroups(v)
	sub.Role = u.Role()
	u.Policy = s.access.For(sub)
	u.Groups, u.PrimaryGroup = u.Policy.Groups(), u.Policy.Primary()
	return u, nil
}

// toInt64 reads a stored integer (decoded documents hold json.Number,
// int64 or float64 depending on the path).
func toInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case float64:
		return int64(x)
	case json.Number:
		n, _ := x.Int64()
		return n
	}
	return 0
}

// CountUsers counts the sys.users records.
func (s *Service) CountUsers(ctx context.Context) (int64, error) {
	return s.store.Count(ctx, s.app.Entity(usersEntity), nil)
}

// NewUser is a user created outside the REST API (first start, CLI).
type NewUser struct {
	Email, FirstName, LastName, Password string
	Developer, SuperUser                 bool
	Groups                               []string // group names, the first primary
}

// CreateUser creates a user as the system, through the same pipeline as a
// REST create.
func (s *Service) CreateUser(ctx context.Context, u NewUser) ([]byte, error) {
	in := map[string]any{
		"firstName": u.FirstName,
		"lastName":  u.LastName,
		"email":     u.Email,
		"authentication": map[string]any{
			"newPassword": u.Password, "passwordConfirmation": u.Password,
		},
		"permissions": map[string]any{"developer": u.Developer, "superUser": u.SuperUser},
	}
	if len(u.Groups) > 0 {
		groups := make([]any, len(u.Groups))
		for i, g := range u.Groups {
			groups[i] = map[string]any{"group": g, "primary": i == 0}
		}
		in["groups"] = groups
	}
	return s.Create(ctx, SystemCaller, s.app.Entity(usersEntity), in)
}

// SetPassword sets a user's password (CLI), applying the password rules.
func (s *Service) SetPassword(ctx context.Context, email, password string) error {
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	if u == nil {
		return apperr.New(apperr.NotFound, "User %q does not exist", email)
	}
	_, err = s.Update(ctx, SystemCaller, s.app.Entity(usersEntity), u.ID, map[string]any{
		"authentication": map[string]any{"newPassword": password, "passwordConfirmation": password},
	})
	return err
}

// Users lists every user, oldest first.
func (s *Service) Users(ctx context.Context) ([]*User, error) {
	rows, err := s.store.Find(ctx, s.app.Entity(usersEntity), &query.Select{Sort: query.Sort{Target: query.Target{System: query.SysID}}})
	if err != nil {
		return nil, err
	}
	out := make([]*User, 0, len(rows))
	for i := range rows {
		u, err := s.userFromRow(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}
