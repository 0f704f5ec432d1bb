// Package bench measures the Dialtone API over real loopback HTTP against a bare net/http
// handler on the same machine. The results and the machine they were taken on are recorded in
// docs/BENCHMARKS.md; `make bench` runs
//
//	go test -run '^$' -bench . -benchtime 3s ./bench/
//
// The benchmarks:
//
//   - BenchmarkBareHandler: GET against an httptest server whose handler only writes the agent
//     JSON captured from the real server, with its Content-Type. This is the ceiling: the cost
//     of net/http, loopback TCP and the client.
//   - BenchmarkGetAgent/{sqlite,postgres}: authenticated GET /v1/agents/{id} against the real
//     server (internal/apitest) over a real database.
//   - BenchmarkGetAgentVsBare/{sqlite,postgres}: both servers measured back to back in
//     alternating rounds of the same number of requests, reporting each throughput and their
//     ratio (dialtone req/s ÷ bare req/s). The ratio of this benchmark is the number recorded.
//
// The client runs in the test process and shares the CPUs with the server, in every benchmark
// alike. No test here asserts anything about timing.
package bench

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone/internal/apitest"
)

// unlimited is the rate limit (per minute) given to the server so it never throttles.
const unlimited = 1 << 30

// parallelism multiplies GOMAXPROCS to give the number of concurrent client goroutines.
const parallelism = 4

// roundSize is how many requests each side gets per iteration of BenchmarkGetAgentVsBare.
const roundSize = 500

// agentBody is the agent the benchmarks create and then read back.
const agentBody = `{"name":"Front desk","language":"en-US",` +
	`"system_prompt":"You answer the phone for a dental clinic. Be brief and friendly; book, move or cancel appointments.",` +
	`"greeting":"Hello, you have reached the clinic. How can I help?",` +
	`"metadata":{"team":"reception","site":"north"}}`

// concurrency is the number of client goroutines (and the keep-alive connections they use).
func concurrency() int { return runtime.GOMAXPROCS(0) * parallelism }

// newClient returns a keep-alive client whose idle pool holds a connection per goroutine; its
// idle connections are closed when tb ends.
func newClient(tb testing.TB) *http.Client {
	n := concurrency()
	tr := &http.Transport{
		MaxIdleConns:        2 * n,
		MaxIdleConnsPerHost: n,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// target is one server to GET: url with the Authorization credential, expecting body.
type target struct {
	client *http.Client
	url    string
	cred   string
	body   []byte
}

// get makes one request and checks it is a 200 with the expected body. buf is the caller's
// reusable read buffer.
func (t *target) get(buf *bytes.Buffer) error {
	req, err := http.NewRequest(http.MethodGet, t.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+t.cred)
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("GET %s: read body: %v", t.url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d, body %s", t.url, resp.StatusCode, buf.Bytes())
	}
	if !bytes.Equal(buf.Bytes(), t.body) {
		return fmt.Errorf("GET %s: body %s, want %s", t.url, buf.Bytes(), t.body)
	}
	return nil
}

// fixture is a running Dialtone server with one agent, and a bare server serving that agent's
// JSON.
type fixture struct {
	dialtone, bare target
}

// dialtoneTarget starts the real server over dialect, creates the agent through the API and
// returns the target reading it back, with the exact body and Content-Type the server sends.
func dialtoneTarget(tb testing.TB, dialect string) (t target, contentType string) {
	tb.Helper()
	env := apitest.Start(tb, dialect, apitest.Options{ReadsPerMinute: unlimited, WritesPerMinute: unlimited})
	client := newClient(tb)

	req, err := http.NewRequest(http.MethodPost, env.URL+"/v1/agents", strings.NewReader(agentBody))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+env.Admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("create agent: %v", err)
	}
	created, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(loc, "/v1/agents/") {
		tb.Fatalf("create agent: status %d, Location %q, body %s", resp.StatusCode, loc, created)
	}

	t = target{client: client, url: env.URL + loc, cred: env.Admin}
	req, err = http.NewRequest(http.MethodGet, t.url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+env.Admin)
	resp, err = client.Do(req)
	if err != nil {
		tb.Fatalf("get agent: %v", err)
	}
	t.body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("get agent: status %d, body %s", resp.StatusCode, t.body)
	}
	return t, resp.Header.Get("Content-Type")
}

// bareTarget starts an httptest server whose handler writes body with contentType and nothing
// else.
func bareTarget(tb testing.TB, body []byte, contentType string) target {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	// Registered after srv.Close, so it runs first: idle connections close before the server
	// waits for them.
	client := newClient(tb)
	return target{client: client, url: srv.URL + "/v1/agents/bare", cred: "key_bare:dts_bare", body: body}
}

func newFixture(tb testing.TB, dialect string) fixture {
	tb.Helper()
	d, ct := dialtoneTarget(tb, dialect)
	return fixture{dialtone: d, bare: bareTarget(tb, d.body, ct)}
}

// runParallel runs op from parallelism goroutines per CPU until b.N operations are done, each
// goroutine with its own buffer, and reports operations per second as unit. The first error
// fails the benchmark.
func runParallel(b *testing.B, unit string, op func(buf *bytes.Buffer) error) {
	b.Helper()
	var (
		once     sync.Once
		firstErr error
	)
	b.SetParallelism(parallelism)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var buf bytes.Buffer
		for pb.Next() {
			if err := op(&buf); err != nil {
				once.Do(func() { firstErr = err })
				return // RunParallel tolerates an early return once the benchmark has failed
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), unit)
}

// BenchmarkGetAgent measures authenticated GET /v1/agents/{id} on the real server.
func BenchmarkGetAgent(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			t, _ := dialtoneTarget(b, dialect)
			runParallel(b, "req/s", t.get)
		})
	}
}

// BenchmarkBareHandler measures the bare net/http handler serving the same bytes.
func BenchmarkBareHandler(b *testing.B) {
	d, ct := dialtoneTarget(b, "sqlite") // only to capture the exact body and Content-Type
	t := bareTarget(b, d.body, ct)
	runParallel(b, "req/s", t.get)
}

// burst makes n requests to t from concurrency() goroutines and returns how long they took.
func burst(t *target, n int) (time.Duration, error) {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	start := time.Now()
	for range concurrency() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for next.Add(1) <= int64(n) {
				if err := t.get(&buf); err != nil {
					once.Do(func() { firstErr = err })
					next.Store(int64(n)) // stop the others
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), firstErr
}

// BenchmarkGetAgentVsBare measures the bare handler and the real server back to back: each
// iteration is one round of roundSize requests to the bare server, then roundSize to Dialtone,
// from concurrency() goroutines. Alternating rounds keeps drift in the machine's speed out of
// the ratio. It reports both throughputs and ratio = dialtone req/s ÷ bare req/s.
func BenchmarkGetAgentVsBare(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			f := newFixture(b, dialect)
			// Warm both connection pools so no round pays for dialing.
			for _, t := range []*target{&f.bare, &f.dialtone} {
				if _, err := burst(t, 2*concurrency()); err != nil {
					b.Fatal(err)
				}
			}
			var bareTime, dialtoneTime time.Duration
			var rounds int
			for b.Loop() {
				d, err := burst(&f.bare, roundSize)
				if err != nil {
					b.Fatal(err)
				}
				bareTime += d
				d, err = burst(&f.dialtone, roundSize)
				if err != nil {
					b.Fatal(err)
				}
				dialtoneTime += d
				rounds++
			}
			n := float64(rounds * roundSize)
			bareRate, dialtoneRate := n/bareTime.Seconds(), n/dialtoneTime.Seconds()
			b.ReportMetric(bareRate, "bare-req/s")
			b.ReportMetric(dialtoneRate, "dialtone-req/s")
			b.ReportMetric(dialtoneRate/bareRate, "ratio")
		})
	}
}

// TestFixture checks the harness without timing anything: the real server answers the GET with
// a 200 and the agent, and the bare server sends back exactly the same body and Content-Type.
func TestFixture(t *testing.T) {
	f := newFixture(t, "sqlite")
	var buf bytes.Buffer
	for _, tg := range []*target{&f.dialtone, &f.bare} {
		if err := tg.get(&buf); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Contains(f.dialtone.body, []byte(`"object":"agent"`)) || !bytes.Contains(f.dialtone.body, []byte(`"name":"Front desk"`)) {
		t.Fatalf("agent body %s", f.dialtone.body)
	}
	// The bare handler sets the Content-Type captured from the real server.
	req, _ := http.NewRequest(http.MethodGet, f.bare.url, nil)
	resp, err := f.bare.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		t.Fatalf("bare Content-Type %q, want application/json", got)
	}
	// The same credential works against Dialtone with more than one connection at once.
	if _, err := burst(&f.dialtone, 4*concurrency()); err != nil {
		t.Fatal(err)
	}
}
