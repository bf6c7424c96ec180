package script_test

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"runway/script"
)

var updateCoverage = flag.Bool("update-coverage", false, "rewrite the coverage table of README.md")

// documented is one function of the platform's documented scripting API.
type documented struct {
	owner, name, signature string
}

func (d documented) path() string { return d.owner + "." + d.name }

func readDocumented(t *testing.T) []documented {
	t.Helper()
	f, err := os.Open("testdata/documented-api.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []documented
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		if len(p) != 3 {
			t.Fatalf("documented-api.tsv: %q is not owner<TAB>name<TAB>signature", line)
		}
		out = append(out, documented{p[0], p[1], p[2]})
	}
	return out
}

// coverageApp has what the factories of the object types need.
var coverageApp = fstest.MapFS{
	"model/entities/items.json": {Data: []byte(`{"name": "items", "history": true, "fields": [
		{"name": "name", "type": "text"}, {"name": "tags", "type": "text", "multiplicity": "many"},
		{"name": "total", "type": "integer"}],
		"actions": [{"name": "probe", "type": "oneRecord", "script": "js/probe"}]}`)},
	"model/entities/items.js": {Data: []byte(`function probe(record, oldRecord, action) { globalThis.__probeAction = action; }`)},
}

// probeJS answers, for each documented function, whether the runtime has
// it: "working", "stub" (an unsupported stub), "missing", or
// "noinstance: …" when no object of its type can be made. Objects of the
// documented types come from factories; a type without one (Interaction:
// Runway makes none) has no instance.
const probeJS = `
var E = 'items';
function first(x) {
  if (x === null || x === undefined) return x;
  if (Array.isArray(x)) return x[0];
  if (typeof x.hasNext === 'function') return x.hasNext() ? x.next() : null;
  return x;
}
var savedRecord;
function saved() {
  if (!savedRecord) { savedRecord = sys.data.createRecord(E); savedRecord.field('name').val('probe'); sys.data.save(savedRecord); }
  return savedRecord;
}
var jobId;
function job() { if (!jobId) jobId = sys.data.delete(E, {name: 'no such item'}); return jobId; }
function agg() { return sys.data.createAggregateQuery(E); }
// written is the descriptor of a file written and closed.
function written(name, type) { var w = sys.files.create(name, type); w.writeLine('a'); w.close(); return w.descriptor(); }
var factories = {
  'sys.data.Record': function () { return sys.data.createRecord(E); },
  'sys.data.Wrapper': function () { return sys.data.createRecord(E).field('name'); },
  'sys.data.ManyWrapper': function () { return sys.data.createRecord(E).field('tags'); },
  'sys.commons.ResultSet': function () { return sys.data.find(E, {}); },
  'sys.data.Query': function () { return sys.data.createQuery(E); },
  'sys.data.QueryField': function () { return sys.data.createQuery(E).field('name'); },
  'sys.data.ComplexQueryHelper': function () { var h; sys.data.createQuery(E).query(function (q) { h = q; return q.field('name').equals('x'); }); return h; },
  'sys.data.ComplexQueryCriteria': function () { var c; sys.data.createQuery(E).query(function (q) { c = q.field('name').equals('x'); return c; }); return c; },
  'sys.data.Action': function () { saved().action('probe'); return globalThis.__probeAction; },
  'sys.data.RecordAuditLogs': function () { return saved().auditLogs(); },
  'sys.data.RecordAuditLog': function () { return first(saved().auditLogs().find()); },
  'sys.data.AggregateQuery': agg,
  'sys.data.AggregatedGroup': function () { return agg().group(); },
  'sys.data.AggregateAccumulator': function () { return agg().group().accumulate('total'); },
  'sys.data.AggregatedSort': function () { return agg().sort(); },
  'sys.data.AggregatedProject': function () { return agg().project(); },
  'sys.data.AggregatedMatch': function () { return agg().match(); },
  'sys.data.AggregatedCount': function () { return agg().count(); },
  'sys.data.AggregatedLimit': function () { return agg().limit(); },
  'sys.data.AggregatedSkip': function () { return agg().skip(); },
  'sys.data.AggregatedUnwind': function () { return agg().unwind(); },
  'sys.data.AggregatedLookup': function () { return agg().lookup(); },
  'sys.endpoints.Endpoint': function () { return sys.endpoints.findByName('x'); },
  'sys.exceptions.ScriptException': function () { return new sys.exceptions.ScriptException('code', 'message'); },
  'sys.files.FileWriter': function () { return sys.files.create('probe.txt', 'text/plain'); },
  'sys.files.CsvFileWriter': function () { return sys.files.create('probe.csv', 'text/csv'); },
  'sys.files.FileDescriptor': function () { return written('probe.txt', 'text/plain'); },
  'sys.files.FileReader': function () { return sys.files.open(written('probe.txt', 'text/plain').id(), 'text/plain'); },
  'sys.files.CsvFileReader': function () { return sys.files.open(written('probe.csv', 'text/csv').id(), 'text/csv'); },
  'sys.jobs.Job': function () { return sys.jobs.findById(job()); },
  'sys.jobs.JobLog': function () { var id = job(); sys.jobs.logInfo(id, 'probe'); return first(sys.jobs.logs(id, {})); }
};
function ownerOf(path) {
  var segs = path.split('.');
  var last = segs[segs.length - 1];
  if (last[0] >= 'A' && last[0] <= 'Z') {
    var f = factories[path];
    if (!f) throw new Error('Runway makes no object of this type');
    var o = f();
    if (o === null || o === undefined) throw new Error('the factory made nothing');
    return o;
  }
  var o = globalThis;
  for (var i = 0; i < segs.length; i++) {
    o = o[segs[i]];
    if (o === null || o === undefined) return null;
  }
  return o;
}
var owners = {};
var out = {};
for (var i = 0; i < list.length; i++) {
  var owner = list[i][0], name = list[i][1], key = owner + '.' + name;
  if (!(owner in owners)) {
    try { owners[owner] = {o: ownerOf(owner)}; } catch (e) { owners[owner] = {err: String(sys.exceptions.getMessage(e))}; }
  }
  var got = owners[owner];
  if (got.err !== undefined) { out[key] = 'noinstance: ' + got.err; continue; }
  var o = got.o, parts = name.split('.');
  for (var j = 0; j < parts.length - 1 && o !== null && o !== undefined; j++) o = o[parts[j]];
  var fn = (o === null || o === undefined) ? undefined : o[parts[parts.length - 1]];
  out[key] = typeof fn !== 'function' ? 'missing' : fn.__runwayUnsupported === true ? 'stub' : 'working';
}
return out;`

// probe runs probeJS in a runtime of the coverage app.
func probe(t *testing.T, docs []documented) map[string]string {
	t.Helper()
	v := newEnv(t, coverageApp)
	list := make([][2]string, len(docs))
	for i, d := range docs {
		list[i] = [2]string{d.owner, d.name}
	}
	b, _ := json.Marshal(list)
	got := v.mustEval("var list = " + string(b) + ";\n" + probeJS)
	var status map[string]string
	if err := json.Unmarshal([]byte(got), &status); err != nil {
		t.Fatalf("probe: %v: %s", err, got)
	}
	return status
}

// coverageRow counts one namespace of the table.
type coverageRow struct {
	ns                                    string
	documented, working, later, unsupport int
}

// TestAPICoverage holds every documented function to either a working
// implementation (found by probing the runtime, so additions count by
// themselves) or an entry of the unsupported list with its reason; and the
// README's table to the counts.
func TestAPICoverage(t *testing.T) {
	docs := readDocumented(t)
	status := probe(t, docs)
	unsupported := map[string]script.UnsupportedEntry{}
	for _, u := range script.UnsupportedAPIs() {
		if strings.TrimSpace(u.Reason) == "" {
			t.Errorf("unsupported %s has no reason", u.Path)
		}
		unsupported[u.Path] = u
	}
	// entryFor is the unsupported entry that covers a documented function:
	// its own, or its namespace's or type's.
	entryFor := func(d documented) (script.UnsupportedEntry, bool) {
		for p := d.path(); p != ""; {
			if u, ok := unsupported[p]; ok {
				return u, true
			}
			i := strings.LastIndex(p, ".")
			if i < 0 {
				break
			}
			p = p[:i]
		}
		return script.UnsupportedEntry{}, false
	}
	used := map[string]bool{}
	rows := map[string]*coverageRow{}
	var missing []string
	for _, d := range docs {
		ns := namespaceOf(d.owner)
		r := rows[ns]
		if r == nil {
			r = &coverageRow{ns: ns}
			rows[ns] = r
		}
		r.documented++
		u, listed := entryFor(d)
		if listed {
			used[u.Path] = true
		}
		switch st := status[d.path()]; {
		case st == "working":
			r.working++
			if listed {
				t.Logf("%s works: its unsupported entry %s may go", d.path(), u.Path)
			}
		case listed && u.Later:
			r.later++
			missing = append(missing, d.path())
		case listed:
			r.unsupport++
		default:
			t.Errorf("%s (%s) is documented but %s, and not in the unsupported list of script/unsupported.go", d.path(), d.signature, st)
		}
	}
	for p := range unsupported {
		if !used[p] {
			t.Errorf("unsupported entry %s names no documented function", p)
		}
	}
	table := coverageTable(rows)
	t.Logf("missing (to be built):\n%s", strings.Join(missing, "\n"))
	t.Logf("\n%s", table)
	checkReadme(t, table)
}

// namespaceOf groups owners by the documentation's pages: sys.data with its
// types, sys.utils.crypto apart from sys.utils.text.
func namespaceOf(owner string) string {
	segs := strings.Split(owner, ".")
	for i, s := range segs {
		if s[0] >= 'A' && s[0] <= 'Z' {
			return strings.Join(segs[:i], ".")
		}
	}
	return owner
}

func coverageTable(rows map[string]*coverageRow) string {
	names := make([]string, 0, len(rows))
	for ns := range rows {
		names = append(names, ns)
	}
	sort.Strings(names)
	var b strings.Builder
	var total coverageRow
	b.WriteString("| namespace | documented | working | to build | not supported |\n|---|---:|---:|---:|---:|\n")
	for _, ns := range names {
		r := rows[ns]
		fmt.Fprintf(&b, "| `%s` | %d | %d | %d | %d |\n", ns, r.documented, r.working, r.later, r.unsupport)
		total.documented += r.documented
		total.working += r.working
		total.later += r.later
		total.unsupport += r.unsupport
	}
	fmt.Fprintf(&b, "| **total** | **%d** | **%d** | **%d** | **%d** |\n", total.documented, total.working, total.later, total.unsupport)
	return b.String()
}

const (
	readmeStart = "<!-- script-api-coverage:start (go test ./script -run TestAPICoverage -update-coverage) -->\n"
	readmeEnd   = "<!-- script-api-coverage:end -->"
)

// checkReadme compares the README's table with table, or rewrites it.
func checkReadme(t *testing.T, table string) {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, readmeStart), strings.Index(s, readmeEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no coverage table between %q and %q", readmeStart, readmeEnd)
	}
	have := s[i+len(readmeStart) : j]
	if have == table {
		return
	}
	if *updateCoverage {
		if err := os.WriteFile("../README.md", []byte(s[:i+len(readmeStart)]+table+s[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's script API table is not the coverage of the code; rewrite it with\n  go test ./script -run TestAPICoverage -update-coverage\nwant:\n%s", table)
}
