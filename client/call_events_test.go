package client_test

import (
	"context"
	"slices"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func TestCallEvents(t *testing.T) {
	_, c, agent, _ := startCalls(t)
	ctx := context.Background()
	call, err := c.Calls.Create(ctx, dialtone.CallParams{AgentID: dialtone.Some(agent.ID), ToNumber: dialtone.Some(sandboxTo("14"))})
	if err != nil {
		t.Fatal(err)
	}
	var types, ids []string
	for ev, err := range c.Calls.Events(ctx, call.ID, "") {
		if err != nil {
			t.Fatal(err)
		}
		types, ids = append(types, ev.Type), append(ids, ev.ID)
	}
	if !slices.Equal(types, []string{dialtone.EventCallQueued, dialtone.EventCallDialing, dialtone.EventCallRinging,
		dialtone.EventCallStarted, dialtone.EventCallEnded}) {
		t.Fatalf("events %v", types)
	}
	// Resuming after the third event yields the last two; breaking early stops the stream.
	var rest []string
	for ev, err := range c.Calls.Events(ctx, call.ID, ids[2]) {
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, ev.ID)
		break
	}
	if !slices.Equal(rest, ids[3:4]) {
		t.Fatalf("resumed %v, want %v", rest, ids[3:4])
	}
	n := 0
	for _, err := range c.Calls.Events(ctx, "call_nope", "") {
		n++
		if !client.IsCode(err, dialtone.CodeCallNotFound) {
			t.Fatalf("unknown call: %v", err)
		}
	}
	if n != 1 {
		t.Fatalf("unknown call yielded %d times, want one error", n)
	}
}
