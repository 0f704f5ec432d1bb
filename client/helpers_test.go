package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone/client"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

// start runs the real server over a fresh database of dialect and returns it with a client
// of its bootstrap admin key.
func start(t *testing.T, dialect string, opts ...client.Option) (*apitest.Env, *client.Client) {
	t.Helper()
	env := apitest.Start(t, dialect, apitest.Options{})
	return env, client.New(env.URL, env.Admin, opts...)
}

// counter is an http.RoundTripper that counts the requests it passes on.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *counter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *counter) reset() {
	c.mu.Lock()
	c.n = 0
	c.mu.Unlock()
}

// counted returns a client option whose HTTP client counts requests in the returned counter.
func counted() (client.Option, *counter) {
	c := &counter{}
	return client.WithHTTPClient(&http.Client{Transport: c}), c
}

// received is one request a fake server got.
type received struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// fake is a scripted stand-in for the Dialtone server on a loopback port: respond answers
// attempt n (from 1).
type fake struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
}

func newFake(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *fake {
	t.Helper()
	f := &fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, received{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: body})
		n := len(f.reqs)
		f.mu.Unlock()
		respond(n, w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) requests() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.reqs...)
}

// sleeper records the waits a client asks for instead of waiting.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) recorded() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// writeError writes a Dialtone error envelope.
func writeError(w http.ResponseWriter, status int, typ, code, requestID string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", requestID)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"error":{"type":"`+typ+`","code":"`+code+`","message":"scripted `+code+
		`","doc_url":"http://x/docs/errors#`+code+`","request_id":"`+requestID+`"}}`+"\n")
}

// writeAgent writes a 201 answer holding an agent.
func writeAgent(w http.ResponseWriter, id string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, `{"id":"`+id+`","object":"agent","name":"A"}`+"\n")
}

// asError reports whether err is an *client.Error, setting *e.
func asError(err error, e **client.Error) bool { return errors.As(err, e) }
