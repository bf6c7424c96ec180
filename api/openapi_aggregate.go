package api

import (
	"runway/app"
	"runway/openapi"
)

// Aggregate (rest-api.md §6.8, query-language.md §6).
func init() {
	describe("PUT /data/{entity}/aggregate", (*spec).aggregate)
}

const (
	schemaAggregateStage  = "runway_AggregateStage"
	schemaAggregateAnswer = "runway_AggregateAnswer"
)

// aggregateStage is one stage: an object with one key, the operation,
// whose settings query-language.md §6.2 describes.
func aggregateStage() *openapi.Schema {
	one := 1
	s := &openapi.Schema{Type: "object", MinProperties: &one, MaxProperties: &one,
		AdditionalProperties: openapi.Any()}
	s.Title = "Aggregate stage (query-language.md §6.2)"
	return s.Describe("One of count, skip, limit, unwind, lookup, match, sort, project, group, geoNear, with its settings")
}

// aggregateAnswer is the envelope of the answer; the items' shape depends
// on the pipeline.
func aggregateAnswer() *openapi.Schema {
	a := openapi.Object(
		openapi.Prop("total", openapi.Type("integer")),
		openapi.Prop("items", openapi.ArrayOf(openapi.Type("object").Describe("A document the pipeline made"))))
	a.Required = []string{"total", "items"}
	a.Title = "Aggregate answer"
	return a
}

func (sp *spec) aggregate() {
	stage := sp.schema(schemaAggregateStage, aggregateStage)
	answer := sp.schema(schemaAggregateAnswer, aggregateAnswer)
	body := openapi.AnyOf(openapi.ArrayOf(stage), stage).
		Describe("The stages in order: an array, or one object whose keys are the stages in document order")
	sp.eachEntity(func(e *app.Entity) {
		sp.add("PUT", "/data/"+e.FullName+"/aggregate", &openapi.Operation{
			OperationID: e.FullName + "_aggregate", Tags: []string{e.FullName},
			Summary:     "Run an aggregate pipeline over " + e.Label,
			RequestBody: &openapi.RequestBody{Required: true, Content: openapi.JSONMedia(body)},
			Responses:   answers(ok("The documents the pipeline made", answer), authed(400, 404)...)})
	})
}
