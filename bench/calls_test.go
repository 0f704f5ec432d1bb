package bench

// The call benchmarks, recorded in docs/BENCHMARKS.md:
//
//   - BenchmarkCreateCall/{sqlite,postgres}: POST /v1/calls accepted per second, over loopback
//     HTTP from concurrency() goroutines. The dispatcher does not run (Options.NoDispatch) and
//     the queue cap is far above b.N, so every call stays queued: this measures acceptance
//     (validation, the organization lock, the queue count and the insert), not dialling.
//   - BenchmarkSandboxCallsCompleted/{sqlite,postgres}: b.N calls to a sandbox number ending in
//     14 (answers, then the far end hangs up), created over HTTP as fast as the server takes
//     them, with a cap of callsLive live calls and every sandbox delay scaled by callsScale. The
//     clock runs from the first POST until the store reports every call ended; it reports
//     completed calls per second end to end.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

const (
	// callsLive is the cap on live calls in BenchmarkSandboxCallsCompleted.
	callsLive = 500
	// callsScale multiplies the sandbox's delays and the server's call timers: a call to ...14
	// lasts about 45 ms (dial 0.5 s, ring 2 s, talk 2 s, scaled), so 500 lines could complete
	// about 11 000 calls/s, far above what the database allows. It is not smaller because the
	// server's timers shrink with it but the database's latency does not: the guard that fails
	// a call the carrier has not reported answered within its ring timeout plus a grace
	// (30 s + 30 s, scaled: 0.6 s here) fired on PostgreSQL at 0.001 (60 ms), failing calls
	// whose "ringing" update was still waiting for a database connection.
	callsScale = 0.01
	// callsTo is the sandbox destination: answers, then hangs up (caller_hangup).
	callsTo = "+12125550114"
	// callsQueue is the queue cap, far above any b.N, so no POST is refused for a full queue.
	callsQueue = 1 << 30
	// callsWait bounds the wait for calls to end; reaching it is a hang, not a slow machine.
	callsWait = 5 * time.Minute
)

// callTarget is a running server with an agent that has a number, ready to place calls.
type callTarget struct {
	env    *apitest.Env
	client *http.Client
	url    string // POST /v1/calls
	body   []byte // the call to create
}

// newCallTarget starts the real server over dialect with opts (plus unlimited rate limits and
// the callsQueue queue cap), creates an agent and gives it a sandbox number through the API.
func newCallTarget(tb testing.TB, dialect string, opts apitest.Options) *callTarget {
	tb.Helper()
	opts.ReadsPerMinute, opts.WritesPerMinute, opts.MaxQueuedCalls = unlimited, unlimited, callsQueue
	env := apitest.Start(tb, dialect, opts)
	t := &callTarget{env: env, client: newClient(tb), url: env.URL + "/v1/calls"}

	var buf bytes.Buffer
	loc, err := t.post(env.URL+"/v1/agents", []byte(agentBody), &buf)
	if err != nil {
		tb.Fatalf("create agent: %v", err)
	}
	agentID := strings.TrimPrefix(loc, "/v1/agents/")
	if _, err := t.post(env.URL+"/v1/phone-numbers", []byte(`{"agent_id":"`+agentID+`"}`), &buf); err != nil {
		tb.Fatalf("create phone number: %v", err)
	}
	t.body = []byte(`{"agent_id":"` + agentID + `","to_number":"` + callsTo + `"}`)
	return t
}

// post sends body to url as the admin, checks for a 201 with a Location, and returns the
// Location. buf is the caller's reusable read buffer and holds the response body afterwards.
func (t *callTarget) post(url string, body []byte, buf *bytes.Buffer) (string, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+t.env.Admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return "", err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return "", fmt.Errorf("POST %s: read body: %v", url, err)
	}
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || loc == "" {
		return "", fmt.Errorf("POST %s: status %d, Location %q, body %s", url, resp.StatusCode, loc, buf.Bytes())
	}
	return loc, nil
}

// create places one call and returns its id; the server must answer that it is queued.
func (t *callTarget) create(buf *bytes.Buffer) (string, error) {
	loc, err := t.post(t.url, t.body, buf)
	if err != nil {
		return "", err
	}
	id, ok := strings.CutPrefix(loc, "/v1/calls/")
	if !ok || !bytes.Contains(buf.Bytes(), []byte(`"status":"queued"`)) {
		return "", fmt.Errorf("POST /v1/calls: Location %q, body %s", loc, buf.Bytes())
	}
	return id, nil
}

// createMany places n calls from concurrency() goroutines and returns their ids, in no
// particular order.
func (t *callTarget) createMany(n int) ([]string, error) {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		ids      = make([]string, n)
	)
	for range concurrency() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				id, err := t.create(&buf)
				if err != nil {
					once.Do(func() { firstErr = err })
					next.Store(int64(n)) // stop the others
					return
				}
				ids[i] = id
			}
		}()
	}
	wg.Wait()
	return ids, firstErr
}

// waitEnded waits until every call in ids has ended. It asks the store about a window of the
// oldest pending ids at a time: the dispatcher dials in queue order, so calls end roughly in
// the order they were created. It sleeps only while the window holds a call not yet ended, so
// a backlog of calls that already ended is cleared at once. Asking about every pending call
// on each poll took a quarter of the CPU in a profile, competing with the server.
func (t *callTarget) waitEnded(ids []string) error {
	const (
		window = 50                    // ids per query
		pause  = 10 * time.Millisecond // between polls while the window's oldest calls are live
	)
	ctx, cancel := context.WithTimeout(context.Background(), callsWait)
	defer cancel()
	left := append([]string(nil), ids...)
	for len(left) > 0 {
		head := left[:min(window, len(left))]
		ended, err := t.env.Store.EndedCalls(ctx, head)
		if err != nil {
			return fmt.Errorf("%d of %d calls not ended: %v", len(left), len(ids), err)
		}
		done := make(map[string]bool, len(ended))
		for _, id := range ended {
			done[id] = true
		}
		kept := left[:0]
		for _, id := range head {
			if !done[id] {
				kept = append(kept, id)
			}
		}
		live := len(kept) > 0
		left = append(kept, left[len(head):]...)
		if live {
			time.Sleep(pause)
		}
	}
	return nil
}

// countCompleted returns how many of the organization's calls completed with caller_hangup,
// and how many calls it has in all.
func (t *callTarget) countCompleted() (completed, all int, err error) {
	ctx := context.Background()
	lp := dialtone.ListParams{Limit: dialtone.MaxListLimit}
	for {
		page, more, err := t.env.Store.ListCalls(ctx, t.env.OrgID, dialtone.CallFilter{}, lp)
		if err != nil {
			return 0, 0, err
		}
		for _, c := range page {
			all++
			if c.Status == dialtone.CallCompleted && c.EndedReason != nil && *c.EndedReason == dialtone.EndedCallerHangup {
				completed++
			}
		}
		if !more || len(page) == 0 {
			return completed, all, nil
		}
		lp.StartingAfter = page[len(page)-1].ID
	}
}

// BenchmarkCreateCall measures POST /v1/calls accepted per second, with the dispatcher off.
func BenchmarkCreateCall(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			t := newCallTarget(b, dialect, apitest.Options{NoDispatch: true})
			runParallel(b, "calls/s", func(buf *bytes.Buffer) error {
				_, err := t.create(buf)
				return err
			})
		})
	}
}

// BenchmarkSandboxCallsCompleted measures sandbox calls completed per second end to end:
// created over HTTP, queued, dispatched within the cap, dialled, rung, answered and hung up.
func BenchmarkSandboxCallsCompleted(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			t := newCallTarget(b, dialect, apitest.Options{MaxConcurrentCalls: callsLive, TimeScale: callsScale})
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			ids, err := t.createMany(b.N)
			created := time.Since(start)
			if err == nil {
				err = t.waitEnded(ids)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if completed, all, err := t.countCompleted(); err != nil || completed != b.N || all != b.N {
				b.Fatalf("%d of %d calls completed with caller_hangup, %d calls in all (%v)", completed, b.N, all, err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
			b.ReportMetric(float64(b.N)/created.Seconds(), "created/s")
		})
	}
}

// TestCallsFixture checks the call harness on SQLite without timing anything: created calls
// are queued and stay queued without the dispatcher, and with it a few calls to ...14 all
// complete with caller_hangup.
func TestCallsFixture(t *testing.T) {
	t.Run("create", func(t *testing.T) {
		tg := newCallTarget(t, "sqlite", apitest.Options{NoDispatch: true})
		ids, err := tg.createMany(2 * concurrency())
		if err != nil {
			t.Fatal(err)
		}
		calls, _, err := tg.env.Store.ListCalls(context.Background(), tg.env.OrgID,
			dialtone.CallFilter{Status: dialtone.CallQueued}, dialtone.ListParams{Limit: dialtone.MaxListLimit})
		if err != nil || len(calls) != len(ids) {
			t.Fatalf("%d queued calls, want %d (%v)", len(calls), len(ids), err)
		}
	})
	t.Run("complete", func(t *testing.T) {
		tg := newCallTarget(t, "sqlite", apitest.Options{MaxConcurrentCalls: callsLive, TimeScale: callsScale})
		const n = 20
		ids, err := tg.createMany(n)
		if err == nil {
			err = tg.waitEnded(ids)
		}
		if err != nil {
			t.Fatal(err)
		}
		if completed, all, err := tg.countCompleted(); err != nil || completed != n || all != n {
			t.Fatalf("%d of %d calls completed with caller_hangup, %d in all (%v)", completed, n, all, err)
		}
	})
}
