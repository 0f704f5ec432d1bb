package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/core"
)

// TestCampaignStates drives a campaign into each status through the API and tries every
// lifecycle action on it, then PATCH, DELETE and new leads: what the state tables allow
// succeeds, the rest is 409 campaign_state_conflict naming the status and what it allows.
func TestCampaignStates(t *testing.T) {
	// Time runs at its real pace, so that a number ending in 11 rings for the agent's whole
	// ring timeout (120 s, longer than this test) and a running campaign stays running.
	env := apitest.Start(t, "sqlite", apitest.Options{TimeScale: 1, WritesPerMinute: 1000, ReadsPerMinute: 10000, MaxConcurrentCalls: 30})
	agent, _, _ := callSetup(t, env, env.Admin, `,"ring_timeout_seconds":120`)

	// The expected table, written by hand: which actions each status allows, in the order
	// the API lists them.
	allowed := map[dialtone.CampaignStatus][]dialtone.CampaignAction{
		dialtone.CampaignDraft:     {dialtone.CampaignStart, dialtone.CampaignCancel},
		dialtone.CampaignScheduled: {dialtone.CampaignCancel},
		dialtone.CampaignRunning:   {dialtone.CampaignPause, dialtone.CampaignCancel},
		dialtone.CampaignPaused:    {dialtone.CampaignResume, dialtone.CampaignCancel},
		dialtone.CampaignCompleted: {},
		dialtone.CampaignCanceled:  {},
	}
	target := map[dialtone.CampaignAction]dialtone.CampaignStatus{
		dialtone.CampaignStart:  dialtone.CampaignScheduled,
		dialtone.CampaignPause:  dialtone.CampaignPaused,
		dialtone.CampaignResume: dialtone.CampaignRunning,
		dialtone.CampaignCancel: dialtone.CampaignCanceled,
	}
	// The table agrees with the domain's.
	for _, s := range dialtone.CampaignStatuses() {
		for _, a := range dialtone.CampaignActions() {
			if a.AllowedFrom(s) != slices.Contains(allowed[s], a) {
				t.Errorf("AllowedFrom(%s, %s) = %v, the table says otherwise", a, s, a.AllowedFrom(s))
			}
		}
	}

	// Numbers ending in 11 ring until the ring timeout; each lead gets its own.
	ringSeq := 0
	ring := func() string {
		ringSeq++
		return fmt.Sprintf("+1212765%02d11", ringSeq)
	}
	addLeads := func(id string, numbers ...string) {
		t.Helper()
		r := call(t, env, "POST", "/v1/campaigns/"+id+"/leads", env.Admin, leadsJSON(numbers...))
		mustStatus(t, r, 201)
		if up := decode[dialtone.LeadUpload](t, r.Raw); up.Added != len(numbers) || len(up.Rejected) != 0 {
			t.Fatalf("upload: %s", r.Raw)
		}
	}
	// create makes a draft campaign of agent calling at most maxCalls leads at once.
	create := func(maxCalls int, extra string) string {
		t.Helper()
		r := call(t, env, "POST", "/v1/campaigns", env.Admin, fmt.Sprintf(`{"name":"States","agent_id":"%s","max_concurrent_calls":%d%s}`, agent, maxCalls, extra))
		mustStatus(t, r, 201)
		if r.JSON["status"] != "draft" {
			t.Fatalf("create: %s", r.Raw)
		}
		return r.JSON["id"].(string)
	}
	act := func(id string, a dialtone.CampaignAction) resp {
		t.Helper()
		return call(t, env, "POST", "/v1/campaigns/"+id+"/"+string(a), env.Admin, "")
	}
	mustAct := func(id string, a dialtone.CampaignAction) dialtone.Campaign {
		t.Helper()
		r := act(id, a)
		mustStatus(t, r, 200)
		return decode[dialtone.Campaign](t, r.Raw)
	}
	callCount := func(id string) int { return len(campaignCalls(t, env, env.Admin, id)) }
	waitStatus := func(id string, s dialtone.CampaignStatus, cond func(dialtone.Campaign) bool) dialtone.Campaign {
		t.Helper()
		var c dialtone.Campaign
		waitFor(t, fmt.Sprintf("campaign %s to be %s", id, s), func() bool {
			c = getCampaign(t, env, env.Admin, id)
			return c.Status == s && (cond == nil || cond(c))
		})
		return c
	}

	// begin sets up a new campaign on its way to status s, and finish waits until it is
	// there (begin every campaign first, so that their dialers run side by side): a draft has
	// one pending lead; a scheduled campaign starts in an hour; a running (or paused) one
	// calls one lead, whose number keeps ringing, and keeps another waiting
	// (max_concurrent_calls 1); a completed one called its only lead, which the carrier
	// refused; a canceled one was a draft with two leads.
	begin := func(s dialtone.CampaignStatus) string {
		t.Helper()
		switch s {
		case dialtone.CampaignDraft:
			id := newCampaign(t, env, env.Admin, agent, "")
			addLeads(id, ring())
			return id
		case dialtone.CampaignScheduled:
			start := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
			id := newCampaign(t, env, env.Admin, agent, `,"schedule":{"start_at":"`+start+`"}`)
			addLeads(id, ring())
			if c := mustAct(id, dialtone.CampaignStart); c.Status != dialtone.CampaignScheduled {
				t.Fatalf("start: %+v", c)
			}
			return id
		case dialtone.CampaignRunning, dialtone.CampaignPaused:
			id := create(1, "")
			addLeads(id, ring(), ring())
			mustAct(id, dialtone.CampaignStart)
			return id
		case dialtone.CampaignCompleted:
			id := newCampaign(t, env, env.Admin, agent, "")
			addLeads(id, sandboxTo("13"))
			mustAct(id, dialtone.CampaignStart)
			return id
		case dialtone.CampaignCanceled:
			id := newCampaign(t, env, env.Admin, agent, "")
			addLeads(id, ring(), ring())
			if c := mustAct(id, dialtone.CampaignCancel); c.Status != dialtone.CampaignCanceled ||
				c.Progress != (dialtone.CampaignProgress{Total: 2, Canceled: 2}) || c.CanceledAt == nil {
				t.Fatalf("cancel: %+v", c)
			}
			return id
		}
		t.Fatalf("no campaign in status %s", s)
		return ""
	}
	finish := func(id string, s dialtone.CampaignStatus) {
		t.Helper()
		switch s {
		case dialtone.CampaignRunning, dialtone.CampaignPaused:
			waitStatus(id, dialtone.CampaignRunning, func(c dialtone.Campaign) bool {
				return c.Progress == dialtone.CampaignProgress{Total: 2, Pending: 1, Calling: 1}
			})
			if s == dialtone.CampaignPaused {
				if c := mustAct(id, dialtone.CampaignPause); c.Status != dialtone.CampaignPaused {
					t.Fatalf("pause: %+v", c)
				}
			}
		case dialtone.CampaignCompleted:
			waitStatus(id, dialtone.CampaignCompleted, func(c dialtone.Campaign) bool {
				return c.Progress == dialtone.CampaignProgress{Total: 1, Failed: 1} && c.CompletedAt != nil
			})
		}
	}

	// conflict asserts r is campaign_state_conflict for a campaign in status s.
	conflict := func(r resp, s dialtone.CampaignStatus, what string) {
		t.Helper()
		e := wantError(t, env, r, dialtone.CodeCampaignStateConflict, "")
		var got []string
		list, ok := e.Details["allowed_actions"].([]any)
		for _, a := range list {
			got = append(got, fmt.Sprint(a))
		}
		var want []string
		for _, a := range allowed[s] {
			want = append(want, string(a))
		}
		if e.Details["status"] != string(s) || !ok || !slices.Equal(got, want) {
			t.Errorf("%s on a %s campaign: details %v, want status %s and allowed_actions %v", what, s, e.Details, s, want)
		}
	}

	// One campaign in each status, for everything that does not change it, and a fresh one
	// for each allowed (status, action) pair, since a successful action changes the status.
	base := map[dialtone.CampaignStatus]string{}
	fresh := map[string]string{} // "status action" → campaign
	for _, s := range dialtone.CampaignStatuses() {
		base[s] = begin(s)
		for _, a := range allowed[s] {
			fresh[string(s)+" "+string(a)] = begin(s)
		}
	}
	// Two more, with room for more calls, for dialing while paused.
	paused, running := create(5, ""), create(5, "")
	for _, id := range []string{paused, running} {
		addLeads(id, ring())
		mustAct(id, dialtone.CampaignStart)
	}
	for _, s := range dialtone.CampaignStatuses() {
		finish(base[s], s)
		for _, a := range allowed[s] {
			finish(fresh[string(s)+" "+string(a)], s)
		}
	}
	checkBase := func(when string) {
		t.Helper()
		for _, s := range dialtone.CampaignStatuses() {
			if c := getCampaign(t, env, env.Admin, base[s]); c.Status != s {
				t.Errorf("%s: the %s campaign is %s", when, s, c.Status)
			}
		}
	}
	checkBase("at first")

	// Every (status, action) pair.
	for _, s := range dialtone.CampaignStatuses() {
		for _, a := range dialtone.CampaignActions() {
			what := fmt.Sprintf("%s on a %s campaign", a, s)
			if !slices.Contains(allowed[s], a) {
				conflict(act(base[s], a), s, what)
				continue
			}
			id := fresh[string(s)+" "+string(a)]
			before := getCampaign(t, env, env.Admin, id)
			r := act(id, a)
			if r.Status != 200 {
				t.Errorf("%s: status %d: %s", what, r.Status, r.Raw)
				continue
			}
			c := decode[dialtone.Campaign](t, r.Raw)
			if c.Status != target[a] || c.ID != id {
				t.Errorf("%s: status %s, want %s", what, c.Status, target[a])
			}
			if a == dialtone.CampaignCancel {
				// Waiting leads are canceled; a lead being called stays calling.
				want := before.Progress
				want.Canceled, want.Pending = before.Progress.Pending, 0
				if c.Progress != want || c.CanceledAt == nil {
					t.Errorf("%s: progress %+v, canceled_at %v; want %+v", what, c.Progress, c.CanceledAt, want)
				}
				if got := getCampaign(t, env, env.Admin, id); got.Status != dialtone.CampaignCanceled || got.Progress != want {
					t.Errorf("%s: then GET says %s, %+v", what, got.Status, got.Progress)
				}
				for _, l := range campaignLeads(t, env, env.Admin, id) {
					if l.Status == dialtone.LeadPending {
						t.Errorf("%s: lead %s is still pending", what, l.ID)
					}
				}
			}
		}
	}
	checkBase("after the actions")

	// PATCH: a campaign that has not ended may change; an ended one may not.
	for _, s := range dialtone.CampaignStatuses() {
		r := call(t, env, "PATCH", "/v1/campaigns/"+base[s], env.Admin, `{"name":"Renamed `+string(s)+`"}`)
		if s.Editable() {
			mustStatus(t, r, 200)
			if c := decode[dialtone.Campaign](t, r.Raw); c.Name != "Renamed "+string(s) || c.Status != s {
				t.Errorf("PATCH on a %s campaign: %s", s, r.Raw)
			}
			continue
		}
		conflict(r, s, "PATCH")
		if c := getCampaign(t, env, env.Admin, base[s]); c.Name == "Renamed "+string(s) {
			t.Errorf("a refused PATCH renamed the %s campaign", s)
		}
	}
	checkBase("after PATCH")

	// New leads: only before the campaign ended.
	for _, s := range dialtone.CampaignStatuses() {
		before := getCampaign(t, env, env.Admin, base[s]).Progress.Total
		r := call(t, env, "POST", "/v1/campaigns/"+base[s]+"/leads", env.Admin, leadsJSON(ring()))
		if s.Editable() {
			mustStatus(t, r, 201)
			if up := decode[dialtone.LeadUpload](t, r.Raw); up.Added != 1 {
				t.Errorf("leads for a %s campaign: %s", s, r.Raw)
			}
		} else {
			conflict(r, s, "adding leads")
		}
		after := getCampaign(t, env, env.Admin, base[s]).Progress.Total
		if want := before + map[bool]int{true: 1, false: 0}[s.Editable()]; after != want {
			t.Errorf("a %s campaign has %d leads, want %d", s, after, want)
		}
	}
	checkBase("after adding leads")

	// A paused campaign dials nothing new, while a running one dials its new leads at once.
	for _, id := range []string{paused, running} {
		waitStatus(id, dialtone.CampaignRunning, func(c dialtone.Campaign) bool { return c.Progress.Calling == 1 })
	}
	mustAct(paused, dialtone.CampaignPause)
	if n := callCount(paused); n != 1 {
		t.Fatalf("the paused campaign has %d calls, want 1", n)
	}
	addLeads(paused, ring(), ring())
	// A change arms the paused campaign's dialer for a turn at once, queued before the
	// running campaign's turn for its new leads: by the time those are called, the paused
	// campaign's turn has run too (and a second later, surely).
	mustStatus(t, call(t, env, "PATCH", "/v1/campaigns/"+paused, env.Admin, `{"instructions":"Be brief."}`), 200)
	addLeads(running, ring(), ring())
	waitFor(t, "the running campaign to call its new leads", func() bool { return callCount(running) == 3 })
	time.Sleep(time.Second)
	if n := callCount(paused); n != 1 {
		t.Errorf("the paused campaign placed %d calls, want 1 (the one live when it was paused)", n)
	}
	if c := getCampaign(t, env, env.Admin, paused); c.Status != dialtone.CampaignPaused || c.Progress != (dialtone.CampaignProgress{Total: 3, Pending: 2, Calling: 1}) {
		t.Errorf("paused campaign: %s, %+v", c.Status, c.Progress)
	}
	// Resuming dials them: it arms a turn of the dialer at once.
	turns := dialTurns(t, env, paused)
	if c := mustAct(paused, dialtone.CampaignResume); c.Status != dialtone.CampaignRunning {
		t.Fatalf("resume: %+v", c)
	}
	// A turn armed before the pause (or one that fell due during it) must not stand in for
	// resume's own: resume always stores a campaign_dial job.
	if after := dialTurns(t, env, paused); after <= turns {
		t.Errorf("resume armed no dialer turn: %d campaign_dial jobs before, %d after", turns, after)
	}
	waitFor(t, "the resumed campaign to call its waiting leads", func() bool { return callCount(paused) == 3 })

	// DELETE: only a draft; then it is gone.
	for _, s := range dialtone.CampaignStatuses() {
		if s == dialtone.CampaignDraft {
			continue
		}
		conflict(call(t, env, "DELETE", "/v1/campaigns/"+base[s], env.Admin, ""), s, "DELETE")
	}
	checkBase("after refused deletes")
	r := call(t, env, "DELETE", "/v1/campaigns/"+base[dialtone.CampaignDraft], env.Admin, "")
	mustStatus(t, r, 200)
	if r.JSON["deleted"] != true || r.JSON["id"] != base[dialtone.CampaignDraft] {
		t.Errorf("delete: %s", r.Raw)
	}
	wantError(t, env, call(t, env, "GET", "/v1/campaigns/"+base[dialtone.CampaignDraft], env.Admin, ""), dialtone.CodeCampaignNotFound, "")
	wantError(t, env, call(t, env, "GET", "/v1/campaigns/"+base[dialtone.CampaignDraft]+"/leads", env.Admin, ""), dialtone.CodeCampaignNotFound, "")
	wantError(t, env, call(t, env, "DELETE", "/v1/campaigns/"+base[dialtone.CampaignDraft], env.Admin, ""), dialtone.CodeCampaignNotFound, "")
}

// dialTurns counts the campaign_dial jobs (of any state) of campaign id.
func dialTurns(t *testing.T, env *apitest.Env, id string) int {
	t.Helper()
	res, err := env.Jobs.Client().JobList(t.Context(), river.NewJobListParams().Kinds(core.CampaignDialJob{}.Kind()).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Jobs) == 1000 {
		t.Fatal("over 1000 campaign_dial jobs: count them page by page")
	}
	n := 0
	for _, j := range res.Jobs {
		var a core.CampaignDialJob
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			t.Fatal(err)
		}
		if a.CampaignID == id {
			n++
		}
	}
	return n
}
