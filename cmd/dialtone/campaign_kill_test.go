package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
)

// killLeads is how many leads the campaign of the SIGKILL test calls.
const killLeads = 600

// TestCampaignSurvivesSIGKILL is the acceptance test of the campaign dialer's crash safety:
// it kills the server with SIGKILL at five random moments during a campaign, restarting it on
// the same database each time, and checks that the campaign completes with every lead in a
// final status, no attempt placed twice (each attempt of a lead is one call, numbered
// 1, 2, … without a gap) and none skipped (a lead ends only when its last outcome is final or
// its attempts are spent; a call the crash cut off counts as a failed attempt, retried).
func TestCampaignSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it five times")
	}
	bin := buildBinary(t)
	eachStorage(t, func(t *testing.T, storage []string) { testCampaignKill(t, bin, storage) })
}

func testCampaignKill(t *testing.T, bin string, storage []string) {
	flags := append([]string{"--secret-key", testSecretKey, "--sandbox-time-scale", "0.01", "--max-concurrent-calls", "20",
		"--rate-limit-writes-per-minute", "1000000", "--rate-limit-reads-per-minute", "1000000",
		"--recordings-dir", t.TempDir()}, storage...)
	p := startProcess(t, bin, flags...)
	cred := p.cred
	var agent dialtone.Agent
	p.do(t, cred, "POST", "/v1/agents", `{"name":"Renewals","voicemail":{"action":"hang_up"}}`, &agent)
	var num dialtone.PhoneNumber
	p.do(t, cred, "POST", "/v1/phone-numbers", `{"agent_id":"`+agent.ID+`"}`, &num)
	var camp dialtone.Campaign
	p.do(t, cred, "POST", "/v1/campaigns", `{"name":"Crash","agent_id":"`+agent.ID+`","max_concurrent_calls":10,
		"retry":{"max_attempts":3,"backoff_minutes":0,"retry_on":["busy","failed"]}}`, &camp)
	endings := []string{"14", "10", "11", "12"} // answers, busy, no answer, voicemail
	leads := make([]string, killLeads)
	for i := range leads {
		leads[i] = fmt.Sprintf(`{"phone_number":"+14152%04d%s"}`, i, endings[i%len(endings)])
	}
	var up dialtone.LeadUpload
	p.do(t, cred, "POST", "/v1/campaigns/"+camp.ID+"/leads", `{"leads":[`+strings.Join(leads, ",")+`]}`, &up)
	p.do(t, cred, "POST", "/v1/campaigns/"+camp.ID+"/start", "", &camp)
	if t.Failed() || up.Added != killLeads {
		t.Fatalf("setup failed: %+v", up)
	}

	// Each kill comes at a random moment once the campaign moves again after the last
	// restart (its dead process's calls are ended by the survivors after 15 s).
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	done := 0
	for kill := range 5 {
		var c dialtone.Campaign
		for moved := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
			p.do(t, cred, "GET", "/v1/campaigns/"+camp.ID, "", &c)
			if c.Progress.Done() > done || t.Failed() || time.Now().After(moved) {
				break
			}
		}
		time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
		p.do(t, cred, "GET", "/v1/campaigns/"+camp.ID, "", &c)
		done = c.Progress.Done()
		p.kill(t)
		t.Logf("kill %d: SIGKILL with the campaign %s, %+v", kill+1, c.Status, c.Progress)
		p = startProcess(t, bin, flags...)
	}

	deadline := time.Now().Add(4 * time.Minute)
	for {
		var c dialtone.Campaign
		p.do(t, cred, "GET", "/v1/campaigns/"+camp.ID, "", &c)
		if c.Status == dialtone.CampaignCompleted {
			t.Logf("completed: %+v", c.Progress)
			break
		}
		if t.Failed() || time.Now().After(deadline) {
			t.Fatalf("campaign not completed: %s %+v", c.Status, c.Progress)
		}
		time.Sleep(250 * time.Millisecond)
	}

	calls := map[string][]dialtone.Call{}
	total, lost := 0, 0
	// Each page is decoded into a fresh list: decoding into the last one would write through
	// the pointers (timestamps) the calls kept from it.
	for path := "/v1/calls?limit=100&campaign_id=" + camp.ID; ; {
		var page dialtone.List[dialtone.Call]
		p.do(t, cred, "GET", path, "", &page)
		for _, c := range page.Data {
			calls[*c.LeadID] = append(calls[*c.LeadID], c)
			total++
			if c.EndedReason != nil && *c.EndedReason == dialtone.EndedNodeLost {
				lost++
			}
		}
		if t.Failed() || !page.HasMore {
			break
		}
		path = "/v1/calls?limit=100&campaign_id=" + camp.ID + "&starting_after=" + page.Data[len(page.Data)-1].ID
	}
	retry := []dialtone.LeadOutcome{dialtone.OutcomeBusy, dialtone.OutcomeFailed}
	bad, seen, attempts := 0, 0, 0
	for path := "/v1/campaigns/" + camp.ID + "/leads?limit=100"; ; {
		var page dialtone.List[dialtone.Lead]
		p.do(t, cred, "GET", path, "", &page)
		for _, l := range page.Data {
			seen++
			attempts += l.Attempts
			cs := calls[l.ID]
			slices.SortFunc(cs, func(a, b dialtone.Call) int { return a.Attempt - b.Attempt })
			var problem string
			switch {
			case l.Status != dialtone.LeadCompleted && l.Status != dialtone.LeadFailed:
				problem = fmt.Sprintf("ended %s", l.Status)
			case len(cs) != l.Attempts || l.Attempts < 1 || l.Attempts > 3:
				problem = fmt.Sprintf("%d calls for %d attempts", len(cs), l.Attempts)
			case l.Outcome == nil || dialtone.CallOutcome(cs[len(cs)-1]) != *l.Outcome:
				last := cs[len(cs)-1]
				problem = fmt.Sprintf("outcome %s, its last call's %s (%+v)", ptrString(l.Outcome), dialtone.CallOutcome(last), last)
			case slices.Contains(retry, *l.Outcome) && l.Attempts < 3:
				problem = fmt.Sprintf("skipped: ended %s after %d attempts though %s is retried up to 3", l.Status, l.Attempts, *l.Outcome)
			default:
				for i, c := range cs {
					if c.Attempt != i+1 || !c.Ended() || c.DialedAt == nil && c.EndedReason != nil && *c.EndedReason != dialtone.EndedNodeLost {
						problem = fmt.Sprintf("call %s is attempt %d of %d (%s)", c.ID, c.Attempt, len(cs), c.Status)
					}
				}
			}
			if problem != "" {
				if bad++; bad <= 5 {
					t.Errorf("lead %s (%s): %s", l.ID, l.PhoneNumber, problem)
				}
			}
		}
		if t.Failed() || !page.HasMore {
			break
		}
		path = "/v1/campaigns/" + camp.ID + "/leads?limit=100&starting_after=" + page.Data[len(page.Data)-1].ID
	}
	if bad > 0 || seen != killLeads || total != attempts {
		t.Fatalf("%d leads wrong; %d of %d leads listed; %d calls for %d attempts", bad, seen, killLeads, total, attempts)
	}
	t.Logf("%d calls for %d leads; %d ended node_lost by the kills, each retried or final", total, seen, lost)
}

// ptrString is *s, or "null".
func ptrString[S ~string](s *S) string {
	if s == nil {
		return "null"
	}
	return string(*s)
}
