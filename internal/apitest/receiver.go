package apitest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Received is one request a Receiver got.
type Received struct {
	Path   string
	Header http.Header
	Body   []byte
	At     time.Time      // when its body had been read
	Event  dialtone.Event // the body decoded as an event (zero when it is not one)
}

// Receiver is a webhook receiver on 127.0.0.1 for tests and benchmarks: it records every
// request and answers with the status its status function gives. It is safe for concurrent
// use and closed when the test ends.
type Receiver struct {
	URL string

	srv    *httptest.Server
	status func(path string, n int) int

	mu     sync.Mutex
	got    []Received
	byPath map[string]int // requests per path
	conns  int            // TCP connections accepted
}

// NewReceiver starts a Receiver. status picks the answer to each request from its path and the
// number of requests to that path so far (1 for the first); nil answers 200 to everything.
func NewReceiver(tb testing.TB, status func(path string, n int) int) *Receiver {
	tb.Helper()
	if status == nil {
		status = func(string, int) int { return http.StatusOK }
	}
	r := &Receiver{status: status, byPath: map[string]int{}}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.mu.Lock()
			r.conns++
			r.mu.Unlock()
		}
	}
	r.srv.Start()
	r.URL = r.srv.URL
	tb.Cleanup(r.srv.Close)
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	got := Received{Path: req.URL.Path, Header: req.Header.Clone(), Body: body, At: time.Now()}
	_ = json.Unmarshal(body, &got.Event)
	r.mu.Lock()
	r.got = append(r.got, got)
	r.byPath[got.Path]++
	n := r.byPath[got.Path]
	r.mu.Unlock()
	w.WriteHeader(r.status(got.Path, n))
}

// Requests returns what path received so far, in order of arrival; "" means every path.
func (r *Receiver) Requests(path string) []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Received
	for _, g := range r.got {
		if path == "" || g.Path == path {
			out = append(out, g)
		}
	}
	return out
}

// Count returns how many requests the receiver got, on every path.
func (r *Receiver) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// Conns returns how many TCP connections the receiver accepted.
func (r *Receiver) Conns() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conns
}

// Reset forgets every request and connection so far.
func (r *Receiver) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got, r.byPath, r.conns = nil, map[string]int{}, 0
}
