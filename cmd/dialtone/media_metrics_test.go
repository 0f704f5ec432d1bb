package main

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/carrier/sandbox"
	"github.com/dialtonehq/dialtone/internal/media/pacer"
	"github.com/dialtonehq/dialtone/internal/session"
)

type quietControl struct{}

func (quietControl) Publish(context.Context, string, dialtone.ConversationEvent) {}
func (quietControl) Transfer(context.Context, string, string) error              { return nil }

type quietEvents struct{}

func (quietEvents) CallEvent(context.Context, dialtone.CarrierEvent) {}

// TestMediaMetrics: /metrics shows the live conversations and the send clock's lateness.
func TestMediaMetrics(t *testing.T) {
	clock, err := pacer.New(pacer.Config{Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer clock.Stop(context.Background())
	engine, err := session.New(session.Config{Pacer: clock})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(mediaCollector{engine: engine, clock: clock})
	metric := func(name string) *dto.Metric {
		t.Helper()
		fams, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fams {
			if f.GetName() == name {
				return f.GetMetric()[0]
			}
		}
		t.Fatalf("no metric %s", name)
		return nil
	}

	leg, err := (&sandbox.Carrier{}).SimulateCaller(t.Context(), dialtone.SimulatedCall{CallID: "call_metrics", Persona: dialtone.PersonaSpec{Name: "silent"}}, quietEvents{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	conv, err := engine.Start(ctx, dialtone.ConversationStart{Call: dialtone.Call{ID: "call_metrics"}, Agent: dialtone.Agent{MaxCallDurationSeconds: 600, Brain: dialtone.Brain{Type: dialtone.BrainScripted}},
		Leg: leg, Control: quietControl{}})
	if err != nil {
		t.Fatal(err)
	}
	if got := metric("dialtone_conversations_live").GetGauge().GetValue(); got != 1 {
		t.Errorf("dialtone_conversations_live %v during the call", got)
	}
	for metric("dialtone_media_send_lateness_seconds").GetSummary().GetSampleCount() == 0 {
		time.Sleep(time.Millisecond) // until the clock has sent the call's first frames
	}
	cancel()
	<-conv.Done()
	if got := metric("dialtone_conversations_live").GetGauge().GetValue(); got != 0 {
		t.Errorf("dialtone_conversations_live %v after the call", got)
	}
	if q := metric("dialtone_media_send_lateness_seconds").GetSummary().GetQuantile(); len(q) != 3 || q[1].GetQuantile() != 0.99 {
		t.Errorf("quantiles %v", q)
	}
}
