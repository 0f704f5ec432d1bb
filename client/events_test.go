package client_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func TestEvents(t *testing.T) {
	_, c, agent, number := startCalls(t)
	ctx := context.Background()
	call, err := c.Calls.Create(ctx, dialtone.CallParams{AgentID: dialtone.Some(agent.ID), ToNumber: dialtone.Some(sandboxTo("10"))})
	if err != nil {
		t.Fatal(err)
	}
	waitCall(t, c, call.ID, callEnded)

	// Every event, oldest last: the number's provisioning, then the call from queued to ended.
	var types []string
	for ev, err := range c.Events.All(ctx, &client.EventListParams{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
	}
	slices.Reverse(types)
	want := []string{dialtone.EventPhoneNumberProvisioned, dialtone.EventCallQueued, dialtone.EventCallDialing,
		dialtone.EventCallEnded} // busy: the far end never rings
	if !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}

	page, err := c.Events.List(ctx, &client.EventListParams{Type: dialtone.EventPhoneNumberProvisioned})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 1 || page.HasMore || page.Data[0].Object != "event" {
		t.Fatalf("provisioned: %+v", page)
	}
	var got dialtone.PhoneNumber
	if err := json.Unmarshal(page.Data[0].Data.Object, &got); err != nil || got.ID != number.ID || got.Number != number.Number {
		t.Fatalf("provisioned object: %s (%v)", page.Data[0].Data.Object, err)
	}

	ended, err := c.Events.List(ctx, &client.EventListParams{Type: dialtone.EventCallEnded})
	if err != nil || len(ended.Data) != 1 {
		t.Fatalf("ended: %+v, %v", ended, err)
	}
	ev, err := c.Events.Get(ctx, ended.Data[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var endedCall dialtone.Call
	if err := json.Unmarshal(ev.Data.Object, &endedCall); err != nil || endedCall.ID != call.ID || endedCall.Status != dialtone.CallBusy {
		t.Fatalf("call.ended object: %s (%v)", ev.Data.Object, err)
	}

	var e *client.Error
	_, err = c.Events.List(ctx, &client.EventListParams{Type: "call.exploded"})
	if !asError(err, &e) || e.Code != dialtone.CodeInvalidValue || e.Param != "type" {
		t.Fatalf("bad type: %v", err)
	}
	_, err = c.Events.Get(ctx, "evt_nope")
	if !asError(err, &e) || e.Code != dialtone.CodeEventNotFound || e.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown event: %v", err)
	}
}
