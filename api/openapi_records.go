package api

import (
	"fmt"
	"strings"

	"runway/app"
	"runway/openapi"
	"runway/query"
)

// Records (rest-api.md §6.1–6.7): per entity, list, read, create, update
// and delete. Each entity's schemas are components named after it
// (entity.go: "companies", "companies_create", …).
func init() {
	describe("GET /data/{entity}", (*spec).listRecords)
	describe("POST /data/{entity}", (*spec).createRecord)
	describe("DELETE /data/{entity}", (*spec).deleteQuery)
	describe("GET /data/{entity}/{id}", (*spec).readRecord)
	describe("PUT /data/{entity}/{id}", (*spec).updateRecord)
	describe("DELETE /data/{entity}/{ids}", (*spec).deleteRecords)
}

// eachEntity calls fn for every entity of the app, in definition order.
func (sp *spec) eachEntity(fn func(e *app.Entity)) {
	for _, name := range sp.app.EntityNames {
		fn(sp.app.Entity(name))
	}
}

// Suffixes of an entity's schema names ("companies_create"): entity names
// have no underscore, so these never collide with another entity's.
const (
	suffixCreate    = "_create"
	suffixUpdate    = "_update"
	suffixPlainText = "_plainText"
	suffixPage      = "_page"
	suffixPlainPage = "_plainTextPage"
	suffixResults   = "_results"
)

// entity adds the schemas of e to the document (once).
func (sp *spec) entity(e *app.Entity) {
	if sp.entities[e.FullName] {
		return
	}
	sp.entities[e.FullName] = true
	n := e.FullName
	s := sp.doc.Components.Schemas
	s[n] = openapi.Record(e)
	s[n+suffixPlainText] = openapi.PlainText(e)
	s[n+suffixCreate] = openapi.Write(sp.app, e, true)
	s[n+suffixUpdate] = openapi.Write(sp.app, e, false)
	s[n+suffixPage] = page(e.Label, openapi.Ref(n))
	s[n+suffixPlainPage] = page(e.Label+" (plainText)", openapi.Ref(n+suffixPlainText))
	s[n+suffixResults] = resultMap(openapi.Ref(n))
}

// page is the list envelope of rest-api.md §4.2.
func page(label string, item *openapi.Schema) *openapi.Schema {
	p := openapi.Object(
		openapi.Prop("total", openapi.Type("integer").Describe("Records matching, ignoring paging")),
		openapi.Prop("offset", (&openapi.Schema{Type: []string{"string", "integer", "null"}}).Describe(
			"_offset of the next page: the last id when sorted by id, else a position; null on the last page")),
		openapi.Prop("items", openapi.ArrayOf(item)))
	p.Required = []string{"total", "offset", "items"}
	p.Title = "A page of " + label
	return p
}

// readAnswer is a record of e as reads answer it: native, or plainText when
// _format asks for it.
func readAnswer(e *app.Entity) *openapi.Schema {
	return openapi.AnyOf(openapi.Ref(e.FullName), openapi.Ref(e.FullName+suffixPlainText))
}

// filters are the field filters of e (query-language.md §2), reusable
// parameters shared by every operation that selects records of e.
func (sp *spec) filters(e *app.Entity) []*openapi.Parameter {
	var out []*openapi.Parameter
	for _, fp := range query.FilterPaths(e) {
		ops := make([]string, len(fp.Ops))
		for i, op := range fp.Ops {
			ops[i] = string(op)
		}
		what := "the record id"
		if fp.Field != nil {
			what = fmt.Sprintf("%s (%s)", fp.Field.Label, fp.Field.Type)
		}
		out = append(out, sp.param(e.FullName+"_filter_"+fp.Path, &openapi.Parameter{Name: fp.Path, In: "query",
			Description: fmt.Sprintf("Filter on %s: a value (comma = any of), or an operator: %s(…)", what, strings.Join(ops, "(…), ")),
			Schema:      openapi.Type("string"), Operators: ops}))
	}
	return out
}

// The system parameters of queries (query-language.md §5).
func (sp *spec) selectParams(bulk bool) []*openapi.Parameter {
	size := sp.param("size", &openapi.Parameter{Name: "_size", In: "query", Description: "Records per page",
		Schema: &openapi.Schema{Type: "integer", Minimum: num(1), Maximum: num(query.MaxSize), Default: query.DefaultSize}})
	if bulk {
		size = sp.param("bulkSize", &openapi.Parameter{Name: "_size", In: "query",
			Description: "At most this many records (default: all that match)", Schema: &openapi.Schema{Type: "integer", Minimum: num(1)}})
	}
	return []*openapi.Parameter{
		size,
		sp.param("offset", &openapi.Parameter{Name: "_offset", In: "query",
			Description: "Records to skip, or the id of the record to continue after (the offset of the previous page)",
			Schema:      openapi.Type("string")}),
		sp.param("sortField", &openapi.Parameter{Name: "_sortField", In: "query", Description: "Field path to sort by (default id)",
			Schema: openapi.Type("string")}),
		sp.param("sortType", &openapi.Parameter{Name: "_sortType", In: "query",
			Schema: &openapi.Schema{Type: "string", Enum: []any{"asc", "desc"}, Default: "desc"}}),
		sp.param("query", &openapi.Parameter{Name: "_query", In: "query",
			Description: "A complex query: and(…), or(…), filter('path','value') (query-language.md §4)", Schema: openapi.Type("string")}),
		sp.param("indexedFilter", &openapi.Parameter{Name: "_indexedFilter", In: "query",
			Description: "The text index to search with _indexedFilterQuery", Schema: openapi.Type("string")}),
		sp.param("indexedFilterQuery", &openapi.Parameter{Name: "_indexedFilterQuery", In: "query",
			Description: "The words to search in _indexedFilter", Schema: openapi.Type("string")}),
	}
}

// outputParams shape the records of a read (rest-api.md §6.1).
func (sp *spec) outputParams() []*openapi.Parameter {
	return []*openapi.Parameter{
		sp.param("fields", &openapi.Parameter{Name: "_fields", In: "query",
			Description: "Comma list of the fields to return (nested paths allowed); id, version and label always come",
			Schema:      openapi.Type("string")}),
		sp.param("format", &openapi.Parameter{Name: "_format", In: "query",
			Description: "native (the JSON of each type) or plainText (every value a display string)",
			Schema:      &openapi.Schema{Type: "string", Enum: []any{"native", "plainText"}, Default: "native"}}),
		sp.param("formatForUser", &openapi.Parameter{Name: "_formatForUser", In: "query",
			Description: "Id or email of the user whose settings (time zone) plainText follows", Schema: openapi.Type("string")}),
		sp.param("relationshipsToFetch", &openapi.Parameter{Name: "_relationshipsToFetch", In: "query",
			Description: "Comma list of relationship fields whose records replace their {id, label}", Schema: openapi.Type("string")}),
	}
}

func (sp *spec) asyncParam(desc string, def bool) *openapi.Parameter {
	return boolQuery("_async", desc, def)
}

func (sp *spec) listRecords() {
	sp.eachEntity(func(e *app.Entity) {
		sp.entity(e)
		params := append(sp.selectParams(false), sp.outputParams()...)
		sp.add("GET", "/data/"+e.FullName, &openapi.Operation{OperationID: e.FullName + "_list", Tags: []string{e.FullName},
			Summary:    "List " + e.Label,
			Parameters: append(params, sp.filters(e)...),
			Responses: answers(ok("A page of records", openapi.AnyOf(openapi.Ref(e.FullName+suffixPage), openapi.Ref(e.FullName+suffixPlainPage))),
				authed(400, 404)...)})
	})
}

func (sp *spec) readRecord() {
	sp.eachEntity(func(e *app.Entity) {
		sp.entity(e)
		sp.add("GET", "/data/"+e.FullName+"/{id}", &openapi.Operation{OperationID: e.FullName + "_get", Tags: []string{e.FullName},
			Summary:    "Read one record of " + e.Label,
			Parameters: append([]*openapi.Parameter{pathID("id", "The record")}, sp.outputParams()...),
			Responses:  answers(ok("The record", readAnswer(e)), authed(400, 404)...)})
	})
}

func (sp *spec) createRecord() {
	sp.eachEntity(func(e *app.Entity) {
		sp.entity(e)
		sp.add("POST", "/data/"+e.FullName, &openapi.Operation{OperationID: e.FullName + "_create", Tags: []string{e.FullName},
			Summary:     "Create a record of " + e.Label,
			RequestBody: jsonBody("The fields of the new record", openapi.Ref(e.FullName+suffixCreate)),
			Responses:   answers(ok("The record as stored", openapi.Ref(e.FullName)), authed(400, 404)...)})
	})
}

func (sp *spec) updateRecord() {
	sp.eachEntity(func(e *app.Entity) {
		sp.entity(e)
		sp.add("PUT", "/data/"+e.FullName+"/{id}", &openapi.Operation{OperationID: e.FullName + "_update", Tags: []string{e.FullName},
			Summary:     "Update a record of " + e.Label + ": the fields sent change, null clears",
			Parameters:  []*openapi.Parameter{pathID("id", "The record")},
			RequestBody: jsonBody("The fields to change", openapi.Ref(e.FullName+suffixUpdate)),
			Responses:   answers(ok("The record as stored", openapi.Ref(e.FullName)), authed(400, 404, 409)...)})
	})
}

// bulkParams are the parameters of a delete (rest-api.md §6.5–6.7).
func (sp *spec) bulkParams() []*openapi.Parameter {
	return []*openapi.Parameter{
		sp.asyncParam("Run in a DELETE_RECORDS job and answer its reference", false),
		boolQuery("_lowPriority", "The job runs when few others do", false),
		boolQuery("_triggerEvents", "false: no listener hears the deletes", true),
		boolQuery("_cascadeOperations", "false: no cascade (relationships, aggregates)", true),
	}
}

func (sp *spec) deleteRecords() {
	sp.eachEntity(func(e *app.Entity) {
		sp.entity(e)
		// Named id, like the read's and the update's: OpenAPI takes
		// /x/{id} and /x/{ids} for the same path.
		ids := &openapi.Parameter{Name: "id", In: "path", Required: true, Example: exampleID,
			Description: "One record id, or a comma list of ids (a result per id)", Schema: openapi.Type("string")}
		sp.add("DELETE", "/data/"+e.FullName+"/{id}", &openapi.Operation{OperationID: e.FullName + "_delete", Tags: []string{e.FullName},
			Summary:    "Delete one record of " + e.Label + ", or several",
			Parameters: append([]*openapi.Parameter{ids}, sp.bulkParams()...),
			Responses: answers(ok("One id: the deleted record; a list: the results by id; _async: the job",
				openapi.AnyOf(openapi.Ref(e.FullName), openapi.Ref(e.FullName+suffixResults), openapi.Ref(schemaJobRef))),
				authed(400, 404)...)})
	})
}

func (sp *spec) deleteQuery() {
	sp.eachEntity(func(e *app.Entity) {
		sp.entity(e)
		params := append(sp.selectParams(true), sp.bulkParams()...)
		sp.add("DELETE", "/data/"+e.FullName, &openapi.Operation{OperationID: e.FullName + "_deleteQuery", Tags: []string{e.FullName},
			Summary:    "Delete the records of " + e.Label + " the query selects (all without one)",
			Parameters: append(params, sp.filters(e)...),
			Responses: answers(ok("The results by id; _async: the job",
				openapi.AnyOf(openapi.Ref(e.FullName+suffixResults), openapi.Ref(schemaJobRef))), authed(400, 404)...)})
	})
}
