// Command queries times the requests people type into a search box against
// a running Runway, one at a time: each workload of bench/README.md's query
// table, warm (the same request repeated) and cold (a write to the entity
// before each measured request, so the count cache cannot answer), and
// prints the medians as a table row per workload.
//
//	queries -api http://127.0.0.1:18181/dev/runtime/api -token "$(cat bench/out/token)" -ids bench/out/ids.txt
//	queries -prepare-app DIR -fields type,numberOfEmployees   # copy the demo app with those fields indexable
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"runway/app"
)

// workload is one request of the table.
type workload struct {
	name, method, path string
}

var workloads = []workload{
	{"GET one", "GET", ""}, // path: an id of -ids
	{"no filter", "GET", "?_size=20"},
	{"type=a (indexed)", "GET", "?type=a&_size=20"},
	{"type=a&numberOfEmployees=greater(4000) (both indexed)", "GET", "?type=a&numberOfEmployees=greater(4000)&_size=20"},
	{"state=active (not indexed)", "GET", "?state=active&_size=20"},
	{"type=a sorted by numberOfEmployees desc", "GET", "?type=a&_sortField=numberOfEmployees&_sortType=desc&_size=20"},
	{"name=like(00123) (contains)", "GET", "?name=" + url.QueryEscape("like(00123)") + "&_size=20"},
	{"create one", "POST", ""},
}

func main() {
	var (
		api     = flag.String("api", "http://127.0.0.1:18181/dev/runtime/api", "base URL of the API")
		token   = flag.String("token", "", "login token")
		idsPath = flag.String("ids", "bench/out/ids.txt", "ids of companies, one a line (GET one)")
		reps    = flag.Int("n", 15, "measured requests per workload and mode")
		only    = flag.String("only", "", "comma-separated workload numbers (1-based) to run; empty: all")
		label   = flag.String("label", "", "a name for this run, printed with the table")
		prepare = flag.String("prepare-app", "", "write the demo app to this directory with -fields of companies indexable, and exit")
		fields  = flag.String("fields", "type,numberOfEmployees", "fields of companies -prepare-app makes indexable")
	)
	flag.Parse()
	if *prepare != "" {
		if err := prepareApp(*prepare, strings.Split(*fields, ",")); err != nil {
			fatal(err)
		}
		return
	}
	if *token == "" {
		fatal(errors.New("-token is required"))
	}
	ids, err := readLines(*idsPath)
	if err != nil {
		fatal(err)
	}
	r := &runner{api: strings.TrimRight(*api, "/") + "/data/companies", token: *token, ids: ids,
		client: &http.Client{Timeout: 120 * time.Second}}
	want := map[int]bool{}
	for _, s := range strings.Split(*only, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(s), &n); err == nil {
			want[n] = true
		}
	}
	fmt.Printf("\n%s (%d requests each, medians; cold = a create of a company before each request)\n\n", *label, *reps)
	fmt.Printf("| %-55s | %10s | %10s | %8s | %s |\n", "request (20 per page, with total)", "warm ms", "cold ms", "total", "items")
	fmt.Printf("|%s|%s|%s|%s|%s|\n", strings.Repeat("-", 57), strings.Repeat("-", 12), strings.Repeat("-", 12), strings.Repeat("-", 10), "-------")
	for i, w := range workloads {
		if len(want) > 0 && !want[i+1] {
			continue
		}
		warm, total, items, err := r.measure(w, *reps, false)
		if err != nil {
			fatal(fmt.Errorf("%s: %w", w.name, err))
		}
		cold := "-"
		if w.method == "GET" && w.path != "" {
			c, _, _, err := r.measure(w, *reps, true)
			if err != nil {
				fatal(fmt.Errorf("%s (cold): %w", w.name, err))
			}
			cold = fmt.Sprintf("%.2f", c)
		}
		fmt.Printf("| %-55s | %10.2f | %10s | %8s | %5s |\n", w.name, warm, cold, total, items)
	}
}

type runner struct {
	api, token string
	ids        []string
	client     *http.Client
	seq        int
}

// measure runs w reps times (after one unmeasured run) and returns the
// median in milliseconds, with the total and item count of the last answer.
func (r *runner) measure(w workload, reps int, cold bool) (float64, string, string, error) {
	var times []float64
	var total, items string
	for i := -1; i < reps; i++ {
		if cold {
			if _, err := r.do("POST", "", r.company()); err != nil {
				return 0, "", "", err
			}
		}
		path, body := w.path, []byte(nil)
		switch {
		case w.method == "POST":
			body = r.company()
		case path == "":
			path = "/" + r.ids[(r.seq*7919)%len(r.ids)]
			r.seq++
		}
		start := time.Now()
		b, err := r.do(w.method, path, body)
		d := time.Since(start)
		if err != nil {
			return 0, "", "", err
		}
		if i >= 0 {
			times = append(times, float64(d.Microseconds())/1000)
		}
		var page struct {
			Total *int64            `json:"total"`
			Items []json.RawMessage `json:"items"`
		}
		if json.Unmarshal(b, &page) == nil && page.Total != nil {
			total, items = fmt.Sprint(*page.Total), fmt.Sprint(len(page.Items))
		}
	}
	sort.Float64s(times)
	return times[len(times)/2], total, items, nil
}

func (r *runner) company() []byte {
	r.seq++
	b, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("Bench query write %d %d", time.Now().UnixNano(), r.seq),
		"state": "active", "type": "b", "numberOfEmployees": 10})
	return b
}

func (r *runner) do(method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(method, r.api+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("token", r.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %.300s", method, path, resp.Status, b)
	}
	return b, nil
}

// prepareApp writes the built-in demo app to dir, with the fields of
// companies named indexable.
func prepareApp(dir string, fields []string) error {
	demo := app.Demo()
	return fs.WalkDir(demo, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		out := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := fs.ReadFile(demo, p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, "entities/companies.json") {
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				return err
			}
			fs, _ := m["fields"].([]any)
			for _, f := range fs {
				fm, _ := f.(map[string]any)
				for _, n := range fields {
					if fm != nil && fm["name"] == n {
						fm["indexable"] = true
					}
				}
			}
			if b, err = json.MarshalIndent(m, "", "  "); err != nil {
				return err
			}
		}
		return os.WriteFile(out, b, 0o644)
	})
}

func readLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no ids", path)
	}
	return out, nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "queries:", err)
	os.Exit(1)
}
