package app

import (
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"runway/types"
)

// loadClean loads an app that must have no problems at all.
func loadClean(t *testing.T, dir string) *App {
	t.Helper()
	a, probs, err := Load(os.DirFS(dir))
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	for _, p := range probs {
		t.Errorf("unexpected problem: %s", p)
	}
	return a
}

func fieldNames(fs []*Field) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func actionNames(as []*Action) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

// field walks a dotted path and fails the test when it does not exist.
func field(t *testing.T, e *Entity, p string) *Field {
	t.Helper()
	fs := e.Resolve(p)
	if fs == nil {
		t.Fatalf("%s: no field %q", e.FullName, p)
	}
	return fs[len(fs)-1]
}

func walkFields(fs []*Field, fn func(*Field)) {
	for _, f := range fs {
		fn(f)
		walkFields(f.Nested, fn)
	}
}

func TestDemo(t *testing.T) {
	a, probs, err := Load(Demo())
	if err != nil || len(probs) != 0 {
		t.Fatalf("demo: err=%v problems=%v", err, probs)
	}
	if a.Name != "demo" || a.Label != "Demo" || a.DefaultTimezone != "UTC" {
		t.Errorf("app = %q %q %q", a.Name, a.Label, a.DefaultTimezone)
	}
	if want := []string{"companies", "contacts", "skills", "sys.users"}; !reflect.DeepEqual(a.EntityNames, want) {
		t.Errorf("EntityNames = %v, want %v", a.EntityNames, want)
	}

	c := a.Entity("companies")
	wantTypes := map[string]string{
		"name": types.Text, "state": types.Choice, "type": types.Choice, "numberOfEmployees": types.Integer,
		"isCustomer": types.Boolean, "contactInformation": types.Nested, "addresses": types.Nested,
		"homepage": types.URL, "taxId": types.MaskedText, "rating": types.BigNumber, "notes": types.LongText,
		"lastMeeting": types.DateTime, "lastUpdate": types.RecordModified, "created": types.RecordCreated,
		"contactInformation.phoneNumber": types.Phone, "contactInformation.email": types.Email,
		"addresses.addressLine": types.Text, "addresses.zipCode": types.Text, "addresses.city": types.Text,
		"addresses.state": types.Text,
	}
	for p, typ := range wantTypes {
		if got := field(t, c, p).Type; got != typ {
			t.Errorf("companies.%s type = %q, want %q", p, got, typ)
		}
	}
	name := c.Field("name")
	if !name.Unique || !name.Indexable || !name.IsRequired() {
		t.Errorf("companies.name flags: unique=%v indexable=%v required=%v", name.Unique, name.Indexable, name.IsRequired())
	}
	if got := c.Field("taxId").Rules.Mask; got != "999-aaa" {
		t.Errorf("taxId mask = %q", got)
	}
	if mv := c.Field("numberOfEmployees").Rules.MinValue; mv == nil || mv.String() != "0" {
		t.Errorf("numberOfEmployees minValue = %v", mv)
	}
	var states []string
	for _, v := range c.Field("state").Rules.PossibleValues {
		states = append(states, v.Name)
	}
	if !reflect.DeepEqual(states, []string{"active", "pending", "inactive"}) {
		t.Errorf("state values = %v", states)
	}
	addr := c.Field("addresses")
	if !addr.Many || addr.Rules.NestedLabel != "js/addressLabel" {
		t.Errorf("addresses many=%v nestedLabel=%q", addr.Many, addr.Rules.NestedLabel)
	}
	if fn, ok := c.Script.Resolve(addr.Rules.NestedLabel, ArgsNestedLabel...); !ok || fn != "addressLabel" {
		t.Errorf("addressLabel resolves to %q %v", fn, ok)
	}
	if zip := addr.Child("zipCode"); zip.Parent != addr || zip.Path() != "addresses.zipCode" {
		t.Errorf("zipCode parent/path = %p %q", zip.Parent, zip.Path())
	}
	if c.Field("contactInformation").Many {
		t.Error("contactInformation must be single-valued")
	}

	ct := a.Entity("contacts")
	if ct.Field("phoneNumbers").Type != types.Phone || !ct.Field("phoneNumbers").Many {
		t.Error("contacts.phoneNumbers must be phone many")
	}
	if r := ct.Field("company"); r.Type != types.Relationship || r.Rules.Entity != "companies" || !r.IsRequired() {
		t.Errorf("contacts.company = %s %q required=%v", r.Type, r.Rules.Entity, r.IsRequired())
	}
	if r := ct.Field("skills"); !r.Many || r.Rules.Entity != "skills" {
		t.Errorf("contacts.skills many=%v entity=%q", r.Many, r.Rules.Entity)
	}
	if !ct.Field("email").Unique || ct.Field("birthDate").Type != types.Date {
		t.Error("contacts.email unique / birthDate date")
	}
	fullName := ct.Field("fullName")
	if !fullName.Calculated() || !fullName.ReadOnlyType() {
		t.Error("contacts.fullName must be calculated")
	}
	if fn, ok := ct.Script.Resolve(string(fullName.ValueCalculation[1:len(fullName.ValueCalculation)-1]), ArgsValue...); !ok || fn != "fullNameCalculation" {
		t.Errorf("fullName calculation resolves to %q %v", fn, ok)
	}
	date := field(t, ct, "notes.date")
	if date.DefaultKind != DefaultCurrentDate || !date.IsRequired() || !ct.Field("notes").Many {
		t.Errorf("notes.date default=%v required=%v", date.DefaultKind, date.IsRequired())
	}
	addNote := ct.Action("addNote")
	if addNote == nil || addNote.Type != "oneRecord" || len(addNote.Parameters) != 1 || !addNote.Parameters[0].Transient {
		t.Fatalf("addNote = %+v", addNote)
	}
	if fn, ok := ct.Script.Resolve(addNote.Script, ArgsOneRecord...); !ok || fn != "addNoteAction" {
		t.Errorf("addNote script resolves to %q %v", fn, ok)
	}

	sk := a.Entity("skills")
	if !sk.Field("name").Unique || sk.Field("category").Type != types.Choice {
		t.Error("skills fields")
	}

	for name, want := range map[string][]string{
		"companies": {"name"}, "contacts": {"fullName"}, "skills": {"name"}, "sys.users": {"fullName"},
	} {
		if got := a.Entity(name).LabelPath; !reflect.DeepEqual(got, want) {
			t.Errorf("%s LabelPath = %v, want %v", name, got, want)
		}
	}
	for _, name := range []string{"companies", "contacts", "skills"} {
		if !a.Entity(name).HistoryEnabled() {
			t.Errorf("%s: history must be on (§8 Q6)", name)
		}
	}

	g := a.Groups["users"]
	if g == nil || g.ID != "c18e4a93830e61f5e9cfac15" || len(g.EntityPermissions) != 3 {
		t.Fatalf("group users = %+v", g)
	}
	if a.GroupByID(g.ID) != g || !reflect.DeepEqual(a.GroupNames, []string{"users"}) {
		t.Error("GroupByID / GroupNames")
	}
	var ents []string
	for _, ep := range g.EntityPermissions {
		ents = append(ents, ep.Entity)
		if string(ep.Read) != `"always"` || string(ep.Delete) != `"always"` || !ep.Import || !ep.Export {
			t.Errorf("permission %s = %+v", ep.Entity, ep)
		}
	}
	if !reflect.DeepEqual(ents, []string{"companies", "contacts", "skills"}) {
		t.Errorf("group entities = %v", ents)
	}
}

// kitchenTypes are the canonical type ids of app-model.md §2.
var kitchenTypes = []string{"text", "longText", "html", "email", "url", "phone", "maskedText", "qr",
	"integer", "decimal", "money", "percentage", "bigNumber", "autoIncrement", "boolean", "choice",
	"dynamicChoice", "date", "dateTime", "dateTimeNoTimezone", "time", "duration", "dateMonthDay",
	"dateYearMonth", "dateRecordCreated", "dateRecordModified", "color", "rank", "geoPoint", "fileUpload",
	"group", "relationship", "nestedFields"}

func TestKitchen(t *testing.T) {
	a := loadClean(t, "testdata/kitchen")
	if want := []string{"people", "things", "sys.users"}; !reflect.DeepEqual(a.EntityNames, want) {
		t.Errorf("EntityNames = %v, want %v", a.EntityNames, want)
	}
	th := a.Entity("things")
	if th.ID != "0123456789abcdef01234567" {
		t.Errorf("things id %q: the definition's, lower case", th.ID)
	}
	for _, typ := range kitchenTypes {
		f := th.Field(typ)
		if f == nil {
			t.Errorf("things has no field %q", typ)
			continue
		}
		if f.Type != typ || f.Many || f.DefaultKind != DefaultNone {
			t.Errorf("things.%s: type=%q many=%v default=%v", typ, f.Type, f.Many, f.DefaultKind)
		}
	}
	walkFields(th.Fields, func(f *Field) {
		if f.Rules == nil {
			t.Errorf("things.%s: nil Rules", f.Path())
		}
		if !validName(f.Name) {
			t.Errorf("things.%s: bad name", f.Path())
		}
	})

	r := th.Field("shortText").Rules
	if r.MinLength == nil || *r.MinLength != 2 || r.MaxLength == nil || *r.MaxLength != 5 {
		t.Errorf("shortText rules = %+v", r)
	}
	if re := th.Field("code").Rules.Regex; re == nil || re.Expression != "^[A-Z]{3}$" {
		t.Errorf("code regex = %+v", re)
	}
	if r := th.Field("age").Rules; r.MinValue == nil || r.MinValue.String() != "0" || r.MaxValue == nil || r.MaxValue.String() != "150" {
		t.Errorf("age rules = %+v", r)
	}
	if th.Field("price").Type != types.Money {
		t.Error("price must be money")
	}
	if r := th.Field("ratio").Rules; r.NumberOfDecimals == nil || *r.NumberOfDecimals != 2 || r.DecimalLimitRuleType != "round" {
		t.Errorf("ratio rules = %+v", r)
	}
	if f := th.Field("tags"); f.Type != types.Text || !f.Many {
		t.Error("tags must be text many")
	}
	if !th.Field("uniqueCode").Unique || !th.Field("requiredText").IsRequired() || th.Field("text").IsRequired() {
		t.Error("uniqueCode unique / requiredText required / text not required")
	}
	if f := th.Field("defaultStatus"); f.DefaultKind != DefaultLiteral || f.Default != "draft" {
		t.Errorf("defaultStatus default = %v %#v", f.DefaultKind, f.Default)
	}
	if f := th.Field("when"); f.DefaultKind != DefaultCurrentDate {
		t.Errorf("when default kind = %v", f.DefaultKind)
	}
	if f := th.Field("address"); f.Many || !reflect.DeepEqual(fieldNames(f.Nested), []string{"street", "zip"}) || f.Child("zip").Parent != f {
		t.Errorf("address = many %v %v", f.Many, fieldNames(f.Nested))
	}
	items := th.Field("items")
	if !items.Many || !items.Child("name").IsRequired() {
		t.Error("items must be many with name required")
	}
	if q := items.Child("qty"); q.DefaultKind != DefaultLiteral || fmt.Sprint(q.Default) != "1" {
		t.Errorf("items.qty default = %v %#v", q.DefaultKind, q.Default)
	}
	if f := th.Field("owner"); f.Rules.Entity != "people" || f.Many {
		t.Errorf("owner = %+v", f.Rules)
	}
	if f := th.Field("friends"); f.Rules.Entity != "people" || !f.Many {
		t.Errorf("friends = %+v", f.Rules)
	}
	if got := th.LabelPath; !reflect.DeepEqual(got, []string{"text"}) {
		t.Errorf("things LabelPath = %v, want [text] (first single text field, §8 Q14)", got)
	}
	if !th.HistoryEnabled() {
		t.Error("things history")
	}

	p := a.Entity("people")
	if !reflect.DeepEqual(p.LabelPath, []string{"name"}) || !reflect.DeepEqual(p.LookupFields, []string{"name"}) {
		t.Errorf("people LabelPath=%v LookupFields=%v", p.LabelPath, p.LookupFields)
	}
	if p.HistoryEnabled() {
		t.Error("people history must be off")
	}
	if p.ID != EntityID("people") || len(p.ID) != 24 || p.ID == GroupID("people") {
		t.Errorf("people id %q: derived from its name, apart from group ids", p.ID)
	}
	if g := a.Groups["everyone"]; g == nil || g.ID != "12c017fdda9dbd47af2f4d3a" || g.ID != GroupID("everyone") {
		t.Errorf("group everyone = %+v", g)
	}
	if a.Name != "kitchen" || a.DefaultLanguage != "english" {
		t.Errorf("app name %q language %q", a.Name, a.DefaultLanguage)
	}
}

func TestBuiltinUsers(t *testing.T) {
	a := loadClean(t, "testdata/kitchen")
	u := a.Entity("sys.users")
	if u == nil || !u.System || u.Type != "system" || u.File != "model/entities/sys/users.json" {
		t.Fatalf("sys.users = %+v", u)
	}
	if u.RecordLabel != "fields/fullName" || !reflect.DeepEqual(u.LabelPath, []string{"fullName"}) {
		t.Errorf("label %q %v", u.RecordLabel, u.LabelPath)
	}
	top := []string{"firstName", "lastName", "fullName", "email", "emailStandardized", "status", "created",
		"sendWelcomeEmail", "authentication", "groups", "permissions", "localization", "identityProviders", "integrations"}
	if got := fieldNames(u.Fields); !reflect.DeepEqual(got, top) {
		t.Errorf("fields = %v", got)
	}
	walkFields(u.Fields, func(f *Field) {
		if !f.System {
			t.Errorf("sys.users.%s is not system", f.Path())
		}
	})
	want := map[string]string{
		"firstName": types.Text, "lastName": types.Text, "fullName": types.Text, "email": types.Email,
		"emailStandardized": types.Email, "status": types.Choice, "created": types.RecordCreated,
		"sendWelcomeEmail":                types.Boolean,
		"authentication.generatePassword": types.Boolean, "authentication.newPassword": types.Text,
		"authentication.passwordConfirmation": types.Text, "authentication.password": types.Text,
		"authentication.passwordExpired": types.Boolean, "authentication.lastPasswordChange": types.DateTime,
		"authentication.resetPasswordCode": types.Text, "authentication.failedLoginAttempts": types.Integer,
		"authentication.enableTwoFactorAuthentication": types.Boolean, "authentication.twoFactorAuthenticationKey": types.QR,
		"groups.primary": types.Boolean, "groups.external": types.Boolean, "groups.group": types.Group,
		"permissions.superUser": types.Boolean, "permissions.systemUser": types.Boolean, "permissions.developer": types.Boolean,
		"localization.timezoneMode": types.Choice, "localization.timezone": types.Text, "localization.language": types.Choice,
		"identityProviders.name": types.Text, "identityProviders.externalId": types.Text,
	}
	for p, typ := range want {
		if got := field(t, u, p).Type; got != typ {
			t.Errorf("sys.users.%s type = %q, want %q", p, got, typ)
		}
	}
	for _, p := range []string{"firstName", "lastName", "email", "groups.group", "identityProviders.name"} {
		if !field(t, u, p).IsRequired() {
			t.Errorf("%s must be required", p)
		}
	}
	if f := u.Field("fullName"); !f.Calculated() || !f.Indexable {
		t.Error("fullName calculated + indexable")
	}
	if f := u.Field("email"); !f.Unique || !f.Indexable {
		t.Error("email unique + indexable")
	}
	// email's own unique index is case-insensitive, so a duplicate is
	// reported on email, not on this derived field.
	if f := u.Field("emailStandardized"); f.Unique || !f.Indexable || !f.Calculated() {
		t.Error("emailStandardized indexable + calculated, not unique")
	}
	if f := u.Field("status"); f.DefaultKind != DefaultLiteral || f.Default != "ACTIVE" || len(f.Rules.PossibleValues) != 3 {
		t.Errorf("status default %v %#v", f.DefaultKind, f.Default)
	}
	for _, p := range []string{"sendWelcomeEmail", "authentication.generatePassword", "authentication.newPassword", "authentication.passwordConfirmation"} {
		if !field(t, u, p).Transient {
			t.Errorf("%s must be transient", p)
		}
	}
	if f := field(t, u, "authentication.failedLoginAttempts"); f.DefaultKind != DefaultLiteral || fmt.Sprint(f.Default) != "0" {
		t.Errorf("failedLoginAttempts default %v %#v", f.DefaultKind, f.Default)
	}
	if !u.Field("groups").Many || !u.Field("identityProviders").Many || !u.Field("integrations").Many || u.Field("authentication").Many {
		t.Error("multiplicities of nested fields")
	}
	if got := actionNames(u.Actions); !reflect.DeepEqual(got, []string{"activate", "deactivate", "unblock", "resetPassword"}) {
		t.Errorf("actions = %v", got)
	}
	for _, act := range u.Actions {
		if !act.System {
			t.Errorf("action %s not system", act.Name)
		}
		if _, ok := u.Script.Resolve(act.Script, ArgsOneRecord...); !ok {
			t.Errorf("action %s script %q does not resolve", act.Name, act.Script)
		}
	}
	if a.Scripts[usersJS] != u.Script || u.Script == nil {
		t.Error("builtin script must be registered as model/entities/sys/users.js")
	}
	if !u.HistoryEnabled() {
		t.Error("sys.users history")
	}
}

func TestUsersMerge(t *testing.T) {
	a, probs, err := Load(os.DirFS("testdata/users-merge"))
	if err != nil {
		t.Fatal(err)
	}
	assertProblems(t, probs, true, []string{
		"model/entities/sys/users.js|",
		"model/entities/sys/users.json|fields[0].name",
		"model/entities/sys/users.json|actions[1].name",
	})
	u := a.Entity("sys.users")
	if u.Label != "People" || !u.System || u.File != "model/entities/sys/users.json" {
		t.Errorf("merged entity label=%q system=%v file=%q", u.Label, u.System, u.File)
	}
	names := fieldNames(u.Fields)
	if names[0] != "firstName" || names[len(names)-1] != "nickname" || len(names) != 15 {
		t.Errorf("fields = %v", names)
	}
	if u.Field("email").Type != types.Email || !u.Field("email").Unique {
		t.Error("system field email must keep the built-in definition")
	}
	if f := u.Field("nickname"); f.DefaultKind != DefaultScript || f.DefaultScript != "js/nicknameDefault" {
		t.Errorf("nickname = %+v", f)
	}
	if got := actionNames(u.Actions); !reflect.DeepEqual(got, []string{"activate", "deactivate", "unblock", "resetPassword", "sayHi"}) {
		t.Errorf("actions = %v", got)
	}
	if fn, ok := u.Script.Resolve(u.Action("sayHi").Script, ArgsOneRecord...); !ok || fn != "sayHiAction" {
		t.Errorf("sayHi resolves to %q %v", fn, ok)
	}
	for _, fn := range []string{"nicknameDefault", "sayHiAction", "activateAction", "fullNameCalculation"} {
		if _, ok := u.Script.Functions[fn]; !ok {
			t.Errorf("merged script lacks %s", fn)
		}
	}
	// the app's code comes first, the built-in last (its functions win)
	if i, j := strings.Index(u.Script.Source, "'overridden'"), strings.Index(u.Script.Source, "sys.internal.users.activate"); i < 0 || j < i {
		t.Errorf("merged source order: %d %d", i, j)
	}
	if a.Namespaces["sys"] != "System" {
		t.Errorf("namespaces = %v", a.Namespaces)
	}
	if g := a.Groups["admins"]; g.ID != "aaaaaaaaaaaaaaaaaaaaaaaa" || !g.UserImpersonate || a.GroupByID(g.ID) != g {
		t.Errorf("admins = %+v", g)
	}
	if g := a.Groups["developers"]; g.ID != GroupID("developers") || len(g.ID) != 24 {
		t.Errorf("developers id = %q", g.ID)
	}
	if !reflect.DeepEqual(a.GroupNames, []string{"admins", "developers"}) {
		t.Errorf("GroupNames = %v", a.GroupNames)
	}
}

func TestInheritance(t *testing.T) {
	a := loadClean(t, "testdata/inherit")
	if a.Entity("base") != nil {
		t.Error("abstract entity must not be in Entities")
	}
	if !reflect.DeepEqual(a.EntityNames, []string{"tasks", "sys.users"}) {
		t.Errorf("EntityNames = %v", a.EntityNames)
	}
	e := a.Entity("tasks")
	if got := fieldNames(e.Fields); !reflect.DeepEqual(got, []string{"title", "created", "done"}) {
		t.Errorf("fields = %v", got)
	}
	if got := actionNames(e.Actions); !reflect.DeepEqual(got, []string{"archive", "finish"}) {
		t.Errorf("actions = %v", got)
	}
	if len(e.Indexes) != 2 || e.Indexes[0].Name != "byTitle" || e.Indexes[1].Name != "byDone" || e.Indexes[0].Type != "normal" {
		t.Errorf("indexes = %+v", e.Indexes)
	}
	if !reflect.DeepEqual(e.LabelPath, []string{"title"}) || !e.HistoryEnabled() {
		t.Errorf("LabelPath = %v history=%v", e.LabelPath, e.HistoryEnabled())
	}
	for _, act := range e.Actions {
		if _, ok := e.Script.Resolve(act.Script); !ok {
			t.Errorf("%s: %q does not resolve in the merged script", act.Name, act.Script)
		}
	}
}

func TestLoadDirNamesApp(t *testing.T) {
	a, _, err := LoadDir("testdata/inherit")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "inherit" || a.Label != "inherit" {
		t.Errorf("name %q label %q", a.Name, a.Label)
	}
}

func TestWarningsOnly(t *testing.T) {
	a, probs, err := Load(os.DirFS("testdata/warnings"))
	if err != nil {
		t.Fatalf("warnings must not fail the load: %v", err)
	}
	assertProblems(t, probs, true, []string{
		"app.json|color",
		"extensions/plugins|",
		"extensions/services/pdf.json|serviceType",
		"model/entities/e.json|views",
		"model/entities/e.json|settings.foo",
		"model/entities/e.json|fields[0].colour",
		"model/entities/e.json|actions[0].foo",
		"security/groups/g.json|extra",
		"security/groups/g.json|security.passwordPolicies.require2FA",
		"model/listeners/fromPlugin.json|type",
		"model/types/typesDisplayOptions/blob/defaultBlobDisplayOptions.json|type",
	})
	if a.InitializationScript != "js/init" || a.Script == nil || a.Script.Functions["init"] == nil {
		t.Errorf("init script %q %+v", a.InitializationScript, a.Script)
	}
	if !reflect.DeepEqual(a.JobQueues, []JobQueue{{Name: "heavy", MaxThreads: 2}}) {
		t.Errorf("job queues = %+v", a.JobQueues)
	}
	if a.DisplayOptions["money"]["symbol"] != "€" {
		t.Errorf("display options = %v", a.DisplayOptions)
	}
	if len(a.Libraries) != 1 || a.Libraries[0].Name != "commons.stringUtils" || a.Libraries[0].Script == nil {
		t.Errorf("libraries = %+v", a.Libraries)
	}
	if len(a.Listeners) != 1 || a.Listeners[0].Name != "tick" || a.Listeners[0].Type != "time" {
		t.Fatalf("listeners = %+v", a.Listeners)
	}
	if _, ok := a.Listeners[0].Script.Resolve(a.Listeners[0].Action, ArgsListener...); !ok {
		t.Error("tick action does not resolve")
	}
	if a.Entity("e").Field("a") == nil {
		t.Error("entity with unknown keys must still load")
	}
}

// assertProblems compares problems of one kind (warnings or errors), as
// "file|path", with want, ignoring order; problems of the other kind must
// not exist.
func assertProblems(t *testing.T, probs []Problem, warnings bool, want []string) {
	t.Helper()
	var got []string
	for _, p := range probs {
		if p.Warning != warnings {
			t.Errorf("unexpected problem: %s", p)
			continue
		}
		got = append(got, p.File+"|"+p.Path)
	}
	sort.Strings(got)
	want = append([]string(nil), want...)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got  %q\n want %q\nall: %v", got, want, probs)
	}
}

func TestBrokenApps(t *testing.T) {
	cases := map[string][]string{
		"broken-types": {
			"model/entities/a.json|fields[1].type",
			"model/entities/a.json|fields[2].type",
			"model/entities/a.json|fields[4].multiplicity",
			"model/entities/z.json|",
		},
		"broken-duplicates": {
			"model/entities/a.json|fields[2].name",
			"model/entities/a.json|fields[3].nestedFields[1].name",
			"model/entities/a.json|actions[1].name",
			"model/entities/b.json|name",
			"model/entities/c.json|fullName",
		},
		"broken-references": {
			"model/entities/a.json|fields[0].typeRules.entity",
			"model/entities/a.json|fields[1].typeRules.entity",
			"model/entities/a.json|fields[2].typeRules.nestedLabel",
			"model/entities/a.json|fields[3].typeRules.copiedFields[1]",
			"model/entities/a.json|fields[6].typeRules.groups[1]",
			"model/entities/a.json|recordLabel",
			"model/entities/a.json|lookupFields[0]",
			"model/entities/a.json|lookupFields[1]",
			"model/entities/a.json|indexes[0].fields[1]",
			"model/entities/b.json|id",
			"security/groups/bad.json|id",
		},
		"broken-scripts": {
			"model/entities/a.json|fields[0].valueCalculation",
			"model/entities/a.json|recordLabel",
			"model/entities/b.json|fields[0].defaultValue",
			"model/entities/b.json|fields[4].readAccess",
			"model/entities/b.json|actions[2].actions",
			"model/entities/b.json|actions[4].actions",
			"model/listeners/onA.json|action",
			"model/listeners/onA.json|entity",
			"model/listeners/onA.json|events[1].type",
			"model/listeners/onB.json|events[0].actions[1]",
			"model/listeners/onC.json|expression",
			"model/listeners/onD.json|expression",
			"model/listeners/onE.json|timezone",
			"model/listeners/onF.json|events[0].condition",
			"model/listeners/onF.json|events[1].condition",
		},
		"broken-flags": {
			"model/entities/f.json|fields[0].unique",
			"model/entities/f.json|fields[1].multiplicity",
			"model/entities/f.json|fields[2].defaultValue",
			"model/entities/f.json|fields[3].required",
			"model/entities/f.json|fields[4].indexable",
			"model/entities/f.json|fields[5].valueCalculation",
			"model/entities/f.json|fields[6].sensitiveData",
			"model/entities/f.json|fields[7].unique",
			"model/entities/f.json|fields[8].nestedFields[0].unique",
			"model/entities/f.json|fields[8].nestedFields[1].nestedFields[0].unique",
			"model/entities/f.json|fields[9].typeRules.regularExpression.expression",
			"model/entities/f.json|fields[10].typeRules.regularExpression.expression",
			"model/entities/f.json|fields[11].defaultValue",
			"model/entities/f.json|fields[12].defaultValue",
			"model/entities/f.json|fields[13].defaultValue",
			"model/entities/f.json|fields[14].name",
			"model/entities/f.json|fields[15].name",
			"model/entities/f.json|fields[20].defaultValue",
			"model/entities/f.json|actions[0].name",
			"model/entities/f.json|actions[1].type",
		},
		"broken-entities": {
			"model/entities/bad_name.json|name",
			"model/entities/calc.json|type",
			"model/entities/weird.json|type",
			"model/entities/child.json|fields[0].name",
			"model/entities/loopb.json|parentEntity",
			"model/entities/orphan.json|parentEntity",
			"model/entities/usesBase.json|fields[0].typeRules.entity",
		},
	}
	for dir, want := range cases {
		t.Run(dir, func(t *testing.T) {
			a, probs, err := Load(os.DirFS("testdata/" + dir))
			if err == nil || a == nil {
				t.Fatalf("Load: err=%v app=%v; want an error and the partial app", err, a)
			}
			var errs []Problem
			for _, p := range probs {
				if !p.Warning {
					errs = append(errs, p)
				}
			}
			assertProblems(t, errs, false, want)
			if !strings.Contains(err.Error(), fmt.Sprintf("%d error(s)", len(want))) {
				t.Errorf("error %q does not count %d errors", err, len(want))
			}
		})
	}
}

func TestBrokenDetails(t *testing.T) {
	_, probs, _ := Load(os.DirFS("testdata/broken-types"))
	msg := map[string]string{}
	for _, p := range probs {
		msg[p.File+"|"+p.Path] = p.Message
	}
	if m := msg["model/entities/z.json|"]; !strings.Contains(m, "line 2") {
		t.Errorf("JSON syntax error should name the line: %q", m)
	}
	if m := msg["model/entities/a.json|fields[1].type"]; !strings.Contains(m, `"texty"`) {
		t.Errorf("unknown type message: %q", m)
	}

	a, _, _ := Load(os.DirFS("testdata/broken-flags"))
	f := a.Entity("f")
	if d := f.Field("okInt"); d.DefaultKind != DefaultLiteral || fmt.Sprint(d.Default) != "0" {
		t.Errorf("okInt default 0.0 = %v %#v (§8 Q26)", d.DefaultKind, d.Default)
	}
	if d := f.Field("okTags"); d.DefaultKind != DefaultLiteral || !reflect.DeepEqual(d.Default, []any{"a", "b"}) {
		t.Errorf("okTags default = %#v", d.Default)
	}
	if single := f.Field("single"); !single.Child("code").Unique {
		t.Error("unique inside a single nested field is allowed")
	}

	a, _, _ = Load(os.DirFS("testdata/broken-scripts"))
	b := a.Entity("b")
	if fn, ok := b.Script.Resolve(b.Action("bulk").Script, ArgsManyRecords...); !ok || fn != "bulkAction" {
		t.Errorf("bulk resolves to %q %v (single manyRecords function)", fn, ok)
	}
	if fn, ok := b.Script.Resolve(b.RecordLabel, ArgsLabel...); !ok || fn != "bRecordNameScript" {
		t.Errorf("recordLabel resolves to %q %v", fn, ok)
	}
	if b.LabelPath != nil {
		t.Errorf("js recordLabel must give a nil LabelPath, got %v", b.LabelPath)
	}
	// syncAccess not false: writeAccess follows readAccess
	if w := b.Field("bad").WriteAccess; string(w) != `"sometimes"` {
		t.Errorf("writeAccess = %s", w)
	}
}

func TestLoadDirMissing(t *testing.T) {
	if _, _, err := LoadDir("testdata/does-not-exist"); err == nil {
		t.Error("LoadDir of a missing folder must fail")
	}
}
