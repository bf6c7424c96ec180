package data

import (
	"context"
	"fmt"
	"strings"

	"runway/apperr"
	"runway/record"
	"runway/secret"
)

// userActions are the built-in actions of sys.users (app-model.md §6.1) with
// the statuses their preconditions in the built-in users.json allow ("" =
// any status).
var userActions = map[string]string{
	"activate":      "INACTIVE",
	"deactivate":    "ACTIVE",
	"unblock":       "BLOCKED",
	"resetPassword": "",
}

// IsUserAction reports whether name is a built-in action of sys.users.
func IsUserAction(name string) bool {
	_, ok := userActions[name]
	return ok
}

// UserAction runs a built-in action of sys.users on one user, as the REST
// call PUT /data/sys.users/{id}/{action} (and later the actions API and
// sys.users.* in scripts) does, and returns the user record after it:
//
//   - activate: INACTIVE → ACTIVE;
//   - deactivate: ACTIVE → INACTIVE (the user's tokens are revoked at once);
//   - unblock: BLOCKED → ACTIVE with failedLoginAttempts 0;
//   - resetPassword: a temporary password, passwordExpired true, a BLOCKED
//     user ACTIVE again with failedLoginAttempts 0; the "mail" with the
//     password is written to the log (app-model.md §8 Q30).
//
// Only developers, super users, the system and the app's authority
// (scripts) may call it (403):
// over REST the actions path checks the groups' action permissions and
// runs the built-in script (users.js), which calls it through
// sys.internal.users. An unknown action or user is notFound; a user whose
// status does not meet the action's precondition is badRequest.
func (s *Service) UserAction(ctx context.Context, c *Caller, id, action string) ([]byte, error) {
	if err := CheckWritable(ctx); err != nil {
		return nil, err
	}
	e := s.app.Entity(usersEntity)
	want, ok := userActions[action]
	if !ok || e.Action(action) == nil {
		return nil, apperr.New(apperr.NotFound, "Action %q does not exist in entity %q", action, usersEntity)
	}
	if !c.privileged() {
		return nil, apperr.New(apperr.Forbidden, "Not allowed to run action %q of %s", action, usersEntity)
	}
	if !record.IsID(id) {
		return nil, notFound(e, id)
	}
	for attempt := 0; ; attempt++ {
		row, err := s.store.Get(ctx, e, id)
		if err != nil {
			return nil, storeErr(e, id, err)
		}
		u, err := s.userFromRow(row)
		if err != nil {
			return nil, err
		}
		if want != "" && !strings.EqualFold(u.Status, want) {
			return nil, apperr.New(apperr.BadRequest, "Action %q cannot run: the user is %s, not %s", action, u.Status, want)
		}
		in := map[string]any{}
		var pw *userPassword
		switch action {
		case "activate":
			in["status"] = "ACTIVE"
		case "deactivate":
			in["status"] = "INACTIVE"
		case "unblock":
			in["status"] = "ACTIVE"
			in["authentication"] = map[string]any{"failedLoginAttempts": 0}
		case "resetPassword":
			temp := u.Policy.Password().Generate()
			hash, err := secret.HashPassword(temp)
			if err != nil {
				return nil, err
			}
			pw = &userPassword{hash: hash, plain: temp, temporary: true}
			if u.Status == "BLOCKED" {
				in["status"] = "ACTIVE"
			}
			in["authentication"] = map[string]any{"failedLoginAttempts": 0}
		}
		doc, err := s.update(ctx, nil, s.perms(c, e), id, in, row.Version, true, pw, nil, WriteOptions{})
		if apperr.Is(err, apperr.OptimisticLocking) && attempt < maxUpdateRetries {
			continue // changed meanwhile: check the precondition again
		}
		if err != nil {
			return nil, err
		}
		if pw != nil {
			s.logMail("reset password mail", id, u.Email, pw.plain)
		}
		return doc, nil
	}
}

// RecordFailedLogin counts a wrong password of an ACTIVE user in the user
// record (authentication.failedLoginAttempts, written as the system so the
// record stays the one source of truth) and blocks the user when the count
// reaches the maximumLoginAttempts of their primary group. It reports
// whether the user is now BLOCKED.
func (s *Service) RecordFailedLogin(ctx context.Context, userID string) (blocked bool, err error) {
	e := s.app.Entity(usersEntity)
	for attempt := 0; ; attempt++ {
		row, err := s.store.Get(ctx, e, userID)
		if err != nil {
			return false, storeErr(e, userID, err)
		}
		u, err := s.userFromRow(row)
		if err != nil {
			return false, err
		}
		if u.Status != "ACTIVE" {
			return false, nil
		}
		n := u.FailedLoginAttempts + 1
		in := map[string]any{"authentication": map[string]any{"failedLoginAttempts": n}}
		max := u.Policy.Password().MaxLoginAttempts
		blocked = max > 0 && n >= int64(max)
		if blocked {
			in["status"] = "BLOCKED"
		}
		_, err = s.update(ctx, nil, s.perms(SystemCaller, e), userID, in, row.Version, true, nil, nil, WriteOptions{})
		if apperr.Is(err, apperr.OptimisticLocking) && attempt < maxUpdateRetries {
			continue // another attempt counted meanwhile: count on top of it
		}
		if err != nil {
			return false, fmt.Errorf("data: count failed login of %s: %w", userID, err)
		}
		if blocked {
			s.log.Warn("user blocked after failed logins", "user", userID, "email", u.Email, "attempts", n)
		}
		return blocked, nil
	}
}

// ResetFailedLogins sets a user's failedLoginAttempts back to 0 after a
// successful login (no write when it already is).
func (s *Service) ResetFailedLogins(ctx context.Context, u *User) error {
	if u.FailedLoginAttempts == 0 {
		return nil
	}
	_, err := s.Update(ctx, SystemCaller, s.app.Entity(usersEntity), u.ID,
		map[string]any{"authentication": map[string]any{"failedLoginAttempts": 0}})
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return fmt.Errorf("data: reset failed logins of %s: %w", u.ID, err)
	}
	return nil
}
