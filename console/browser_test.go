package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"runway/api/apitest"
	"runway/jobs"
)

// chromium is the local Chromium (Debian's package in CI), "" when none;
// with RUNWAY_REQUIRE_CHROMIUM set (CI) none is a failure, not a skip.
func chromium(t *testing.T) string {
	if p := os.Getenv("RUNWAY_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("RUNWAY_REQUIRE_CHROMIUM") != "" { // CI: never skip
		t.Fatal("RUNWAY_REQUIRE_CHROMIUM is set but no chromium binary is found")
	}
	return ""
}

// browser drives a headless Chromium against s. Every error the page logs
// (console.error, an uncaught exception, a log entry other than the
// network's own "Failed to load resource" of the 4xx answers the tests
// provoke on purpose) fails the test.
type browser struct {
	t    *testing.T
	ctx  context.Context
	s    *apitest.Server
	mu   sync.Mutex
	errs []string
}

func newBrowser(t *testing.T, s *apitest.Server) *browser {
	path := chromium(t)
	if path == "" {
		t.Skip("no chromium binary found (apt-get install chromium); the browser tests need one")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1100, 760),
		chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	b := &browser{t: t, ctx: ctx, s: s}
	// The first action starts the browser, bound to the context it is given:
	// b.ctx itself, not one of run's shorter ones.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			// The network's "Failed to load resource" of the 4xx answers
			// that the tests provoke on purpose is the browser's, not the page's.
			if m.Source == "network" || (m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException && m.Type != chromedp.ConsoleWarning) {
				continue
			}
			b.mu.Lock()
			b.errs = append(b.errs, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancelT()
		cancelC()
		cancelA()
		<-done
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.errs {
			t.Errorf("browser console: %s", e)
		}
	})
	return b
}

func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", js, err)
	}
	return v
}

// waitJS waits until the expression is truthy.
func (b *browser) waitJS(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !eval[bool](b, "!!("+js+")") {
		if time.Now().After(deadline) {
			b.shot("timeout")
			b.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// field answers the selector of the nth control labelled label.
func (b *browser) field(label string, nth int) chromedp.CSS {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const l = [...document.querySelectorAll('label')].filter(l => l.textContent.trim() === %q)[%d]; return l && l.htmlFor ? '#' + CSS.escape(l.htmlFor) : ''; })()`, label, nth)
	b.waitJS("the field "+label, js)
	return chromedp.CSS(eval[string](b, js))
}

func (b *browser) fill(label string, nth int, value string) {
	b.t.Helper()
	sel := b.field(label, nth)
	eval[bool](b, fmt.Sprintf(`(document.querySelector(%q).value = '', true)`, sel))
	b.run(chromedp.SendKeys(sel, value))
}

// set sets the value of an input the keyboard fills in a locale's form
// (dates).
func (b *browser) set(label, value string) {
	b.t.Helper()
	sel := b.field(label, 0)
	eval[bool](b, fmt.Sprintf(`(e => (e.value = %q, e.value === %q))(document.querySelector(%q))`, value, value, sel))
}

func (b *browser) choose(label string, nth int, value string) {
	b.t.Helper()
	sel := b.field(label, nth)
	eval[bool](b, fmt.Sprintf(`(e => (e.value = %q, e.dispatchEvent(new Event('change')), e.value === %q))(document.querySelector(%q))`, value, value, sel))
}

// click clicks the enabled button (or link) whose text is text, the
// topmost one (in the open dialog when there is one).
func (b *browser) click(text string) {
	b.t.Helper()
	find := fmt.Sprintf(`[...(document.querySelector('dialog[open]') || document).querySelectorAll('button,a')].find(e => e.textContent.replace(/\s+/g, ' ').trim() === %q && !e.disabled)`, text)
	b.waitJS("the button "+text, find)
	eval[bool](b, "("+find+").click(), true")
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`document.querySelector(%q).textContent`, sel))
}

// shot saves a screenshot under the test's artifact directory.
func (b *browser) shot(name string) {
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(b.t.ArtifactDir(), name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
	if dir := os.Getenv("RUNWAY_CONSOLE_SHOTS"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
}

// accessible checks that every input has a label.
func (b *browser) accessible() {
	b.t.Helper()
	unlabeled := eval[[]string](b, `[...document.querySelectorAll('input,select,textarea')].filter(e => e.type !== 'hidden' &&
		!(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby')).map(e => e.outerHTML)`)
	for _, u := range unlabeled {
		b.t.Errorf("input without a label: %s", u)
	}
}

// login opens the console and logs in as the test server's developer.
func (b *browser) login(console string) {
	b.t.Helper()
	b.run(chromedp.Navigate(console))
	b.fill("Email", 0, apitest.AdminEmail)
	// Keyboard only: the password, then Enter submits.
	b.fill("Password", 0, apitest.AdminPassword+"\r")
	b.waitJS("the sidebar", `document.querySelector('nav.side')`)
}

// visit shows a page of the console by its hash (a same-document
// navigation: no load event to wait for).
func (b *browser) visit(hash string) {
	b.t.Helper()
	eval[bool](b, fmt.Sprintf(`(location.hash = %q, true)`, hash))
	b.waitJS("the page "+hash, fmt.Sprintf(`document.body.dataset.shown === %q`, hash))
}

func (b *browser) hash() string {
	return eval[string](b, `location.hash`)
}

func TestConsole(t *testing.T) {
	s := apitest.Start(t, nil)
	for _, c := range []map[string]any{
		{"name": "Alpha Ltd", "state": "pending", "numberOfEmployees": 30},
		{"name": "Beta Inc", "state": "pending", "numberOfEmployees": 10},
		{"name": "Gamma SA", "state": "active", "numberOfEmployees": 20},
		{"name": "Old One", "state": "inactive", "numberOfEmployees": 1},
		{"name": "Old Two", "state": "inactive", "numberOfEmployees": 2},
	} {
		s.Do("POST", "/data/companies", s.Token, c).Status(200)
	}
	ann := s.CreateUser("ann@example.org", "ann-password-1", nil)["id"].(string)
	s.CreateUser("bob@example.org", "bob-password-1", nil)
	b := newBrowser(t, s)
	console := s.Root + s.API.ConsolePath()
	// The steps go on from where the one before left the browser.
	step := func(name string, fn func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, fn) {
			t.FailNow()
		}
	}

	step("login", func(t *testing.T) {
		b.t = t
		b.login(console)
		b.waitJS("the companies table", `document.querySelector('caption')?.textContent.includes('Companies')`)
		b.accessible()
		b.shot("login")
	})

	var id string
	step("create a company with an address", func(t *testing.T) {
		b.t = t
		b.click("New")
		b.fill("Name", 0, "Browsezoom")
		b.choose("State", 0, "pending")
		b.fill("Number of employees", 0, "95")
		b.click("Add Addresses")
		b.fill("Address line", 0, "4 Magdeline Place")
		b.fill("Zip code", 0, "89145")
		b.fill("City", 0, "Las Vegas")
		b.fill("State", 1, "NV")
		b.accessible()
		b.click("Create")
		b.waitJS("the saved record", `location.hash.includes('/r/') && document.querySelector('h1')?.textContent === 'Browsezoom'`)
		id = b.hash()[strings.LastIndex(b.hash(), "/")+1:]
		rec := s.Do("GET", "/data/companies/"+id, s.Token, nil).Status(200).JSON()
		addrs, _ := rec["addresses"].([]any)
		if len(addrs) != 1 || addrs[0].(map[string]any)["city"] != "Las Vegas" || rec["numberOfEmployees"] != float64(95) {
			t.Errorf("stored record: %v", rec)
		}
		b.shot("created")
	})

	step("a contact with its company picked by search", func(t *testing.T) {
		b.t = t
		b.visit("#/e/contacts/new")
		b.fill("First name", 0, "Ann")
		b.fill("Last name", 0, "Lee")
		b.fill("Company", 0, "owsez") // search as you type: like() on the label's field
		b.waitJS("the options", `[...document.querySelectorAll('[role=option]')].map(o => o.textContent).join() === 'Browsezoom'`)
		b.run(chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent("\r"))
		b.waitJS("the choice", `document.querySelector('[role=combobox]').value === 'Browsezoom'`)
		b.click("Add Phone numbers")
		b.fill("Phone numbers 1", 0, "+1 555 0100")
		b.click("Add Phone numbers")
		b.fill("Phone numbers 2", 0, "+1 555 0101")
		b.set("Birth date", "1990-05-01")
		b.accessible()
		b.shot("contact")
		b.click("Create")
		b.waitJS("the saved contact", `location.hash.includes('/r/') && document.querySelector('h1')?.textContent === 'Ann Lee'`)
		cid := b.hash()[strings.LastIndex(b.hash(), "/")+1:]
		rec := s.Do("GET", "/data/contacts/"+cid, s.Token, nil).Status(200).JSON()
		if c, _ := rec["company"].(map[string]any); c["id"] != id || fmt.Sprint(rec["phoneNumbers"]) != "[+1 555 0100 +1 555 0101]" || rec["birthDate"] != "1990-05-01" {
			t.Errorf("stored contact: %v", rec)
		}
	})

	step("a concurrent change explained, with a reload", func(t *testing.T) {
		b.t = t
		b.visit("#/e/companies/r/" + id)
		s.Do("PUT", "/data/companies/"+id, s.Token, map[string]any{"numberOfEmployees": 96}).Status(200)
		b.fill("Number of employees", 0, "97")
		b.click("Save")
		b.waitJS("the explanation", `document.querySelector('.form-errors [role=alert]')?.textContent.includes('changed this record')`)
		b.shot("conflict")
		b.click("Reload")
		b.waitJS("the newer record", `document.body.dataset.shown && document.querySelector('.form-errors:empty') &&
			document.getElementById([...document.querySelectorAll('label')].find(l => l.textContent === 'Number of employees').htmlFor).value === '96'`)
	})

	step("validation error beside its field", func(t *testing.T) {
		b.t = t
		b.visit("#/e/companies/new")
		b.fill("Number of employees", 0, "3")
		b.click("Create")
		sel := b.field("Name", 0)
		b.waitJS("the error beside Name", fmt.Sprintf(`document.getElementById(document.querySelector(%q).getAttribute('aria-describedby')).textContent !== ''`, sel))
		b.waitJS("the summary", `document.querySelector('.form-errors [role=alert]')`)
		b.shot("validation")
	})

	step("filter and sort", func(t *testing.T) {
		b.t = t
		b.visit("#/e/companies")
		b.fill("Filter (query language)", 0, "state=pending\r")
		b.waitJS("3 pending", `document.querySelector('caption')?.textContent === 'Companies: 3 records'`)
		// Keyboard only: focus the column's sort button, then Enter.
		eval[bool](b, `[...document.querySelectorAll('th button')].find(e => e.textContent === 'Number of employees').focus(), true`)
		b.run(chromedp.KeyEvent("\r"))
		b.waitJS("sorted ascending", `document.querySelector('th[aria-sort=ascending]')`)
		names := eval[[]string](b, `[...document.querySelectorAll('tbody tr td:nth-child(2)')].map(td => td.textContent)`)
		if strings.Join(names, ",") != "Beta Inc,Alpha Ltd,Browsezoom" {
			t.Errorf("ascending: %v", names)
		}
		b.click("Number of employees ▲")
		b.waitJS("sorted descending", `document.querySelector('th[aria-sort=descending]')`)
		names = eval[[]string](b, `[...document.querySelectorAll('tbody tr td:nth-child(2)')].map(td => td.textContent)`)
		if strings.Join(names, ",") != "Browsezoom,Alpha Ltd,Beta Inc" {
			t.Errorf("descending: %v", names)
		}
		b.shot("records")
		b.fill("Filter (query language)", 0, "numberOfEmployees=many(3)\r")
		b.waitJS("the error of an invalid filter", `document.querySelector('main [role=alert]')?.textContent.length > 0`)
		b.shot("filter-error")
	})

	step("changeState", func(t *testing.T) {
		b.t = t
		b.visit("#/e/companies/r/" + id)
		b.click("Change state")
		b.waitJS("the parameters dialog", `document.querySelector('dialog[open]')`)
		b.choose("New state", 0, "active")
		b.fill("Reason", 0, "signed")
		b.accessible()
		b.shot("action")
		b.click("Run")
		b.waitJS("done", `document.querySelector('main .msg')?.textContent.includes('Change state: done')`)
		if st := s.Do("GET", "/data/companies/"+id, s.Token, nil).Status(200).JSON()["state"]; st != "active" {
			t.Errorf("state %v, want active", st)
		}
	})

	step("async delete watched to its end", func(t *testing.T) {
		b.t = t
		b.visit("#/e/companies?f=state%3Dinactive")
		b.waitJS("2 inactive", `document.querySelector('caption')?.textContent === 'Companies: 2 records'`)
		b.click("Delete all matching (background)")
		b.waitJS("the confirmation", `document.querySelector('dialog[open]')`)
		b.click("Delete")
		b.waitJS("the job page", `location.hash.startsWith('#/jobs/')`)
		b.waitJS("the job finished", `document.querySelector('.job-status')?.dataset.status === 'FINISHED'`)
		b.shot("job")
		if n := s.Do("GET", "/data/companies?state=inactive", s.Token, nil).Status(200).JSON()["total"]; n != float64(0) {
			t.Errorf("%v inactive companies left", n)
		}
	})

	step("history", func(t *testing.T) {
		b.t = t
		b.visit("#/e/companies/r/" + id)
		b.click("History")
		b.waitJS("two entries", `document.querySelectorAll('ol.history > li').length >= 2`)
		h := b.text("ol.history")
		if !strings.Contains(h, "USER_RECORD_CREATED") || !strings.Contains(h, "signed") {
			t.Errorf("history: %s", h)
		}
		b.shot("history")
	})

	step("jobs, logs, users and maintenance pages", func(t *testing.T) {
		b.t = t
		b.click("Jobs")
		b.waitJS("the jobs list", `document.querySelector('td.status')`)
		b.click("App logs")
		b.waitJS("the app log", `document.querySelector('form.filters') && document.querySelector('tbody tr')`)
		b.accessible()
		b.click("Users")
		b.waitJS("the users", `document.querySelector('caption')?.textContent.startsWith('Users')`)
		// A user action over the selected users, with its result.
		eval[bool](b, `[...document.querySelectorAll('tbody tr')].find(tr => tr.textContent.includes('ann@example.org')).querySelector('input[type=checkbox]').click(), true`)
		b.click("Deactivate")
		b.waitJS("the dialog", `document.querySelector('dialog[open]')`)
		b.click("Run")
		b.waitJS("the result", `document.querySelector('main .msg')?.textContent === 'Deactivate: done on Test User'`)
		b.waitJS("the table read again", `[...document.querySelectorAll('tbody tr')].find(tr => tr.textContent.includes('ann@example.org')).textContent.includes('INACTIVE')`)
		b.shot("users")
		if st := s.Do("GET", "/data/sys.users/"+ann, s.Token, nil).Status(200).JSON()["status"]; st != "INACTIVE" {
			t.Errorf("user status %v", st)
		}
		b.click("Maintenance")
		b.waitJS("the switch", `document.querySelector('main strong')?.textContent === 'off'`)
		b.click("Switch on")
		b.click("Switch on") // the confirmation
		b.waitJS("maintenance on", `document.querySelector('main p strong')?.textContent === 'on'`)
		if on := s.Do("GET", "/maintenance", s.Token, nil).Status(200).JSON()["enabled"]; on != true {
			t.Errorf("maintenance %v", on)
		}
		b.click("Switch off")
		b.waitJS("maintenance off", `document.querySelector('main p strong')?.textContent === 'off'`)
		b.shot("pages")
	})

	step("session expiry", func(t *testing.T) {
		b.t = t
		token := eval[string](b, `JSON.parse(sessionStorage.getItem('runway.session')).token`)
		s.Do("POST", "/auth/logout", token, nil).Status(200)
		b.click("Jobs")
		b.waitJS("the login page", `document.querySelector('main.login [role=alert]')?.textContent.includes('session expired')`)
		b.shot("expired")
	})

	step("logout", func(t *testing.T) {
		b.t = t
		b.fill("Email", 0, apitest.AdminEmail)
		b.fill("Password", 0, apitest.AdminPassword+"\r")
		b.waitJS("the sidebar", `document.querySelector('nav.side')`)
		token := eval[string](b, `JSON.parse(sessionStorage.getItem('runway.session')).token`)
		b.click("Log out")
		b.waitJS("the login page", `document.querySelector('main.login')`)
		s.Do("GET", "/data/companies", token, nil).Status(401)
		b.shot("logout")
	})

	step("impersonation", func(t *testing.T) {
		b.t = t
		b.fill("Email", 0, apitest.AdminEmail)
		b.fill("Password", 0, apitest.AdminPassword)
		eval[bool](b, `(document.querySelector('main.login details').open = true)`)
		b.fill("Email of the user to impersonate", 0, "bob@example.org")
		b.click("Log in")
		b.waitJS("the impersonated user", `document.querySelector('header .who')?.textContent === 'bob@example.org (as admin@example.org)'`)
		b.shot("impersonation")
	})
	b.t = t
}

// TestServed: the console's files with their own policy, its bare path
// redirected, other methods refused, and nothing at all with --no-console.
func TestServed(t *testing.T) {
	s := apitest.Start(t, nil)
	p := s.API.ConsolePath()
	if p != "/dev/console/" {
		t.Fatalf("console path %q", p)
	}
	get := func(path string) *http.Response {
		t.Helper()
		c := *s.Client
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		r, err := c.Get(s.Root + path)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r
	}
	for path, want := range map[string]string{p: "text/html", p + "index.html": "text/html", p + "app.js": "javascript", p + "console.css": "text/css"} {
		r := get(path)
		if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Content-Type"), want) {
			t.Errorf("GET %s: %d %s", path, r.StatusCode, r.Header.Get("Content-Type"))
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
	}
	if got := s.API.Route(httptest.NewRequest("GET", p+"app.js", nil)); got != p { // its label in the request log and metrics
		t.Errorf("route of a console file: %q", got)
	}
	if r := get("/dev/console"); r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != p {
		t.Errorf("GET /dev/console: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := get(p + "nothing.js"); r.StatusCode != 404 {
		t.Errorf("GET a missing file: %d", r.StatusCode)
	}
	if r, err := s.Client.Post(s.Root+p, "text/plain", strings.NewReader("x")); err != nil || r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST %s: %v %v", p, r, err)
	} else {
		r.Body.Close()
	}

	for _, o := range []apitest.Options{{NoConsole: true}, {NoOpenAPI: true}} {
		off := apitest.Start(t, nil, o)
		if off.API.ConsolePath() != "" {
			t.Errorf("%+v: console served", o)
		}
		r, err := off.Client.Get(off.Root + p)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 404 || !strings.Contains(r.Header.Get("Content-Type"), "json") {
			t.Errorf("%+v: %d %s", o, r.StatusCode, r.Header.Get("Content-Type"))
		}
	}
}

// TestConsoleFiles: a file field's upload goes through POST /files and is
// saved with the record; its download fetches with the token.
func TestConsoleFiles(t *testing.T) {
	s := apitest.Start(t, os.DirFS("../app/testdata/files"))
	b := newBrowser(t, s)
	b.login(s.Root + s.API.ConsolePath())
	b.visit("#/e/documents/new")
	b.fill("Title", 0, "Quarterly")
	file := filepath.Join(t.TempDir(), "report.csv")
	if err := os.WriteFile(file, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.run(chromedp.SetUploadFiles(b.field("Attachment", 0), []string{file}))
	b.waitJS("the upload", `[...document.querySelectorAll('.file-name')].some(e => e.textContent.includes('uploaded'))`)
	b.accessible()
	b.click("Create")
	b.waitJS("the saved document", `location.hash.includes('/r/') && document.querySelector('h1')?.textContent === 'Quarterly'`)
	id := b.hash()[strings.LastIndex(b.hash(), "/")+1:]
	rec := s.Do("GET", "/data/documents/"+id, s.Token, nil).Status(200).JSON()
	att, _ := rec["attachment"].(map[string]any)
	if att == nil || !strings.HasPrefix(fmt.Sprint(att["name"]), "report.csv") {
		t.Fatalf("stored document: %v", rec)
	}
	// The download: fetched with the token into a blob the page saves.
	eval[bool](b, `(() => { window.__saved = []; const url = URL.createObjectURL, click = HTMLAnchorElement.prototype.click;
		URL.createObjectURL = blob => { blob.text().then(t => window.__saved.push(t)); return url(blob); };
		HTMLAnchorElement.prototype.click = function () { if (this.download) { window.__saved.unshift(this.download); return; } return click.call(this); };
		return true; })()`)
	b.click("Download")
	b.waitJS("the downloaded file", `window.__saved.length === 2`)
	if got := eval[[]string](b, `window.__saved`); got[0] != "report.csv" || got[1] != "a,b\n1,2\n" {
		t.Errorf("downloaded %q", got)
	}
	b.shot("files")
}

// TestConsoleJobCommands: a job's commands follow its status (no worker
// runs it here, so it waits PENDING): stop, resume, stop, cancel. The jobs
// page also reads on a phone's width.
func TestConsoleJobCommands(t *testing.T) {
	s := apitest.Start(t, nil, apitest.Options{Jobs: jobs.Config{Workers: -1, LowWorkers: -1}})
	s.Do("POST", "/data/companies", s.Token, map[string]any{"name": "Doomed", "state": "inactive"}).Status(200)
	ref := s.Do("DELETE", "/data/companies?state=inactive&_async=true", s.Token, nil).Status(200).JSON()
	b := newBrowser(t, s)
	b.login(s.Root + s.API.ConsolePath())
	b.visit(fmt.Sprintf("#/jobs/%s", ref["jobId"]))
	status := func(want string) {
		t.Helper()
		b.waitJS(want, fmt.Sprintf(`document.querySelector('.job-status')?.dataset.status === %q`, want))
	}
	status("PENDING")
	for _, c := range []struct{ button, status string }{{"Stop", "STOPPED"}, {"Resume", "PENDING"}, {"Stop", "STOPPED"}, {"Cancel", "CANCELED"}} {
		b.click(c.button)
		status(c.status)
	}
	b.run(chromedp.EmulateViewport(390, 760, chromedp.EmulateMobile))
	b.visit("#/jobs")
	b.waitJS("the job in the list", `document.querySelector('td.status')?.textContent === 'CANCELED'`)
	if wide := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth + 1`); wide {
		t.Errorf("the page scrolls sideways on a phone")
	}
	b.accessible()
	b.shot("jobs-phone")
}

// TestConsoleShowsAppMessages: a sys.ui message sent by an action reaches
// the open console of the user it targets, in a live region that outlasts
// page changes, and can be dismissed.
func TestConsoleShowsAppMessages(t *testing.T) {
	s := apitest.Start(t, os.DirFS("../app/testdata/ui"))
	b := newBrowser(t, s)
	b.login(s.Root + s.API.ConsolePath())
	b.waitJS("the message stream", `document.body.dataset.messages === 'open'`)
	s.Do("PUT", "/data/notes/announce", s.Token, map[string]any{"target": "allUsers", "text": "Deploy at noon"}).Status(200)
	b.waitJS("the message", `[...document.querySelectorAll('#ui-messages .ui-message')].some(m => m.textContent.includes('News') && m.textContent.includes('Deploy at noon'))`)
	if live := eval[string](b, `document.getElementById('ui-messages').getAttribute('aria-live')`); live != "polite" {
		t.Errorf("the messages are not announced (aria-live %q)", live)
	}
	b.visit("#/jobs")
	if n := eval[int](b, `document.querySelectorAll('#ui-messages .ui-message').length`); n != 1 {
		t.Errorf("%d messages after a page change, want the 1 shown", n)
	}
	b.shot("app-message")
	eval[bool](b, `(document.querySelector("#ui-messages .dismiss").click(), true)`)
	b.waitJS("the message dismissed", `!document.querySelector('#ui-messages .ui-message')`)
	// After logout the stream is closed: the server holds no session of it.
	b.click("Log out")
	b.waitJS("the stream closed", `document.body.dataset.messages === 'off'`)
}
