package api_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// callScale runs simulated calls a hundred times faster than real time: dialling takes 5 ms,
// a person answers after 20 ms of ringing, a 5 s ring timeout is 50 ms.
const callScale = 0.01

// callSetup creates an agent (with extra JSON fields) and a number attached to it, and
// returns their ids and the number.
func callSetup(t *testing.T, env *apitest.Env, cred, agentFields string) (agentID, numberID, number string) {
	t.Helper()
	a := call(t, env, "POST", "/v1/agents", cred, `{"name":"Caller"`+agentFields+`}`)
	mustStatus(t, a, 201)
	agentID = a.JSON["id"].(string)
	n := call(t, env, "POST", "/v1/phone-numbers", cred, `{"agent_id":"`+agentID+`"}`)
	mustStatus(t, n, 201)
	return agentID, n.JSON["id"].(string), n.JSON["number"].(string)
}

// placeCall creates an outbound call and returns its id.
func placeCall(t testing.TB, env *apitest.Env, cred, agentID, to, extra string) string {
	t.Helper()
	r := call(t, env, "POST", "/v1/calls", cred, `{"agent_id":"`+agentID+`","to_number":"`+to+`"`+extra+`}`)
	mustStatus(t, r, 201)
	if r.JSON["status"] != "queued" || r.Header.Get("Location") != "/v1/calls/"+r.JSON["id"].(string) {
		t.Fatalf("create: %s", r.Raw)
	}
	return r.JSON["id"].(string)
}

// waitCall polls the call until done accepts it, and returns it; it fails the test after a
// generous deadline (a hang, not a slow machine).
func waitCall(t testing.TB, env *apitest.Env, cred, id string, done func(dialtone.Call) bool) dialtone.Call {
	t.Helper()
	var c dialtone.Call
	waitFor(t, "call "+id, func() bool {
		r := call(t, env, "GET", "/v1/calls/"+id, cred, "")
		mustStatus(t, r, 200)
		c = decode[dialtone.Call](t, r.Raw)
		return done(c)
	})
	return c
}

func ended(c dialtone.Call) bool { return c.Ended() }

func status(s dialtone.CallStatus) func(dialtone.Call) bool {
	return func(c dialtone.Call) bool { return c.Status == s }
}

// eventTypes returns the types of the events recorded for object id, oldest first.
func eventTypes(t testing.TB, env *apitest.Env, orgID, id string) []string {
	t.Helper()
	evs, err := env.Store.ListObjectEvents(context.Background(), orgID, id)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	return types
}

// sandboxTo is a sandbox destination whose last two digits choose the outcome.
func sandboxTo(last2 string) string { return "+1212555" + "01" + last2 }

// TestSandboxOutcomes places a call to each row of the sandbox outcome table (docs/sandbox.md)
// through the API and checks how it ends, its timestamps and its event rows.
func TestSandboxOutcomes(t *testing.T) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			env := apitest.Start(t, d, apitest.Options{TimeScale: callScale, WritesPerMinute: 1000})
			agent, numID, number := callSetup(t, env, env.Admin, "")
			vmAgent, _, _ := callSetup(t, env, env.Admin, `,"voicemail":{"action":"leave_message","message":"Call me back."}`)
			scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) * callScale) }

			cases := []struct {
				name, last2 string
				agent       string
				hangup      bool // the test hangs up once the call is answered
				status      dialtone.CallStatus
				reason      dialtone.EndedReason
				answeredBy  dialtone.AnsweredBy // "" when never answered
				minTalk     time.Duration       // ended_at - started_at at least
				events      []string
			}{
				{"answers", "00", agent, true, dialtone.CallCompleted, dialtone.EndedAPIHangup, dialtone.AnsweredByHuman, 0,
					[]string{"call.queued", "call.dialing", "call.ringing", "call.started", "call.ended"}},
				{"busy", "10", agent, false, dialtone.CallBusy, dialtone.EndedBusy, "", 0,
					[]string{"call.queued", "call.dialing", "call.ended"}},
				{"no answer", "11", agent, false, dialtone.CallNoAnswer, dialtone.EndedNoAnswer, "", 0,
					[]string{"call.queued", "call.dialing", "call.ringing", "call.ended"}},
				{"voicemail, agent hangs up", "12", agent, false, dialtone.CallCompleted, dialtone.EndedVoicemail, dialtone.AnsweredByMachine, 0,
					[]string{"call.queued", "call.dialing", "call.ringing", "call.started", "call.ended"}},
				// The machine's greeting is heard, then the agent leaves its message.
				{"voicemail, agent waits for the beep", "12", vmAgent, false, dialtone.CallCompleted, dialtone.EndedVoicemail, dialtone.AnsweredByMachine, scaled(3 * time.Second),
					[]string{"call.queued", "call.dialing", "call.ringing", "call.started", "call.transcript.turn", "call.transcript.turn", "call.action", "call.ended"}},
				{"carrier error", "13", agent, false, dialtone.CallFailed, dialtone.EndedCarrierError, "", 0,
					[]string{"call.queued", "call.dialing", "call.ended"}},
				{"answers then hangs up", "14", agent, false, dialtone.CallCompleted, dialtone.EndedCallerHangup, dialtone.AnsweredByHuman, scaled(2 * time.Second),
					[]string{"call.queued", "call.dialing", "call.ringing", "call.started", "call.ended"}},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					from := ""
					if tc.agent == agent {
						from = `,"from_number":"` + number + `"`
					}
					id := placeCall(t, env, env.Admin, tc.agent, sandboxTo(tc.last2), from+`,"ring_timeout_seconds":5,"metadata":{"case":"`+tc.last2+`"}`)
					if tc.hangup {
						waitCall(t, env, env.Admin, id, status(dialtone.CallInProgress))
						h := call(t, env, "POST", "/v1/calls/"+id+"/hangup", env.Admin, "")
						mustStatus(t, h, 200)
					}
					c := waitCall(t, env, env.Admin, id, ended)
					if c.Status != tc.status || c.EndedReason == nil || *c.EndedReason != tc.reason {
						t.Fatalf("ended %s/%s, want %s/%s", c.Status, deref(c.EndedReason), tc.status, tc.reason)
					}
					if c.Direction != dialtone.CallOutbound || c.ToNumber != sandboxTo(tc.last2) || c.Metadata["case"] != tc.last2 || c.Carrier != "sandbox" {
						t.Fatalf("call fields: %+v", c)
					}
					if tc.agent == agent && (c.FromNumber != number || c.PhoneNumberID != numID) {
						t.Fatalf("caller id %s %s, want %s %s", c.FromNumber, c.PhoneNumberID, number, numID)
					}
					if c.DialedAt == nil || c.EndedAt == nil || c.DialedAt.Before(c.QueuedAt) || c.EndedAt.Before(*c.DialedAt) {
						t.Fatalf("timestamps out of order: queued %v dialed %v ended %v", c.QueuedAt, c.DialedAt, c.EndedAt)
					}
					if tc.answeredBy == "" {
						if c.StartedAt != nil || c.AnsweredBy != nil || c.DurationSeconds != 0 || c.Cost.AmountMicros != 0 {
							t.Fatalf("never answered, yet started_at %v answered_by %v duration %d cost %d", c.StartedAt, c.AnsweredBy, c.DurationSeconds, c.Cost.AmountMicros)
						}
					} else {
						if c.StartedAt == nil || c.StartedAt.Before(*c.DialedAt) || c.EndedAt.Before(*c.StartedAt) || c.AnsweredBy == nil || *c.AnsweredBy != tc.answeredBy {
							t.Fatalf("answered: started_at %v answered_by %v", c.StartedAt, c.AnsweredBy)
						}
						if talk := c.EndedAt.Sub(*c.StartedAt); talk < tc.minTalk {
							t.Fatalf("talked %v, want at least %v", talk, tc.minTalk)
						}
						want := int64(c.EndedAt.Sub(*c.StartedAt) / time.Second)
						if c.DurationSeconds < want || c.DurationSeconds > want+1 {
							t.Fatalf("duration_seconds %d for %v", c.DurationSeconds, c.EndedAt.Sub(*c.StartedAt))
						}
					}
					// The refusal says why, in the catalogue's terms and the carrier's.
					if ce := c.CarrierError; tc.reason != dialtone.EndedCarrierError && ce != nil {
						t.Fatalf("carrier_error %+v on a call the carrier placed", ce)
					} else if tc.reason == dialtone.EndedCarrierError && (ce == nil || ce.Code != dialtone.CodeProviderError ||
						!strings.Contains(ce.Message, "ending in 13") || ce.Details["provider"] != "sandbox" || ce.Details["provider_code"] != "sandbox_refused") {
						t.Fatalf("carrier_error %+v", ce)
					}
					if tc.reason == dialtone.EndedNoAnswer {
						if rang := c.EndedAt.Sub(*c.DialedAt); rang < scaled(5*time.Second) {
							t.Fatalf("gave up after %v, before the ring timeout", rang)
						}
					}
					if got := eventTypes(t, env, env.OrgID, id); !slices.Equal(got, tc.events) {
						t.Fatalf("events %v, want %v", got, tc.events)
					}
				})
			}
		})
	}
}

func decode[T any](t testing.TB, raw []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, raw)
	}
	return v
}

// TestCallLifecycle covers hanging up, listing with filters and deleting.
func TestCallLifecycle(t *testing.T) {
	eachDialectWith(t, apitest.Options{TimeScale: callScale, WritesPerMinute: 1000}, func(t *testing.T, env *apitest.Env) {
		agent, numID, _ := callSetup(t, env, env.Admin, "")
		other, _, _ := callSetup(t, env, env.Admin, "")

		live := placeCall(t, env, env.Admin, agent, sandboxTo("00"), `,"instructions":"Confirm the delivery.","variables":{"name":"Ada"}`)
		busy := placeCall(t, env, env.Admin, agent, sandboxTo("10"), "")
		canceled := placeCall(t, env, env.Admin, other, sandboxTo("11"), `,"ring_timeout_seconds":120`)
		c := waitCall(t, env, env.Admin, live, status(dialtone.CallInProgress))
		if c.Instructions != "Confirm the delivery." || c.Variables["name"] != "Ada" || c.RingTimeoutSeconds != dialtone.DefaultRingTimeoutSeconds {
			t.Fatalf("fields: %+v", c)
		}
		waitCall(t, env, env.Admin, busy, ended)
		waitCall(t, env, env.Admin, canceled, status(dialtone.CallRinging))

		// Hanging up a ringing call cancels it.
		h := call(t, env, "POST", "/v1/calls/"+canceled+"/hangup", env.Admin, "")
		mustStatus(t, h, 200)
		if h.JSON["status"] != "canceled" || h.JSON["ended_reason"] != "canceled" || h.JSON["started_at"] != nil {
			t.Fatalf("cancel: %s", h.Raw)
		}
		wantError(t, env, call(t, env, "POST", "/v1/calls/"+canceled+"/hangup", env.Admin, ""), dialtone.CodeCallAlreadyEnded, "")
		wantError(t, env, call(t, env, "DELETE", "/v1/calls/"+live, env.Admin, ""), dialtone.CodeCallNotEnded, "")

		list := func(q string) []string {
			t.Helper()
			r := call(t, env, "GET", "/v1/calls"+q, env.Admin, "")
			mustStatus(t, r, 200)
			var ids []string
			for _, c := range decode[dialtone.List[dialtone.Call]](t, r.Raw).Data {
				ids = append(ids, c.ID)
			}
			return ids
		}
		if got := list(""); !slices.Equal(got, []string{canceled, busy, live}) {
			t.Fatalf("list %v", got)
		}
		if got := list("?agent_id=" + agent + "&status=in_progress&direction=outbound&phone_number_id=" + numID); !slices.Equal(got, []string{live}) {
			t.Fatalf("filtered %v", got)
		}
		if got := list("?direction=inbound"); len(got) != 0 {
			t.Fatalf("inbound %v", got)
		}
		created := c.CreatedAt.Format(time.RFC3339Nano)
		if got := list("?created_after=" + created); !slices.Equal(got, []string{canceled, busy}) {
			t.Fatalf("created_after %v", got)
		}
		if got := list("?created_before=" + created); len(got) != 0 {
			t.Fatalf("created_before %v", got)
		}
		e := wantError(t, env, call(t, env, "GET", "/v1/calls?status=talking&direction=up&created_after=yesterday", env.Admin, ""),
			dialtone.CodeInvalidValue, "status")
		if got := fields(e); !slices.Equal(got, []string{"status:invalid_value", "direction:invalid_value", "created_after:invalid_value"}) {
			t.Fatalf("fields %v", got)
		}

		// Hang up the live call: it completes, billed per second from answer.
		h = call(t, env, "POST", "/v1/calls/"+live+"/hangup", env.Admin, "")
		mustStatus(t, h, 200)
		done := decode[dialtone.Call](t, h.Raw)
		if done.Status != dialtone.CallCompleted || *done.EndedReason != dialtone.EndedAPIHangup || done.DurationSeconds < 1 ||
			done.Cost.AmountMicros != dialtone.CallCostMicros(done.DurationSeconds, dialtone.DefaultOutboundMinuteMicros) {
			t.Fatalf("hangup: %s", h.Raw)
		}

		// Deleting erases the content; the charge stays.
		d := call(t, env, "DELETE", "/v1/calls/"+live, env.Admin, "")
		mustStatus(t, d, 200)
		if d.JSON["deleted"] != true || d.JSON["object"] != "call" {
			t.Fatalf("delete: %s", d.Raw)
		}
		wantError(t, env, call(t, env, "GET", "/v1/calls/"+live, env.Admin, ""), dialtone.CodeCallNotFound, "")
		wantError(t, env, call(t, env, "DELETE", "/v1/calls/"+live, env.Admin, ""), dialtone.CodeCallNotFound, "")
		if got := list(""); slices.Contains(got, live) {
			t.Fatalf("deleted call listed: %v", got)
		}
		ledger := call(t, env, "GET", "/v1/ledger", env.Admin, "")
		if !strings.Contains(string(ledger.Raw), `"reference_id":"`+live+`"`) {
			t.Fatalf("charge gone from the ledger: %s", ledger.Raw)
		}

		// Another organization sees none of it.
		_, otherAdmin := env.Org(t, "other")
		wantError(t, env, call(t, env, "GET", "/v1/calls/"+busy, otherAdmin, ""), dialtone.CodeCallNotFound, "")
		wantError(t, env, call(t, env, "POST", "/v1/calls/"+busy+"/hangup", otherAdmin, ""), dialtone.CodeCallNotFound, "")
		if r := call(t, env, "GET", "/v1/calls", otherAdmin, ""); len(decode[dialtone.List[dialtone.Call]](t, r.Raw).Data) != 0 {
			t.Fatalf("foreign list: %s", r.Raw)
		}
	})
}

func eachDialectWith(t *testing.T, opts apitest.Options, fn func(t *testing.T, env *apitest.Env)) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, apitest.Start(t, d, opts)) })
	}
}

// TestCallerIDAndDestinations covers how the number a call comes from is chosen and which
// numbers may be called.
func TestCallerIDAndDestinations(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{NoDispatch: true, WritesPerMinute: 1000})
	agent, _, first := callSetup(t, env, env.Admin, "")
	second := call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{"agent_id":"`+agent+`"}`).JSON["number"].(string)
	lonely := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"No number"}`).JSON["id"].(string)
	spare := call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{}`)
	spareID, spareNumber := spare.JSON["id"].(string), spare.JSON["number"].(string)

	get := func(id string) dialtone.Call {
		return decode[dialtone.Call](t, call(t, env, "GET", "/v1/calls/"+id, env.Admin, "").Raw)
	}
	if c := get(placeCall(t, env, env.Admin, agent, sandboxTo("00"), "")); c.FromNumber != first {
		t.Fatalf("default caller id %s, want the agent's first number %s", c.FromNumber, first)
	}
	if c := get(placeCall(t, env, env.Admin, agent, sandboxTo("00"), `,"from_number":"`+second+`"`)); c.FromNumber != second {
		t.Fatalf("caller id %s, want %s", c.FromNumber, second)
	}
	post := func(body string) resp { return call(t, env, "POST", "/v1/calls", env.Admin, body) }
	e := wantError(t, env, post(`{"agent_id":"`+agent+`","to_number":"`+sandboxTo("00")+`","from_number":"`+spareNumber+`"}`), dialtone.CodeFromNumberNotOwned, "from_number")
	if e.Details["reason"] != "not_attached" {
		t.Fatalf("details %v", e.Details)
	}
	e = wantError(t, env, post(`{"agent_id":"`+agent+`","to_number":"`+sandboxTo("00")+`","from_number":"+12125550199"}`), dialtone.CodeFromNumberNotOwned, "from_number")
	if e.Details["reason"] != "not_owned" {
		t.Fatalf("details %v", e.Details)
	}
	mustStatus(t, call(t, env, "PATCH", "/v1/phone-numbers/"+spareID, env.Admin, `{"agent_id":"`+lonely+`","outbound_enabled":false}`), 200)
	e = wantError(t, env, post(`{"agent_id":"`+lonely+`","to_number":"`+sandboxTo("00")+`","from_number":"`+spareNumber+`"}`), dialtone.CodeFromNumberNotOwned, "from_number")
	if e.Details["reason"] != "outbound_disabled" {
		t.Fatalf("details %v", e.Details)
	}
	wantError(t, env, post(`{"agent_id":"`+lonely+`","to_number":"`+sandboxTo("00")+`"}`), dialtone.CodeAgentNoPhone, "agent_id")
	wantError(t, env, post(`{"agent_id":"agt_nope","to_number":"`+sandboxTo("00")+`"}`), dialtone.CodeAgentNotFound, "agent_id")

	// Every invalid field is listed, in body order, missing ones last.
	e = wantError(t, env, post(`{"to_number":"212 555 0100","ring_timeout_seconds":1,"metadata":{"":"x"}}`), dialtone.CodeInvalidPhoneFormat, "to_number")
	if got := fields(e); !slices.Equal(got, []string{"to_number:invalid_phone_format", "ring_timeout_seconds:value_out_of_range", "metadata.:invalid_value", "agent_id:field_required"}) {
		t.Fatalf("fields %v", got)
	}

	// Premium-rate numbers are blocked by default; other countries only when configured.
	e = wantError(t, env, post(`{"agent_id":"`+agent+`","to_number":"+19002345678"}`), dialtone.CodeDestinationNotAllowed, "to_number")
	if e.Details["reason"] != "premium_rate" {
		t.Fatalf("details %v", e.Details)
	}
	mustStatus(t, call(t, env, "PUT", "/v1/telephony-config", env.Admin, `{"allowed_countries":["GB"]}`), 200)
	e = wantError(t, env, post(`{"agent_id":"`+agent+`","to_number":"`+sandboxTo("00")+`"}`), dialtone.CodeDestinationNotAllowed, "to_number")
	if e.Details["reason"] != "country_not_allowed" {
		t.Fatalf("details %v", e.Details)
	}
	mustStatus(t, post(`{"agent_id":"`+agent+`","to_number":"+442079460123"}`), 201)

	// Nothing refused was stored.
	r := call(t, env, "GET", "/v1/calls?limit=100", env.Admin, "")
	if n := len(decode[dialtone.List[dialtone.Call]](t, r.Raw).Data); n != 3 {
		t.Fatalf("%d calls stored, want 3", n)
	}
}

// TestQueueLimit: calls over the concurrency cap wait; a full queue refuses more.
func TestQueueLimit(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{NoDispatch: true, MaxQueuedCalls: 2, WritesPerMinute: 1000})
	agent, _, _ := callSetup(t, env, env.Admin, "")
	for range 2 {
		placeCall(t, env, env.Admin, agent, sandboxTo("00"), "")
	}
	r := call(t, env, "POST", "/v1/calls", env.Admin, `{"agent_id":"`+agent+`","to_number":"`+sandboxTo("00")+`"}`)
	e := wantError(t, env, r, dialtone.CodeConcurrentCallLimit, "")
	if e.Details["max_queued_calls"] != float64(2) || e.Details["queued"] != float64(2) || r.Header.Get("Retry-After") == "" {
		t.Fatalf("details %v", e.Details)
	}
}

// deref is *p, or "<nil>".
func deref[T any](p *T) any {
	if p == nil {
		return "<nil>"
	}
	return *p
}
