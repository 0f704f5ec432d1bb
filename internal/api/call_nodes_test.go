package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/core"
)

// TestCallsOfAStoppedProcessEnd: a live call held by a process that stopped sending heartbeats
// is ended with node_lost by the others and billed up to that process's last heartbeat; a
// call of a process still alive is left alone.
func TestCallsOfAStoppedProcessEnd(t *testing.T) {
	eachDialectWith(t, apitest.Options{}, func(t *testing.T, env *apitest.Env) {
		_, numID, number := callSetup(t, env, env.Admin, "")
		now := time.Now().UTC().Truncate(time.Microsecond)
		started, lastSeen := now.Add(-2*time.Minute), now.Add(-time.Minute)
		if err := env.Store.Heartbeat(t.Context(), "node_gone", lastSeen); err != nil {
			t.Fatal(err)
		}
		if err := env.Store.Heartbeat(t.Context(), "node_alive", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		insert := func(node string) string {
			t.Helper()
			c := dialtone.Call{ID: dialtone.NewID(dialtone.PrefixCall), Object: "call", Direction: dialtone.CallInbound,
				Status: dialtone.CallInProgress, PhoneNumberID: numID, FromNumber: "+14155550123", ToNumber: number,
				Carrier: "sandbox", QueuedAt: started, DialedAt: &started, StartedAt: &started, Cost: dialtone.USD(0),
				CreatedAt: started, UpdatedAt: started, NodeID: node}
			if _, err := env.Store.InsertCall(t.Context(), env.OrgID, core.CallCounts{}, func(core.CallCounts) (dialtone.Call, core.Effects, error) {
				return c, core.Effects{}, nil
			}); err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		gone, alive := insert("node_gone"), insert("node_alive")

		c := waitCall(t, env, env.Admin, gone, ended)
		if c.Status != dialtone.CallFailed || *c.EndedReason != dialtone.EndedNodeLost || !c.EndedAt.Equal(lastSeen) ||
			c.DurationSeconds != 60 || c.Cost.AmountMicros != dialtone.CallCostMicros(60, dialtone.DefaultInboundMinuteMicros) {
			t.Fatalf("orphan ended %s/%v at %v, %d s, %d micros", c.Status, c.EndedReason, c.EndedAt, c.DurationSeconds, c.Cost.AmountMicros)
		}
		if c := waitCall(t, env, env.Admin, alive, func(dialtone.Call) bool { return true }); c.Status != dialtone.CallInProgress {
			t.Fatalf("a call of a live process was ended: %s", c.Status)
		}
	})
}

// TestCallEndedElsewhereIsLetGo: when another process ends a call this one holds, this one
// notices and hangs up its carrier leg.
func TestCallEndedElsewhereIsLetGo(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{TimeScale: 0.01})
	agent, _, _ := callSetup(t, env, env.Admin, "")
	id := placeCall(t, env, env.Admin, agent, sandboxTo("00"), "")
	waitCall(t, env, env.Admin, id, status(dialtone.CallInProgress))
	if n := env.Services.Calls.Held(); n != 1 {
		t.Fatalf("holding %d calls, want 1", n)
	}
	if m := call(t, env, "GET", "/metrics", "", ""); !strings.Contains(string(m.Raw), "\ndialtone_calls_held 1\n") {
		t.Fatalf("metrics: %s", m.Raw)
	}
	// Another process hangs it up: it writes the database only.
	if _, err := env.Store.UpdateCall(t.Context(), id, func(c *dialtone.Call) (core.Effects, error) {
		now := time.Now().UTC()
		r := dialtone.EndedAPIHangup
		c.Status, c.EndedAt, c.EndedReason = dialtone.CallCompleted, &now, &r
		return core.Effects{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for env.Services.Calls.Held() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the call ended elsewhere is still held")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
