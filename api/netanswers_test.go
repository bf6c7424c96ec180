package api_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
)

// rawHTTP sends raw bytes to the test server and reads one answer.
func rawHTTP(t *testing.T, s *apitest.Server, request string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.Root, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	go func() { _, _ = c.Write([]byte(request)) }() // the server may answer before reading it all
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%.60q: %v", request, err)
	}
	defer res.Body.Close()
	var b strings.Builder
	_, _ = bufio.NewReader(res.Body).WriteTo(&b)
	return res, b.String()
}

// Answers net/http gives before any handler runs — headers too large, a
// malformed request, an unknown HTTP version, transfer encoding or Expect — and
// CONNECT and unknown methods carry the error body of rest-api.md §2.1,
// against a real server (issue 10 item 5).
func TestEveryAnswerHasTheErrorBody(t *testing.T) {
	t.Parallel()
	s := demo(t)
	api := strings.TrimPrefix(s.URL, s.Root)
	big := strings.Repeat("a", 2<<20)
	for _, c := range []struct {
		request string
		status  int
		code    string
	}{
		{"GET " + api + "/data/companies?name=" + big + " HTTP/1.1\r\nHost: x\r\n\r\n", 431, "badRequest"},
		{"GET " + api + "/data/companies HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n", 431, "badRequest"},
		{"GET " + api + "/data/companies HTTP/1.1\r\nHost: x y\r\n\r\n", 400, "badRequest"},
		{"GET " + api + "/data/companies HTTP/1.1\r\n\r\n", 400, "badRequest"},
		{"GET " + api + "/data/companies HTTP/3.0\r\nHost: x\r\n\r\n", 505, "badRequest"},
		{"POST " + api + "/data/companies HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "badRequest"},
		{"GET " + api + "/data/companies HTTP/1.1\r\nHost: x\r\nExpect: bogus\r\n\r\n", 417, "badRequest"},
		{"CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n", 404, "notFound"},
		{"CONNECT " + api + "/data/companies HTTP/1.1\r\nHost: x\r\n\r\n", 404, "notFound"},
		{"FOO " + api + "/data/companies HTTP/1.1\r\nHost: x\r\n\r\n", 404, "notFound"},
		{"TRACE " + api + "/data/companies HTTP/1.1\r\nHost: x\r\n\r\n", 404, "notFound"},
		{"OPTIONS " + api + "/data/companies HTTP/1.1\r\nHost: x\r\n\r\n", 404, "notFound"},
		{"PATCH " + api + "/data/companies HTTP/1.1\r\nHost: x\r\n\r\n", 404, "notFound"},
		{"GET http://x" + api + "/data/./companies HTTP/1.1\r\nHost: x\r\n\r\n", 400, "badRequest"},
		{"GET http://x HTTP/1.1\r\nHost: x\r\n\r\n", 400, "badRequest"},
	} {
		res, body := rawHTTP(t, s, c.request)
		what := fmt.Sprintf("%.50q", c.request)
		if res.StatusCode != c.status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d %s, want %d JSON: %.200s", what, res.StatusCode, res.Header.Get("Content-Type"), c.status, body)
			continue
		}
		if !isErrorBody([]byte(body)) || !strings.Contains(body, `"code":"`+c.code+`"`) {
			t.Errorf("%s: body %.200s, want the error body with code %s", what, body, c.code)
		}
	}
}
