package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"runway/api/apitest"
	"runway/jobs"
)

// exportCSV runs an export as token with the query q, waits for its job and
// returns the job and the CSV file's rows.
func exportCSV(t *testing.T, s *apitest.Server, token, entity, q string) (obj, [][]string) {
	t.Helper()
	return exportedFile(t, s, token, asyncRef(t, s.Do("PUT", "/data/"+entity+"/export?"+q, token, nil)))
}

// exportedFile waits for the export job id to finish and reads its file.
func exportedFile(t *testing.T, s *apitest.Server, token, id string) (obj, [][]string) {
	t.Helper()
	j := waitStatus(t, s, id, "FINISHED")
	res, _ := j["results"].(map[string]any)
	fileID, _ := res["fileId"].(string)
	if !isID(fileID) || res["fileLink"] != s.URL+"/files/"+fileID {
		t.Fatalf("export results %v (server %s)", res, s.URL)
	}
	body := s.Do("GET", "/files/"+fileID, token, nil).Status(200).Body
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatalf("export file: %v\n%s", err, body)
	}
	return j, rows
}

// rowMaps are the rows of a CSV file after its header, by column.
func rowMaps(rows [][]string) []map[string]string {
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func TestExportColumnsAndCells(t *testing.T) {
	t.Parallel()
	s := demo(t)
	acme := create(t, s, "companies", obj{"name": "Acme, Inc.", "state": "active", "type": "a", "numberOfEmployees": 120,
		"isCustomer": true, "contactInformation": obj{"phoneNumber": "+1 555 0100", "email": "info@acme.example"},
		"addresses": arr{obj{"addressLine": "1 Main St", "city": "Springfield", "state": "IL"},
			obj{"addressLine": "2 Side St\nSuite 4", "city": "Shelbyville"}},
		"rating": "12345678901234567890.5", "notes": "line one\nline \"two\"", "lastMeeting": "2024-05-31T18:30:00Z"})
	create(t, s, "companies", obj{"name": "Beta", "state": "pending", "numberOfEmployees": 3})
	create(t, s, "contacts", obj{"firstName": "Ann", "lastName": "Lee", "email": "ann@example.org",
		"phoneNumbers": arr{"+1 555 0101", "+1 555 0102"}, "company": obj{"id": acme["id"]}})

	j, rows := exportCSV(t, s, s.Token, "companies", "_useFieldNames=true&_sortField=name&_sortType=asc")
	if res := j["results"].(map[string]any); num(res["recordsExported"]) != 2 || j["progress"] != float64(100) {
		t.Errorf("job %v", js(j))
	}
	h := strings.Join(rows[0], ",")
	for _, want := range []string{"name,state,type,numberOfEmployees,isCustomer,contactInformation.phoneNumber,contactInformation.email",
		"addresses[0].addressLine,addresses[0].zipCode,addresses[0].city,addresses[0].state,addresses[1].addressLine"} {
		if !strings.Contains(h, want) {
			t.Errorf("header %q lacks %q", h, want)
		}
	}
	for _, sys := range []string{"id", "label", "version"} {
		for _, c := range rows[0] {
			if c == sys {
				t.Errorf("system field %s exported", sys)
			}
		}
	}
	m := rowMaps(rows)
	if len(m) != 2 {
		t.Fatalf("rows %v", rows)
	}
	a := m[0]
	for k, want := range map[string]string{"name": "Acme, Inc.", "state": "active", "numberOfEmployees": "120", "isCustomer": "true",
		"addresses[1].addressLine": "2 Side St\nSuite 4", "addresses[1].state": "", "rating": "12345678901234567890.5",
		"notes": "line one\nline \"two\"", "lastMeeting": "2024-05-31T18:30:00.000Z", "contactInformation.email": "info@acme.example"} {
		if a[k] != want {
			t.Errorf("%s = %q, want %q", k, a[k], want)
		}
	}
	if m[1]["name"] != "Beta" || m[1]["isCustomer"] != "false" || m[1]["addresses[0].city"] != "" {
		t.Errorf("second row %v", m[1])
	}

	// Labels as headers, a filter, chosen fields, related fields and a
	// bare relationship (its label), multi-valued columns.
	_, rows = exportCSV(t, s, s.Token, "contacts", "_fields="+url.QueryEscape("firstName,phoneNumbers,company,company.numberOfEmployees,company.state"))
	if got := strings.Join(rows[0], "|"); got != "First name|Phone numbers[0]|Phone numbers[1]|Company|Company.Number of employees|Company.State" {
		t.Errorf("label headers %q", got)
	}
	if got := strings.Join(rows[1], "|"); got != "Ann|+1 555 0101|+1 555 0102|Acme, Inc.|120|active" {
		t.Errorf("contact row %q", got)
	}

	// Errors: unknown fields, unknown entity, a bad query.
	s.As("PUT", "/data/companies/export?_fields=nope", nil).Error(400, "badRequest")
	s.As("PUT", "/data/nothing/export", nil).Error(404, "notFound")
	s.As("PUT", "/data/companies/export?numberOfEmployees=greater(x)", nil).Error(400, "badRequest")
}

// importCSV posts content as the file part of an import (form fields
// beside it), as token, and returns the job's reference answer.
func importCSV(t *testing.T, s *apitest.Server, token, entity, query, content string, form map[string]string) *apitest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range form {
		_ = mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("file", entity+".csv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	u := s.URL + "/data/" + entity + "/import"
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest("POST", u, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("token", token)
	return s.Send(req)
}

// importDone imports content as the admin and waits for the job to finish.
func importDone(t *testing.T, s *apitest.Server, entity, content string) obj {
	t.Helper()
	id := asyncRef(t, importCSV(t, s, s.Token, entity, "", content, nil))
	return waitStatus(t, s, id, "FINISHED")
}

func importResults(t *testing.T, j obj) (int64, int64) {
	t.Helper()
	res, _ := j["results"].(map[string]any)
	return num(res["rowsImported"]), num(res["rowsWithErrors"])
}

func byName(t *testing.T, s *apitest.Server, entity, name string) obj {
	t.Helper()
	p := list(t, s, entity, q("name", name))
	if len(p.Items) != 1 {
		t.Fatalf("%s named %q: %d records", entity, name, len(p.Items))
	}
	return p.Items[0]
}

func TestImportCellsUpsertAndRowErrors(t *testing.T) {
	t.Parallel()
	s := demo(t)
	// A byte order mark, ';' separators, headers by label and by name,
	// nested and indexed columns, a quoted cell with a newline and the
	// separator, epoch milliseconds and ISO date-times.
	content := "\uFEFFName;State;numberOfEmployees;Is customer;contactInformation.email;addresses[0].city;addresses[1].city;Last meeting;notes;rating\n" +
		"Acme;active;120;true;info@acme.example;Springfield;Shelbyville;2024-05-31T18:30:00.000Z;\"two\nlines; here\";1.50\n" +
		"Beta;pending;x12;false;;;;;;\n" +
		"Gamma;nope;3;false;;;;1717180200000;;\n" +
		"Delta;;;;;Ogdenville;;;;\n"
	j := importDone(t, s, "companies", content)
	if ok, bad := importResults(t, j); ok != 2 || bad != 2 || j["hasErrors"] != true || num(j["recordsCount"]) != 4 {
		t.Fatalf("job %s", js(j))
	}
	logs := jobLogText(t, s, j["id"].(string))
	for _, want := range []string{"Row 3: ", "numberOfEmployees", "Row 4: ", "state"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	a := byName(t, s, "companies", "Acme")
	for path, want := range map[string]any{"state": "active", "numberOfEmployees": float64(120), "isCustomer": true,
		"contactInformation.email": "info@acme.example", "notes": "two\nlines; here", "rating": "1.5",
		"lastMeeting": float64(1717180200000)} {
		if got := at(a, path); !jsonEq(got, want) {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if addrs, _ := a["addresses"].([]any); len(addrs) != 2 || at(addrs[1], "city") != "Shelbyville" {
		t.Errorf("addresses %v", a["addresses"])
	}
	if d := byName(t, s, "companies", "Delta"); at(d, "addresses") == nil {
		t.Errorf("Delta %v", d)
	}

	// The unique column (name) matches: those rows update, others create;
	// empty cells leave values alone.
	j = importDone(t, s, "companies", "name,numberOfEmployees,notes\nAcme,121,\nEpsilon,5,new\n")
	if ok, bad := importResults(t, j); ok != 2 || bad != 0 {
		t.Fatalf("upsert job %s", js(j))
	}
	a = byName(t, s, "companies", "Acme")
	if a["numberOfEmployees"] != float64(121) || a["notes"] != "two\nlines; here" || a["version"] != float64(1) {
		t.Errorf("Acme after upsert %v", a)
	}
	byName(t, s, "companies", "Epsilon")
	if n := list(t, s, "companies", "").Total; n != 3 {
		t.Errorf("%d companies, want 3", n)
	}
	// The same unique value twice in one file: the second row updates what
	// the first created.
	j = importDone(t, s, "companies", "name,numberOfEmployees\nZeta,1\nZeta,2\n")
	if ok, bad := importResults(t, j); ok != 2 || bad != 0 || byName(t, s, "companies", "Zeta")["numberOfEmployees"] != float64(2) {
		t.Errorf("repeated key: %s", js(j))
	}

	// No file, unknown entity, bad option, no known column.
	s.As("POST", "/data/companies/import", nil).Error(400, "badRequest")
	importCSV(t, s, s.Token, "nothing", "", "name\nx\n", nil).Error(404, "notFound")
	importCSV(t, s, s.Token, "companies", "triggerEvents=maybe", "name\nx\n", nil).Error(400, "badRequest")
	id := asyncRef(t, importCSV(t, s, s.Token, "companies", "", "nope,other\n1,2\n", nil))
	if j := waitStatus(t, s, id, "FINISHED"); j["hasErrors"] != true {
		t.Errorf("import without a known column: %s", js(j))
	}
}

func TestImportRelatedRecords(t *testing.T) {
	t.Parallel()
	s := demo(t)
	create(t, s, "companies", obj{"name": "Acme", "numberOfEmployees": 10})
	content := "firstName,lastName,company.name,company.numberOfEmployees,phoneNumbers[0],phoneNumbers[1]\n" +
		"Ann,Lee,Acme,11,+1 555 0101,+1 555 0102\n" +
		"Bob,Ray,Acme,11,,\n" +
		"Cid,Moe,NewCo,7,,\n" +
		"Dan,Poe,Acme,12,,\n" +
		"Eve,Fox,,,,\n"
	j := importDone(t, s, "contacts", content)
	// Eve has no company, which contacts require.
	if ok, bad := importResults(t, j); ok != 4 || bad != 1 {
		t.Fatalf("job %s\n%s", js(j), jobLogText(t, s, j["id"].(string)))
	}
	if logs := jobLogText(t, s, j["id"].(string)); !strings.Contains(logs, "Row 6: ") || !strings.Contains(logs, "company") {
		t.Errorf("logs:\n%s", logs)
	}
	acme := byName(t, s, "companies", "Acme")
	if acme["numberOfEmployees"] != float64(12) {
		t.Errorf("related record not updated: %v", acme)
	}
	newco := byName(t, s, "companies", "NewCo")
	if n := list(t, s, "companies", "").Total; n != 2 {
		t.Errorf("%d companies, want 2", n)
	}
	people := map[string]obj{}
	for _, c := range list(t, s, "contacts", "").Items {
		people[c["firstName"].(string)] = c
	}
	if at(people["Ann"], "company.id") != acme["id"] || at(people["Bob"], "company.id") != acme["id"] ||
		at(people["Cid"], "company.id") != newco["id"] || at(people["Dan"], "company.id") != acme["id"] || people["Eve"] != nil {
		t.Errorf("links: %v", people)
	}
	if ph, _ := people["Ann"]["phoneNumbers"].([]any); len(ph) != 2 {
		t.Errorf("phones %v", people["Ann"]["phoneNumbers"])
	}
}

func TestImportOptions(t *testing.T) {
	t.Parallel()
	s := demo(t)
	s.CreateUser("ops@example.org", "ops-password-1", obj{"firstName": "Op", "lastName": "Er", "groups": arr{obj{"group": "users"}}})
	tok := s.Login("ops@example.org", "ops-password-1")
	// Bare or with "_", in the query string or as form fields; the
	// developer-only ones are kept for developers, ignored for others.
	for _, c := range []struct {
		token, query string
		form         map[string]string
		want         string
	}{
		{s.Token, "triggerEvents=false", nil, `{"triggerEvents":false}`},
		{s.Token, "", map[string]string{"_setDefaultValues": "false", "lowPriority": "true"}, `{"setDefaultValues":false}`},
		{tok, "_performValidations=false&_lowPriority=true", nil, `null`},
	} {
		id := asyncRef(t, importCSV(t, s, c.token, "skills", c.query, "name\nS-"+c.want+"\n", c.form))
		j := s.As("GET", "/status/jobs/"+id, nil).Status(200).JSON()
		d, _ := j["data"].(map[string]any)
		if got := js(d["options"]); got != c.want && !(c.want == "null" && d["options"] == nil) {
			t.Errorf("%v: options %s, want %s", c, got, c.want)
		}
		if d["entityName"] != "skills" || d["fileName"] != "skills.csv" || j["type"] != "IMPORT_RECORDS" {
			t.Errorf("job %s", js(j))
		}
		if low := c.query != "triggerEvents=false"; j["lowPriority"] != low {
			t.Errorf("%v: lowPriority %v", c, j["lowPriority"])
		}
		waitStatus(t, s, id, "FINISHED")
	}
}

// TestImportExportRoundTrip exports records with field names and imports
// the file into an empty app: the records are the same.
func TestImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	s := demo(t)
	create(t, s, "companies", obj{"name": "Acme, Inc.", "state": "active", "type": "a", "numberOfEmployees": 120,
		"isCustomer": true, "contactInformation": obj{"phoneNumber": "+1 555 0100", "email": "info@acme.example"},
		"addresses": arr{obj{"addressLine": "1 Main St", "zipCode": "62701", "city": "Springfield", "state": "IL"},
			obj{"addressLine": "2 Side St\nSuite 4", "city": "Shelbyville"}},
		"homepage": "https://acme.example", "taxId": "123-abc",
		"rating": "12345678901234567890.5", "notes": "line one\nline \"two\"", "lastMeeting": "2024-05-31T18:30:00.123Z"})
	create(t, s, "companies", obj{"name": "Beta", "state": "pending", "numberOfEmployees": 0})
	create(t, s, "companies", obj{"name": "Gamma; Ltd", "isCustomer": false})
	_, rows := exportCSV(t, s, s.Token, "companies", "_useFieldNames=true")
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows)

	s2 := demo(t)
	j := importDone(t, s2, "companies", b.String())
	if ok, bad := importResults(t, j); ok != 3 || bad != 0 {
		t.Fatalf("import %s\n%s", js(j), jobLogText(t, s2, j["id"].(string)))
	}
	strip := func(items []map[string]any) []string {
		var out []string
		for _, it := range items {
			for _, k := range []string{"id", "version", "created", "lastUpdate"} {
				delete(it, k)
			}
			for _, n := range []string{"contactInformation", "addresses"} {
				if m, ok := it[n].(map[string]any); ok {
					delete(m, "id")
				}
				l, _ := it[n].([]any)
				for _, item := range l {
					delete(item.(map[string]any), "id")
				}
			}
			out = append(out, js(it))
		}
		sort.Strings(out)
		return out
	}
	a, b2 := strip(list(t, s, "companies", "").Items), strip(list(t, s2, "companies", "").Items)
	if strings.Join(a, "\n") != strings.Join(b2, "\n") {
		t.Errorf("round trip:\n%s\nwant\n%s", strings.Join(b2, "\n"), strings.Join(a, "\n"))
	}
}

// TestImportStopResumeCancel stops an import in the middle, checks that the
// records stored are exactly the rows it reports, resumes it to the end
// (every row once: all records at version 0), then stops and cancels
// another.
func TestImportStopResumeCancel(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, nil, apitest.Options{Jobs: slowJobs})
	var b strings.Builder
	b.WriteString("name,category\n")
	const rows = 15_000 // three steps of two batches
	for i := 0; i < rows; i++ {
		b.WriteString("skill " + strings.Repeat("0", 5-len(itoa(i))) + itoa(i) + ",technical\n")
	}
	id := asyncRef(t, importCSV(t, s, s.Token, "skills", "", b.String(), nil))
	waitJob(t, s, id, "progress", func(j obj) bool { return num(j["recordsProcessed"]) >= 500 })
	s.As("PUT", "/status/jobs/"+id+"/stop", nil).Status(200)
	j := waitStatus(t, s, id, "STOPPED")
	done := num(j["recordsProcessed"])
	if n := list(t, s, "skills", "").Total; int64(n) != done || done == rows || j["progress"] == float64(0) {
		t.Fatalf("stopped after %d rows with %d records: %s", done, n, js(j))
	}
	s.As("PUT", "/status/jobs/"+id+"/resume", nil).Status(200)
	j = waitStatus(t, s, id, "FINISHED")
	if ok, bad := importResults(t, j); ok != rows || bad != 0 || num(j["recordsProcessed"]) != rows {
		t.Fatalf("resumed %s", js(j))
	}
	p := list(t, s, "skills", "_size=1000&_fields=version")
	if p.Total != rows {
		t.Fatalf("%d records", p.Total)
	}
	for _, it := range p.Items {
		if it["version"] != float64(0) {
			t.Fatalf("record imported twice: %v", it)
		}
	}
	if logs := jobLogText(t, s, id); !strings.Contains(logs, "Continuing after row") {
		t.Errorf("logs:\n%s", logs)
	}

	// Stop, then cancel: nothing more is imported.
	id = asyncRef(t, importCSV(t, s, s.Token, "skills", "", strings.ReplaceAll(b.String(), "skill ", "other "), nil))
	waitJob(t, s, id, "progress", func(j obj) bool { return num(j["recordsProcessed"]) >= 500 })
	s.As("PUT", "/status/jobs/"+id+"/stop", nil).Status(200)
	j = waitStatus(t, s, id, "STOPPED")
	s.As("PUT", "/status/jobs/"+id+"/cancel", nil).Status(200)
	waitStatus(t, s, id, "CANCELED")
	if n := list(t, s, "skills", q("name", "like(other)")).Total; int64(n) != num(j["recordsProcessed"]) {
		t.Errorf("canceled import: %d records for %d rows", n, num(j["recordsProcessed"]))
	}
}

// TestImportStopsWithinAStep: without pauses between batches, an import's
// step goes on batch after batch; a stop request still ends it at the
// next batch, with everything it reports stored.
func TestImportStopsWithinAStep(t *testing.T) {
	t.Parallel()
	// No heartbeat in the test's time: the stop is seen at a checkpoint.
	s := apitest.Start(t, nil, apitest.Options{Jobs: jobs.Config{Heartbeat: time.Hour}})
	const rows = 40_000
	var b strings.Builder
	b.WriteString("name,category\n")
	for i := 0; i < rows; i++ {
		b.WriteString(fmt.Sprintf("skill %05d,technical\n", i))
	}
	id := asyncRef(t, importCSV(t, s, s.Token, "skills", "", b.String(), nil))
	waitJob(t, s, id, "progress", func(j obj) bool { return num(j["recordsProcessed"]) >= 1000 })
	s.As("PUT", "/status/jobs/"+id+"/stop", nil).Status(200)
	j := waitStatus(t, s, id, "STOPPED")
	done := num(j["recordsProcessed"])
	if n := list(t, s, "skills", "").Total; int64(n) != done || done == rows {
		t.Fatalf("stopped after %d rows with %d records: %s", done, n, js(j))
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestExportStopResume stops exports after their first page and resumes
// them: the file has its header once and every record once, in the
// query's order (sorted by a field: the rest is read past the records
// written; by id: after the last of them), and with multi-valued columns
// the cells of the stopped run's spool under their own columns (a column
// key first seen after the stop is numbered after those seen before it)
// and the columns of values first seen after the stop; the part a stopped
// run kept is deleted once the export finishes.
func TestExportStopResume(t *testing.T) {
	t.Parallel()
	// Pages of 500 records, 200 ms apart: twelve pages, a stop comes
	// before the end.
	s := apitest.Start(t, nil, apitest.Options{Jobs: jobs.Config{BatchPause: 200 * time.Millisecond, Heartbeat: 20 * time.Millisecond}})
	const n = 6_000
	imports := []struct {
		header string
		from   int
		row    string // its cells after the name, with %[1]d the company's number
	}{
		{"addresses[0].city,addresses[1].city", 0, "city %[1]d,second %[1]d"}, // read before the stop
		{"addresses[0].city", 5, "city %[1]d"},
		{"addresses[0].addressLine,addresses[0].city,addresses[1].city,addresses[2].city", n - 5, // after it
			"line %[1]d,city %[1]d,second %[1]d,third %[1]d"},
	}
	for k, im := range imports {
		to := n
		if k+1 < len(imports) {
			to = imports[k+1].from
		}
		var b strings.Builder
		b.WriteString("name," + im.header + "\n")
		for i := im.from; i < to; i++ {
			fmt.Fprintf(&b, "company %05d,"+im.row+"\n", i)
		}
		j := importDone(t, s, "companies", b.String())
		if ok, bad := importResults(t, j); ok != int64(to-im.from) || bad != 0 {
			t.Fatalf("import %d: %s", k, js(j))
		}
	}
	stopped := func(query string) string {
		t.Helper()
		id := asyncRef(t, s.Do("PUT", "/data/companies/export?"+query, s.Token, nil))
		// progress is saved every second: some pages are written, most are not
		waitJob(t, s, id, "progress", func(j obj) bool { return num(j["recordsProcessed"]) > 0 })
		s.As("PUT", "/status/jobs/"+id+"/stop", nil).Status(200)
		j := waitStatus(t, s, id, "STOPPED")
		if done := num(j["recordsProcessed"]); done <= 0 || done >= n {
			t.Fatalf("export %s stopped after %d records: %s\n%s", query, done, js(j), jobLogText(t, s, id))
		}
		s.As("PUT", "/status/jobs/"+id+"/resume", nil).Status(200)
		return id
	}
	for _, c := range []struct{ query, order string }{
		{"_fields=name&_useFieldNames=true&_sortField=name&_sortType=asc", "asc"},
		{"_fields=name&_useFieldNames=true", "desc"}, // by id, newest first: the names' order
		{"_fields=name,addresses&_useFieldNames=true&_sortField=name&_sortType=asc", "asc"},
	} {
		blobs := blobCount(t, s)
		id := stopped(c.query)
		j, rows := exportedFile(t, s, s.Token, id)
		if got := num(j["results"].(map[string]any)["recordsExported"]); got != n || len(rows) != n+1 {
			t.Fatalf("%s: %d records exported, %d rows: %s", c.query, got, len(rows)-1, js(j))
		}
		if logs := jobLogText(t, s, id); !strings.Contains(logs, "Continuing after record") {
			t.Errorf("%s: logs\n%s", c.query, logs)
		}
		if rows[0][0] != "name" {
			t.Fatalf("%s: header %q", c.query, rows[0])
		}
		for i, row := range rows[1:] {
			k := i
			if c.order == "desc" {
				k = n - 1 - i
			}
			if want := fmt.Sprintf("company %05d", k); row[0] != want {
				t.Fatalf("%s: row %d is %q, want %q", c.query, i+1, row, want)
			}
		}
		if strings.Contains(c.query, "addresses") {
			if !slices.Contains(rows[0], "addresses[2].city") || slices.Contains(rows[0], "addresses[3].city") {
				t.Fatalf("header %q: three addresses at most", rows[0])
			}
			m := rowMaps(rows)
			for _, cell := range []struct {
				row        int
				col, value string
			}{
				{0, "addresses[0].city", "city 0"}, {0, "addresses[1].city", "second 0"}, {0, "addresses[0].addressLine", ""},
				{5, "addresses[0].city", "city 5"}, {5, "addresses[1].city", ""},
				{n - 1, "addresses[0].addressLine", fmt.Sprintf("line %d", n-1)}, {n - 1, "addresses[2].city", fmt.Sprintf("third %d", n-1)},
			} {
				if got := m[cell.row][cell.col]; got != cell.value {
					t.Errorf("row %d, %s: %q, want %q (%v)", cell.row+1, cell.col, got, cell.value, m[cell.row])
				}
			}
		}
		if got := blobCount(t, s); got != blobs+1 {
			t.Errorf("%s: %d files after the export, %d before: the part stayed", c.query, got, blobs)
		}
	}

	// Stopped, then canceled: its part is deleted (no run continues it).
	blobs := blobCount(t, s)
	id := asyncRef(t, s.Do("PUT", "/data/companies/export?_fields=name", s.Token, nil))
	waitJob(t, s, id, "progress", func(j obj) bool { return num(j["recordsProcessed"]) > 0 })
	s.As("PUT", "/status/jobs/"+id+"/stop", nil).Status(200)
	waitStatus(t, s, id, "STOPPED")
	if got := blobCount(t, s); got != blobs+1 {
		t.Fatalf("%d files with a stopped export, %d before: no part kept", got, blobs)
	}
	s.As("PUT", "/status/jobs/"+id+"/cancel", nil).Status(200)
	waitStatus(t, s, id, "CANCELED")
	if got := blobCount(t, s); got != blobs {
		t.Errorf("%d files after the stopped export was canceled, %d before: its part stayed", got, blobs)
	}
}

// TestScriptImportRecords: sys.data.importRecords(entity, fileId, options)
// starts the import job of an upload and answers its id.
func TestScriptImportRecords(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"app.json": {Data: []byte(`{"name": "imports", "defaultLanguage": "english"}`)},
		"model/entities/tasks.json": {Data: []byte(`{"name": "tasks", "label": "Tasks", "fields": [
  {"name": "title", "label": "Title", "type": "text", "unique": true},
  {"name": "hours", "label": "Hours", "type": "decimal", "required": "always"}],
 "actions": [
  {"name": "load", "label": "Load", "type": "global", "resultAsResponse": true, "actions": "js/load",
   "parameters": [{"name": "file", "label": "File", "type": "text", "transient": true}]}]}`)},
		"model/entities/tasks.js": {Data: []byte(`
function load(action) {
  return {job: sys.data.importRecords('tasks', action.field('file').val(), {performValidations: false, lowPriority: true})};
}`)},
	}
	s := apitest.Start(t, fsys)
	file := s.UploadBytes("tasks.csv", "text/csv", []byte("Title,Hours\nWrite,\nRead,1\n"))
	r := s.As("PUT", "/data/tasks/load", obj{"file": file}).Status(200).JSON()
	id, _ := r["job"].(string)
	if !isID(id) {
		t.Fatalf("answer %v", r)
	}
	j := waitStatus(t, s, id, "FINISHED")
	if ok, bad := importResults(t, j); ok != 2 || bad != 0 || j["lowPriority"] != true {
		t.Errorf("job %s", js(j))
	}
	if p := list(t, s, "tasks", q("title", "Write")); len(p.Items) != 1 || p.Items[0]["hours"] != nil {
		t.Errorf("validations were not skipped: %v", p.Items)
	}
}
