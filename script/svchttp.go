package script

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"runway/apperr"
)

// The http service (slingr-stack/http-service, its README is the
// contract): svc.<name>.get/post/put/patch/delete/head/options(options,
// callbackData, callbacks) send a request and answer the response body —
// JSON parsed, anything else as text — or, with settings.fullResponse,
// {status, headers, body}; a status of 400 or more throws a
// serviceException whose additionalInfo is {status, headers, body}.

// Defaults of the service (its README).
const (
	defaultConnectTimeout = 5 * time.Second
	defaultReadTimeout    = 60 * time.Second
	defaultMaxRedirects   = 10
	// maxResponseBody bounds what a response may bring into a script.
	maxResponseBody = 32 << 20
)

var httpMethods = []string{"get", "post", "put", "patch", "delete", "head", "options"}

// httpService is one instance of the http service: its configuration, its
// connection pool and, with rememberCookies, its cookies. It is shared by
// every runtime of the engine.
type httpService struct {
	name            string
	config          map[string]any // as resolved (svc.<name>._configuration)
	baseURL         string
	emptyPath       string
	allowExternal   bool
	followRedirects bool
	connect, read   time.Duration // 0: no limit
	headers         [][2]string   // defaultHeaders, in their order
	jar             http.CookieJar
	transport       *http.Transport
}

type connectTimeoutKey struct{}

// newHTTPService reads an instance's configuration (strings, as the
// platform's forms store them, or JSON numbers and booleans).
func newHTTPService(name string, cfg map[string]any) (*httpService, error) {
	h := &httpService{name: name, config: cfg, connect: defaultConnectTimeout, read: defaultReadTimeout, followRedirects: true}
	var err error
	h.baseURL = strings.TrimSpace(configString(cfg["baseUrl"]))
	h.emptyPath = strings.TrimSpace(configString(cfg["emptyPath"]))
	if h.followRedirects, err = configFlag(cfg, "followRedirects", true); err != nil {
		return nil, err
	}
	// Without a base URL every URL is external (the service's rule).
	if h.allowExternal, err = configFlag(cfg, "allowExternalUrl", false); err != nil {
		return nil, err
	}
	if h.baseURL == "" {
		h.allowExternal = true
	} else if u, perr := url.Parse(h.baseURL); perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("service %s: baseUrl %q is not an http(s) URL", name, h.baseURL)
	}
	remember, err := configFlag(cfg, "rememberCookies", false)
	if err != nil {
		return nil, err
	}
	if remember {
		h.jar, _ = cookiejar.New(nil)
	}
	for _, k := range []string{"connectionTimeout", "readTimeout"} {
		if v, ok := cfg[k]; ok && v != nil && configString(v) != "" {
			ms, err := strconv.ParseInt(strings.TrimSpace(configString(v)), 10, 64)
			if err != nil || ms < 0 {
				return nil, fmt.Errorf("service %s: %s %q is not a number of milliseconds", name, k, configString(v))
			}
			if k == "connectionTimeout" {
				h.connect = time.Duration(ms) * time.Millisecond
			} else {
				h.read = time.Duration(ms) * time.Millisecond
			}
		}
	}
	for _, pair := range strings.Split(configString(cfg["defaultHeaders"]), ",") {
		k, v, _ := strings.Cut(pair, "=")
		if k = strings.TrimSpace(k); k != "" {
			h.headers = append(h.headers, [2]string{k, strings.TrimSpace(v)})
		}
	}
	h.transport = &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			d := net.Dialer{KeepAlive: 30 * time.Second}
			if t, _ := ctx.Value(connectTimeoutKey{}).(time.Duration); t > 0 {
				d.Timeout = t
			}
			return d.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	return h, nil
}

func configString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// configFlag reads an enable/disable setting.
func configFlag(cfg map[string]any, key string, def bool) (bool, error) {
	switch v := cfg[key].(type) {
	case nil:
		return def, nil
	case bool:
		return v, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "":
			return def, nil
		case "enable", "enabled", "true":
			return true, nil
		case "disable", "disabled", "false":
			return false, nil
		}
	}
	return false, fmt.Errorf("%s must be enable or disable, not %v", key, cfg[key])
}

// httpServiceObject is svc.<name> of an http service: its calls, its name
// and configuration. The calls do not use this, so a package may take
// them out of the object (dependencies.http.get).
func (rt *runtime) httpServiceObject(d *serviceDef) *goja.Object {
	h := d.http
	fns := make(map[string]func(goja.FunctionCall) goja.Value, len(httpMethods))
	for _, m := range httpMethods {
		method := strings.ToUpper(m)
		fns[m] = func(c goja.FunctionCall) goja.Value {
			return rt.httpCall(h, method, arg(c, 0), arg(c, 1), arg(c, 2))
		}
	}
	o := rt.obj(fns)
	_ = o.Set("_name", h.name)
	_ = o.Set("_configuration", rt.plainJS(jsonify(deepCopy(h.config))))
	return o
}

// httpRequest is one call's options, read from the script.
type httpRequest struct {
	method       string
	url          string
	header       http.Header
	body         []byte
	auth         map[string]any
	fullResponse bool
	follow       bool
	maxRedirects int
	connect      time.Duration
	read         time.Duration
	noCookies    bool
}

// httpCall sends one request and answers what the script gets.
func (rt *runtime) httpCall(h *httpService, method string, options, callbackData, callbacks goja.Value) goja.Value {
	what := "svc." + h.name + "." + strings.ToLower(method)
	req := rt.httpRequestOf(h, what, method, options)
	start := time.Now()
	status, header, body, err := rt.httpDo(h, req)
	rt.e.log.Debug("service call", "service", h.name, "method", method, "url", req.url, "status", status,
		"ms", time.Since(start).Milliseconds(), "script", rt.x.source)
	if err != nil {
		code := svcCode
		var te interface{ Timeout() bool }
		if errors.Is(err, errReadTimeout) || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &te) && te.Timeout()) {
			code = "timeout"
		}
		rt.throwf(code, "%s %s: %v", what, req.url, err)
	}
	headers := map[string]any{}
	for k, v := range header {
		headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	bodyJS := rt.httpBody(header.Get("Content-Type"), body)
	full := rt.vm.NewObject()
	_ = full.Set("status", status)
	_ = full.Set("headers", rt.plainJS(headers))
	_ = full.Set("body", bodyJS)
	if status >= 400 {
		ex := rt.newException(svcCode, fmt.Sprintf("%s %s: the server answered %d %s", what, req.url, status, http.StatusText(status)), nil)
		_ = ex.DefineDataProperty("__info", full, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
		_ = ex.Set("additionalInfo", full)
		panic(ex)
	}
	result := bodyJS
	if req.fullResponse {
		result = full
	}
	if cbs, ok := callbacks.(*goja.Object); ok {
		// The service's callbacks run when the response is there: Runway
		// has it at once, so they run now, in this execution.
		if fn, ok := goja.AssertFunction(cbs.Get("callback")); ok {
			event := rt.vm.NewObject()
			_ = event.Set("type", "callback")
			_ = event.Set("service", h.name)
			_ = event.Set("data", result)
			if _, err := fn(goja.Undefined(), event, callbackData); err != nil {
				panic(err)
			}
		}
		ok := rt.vm.NewObject()
		_ = ok.Set("status", "ok")
		return ok
	}
	return result
}

// httpRequestOf reads the options of a call.
func (rt *runtime) httpRequestOf(h *httpService, what, method string, options goja.Value) *httpRequest {
	o, ok := options.(*goja.Object)
	if !ok {
		if s, isStr := options.Export().(string); isStr && s != "" {
			o = rt.vm.NewObject() // svc.http.get('https://…')
			_ = o.Set("url", s)
		} else {
			rt.throwf(apperr.BadRequest, "%s needs the options of the request: {url, params, headers, body, authorization, settings}", what)
		}
	}
	req := &httpRequest{method: method, header: http.Header{}, follow: h.followRedirects, maxRedirects: defaultMaxRedirects,
		connect: h.connect, read: h.read}
	settings := objectOf(o.Get("settings"))
	req.url = rt.httpURL(h, what, str1(o.Get("url")), objectOf(o.Get("params")))
	for _, kv := range h.headers {
		req.header.Set(kv[0], kv[1])
	}
	if hs := objectOf(o.Get("headers")); hs != nil {
		for _, k := range hs.Keys() {
			if v := hs.Get(k); !isNothing(v) {
				req.header.Set(k, v.String())
			}
		}
	}
	if a := objectOf(o.Get("authorization")); a != nil {
		req.auth, _ = exportJSON(a).(map[string]any)
	}
	if settings != nil {
		rt.httpSettings(req, what, settings)
	}
	if settings != nil && truthy(settings.Get("multipart")) {
		rt.httpMultipart(req, what, settings.Get("parts"))
	} else {
		rt.httpRequestBody(req, what, o.Get("body"))
	}
	return req
}

// httpSettings reads settings: the documented ones Runway honours, and a
// clear error for those that need what it does not have yet.
func (rt *runtime) httpSettings(req *httpRequest, what string, s *goja.Object) {
	ms := func(k string, into *time.Duration) {
		if v := s.Get(k); !isNothing(v) {
			n := v.ToInteger()
			if n < 0 {
				rt.throwf(apperr.BadRequest, "%s: settings.%s must be 0 or more milliseconds", what, k)
			}
			*into = time.Duration(n) * time.Millisecond
		}
	}
	ms("connectionTimeout", &req.connect)
	ms("readTimeout", &req.read)
	if v := s.Get("followRedirects"); !isNothing(v) {
		req.follow = flagValue(v)
	}
	if v := s.Get("maxRedirects"); !isNothing(v) {
		req.maxRedirects = int(v.ToInteger())
	}
	req.fullResponse = truthy(s.Get("fullResponse"))
	req.noCookies = truthy(s.Get("forceDisableCookies"))
	for _, k := range []string{"forceDownload", "bodyAsFile"} {
		if truthy(s.Get(k)) {
			rt.throwf(apperr.BadRequest, "%s: settings.%s (files) is not supported by Runway yet", what, k)
		}
	}
}

// flagValue reads true/false or enable/disable.
func flagValue(v goja.Value) bool {
	if s, ok := v.Export().(string); ok {
		s = strings.ToLower(strings.TrimSpace(s))
		return s == "enable" || s == "enabled" || s == "true"
	}
	return v.ToBoolean()
}

// truthy is JavaScript's truth of a member that may be missing.
func truthy(v goja.Value) bool { return !isNothing(v) && v.ToBoolean() }

func objectOf(v goja.Value) *goja.Object {
	if isNothing(v) {
		return nil
	}
	o, _ := v.(*goja.Object)
	return o
}

func str1(v goja.Value) string {
	if isNothing(v) {
		return ""
	}
	return v.String()
}

// httpURL is the request's URL: absolute, or relative to the service's
// baseUrl (emptyPath when empty); external URLs only where the service
// allows them; params added to its query.
func (rt *runtime) httpURL(h *httpService, what, raw string, params *goja.Object) string {
	raw = strings.TrimSpace(raw)
	lower := strings.ToLower(raw)
	absolute := strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")
	switch {
	case absolute && !h.allowExternal:
		rt.throwf(apperr.BadRequest, "%s: %s is an external URL, which the service's configuration does not allow (allowExternalUrl)", what, raw)
	case !absolute && h.baseURL == "":
		rt.throwf(apperr.BadRequest, "%s: the url %q is not an http(s) URL and the service has no baseUrl", what, raw)
	case !absolute:
		if raw == "" {
			raw = h.emptyPath
		}
		if raw != "" && !strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "?") {
			raw = "/" + raw
		}
		raw = strings.TrimSuffix(h.baseURL, "/") + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		rt.throwf(apperr.BadRequest, "%s: %q is not a URL", what, raw)
	}
	if params != nil {
		q := u.Query()
		for _, k := range params.Keys() {
			v := params.Get(k)
			if isNothing(v) {
				continue
			}
			if a, ok := v.(*goja.Object); ok && a.ClassName() == "Array" {
				for _, i := range a.Keys() {
					q.Add(k, a.Get(i).String())
				}
				continue
			}
			q.Set(k, v.String())
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// httpRequestBody encodes the body: a string as it is; an object or array
// as JSON, or as a form when the Content-Type says so.
func (rt *runtime) httpRequestBody(req *httpRequest, what string, body goja.Value) {
	if isNothing(body) {
		return
	}
	if s, ok := body.Export().(string); ok {
		req.body = []byte(s)
		return
	}
	ct, _, _ := mime.ParseMediaType(req.header.Get("Content-Type"))
	switch {
	case ct == "application/x-www-form-urlencoded":
		o := objectOf(body)
		if o == nil {
			rt.throwf(apperr.BadRequest, "%s: a form body is an object", what)
		}
		form := url.Values{}
		for _, k := range o.Keys() {
			if v := o.Get(k); !isNothing(v) {
				form.Set(k, v.String())
			}
		}
		req.body = []byte(form.Encode())
	case strings.Contains(ct, "xml"):
		rt.throwf(apperr.BadRequest, "%s: converting an object to an XML body is not supported by Runway yet; send the XML as a string", what)
	default:
		stringify, _ := goja.AssertFunction(rt.vm.Get("JSON").ToObject(rt.vm).Get("stringify"))
		s, err := stringify(goja.Undefined(), body)
		if err != nil {
			panic(err)
		}
		req.body = []byte(s.String())
		if ct == "" {
			req.header.Set("Content-Type", "application/json")
		}
	}
}

// httpMultipart encodes settings.parts: [{name, content, contentType?,
// fileName?}]; parts of files ({type: 'file', fileId}) need the files
// service.
func (rt *runtime) httpMultipart(req *httpRequest, what string, parts goja.Value) {
	list := objectOf(parts)
	if list == nil || list.ClassName() != "Array" {
		rt.throwf(apperr.BadRequest, "%s: settings.parts must be an array of parts", what)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, i := range list.Keys() {
		p := objectOf(list.Get(i))
		if p == nil {
			rt.throwf(apperr.BadRequest, "%s: settings.parts[%s] must be an object", what, i)
		}
		if str1(p.Get("type")) == "file" || !isNothing(p.Get("fileId")) {
			rt.throwf(apperr.BadRequest, "%s: file parts (fileId) are not supported by Runway yet", what)
		}
		hdr := textproto.MIMEHeader{}
		disp := fmt.Sprintf(`form-data; name=%q`, str1(p.Get("name")))
		if fn := str1(p.Get("fileName")); fn != "" {
			disp += fmt.Sprintf(`; filename=%q`, fn)
		}
		hdr.Set("Content-Disposition", disp)
		if ct := str1(p.Get("contentType")); ct != "" {
			hdr.Set("Content-Type", ct)
		}
		pw, err := w.CreatePart(hdr)
		if err != nil {
			rt.throw(err)
		}
		_, _ = io.WriteString(pw, str1(p.Get("content")))
	}
	_ = w.Close()
	req.body = buf.Bytes()
	req.header.Set("Content-Type", w.FormDataContentType())
}

// httpBody is the response body as the script gets it: JSON parsed (text
// when it does not parse), anything else as text; empty is null.
func (rt *runtime) httpBody(contentType string, body []byte) goja.Value {
	if len(body) == 0 {
		return goja.Null()
	}
	ct, _, _ := mime.ParseMediaType(contentType)
	if ct == "application/json" || strings.HasSuffix(ct, "+json") {
		var v any
		if jsonUnmarshal(body, &v) == nil {
			return rt.plainJS(v)
		}
	}
	return rt.vm.ToValue(string(body))
}

// errReadTimeout is the cause of a request stopped by its read timeout.
var errReadTimeout = errors.New("no complete response within the read timeout")

// httpDo sends the request, with its authorization, redirects and time
// limits, and reads the response. The script's own interruption (its time
// limit) cancels it.
func (rt *runtime) httpDo(h *httpService, req *httpRequest) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithCancelCause(rt.x.ctx)
	defer cancel(nil)
	stop, interrupted := make(chan struct{}), rt.x.done
	defer close(stop)
	go func() {
		select {
		case <-interrupted:
			cancel(errors.New("the script was stopped"))
		case <-stop:
		}
	}()
	if req.connect > 0 {
		ctx = context.WithValue(ctx, connectTimeoutKey{}, req.connect)
	}
	var timer *time.Timer
	var once sync.Once
	if req.read > 0 {
		// The read timeout runs from the first connection to the end of the
		// body (connecting has its own limit).
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) {
			once.Do(func() { timer = time.AfterFunc(req.read, func() { cancel(errReadTimeout) }) })
		}})
		defer func() {
			once.Do(func() {})
			if timer != nil {
				timer.Stop()
			}
		}()
	}
	client := &http.Client{Transport: h.transport, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if !req.follow {
			return http.ErrUseLastResponse
		}
		if len(via) > req.maxRedirects {
			return fmt.Errorf("more than %d redirects", req.maxRedirects)
		}
		return nil
	}}
	if h.jar != nil && !req.noCookies {
		client.Jar = h.jar
	}
	status, header, body, err := send(ctx, client, req, "")
	if err == nil && status == http.StatusUnauthorized && strings.EqualFold(str0(req.auth["type"]), "digest") {
		if challenge := header.Get("Www-Authenticate"); challenge != "" {
			authz, derr := digestAuthorization(challenge, req)
			if derr != nil {
				return 0, nil, nil, derr
			}
			status, header, body, err = send(ctx, client, req, authz)
		}
	}
	if err != nil {
		if c := context.Cause(ctx); c != nil {
			err = c
		}
	}
	return status, header, body, err
}

// send makes one exchange; authz, when given, is the Authorization header
// (a digest answer).
func send(ctx context.Context, client *http.Client, req *httpRequest, authz string) (int, http.Header, []byte, error) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	r, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		return 0, nil, nil, err
	}
	r.Header = req.header.Clone()
	switch typ := strings.ToLower(str0(req.auth["type"])); {
	case authz != "":
		r.Header.Set("Authorization", authz)
	case typ == "basic":
		r.SetBasicAuth(str0(req.auth["username"]), str0(req.auth["password"]))
	case typ == "oauth2" || typ == "bearer" || typ == "token":
		prefix := str0(req.auth["headerPrefix"])
		if prefix == "" {
			prefix = "Bearer"
		}
		token := str0(req.auth["accessToken"])
		if token == "" {
			token = str0(req.auth["token"])
		}
		r.Header.Set("Authorization", prefix+" "+token)
	}
	resp, err := client.Do(r)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return 0, nil, nil, err
	}
	if len(b) > maxResponseBody {
		return 0, nil, nil, fmt.Errorf("the response is larger than %d MiB", maxResponseBody>>20)
	}
	return resp.StatusCode, resp.Header, b, nil
}

func str0(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// digestAuthorization answers a Digest challenge (RFC 7616: MD5 or
// SHA-256, qop auth or none).
func digestAuthorization(challenge string, req *httpRequest) (string, error) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(challenge), " ")
	if !strings.EqualFold(scheme, "Digest") {
		return "", fmt.Errorf("the server asks for %s authorization, not digest", scheme)
	}
	p := digestParams(rest)
	var newHash func() hash.Hash
	switch strings.ToUpper(p["algorithm"]) {
	case "", "MD5":
		newHash = md5.New
	case "SHA-256":
		newHash = sha256.New
	default:
		return "", fmt.Errorf("digest algorithm %s is not supported", p["algorithm"])
	}
	h := func(s string) string {
		x := newHash()
		io.WriteString(x, s)
		return hex.EncodeToString(x.Sum(nil))
	}
	u, _ := url.Parse(req.url)
	uri := u.RequestURI()
	user, pass := str0(req.auth["username"]), str0(req.auth["password"])
	ha1 := h(user + ":" + p["realm"] + ":" + pass)
	ha2 := h(req.method + ":" + uri)
	var b [8]byte
	_, _ = rand.Read(b[:])
	cnonce := hex.EncodeToString(b[:])
	fields := []string{fmt.Sprintf(`username=%q`, user), fmt.Sprintf(`realm=%q`, p["realm"]), fmt.Sprintf(`nonce=%q`, p["nonce"]), fmt.Sprintf(`uri=%q`, uri)}
	qop := ""
	for _, q := range strings.Split(p["qop"], ",") {
		if strings.TrimSpace(q) == "auth" {
			qop = "auth"
		}
	}
	if qop != "" {
		fields = append(fields, fmt.Sprintf(`response=%q`, h(ha1+":"+p["nonce"]+":00000001:"+cnonce+":auth:"+ha2)),
			"qop=auth", "nc=00000001", fmt.Sprintf(`cnonce=%q`, cnonce))
	} else {
		fields = append(fields, fmt.Sprintf(`response=%q`, h(ha1+":"+p["nonce"]+":"+ha2)))
	}
	if p["opaque"] != "" {
		fields = append(fields, fmt.Sprintf(`opaque=%q`, p["opaque"]))
	}
	if p["algorithm"] != "" {
		fields = append(fields, "algorithm="+p["algorithm"])
	}
	return "Digest " + strings.Join(fields, ", "), nil
}

// digestParams reads the key=value and key="value" list of a challenge.
func digestParams(s string) map[string]string {
	out := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimLeft(strings.TrimSpace(s), ",") {
		s = strings.TrimSpace(s)
		k, rest, ok := strings.Cut(s, "=")
		if !ok {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		rest = strings.TrimSpace(rest)
		var v string
		if strings.HasPrefix(rest, `"`) {
			end := strings.Index(rest[1:], `"`)
			if end < 0 {
				v, rest = rest[1:], ""
			} else {
				v, rest = rest[1:end+1], rest[end+2:]
			}
		} else {
			v, rest, _ = strings.Cut(rest, ",")
			v = strings.TrimSpace(v)
		}
		out[k] = v
		s = rest
	}
	return out
}
