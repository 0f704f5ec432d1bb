package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

// campaignAPI is a scripted stand-in for the campaign routes of the API: it records every
// request and answers from its fields.
type campaignAPI struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []campaignRequest
	// progress is what successive GETs of the campaign answer; the last one repeats.
	progress []dialtone.Campaign
	gets     int
}

type campaignRequest struct {
	method, path, query, contentType string
	body                             []byte
}

func newCampaignAPI(t *testing.T) *campaignAPI {
	t.Helper()
	a := &campaignAPI{}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.Close)
	t.Setenv("DIALTONE_URL", a.URL)
	t.Setenv("DIALTONE_API_KEY", "key_test:dts_test")
	return a
}

func (a *campaignAPI) requests() []campaignRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]campaignRequest(nil), a.reqs...)
}

func (a *campaignAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	a.reqs = append(a.reqs, campaignRequest{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), body})
	a.mu.Unlock()
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	cmp := func(status dialtone.CampaignStatus) dialtone.Campaign {
		return dialtone.Campaign{ID: "cmp_1", Object: "campaign", Name: "Spring", Status: status}
	}
	route := r.Method + " " + r.URL.Path
	switch {
	case route == "POST /v1/campaigns":
		var c dialtone.Campaign
		_ = json.Unmarshal(body, &c)
		c.ID, c.Object, c.Status = "cmp_1", "campaign", dialtone.CampaignDraft
		reply(http.StatusCreated, c)
	case route == "GET /v1/campaigns":
		reply(http.StatusOK, dialtone.NewList([]dialtone.Campaign{cmp(dialtone.CampaignRunning)}, false))
	case route == "GET /v1/campaigns/cmp_1":
		a.mu.Lock()
		c := cmp(dialtone.CampaignDraft)
		if len(a.progress) > 0 {
			c = a.progress[min(a.gets, len(a.progress)-1)]
		}
		a.gets++
		a.mu.Unlock()
		reply(http.StatusOK, c)
	case strings.HasPrefix(route, "GET /v1/campaigns/cmp_missing"):
		reply(http.StatusNotFound, map[string]any{"error": map[string]any{"type": "not_found", "code": "campaign_not_found",
			"message": "No such campaign.", "request_id": "req_1"}})
	case route == "POST /v1/campaigns/cmp_1/start":
		reply(http.StatusOK, cmp(dialtone.CampaignScheduled))
	case route == "POST /v1/campaigns/cmp_1/pause":
		reply(http.StatusOK, cmp(dialtone.CampaignPaused))
	case route == "POST /v1/campaigns/cmp_1/resume":
		reply(http.StatusOK, cmp(dialtone.CampaignRunning))
	case route == "POST /v1/campaigns/cmp_1/cancel":
		reply(http.StatusOK, cmp(dialtone.CampaignCanceled))
	case route == "POST /v1/campaigns/cmp_1/leads":
		rejected := []dialtone.ImportRejection{
			{Reason: dialtone.ImportRejectInvalidPhone, Rows: []int{3, 5, 6, 7}, Message: "Not a valid E.164 number."},
			{Reason: dialtone.ImportRejectDuplicate, Rows: []int{9}, Message: "Repeated earlier in the upload."},
		}
		if r.URL.Query().Get("skip_invalid") == "true" {
			reply(http.StatusCreated, dialtone.LeadUpload{Object: "lead_upload", Added: 4, Rejected: rejected})
			return
		}
		reply(http.StatusUnprocessableEntity, map[string]any{"error": map[string]any{"type": "unprocessable",
			"code": "leads_rejected", "message": "Some leads were rejected, so none were added.", "request_id": "req_2",
			"details": map[string]any{"rejected": rejected, "valid": 4}}})
	case route == "GET /v1/campaigns/cmp_1/leads":
		reply(http.StatusOK, dialtone.NewList([]dialtone.Lead{{ID: "lead_1", Object: "lead", Status: dialtone.LeadPending}}, false))
	default:
		reply(http.StatusNotFound, map[string]any{"error": map[string]any{"type": "not_found", "code": "unknown_route", "message": route}})
	}
}

func TestCampaignCommands(t *testing.T) {
	api := newCampaignAPI(t)
	out, err := run(t, "campaigns", "create", "--name", "Spring", "--agent", "agt_1", "--max-concurrent", "5",
		"--from", "+14155550100", "--from", "+14155550101,+14155550102", "--cps", "2.5", "--timezone", "America/New_York",
		"--window", "mon-fri@09:00-17:00", "--window", "sat,sun@10:00-12:30", "--start-at", "2030-01-02T09:00:00-05:00",
		"--end-at", "2030-02-01T00:00:00Z", "--retry-attempts", "3", "--retry-backoff", "30", "--retry-on", "busy,voicemail",
		"--instructions", "Be brief.", "--metadata", "crm=7")
	var c dialtone.Campaign
	if err != nil || json.Unmarshal([]byte(out), &c) != nil || c.ID != "cmp_1" || c.Status != dialtone.CampaignDraft {
		t.Fatalf("create: %v %s", err, out)
	}
	var sent struct {
		Name               string
		AgentID            string   `json:"agent_id"`
		FromNumbers        []string `json:"from_numbers"`
		MaxConcurrentCalls int      `json:"max_concurrent_calls"`
		CallsPerSecond     float64  `json:"calls_per_second"`
		Instructions       string
		Schedule           dialtone.CampaignSchedule
		Retry              dialtone.RetryPolicy
		Metadata           map[string]string
	}
	reqs := api.requests()
	if err := json.Unmarshal(reqs[0].body, &sent); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2030, 1, 2, 14, 0, 0, 0, time.UTC)
	if sent.Name != "Spring" || sent.AgentID != "agt_1" || sent.MaxConcurrentCalls != 5 || sent.CallsPerSecond != 2.5 ||
		strings.Join(sent.FromNumbers, " ") != "+14155550100 +14155550101 +14155550102" || sent.Instructions != "Be brief." ||
		sent.Metadata["crm"] != "7" || sent.Schedule.Timezone != "America/New_York" || sent.Schedule.StartAt == nil ||
		!sent.Schedule.StartAt.Equal(start) || sent.Schedule.EndAt == nil ||
		!reflect.DeepEqual(sent.Schedule.Windows, []dialtone.CallingWindow{
			{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "17:00"},
			{Days: []string{"sat", "sun"}, Start: "10:00", End: "12:30"}}) ||
		!reflect.DeepEqual(sent.Retry, dialtone.RetryPolicy{MaxAttempts: 3, BackoffMinutes: 30,
			RetryOn: []dialtone.LeadOutcome{dialtone.OutcomeBusy, dialtone.OutcomeVoicemail}}) {
		t.Errorf("create sent %s", reqs[0].body)
	}

	// The least: only the required flags send only them.
	if _, err := run(t, "campaigns", "create", "--name", "Min", "--agent", "agt_1", "--max-concurrent", "1"); err != nil {
		t.Fatal(err)
	}
	reqs = api.requests()
	if got := string(reqs[len(reqs)-1].body); got != `{"name":"Min","agent_id":"agt_1","max_concurrent_calls":1}` {
		t.Errorf("minimal create sent %s", got)
	}
	// Only a retry count: the documented defaults fill the policy; a window without a zone: UTC.
	if _, err := run(t, "campaigns", "create", "--name", "R", "--agent", "agt_1", "--max-concurrent", "1", "--retry-attempts", "2", "--window", "mon@09:00-10:00"); err != nil {
		t.Fatal(err)
	}
	reqs = api.requests()
	if got := string(reqs[len(reqs)-1].body); !strings.Contains(got, `"retry":{"max_attempts":2,"backoff_minutes":60,"retry_on":["busy","no_answer"]}`) ||
		!strings.Contains(got, `"timezone":"UTC"`) {
		t.Errorf("retry defaults sent %s", got)
	}

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--window", "mon-fri 09:00-17:00"}, "no @"},
		{[]string{"--window", "funday@09:00-17:00"}, `"funday" is not a day`},
		{[]string{"--start-at", "tomorrow"}, "--start-at \"tomorrow\": want an RFC 3339 time"},
		{[]string{"--retry-on", "busy"}, "need --retry-attempts"},
		{[]string{"--retry-attempts", "2", "--retry-on", "angry"}, `--retry-on "angry"`},
		{[]string{"--metadata", "x"}, "want key=value"},
	} {
		args := append([]string{"campaigns", "create", "--name", "X", "--agent", "agt_1", "--max-concurrent", "1"}, bad.args...)
		if _, err := run(t, args...); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("create %v: %v, want %q", bad.args, err, bad.want)
		}
	}
	if _, err := run(t, "campaigns", "create", "--name", "X", "--agent", "agt_1"); err == nil || !strings.Contains(err.Error(), "max-concurrent") {
		t.Errorf("without --max-concurrent: %v", err)
	}

	for action, want := range map[string]dialtone.CampaignStatus{"start": dialtone.CampaignScheduled, "pause": dialtone.CampaignPaused,
		"resume": dialtone.CampaignRunning, "cancel": dialtone.CampaignCanceled} {
		out, err := run(t, "campaigns", action, "cmp_1")
		if err != nil || json.Unmarshal([]byte(out), &c) != nil || c.Status != want {
			t.Errorf("%s: %v %s", action, err, out)
		}
		reqs := api.requests()
		if r := reqs[len(reqs)-1]; r.method != "POST" || r.path != "/v1/campaigns/cmp_1/"+action || len(r.body) != 0 {
			t.Errorf("%s sent %s %s %q", action, r.method, r.path, r.body)
		}
	}

	out, err = run(t, "campaigns", "list", "--status", "running", "--limit", "5")
	var list []dialtone.Campaign
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 {
		t.Fatalf("list: %v %s", err, out)
	}
	reqs = api.requests()
	if r := reqs[len(reqs)-1]; r.path != "/v1/campaigns" || r.query != "limit=5&status=running" {
		t.Errorf("list sent %s?%s", r.path, r.query)
	}
	if out, err = run(t, "campaigns", "get", "cmp_1"); err != nil || json.Unmarshal([]byte(out), &c) != nil || c.ID != "cmp_1" {
		t.Fatalf("get: %v %s", err, out)
	}
	if _, err = run(t, "campaigns", "get", "cmp_missing"); err == nil || !strings.Contains(err.Error(), "campaign_not_found") {
		t.Errorf("get unknown: %v", err)
	}
	out, err = run(t, "campaigns", "leads", "cmp_1", "--status", "pending")
	var leads []dialtone.Lead
	if err != nil || json.Unmarshal([]byte(out), &leads) != nil || len(leads) != 1 || leads[0].ID != "lead_1" {
		t.Fatalf("leads: %v %s", err, out)
	}
	reqs = api.requests()
	if r := reqs[len(reqs)-1]; r.path != "/v1/campaigns/cmp_1/leads" || r.query != "limit=20&status=pending" {
		t.Errorf("leads sent %s?%s", r.path, r.query)
	}
	if _, err := run(t, "campaigns", "leads", "cmp_1", "--limit", "-1"); err == nil || !strings.Contains(err.Error(), "--limit") {
		t.Errorf("negative limit: %v", err)
	}
}

func TestCampaignUpload(t *testing.T) {
	api := newCampaignAPI(t)
	csv := "phone_number,name\n+14155550101,Ada\nnope,Bob\n"
	file := filepath.Join(t.TempDir(), "leads.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}

	out, err := run(t, "campaigns", "upload", "cmp_1", file, "--skip-invalid")
	if err != nil {
		t.Fatalf("upload --skip-invalid: %v %s", err, out)
	}
	for _, want := range []string{"Added 4 leads to cmp_1.", "Skipped 5 rejected rows:",
		"  invalid_phone_number: rows 3, 5-7 (Not a valid E.164 number.)", "  duplicate: row 9 (Repeated earlier in the upload.)"} {
		if !strings.Contains(out, want) {
			t.Errorf("upload printed no %q:\n%s", want, out)
		}
	}
	r := api.requests()[0]
	mt, params, _ := mime.ParseMediaType(r.contentType)
	if r.method != "POST" || r.path != "/v1/campaigns/cmp_1/leads" || r.query != "skip_invalid=true" || mt != "multipart/form-data" {
		t.Fatalf("upload sent %s %s?%s %s", r.method, r.path, r.query, r.contentType)
	}
	part, err := multipart.NewReader(bytes.NewReader(r.body), params["boundary"]).NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(part); part.FormName() != "file" || string(got) != csv {
		t.Errorf("upload part %q = %q", part.FormName(), got)
	}

	// Without --skip-invalid the server refuses the batch: the rows are printed, the command fails.
	out, err = run(t, "campaigns", "upload", "cmp_1", file)
	if err == nil || !strings.Contains(err.Error(), "leads_rejected") {
		t.Fatalf("upload with rejected rows: %v", err)
	}
	for _, want := range []string{"No leads were added: 5 rejected, 4 valid.", "--skip-invalid",
		"  invalid_phone_number: rows 3, 5-7 (Not a valid E.164 number.)", "  duplicate: row 9"} {
		if !strings.Contains(out, want) {
			t.Errorf("refused upload printed no %q:\n%s", want, out)
		}
	}
	if reqs := api.requests(); reqs[len(reqs)-1].query != "" {
		t.Errorf("upload without --skip-invalid sent query %q", reqs[len(reqs)-1].query)
	}
	if _, err := run(t, "campaigns", "upload", "cmp_1", filepath.Join(t.TempDir(), "none.csv")); err == nil || !strings.Contains(err.Error(), "none.csv") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := run(t, "campaigns", "upload", "cmp_1"); err == nil {
		t.Error("upload without a file succeeded")
	}
}

func TestCampaignFormatRows(t *testing.T) {
	for _, tc := range []struct {
		rows []int
		max  int
		want string
	}{
		{nil, 20, ""},
		{[]int{2}, 20, "2"},
		{[]int{2, 3, 4, 7, 9, 10}, 20, "2-4, 7, 9-10"},
		{[]int{2, 4, 6, 7, 8, 10}, 2, "2, 4 and 4 more"},
	} {
		if got := formatRows(tc.rows, tc.max); got != tc.want {
			t.Errorf("formatRows(%v, %d) = %q, want %q", tc.rows, tc.max, got, tc.want)
		}
	}
}

func TestCampaignWindowSyntax(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want dialtone.CallingWindow
		err  string
	}{
		{in: "mon-fri@09:00-17:00", want: dialtone.CallingWindow{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "17:00"}},
		{in: "mon,wed,fri@09:00-12:00", want: dialtone.CallingWindow{Days: []string{"mon", "wed", "fri"}, Start: "09:00", End: "12:00"}},
		{in: "sun@00:00-24:00", want: dialtone.CallingWindow{Days: []string{"sun"}, Start: "00:00", End: "24:00"}},
		{in: "fri-mon@18:00-20:00", want: dialtone.CallingWindow{Days: []string{"mon", "fri", "sat", "sun"}, Start: "18:00", End: "20:00"}},
		{in: " Sat, mon-tue, sat @08:30-09:00", want: dialtone.CallingWindow{Days: []string{"mon", "tue", "sat"}, Start: "08:30", End: "09:00"}},
		{in: "mon-fri,09:00-17:00", err: "no @"},
		{in: "mon@09:00", err: "no - between"},
		{in: "monday@09:00-10:00", err: `"monday" is not a day`},
		{in: "@09:00-10:00", err: `"" is not a day`},
		{in: "mon@9:00-10:00", err: `start "9:00"`},
		{in: "mon@24:00-24:00", err: `start "24:00"`},
		{in: "mon@09:00-25:00", err: `end "25:00"`},
		{in: "mon@17:00-09:00", err: "cannot cross midnight"},
		{in: "mon@09:00-09:00", err: "must come before"},
	} {
		got, err := parseWindow(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("parseWindow(%q) = %v, want an error with %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || !reflect.DeepEqual(got, tc.want)):
			t.Errorf("parseWindow(%q) = %+v, %v, want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestRenderCampaignProgress(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	for _, tc := range []struct {
		name  string
		c     dialtone.Campaign
		width int
		want  string
	}{
		{"no leads", dialtone.Campaign{Status: dialtone.CampaignDraft}, 0,
			"draft [--------------------] 0/0 0%  ETA —  pending 0  calling 0  completed 0  failed 0  skipped 0  canceled 0"},
		{"half done", dialtone.Campaign{Status: dialtone.CampaignRunning, ETA: at(3*time.Minute + 12*time.Second + 300*time.Millisecond),
			Progress: dialtone.CampaignProgress{Total: 20, Pending: 8, Calling: 2, Completed: 7, Failed: 1, Skipped: 1, Canceled: 1}}, 0,
			"running [##########----------] 10/20 50%  ETA 3m12s  pending 8  calling 2  completed 7  failed 1  skipped 1  canceled 1"},
		{"all done", dialtone.Campaign{Status: dialtone.CampaignCompleted,
			Progress: dialtone.CampaignProgress{Total: 3, Completed: 2, Failed: 1}}, 0,
			"completed [####################] 3/3 100%  ETA —  pending 0  calling 0  completed 2  failed 1  skipped 0  canceled 0"},
		{"ETA nil while running", dialtone.Campaign{Status: dialtone.CampaignRunning,
			Progress: dialtone.CampaignProgress{Total: 4, Pending: 3, Calling: 1}}, 0,
			"running [--------------------] 0/4 0%  ETA —  pending 3  calling 1  completed 0  failed 0  skipped 0  canceled 0"},
		{"ETA past", dialtone.Campaign{Status: dialtone.CampaignRunning, ETA: at(-time.Minute),
			Progress: dialtone.CampaignProgress{Total: 1, Calling: 1}}, 0,
			"running [--------------------] 0/1 0%  ETA 0s  pending 0  calling 1  completed 0  failed 0  skipped 0  canceled 0"},
		{"110 columns: the bar shrinks to fit", dialtone.Campaign{Status: dialtone.CampaignPaused, ETA: at(2*time.Hour + 5*time.Minute),
			Progress: dialtone.CampaignProgress{Total: 4, Pending: 3, Completed: 1}}, 110,
			"paused [###---------] 1/4 25%  ETA 2h05m  pending 3  calling 0  completed 1  failed 0  skipped 0  canceled 0"},
		{"100 columns: abbreviated counts", dialtone.Campaign{Status: dialtone.CampaignRunning, ETA: at(90 * time.Second),
			Progress: dialtone.CampaignProgress{Total: 250, Pending: 100, Calling: 10, Completed: 120, Failed: 15, Skipped: 3, Canceled: 2}}, 100,
			"running [######------] 140/250 56%  ETA 1m30s  pend 100 call 10 ok 120 fail 15 skip 3 canc 2"},
		{"79 columns: counts in letters", dialtone.Campaign{Status: dialtone.CampaignRunning, ETA: at(90 * time.Second),
			Progress: dialtone.CampaignProgress{Total: 250, Pending: 100, Calling: 10, Completed: 120, Failed: 15, Skipped: 3, Canceled: 2}}, 79,
			"running [#####-----] 140/250 56%  ETA 1m30s  p:100 c:10 ok:120 f:15 s:3 x:2"},
		{"long counts in 79 columns: the last counts are cut", dialtone.Campaign{Status: dialtone.CampaignRunning, ETA: at(45 * time.Second),
			Progress: dialtone.CampaignProgress{Total: 1_000_000, Pending: 333_333, Calling: 100, Completed: 600_000, Failed: 66_567}}, 79,
			"running [######----] 666567/1000000 66%  ETA 45s  p:333333 c:100 ok:600000…"},
		{"long counts, unbounded", dialtone.Campaign{Status: dialtone.CampaignRunning,
			Progress: dialtone.CampaignProgress{Total: 1_000_000, Pending: 333_333, Calling: 100, Completed: 600_000, Failed: 66_567}}, 0,
			"running [#############-------] 666567/1000000 66%  ETA —  pending 333333  calling 100  completed 600000  failed 66567  skipped 0  canceled 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := renderCampaignProgress(tc.c, now, tc.width)
			if tc.width > 0 && utf8.RuneCountInString(got) > tc.width {
				t.Errorf("%d columns, wider than %d: %q", utf8.RuneCountInString(got), tc.width, got)
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	// Whatever the width, the line never overflows it.
	c := dialtone.Campaign{Status: dialtone.CampaignRunning, ETA: at(time.Hour),
		Progress: dialtone.CampaignProgress{Total: 1_000_000, Pending: 1_000_000}}
	for width := 1; width <= 200; width++ {
		if got := renderCampaignProgress(c, now, width); utf8.RuneCountInString(got) > width {
			t.Fatalf("width %d: %q", width, got)
		}
	}
	if got := renderCampaignProgress(c, now, 30); got != "running [----------]…" {
		t.Errorf("cut at 30: %q", got)
	}
}

func TestCampaignWatch(t *testing.T) {
	api := newCampaignAPI(t)
	t.Setenv("COLUMNS", "80")
	step := func(status dialtone.CampaignStatus, pending, calling, completed int) dialtone.Campaign {
		return dialtone.Campaign{ID: "cmp_1", Object: "campaign", Status: status,
			Progress: dialtone.CampaignProgress{Total: 4, Pending: pending, Calling: calling, Completed: completed}}
	}
	api.progress = []dialtone.Campaign{
		step(dialtone.CampaignScheduled, 4, 0, 0),
		step(dialtone.CampaignRunning, 4, 0, 0),
		step(dialtone.CampaignRunning, 4, 0, 0), // unchanged: no line
		step(dialtone.CampaignRunning, 2, 2, 0),
		step(dialtone.CampaignRunning, 2, 2, 0),
		step(dialtone.CampaignRunning, 0, 1, 3),
		step(dialtone.CampaignCompleted, 0, 0, 4),
	}
	out, err := run(t, "campaigns", "watch", "cmp_1", "--interval", "1ms")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{
		"scheduled [--------------------] 0/4 0%  ETA —  p:4 c:0 ok:0 f:0 s:0 x:0",
		"running [--------------------] 0/4 0%  ETA —  p:4 c:0 ok:0 f:0 s:0 x:0",
		"running [--------------------] 0/4 0%  ETA —  p:2 c:2 ok:0 f:0 s:0 x:0",
		"running [###############-----] 3/4 75%  ETA —  p:0 c:1 ok:3 f:0 s:0 x:0",
		"completed [####################] 4/4 100%  ETA —  p:0 c:0 ok:4 f:0 s:0 x:0",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("watch printed\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if _, err := run(t, "campaigns", "watch", "cmp_missing", "--interval", "1ms"); err == nil || !strings.Contains(err.Error(), "campaign_not_found") {
		t.Errorf("watching an unknown campaign: %v", err)
	}
	if _, err := run(t, "campaigns", "watch", "cmp_1", "--interval", "0s"); err == nil || !strings.Contains(err.Error(), "--interval") {
		t.Errorf("zero interval: %v", err)
	}

	// On a terminal the line is redrawn in place; Ctrl-C (a canceled context) ends the watch
	// cleanly, on a fresh line.
	api.mu.Lock()
	api.progress, api.gets = []dialtone.Campaign{step(dialtone.CampaignRunning, 2, 2, 0)}, 0
	api.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	var tty bytes.Buffer
	c := client.New(api.URL, "key_test:dts_test")
	if err := watchCampaign(ctx, &tty, c, "cmp_1", 5*time.Millisecond, true, 100); err != nil {
		t.Fatalf("watch until Ctrl-C: %v", err)
	}
	draws := strings.Count(tty.String(), "\r")
	if draws < 2 || !strings.HasSuffix(tty.String(), "\x1b[K\n") || strings.Count(tty.String(), "\n") != 1 {
		t.Errorf("terminal output (%d draws) = %q", draws, tty.String())
	}
	for _, line := range strings.Split(strings.TrimSuffix(tty.String(), "\n"), "\r")[1:] {
		if n := utf8.RuneCountInString(strings.TrimSuffix(line, "\x1b[K")); n > 99 {
			t.Errorf("a line of %d columns on a 100-column terminal: %q", n, line)
		}
	}
	if isTerminal(&tty) {
		t.Error("a buffer is a terminal")
	}
}
