package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"runway/api"
	"runway/api/apitest"
	"runway/app"
)

// contract checks requests and answers of a test server against the
// OpenAPI document the server serves, with a maintained OpenAPI library
// (libopenapi and its validator: OpenAPI 3.1, JSON Schema 2020-12).
type contract struct {
	t   *testing.T
	s   *apitest.Server
	doc map[string]any
	v   validator.Validator
}

// newContract fetches the server's document (no token needed) and checks
// it against the OpenAPI 3.1 specification.
func newContract(t *testing.T, s *apitest.Server) *contract {
	t.Helper()
	r := s.Do("GET", "/openapi.json", "", nil).Status(200)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	c := &contract{t: t, s: s, v: validateDocument(t, r.Body)}
	r.Decode(&c.doc)
	return c
}

// validateDocument loads an OpenAPI document and validates it against the
// specification's schema, failing the test on any error.
func validateDocument(t *testing.T, b []byte) validator.Validator {
	t.Helper()
	doc, err := libopenapi.NewDocument(b)
	if err != nil {
		t.Fatalf("load the OpenAPI document: %v", err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Fatalf("OpenAPI version %q", v)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("document: %s: %s", e.Message, e.Reason)
			for _, f := range e.SchemaValidationErrors {
				t.Errorf("  %s at %s", f.Reason, f.FieldPath)
			}
		}
		t.FailNow()
	}
	return v
}

// call sends a request and fails the test unless the request and the
// answer both agree with the document.
func (c *contract) call(method, path, token string, body any) *apitest.Response {
	c.t.Helper()
	return c.send(method, path, token, body, true)
}

// bad sends a request the document does not allow (the server must
// refuse it) and fails the test unless the answer agrees with the
// document.
func (c *contract) bad(method, path, token string, body any) *apitest.Response {
	c.t.Helper()
	return c.send(method, path, token, body, false)
}

func (c *contract) send(method, path, token string, body any, valid bool) *apitest.Response {
	c.t.Helper()
	req, err := c.s.NewRequest(method, path, token, body)
	if err != nil {
		c.t.Fatal(err)
	}
	var sent []byte
	if req.Body != nil {
		sent, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(sent))
	}
	res := c.s.Send(req)
	vreq, err := http.NewRequest(method, c.s.URL+path, bytes.NewReader(sent))
	if err != nil {
		c.t.Fatal(err)
	}
	vreq.Header = req.Header.Clone()
	hres := &http.Response{StatusCode: res.Code, Header: res.Header, Body: io.NopCloser(bytes.NewReader(res.Body)), Request: vreq}
	validate := c.v.ValidateHttpRequestResponse
	if !valid {
		validate = c.v.ValidateHttpResponse
	}
	if ok, errs := validate(vreq, hres); !ok {
		for _, e := range errs {
			c.t.Errorf("%s %s → %d: %s: %s", method, path, res.Code, e.Message, e.Reason)
			for _, f := range e.SchemaValidationErrors {
				c.t.Errorf("  %s at %s", f.Reason, f.FieldPath)
			}
		}
		c.t.Fatalf("answer: %.2000s", res.Body)
	}
	return res
}

// TestOpenAPIDocuments validates the document of every valid app of the
// test data (the sample app's among them) and of the demo app.
func TestOpenAPIDocuments(t *testing.T) {
	t.Parallel()
	dirs, _ := filepath.Glob("../app/testdata/*")
	apps := map[string]*app.App{}
	for _, dir := range dirs {
		if strings.Contains(dir, "broken") {
			continue
		}
		a, _, err := app.LoadDir(dir)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		apps[filepath.Base(dir)] = a
	}
	demoApp, _, err := app.Load(app.Demo())
	if err != nil {
		t.Fatal(err)
	}
	apps["demo"] = demoApp
	if apps["sample"] == nil || len(apps) < 5 {
		t.Fatalf("apps: %v", apps)
	}
	for name, a := range apps {
		t.Run(name, func(t *testing.T) {
			b, err := api.OpenAPIDocument(a, api.Config{Env: "prod"})
			if err != nil {
				t.Fatal(err)
			}
			validateDocument(t, b)
			var doc struct {
				Servers []struct{ URL string }
				Paths   map[string]map[string]any
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Servers) != 1 || doc.Servers[0].URL != "/prod/runtime/api" {
				t.Errorf("servers %v", doc.Servers)
			}
			for _, name := range a.EntityNames {
				if doc.Paths["/data/"+name] == nil || doc.Paths["/data/"+name+"/{id}"] == nil {
					t.Errorf("entity %s has no paths", name)
				}
			}
		})
	}
}

// TestOpenAPIRoutes checks the document against the server's own routing:
// every operation it documents is served by a route (not the JSON 404),
// and every route but that 404 has an operation. A new route without a
// describer (api/openapi_*.go) fails here.
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	for _, fsys := range []fs.FS{nil, os.DirFS("../app/testdata/perms"), os.DirFS("../app/testdata/sample")} {
		s := apitest.Start(t, fsys)
		c := newContract(t, s)
		served := map[string]bool{}
		paths, _ := c.doc["paths"].(map[string]any)
		for path, v := range paths {
			item := v.(map[string]any)
			prefix := strings.TrimPrefix(s.URL, s.Root)
			if servers, ok := item["servers"].([]any); ok {
				prefix = strings.TrimSuffix(servers[0].(map[string]any)["url"].(string), "/")
			}
			for method, v := range item {
				op, ok := v.(map[string]any)
				if method == "servers" || !ok {
					continue
				}
				concrete := path
				params, _ := op["parameters"].([]any)
				for _, p := range params {
					p := p.(map[string]any)
					if p["in"] == "path" {
						concrete = strings.Replace(concrete, "{"+p["name"].(string)+"}", p["example"].(string), 1)
					}
				}
				if strings.Contains(concrete, "{") {
					t.Errorf("%s %s: a path parameter has no example", method, path)
					continue
				}
				req := httptest.NewRequest(strings.ToUpper(method), prefix+concrete, nil)
				route := strings.Replace(s.API.Route(req), prefix, "", 1)
				if route == "/" {
					t.Errorf("%s %s is documented but no route serves it", strings.ToUpper(method), path)
				}
				served[route] = true
			}
		}
		base := strings.TrimPrefix(s.URL, s.Root)
		for _, r := range s.API.Routes() {
			if r = strings.Replace(r, base, "", 1); r != "/" && !served[r] {
				t.Errorf("route %q has no operation in the OpenAPI document (describe it in api/openapi_*.go)", r)
			}
		}
	}
}

// TestOpenAPIOff: --no-openapi serves no document.
func TestOpenAPIOff(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, nil, apitest.Options{NoOpenAPI: true})
	s.Do("GET", "/openapi.json", "", nil).Error(404, "notFound")
}

// TestOpenAPIAnswers drives the demo app through the document's eyes:
// every request and every answer — records created, read, listed (native
// and plainText), updated, deleted, actions (one record, a list, a query,
// a custom response, in a job), jobs and their logs, login, and the errors
// — must agree with the schemas the document declares.
func TestOpenAPIAnswers(t *testing.T) {
	t.Parallel()
	s := demo(t)
	c := newContract(t, s)
	tok := s.Token

	login := c.call("POST", "/auth/login", "", obj{"email": apitest.AdminEmail, "password": apitest.AdminPassword}).Status(200).JSON()
	if login["token"] == "" {
		t.Fatal("no token")
	}
	acme := c.call("POST", "/data/companies", tok, obj{"name": "Acme", "state": "active", "numberOfEmployees": 40,
		"isCustomer": true, "contactInformation": obj{"phoneNumber": "+1 702 845 9380", "email": "info@acme.example"},
		"addresses": arr{obj{"addressLine": "1 Main St", "zipCode": "89145", "city": "Las Vegas", "state": "NV"}},
		"homepage":  "https://acme.example", "taxId": "123abc", "rating": "4.5", "notes": "first", "lastMeeting": 1717180200000,
	}).Status(200).JSON()
	id := acme["id"].(string)
	skill := c.call("POST", "/data/skills", tok, obj{"name": "Go", "category": "technical"}).Status(200).JSON()
	contact := c.call("POST", "/data/contacts", tok, obj{"firstName": "Ana", "lastName": "Lima", "email": "ana@acme.example",
		"phoneNumbers": arr{"555-0100"}, "company": id, "skills": arr{obj{"id": skill["id"]}}, "birthDate": "1990-04-16",
		"notes": arr{obj{"note": "met at the fair"}}}).Status(200).JSON()
	c.call("POST", "/data/companies", tok, obj{"name": "Beta", "state": "pending"}).Status(200)

	c.call("GET", "/data/companies/"+id, tok, nil).Status(200)
	c.call("GET", "/data/companies/"+id+"?_format=plainText", tok, nil).Status(200)
	c.call("GET", "/data/contacts/"+contact["id"].(string)+"?_relationshipsToFetch=company,skills", tok, nil).Status(200)
	c.call("GET", "/data/companies/"+id+"?_fields=name,addresses.city", tok, nil).Status(200)
	c.call("GET", "/data/companies?_size=1&_sortField=name&_sortType=asc", tok, nil).Status(200)
	c.call("GET", "/data/companies?state=active,pending&numberOfEmployees=greater(10)", tok, nil).Status(200)
	c.call("GET", "/data/contacts?_format=plainText&company.label=Acme", tok, nil).Status(200)
	c.call("GET", "/data/sys.users", tok, nil).Status(200)
	c.call("PUT", "/data/companies/"+id, tok, obj{"version": 0, "notes": nil, "numberOfEmployees": 41}).Status(200)

	// actions: one record, an id list, a query, a custom answer, a job
	c.call("PUT", "/data/companies/"+id+"/changeState", tok, obj{"state": "inactive", "reason": "audit"}).Status(200)
	c.call("PUT", "/data/companies/"+id+","+id+"/changeState", tok, obj{"state": "active"}).Status(200)
	c.call("PUT", "/data/companies/changeState?name=Beta", tok, obj{"state": "active"}).Status(200)
	c.call("PUT", "/data/companies/employeeSummary?state=active", tok, nil).Status(200)
	c.call("PUT", "/data/companies/aggregate", tok, arr{obj{"match": obj{"state": "active"}},
		obj{"group": obj{"by": "type", "n": "count()", "staff": "sum(numberOfEmployees)"}}}).Status(200)
	c.call("PUT", "/data/companies/aggregate", tok, obj{"count": "n"}).Status(200)
	c.call("PUT", "/data/companies/aggregate", tok, arr{obj{"frob": obj{}}}).Error(400, "badRequest")
	c.call("PUT", "/data/contacts/"+contact["id"].(string)+"/addNote", tok, obj{"note": "called"}).Status(200)
	ref := c.call("PUT", "/data/companies/"+id+"/changeState?_async=true", tok, obj{"state": "pending"}).Status(200).JSON()
	job := ref["jobId"].(string)
	waitStatus(t, s, job, "FINISHED")
	c.call("GET", "/status/jobs/"+job, tok, nil).Status(200)
	c.call("GET", "/status/jobs?type=EXECUTE_ACTION&status=FINISHED,RUNNING", tok, nil).Status(200)
	c.call("GET", "/status/jobs/"+job+"/logs?level=INFO", tok, nil).Status(200)
	c.call("GET", "/status/job/"+job+"/logs", tok, nil).Status(200)
	c.call("PUT", "/status/jobs/"+job+"/stop", tok, nil).Error(400, "badRequest")
	c.call("GET", "/maintenance", tok, nil).Status(200)

	// history and the app log
	c.call("GET", "/data/companies/"+id+"/auditLogs", tok, nil).Status(200)
	c.call("GET", "/data/companies/"+id+"/history?_size=2", tok, nil).Status(200)
	c.call("GET", "/data/companies/auditLogs?eventTypes=USER_RECORD_CREATED,USER_ACTION_PERFORMED", tok, nil).Status(200)
	c.call("GET", "/data/skills/history", tok, nil).Status(200)
	c.call("POST", "/status/logs", tok, obj{"message": "from a client", "level": "WARN", "additionalInfo": obj{"k": 1}}).Status(200)
	c.call("GET", "/status/logs?level=WARN,INFO&period=3h", tok, nil).Status(200)
	c.bad("POST", "/status/logs", tok, obj{"level": "LOUD"}).Error(400, "validationErrors")

	// errors
	c.bad("POST", "/data/companies", tok, obj{"numberOfEmployees": -1}).Error(400, "validationErrors")
	c.call("GET", "/data/companies/"+exampleID, tok, nil).Error(404, "notFound")
	c.bad("GET", "/data/companies", "", nil).Error(401, "unauthorized")
	c.bad("GET", "/data/companies?_size=5000", tok, nil).Error(400, "badRequest")
	c.call("PUT", "/data/companies/"+id, tok, obj{"version": 0, "notes": "late"}).Error(409, "optimisticLocking")
	c.call("POST", "/auth/login", "", obj{"email": apitest.AdminEmail, "password": "wrong"}).Error(401, "unauthorized")

	// deletes: one, a list, a query, in a job
	beta := c.call("POST", "/data/companies", tok, obj{"name": "Gamma"}).Status(200).JSON()["id"].(string)
	c.call("DELETE", "/data/contacts/"+contact["id"].(string), tok, nil).Status(200)
	c.call("DELETE", "/data/companies/"+beta+","+exampleID, tok, nil).Status(200)
	c.call("DELETE", "/data/companies?name=Beta", tok, nil).Status(200)
	c.call("DELETE", "/data/skills?_async=true", tok, nil).Status(200)
	c.call("POST", "/auth/logout", login["token"].(string), nil).Status(200)
}

// exampleID is an id no record has.
const exampleID = "6650a1b2c3d4e5f601234567"

// TestOpenAPIRejects shows the contract has teeth: an answer with a key
// the record schema does not declare, or a value of the wrong type, fails.
func TestOpenAPIRejects(t *testing.T) {
	t.Parallel()
	s := demo(t)
	c := newContract(t, s)
	good := s.As("POST", "/data/companies", obj{"name": "Acme", "numberOfEmployees": 3}).Status(200)
	for _, body := range []string{
		strings.Replace(string(good.Body), `"name"`, `"nmae"`, 1),
		strings.Replace(string(good.Body), `"numberOfEmployees":3`, `"numberOfEmployees":"3"`, 1),
		strings.Replace(string(good.Body), `"version":0,`, ``, 1),
	} {
		req := httptest.NewRequest("GET", c.s.URL+"/data/companies/"+exampleID, nil)
		req.Header.Set("token", s.Token)
		res := &http.Response{StatusCode: 200, Header: good.Header, Body: io.NopCloser(strings.NewReader(body)), Request: req}
		if ok, _ := c.v.ValidateHttpResponse(req, res); ok {
			t.Errorf("accepted %s", body)
		}
	}
}

// TestOpenAPIFieldTypes checks the schema of every field type against the
// server: each valid write of the type cases answers a record the document
// accepts (native and plainText), and the native value read can be
// written back as the document says.
func TestOpenAPIFieldTypes(t *testing.T) {
	t.Parallel()
	s := kitchen(t)
	c := newContract(t, s)
	tok := s.Token
	ana := c.call("POST", "/data/people", tok, obj{"name": "Ana", "email": "ana@example.org", "balance": 12.5}).Status(200).JSON()
	c.call("POST", "/data/people", tok, obj{"name": "Bo"}).Status(200)
	full := c.call("POST", "/data/things", tok, obj{"requiredText": "x", "owner": "Ana", "friends": arr{ana["id"], obj{"label": "Bo"}},
		"items": arr{obj{"name": "bolt", "supplier": obj{"name": "Bo"}}}, "address": obj{"street": "Main", "zip": "1"},
		"nestedFields": obj{"inner": "in", "count": 2}, "group": obj{"id": everyoneID}, "tags": arr{"a", "b"}}).Status(200).JSON()
	id := full["id"].(string)
	c.call("GET", "/data/things/"+id+"?_relationshipsToFetch=owner,friends,items.supplier", tok, nil).Status(200)
	c.call("GET", "/data/things/"+id+"?_format=plainText", tok, nil).Status(200)
	c.call("PUT", "/data/things/"+id, tok, obj{"items": arr{obj{"id": full["items"].([]any)[0].(obj)["id"], "qty": 3}, obj{"name": "nut"}}}).Status(200)
	for _, tc := range kitchenTypeCases {
		if tc.code != "" {
			continue
		}
		// The case's input may be a form the document does not promise
		// (a number for a text): only the answers are checked.
		m := c.bad("POST", "/data/things", tok, withRequired(obj{tc.field: tc.in})).Status(200).JSON()
		rid := m["id"].(string)
		c.call("GET", "/data/things/"+rid+"?_format=plainText", tok, nil).Status(200)
		f := s.Data.App().Entity("things").Field(tc.field)
		switch f.Type {
		case "group", "fileUpload", "relationship", "nestedFields":
			continue // their reads carry an id and a label; writes name the record by one of them
		}
		if v, ok := m[tc.field]; ok {
			c.call("PUT", "/data/things/"+rid, tok, obj{tc.field: v}).Status(200)
		}
	}
	c.call("GET", "/data/things?_size=1000", tok, nil).Status(200)
	c.call("GET", "/data/things?_size=1000&_format=plainText", tok, nil).Status(200)
}
