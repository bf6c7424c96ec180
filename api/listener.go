package api

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"runway/apperr"
)

// Listener wraps the listener an http.Server serves the API on, so that the
// answers net/http writes itself, before any handler runs, carry the error
// body of rest-api.md §2.1 like every other answer (issue 10 item 5): 431
// when the request line and headers exceed the server's MaxHeaderBytes (1
// MiB by default), 400 for a malformed request (bad Host, bad header), 501
// for an unknown transfer encoding, 505 for an unknown HTTP version, 417
// for an Expect header other than 100-continue.
//
// net/http writes those answers in one write each, of a fixed form (status
// line, "Content-Type: text/plain; charset=utf-8", "Connection: close", a
// one-line text; for 417 an empty body), which the wrapped connection
// rewrites. A handler's answer never has that form: net/http writes header
// names sorted (Connection before Content-Type), and every answer of
// Server.ServeHTTP carries Cache-Control. Over TLS ended by this server the
// connection carries ciphertext and those answers stay as net/http writes
// them (decisions.md).
func Listener(ln net.Listener) net.Listener { return jsonErrorListener{ln} }

type jsonErrorListener struct{ net.Listener }

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return jsonErrorConn{c}, nil
}

// jsonErrorConn is a connection whose net/http error answers are JSON.
type jsonErrorConn struct{ net.Conn }

func (c jsonErrorConn) Write(b []byte) (int, error) {
	out, ok := jsonServerError(b)
	if !ok {
		return c.Conn.Write(b)
	}
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// CloseWrite lets net/http half-close after a 431 (so that the client reads
// the answer before the connection is reset), as it does on a bare TCP
// connection.
func (c jsonErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Answers net/http writes itself (net/http server.go: conn.serve,
// response.sendExpectationFailed).
var (
	netHTTPError             = regexp.MustCompile(`\AHTTP/1\.1 ([0-9]{3}) [^\r\n]*\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n(?:[0-9]{3} )?([^\r\n]*)\z`)
	netHTTPExpectationFailed = regexp.MustCompile(`\AHTTP/1\.1 417 Expectation Failed\r\nConnection: close\r\nDate: [^\r\n]*\r\nContent-Length: 0\r\n\r\n\z`)
)

// jsonServerError rewrites a net/http error answer with a JSON body.
func jsonServerError(b []byte) ([]byte, bool) {
	var status int
	var msg string
	if m := netHTTPError.FindSubmatch(b); m != nil {
		status, _ = strconv.Atoi(string(m[1]))
		msg = string(m[2])
	} else if netHTTPExpectationFailed.Match(b) {
		status, msg = http.StatusExpectationFailed, "Expectation Failed: only Expect: 100-continue is understood"
	} else {
		return nil, false
	}
	if status == http.StatusRequestHeaderFieldsTooLarge {
		msg = fmt.Sprintf("The request line and headers are larger than the limit of %d bytes", http.DefaultMaxHeaderBytes)
	}
	body, _ := json.Marshal(apperr.New(apperr.BadRequest, "%s", strings.TrimSpace(msg)))
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(body), body), true
}
