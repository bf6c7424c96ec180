package api

import (
	"runway/jobs"
	"runway/openapi"
	"runway/query"
)

// Jobs (rest-api.md §9).
func init() {
	describe("GET /status/jobs", (*spec).listJobs)
	describe("GET /status/jobs/{id}", (*spec).getJob)
	describe("GET /status/jobs/{id}/logs", (*spec).jobLogs)
	describe("GET /status/job/{id}/logs", (*spec).jobLogsAlias)
	describe("PUT /status/jobs/{id}/{command}", (*spec).jobCommands)
}

const (
	schemaJob        = "runway_Job"
	schemaJobPage    = "runway_JobPage"
	schemaJobLogPage = "runway_JobLogPage"
)

func jobSchema() *openapi.Schema {
	ref := func() *openapi.Schema {
		r := openapi.Object(openapi.Prop("id", openapi.ID()), openapi.Prop("label", openapi.Type("string")))
		r.Required = []string{"id", "label"}
		return openapi.Nullable(r)
	}
	ms := func(desc string) *openapi.Schema {
		return (&openapi.Schema{Type: "integer", Format: "int64"}).Describe("%s (ms since 1970-01-01 UTC)", desc)
	}
	runBy := openapi.Object(openapi.Prop("id", openapi.Type("string")), openapi.Prop("fullName", openapi.Type("string")))
	runBy.Required = []string{"id", "fullName"}
	j := openapi.Object(
		openapi.Prop("id", openapi.ID()),
		openapi.Prop("label", openapi.Type("string")),
		openapi.Prop("type", openapi.Type("string").Describe("IMPORT_RECORDS, EXPORT_RECORDS, EXECUTE_ACTION, DELETE_RECORDS, EXECUTE_LISTENER, …")),
		openapi.Prop("runBy", runBy),
		openapi.Prop("parentJob", ref()),
		openapi.Prop("rootJob", ref()),
		openapi.Prop("createDate", ms("Created")),
		openapi.Prop("startDate", openapi.Nullable(ms("First started"))),
		openapi.Prop("endDate", openapi.Nullable(ms("Ended"))),
		openapi.Prop("status", &openapi.Schema{Type: "string", Enum: enum(jobs.Statuses)}),
		openapi.Prop("hasErrors", openapi.Type("boolean")),
		openapi.Prop("progress", &openapi.Schema{Type: "integer", Minimum: num(0), Maximum: num(100)}),
		openapi.Prop("recordsCount", openapi.Type("integer")),
		openapi.Prop("recordsProcessed", openapi.Type("integer")),
		openapi.Prop("childrenJobsCount", openapi.Type("integer")),
		openapi.Prop("childrenJobsProcessed", openapi.Type("integer")),
		openapi.Prop("stoppable", openapi.Type("boolean")),
		openapi.Prop("lowPriority", openapi.Type("boolean")),
		openapi.Prop("data", openapi.Type("object").Describe("The job's parameters, by type (rest-api.md §9.3)")),
		openapi.Prop("results", openapi.Type("object").Describe("The outcome, by type (rest-api.md §9.4): for deletes and actions, results by record id")))
	j.Required = []string{"id", "label", "type", "runBy", "parentJob", "rootJob", "createDate", "startDate", "endDate",
		"status", "hasErrors", "progress", "recordsCount", "recordsProcessed", "childrenJobsCount", "childrenJobsProcessed",
		"stoppable", "lowPriority", "data", "results"}
	j.Title = "Job (rest-api.md §9.1)"
	return j
}

func enum[T ~string](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

func (sp *spec) job() *openapi.Schema { return sp.schema(schemaJob, jobSchema) }

func idPage(title string, item *openapi.Schema) *openapi.Schema {
	p := openapi.Object(
		openapi.Prop("total", openapi.Type("integer")),
		openapi.Prop("offset", openapi.Nullable(openapi.ID()).Describe("_offset of the next page; null on the last one")),
		openapi.Prop("items", openapi.ArrayOf(item)))
	p.Required = []string{"total", "offset", "items"}
	p.Title = title
	return p
}

func jobSize(def int) *openapi.Parameter {
	return &openapi.Parameter{Name: "_size", In: "query",
		Schema: &openapi.Schema{Type: "integer", Minimum: num(1), Maximum: num(query.MaxSize), Default: def}}
}

func jobOffset() *openapi.Parameter {
	return &openapi.Parameter{Name: "_offset", In: "query", Description: "The offset of the previous page", Schema: openapi.ID()}
}

func msQuery(name, desc string) *openapi.Parameter {
	return &openapi.Parameter{Name: name, In: "query", Description: desc + " (ms, inclusive)",
		Schema: &openapi.Schema{Type: "integer", Format: "int64"}}
}

func (sp *spec) listJobs() {
	params := []*openapi.Parameter{
		commaList("type", "Only jobs of these types", jobs.Types),
		commaList("status", "Only jobs in these statuses", jobs.Statuses),
		{Name: "hasErrors", In: "query", Description: "Only jobs with (true) or without (false) errors", Schema: openapi.Type("boolean")},
		msQuery("startFrom", "Started at or after"), msQuery("startTo", "Started at or before"),
		msQuery("endFrom", "Ended at or after"), msQuery("endTo", "Ended at or before"),
		msQuery("createFrom", "Created at or after"), msQuery("createTo", "Created at or before"),
		jobSize(jobs.DefaultListSize), jobOffset(),
	}
	page := sp.schema(schemaJobPage, func() *openapi.Schema { return idPage("A page of jobs, newest first", openapi.Ref(schemaJob)) })
	sp.job()
	sp.add("GET", "/status/jobs", &openapi.Operation{OperationID: "listJobs", Tags: []string{"jobs"},
		Summary:    "List jobs (developers: all; others: their own)",
		Parameters: params,
		Responses:  answers(ok("A page of jobs", page), authed(400)...)})
}

func (sp *spec) getJob() {
	sp.add("GET", "/status/jobs/{id}", &openapi.Operation{OperationID: "getJob", Tags: []string{"jobs"},
		Summary:    "Read a job",
		Parameters: []*openapi.Parameter{pathID("id", "The job")},
		Responses:  answers(ok("The job", sp.job()), authed(404)...)})
}

func (sp *spec) jobLogsOp(id string) *openapi.Operation {
	line := openapi.Object(
		openapi.Prop("timestamp", &openapi.Schema{Type: "integer", Format: "int64"}),
		openapi.Prop("level", &openapi.Schema{Type: "string", Enum: enum(jobs.Levels)}),
		openapi.Prop("message", openapi.Type("string")))
	line.Required = []string{"timestamp", "level", "message"}
	page := sp.schema(schemaJobLogPage, func() *openapi.Schema { return idPage("A page of a job's log, oldest first", line) })
	return &openapi.Operation{OperationID: id, Tags: []string{"jobs"},
		Summary: "Read a job's log",
		Parameters: []*openapi.Parameter{pathID("id", "The job"),
			{Name: "period", In: "query", Description: "A window ending now (3h 30m, today, yesterday); replaces from and to",
				Schema: openapi.Type("string")},
			msQuery("from", "Written at or after"), msQuery("to", "Written at or before"),
			commaList("level", "Only lines of these levels", jobs.Levels),
			{Name: "message", In: "query", Description: "Only lines containing this text (any case)", Schema: openapi.Type("string")},
			jobSize(jobs.DefaultLogsSize), jobOffset()},
		Responses: answers(ok("A page of log lines", page), authed(400, 404)...)}
}

func (sp *spec) jobLogs() { sp.add("GET", "/status/jobs/{id}/logs", sp.jobLogsOp("getJobLogs")) }

func (sp *spec) jobLogsAlias() {
	op := sp.jobLogsOp("getJobLogsAlias")
	op.Summary = "Read a job's log (the singular path of the documentation's sample)"
	sp.add("GET", "/status/job/{id}/logs", op)
}

func (sp *spec) jobCommands() {
	what := map[jobs.Command]string{
		jobs.Stop:      "Stop a job between two batches (a PENDING one at once)",
		jobs.ForceStop: "Stop a STOPPING job at once; its batch in progress is undone",
		jobs.Cancel:    "Cancel a STOPPED job for good",
		jobs.Resume:    "Resume a STOPPED job from where it stopped",
	}
	for _, cmd := range jobs.UserCommands {
		sp.add("PUT", "/status/jobs/{id}/"+string(cmd), &openapi.Operation{OperationID: string(cmd) + "Job", Tags: []string{"jobs"},
			Summary:    what[cmd],
			Parameters: []*openapi.Parameter{pathID("id", "The job")},
			Responses:  answers(ok("The job after the command", sp.job()), authed(400, 404)...)})
	}
}
