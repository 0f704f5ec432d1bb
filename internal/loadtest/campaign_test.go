//go:build !race

package loadtest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

// campaignLeads is how many leads the acceptance campaign calls.
var campaignLeads = 10_000

// outcomes are the sandbox endings the campaign's leads get, in turn, and what each lead must
// come to under the campaign's retry policy (2 attempts, retried on busy and no_answer).
var outcomes = []struct {
	ending   string
	status   dialtone.LeadStatus
	outcome  dialtone.LeadOutcome
	attempts int
}{
	{"14", dialtone.LeadCompleted, dialtone.OutcomeAnswered, 1},  // answers, hangs up after 2 s
	{"10", dialtone.LeadFailed, dialtone.OutcomeBusy, 2},         // busy, then busy again
	{"11", dialtone.LeadFailed, dialtone.OutcomeNoAnswer, 2},     // rings out twice
	{"12", dialtone.LeadCompleted, dialtone.OutcomeVoicemail, 1}, // voicemail: the agent hangs up
}

// TestTenThousandLeadCampaign runs a 10,000-lead sandbox campaign with mixed outcomes through
// the API and checks that every lead ends with the attempts its outcome and the retry policy
// give it, that each attempt is one call, and, from the calls' timestamps, that no more than
// max_concurrent_calls were ever live at once.
func TestTenThousandLeadCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("calls 10,000 leads")
	}
	if n, err := strconv.Atoi(os.Getenv("DIALTONE_CAMPAIGN_LEADS")); err == nil {
		campaignLeads = n
	}
	const concurrency = 40
	env := apitest.Start(t, dialect(), apitest.Options{TimeScale: 0.002, MaxConcurrentCalls: concurrency,
		WritesPerMinute: 1_000_000, ReadsPerMinute: 1_000_000})
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	c := client.New(env.URL, env.Admin)

	agent, err := c.Agents.Create(ctx, dialtone.AgentParams{Name: dialtone.Some("Renewals"),
		Voicemail: dialtone.Some(dialtone.Voicemail{Action: dialtone.VoicemailHangUp})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PhoneNumbers.Create(ctx, dialtone.PhoneNumberCreateParams{AgentID: dialtone.Some(agent.ID)}); err != nil {
		t.Fatal(err)
	}
	camp, err := c.Campaigns.Create(ctx, dialtone.CampaignCreateParams{
		Name: dialtone.Some("Ten thousand"), AgentID: dialtone.Some(agent.ID), MaxConcurrentCalls: dialtone.Some(concurrency),
		Retry: dialtone.Some(dialtone.RetryPolicy{MaxAttempts: 2, RetryOn: []dialtone.LeadOutcome{dialtone.OutcomeBusy, dialtone.OutcomeNoAnswer}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("phone_number,first_name\n")
	want := map[string]int{} // number → index in outcomes
	for i := range campaignLeads {
		o := i % len(outcomes)
		n := fmt.Sprintf("+14152%04d%s", i, outcomes[o].ending)
		want[n] = o
		fmt.Fprintf(&csv, "%s,Lead %d\n", n, i)
	}
	up, err := c.Campaigns.UploadLeads(ctx, camp.ID, []byte(csv.String()), false)
	if err != nil || up.Added != campaignLeads {
		t.Fatalf("upload: %+v %v", up, err)
	}
	started := time.Now()
	if _, err := c.Campaigns.Start(ctx, camp.ID); err != nil {
		t.Fatal(err)
	}
	for last := time.Now(); ; {
		got, err := c.Campaigns.Get(ctx, camp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(last) > 10*time.Second {
			last = time.Now()
			t.Logf("%v: %s %+v", time.Since(started).Round(time.Second), got.Status, got.Progress)
		}
		if got.Status == dialtone.CampaignCompleted {
			t.Logf("completed in %v: %+v", time.Since(started).Round(time.Millisecond), got.Progress)
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("not completed in time: %s %+v", got.Status, got.Progress)
		}
		time.Sleep(250 * time.Millisecond)
	}

	calls := map[string][]dialtone.Call{} // lead → its calls
	var all []dialtone.Call
	for cl, err := range c.Calls.All(ctx, &client.CallListParams{CampaignID: camp.ID, Limit: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, cl)
		calls[*cl.LeadID] = append(calls[*cl.LeadID], cl)
	}
	bad := 0
	for l, err := range c.Campaigns.AllLeads(ctx, camp.ID, &client.LeadListParams{Limit: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		w := outcomes[want[l.PhoneNumber]]
		delete(want, l.PhoneNumber)
		cs := calls[l.ID]
		problem := ""
		switch {
		case l.Status != w.status || l.Outcome == nil || *l.Outcome != w.outcome || l.Attempts != w.attempts:
			problem = fmt.Sprintf("ended %s/%v after %d attempts, want %s/%s after %d", l.Status, l.Outcome, l.Attempts, w.status, w.outcome, w.attempts)
		case len(cs) != w.attempts:
			problem = fmt.Sprintf("%d calls for %d attempts", len(cs), w.attempts)
		default:
			for _, cl := range cs {
				if cl.Attempt < 1 || cl.Attempt > w.attempts || cl.ToNumber != l.PhoneNumber || cl.Variables["first_name"] == "" {
					problem = fmt.Sprintf("call %s: attempt %d to %s", cl.ID, cl.Attempt, cl.ToNumber)
				}
			}
			if len(cs) == 2 && cs[0].Attempt == cs[1].Attempt {
				problem = fmt.Sprintf("attempt %d placed twice", cs[0].Attempt)
			}
		}
		if problem != "" {
			if bad++; bad <= 5 {
				t.Errorf("lead %s (%s): %s", l.ID, l.PhoneNumber, problem)
			}
		}
	}
	if bad > 0 || len(want) > 0 {
		t.Fatalf("%d leads wrong, %d leads missing", bad, len(want))
	}
	wantCalls := 0
	for i := range campaignLeads {
		wantCalls += outcomes[i%len(outcomes)].attempts
	}
	if len(all) != wantCalls {
		t.Fatalf("%d calls, want %d", len(all), wantCalls)
	}
	most := apitest.MaxLive(t, all)
	if most > concurrency {
		t.Fatalf("%d calls were live at once; max_concurrent_calls is %d", most, concurrency)
	}
	t.Logf("%d calls, at most %d live at once (max_concurrent_calls %d)", len(all), most, concurrency)
}

// dialect is the database of the load tests: DIALTONE_LOADTEST_DB (sqlite or postgres),
// else sqlite.
func dialect() string {
	if d := os.Getenv("DIALTONE_LOADTEST_DB"); d != "" {
		return d
	}
	return "sqlite"
}
