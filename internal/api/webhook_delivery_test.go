package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
	"github.com/dialtonehq/dialtone/internal/webhook"
)

// loopbackWebhooks lets endpoints live on the test's loopback receivers.
var loopbackWebhooks = core.WebhookOptions{AllowHTTP: true, AllowPrivate: true, UserAgent: "Dialtone/test"}

// pollReads is a read limit high enough for tests that poll the API while they wait.
const pollReads = 1_000_000

// waitFor polls cond until it holds; it fails the test after a generous deadline (a hang,
// not a slow machine).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	// Backing off to 100 ms keeps a long wait under the key's read limit (10 per second by
	// default) and off a busy machine's CPU.
	for pause := 5 * time.Millisecond; !cond(); pause = min(2*pause, 100*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(pause)
	}
}

// deliveries lists endpoint id's attempts, oldest first.
func deliveries(t *testing.T, env *apitest.Env, id string) []dialtone.WebhookDelivery {
	t.Helper()
	r := call(t, env, "GET", "/v1/webhook-endpoints/"+id+"/deliveries?limit=100", env.Admin, "")
	mustStatus(t, r, http.StatusOK)
	l := decode[dialtone.List[dialtone.WebhookDelivery]](t, r.Raw)
	out := l.Data
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// jobState returns the state of the delivery job of event evID to endpoint epID.
func jobState(t *testing.T, env *apitest.Env, evID, epID string) rivertype.JobState {
	t.Helper()
	res, err := env.Jobs.Client().JobList(t.Context(), river.NewJobListParams().Kinds(core.WebhookDeliveryJob{}.Kind()).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	var state rivertype.JobState
	n := 0
	for _, j := range res.Jobs {
		var a core.WebhookDeliveryJob
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			t.Fatal(err)
		}
		if a.EventID == evID && a.EndpointID == epID {
			state = j.State
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d jobs deliver %s to %s, want 1", n, evID, epID)
	}
	return state
}

// eachDialectOnClock runs fn on a server of each dialect whose services and job runner share
// a fake clock of its own, stopped a minute ahead of the real one: jobs the database inserts
// at its real time are then due on the clock at once.
func eachDialectOnClock(t *testing.T, opts apitest.Options, fn func(t *testing.T, env *apitest.Env, clock *apitest.Clock)) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			clock := apitest.NewClock(time.Now().Add(time.Minute))
			opts.Clock = clock
			fn(t, apitest.Start(t, d, opts), clock)
		})
	}
}

// provision provisions a number (attached to agentID unless "") and returns the id of its
// phone_number.provisioned event.
func provision(t *testing.T, env *apitest.Env, agentID string) string {
	t.Helper()
	body := `{}`
	if agentID != "" {
		body = `{"agent_id":"` + agentID + `"}`
	}
	n := call(t, env, "POST", "/v1/phone-numbers", env.Admin, body)
	mustStatus(t, n, http.StatusCreated)
	evs := call(t, env, "GET", "/v1/events?type=phone_number.provisioned&limit=100", env.Admin, "")
	mustStatus(t, evs, http.StatusOK)
	for _, ev := range decode[dialtone.List[dialtone.Event]](t, evs.Raw).Data {
		var obj struct{ ID string }
		_ = json.Unmarshal(ev.Data.Object, &obj)
		if obj.ID == n.JSON["id"] {
			return ev.ID
		}
	}
	t.Fatalf("no phone_number.provisioned event for %s", n.Raw)
	return ""
}

// TestWebhookRetriesOnTheSchedule drives River and the services on one fake clock: a receiver
// answering 500, 500, then 200 gets three attempts, each at the time the previous one
// scheduled (the documented delays: 5 s, then 5 min, ±20%); a 400 gets one attempt; a 410
// gets one and disables its endpoint.
func TestWebhookRetriesOnTheSchedule(t *testing.T) {
	rc := apitest.NewReceiver(t, func(path string, n int) int {
		switch path {
		case "/flaky":
			if n <= 2 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		case "/bad":
			return http.StatusBadRequest
		}
		return http.StatusGone
	})
	eachDialectOnClock(t, apitest.Options{Webhooks: loopbackWebhooks, ReadsPerMinute: pollReads}, func(t *testing.T, env *apitest.Env, clock *apitest.Clock) {
		t0 := clock.Now()
		rc.Reset()
		flaky := createEndpoint(t, env, env.Admin, `{"url":"`+rc.URL+`/flaky","events":["phone_number.provisioned"]}`)
		bad := createEndpoint(t, env, env.Admin, `{"url":"`+rc.URL+`/bad","events":["phone_number.provisioned"]}`)
		gone := createEndpoint(t, env, env.Admin, `{"url":"`+rc.URL+`/gone","events":["*"]}`)
		evID := provision(t, env, "")

		// 400: one attempt, failed, and the job is over.
		waitFor(t, "the 400 attempt", func() bool { return len(deliveries(t, env, bad.ID)) == 1 })
		waitFor(t, "the 400 job to end", func() bool { return jobState(t, env, evID, bad.ID) == rivertype.JobStateCancelled })
		if d := deliveries(t, env, bad.ID)[0]; d.Outcome != dialtone.DeliveryFailed || deref(d.StatusCode) != 400 ||
			d.NextRetryAt != nil || str(d.Error) != "HTTP 400" || d.Attempt != 1 || d.EventID != evID {
			t.Errorf("400 attempt %+v", d)
		}
		// 410: one attempt, and the endpoint is disabled with a reason.
		waitFor(t, "the 410 job to end", func() bool { return jobState(t, env, evID, gone.ID) == rivertype.JobStateCancelled })
		if ds := deliveries(t, env, gone.ID); len(ds) != 1 || ds[0].Outcome != dialtone.DeliveryGone || deref(ds[0].StatusCode) != 410 {
			t.Errorf("410 attempts %+v", ds)
		}
		g := decode[dialtone.WebhookEndpoint](t, call(t, env, "GET", "/v1/webhook-endpoints/"+gone.ID, env.Admin, "").Raw)
		if g.Enabled || g.DisabledReason == nil || !strings.Contains(*g.DisabledReason, "410 Gone") {
			t.Errorf("after 410: enabled=%v reason=%v", g.Enabled, str(g.DisabledReason))
		}

		// 500, 500, 200 at the scheduled times.
		at := t0
		for n, want := range []struct {
			outcome string
			delay   time.Duration // the nominal delay scheduled after this attempt
		}{{dialtone.DeliveryRetrying, 5 * time.Second}, {dialtone.DeliveryRetrying, 5 * time.Minute}, {dialtone.DeliveryDelivered, 0}} {
			waitFor(t, fmt.Sprintf("attempt %d", n+1), func() bool { return len(deliveries(t, env, flaky.ID)) == n+1 })
			d := deliveries(t, env, flaky.ID)[n]
			if d.Attempt != n+1 || d.Outcome != want.outcome || !d.CreatedAt.Equal(at) || d.EventID != evID {
				t.Fatalf("attempt %d: %+v, want outcome %s at %s", n+1, d, want.outcome, at)
			}
			if want.delay == 0 {
				if d.NextRetryAt != nil || deref(d.StatusCode) != 200 || d.Error != nil {
					t.Fatalf("delivered attempt %+v", d)
				}
				break
			}
			if d.NextRetryAt == nil {
				t.Fatalf("attempt %d has no next_retry_at", n+1)
			}
			delay := d.NextRetryAt.Sub(at)
			if lo, hi := want.delay*8/10, want.delay*12/10; delay < lo || delay > hi {
				t.Fatalf("attempt %d: next retry after %s, want %s ± 20%%", n+1, delay, want.delay)
			}
			at = *d.NextRetryAt
			clock.Set(at)
		}
		waitFor(t, "the delivered job to complete", func() bool { return jobState(t, env, evID, flaky.ID) == rivertype.JobStateCompleted })

		// Every attempt carried the same webhook-id and a valid signature.
		reqs := rc.Requests("/flaky")
		if len(reqs) != 3 {
			t.Fatalf("receiver got %d requests, want 3", len(reqs))
		}
		for i, r := range reqs {
			if r.Header.Get("webhook-id") != evID || r.Event.ID != evID || r.Event.Type != dialtone.EventPhoneNumberProvisioned ||
				r.Header.Get("User-Agent") != "Dialtone/test" || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("request %d: headers %v, event %+v", i+1, r.Header, r.Event)
			}
			if !webhook.Verify(r.Header, webhook.Key(flaky.Secret), r.Body, clock.Now(), 24*time.Hour) {
				t.Errorf("request %d: signature does not verify", i+1)
			}
		}
		if ep := decode[dialtone.WebhookEndpoint](t, call(t, env, "GET", "/v1/webhook-endpoints/"+flaky.ID, env.Admin, "").Raw); !ep.Enabled {
			t.Errorf("the flaky endpoint was disabled: %v", str(ep.DisabledReason))
		}
	})
}

// TestWebhookAgentEndpoints: an endpoint of an agent receives that agent's events instead of
// the organization-wide endpoints; the organization's endpoint receives the rest.
func TestWebhookAgentEndpoints(t *testing.T) {
	rc := apitest.NewReceiver(t, func(string, int) int { return http.StatusNoContent })
	eachDialectWith(t, apitest.Options{Webhooks: loopbackWebhooks, TimeScale: 0.01, ReadsPerMinute: pollReads}, func(t *testing.T, env *apitest.Env) {
		agentID, _, _ := callSetup(t, env, env.Admin, "")
		org := createEndpoint(t, env, env.Admin, `{"url":"`+rc.URL+`/org-`+env.OrgID+`","events":["*"]}`)
		mine := createEndpoint(t, env, env.Admin, `{"url":"`+rc.URL+`/agent-`+env.OrgID+`","events":["*"],"agent_id":"`+agentID+`"}`)

		id := placeCall(t, env, env.Admin, agentID, sandboxTo("10"), "") // busy: queued … ended
		waitCall(t, env, env.Admin, id, ended)
		callEvents := eventTypes(t, env, env.OrgID, id)
		waitFor(t, "the agent endpoint to get the call's events", func() bool {
			return len(rc.Requests("/agent-"+env.OrgID)) == len(callEvents)
		})
		var got []string
		for _, r := range rc.Requests("/agent-" + env.OrgID) {
			var c struct{ ID string }
			_ = json.Unmarshal(r.Event.Data.Object, &c)
			if c.ID != id {
				t.Errorf("the agent endpoint got %s about %s", r.Event.Type, c.ID)
			}
			got = append(got, r.Event.Type)
		}
		// Deliveries run in parallel, so they may arrive in any order.
		slices.Sort(got)
		callEvents = slices.Sorted(slices.Values(callEvents))
		if !slices.Equal(got, callEvents) {
			t.Errorf("agent endpoint got %v, the call has %v", got, callEvents)
		}

		// An event without an agent goes to the organization's endpoint only.
		other := provision(t, env, "")
		waitFor(t, "the organization endpoint", func() bool { return len(rc.Requests("/org-"+env.OrgID)) == 1 })
		if r := rc.Requests("/org-" + env.OrgID)[0]; r.Event.ID != other {
			t.Errorf("organization endpoint got %s %s, want %s", r.Event.Type, r.Event.ID, other)
		}
		// No job ever routed the call's events to the organization's endpoint: every job is
		// inserted with its event, so this is the whole story.
		res, err := env.Jobs.Client().JobList(t.Context(), river.NewJobListParams().First(1000))
		if err != nil {
			t.Fatal(err)
		}
		toOrg := 0
		for _, j := range res.Jobs {
			var a core.WebhookDeliveryJob
			_ = json.Unmarshal(j.EncodedArgs, &a)
			if a.EndpointID == org.ID {
				toOrg++
			}
		}
		if toOrg != 1 {
			t.Errorf("%d jobs for the organization endpoint, want 1 (the number's event)", toOrg)
		}
		// Each attempt is logged once the receiver has answered.
		waitFor(t, "the agent endpoint's log", func() bool { return len(deliveries(t, env, mine.ID)) == len(callEvents) })
	})
}

// rebinding is a resolver whose answer for one name the test changes.
type rebinding struct {
	mu   sync.Mutex
	addr netip.Addr
}

func (r *rebinding) set(a string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.addr = netip.MustParseAddr(a)
}

func (r *rebinding) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if host != "rebind.example.com" {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return []netip.Addr{r.addr}, nil
}

// TestWebhookDeliveryRefusesPrivateAddresses: a name that resolved to a public address when
// the endpoint was created but resolves to loopback when an event is sent (DNS rebinding) is
// refused at delivery; nothing reaches the receiver on loopback.
func TestWebhookDeliveryRefusesPrivateAddresses(t *testing.T) {
	rc := apitest.NewReceiver(t, func(string, int) int { return http.StatusOK })
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(rc.URL, "http://"))
	dns := &rebinding{}
	opts := apitest.Options{Webhooks: core.WebhookOptions{AllowHTTP: true, Resolver: dns}, ReadsPerMinute: pollReads}
	eachDialectWith(t, opts, func(t *testing.T, env *apitest.Env) {
		dns.set("93.184.216.34")
		ep := createEndpoint(t, env, env.Admin, `{"url":"http://rebind.example.com:`+port+`/hook","events":["*"]}`)
		dns.set("127.0.0.1")
		provision(t, env, "")
		waitFor(t, "the refused attempt", func() bool { return len(deliveries(t, env, ep.ID)) == 1 })
		d := deliveries(t, env, ep.ID)[0]
		if d.Outcome != dialtone.DeliveryRetrying || d.StatusCode != nil || !strings.Contains(str(d.Error), "loopback") {
			t.Errorf("attempt %+v (error %q)", d, str(d.Error))
		}
		r := call(t, env, "POST", "/v1/webhook-endpoints/"+ep.ID+"/test", env.Admin, "")
		mustStatus(t, r, http.StatusOK)
		if td := decode[dialtone.WebhookDelivery](t, r.Raw); td.Outcome != dialtone.DeliveryFailed || !strings.Contains(str(td.Error), "loopback") {
			t.Errorf("test send %s", r.Raw)
		}
		if n := len(rc.Requests("/hook")); n != 0 {
			t.Errorf("the loopback receiver got %d requests", n)
		}
	})
}

// TestWebhookTestAndRedeliver covers POST /v1/webhook-endpoints/{id}/test and
// POST /v1/events/{id}/redeliver.
func TestWebhookTestAndRedeliver(t *testing.T) {
	rc := apitest.NewReceiver(t, func(string, int) int { return http.StatusOK })
	eachDialectWith(t, apitest.Options{Webhooks: loopbackWebhooks, ReadsPerMinute: pollReads}, func(t *testing.T, env *apitest.Env) {
		path := "/redeliver-" + env.OrgID
		ep := createEndpoint(t, env, env.Admin, `{"url":"`+rc.URL+path+`","events":["phone_number.provisioned"]}`)

		r := call(t, env, "POST", "/v1/webhook-endpoints/"+ep.ID+"/test", env.Admin, "")
		mustStatus(t, r, http.StatusOK)
		td := decode[dialtone.WebhookDelivery](t, r.Raw)
		if td.Object != "webhook_delivery" || td.Outcome != dialtone.DeliveryDelivered || deref(td.StatusCode) != 200 ||
			td.EventType != dialtone.EventWebhookTest || td.Attempt != 1 || td.WebhookEndpointID != ep.ID {
			t.Fatalf("test delivery %s", r.Raw)
		}
		got := rc.Requests(path)
		if len(got) != 1 || got[0].Event.Type != dialtone.EventWebhookTest || got[0].Header.Get("webhook-id") != td.EventID ||
			!webhook.Verify(got[0].Header, webhook.Key(ep.Secret), got[0].Body, time.Now(), time.Minute) {
			t.Fatalf("receiver got %+v", got)
		}
		if ds := deliveries(t, env, ep.ID); len(ds) != 1 || ds[0].ID != td.ID {
			t.Errorf("log after the test: %+v", ds)
		}

		evID := provision(t, env, "")
		waitFor(t, "the first delivery", func() bool { return len(rc.Requests(path)) == 2 })
		r = call(t, env, "POST", "/v1/events/"+evID+"/redeliver", env.Admin, "")
		mustStatus(t, r, http.StatusAccepted)
		rd := decode[dialtone.Redelivery](t, r.Raw)
		if rd.Object != "redelivery" || rd.EventID != evID || len(rd.WebhookEndpointIDs) != 1 || rd.WebhookEndpointIDs[0] != ep.ID {
			t.Fatalf("redeliver %s", r.Raw)
		}
		waitFor(t, "the redelivery", func() bool { return len(rc.Requests(path)) == 3 })
		reqs := rc.Requests(path)
		if reqs[1].Header.Get("webhook-id") != evID || reqs[2].Header.Get("webhook-id") != evID || string(reqs[1].Body) != string(reqs[2].Body) {
			t.Errorf("redelivery differs: %s / %s", reqs[1].Body, reqs[2].Body)
		}

		// Errors: unknown event, unknown or disabled endpoint, a bad body; nothing is queued.
		wantError(t, env, call(t, env, "POST", "/v1/events/evt_nope/redeliver", env.Admin, ""), dialtone.CodeEventNotFound, "")
		wantError(t, env, call(t, env, "POST", "/v1/events/"+evID+"/redeliver", env.Admin, `{"webhook_endpoint_id":"we_nope"}`),
			dialtone.CodeWebhookEndpointNotFound, "")
		wantError(t, env, call(t, env, "POST", "/v1/events/"+evID+"/redeliver", env.Admin, `{"webhook_endpoint_id":null}`),
			dialtone.CodeValueTooShort, "webhook_endpoint_id")
		mustStatus(t, call(t, env, "PATCH", "/v1/webhook-endpoints/"+ep.ID, env.Admin, `{"enabled":false}`), http.StatusOK)
		wantError(t, env, call(t, env, "POST", "/v1/events/"+evID+"/redeliver", env.Admin, `{"webhook_endpoint_id":"`+ep.ID+`"}`),
			dialtone.CodeWebhookEndpointDisabled, "webhook_endpoint_id")
		r = call(t, env, "POST", "/v1/events/"+evID+"/redeliver", env.Admin, "")
		mustStatus(t, r, http.StatusAccepted)
		if rd := decode[dialtone.Redelivery](t, r.Raw); len(rd.WebhookEndpointIDs) != 0 {
			t.Errorf("redelivered to a disabled endpoint: %s", r.Raw)
		}
		wantError(t, env, call(t, env, "GET", "/v1/webhook-endpoints/we_nope/deliveries", env.Admin, ""), dialtone.CodeWebhookEndpointNotFound, "")
		wantError(t, env, call(t, env, "POST", "/v1/webhook-endpoints/we_nope/test", env.Admin, ""), dialtone.CodeWebhookEndpointNotFound, "")
	})
}

// str is *p, or "" for nil.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestWebhookEndpointFailingForDaysIsDisabled: an endpoint whose every delivery has failed for
// dialtone.WebhookFailingDisableAfter is disabled, with a disabled_reason that says so; a
// delivered attempt before that ends the run of failures.
func TestWebhookEndpointFailingForDaysIsDisabled(t *testing.T) {
	var failing sync.Map // path → bool
	rc := apitest.NewReceiver(t, func(path string, _ int) int {
		if v, _ := failing.Load(path); v == true {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	eachDialectOnClock(t, apitest.Options{Webhooks: loopbackWebhooks, ReadsPerMinute: pollReads}, func(t *testing.T, env *apitest.Env, clock *apitest.Clock) {
		t0 := clock.Now()
		path := "/days-" + env.OrgID
		failing.Store(path, true)
		ep := createEndpoint(t, env, env.Admin, `{"url":"`+rc.URL+path+`","events":["phone_number.provisioned"]}`)
		get := func() dialtone.WebhookEndpoint {
			return decode[dialtone.WebhookEndpoint](t, call(t, env, "GET", "/v1/webhook-endpoints/"+ep.ID, env.Admin, "").Raw)
		}
		provision(t, env, "")
		waitFor(t, "the first failure", func() bool { return len(deliveries(t, env, ep.ID)) == 1 })

		// Four days later a delivery succeeds: the run of failures ends.
		failing.Store(path, false)
		clock.Set(t0.Add(4 * 24 * time.Hour))
		waitFor(t, "the retry that succeeds", func() bool { return len(deliveries(t, env, ep.ID)) == 2 })
		failing.Store(path, true)
		clock.Set(t0.Add(6 * 24 * time.Hour))
		provision(t, env, "")
		waitFor(t, "a failure after the success", func() bool { return len(deliveries(t, env, ep.ID)) == 3 })
		if e := get(); !e.Enabled {
			t.Fatalf("disabled after 2 days of failures: %s", str(e.DisabledReason))
		}

		// Five days after that failure, the next failure disables the endpoint.
		clock.Set(t0.Add(11 * 24 * time.Hour))
		waitFor(t, "the endpoint to be disabled", func() bool { return !get().Enabled })
		e := get()
		if e.DisabledReason == nil || !strings.Contains(*e.DisabledReason, "every delivery to it had failed since "+t0.Add(6*24*time.Hour).Format(time.RFC3339)) {
			t.Fatalf("disabled_reason %q", str(e.DisabledReason))
		}
		// Enabling it again clears the reason and starts a fresh run.
		mustStatus(t, call(t, env, "PATCH", "/v1/webhook-endpoints/"+ep.ID, env.Admin, `{"enabled":true}`), http.StatusOK)
		if e := get(); !e.Enabled || e.DisabledReason != nil {
			t.Fatalf("after enabling: %+v", e)
		}
	})
}
