package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/dialtonehq/dialtone"
)

// CampaignsService manages the organization's outbound calling campaigns and their leads
// (/v1/campaigns). Reading needs a key of role read; changing, a key of role write.
//
// A campaign is created as a draft, takes leads (AddLeads, UploadLeads) and then moves
// through its life with Start, Pause, Resume and Cancel:
//
//	draft → scheduled → running ⇄ paused → completed; any of the first four → canceled
//
// Every method may also return the errors of any request (authentication, permissions, rate
// limits, server errors) as *Error.
type CampaignsService struct{ c *Client }

// CampaignListParams selects one page of campaigns, newest first, and filters them. The zero
// value (or a nil *CampaignListParams) asks for the first page of every campaign.
type CampaignListParams struct {
	// Limit, StartingAfter and EndingBefore page through the list as in ListParams.
	Limit         int
	StartingAfter string
	EndingBefore  string

	// Status keeps only the campaigns in this status (e.g. dialtone.CampaignRunning).
	Status dialtone.CampaignStatus
}

func (p *CampaignListParams) page() *ListParams {
	if p == nil {
		return nil
	}
	return &ListParams{Limit: p.Limit, StartingAfter: p.StartingAfter, EndingBefore: p.EndingBefore}
}

func (p CampaignListParams) withPage(page *ListParams) *CampaignListParams {
	p.Limit, p.StartingAfter, p.EndingBefore = page.Limit, page.StartingAfter, page.EndingBefore
	return &p
}

func (p *CampaignListParams) query() url.Values {
	q := p.page().query()
	if p != nil && p.Status != "" {
		q.Set("status", string(p.Status))
	}
	return q
}

// LeadListParams selects one page of a campaign's leads, in the order of the server's lead
// list (dialtone.CampaignService.ListLeads), and filters them. The zero value (or a nil
// *LeadListParams) asks for the first page of every lead. StartingAfter gives the leads that
// follow the cursor in that order, EndingBefore those that precede it.
type LeadListParams struct {
	// Limit, StartingAfter and EndingBefore page through the list as in ListParams.
	Limit         int
	StartingAfter string
	EndingBefore  string

	// Status keeps only the leads in this status (e.g. dialtone.LeadPending).
	Status dialtone.LeadStatus
}

func (p *LeadListParams) page() *ListParams {
	if p == nil {
		return nil
	}
	return &ListParams{Limit: p.Limit, StartingAfter: p.StartingAfter, EndingBefore: p.EndingBefore}
}

func (p LeadListParams) withPage(page *ListParams) *LeadListParams {
	p.Limit, p.StartingAfter, p.EndingBefore = page.Limit, page.StartingAfter, page.EndingBefore
	return &p
}

func (p *LeadListParams) query() url.Values {
	q := p.page().query()
	if p != nil && p.Status != "" {
		q.Set("status", string(p.Status))
	}
	return q
}

// Create creates a draft campaign; params.Name, params.AgentID and params.MaxConcurrentCalls
// are required. Errors, as *Error codes:
//   - a validation error (400, Fields lists every invalid field) for missing or out-of-range
//     values, numbers not in E.164 form, an unknown time zone or a malformed calling window;
//   - agent_not_found (404) for an unknown params.AgentID;
//   - from_number_not_owned (422) when one of params.FromNumbers is not an outbound number of
//     the organization.
//
// On error nothing is created.
func (s *CampaignsService) Create(ctx context.Context, params dialtone.CampaignCreateParams, opts ...RequestOption) (*dialtone.Campaign, error) {
	return send[dialtone.Campaign](ctx, s.c, request{method: http.MethodPost, path: "/v1/campaigns", body: params, opts: opts})
}

// Get returns the campaign with the given id, with its progress and ETA; campaign_not_found
// when it does not exist, was deleted or belongs to another organization.
func (s *CampaignsService) Get(ctx context.Context, id string) (*dialtone.Campaign, error) {
	return sendID[dialtone.Campaign](ctx, s.c, "campaign", id, request{method: http.MethodGet, path: "/v1/campaigns/{id}"})
}

// List returns one page of campaigns matching p (which may be nil), newest first. An unknown
// status gives invalid_value (param status); a cursor that is not a campaign of the
// organization, invalid_cursor.
func (s *CampaignsService) List(ctx context.Context, p *CampaignListParams) (*dialtone.List[dialtone.Campaign], error) {
	return send[dialtone.List[dialtone.Campaign]](ctx, s.c, request{method: http.MethodGet, path: "/v1/campaigns", query: p.query()})
}

// All iterates over every campaign matching p (which may be nil), fetching pages of p.Limit
// campaigns as the loop needs them, in the order and with the error handling of
// AgentsService.All.
func (s *CampaignsService) All(ctx context.Context, p *CampaignListParams) iter.Seq2[dialtone.Campaign, error] {
	return allFiltered(ctx, p, s.List, func(c dialtone.Campaign) string { return c.ID })
}

// Update changes the fields set in params (PATCH) and returns the campaign; a null
// from_numbers, instructions, schedule, calls_per_second, retry or metadata resets it to its
// default. It returns campaign_not_found, a validation error (400) like Create's, and
// campaign_state_conflict (409, details.status) for a completed or canceled campaign; on
// error nothing changes.
func (s *CampaignsService) Update(ctx context.Context, id string, params dialtone.CampaignUpdateParams) (*dialtone.Campaign, error) {
	return sendID[dialtone.Campaign](ctx, s.c, "campaign", id, request{method: http.MethodPatch, path: "/v1/campaigns/{id}", body: params})
}

// Delete deletes a draft campaign and its leads for good. It returns campaign_not_found for
// an unknown campaign (also when a first attempt succeeded but its answer was lost and the
// automatic retry repeated it) and campaign_state_conflict (409) for a campaign that is no
// longer a draft: cancel it instead.
func (s *CampaignsService) Delete(ctx context.Context, id string) (*dialtone.Deleted, error) {
	return sendID[dialtone.Deleted](ctx, s.c, "campaign", id, request{method: http.MethodDelete, path: "/v1/campaigns/{id}"})
}

// Start starts a draft campaign and returns it scheduled: the dialer makes it running at its
// schedule's start_at (at once without one). It returns campaign_not_found,
// campaign_state_conflict (409; details.status and details.allowed_actions) for a campaign
// that is not a draft, and campaign_has_no_leads (422) for a campaign without leads. The
// request has no body.
func (s *CampaignsService) Start(ctx context.Context, id string) (*dialtone.Campaign, error) {
	return s.act(ctx, id, dialtone.CampaignStart)
}

// Pause pauses a running campaign and returns it paused: live calls finish, nothing new is
// dialed. It returns campaign_not_found, and campaign_state_conflict (409) for a campaign
// that is not running.
func (s *CampaignsService) Pause(ctx context.Context, id string) (*dialtone.Campaign, error) {
	return s.act(ctx, id, dialtone.CampaignPause)
}

// Resume makes a paused campaign running again. It returns campaign_not_found, and
// campaign_state_conflict (409) for a campaign that is not paused.
func (s *CampaignsService) Resume(ctx context.Context, id string) (*dialtone.Campaign, error) {
	return s.act(ctx, id, dialtone.CampaignResume)
}

// Cancel stops a campaign for good and returns it canceled; its waiting leads become
// canceled. It returns campaign_not_found, and campaign_state_conflict (409) for a campaign
// that is already completed or canceled.
func (s *CampaignsService) Cancel(ctx context.Context, id string) (*dialtone.Campaign, error) {
	return s.act(ctx, id, dialtone.CampaignCancel)
}

// act sends POST /v1/campaigns/{id}/{a}.
func (s *CampaignsService) act(ctx context.Context, id string, a dialtone.CampaignAction) (*dialtone.Campaign, error) {
	return sendID[dialtone.Campaign](ctx, s.c, "campaign", id,
		request{method: http.MethodPost, path: "/v1/campaigns/{id}/" + url.PathEscape(string(a))})
}

// AddLeads adds leads (at most dialtone.MaxLeadBatch) to a campaign that is not completed or
// canceled, and returns the report: how many were added and which were rejected, grouped by
// reason, numbered from 1 in the order sent. Unless skipInvalid, a batch with any rejected
// lead adds nothing and fails with leads_rejected (422; LeadsRejectedDetails reads its
// groups). It also returns campaign_not_found, campaign_state_conflict (409) for a completed
// or canceled campaign, import_too_large (413) for a batch over the limit and validation
// errors (400) for a malformed body. Retries resend the same Idempotency-Key, so a batch is
// never added twice by one call.
func (s *CampaignsService) AddLeads(ctx context.Context, id string, leads []dialtone.LeadInput, skipInvalid bool, opts ...RequestOption) (*dialtone.LeadUpload, error) {
	if leads == nil {
		leads = []dialtone.LeadInput{}
	}
	body := struct {
		Leads []dialtone.LeadInput `json:"leads"`
	}{leads}
	return sendID[dialtone.LeadUpload](ctx, s.c, "campaign", id, request{method: http.MethodPost,
		path: "/v1/campaigns/{id}/leads", query: skipQuery(skipInvalid), body: body, opts: opts})
}

// UploadLeads uploads csv, a CSV file with a header row naming a phone_number column (and
// optionally timezone; any other column becomes one of the lead's variables), to a campaign
// that is not completed or canceled, and returns the report as AddLeads does, with the rows
// numbered as a spreadsheet shows them (the header is row 1). Unless skipInvalid, a file with
// any rejected row adds nothing and fails with leads_rejected (422). invalid_csv (400) or
// import_too_large (413; at most dialtone.MaxLeadImportRows rows and
// dialtone.MaxLeadImportBytes bytes) refuse the whole file; campaign_not_found and
// campaign_state_conflict as for AddLeads. Retries resend the same Idempotency-Key, so a file
// is never added twice by one call.
func (s *CampaignsService) UploadLeads(ctx context.Context, id string, csv []byte, skipInvalid bool, opts ...RequestOption) (*dialtone.LeadUpload, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "leads.csv")
	if err == nil {
		_, err = fw.Write(csv)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return nil, err
	}
	return sendID[dialtone.LeadUpload](ctx, s.c, "campaign", id, request{method: http.MethodPost,
		path: "/v1/campaigns/{id}/leads", query: skipQuery(skipInvalid),
		body: rawBody{data: buf.Bytes(), contentType: mw.FormDataContentType()}, opts: opts})
}

// skipQuery is the query of a lead upload: skip_invalid=true, or none.
func skipQuery(skipInvalid bool) url.Values {
	if !skipInvalid {
		return nil
	}
	return url.Values{"skip_invalid": {"true"}}
}

// LeadsRejected is the details of a leads_rejected error: the rejected leads grouped by
// reason, and how many of the batch were valid (none of which were added).
type LeadsRejected struct {
	Rejected []dialtone.ImportRejection `json:"rejected"`
	Valid    int                        `json:"valid"`
}

// LeadsRejectedDetails returns the details of err when it is, or wraps, an *Error with code
// leads_rejected; ok is false otherwise.
func LeadsRejectedDetails(err error) (d LeadsRejected, ok bool) {
	var e *Error
	if !errors.As(err, &e) || e.Code != dialtone.CodeLeadsRejected {
		return LeadsRejected{}, false
	}
	if b, jerr := json.Marshal(e.Details); jerr == nil {
		_ = json.Unmarshal(b, &d)
	}
	return d, true
}

// ListLeads returns one page of the campaign's leads matching p (which may be nil), in the
// order of the server's lead list. It returns campaign_not_found, invalid_value (param status) for an unknown status and
// invalid_cursor for a cursor that is not a lead of the campaign.
func (s *CampaignsService) ListLeads(ctx context.Context, id string, p *LeadListParams) (*dialtone.List[dialtone.Lead], error) {
	return sendID[dialtone.List[dialtone.Lead]](ctx, s.c, "campaign", id,
		request{method: http.MethodGet, path: "/v1/campaigns/{id}/leads", query: p.query()})
}

// AllLeads iterates over every lead of the campaign matching p (which may be nil), fetching
// pages as the loop needs them: in the list's order, or from p.EndingBefore against it. An
// error is yielded once and ends the iteration, as with AgentsService.All.
func (s *CampaignsService) AllLeads(ctx context.Context, id string, p *LeadListParams) iter.Seq2[dialtone.Lead, error] {
	list := func(ctx context.Context, p *LeadListParams) (*dialtone.List[dialtone.Lead], error) {
		return s.ListLeads(ctx, id, p)
	}
	return allFiltered(ctx, p, list, func(l dialtone.Lead) string { return l.ID })
}

// GetLead returns a lead of the campaign: campaign_not_found for an unknown campaign,
// lead_not_found for a lead the campaign does not have.
func (s *CampaignsService) GetLead(ctx context.Context, id, leadID string) (*dialtone.Lead, error) {
	path, err := leadPath(id, leadID)
	if err != nil {
		return nil, err
	}
	return send[dialtone.Lead](ctx, s.c, request{method: http.MethodGet, path: path})
}

// DeleteLead removes a lead that is not being called from the campaign: campaign_not_found,
// lead_not_found (also after a retry that repeated a first attempt whose answer was lost),
// and lead_in_call (409, details.call_id) while one of its calls is live.
func (s *CampaignsService) DeleteLead(ctx context.Context, id, leadID string) (*dialtone.Deleted, error) {
	path, err := leadPath(id, leadID)
	if err != nil {
		return nil, err
	}
	return send[dialtone.Deleted](ctx, s.c, request{method: http.MethodDelete, path: path})
}

// leadPath is the escaped path of a campaign's lead.
func leadPath(id, leadID string) (string, error) {
	c, err := pathID("campaign", id)
	if err != nil {
		return "", err
	}
	l, err := pathID("lead", leadID)
	if err != nil {
		return "", err
	}
	return "/v1/campaigns/" + c + "/leads/" + l, nil
}
