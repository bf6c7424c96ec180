package api

import "runway/openapi"

// Login and logout (rest-api.md §5).
func init() {
	describe("POST /auth/login", (*spec).login)
	describe("POST /auth/logout", (*spec).logout)
}

func (sp *spec) login() {
	body := openapi.Object(
		openapi.Prop("email", openapi.Type("string")),
		openapi.Prop("password", &openapi.Schema{Type: "string", WriteOnly: true}),
		openapi.Prop("emailImpersonatedUser", openapi.Type("string").Describe("Act as this user (developers, super users, groups with userImpersonate)")),
		openapi.Prop("username", openapi.Type("string").Describe("Alias of email")))
	body.Required = []string{"password"}
	result := openapi.Object(
		openapi.Prop("app", openapi.Type("string")),
		openapi.Prop("adminUserEmail", openapi.Nullable(openapi.Type("string")).Describe("The real user when impersonating")),
		openapi.Prop("ip", openapi.Type("string")),
		openapi.Prop("userEmail", openapi.Type("string")),
		openapi.Prop("userName", openapi.Type("string")),
		openapi.Prop("userId", openapi.ID()),
		openapi.Prop("token", openapi.Type("string").Describe("The value of the token header of later requests")))
	result.Required = []string{"app", "adminUserEmail", "ip", "userEmail", "userName", "userId", "token"}
	resp := answers(ok("A new session", sp.schema("runway_LoginResult", func() *openapi.Schema { return result })), 401, 403, 404, 500, 503)
	resp["400"] = &openapi.Response{Description: "badRequest: email or password missing, or too many failed logins " +
		"(Retry-After says when to try again)",
		Headers: map[string]*openapi.Header{requestIDHeader: requestIDHeaders()[requestIDHeader],
			"Retry-After": {Description: "Seconds until a login may be tried again (rate limit)", Schema: openapi.Type("integer")}},
		Content: openapi.JSONMedia(openapi.Ref(schemaError))}
	sp.add("POST", "/auth/login", (&openapi.Operation{OperationID: "login", Tags: []string{"auth"},
		Summary:     "Log in: a token for the token header",
		RequestBody: jsonBody("Credentials", sp.schema("runway_Login", func() *openapi.Schema { return body })),
		Responses:   resp}).Public())
}

func (sp *spec) logout() {
	done := openapi.Object(openapi.Prop("status", &openapi.Schema{Type: "string", Const: "ok"}))
	done.Required = []string{"status"}
	sp.add("POST", "/auth/logout", &openapi.Operation{OperationID: "logout", Tags: []string{"auth"},
		Summary:   "Log out: the token stops working",
		Responses: answers(ok("Logged out", done), authed()...)})
}
