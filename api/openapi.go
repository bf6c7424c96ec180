package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"runway/app"
	"runway/apperr"
	"runway/data"
	"runway/openapi"
)

// The OpenAPI document of the app (GET {base}/openapi.json, runway
// openapi) is built from the server's own route table: for every route
// Routes lists, the describer registered for it adds the route's operations
// — one per entity, per action, per job command — so the document cannot
// promise an endpoint the server does not serve, and a route without a
// describer fails TestOpenAPIRoutes.
//
// Each family of endpoints describes its routes in a file of its own
// (openapi_auth.go, openapi_records.go, openapi_actions.go, openapi_jobs.go,
// openapi_files.go, openapi_system.go): an init function registers, per route, a describer.
// A new endpoint adds its describer beside its handler the same way.

// describers maps a route as Routes gives it, the API base cut off ("GET
// /data/{entity}"; the probes outside the base as they are: "GET
// /healthz"), to what describes its operations. A route serving two
// endpoints (PUT /data/{entity}/{id}: update, action over a query) has a
// describer for each.
var describers = map[string][]func(*spec){}

// describe registers a describer of a route (from an init function).
func describe(route string, fn func(*spec)) {
	describers[route] = append(describers[route], fn)
}

// spec is the document being built, with what describers need.
type spec struct {
	doc      *openapi.Document
	app      *app.App
	entities map[string]bool // entities whose schemas are in the document
	err      error
}

// add adds an operation at a path relative to the API base; the first
// error (a path and method described twice) is kept.
func (sp *spec) add(method, path string, op *openapi.Operation) {
	if err := sp.doc.Add(method, path, op); err != nil && sp.err == nil {
		sp.err = err
	}
}

// OpenAPIDocument is the OpenAPI document of app a served with cfg: the
// one GET {base}/openapi.json answers (runway openapi prints it).
func OpenAPIDocument(a *app.App, cfg Config) ([]byte, error) {
	s := &Server{cfg: cfg.withDefaults(), mux: &routeMux{ServeMux: http.NewServeMux()}}
	s.routes()
	return s.buildOpenAPI(a)
}

// buildOpenAPI describes every route of s for app a.
func (s *Server) buildOpenAPI(a *app.App) ([]byte, error) {
	sp := &spec{app: a, entities: map[string]bool{}, doc: &openapi.Document{
		OpenAPI: openapi.Version,
		Info: openapi.Info{Title: a.Label + " — apps REST API", Version: a.Version,
			Description: "The REST API of the app " + a.Name + " served by Runway, generated from its definition. " +
				"Every operation but login and the probes needs the token of POST /auth/login in the `token` header. " +
				"Every answer carries X-Request-Id (the request's own, or a generated one)."},
		Servers:  []openapi.Server{{URL: s.Base(), Description: "The API base, relative to the server that serves this document"}},
		Security: []openapi.Requirement{{"token": {}}},
		Paths:    map[string]*openapi.PathItem{},
		Components: openapi.Components{
			Schemas:    commonSchemas(),
			Responses:  errorResponses(),
			Parameters: map[string]*openapi.Parameter{},
			Headers: map[string]*openapi.Header{requestIDHeader: {
				Description: "The id of the request in the server's log: the X-Request-Id the request carried, or a generated one",
				Schema:      openapi.Type("string")}},
			SecuritySchemes: map[string]*openapi.SecurityScheme{"token": {Type: "apiKey", In: "header", Name: "token",
				Description: "The token of POST /auth/login; it expires after its inactivity timeout (8 hours by default)"}},
		},
	}}
	for _, route := range s.Routes() {
		rel := strings.Replace(route, s.Base(), "", 1)
		if rel == "/" {
			continue // the JSON 404 of every other path
		}
		for _, fn := range describers[rel] {
			fn(sp)
		}
	}
	if sp.err != nil {
		return nil, sp.err
	}
	sp.tags()
	return json.Marshal(sp.doc)
}

// tags lists the tags the operations use, sorted.
func (sp *spec) tags() {
	seen := map[string]bool{}
	for _, item := range sp.doc.Paths {
		for _, op := range item.Operations() {
			for _, t := range op.Tags {
				seen[t] = true
			}
		}
	}
	for t := range seen {
		sp.doc.Tags = append(sp.doc.Tags, openapi.Tag{Name: t})
	}
	sort.Slice(sp.doc.Tags, func(i, j int) bool { return sp.doc.Tags[i].Name < sp.doc.Tags[j].Name })
}

// serveOpenAPI: GET {base}/openapi.json, built on the first request.
func (s *Server) serveOpenAPI(w http.ResponseWriter, _ *http.Request, _ *data.Caller) error {
	s.openapi.once.Do(func() { s.openapi.doc, s.openapi.err = s.buildOpenAPI(s.data.App()) })
	if s.openapi.err != nil {
		return fmt.Errorf("api: OpenAPI document: %w", s.openapi.err)
	}
	writeRaw(w, s.openapi.doc)
	return nil
}

// ---- shapes every family uses ----

// Names of the common schemas: the "runway_" prefix cannot collide with the
// entities' schemas (entity names have no underscore).
const (
	schemaError      = "runway_Error"
	schemaFieldError = "runway_FieldError"
	schemaJobRef     = "runway_JobReference"
	schemaResultMap  = "runway_ResultMap"
	requestIDHeader  = "X-Request-Id"
)

func commonSchemas() map[string]*openapi.Schema {
	codes := []any{apperr.BadRequest, apperr.ValidationErrors, apperr.Unauthorized, apperr.Forbidden,
		apperr.NotFound, apperr.OptimisticLocking, apperr.InternalError, apperr.ApplicationUnavailable}
	fieldCodes := []any{apperr.FieldRequired, apperr.FieldInvalid, apperr.FieldUnique, apperr.FieldOutOfRange,
		apperr.FieldTooLong, apperr.FieldTooShort, apperr.FieldNotAllowed}
	errBody := openapi.Object(
		openapi.Prop("code", &openapi.Schema{Type: "string", Enum: codes}),
		openapi.Prop("message", openapi.Type("string")),
		openapi.Prop("errors", openapi.ArrayOf(openapi.Ref(schemaFieldError)).Describe("Per-field details of validationErrors; empty otherwise")))
	errBody.Required = []string{"code", "message", "errors"}
	errBody.Title = "Error (rest-api.md §2.1)"
	fieldErr := openapi.Object(
		openapi.Prop("field", openapi.Type("string").Describe("Dotted path, [i] for items of multi-valued fields")),
		openapi.Prop("fieldLabel", openapi.Nullable(openapi.Type("string"))),
		openapi.Prop("code", &openapi.Schema{Type: "string", Enum: fieldCodes}),
		openapi.Prop("message", openapi.Type("string")),
		openapi.Prop("additionalInfo", openapi.Nullable(&openapi.Schema{Type: "object"})))
	fieldErr.Required = []string{"field", "fieldLabel", "code", "message", "additionalInfo"}
	jobRef := openapi.Object(
		openapi.Prop("jobLink", openapi.Type("string").Describe("/api/status/jobs/{jobId}, as the platform writes it; use jobId")),
		openapi.Prop("jobId", openapi.ID()))
	jobRef.Required = []string{"jobLink", "jobId"}
	jobRef.Title = "Job reference (rest-api.md §4.3)"
	return map[string]*openapi.Schema{
		schemaError: errBody, schemaFieldError: fieldErr, schemaJobRef: jobRef,
		schemaResultMap: resultMap(openapi.Any()),
	}
}

// resultMap is a per-record result map (rest-api.md §4.4) whose responses
// are response.
func resultMap(response *openapi.Schema) *openapi.Schema {
	result := openapi.Object(
		openapi.Prop("status", &openapi.Schema{Type: "string", Enum: []any{"ok", "error"}}),
		openapi.Prop("response", response),
		openapi.Prop("errorMessage", openapi.Type("string")))
	result.Required = []string{"status"}
	return &openapi.Schema{Type: "object", Title: "Results by record id (rest-api.md §4.4)", AdditionalProperties: result}
}

// errorStatuses are the error answers, named by their status.
var errorStatuses = map[int]string{
	400: "badRequest or validationErrors: a malformed request, an invalid query or body, an operation not allowed now",
	401: "unauthorized: no token, or an expired or unknown one",
	403: "forbidden: no permission (entity, record, field, action, IP, API family)",
	404: "notFound: no such record, job or user",
	409: "optimisticLocking: the version sent is not the stored one",
	412: "badRequest: the file does not meet the request's preconditions (If-Match)",
	413: "badRequest: the upload is larger than the largest file accepted",
	416: "badRequest: the requested range is outside the file",
	500: "internalError: a bug of the server",
	503: "applicationUnavailable: the app is in maintenance mode",
}

func errorResponses() map[string]*openapi.Response {
	m := map[string]*openapi.Response{}
	for status, desc := range errorStatuses {
		m[strconv.Itoa(status)] = &openapi.Response{Description: desc, Headers: requestIDHeaders(),
			Content: openapi.JSONMedia(openapi.Ref(schemaError))}
	}
	return m
}

func requestIDHeaders() map[string]*openapi.Header {
	return map[string]*openapi.Header{requestIDHeader: {Ref: "#/components/headers/" + requestIDHeader}}
}

// ok is a 200 JSON answer.
func ok(desc string, s *openapi.Schema) *openapi.Response {
	return &openapi.Response{Description: desc, Headers: requestIDHeaders(), Content: openapi.JSONMedia(s)}
}

// answers are an operation's responses: the success and the errors.
func answers(success *openapi.Response, errs ...int) map[string]*openapi.Response {
	m := map[string]*openapi.Response{"200": success}
	for _, st := range errs {
		m[strconv.Itoa(st)] = &openapi.Response{Ref: "#/components/responses/" + strconv.Itoa(st)}
	}
	return m
}

// authed are the errors of every route that needs a token (the token, the
// guard, maintenance) besides its own.
func authed(errs ...int) []int { return append([]int{401, 403, 500, 503}, errs...) }

// jsonBody is a required JSON request body.
func jsonBody(desc string, s *openapi.Schema) *openapi.RequestBody {
	return &openapi.RequestBody{Description: desc, Required: true, Content: openapi.JSONMedia(s)}
}

// param adds a reusable parameter under name (once) and refers to it.
func (sp *spec) param(name string, p *openapi.Parameter) *openapi.Parameter {
	if _, ok := sp.doc.Components.Parameters[name]; !ok {
		sp.doc.Components.Parameters[name] = p
	}
	return &openapi.Parameter{Ref: "#/components/parameters/" + name}
}

// schema adds a component schema under name (once) and refers to it.
func (sp *spec) schema(name string, build func() *openapi.Schema) *openapi.Schema {
	if _, ok := sp.doc.Components.Schemas[name]; !ok {
		sp.doc.Components.Schemas[name] = build()
	}
	return openapi.Ref(name)
}

// exampleID is the example of id path parameters.
const exampleID = "6650a1b2c3d4e5f601234567"

// pathID is a path parameter holding a record or job id.
func pathID(name, desc string) *openapi.Parameter {
	return &openapi.Parameter{Name: name, In: "path", Required: true, Description: desc, Schema: openapi.ID(), Example: exampleID}
}

// boolQuery is an optional true/false query parameter.
func boolQuery(name, desc string, def bool) *openapi.Parameter {
	return &openapi.Parameter{Name: name, In: "query", Description: desc, Schema: &openapi.Schema{Type: "boolean", Default: def}}
}

// commaList is a query parameter holding a comma list of enum values.
func commaList[T ~string](name, desc string, values []T) *openapi.Parameter {
	no := false
	return &openapi.Parameter{Name: name, In: "query", Description: desc, Style: "form", Explode: &no,
		Schema: openapi.ArrayOf(&openapi.Schema{Type: "string", Enum: enum(values)})}
}

// num is an integer bound of a schema.
func num(n int) *json.Number {
	v := json.Number(strconv.Itoa(n))
	return &v
}
