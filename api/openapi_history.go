package api

import (
	"runway/app"
	"runway/applog"
	"runway/history"
	"runway/openapi"
)

// History (rest-api.md §6.12) of every entity that keeps it, and the app
// log (rest-api.md §8).
func init() {
	for _, name := range historyNames {
		describe("GET /data/{entity}/"+name, func(sp *spec) { sp.entityHistory(name) })
		describe("GET /data/{entity}/{id}/"+name, func(sp *spec) { sp.recordHistory(name) })
	}
	describe("GET /status/logs", (*spec).listLogs)
	describe("POST /status/logs", (*spec).createLog)
}

const (
	schemaHistoryEntry = "runway_HistoryEntry"
	schemaHistoryPage  = "runway_HistoryPage"
	schemaAppLog       = "runway_AppLog"
	schemaAppLogPage   = "runway_AppLogPage"
	schemaAppLogInput  = "runway_AppLogInput"
)

func historyEntrySchema() *openapi.Schema {
	ms := &openapi.Schema{Type: "integer", Format: "int64"}
	values := openapi.Type("object").Describe("A change: each changed field as {json: its native value, text: its plainText}; " +
		"a creation's newRecord and a deletion's oldRecord: the record; {} otherwise")
	h := openapi.Object(
		openapi.Prop("id", openapi.ID()),
		openapi.Prop("entityId", openapi.ID()),
		openapi.Prop("entityName", openapi.Type("string")),
		openapi.Prop("entityVersion", openapi.Type("integer").Describe("The version of the entity's definition when written")),
		openapi.Prop("recordId", openapi.ID()),
		openapi.Prop("recordName", openapi.Type("string").Describe("The record's label then")),
		openapi.Prop("user", openapi.Type("string").Describe("Email of the acting user (the impersonated one when impersonating)")),
		openapi.Prop("timestamp", ms.Describe("When (ms since 1970-01-01 UTC)")),
		openapi.Prop("ip", openapi.Nullable(openapi.Type("string"))),
		openapi.Prop("eventType", &openapi.Schema{Type: "string", Enum: enum(history.Events)}),
		openapi.Prop("eventCategory", &openapi.Schema{Type: "string", Enum: []any{"USER", "SCRIPT", "SYSTEM"}}),
		openapi.Prop("contextPath", openapi.Type("string").Describe("entities.<entity>.<operation>, or the script's <file>:<function>")),
		openapi.Prop("recordDeleted", openapi.Nullable(openapi.Type("boolean")).Describe("true once the record is deleted")),
		openapi.Prop("deletionDate", openapi.Nullable(&openapi.Schema{Type: "integer", Format: "int64"})),
		openapi.Prop("oldRecord", values),
		openapi.Prop("newRecord", values))
	h.Required = []string{"id", "entityId", "entityName", "entityVersion", "recordId", "recordName", "user", "timestamp",
		"ip", "eventType", "eventCategory", "contextPath", "recordDeleted", "deletionDate", "oldRecord", "newRecord"}
	h.Title = "History entry (rest-api.md §6.12.1)"
	return h
}

func (sp *spec) historyPage() *openapi.Schema {
	sp.schema(schemaHistoryEntry, historyEntrySchema)
	return sp.schema(schemaHistoryPage, func() *openapi.Schema {
		return idPage("A page of history entries, newest first", openapi.Ref(schemaHistoryEntry))
	})
}

func (sp *spec) historyParams() []*openapi.Parameter {
	return []*openapi.Parameter{
		commaList("eventTypes", "Only entries of these types", history.Events),
		msQuery("from", "Written at or after"), msQuery("to", "Written at or before"),
		jobSize(defaultHistorySize), jobOffset(),
	}
}

// eachHistory calls fn for every entity that keeps history.
func (sp *spec) eachHistory(fn func(e *app.Entity)) {
	sp.eachEntity(func(e *app.Entity) {
		if e.HistoryEnabled() {
			fn(e)
		}
	})
}

// historyOp names the operation of the older alias apart.
func historyOp(id, name string) string {
	if name == "history" {
		return id + "Alias"
	}
	return id
}

func (sp *spec) entityHistory(name string) {
	page := sp.historyPage()
	sp.eachHistory(func(e *app.Entity) {
		sp.add("GET", "/data/"+e.FullName+"/"+name, &openapi.Operation{OperationID: historyOp(e.FullName+"_history", name),
			Tags: []string{e.FullName}, Summary: "The history of every record of " + e.Label + " (the auditLogs permission on every record)",
			Parameters: sp.historyParams(),
			Responses:  answers(ok("A page of history entries", page), authed(400, 404)...)})
	})
}

func (sp *spec) recordHistory(name string) {
	page := sp.historyPage()
	sp.eachHistory(func(e *app.Entity) {
		sp.add("GET", "/data/"+e.FullName+"/{id}/"+name, &openapi.Operation{OperationID: historyOp(e.FullName+"_recordHistory", name),
			Tags: []string{e.FullName}, Summary: "The history of one record of " + e.Label + " (deleted ones too; an unknown id has none)",
			Parameters: append([]*openapi.Parameter{pathID("id", "The record")}, sp.historyParams()...),
			Responses:  answers(ok("A page of history entries", page), authed(400, 404)...)})
	})
}

func appLogSchema() *openapi.Schema {
	l := openapi.Object(
		openapi.Prop("id", openapi.ID()),
		openapi.Prop("type", &openapi.Schema{Type: "string", Enum: enum(applog.Types)}),
		openapi.Prop("subType", openapi.Nullable(openapi.Type("string")).Describe("For APP logs: LOGIN, SCRIPT, …")),
		openapi.Prop("level", &openapi.Schema{Type: "string", Enum: enum(applog.Levels)}),
		openapi.Prop("message", openapi.Type("string")),
		openapi.Prop("userEmail", openapi.Nullable(openapi.Type("string"))),
		openapi.Prop("adminUserEmail", openapi.Nullable(openapi.Type("string")).Describe("The real user when impersonating")),
		openapi.Prop("timestamp", &openapi.Schema{Type: "integer", Format: "int64"}),
		openapi.Prop("ip", openapi.Nullable(openapi.Type("string"))),
		openapi.Prop("additionalInfo", openapi.Type("object")))
	l.Required = []string{"id", "type", "subType", "level", "message", "userEmail", "adminUserEmail", "timestamp", "ip", "additionalInfo"}
	l.Title = "App log (rest-api.md §8.1)"
	return l
}

func (sp *spec) listLogs() {
	sp.schema(schemaAppLog, appLogSchema)
	page := sp.schema(schemaAppLogPage, func() *openapi.Schema { return idPage("A page of app logs, newest first", openapi.Ref(schemaAppLog)) })
	sp.add("GET", "/status/logs", &openapi.Operation{OperationID: "listLogs", Tags: []string{"logs"},
		Summary: "Read the app log (developers)",
		Parameters: []*openapi.Parameter{
			{Name: "period", In: "query", Description: "A window ending now (3h 30m, today, yesterday); replaces from and to",
				Schema: openapi.Type("string")},
			msQuery("from", "Written at or after"), msQuery("to", "Written at or before"),
			commaList("level", "Only logs of these levels", applog.Levels),
			{Name: "message", In: "query", Description: "Only logs containing this text (any case)", Schema: openapi.Type("string")},
			{Name: "userEmail", In: "query", Description: "Only logs of users whose email contains this text (any case)", Schema: openapi.Type("string")},
			jobSize(defaultLogsSize), jobOffset()},
		Responses: answers(ok("A page of logs", page), authed(400)...)})
}

func (sp *spec) createLog() {
	body := sp.schema(schemaAppLogInput, func() *openapi.Schema {
		b := openapi.Object(
			openapi.Prop("message", openapi.Type("string")),
			openapi.Prop("level", &openapi.Schema{Type: "string", Enum: enum(applog.ClientLevels), Default: applog.DefaultLevel}),
			openapi.Prop("additionalInfo", openapi.Type("object").Describe("Kept as given")))
		b.Required = []string{"message"}
		return b
	})
	sp.add("POST", "/status/logs", &openapi.Operation{OperationID: "createLog", Tags: []string{"logs"},
		Summary:     "Write a log of type EXTERNAL (developers)",
		RequestBody: jsonBody("The log", body),
		Responses:   answers(ok("The log as written", sp.schema(schemaAppLog, appLogSchema)), authed(400)...)})
}
