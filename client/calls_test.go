package client_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

// callScale runs simulated calls a hundred times faster than real time.
const callScale = 0.01

// startCalls runs the real server with simulated calls sped up, and returns it with a client
// of its bootstrap admin key and an agent that has a sandbox number in area code 646 (so no
// +1212 or +1312 number is the organization's).
func startCalls(t *testing.T) (env *apitest.Env, c *client.Client, agent *dialtone.Agent, number *dialtone.PhoneNumber) {
	t.Helper()
	env = apitest.Start(t, "sqlite", apitest.Options{TimeScale: callScale})
	c = client.New(env.URL, env.Admin)
	ctx := context.Background()
	agent, err := c.Agents.Create(ctx, dialtone.AgentParams{Name: dialtone.Some("Caller")})
	if err != nil {
		t.Fatal(err)
	}
	number, err = c.PhoneNumbers.Create(ctx, dialtone.PhoneNumberCreateParams{AreaCode: dialtone.Some("646"), AgentID: dialtone.Some(agent.ID)})
	if err != nil {
		t.Fatal(err)
	}
	return env, c, agent, number
}

// sandboxTo is a sandbox destination whose last two digits choose the outcome: 00 answers and
// stays up, 10 is busy, 14 answers then hangs up.
func sandboxTo(last2 string) string { return "+121255501" + last2 }

// waitCall polls the call until done accepts it and returns it; it fails the test after a
// deadline that only a hang reaches.
func waitCall(t *testing.T, c *client.Client, id string, done func(*dialtone.Call) bool) *dialtone.Call {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		call, err := c.Calls.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("get %s: %v", id, err)
		}
		if done(call) {
			return call
		}
		if time.Now().After(deadline) {
			t.Fatalf("call %s never got there; last seen %+v", id, call)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func callEnded(c *dialtone.Call) bool { return c.Ended() }

func TestCallsLifecycle(t *testing.T) {
	_, c, agent, number := startCalls(t)
	ctx := context.Background()
	start := time.Now()

	call, err := c.Calls.Create(ctx, dialtone.CallParams{
		AgentID:            dialtone.Some(agent.ID),
		ToNumber:           dialtone.Some(sandboxTo("00")),
		Instructions:       dialtone.Some("Confirm the appointment."),
		Variables:          dialtone.Some(map[string]string{"name": "Ada"}),
		Metadata:           dialtone.Some(map[string]string{"crm_id": "42"}),
		RingTimeoutSeconds: dialtone.Some(20),
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if call.Object != "call" || call.Status != dialtone.CallQueued || call.Direction != dialtone.CallOutbound ||
		call.FromNumber != number.Number || call.ToNumber != sandboxTo("00") || call.Variables["name"] != "Ada" ||
		call.Metadata["crm_id"] != "42" || call.RingTimeoutSeconds != 20 {
		t.Fatalf("created %+v", call)
	}
	live := waitCall(t, c, call.ID, func(c *dialtone.Call) bool { return c.Status == dialtone.CallInProgress })
	if live.StartedAt == nil || live.AnsweredBy == nil || *live.AnsweredBy != dialtone.AnsweredByHuman {
		t.Fatalf("answered %+v", live)
	}

	if _, err := c.Calls.Delete(ctx, call.ID); !client.IsCode(err, dialtone.CodeCallNotEnded) {
		t.Fatalf("delete a live call: %v", err)
	}
	ended, err := c.Calls.Hangup(ctx, call.ID)
	if err != nil || ended.Status != dialtone.CallCompleted || ended.EndedReason == nil || *ended.EndedReason != dialtone.EndedAPIHangup {
		t.Fatalf("hangup: %+v %v", ended, err)
	}
	_, err = c.Calls.Hangup(ctx, call.ID)
	var e *client.Error
	if !asError(err, &e) || e.Code != dialtone.CodeCallAlreadyEnded || e.StatusCode != http.StatusConflict {
		t.Fatalf("second hangup: %v", err)
	}

	busy, err := c.Calls.Create(ctx, dialtone.CallParams{AgentID: dialtone.Some(agent.ID), ToNumber: dialtone.Some(sandboxTo("10"))})
	if err != nil {
		t.Fatal(err)
	}
	if b := waitCall(t, c, busy.ID, callEnded); b.Status != dialtone.CallBusy {
		t.Fatalf("busy call ended %s", b.Status)
	}

	page, err := c.Calls.List(ctx, &client.CallListParams{AgentID: agent.ID, Status: dialtone.CallCompleted,
		Direction: dialtone.CallOutbound, PhoneNumberID: number.ID, CreatedAfter: start.Add(-time.Second), CreatedBefore: time.Now().Add(time.Second)})
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != call.ID || page.HasMore {
		t.Fatalf("filtered list: %+v %v", page, err)
	}
	if page, err = c.Calls.List(ctx, &client.CallListParams{CreatedAfter: time.Now().Add(time.Hour)}); err != nil || len(page.Data) != 0 {
		t.Fatalf("created_after the future: %+v %v", page, err)
	}
	var ids []string
	for got, err := range c.Calls.All(ctx, &client.CallListParams{AgentID: agent.ID, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got.ID)
	}
	if len(ids) != 2 || ids[0] != busy.ID || ids[1] != call.ID {
		t.Fatalf("all calls %v, want newest first [%s %s]", ids, busy.ID, call.ID)
	}
	_, err = c.Calls.List(ctx, &client.CallListParams{Status: "ringing_forever"})
	if !asError(err, &e) || e.Code != dialtone.CodeInvalidValue || e.Param != "status" {
		t.Fatalf("unknown status: %v", err)
	}

	if d, err := c.Calls.Delete(ctx, call.ID); err != nil || !d.Deleted || d.ID != call.ID {
		t.Fatalf("delete: %+v %v", d, err)
	}
	_, err = c.Calls.Get(ctx, call.ID)
	if !asError(err, &e) || e.Code != dialtone.CodeCallNotFound || e.StatusCode != http.StatusNotFound {
		t.Fatalf("get after delete: %v", err)
	}
	if _, err := c.Calls.Hangup(ctx, ""); err == nil || asError(err, &e) {
		t.Fatalf("empty id: %v", err)
	}
}

func TestCallsCreateErrors(t *testing.T) {
	_, c, agent, _ := startCalls(t)
	ctx := context.Background()
	_, err := c.Calls.Create(ctx, dialtone.CallParams{AgentID: dialtone.Some(agent.ID), ToNumber: dialtone.Some("555-0100"),
		RingTimeoutSeconds: dialtone.Some(-1)})
	var e *client.Error
	if !asError(err, &e) || e.StatusCode != http.StatusBadRequest || len(e.Fields) != 2 ||
		e.Fields[0].Field != "to_number" || e.Fields[1].Field != "ring_timeout_seconds" {
		t.Fatalf("invalid params: %v (fields %+v)", err, e)
	}
	_, err = c.Calls.Create(ctx, dialtone.CallParams{AgentID: dialtone.Some("agt_missing"), ToNumber: dialtone.Some(sandboxTo("00"))})
	if !client.IsCode(err, dialtone.CodeAgentNotFound) {
		t.Fatalf("unknown agent: %v", err)
	}
	_, err = c.Calls.Create(ctx, dialtone.CallParams{AgentID: dialtone.Some(agent.ID), ToNumber: dialtone.Some(sandboxTo("00")),
		FromNumber: dialtone.Some("+12125550199")})
	if !client.IsCode(err, dialtone.CodeFromNumberNotOwned) {
		t.Fatalf("foreign caller id: %v", err)
	}
}

func TestSandboxCall(t *testing.T) {
	_, c, agent, number := startCalls(t)
	ctx := context.Background()
	in, err := c.Sandbox.Call(ctx, dialtone.SandboxCallParams{From: dialtone.Some("+14155550123"), To: dialtone.Some(number.Number)})
	if err != nil {
		t.Fatalf("sandbox call: %v", err)
	}
	if in.Direction != dialtone.CallInbound || in.Status != dialtone.CallInProgress || in.AgentID == nil ||
		*in.AgentID != agent.ID || in.FromNumber != "+14155550123" || in.PhoneNumberID != number.ID {
		t.Fatalf("inbound call %+v", in)
	}
	page, err := c.Calls.List(ctx, &client.CallListParams{Direction: dialtone.CallInbound})
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != in.ID {
		t.Fatalf("inbound calls: %+v %v", page, err)
	}
	if h, err := c.Calls.Hangup(ctx, in.ID); err != nil || h.Status != dialtone.CallCompleted {
		t.Fatalf("hang up the inbound call: %+v %v", h, err)
	}
	_, err = c.Sandbox.Call(ctx, dialtone.SandboxCallParams{From: dialtone.Some("+14155550123"), To: dialtone.Some("+13125550100")})
	var e *client.Error
	if !asError(err, &e) || e.Code != dialtone.CodePhoneNumberNotFound || e.Param != "to" {
		t.Fatalf("a number the organization does not hold: %v", err)
	}
}

// TestCallsListQuery checks the query CallsService.List sends: only the filters set, times
// in RFC 3339 with nanoseconds.
func TestCallsListQuery(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"object":"list","data":[],"has_more":false}`)
	})
	c := client.New(f.URL, "key_x:dts_y")
	after := time.Date(2026, 11, 23, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))
	if _, err := c.Calls.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Calls.List(context.Background(), &client.CallListParams{Limit: 5, Status: dialtone.CallBusy, CreatedAfter: after}); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].Path != "/v1/calls" || reqs[0].Query != "" {
		t.Fatalf("requests %+v", reqs)
	}
	q, _ := url.ParseQuery(reqs[1].Query)
	want := url.Values{"limit": {"5"}, "status": {"busy"}, "created_after": {"2026-11-23T08:00:00.123456789Z"}}
	if q.Encode() != want.Encode() {
		t.Fatalf("query %s, want %s", q.Encode(), want.Encode())
	}
}
