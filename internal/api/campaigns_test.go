package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

// campaignCalls lists every call of a campaign, oldest first.
func campaignCalls(t testing.TB, env *apitest.Env, cred, campaignID string) []dialtone.Call {
	t.Helper()
	var out []dialtone.Call
	path := "/v1/calls?limit=100&campaign_id=" + campaignID
	for {
		r := call(t, env, "GET", path, cred, "")
		mustStatus(t, r, 200)
		page := decode[dialtone.List[dialtone.Call]](t, r.Raw)
		out = append(out, page.Data...)
		if !page.HasMore {
			break
		}
		path = "/v1/calls?limit=100&campaign_id=" + campaignID + "&starting_after=" + page.Data[len(page.Data)-1].ID
	}
	slices.Reverse(out)
	return out
}

// campaignLeads lists every lead of a campaign, by phone number.
func campaignLeads(t testing.TB, env *apitest.Env, cred, campaignID string) map[string]dialtone.Lead {
	t.Helper()
	out := map[string]dialtone.Lead{}
	path := "/v1/campaigns/" + campaignID + "/leads?limit=100"
	for {
		r := call(t, env, "GET", path, cred, "")
		mustStatus(t, r, 200)
		page := decode[dialtone.List[dialtone.Lead]](t, r.Raw)
		for _, l := range page.Data {
			out[l.PhoneNumber] = l
		}
		if !page.HasMore {
			break
		}
		path = "/v1/campaigns/" + campaignID + "/leads?limit=100&starting_after=" + page.Data[len(page.Data)-1].ID
	}
	return out
}

// getCampaign reads a campaign.
func getCampaign(t testing.TB, env *apitest.Env, cred, id string) dialtone.Campaign {
	t.Helper()
	r := call(t, env, "GET", "/v1/campaigns/"+id, cred, "")
	mustStatus(t, r, 200)
	return decode[dialtone.Campaign](t, r.Raw)
}

// newCampaign creates a campaign of agent with the JSON fields extra and returns its id.
func newCampaign(t testing.TB, env *apitest.Env, cred, agent, extra string) string {
	t.Helper()
	r := call(t, env, "POST", "/v1/campaigns", cred, `{"name":"Renewals","agent_id":"`+agent+`","max_concurrent_calls":2`+extra+`}`)
	mustStatus(t, r, 201)
	if r.JSON["status"] != "draft" || r.Header.Get("Location") != "/v1/campaigns/"+r.JSON["id"].(string) {
		t.Fatalf("create: %s", r.Raw)
	}
	return r.JSON["id"].(string)
}

// leadsJSON is a JSON batch of leads for numbers.
func leadsJSON(numbers ...string) string {
	parts := make([]string, len(numbers))
	for i, n := range numbers {
		parts[i] = `{"phone_number":"` + n + `","variables":{"first_name":"Lead ` + fmt.Sprint(i) + `"}}`
	}
	return `{"leads":[` + strings.Join(parts, ",") + `]}`
}

// TestCampaignRun runs a small campaign with every sandbox outcome through the API: each lead
// ends with the attempts its retry policy gives it, no more calls than max_concurrent_calls
// are live at once (from the calls' timestamps), and the campaign completes with its events.
func TestCampaignRun(t *testing.T) {
	eachDialectWith(t, apitest.Options{TimeScale: 0.02, MaxConcurrentCalls: 5, WritesPerMinute: 1000}, func(t *testing.T, env *apitest.Env) {
		agent, _, _ := callSetup(t, env, env.Admin, `,"voicemail":{"action":"hang_up"}`)
		id := newCampaign(t, env, env.Admin, agent, `,"retry":{"max_attempts":2,"backoff_minutes":0,"retry_on":["busy","no_answer"]}`)
		answer, busy, noAnswer, voicemail, failed := sandboxTo("14"), sandboxTo("10"), sandboxTo("11"), sandboxTo("12"), sandboxTo("13")
		r := call(t, env, "POST", "/v1/campaigns/"+id+"/leads", env.Admin, leadsJSON(answer, busy, noAnswer, voicemail, failed))
		mustStatus(t, r, 201)
		if up := decode[dialtone.LeadUpload](t, r.Raw); up.Added != 5 || len(up.Rejected) != 0 {
			t.Fatalf("upload: %s", r.Raw)
		}
		r = call(t, env, "POST", "/v1/campaigns/"+id+"/start", env.Admin, "")
		mustStatus(t, r, 200)
		if r.JSON["status"] != "scheduled" {
			t.Fatalf("start: %s", r.Raw)
		}
		waitFor(t, "the campaign to complete", func() bool {
			return getCampaign(t, env, env.Admin, id).Status == dialtone.CampaignCompleted
		})
		c := getCampaign(t, env, env.Admin, id)
		want := dialtone.CampaignProgress{Total: 5, Completed: 2, Failed: 3}
		if c.Progress != want || c.StartedAt == nil || c.CompletedAt == nil || c.ETA != nil {
			t.Fatalf("campaign: %+v", c)
		}
		leads := campaignLeads(t, env, env.Admin, id)
		for _, w := range []struct {
			number   string
			status   dialtone.LeadStatus
			outcome  dialtone.LeadOutcome
			attempts int
		}{
			{answer, dialtone.LeadCompleted, dialtone.OutcomeAnswered, 1},
			{busy, dialtone.LeadFailed, dialtone.OutcomeBusy, 2},
			{noAnswer, dialtone.LeadFailed, dialtone.OutcomeNoAnswer, 2},
			{voicemail, dialtone.LeadCompleted, dialtone.OutcomeVoicemail, 1},
			{failed, dialtone.LeadFailed, dialtone.OutcomeFailed, 1},
		} {
			l := leads[w.number]
			if l.Status != w.status || l.Outcome == nil || *l.Outcome != w.outcome || l.Attempts != w.attempts || l.CompletedAt == nil || l.CallID == nil {
				t.Errorf("lead %s: %+v, want %s/%s after %d attempts", w.number, l, w.status, w.outcome, w.attempts)
			}
		}
		calls := campaignCalls(t, env, env.Admin, id)
		if len(calls) != 7 {
			t.Fatalf("%d calls, want 7", len(calls))
		}
		seen := map[string]bool{}
		for _, cl := range calls {
			key := fmt.Sprintf("%s#%d", *cl.LeadID, cl.Attempt)
			if seen[key] || *cl.CampaignID != id || cl.Variables["first_name"] == "" {
				t.Fatalf("call %s: attempt %s twice, or not the campaign's: %+v", cl.ID, key, cl)
			}
			seen[key] = true
		}
		if most := apitest.MaxLive(t, calls); most > 2 {
			t.Fatalf("%d calls live at once; max_concurrent_calls is 2", most)
		}
		var types []string
		r = call(t, env, "GET", "/v1/events?limit=100", env.Admin, "")
		for _, e := range decode[dialtone.List[dialtone.Event]](t, r.Raw).Data {
			if strings.HasPrefix(e.Type, "campaign.") {
				types = append(types, e.Type)
			}
		}
		slices.Sort(types)
		wantTypes := []string{"campaign.completed", "campaign.lead.completed", "campaign.lead.completed", "campaign.lead.completed",
			"campaign.lead.completed", "campaign.lead.completed", "campaign.started"}
		if !slices.Equal(types, wantTypes) {
			t.Fatalf("events %v, want %v", types, wantTypes)
		}
	})
}

// TestCampaignOptOuts: a number that texted STOP is rejected when uploaded as a lead (grouped
// with its position, nothing added without skip_invalid), and a lead whose number opts out
// after its upload is skipped by the dialer, never called, with its event.
func TestCampaignOptOuts(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{TimeScale: 0.02, WritesPerMinute: 1000})
	agent, _, ourNumber := callSetup(t, env, env.Admin, "")
	stop := func(from string) {
		t.Helper()
		mustStatus(t, call(t, env, "POST", "/v1/sandbox/messages", env.Admin, `{"from":"`+from+`","to":"`+ourNumber+`","body":" stop "}`), 201)
		waitFor(t, from+"'s opt-out", func() bool {
			r := call(t, env, "GET", "/v1/events?type=contact.opted_out", env.Admin, "")
			return strings.Contains(string(r.Raw), from)
		})
	}
	early, late, stays := sandboxTo("14"), "+12125550214", "+12125550314"
	stop(early)
	id := newCampaign(t, env, env.Admin, agent, "")
	e := wantError(t, env, call(t, env, "POST", "/v1/campaigns/"+id+"/leads", env.Admin, leadsJSON(late, early, stays)), dialtone.CodeLeadsRejected, "")
	rej, _ := e.Details["rejected"].([]any)
	if len(rej) != 1 || rej[0].(map[string]any)["reason"] != "opted_out" || fmt.Sprint(rej[0].(map[string]any)["rows"]) != "[2]" || e.Details["valid"] != float64(2) {
		t.Fatalf("rejected: %+v", e.Details)
	}
	if c := getCampaign(t, env, env.Admin, id); c.Progress.Total != 0 {
		t.Fatalf("a rejected batch added leads: %+v", c.Progress)
	}
	r := call(t, env, "POST", "/v1/campaigns/"+id+"/leads?skip_invalid=true", env.Admin, leadsJSON(late, early, stays))
	mustStatus(t, r, 201)
	if up := decode[dialtone.LeadUpload](t, r.Raw); up.Added != 2 || len(up.Rejected) != 1 || up.Rejected[0].Rows[0] != 2 {
		t.Fatalf("upload: %s", r.Raw)
	}
	stop(late) // after the upload, before the dialer reaches it
	mustStatus(t, call(t, env, "POST", "/v1/campaigns/"+id+"/start", env.Admin, ""), 200)
	waitFor(t, "the campaign to complete", func() bool {
		return getCampaign(t, env, env.Admin, id).Status == dialtone.CampaignCompleted
	})
	leads := campaignLeads(t, env, env.Admin, id)
	if l := leads[late]; l.Status != dialtone.LeadSkipped || l.Attempts != 0 || l.CallID != nil || l.CompletedAt == nil {
		t.Fatalf("the lead that opted out: %+v", l)
	}
	if l := leads[stays]; l.Status != dialtone.LeadCompleted || l.Attempts != 1 {
		t.Fatalf("the other lead: %+v", l)
	}
	for _, c := range campaignCalls(t, env, env.Admin, id) {
		if c.ToNumber == late {
			t.Fatalf("the opted-out number was called: %+v", c)
		}
	}
	r = call(t, env, "GET", "/v1/events?type=campaign.lead.completed", env.Admin, "")
	if !strings.Contains(string(r.Raw), `"status":"skipped"`) {
		t.Fatalf("no campaign.lead.completed for the skipped lead: %s", r.Raw)
	}
}
