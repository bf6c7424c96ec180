package api

import (
	"runway/app"
	"runway/data"
	"runway/openapi"
)

// Actions (rest-api.md §6.9): per action, over records by id and over a
// query. PUT /data/{entity}/{id} is also the update (openapi_records.go).
func init() {
	describe("PUT /data/{entity}/{ids}/{action}", (*spec).actionOnRecords)
	describe("PUT /data/{entity}/{id}", (*spec).actionOverQuery)
}

// eachAction calls fn for every action of every entity.
func (sp *spec) eachAction(fn func(e *app.Entity, a *app.Action)) {
	sp.eachEntity(func(e *app.Entity) {
		sp.entity(e)
		for _, a := range e.Actions {
			fn(e, a)
		}
	})
}

// actionBody is the action's parameters (none: no body, or {}).
func (sp *spec) actionBody(e *app.Entity, a *app.Action) *openapi.RequestBody {
	name := e.FullName + "_" + a.Name + "_parameters"
	s := sp.schema(name, func() *openapi.Schema { return openapi.Parameters(sp.app, e, a) })
	required := false
	for _, p := range a.Parameters {
		required = required || p.IsRequired() && p.DefaultKind == app.DefaultNone
	}
	return &openapi.RequestBody{Description: "The parameters of " + a.Label, Required: required, Content: openapi.JSONMedia(s)}
}

// actionParams are the query parameters every form of the action takes.
func (sp *spec) actionParams(e *app.Entity, a *app.Action) []*openapi.Parameter {
	if a.System && e.FullName == "sys.users" {
		return nil // always synchronous
	}
	return []*openapi.Parameter{
		sp.asyncParam("Run in an EXECUTE_ACTION job and answer its reference", a.ExecuteInBackground),
		boolQuery("_lowPriority", "The job runs when few others do", false),
	}
}

// custom describes the answer of an action whose script answers.
func custom(a *app.Action) *openapi.Schema {
	return openapi.Any().Describe("What the script of %s returns (and a job reference with _async)", a.Label)
}

func (sp *spec) actionOnRecords() {
	sp.eachAction(func(e *app.Entity, a *app.Action) {
		if a.Type == "global" {
			return // runs without records: only PUT /data/{entity}/{action}
		}
		answer := custom(a)
		if a.Type != "manyRecords" && !a.ResultAsResponse {
			answer = openapi.AnyOf(openapi.Ref(e.FullName), openapi.Ref(e.FullName+suffixResults), openapi.Ref(schemaJobRef)).
				Describe("One id: the record after the action; a list: the results by id; _async: the job")
		}
		ids := &openapi.Parameter{Name: "ids", In: "path", Required: true, Example: exampleID, Schema: openapi.Type("string"),
			Description: "One record id, or a comma list of ids"}
		if a.OnlyOneRecord {
			ids.Description = "The record (this action runs on one record only)"
		}
		sp.add("PUT", "/data/"+e.FullName+"/{ids}/"+a.Name, &openapi.Operation{
			OperationID: e.FullName + "_action_" + a.Name, Tags: []string{e.FullName},
			Summary:     a.Label + " (action of " + e.Label + ") on records",
			Action:      &openapi.Action{Name: a.Name, Label: a.Label, Type: a.Type},
			Parameters:  append([]*openapi.Parameter{ids}, sp.actionParams(e, a)...),
			RequestBody: sp.actionBody(e, a),
			Responses:   answers(ok("The answer of the action", answer), authed(400, 404)...)})
	})
}

func (sp *spec) actionOverQuery() {
	sp.eachAction(func(e *app.Entity, a *app.Action) {
		if data.IsReservedAction(a.Name) {
			return // the segment names another endpoint
		}
		var answer *openapi.Schema
		params := sp.actionParams(e, a)
		switch {
		case a.Type == "global":
			answer = custom(a)
		case a.Type == "manyRecords":
			answer = custom(a)
			params = append(append(params, sp.selectParams(true)...), sp.filters(e)...)
		default:
			results := openapi.Ref(e.FullName + suffixResults)
			if a.ResultAsResponse {
				results = openapi.Ref(schemaResultMap)
			}
			answer = openapi.AnyOf(results, openapi.Ref(schemaJobRef)).Describe("The results by id; _async: the job")
			params = append(append(params, sp.selectParams(true)...), sp.filters(e)...)
		}
		sp.add("PUT", "/data/"+e.FullName+"/"+a.Name, &openapi.Operation{
			OperationID: e.FullName + "_actionQuery_" + a.Name, Tags: []string{e.FullName},
			Summary:     a.Label + " (action of " + e.Label + ") over the records a query selects",
			Action:      &openapi.Action{Name: a.Name, Label: a.Label, Type: a.Type},
			Parameters:  params,
			RequestBody: sp.actionBody(e, a),
			Responses:   answers(ok("The answer of the action", answer), authed(400, 404)...)})
	})
}
