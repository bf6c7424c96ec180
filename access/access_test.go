package access

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"runway/app"
)

// secure compiles the security test app, which must have no problems.
func secure(t *testing.T) *Rules {
	t.Helper()
	a, _, err := app.Load(os.DirFS("../app/testdata/secure"))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	r, problems, err := Compile(a)
	if err != nil {
		t.Fatalf("compile: %v %v", err, problems)
	}
	for _, p := range problems {
		t.Errorf("unexpected problem: %s", p)
	}
	return r
}

func member(groups ...string) Subject { return Subject{Role: Member, Groups: groups} }

func TestRestAPIPermissions(t *testing.T) {
	r := secure(t)
	cases := []struct {
		s    Subject
		api  API
		want bool
	}{
		{member("noData"), DataAPI, false},
		{member("noData"), FilesUploadAPI, false},
		{member("noData"), JobsAPI, false},
		{member("noData"), FilesReadAPI, true},
		{member("noData"), DataAPI | FilesReadAPI, false},
		// ORed across groups; a group without a security block (managers)
		// or without restApiPermissions (shortSession) allows all.
		{member("noData", "managers"), DataAPI, true},
		{member("noData", "shortSession"), JobsAPI, true},
		{member("staff"), DataAPI | JobsAPI | FilesUploadAPI, true},
		// No group: nothing restricts.
		{member(), DataAPI, true},
		// Unknown groups are ignored.
		{member("noData", "ghost"), DataAPI, false},
		{Subject{Role: SuperUser, Groups: []string{"noData"}}, DataAPI, true},
		{Subject{Role: Developer, Groups: []string{"noData"}}, AllAPIs, true},
	}
	for _, c := range cases {
		if got := r.For(c.s).AllowsAPI(c.api); got != c.want {
			t.Errorf("%v AllowsAPI(%v) = %v, want %v", c.s, c.api, got, c.want)
		}
	}
	var nilPolicy *Policy
	if !nilPolicy.AllowsAPI(DataAPI) || !nilPolicy.AllowsIP("10.9.9.9") {
		t.Error("a nil policy (no groups) must allow every API and address")
	}
}

func TestAllowedIPs(t *testing.T) {
	r := secure(t)
	office := r.For(member("office"))
	for ip, want := range map[string]bool{
		"10.1.0.1":         true,
		"10.1.255.254":     true,
		"10.2.0.1":         false,
		"192.0.2.7":        true,
		"192.0.2.8":        false,
		"::ffff:10.1.3.4":  true, // IPv4-mapped
		"2001:db8::1":      false,
		"not an ip":        false,
		"":                 false,
		"fe80::1%eth0":     false,
		"::ffff:192.0.2.7": true,
	} {
		if got := office.AllowsIP(ip); got != want {
			t.Errorf("office AllowsIP(%q) = %v, want %v", ip, got, want)
		}
	}
	if !office.RestrictsIPs() {
		t.Error("office restricts IPs")
	}
	// Any entry of any group matches.
	both := r.For(member("office", "loopback"))
	for _, ip := range []string{"127.0.0.1", "::1", "10.1.2.3"} {
		if !both.AllowsIP(ip) {
			t.Errorf("office+loopback refuses %s", ip)
		}
	}
	if both.AllowsIP("10.2.0.1") {
		t.Error("office+loopback allows 10.2.0.1")
	}
	// A group that lists none adds no restriction, but does not lift the
	// restriction of another group.
	if r.For(member("staff")).RestrictsIPs() || !r.For(member("staff")).AllowsIP("203.0.113.9") {
		t.Error("staff lists no IPs: any address")
	}
	if r.For(member("office", "staff")).AllowsIP("203.0.113.9") {
		t.Error("office+staff allows an address outside office's list")
	}
	// Super users obey allowed IPs, developers do not.
	if r.For(Subject{Role: SuperUser, Groups: []string{"office"}}).AllowsIP("203.0.113.9") {
		t.Error("super user bypassed allowed IPs")
	}
	if !r.For(Subject{Role: Developer, Groups: []string{"office"}}).AllowsIP("203.0.113.9") {
		t.Error("developer did not bypass allowed IPs")
	}
}

func TestPasswordAndSessionPolicies(t *testing.T) {
	r := secure(t)
	staff := r.For(member("staff", "relaxed"))
	pp := staff.Password()
	want := PasswordPolicy{MinLength: 10, RequireCapital: true, RequireLowerCase: true, RequireNumber: true,
		RequireSymbol: true, Expires: 30 * 24 * time.Hour, MaxLoginAttempts: 3}
	if pp != want {
		t.Errorf("staff password policy = %+v, want %+v", pp, want)
	}
	if staff.Primary() != "staff" {
		t.Errorf("primary = %q, want the first group", staff.Primary())
	}
	// The primary group decides the password policy...
	relaxed := r.For(Subject{Groups: []string{"staff", "relaxed"}, Primary: "relaxed"})
	if got := relaxed.Password(); got != (PasswordPolicy{MinLength: MinPasswordLength}) {
		t.Errorf("relaxed primary: password policy %+v (validateMinimumLength false keeps the floor only)", got)
	}
	// ...but the logout time is the shortest across groups ("never" loses).
	if got := relaxed.Session().IdleTimeout; got != time.Hour {
		t.Errorf("relaxed+staff idle timeout = %v, want 1h", got)
	}
	if got := r.For(member("relaxed")).Session().IdleTimeout; got != NoTimeout {
		t.Errorf("relaxed idle timeout = %v, want never", got)
	}
	if got := r.For(member("staff", "shortSession")).Session().IdleTimeout; got != 15*time.Minute {
		t.Errorf("staff+shortSession idle timeout = %v, want 15m", got)
	}
	if got := r.For(member("managers")).Session().IdleTimeout; got != 0 {
		t.Errorf("managers idle timeout = %v, want 0 (server default)", got)
	}
	// A primary group that is not among the groups is not primary.
	if p := r.For(Subject{Groups: []string{"relaxed"}, Primary: "staff"}); p.Primary() != "relaxed" {
		t.Errorf("primary = %q, want relaxed", p.Primary())
	}
	// Policies are cached per role and group list.
	if r.For(member("staff", "relaxed")) != staff {
		t.Error("the same subject got a new policy")
	}
	if r.For(Subject{Role: SuperUser, Groups: []string{"staff", "relaxed"}}) == staff {
		t.Error("another role shares the policy")
	}
}

func TestPasswordCheck(t *testing.T) {
	pp := PasswordPolicy{MinLength: 10, RequireCapital: true, RequireLowerCase: true, RequireNumber: true, RequireSymbol: true}
	rules := func(pw string) string {
		var out []string
		for _, v := range pp.Check(pw) {
			if pw != "" && strings.Contains(v.Message, pw) {
				t.Errorf("message %q quotes the password", v.Message)
			}
			out = append(out, v.Rule)
		}
		return strings.Join(out, ",")
	}
	for pw, want := range map[string]string{
		"Abcdef-123":  "",
		"Ñandú-2024x": "",
		"Abc-1":       "minimumLength",
		"abcdef-1234": "requireCapital",
		"ABCDEF-1234": "requireLowerCase",
		"Abcdef-ghij": "requireNumber",
		"Abcdef12345": "requireSymbol",
		"Abcdef 1234": "requireSymbol", // a space is no symbol
		"Abcdef€1234": "",
		"short":       "minimumLength,requireCapital,requireNumber,requireSymbol",
		"":            "minimumLength,requireCapital,requireLowerCase,requireNumber,requireSymbol",
		"ÀÉÎÕÜ-12345": "requireLowerCase",
		"ab€12345678": "requireCapital",
	} {
		if got := rules(pw); got != want {
			t.Errorf("Check(%q) = %q, want %q", pw, got, want)
		}
	}
	// The floor holds whatever the policy says; length counts characters.
	if v := (PasswordPolicy{MinLength: 2}).Check("ñññññ"); len(v) != 1 || v[0].Rule != "minimumLength" {
		t.Errorf("5 characters with MinLength 2: %v, want the floor of 6", v)
	}
	if v := (PasswordPolicy{}).Check("ññññññ"); v != nil {
		t.Errorf("6 two-byte characters: %v", v)
	}
	// Generated passwords satisfy the strictest policy.
	for range 200 {
		if pw := pp.Generate(); pp.Check(pw) != nil || len(pw) < 16 {
			t.Fatalf("generated %q breaks %v", pw, pp.Check(pw))
		}
	}
	if pw := (PasswordPolicy{MinLength: 40}).Generate(); len(pw) != 40 {
		t.Errorf("generated %d characters, want 40", len(pw))
	}
	if a, b := pp.Generate(), pp.Generate(); a == b {
		t.Error("two generated passwords are equal")
	}
}

func TestPasswordExpired(t *testing.T) {
	pp := PasswordPolicy{Expires: 30 * 24 * time.Hour}
	set := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if pp.Expired(set.UnixMilli(), set.Add(29*24*time.Hour)) {
		t.Error("expired after 29 days")
	}
	if !pp.Expired(set.UnixMilli(), set.Add(30*24*time.Hour+time.Second)) {
		t.Error("not expired after 30 days")
	}
	if (PasswordPolicy{}).Expired(set.UnixMilli(), set.Add(10000*24*time.Hour)) {
		t.Error("never expires")
	}
	if pp.Expired(0, set) {
		t.Error("unknown change date expired")
	}
}

func TestImpersonationRights(t *testing.T) {
	r := secure(t)
	cases := []struct {
		who    Subject
		target Role
		want   bool
	}{
		{Subject{Role: Developer}, Member, true},
		{Subject{Role: Developer}, SuperUser, true},
		{Subject{Role: Developer}, Developer, true},
		{Subject{Role: Developer}, System, false},
		{Subject{Role: SuperUser}, Member, true},
		{Subject{Role: SuperUser}, SuperUser, false},
		{Subject{Role: SuperUser}, Developer, false},
		{member("managers"), Member, true},
		{member("staff", "managers"), Member, true}, // any group
		{member("managers"), SuperUser, false},
		{member("managers"), Developer, false},
		{member("staff"), Member, false},
		{member(), Member, false},
	}
	for _, c := range cases {
		if got := r.For(c.who).MayImpersonate(c.target); got != c.want {
			t.Errorf("%+v MayImpersonate(%v) = %v, want %v", c.who, c.target, got, c.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"app.json": {Data: []byte(`{"name": "bad"}`)},
		"security/groups/bad.json": {Data: []byte(`{"name": "bad", "userImpersonate": true, "security": {
			"passwordPolicies": {"passwordExpires": "fortnight", "maximumLoginAttempts": -1, "minimumLength": "8",
				"requireCapital": "yes", "colour": 1},
			"sessionPolicies": {"automaticLogoutTime": "tenMinutes"},
			"restApiPermissions": {"allowDataApi": 1, "allowEverything": true},
			"allowedIPs": ["10.0.0.0/33", "300.1.1.1", 7, "10.0.0.1"],
			"other": {}}}`)},
		"security/groups/notobject.json": {Data: []byte(`{"name": "notobject", "security": {"sessionPolicies": 8}}`)},
		"security/groups/good.json":      {Data: []byte(`{"name": "good"}`)},
	}
	a, _, err := app.Load(fsys)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	r, problems, err := Compile(a)
	if err == nil {
		t.Fatal("no error for bad security blocks")
	}
	var errs, warns []string
	for _, p := range problems {
		if p.File == "" {
			t.Errorf("problem without file: %s", p)
		}
		if p.Warning {
			warns = append(warns, p.Path)
		} else {
			errs = append(errs, p.Path)
		}
	}
	wantErrs := []string{
		"security.allowedIPs[0]", "security.allowedIPs[1]", "security.allowedIPs[2]",
		"security.passwordPolicies.maximumLoginAttempts", "security.passwordPolicies.minimumLength",
		"security.passwordPolicies.passwordExpires", "security.passwordPolicies.requireCapital",
		"security.restApiPermissions.allowDataApi", "security.sessionPolicies.automaticLogoutTime",
	}
	if len(errs) != len(wantErrs)+1 {
		t.Errorf("errors at %v, want %v and security.sessionPolicies", errs, wantErrs)
	}
	wantErrs = append(wantErrs, "security.sessionPolicies")
	for _, w := range wantErrs {
		found := false
		for _, e := range errs {
			found = found || e == w
		}
		if !found {
			t.Errorf("no error at %s (errors at %v)", w, errs)
		}
	}
	for _, w := range []string{"security.other", "security.passwordPolicies.colour", "security.restApiPermissions.allowEverything"} {
		found := false
		for _, e := range warns {
			found = found || e == w
		}
		if !found {
			t.Errorf("no warning at %s (warnings at %v)", w, warns)
		}
	}
	for _, p := range problems {
		if strings.Contains(p.Message, "fortnight") && !strings.Contains(p.Message, "oneMonth") {
			t.Errorf("message does not list the valid values: %s", p)
		}
	}
	// A bad group fails closed: no API, no address, no impersonation; the
	// good group still works.
	bad := r.For(member("bad"))
	if bad.AllowsAPI(DataAPI) || bad.AllowsAPI(FilesReadAPI) || bad.AllowsIP("10.0.0.1") || bad.MayImpersonate(Member) {
		t.Error("an invalid group grants something")
	}
	if !r.For(member("notobject", "good")).AllowsAPI(DataAPI) {
		t.Error("the good group lost its rights")
	}
}
