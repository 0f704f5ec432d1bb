package api_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// allCalls lists every call of the credential's organization, oldest first.
func allCalls(t testing.TB, env *apitest.Env, cred string) []dialtone.Call {
	t.Helper()
	var out []dialtone.Call
	path := "/v1/calls?limit=100"
	for {
		r := call(t, env, "GET", path, cred, "")
		mustStatus(t, r, 200)
		page := decode[dialtone.List[dialtone.Call]](t, r.Raw)
		out = append(out, page.Data...)
		if !page.HasMore {
			break
		}
		path = "/v1/calls?limit=100&starting_after=" + page.Data[len(page.Data)-1].ID
	}
	slices.Reverse(out)
	return out
}

// TestConcurrencyCap: with a cap of 10, 25 calls created at once never have more than 10 live
// (from their recorded timestamps), are dialled in the order they were queued, and all end.
func TestConcurrencyCap(t *testing.T) {
	eachDialectWith(t, apitest.Options{TimeScale: 0.02, MaxConcurrentCalls: 10, WritesPerMinute: 1000}, func(t *testing.T, env *apitest.Env) {
		agent, _, _ := callSetup(t, env, env.Admin, "")
		ids := make([]string, 25)
		for i := range ids {
			ids[i] = placeCall(t, env, env.Admin, agent, sandboxTo("14"), "")
		}
		for _, id := range ids {
			waitCall(t, env, env.Admin, id, ended)
		}
		calls := allCalls(t, env, env.Admin)
		if len(calls) != 25 {
			t.Fatalf("%d calls", len(calls))
		}
		for i, c := range calls {
			if c.ID != ids[i] || c.Status != dialtone.CallCompleted || *c.EndedReason != dialtone.EndedCallerHangup {
				t.Fatalf("call %d: %s %s %v", i, c.ID, c.Status, c.EndedReason)
			}
			if i > 0 && c.DialedAt.Before(*calls[i-1].DialedAt) {
				t.Fatalf("call %d dialled at %v, before call %d queued earlier (%v)", i, c.DialedAt, i-1, calls[i-1].DialedAt)
			}
		}
		most := apitest.MaxLive(t, calls)
		if most > 10 {
			t.Fatalf("%d calls were live at once; the cap is 10", most)
		}
		t.Logf("at most %d calls live at once", most)
	})
}

// credit adds micros to orgID's balance through the operator API.
func credit(t testing.TB, env *apitest.Env, orgID string, micros int64) {
	t.Helper()
	operator := env.Key(t, env.OrgID, dialtone.RoleRead, true)
	mustStatus(t, call(t, env, "POST", "/v1/organizations/"+orgID+"/credits", operator,
		fmt.Sprintf(`{"amount_micros":%d}`, micros)), 201)
}

// TestPrepaidCalls: a prepaid organization needs a balance to call, a live call ends when the
// balance runs out, and the ledger holds exactly the calls' charges.
func TestPrepaidCalls(t *testing.T) {
	eachDialectWith(t, apitest.Options{TimeScale: 0.01, WritesPerMinute: 1000, MaxConcurrentCalls: 1,
		// A number costs $2.90, so a $3.00 credit leaves $0.10: 0.1 s of a $60/minute call.
		Prices: dialtone.Prices{NumberMonthlyMicros: 2_900_000, OutboundMinuteMicros: 60_000_000}},
		func(t *testing.T, env *apitest.Env) {
			orgID, admin := env.OrgMode(t, "prepaid", dialtone.BillingPrepaid)
			credit(t, env, orgID, dialtone.MinBalanceToProvisionMicros)
			agent, _, _ := callSetup(t, env, admin, "")

			id := placeCall(t, env, admin, agent, sandboxTo("00"), "")
			waiting := placeCall(t, env, admin, agent, sandboxTo("00"), "")
			c := waitCall(t, env, admin, id, ended)
			waitCall(t, env, admin, waiting, ended)
			if c.Status != dialtone.CallCompleted || *c.EndedReason != dialtone.EndedBalanceExhausted || c.Cost.AmountMicros <= 0 {
				t.Fatalf("ended %s/%v cost %d", c.Status, *c.EndedReason, c.Cost.AmountMicros)
			}
			if c.Cost.AmountMicros != dialtone.CallCostMicros(c.DurationSeconds, 60_000_000) {
				t.Fatalf("cost %d for %d s", c.Cost.AmountMicros, c.DurationSeconds)
			}

			// A call queued behind the first one (the cap is 1) is not dialled once the
			// balance is gone.
			queued := decode[dialtone.Call](t, call(t, env, "GET", "/v1/calls/"+waiting, admin, "").Raw)
			if queued.Status != dialtone.CallFailed || *queued.EndedReason != dialtone.EndedBalanceExhausted || queued.StartedAt != nil {
				t.Fatalf("queued call: %s/%v", queued.Status, queued.EndedReason)
			}

			// No balance left: the next call is refused and nothing is stored.
			r := call(t, env, "POST", "/v1/calls", admin, `{"agent_id":"`+agent+`","to_number":"`+sandboxTo("00")+`"}`)
			e := wantError(t, env, r, dialtone.CodeInsufficientBalance, "")
			if e.Details["balance_micros"].(float64) > 0 {
				t.Fatalf("details %v", e.Details)
			}
			if n := len(allCalls(t, env, admin)); n != 2 {
				t.Fatalf("%d calls stored", n)
			}

			// The ledger: the credit, the number's month and the call, nothing else.
			ledger := decode[dialtone.List[dialtone.LedgerEntry]](t, call(t, env, "GET", "/v1/ledger", admin, "").Raw)
			var sum, calls int64
			for _, le := range ledger.Data {
				sum += le.Amount.AmountMicros
				if le.Kind == dialtone.LedgerKindCall {
					calls += le.Amount.AmountMicros
					if le.ReferenceID != id {
						t.Fatalf("charge for %s", le.ReferenceID)
					}
				}
			}
			if len(ledger.Data) != 3 || calls != -c.Cost.AmountMicros {
				t.Fatalf("ledger %+v", ledger.Data)
			}
			bal := decode[dialtone.Balance](t, call(t, env, "GET", "/v1/balance", admin, "").Raw)
			if bal.Available.AmountMicros != sum || sum != dialtone.MinBalanceToProvisionMicros-2_900_000-c.Cost.AmountMicros {
				t.Fatalf("balance %d, ledger sum %d", bal.Available.AmountMicros, sum)
			}
		})
}

// TestLedgerMatchesCalls: every billable call has exactly one charge, equal to its cost, and
// usage reports the same totals.
func TestLedgerMatchesCalls(t *testing.T) {
	eachDialectWith(t, apitest.Options{TimeScale: 0.01, WritesPerMinute: 1000}, func(t *testing.T, env *apitest.Env) {
		agent, _, number := callSetup(t, env, env.Admin, "")
		other, _, _ := callSetup(t, env, env.Admin, "")
		var ids []string
		for _, last2 := range []string{"14", "10", "14", "12", "13"} {
			ids = append(ids, placeCall(t, env, env.Admin, agent, sandboxTo(last2), ""))
		}
		ids = append(ids, placeCall(t, env, env.Admin, other, sandboxTo("14"), ""))
		in := call(t, env, "POST", "/v1/sandbox/calls", env.Admin, `{"from":"+14155550123","to":"`+number+`"}`)
		mustStatus(t, in, 201)
		ids = append(ids, in.JSON["id"].(string))
		time.Sleep(1100 * time.Millisecond) // let the inbound call run into its second second
		mustStatus(t, call(t, env, "POST", "/v1/calls/"+ids[len(ids)-1]+"/hangup", env.Admin, ""), 200)

		var costs, seconds int64
		perAgent := map[string]int64{}
		for _, id := range ids {
			c := waitCall(t, env, env.Admin, id, ended)
			costs += c.Cost.AmountMicros
			seconds += c.DurationSeconds
			perAgent[*c.AgentID] += c.Cost.AmountMicros
			if c.Direction == dialtone.CallInbound && (c.DurationSeconds < 2 ||
				c.Cost.AmountMicros != dialtone.CallCostMicros(c.DurationSeconds, dialtone.DefaultInboundMinuteMicros)) {
				t.Fatalf("inbound call billed %d s for %d micros", c.DurationSeconds, c.Cost.AmountMicros)
			}
		}
		ledger := decode[dialtone.List[dialtone.LedgerEntry]](t, call(t, env, "GET", "/v1/ledger?limit=100", env.Admin, "").Raw)
		var charged int64
		charges := map[string]int{}
		for _, le := range ledger.Data {
			if le.Kind == dialtone.LedgerKindCall {
				charged -= le.Amount.AmountMicros
				charges[le.ReferenceID]++
			}
		}
		if charged != costs || costs == 0 {
			t.Fatalf("ledger charged %d, calls cost %d", charged, costs)
		}
		for id, n := range charges {
			if n != 1 {
				t.Fatalf("call %s charged %d times", id, n)
			}
		}

		u := decode[dialtone.Usage](t, call(t, env, "GET", "/v1/usage?group_by=agent", env.Admin, "").Raw)
		if u.Total.Calls != int64(len(ids)) || u.Total.Cost.AmountMicros != costs || u.Total.DurationSeconds != seconds || len(u.Data) != 2 {
			t.Fatalf("usage %+v, want %d calls, %d micros, %d s", u, len(ids), costs, seconds)
		}
		for _, g := range u.Data {
			if g.Cost.AmountMicros != perAgent[g.Group] {
				t.Fatalf("agent %s: usage %d, calls %d", g.Group, g.Cost.AmountMicros, perAgent[g.Group])
			}
		}
		day := decode[dialtone.Usage](t, call(t, env, "GET", "/v1/usage", env.Admin, "").Raw)
		today := time.Now().UTC().Format(time.DateOnly)
		if day.GroupBy != "day" || len(day.Data) != 1 || day.Data[0].Group != today || day.Total != u.Total {
			t.Fatalf("by day %+v", day)
		}
		tomorrow := time.Now().UTC().Add(24 * time.Hour).Format(time.RFC3339)
		if later := decode[dialtone.Usage](t, call(t, env, "GET", "/v1/usage?from="+tomorrow, env.Admin, "").Raw); later.Total.Calls != 0 {
			t.Fatalf("usage after now: %+v", later)
		}
		wantError(t, env, call(t, env, "GET", "/v1/usage?group_by=week", env.Admin, ""), dialtone.CodeInvalidValue, "group_by")
		wantError(t, env, call(t, env, "GET", "/v1/usage?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", env.Admin, ""), dialtone.CodeInvalidValue, "from")
		wantError(t, env, call(t, env, "GET", "/v1/usage?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", env.Admin, ""), dialtone.CodeValueOutOfRange, "from")
		wantError(t, env, call(t, env, "GET", "/v1/usage?to=soon", env.Admin, ""), dialtone.CodeInvalidValue, "to")
	})
}

// TestInboundRouting: a simulated caller reaches the number's agent, or is refused and
// recorded with the reason.
func TestInboundRouting(t *testing.T) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			env := apitest.Start(t, d, apitest.Options{TimeScale: 0.01, MaxConcurrentCalls: 1, WritesPerMinute: 1000})
			agent, numID, number := callSetup(t, env, env.Admin, `,"max_call_duration_seconds":30`)
			sandboxCall := func(from, to string) resp {
				return call(t, env, "POST", "/v1/sandbox/calls", env.Admin, `{"from":"`+from+`","to":"`+to+`"}`)
			}

			r := sandboxCall("+14155550123", number)
			mustStatus(t, r, 201)
			c := decode[dialtone.Call](t, r.Raw)
			if c.Direction != dialtone.CallInbound || c.Status != dialtone.CallInProgress || *c.AgentID != agent || c.PhoneNumberID != numID ||
				c.FromNumber != "+14155550123" || c.ToNumber != number || c.StartedAt == nil || *c.AnsweredBy != dialtone.AnsweredByHuman {
				t.Fatalf("inbound: %s", r.Raw)
			}

			// The only line is taken: the next caller gets busy.
			busy := sandboxCall("+14155550124", number)
			mustStatus(t, busy, 201)
			if busy.JSON["status"] != "busy" || busy.JSON["ended_reason"] != "concurrency_limit" {
				t.Fatalf("over the cap: %s", busy.Raw)
			}

			// The agent's maximum duration (30 s, scaled to 0.3 s) ends the first call.
			c = waitCall(t, env, env.Admin, c.ID, ended)
			if c.Status != dialtone.CallCompleted || *c.EndedReason != dialtone.EndedMaxDuration || c.EndedAt.Sub(*c.StartedAt) < 300*time.Millisecond {
				t.Fatalf("max duration: %+v", c)
			}
			// (The simulated caller and the agent talked meanwhile: only the status events here.)
			got := slices.DeleteFunc(eventTypes(t, env, env.OrgID, c.ID), func(t string) bool {
				return !strings.HasPrefix(t, "call.") || strings.Count(t, ".") > 1 || t == "call.dtmf" || t == "call.action"
			})
			if !slices.Equal(got, []string{"call.ringing", "call.started", "call.ended"}) {
				t.Fatalf("events %v", got)
			}

			mustStatus(t, call(t, env, "PATCH", "/v1/phone-numbers/"+numID, env.Admin, `{"inbound_enabled":false}`), 200)
			off := sandboxCall("+14155550123", number)
			mustStatus(t, off, 201)
			if off.JSON["status"] != "failed" || off.JSON["ended_reason"] != "inbound_disabled" {
				t.Fatalf("inbound disabled: %s", off.Raw)
			}
			mustStatus(t, call(t, env, "PATCH", "/v1/phone-numbers/"+numID, env.Admin, `{"agent_id":null,"inbound_enabled":true}`), 200)
			none := sandboxCall("+14155550123", number)
			mustStatus(t, none, 201)
			if none.JSON["status"] != "failed" || none.JSON["ended_reason"] != "no_agent" || none.JSON["agent_id"] != nil {
				t.Fatalf("no agent: %s", none.Raw)
			}

			wantError(t, env, sandboxCall("+14155550123", "+12125550199"), dialtone.CodePhoneNumberNotFound, "to")
			e := wantError(t, env, sandboxCall("0123", ""), dialtone.CodeInvalidPhoneFormat, "from")
			if got := fields(e); !slices.Equal(got, []string{"from:invalid_phone_format", "to:invalid_phone_format"}) {
				t.Fatalf("fields %v", got)
			}
			if got := allCalls(t, env, env.Admin); len(got) != 4 {
				t.Fatalf("%d inbound calls recorded, want 4", len(got))
			}
		})
	}
}

// TestQueuedCallOfAReleasedNumber: a call waiting for a line whose number is released meanwhile
// fails with number_unavailable instead of being dialled from a number the organization no
// longer holds.
func TestQueuedCallOfAReleasedNumber(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{NoDispatch: true, TimeScale: 0.01})
	agent, numID, _ := callSetup(t, env, env.Admin, "")
	id := placeCall(t, env, env.Admin, agent, sandboxTo("00"), "")
	mustStatus(t, call(t, env, "DELETE", "/v1/phone-numbers/"+numID, env.Admin, ""), 200)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); env.Services.Calls.Run(ctx) }()
	defer func() { cancel(); <-done }()
	c := waitCall(t, env, env.Admin, id, ended)
	if c.Status != dialtone.CallFailed || *c.EndedReason != dialtone.EndedNumberGone || c.StartedAt != nil {
		t.Fatalf("ended %s/%s", c.Status, deref(c.EndedReason))
	}
}
