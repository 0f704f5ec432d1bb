package bench

// The webhook delivery benchmark, recorded in docs/BENCHMARKS.md:
//
//   - BenchmarkWebhookDelivery/{sqlite,postgres}/{rate=100,rate=1000,rate=5000,max}: the
//     real server (internal/apitest, with its River job runner) with one webhook endpoint,
//     subscribed to every event, whose URL is an httptest receiver on 127.0.0.1 that answers
//     204 and records when each event id first arrives. Events are stored with Store.InsertEvents, which
//     inserts each event and its delivery job in one transaction, in batches of
//     webhookBatch events per transaction. rate=N offers N events a second on a fixed
//     schedule for webhookWindow (webhookProducers goroutines take the batches in turn, each
//     waiting for its batch's due time); max inserts back to back from webhookProducers
//     goroutines for webhookWindow. Either way no batch starts after webhookWindow (so when
//     the store cannot keep up, fewer events than offered are produced: compare inserted/s
//     with the offered rate) and at most webhookMaxEvents are produced.
//     Then it waits (at most webhookDrain) for every event to arrive and reports:
//     deliveries/s (delivered events ÷ time from the first commit to the last arrival),
//     inserted/s (events committed ÷ production time), and p50/p95/p99/max commit-to-delivery
//     latency in ms, where an event's commit time is when the InsertEvents call that stored it
//     returned, and its delivery time is when the receiver's handler read its body. It also
//     reports the TCP connections the receiver accepted (conns), duplicate arrivals, and the
//     test process's CPU time (getrusage, user+system: server, job runner, producers and
//     receiver together; not the PostgreSQL server's) per delivered event, which depends far
//     less than the rates on what else the machine runs.
//
// Each run starts with a warm-up burst that is not measured (webhookTarget.warmUp).
//
// b.N is ignored: each sub-benchmark is one measurement (run with -benchtime 1x). Nothing is
// asserted about timing; the benchmark fails only when an event is never delivered.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/core"
)

const (
	// webhookBatch is how many events one InsertEvents call (one transaction) stores.
	webhookBatch = 10
	// webhookProducers is how many goroutines insert events.
	webhookProducers = 4
	// webhookWindow is how long events are produced.
	webhookWindow = 4 * time.Second
	// webhookMaxEvents bounds the events of one run.
	webhookMaxEvents = 20_000
	// webhookDrain bounds the wait for deliveries after production ends; reaching it fails
	// the run.
	webhookDrain = 30 * time.Second
)

// webhookTarget is a running server with one endpoint pointing at a receiver.
type webhookTarget struct {
	env  *apitest.Env
	recv *apitest.Receiver // answers 204
}

// newWebhookTarget starts the real server over dialect, with loopback receivers allowed, and
// creates an endpoint for every event type through the API.
func newWebhookTarget(tb testing.TB, dialect string) *webhookTarget {
	tb.Helper()
	recv := apitest.NewReceiver(tb, func(string, int) int { return http.StatusNoContent })
	env := apitest.Start(tb, dialect, apitest.Options{ReadsPerMinute: unlimited, WritesPerMinute: unlimited,
		Webhooks: core.WebhookOptions{AllowHTTP: true, AllowPrivate: true}})
	body := `{"url":"` + recv.URL + `/hook","events":["` + dialtone.WebhookEventsAll + `"]}`
	req, err := http.NewRequest(http.MethodPost, env.URL+"/v1/webhook-endpoints", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+env.Admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := newClient(tb).Do(req)
	if err != nil {
		tb.Fatalf("create webhook endpoint: %v", err)
	}
	created, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		tb.Fatalf("create webhook endpoint: status %d, body %s", resp.StatusCode, created)
	}
	return &webhookTarget{env: env, recv: recv}
}

// warmUp delivers a burst of events before the measurement, then forgets them: a server
// that has just started opens its database connections on the first concurrent deliveries
// (on PostgreSQL each new connection took 100–250 ms here, which would otherwise be the p99
// of a short run), and a long-running server has them open.
func (t *webhookTarget) warmUp(tb testing.TB) {
	tb.Helper()
	if _, err := t.run(0, 500*time.Millisecond); err != nil {
		tb.Fatalf("warm-up: %v", err)
	}
	t.recv.Reset()
}

// webhookEvents returns n new phone_number.provisioned events, as the services make them.
func webhookEvents(n int) []dialtone.Event {
	evs := make([]dialtone.Event, n)
	now := time.Now().UTC()
	for i := range evs {
		pn := dialtone.NewID("pn")
		obj := []byte(`{"id":"` + pn + `","object":"phone_number","number":"+12125550100","carrier":"sandbox"}`)
		evs[i] = dialtone.Event{ID: dialtone.NewID(dialtone.PrefixEvent), Object: "event",
			Type: dialtone.EventPhoneNumberProvisioned, ObjectID: pn, CreatedAt: now,
			Data: dialtone.EventData{Object: obj}}
	}
	return evs
}

// webhookResult is one run's measurements.
type webhookResult struct {
	produced, delivered, dups int
	conns                     int64         // connections the receiver accepted
	cpu                       time.Duration // this process's CPU time (user+system) over the run
	produce                   time.Duration // first InsertEvents call to the last commit
	sustained                 time.Duration // first commit to last arrival
	lat                       []float64     // commit-to-delivery latencies in ms, sorted
}

// run produces events for window at rate events a second (0: as fast as the producers go),
// then waits for them all to arrive.
func (t *webhookTarget) run(rate int, window time.Duration) (webhookResult, error) {
	ctx := context.Background()
	maxBatches := webhookMaxEvents / webhookBatch
	if rate > 0 {
		maxBatches = min(maxBatches, int(float64(rate)*window.Seconds())/webhookBatch)
	}
	type batch struct {
		ids    []string
		commit time.Time
	}
	var (
		batches  = make([]batch, maxBatches)
		next     atomic.Int64
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	cpu0 := cpuTime()
	start := time.Now()
	deadline := start.Add(window)
	interval := time.Duration(0)
	if rate > 0 {
		interval = time.Duration(float64(time.Second) * webhookBatch / float64(rate))
	}
	for range webhookProducers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= maxBatches {
					return
				}
				if rate > 0 {
					time.Sleep(time.Until(start.Add(time.Duration(k) * interval)))
				}
				if time.Now().After(deadline) {
					return // behind the schedule: the run stops at the window's end
				}
				evs := webhookEvents(webhookBatch)
				if err := t.env.Store.InsertEvents(ctx, t.env.OrgID, evs); err != nil {
					once.Do(func() { firstErr = err })
					next.Store(int64(maxBatches))
					return
				}
				b := batch{commit: time.Now(), ids: make([]string, len(evs))}
				for i, ev := range evs {
					b.ids[i] = ev.ID
				}
				batches[k] = b
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return webhookResult{}, firstErr
	}
	var res webhookResult
	var first, last time.Time
	for _, b := range batches {
		if b.ids == nil {
			continue // not taken before the window ended
		}
		res.produced += len(b.ids)
		if first.IsZero() || b.commit.Before(first) {
			first = b.commit
		}
		if b.commit.After(last) {
			last = b.commit
		}
	}
	res.produce = last.Sub(start)
	// Wait until every event arrived (or webhookDrain passed), counting cheaply while waiting.
	firstArrivals := func() (map[string]time.Time, int) {
		all := t.recv.Requests("")
		arrived := make(map[string]time.Time, len(all))
		for _, g := range all {
			if _, seen := arrived[g.Event.ID]; !seen {
				arrived[g.Event.ID] = g.At
			}
		}
		return arrived, len(all)
	}
	for drain := time.Now().Add(webhookDrain); time.Now().Before(drain); time.Sleep(5 * time.Millisecond) {
		if t.recv.Count() >= res.produced {
			if arrived, _ := firstArrivals(); len(arrived) >= res.produced {
				break
			}
		}
	}
	arrived, reqs := firstArrivals()

	res.cpu = cpuTime() - cpu0
	res.dups = reqs - len(arrived)
	res.conns = int64(t.recv.Conns())
	var lastArrival time.Time
	for _, b := range batches {
		for _, id := range b.ids {
			at, ok := arrived[id]
			if !ok {
				continue
			}
			res.delivered++
			res.lat = append(res.lat, ms(max(0, at.Sub(b.commit))))
			if at.After(lastArrival) {
				lastArrival = at
			}
		}
	}
	res.sustained = lastArrival.Sub(first)
	slices.Sort(res.lat)
	if res.delivered != res.produced {
		return res, fmt.Errorf("%d of %d events delivered within %v of the last commit", res.delivered, res.produced, webhookDrain)
	}
	return res, nil
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkWebhookDelivery measures webhook deliveries per second and commit-to-delivery
// latency to a loopback receiver.
func BenchmarkWebhookDelivery(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			for _, rate := range []int{100, 1000, 5000, 0} {
				name := fmt.Sprintf("rate=%d", rate)
				if rate == 0 {
					name = "max"
				}
				b.Run(name, func(b *testing.B) {
					t := newWebhookTarget(b, dialect)
					t.warmUp(b)
					b.ResetTimer()
					res, err := t.run(rate, webhookWindow)
					b.StopTimer()
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(res.delivered)/res.sustained.Seconds(), "deliveries/s")
					b.ReportMetric(float64(res.produced)/res.produce.Seconds(), "inserted/s")
					b.ReportMetric(float64(res.produced), "events")
					b.ReportMetric(quantile(res.lat, 0.50), "p50-ms")
					b.ReportMetric(quantile(res.lat, 0.95), "p95-ms")
					b.ReportMetric(quantile(res.lat, 0.99), "p99-ms")
					b.ReportMetric(res.lat[len(res.lat)-1], "max-ms")
					b.ReportMetric(float64(res.dups), "duplicates")
					b.ReportMetric(float64(res.conns), "conns")
					b.ReportMetric(float64(res.cpu.Microseconds())/float64(res.delivered), "cpu-µs/delivery")
				})
			}
		})
	}
}

// TestWebhookFixture checks the delivery harness on SQLite without timing anything: a few
// batches of events all reach the receiver, each once.
func TestWebhookFixture(t *testing.T) {
	tg := newWebhookTarget(t, "sqlite")
	res, err := tg.run(200, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if res.produced == 0 || res.delivered != res.produced || res.dups != 0 {
		t.Fatalf("produced %d, delivered %d, duplicates %d", res.produced, res.delivered, res.dups)
	}
}
