package api

import "runway/openapi"

// The probes, the document itself and maintenance mode.
func init() {
	describe("GET /healthz", (*spec).healthz)
	describe("GET /readyz", (*spec).readyz)
	describe("GET /openapi.json", (*spec).openAPI)
	describe("GET /maintenance", (*spec).getMaintenance)
	describe("PUT /maintenance", (*spec).putMaintenance)
}

// rootServers put the probes at the server root, outside the API base.
var rootServers = []openapi.Server{{URL: "/", Description: "The server root"}}

func textAnswer(desc string) *openapi.Response {
	return &openapi.Response{Description: desc, Headers: requestIDHeaders(),
		Content: map[string]openapi.MediaType{"text/plain": {Schema: openapi.Type("string")}}}
}

// probe adds a probe at the server root.
func (sp *spec) probe(path string, op *openapi.Operation) {
	sp.add("GET", path, op.Public())
	sp.doc.Paths[path].Servers = rootServers
}

func (sp *spec) healthz() {
	sp.probe("/healthz", &openapi.Operation{OperationID: "healthz", Tags: []string{"probes"},
		Summary:   "Liveness: the process serves HTTP",
		Responses: map[string]*openapi.Response{"200": textAnswer("ok")}})
}

func (sp *spec) readyz() {
	sp.probe("/readyz", &openapi.Operation{OperationID: "readyz", Tags: []string{"probes"},
		Summary: "Readiness: the store answers, its schema is this server's, and the server is not shutting down",
		Responses: map[string]*openapi.Response{"200": textAnswer("ok"),
			"503": textAnswer("Not ready; the body says why")}})
}

func (sp *spec) openAPI() {
	sp.add("GET", "/openapi.json", (&openapi.Operation{OperationID: "openapi", Tags: []string{"probes"},
		Summary:   "This document",
		Responses: answers(ok("The OpenAPI 3.1 document of the app", &openapi.Schema{Type: "object"}), 500)}).Public())
}

func maintenanceSchema() *openapi.Schema {
	s := openapi.Object(openapi.Prop("enabled", openapi.Type("boolean")))
	s.Required = []string{"enabled"}
	return s
}

func (sp *spec) getMaintenance() {
	sp.add("GET", "/maintenance", &openapi.Operation{OperationID: "getMaintenance", Tags: []string{"maintenance"},
		Summary:   "Whether maintenance mode is on (developers only)",
		Responses: answers(ok("The state", sp.schema("runway_Maintenance", maintenanceSchema)), authed()...)})
}

func (sp *spec) putMaintenance() {
	sp.add("PUT", "/maintenance", &openapi.Operation{OperationID: "setMaintenance", Tags: []string{"maintenance"},
		Summary:     "Turn maintenance mode on or off (developers only); in maintenance only developers and super users are served",
		RequestBody: jsonBody("The new state", sp.schema("runway_Maintenance", maintenanceSchema)),
		Responses:   answers(ok("The new state", sp.schema("runway_Maintenance", maintenanceSchema)), authed(400)...)})
}

func init() { describe("GET /ui/messages", (*spec).uiMessages) }

func (sp *spec) uiMessages() {
	stream := &openapi.Response{Description: "Server-sent events, kept open: one event `message` per sys.ui.sendMessage " +
		"for the caller, its data the message in JSON as the script gave it (without its functions); comment lines keep " +
		"it alive. It ends when the session ends (logout, revocation, expiry) or the server shuts down: reconnect.",
		Headers: requestIDHeaders(), Content: map[string]openapi.MediaType{"text/event-stream": {Schema: openapi.Type("string")}}}
	sp.add("GET", "/ui/messages", &openapi.Operation{OperationID: "uiMessages", Tags: []string{"console"},
		Summary:   "The caller's sys.ui messages, as they are sent (a console session; Runway extension)",
		Responses: answers(stream, authed()...)})
}
