package api_test

import (
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
	"runway/clock"
)

// login posts a login body and returns the answer.
func login(s *apitest.Server, body any) *apitest.Response {
	return s.Do("POST", "/auth/login", "", body)
}

func TestLoginSuccessShape(t *testing.T) {
	t.Parallel()
	s := demo(t)
	r := login(s, obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword}).Status(200)
	m := r.JSON()
	wantKeys(t, m, "app", "adminUserEmail", "ip", "userEmail", "userName", "userId", "token")
	if m["app"] != "demo" {
		t.Errorf("app = %v, want demo", m["app"])
	}
	if m["adminUserEmail"] != nil {
		t.Errorf("adminUserEmail = %v, want null", m["adminUserEmail"])
	}
	if ip, _ := m["ip"].(string); ip != "127.0.0.1" && ip != "::1" {
		t.Errorf("ip = %v, want the loopback address", m["ip"])
	}
	if m["userEmail"] != apitest.AdminEmail || m["userName"] != "Admin Runway" {
		t.Errorf("userEmail/userName = %v/%v", m["userEmail"], m["userName"])
	}
	if !isID(m["userId"]) {
		t.Errorf("userId = %v, want an id", m["userId"])
	}
	tok, _ := m["token"].(string)
	if len(tok) < 20 {
		t.Fatalf("token %q too short", tok)
	}
	if tok == s.Token {
		t.Errorf("second login returned the same token")
	}
	// The token works, and the user id is the admin's sys.users record.
	s.Do("GET", "/data/companies", tok, nil).Status(200)
	u := get(t, s, "sys.users", m["userId"])
	if u["email"] != apitest.AdminEmail {
		t.Errorf("userId points at %v", u["email"])
	}

	// The email is matched case-insensitively (emailStandardized).
	r = login(s, obj{"email": "  ADMIN@Example.org ", "password": apitest.AdminPassword}).Status(200)
	if r.JSON()["userId"] != m["userId"] {
		t.Errorf("login with other case found another user: %s", r.Body)
	}
}

func TestLoginUsernameAlias(t *testing.T) {
	t.Parallel()
	s := demo(t)
	m := login(s, obj{"username": apitest.AdminEmail, "password": apitest.AdminPassword}).Status(200).JSON()
	if m["userEmail"] != apitest.AdminEmail {
		t.Fatalf("userEmail = %v", m["userEmail"])
	}
	s.Do("GET", "/data/companies", m["token"].(string), nil).Status(200)
	// "email" wins over "username".
	login(s, obj{"email": apitest.AdminEmail, "username": "nobody@example.org", "password": apitest.AdminPassword}).Status(200)
}

func TestLoginBadRequests(t *testing.T) {
	t.Parallel()
	s := demo(t)
	pw := apitest.AdminPassword
	cases := []struct {
		name, contentType, body string
	}{
		{"malformed JSON", "application/json", `{"email": "admin@example.org", "password": `},
		{"not JSON at all", "application/json", `email=admin@example.org&password=x`},
		{"empty body", "application/json", ``},
		{"missing email", "application/json", `{"password": "` + pw + `"}`},
		{"missing password", "application/json", `{"email": "admin@example.org"}`},
		{"empty password", "application/json", `{"email": "admin@example.org", "password": ""}`},
		{"null email", "application/json", `{"email": null, "password": "` + pw + `"}`},
		{"email not a string", "application/json", `{"email": 12, "password": "` + pw + `"}`},
		{"password not a string", "application/json", `{"email": "admin@example.org", "password": true}`},
		{"array body", "application/json", `[{"email": "admin@example.org", "password": "` + pw + `"}]`},
		{"string body", "application/json", `"admin@example.org"`},
		{"null body", "application/json", `null`},
		{"trailing data", "application/json", `{"email": "admin@example.org", "password": "` + pw + `"} {}`},
		{"form content type", "application/x-www-form-urlencoded", `{"email": "admin@example.org", "password": "` + pw + `"}`},
		{"text content type", "text/plain", `{"email": "admin@example.org", "password": "` + pw + `"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := s.Raw("POST", "/auth/login", "", c.contentType, c.body).Error(400, "badRequest")
			if strings.Contains(string(m["message"].(string)), pw) {
				t.Errorf("message echoes the password: %v", m["message"])
			}
		})
	}
	// Without a Content-Type the body is read as JSON (docs/decisions.md);
	// "application/json; charset=utf-8" is JSON too.
	body := `{"email": "admin@example.org", "password": "` + pw + `"}`
	s.Raw("POST", "/auth/login", "", "", body).Status(200)
	s.Raw("POST", "/auth/login", "", "application/json; charset=utf-8", body).Status(200)
}

func TestLoginUnauthorized(t *testing.T) {
	t.Parallel()
	s := demo(t)
	login(s, obj{"email": "nobody@example.org", "password": apitest.AdminPassword}).Error(401, "unauthorized")
	login(s, obj{"email": apitest.AdminEmail, "password": "wrong-password"}).Error(401, "unauthorized")
	// The two answers must not tell which of email and password was wrong.
	a := login(s, obj{"email": "nobody@example.org", "password": "x"}).Error(401, "unauthorized")
	b := login(s, obj{"email": apitest.AdminEmail, "password": "x"}).Error(401, "unauthorized")
	if a["message"] != b["message"] {
		t.Errorf("messages differ for unknown email (%v) and wrong password (%v)", a["message"], b["message"])
	}
}

// D1: a user whose status is not ACTIVE gets 403 with the right password and
// 401 with a wrong one.
func TestLoginInactiveAndBlocked(t *testing.T) {
	t.Parallel()
	s := demo(t)
	for _, status := range []string{"INACTIVE", "BLOCKED"} {
		email := strings.ToLower(status) + "@example.org"
		u := s.CreateUser(email, "secret-pass-1", obj{"status": status})
		if u["status"] != status {
			t.Fatalf("status = %v, want %s", u["status"], status)
		}
		m := login(s, obj{"email": email, "password": "secret-pass-1"}).Error(403, "forbidden")
		if !strings.Contains(strings.ToLower(m["message"].(string)), strings.ToLower(status)[:5]) {
			t.Errorf("%s: message %q does not say why", status, m["message"])
		}
		login(s, obj{"email": email, "password": "wrong-pass-1"}).Error(401, "unauthorized")
		// Reactivated, the user can log in.
		update(t, s, "sys.users", u["id"], obj{"status": "ACTIVE"})
		login(s, obj{"email": email, "password": "secret-pass-1"}).Status(200)
	}
}

func TestImpersonation(t *testing.T) {
	t.Parallel()
	s := demo(t)
	ana := s.CreateUser("ana@example.org", "ana-password", obj{"firstName": "Ana", "lastName": "Lima",
		"groups": arr{obj{"group": "users"}}})
	s.CreateUser("bob@example.org", "bob-password", obj{"firstName": "Bob", "lastName": "Ross"})

	// A developer impersonates Ana.
	m := login(s, obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword,
		"emailImpersonatedUser": "ana@example.org"}).Status(200).JSON()
	wantKeys(t, m, "app", "adminUserEmail", "ip", "userEmail", "userName", "userId", "token")
	if m["adminUserEmail"] != apitest.AdminEmail {
		t.Errorf("adminUserEmail = %v, want %s", m["adminUserEmail"], apitest.AdminEmail)
	}
	if m["userEmail"] != "ana@example.org" || m["userName"] != "Ana Lima" || m["userId"] != ana["id"] {
		t.Errorf("effective user = %v/%v/%v, want Ana", m["userEmail"], m["userName"], m["userId"])
	}
	tok := m["token"].(string)
	// The token acts as Ana: an ordinary user may not read sys.users.
	s.Do("GET", "/data/companies", tok, nil).Status(200)
	s.Do("GET", "/data/sys.users", tok, nil).Error(403, "forbidden")

	// A wrong admin password still fails as a login.
	login(s, obj{"email": apitest.AdminEmail, "password": "wrong", "emailImpersonatedUser": "ana@example.org"}).
		Error(401, "unauthorized")
	// Ana is no developer: she may not impersonate Bob.
	login(s, obj{"email": "ana@example.org", "password": "ana-password", "emailImpersonatedUser": "bob@example.org"}).
		Error(403, "forbidden")
	// Unknown user to impersonate.
	login(s, obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword,
		"emailImpersonatedUser": "ghost@example.org"}).Error(404, "notFound")
	// An impersonated user who may not log in cannot be impersonated either.
	s.CreateUser("off@example.org", "off-password", obj{"status": "INACTIVE"})
	login(s, obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword,
		"emailImpersonatedUser": "off@example.org"}).Error(403, "forbidden")
}

func TestLogout(t *testing.T) {
	t.Parallel()
	s := demo(t)
	tok := s.Login(apitest.AdminEmail, apitest.AdminPassword)
	s.Do("GET", "/data/companies", tok, nil).Status(200)
	m := s.Do("POST", "/auth/logout", tok, nil).Status(200).JSON()
	if m["status"] != "ok" {
		t.Errorf("logout answered %v", m)
	}
	s.Do("GET", "/data/companies", tok, nil).Error(401, "unauthorized")
	s.Do("POST", "/auth/logout", tok, nil).Error(401, "unauthorized")
	s.Do("POST", "/auth/logout", "", nil).Error(401, "unauthorized")
	// Other sessions of the same user are not affected.
	s.As("GET", "/data/companies", nil).Status(200)
}

func TestTokenRequired(t *testing.T) {
	t.Parallel()
	s := demo(t)
	c := create(t, s, "companies", obj{"name": "Acme"})
	path := "/data/companies/" + c["id"].(string)
	reqs := []struct {
		method, path string
		body         any
	}{
		{"GET", "/data/companies", nil},
		{"GET", path, nil},
		{"POST", "/data/companies", obj{"name": "Other"}},
		{"PUT", path, obj{"name": "Changed"}},
		{"DELETE", path, nil},
		{"DELETE", path + "," + path[len(path)-24:], nil},
		{"GET", "/data/sys.users", nil},
		{"GET", "/data/nosuchentity", nil},
	}
	for _, tok := range []string{"", "garbage", strings.Repeat("a", 43), s.Token + "x"} {
		for _, rq := range reqs {
			r := s.Do(rq.method, rq.path, tok, rq.body)
			if r.Code != 401 {
				t.Errorf("%s %s with token %q: status %d, want 401: %s", rq.method, rq.path, tok, r.Code, r.Body)
				continue
			}
			r.Error(401, "unauthorized")
		}
	}
	// Nothing changed.
	if got := get(t, s, "companies", c["id"]); got["name"] != "Acme" {
		t.Errorf("record changed without a token: %v", got)
	}
	if p := list(t, s, "companies", ""); p.Total != 1 {
		t.Errorf("total = %d after unauthorized calls, want 1", p.Total)
	}
}

// A user whose status changes to INACTIVE loses the sessions they have.
func TestDeactivatedUserTokenStopsWorking(t *testing.T) {
	t.Parallel()
	s := demo(t)
	u := s.CreateUser("ana@example.org", "ana-password", obj{"groups": arr{obj{"group": "users"}}})
	tok := s.Login("ana@example.org", "ana-password")
	s.Do("GET", "/data/companies", tok, nil).Status(200)
	// An impersonation session of Ana dies too.
	imp := login(s, obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword,
		"emailImpersonatedUser": "ana@example.org"}).Status(200).JSON()["token"].(string)
	s.Do("GET", "/data/companies", imp, nil).Status(200)

	m := update(t, s, "sys.users", u["id"], obj{"status": "INACTIVE"})
	if m["status"] != "INACTIVE" {
		t.Fatalf("status = %v", m["status"])
	}
	s.Do("GET", "/data/companies", tok, nil).Error(401, "unauthorized")
	s.Do("GET", "/data/companies", imp, nil).Error(401, "unauthorized")
	login(s, obj{"email": "ana@example.org", "password": "ana-password"}).Error(403, "forbidden")
	// The admin's own session is untouched.
	s.As("GET", "/data/companies", nil).Status(200)

	// Reactivated, Ana logs in again, but the old token stays dead.
	update(t, s, "sys.users", u["id"], obj{"status": "ACTIVE"})
	s.Do("GET", "/data/companies", tok, nil).Error(401, "unauthorized")
	tok2 := s.Login("ana@example.org", "ana-password")
	s.Do("GET", "/data/companies", tok2, nil).Status(200)

	// A deleted user's token stops working as well.
	s.As("DELETE", "/data/sys.users/"+u["id"].(string), nil).Status(200)
	s.Do("GET", "/data/companies", tok2, nil).Error(401, "unauthorized")
	login(s, obj{"email": "ana@example.org", "password": "ana-password"}).Error(401, "unauthorized")
}

// Changes to a user's permissions apply to the sessions they already have.
func TestPermissionChangeAppliesToOpenSessions(t *testing.T) {
	t.Parallel()
	s := demo(t)
	u := s.CreateUser("ana@example.org", "ana-password", nil)
	tok := s.Login("ana@example.org", "ana-password")
	s.Do("GET", "/data/sys.users", tok, nil).Error(403, "forbidden")
	update(t, s, "sys.users", u["id"], obj{"permissions": obj{"developer": true}})
	s.Do("GET", "/data/sys.users", tok, nil).Status(200)
	// As a developer she may now impersonate.
	login(s, obj{"email": "ana@example.org", "password": "ana-password", "emailImpersonatedUser": apitest.AdminEmail}).Status(200)
	update(t, s, "sys.users", u["id"], obj{"permissions": obj{"developer": false}})
	s.Do("GET", "/data/sys.users", tok, nil).Error(403, "forbidden")
	// A user deleted through delete many loses the session too.
	s.As("DELETE", "/data/sys.users/"+u["id"].(string)+","+strings.Repeat("0", 24), nil).Status(200)
	s.Do("GET", "/data/companies", tok, nil).Error(401, "unauthorized")
}

// fakeClock is a clock the test moves, for apitest.Options.Clock, and the
// function that moves it.
func fakeClock() (*clock.Manual, func(time.Duration)) {
	c := clock.NewManual(time.Now())
	return c, c.Advance
}

// Tokens expire after 8 hours without use; every use restarts the count.
func TestTokenIdleExpiry(t *testing.T) {
	t.Parallel()
	clk, advance := fakeClock()
	s := apitest.Start(t, nil, apitest.Options{Clock: clk})
	tok := s.Login(apitest.AdminEmail, apitest.AdminPassword)
	idle := s.Login(apitest.AdminEmail, apitest.AdminPassword)
	for range 3 {
		advance(7*time.Hour + 59*time.Minute)
		s.Do("GET", "/data/companies", tok, nil).Status(200)
	}
	// The unused token died after 8 hours.
	s.Do("GET", "/data/companies", idle, nil).Error(401, "unauthorized")
	// Activity survives a reload of the session from the store: a write to
	// the user drops the cached sessions.
	me := login(s, obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword}).Status(200).JSON()
	tok2 := me["token"].(string)
	advance(7 * time.Hour)
	s.Do("GET", "/data/companies", tok2, nil).Status(200)
	s.Do("PUT", "/data/sys.users/"+me["userId"].(string), tok2, obj{"lastName": "Runway"}).Status(200)
	advance(7 * time.Hour)
	s.Do("GET", "/data/companies", tok2, nil).Status(200)
	// 8 hours and a minute of silence.
	advance(8*time.Hour + time.Minute)
	s.Do("GET", "/data/companies", tok, nil).Error(401, "unauthorized")
	s.Do("GET", "/data/companies", tok2, nil).Error(401, "unauthorized")
	// Still dead when time goes on; a new login works.
	s.Do("GET", "/data/companies", tok, nil).Error(401, "unauthorized")
	s.Do("GET", "/data/companies", s.Login(apitest.AdminEmail, apitest.AdminPassword), nil).Status(200)
}

func TestTokenIdleExpiryConfigurable(t *testing.T) {
	t.Parallel()
	clk, advance := fakeClock()
	s := apitest.Start(t, nil, apitest.Options{IdleTimeout: 10 * time.Minute, Clock: clk})
	tok := s.Login(apitest.AdminEmail, apitest.AdminPassword)
	advance(9 * time.Minute)
	s.Do("GET", "/data/companies", tok, nil).Status(200)
	advance(9 * time.Minute)
	s.Do("GET", "/data/companies", tok, nil).Status(200)
	advance(11 * time.Minute)
	s.Do("GET", "/data/companies", tok, nil).Error(401, "unauthorized")
}
