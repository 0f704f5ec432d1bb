package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
	"github.com/dialtonehq/dialtone/internal/webhook"
)

// burstEvents is how many events the burst stores in all.
const burstEvents = 10_000

// TestWebhookDeliverySurvivesSIGKILL is the acceptance test of webhook delivery: it kills the
// server with SIGKILL a third of the way through a burst of 10,000 events, restarts it on the
// same database, finishes the burst, and checks that the receiver got every event the
// database holds at least once, each request signed and carrying the event's id as webhook-id.
func TestWebhookDeliverySurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and sends 10,000 webhooks")
	}
	bin := buildBinary(t)
	eachStorage(t, func(t *testing.T, storage []string) { testWebhookKill(t, bin, storage) })
}

// eachStorage runs fn as a subtest per database, with the serve flags of a fresh one: a
// data directory (SQLite) or a database URL (PostgreSQL).
func eachStorage(t *testing.T, fn func(t *testing.T, storage []string)) {
	for _, dialect := range sqltest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			var storage []string
			switch dialect {
			case "sqlite":
				storage = []string{"--data-dir", t.TempDir()}
			case "postgres":
				storage = []string{"--database-url", sqltest.PostgresURL(t)}
			}
			fn(t, storage)
		})
	}
}

// checkDeliveries returns, of the requests rcv got, how many are malformed (not an event,
// webhook-id not the event's id, not signed with the key of the endpoint at their path) and the
// first few problems, and how many requests each event id had.
func checkDeliveries(rcv *apitest.Receiver, keys map[string][]byte) (bad int, problems []string, seen map[string]int) {
	seen = map[string]int{}
	for _, g := range rcv.Requests("") {
		var problem string
		switch key := keys[g.Path]; {
		case g.Event.ID == "":
			problem = fmt.Sprintf("body is not an event: %.200s", g.Body)
		case g.Header.Get(webhook.HeaderID) != g.Event.ID:
			problem = fmt.Sprintf("webhook-id %q but the body is event %s", g.Header.Get(webhook.HeaderID), g.Event.ID)
		case key == nil:
			problem = "request to an endpoint that does not exist: " + g.Path
		default:
			if err := webhook.Check(g.Header, key, g.Body, g.At, 5*time.Minute); err != nil {
				problem = fmt.Sprintf("event %s: signature: %v", g.Event.ID, err)
			}
		}
		if problem != "" {
			bad++
			if len(problems) < 5 {
				problems = append(problems, problem)
			}
			continue
		}
		seen[g.Event.ID]++
	}
	return bad, problems, seen
}

// missing returns how many of ids are not in seen, and the first few of them.
func missing(seen map[string]int, ids []string) (int, []string) {
	n := 0
	var some []string
	for _, id := range ids {
		if seen[id] == 0 {
			n++
			if len(some) < 10 {
				some = append(some, id)
			}
		}
	}
	return n, some
}

// apiClient sends API requests that may fail (the server may be killed under them).
type apiClient struct {
	http *http.Client
	cred string
}

// call sends one request to base and decodes a 2xx answer into out (when not nil).
func (c *apiClient) call(ctx context.Context, base, method, path, body string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.cred)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %.300s", method, path, res.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %v", method, path, err)
		}
	}
	return nil
}

// tenants is how many organizations the burst runs in, one goroutine each: an organization's
// numbers are provisioned one at a time (under its row lock), so one organization alone would
// make the burst slow on PostgreSQL.
const tenants = 8

// burst provisions and releases phone numbers on base from one goroutine per client (each an
// organization) until ctx ends or done reports true. Each answered request stored one event
// and adds one to stored; a failed one (the server died under it) may or may not have, and is
// not counted. The last error is kept in lastErr.
func burst(ctx context.Context, clients []*apiClient, base string, stored *atomic.Int64, lastErr *atomic.Value, done func() bool) {
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			for ctx.Err() == nil && !done() {
				var n dialtone.PhoneNumber
				err := c.call(ctx, base, "POST", "/v1/phone-numbers", "{}", &n)
				if err == nil {
					stored.Add(1)
					err = c.call(ctx, base, "DELETE", "/v1/phone-numbers/"+n.ID, "", nil)
					if err == nil {
						stored.Add(1)
					}
				}
				if err != nil && ctx.Err() == nil {
					lastErr.Store(err.Error())
					select { // the server may be gone: do not spin
					case <-ctx.Done():
					case <-time.After(10 * time.Millisecond):
					}
				}
			}
		})
	}
	wg.Wait()
}

// eventRef is the part of an event the test reads from GET /v1/events.
type eventRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// allEvents pages through GET /v1/events and returns every event's id and how many are of
// the burst's types.
func (c *apiClient) allEvents(ctx context.Context, base string) (ids []string, burst int, err error) {
	after := ""
	for page := 0; ; page++ {
		if page > 2*burstEvents/100+100 {
			return nil, 0, errors.New("too many pages of events")
		}
		q := url.Values{"limit": {"100"}}
		if after != "" {
			q.Set("starting_after", after)
		}
		var list dialtone.List[eventRef]
		if err := c.call(ctx, base, "GET", "/v1/events?"+q.Encode(), "", &list); err != nil {
			return nil, 0, err
		}
		for _, e := range list.Data {
			ids = append(ids, e.ID)
			if e.Type == dialtone.EventPhoneNumberProvisioned || e.Type == dialtone.EventPhoneNumberReleased {
				burst++
			}
		}
		if !list.HasMore || len(list.Data) == 0 {
			return ids, burst, nil
		}
		after = list.Data[len(list.Data)-1].ID
	}
}

func testWebhookKill(t *testing.T, bin string, storage []string) {
	rcv := apitest.NewReceiver(t, nil) // answers 200; closed after the servers stop (cleanups run last first)
	keys := map[string][]byte{}        // each endpoint's signing key, by the path of its URL

	flags := append([]string{"--secret-key", testSecretKey, "--allow-http-webhooks", "--allow-private-webhooks",
		"--rate-limit-writes-per-minute", "10000000", "--rate-limit-reads-per-minute", "10000000",
		"--max-numbers-per-org", "100000", "--recordings-dir", t.TempDir()}, storage...)
	first := startProcess(t, bin, flags...)
	if first.cred == "" {
		t.Fatal("the first start did not bootstrap the database")
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer hc.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	// The organizations, each with an endpoint on its own path of the receiver.
	clients := make([]*apiClient, tenants)
	endpoints := make([]dialtone.WebhookEndpoint, tenants)
	for i := range clients {
		// `dialtone keys create --new-org` makes a postpaid organization and its admin key.
		out, err := exec.Command(bin, append([]string{"keys", "create", "--new-org", fmt.Sprintf("tenant %d", i)}, storage...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("keys create: %v\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		cred := lines[len(lines)-1]
		clients[i] = &apiClient{cred: cred, http: hc}
		path := fmt.Sprintf("/hook/%d", i)
		if err := clients[i].call(ctx, first.base, "POST", "/v1/webhook-endpoints",
			`{"url":"`+rcv.URL+path+`","events":["*"]}`, &endpoints[i]); err != nil {
			t.Fatal(err)
		}
		if endpoints[i].Secret == "" {
			t.Fatalf("the endpoint was created without a secret: %+v", endpoints[i])
		}
		keys[path] = webhook.Key(endpoints[i].Secret)
	}

	// A third of the burst, then SIGKILL while requests and deliveries are in flight.
	var stored atomic.Int64
	var lastErr atomic.Value
	killAt := int64(burstEvents / 3)
	bctx, bcancel := context.WithCancel(ctx)
	burstDone := make(chan struct{})
	go func() {
		defer close(burstDone)
		burst(bctx, clients, first.base, &stored, &lastErr, func() bool { return false })
	}()
	for stored.Load() < killAt {
		select {
		case <-ctx.Done():
			bcancel()
			<-burstDone
			t.Fatalf("only %d events stored before the deadline; last error: %v", stored.Load(), lastErr.Load())
		case <-time.After(time.Millisecond):
		}
	}
	first.kill(t)
	killedAt := time.Now()
	bcancel()
	<-burstDone
	hc.CloseIdleConnections()
	atKill := rcv.Count()
	t.Logf("killed with SIGKILL after %d answered event-creating requests; %d webhooks received by then", stored.Load(), atKill)

	// Restart on the same database and finish the burst.
	second := startProcess(t, bin, flags...)
	restarted := time.Now()
	if second.cred != "" {
		t.Fatal("the restart bootstrapped a new database")
	}
	for i, c := range clients {
		var again dialtone.WebhookEndpoint
		if err := c.call(ctx, second.base, "GET", "/v1/webhook-endpoints/"+endpoints[i].ID, "", &again); err != nil {
			t.Fatal(err)
		}
		if !again.Enabled || again.URL != endpoints[i].URL {
			t.Fatalf("after the restart the endpoint is %+v", again)
		}
	}
	var ids []string
	for round := 0; ; round++ {
		ids = nil
		n := 0
		for _, c := range clients {
			some, k, err := c.allEvents(ctx, second.base)
			if err != nil {
				t.Fatal(err)
			}
			ids, n = append(ids, some...), n+k
		}
		if n >= burstEvents {
			break
		}
		if round == 5 {
			t.Fatalf("the database holds %d burst events after %d rounds; last error: %v", n, round, lastErr.Load())
		}
		var more atomic.Int64
		want := int64(burstEvents - n)
		burst(ctx, clients, second.base, &more, &lastErr, func() bool { return more.Load() >= want })
	}
	if ctx.Err() != nil {
		t.Fatalf("deadline while storing the burst; last error: %v", lastErr.Load())
	}
	t.Logf("the database holds the whole burst %.1fs after the restart", time.Since(restarted).Seconds())

	// Every stored event must reach the receiver, however long the rescue of the jobs the
	// killed process was running takes (the deadline only catches a hang).
	deadline := time.Now().Add(4 * time.Minute)
	if d, ok := t.Deadline(); ok && d.Add(-30*time.Second).Before(deadline) {
		deadline = d.Add(-30 * time.Second) // fail with the missing ids rather than panic
	}
	for {
		_, _, seen := checkDeliveries(rcv, keys)
		n, some := missing(seen, ids)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d stored events never reached the receiver, e.g. %s", n, len(ids), strings.Join(some, " "))
		}
		time.Sleep(250 * time.Millisecond)
	}
	drained := time.Since(restarted)

	bad, problems, seen := checkDeliveries(rcv, keys)
	if bad > 0 {
		t.Errorf("%d malformed webhook requests, e.g.:\n%s", bad, strings.Join(problems, "\n"))
	}
	inDB := make(map[string]bool, len(ids))
	for _, id := range ids {
		inDB[id] = true
	}
	var stray []string
	dups := 0
	for id, k := range seen {
		dups += k - 1
		if !inDB[id] && len(stray) < 5 {
			stray = append(stray, id)
		}
	}
	if len(stray) > 0 {
		t.Errorf("the receiver got events the database does not hold: %v", stray)
	}
	t.Logf("%d events stored (all delivered), %d webhook requests received, %d duplicates; "+
		"every event delivered %.1fs after the restart (%.1fs after the kill)",
		len(ids), rcv.Count(), dups, drained.Seconds(), time.Since(killedAt).Seconds())
}
