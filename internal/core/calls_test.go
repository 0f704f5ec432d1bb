package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/carrier/sandbox"
	"github.com/dialtonehq/dialtone/internal/core"
	speech "github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// silentCarrier accepts every call and then never reports anything, like a carrier whose
// status callbacks are lost.
type silentCarrier struct{ *sandbox.Carrier }

func (silentCarrier) Name() string { return "silent" }
func (silentCarrier) Dial(context.Context, dialtone.DialRequest, dialtone.CarrierEvents) error {
	return nil
}

// TestSilentCarrierDoesNotHoldTheLine: a call the carrier never reports on fails with
// carrier_error some time after its ring timeout, freeing its line.
func TestSilentCarrierDoesNotHoldTheLine(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		svc := core.New(st, speech.Voices{}, core.Options{Carriers: []dialtone.Carrier{silentCarrier{&sandbox.Carrier{}}},
			Calls: core.CallOptions{TimeScale: 0.001, CarrierGrace: time.Millisecond}})
		p := newOrg(t, st, dialtone.RoleAdmin)
		agent, err := svc.Agents.Create(t.Context(), p, dialtone.AgentParams{Name: dialtone.Some("A")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.PhoneNumbers.Create(t.Context(), p, dialtone.PhoneNumberCreateParams{
			Carrier: dialtone.Some("silent"), AgentID: dialtone.Some(agent.ID)}); err != nil {
			t.Fatal(err)
		}
		c, err := svc.Calls.Create(t.Context(), p, dialtone.CallParams{AgentID: dialtone.Some(agent.ID),
			ToNumber: dialtone.Some("+12125550100"), RingTimeoutSeconds: dialtone.Some(5)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); svc.Calls.Run(ctx) }()
		defer func() { cancel(); <-done }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			got, err := svc.Calls.Get(t.Context(), p, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Ended() && svc.Calls.Held() == 0 {
				if got.Status != dialtone.CallFailed || *got.EndedReason != dialtone.EndedCarrierError {
					t.Fatalf("ended %s/%s", got.Status, *got.EndedReason)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("still %s", got.Status)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}
