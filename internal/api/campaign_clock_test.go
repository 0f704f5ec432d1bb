package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

// TestCampaignWindowAcrossDST drives a fake clock across a calling window's opening on the
// night New York moves its clocks forward (2026-03-08, 02:00 EST → 03:00 EDT). A lead in New
// York, met on Saturday evening after its 09:00–17:00 window closed, waits for Sunday 09:00
// local: 13:00 UTC, not the 14:00 UTC that Saturday's offset would give. One second before,
// nothing is dialed; at 09:00 its call is queued.
func TestCampaignWindowAcrossDST(t *testing.T) {
	clock := apitest.NewClock(time.Date(2026, 3, 7, 23, 0, 0, 0, time.UTC)) // Saturday 18:00 EST
	eachDialectWith(t, apitest.Options{Clock: clock, NoDispatch: true, WritesPerMinute: 1000}, func(t *testing.T, env *apitest.Env) {
		clock.Set(time.Date(2026, 3, 7, 23, 0, 0, 0, time.UTC))
		agent, _, _ := callSetup(t, env, env.Admin, "")
		id := newCampaign(t, env, env.Admin, agent, `,"schedule":{"timezone":"UTC","windows":[{"days":["mon","tue","wed","thu","fri","sat","sun"],"start":"09:00","end":"17:00"}]}`)
		lead := sandboxTo("14") // +1212…: its area has one zone, America/New_York
		mustStatus(t, call(t, env, "POST", "/v1/campaigns/"+id+"/leads", env.Admin, leadsJSON(lead)), 201)
		if l := campaignLeads(t, env, env.Admin, id)[lead]; l.Timezone != "America/New_York" {
			t.Fatalf("lead time zone %q, want its number's America/New_York", l.Timezone)
		}
		mustStatus(t, call(t, env, "POST", "/v1/campaigns/"+id+"/start", env.Admin, ""), 200)

		opens := time.Date(2026, 3, 8, 13, 0, 0, 0, time.UTC) // Sunday 09:00 EDT
		waitFor(t, "the dialer to defer the lead to its window", func() bool {
			l := campaignLeads(t, env, env.Admin, id)[lead]
			return l.NextAttemptAt != nil && !l.NextAttemptAt.Before(opens)
		})
		if l := campaignLeads(t, env, env.Admin, id)[lead]; !l.NextAttemptAt.Equal(opens) || l.Status != dialtone.LeadPending {
			t.Fatalf("lead: %+v; want pending until %v", l, opens)
		}
		if c := getCampaign(t, env, env.Admin, id); c.Status != dialtone.CampaignRunning {
			t.Fatalf("campaign %s, want running", c.Status)
		}

		turn := func(at time.Time) {
			t.Helper()
			clock.Set(at)
			if err := env.Services.Campaigns.Kick(context.Background(), env.OrgID, id); err != nil {
				t.Fatal(err)
			}
		}
		turn(opens.Add(-time.Second)) // 08:59:59 EDT
		time.Sleep(200 * time.Millisecond)
		if calls := campaignCalls(t, env, env.Admin, id); len(calls) != 0 {
			t.Fatalf("a call was placed at 08:59:59, before the window: %+v", calls[0])
		}
		turn(opens)
		waitFor(t, "the lead's call at 09:00", func() bool { return len(campaignCalls(t, env, env.Admin, id)) == 1 })
		c := campaignCalls(t, env, env.Admin, id)[0]
		l := campaignLeads(t, env, env.Admin, id)[lead]
		if !c.QueuedAt.Equal(opens) || l.Status != dialtone.LeadCalling || l.Attempts != 1 || *l.CallID != c.ID || c.Attempt != 1 {
			t.Fatalf("call %+v, lead %+v", c, l)
		}
	})
}

// TestCampaignScheduleChangeUndefersLeads: a lead a window put off until tomorrow is called
// now once the schedule is changed to one whose window is open now.
func TestCampaignScheduleChangeUndefersLeads(t *testing.T) {
	now := time.Date(2026, 3, 7, 23, 0, 0, 0, time.UTC) // Saturday 18:00 in New York
	clock := apitest.NewClock(now)
	eachDialectWith(t, apitest.Options{Clock: clock, NoDispatch: true, WritesPerMinute: 1000}, func(t *testing.T, env *apitest.Env) {
		clock.Set(now)
		agent, _, _ := callSetup(t, env, env.Admin, "")
		const days = `"days":["mon","tue","wed","thu","fri","sat","sun"]`
		id := newCampaign(t, env, env.Admin, agent, `,"schedule":{"timezone":"UTC","windows":[{`+days+`,"start":"09:00","end":"17:00"}]}`)
		lead := sandboxTo("14") // New York
		mustStatus(t, call(t, env, "POST", "/v1/campaigns/"+id+"/leads", env.Admin, leadsJSON(lead)), 201)
		mustStatus(t, call(t, env, "POST", "/v1/campaigns/"+id+"/start", env.Admin, ""), 200)
		opens := time.Date(2026, 3, 8, 13, 0, 0, 0, time.UTC) // Sunday 09:00 EDT
		waitFor(t, "the dialer to defer the lead to its window", func() bool {
			l := campaignLeads(t, env, env.Admin, id)[lead]
			return l.NextAttemptAt != nil && l.NextAttemptAt.Equal(opens)
		})

		mustStatus(t, call(t, env, "PATCH", "/v1/campaigns/"+id, env.Admin,
			`{"schedule":{"timezone":"UTC","windows":[{`+days+`,"start":"00:00","end":"24:00"}]}}`), 200)
		if err := env.Services.Campaigns.Kick(context.Background(), env.OrgID, id); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the lead's call under the new schedule", func() bool { return len(campaignCalls(t, env, env.Admin, id)) == 1 })
		c := campaignCalls(t, env, env.Admin, id)[0]
		if l := campaignLeads(t, env, env.Admin, id)[lead]; !c.QueuedAt.Equal(now) || l.Status != dialtone.LeadCalling || l.Attempts != 1 {
			t.Fatalf("call queued at %v (want %v), lead %+v", c.QueuedAt, now, l)
		}
	})
}
