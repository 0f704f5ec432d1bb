package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"time"

	"github.com/dialtonehq/dialtone"
)

// CallsService places, reads and ends the organization's calls (/v1/calls). Reading needs a
// key of role read; placing, hanging up and deleting, a key of role write.
type CallsService struct{ c *Client }

// CallListParams selects one page of calls, newest first, and filters them. The zero value
// (or a nil *CallListParams) asks for the first page of every call.
type CallListParams struct {
	// Limit, StartingAfter and EndingBefore page through the list as in ListParams.
	Limit         int
	StartingAfter string
	EndingBefore  string

	// AgentID keeps only the calls of this agent.
	AgentID string
	// Status keeps only the calls in this status (e.g. dialtone.CallCompleted).
	Status dialtone.CallStatus
	// Direction keeps only inbound or only outbound calls.
	Direction dialtone.CallDirection
	// PhoneNumberID keeps only the calls on this number of the organization.
	PhoneNumberID string
	// CampaignID keeps only the calls of this campaign.
	CampaignID string
	// CreatedAfter and CreatedBefore keep only the calls created strictly after, or strictly
	// before, the given instant; the zero time sets no bound.
	CreatedAfter  time.Time
	CreatedBefore time.Time
}

// page returns p's pagination as ListParams.
func (p *CallListParams) page() *ListParams {
	if p == nil {
		return nil
	}
	return &ListParams{Limit: p.Limit, StartingAfter: p.StartingAfter, EndingBefore: p.EndingBefore}
}

func (p CallListParams) withPage(page *ListParams) *CallListParams {
	p.Limit, p.StartingAfter, p.EndingBefore = page.Limit, page.StartingAfter, page.EndingBefore
	return &p
}

func (p *CallListParams) query() url.Values {
	q := p.page().query()
	if p == nil {
		return q
	}
	set := func(name, v string) {
		if v != "" {
			q.Set(name, v)
		}
	}
	set("agent_id", p.AgentID)
	set("status", string(p.Status))
	set("direction", string(p.Direction))
	set("phone_number_id", p.PhoneNumberID)
	set("campaign_id", p.CampaignID)
	set("created_after", queryTime(p.CreatedAfter))
	set("created_before", queryTime(p.CreatedBefore))
	return q
}

// queryTime formats t for a query parameter (RFC 3339, UTC, nanoseconds kept), "" for the
// zero time.
func queryTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Create queues an outbound call from params.AgentID to params.ToNumber and returns it in
// status queued; the server dials it once the organization has a free line (poll Get to
// follow it). Errors, as *Error codes:
//   - a validation error (400, Fields lists every invalid field) for missing agent_id or
//     to_number, numbers not in E.164 form, or out-of-range values;
//   - agent_not_found (404) for an unknown params.AgentID;
//   - from_number_not_owned (422) when params.FromNumber is not an outbound-enabled number
//     attached to the agent, agent_no_phone (422) when it is left out and the agent has none;
//   - destination_not_allowed (403) when the telephony config refuses params.ToNumber
//     (details.reason says why);
//   - insufficient_balance (402) for a prepaid organization whose balance does not cover a
//     minute;
//   - concurrent_call_limit (429) when the organization's queue of waiting calls is full; the
//     client retries it like any 429 before giving up.
//
// On error nothing is queued.
func (s *CallsService) Create(ctx context.Context, params dialtone.CallParams, opts ...RequestOption) (*dialtone.Call, error) {
	return send[dialtone.Call](ctx, s.c, request{method: http.MethodPost, path: "/v1/calls", body: params, opts: opts})
}

// Get returns the call with the given id; call_not_found when it does not exist, was deleted
// or belongs to another organization.
func (s *CallsService) Get(ctx context.Context, id string) (*dialtone.Call, error) {
	return sendID[dialtone.Call](ctx, s.c, "call", id, request{method: http.MethodGet, path: "/v1/calls/{id}"})
}

// List returns one page of calls matching p (which may be nil), newest first. An unknown
// status or direction gives invalid_value (param status or direction); a cursor that is not
// a call of the organization, invalid_cursor.
func (s *CallsService) List(ctx context.Context, p *CallListParams) (*dialtone.List[dialtone.Call], error) {
	return send[dialtone.List[dialtone.Call]](ctx, s.c, request{method: http.MethodGet, path: "/v1/calls", query: p.query()})
}

// All iterates over every call matching p (which may be nil), fetching pages of p.Limit calls
// as the loop needs them, in the order and with the error handling of AgentsService.All.
func (s *CallsService) All(ctx context.Context, p *CallListParams) iter.Seq2[dialtone.Call, error] {
	return allFiltered(ctx, p, s.List, func(c dialtone.Call) string { return c.ID })
}

// Hangup ends a call that has not ended and returns it as it ended: a call not yet answered
// becomes canceled (ended_reason canceled), an answered one completed (ended_reason
// api_hangup). It returns call_not_found for an unknown call and call_already_ended (409,
// details.status gives the final status) for one that had already ended. The request has no
// body.
func (s *CallsService) Hangup(ctx context.Context, id string) (*dialtone.Call, error) {
	return sendID[dialtone.Call](ctx, s.c, "call", id, request{method: http.MethodPost, path: "/v1/calls/{id}/hangup"})
}

// Delete erases an ended call's content (instructions, variables, metadata); the call leaves
// the API but its cost stays in the ledger and in usage. It returns call_not_ended (409) for a
// call still going on (hang it up first) and call_not_found for an unknown one. As with
// AgentsService.Delete, a retry after a lost answer reports call_not_found.
func (s *CallsService) Delete(ctx context.Context, id string) (*dialtone.Deleted, error) {
	return sendID[dialtone.Deleted](ctx, s.c, "call", id, request{method: http.MethodDelete, path: "/v1/calls/{id}"})
}

// SandboxService simulates the outside world of the sandbox carrier (/v1/sandbox). It needs a
// key of role write.
type SandboxService struct{ c *Client }

// Call makes a simulated person at params.From call params.To, one of the organization's
// sandbox numbers, and returns the inbound call as routing left it: in_progress when the
// number's agent answered; failed (no_agent or inbound_disabled) when the number has no agent
// or refuses inbound calls; busy (concurrency_limit) when the organization already has its
// maximum of live calls. It returns a validation error for missing or non-E.164 numbers,
// phone_number_not_found (param to) when the organization holds no such number, and
// invalid_value (param to) for a number of another carrier.
func (s *SandboxService) Call(ctx context.Context, params dialtone.SandboxCallParams, opts ...RequestOption) (*dialtone.Call, error) {
	return send[dialtone.Call](ctx, s.c, request{method: http.MethodPost, path: "/v1/sandbox/calls", body: params, opts: opts})
}

// Text makes a simulated person at params.From text params.Body to params.To, one of the
// organization's sandbox numbers, and returns the inbound message as stored (status
// received, in the conversation of the two numbers). Its answer follows in the same
// conversation as an outbound message: the opt-out or opt-in confirmation for STOP or START,
// the organization's sms_help_text for HELP, or otherwise the agent's reply when the number
// has sms_reply_enabled and an agent. It returns a validation error for missing or
// non-E.164 numbers or an empty body, message_too_long for a body over 1,600 characters,
// phone_number_not_found (param to) when the organization holds no such number, and
// invalid_value (param to) for a number of another carrier.
func (s *SandboxService) Text(ctx context.Context, params dialtone.SandboxMessageParams, opts ...RequestOption) (*dialtone.Message, error) {
	return send[dialtone.Message](ctx, s.c, request{method: http.MethodPost, path: "/v1/sandbox/messages", body: params, opts: opts})
}
