// Command floor is the floor of the load benchmark: a bare net/http server that
// answers the three benchmarked requests with the exact bytes Runway answered
// them with in the same run (status, headers and body, captured by bench/run.sh
// with curl -i), without any work behind them. Runway's throughput is reported
// as a ratio to this one, which is the cost of HTTP alone on this machine.
//
//	go run ./bench/floor -dir bench/out/captured -addr 127.0.0.1:18182
//
// The captured files are raw HTTP/1.1 answers: get.http (GET one record),
// create.http (POST a record), list.http (GET a page of 20 with total).
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// answer is one captured answer, replayed as is.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a *answer) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range a.header {
		h[k] = v
	}
	h["Content-Length"] = []string{strconv.Itoa(len(a.body))}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// load reads a raw HTTP answer as written by curl -i. Headers that net/http
// writes itself are dropped; everything else is replayed.
func load(path string) (*answer, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	h := resp.Header.Clone()
	for _, k := range []string{"Date", "Content-Length", "Connection", "Transfer-Encoding", "Keep-Alive"} {
		h.Del(k)
	}
	return &answer{status: resp.StatusCode, header: h, body: body}, nil
}

func main() {
	dir := flag.String("dir", "bench/out/captured", "directory of the captured answers")
	addr := flag.String("addr", "127.0.0.1:18182", "listen address (loopback only)")
	env := flag.String("env", "dev", "environment in the API path, as Runway's --env")
	flag.Parse()

	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		log.Fatalf("floor: -addr %s: only loopback addresses are allowed", *addr)
	}
	answers := map[string]*answer{}
	for _, name := range []string{"get", "create", "list"} {
		a, err := load(filepath.Join(*dir, name+".http"))
		if err != nil {
			log.Fatalf("floor: %v", err)
		}
		answers[name] = a
	}
	get, create, list := answers["get"], answers["create"], answers["list"]

	base := "/" + strings.Trim(*env, "/") + "/runtime/api/data/companies"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET "+base+"/{id}", func(w http.ResponseWriter, _ *http.Request) {
		get.write(w)
	})
	mux.HandleFunc("GET "+base, func(w http.ResponseWriter, _ *http.Request) {
		list.write(w)
	})
	mux.HandleFunc("POST "+base, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		create.write(w)
	})

	log.Printf("floor: serving %d+%d+%d bytes on http://%s%s", len(get.body), len(create.body), len(list.body), *addr, base)
	log.Fatal(http.ListenAndServe(*addr, mux))
}
