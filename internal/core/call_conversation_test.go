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

// stuckEngine starts conversations whose audio has stalled: they never end on their own and
// stop only when the call service stops them, leaving a transcript.
type stuckEngine struct{ started chan string }

type stuckConversation struct{ ctx context.Context }

func (e stuckEngine) Start(ctx context.Context, s dialtone.ConversationStart) (dialtone.Conversation, error) {
	e.started <- s.Call.ID
	return stuckConversation{ctx}, nil
}

func (stuckConversation) Beep()                   {}
func (c stuckConversation) Done() <-chan struct{} { return c.ctx.Done() }
func (c stuckConversation) Result() dialtone.ConversationResult {
	<-c.ctx.Done()
	return dialtone.ConversationResult{Transcript: []dialtone.TranscriptTurn{{Speaker: dialtone.SpeakerAgent, Text: "Hello"}}}
}

// TestStalledConversationEndsAtMaxDuration: a conversation whose audio stalls (so it never
// counts to the agent's maximum duration) is ended by the call service on the wall clock,
// shortly after the maximum duration, and what it left is stored on the call.
func TestStalledConversationEndsAtMaxDuration(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		engine := stuckEngine{started: make(chan string, 1)}
		svc := core.New(st, speech.Voices{}, core.Options{Carriers: []dialtone.Carrier{&sandbox.Carrier{TimeScale: 0.001}},
			Calls: core.CallOptions{TimeScale: 0.001, Conversations: engine}})
		p := newOrg(t, st, dialtone.RoleAdmin)
		agent, err := svc.Agents.Create(t.Context(), p, dialtone.AgentParams{Name: dialtone.Some("A"), MaxCallDurationSeconds: dialtone.Some(30)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.PhoneNumbers.Create(t.Context(), p, dialtone.PhoneNumberCreateParams{AgentID: dialtone.Some(agent.ID)}); err != nil {
			t.Fatal(err)
		}
		c, err := svc.Calls.Create(t.Context(), p, dialtone.CallParams{AgentID: dialtone.Some(agent.ID), ToNumber: dialtone.Some("+12125550103")})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); svc.Calls.Run(ctx) }()
		defer func() { cancel(); <-done }()
		if id := <-engine.started; id != c.ID {
			t.Fatalf("conversation of %s, want %s", id, c.ID)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			got, err := svc.Calls.Get(t.Context(), p, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Ended() {
				if got.Status != dialtone.CallCompleted || *got.EndedReason != dialtone.EndedMaxDuration ||
					len(got.Transcript) != 1 || got.Transcript[0].Text != "Hello" {
					t.Fatalf("ended %s/%s with transcript %+v", got.Status, *got.EndedReason, got.Transcript)
				}
				if talk := got.EndedAt.Sub(*got.StartedAt); talk < 40*time.Millisecond {
					t.Fatalf("ended after %v, before 30 s + 10 s of grace (scaled 0.001)", talk)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the stalled call never ended: %+v", got)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}
