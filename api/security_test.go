package api_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"runway/api/apitest"
)

// strongPassword satisfies the password policy of the staff group of the
// security test app (10 characters, a capital, a lowercase letter, a number
// and a symbol).
const strongPassword = "Strong-Pass-1"

// secureApp starts a server on the security test app (app/testdata/secure).
func secureApp(t *testing.T, opts ...apitest.Options) *apitest.Server {
	t.Helper()
	return apitest.Start(t, os.DirFS("../app/testdata/secure"), opts...)
}

// member creates a user in these groups (the first primary) and returns the
// record.
func member(s *apitest.Server, email, password string, groups ...string) obj {
	gs := arr{}
	for i, g := range groups {
		gs = append(gs, obj{"group": g, "primary": i == 0})
	}
	return s.CreateUser(email, password, obj{"groups": gs})
}

// from sends a request that a trusted proxy forwarded for the client ip.
func from(s *apitest.Server, ip, method, path, token string, body any) *apitest.Response {
	req, err := s.NewRequest(method, path, token, body)
	if err != nil {
		panic(err)
	}
	req.Header.Set("X-Forwarded-For", ip)
	return s.Send(req)
}

func loginFrom(s *apitest.Server, ip, email, password string) *apitest.Response {
	return from(s, ip, "POST", "/auth/login", "", obj{"email": email, "password": password})
}

// messageHas fails unless the error message contains want (case-insensitive).
func messageHas(t *testing.T, m map[string]any, want string) {
	t.Helper()
	if msg, _ := m["message"].(string); !strings.Contains(strings.ToLower(msg), strings.ToLower(want)) {
		t.Errorf("message %q does not say %q", msg, want)
	}
}

// ---- maintenance ----

func TestMaintenanceREST(t *testing.T) {
	t.Parallel()
	s := secureApp(t)
	member(s, "ana@example.org", strongPassword, "staff")
	s.CreateUser("sue@example.org", "sue-password", obj{"permissions": obj{"superUser": true}})
	ana := s.Login("ana@example.org", strongPassword)
	sue := s.Login("sue@example.org", "sue-password")
	note := create(t, s, "notes", obj{"title": "Hello"})
	notePath := "/data/notes/" + note["id"].(string)

	if m := s.As("GET", "/maintenance", nil).Status(200).JSON(); !jsonEq(m, obj{"enabled": false}) {
		t.Fatalf("GET /maintenance = %v", m)
	}
	// Developers only: not ordinary users, not super users.
	s.Do("GET", "/maintenance", ana, nil).Error(403, "forbidden")
	s.Do("PUT", "/maintenance", ana, obj{"enabled": true}).Error(403, "forbidden")
	s.Do("PUT", "/maintenance", sue, obj{"enabled": true}).Error(403, "forbidden")
	s.Do("PUT", "/maintenance", "", obj{"enabled": true}).Error(401, "unauthorized")
	for _, body := range []any{obj{}, obj{"enabled": "yes"}, obj{"enabled": true, "other": 1}, arr{}} {
		s.As("PUT", "/maintenance", body).Error(400, "badRequest")
	}
	if m := s.As("GET", "/maintenance", nil).Status(200).JSON(); m["enabled"] != false {
		t.Fatalf("a refused call changed the flag: %v", m)
	}

	if m := s.As("PUT", "/maintenance", obj{"enabled": true}).Status(200).JSON(); !jsonEq(m, obj{"enabled": true}) {
		t.Fatalf("PUT /maintenance = %v", m)
	}
	if v, err := s.Data.Store().AppState(context.Background(), "maintenance"); v != "on" || err != nil {
		t.Errorf("stored flag = %q, %v", v, err)
	}
	// At once: the ordinary user's open session and her login get 503.
	m := s.Do("GET", notePath, ana, nil).Error(503, "applicationUnavailable")
	messageHas(t, m, "maintenance")
	s.Do("GET", "/data/notes", ana, nil).Error(503, "applicationUnavailable")
	s.Do("POST", "/data/notes", ana, obj{"title": "During"}).Error(503, "applicationUnavailable")
	login(s, obj{"email": "ana@example.org", "password": strongPassword}).Error(503, "applicationUnavailable")
	// A wrong password is still just wrong.
	login(s, obj{"email": "ana@example.org", "password": "Wrong-Pass-1"}).Error(401, "unauthorized")
	// Developers and super users pass, login included.
	s.As("GET", notePath, nil).Status(200)
	s.Do("GET", notePath, sue, nil).Status(200)
	sue2 := s.Login("sue@example.org", "sue-password")
	s.Do("POST", "/data/notes", sue2, obj{"title": "By sue"}).Status(200)
	admin2 := s.Login(apitest.AdminEmail, apitest.AdminPassword)
	s.Do("GET", "/maintenance", admin2, nil).Status(200)
	// A developer impersonating Ana works as her during maintenance.
	imp := login(s, obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword,
		"emailImpersonatedUser": "ana@example.org"}).Status(200).JSON()["token"].(string)
	s.Do("GET", notePath, imp, nil).Status(200)
	s.Do("GET", "/data/sys.users", imp, nil).Error(403, "forbidden") // still Ana's rights

	s.As("PUT", "/maintenance", obj{"enabled": false}).Status(200)
	// Ana's session survived maintenance.
	s.Do("GET", notePath, ana, nil).Status(200)
	s.Login("ana@example.org", strongPassword)
	if m := s.As("GET", "/maintenance", nil).Status(200).JSON(); m["enabled"] != false {
		t.Errorf("after off: %v", m)
	}
}

// ---- failed-login lockout ----

func TestFailedLoginLockout(t *testing.T) {
	t.Parallel()
	s := secureApp(t, apitest.Options{LoginRate: -1})
	ed := member(s, "ed@example.org", strongPassword, "staff") // maximumLoginAttempts 3
	id := ed["id"].(string)
	attempts := func() any {
		s.Auth.Wait() // failed logins are counted in the background
		return at(get(t, s, "sys.users", id), "authentication.failedLoginAttempts")
	}
	wrong := func() {
		login(s, obj{"email": "ed@example.org", "password": "Wrong-Pass-1"}).Error(401, "unauthorized")
	}
	tok := s.Login("ed@example.org", strongPassword)

	wrong()
	wrong()
	if n := attempts(); n != 2.0 {
		t.Fatalf("failedLoginAttempts = %v after 2 wrong passwords, want 2", n)
	}
	// A successful login resets the count.
	s.Login("ed@example.org", strongPassword)
	if n := attempts(); n != 0.0 {
		t.Fatalf("failedLoginAttempts = %v after a successful login, want 0", n)
	}
	// Three consecutive failures block: then even the right password is 403.
	wrong()
	wrong()
	s.Do("GET", "/data/notes", tok, nil).Status(200)
	wrong()
	m := login(s, obj{"email": "ed@example.org", "password": strongPassword}).Error(403, "forbidden")
	messageHas(t, m, "blocked")
	u := get(t, s, "sys.users", id)
	if u["status"] != "BLOCKED" || at(u, "authentication.failedLoginAttempts") != 3.0 {
		t.Fatalf("after 3 failures: status %v, attempts %v", u["status"], at(u, "authentication.failedLoginAttempts"))
	}
	// A wrong password of a blocked user is 401 (D1) and counts no further.
	wrong()
	if n := attempts(); n != 3.0 {
		t.Errorf("a blocked user's failures went on counting: %v", n)
	}
	// Blocking revokes the sessions the user had.
	s.Do("GET", "/data/notes", tok, nil).Error(401, "unauthorized")

	// unblock restores ACTIVE and 0.
	u = s.As("PUT", "/data/sys.users/"+id+"/unblock", nil).Status(200).JSON()
	if u["status"] != "ACTIVE" || at(u, "authentication.failedLoginAttempts") != 0.0 {
		t.Fatalf("after unblock: %v / %v", u["status"], at(u, "authentication.failedLoginAttempts"))
	}
	s.Login("ed@example.org", strongPassword)

	// Concurrent failures are all counted (and block exactly once).
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = s.Call("POST", "/auth/login", "", obj{"email": "ed@example.org", "password": "Wrong-Pass-2"})
		}()
	}
	wg.Wait()
	if n := attempts(); n != 3.0 {
		t.Errorf("3 concurrent failures counted as %v", n)
	}
	login(s, obj{"email": "ed@example.org", "password": strongPassword}).Error(403, "forbidden")

	// A group without maximumLoginAttempts never blocks.
	member(s, "gil@example.org", "gil-password", "relaxed")
	for range 12 {
		login(s, obj{"email": "gil@example.org", "password": "wrong-password"}).Error(401, "unauthorized")
	}
	s.Login("gil@example.org", "gil-password")
}

// ---- login rate limit ----

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	clk, advance := fakeClock()
	s := secureApp(t, apitest.Options{TrustProxy: true, LoginRate: 10, LoginBurst: 3, Clock: clk})
	member(s, "ana@example.org", "ana-password", "relaxed")

	// Per email: failures from different addresses add up.
	for i := range 3 {
		loginFrom(s, "10.0.0."+strconv.Itoa(i+1), "ana@example.org", "wrong-password").Error(401, "unauthorized")
	}
	limited := loginFrom(s, "10.0.0.9", "ana@example.org", "wrong-password")
	m := limited.Error(400, "badRequest")
	messageHas(t, m, "too many")
	if ra, err := strconv.Atoi(limited.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 6 {
		t.Errorf("Retry-After = %q, want 1..6 seconds", limited.Header.Get("Retry-After"))
	}
	// The right password gets the very same answer: a limited login says
	// nothing about the password.
	right := loginFrom(s, "10.0.0.9", "ana@example.org", "ana-password").Error(400, "badRequest")
	if right["message"] != m["message"] {
		t.Errorf("right password answered %v, wrong one %v", right["message"], m["message"])
	}
	// Other users from other addresses are not affected.
	loginFrom(s, "10.0.0.9", apitest.AdminEmail, apitest.AdminPassword).Status(200)
	// A token comes back every 6 seconds (10 a minute).
	advance(6 * time.Second)
	loginFrom(s, "10.0.0.9", "ana@example.org", "ana-password").Status(200)

	// Per IP: failures against different emails add up.
	for i := range 3 {
		loginFrom(s, "192.0.2.50", "nobody"+strconv.Itoa(i)+"@example.org", "x-password").Error(401, "unauthorized")
	}
	loginFrom(s, "192.0.2.50", "another@example.org", "x-password").Error(400, "badRequest")
	loginFrom(s, "192.0.2.50", apitest.AdminEmail, apitest.AdminPassword).Error(400, "badRequest")
	loginFrom(s, "192.0.2.51", apitest.AdminEmail, apitest.AdminPassword).Status(200)
	advance(6 * time.Second)
	loginFrom(s, "192.0.2.50", apitest.AdminEmail, apitest.AdminPassword).Status(200)

	// Successful logins take no token.
	for range 10 {
		loginFrom(s, "192.0.2.60", apitest.AdminEmail, apitest.AdminPassword).Status(200)
	}
}

// ---- session policies ----

func TestSessionPolicies(t *testing.T) {
	t.Parallel()
	clk, advance := fakeClock()
	s := secureApp(t, apitest.Options{Clock: clk})
	member(s, "ed@example.org", strongPassword, "staff")                    // oneHour
	member(s, "fay@example.org", strongPassword, "staff", "shortSession")   // the shortest: fifteenMinutes
	gilID := member(s, "gil@example.org", "gil-password", "relaxed")["id"]  // never
	member(s, "hal@example.org", "hal-password", "relaxed", "shortSession") // never vs 15 minutes: 15
	member(s, "ivy@example.org", "ivy-password", "shortSession", "relaxed") // same, other primary
	ed := s.Login("ed@example.org", strongPassword)
	fay := s.Login("fay@example.org", strongPassword)
	gil := s.Login("gil@example.org", "gil-password")
	hal := s.Login("hal@example.org", "hal-password")
	ivy := s.Login("ivy@example.org", "ivy-password")
	admin := s.Login(apitest.AdminEmail, apitest.AdminPassword) // no group: the server's 8 hours

	advance(14 * time.Minute)
	for _, tok := range []string{fay, hal} {
		s.Do("GET", "/data/notes", tok, nil).Status(200) // activity restarts the count
	}
	advance(16 * time.Minute)
	for _, tok := range []string{fay, hal, ivy} {
		s.Do("GET", "/data/notes", tok, nil).Error(401, "unauthorized")
	}
	s.Do("GET", "/data/notes", ed, nil).Status(200) // 30 minutes < 1 hour
	advance(61 * time.Minute)
	s.Do("GET", "/data/notes", ed, nil).Error(401, "unauthorized")
	s.Do("GET", "/data/notes", gil, nil).Status(200)
	s.Do("GET", "/data/notes", admin, nil).Status(200)
	advance(1000 * time.Hour)
	s.Do("GET", "/data/notes", gil, nil).Status(200) // never expires
	s.Do("GET", "/data/notes", admin, nil).Error(401, "unauthorized")
	// The timeout is the session's own: it holds after the session is
	// reloaded from the store (a write to the user drops cached sessions).
	s.Token = s.Login(apitest.AdminEmail, apitest.AdminPassword)
	update(t, s, "sys.users", gilID, obj{"lastName": "Changed"})
	advance(2000 * time.Hour)
	s.Do("GET", "/data/notes", gil, nil).Status(200)
}

// ---- password policies ----

func TestPasswordPolicies(t *testing.T) {
	t.Parallel()
	s := secureApp(t)
	newUser := func(email string, auth obj, groups ...string) *apitest.Response {
		gs := arr{}
		for i, g := range groups {
			gs = append(gs, obj{"group": g, "primary": i == 0})
		}
		return s.As("POST", "/data/sys.users", obj{"firstName": "Pat", "lastName": "Doe", "email": email,
			"authentication": auth, "groups": gs})
	}
	pw := func(p string) obj { return obj{"newPassword": p, "passwordConfirmation": p} }

	// Each rule of the staff group, on its own.
	for _, c := range []struct{ password, code, says string }{
		{"Sh0rt-pw", "tooShort", "at least 10 characters"},
		{"no-capital-12", "invalid", "capital"},
		{"NO-LOWER-CASE-12", "invalid", "lowercase"},
		{"No-Number-Here", "invalid", "number"},
		{"NoSymbolHere12", "invalid", "symbol"},
	} {
		r := newUser("pat@example.org", pw(c.password), "staff")
		fe := r.FieldError("authentication.newPassword", c.code)
		if msg, _ := fe["message"].(string); !strings.Contains(msg, c.says) {
			t.Errorf("%s: message %q does not say %q", c.password, msg, c.says)
		}
		if len(r.FieldErrors()) != 1 {
			t.Errorf("%s: more than one rule reported: %s", c.password, r.Body)
		}
		noPassword(t, r, c.password)
	}
	fe := newUser("pat@example.org", pw("Sh0rt-pw"), "staff").FieldError("authentication.newPassword", "tooShort")
	if !jsonEq(fe["additionalInfo"], obj{"minLength": 10}) {
		t.Errorf("additionalInfo = %v, want minLength 10", fe["additionalInfo"])
	}
	// Several rules at once, all reported; the virtual password key too.
	r := newUser("pat@example.org", obj{"password": "abcdefghijk"}, "staff")
	var n int
	for _, e := range r.Error(400, "validationErrors")["errors"].([]any) {
		if e.(map[string]any)["field"] == "authentication.password" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("abcdefghijk breaks capital, number and symbol: %d errors: %s", n, r.Body)
	}
	noPassword(t, r, "abcdefghijk")
	if p := list(t, s, "sys.users", q("email", "pat@example.org")); p.Total != 0 {
		t.Fatalf("a user with a rejected password was stored")
	}
	newUser("pat@example.org", pw(strongPassword), "staff").Status(200)

	// The primary group decides.
	newUser("q1@example.org", pw("simple-pass"), "relaxed", "staff").Status(200)
	newUser("q2@example.org", pw("simple-pass"), "staff", "relaxed").FieldError("authentication.newPassword", "invalid")
	// validateMinimumLength false: only the floor of 6 holds.
	newUser("q3@example.org", pw("abcdef"), "relaxed").Status(200)
	newUser("q4@example.org", pw("abcde"), "relaxed").FieldError("authentication.newPassword", "tooShort")
	// No group: the floor only.
	newUser("q5@example.org", pw("abcdef")).Status(200)

	// Updates: the policy of the user's groups after the update.
	u := newUser("q6@example.org", pw("simple-pass"), "relaxed").Status(200).JSON()
	path := "/data/sys.users/" + u["id"].(string)
	s.As("PUT", path, obj{"authentication": pw("other-simple")}).Status(200)
	s.As("PUT", path, obj{"groups": arr{obj{"group": "staff"}}, "authentication": pw("still-simple")}).
		FieldError("authentication.newPassword", "invalid")
	s.As("PUT", path, obj{"groups": arr{obj{"group": "staff"}}}).Status(200) // no password: no check
	s.As("PUT", path, obj{"authentication": pw("simple-again")}).FieldError("authentication.newPassword", "invalid")
	s.As("PUT", path, obj{"authentication": pw("Not-Simple-9")}).Status(200)
	s.Login("q6@example.org", "Not-Simple-9")
}

func TestPasswordExpiry(t *testing.T) {
	t.Parallel()
	clk, advance := fakeClock()
	s := secureApp(t, apitest.Options{Clock: clk})
	u := member(s, "ed@example.org", strongPassword, "staff") // passwordExpires oneMonth
	member(s, "gil@example.org", "gil-password", "relaxed")   // never
	s.Login("ed@example.org", strongPassword)
	advance(29 * 24 * time.Hour)
	s.Login("ed@example.org", strongPassword)
	advance(2 * 24 * time.Hour)
	m := login(s, obj{"email": "ed@example.org", "password": strongPassword}).Error(403, "forbidden")
	messageHas(t, m, "password expired")
	// A wrong password is still 401.
	login(s, obj{"email": "ed@example.org", "password": "Wrong-Pass-1"}).Error(401, "unauthorized")
	s.Login("gil@example.org", "gil-password")
	// A new password starts a new month (the server's own clock set it).
	s.Token = s.Login(apitest.AdminEmail, apitest.AdminPassword)
	s.As("PUT", "/data/sys.users/"+u["id"].(string), obj{"authentication": obj{
		"newPassword": "Renewed-Pass-2", "passwordConfirmation": "Renewed-Pass-2"}}).Status(200)
	advance(-31 * 24 * time.Hour)
	s.Login("ed@example.org", "Renewed-Pass-2")
}

// ---- transport ----

// headersEverywhere checks the security headers on an answer.
func headersEverywhere(t *testing.T, r *apitest.Response, hsts bool) {
	t.Helper()
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Cache-Control":          "no-store",
		"Referrer-Policy":        "no-referrer",
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q (status %d)", k, got, want, r.Code)
		}
	}
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q", r.Header.Get("Content-Security-Policy"))
	}
	if got := r.Header.Get("Strict-Transport-Security"); (got != "") != hsts {
		t.Errorf("Strict-Transport-Security = %q, want it %v", got, hsts)
	}
}

func TestRequireHTTPS(t *testing.T) {
	t.Parallel()
	// Plain HTTP with --require-https: every API call is 400, login
	// included, whatever X-Forwarded-Proto says (no trusted proxy).
	s := secureApp(t, apitest.Options{RequireHTTPS: true})
	if s.Token != "" {
		t.Fatal("logged in over plain HTTP")
	}
	for _, r := range []*apitest.Response{
		login(s, obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword}),
		s.Do("GET", "/data/notes", "any", nil),
		s.Do("GET", "/no/such/route", "", nil),
	} {
		m := r.Error(400, "badRequest")
		messageHas(t, m, "https")
		headersEverywhere(t, r, false)
	}
	req, _ := s.NewRequest("POST", "/auth/login", "", obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword})
	req.Header.Set("X-Forwarded-Proto", "https")
	s.Send(req).Error(400, "badRequest")
	// Health checks stay reachable.
	if res, err := http.Get(s.Root + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Errorf("healthz: %v %v", res, err)
	}

	// Behind a trusted proxy: X-Forwarded-Proto decides.
	p := secureApp(t, apitest.Options{RequireHTTPS: true, TrustProxy: true,
		Header: http.Header{"X-Forwarded-Proto": {"https"}}})
	if p.Token == "" {
		t.Fatal("no login through the trusted proxy")
	}
	r := p.As("GET", "/data/notes", nil).Status(200)
	headersEverywhere(t, r, true)
	for _, proto := range []string{"http", "", "https, http"} {
		req, _ := p.NewRequest("GET", "/data/notes", p.Token, nil)
		req.Header.Set("X-Forwarded-Proto", proto)
		if proto == "" {
			req.Header["X-Forwarded-Proto"] = nil
		}
		p.Send(req).Error(400, "badRequest")
	}
	// The proxy's entry is the last one.
	req, _ = p.NewRequest("GET", "/data/notes", p.Token, nil)
	req.Header.Set("X-Forwarded-Proto", "http, https")
	p.Send(req).Status(200)

	// Without --require-https plain HTTP works, with no HSTS.
	plain := secureApp(t)
	headersEverywhere(t, plain.As("GET", "/data/notes", nil).Status(200), false)
	for _, r := range []*apitest.Response{plain.As("GET", "/data/nosuch", nil), plain.Do("GET", "/data/notes", "bad", nil)} {
		if r.Code < 400 {
			t.Errorf("status %d, want an error", r.Code)
		}
		headersEverywhere(t, r, false)
	}
}

// selfSigned makes a certificate for 127.0.0.1, valid for an hour.
func selfSigned(t *testing.T) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(42),
		Subject:               pkix.Name{CommonName: "runway test"},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf
}

func TestTLS(t *testing.T) {
	t.Parallel()
	cert, leaf := selfSigned(t)
	s := secureApp(t, apitest.Options{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, RequireHTTPS: true})
	if !strings.HasPrefix(s.URL, "https://") || s.Token == "" {
		t.Fatalf("not serving HTTPS with a login: %s %q", s.URL, s.Token)
	}
	headersEverywhere(t, s.As("GET", "/data/notes", nil).Status(200), true)

	// A client that trusts exactly our certificate verifies the server.
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := s.NewRequest("GET", "/data/notes", s.Token, nil)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.TLS == nil || !res.TLS.PeerCertificates[0].Equal(leaf) {
		t.Errorf("over TLS: %d, certificate not ours", res.StatusCode)
	}
	// One that does not, refuses it.
	req, _ = s.NewRequest("GET", "/data/notes", s.Token, nil)
	if _, err := (&http.Client{Transport: &http.Transport{}}).Do(req); err == nil {
		t.Error("an untrusted self-signed certificate was accepted")
	}
	// Plain HTTP to the TLS port gets no API answer.
	res, err = http.Get(strings.Replace(s.URL, "https://", "http://", 1) + "/data/notes")
	if err == nil {
		res.Body.Close()
		if res.StatusCode == 200 {
			t.Error("plain HTTP to the TLS port answered 200")
		}
	}
}

// ---- allowed IPs ----

func TestAllowedIPs(t *testing.T) {
	t.Parallel()
	s := secureApp(t, apitest.Options{TrustProxy: true})
	member(s, "ola@example.org", "ola-password", "office") // 10.1.0.0/16, 192.0.2.7
	member(s, "two@example.org", "two-password", "relaxed", "office")
	member(s, "any@example.org", "any-password", "relaxed")
	s.CreateUser("sue@example.org", "sue-password", obj{"permissions": obj{"superUser": true},
		"groups": arr{obj{"group": "office"}}})

	m := loginFrom(s, "10.1.2.3", "ola@example.org", "ola-password").Status(200).JSON()
	if m["ip"] != "10.1.2.3" {
		t.Errorf("login ip = %v, want the forwarded client", m["ip"])
	}
	tok := m["token"].(string)
	messageHas(t, loginFrom(s, "10.2.0.1", "ola@example.org", "ola-password").Error(403, "forbidden"), "ip")
	loginFrom(s, "192.0.2.7", "ola@example.org", "ola-password").Status(200)
	loginFrom(s, "::ffff:10.1.9.9", "ola@example.org", "ola-password").Status(200)
	// The last X-Forwarded-For entry is the one the proxy saw.
	loginFrom(s, "10.1.2.3, 203.0.113.5", "ola@example.org", "ola-password").Error(403, "forbidden")
	loginFrom(s, "203.0.113.5, 10.1.2.3", "ola@example.org", "ola-password").Status(200)
	// A wrong password from a refused address is still 401.
	loginFrom(s, "10.2.0.1", "ola@example.org", "wrong-password").Error(401, "unauthorized")
	// Every request is checked, not only the login.
	from(s, "10.1.7.7", "GET", "/data/notes", tok, nil).Status(200)
	from(s, "203.0.113.9", "GET", "/data/notes", tok, nil).Error(403, "forbidden")
	from(s, "203.0.113.9", "POST", "/auth/logout", tok, nil).Error(403, "forbidden")
	// Any group's list counts, a group without one does not lift it.
	loginFrom(s, "203.0.113.9", "two@example.org", "two-password").Error(403, "forbidden")
	loginFrom(s, "10.1.0.1", "two@example.org", "two-password").Status(200)
	loginFrom(s, "203.0.113.9", "any@example.org", "any-password").Status(200)
	// Super users obey allowed IPs; developers do not.
	loginFrom(s, "203.0.113.9", "sue@example.org", "sue-password").Error(403, "forbidden")
	loginFrom(s, "10.1.0.1", "sue@example.org", "sue-password").Status(200)
	admin := s.Login(apitest.AdminEmail, apitest.AdminPassword)
	update(t, s, "sys.users", at(login(s, obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword}).JSON(), "userId"),
		obj{"groups": arr{obj{"group": "office"}}})
	loginFrom(s, "203.0.113.9", apitest.AdminEmail, apitest.AdminPassword).Status(200)
	from(s, "203.0.113.9", "GET", "/data/notes", admin, nil).Status(200)

	// Without --trust-proxy, X-Forwarded-For is the client's to invent and
	// is ignored: the peer address (127.0.0.1) decides.
	d := secureApp(t)
	member(d, "ola@example.org", "ola-password", "office")
	member(d, "lo@example.org", "lo-password", "loopback")
	loginFrom(d, "10.1.2.3", "ola@example.org", "ola-password").Error(403, "forbidden")
	m = loginFrom(d, "10.1.2.3", "lo@example.org", "lo-password").Status(200).JSON()
	if m["ip"] != "127.0.0.1" {
		t.Errorf("login ip = %v, want the peer address", m["ip"])
	}
}

// ---- restApiPermissions ----

func TestRestAPIPermissions(t *testing.T) {
	t.Parallel()
	s := secureApp(t)
	note := create(t, s, "notes", obj{"title": "Hello"})
	notePath := "/data/notes/" + note["id"].(string)
	member(s, "nod@example.org", "nod-password", "noData")
	member(s, "mix@example.org", "mix-password", "noData", "managers")
	s.CreateUser("sue@example.org", "sue-password", obj{"permissions": obj{"superUser": true},
		"groups": arr{obj{"group": "noData"}}})
	nod := s.Login("nod@example.org", "nod-password") // logging in is no data API call
	for _, rq := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/data/notes", nil},
		{"GET", notePath, nil},
		{"POST", "/data/notes", obj{"title": "Mine"}},
		{"PUT", notePath, obj{"title": "Changed"}},
		{"DELETE", notePath, nil},
		{"DELETE", "/data/notes?title=Hello", nil},
		{"GET", "/data/nosuchentity", nil},
		{"PUT", "/data/sys.users/" + note["id"].(string) + "/activate", nil},
	} {
		m := s.Do(rq.method, rq.path, nod, rq.body).Error(403, "forbidden")
		messageHas(t, m, "data api")
	}
	if got := get(t, s, "notes", note["id"]); got["title"] != "Hello" {
		t.Fatalf("the note changed: %v", got)
	}
	s.Do("POST", "/auth/logout", nod, nil).Status(200)
	// ORed with a group without a security block; super users bypass.
	mix := s.Login("mix@example.org", "mix-password")
	s.Do("GET", notePath, mix, nil).Status(200)
	sue := s.Login("sue@example.org", "sue-password")
	s.Do("GET", notePath, sue, nil).Status(200)
}

// ---- impersonation ----

func TestImpersonationRules(t *testing.T) {
	t.Parallel()
	s := secureApp(t)
	member(s, "ed@example.org", strongPassword, "staff")
	member(s, "mia@example.org", "mia-password", "managers") // userImpersonate
	member(s, "ola@example.org", "ola-password", "office")
	s.CreateUser("sue@example.org", "sue-password", obj{"permissions": obj{"superUser": true}})
	s.CreateUser("sam@example.org", "sam-password", obj{"permissions": obj{"superUser": true}})
	s.CreateUser("dev@example.org", "dev-password", obj{"permissions": obj{"developer": true}})
	s.CreateUser("off@example.org", "off-password", obj{"status": "INACTIVE"})
	s.CreateUser("blk@example.org", "blk-password", obj{"status": "BLOCKED"})
	imp := func(email, password, target string) *apitest.Response {
		return login(s, obj{"email": email, "password": password, "emailImpersonatedUser": target})
	}

	m := imp("mia@example.org", "mia-password", "ed@example.org").Status(200).JSON()
	if m["adminUserEmail"] != "mia@example.org" || m["userEmail"] != "ed@example.org" {
		t.Errorf("impersonation answer %v", m)
	}
	// The session acts as Ed: an ordinary user may not read sys.users.
	tok := m["token"].(string)
	s.Do("GET", "/data/notes", tok, nil).Status(200)
	s.Do("GET", "/data/sys.users", tok, nil).Error(403, "forbidden")
	imp("mia@example.org", "mia-password", "sue@example.org").Error(403, "forbidden")
	imp("mia@example.org", "mia-password", "dev@example.org").Error(403, "forbidden")
	imp("mia@example.org", "mia-password", apitest.AdminEmail).Error(403, "forbidden")
	imp("mia@example.org", "mia-password", "ghost@example.org").Error(404, "notFound")
	imp("mia@example.org", "wrong-password", "ed@example.org").Error(401, "unauthorized")
	// No right to manage groups: no impersonation.
	imp("ed@example.org", strongPassword, "mia@example.org").Error(403, "forbidden")
	imp("ola@example.org", "ola-password", "ed@example.org").Error(403, "forbidden")
	// Super users: ordinary users only.
	imp("sue@example.org", "sue-password", "ed@example.org").Status(200)
	imp("sue@example.org", "sue-password", "sam@example.org").Error(403, "forbidden")
	imp("sue@example.org", "sue-password", "dev@example.org").Error(403, "forbidden")
	// Developers: anyone who may log in.
	imp("dev@example.org", "dev-password", "sue@example.org").Status(200)
	imp("dev@example.org", "dev-password", apitest.AdminEmail).Status(200)
	imp("dev@example.org", "dev-password", "off@example.org").Error(403, "forbidden")
	imp("dev@example.org", "dev-password", "blk@example.org").Error(403, "forbidden")
	// The target's allowed IPs hold for the session it opens.
	imp("dev@example.org", "dev-password", "ola@example.org").Error(403, "forbidden")
}

// ---- user actions ----

// passwordInLog finds the password of the last logged mail of that kind.
func passwordInLog(t *testing.T, log *syncBuffer, kind string) string {
	t.Helper()
	re := regexp.MustCompile(`msg="` + kind + `".* password=("(?:[^"\\]|\\.)*"|\S+)`)
	all := re.FindAllStringSubmatch(log.String(), -1)
	if len(all) == 0 {
		t.Fatalf("no %q in the log:\n%s", kind, log.String())
	}
	pw := all[len(all)-1][1]
	if strings.HasPrefix(pw, `"`) { // slog quotes values with = or quotes
		var err error
		if pw, err = strconv.Unquote(pw); err != nil {
			t.Fatal(err)
		}
	}
	return pw
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestUserActions(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	s := secureApp(t, apitest.Options{Log: &log})
	u := member(s, "ed@example.org", strongPassword, "staff")
	id := u["id"].(string)
	path := "/data/sys.users/" + id
	tok := s.Login("ed@example.org", strongPassword)
	other := s.Login("ed@example.org", strongPassword)

	// deactivate: INACTIVE, and every token of the user dies at once.
	r := s.As("PUT", path+"/deactivate", nil).Status(200)
	m := r.JSON()
	if m["status"] != "INACTIVE" || m["version"] != 1.0 || m["id"] != id {
		t.Fatalf("after deactivate: %s", r.Body)
	}
	noPassword(t, r, strongPassword)
	// The answer is the record as a read returns it.
	if !jsonEq(m, get(t, s, "sys.users", id)) {
		t.Errorf("answer %s differs from the stored record", r.Body)
	}
	s.Do("GET", "/data/notes", tok, nil).Error(401, "unauthorized")
	s.Do("GET", "/data/notes", other, nil).Error(401, "unauthorized")
	login(s, obj{"email": "ed@example.org", "password": strongPassword}).Error(403, "forbidden")
	// Preconditions of the built-in actions.
	s.As("PUT", path+"/deactivate", nil).Error(400, "badRequest")
	s.As("PUT", path+"/unblock", nil).Error(400, "badRequest")
	// activate: ACTIVE again.
	if m := s.As("PUT", path+"/activate", obj{}).Status(200).JSON(); m["status"] != "ACTIVE" {
		t.Fatalf("after activate: %v", m["status"])
	}
	s.As("PUT", path+"/activate", nil).Error(400, "badRequest")
	s.Login("ed@example.org", strongPassword)

	// unblock: ACTIVE and no failed attempts.
	update(t, s, "sys.users", id, obj{"status": "BLOCKED", "authentication": obj{"failedLoginAttempts": 7}})
	m = s.As("PUT", path+"/unblock", nil).Status(200).JSON()
	if m["status"] != "ACTIVE" || at(m, "authentication.failedLoginAttempts") != 0.0 {
		t.Fatalf("after unblock: %v %v", m["status"], m["authentication"])
	}

	// resetPassword: a temporary password by "mail", passwordExpired, a
	// BLOCKED user ACTIVE again.
	update(t, s, "sys.users", id, obj{"status": "BLOCKED", "authentication": obj{"failedLoginAttempts": 3}})
	r = s.As("PUT", path+"/resetPassword", nil).Status(200)
	m = r.JSON()
	if m["status"] != "ACTIVE" || at(m, "authentication.passwordExpired") != true || at(m, "authentication.failedLoginAttempts") != 0.0 {
		t.Fatalf("after resetPassword: %s", r.Body)
	}
	temp := passwordInLog(t, &log, "reset password mail")
	noPassword(t, r, temp)
	if strings.Contains(log.String(), strongPassword) {
		t.Error("the old password is in the log")
	}
	login(s, obj{"email": "ed@example.org", "password": strongPassword}).Error(401, "unauthorized")
	s.Login("ed@example.org", temp) // the temporary password meets the staff policy and works
	// Setting a password clears passwordExpired.
	m = update(t, s, "sys.users", id, obj{"authentication": obj{"newPassword": "Chosen-Pass-3", "passwordConfirmation": "Chosen-Pass-3"}})
	if at(m, "authentication.passwordExpired") != false {
		t.Errorf("passwordExpired after a new password: %v", m["authentication"])
	}

	// Who may run them: developers and super users; nobody else.
	s.CreateUser("sue@example.org", "sue-password", obj{"permissions": obj{"superUser": true}})
	sue := s.Login("sue@example.org", "sue-password")
	s.Do("PUT", path+"/deactivate", sue, nil).Status(200)
	s.Do("PUT", path+"/activate", sue, nil).Status(200)
	member(s, "mia@example.org", "mia-password", "managers")
	mia := s.Login("mia@example.org", "mia-password")
	s.Do("PUT", path+"/deactivate", mia, nil).Error(403, "forbidden")
	s.Do("PUT", path+"/resetPassword", mia, nil).Error(403, "forbidden")
	s.Do("PUT", path+"/deactivate", "", nil).Error(401, "unauthorized")
	if got := get(t, s, "sys.users", id); got["status"] != "ACTIVE" {
		t.Fatalf("a refused action changed the user: %v", got["status"])
	}

	// Unknown actions, users, ids; other entities keep their 404.
	s.As("PUT", path+"/frobnicate", nil).Error(404, "notFound")
	s.As("PUT", "/data/sys.users/"+strings.Repeat("0", 24)+"/activate", nil).Error(404, "notFound")
	s.As("PUT", "/data/sys.users/nope/activate", nil).Error(404, "notFound")
	note := create(t, s, "notes", obj{"title": "Hello"})
	s.As("PUT", "/data/notes/"+note["id"].(string)+"/activate", nil).Error(404, "notFound")
	// No parameters, no async.
	s.As("PUT", path+"/deactivate?_async=true", nil).Error(400, "badRequest")
	s.As("PUT", path+"/deactivate?_async=maybe", nil).Error(400, "badRequest")
	s.As("PUT", path+"/deactivate", obj{"notify": true}).FieldError("notify", "invalid")
	if got := get(t, s, "sys.users", id); got["status"] != "ACTIVE" {
		t.Fatalf("a refused call changed the user: %v", got["status"])
	}
	s.As("PUT", path+"/deactivate?_async=false", nil).Status(200)
}
