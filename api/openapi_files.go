package api

import (
	"runway/app"
	"runway/openapi"
)

// Files (rest-api.md §7): upload, downloads, share links.
func init() {
	describe("POST /files", (*spec).uploadFile)
	describe("GET /files/{id}", (*spec).downloadFile)
	describe("PUT /files/{id}/share", (*spec).shareFile)
	describe("GET /files/shared/{id}", (*spec).sharedFile)
	describe("GET /data/{entity}/{id}/files/{fileId}", (*spec).recordFile)
}

const downloadNote = "The token may also come in the cookie `token` (a browser following a link sends no header). " +
	"Answers the raw bytes (`Content-Type: application/force-download`, the name in `Content-Disposition`), " +
	"with ranges (`Range`, 206), the file id as `ETag` and conditional requests (304)."

// download is the answer of a file download: the bytes, whole or a range.
func download() map[string]*openapi.Response {
	bytes := map[string]openapi.MediaType{"application/force-download": {Schema: &openapi.Schema{Type: "string", Format: "binary"}}}
	return map[string]*openapi.Response{
		"200": {Description: "The file", Headers: requestIDHeaders(), Content: bytes},
		"206": {Description: "The ranges asked for", Headers: requestIDHeaders(), Content: bytes},
		"304": {Description: "Not modified (If-None-Match)", Headers: requestIDHeaders()},
	}
}

func withErrors(m map[string]*openapi.Response, errs ...int) map[string]*openapi.Response {
	for k, v := range answers(nil, errs...) {
		if k != "200" {
			m[k] = v
		}
	}
	return m
}

func (sp *spec) uploadFile() {
	body := openapi.Object(openapi.Prop("file", &openapi.Schema{Type: "string", Format: "binary"}))
	body.Required = []string{"file"}
	answer := openapi.Object(openapi.Prop("fileId", openapi.ID()),
		openapi.Prop("fileLink", openapi.Type("string").Describe("/files/{fileId}, relative to the API base")))
	answer.Required = []string{"fileId", "fileLink"}
	sp.add("POST", "/files", &openapi.Operation{OperationID: "uploadFile", Tags: []string{"files"},
		Summary: "Upload a file (temporary until a record's file field references it; deleted after 12 hours otherwise)",
		RequestBody: &openapi.RequestBody{Required: true, Description: "The part named file (or the first part with a file name)",
			Content: map[string]openapi.MediaType{"multipart/form-data": {Schema: body}}},
		Responses: answers(ok("The new file", sp.schema("runway_FileUploaded", func() *openapi.Schema { return answer })), authed(400, 413)...)})
}

func (sp *spec) downloadFile() {
	sp.add("GET", "/files/{id}", &openapi.Operation{OperationID: "downloadFile", Tags: []string{"files"},
		Summary:     "Download a file by id (developers only; others read files through their records)",
		Description: downloadNote,
		Parameters:  []*openapi.Parameter{pathID("id", "The file")},
		Responses:   withErrors(download(), authed(404, 412, 416)...)})
}

func (sp *spec) shareFile() {
	answer := openapi.Object(openapi.Prop("sharedFileId", openapi.ID()),
		openapi.Prop("sharedFileLink", openapi.Type("string").Describe("/files/shared/{sharedFileId}, relative to the API base; needs no token")))
	answer.Required = []string{"sharedFileId", "sharedFileLink"}
	sp.add("PUT", "/files/{id}/share", &openapi.Operation{OperationID: "shareFile", Tags: []string{"files"},
		Summary: "Create a public link to a file (developers only)",
		Parameters: []*openapi.Parameter{pathID("id", "The file"),
			{Name: "ttl", In: "query", Description: "Lifetime of the link in milliseconds",
				Schema: &openapi.Schema{Type: "integer", Minimum: num(1), Default: 3600000}}},
		Responses: answers(ok("The link", sp.schema("runway_SharedFile", func() *openapi.Schema { return answer })), authed(400, 404)...)})
}

func (sp *spec) sharedFile() {
	sp.add("GET", "/files/shared/{id}", (&openapi.Operation{OperationID: "sharedFile", Tags: []string{"files"},
		Summary:     "Fetch a shared file (public: a token sent is ignored)",
		Description: "Answers like a download. An unknown or expired link is 404.",
		Parameters:  []*openapi.Parameter{pathID("id", "The shared file (sharedFileId)")},
		Responses:   withErrors(download(), 404, 412, 416, 500)}).Public())
}

func (sp *spec) recordFile() {
	// Every entity: the route serves them all (without a file field, the
	// answer is 404).
	sp.eachEntity(func(e *app.Entity) {
		sp.entity(e)
		sp.add("GET", "/data/"+e.FullName+"/{id}/files/{fileId}", &openapi.Operation{OperationID: e.FullName + "_file",
			Tags:        []string{e.FullName},
			Summary:     "Download a file a record of " + e.Label + " holds (record and field permissions apply)",
			Description: downloadNote + " A file the record does not hold is 404; one held only in fields the caller cannot read, 403.",
			Parameters:  []*openapi.Parameter{pathID("id", "The record"), pathID("fileId", "The file")},
			Responses:   withErrors(download(), authed(404, 412, 416)...)})
	})
}
