package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The operator's CSV commands: runway import and runway export talk to a
// running server over its REST API — upload, start the job, follow it
// with a progress bar to its end — so nobody polls by hand.

// apiClient is a logged-in client of a server's REST API.
type apiClient struct {
	base  string // the API base URL, …/{env}/runtime/api
	token string
	http  *http.Client
	out   io.Writer // progress and messages
}

// csvFlags are the flags both commands share.
type csvFlags struct {
	url, entity, token, email, password *string
	every                               *time.Duration
}

func addCSVFlags(fs *flag.FlagSet) *csvFlags {
	return &csvFlags{
		url:      fs.String("url", env("RUNWAY_URL", "http://127.0.0.1:8080/dev/runtime/api"), "the API base URL [RUNWAY_URL]"),
		entity:   fs.String("entity", "", "the entity (required)"),
		token:    fs.String("token", env("RUNWAY_TOKEN", ""), "an API token [RUNWAY_TOKEN]; or --email and --password"),
		email:    fs.String("email", env("RUNWAY_EMAIL", ""), "log in as this user [RUNWAY_EMAIL]"),
		password: fs.String("password", "", "the user's password (or RUNWAY_PASSWORD)"),
		every:    fs.Duration("poll", 500*time.Millisecond, "how often the job is read"),
	}
}

func (f *csvFlags) client() (*apiClient, error) {
	if *f.entity == "" {
		return nil, errors.New("--entity is required")
	}
	c := &apiClient{base: strings.TrimRight(*f.url, "/"), token: *f.token, http: &http.Client{}, out: os.Stderr}
	if c.token != "" {
		return c, nil
	}
	pw := *f.password
	if pw == "" {
		pw = os.Getenv("RUNWAY_PASSWORD")
	}
	if *f.email == "" || pw == "" {
		return nil, errors.New("give --token, or --email and --password")
	}
	var login struct{ Token string }
	if err := c.call("POST", "/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, *f.email, pw)), &login); err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	c.token = login.Token
	return c, nil
}

// call sends a request and decodes a JSON answer into out (nil: none);
// an error status is an error with the server's message.
func (c *apiClient) call(method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("token", c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Code, Message string }
		if json.Unmarshal(b, &e) == nil && e.Message != "" {
			return fmt.Errorf("%s %s: %d %s: %s", method, path, resp.StatusCode, e.Code, e.Message)
		}
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// job is what the commands read of a job.
type job struct {
	ID               string          `json:"id"`
	Status           string          `json:"status"`
	HasErrors        bool            `json:"hasErrors"`
	Progress         int             `json:"progress"`
	RecordsCount     int64           `json:"recordsCount"`
	RecordsProcessed int64           `json:"recordsProcessed"`
	Results          json.RawMessage `json:"results"`
}

// follow reads a job until it ends, drawing a progress bar.
func (c *apiClient) follow(id, unit string, every time.Duration) (*job, error) {
	last := ""
	for {
		var j job
		if err := c.call("GET", "/status/jobs/"+id, "", nil, &j); err != nil {
			return nil, err
		}
		line := progressBar(&j, unit)
		if line != last {
			fmt.Fprintf(c.out, "\r%s", line)
			last = line
		}
		switch j.Status {
		case "FINISHED", "STOPPED", "CANCELED":
			fmt.Fprintln(c.out)
			return &j, nil
		}
		time.Sleep(every)
	}
}

// progressBar is one line: bar, percentage, counts, status.
func progressBar(j *job, unit string) string {
	const width = 30
	n := j.Progress * width / 100
	return fmt.Sprintf("[%s%s] %3d%% %d/%d %s %s", strings.Repeat("#", n), strings.Repeat("-", width-n),
		j.Progress, j.RecordsProcessed, j.RecordsCount, unit, j.Status)
}

// errorLines prints the ERROR lines of a job's log (at most 20).
func (c *apiClient) errorLines(id string) {
	var p struct {
		Items []struct{ Message string }
	}
	if err := c.call("GET", "/status/jobs/"+id+"/logs?level=ERROR&_size=20", "", nil, &p); err != nil {
		fmt.Fprintln(c.out, "job log:", err)
		return
	}
	for _, it := range p.Items {
		fmt.Fprintln(c.out, "  "+it.Message)
	}
}

// importCSV: runway import --url … --entity E FILE.csv
func importCSV(args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	cf := addCSVFlags(fs)
	low := fs.Bool("low-priority", false, "run the job in the low-priority lane")
	var opts multiFlag
	fs.Var(&opts, "option", "an import option NAME=true|false (rest-api.md §6.10; developers only), repeatable")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: runway import --url URL --entity ENTITY [--token T | --email E --password P] FILE.csv")
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// The file streams into the request: never whole in memory.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		var err error
		for _, o := range opts {
			k, v, _ := strings.Cut(o, "=")
			if err = mw.WriteField(k, v); err != nil {
				break
			}
		}
		if err == nil && *low {
			err = mw.WriteField("lowPriority", "true")
		}
		var w io.Writer
		if err == nil {
			w, err = mw.CreateFormFile("file", filepath.Base(path))
		}
		if err == nil {
			_, err = io.Copy(w, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	var ref struct{ JobID string }
	fmt.Fprintf(c.out, "uploading %s…\n", path)
	if err := c.call("POST", "/data/"+url.PathEscape(*cf.entity)+"/import", mw.FormDataContentType(), pr, &ref); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "job %s\n", ref.JobID)
	j, err := c.follow(ref.JobID, "rows", *cf.every)
	if err != nil {
		return err
	}
	var res struct{ RowsImported, RowsWithErrors int64 }
	_ = json.Unmarshal(j.Results, &res)
	fmt.Fprintf(c.out, "%s: %d rows imported, %d rows with errors\n", j.Status, res.RowsImported, res.RowsWithErrors)
	if j.HasErrors {
		c.errorLines(j.ID)
	}
	switch {
	case j.Status != "FINISHED":
		return fmt.Errorf("the import job ended %s", j.Status)
	case j.HasErrors:
		return fmt.Errorf("the import had errors (the job's log: %s/status/jobs/%s/logs)", c.base, j.ID)
	}
	return nil
}

// exportCSV: runway export --url … --entity E [--query Q] [-o FILE]
func exportCSV(args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	cf := addCSVFlags(fs)
	q := fs.String("query", "", "the query string: filters, _sortField, _size, _fields (e.g. 'state=active&_fields=name,state')")
	names := fs.Bool("field-names", false, "headers are field names (a valid import template) instead of labels")
	out := fs.String("o", "", "write the CSV file here (default: stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New("usage: runway export --url URL --entity ENTITY [--query Q] [--field-names] [-o FILE]")
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	v, err := url.ParseQuery(*q)
	if err != nil {
		return fmt.Errorf("--query: %w", err)
	}
	if *names {
		v.Set("_useFieldNames", "true")
	}
	var ref struct{ JobID string }
	if err := c.call("PUT", "/data/"+url.PathEscape(*cf.entity)+"/export?"+v.Encode(), "", nil, &ref); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "job %s\n", ref.JobID)
	j, err := c.follow(ref.JobID, "records", *cf.every)
	if err != nil {
		return err
	}
	if j.Status != "FINISHED" || j.HasErrors {
		c.errorLines(j.ID)
		return fmt.Errorf("the export job ended %s", j.Status)
	}
	var res struct {
		FileID          string
		RecordsExported int64
	}
	if err := json.Unmarshal(j.Results, &res); err != nil || res.FileID == "" {
		return fmt.Errorf("the export job has no file: %s", j.Results)
	}
	req, err := http.NewRequest("GET", c.base+"/files/"+res.FileID, nil)
	if err != nil {
		return err
	}
	req.Header.Set("token", c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download %s: %s", res.FileID, resp.Status)
	}
	var w io.Writer = os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "%d records exported\n", res.RecordsExported)
	return nil
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }
