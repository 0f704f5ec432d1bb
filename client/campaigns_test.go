package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

// writeJSON writes status and body as a JSON answer.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body+"\n")
}

const campaignJSON = `{"id":"cmp_1","object":"campaign","name":"Spring","status":"draft","agent_id":"agt_1",
	"from_numbers":["+14155550100"],"instructions":"","schedule":{"start_at":null,"end_at":null,"timezone":"America/New_York",
	"windows":[{"days":["mon","tue"],"start":"09:00","end":"17:00"}]},"max_concurrent_calls":5,"calls_per_second":1.5,
	"retry":{"max_attempts":3,"backoff_minutes":30,"retry_on":["busy","no_answer"]},"metadata":{"k":"v"},
	"progress":{"total":10,"pending":4,"calling":1,"completed":3,"failed":1,"skipped":1,"canceled":0},
	"eta":"2030-01-02T03:04:05Z","started_at":null,"completed_at":null,"canceled_at":null,
	"created_at":"2030-01-01T00:00:00Z","updated_at":"2030-01-01T00:00:00Z"}`

func TestCampaignCreateGetUpdateDelete(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 1:
			writeJSON(w, http.StatusCreated, campaignJSON)
		case 2, 3:
			writeJSON(w, http.StatusOK, campaignJSON)
		default:
			writeJSON(w, http.StatusOK, `{"id":"cmp_1","object":"campaign","deleted":true}`)
		}
	})
	c := client.New(f.URL, "key_a:dts_b")
	ctx := context.Background()
	cps := 1.5
	created, err := c.Campaigns.Create(ctx, dialtone.CampaignCreateParams{
		Name: dialtone.Some("Spring"), AgentID: dialtone.Some("agt_1"), MaxConcurrentCalls: dialtone.Some(5),
		CallsPerSecond: dialtone.Some(cps), FromNumbers: dialtone.Some([]string{"+14155550100"}),
		Schedule: dialtone.Some(dialtone.CampaignSchedule{Timezone: "America/New_York",
			Windows: []dialtone.CallingWindow{{Days: []string{"mon", "tue"}, Start: "09:00", End: "17:00"}}}),
		Retry: dialtone.Some(dialtone.RetryPolicy{MaxAttempts: 3, BackoffMinutes: 30,
			RetryOn: []dialtone.LeadOutcome{dialtone.OutcomeBusy, dialtone.OutcomeNoAnswer}}),
	}, client.WithIdempotencyKey("idem-1"))
	if err != nil {
		t.Fatal(err)
	}
	eta := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if created.ID != "cmp_1" || created.Status != dialtone.CampaignDraft || created.CallsPerSecond == nil || *created.CallsPerSecond != 1.5 ||
		created.Progress != (dialtone.CampaignProgress{Total: 10, Pending: 4, Calling: 1, Completed: 3, Failed: 1, Skipped: 1}) ||
		created.ETA == nil || !created.ETA.Equal(eta) || created.Retry.MaxAttempts != 3 || len(created.Schedule.Windows) != 1 ||
		created.Metadata["k"] != "v" {
		t.Fatalf("created = %+v", created)
	}
	if _, err := c.Campaigns.Get(ctx, "cmp_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Campaigns.Update(ctx, "cmp_1", dialtone.CampaignUpdateParams{Name: dialtone.Some("Summer"),
		Schedule: dialtone.Null[dialtone.CampaignSchedule]()}); err != nil {
		t.Fatal(err)
	}
	del, err := c.Campaigns.Delete(ctx, "cmp_1")
	if err != nil || !del.Deleted || del.ID != "cmp_1" || del.Object != "campaign" {
		t.Fatalf("delete = %+v, %v", del, err)
	}

	reqs := f.requests()
	want := []struct{ method, path string }{
		{"POST", "/v1/campaigns"}, {"GET", "/v1/campaigns/cmp_1"}, {"PATCH", "/v1/campaigns/cmp_1"}, {"DELETE", "/v1/campaigns/cmp_1"},
	}
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d", len(reqs), len(want))
	}
	for i, w := range want {
		if reqs[i].Method != w.method || reqs[i].Path != w.path || reqs[i].Query != "" {
			t.Errorf("request %d = %s %s?%s, want %s %s", i, reqs[i].Method, reqs[i].Path, reqs[i].Query, w.method, w.path)
		}
	}
	if got := reqs[0].Header.Get("Idempotency-Key"); got != "idem-1" {
		t.Errorf("Idempotency-Key = %q", got)
	}
	if got := reqs[0].Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	var body map[string]any
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body["name"] != "Spring" || body["agent_id"] != "agt_1" || body["max_concurrent_calls"] != 5.0 || body["calls_per_second"] != 1.5 {
		t.Errorf("create body = %s", reqs[0].Body)
	}
	if _, ok := body["instructions"]; ok {
		t.Errorf("create body sends unset instructions: %s", reqs[0].Body)
	}
	sched, _ := body["schedule"].(map[string]any)
	windows, _ := sched["windows"].([]any)
	if sched["timezone"] != "America/New_York" || len(windows) != 1 {
		t.Errorf("create schedule = %s", reqs[0].Body)
	}
	retry, _ := body["retry"].(map[string]any)
	if retry["max_attempts"] != 3.0 || retry["backoff_minutes"] != 30.0 || len(retry["retry_on"].([]any)) != 2 {
		t.Errorf("create retry = %s", reqs[0].Body)
	}
	if got := string(reqs[2].Body); got != `{"name":"Summer","schedule":null}` {
		t.Errorf("update body = %s", got)
	}
	if len(reqs[1].Body) != 0 {
		t.Errorf("get sent a body: %s", reqs[1].Body)
	}
}

func TestCampaignListAndAllKeepTheStatusFilter(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("starting_after") == "" {
			writeJSON(w, http.StatusOK, `{"object":"list","data":[{"id":"cmp_3","object":"campaign","status":"running"},
				{"id":"cmp_2","object":"campaign","status":"running"}],"has_more":true}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"object":"list","data":[{"id":"cmp_1","object":"campaign","status":"running"}],"has_more":false}`)
	})
	c := client.New(f.URL, "k")
	ctx := context.Background()
	page, err := c.Campaigns.List(ctx, &client.CampaignListParams{Status: dialtone.CampaignRunning, Limit: 2, EndingBefore: "cmp_9"})
	if err != nil || len(page.Data) != 2 || !page.HasMore || page.Data[0].Status != dialtone.CampaignRunning {
		t.Fatalf("list = %+v, %v", page, err)
	}
	if _, err := c.Campaigns.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for cmp, err := range c.Campaigns.All(ctx, &client.CampaignListParams{Status: dialtone.CampaignRunning, Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cmp.ID)
	}
	if strings.Join(ids, ",") != "cmp_3,cmp_2,cmp_1" {
		t.Errorf("All = %v", ids)
	}
	reqs := f.requests()
	wantQueries := []url.Values{
		{"status": {"running"}, "limit": {"2"}, "ending_before": {"cmp_9"}},
		{},
		{"status": {"running"}, "limit": {"2"}},
		{"status": {"running"}, "limit": {"2"}, "starting_after": {"cmp_2"}},
	}
	if len(reqs) != len(wantQueries) {
		t.Fatalf("%d requests, want %d", len(reqs), len(wantQueries))
	}
	for i, w := range wantQueries {
		if reqs[i].Method != "GET" || reqs[i].Path != "/v1/campaigns" || reqs[i].Query != w.Encode() {
			t.Errorf("request %d = %s %s?%s, want GET /v1/campaigns?%s", i, reqs[i].Method, reqs[i].Path, reqs[i].Query, w.Encode())
		}
	}
}

func TestCampaignActions(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		status := map[string]string{"start": "scheduled", "pause": "paused", "resume": "running", "cancel": "canceled"}[r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]]
		writeJSON(w, http.StatusOK, `{"id":"cmp_1","object":"campaign","status":"`+status+`"}`)
	})
	c := client.New(f.URL, "k")
	ctx := context.Background()
	for _, tc := range []struct {
		action string
		fn     func(context.Context, string) (*dialtone.Campaign, error)
		want   dialtone.CampaignStatus
	}{
		{"start", c.Campaigns.Start, dialtone.CampaignScheduled},
		{"pause", c.Campaigns.Pause, dialtone.CampaignPaused},
		{"resume", c.Campaigns.Resume, dialtone.CampaignRunning},
		{"cancel", c.Campaigns.Cancel, dialtone.CampaignCanceled},
	} {
		got, err := tc.fn(ctx, "cmp_1")
		if err != nil || got.Status != tc.want {
			t.Errorf("%s = %+v, %v", tc.action, got, err)
		}
		if _, err := tc.fn(ctx, ""); err == nil || !strings.Contains(err.Error(), "campaign id is empty") {
			t.Errorf("%s with an empty id: %v", tc.action, err)
		}
	}
	reqs := f.requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	for i, action := range []string{"start", "pause", "resume", "cancel"} {
		r := reqs[i]
		if r.Method != "POST" || r.Path != "/v1/campaigns/cmp_1/"+action || r.Query != "" || len(r.Body) != 0 ||
			r.Header.Get("Content-Type") != "" || r.Header.Get("Idempotency-Key") == "" {
			t.Errorf("%s request = %+v", action, r)
		}
	}
}

func TestCampaignAddLeads(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusCreated, `{"object":"lead_upload","added":2,"rejected":[{"reason":"invalid_phone_number","rows":[3],"message":"not E.164"}]}`)
	})
	c := client.New(f.URL, "k")
	ctx := context.Background()
	leads := []dialtone.LeadInput{
		{PhoneNumber: "+14155550101", Variables: map[string]string{"name": "Ada"}, Timezone: "America/Los_Angeles"},
		{PhoneNumber: "+14155550102"},
		{PhoneNumber: "nope"},
	}
	up, err := c.Campaigns.AddLeads(ctx, "cmp_1", leads, true)
	if err != nil || up.Object != "lead_upload" || up.Added != 2 || len(up.Rejected) != 1 ||
		up.Rejected[0].Reason != dialtone.ImportRejectInvalidPhone || up.Rejected[0].Rows[0] != 3 || up.Rejected[0].Message != "not E.164" {
		t.Fatalf("add = %+v, %v", up, err)
	}
	if _, err := c.Campaigns.AddLeads(ctx, "cmp_1", nil, false); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if r := reqs[0]; r.Method != "POST" || r.Path != "/v1/campaigns/cmp_1/leads" || r.Query != "skip_invalid=true" ||
		r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request = %+v", r)
	}
	want := `{"leads":[{"phone_number":"+14155550101","variables":{"name":"Ada"},"timezone":"America/Los_Angeles"},` +
		`{"phone_number":"+14155550102"},{"phone_number":"nope"}]}`
	if string(reqs[0].Body) != want {
		t.Errorf("body = %s\nwant %s", reqs[0].Body, want)
	}
	if r := reqs[1]; r.Query != "" || string(r.Body) != `{"leads":[]}` {
		t.Errorf("without skip_invalid = %s?%s %s", r.Path, r.Query, r.Body)
	}
}

func TestCampaignUploadLeadsSendsMultipart(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusCreated, `{"object":"lead_upload","added":1,"rejected":[]}`)
	})
	c := client.New(f.URL, "k")
	csv := []byte("phone_number,name\n+14155550101,Ada\n")
	up, err := c.Campaigns.UploadLeads(context.Background(), "cmp_1", csv, false, client.WithIdempotencyKey("up-1"))
	if err != nil || up.Added != 1 || len(up.Rejected) != 0 {
		t.Fatalf("upload = %+v, %v", up, err)
	}
	if _, err := c.Campaigns.UploadLeads(context.Background(), "cmp_1", csv, true); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/v1/campaigns/cmp_1/leads" || r.Query != "" || r.Header.Get("Idempotency-Key") != "up-1" {
		t.Errorf("request = %s %s?%s", r.Method, r.Path, r.Query)
	}
	if reqs[1].Query != "skip_invalid=true" {
		t.Errorf("skip_invalid query = %q", reqs[1].Query)
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("Content-Type = %q", r.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
	part, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(part)
	if part.FormName() != "file" || part.FileName() != "leads.csv" || !bytes.Equal(got, csv) {
		t.Errorf("part %q (%q) = %q", part.FormName(), part.FileName(), got)
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("more than one part: %v", err)
	}
}

func TestCampaignLeadsRejectedError(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req_7")
		writeJSON(w, http.StatusUnprocessableEntity, `{"error":{"type":"unprocessable","code":"leads_rejected",
			"message":"Some leads were rejected, so none were added.","details":{"rejected":[
			{"reason":"invalid_phone_number","rows":[3,5],"message":"Not a valid E.164 number."},
			{"reason":"duplicate","rows":[7],"message":"Repeated."}],"valid":4},
			"doc_url":"http://x/docs/errors#leads_rejected","request_id":"req_7"}}`)
	})
	c := client.New(f.URL, "k")
	_, err := c.Campaigns.UploadLeads(context.Background(), "cmp_1", []byte("phone_number\n"), false)
	var e *client.Error
	if !asError(err, &e) {
		t.Fatalf("err = %v (%T), want *client.Error", err, err)
	}
	if e.StatusCode != http.StatusUnprocessableEntity || e.Code != dialtone.CodeLeadsRejected || e.Type != dialtone.TypeUnprocessable ||
		e.RequestID != "req_7" || e.Details["valid"] != 4.0 || !client.IsCode(err, dialtone.CodeLeadsRejected) {
		t.Errorf("error = %+v", e)
	}
	d, ok := client.LeadsRejectedDetails(err)
	if !ok || d.Valid != 4 || len(d.Rejected) != 2 || d.Rejected[0].Reason != dialtone.ImportRejectInvalidPhone ||
		len(d.Rejected[0].Rows) != 2 || d.Rejected[0].Rows[1] != 5 || d.Rejected[1].Reason != dialtone.ImportRejectDuplicate ||
		d.Rejected[1].Message != "Repeated." {
		t.Errorf("details = %+v, %v", d, ok)
	}
	if len(f.requests()) != 1 {
		t.Errorf("a 422 was retried: %d requests", len(f.requests()))
	}
	if _, ok := client.LeadsRejectedDetails(&client.Error{Code: dialtone.CodeInvalidCSV}); ok {
		t.Error("invalid_csv read as leads_rejected")
	}
	if _, ok := client.LeadsRejectedDetails(nil); ok {
		t.Error("nil read as leads_rejected")
	}
}

func TestCampaignLeadErrorsDecode(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 1:
			writeError(w, http.StatusNotFound, "not_found", "campaign_not_found", "req_1")
		case 2:
			writeError(w, http.StatusNotFound, "not_found", "lead_not_found", "req_2")
		case 3:
			writeError(w, http.StatusConflict, "conflict", "lead_in_call", "req_3")
		default:
			writeError(w, http.StatusConflict, "conflict", "campaign_state_conflict", "req_4")
		}
	})
	c := client.New(f.URL, "k", client.WithMaxRetries(0))
	ctx := context.Background()
	if _, err := c.Campaigns.Get(ctx, "cmp_x"); !client.IsCode(err, dialtone.CodeCampaignNotFound) {
		t.Errorf("get: %v", err)
	}
	if _, err := c.Campaigns.GetLead(ctx, "cmp_1", "lead_x"); !client.IsCode(err, dialtone.CodeLeadNotFound) {
		t.Errorf("get lead: %v", err)
	}
	if _, err := c.Campaigns.DeleteLead(ctx, "cmp_1", "lead_1"); !client.IsCode(err, dialtone.CodeLeadInCall) {
		t.Errorf("delete lead: %v", err)
	}
	if _, err := c.Campaigns.Pause(ctx, "cmp_1"); !client.IsCode(err, dialtone.CodeCampaignStateConflict) {
		t.Errorf("pause: %v", err)
	}
}

func TestCampaignLeadsListGetDelete(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodDelete:
			writeJSON(w, http.StatusOK, `{"id":"lead_1","object":"lead","deleted":true}`)
		case strings.Contains(r.URL.Path, "/leads/"):
			writeJSON(w, http.StatusOK, `{"id":"lead_1","object":"lead","campaign_id":"cmp_1","phone_number":"+14155550101",
				"variables":{"name":"Ada"},"timezone":"America/Los_Angeles","status":"completed","attempts":2,"outcome":"answered",
				"call_id":"call_9","next_attempt_at":null,"completed_at":"2030-01-01T00:00:00Z",
				"created_at":"2030-01-01T00:00:00Z","updated_at":"2030-01-01T00:00:00Z"}`)
		case r.URL.Query().Get("starting_after") == "":
			writeJSON(w, http.StatusOK, `{"object":"list","data":[{"id":"lead_1","object":"lead","status":"pending"}],"has_more":true}`)
		default:
			writeJSON(w, http.StatusOK, `{"object":"list","data":[{"id":"lead_2","object":"lead","status":"pending"}],"has_more":false}`)
		}
	})
	c := client.New(f.URL, "k")
	ctx := context.Background()
	page, err := c.Campaigns.ListLeads(ctx, "cmp_1", &client.LeadListParams{Status: dialtone.LeadPending, Limit: 1})
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != "lead_1" || !page.HasMore {
		t.Fatalf("list leads = %+v, %v", page, err)
	}
	var ids []string
	for l, err := range c.Campaigns.AllLeads(ctx, "cmp_1", &client.LeadListParams{Status: dialtone.LeadPending, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, l.ID)
	}
	if strings.Join(ids, ",") != "lead_1,lead_2" {
		t.Errorf("AllLeads = %v", ids)
	}
	lead, err := c.Campaigns.GetLead(ctx, "cmp_1", "lead_1")
	if err != nil || lead.Status != dialtone.LeadCompleted || lead.Attempts != 2 || lead.Outcome == nil ||
		*lead.Outcome != dialtone.OutcomeAnswered || lead.CallID == nil || *lead.CallID != "call_9" ||
		lead.Variables["name"] != "Ada" || lead.CompletedAt == nil || lead.NextAttemptAt != nil {
		t.Fatalf("get lead = %+v, %v", lead, err)
	}
	del, err := c.Campaigns.DeleteLead(ctx, "cmp_1", "lead_1")
	if err != nil || !del.Deleted || del.Object != "lead" {
		t.Fatalf("delete lead = %+v, %v", del, err)
	}
	if _, err := c.Campaigns.GetLead(ctx, "cmp_1", ""); err == nil || !strings.Contains(err.Error(), "lead id is empty") {
		t.Errorf("empty lead id: %v", err)
	}
	if _, err := c.Campaigns.DeleteLead(ctx, "", "lead_1"); err == nil || !strings.Contains(err.Error(), "campaign id is empty") {
		t.Errorf("empty campaign id: %v", err)
	}
	if _, err := c.Campaigns.GetLead(ctx, "cmp 1", "lead/1"); err != nil {
		t.Fatal(err)
	}

	reqs := f.requests()
	want := []struct{ method, path, query string }{
		{"GET", "/v1/campaigns/cmp_1/leads", "limit=1&status=pending"},
		{"GET", "/v1/campaigns/cmp_1/leads", "limit=1&status=pending"},
		{"GET", "/v1/campaigns/cmp_1/leads", "limit=1&starting_after=lead_1&status=pending"},
		{"GET", "/v1/campaigns/cmp_1/leads/lead_1", ""},
		{"DELETE", "/v1/campaigns/cmp_1/leads/lead_1", ""},
		{"GET", "/v1/campaigns/cmp 1/leads/lead/1", ""}, // escaped on the wire, decoded by the server
	}
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d", len(reqs), len(want))
	}
	for i, w := range want {
		if r := reqs[i]; r.Method != w.method || r.Path != w.path || r.Query != w.query {
			t.Errorf("request %d = %s %s?%s, want %s %s?%s", i, r.Method, r.Path, r.Query, w.method, w.path, w.query)
		}
	}
}
