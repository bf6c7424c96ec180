package data

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"runway/access"
	"runway/apperr"
	"runway/secret"
	"runway/store"
)

// usersIn creates a sys.users record as the system from REST input.
func (b *bundle) usersIn(in obj) (obj, error) {
	doc, err := b.svc.Create(b.ctx, b.system, b.entity(usersEntity), in)
	if err != nil {
		return nil, err
	}
	return decodeDoc(b.t, doc), nil
}

// checkPassword reports whether password is the user's.
func (b *bundle) checkPassword(userID, password string) bool {
	b.t.Helper()
	hash, err := b.store.PasswordHash(b.ctx, userID)
	if err != nil {
		b.t.Fatalf("password hash of %s: %v", userID, err)
	}
	ok, err := secret.CheckPassword(hash, password)
	if err != nil {
		b.t.Fatal(err)
	}
	return ok
}

func TestCreateUserDerivesWhatSysUsersComputes(t *testing.T) {
	b := desk(t)
	u, err := b.usersIn(obj{"firstName": "Ana", "lastName": "Lee", "email": " Ana@Example.ORG",
		"authentication": obj{"newPassword": "secret-pass-1", "passwordConfirmation": "secret-pass-1"},
		"groups":         []any{obj{"group": "observers"}, obj{"group": "agents"}}})
	if err != nil {
		t.Fatal(err)
	}
	id := u["id"].(string)
	if u["fullName"] != "Ana Lee" || u["label"] != "Ana Lee" || u["emailStandardized"] != "ana@example.org" || u["status"] != "ACTIVE" {
		t.Errorf("derived fields: %s", js(u))
	}
	auth := u["authentication"].(obj)
	for _, k := range []string{"newPassword", "passwordConfirmation", "password", "generatePassword"} {
		if _, ok := auth[k]; ok {
			t.Errorf("authentication.%s stored: %v", k, auth)
		}
	}
	if auth["lastPasswordChange"] != float64(testNow.UnixMilli()) || auth["passwordExpired"] != false || auth["failedLoginAttempts"] != 0.0 {
		t.Errorf("authentication %v", auth)
	}
	if js(u["identityProviders"]) == "[]" || u["identityProviders"].([]any)[0].(obj)["name"] != "slingr" {
		t.Errorf("identityProviders %v", u["identityProviders"])
	}
	groups := u["groups"].([]any)
	if groups[0].(obj)["primary"] != true || groups[1].(obj)["primary"] != false {
		t.Errorf("the first group is primary when none is: %v", groups)
	}
	if !b.checkPassword(id, "secret-pass-1") || b.checkPassword(id, "secret-pass-2") {
		t.Error("the stored hash does not verify the password")
	}

	// The user as sessions see it, found by email whatever its case.
	got, err := b.svc.UserByEmail(b.ctx, "ANA@example.org ")
	if err != nil || got == nil || got.ID != id {
		t.Fatalf("by email: %+v %v", got, err)
	}
	if got.Name != "Ana Lee" || got.Status != "ACTIVE" || js(got.Groups) != `["observers","agents"]` || got.PrimaryGroup != "observers" ||
		got.Role() != access.Member || got.LastPasswordChange != testNow.UnixMilli() {
		t.Errorf("user %+v", got)
	}
	if c := got.Caller("10.0.0.1", "admin@example.org"); c.UserID != id || c.IP != "10.0.0.1" || c.AdminEmail != "admin@example.org" || c.Developer || c.Policy != got.Policy {
		t.Errorf("caller %+v", c)
	}
	if u, err := b.svc.UserByEmail(b.ctx, "nobody@example.org"); u != nil || err != nil {
		t.Errorf("unknown email: %+v %v", u, err)
	}
	if u, err := b.svc.UserByID(b.ctx, "6650a1b2c3d4e5f601234567"); u != nil || err != nil {
		t.Errorf("unknown id: %+v %v", u, err)
	}

	dev := b.user("dev@example.org")
	b.ok(b.svc.Update(b.ctx, b.system, b.entity(usersEntity), dev.UserID, obj{"permissions": obj{"developer": true}}))
	all, err := b.svc.Users(b.ctx)
	if err != nil || len(all) != 2 || all[0].ID != id || all[1].ID != dev.UserID || all[1].Role() != access.Developer {
		t.Errorf("users: %+v %v", all, err)
	}
	if n, err := b.svc.CountUsers(b.ctx); n != 2 || err != nil {
		t.Errorf("count %d %v", n, err)
	}
}

func TestPasswordRules(t *testing.T) {
	b := desk(t)
	user := func(auth obj, groups ...any) error {
		_, err := b.usersIn(obj{"firstName": "A", "lastName": "B", "email": "a@example.org", "authentication": auth, "groups": groups})
		return err
	}
	agents := obj{"group": "agents"} // minimum length 10, a number required

	errs := wantFields(t, user(obj{"newPassword": "short", "passwordConfirmation": "short"}, agents),
		"authentication.newPassword tooShort", "authentication.newPassword invalid")
	if errs[0].Message != "Password must have at least 10 characters" || errs[0].AdditionalInfo["minLength"] != 10 ||
		errs[1].Message != "Password must contain a number" || errs[1].AdditionalInfo["rule"] != "requireNumber" {
		t.Errorf("policy errors %+v", errs)
	}
	for _, fe := range errs {
		if strings.Contains(js(fe), "short\"") {
			t.Errorf("an error quotes the password: %+v", fe)
		}
	}
	// The policy is the final primary group's: observers have the default.
	if _, err := b.usersIn(obj{"firstName": "A", "lastName": "B", "email": "observer@example.org", "authentication": obj{"password": "short1"},
		"groups": []any{obj{"group": "observers", "primary": true}, agents}}); err != nil {
		t.Errorf("a password fitting the primary group's policy: %v", err)
	}
	for _, tc := range []struct {
		auth obj
		want string
	}{
		{obj{"newPassword": "long-password-1", "passwordConfirmation": "other-password-1"}, "authentication.passwordConfirmation invalid"},
		{obj{"newPassword": 12345678901}, "authentication.newPassword invalid"},
		{obj{"generatePassword": false}, "authentication.newPassword required"},
	} {
		wantFields(t, user(tc.auth, agents), tc.want)
	}
	err := user(nil, obj{"group": "agents", "primary": true}, obj{"group": "observers", "primary": true})
	if errs := wantFields(t, err, "groups[1].primary invalid"); errs[0].Message != "Only one group can be primary; groups[0] already is" {
		t.Errorf("message %q", errs[0].Message)
	}
}

// mailPassword finds the password of a mail in a text log line (quoted
// when it holds a character such as "=").
var mailPassword = regexp.MustCompile(`password=("(?:[^"\\]|\\.)*"|\S+)`)

// loggedPassword is the password of the last mail of that kind in the log.
func (b *bundle) loggedPassword(kind string) string {
	b.t.Helper()
	var last string
	for _, line := range strings.Split(b.log.String(), "\n") {
		if strings.Contains(line, `msg="`+kind+`"`) {
			if m := mailPassword.FindStringSubmatch(line); m != nil {
				last = m[1]
				if unquoted, err := strconv.Unquote(last); err == nil {
					last = unquoted
				}
			}
		}
	}
	if last == "" {
		b.t.Fatalf("no %s in the log:\n%s", kind, b.log.String())
	}
	return last
}

func TestGeneratedPasswordsAreMailedMaskedUnlessShown(t *testing.T) {
	b := desk(t)
	if _, err := b.usersIn(obj{"firstName": "A", "lastName": "B", "email": "a@example.org", "groups": []any{obj{"group": "agents"}}}); err != nil {
		t.Fatal(err)
	}
	if got := b.loggedPassword("welcome mail"); got != "********" {
		t.Errorf("welcome mail shows %q", got)
	}
	b.with(func(o *Options) { o.ShowMailSecrets = true })
	u, err := b.usersIn(obj{"firstName": "C", "lastName": "D", "email": "c@example.org", "groups": []any{obj{"group": "agents"}}})
	if err != nil {
		t.Fatal(err)
	}
	pw := b.loggedPassword("welcome mail")
	if len(pw) < 16 || !b.checkPassword(u["id"].(string), pw) {
		t.Errorf("generated password %q does not verify", pw)
	}
	if v := (access.PasswordPolicy{MinLength: 10, RequireNumber: true}).Check(pw); v != nil {
		t.Errorf("the generated password breaks the group's policy: %v", v)
	}
}

func TestSetPassword(t *testing.T) {
	b := desk(t)
	ana := b.user("ana@example.org", "agents")
	wantCode(t, b.svc.SetPassword(b.ctx, "nobody@example.org", "new-password-1"), apperr.NotFound)
	wantFields(t, b.svc.SetPassword(b.ctx, "ana@example.org", "short"), "authentication.newPassword tooShort", "authentication.newPassword invalid")
	if err := b.svc.SetPassword(b.ctx, "ANA@example.org", "new-password-1"); err != nil {
		t.Fatal(err)
	}
	if !b.checkPassword(ana.UserID, "new-password-1") || b.checkPassword(ana.UserID, "password-123") {
		t.Error("the new password does not replace the old one")
	}
}

func TestFailedLoginsBlockAndUserActions(t *testing.T) {
	b := desk(t)
	users := b.entity(usersEntity)
	var writes []string
	b.with(func(o *Options) {
		o.OnUserWrite = func(id string, deleted bool) {
			if deleted {
				id += " deleted"
			}
			writes = append(writes, id)
		}
	})
	ana := b.user("ana@example.org", "agents") // at most 2 failed logins
	status := func() (string, float64) {
		u := b.get(b.system, usersEntity, ana.UserID)
		return u["status"].(string), u["authentication"].(obj)["failedLoginAttempts"].(float64)
	}
	for i, want := range []bool{false, true, false} {
		blocked, err := b.svc.RecordFailedLogin(b.ctx, ana.UserID)
		if err != nil || blocked != want {
			t.Errorf("failed login %d: blocked %v %v, want %v", i+1, blocked, err, want)
		}
	}
	if s, n := status(); s != "BLOCKED" || n != 2 {
		t.Errorf("after 3 failed logins: %s, %v attempts (a blocked user counts no more)", s, n)
	}

	// Built-in actions: developers, super users, the system and scripts.
	_, err := b.svc.UserAction(b.ctx, ana, ana.UserID, "unblock")
	if ae := wantCode(t, err, apperr.Forbidden); ae.Message != `Not allowed to run action "unblock" of sys.users` {
		t.Errorf("message %q", ae.Message)
	}
	_, err = b.svc.UserAction(b.ctx, b.dev, ana.UserID, "activate")
	if ae := wantCode(t, err, apperr.BadRequest); ae.Message != `Action "activate" cannot run: the user is BLOCKED, not INACTIVE` {
		t.Errorf("message %q", ae.Message)
	}
	_, err = b.svc.UserAction(b.ctx, b.dev, ana.UserID, "fly")
	wantCode(t, err, apperr.NotFound)
	_, err = b.svc.UserAction(b.ctx, b.dev, "6650a1b2c3d4e5f601234567", "unblock")
	wantCode(t, err, apperr.NotFound)
	if !IsUserAction("resetPassword") || IsUserAction("fly") {
		t.Error("IsUserAction")
	}

	u := b.ok(b.svc.UserAction(b.ctx, b.dev, ana.UserID, "unblock"))
	if s, n := status(); s != "ACTIVE" || n != 0 || u["status"] != "ACTIVE" {
		t.Errorf("after unblock: %s, %v attempts", s, n)
	}
	script := ScriptCaller(nil, "users.js:deactivate")
	b.ok(b.svc.UserAction(b.ctx, script, ana.UserID, "deactivate"))
	if s, _ := status(); s != "INACTIVE" {
		t.Errorf("after deactivate: %s", s)
	}
	if blocked, err := b.svc.RecordFailedLogin(b.ctx, ana.UserID); blocked || err != nil {
		t.Errorf("a failed login of an inactive user: %v %v", blocked, err)
	}
	b.ok(b.svc.UserAction(b.ctx, b.dev, ana.UserID, "activate"))

	// resetPassword: a temporary password, expired at once, mailed.
	b.with(func(o *Options) { o.ShowMailSecrets = true })
	b.svc.RecordFailedLogin(b.ctx, ana.UserID)
	u = b.ok(b.svc.UserAction(b.ctx, b.dev, ana.UserID, "resetPassword"))
	temp := b.loggedPassword("reset password mail")
	if !b.checkPassword(ana.UserID, temp) || b.checkPassword(ana.UserID, "password-123") {
		t.Error("the temporary password does not replace the old one")
	}
	if a := u["authentication"].(obj); a["passwordExpired"] != true || a["failedLoginAttempts"] != 0.0 {
		t.Errorf("after resetPassword: %v", a)
	}
	got, _ := b.svc.UserByID(b.ctx, ana.UserID)
	if !got.PasswordExpired {
		t.Error("the temporary password has not expired")
	}
	// A successful login sets the count back (no write when it is 0).
	b.svc.RecordFailedLogin(b.ctx, ana.UserID)
	got, _ = b.svc.UserByID(b.ctx, ana.UserID)
	before := len(writes)
	if err := b.svc.ResetFailedLogins(b.ctx, got); err != nil {
		t.Fatal(err)
	}
	got, _ = b.svc.UserByID(b.ctx, ana.UserID)
	if err := b.svc.ResetFailedLogins(b.ctx, got); err != nil || got.FailedLoginAttempts != 0 || len(writes) != before+1 {
		t.Errorf("reset: %d attempts, %d writes (want one) %v", got.FailedLoginAttempts, len(writes)-before, err)
	}

	// Every write of the user told the auth service, the delete too.
	writes = nil
	b.ok(b.svc.Delete(b.ctx, b.dev, users, ana.UserID))
	if js(writes) != js([]string{ana.UserID + " deleted"}) {
		t.Errorf("user writes %v", writes)
	}
}

func TestDeletingAUserForgetsPasswordAndSessions(t *testing.T) {
	b := desk(t)
	users := b.entity(usersEntity)
	ana := b.user("ana@example.org", "agents")
	bob := b.user("bob@example.org", "agents")
	for _, u := range []*Caller{ana, bob} {
		if err := b.store.CreateSession(b.ctx, &store.Session{TokenHash: "token-of-" + u.UserID, UserID: u.UserID, Created: 1, LastActive: 1, IdleTimeout: 1e9}); err != nil {
			t.Fatal(err)
		}
	}
	b.ok(b.svc.Delete(b.ctx, b.dev, users, ana.UserID))
	if _, err := b.store.PasswordHash(b.ctx, ana.UserID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("password of a deleted user: %v", err)
	}
	if _, err := b.store.Session(b.ctx, "token-of-"+ana.UserID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session of a deleted user: %v", err)
	}
	if _, err := b.store.Session(b.ctx, "token-of-"+bob.UserID); err != nil || !b.checkPassword(bob.UserID, "password-123") {
		t.Errorf("another user's session or password went too: %v", err)
	}
	res, err := b.svc.DeleteMany(b.ctx, b.dev, users, []string{bob.UserID})
	if err != nil || res[bob.UserID].Status != "ok" {
		t.Fatal(res, err)
	}
	if _, err := b.store.Session(b.ctx, "token-of-"+bob.UserID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session of a user deleted in a batch: %v", err)
	}
}
