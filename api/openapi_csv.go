package api

import (
	"runway/app"
	"runway/jobs"
	"runway/openapi"
)

// CSV import and export (rest-api.md §6.10, §6.11): jobs.
func init() {
	describe("PUT /data/{entity}/export", (*spec).exportRecords)
	describe("POST /data/{entity}/import", (*spec).importRecords)
}

func (sp *spec) importRecords() {
	props := []openapi.Property{openapi.Prop("file", &openapi.Schema{Type: "string", Format: "binary"}),
		openapi.Prop("fileId", openapi.ID().Describe("An upload to import instead of a file part"))}
	var params []*openapi.Parameter
	params = append(params, &openapi.Parameter{Name: "fileId", In: "query", Description: "An upload to import (instead of a file part)", Schema: openapi.ID()})
	for _, name := range jobs.ImportOptionNames {
		desc := "Developers only (ignored for others); also accepted as _" + name + " and as a form field"
		def := true
		if name == "lowPriority" {
			desc, def = "Run in the low-priority lane; also accepted as _lowPriority and as a form field", false
		}
		params = append(params, boolQuery(name, desc, def))
		props = append(props, openapi.Prop(name, &openapi.Schema{Type: "boolean", Default: def}))
	}
	body := openapi.Object(props...)
	sp.eachEntity(func(e *app.Entity) {
		sp.add("POST", "/data/"+e.FullName+"/import", &openapi.Operation{OperationID: e.FullName + "_import", Tags: []string{e.FullName},
			Summary: "Import a CSV file into " + e.Label + " (an IMPORT_RECORDS job)",
			Description: "Headers are field paths (name, address.state, phones[0], customer.code) by name or label; rows matching the first unique column update. " +
				"When the job is FINISHED its results are {rowsImported, rowsWithErrors}; failed rows are in its logs.",
			Parameters: params,
			RequestBody: &openapi.RequestBody{Description: "The CSV file as the part named file, options as form fields",
				Content: map[string]openapi.MediaType{"multipart/form-data": {Schema: body}}},
			Responses: answers(ok("The job", openapi.Ref(schemaJobRef)), authed(400, 404, 413)...)})
	})
}

func (sp *spec) exportRecords() {
	sp.eachEntity(func(e *app.Entity) {
		params := append(sp.selectParams(true),
			sp.param("exportFields", &openapi.Parameter{Name: "_fields", In: "query",
				Description: "Comma list of the columns: field paths, fields of related records (customer.segment), a bare relationship (its label); default all fields",
				Schema:      openapi.Type("string")}),
			sp.param("useFieldNames", boolQuery("_useFieldNames", "Headers are field names (a valid import template) instead of labels", false)),
			sp.param("lowPriority", boolQuery("_lowPriority", "Run in the low-priority lane", false)))
		sp.add("PUT", "/data/"+e.FullName+"/export", &openapi.Operation{OperationID: e.FullName + "_export", Tags: []string{e.FullName},
			Summary:     "Export the records of " + e.Label + " the query selects to a CSV file (an EXPORT_RECORDS job)",
			Description: "When the job is FINISHED its results are {fileLink, fileId, recordsExported}. More than 1,000,000 records: 400.",
			Parameters:  append(params, sp.filters(e)...),
			Responses:   answers(ok("The job", openapi.Ref(schemaJobRef)), authed(400, 404)...)})
	})
}
