package core_test

import (
	"slices"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/webhook"
)

func TestWebhookRecipients(t *testing.T) {
	routes := []core.WebhookRoute{
		{ID: "org_all", Events: []string{"*"}, Enabled: true},
		{ID: "org_ended", Events: []string{dialtone.EventCallEnded}, Enabled: true},
		{ID: "org_off", Events: []string{"*"}, Enabled: false},
		{ID: "a_all", AgentID: "agt_a", Events: []string{"*"}, Enabled: true},
		{ID: "a_ended", AgentID: "agt_a", Events: []string{dialtone.EventCallEnded}, Enabled: true},
		{ID: "b_off", AgentID: "agt_b", Events: []string{"*"}, Enabled: false},
	}
	for _, tc := range []struct {
		agent, typ string
		want       []string
	}{
		{"", dialtone.EventCallEnded, []string{"org_all", "org_ended"}},
		{"", dialtone.EventCallQueued, []string{"org_all"}},
		{"agt_a", dialtone.EventCallEnded, []string{"a_all", "a_ended"}},     // the agent's set only
		{"agt_a", dialtone.EventCallStarted, []string{"a_all"}},              // subscribed ones of it
		{"agt_b", dialtone.EventCallEnded, nil},                              // a disabled agent endpoint still claims its events
		{"agt_c", dialtone.EventCallEnded, []string{"org_all", "org_ended"}}, // no endpoints of its own
	} {
		got := core.WebhookRecipients(routes, dialtone.Event{AgentID: tc.agent, Type: tc.typ})
		if !slices.Equal(got, tc.want) {
			t.Errorf("agent %q type %s: %v, want %v", tc.agent, tc.typ, got, tc.want)
		}
	}
}

func TestWebhookRetryAt(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for attempt := 1; attempt < webhook.MaxAttempts; attempt++ {
		nominal := webhook.RetrySchedule[attempt-1]
		seen := map[time.Time]bool{}
		for job := int64(1); job <= 50; job++ {
			next, ok := core.WebhookRetryAt(job, attempt, at)
			again, _ := core.WebhookRetryAt(job, attempt, at)
			if !ok || !next.Equal(again) {
				t.Fatalf("job %d attempt %d: %v %v then %v", job, attempt, ok, next, again)
			}
			if d := next.Sub(at); d < nominal*8/10 || d > nominal*12/10 {
				t.Fatalf("job %d attempt %d: delay %s, want %s ± 20%%", job, attempt, d, nominal)
			}
			seen[next] = true
		}
		if len(seen) < 40 { // jitter spreads the jobs of one outage
			t.Errorf("attempt %d: only %d distinct retry times for 50 jobs", attempt, len(seen))
		}
	}
	if _, ok := core.WebhookRetryAt(1, webhook.MaxAttempts, at); ok {
		t.Error("a retry after the last attempt")
	}
}
