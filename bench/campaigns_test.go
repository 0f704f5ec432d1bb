package bench

// The campaign benchmarks, recorded in docs/BENCHMARKS.md ("Campaigns"):
//
//   - BenchmarkLeadsCSV100k/{sqlite,postgres}: the time to accept a CSV file of 100,000
//     distinct, valid leads through the real server: POST /v1/campaigns/{id}/leads with the file
//     in the multipart form field "file", from the first byte sent to the last byte of the
//     answer read. Each iteration uploads to a fresh draft campaign (created with the timer
//     stopped). The answer must be a 201 with added=100000 and nothing rejected. It reports
//     ms/upload and rows/s.
//   - BenchmarkCampaignDialRate/cps={2,5,10}: how closely a running campaign keeps its
//     calls_per_second, on SQLite. A campaign of cps×dialSeconds leads, all sandbox numbers
//     that answer and hang up (...14), every sandbox delay scaled by dialScale so that calls
//     end long before the next one is due, and max_concurrent_calls far above what the rate
//     can keep live. After the campaign completes (or after dialDeadline, when it is
//     canceled and what was placed is measured), its calls are listed through the API and
//     the placement times are read from queued_at (the dialer stamps it when it places a
//     call) and, separately, from dialed_at (when the dispatcher handed the call to the
//     carrier). It reports the achieved rate (n-1)/(last-first), its error against the
//     target in percent, and the p50/p99/max gap between consecutive placements (the ideal
//     gap is 1000/cps ms). Run it with -benchtime=1x: one campaign per run.
//
// Command (docs/BENCHMARKS.md):
//
//	go test -run '^$' -bench 'LeadsCSV100k|CampaignDialRate' -benchtime=1x -count=3 ./bench/

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/core"
)

const (
	// leadsRows is the number of data rows of the CSV upload: dialtone.MaxLeadImportRows.
	leadsRows = 100_000
	// uploadTimeout bounds one upload; reaching it is a hang, not a slow machine.
	uploadTimeout = 5 * time.Minute

	// dialScale multiplies the sandbox's delays and the server's call timers: a call to
	// ...14 lasts about 45 ms (dial 0.5 s, ring 2 s, talk 2 s, scaled), well under the
	// 100 ms between calls at 10 calls/s.
	dialScale = 0.01
	// dialSeconds is how long a campaign should take at its rate: it has cps×dialSeconds
	// leads.
	dialSeconds = 6
	// dialLive is the organization's cap on live calls and the campaign's
	// max_concurrent_calls: far above the one or two calls the rate keeps live.
	dialLive = 200
	// dialPoll is the pause between reads of the campaign while waiting for it to complete.
	dialPoll = 50 * time.Millisecond
)

// leadAreaCodes are the US area codes of the generated numbers.
var leadAreaCodes = []string{"201", "202", "212", "213", "303", "305", "312", "404", "415", "503", "512",
	"602", "617", "646", "702", "713", "718", "773", "801", "818", "917"}

// leadZones are the timezone cells of the CSV; "" leaves the zone to the number.
var leadZones = []string{"America/New_York", "", "America/Chicago", "America/Los_Angeles", "", "America/Denver"}

// dialDeadline is the longest a dial-rate run waits for its campaign to complete: twice the
// time the rate asks for, plus 3 s. A campaign still running then is canceled, and the calls
// it placed are measured (the metric "placed" says how many of the leads were called).
func dialDeadline(cps int) time.Duration {
	return 2*time.Duration(float64(time.Second)*float64(cps*dialSeconds-1)/float64(cps)) + 3*time.Second
}

// leadsUpload is the multipart body of the 100k-row upload and its Content-Type, built once
// per test binary.
var leadsUpload = sync.OnceValues(func() (body []byte, contentType string) {
	var csv bytes.Buffer
	csv.Grow(leadsRows * 48)
	csv.WriteString("phone_number,first_name,timezone\n")
	// Candidate i is area code i%21, exchange 200+(i/21)%800, line a multiple of 1237 chosen
	// by i/16800: distinct for distinct i. Candidates core.CheckE164 refuses (the server's
	// own check) are left out, so that every row is valid.
	rows := 0
	for i := 0; rows < leadsRows; i++ {
		na := len(leadAreaCodes)
		area, exchange, line := leadAreaCodes[i%na], 200+(i/na)%800, (i/(na*800))*1237%10000
		number := fmt.Sprintf("+1%s%03d%04d", area, exchange, line)
		if core.CheckE164(number) != nil {
			continue
		}
		fmt.Fprintf(&csv, "%s,Lead%d,%s\n", number, rows, leadZones[rows%len(leadZones)])
		rows++
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "leads.csv")
	if err == nil {
		_, err = fw.Write(csv.Bytes())
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		panic(err) // writing to memory
	}
	return buf.Bytes(), mw.FormDataContentType()
})

// campaignTarget is a running server with an agent, ready to run campaigns.
type campaignTarget struct {
	env     *apitest.Env
	client  *http.Client
	agentID string
}

// newCampaignTarget starts the real server over dialect with opts (plus unlimited rate
// limits) and creates an agent with a sandbox number through the API (a campaign's agent
// needs a number to call from, even to be created).
func newCampaignTarget(tb testing.TB, dialect string, opts apitest.Options) *campaignTarget {
	tb.Helper()
	opts.ReadsPerMinute, opts.WritesPerMinute = unlimited, unlimited
	env := apitest.Start(tb, dialect, opts)
	tr := &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}
	tb.Cleanup(tr.CloseIdleConnections)
	t := &campaignTarget{env: env, client: &http.Client{Transport: tr, Timeout: uploadTimeout}}
	var agent struct{ ID string }
	if err := t.do("POST", "/v1/agents", "application/json", []byte(agentBody), http.StatusCreated, &agent); err != nil {
		tb.Fatalf("create agent: %v", err)
	}
	t.agentID = agent.ID
	if err := t.do("POST", "/v1/phone-numbers", "application/json", []byte(`{"agent_id":"`+agent.ID+`"}`), http.StatusCreated, nil); err != nil {
		tb.Fatalf("create phone number: %v", err)
	}
	return t
}

// do sends body (nil: none) as the admin and checks the status is want; out, when not nil,
// receives the JSON answer.
func (t *campaignTarget) do(method, path, contentType string, body []byte, want int, out any) error {
	req, err := http.NewRequest(method, t.env.URL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+t.env.Admin)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("%s %s: read body: %v", method, path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d, body %.2000s", method, path, resp.StatusCode, want, buf.Bytes())
	}
	if out != nil {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			return fmt.Errorf("%s %s: %v in %.2000s", method, path, err, buf.Bytes())
		}
	}
	return nil
}

// newCampaign creates a draft campaign of the agent with the JSON fields extra and returns
// its id.
func (t *campaignTarget) newCampaign(extra string) (string, error) {
	var c dialtone.Campaign
	body := `{"name":"Bench","agent_id":"` + t.agentID + `"` + extra + `}`
	if err := t.do("POST", "/v1/campaigns", "application/json", []byte(body), http.StatusCreated, &c); err != nil {
		return "", err
	}
	if c.Status != dialtone.CampaignDraft {
		return "", fmt.Errorf("new campaign %s is %s, not a draft", c.ID, c.Status)
	}
	return c.ID, nil
}

// BenchmarkLeadsCSV100k measures accepting a 100,000-row CSV of leads over HTTP.
func BenchmarkLeadsCSV100k(b *testing.B) {
	body, contentType := leadsUpload()
	// The server's own check must accept the numbers: a sample, checked again here.
	for i, line := range strings.Split(string(body), "\n") {
		if i%997 != 1 {
			continue
		}
		if number, _, ok := strings.Cut(line, ","); ok && strings.HasPrefix(number, "+1") && core.CheckE164(number) != nil {
			b.Fatalf("generated number %s is not valid: %v", number, core.CheckE164(number))
		}
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			t := newCampaignTarget(b, dialect, apitest.Options{})
			var spent time.Duration
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				id, err := t.newCampaign(`,"max_concurrent_calls":1`)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				var rep dialtone.LeadUpload
				err = t.do("POST", "/v1/campaigns/"+id+"/leads", contentType, body, http.StatusCreated, &rep)
				spent += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Added != leadsRows || len(rep.Rejected) != 0 {
					b.Fatalf("upload: added %d, want %d; rejected %+v", rep.Added, leadsRows, rep.Rejected)
				}
			}
			b.StopTimer()
			per := spent / time.Duration(b.N)
			b.ReportMetric(float64(per)/float64(time.Millisecond), "ms/upload")
			b.ReportMetric(leadsRows/per.Seconds(), "rows/s")
		})
	}
}

// dialNumbers returns n distinct sandbox numbers that answer and hang up: +1 NPA 555 XX14,
// the area codes of leadAreaCodes in turn, XX counting up. Numbers core.CheckE164 refuses
// are left out.
func dialNumbers(tb testing.TB, n int) []string {
	tb.Helper()
	out := make([]string, 0, n)
	for i := 0; len(out) < n; i++ {
		if i >= 100*len(leadAreaCodes) {
			tb.Fatalf("only %d valid sandbox numbers, want %d", len(out), n)
		}
		number := fmt.Sprintf("+1%s555%02d14", leadAreaCodes[i%len(leadAreaCodes)], i/len(leadAreaCodes))
		if core.CheckE164(number) == nil {
			out = append(out, number)
		}
	}
	return out
}

// placement is what the times of one campaign run's calls say about its pace.
type placement struct {
	rate                   float64 // (n-1)/(last-first), calls/s; NaN for fewer than 2 calls
	gapP50, gapP99, gapMax time.Duration
	n                      int
}

// measurePlacement reads the pace from the placement times at (any order).
func measurePlacement(at []time.Time) placement {
	slices.SortFunc(at, time.Time.Compare)
	p := placement{n: len(at), rate: math.NaN()}
	if len(at) < 2 {
		return p
	}
	p.rate = float64(len(at)-1) / at[len(at)-1].Sub(at[0]).Seconds()
	gaps := make([]time.Duration, len(at)-1)
	for i := range gaps {
		gaps[i] = at[i+1].Sub(at[i])
	}
	slices.Sort(gaps)
	pct := func(q float64) time.Duration { return gaps[max(0, int(math.Ceil(q*float64(len(gaps))))-1)] }
	p.gapP50, p.gapP99, p.gapMax = pct(0.50), pct(0.99), gaps[len(gaps)-1]
	return p
}

// campaignCalls lists every call of campaign id through the API.
func (t *campaignTarget) campaignCalls(id string) ([]dialtone.Call, error) {
	var out []dialtone.Call
	path := "/v1/calls?limit=100&campaign_id=" + id
	for {
		var page dialtone.List[dialtone.Call]
		if err := t.do("GET", path, "", nil, http.StatusOK, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Data...)
		if !page.HasMore || len(page.Data) == 0 {
			return out, nil
		}
		path = "/v1/calls?limit=100&campaign_id=" + id + "&starting_after=" + page.Data[len(page.Data)-1].ID
	}
}

// BenchmarkCampaignDialRate measures how closely a campaign keeps its calls_per_second.
func BenchmarkCampaignDialRate(b *testing.B) {
	for _, cps := range []int{2, 5, 10} {
		b.Run(fmt.Sprintf("cps=%d", cps), func(b *testing.B) {
			leads := cps * dialSeconds
			numbers := dialNumbers(b, leads)
			parts := make([]string, len(numbers))
			for i, n := range numbers {
				parts[i] = `{"phone_number":"` + n + `","variables":{"first_name":"Lead ` + fmt.Sprint(i) + `"}}`
			}
			batch := []byte(`{"leads":[` + strings.Join(parts, ",") + `]}`)
			t := newCampaignTarget(b, "sqlite", apitest.Options{TimeScale: dialScale, MaxConcurrentCalls: dialLive})
			target := float64(cps)
			var queued, dialed placement
			var placed, completed, runs int
			var elapsed time.Duration
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				id, err := t.newCampaign(fmt.Sprintf(`,"max_concurrent_calls":%d,"calls_per_second":%d`, dialLive, cps))
				if err != nil {
					b.Fatal(err)
				}
				var rep dialtone.LeadUpload
				if err := t.do("POST", "/v1/campaigns/"+id+"/leads", "application/json", batch, http.StatusCreated, &rep); err != nil {
					b.Fatal(err)
				}
				if rep.Added != leads {
					b.Fatalf("leads: added %d, want %d; rejected %+v", rep.Added, leads, rep.Rejected)
				}
				b.StartTimer()
				start := time.Now()
				if err := t.do("POST", "/v1/campaigns/"+id+"/start", "", nil, http.StatusOK, nil); err != nil {
					b.Fatal(err)
				}
				deadline := start.Add(dialDeadline(cps))
				done := false
				for !done && time.Now().Before(deadline) {
					var c dialtone.Campaign
					if err := t.do("GET", "/v1/campaigns/"+id, "", nil, http.StatusOK, &c); err != nil {
						b.Fatal(err)
					}
					if done = c.Status == dialtone.CampaignCompleted; !done {
						time.Sleep(dialPoll)
					}
				}
				elapsed += time.Since(start)
				b.StopTimer()
				if !done { // too slow: measure what was placed ("completed" 0, "placed" under the leads)
					if err := t.do("POST", "/v1/campaigns/"+id+"/cancel", "", nil, http.StatusOK, nil); err != nil {
						// It may have completed since it was last read (409).
						var c dialtone.Campaign
						if gerr := t.do("GET", "/v1/campaigns/"+id, "", nil, http.StatusOK, &c); gerr != nil || c.Status != dialtone.CampaignCompleted {
							b.Fatal(err)
						}
						done = true
					}
				}
				if done {
					completed++
				}
				calls, err := t.campaignCalls(id)
				if err != nil {
					b.Fatal(err)
				}
				if done && len(calls) != leads {
					b.Fatalf("the completed campaign has %d calls, want %d", len(calls), leads)
				}
				var q, d []time.Time
				for _, c := range calls {
					q = append(q, c.QueuedAt)
					if c.DialedAt != nil {
						d = append(d, *c.DialedAt)
					}
				}
				// Runs are averaged (b.N is 1 with -benchtime=1x).
				qp, dp := measurePlacement(q), measurePlacement(d)
				queued.rate += qp.rate
				queued.gapP50 += qp.gapP50
				queued.gapP99 += qp.gapP99
				queued.gapMax = max(queued.gapMax, qp.gapMax)
				dialed.rate += dp.rate
				placed += len(calls)
				runs++
			}
			n := float64(runs)
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / n }
			b.ReportMetric(queued.rate/n, "calls/s")
			b.ReportMetric((queued.rate/n-target)/target*100, "err%")
			b.ReportMetric(ms(queued.gapP50), "gap-p50-ms")
			b.ReportMetric(ms(queued.gapP99), "gap-p99-ms")
			b.ReportMetric(float64(queued.gapMax)/float64(time.Millisecond), "gap-max-ms")
			b.ReportMetric(dialed.rate/n, "dialed-calls/s")
			b.ReportMetric((dialed.rate/n-target)/target*100, "dialed-err%")
			b.ReportMetric(float64(placed)/n, "placed")
			b.ReportMetric(float64(completed)/n, "completed")
			b.ReportMetric(elapsed.Seconds()/n, "run-s")
		})
	}
}
